// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
/*
 * The few OpenMM declarations the openmm-ligand wrapper needs, for builds where OpenMM's own
 * swig/OpenMMSwigHeaders.i is not installed (Debian's python3-openmm leaves it out). Imported, not
 * wrapped: SWIG only learns the type names, and at run time shares their type information with the
 * openmm.openmm module that defines them.
 */
namespace OpenMM {
class Force {
public:
    virtual ~Force();
};
class Context {
};
}
