// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
/**
 * The lambda coefficients of a NonbondedForce whose charges follow lambda through offsets, on the device
 * (CommonNonbondedLambdaQuadratic). With c_i the charges the Context computes with now (posq.w, at the current
 * lambda0) and d_i the offsets, the energy is E(lambda) = E(lambda0) + B (lambda - lambda0) + C (lambda - lambda0)^2;
 * these kernels sum B and C's terms into sums[] (fixed point, kJ/mol except where noted):
 *   sums[0], sums[1]  direct space, exclusion corrections and exception offsets: B and C
 *   sums[2]           sum over offset particles of c_i d_i (e^2), for the self energy
 *   sums[3]           sum of every c_i (e), for the neutralizing plasma
 *   sums[4], sums[5]  reciprocal space: sum eta Re(S_c conj S_d) and sum eta |S_d|^2
 * Defines: NUM_ATOMS, USE_CUTOFF, USE_PERIODIC, PERIODIC_EXCEPTIONS, USE_EWALD, CUTOFF_SQUARED, KRF, CRF,
 * COULOMB (ONE_4PI_EPS0), PI, TWO_OVER_SQRT_PI, GRID_X, GRID_Y, GRID_Z (PME only). Compiled after positionCheck.cc (isSanePosition, energyToFixed).
 */

DEVICE real3 quadraticDelta(real3 from, real3 to, bool periodic, real4 periodicBoxSize, real4 invPeriodicBoxSize,
        real4 periodicBoxVecX, real4 periodicBoxVecY, real4 periodicBoxVecZ) {
    real3 delta = to-from;
#if USE_PERIODIC
    if (periodic) {
        APPLY_PERIODIC_TO_DELTA(delta)
    }
#endif
    return delta;
}

/** The pair kernel of the direct-space energy for charges at distance r (r2 = r^2), without the Coulomb constant. */
DEVICE real directKernel(real r, real r2, real alpha) {
#if USE_EWALD
    return ERFC(alpha*r)/r;
#elif USE_CUTOFF
    return 1/r+(real) KRF*r2-(real) CRF;
#else
    return 1/r;
#endif
}

/**
 * Direct space: one thread per atom j, over the offset particles m. Each pair with at least one offset charge once
 * (an offset pair from the thread of its later offset particle), excluded pairs skipped.
 */
KERNEL void offsetPairSums(GLOBAL const real4* RESTRICT posq, GLOBAL const int* RESTRICT atomIndex,
        GLOBAL const int* RESTRICT offsetIndex, GLOBAL const int* RESTRICT offsetPosIndex,
        GLOBAL const real* RESTRICT slopes, GLOBAL const int* RESTRICT exclusionStart,
        GLOBAL const int* RESTRICT exclusionOffsets, GLOBAL mm_ulong* RESTRICT sums, int numOffset, real alpha,
        real4 periodicBoxSize, real4 invPeriodicBoxSize, real4 periodicBoxVecX, real4 periodicBoxVecY, real4 periodicBoxVecZ) {
    for (int k = GLOBAL_ID; k < NUM_ATOMS; k += GLOBAL_SIZE) {
        int j = atomIndex[k];
        real4 pj = posq[k];
        real3 posJ = make_real3(pj.x, pj.y, pj.z);
        int mj = offsetIndex[j];
        real dj = (mj >= 0 ? slopes[mj] : 0);
        int begin = exclusionStart[j], end = exclusionStart[j+1];
        int last = (mj >= 0 ? mj : numOffset);
        mixed linear = 0, quadratic = 0;
        for (int m = 0; m < last; m++) {
            bool excluded = false;
            for (int e = begin; e < end; e++)
                excluded |= (exclusionOffsets[e] == m);
            if (excluded)
                continue;
            real4 pm = posq[offsetPosIndex[m]];
            real3 d = quadraticDelta(make_real3(pm.x, pm.y, pm.z), posJ, true, periodicBoxSize, invPeriodicBoxSize,
                    periodicBoxVecX, periodicBoxVecY, periodicBoxVecZ);
            real r2 = d.x*d.x+d.y*d.y+d.z*d.z;
#if USE_CUTOFF
            if (r2 >= (real) CUTOFF_SQUARED)
                continue;
#endif
            real r = SQRT(r2);
            real weight = directKernel(r, r2, alpha);
            real dm = slopes[m];
            linear += (dm*pj.w+pm.w*dj)*weight;
            quadratic += dm*dj*weight;
        }
        if (linear != 0)
            ATOMIC_ADD(&sums[0], energyToFixed((mixed) COULOMB*linear));
        if (quadratic != 0)
            ATOMIC_ADD(&sums[1], energyToFixed((mixed) COULOMB*quadratic));
        if (mj >= 0)
            ATOMIC_ADD(&sums[2], energyToFixed((mixed) pj.w*dj));
    }
}

/**
 * The exclusion corrections of PME for excluded pairs with an offset charge (-K q_i q_j erf(alpha r)/r at any
 * distance), one thread per pair, and the exception offsets (K dqq_e / r), one thread per exception.
 * pairSlopes holds (d_1, d_2) of each excluded pair.
 */
