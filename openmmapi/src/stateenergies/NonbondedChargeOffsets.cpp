// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "NonbondedChargeOffsets.h"
#include <algorithm>
#include <atomic>
#include <map>

using namespace OpenMM;
using namespace OpenMMLigand;
using std::string;
using std::vector;

namespace {
long long nextVersion() {
    static std::atomic<long long> counter(0);
    return ++counter;
}
} // namespace

NonbondedChargeOffsets::Offsets NonbondedChargeOffsets::readOffsets(const NonbondedForce& force, const string& name) {
    // Several offsets of one particle for the same parameter add up, as in OpenMM's kernels.
    std::map<int, double> particles, exceptions;
    string parameter;
    int index;
    double charge, sigma, epsilon;
    for (int i = 0; i < force.getNumParticleParameterOffsets(); i++) {
        force.getParticleParameterOffset(i, parameter, index, charge, sigma, epsilon);
        if (parameter == name)
            particles[index] += charge;
    }
    for (int i = 0; i < force.getNumExceptionParameterOffsets(); i++) {
        force.getExceptionParameterOffset(i, parameter, index, charge, sigma, epsilon);
        if (parameter == name)
            exceptions[index] += charge;
    }
    Offsets offsets;
    for (auto& p : particles)
        if (p.second != 0.0) {
            offsets.particles.push_back(p.first);
            offsets.slopes.push_back(p.second);
        }
    for (auto& e : exceptions)
        if (e.second != 0.0) {
            offsets.exceptions.push_back(e.first);
            offsets.exceptionSlopes.push_back(e.second);
        }
    return offsets;
}

NonbondedChargeOffsets::NonbondedChargeOffsets(const NonbondedForce& force, const string& name, bool withBaseCharges)
    : offsets(readOffsets(force, name)), method(force.getNonbondedMethod()), cutoff(force.getCutoffDistance()),
      reactionFieldDielectric(force.getReactionFieldDielectric()),
      exceptionsUsePeriodic(force.getExceptionsUsePeriodicBoundaryConditions()), version(nextVersion()) {
    const int numParticles = force.getNumParticles();
    double charge, sigma, epsilon;
    if (withBaseCharges) {
        baseCharges.resize(numParticles);
        for (int i = 0; i < numParticles; i++)
            force.getParticleParameters(i, baseCharges[i], sigma, epsilon);
    }
    offsetIndex.assign(numParticles, -1);
    for (size_t k = 0; k < offsets.particles.size(); k++) {
        offsetIndex[offsets.particles[k]] = k;
        netSlope += offsets.slopes[k];
    }
    for (int e = 0; e < force.getNumExceptions(); e++) {
        int p1, p2;
        force.getExceptionParameters(e, p1, p2, charge, sigma, epsilon);
        if (offsetIndex[p1] >= 0 || offsetIndex[p2] >= 0)
            excludedPairs.emplace_back(p1, p2);
    }
    for (int e : offsets.exceptions) {
        int p1, p2;
        force.getExceptionParameters(e, p1, p2, charge, sigma, epsilon);
        exceptionPairs.emplace_back(p1, p2);
    }
}

bool NonbondedChargeOffsets::hasBaseCharges(const NonbondedForce& force) const {
    if ((int) baseCharges.size() != force.getNumParticles())
        return false;
    double charge, sigma, epsilon;
    for (int i = 0; i < force.getNumParticles(); i++) {
        force.getParticleParameters(i, charge, sigma, epsilon);
        if (charge != baseCharges[i])
            return false;
    }
    return true;
}
