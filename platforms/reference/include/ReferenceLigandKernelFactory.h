// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef REFERENCE_LIGAND_KERNEL_FACTORY_H_
#define REFERENCE_LIGAND_KERNEL_FACTORY_H_

#include "openmm/KernelFactory.h"

namespace OpenMMLigand {

/** Creates the Reference platform's openmm-ligand kernels. */
class ReferenceLigandKernelFactory : public OpenMM::KernelFactory {
public:
    OpenMM::KernelImpl* createKernelImpl(
            std::string name, const OpenMM::Platform& platform, OpenMM::ContextImpl& context) const;
};

} // namespace OpenMMLigand

#endif