KERNEL void offsetExclusionSums(GLOBAL const real4* RESTRICT posq, GLOBAL const int2* RESTRICT excludedPos,
        GLOBAL const real2* RESTRICT pairSlopes, int numExcluded, GLOBAL const int2* RESTRICT exceptionPos,
        GLOBAL const real* RESTRICT exceptionSlopes, int numExceptions, GLOBAL mm_ulong* RESTRICT sums, real alpha,
        real4 periodicBoxSize, real4 invPeriodicBoxSize, real4 periodicBoxVecX, real4 periodicBoxVecY, real4 periodicBoxVecZ) {
    mixed linear = 0, quadratic = 0;
#if USE_EWALD
    for (int p = GLOBAL_ID; p < numExcluded; p += GLOBAL_SIZE) {
        int2 pos = excludedPos[p];
        real4 p1 = posq[pos.x], p2 = posq[pos.y];
        real3 d = quadraticDelta(make_real3(p1.x, p1.y, p1.z), make_real3(p2.x, p2.y, p2.z), PERIODIC_EXCEPTIONS,
                periodicBoxSize, invPeriodicBoxSize, periodicBoxVecX, periodicBoxVecY, periodicBoxVecZ);
        real r = SQRT(d.x*d.x+d.y*d.y+d.z*d.z);
        real erfAlphaR = ERF(alpha*r);
        real weight = (erfAlphaR > (real) 1e-6 ? erfAlphaR/r : alpha*(real) TWO_OVER_SQRT_PI);
        real2 s = pairSlopes[p];
        linear -= (s.x*p2.w+p1.w*s.y)*weight;
        quadratic -= s.x*s.y*weight;
    }
#endif
    for (int e = GLOBAL_ID; e < numExceptions; e += GLOBAL_SIZE) {
        int2 pos = exceptionPos[e];
        real4 p1 = posq[pos.x], p2 = posq[pos.y];
        real3 d = quadraticDelta(make_real3(p1.x, p1.y, p1.z), make_real3(p2.x, p2.y, p2.z), PERIODIC_EXCEPTIONS,
                periodicBoxSize, invPeriodicBoxSize, periodicBoxVecX, periodicBoxVecY, periodicBoxVecZ);
        linear += exceptionSlopes[e]/SQRT(d.x*d.x+d.y*d.y+d.z*d.z);
    }
    if (linear != 0)
        ATOMIC_ADD(&sums[0], energyToFixed((mixed) COULOMB*linear));
    if (quadratic != 0)
        ATOMIC_ADD(&sums[1], energyToFixed((mixed) COULOMB*quadratic));
}

#if USE_EWALD
#define PME_ORDER 5

/** The order-5 B-spline weights at fractional offset dr in a grid cell (ReferencePME's recursion, as on the host). */
DEVICE void splineWeights(real dr, real* data) {
    data[PME_ORDER-1] = 0;
    data[1] = dr;
    data[0] = 1-dr;
    for (int k = 3; k < PME_ORDER; k++) {
        real div = (real) 1/(k-1);
        data[k-1] = div*dr*data[k-2];
        for (int l = 1; l < k-1; l++)
            data[k-l-1] = div*((dr+l)*data[k-l-2]+(k-l-dr)*data[k-l-1]);
        data[0] = div*(1-dr)*data[0];
    }
    real div = (real) 1/(PME_ORDER-1);
    data[PME_ORDER-1] = div*dr*data[PME_ORDER-2];
    for (int l = 1; l < PME_ORDER-1; l++)
        data[PME_ORDER-l-1] = div*((dr+l)*data[PME_ORDER-l-2]+(PME_ORDER-l-dr)*data[PME_ORDER-l-1]);
    data[0] = div*(1-dr)*data[0];
}

/**
 * Spread every charge c_i into gridReal and every offset d_i into gridImag (fixed point), one thread per atom; the
 * total charge into sums[3]. Positions that are not finite are skipped (they would become grid indices): the
 * force's own pass reports them.
 */
