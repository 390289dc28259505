// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "CpuLigandKernelFactory.h"
#include "CpuCalcAniForceKernel.h"
#include "CpuCalcLigandCouplingForceKernel.h"
#include "openmm/Context.h"
#include "openmm/OpenMMException.h"
#include "openmm/internal/ContextImpl.h"
#include <string>
#include "openmm/Platform.h"
#include "openmm/internal/windowsExport.h"

using namespace OpenMM;
using namespace OpenMMLigand;

extern "C" OPENMM_EXPORT void registerPlatforms() {
}

// Registered for the platform named "CPU" only, so the Reference platform keeps the Reference kernel.
extern "C" OPENMM_EXPORT void registerKernelFactories() {
    for (int i = 0; i < Platform::getNumPlatforms(); i++) {
        Platform& platform = Platform::getPlatform(i);
        if (platform.getName() == "CPU") {
            platform.registerKernelFactory(CalcLigandCouplingForceKernel::Name(), new CpuLigandKernelFactory());
            platform.registerKernelFactory(CalcAniForceKernel::Name(), new CpuLigandKernelFactory());
        }
    }
}

/** The Context's "Threads" property: the thread count the CPU platform itself uses for it. */
static int threadCount(const Platform& platform, ContextImpl& context) {
    int threads = 0;
    try {
        threads = std::stoi(platform.getPropertyValue(context.getOwner(), "Threads"));
    }
    catch (...) {
    }
    return threads > 0 ? threads : 0; // 0: ThreadPool picks the number of cores
}

KernelImpl* CpuLigandKernelFactory::createKernelImpl(
        std::string name, const Platform& platform, ContextImpl& context) const {
    if (name == CalcLigandCouplingForceKernel::Name())
        return new CpuCalcLigandCouplingForceKernel(name, platform, threadCount(platform, context));
    if (name == CalcAniForceKernel::Name())
        return new CpuCalcAniForceKernel(name, platform, threadCount(platform, context));
    throw OpenMMException("openmm-ligand CPU plugin: unknown kernel name '" + name + "'");
}
