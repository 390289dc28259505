// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
// Serialization of LigandCouplingForce: a round trip keeps every setting, and malformed input is rejected.

#include "LigandCouplingForce.h"
#include "openmm/OpenMMException.h"
#include "openmm/Platform.h"
#include "openmm/System.h"
#include "openmm/serialization/XmlSerializer.h"
#include <gtest/gtest.h>
#include <memory>
#include <sstream>

using namespace OpenMM;
using OpenMMLigand::LigandCouplingForce;

static LigandCouplingForce makeNonDefaultForce() {
    LigandCouplingForce force;
    force.setForceGroup(3);
    force.setName("ligand coupling");
    force.setNonbondedMethod(LigandCouplingForce::CutoffPeriodic);
    force.setCutoffDistance(1.1);
    force.setUseSwitchingFunction(true);
    force.setSwitchingDistance(0.95);
    force.setElectrostaticsMode(LigandCouplingForce::ReactionField);
    force.setReactionFieldDielectric(60.5);
    force.setIncludeLigandInternalLJ(true);
    force.setUseDispersionCorrection(true);
    force.setSoftcoreParameters(0.3, 2, 1.5, 4);
    force.setElectrostaticsSoftcoreParameters(0.2, 1.5, 2);
    force.setStericsParameterName("ls");
    force.setElectrostaticsParameterName("le");
    force.setDefaultStericsLambda(0.25);
    force.setDefaultElectrostaticsLambda(0.75);
    force.setDefinesParameters(false);
    force.addEnergyParameterDerivative("le");
    for (int i = 0; i < 7; i++)
        force.addParticle(0.1 * i - 0.3, 0.2 + 0.01 * i, 0.05 * i);
    force.setLigandParticles({4, 2});
    force.setEnvironmentParticles({0, 6, 5});
    force.addExclusion(2, 5);
    force.addExclusion(4, 0);
    return force;
}

static void expectEqualForces(const LigandCouplingForce& a, const LigandCouplingForce& b) {
    EXPECT_EQ(a.getForceGroup(), b.getForceGroup());
    EXPECT_EQ(a.getName(), b.getName());
    EXPECT_EQ(a.getNonbondedMethod(), b.getNonbondedMethod());
    EXPECT_EQ(a.getCutoffDistance(), b.getCutoffDistance());
    EXPECT_EQ(a.getUseSwitchingFunction(), b.getUseSwitchingFunction());
    EXPECT_EQ(a.getSwitchingDistance(), b.getSwitchingDistance());
    EXPECT_EQ(a.getElectrostaticsMode(), b.getElectrostaticsMode());
    EXPECT_EQ(a.getReactionFieldDielectric(), b.getReactionFieldDielectric());
    EXPECT_EQ(a.getIncludeLigandInternalLJ(), b.getIncludeLigandInternalLJ());
    EXPECT_EQ(a.getUseDispersionCorrection(), b.getUseDispersionCorrection());
    EXPECT_EQ(a.getDefinesParameters(), b.getDefinesParameters());
    EXPECT_EQ(a.getSoftcoreAlpha(), b.getSoftcoreAlpha());
    EXPECT_EQ(a.getSoftcoreA(), b.getSoftcoreA());
    EXPECT_EQ(a.getSoftcoreB(), b.getSoftcoreB());
    EXPECT_EQ(a.getSoftcoreC(), b.getSoftcoreC());
    EXPECT_EQ(a.getSoftcoreBeta(), b.getSoftcoreBeta());
    EXPECT_EQ(a.getSoftcoreE(), b.getSoftcoreE());
    EXPECT_EQ(a.getSoftcoreF(), b.getSoftcoreF());
    EXPECT_EQ(a.getStericsParameterName(), b.getStericsParameterName());
    EXPECT_EQ(a.getElectrostaticsParameterName(), b.getElectrostaticsParameterName());
    EXPECT_EQ(a.getDefaultStericsLambda(), b.getDefaultStericsLambda());
    EXPECT_EQ(a.getDefaultElectrostaticsLambda(), b.getDefaultElectrostaticsLambda());
    ASSERT_EQ(a.getNumEnergyParameterDerivatives(), b.getNumEnergyParameterDerivatives());
    for (int k = 0; k < a.getNumEnergyParameterDerivatives(); k++)
        EXPECT_EQ(a.getEnergyParameterDerivativeName(k), b.getEnergyParameterDerivativeName(k));
    ASSERT_EQ(a.getNumParticles(), b.getNumParticles());
    for (int i = 0; i < a.getNumParticles(); i++) {
        double q1, s1, e1, q2, s2, e2;
        a.getParticleParameters(i, q1, s1, e1);
        b.getParticleParameters(i, q2, s2, e2);
        EXPECT_EQ(q1, q2);
        EXPECT_EQ(s1, s2);
        EXPECT_EQ(e1, e2);
    }
    EXPECT_EQ(a.getLigandParticles(), b.getLigandParticles());
    EXPECT_EQ(a.getEnvironmentParticles(), b.getEnvironmentParticles());
    ASSERT_EQ(a.getNumExclusions(), b.getNumExclusions());
    for (int k = 0; k < a.getNumExclusions(); k++) {
        int a1, a2, b1, b2;
        a.getExclusionParticles(k, a1, a2);
        b.getExclusionParticles(k, b1, b2);
        EXPECT_EQ(a1, b1);
        EXPECT_EQ(a2, b2);
    }
}

