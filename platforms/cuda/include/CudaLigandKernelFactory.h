// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef CUDA_LIGAND_KERNEL_FACTORY_H_
#define CUDA_LIGAND_KERNEL_FACTORY_H_

#include "openmm/KernelFactory.h"

namespace OpenMMLigand {

/** Creates the CUDA platform's openmm-ligand kernels (the common kernels on the CUDA context). */
class CudaLigandKernelFactory : public OpenMM::KernelFactory {
public:
    OpenMM::KernelImpl* createKernelImpl(
            std::string name, const OpenMM::Platform& platform, OpenMM::ContextImpl& context) const;
};

} // namespace OpenMMLigand

#endif
