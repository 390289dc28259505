// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "CudaLigandKernelFactory.h"
#include "CommonCalcAniForceKernel.h"
#include "CommonCalcLigandCouplingForceKernel.h"
#include "CudaContext.h"
#include "CudaPlatform.h"
#include "openmm/OpenMMException.h"
#include "openmm/common/ContextSelector.h"
#include <memory>
#include "openmm/internal/ContextImpl.h"
#include "openmm/internal/windowsExport.h"

using namespace OpenMM;
using namespace OpenMMLigand;

namespace {

/** Page-locked host memory: a copy from the device into pageable memory makes the host wait for the device. */
std::shared_ptr<int> pinnedInts(CudaContext& cu, int count) {
    ContextSelector selector(cu);
    void* memory = nullptr;
    CUresult result = cuMemHostAlloc(&memory, count * sizeof(int), 0);
    if (result != CUDA_SUCCESS)
        throw OpenMMException("openmm-ligand CUDA plugin: cannot allocate page-locked host memory (" +
                              CudaContext::getErrorString(result) + ")");
    *static_cast<int*>(memory) = 0;
    // Kernels are destroyed before OpenMM destroys the CUDA context.
    return std::shared_ptr<int>(static_cast<int*>(memory), [&cu](int* p) {
        ContextSelector selector(cu);
        cuMemFreeHost(p);
    });
}

} // namespace

extern "C" OPENMM_EXPORT void registerPlatforms() {
}

extern "C" OPENMM_EXPORT void registerKernelFactories() {
    try {
        Platform& platform = Platform::getPlatformByName("CUDA");
        platform.registerKernelFactory(CalcLigandCouplingForceKernel::Name(), new CudaLigandKernelFactory());
        platform.registerKernelFactory(CalcAniForceKernel::Name(), new CudaLigandKernelFactory());
    }
    catch (std::exception& ex) {
        // CUDA is not available: nothing to register.
    }
}

KernelImpl* CudaLigandKernelFactory::createKernelImpl(
        std::string name, const Platform& platform, ContextImpl& context) const {
    CudaPlatform::PlatformData& data = *static_cast<CudaPlatform::PlatformData*>(context.getPlatformData());
    // All work on the first device: OpenMM sums the force buffers of every device.
    CudaContext& cu = *data.contexts[0];
    if (name == CalcLigandCouplingForceKernel::Name())
        return new CommonCalcLigandCouplingForceKernel(name, platform, cu);
    if (name == CalcAniForceKernel::Name())
        return new CommonCalcAniForceKernel(name, platform, cu, pinnedInts(cu, 3));
    throw OpenMMException("openmm-ligand CUDA plugin: unknown kernel name '" + name + "'");
}