TEST(LigandSerialization, RoundTripKeepsEverySetting) {
    LigandCouplingForce force = makeNonDefaultForce();
    std::stringstream buffer;
    XmlSerializer::serialize<Force>(&force, "Force", buffer);
    std::unique_ptr<Force> copy(XmlSerializer::deserialize<Force>(buffer));
    LigandCouplingForce* typed = dynamic_cast<LigandCouplingForce*>(copy.get());
    ASSERT_NE(typed, nullptr) << buffer.str();
    expectEqualForces(force, *typed);
}

TEST(LigandSerialization, RoundTripInsideASystem) {
    System system;
    for (int i = 0; i < 7; i++)
        system.addParticle(1.0);
    system.addForce(new LigandCouplingForce(makeNonDefaultForce()));
    std::stringstream buffer;
    XmlSerializer::serialize<System>(&system, "System", buffer);
    std::unique_ptr<System> copy(XmlSerializer::deserialize<System>(buffer));
    ASSERT_EQ(copy->getNumForces(), 1);
    expectEqualForces(dynamic_cast<const LigandCouplingForce&>(system.getForce(0)),
            dynamic_cast<const LigandCouplingForce&>(copy->getForce(0)));
}

TEST(LigandSerialization, ReadsVersionOne) {
    // Version 1 had no definesParameters: such a force defined its parameters itself.
    LigandCouplingForce force = makeNonDefaultForce();
    std::stringstream buffer;
    XmlSerializer::serialize<Force>(&force, "Force", buffer);
    std::string xml = buffer.str();
    size_t version = xml.find("version=\"2\""), defines = xml.find(" definesParameters=\"0\"");
    ASSERT_NE(version, std::string::npos) << xml;
    ASSERT_NE(defines, std::string::npos) << xml;
    xml.erase(defines, std::string(" definesParameters=\"0\"").size());
    xml.replace(xml.find("version=\"2\""), 11, "version=\"1\"");
    std::stringstream old(xml);
    std::unique_ptr<Force> copy(XmlSerializer::deserialize<Force>(old));
    const LigandCouplingForce& read = dynamic_cast<const LigandCouplingForce&>(*copy);
    EXPECT_TRUE(read.getDefinesParameters());
    EXPECT_EQ(read.getDefaultStericsLambda(), 0.25);
}

TEST(LigandSerialization, RejectsMalformedInput) {
    LigandCouplingForce force = makeNonDefaultForce();
    std::stringstream buffer;
    XmlSerializer::serialize<Force>(&force, "Force", buffer);
    std::string xml = buffer.str();
    // Truncated in the middle of the particle list.
    std::stringstream truncated(xml.substr(0, xml.find("<Ligand")));
    EXPECT_THROW(XmlSerializer::deserialize<Force>(truncated), OpenMMException);
    // A version from the future.
    std::string future = xml;
    size_t version = future.find("version=\"2\"");
    ASSERT_NE(version, std::string::npos) << xml;
    future.replace(version, 11, "version=\"99\"");
    std::stringstream futureStream(future);
    try {
        XmlSerializer::deserialize<Force>(futureStream);
        FAIL() << "version 99 must be rejected";
    }
    catch (const OpenMMException& e) {
        // The message names who wrote it and who reads it.
        std::string who =
                std::string("openmm-ligand ") + OPENMMLIGAND_VERSION + " with OpenMM " + Platform::getOpenMMVersion();
        EXPECT_NE(std::string(e.what()).find(
                          "unsupported serialization version 99, written by " + who + "; this is " + who),
                std::string::npos)
                << e.what();
    }
    // A required attribute missing.
    std::string missing = xml;
    missing.replace(missing.find("cutoff="), 7, "cutofx=");
    std::stringstream missingStream(missing);
    EXPECT_THROW(XmlSerializer::deserialize<Force>(missingStream), OpenMMException);
    // A negative epsilon is an invalid value, not a silently accepted one.
    std::string negative = xml;
    size_t eps = negative.find("eps=\".05\"");
    ASSERT_NE(eps, std::string::npos) << xml;
    negative.replace(eps, 8, "eps=\"-.05\"");
    std::stringstream negativeStream(negative);
    EXPECT_THROW(XmlSerializer::deserialize<Force>(negativeStream), OpenMMException);
}
