#include "CpuLigandKernelFactory.h"
#include "ReferenceCalcLigandCouplingForceKernel.h"
#include "openmm/OpenMMException.h"
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
        if (platform.getName() == "CPU")
            platform.registerKernelFactory(CalcLigandCouplingForceKernel::Name(), new CpuLigandKernelFactory());
    }
}

KernelImpl* CpuLigandKernelFactory::createKernelImpl(std::string name, const Platform& platform, ContextImpl& context) const {
    // CpuPlatform::contextCreated() also creates ReferencePlatform's data, which the Reference kernel reads.
    if (name == CalcLigandCouplingForceKernel::Name())
        return new ReferenceCalcLigandCouplingForceKernel(name, platform);
    throw OpenMMException("openmm-ligand CPU plugin: unknown kernel name '" + name + "'");
}
