// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef CPU_CALC_ANI_FORCE_KERNEL_H_
#define CPU_CALC_ANI_FORCE_KERNEL_H_

#include "AniModel.h"
#include "AniNeighbours.h"
#include "CpuMatrixProduct.h"
#include "LigandKernels.h"
#include "openmm/internal/ThreadPool.h"
#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace OpenMMLigand {

/**
 * The CPU platform's AniForce kernel. Where the time goes in ANI is the networks (for ANI-2x about 2.7 million
 * multiply-adds per atom and ensemble member in the first layers), so they run as batched matrix products in
 * float: for each element, the AEVs of that element's atoms form a matrix that every member's layers multiply,
 * forward and back, skipping the AEV columns that are zero for all of them (species pairs the molecule lacks).
 * The (element, member) products are the tasks the CPU platform's threads share. The AEVs and their gradient are
 * computed per atom in double, the angular terms factorised (radial shift x angle shift: 12 transcendental
 * functions per neighbour pair instead of 96). The matrix loops are compiled for AVX2+FMA and plain x86-64, the
 * processor picks at run time.
 */
class CpuCalcAniForceKernel : public CalcAniForceKernel {
public:
    CpuCalcAniForceKernel(std::string name, const OpenMM::Platform& platform, int numThreads)
        : CalcAniForceKernel(name, platform), threads(numThreads) {
    }
    void initialize(const OpenMM::System& system, const AniForce& force) override;
    double execute(OpenMM::ContextImpl& context, bool includeForces, bool includeEnergy) override;
    void copyParametersToContext(OpenMM::ContextImpl& context, const AniForce& force) override;

    using Matrix = PackedMatrix;
    /** One layer: weights as stored ([outputs][inputs], for the backward product) and transposed (forward). */
    struct Layer {
        int inputs, outputs;
        bool celu;
        Matrix weights, weightsT;
        std::vector<float> biases;
    };

private:
    void setSpecies(const AniForce& force);
    void computeAev(int i, float* aev) const;
    void addAevGradient(int i, const float* dEdAev, std::vector<double>& gradient) const;

    std::shared_ptr<const AniModel> model;
    std::vector<int> particles, species;
    bool periodic = false;
    /** layers[species][member]: the networks of the species present, in float. */
    std::vector<std::vector<std::vector<Layer>>> layers;
    OpenMM::ThreadPool threads;
    // Per evaluation.
    std::vector<std::vector<AniNeighbour>> neighbours;
    std::vector<float> aev, dEdAev;
};

} // namespace OpenMMLigand

#endif
