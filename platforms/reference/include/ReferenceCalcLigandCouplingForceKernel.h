#ifndef REFERENCE_CALC_LIGAND_COUPLING_FORCE_KERNEL_H_
#define REFERENCE_CALC_LIGAND_COUPLING_FORCE_KERNEL_H_

#include "LigandKernels.h"
#include "internal/LigandPairPotential.h"
#include <memory>
#include "openmm/Vec3.h"
#include <set>
#include <string>
#include <vector>

namespace OpenMMLigand {

/**
 * The plainly correct evaluation of LigandCouplingForce in double precision: every ligand–environment pair
 * is visited, no neighbor list, no tricks. Other platforms are tested against it. Runs on any platform whose
 * data is ReferencePlatform's (Reference, and CPU until it has its own kernel).
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
    void copyParameters(const LigandCouplingForce& force, double dispersionCoefficient);
    std::vector<double> charges, sigmas, epsilons;
    std::vector<int> ligand, environment;
    std::vector<std::set<int> > exclusions;       // per particle, both directions
    double dispersionCoefficient = 0;
    double softcoreA = 1;
    std::string stericsName, electrostaticsName;
    bool stericsDerivative = false, electrostaticsDerivative = false;
    bool periodic = false, cutoff = false, includeLigandInternal = false;
    double cutoffDistance = 0;
    std::unique_ptr<LigandPairSettings> settings;
};

} // namespace OpenMMLigand

#endif
