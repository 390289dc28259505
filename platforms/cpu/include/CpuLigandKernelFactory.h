// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef CPU_LIGAND_KERNEL_FACTORY_H_
#define CPU_LIGAND_KERNEL_FACTORY_H_

#include "openmm/KernelFactory.h"

namespace OpenMMLigand {

/** Creates the CPU platform's openmm-ligand kernels. */
class CpuLigandKernelFactory : public OpenMM::KernelFactory {
public:
    OpenMM::KernelImpl* createKernelImpl(
            std::string name, const OpenMM::Platform& platform, OpenMM::ContextImpl& context) const;
};

} // namespace OpenMMLigand

#endif
