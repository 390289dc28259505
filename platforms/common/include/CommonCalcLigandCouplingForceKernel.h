// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef COMMON_CALC_LIGAND_COUPLING_FORCE_KERNEL_H_
#define COMMON_CALC_LIGAND_COUPLING_FORCE_KERNEL_H_

#include "LigandKernels.h"
#include "CommonNonbondedLambdaQuadratic.h"
#include "LigandKernelParameters.h"
#include <memory>
#include "openmm/common/ComputeArray.h"
#include "openmm/common/ComputeContext.h"
#include "openmm/common/ComputeKernel.h"
#include <string>
#include <vector>

namespace OpenMMLigand {

/**
 * LigandCouplingForce on OpenCL and CUDA, written once on OpenMM's common compute API (the kernels are in
 * kernels/ligandCoupling.cc). Work runs on the Context's first device only (contexts[0]), which is correct
 * with several devices: OpenMM sums every device's force buffers, and ours only has entries on device 0.
 * Nothing is copied between host and device per step: the lambdas and the box travel as kernel arguments.
 */
class CommonCalcLigandCouplingForceKernel : public CalcLigandCouplingForceKernel {
public:
    CommonCalcLigandCouplingForceKernel(std::string name, const OpenMM::Platform& platform, OpenMM::ComputeContext& cc)
        : CalcLigandCouplingForceKernel(name, platform), cc(cc) {
    }
    void initialize(
            const OpenMM::System& system, const LigandCouplingForce& force, double dispersionCoefficient) override;
    double execute(OpenMM::ContextImpl& context, bool includeForces, bool includeEnergy) override;
    std::vector<double> computeStateEnergies(OpenMM::ContextImpl& context, const std::vector<double>& lambdaSterics,
            const std::vector<double>& lambdaElectrostatics) override;
    std::vector<double> computeInteractionEnergies(OpenMM::ContextImpl& context, const std::vector<int>& particleGroups,
            int numGroups, double ewaldAlpha) override;
    void copyParametersToContext(
            OpenMM::ContextImpl& context, const LigandCouplingForce& force, double dispersionCoefficient) override;
    bool computesNonbondedQuadratic(OpenMM::ContextImpl& context) override;
    void computeNonbondedQuadratic(OpenMM::ContextImpl& context, const NonbondedChargeOffsets& offsets, double lambda,
            double alpha, const int grid[3], bool plasma, double& b, double& c) override;
    /** Recompute where each ligand atom sits in OpenMM's (reordered) arrays. */
    void updateLigandPositions();

private:
    class ForceInfo;
    class ReorderListener;
    void uploadParameters();
    void createKernels();
    /**
     * For getStateEnergies() and getInteractionEnergies(): zero the fixed-point sums, find the candidates, run
     * kernel over them, and return the first count sums in kJ/mol. The kernel's arguments are already set.
     */
    std::vector<double> runEnergyPass(OpenMM::ComputeKernel& kernel, OpenMM::ComputeArray& sums, int count);
    /** Set the box, lambda and dispersion arguments that the current lambdas and box give. */
    void setEvaluationArgs(OpenMM::ContextImpl& context, bool includeForces, bool writeOutputs);
    OpenMM::ComputeContext& cc;
    LigandKernelParameters params;
    bool kernelsCreated = false;
    OpenMM::ComputeArray particleParams, isEnvironment, ligandAtoms, ligandPosIndex, internalPairs;
    OpenMM::ComputeArray exclusionStart, exclusionLigand, candidates, candidateCount, bounds;
    OpenMM::ComputeKernel boundsKernel, candidatesKernel, interactionsKernel, stateEnergiesKernel, groupEnergiesKernel;
    OpenMM::ComputeArray particleGroupArray, groupEnergies; // sized on first use by getInteractionEnergies()
    OpenMM::ComputeArray stateParams, stateEnergies;        // sized on first use by getStateEnergies()
    int blockSize = 64, interactionThreads = 0;
    ForceInfo* info = nullptr;
    std::unique_ptr<CommonNonbondedLambdaQuadratic> nonbondedQuadratic; // made at the first use
    bool posqChargesElsewhere = false; // a force other than NonbondedForce may own posq's charges
};

} // namespace OpenMMLigand

#endif
