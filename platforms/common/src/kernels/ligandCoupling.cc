// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
/**
 * LigandCouplingForce on OpenCL and CUDA, in OpenMM's common kernel dialect.
 *
 * Per evaluation, three launches whose cost follows the ligand:
 *   ligandBoundsAndInternal  one work group: the ligand's centre and radius, the candidate counter reset,
 *                            the ligand's own Lennard-Jones pairs and the dispersion correction
 *   findCandidates           one thread per atom: environment atoms within radius + cutoff of the centre
 *   computeInteractions      one thread per candidate, looping over the ligand; each ligand atom's force is
 *                            reduced over the work group and added once per group
 * Defines set by the host: NUM_ATOMS, PADDED_NUM_ATOMS, NUM_LIGAND, NUM_INTERNAL_PAIRS, BLOCK_SIZE,
 * USE_CUTOFF, USE_PERIODIC, CUTOFF, CUTOFF_SQUARED, USE_SWITCH, SWITCH_DISTANCE, SWITCH_WIDTH, USE_ELECTROSTATICS,
 * KRF, CRF, SOFTCORE_C, IS_C6, SOFTCORE_F, HAS_ELEC_SOFTCORE, NUM_DERIVS, STERICS_DERIV, ELEC_DERIV (indices or -1).
 * Compiled after positionCheck.cc (isSanePosition, energyToFixed).
 */

typedef struct {
    real energy, dEdr, dEdLs, dEdLe;
} PairResult;

/** The pair potential: the same formulas as LigandPairPotential.h on the host. */
DEVICE PairResult evaluatePair(real r, real sigma, real epsilon, real chargeProduct, bool coupled,
        real stericsScale, real dStericsScale, real ljShift, real dLjShift,
        real lambdaElec, real elecShift, real dElecShift) {
    PairResult out;
    out.energy = 0;
    out.dEdr = 0;
    out.dEdLs = 0;
    out.dEdLe = 0;
    real switchValue = 1, switchDeriv = 0;
#if USE_SWITCH
    if (r > SWITCH_DISTANCE) {
        real t = (r-SWITCH_DISTANCE)/SWITCH_WIDTH;
        switchValue = 1+t*t*t*(-10+t*(15-t*6));
        switchDeriv = t*t*(-30+t*(60-t*30))/SWITCH_WIDTH;
    }
#endif
    if (epsilon != 0) {
        real sigma2 = sigma*sigma;
        real sigma6 = sigma2*sigma2*sigma2;
        real r2 = r*r;
        real r6 = r2*r2*r2;
        if (!coupled) {
            real x = sigma6/r6;
            real u = 4*epsilon*x*(x-1);
            real dudr = 4*epsilon*(-12*x*x+6*x)/r;
            out.energy += switchValue*u;
            out.dEdr += switchValue*dudr+switchDeriv*u;
        }
        else {
#if IS_C6
            real rlj6 = ljShift*sigma6+r6;
            real drlj6_dr = 6*r6/r;
            real drlj6_dShift = sigma6;
#else
            real sigmaC = POW(sigma, (real) SOFTCORE_C);
            real rC = POW(r, (real) SOFTCORE_C);
            real rljC = ljShift*sigmaC+rC;
            real rlj6 = POW(rljC, (real) (6.0/SOFTCORE_C));
            real drlj6_drljC = (real) (6.0/SOFTCORE_C)*rlj6/rljC;
            real drlj6_dr = drlj6_drljC*(real) SOFTCORE_C*rC/r;
            real drlj6_dShift = drlj6_drljC*sigmaC;
#endif
            real x = sigma6/rlj6;
            real u = 4*epsilon*x*(x-1);
            real dudrlj6 = -4*epsilon*(2*x-1)*x/rlj6;
            out.energy += stericsScale*switchValue*u;
            out.dEdr += stericsScale*(switchValue*dudrlj6*drlj6_dr+switchDeriv*u);
            out.dEdLs += switchValue*(dStericsScale*u+stericsScale*dudrlj6*drlj6_dShift*dLjShift);
        }
    }
#if USE_ELECTROSTATICS
    if (coupled && chargeProduct != 0) {
        real rel = r, drel_dr = 1, drel_dShift = 0;
#if HAS_ELEC_SOFTCORE
        real sigmaF = POW(sigma, (real) SOFTCORE_F);
        real rF = POW(r, (real) SOFTCORE_F);
        real relF = elecShift*sigmaF+rF;
        rel = POW(relF, (real) (1.0/SOFTCORE_F));
        drel_dr = rel*rF/(relF*r);
        drel_dShift = rel*sigmaF/((real) SOFTCORE_F*relF);
#endif
        real u = chargeProduct*(1/rel+(real) KRF*rel*rel-(real) CRF);
        real dudrel = chargeProduct*(-1/(rel*rel)+2*(real) KRF*rel);
        out.energy += lambdaElec*u;
        out.dEdr += lambdaElec*dudrel*drel_dr;
        out.dEdLe += u+lambdaElec*dudrel*drel_dShift*dElecShift;
    }
#endif
    return out;
}

