// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
// Compiled in front of the other kernel sources: what they share. Define: MAX_COORDINATE (nm).

#ifdef __OPENCL_VERSION__
#define LIGAND_FLOAT_BITS(x) as_uint(x)
#else
#define LIGAND_FLOAT_BITS(x) __float_as_uint(x)
#endif

/**
 * Whether a position is one the force accepts: finite, and each coordinate within MAX_COORDINATE nm of the origin
 * (PositionCheck.h on the host). NaN and infinity are read from the bits: OpenMM compiles with fast-math flags under
 * which a compiler may assume that no NaN exists and fold a comparison-based test away.
 */
DEVICE bool isSanePosition(real4 p) {
    float x = (float) p.x, y = (float) p.y, z = (float) p.z;
    bool nonFinite = ((LIGAND_FLOAT_BITS(x) & 0x7f800000) == 0x7f800000) || ((LIGAND_FLOAT_BITS(y) & 0x7f800000) == 0x7f800000) ||
                     ((LIGAND_FLOAT_BITS(z) & 0x7f800000) == 0x7f800000);
    return !nonFinite && fabs(x) <= (float) MAX_COORDINATE && fabs(y) <= (float) MAX_COORDINATE && fabs(z) <= (float) MAX_COORDINATE;
}

/** Energies summed with 64-bit atomics, in OpenMM's fixed-point scale (2^32 per kJ/mol; kept in mixed precision). */
DEVICE mm_ulong energyToFixed(mixed value) {
    return (mm_ulong) ((mm_long) (value*(mixed) 0x100000000));
}
