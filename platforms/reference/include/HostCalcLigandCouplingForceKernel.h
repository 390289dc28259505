#ifndef HOST_CALC_LIGAND_COUPLING_FORCE_KERNEL_H_
#define HOST_CALC_LIGAND_COUPLING_FORCE_KERNEL_H_

#include "LigandKernels.h"
#include "ReferencePlatform.h"
#include "internal/LigandHostParameters.h"
#include <string>
#include <vector>

namespace OpenMMLigand {

/**
 * Base of the host-side kernels (Reference, CPU). Both run on ReferencePlatform's data (CpuPlatform keeps it
 * too) and read the force into LigandHostParameters the same way; evaluation() gathers what every
 * evaluation starts from.
 */
class HostCalcLigandCouplingForceKernel : public CalcLigandCouplingForceKernel {
public:
    HostCalcLigandCouplingForceKernel(std::string name, const OpenMM::Platform& platform)
        : CalcLigandCouplingForceKernel(name, platform) {
    }
    void initialize(const OpenMM::System& system, const LigandCouplingForce& force, double dispersionCoefficient) override {
        params.initialize(force, dispersionCoefficient);
    }
    void copyParametersToContext(OpenMM::ContextImpl& context, const LigandCouplingForce& force,
                                 double dispersionCoefficient) override {
        params.update(force, dispersionCoefficient);
    }
protected:
    /** One evaluation's inputs: positions, the force array to add to, the box, checked lambdas. */
    struct Evaluation {
        const std::vector<OpenMM::Vec3>& positions;
        std::vector<OpenMM::Vec3>& forces;
        const OpenMM::Vec3* box;
        std::map<std::string, double>& derivatives;
        double lambdaSterics;
        LigandLambdaFactors lambda;
    };
    Evaluation evaluation(OpenMM::ContextImpl& context) const {
        OpenMM::ReferencePlatform::PlatformData& data =
                *static_cast<OpenMM::ReferencePlatform::PlatformData*>(context.getPlatformData());
        std::pair<double, double> lambdas = params.lambdas(context);
        params.checkBox(data.periodicBoxVectors);
        return {*data.positions, *data.forces, data.periodicBoxVectors, *data.energyParameterDerivatives, lambdas.first,
                LigandLambdaFactors(*params.settings, lambdas.first, lambdas.second)};
    }
    LigandHostParameters params;
};

} // namespace OpenMMLigand

#endif
