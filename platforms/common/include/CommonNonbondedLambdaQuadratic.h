// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef COMMON_NONBONDED_LAMBDA_QUADRATIC_H_
#define COMMON_NONBONDED_LAMBDA_QUADRATIC_H_

#include "NonbondedChargeOffsets.h"
#include "openmm/common/ComputeArray.h"
#include "openmm/common/ComputeContext.h"
#include "openmm/common/ComputeKernel.h"
#include "openmm/internal/ContextImpl.h"
#include <vector>
#if __has_include("openmm/common/FFT3D.h")
#include "openmm/common/FFT3D.h"
#define OPENMMLIGAND_HAS_COMMON_FFT 1
#else
#define OPENMMLIGAND_HAS_COMMON_FFT 0 // OpenMM 7.7: the host route (NonbondedLambdaQuadratic) instead
#endif

namespace OpenMMLigand {

/**
 * The lambda (b) and lambda^2 (c) coefficients of an offset NonbondedForce's energy (see NonbondedLambdaQuadratic,
 * the host route) on OpenCL and CUDA, computed wholly on the device: nothing is downloaded but the six sums.
 *
 * It reads the charges the Context computes with from OpenMM's own device array (posq.w, which NonbondedForce's
 * parameter kernel fills at every evaluation), so with c_i those charges at the current lambda0 and d_i the
 * offsets, E(lambda) = E(lambda0) + B (lambda - lambda0) + C (lambda - lambda0)^2; only the offsets come from the
 * host (uploaded when they change). Per call: the pair sums over the offset particles (one thread per atom), the
 * exclusion corrections and exception offsets, and for PME the charges and offsets spread on one complex grid,
 * transformed with OpenMM's own FFT (ComputeContext::createFFT, OpenMM 8) and reduced against the influence
 * function; then one download of the sums. No allocation after the first call for a grid.
 */
class CommonNonbondedLambdaQuadratic {
public:
    explicit CommonNonbondedLambdaQuadratic(OpenMM::ComputeContext& cc);
    ~CommonNonbondedLambdaQuadratic();
    /**
     * Whether this Context can take the device route: OpenMM 8 or later (its common FFT) and the charges kept in
     * posq (the NonbondedForce asked for them, as the only such force does). Decided at the first call.
     */
    bool isAvailable();
    /**
     * b and c (kJ/mol) of E = A + b lambda + c lambda^2. Precondition: the NonbondedForce was last evaluated at
     * lambda (posq holds its charges at lambda).
     *
     * @param offsets  the force's offsets as the Context computes with them
     * @param lambda   the parameter's current value
     * @param alpha    PME's alpha (1/nm) in this Context (unused otherwise)
     * @param grid     PME's grid in this Context (unused otherwise)
     * @param plasma   whether the running OpenMM counts the neutralizing plasma
     */
    void compute(const NonbondedChargeOffsets& offsets, double lambda, double alpha, const int grid[3], bool plasma,
            double& b, double& c);
    /** Where each particle the kernels read sits in OpenMM's (reordered) arrays: call after every reorder. */
    void updatePositionIndices();

private:
    void upload(const NonbondedChargeOffsets& offsets);
    void createKernels(const NonbondedChargeOffsets& offsets, double alpha, const int grid[3]);
    OpenMM::ComputeContext& cc;
    int available = -1; // unknown until isAvailable()
    long long uploadedVersion = -1;
    bool kernelsCreated = false;
    int gridSize[3] = {0, 0, 0};
    int numOffset = 0, numExcluded = 0, numExceptions = 0;
    double slopeSquares = 0.0;        // sum of the uploaded offsets' squares (e^2), for the self energy
    std::vector<int> offsetParticles; // to refresh offsetPosIndex after a reorder
    std::vector<std::pair<int, int>> excludedPairs, exceptionPairs;
    OpenMM::ComputeArray offsetIndex, offsetPosIndex, slopes, exclusionStart, exclusionOffsets;
    OpenMM::ComputeArray excludedPos, pairSlopes, exceptionPos, exceptionSlopes, sums;
    OpenMM::ComputeArray gridReal, gridImag, grid1, grid2, moduli[3];
    OpenMM::ComputeKernel pairKernel, exclusionKernel, spreadKernel, finishKernel, reciprocalKernel;
#if OPENMMLIGAND_HAS_COMMON_FFT
    OpenMM::FFT3D fft;
#endif
    std::vector<long long> zeros, fixedSums;
};

} // namespace OpenMMLigand

#endif
