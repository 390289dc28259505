// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef LIGAND_TEST_SYSTEM_H_
#define LIGAND_TEST_SYSTEM_H_

// Test systems and helpers shared by the C++ tests: a small ligand (a bonded chain with exclusions) in a box
// of Lennard-Jones/charged particles, every platform configuration to run the test bodies on, and the
// independent CustomNonbondedForce formulation of LigandCouplingForce's physics.

#include "LigandCouplingForce.h"
#include "LigandKernels.h"
#include "SimTKOpenMMRealType.h"
#include "openmm/Context.h"
#include "openmm/CustomNonbondedForce.h"
#include "openmm/NonbondedForce.h"
#include "openmm/Platform.h"
#include "openmm/State.h"
#include "openmm/System.h"
#include "openmm/VerletIntegrator.h"
#include <cmath>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace LigandTest {

using namespace OpenMM;
using OpenMMLigand::LigandCouplingForce;

/** A platform and, on GPU platforms, a precision: "Reference", "CPU", "OpenCL:single", ... */
struct PlatformConfig {
    std::string platform, precision;
    std::string label() const {
        return precision.empty() ? platform : platform + "_" + precision;
    }
    /** Relative tolerance that this configuration's arithmetic supports for energies and forces. */
    double tolerance() const {
        return (precision == "single" || precision == "mixed") ? 2e-5 : 1e-9;
    }
    /**
     * Relative tolerance for comparisons that involve OpenMM's own NonbondedForce on this configuration:
     * the CPU platform evaluates NonbondedForce in single precision (SIMD), whatever our kernel does, and
     * GPU platforms' NonbondedForce in "double" precision still differs from Reference at the 1e-9 level.
     */
    double nonbondedTolerance() const {
        if (platform == "CPU")
            return 1e-6;
        return precision == "double" ? 1e-8 : tolerance();
    }
    bool isDouble() const {
        return precision.empty() || precision == "double";
    }
};

/** Lets GoogleTest print a configuration by name. */
inline void PrintTo(const PlatformConfig& config, std::ostream* out) {
    *out << config.label();
}

/** Every loaded platform that has our kernel, with every precision on GPU platforms. */
inline std::vector<PlatformConfig> availablePlatforms() {
    std::vector<PlatformConfig> configs;
    for (const char* name : {"Reference", "CPU", "OpenCL", "CUDA", "HIP"}) {
        Platform* platform;
        try {
            platform = &Platform::getPlatformByName(name);
        }
        catch (...) {
            continue;
        }
        if (!platform->supportsKernels({OpenMMLigand::CalcLigandCouplingForceKernel::Name()}))
            continue;
        std::vector<std::string> names = platform->getPropertyNames();
        bool hasPrecision = false;
        for (auto& property : names)
            hasPrecision |= (property == "Precision");
        if (hasPrecision)
            for (const char* precision : {"single", "mixed", "double"})
                configs.push_back({name, precision});
        else
            configs.push_back({name, ""});
    }
    return configs;
}

struct TestSystem {
    System system;
    std::vector<Vec3> positions;
    std::vector<double> charge, sigma, epsilon;
    std::vector<int> ligand;
    std::vector<std::pair<int, int>> exclusions;
};

/**
 * A ligand chain of numLigand atoms (bond 0.15 nm; 1-2 and 1-3 pairs excluded) near the box centre, in a
 * jittered lattice of environment particles (spacing 0.31 nm) that keeps 0.3 nm from the ligand. Charges
 * sum to zero. A triclinic box when asked, in OpenMM's reduced form. Deterministic for a seed.
 */
