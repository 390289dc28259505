// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
//
// AniForce on OpenCL and CUDA (CommonCalcAniForceKernel.cpp launches these). Three kernels per evaluation:
//   computeAev:      one work group per ML atom: its neighbours, then its AEV (Angstrom, the model's unit);
//   computeNetworks: one work group per (tile of up to TILE atoms of one element, ensemble member): the member's
//                    network of that element as matrix products over the tile, forward, then back to dE/dAEV;
//   computeForces:   one work group per ML atom: dE/dAEV summed over members, chained to the positions.
// The formulas are those of platforms/reference/include/AniEvaluation.h (the Reference kernel), term for term.
// Sums run in a fixed order (no floating-point atomics): the result does not depend on scheduling.

#define STATUS_BAD_POSITION 1
#define STATUS_SAME_POINT 2
#define STATUS_TOO_MANY_NEIGHBOURS 3

/** The fixed-point conversion OpenMM's force buffers use. */
DEVICE mm_ulong aniToFixed(real value) {
    return (mm_ulong) ((mm_long) (value*(real) 0x100000000));
}

DEVICE real cutoffFunction(real r, real rc) {
    return (real) 0.5*cos((real) PI*r/rc)+(real) 0.5;
}

DEVICE real cutoffDerivative(real r, real rc) {
    return (real) (-0.5*PI)/rc*sin((real) PI*r/rc);
}

#ifdef __OPENCL_VERSION__
#define ANI_FLOAT_BITS(x) as_uint(x)
#define ANI_COMPARE_AND_SWAP(p, expected, value) atomic_cmpxchg(p, expected, value)
#else
#define ANI_FLOAT_BITS(x) __float_as_uint(x)
#define ANI_COMPARE_AND_SWAP(p, expected, value) atomicCAS(p, expected, value)
#endif

/** Record a problem (code and the ML atoms involved) unless one was recorded already. */
DEVICE void reportStatus(GLOBAL int* RESTRICT status, int code, int atom1, int atom2) {
    if (ANI_COMPARE_AND_SWAP(&status[0], 0, code) == 0) {
        status[1] = atom1;
        status[2] = atom2;
    }
}

/** NaN and infinity read from the bits: OpenMM compiles with fast-math flags that may fold comparisons away. */
DEVICE bool isFinitePosition(real4 p) {
    return ((ANI_FLOAT_BITS((float) p.x) & 0x7f800000) != 0x7f800000) && ((ANI_FLOAT_BITS((float) p.y) & 0x7f800000) != 0x7f800000) &&
           ((ANI_FLOAT_BITS((float) p.z) & 0x7f800000) != 0x7f800000) && fabs(p.x) <= (real) 1e5 && fabs(p.y) <= (real) 1e5 &&
           fabs(p.z) <= (real) 1e5;
}

/**
 * Fill the work group's neighbour list of ML atom i (Angstrom): those within the angular cutoff first (numAngular
 * of them), then the rest within the radial cutoff (numNeighbours in all). Thread 0 builds it in order of the
 * atoms, so the sums over it run in the same order every time. Problems go to status (first one wins).
 */
DEVICE void findNeighbours(int i, GLOBAL const real4* RESTRICT posq, GLOBAL const int* RESTRICT posIndex,
        GLOBAL const int* RESTRICT species, GLOBAL int* RESTRICT status, LOCAL_ARG real4* neighbourDelta,
        LOCAL_ARG int* neighbourIndex, LOCAL_ARG int* counts, real4 periodicBoxSize, real4 invPeriodicBoxSize,
        real4 periodicBoxVecX, real4 periodicBoxVecY, real4 periodicBoxVecZ) {
    if (LOCAL_ID == 0) {
        real4 pi = posq[posIndex[i]];
        int count = 0;
        if (!isFinitePosition(pi))
            reportStatus(status, STATUS_BAD_POSITION, i, i);
        // Two passes: the angular neighbours first.
        for (int pass = 0; pass < 2; pass++) {
            for (int j = 0; j < NUM_ML; j++) {
                if (j == i)
                    continue;
                real4 pj = posq[posIndex[j]];
                real3 d = make_real3(pj.x-pi.x, pj.y-pi.y, pj.z-pi.z);
#if USE_PERIODIC
                APPLY_PERIODIC_TO_DELTA(d)
#endif
                d *= (real) 10; // nm -> Angstrom
                real r = sqrt(d.x*d.x+d.y*d.y+d.z*d.z);
                bool angular = (r <= (real) ANGULAR_CUTOFF);
                if (pass == 0 && r < (real) 1e-4)
                    reportStatus(status, STATUS_SAME_POINT, min(i, j), max(i, j));
                if (r <= (real) RADIAL_CUTOFF && angular == (pass == 0)) {
                    if (count == MAX_NEIGHBOURS) {
                        reportStatus(status, STATUS_TOO_MANY_NEIGHBOURS, i, i);
                        continue;
                    }
                    neighbourDelta[count] = make_real4(d.x, d.y, d.z, r);
                    neighbourIndex[count] = j;
                    count++;
                }
            }
            if (pass == 0)
                counts[1] = count;
        }
        counts[0] = count;
    }
    SYNC_THREADS;
}

