// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef REFERENCE_CALC_ANI_FORCE_KERNEL_H_
#define REFERENCE_CALC_ANI_FORCE_KERNEL_H_

#include "AniEvaluation.h"
#include "LigandKernels.h"
#include <memory>
#include <string>
#include <vector>

namespace OpenMMLigand {

/**
 * AniForce in double precision, every term written out (AniEvaluation): the evaluation the other platforms are
 * tested against. Also registered for the CPU platform until that has its own kernel.
 */
class ReferenceCalcAniForceKernel : public CalcAniForceKernel {
public:
    ReferenceCalcAniForceKernel(std::string name, const OpenMM::Platform& platform)
        : CalcAniForceKernel(name, platform) {
    }
    void initialize(const OpenMM::System& system, const AniForce& force) override;
    double execute(OpenMM::ContextImpl& context, bool includeForces, bool includeEnergy) override;
    void copyParametersToContext(OpenMM::ContextImpl& context, const AniForce& force) override;

private:
    std::vector<int> particles;
    bool periodic = false;
    std::unique_ptr<AniEvaluation> evaluation;
};

} // namespace OpenMMLigand

#endif