KERNEL void spreadOffsetCharges(GLOBAL const real4* RESTRICT posq, GLOBAL const int* RESTRICT atomIndex,
        GLOBAL const int* RESTRICT offsetIndex, GLOBAL const real* RESTRICT slopes, GLOBAL mm_ulong* RESTRICT gridReal,
        GLOBAL mm_ulong* RESTRICT gridImag, GLOBAL mm_ulong* RESTRICT sums, real4 recipX, real4 recipY, real4 recipZ) {
    mixed totalCharge = 0;
    for (int k = GLOBAL_ID; k < NUM_ATOMS; k += GLOBAL_SIZE) {
        real4 p = posq[k];
        int m = offsetIndex[atomIndex[k]];
        real slope = (m >= 0 ? slopes[m] : 0);
        totalCharge += p.w;
        if ((p.w == 0 && slope == 0) || !isSanePosition(p))
            continue;
        real t[3] = {p.x*recipX.x+p.y*recipY.x+p.z*recipZ.x, p.y*recipY.y+p.z*recipZ.y, p.z*recipZ.z};
        const int size[3] = {GRID_X, GRID_Y, GRID_Z};
        int index[3];
        real weights[3][PME_ORDER];
        for (int d = 0; d < 3; d++) {
            real u = (t[d]-floor(t[d]))*size[d];
            int cell = (int) u;
            splineWeights(u-cell, weights[d]);
            index[d] = cell%size[d];
        }
        for (int ix = 0; ix < PME_ORDER; ix++) {
            int xbase = ((index[0]+ix)%GRID_X)*GRID_Y*GRID_Z;
            for (int iy = 0; iy < PME_ORDER; iy++) {
                int xybase = xbase+((index[1]+iy)%GRID_Y)*GRID_Z;
                real w = weights[0][ix]*weights[1][iy];
                for (int iz = 0; iz < PME_ORDER; iz++) {
                    int g = xybase+(index[2]+iz)%GRID_Z;
                    real wz = w*weights[2][iz];
                    if (p.w != 0)
                        ATOMIC_ADD(&gridReal[g], energyToFixed((mixed) (p.w*wz)));
                    if (slope != 0)
                        ATOMIC_ADD(&gridImag[g], energyToFixed((mixed) (slope*wz)));
                }
            }
        }
    }
    if (totalCharge != 0)
        ATOMIC_ADD(&sums[3], energyToFixed(totalCharge));
}

/** The fixed-point grids as one complex grid (c + i d) for the FFT; the fixed-point grids zeroed for the next call. */
KERNEL void finishOffsetGrid(GLOBAL mm_ulong* RESTRICT gridReal, GLOBAL mm_ulong* RESTRICT gridImag,
        GLOBAL real2* RESTRICT grid) {
    const real scale = 1/(real) 0x100000000;
    for (int g = GLOBAL_ID; g < GRID_X*GRID_Y*GRID_Z; g += GLOBAL_SIZE) {
        grid[g] = make_real2((real) (((mm_long) gridReal[g])*scale), (real) (((mm_long) gridImag[g])*scale));
        gridReal[g] = 0;
        gridImag[g] = 0;
    }
}

/**
 * With F = FFT(c + i d): FFT(c)(k) = (F(k) + conj F(-k))/2, FFT(d)(k) = (F(k) - conj F(-k))/2i. OpenMM's reciprocal
 * energy is 1/2 sum_{k != 0} eta(k) |FFT(c + (lambda - lambda0) d)(k)|^2, so B = sum eta Re(FFT(c) conj FFT(d)) and
 * C = 1/2 sum eta |FFT(d)|^2 (the 1/2 is applied on the host). eta as in ReferencePME, with the Coulomb constant.
 */
KERNEL void reciprocalOffsetSums(GLOBAL const real2* RESTRICT transformed, GLOBAL const real* RESTRICT moduliX,
        GLOBAL const real* RESTRICT moduliY, GLOBAL const real* RESTRICT moduliZ, GLOBAL mm_ulong* RESTRICT sums,
        real4 recipX, real4 recipY, real4 recipZ, real alpha, real boxVolume) {
    mixed linear = 0, quadratic = 0;
    const real factor = (real) (PI*PI)/(alpha*alpha);
    const real boxFactor = (real) PI*boxVolume;
    for (int g = GLOBAL_ID; g < GRID_X*GRID_Y*GRID_Z; g += GLOBAL_SIZE) {
        if (g == 0)
            continue;
        int kx = g/(GRID_Y*GRID_Z), ky = (g/GRID_Z)%GRID_Y, kz = g%GRID_Z;
        real mx = (kx < (GRID_X+1)/2 ? kx : kx-GRID_X);
        real my = (ky < (GRID_Y+1)/2 ? ky : ky-GRID_Y);
        real mz = (kz < (GRID_Z+1)/2 ? kz : kz-GRID_Z);
        real mhx = mx*recipX.x;
        real mhy = mx*recipY.x+my*recipY.y;
        real mhz = mx*recipZ.x+my*recipZ.y+mz*recipZ.z;
        real m2 = mhx*mhx+mhy*mhy+mhz*mhz;
        real eta = (real) COULOMB*EXP(-factor*m2)/(m2*boxFactor*moduliX[kx]*moduliY[ky]*moduliZ[kz]);
        int mirror = (((GRID_X-kx)%GRID_X)*GRID_Y+(GRID_Y-ky)%GRID_Y)*GRID_Z+(GRID_Z-kz)%GRID_Z;
        real2 f = transformed[g], h = transformed[mirror];
        // q = (f + conj h)/2, dq = (f - conj h)/(2i)
        real qx = (f.x+h.x)/2, qy = (f.y-h.y)/2;
        real dqx = (f.y+h.y)/2, dqy = -(f.x-h.x)/2;
        linear += eta*(qx*dqx+qy*dqy);
        quadratic += eta*(dqx*dqx+dqy*dqy);
    }
    if (linear != 0)
        ATOMIC_ADD(&sums[4], energyToFixed(linear));
    if (quadratic != 0)
        ATOMIC_ADD(&sums[5], energyToFixed(quadratic));
}
#endif
