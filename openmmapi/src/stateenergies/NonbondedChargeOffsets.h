// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef OPENMM_LIGAND_NONBONDED_CHARGE_OFFSETS_H_
#define OPENMM_LIGAND_NONBONDED_CHARGE_OFFSETS_H_

#include "openmm/NonbondedForce.h"
#include <string>
#include <utility>
#include <vector>

namespace OpenMMLigand {

/**
 * How the electrostatics of one NonbondedForce follow a Context parameter lambda through charge offsets,
 * q_i(lambda) = q_i + lambda dq_i and qq_e(lambda) = qq_e + lambda dqq_e: everything the lambda^1 and lambda^2
 * coefficients of its energy need, read once from the force.
 *
 * A Context computes with the parameters its System's NonbondedForce had when the Context was created, or last
 * pushed with NonbondedForce::updateParametersInContext; the System object may have been edited since. So the
 * Impl keeps one of these per Context, taken at Context creation, and compares it with the System's (cheaply:
 * offsets() reads only the offsets) before trusting it (see LigandCouplingForceImpl).
 */
class NonbondedChargeOffsets {
public:
    /** The charge offsets of a force for one parameter: the part that may change without reinitialize(). */
    struct Offsets {
        std::vector<int> particles;          ///< particles with a charge offset, ascending
        std::vector<double> slopes;          ///< dq_i (e) of each of those particles
        std::vector<int> exceptions;         ///< exceptions with a charge-product offset, ascending
        std::vector<double> exceptionSlopes; ///< dqq_e (e^2) of each of those exceptions
        bool operator==(const Offsets& other) const {
            return particles == other.particles && slopes == other.slopes && exceptions == other.exceptions &&
                   exceptionSlopes == other.exceptionSlopes;
        }
    };
    NonbondedChargeOffsets() = default;
    /**
     * Read a NonbondedForce's dependence on a parameter: O(particles + exceptions).
     *
     * @param withBaseCharges  also keep every particle's base charge q_i (the host route needs them; the device
     *                         route reads the Context's current charges on the device instead)
     */
    NonbondedChargeOffsets(const OpenMM::NonbondedForce& force, const std::string& parameter, bool withBaseCharges);
    /** Only the offsets of a force for a parameter, in O(number of offsets): what a per-call check reads. */
    static Offsets readOffsets(const OpenMM::NonbondedForce& force, const std::string& parameter);
    /** Whether force's base charges equal the ones kept here (false if none were kept). O(particles). */
    bool hasBaseCharges(const OpenMM::NonbondedForce& force) const;

    Offsets offsets;
    OpenMM::NonbondedForce::NonbondedMethod method = OpenMM::NonbondedForce::NoCutoff;
    double cutoff = 0.0; ///< nm
    double reactionFieldDielectric = 1.0;
    bool exceptionsUsePeriodic = false; ///< whether exceptions take the minimum image
    /** The Ewald alpha (1/nm) the Context uses for PME, LJPME or Ewald (NonbondedForceImpl's, as every platform
     *  takes it), 0 for the other methods; set by the Impl at Context creation. */
    double ewaldAlpha = 0.0;
    std::vector<double> baseCharges;                 ///< q_i (e) of every particle; empty unless asked for
    std::vector<int> offsetIndex;                    ///< per particle: its index in offsets.particles, or -1
    std::vector<std::pair<int, int>> excludedPairs;  ///< the exceptions (p1, p2) with at least one offset particle
    std::vector<std::pair<int, int>> exceptionPairs; ///< (p1, p2) of each exception in offsets.exceptions
    double netSlope = 0.0;                           ///< sum of dq_i (e): the box's charge change per unit lambda
    /** Bumped when the contents change, so a device copy knows to upload them again. */
    long long version = 0;
};

} // namespace OpenMMLigand

#endif
