// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef OPENMM_LIGAND_ANI_FORCE_IMPL_H_
#define OPENMM_LIGAND_ANI_FORCE_IMPL_H_

#include "AniForce.h"
#include "openmm/Kernel.h"
#include "openmm/Vec3.h"
#include "openmm/internal/ForceImpl.h"
#include <map>
#include <string>
#include <vector>

namespace OpenMMLigand {

/** The ForceImpl of AniForce: validates the force against the System and drives its kernel. */
class OPENMM_EXPORT_LIGAND AniForceImpl : public OpenMM::ForceImpl {
public:
    explicit AniForceImpl(const AniForce& owner) : owner(owner) {
    }
    void initialize(OpenMM::ContextImpl& context) override;
    const AniForce& getOwner() const override {
        return owner;
    }
    void updateContextState(OpenMM::ContextImpl& context, bool& forcesInvalid) override {
    }
    double calcForcesAndEnergy(
            OpenMM::ContextImpl& context, bool includeForces, bool includeEnergy, int groups) override;
    std::map<std::string, double> getDefaultParameters() override {
        return {};
    }
    std::vector<std::string> getKernelNames() override;
    void updateParametersInContext(OpenMM::ContextImpl& context);
    /** Check the force against a System; throws naming the first problem. */
    static void validate(const OpenMM::System& system, const AniForce& force);
    /** Throws unless every width of box (the three box vectors, nm) is at least twice the model's cutoff. */
    static void checkBox(const AniForce& force, const OpenMM::Vec3* box);

private:
    const AniForce& owner;
    OpenMM::Kernel kernel;
    std::vector<int> initialParticles;
    bool initialPeriodic = false;
};

} // namespace OpenMMLigand

#endif
