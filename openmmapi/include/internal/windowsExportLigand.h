// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef OPENMM_WINDOWS_EXPORT_LIGAND_H_
#define OPENMM_WINDOWS_EXPORT_LIGAND_H_

// Symbol visibility for the openmm-ligand API library (the same convention as OpenMM's own plugins).
#if defined(_MSC_VER)
#if defined(OPENMM_LIGAND_BUILDING_SHARED_LIBRARY)
#define OPENMM_EXPORT_LIGAND __declspec(dllexport)
#else
#define OPENMM_EXPORT_LIGAND __declspec(dllimport)
#endif
#else
#define OPENMM_EXPORT_LIGAND __attribute__((visibility("default")))
#endif

#endif