/** The unordered pair (a, b), a < b, of the list 0..n-1 with linear index p (pairs ordered by a, then b). */
DEVICE int2 pairOfIndex(int p, int n) {
    int a = 0;
    while (p >= n-1-a) {
        p -= n-1-a;
        a++;
    }
    return make_int2(a, a+1+p);
}

/** The pieces of an angular pair every angular term shares. */
typedef struct {
    real rj, rk, fcj, fck, dfcj, dfck, cosAngle, theta, dThetaDCos;
} AngularPair;

DEVICE AngularPair angularPair(real4 dj, real4 dk) {
    AngularPair p;
    p.rj = dj.w;
    p.rk = dk.w;
    p.fcj = cutoffFunction(p.rj, (real) ANGULAR_CUTOFF);
    p.fck = cutoffFunction(p.rk, (real) ANGULAR_CUTOFF);
    p.dfcj = cutoffDerivative(p.rj, (real) ANGULAR_CUTOFF);
    p.dfck = cutoffDerivative(p.rk, (real) ANGULAR_CUTOFF);
    p.cosAngle = (dj.x*dk.x+dj.y*dk.y+dj.z*dk.z)/(p.rj*p.rk);
    p.cosAngle = min(max(p.cosAngle, (real) -1), (real) 1);
    p.theta = acos((real) 0.95*p.cosAngle);
    p.dThetaDCos = (real) -0.95/sqrt(1-(real) 0.9025*p.cosAngle*p.cosAngle);
    return p;
}

/** ((1 + cos(theta - thetaShift))/2)^zeta and its derivative with respect to theta. */
DEVICE real2 angularFactor(real theta, real zeta, real thetaShift) {
    real base = (real) 0.5*(1+cos(theta-thetaShift));
    if (base <= 0)
        return make_real2(0, 0);
    real value = exp(zeta*log(base));
    return make_real2(value, zeta*value/base*((real) -0.5*sin(theta-thetaShift)));
}

/**
 * The AEV of each ML atom, [NUM_ML][AEV_LENGTH]. radialParams: (eta, shift) per radial term; angularParams: (eta,
 * zeta, shift, angle shift) per angular term; pairIndex[a*NUM_SPECIES+b]: the species pair's block.
 */
