// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef OPENMM_LIGAND_KERNEL_PARAMETERS_H_
#define OPENMM_LIGAND_KERNEL_PARAMETERS_H_

#include "LigandCouplingForce.h"
#include "internal/LigandCouplingForceImpl.h"
#include "LigandError.h"
#include "LigandPairPotential.h"
#include "openmm/OpenMMException.h"
#include "openmm/Vec3.h"
#include "openmm/internal/ContextImpl.h"
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace OpenMMLigand {

/**
 * What a host-side kernel (Reference, CPU) needs from a LigandCouplingForce, gathered once: per-particle
 * parameters, the two sets, exclusions in a form fit for the pair loop, the ligand-internal pair list and
 * the settings. Kernels share it so that they read the force in exactly the same way.
 */
struct LigandKernelParameters {
    std::vector<double> charges, sigmas, epsilons;
    std::vector<int> ligand;         // particle indices
    std::vector<int> environment;    // particle indices
    std::vector<char> isEnvironment; // per particle
    /** For each particle, the ligand-local indices it is excluded from (CSR: start[p] .. start[p+1]). */
    std::vector<int> exclusionStart, exclusionLigandIndex;
    /** The ligand's own non-excluded pairs, as ligand-local indices. */
    std::vector<std::pair<int, int>> internalPairs;
    std::unique_ptr<LigandPairSettings> settings;
    double dispersionCoefficient = 0, softcoreA = 1, cutoffDistance = 0;
    bool periodic = false, cutoff = false, includeInternal = false;
    bool stericsDerivative = false, electrostaticsDerivative = false;
    std::string stericsName, electrostaticsName;

    /** Read the settings fixed for the life of a Context, then the parameters. */
    void initialize(const LigandCouplingForce& force, double coefficient) {
        periodic = (force.getNonbondedMethod() == LigandCouplingForce::CutoffPeriodic);
        cutoff = (force.getNonbondedMethod() != LigandCouplingForce::NoCutoff);
        cutoffDistance = force.getCutoffDistance();
        includeInternal = force.getIncludeLigandInternalLJ();
        stericsName = force.getStericsParameterName();
        electrostaticsName = force.getElectrostaticsParameterName();
        for (int k = 0; k < force.getNumEnergyParameterDerivatives(); k++) {
            stericsDerivative |= (force.getEnergyParameterDerivativeName(k) == stericsName);
            electrostaticsDerivative |= (force.getEnergyParameterDerivativeName(k) == electrostaticsName);
        }
        update(force, coefficient);
    }

    /** Read what updateParametersInContext() may change (parameters, sets, softcore; exclusions re-read too). */
    void update(const LigandCouplingForce& force, double coefficient) {
        int n = force.getNumParticles();
        charges.resize(n);
        sigmas.resize(n);
        epsilons.resize(n);
        for (int i = 0; i < n; i++)
            force.getParticleParameters(i, charges[i], sigmas[i], epsilons[i]);
        ligand = force.getLigandParticles();
        environment = LigandCouplingForceImpl::resolveEnvironment(force);
        isEnvironment.assign(n, 0);
        for (int j : environment)
            isEnvironment[j] = 1;
        std::vector<int> ligandIndex(n, -1);
        for (size_t i = 0; i < ligand.size(); i++)
            ligandIndex[ligand[i]] = i;
        std::vector<std::vector<int>> excluded(n);
        for (int k = 0; k < force.getNumExclusions(); k++) {
            int p1, p2;
            force.getExclusionParticles(k, p1, p2);
            if (ligandIndex[p1] >= 0)
                excluded[p2].push_back(ligandIndex[p1]);
            if (ligandIndex[p2] >= 0)
                excluded[p1].push_back(ligandIndex[p2]);
        }
        exclusionStart.assign(n + 1, 0);
        exclusionLigandIndex.clear();
        for (int p = 0; p < n; p++) {
            std::sort(excluded[p].begin(), excluded[p].end());
            exclusionLigandIndex.insert(exclusionLigandIndex.end(), excluded[p].begin(), excluded[p].end());
            exclusionStart[p + 1] = exclusionLigandIndex.size();
        }
        internalPairs.clear();
        if (includeInternal)
            for (size_t a = 0; a < ligand.size(); a++)
                for (size_t b = a + 1; b < ligand.size(); b++)
                    if (!isExcluded(ligand[b], a))
                        internalPairs.push_back(std::make_pair((int) a, (int) b));
        settings.reset(new LigandPairSettings(force));
        softcoreA = force.getSoftcoreA();
        dispersionCoefficient = coefficient;
    }

    /** Whether particle p is excluded from the ligand atom with ligand-local index ligandLocal. */
    bool isExcluded(int p, int ligandLocal) const {
        for (int k = exclusionStart[p]; k < exclusionStart[p + 1]; k++)
            if (exclusionLigandIndex[k] == ligandLocal)
                return true;
        return false;
    }

    /** The two lambdas from the Context, checked to lie in [0, 1]. */
    std::pair<double, double> lambdas(OpenMM::ContextImpl& context) const {
        // Every step: one look-up per parameter, which also tells a missing one (setDefinesParameters(false) with
        // no other force defining it) by name.
        const std::map<std::string, double>& parameters = context.getParameters();
        auto value = [&](const std::string& name) {
            auto found = parameters.find(name);
            if (found == parameters.end())
                throwLigandError("the Context has no parameter '", name,
                        "' (the force does not define its parameters, "
                        "setDefinesParameters, and no other force of the System does)");
            return found->second;
        };
        double ls = value(stericsName), le = value(electrostaticsName);
        checkLambda(stericsName, ls);
        checkLambda(electrostaticsName, le);
        return std::make_pair(ls, le);
    }

    /** Throws if the cutoff does not fit the current box. */
    void checkBox(const OpenMM::Vec3* box) const {
        if (!periodic)
            return;
        double minWidth = std::min(box[0][0], std::min(box[1][1], box[2][2]));
        if (cutoffDistance > 0.5 * minWidth) {
            throwLigandError("the cutoff (", cutoffDistance, " nm) is larger than half the smallest box width (",
                    minWidth, " nm)");
        }
    }

    /** lambda_s^a C / V and its lambda_s derivative (zero unless periodic with the correction on). */
    std::pair<double, double> dispersion(const OpenMM::Vec3* box, double lambdaSterics) const {
        if (!periodic || dispersionCoefficient == 0.0)
            return std::make_pair(0.0, 0.0);
        double volume = box[0][0] * box[1][1] * box[2][2];
        return std::make_pair(std::pow(lambdaSterics, softcoreA) * dispersionCoefficient / volume,
                softcoreA * std::pow(lambdaSterics, softcoreA - 1.0) * dispersionCoefficient / volume);
    }

    /** Add this force's dU/dlambda to the Context's derivatives, for the parameters that were requested. */
    void addDerivatives(std::map<std::string, double>& derivatives, double dEdLs, double dEdLe) const {
        if (stericsDerivative)
            derivatives[stericsName] += dEdLs;
        if (electrostaticsDerivative)
            derivatives[electrostaticsName] += dEdLe;
    }

private:
    static void checkLambda(const std::string& name, double value) {
        if (!(value >= 0.0 && value <= 1.0))
            throwLigandError("the Context parameter '", name, "' must lie in [0, 1], but it is ", value);
    }
};

} // namespace OpenMMLigand

#endif
