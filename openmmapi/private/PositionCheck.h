// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef OPENMM_LIGAND_POSITION_CHECK_H_
#define OPENMM_LIGAND_POSITION_CHECK_H_

#include "LigandError.h"
#include "openmm/Vec3.h"
#include <cmath>
#include <vector>

namespace OpenMMLigand {

/**
 * The largest coordinate (nm) the force accepts. A NaN or infinite coordinate is a blown-up simulation; one beyond
 * 1e5 nm (0.1 mm) is one too: in single precision its spacing is already ~0.01 nm, and periodic wrapping of it
 * would return a plausible but meaningless distance. Every evaluation refuses such positions with an exception
 * naming the particle instead of returning a number.
 */
const double LIGAND_MAX_COORDINATE = 1e5;

/** Whether a position is finite and within LIGAND_MAX_COORDINATE of the origin in each coordinate. */
inline bool isSanePosition(const OpenMM::Vec3& p) {
    return std::fabs(p[0]) <= LIGAND_MAX_COORDINATE && std::fabs(p[1]) <= LIGAND_MAX_COORDINATE &&
           std::fabs(p[2]) <= LIGAND_MAX_COORDINATE; // false for NaN too
}

/** Throws naming the particle if its position is not sane. */
inline void checkPosition(int index, const OpenMM::Vec3& p) {
    if (!isSanePosition(p))
        throwLigandError("particle ", index, " has the position (", p[0], ", ", p[1], ", ", p[2], ") nm: ",
                (std::isfinite(p[0]) && std::isfinite(p[1]) && std::isfinite(p[2]) ? "beyond 1e5 nm of the origin"
                                                                                   : "not finite"),
                " (the simulation has probably blown up)");
}

/** Throws naming the first particle whose position is not sane; every particle if indices is null. */
inline void checkPositions(const std::vector<OpenMM::Vec3>& positions, const std::vector<int>* indices = nullptr) {
    if (indices == nullptr) {
        for (size_t i = 0; i < positions.size(); i++)
            if (!isSanePosition(positions[i]))
                checkPosition(i, positions[i]);
    }
    else {
        for (int i : *indices)
            if (!isSanePosition(positions[i]))
                checkPosition(i, positions[i]);
    }
}

} // namespace OpenMMLigand

#endif
