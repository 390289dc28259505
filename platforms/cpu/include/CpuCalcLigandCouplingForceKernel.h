// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef CPU_CALC_LIGAND_COUPLING_FORCE_KERNEL_H_
#define CPU_CALC_LIGAND_COUPLING_FORCE_KERNEL_H_

#include "HostCalcLigandCouplingForceKernel.h"
#include "openmm/internal/ThreadPool.h"
#include <string>
#include <vector>

namespace OpenMMLigand {

/**
 * The CPU platform's LigandCouplingForce kernel. Its cost follows the ligand, not the system: each
 * evaluation finds the ligand's centre and radius R, then the CPU platform's threads scan the particles
 * (one distance each) and evaluate ligand pairs only for environment particles within R + cutoff of the
 * centre. Each thread owns a slice of the environment, so environment forces need no locks; ligand forces,
 * energies and dU/dlambda are accumulated per thread and summed at the end. Double precision throughout.
 *
 * The threads: as many as the CPU platform's "Threads" property gives the Context. They form a ThreadPool
 * of the kernel's own because CpuPlatform's PlatformData (and its pool) is declared in headers that need
 * OpenMM's private SFMT headers, which Debian does not ship; the pools take turns, never run together.
 */
class CpuCalcLigandCouplingForceKernel : public HostCalcLigandCouplingForceKernel {
public:
    CpuCalcLigandCouplingForceKernel(std::string name, const OpenMM::Platform& platform, int numThreads)
        : HostCalcLigandCouplingForceKernel(name, platform), threads(numThreads) {
    }
    double execute(OpenMM::ContextImpl& context, bool includeForces, bool includeEnergy) override;

protected:
    /** The K-state pass of getStateEnergies() on the kernel's threads, each over a slice of the candidates. */
    std::vector<double> coupledStateEnergies(
            const Evaluation& in, const std::vector<LigandLambdaFactors>& states) override;

private:
    /** Per-thread accumulators, padded apart so that threads do not share cache lines. */
    struct ThreadResult {
        std::vector<OpenMM::Vec3> ligandForces;
        double energy, dEdLs, dEdLe;
        char padding[64];
    };
    std::vector<ThreadResult> threadResults;
    OpenMM::ThreadPool threads;
};

} // namespace OpenMMLigand

#endif
