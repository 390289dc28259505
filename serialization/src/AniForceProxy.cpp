// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "AniForceProxy.h"
#include "AniForce.h"
#include "AniModel.h"
#include "openmm/Platform.h"
#include "openmm/serialization/SerializationNode.h"
#include <memory>

using namespace OpenMM;
using namespace OpenMMLigand;

AniForceProxy::AniForceProxy() : SerializationProxy("AniForce") {
}

void AniForceProxy::serialize(const void* object, SerializationNode& node) const {
    const AniForce& force = *reinterpret_cast<const AniForce*>(object);
    node.setIntProperty("version", Version);
    node.setStringProperty("writtenBy",
            std::string("openmm-ligand ") + OPENMMLIGAND_VERSION + " with OpenMM " + Platform::getOpenMMVersion());
    node.setIntProperty("forceGroup", force.getForceGroup());
    node.setStringProperty("name", force.getName());
    node.setStringProperty("modelDirectory", force.getModelDirectory());
    node.setStringProperty("modelChecksum", force.getModelChecksum());
    node.setBoolProperty("periodic", force.usesPeriodicBoundaryConditions());
    SerializationNode& particles = node.createChildNode("Particles");
    for (int i = 0; i < force.getNumParticles(); i++) {
        int particle, atomicNumber;
        force.getParticleParameters(i, particle, atomicNumber);
        particles.createChildNode("Particle").setIntProperty("index", particle).setIntProperty("z", atomicNumber);
    }
}

void* AniForceProxy::deserialize(const SerializationNode& node) const {
    int version = node.getIntProperty("version");
    if (version != Version)
        throwAniError("unsupported serialization version ", version, ", written by ",
                node.getStringProperty("writtenBy", "an unknown version"), "; this is openmm-ligand ",
                OPENMMLIGAND_VERSION, ", which reads version ", (int) Version);
    std::string directory = node.getStringProperty("modelDirectory");
    std::unique_ptr<AniForce> force(new AniForce(directory));
    std::string checksum = node.getStringProperty("modelChecksum");
    if (force->getModelChecksum() != checksum)
        throwAniError("the model files in ", directory, " changed since the force was serialized (checksum ",
                force->getModelChecksum(), ", expected ", checksum, ")");
    force->setForceGroup(node.getIntProperty("forceGroup"));
    force->setName(node.getStringProperty("name"));
    force->setUsesPeriodicBoundaryConditions(node.getBoolProperty("periodic"));
    for (const SerializationNode& particle : node.getChildNode("Particles").getChildren())
        force->addParticle(particle.getIntProperty("index"), particle.getIntProperty("z"));
    return force.release();
}
