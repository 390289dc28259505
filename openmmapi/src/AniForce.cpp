// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "AniForce.h"
#include "AniModel.h"
#include "internal/AniForceImpl.h"
#include "openmm/internal/ContextImpl.h"

using namespace OpenMM;
using namespace OpenMMLigand;

AniForce::AniForce(const std::string& modelDirectory) : model(AniModel::load(modelDirectory)) {
}

const std::string& AniForce::getModelDirectory() const {
    return model->directory;
}

const std::string& AniForce::getModelChecksum() const {
    return model->checksum;
}

std::vector<int> AniForce::getSupportedAtomicNumbers() const {
    return model->atomicNumbers;
}

int AniForce::getNumEnsembleMembers() const {
    return (int) model->networks.size();
}

double AniForce::getCutoffDistance() const {
    return model->radialCutoff / 10; // Angstrom -> nm
}

static void checkElement(const AniModel& model, int particle, int atomicNumber) {
    if (model.speciesOf(atomicNumber) < 0) {
        std::string supported;
        for (size_t i = 0; i < model.elements.size(); i++)
            supported += (i ? " " : "") + model.elements[i];
        throwAniError("particle ", particle, " has atomic number ", atomicNumber, ", for which the model in ",
                model.directory, " has no network (it has: ", supported, ")");
    }
}

int AniForce::addParticle(int particle, int atomicNumber) {
    if (particle < 0)
        throwAniError("particle index ", particle, " is negative");
    checkElement(*model, particle, atomicNumber);
    particles.emplace_back(particle, atomicNumber);
    return (int) particles.size() - 1;
}

void AniForce::getParticleParameters(int index, int& particle, int& atomicNumber) const {
    if (index < 0 || index >= (int) particles.size())
        throwAniError("entry index ", index, " is out of range (", particles.size(), " particles)");
    particle = particles[index].first;
    atomicNumber = particles[index].second;
}

void AniForce::setParticleParameters(int index, int particle, int atomicNumber) {
    if (index < 0 || index >= (int) particles.size())
        throwAniError("entry index ", index, " is out of range (", particles.size(), " particles)");
    if (particle < 0)
        throwAniError("particle index ", particle, " is negative");
    checkElement(*model, particle, atomicNumber);
    particles[index] = {particle, atomicNumber};
}

void AniForce::updateParametersInContext(Context& context) {
    dynamic_cast<AniForceImpl&>(getImplInContext(context)).updateParametersInContext(getContextImpl(context));
}

ForceImpl* AniForce::createImpl() const {
    return new AniForceImpl(*this);
}