/** The fixed-point conversion OpenMM's force buffers use, written out so it builds on 7.7 and 8.x alike. */
DEVICE mm_ulong toFixed(real value) {
    return (mm_ulong) ((mm_long) (value*(real) 0x100000000));
}

DEVICE real3 pairDelta(real3 from, real3 to, real4 periodicBoxSize, real4 invPeriodicBoxSize,
        real4 periodicBoxVecX, real4 periodicBoxVecY, real4 periodicBoxVecZ) {
    real3 delta = to-from;
#if USE_PERIODIC
    APPLY_PERIODIC_TO_DELTA(delta)
#endif
    return delta;
}

/**
 * Whether ligand atom i interacts with an environment atom at squared distance r2 whose exclusions (as ligand
 * indices) are exclusionLigand[begin, end): inside the cutoff and not excluded.
 */
DEVICE bool interacts(int i, real r2, int begin, int end, GLOBAL const int* RESTRICT exclusionLigand) {
    bool include = true;
#if USE_CUTOFF
    include = (r2 < CUTOFF_SQUARED);
#endif
    for (int e = begin; e < end; e++)
        include &= (exclusionLigand[e] != i);
    return include;
}

KERNEL void ligandBoundsAndInternal(GLOBAL const real4* RESTRICT posq, GLOBAL const int* RESTRICT ligandPosIndex,
        GLOBAL const real4* RESTRICT particleParams, GLOBAL const int* RESTRICT ligandAtoms,
        GLOBAL const int2* RESTRICT internalPairs, GLOBAL real4* RESTRICT bounds, GLOBAL int* RESTRICT candidateCount,
        GLOBAL mm_ulong* RESTRICT forceBuffers, GLOBAL mixed* RESTRICT energyBuffer, GLOBAL mixed* RESTRICT energyParamDerivs,
        real4 periodicBoxSize, real4 invPeriodicBoxSize, real4 periodicBoxVecX, real4 periodicBoxVecY, real4 periodicBoxVecZ,
        real dispersionEnergy, real dispersionDerivative, int includeForces, int writeOutputs) {
    LOCAL real3 sum[BLOCK_SIZE];
    LOCAL real maxRadius[BLOCK_SIZE];
    if (LOCAL_ID == 0)
        candidateCount[1] = 0;  // no bad position seen yet (set below and by findCandidates)
    real3 anchor = trimTo3(posq[ligandPosIndex[0]]);
    // Centre: ligand atoms unwrapped around the first one, averaged.
    real3 partial = make_real3(0, 0, 0);
    for (int i = LOCAL_ID; i < NUM_LIGAND; i += LOCAL_SIZE)
        partial += pairDelta(anchor, trimTo3(posq[ligandPosIndex[i]]), periodicBoxSize, invPeriodicBoxSize, periodicBoxVecX, periodicBoxVecY, periodicBoxVecZ);
    sum[LOCAL_ID] = partial;
    SYNC_THREADS;
    for (int step = 1; step < LOCAL_SIZE; step *= 2) {
        if (LOCAL_ID%(2*step) == 0 && LOCAL_ID+step < LOCAL_SIZE)
            sum[LOCAL_ID] += sum[LOCAL_ID+step];
        SYNC_THREADS;
    }
    real3 centre = anchor+sum[0]*(1/(real) NUM_LIGAND);
    real radius = 0;
    for (int i = LOCAL_ID; i < NUM_LIGAND; i += LOCAL_SIZE) {
        if (!isSanePosition(posq[ligandPosIndex[i]]))
            candidateCount[1] = ligandAtoms[i]+1;
        real3 d = pairDelta(centre, trimTo3(posq[ligandPosIndex[i]]), periodicBoxSize, invPeriodicBoxSize, periodicBoxVecX, periodicBoxVecY, periodicBoxVecZ);
        radius = max(radius, SQRT(d.x*d.x+d.y*d.y+d.z*d.z));
    }
    maxRadius[LOCAL_ID] = radius;
    SYNC_THREADS;
    for (int step = 1; step < LOCAL_SIZE; step *= 2) {
        if (LOCAL_ID%(2*step) == 0 && LOCAL_ID+step < LOCAL_SIZE)
            maxRadius[LOCAL_ID] = max(maxRadius[LOCAL_ID], maxRadius[LOCAL_ID+step]);
        SYNC_THREADS;
    }
    if (LOCAL_ID == 0) {
        bounds[0] = make_real4(centre.x, centre.y, centre.z, maxRadius[0]);
        candidateCount[0] = 0;
    }
    if (!writeOutputs)
        return;  // only the bounds and the counter, for computeStateEnergies
    // The ligand's own Lennard-Jones pairs, at full strength.
    mixed energy = 0;
    for (int p = LOCAL_ID; p < NUM_INTERNAL_PAIRS; p += LOCAL_SIZE) {
        int2 pair = internalPairs[p];
        int a = ligandPosIndex[pair.x], b = ligandPosIndex[pair.y];
        real3 d = pairDelta(trimTo3(posq[a]), trimTo3(posq[b]), periodicBoxSize, invPeriodicBoxSize, periodicBoxVecX, periodicBoxVecY, periodicBoxVecZ);
        real r2 = d.x*d.x+d.y*d.y+d.z*d.z;
#if USE_CUTOFF
        if (r2 >= CUTOFF_SQUARED)
            continue;
#endif
        real r = SQRT(r2);
        real4 pa = particleParams[ligandAtoms[pair.x]], pb = particleParams[ligandAtoms[pair.y]];
        PairResult result = evaluatePair(r, pa.y+pb.y, pa.z*pb.z, 0, false, 1, 0, 0, 0, 0, 0, 0);
        energy += result.energy;
        if (includeForces) {
            real3 f = d*(result.dEdr/r);
            ATOMIC_ADD(&forceBuffers[a], toFixed(f.x));
            ATOMIC_ADD(&forceBuffers[a+PADDED_NUM_ATOMS], toFixed(f.y));
            ATOMIC_ADD(&forceBuffers[a+2*PADDED_NUM_ATOMS], toFixed(f.z));
            ATOMIC_ADD(&forceBuffers[b], toFixed(-f.x));
            ATOMIC_ADD(&forceBuffers[b+PADDED_NUM_ATOMS], toFixed(-f.y));
            ATOMIC_ADD(&forceBuffers[b+2*PADDED_NUM_ATOMS], toFixed(-f.z));
        }
    }
    if (LOCAL_ID == 0) {
        energy += dispersionEnergy;
#if STERICS_DERIV >= 0
        energyParamDerivs[GLOBAL_ID*NUM_DERIVS+STERICS_DERIV] += dispersionDerivative;
#endif
    }
    energyBuffer[GLOBAL_ID] += energy;
}

