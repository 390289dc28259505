// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "internal/AniForceImpl.h"
#include "AniModel.h"
#include "LigandKernels.h"
#include "openmm/internal/ContextImpl.h"
#include <set>

using namespace OpenMM;
using namespace OpenMMLigand;

void AniForceImpl::validate(const System& system, const AniForce& force) {
    if (force.getNumParticles() == 0)
        throwAniError("no particles were added");
    std::set<int> seen;
    for (int i = 0; i < force.getNumParticles(); i++) {
        int particle, atomicNumber;
        force.getParticleParameters(i, particle, atomicNumber);
        if (particle >= system.getNumParticles())
            throwAniError("particle index ", particle, " is out of range (the System has ", system.getNumParticles(),
                    " particles)");
        if (!seen.insert(particle).second)
            throwAniError("particle ", particle, " was added twice");
        if (system.isVirtualSite(particle))
            throwAniError("particle ", particle, " is a virtual site: ANI models describe atoms only");
    }
    if (force.usesPeriodicBoundaryConditions()) {
        Vec3 box[3];
        system.getDefaultPeriodicBoxVectors(box[0], box[1], box[2]);
        checkBox(force, box);
    }
}

void AniForceImpl::checkBox(const AniForce& force, const Vec3* box) {
    double width = 2 * force.getCutoffDistance();
    if (box[0][0] < width || box[1][1] < width || box[2][2] < width)
        throwAniError("the periodic box (", box[0][0], ", ", box[1][1], ", ", box[2][2],
                " nm) must be at least twice the model's cutoff (", width,
                " nm) wide for the minimum image convention");
}

void AniForceImpl::initialize(ContextImpl& context) {
    validate(context.getSystem(), owner);
    kernel = context.getPlatform().createKernel(CalcAniForceKernel::Name(), context);
    kernel.getAs<CalcAniForceKernel>().initialize(context.getSystem(), owner);
    for (int i = 0; i < owner.getNumParticles(); i++) {
        int particle, atomicNumber;
        owner.getParticleParameters(i, particle, atomicNumber);
        initialParticles.push_back(particle);
    }
    initialPeriodic = owner.usesPeriodicBoundaryConditions();
}

double AniForceImpl::calcForcesAndEnergy(ContextImpl& context, bool includeForces, bool includeEnergy, int groups) {
    if ((groups & (1 << owner.getForceGroup())) == 0)
        return 0.0;
    if (initialPeriodic) { // a barostat may have shrunk the box since validate()
        Vec3 box[3];
        context.getPeriodicBoxVectors(box[0], box[1], box[2]);
        checkBox(owner, box);
    }
    return kernel.getAs<CalcAniForceKernel>().execute(context, includeForces, includeEnergy);
}

std::vector<std::string> AniForceImpl::getKernelNames() {
    return {CalcAniForceKernel::Name()};
}

void AniForceImpl::updateParametersInContext(ContextImpl& context) {
    validate(context.getSystem(), owner);
    if (owner.getNumParticles() != (int) initialParticles.size())
        throwAniError("updateParametersInContext cannot change the number of particles (", initialParticles.size(),
                " -> ", owner.getNumParticles(), ")");
    for (int i = 0; i < owner.getNumParticles(); i++) {
        int particle, atomicNumber;
        owner.getParticleParameters(i, particle, atomicNumber);
        if (particle != initialParticles[i])
            throwAniError("updateParametersInContext cannot change which particle entry ", i, " is (",
                    initialParticles[i], " -> ", particle, ")");
    }
    if (owner.usesPeriodicBoundaryConditions() != initialPeriodic)
        throwAniError("updateParametersInContext cannot change whether periodic boundary conditions are used");
    kernel.getAs<CalcAniForceKernel>().copyParametersToContext(context, owner);
    context.systemChanged();
}
