// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef OPENCL_LIGAND_KERNEL_FACTORY_H_
#define OPENCL_LIGAND_KERNEL_FACTORY_H_

#include "openmm/KernelFactory.h"

namespace OpenMMLigand {

/** Creates the OpenCL platform's openmm-ligand kernels (the common kernels on the OpenCL context). */
class OpenCLLigandKernelFactory : public OpenMM::KernelFactory {
public:
    OpenMM::KernelImpl* createKernelImpl(
            std::string name, const OpenMM::Platform& platform, OpenMM::ContextImpl& context) const;
};

} // namespace OpenMMLigand

#endif