KERNEL void findCandidates(GLOBAL const real4* RESTRICT posq, GLOBAL const int* RESTRICT atomIndex,
        GLOBAL const int* RESTRICT isEnvironment, GLOBAL const real4* RESTRICT bounds,
        GLOBAL int* RESTRICT candidates, GLOBAL int* RESTRICT candidateCount,
        real4 periodicBoxSize, real4 invPeriodicBoxSize, real4 periodicBoxVecX, real4 periodicBoxVecY, real4 periodicBoxVecZ) {
    real4 b = bounds[0];
    real3 centre = make_real3(b.x, b.y, b.z);
    real reach = b.w+(real) CUTOFF;
#if USE_CUTOFF
    // Beyond half a box width the minimum-image distance to the centre is not guaranteed in a triclinic box
    // (OpenMM's own neighbour search makes the same check): then every environment atom is a candidate.
    bool prune = true;
#if USE_PERIODIC
    prune = (reach < 0.5f*min(periodicBoxSize.x, min(periodicBoxSize.y, periodicBoxSize.z)));
#endif
#else
    bool prune = false;
#endif
    for (int k = GLOBAL_ID; k < NUM_ATOMS; k += GLOBAL_SIZE) {
        if (!isEnvironment[atomIndex[k]])
            continue;
        if (!isSanePosition(posq[k]))
            candidateCount[1] = atomIndex[k]+1;  // the host names it; the energy becomes NaN
        if (prune) {
            real3 d = pairDelta(centre, trimTo3(posq[k]), periodicBoxSize, invPeriodicBoxSize, periodicBoxVecX, periodicBoxVecY, periodicBoxVecZ);
            if (d.x*d.x+d.y*d.y+d.z*d.z >= reach*reach)
                continue;
        }
        candidates[ATOMIC_ADD(&candidateCount[0], 1)] = k;
    }
}

