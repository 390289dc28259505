// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef OPENMM_LIGAND_ANI_NEIGHBOURS_H_
#define OPENMM_LIGAND_ANI_NEIGHBOURS_H_

#include "AniModel.h"
#include "openmm/Vec3.h"
#include <cmath>
#include <vector>

namespace OpenMMLigand {

/** A neighbour j of an atom i: d = r_j - r_i (minimum image) and its length, in Angstrom. */
struct AniNeighbour {
    int j;
    OpenMM::Vec3 d;
    double r;
};

/**
 * The positions of the force's particles in Angstrom (the model's unit), from the Context's positions in nm.
 * Throws naming the particle if a position is not finite or beyond 1e5 nm (a blown-up simulation).
 */
inline std::vector<OpenMM::Vec3> aniPositionsInAngstrom(
        const std::vector<OpenMM::Vec3>& positionsNm, const std::vector<int>& particles) {
    std::vector<OpenMM::Vec3> r(particles.size());
    for (size_t i = 0; i < particles.size(); i++) {
        const OpenMM::Vec3& p = positionsNm[particles[i]];
        if (!(std::fabs(p[0]) <= 1e5 && std::fabs(p[1]) <= 1e5 && std::fabs(p[2]) <= 1e5))
            throwAniError("particle ", particles[i], " has the position (", p[0], ", ", p[1], ", ", p[2],
                    ") nm: not finite or beyond 1e5 nm (the simulation has probably blown up)");
        r[i] = p * 10.0;
    }
    return r;
}

/**
 * Each atom's neighbours within cutoff (Angstrom), both directions, by the minimum image convention when box (the
 * three box vectors in Angstrom, OpenMM's reduced form) is given. Throws for two atoms at one point: the AEV's
 * angles are undefined there.
 */
inline std::vector<std::vector<AniNeighbour>> aniNeighbours(
        const std::vector<OpenMM::Vec3>& r, const OpenMM::Vec3* box, double cutoff) {
    const int n = r.size();
    std::vector<std::vector<AniNeighbour>> neighbours(n);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            OpenMM::Vec3 d = r[j] - r[i];
            if (box != nullptr) {
                d -= box[2] * std::round(d[2] / box[2][2]);
                d -= box[1] * std::round(d[1] / box[1][1]);
                d -= box[0] * std::round(d[0] / box[0][0]);
            }
            double distance = std::sqrt(d.dot(d));
            if (distance < 1e-4)
                throwAniError("ML atoms ", i, " and ", j, " (entries of the force) are ", distance / 10,
                        " nm apart: at the same point (the simulation has probably blown up)");
            if (distance <= cutoff) {
                neighbours[i].push_back({j, d, distance});
                neighbours[j].push_back({i, -d, distance});
            }
        }
    return neighbours;
}

} // namespace OpenMMLigand

#endif