KERNEL void computeAev(GLOBAL const real4* RESTRICT posq, GLOBAL const int* RESTRICT posIndex,
        GLOBAL const int* RESTRICT species, GLOBAL const int* RESTRICT pairIndex,
        GLOBAL const real2* RESTRICT radialParams, GLOBAL const real4* RESTRICT angularParams,
        GLOBAL real* RESTRICT aev, GLOBAL int* RESTRICT status, real4 periodicBoxSize, real4 invPeriodicBoxSize,
        real4 periodicBoxVecX, real4 periodicBoxVecY, real4 periodicBoxVecZ) {
    LOCAL real4 neighbourDelta[MAX_NEIGHBOURS];
    LOCAL int neighbourIndex[MAX_NEIGHBOURS];
    LOCAL int counts[2];
    LOCAL real sums[SUMS_SIZE]; // [slice][species or species pair][term], each thread its own entries
    const int lid = LOCAL_ID, size = LOCAL_SIZE;
    for (int i = GROUP_ID; i < NUM_ML; i += NUM_GROUPS) {
        findNeighbours(i, posq, posIndex, species, status, neighbourDelta, neighbourIndex, counts, periodicBoxSize,
                invPeriodicBoxSize, periodicBoxVecX, periodicBoxVecY, periodicBoxVecZ);
        const int numNeighbours = counts[0], numAngular = counts[1];
        // Radial terms: thread (slice, term) sums its term over every slices-th neighbour, for each species.
        {
            const int term = lid%RADIAL_TERMS, slice = lid/RADIAL_TERMS, slices = size/RADIAL_TERMS;
            if (slice < slices) {
                LOCAL_ARG real* mine = &sums[slice*NUM_SPECIES*RADIAL_TERMS+term];
                for (int s = 0; s < NUM_SPECIES; s++)
                    mine[s*RADIAL_TERMS] = 0;
                real2 param = radialParams[term];
                for (int a = slice; a < numNeighbours; a += slices) {
                    real r = neighbourDelta[a].w, x = r-param.y;
                    mine[species[neighbourIndex[a]]*RADIAL_TERMS] +=
                            (real) 0.25*exp(-param.x*x*x)*cutoffFunction(r, (real) RADIAL_CUTOFF);
                }
            }
            SYNC_THREADS;
            for (int k = lid; k < NUM_SPECIES*RADIAL_TERMS; k += size) {
                real total = 0;
                for (int s = 0; s < slices; s++)
                    total += sums[s*NUM_SPECIES*RADIAL_TERMS+k];
                aev[(mm_long) i*AEV_LENGTH+k] = total;
            }
            SYNC_THREADS;
        }
        // Angular terms: thread (slice, term) sums its term over every slices-th pair, for each species pair.
        {
            const int term = lid%ANGULAR_TERMS, slice = lid/ANGULAR_TERMS, slices = size/ANGULAR_TERMS;
            if (slice < slices) {
                LOCAL_ARG real* mine = &sums[slice*NUM_PAIRS*ANGULAR_TERMS+term];
                for (int s = 0; s < NUM_PAIRS; s++)
                    mine[s*ANGULAR_TERMS] = 0;
                real4 param = angularParams[term];
                const int numPairs = numAngular*(numAngular-1)/2;
                for (int p = slice; p < numPairs; p += slices) {
                    int2 ab = pairOfIndex(p, numAngular);
                    real4 dj = neighbourDelta[ab.x], dk = neighbourDelta[ab.y];
                    AngularPair pair = angularPair(dj, dk);
                    real x = (real) 0.5*(pair.rj+pair.rk)-param.z;
                    real2 factor = angularFactor(pair.theta, param.y, param.w);
                    int block = pairIndex[species[neighbourIndex[ab.x]]*NUM_SPECIES+species[neighbourIndex[ab.y]]];
                    mine[block*ANGULAR_TERMS] += 2*factor.x*exp(-param.x*x*x)*pair.fcj*pair.fck;
                }
            }
            SYNC_THREADS;
            for (int k = lid; k < NUM_PAIRS*ANGULAR_TERMS; k += size) {
                real total = 0;
                for (int s = 0; s < slices; s++)
                    total += sums[s*NUM_PAIRS*ANGULAR_TERMS+k];
                aev[(mm_long) i*AEV_LENGTH+NUM_SPECIES*RADIAL_TERMS+k] = total;
            }
            SYNC_THREADS;
        }
    }
}

/**
 * The networks. tiles[t] = (species, first entry in sortedAtoms, atom count); layerInfo[(member*NUM_SPECIES +
 * species)*NUM_LAYERS + layer] = (inputs, outputs, offset of the weights, offset of the biases); weights are
 * [outputs][inputs], weightsT the same transposed, both float (the model's own precision). Each group writes its
 * tile's energy (Hartree, over the ensemble: divided by NUM_MEMBERS) to tileEnergies and, with includeForces,
 * dE/dAEV to aevGradient[member][atom][AEV_LENGTH] (Hartree per AEV unit, divided by NUM_MEMBERS).
 */
