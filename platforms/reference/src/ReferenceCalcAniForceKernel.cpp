// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "ReferenceCalcAniForceKernel.h"
#include "ReferencePlatform.h"
#include "openmm/internal/ContextImpl.h"

using namespace OpenMM;
using namespace OpenMMLigand;

static std::vector<int> speciesOf(const AniForce& force, std::vector<int>* particles) {
    std::vector<int> species;
    for (int i = 0; i < force.getNumParticles(); i++) {
        int particle, atomicNumber;
        force.getParticleParameters(i, particle, atomicNumber);
        species.push_back(AniModelAccess::model(force)->speciesOf(atomicNumber));
        if (particles)
            particles->push_back(particle);
    }
    return species;
}

void ReferenceCalcAniForceKernel::initialize(const System& system, const AniForce& force) {
    periodic = force.usesPeriodicBoundaryConditions();
    particles.clear();
    evaluation = std::make_unique<AniEvaluation>(AniModelAccess::model(force), speciesOf(force, &particles));
}

double ReferenceCalcAniForceKernel::execute(ContextImpl& context, bool includeForces, bool includeEnergy) {
    ReferencePlatform::PlatformData& data = *static_cast<ReferencePlatform::PlatformData*>(context.getPlatformData());
    std::vector<Vec3> r = aniPositionsInAngstrom(*data.positions, particles);
    Vec3 box[3];
    for (int k = 0; k < 3; k++)
        box[k] = data.periodicBoxVectors[k] * 10.0;
    std::vector<Vec3> gradient;
    double energy = evaluation->evaluate(r, periodic ? box : nullptr, includeForces ? &gradient : nullptr);
    if (includeForces)
        for (size_t i = 0; i < particles.size(); i++)
            (*data.forces)[particles[i]] -= gradient[i];
    return includeEnergy ? energy : 0.0;
}

void ReferenceCalcAniForceKernel::copyParametersToContext(ContextImpl& context, const AniForce& force) {
    evaluation->setSpecies(speciesOf(force, nullptr));
}
