// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef HOST_CALC_LIGAND_COUPLING_FORCE_KERNEL_H_
#define HOST_CALC_LIGAND_COUPLING_FORCE_KERNEL_H_

#include "LigandKernels.h"
#include "ReferencePlatform.h"
#include "LigandKernelParameters.h"
#include "PositionCheck.h"
#include "SimTKOpenMMRealType.h"
#include <cmath>
#include <string>
#include <vector>

namespace OpenMMLigand {

/**
 * Base of the host-side kernels (Reference, CPU). Both run on ReferencePlatform's data (CpuPlatform keeps it
 * too) and read the force into LigandKernelParameters the same way; evaluation() gathers what every
 * evaluation starts from.
 */
class HostCalcLigandCouplingForceKernel : public CalcLigandCouplingForceKernel {
public:
    HostCalcLigandCouplingForceKernel(std::string name, const OpenMM::Platform& platform)
        : CalcLigandCouplingForceKernel(name, platform) {
    }
    void initialize(
            const OpenMM::System& system, const LigandCouplingForce& force, double dispersionCoefficient) override {
        params.initialize(force, dispersionCoefficient);
    }
    void copyParametersToContext(
            OpenMM::ContextImpl& context, const LigandCouplingForce& force, double dispersionCoefficient) override {
        params.update(force, dispersionCoefficient);
    }
    /**
     * This force's energy in each state, in one pass: each ligand–environment pair's distance once, then the
     * pair energy of every state (the ligand's own pairs do not depend on lambda: once for all). Serves the
     * CPU platform too; its cost is one distance per ligand–environment pair plus states x pairs in range.
     */
    std::vector<double> computeStateEnergies(OpenMM::ContextImpl& context, const std::vector<double>& lambdaSterics,
            const std::vector<double>& lambdaElectrostatics) override {
        Evaluation in = evaluation(context);
        const LigandPairSettings& s = *params.settings;
        size_t numStates = lambdaSterics.size();
        std::vector<LigandLambdaFactors> states;
        for (size_t k = 0; k < numStates; k++)
            states.emplace_back(s, lambdaSterics[k], lambdaElectrostatics[k]);
        std::vector<double> energies = coupledStateEnergies(in, states);
        double cutoff2 = params.cutoffDistance * params.cutoffDistance;
        auto distance = [&](int i, int j) {
            OpenMM::Vec3 delta = params.periodic ? periodicDelta(in.positions[i], in.positions[j], in.box)
                                                 : in.positions[j] - in.positions[i];
            double r2 = delta.dot(delta);
            return (params.cutoff && r2 >= cutoff2) ? -1.0 : std::sqrt(r2);
        };
        double internal = 0.0;
        for (auto& pair : params.internalPairs) {
            int i = params.ligand[pair.first], j = params.ligand[pair.second];
            double r = distance(i, j);
            if (r >= 0)
                internal += evaluateLigandPair(r, 0.5 * (params.sigmas[i] + params.sigmas[j]),
                        std::sqrt(params.epsilons[i] * params.epsilons[j]), 0.0, s, states[0], false)
                                    .energy;
        }
        for (size_t k = 0; k < numStates; k++)
            energies[k] += internal + params.dispersion(in.box, lambdaSterics[k]).first;
        return energies;
    }
    /** Ligand–group interaction energies in one pass over the ligand's pairs (see the kernel interface). */
    std::vector<double> computeInteractionEnergies(OpenMM::ContextImpl& context, const std::vector<int>& particleGroups,
            int numGroups, double ewaldAlpha) override {
        Evaluation in = evaluation(context);
        const LigandPairSettings& s = *params.settings;
        LigandLambdaFactors full(s, 1.0, 1.0);
        std::vector<double> energies(4 * numGroups, 0.0);
        forEachCoupledPair(in, [&](int i, int j, double r, double r2) {
            int g = particleGroups[j];
            if (g < 0)
                return;
            double sigma = 0.5 * (params.sigmas[i] + params.sigmas[j]);
            double epsilon = std::sqrt(params.epsilons[i] * params.epsilons[j]);
            double chargeProduct = ONE_4PI_EPS0 * params.charges[i] * params.charges[j];
            double coulomb = ewaldAlpha > 0  ? std::erfc(ewaldAlpha * r) / r
                             : params.cutoff ? 1.0 / r + s.krf * r2 - s.crf
                                             : 1.0 / r;
            energies[4 * g] += evaluateLigandPair(r, sigma, epsilon, 0.0, s, full, true).energy;
            energies[4 * g + 1] += evaluateLigandPair(r, sigma, epsilon, 0.0, s, in.lambda, true).energy;
            energies[4 * g + 2] += chargeProduct * coulomb;
            energies[4 * g + 3] += in.lambda.lambdaElec * chargeProduct * coulomb;
        });
        return energies;
    }

protected:
    /** One evaluation's inputs: positions, the force array to add to, the box, checked lambdas. */
    struct Evaluation {
        const std::vector<OpenMM::Vec3>& positions;
        std::vector<OpenMM::Vec3>& forces;
        const OpenMM::Vec3* box;
        std::map<std::string, double>& derivatives;
        double lambdaSterics;
        LigandLambdaFactors lambda;
    };
    Evaluation evaluation(OpenMM::ContextImpl& context) const {
        OpenMM::ReferencePlatform::PlatformData& data =
                *static_cast<OpenMM::ReferencePlatform::PlatformData*>(context.getPlatformData());
        std::pair<double, double> lambdas = params.lambdas(context);
        params.checkBox(data.periodicBoxVectors);
        // A NaN would drop out of the cutoff tests below and leave a finite energy: refuse it, naming the particle.
        checkPositions(*data.positions, &params.ligand);
        checkPositions(*data.positions, &params.environment);
        return {*data.positions, *data.forces, data.periodicBoxVectors, *data.energyParameterDerivatives, lambdas.first,
                LigandLambdaFactors(*params.settings, lambdas.first, lambdas.second)};
    }
    /**
     * Call visit(i, j, r, r2) for every ligand–environment pair the force couples: not excluded and, with a
     * cutoff, inside it. Only environment particles within reach of the ligand's bounding sphere are tried.
     */
    template <class Visitor>
    void forEachCoupledPair(const Evaluation& in, Visitor visit) const {
        std::vector<int> near = coupledCandidates(in);
        forEachCoupledPair(in, near, 0, near.size(), visit);
    }
    /** The environment particles that can be within the cutoff of a ligand particle (every one without cutoff). */
    std::vector<int> coupledCandidates(const Evaluation& in) const {
        return params.cutoff ? particlesInReach(in.positions, params.ligand, params.environment, params.cutoffDistance,
                                       params.periodic, in.box)
                             : params.environment;
    }
    /** forEachCoupledPair() over the candidates near[begin, end) only. */
    template <class Visitor>
    void forEachCoupledPair(
            const Evaluation& in, const std::vector<int>& near, size_t begin, size_t end, Visitor visit) const {
        double cutoff2 = params.cutoffDistance * params.cutoffDistance;
        for (size_t a = 0; a < params.ligand.size(); a++) {
            int i = params.ligand[a];
            for (size_t c = begin; c < end; c++) {
                const int j = near[c];
                if (params.isExcluded(j, a))
                    continue;
                OpenMM::Vec3 delta = params.periodic ? periodicDelta(in.positions[i], in.positions[j], in.box)
                                                     : in.positions[j] - in.positions[i];
                double r2 = delta.dot(delta);
                if (!params.cutoff || r2 < cutoff2)
                    visit(i, j, std::sqrt(r2), r2);
            }
        }
    }
    /**
     * The ligand–environment pairs' energy in each state, candidates near[begin, end) only, added to energies.
     */
    void addCoupledStateEnergies(const Evaluation& in, const std::vector<int>& near, size_t begin, size_t end,
            const std::vector<LigandLambdaFactors>& states, std::vector<double>& energies) const {
        const LigandPairSettings& s = *params.settings;
        forEachCoupledPair(in, near, begin, end, [&](int i, int j, double r, double r2) {
            double sigma = 0.5 * (params.sigmas[i] + params.sigmas[j]);
            double epsilon = std::sqrt(params.epsilons[i] * params.epsilons[j]);
            double chargeProduct = ONE_4PI_EPS0 * params.charges[i] * params.charges[j];
            for (size_t k = 0; k < states.size(); k++)
                energies[k] += evaluateLigandPair(r, sigma, epsilon, chargeProduct, s, states[k], true).energy;
        });
    }
    /** The ligand–environment pairs' energy in each state (the CPU kernel spreads this over its threads). */
    virtual std::vector<double> coupledStateEnergies(
            const Evaluation& in, const std::vector<LigandLambdaFactors>& states) {
        std::vector<int> near = coupledCandidates(in);
        std::vector<double> energies(states.size(), 0.0);
        addCoupledStateEnergies(in, near, 0, near.size(), states, energies);
        return energies;
    }
    LigandKernelParameters params;
};

} // namespace OpenMMLigand

#endif
