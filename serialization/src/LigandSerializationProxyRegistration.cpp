// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "AniForce.h"
#include "AniForceProxy.h"
#include "LigandCouplingForce.h"
#include "LigandCouplingForceProxy.h"
#include "openmm/serialization/SerializationProxy.h"
#include <typeinfo>

// Runs when the API library is loaded, so any program (or Python session) that links it can
// serialize and deserialize our forces without a registration call of its own.
extern "C" OPENMM_EXPORT_LIGAND void __attribute__((constructor)) registerLigandSerializationProxies();

extern "C" OPENMM_EXPORT_LIGAND void registerLigandSerializationProxies() {
    OpenMM::SerializationProxy::registerProxy(
            typeid(OpenMMLigand::LigandCouplingForce), new OpenMMLigand::LigandCouplingForceProxy());
    OpenMM::SerializationProxy::registerProxy(typeid(OpenMMLigand::AniForce), new OpenMMLigand::AniForceProxy());
}
