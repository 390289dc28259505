// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef OPENMM_LIGAND_ANI_FORCE_PROXY_H_
#define OPENMM_LIGAND_ANI_FORCE_PROXY_H_

#include "internal/windowsExportLigand.h"
#include "openmm/serialization/SerializationProxy.h"

namespace OpenMMLigand {

/**
 * Serializes an AniForce: the model by its directory and checksum (the weights stay in the model's files), the
 * particles and settings. Deserializing reads the model again and refuses files whose checksum changed.
 */
class OPENMM_EXPORT_LIGAND AniForceProxy : public OpenMM::SerializationProxy {
public:
    /** The version written; deserialize() reads this one. */
    static const int Version = 1;
    AniForceProxy();
    void serialize(const void* object, OpenMM::SerializationNode& node) const;
    void* deserialize(const OpenMM::SerializationNode& node) const;
};

} // namespace OpenMMLigand

#endif
