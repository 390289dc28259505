// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "OpenCLLigandKernelFactory.h"
#include "CommonCalcAniForceKernel.h"
#include "CommonCalcLigandCouplingForceKernel.h"
#include "OpenCLContext.h"
#include "OpenCLPlatform.h"
#include "openmm/OpenMMException.h"
#include "openmm/internal/ContextImpl.h"
#include "openmm/internal/windowsExport.h"

using namespace OpenMM;
using namespace OpenMMLigand;

extern "C" OPENMM_EXPORT void registerPlatforms() {
}

extern "C" OPENMM_EXPORT void registerKernelFactories() {
    try {
        Platform& platform = Platform::getPlatformByName("OpenCL");
        platform.registerKernelFactory(CalcLigandCouplingForceKernel::Name(), new OpenCLLigandKernelFactory());
        platform.registerKernelFactory(CalcAniForceKernel::Name(), new OpenCLLigandKernelFactory());
    }
    catch (std::exception& ex) {
        // OpenCL is not available: nothing to register.
    }
}

KernelImpl* OpenCLLigandKernelFactory::createKernelImpl(
        std::string name, const Platform& platform, ContextImpl& context) const {
    OpenCLPlatform::PlatformData& data = *static_cast<OpenCLPlatform::PlatformData*>(context.getPlatformData());
    // All work on the first device: OpenMM sums the force buffers of every device.
    OpenCLContext& cl = *data.contexts[0];
    if (name == CalcLigandCouplingForceKernel::Name())
        return new CommonCalcLigandCouplingForceKernel(name, platform, cl);
    if (name == CalcAniForceKernel::Name())
        // A non-blocking OpenCL read may go to any host memory.
        return new CommonCalcAniForceKernel(
                name, platform, cl, std::shared_ptr<int>(new int[3](), std::default_delete<int[]>()));
    throw OpenMMException("openmm-ligand OpenCL plugin: unknown kernel name '" + name + "'");
}
