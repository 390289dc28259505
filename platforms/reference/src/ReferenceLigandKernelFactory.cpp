// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "ReferenceLigandKernelFactory.h"
#include "ReferenceCalcAniForceKernel.h"
#include "ReferenceCalcLigandCouplingForceKernel.h"
#include "openmm/OpenMMException.h"
#include "openmm/Platform.h"
#include "openmm/internal/windowsExport.h"

using namespace OpenMM;
using namespace OpenMMLigand;

extern "C" OPENMM_EXPORT void registerPlatforms() {
}

// Registered for the platform named "Reference" only: CpuPlatform derives from ReferencePlatform, and the CPU
// plugin (libOpenMMLigandCPU.so, loaded first because its name is shorter) registers the CPU kernels.
extern "C" OPENMM_EXPORT void registerKernelFactories() {
    for (int i = 0; i < Platform::getNumPlatforms(); i++) {
        Platform& platform = Platform::getPlatform(i);
        if (platform.getName() == "Reference") {
            platform.registerKernelFactory(CalcLigandCouplingForceKernel::Name(), new ReferenceLigandKernelFactory());
            platform.registerKernelFactory(CalcAniForceKernel::Name(), new ReferenceLigandKernelFactory());
        }
    }
}

KernelImpl* ReferenceLigandKernelFactory::createKernelImpl(
        std::string name, const Platform& platform, ContextImpl& context) const {
    if (name == CalcLigandCouplingForceKernel::Name())
        return new ReferenceCalcLigandCouplingForceKernel(name, platform);
    if (name == CalcAniForceKernel::Name())
        return new ReferenceCalcAniForceKernel(name, platform);
    throw OpenMMException("openmm-ligand Reference plugin: unknown kernel name '" + name + "'");
}