KERNEL void computeNetworks(GLOBAL const real* RESTRICT aev, GLOBAL const int4* RESTRICT tiles,
        GLOBAL const int* RESTRICT sortedAtoms, GLOBAL const int4* RESTRICT layerInfo,
        GLOBAL const float* RESTRICT weights, GLOBAL const float* RESTRICT weightsT, GLOBAL const float* RESTRICT biases,
        GLOBAL real* RESTRICT tileEnergies, GLOBAL real* RESTRICT aevGradient, int includeForces) {
    LOCAL real outputs[TILE*HIDDEN_TOTAL]; // every CELU layer's outputs: [layer block][TILE][width]
    LOCAL real gradientA[TILE*MAX_WIDTH], gradientB[TILE*MAX_WIDTH];
    LOCAL int atoms[TILE];
    const int lid = LOCAL_ID, size = LOCAL_SIZE;
    for (int work = GROUP_ID; work < NUM_TILES*NUM_MEMBERS; work += NUM_GROUPS) {
        const int member = work%NUM_MEMBERS;
        const int4 tile = tiles[work/NUM_MEMBERS];
        const int count = tile.z;
        if (lid < TILE)
            atoms[lid] = (lid < count ? sortedAtoms[tile.y+lid] : -1);
        SYNC_THREADS;
        GLOBAL const int4* info = &layerInfo[(member*NUM_SPECIES+tile.x)*NUM_LAYERS];
        // Forward. Layer l reads the AEVs (l = 0) or layer l-1's outputs, and writes its own block of outputs.
        int inputOffset = 0, outputOffset = 0;
        real energy[TILE];
        for (int l = 0; l < NUM_LAYERS; l++) {
            const int4 layer = info[l];
            const bool last = (l == NUM_LAYERS-1);
            for (int o = lid; o < layer.y; o += size) {
                real sum[TILE];
                for (int a = 0; a < TILE; a++)
                    sum[a] = biases[layer.w+o];
                GLOBAL const float* w = &weightsT[layer.z+o];
                if (l == 0) {
                    for (int k = 0; k < layer.x; k++) {
                        real wk = w[(mm_long) k*layer.y];
                        for (int a = 0; a < TILE; a++)
                            if (a < count)
                                sum[a] += wk*aev[(mm_long) atoms[a]*AEV_LENGTH+k];
                    }
                }
                else {
                    for (int k = 0; k < layer.x; k++) {
                        real wk = w[(mm_long) k*layer.y];
                        for (int a = 0; a < TILE; a++)
                            if (a < count)
                                sum[a] += wk*outputs[inputOffset+a*layer.x+k];
                    }
                }
                for (int a = 0; a < TILE; a++) {
                    if (last)
                        energy[a] = sum[a];
                    else
                        outputs[outputOffset+a*layer.y+o] = (sum[a] > 0 ? sum[a] : (real) CELU_ALPHA*(exp(sum[a]/(real) CELU_ALPHA)-1));
                }
            }
            SYNC_THREADS;
            if (l > 0)
                inputOffset = outputOffset;
            if (!last)
                outputOffset += TILE*layer.y;
        }
        if (lid == 0) {
            real total = 0;
            for (int a = 0; a < count; a++)
                total += energy[a];
            tileEnergies[work] = total/NUM_MEMBERS;
        }
        if (!includeForces)
            continue;
        // Backward: gradient of the member's energy share with respect to each layer's inputs. The output layer is
        // linear: its inputs' gradient is its weights. For a CELU output y, dy/dsum = 1 (y > 0) or y/alpha + 1.
        LOCAL_ARG real* gradient = gradientA;
        LOCAL_ARG real* previous = gradientB;
        int offset = outputOffset;
        for (int l = NUM_LAYERS-1; l >= 0; l--) {
            const int4 layer = info[l];
            GLOBAL const float* w = &weights[layer.z];
            if (l > 0) {
                offset -= TILE*layer.x; // the block of layer l-1's outputs: layer l's inputs
                for (int k = lid; k < layer.x; k += size) {
                    real sum[TILE];
                    for (int a = 0; a < TILE; a++)
                        sum[a] = 0;
                    if (l == NUM_LAYERS-1) {
                        for (int a = 0; a < TILE; a++)
                            sum[a] = (real) w[k]/NUM_MEMBERS;
                    }
                    else {
                        for (int o = 0; o < layer.y; o++) {
                            real wk = w[(mm_long) o*layer.x+k];
                            for (int a = 0; a < TILE; a++)
                                if (a < count)
                                    sum[a] += wk*gradient[a*layer.y+o];
                        }
                    }
                    for (int a = 0; a < TILE; a++) {
                        real y = outputs[offset+a*layer.x+k];
                        previous[a*layer.x+k] = sum[a]*(y > 0 ? (real) 1 : y/(real) CELU_ALPHA+1);
                    }
                }
            }
            else {
                for (int k = lid; k < layer.x; k += size) {
                    real sum[TILE];
                    for (int a = 0; a < TILE; a++)
                        sum[a] = 0;
                    for (int o = 0; o < layer.y; o++) {
                        real wk = w[(mm_long) o*layer.x+k];
                        for (int a = 0; a < TILE; a++)
                            if (a < count)
                                sum[a] += wk*gradient[a*layer.y+o];
                    }
                    for (int a = 0; a < count; a++)
                        aevGradient[((mm_long) member*NUM_ML+atoms[a])*AEV_LENGTH+k] = sum[a];
                }
            }
            SYNC_THREADS;
            LOCAL_ARG real* swap = gradient;
            gradient = previous;
            previous = swap;
        }
    }
}