inline TestSystem makeTestSystem(double boxSize, bool triclinic, int numLigand = 6, unsigned seed = 5) {
    TestSystem t;
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    Vec3 a(boxSize, 0, 0), b(0, boxSize, 0), c(0, 0, boxSize);
    if (triclinic) {
        b = Vec3(0.3 * boxSize, boxSize, 0);
        c = Vec3(-0.2 * boxSize, 0.25 * boxSize, boxSize);
    }
    t.system.setDefaultPeriodicBoxVectors(a, b, c);
    Vec3 centre = (a + b + c) * 0.5;
    auto add = [&](Vec3 position, double q, double s, double e) {
        t.system.addParticle(12.0);
        t.positions.push_back(position);
        t.charge.push_back(q);
        t.sigma.push_back(s);
        t.epsilon.push_back(e);
    };
    for (int i = 0; i < numLigand; i++) {
        Vec3 p = centre + Vec3(0.15 * (i - 0.5 * numLigand), 0.05 * (i % 2), 0.03 * (i % 3));
        // One hydrogen-like atom with sigma = epsilon = 0 exercises the zero-parameter paths.
        bool bare = (i == numLigand - 1);
        add(p, 0.4 * (uniform(rng) - 0.5), bare ? 0.0 : 0.25 + 0.1 * uniform(rng),
                bare ? 0.0 : 0.2 + 0.6 * uniform(rng));
        t.ligand.push_back(i);
    }
    for (int i = 0; i + 1 < numLigand; i++)
        t.exclusions.push_back({i, i + 1});
    for (int i = 0; i + 2 < numLigand; i++)
        t.exclusions.push_back({i, i + 2});
    int cells = (int) (boxSize / 0.31);
    for (int i = 0; i < cells; i++)
        for (int j = 0; j < cells; j++)
            for (int k = 0; k < cells; k++) {
                Vec3 p = a * ((i + 0.5) / cells) + b * ((j + 0.5) / cells) + c * ((k + 0.5) / cells);
                p += Vec3(uniform(rng) - 0.5, uniform(rng) - 0.5, uniform(rng) - 0.5) * 0.08;
                bool clash = false;
                for (int l = 0; l < numLigand; l++) {
                    Vec3 d = p - t.positions[l];
                    clash |= (std::sqrt(d.dot(d)) < 0.3);
                }
                if (!clash)
                    add(p, uniform(rng) - 0.5, 0.2 + 0.2 * uniform(rng), 0.1 + 0.5 * uniform(rng));
            }
    // The environment atom nearest the ligand is excluded from it, as a covalent ligand or a 1-4 pair would be.
    int nearest = numLigand;
    for (size_t j = numLigand; j < t.positions.size(); j++)
        if ((t.positions[j] - t.positions[0]).dot(t.positions[j] - t.positions[0]) <
                (t.positions[nearest] - t.positions[0]).dot(t.positions[nearest] - t.positions[0]))
            nearest = j;
    t.exclusions.push_back({0, nearest});
    double total = 0;
    for (double q : t.charge)
        total += q;
    for (double& q : t.charge)
        q -= total / t.charge.size();
    return t;
}

/** Settings that vary between test cases. */
struct ForceSettings {
    LigandCouplingForce::NonbondedMethod method = LigandCouplingForce::CutoffPeriodic;
    LigandCouplingForce::ElectrostaticsMode electrostatics = LigandCouplingForce::ReactionField;
    double cutoff = 0.9;
    bool switching = false;
    double switchingDistance = 0.75;
    double alpha = 0.5, a = 1, b = 1, c = 6;
    double beta = 0, e = 1, f = 1;
    bool internalLJ = true;
    bool dispersion = false;
};

inline LigandCouplingForce* makeForce(const TestSystem& t, const ForceSettings& s) {
    LigandCouplingForce* force = new LigandCouplingForce();
    for (size_t i = 0; i < t.charge.size(); i++)
        force->addParticle(t.charge[i], t.sigma[i], t.epsilon[i]);
    force->setLigandParticles(t.ligand);
    for (auto& ex : t.exclusions)
        force->addExclusion(ex.first, ex.second);
    force->setNonbondedMethod(s.method);
    force->setCutoffDistance(s.cutoff);
    force->setUseSwitchingFunction(s.switching);
    force->setSwitchingDistance(s.switchingDistance);
    force->setElectrostaticsMode(s.electrostatics);
    force->setSoftcoreParameters(s.alpha, s.a, s.b, s.c);
    force->setElectrostaticsSoftcoreParameters(s.beta, s.e, s.f);
    force->setIncludeLigandInternalLJ(s.internalLJ);
    force->setUseDispersionCorrection(s.dispersion);
    force->addEnergyParameterDerivative("lambda_sterics");
    force->addEnergyParameterDerivative("lambda_electrostatics");
    return force;
}

inline std::string number(double value) {
    std::stringstream s;
    s.precision(17);
    s << value;
    return s.str();
}

/**
 * The same physics written independently as CustomNonbondedForces with interaction groups: one for the
 * ligand–environment pairs (softcore, lambda scaling, switching written into the expression so that it
 * acts on Lennard-Jones only, as in NonbondedForce), one for the ligand-internal Lennard-Jones pairs.
 */
