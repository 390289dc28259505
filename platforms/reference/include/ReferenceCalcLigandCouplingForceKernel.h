#ifndef REFERENCE_CALC_LIGAND_COUPLING_FORCE_KERNEL_H_
#define REFERENCE_CALC_LIGAND_COUPLING_FORCE_KERNEL_H_

#include "LigandKernels.h"
#include "internal/LigandHostParameters.h"
#include <string>

namespace OpenMMLigand {

/**
 * The plainly correct evaluation of LigandCouplingForce in double precision: every ligand–environment pair
 * is visited, no neighbor search, no threads. Other platforms are tested against it.
 */
class ReferenceCalcLigandCouplingForceKernel : public CalcLigandCouplingForceKernel {
public:
    ReferenceCalcLigandCouplingForceKernel(std::string name, const OpenMM::Platform& platform)
        : CalcLigandCouplingForceKernel(name, platform) {
    }
    void initialize(const OpenMM::System& system, const LigandCouplingForce& force, double dispersionCoefficient) override;
    double execute(OpenMM::ContextImpl& context, bool includeForces, bool includeEnergy) override;
    void copyParametersToContext(OpenMM::ContextImpl& context, const LigandCouplingForce& force,
                                 double dispersionCoefficient) override;
private:
    LigandHostParameters params;
};

} // namespace OpenMMLigand

#endif
