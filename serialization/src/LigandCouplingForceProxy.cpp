// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "LigandCouplingForceProxy.h"
#include "LigandError.h"
#include "LigandCouplingForce.h"
#include "openmm/OpenMMException.h"
#include "openmm/Platform.h"
#include "openmm/serialization/SerializationNode.h"
#include <memory>
#include <sstream>

using namespace OpenMM;
using namespace OpenMMLigand;
using std::string;
using std::vector;

LigandCouplingForceProxy::LigandCouplingForceProxy() : SerializationProxy("LigandCouplingForce") {
}

static void writeIndices(SerializationNode& parent, const char* name, const vector<int>& indices) {
    SerializationNode& node = parent.createChildNode(name);
    for (int index : indices)
        node.createChildNode("Particle").setIntProperty("index", index);
}

static vector<int> readIndices(const SerializationNode& parent, const char* name) {
    vector<int> indices;
    for (const SerializationNode& child : parent.getChildNode(name).getChildren())
        indices.push_back(child.getIntProperty("index"));
    return indices;
}

void LigandCouplingForceProxy::serialize(const void* object, SerializationNode& node) const {
    const LigandCouplingForce& force = *reinterpret_cast<const LigandCouplingForce*>(object);
    node.setIntProperty("version", Version);
    // Who wrote it, for the message a reader that cannot read this version gives.
    node.setStringProperty("writtenBy",
            string("openmm-ligand ") + OPENMMLIGAND_VERSION + " with OpenMM " + Platform::getOpenMMVersion());
    node.setIntProperty("forceGroup", force.getForceGroup());
    node.setStringProperty("name", force.getName());
    node.setIntProperty("method", (int) force.getNonbondedMethod());
    node.setDoubleProperty("cutoff", force.getCutoffDistance());
    node.setBoolProperty("useSwitchingFunction", force.getUseSwitchingFunction());
    node.setDoubleProperty("switchingDistance", force.getSwitchingDistance());
    node.setIntProperty("electrostatics", (int) force.getElectrostaticsMode());
    node.setDoubleProperty("reactionFieldDielectric", force.getReactionFieldDielectric());
    node.setBoolProperty("ligandInternalLJ", force.getIncludeLigandInternalLJ());
    node.setBoolProperty("dispersionCorrection", force.getUseDispersionCorrection());
    node.setDoubleProperty("alpha", force.getSoftcoreAlpha());
    node.setDoubleProperty("a", force.getSoftcoreA());
    node.setDoubleProperty("b", force.getSoftcoreB());
    node.setDoubleProperty("c", force.getSoftcoreC());
    node.setDoubleProperty("beta", force.getSoftcoreBeta());
    node.setDoubleProperty("e", force.getSoftcoreE());
    node.setDoubleProperty("f", force.getSoftcoreF());
    node.setStringProperty("stericsParameter", force.getStericsParameterName());
    node.setStringProperty("electrostaticsParameter", force.getElectrostaticsParameterName());
    node.setDoubleProperty("defaultStericsLambda", force.getDefaultStericsLambda());
    node.setDoubleProperty("defaultElectrostaticsLambda", force.getDefaultElectrostaticsLambda());
    node.setBoolProperty("definesParameters", force.getDefinesParameters());
    SerializationNode& particles = node.createChildNode("Particles");
    for (int i = 0; i < force.getNumParticles(); i++) {
        double charge, sigma, epsilon;
        force.getParticleParameters(i, charge, sigma, epsilon);
        particles.createChildNode("Particle")
                .setDoubleProperty("q", charge)
                .setDoubleProperty("sig", sigma)
                .setDoubleProperty("eps", epsilon);
    }
    writeIndices(node, "Ligand", force.getLigandParticles());
    writeIndices(node, "Environment", force.getEnvironmentParticles());
    SerializationNode& exclusions = node.createChildNode("Exclusions");
    for (int k = 0; k < force.getNumExclusions(); k++) {
        int p1, p2;
        force.getExclusionParticles(k, p1, p2);
        exclusions.createChildNode("Exclusion").setIntProperty("p1", p1).setIntProperty("p2", p2);
    }
    SerializationNode& derivatives = node.createChildNode("EnergyParameterDerivatives");
    for (int k = 0; k < force.getNumEnergyParameterDerivatives(); k++)
        derivatives.createChildNode("Parameter").setStringProperty("name", force.getEnergyParameterDerivativeName(k));
}

void* LigandCouplingForceProxy::deserialize(const SerializationNode& node) const {
    int version = node.getIntProperty("version");
    if (version < 1 || version > Version)
        throwLigandError("unsupported serialization version ", version, ", written by ",
                node.getStringProperty("writtenBy", "an unknown version"), "; this is openmm-ligand ",
                OPENMMLIGAND_VERSION, " with OpenMM ", Platform::getOpenMMVersion(), ", which reads versions 1 to ",
                (int) Version);
    // SerializationNode throws OpenMMException for a missing property or child node, so a truncated
    // document fails here rather than yielding a half-filled force.
    std::unique_ptr<LigandCouplingForce> force(new LigandCouplingForce());
    force->setForceGroup(node.getIntProperty("forceGroup"));
    force->setName(node.getStringProperty("name"));
    force->setNonbondedMethod((LigandCouplingForce::NonbondedMethod) node.getIntProperty("method"));
    force->setCutoffDistance(node.getDoubleProperty("cutoff"));
    force->setUseSwitchingFunction(node.getBoolProperty("useSwitchingFunction"));
    force->setSwitchingDistance(node.getDoubleProperty("switchingDistance"));
    force->setElectrostaticsMode((LigandCouplingForce::ElectrostaticsMode) node.getIntProperty("electrostatics"));
    force->setReactionFieldDielectric(node.getDoubleProperty("reactionFieldDielectric"));
    force->setIncludeLigandInternalLJ(node.getBoolProperty("ligandInternalLJ"));
    force->setUseDispersionCorrection(node.getBoolProperty("dispersionCorrection"));
    force->setSoftcoreParameters(node.getDoubleProperty("alpha"), node.getDoubleProperty("a"),
            node.getDoubleProperty("b"), node.getDoubleProperty("c"));
    force->setElectrostaticsSoftcoreParameters(
            node.getDoubleProperty("beta"), node.getDoubleProperty("e"), node.getDoubleProperty("f"));
    force->setStericsParameterName(node.getStringProperty("stericsParameter"));
    force->setElectrostaticsParameterName(node.getStringProperty("electrostaticsParameter"));
    force->setDefaultStericsLambda(node.getDoubleProperty("defaultStericsLambda"));
    force->setDefaultElectrostaticsLambda(node.getDoubleProperty("defaultElectrostaticsLambda"));
    if (version >= 2)
        force->setDefinesParameters(node.getBoolProperty("definesParameters"));
    for (const SerializationNode& particle : node.getChildNode("Particles").getChildren())
        force->addParticle(
                particle.getDoubleProperty("q"), particle.getDoubleProperty("sig"), particle.getDoubleProperty("eps"));
    force->setLigandParticles(readIndices(node, "Ligand"));
    force->setEnvironmentParticles(readIndices(node, "Environment"));
    for (const SerializationNode& exclusion : node.getChildNode("Exclusions").getChildren())
        force->addExclusion(exclusion.getIntProperty("p1"), exclusion.getIntProperty("p2"));
    for (const SerializationNode& parameter : node.getChildNode("EnergyParameterDerivatives").getChildren())
        force->addEnergyParameterDerivative(parameter.getStringProperty("name"));
    return force.release();
}
