// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef REFERENCE_CALC_LIGAND_COUPLING_FORCE_KERNEL_H_
#define REFERENCE_CALC_LIGAND_COUPLING_FORCE_KERNEL_H_

#include "HostCalcLigandCouplingForceKernel.h"
#include <string>

namespace OpenMMLigand {

/**
 * The plainly correct evaluation of LigandCouplingForce in double precision: every ligand–environment pair
 * is visited, no neighbor search, no threads. Other platforms are tested against it.
 */
class ReferenceCalcLigandCouplingForceKernel : public HostCalcLigandCouplingForceKernel {
public:
    ReferenceCalcLigandCouplingForceKernel(std::string name, const OpenMM::Platform& platform)
        : HostCalcLigandCouplingForceKernel(name, platform) {
    }
    double execute(OpenMM::ContextImpl& context, bool includeForces, bool includeEnergy) override;
};

} // namespace OpenMMLigand

#endif