KERNEL void computeInteractions(GLOBAL const real4* RESTRICT posq, GLOBAL const int* RESTRICT atomIndex,
        GLOBAL const int* RESTRICT ligandPosIndex, GLOBAL const int* RESTRICT ligandAtoms,
        GLOBAL const real4* RESTRICT particleParams, GLOBAL const int* RESTRICT exclusionStart,
        GLOBAL const int* RESTRICT exclusionLigand, GLOBAL const int* RESTRICT candidates,
        GLOBAL const int* RESTRICT candidateCount, GLOBAL mm_ulong* RESTRICT forceBuffers,
        GLOBAL mixed* RESTRICT energyBuffer, GLOBAL mixed* RESTRICT energyParamDerivs,
        real4 periodicBoxSize, real4 invPeriodicBoxSize, real4 periodicBoxVecX, real4 periodicBoxVecY, real4 periodicBoxVecZ,
        real stericsScale, real dStericsScale, real ljShift, real dLjShift, real lambdaElec, real elecShift, real dElecShift,
        int includeForces, real notANumber) {
    LOCAL real3 reduction[BLOCK_SIZE];
    LOCAL real3 partials[REDUCTION_WIDTH];
    LOCAL real3 ligandForce[NUM_LIGAND];
    for (int i = LOCAL_ID; i < NUM_LIGAND; i += LOCAL_SIZE)
        ligandForce[i] = make_real3(0, 0, 0);
    int count = candidateCount[0];
    mixed energy = 0, dEdLs = 0, dEdLe = 0;
    // Every thread of a group runs the same number of iterations, so the group-wide reductions stay in step.
    for (int base = GROUP_ID*LOCAL_SIZE; base < count; base += NUM_GROUPS*LOCAL_SIZE) {
        int c = base+LOCAL_ID;
        bool active = (c < count);
        int k = (active ? candidates[c] : 0);
        int j = atomIndex[k];
        real3 posJ = trimTo3(posq[k]);
        real4 paramsJ = particleParams[j];
        int exclusionsBegin = exclusionStart[j], exclusionsEnd = exclusionStart[j+1];
        real3 forceJ = make_real3(0, 0, 0);
        for (int i = 0; i < NUM_LIGAND; i++) {
            real3 f = make_real3(0, 0, 0);
            if (active) {
                real3 d = pairDelta(trimTo3(posq[ligandPosIndex[i]]), posJ, periodicBoxSize, invPeriodicBoxSize, periodicBoxVecX, periodicBoxVecY, periodicBoxVecZ);
                real r2 = d.x*d.x+d.y*d.y+d.z*d.z;
                if (interacts(i, r2, exclusionsBegin, exclusionsEnd, exclusionLigand)) {
                    real r = SQRT(r2);
                    real4 paramsI = particleParams[ligandAtoms[i]];
                    PairResult result = evaluatePair(r, paramsI.y+paramsJ.y, paramsI.z*paramsJ.z, paramsI.x*paramsJ.x, true,
                            stericsScale, dStericsScale, ljShift, dLjShift, lambdaElec, elecShift, dElecShift);
                    energy += result.energy;
                    dEdLs += result.dEdLs;
                    dEdLe += result.dEdLe;
                    f = d*(result.dEdr/r);
                    forceJ -= f;
                }
            }
            if (includeForces) {
                // Sum ligand atom i's force over the group; one thread keeps the group's total.
                // Two levels of REDUCTION_WIDTH-wide sums (BLOCK_SIZE = REDUCTION_WIDTH^2), closed by a barrier:
                // without the closing barrier PoCL (the CPU OpenCL in CI) ran thread 0's add once per work item.
                reduction[LOCAL_ID] = f;
                SYNC_THREADS;
                if (LOCAL_ID < REDUCTION_WIDTH) {
                    real3 partial = make_real3(0, 0, 0);
                    for (int t = 0; t < REDUCTION_WIDTH; t++)
                        partial += reduction[LOCAL_ID*REDUCTION_WIDTH+t];
                    partials[LOCAL_ID] = partial;
                }
                SYNC_THREADS;
                if (LOCAL_ID == 0) {
                    real3 total = make_real3(0, 0, 0);
                    for (int t = 0; t < REDUCTION_WIDTH; t++)
                        total += partials[t];
                    ligandForce[i] += total;
                }
                SYNC_THREADS;
            }
        }
        if (active && includeForces) {
            ATOMIC_ADD(&forceBuffers[k], toFixed(forceJ.x));
            ATOMIC_ADD(&forceBuffers[k+PADDED_NUM_ATOMS], toFixed(forceJ.y));
            ATOMIC_ADD(&forceBuffers[k+2*PADDED_NUM_ATOMS], toFixed(forceJ.z));
        }
    }
    SYNC_THREADS;
    if (includeForces)
        for (int i = LOCAL_ID; i < NUM_LIGAND; i += LOCAL_SIZE) {
            int a = ligandPosIndex[i];
            ATOMIC_ADD(&forceBuffers[a], toFixed(ligandForce[i].x));
            ATOMIC_ADD(&forceBuffers[a+PADDED_NUM_ATOMS], toFixed(ligandForce[i].y));
            ATOMIC_ADD(&forceBuffers[a+2*PADDED_NUM_ATOMS], toFixed(ligandForce[i].z));
        }
    if (GLOBAL_ID == 0 && candidateCount[1] != 0) {
        // A NaN, infinite or absurd position: the energy and derivatives are NaN, never a finite number.
        energy += notANumber;
        dEdLs += notANumber;
        dEdLe += notANumber;
    }
    energyBuffer[GLOBAL_ID] += energy;
#if STERICS_DERIV >= 0
    energyParamDerivs[GLOBAL_ID*NUM_DERIVS+STERICS_DERIV] += dEdLs;
#endif
#if ELEC_DERIV >= 0
    energyParamDerivs[GLOBAL_ID*NUM_DERIVS+ELEC_DERIV] += dEdLe;
#endif
}