/**
 * Forces: each ML atom's dE/dAEV (summed over members) chained through its AEV terms to the positions, added to
 * OpenMM's force buffer; and the energy (kJ/mol): group 0 sums the tiles' energies. Nothing
 * is added when status reports a problem (a NaN must not reach the fixed-point force buffer).
 */
KERNEL void computeForces(GLOBAL const real4* RESTRICT posq, GLOBAL const int* RESTRICT posIndex,
        GLOBAL const int* RESTRICT species, GLOBAL const int* RESTRICT pairIndex,
        GLOBAL const real2* RESTRICT radialParams, GLOBAL const real4* RESTRICT angularParams,
        GLOBAL const real* RESTRICT aevGradient, GLOBAL const real* RESTRICT tileEnergies, GLOBAL int* RESTRICT status,
        GLOBAL mm_ulong* RESTRICT forceBuffers, GLOBAL mixed* RESTRICT energyBuffer, int includeForces,
        real4 periodicBoxSize, real4 invPeriodicBoxSize, real4 periodicBoxVecX, real4 periodicBoxVecY,
        real4 periodicBoxVecZ) {
    LOCAL real4 neighbourDelta[MAX_NEIGHBOURS];
    LOCAL int neighbourIndex[MAX_NEIGHBOURS];
    LOCAL int counts[2];
    LOCAL real gradient[AEV_LENGTH];
    LOCAL real3 selfForce[FORCE_THREADS];
    const int lid = LOCAL_ID, size = LOCAL_SIZE;
    if (status[0] != 0)
        return;
    if (GROUP_ID == 0 && lid == 0) {
        mixed energy = 0; // the self energies are the host's (in double)
        for (int t = 0; t < NUM_TILES*NUM_MEMBERS; t++)
            energy += tileEnergies[t];
        energyBuffer[0] += energy*(mixed) HARTREE;
    }
    if (!includeForces)
        return;
    const real scale = (real) (-10*HARTREE); // Hartree/Angstrom gradient -> kJ/mol/nm force
    for (int i = GROUP_ID; i < NUM_ML; i += NUM_GROUPS) {
        findNeighbours(i, posq, posIndex, species, status, neighbourDelta, neighbourIndex, counts, periodicBoxSize,
                invPeriodicBoxSize, periodicBoxVecX, periodicBoxVecY, periodicBoxVecZ);
        const int numNeighbours = counts[0], numAngular = counts[1];
        for (int k = lid; k < AEV_LENGTH; k += size) {
            real total = 0;
            for (int m = 0; m < NUM_MEMBERS; m++)
                total += aevGradient[((mm_long) m*NUM_ML+i)*AEV_LENGTH+k];
            gradient[k] = total;
        }
        SYNC_THREADS;
        real3 onI = make_real3(0, 0, 0);
        // Radial: one neighbour per thread.
        for (int a = lid; a < numNeighbours; a += size) {
            real4 d = neighbourDelta[a];
            real r = d.w;
            real fc = cutoffFunction(r, (real) RADIAL_CUTOFF), dfc = cutoffDerivative(r, (real) RADIAL_CUTOFF);
            LOCAL_ARG const real* g = &gradient[species[neighbourIndex[a]]*RADIAL_TERMS];
            real dEdr = 0;
            for (int t = 0; t < RADIAL_TERMS; t++) {
                real2 param = radialParams[t];
                real x = r-param.y, e = exp(-param.x*x*x);
                dEdr += g[t]*(real) 0.25*e*(dfc-2*param.x*x*fc);
            }
            real3 dj = make_real3(d.x, d.y, d.z)*(dEdr/r);
            int j = posIndex[neighbourIndex[a]];
            ATOMIC_ADD(&forceBuffers[j], aniToFixed(scale*dj.x));
            ATOMIC_ADD(&forceBuffers[j+PADDED_NUM_ATOMS], aniToFixed(scale*dj.y));
            ATOMIC_ADD(&forceBuffers[j+2*PADDED_NUM_ATOMS], aniToFixed(scale*dj.z));
            onI -= dj;
        }
        // Angular: one neighbour pair per thread, all its terms.
        const int numPairs = numAngular*(numAngular-1)/2;
        for (int p = lid; p < numPairs; p += size) {
            int2 ab = pairOfIndex(p, numAngular);
            real4 dj = neighbourDelta[ab.x], dk = neighbourDelta[ab.y];
            AngularPair pair = angularPair(dj, dk);
            int block = pairIndex[species[neighbourIndex[ab.x]]*NUM_SPECIES+species[neighbourIndex[ab.y]]];
            LOCAL_ARG const real* g = &gradient[NUM_SPECIES*RADIAL_TERMS+block*ANGULAR_TERMS];
            real dRij = 0, dRik = 0, dCos = 0;
            for (int t = 0; t < ANGULAR_TERMS; t++) {
                real4 param = angularParams[t];
                real x = (real) 0.5*(pair.rj+pair.rk)-param.z;
                real radial = exp(-param.x*x*x);
                real dRadial = -param.x*x*radial; // per d Rij (and per d Rik)
                real2 factor = angularFactor(pair.theta, param.y, param.w);
                real gt = 2*g[t];
                dRij += gt*factor.x*(dRadial*pair.fcj*pair.fck+radial*pair.dfcj*pair.fck);
                dRik += gt*factor.x*(dRadial*pair.fcj*pair.fck+radial*pair.fcj*pair.dfck);
                dCos += gt*factor.y*pair.dThetaDCos*radial*pair.fcj*pair.fck;
            }
            real3 vj = make_real3(dj.x, dj.y, dj.z), vk = make_real3(dk.x, dk.y, dk.z);
            real invJK = 1/(pair.rj*pair.rk);
            real3 dCosDj = vk*invJK-vj*(pair.cosAngle/(pair.rj*pair.rj));
            real3 dCosDk = vj*invJK-vk*(pair.cosAngle/(pair.rk*pair.rk));
            real3 gj = vj*(dRij/pair.rj)+dCosDj*dCos;
            real3 gk = vk*(dRik/pair.rk)+dCosDk*dCos;
            int j = posIndex[neighbourIndex[ab.x]], k = posIndex[neighbourIndex[ab.y]];
            ATOMIC_ADD(&forceBuffers[j], aniToFixed(scale*gj.x));
            ATOMIC_ADD(&forceBuffers[j+PADDED_NUM_ATOMS], aniToFixed(scale*gj.y));
            ATOMIC_ADD(&forceBuffers[j+2*PADDED_NUM_ATOMS], aniToFixed(scale*gj.z));
            ATOMIC_ADD(&forceBuffers[k], aniToFixed(scale*gk.x));
            ATOMIC_ADD(&forceBuffers[k+PADDED_NUM_ATOMS], aniToFixed(scale*gk.y));
            ATOMIC_ADD(&forceBuffers[k+2*PADDED_NUM_ATOMS], aniToFixed(scale*gk.z));
            onI -= gj+gk;
        }
        // Atom i's share, summed over the group in a fixed order.
        selfForce[lid] = onI;
        SYNC_THREADS;
        if (lid == 0) {
            real3 total = make_real3(0, 0, 0);
            for (int t = 0; t < size; t++)
                total += selfForce[t];
            int pi = posIndex[i];
            ATOMIC_ADD(&forceBuffers[pi], aniToFixed(scale*total.x));
            ATOMIC_ADD(&forceBuffers[pi+PADDED_NUM_ATOMS], aniToFixed(scale*total.y));
            ATOMIC_ADD(&forceBuffers[pi+2*PADDED_NUM_ATOMS], aniToFixed(scale*total.z));
        }
        SYNC_THREADS;
    }
}
