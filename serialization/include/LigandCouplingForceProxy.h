// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef OPENMM_LIGAND_COUPLING_FORCE_PROXY_H_
#define OPENMM_LIGAND_COUPLING_FORCE_PROXY_H_

#include "internal/windowsExportLigand.h"
#include "openmm/serialization/SerializationProxy.h"

namespace OpenMMLigand {

/** Serializes a LigandCouplingForce to XML and back (XmlSerializer, System XML files, Python's openmm.XmlSerializer). */
class OPENMM_EXPORT_LIGAND LigandCouplingForceProxy : public OpenMM::SerializationProxy {
public:
    /** The version written; deserialize() reads this and earlier versions. */
    static const int Version = 2; // 2: definesParameters
    LigandCouplingForceProxy();
    void serialize(const void* object, OpenMM::SerializationNode& node) const;
    void* deserialize(const OpenMM::SerializationNode& node) const;
};

} // namespace OpenMMLigand

#endif