/**
 * This force's energy in each of numStates states, for getStateEnergies(): after ligandBoundsAndInternal (bounds
 * only) and findCandidates, one thread per candidate evaluates its pairs with every ligand atom once per state.
 * states[k] = (lambda_s^a, alpha (1-lambda_s)^b, lambda_e, beta (1-lambda_e)^e). The ligand's own pairs do not
 * depend on lambda and go into every state. Energies are summed in fixed point into stateEnergies[k]; none of
 * OpenMM's buffers is touched.
 */
KERNEL void computeStateEnergies(GLOBAL const real4* RESTRICT posq, GLOBAL const int* RESTRICT atomIndex,
        GLOBAL const int* RESTRICT ligandPosIndex, GLOBAL const int* RESTRICT ligandAtoms,
        GLOBAL const real4* RESTRICT particleParams, GLOBAL const int* RESTRICT exclusionStart,
        GLOBAL const int* RESTRICT exclusionLigand, GLOBAL const int* RESTRICT candidates,
        GLOBAL const int* RESTRICT candidateCount, GLOBAL const int2* RESTRICT internalPairs,
        GLOBAL const real4* RESTRICT states, GLOBAL mm_ulong* RESTRICT stateEnergies, int numStates,
        real4 periodicBoxSize, real4 invPeriodicBoxSize, real4 periodicBoxVecX, real4 periodicBoxVecY, real4 periodicBoxVecZ) {
    mixed internal = 0;
    for (int p = GLOBAL_ID; p < NUM_INTERNAL_PAIRS; p += GLOBAL_SIZE) {
        int2 pair = internalPairs[p];
        real3 d = pairDelta(trimTo3(posq[ligandPosIndex[pair.x]]), trimTo3(posq[ligandPosIndex[pair.y]]), periodicBoxSize, invPeriodicBoxSize, periodicBoxVecX, periodicBoxVecY, periodicBoxVecZ);
        real r2 = d.x*d.x+d.y*d.y+d.z*d.z;
#if USE_CUTOFF
        if (r2 >= CUTOFF_SQUARED)
            continue;
#endif
        real4 pa = particleParams[ligandAtoms[pair.x]], pb = particleParams[ligandAtoms[pair.y]];
        internal += evaluatePair(SQRT(r2), pa.y+pb.y, pa.z*pb.z, 0, false, 1, 0, 0, 0, 0, 0, 0).energy;
    }
    int count = candidateCount[0];
    for (int s = 0; s < numStates; s++) {
        real4 state = states[s];
        mixed energy = internal;
        for (int c = GLOBAL_ID; c < count; c += GLOBAL_SIZE) {
            int k = candidates[c];
            int j = atomIndex[k];
            real3 posJ = trimTo3(posq[k]);
            real4 paramsJ = particleParams[j];
            int exclusionsBegin = exclusionStart[j], exclusionsEnd = exclusionStart[j+1];
            for (int i = 0; i < NUM_LIGAND; i++) {
                real3 d = pairDelta(trimTo3(posq[ligandPosIndex[i]]), posJ, periodicBoxSize, invPeriodicBoxSize, periodicBoxVecX, periodicBoxVecY, periodicBoxVecZ);
                real r2 = d.x*d.x+d.y*d.y+d.z*d.z;
                if (interacts(i, r2, exclusionsBegin, exclusionsEnd, exclusionLigand)) {
                    real4 paramsI = particleParams[ligandAtoms[i]];
                    energy += evaluatePair(SQRT(r2), paramsI.y+paramsJ.y, paramsI.z*paramsJ.z, paramsI.x*paramsJ.x, true,
                            state.x, 0, state.y, 0, state.z, state.w, 0).energy;
                }
            }
        }
        if (energy != 0)
            ATOMIC_ADD(&stateEnergies[s], energyToFixed(energy));
    }
}