inline std::vector<Force*> customEquivalent(const TestSystem& t, const ForceSettings& s) {
    bool cutoff = (s.method != LigandCouplingForce::NoCutoff);
    double krf = 0, crf = 0, eps = 78.3;
    if (cutoff) {
        krf = std::pow(s.cutoff, -3.0) * (eps - 1) / (2 * eps + 1);
        crf = (1.0 / s.cutoff) * 3 * eps / (2 * eps + 1);
    }
    std::string sw = "1";
    if (s.switching && cutoff)
        sw = "select(step(r-" + number(s.switchingDistance) + "), 1-10*t^3+15*t^4-6*t^5, 1); t=(r-" +
             number(s.switchingDistance) + ")/" + number(s.cutoff - s.switchingDistance);
    std::string lj = "4*epsij*x*(x-1)";
    std::string coupled = "lambda_sterics^" + number(s.a) + "*sw*" + lj;
    if (s.electrostatics == LigandCouplingForce::ReactionField)
        coupled += " + lambda_electrostatics*qq*(1/rel + " + number(krf) + "*rel^2 - " + number(crf) + ")";
    coupled += "; x = sigij^6/(" + number(s.alpha) + "*(1-lambda_sterics)^" + number(s.b) + "*sigij^" + number(s.c) +
               " + r^" + number(s.c) + ")^(6/" + number(s.c) + ")";
    coupled += "; rel = (" + number(s.beta) + "*(1-lambda_electrostatics)^" + number(s.e) + "*sigij^" + number(s.f) +
               " + r^" + number(s.f) + ")^(1/" + number(s.f) + ")";
    std::string common = "; sw = " + sw + "; qq = " + number(ONE_4PI_EPS0) +
                         "*q1*q2; epsij = sqrt(eps1*eps2); sigij = 0.5*(sig1+sig2)";
    std::string internal = "sw*4*epsij*x*(x-1); x = (sigij/r)^6";
    std::vector<Force*> forces;
    std::set<int> ligand(t.ligand.begin(), t.ligand.end()), environment;
    for (size_t i = 0; i < t.charge.size(); i++)
        if (ligand.count(i) == 0)
            environment.insert(i);
    for (int pass = 0; pass < (s.internalLJ ? 2 : 1); pass++) {
        CustomNonbondedForce* f = new CustomNonbondedForce((pass == 0 ? coupled : internal) + common);
        f->addPerParticleParameter("q");
        f->addPerParticleParameter("sig");
        f->addPerParticleParameter("eps");
        f->addGlobalParameter("lambda_sterics", 1.0);
        f->addGlobalParameter("lambda_electrostatics", 1.0);
        if (pass == 0) {
            f->addEnergyParameterDerivative("lambda_sterics");
            f->addEnergyParameterDerivative("lambda_electrostatics");
        }
        for (size_t i = 0; i < t.charge.size(); i++)
            f->addParticle({t.charge[i], t.sigma[i], t.epsilon[i]});
        for (auto& ex : t.exclusions)
            f->addExclusion(ex.first, ex.second);
        f->addInteractionGroup(ligand, pass == 0 ? environment : ligand);
        f->setNonbondedMethod(s.method == LigandCouplingForce::NoCutoff ? CustomNonbondedForce::NoCutoff
                              : s.method == LigandCouplingForce::CutoffNonPeriodic
                                      ? CustomNonbondedForce::CutoffNonPeriodic
                                      : CustomNonbondedForce::CutoffPeriodic);
        f->setCutoffDistance(s.cutoff);
        forces.push_back(f);
    }
    return forces;
}

struct Evaluation {
    double energy;
    std::vector<Vec3> forces;
    std::map<std::string, double> derivatives;
};

inline Context* makeContext(System& system, const PlatformConfig& config, VerletIntegrator& integrator) {
    Platform& platform = Platform::getPlatformByName(config.platform);
    std::map<std::string, std::string> properties;
    if (!config.precision.empty())
        properties["Precision"] = config.precision;
    return new Context(system, integrator, platform, properties);
}

inline Evaluation evaluate(Context& context, double lambdaSterics, double lambdaElectrostatics, int groups = -1) {
    // A System without our force (the original one a test compares against) has no lambdas to set.
    if (context.getParameters().count("lambda_sterics"))
        context.setParameter("lambda_sterics", lambdaSterics);
    if (context.getParameters().count("lambda_electrostatics"))
        context.setParameter("lambda_electrostatics", lambdaElectrostatics);
    State state = context.getState(State::Energy | State::Forces | State::ParameterDerivatives, false, groups);
    return {state.getPotentialEnergy(), state.getForces(), state.getEnergyParameterDerivatives()};
}

/** A System with the test particles and the given forces (the System takes ownership). */
inline System* systemWith(const TestSystem& t, const std::vector<Force*>& forces) {
    System* system = new System();
    for (int i = 0; i < t.system.getNumParticles(); i++)
        system->addParticle(t.system.getParticleMass(i));
    Vec3 a, b, c;
    t.system.getDefaultPeriodicBoxVectors(a, b, c);
    system->setDefaultPeriodicBoxVectors(a, b, c);
    for (Force* f : forces)
        system->addForce(f);
    return system;
}

/** Largest |f1 - f2| over particles, relative to the largest |f2|. */
inline double relativeForceError(const std::vector<Vec3>& f1, const std::vector<Vec3>& f2) {
    double maxDiff = 0, maxNorm = 0;
    for (size_t i = 0; i < f1.size(); i++) {
        Vec3 d = f1[i] - f2[i];
        maxDiff = std::max(maxDiff, std::sqrt(d.dot(d)));
        maxNorm = std::max(maxNorm, std::sqrt(f2[i].dot(f2[i])));
    }
    return maxDiff / std::max(maxNorm, 1e-30);
}

} // namespace LigandTest

#endif