/**
 * Ligand–group interaction energies, for getInteractionEnergies(): after ligandBoundsAndInternal (bounds only)
 * and findCandidates, one thread per candidate in a group evaluates its pairs with every ligand atom: Lennard-Jones
 * at full coupling and at the current lambda_s (stericsScale, ljShift), the direct-space electrostatics at full
 * coupling (erfc-screened when ewaldAlpha > 0) and times lambdaElec. Summed in fixed point into groupEnergies[4g+c].
 */
KERNEL void computeInteractionEnergies(GLOBAL const real4* RESTRICT posq, GLOBAL const int* RESTRICT atomIndex,
        GLOBAL const int* RESTRICT ligandPosIndex, GLOBAL const int* RESTRICT ligandAtoms,
        GLOBAL const real4* RESTRICT particleParams, GLOBAL const int* RESTRICT exclusionStart,
        GLOBAL const int* RESTRICT exclusionLigand, GLOBAL const int* RESTRICT candidates,
        GLOBAL const int* RESTRICT candidateCount, GLOBAL const int* RESTRICT particleGroups,
        GLOBAL mm_ulong* RESTRICT groupEnergies, real ewaldAlpha, real stericsScale, real ljShift, real lambdaElec,
        real4 periodicBoxSize, real4 invPeriodicBoxSize, real4 periodicBoxVecX, real4 periodicBoxVecY, real4 periodicBoxVecZ) {
    int count = candidateCount[0];
    for (int c = GLOBAL_ID; c < count; c += GLOBAL_SIZE) {
        int k = candidates[c];
        int j = atomIndex[k];
        int g = particleGroups[j];
        if (g < 0)
            continue;
        real3 posJ = trimTo3(posq[k]);
        real4 paramsJ = particleParams[j];
        int exclusionsBegin = exclusionStart[j], exclusionsEnd = exclusionStart[j+1];
        mixed ljFull = 0, ljNow = 0, elecFull = 0;
        for (int i = 0; i < NUM_LIGAND; i++) {
            real3 d = pairDelta(trimTo3(posq[ligandPosIndex[i]]), posJ, periodicBoxSize, invPeriodicBoxSize, periodicBoxVecX, periodicBoxVecY, periodicBoxVecZ);
            real r2 = d.x*d.x+d.y*d.y+d.z*d.z;
            if (!interacts(i, r2, exclusionsBegin, exclusionsEnd, exclusionLigand))
                continue;
            real r = SQRT(r2);
            real4 paramsI = particleParams[ligandAtoms[i]];
            real sigma = paramsI.y+paramsJ.y, epsilon = paramsI.z*paramsJ.z;
            ljFull += evaluatePair(r, sigma, epsilon, 0, true, 1, 0, 0, 0, 0, 0, 0).energy;
            ljNow += evaluatePair(r, sigma, epsilon, 0, true, stericsScale, 0, ljShift, 0, 0, 0, 0).energy;
            real coulomb;
            if (ewaldAlpha > 0)
                coulomb = erfc(ewaldAlpha*r)/r;
            else {
#if USE_CUTOFF
                coulomb = 1/r+(real) KRF*r2-(real) CRF;
#else
                coulomb = 1/r;
#endif
            }
            elecFull += paramsI.x*paramsJ.x*coulomb;
        }
        mixed values[4] = {ljFull, ljNow, elecFull, lambdaElec*elecFull};
        for (int q = 0; q < 4; q++)
            if (values[q] != 0)
                ATOMIC_ADD(&groupEnergies[4*g+q], energyToFixed(values[q]));
    }
}
