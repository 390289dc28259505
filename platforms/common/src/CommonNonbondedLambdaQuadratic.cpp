// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "CommonNonbondedLambdaQuadratic.h"
#include "CommonLigandKernelSources.h"
#include "CommonPeriodicBoxArgs.h"
#include "LigandError.h"
#include "LigandPairPotential.h"
#include "PmeReciprocalQuadratic.h"
#include "PositionCheck.h"
#include "openmm/common/ContextSelector.h"
#include <cmath>
#include <cstdlib>
#include <map>

using namespace OpenMM;
using namespace OpenMMLigand;
using std::string;
using std::vector;

namespace {
/** Upload values (width ints per element: int or int2) into array, made or grown to fit (at least one element). */
void uploadInts(ComputeContext& cc, ComputeArray& array, const vector<int>& values, int width, const char* name) {
    size_t size = std::max<size_t>(1, values.size() / width);
    if (!array.isInitialized()) {
        if (width == 1)
            array.initialize<int>(cc, size, name);
        else
            array.initialize<mm_int2>(cc, size, name);
    }
    else if (array.getSize() < size)
        array.resize(size);
    if (!values.empty())
        array.uploadSubArray(values.data(), 0, values.size() / width);
}
} // namespace

CommonNonbondedLambdaQuadratic::CommonNonbondedLambdaQuadratic(ComputeContext& cc) : cc(cc) {
}

CommonNonbondedLambdaQuadratic::~CommonNonbondedLambdaQuadratic() {
}

bool CommonNonbondedLambdaQuadratic::isAvailable() {
    if (available < 0) {
        // Every force has been initialized by now: if no force has claimed posq's fourth component for charges,
        // the NonbondedForce keeps them in its own array, which this class cannot read (nor can it claim posq:
        // requestPosqCharges() hands it to the first caller, and no one else asks after initialization).
        // OPENMMLIGAND_NONBONDED_ROUTE=host keeps the host route, to compare the two (bench/state_energies.py).
        const char* route = std::getenv("OPENMMLIGAND_NONBONDED_ROUTE");
        const bool hostAsked = (route != nullptr && string(route) == "host");
#if OPENMMLIGAND_HAS_COMMON_FFT
        available = (!hostAsked && !cc.requestPosqCharges()) ? 1 : 0;
#else
        available = 0; // OpenMM 7.7: no common FFT (nor ComputeContext::requestPosqCharges)
        (void) hostAsked;
#endif
    }
    return available == 1;
}

void CommonNonbondedLambdaQuadratic::createKernels(
        const NonbondedChargeOffsets& offsets, double alpha, const int grid[3]) {
    const NonbondedForce::NonbondedMethod method = offsets.method;
    const bool ewald = (method == NonbondedForce::PME), cutoff = (method != NonbondedForce::NoCutoff);
    const bool periodic = (cutoff && method != NonbondedForce::CutoffNonPeriodic);
    const double rc = offsets.cutoff, eps = offsets.reactionFieldDielectric;
    std::map<string, string> defines;
    defines["NUM_ATOMS"] = cc.intToString(cc.getNumAtoms());
    defines["MAX_COORDINATE"] = cc.doubleToString(LIGAND_MAX_COORDINATE);
    defines["USE_CUTOFF"] = cutoff ? "1" : "0";
    defines["USE_PERIODIC"] = periodic ? "1" : "0";
    defines["PERIODIC_EXCEPTIONS"] = (periodic && offsets.exceptionsUsePeriodic) ? "true" : "false";
    defines["USE_EWALD"] = ewald ? "1" : "0";
    defines["CUTOFF_SQUARED"] = cc.doubleToString(rc * rc);
    defines["KRF"] = cc.doubleToString(cutoff && !ewald ? std::pow(rc, -3.0) * (eps - 1.0) / (2.0 * eps + 1.0) : 0.0);
    defines["CRF"] = cc.doubleToString(cutoff && !ewald ? (1.0 / rc) * (3.0 * eps) / (2.0 * eps + 1.0) : 0.0);
    defines["COULOMB"] = cc.doubleToString(ONE_4PI_EPS0_LIGAND);
    defines["PI"] = cc.doubleToString(M_PI);
    defines["TWO_OVER_SQRT_PI"] = cc.doubleToString(2.0 / std::sqrt(M_PI));
    if (ewald) {
        defines["GRID_X"] = cc.intToString(grid[0]);
        defines["GRID_Y"] = cc.intToString(grid[1]);
        defines["GRID_Z"] = cc.intToString(grid[2]);
    }
    ComputeProgram program = cc.compileProgram(
            CommonLigandKernelSources::positionCheck + CommonLigandKernelSources::nonbondedQuadratic, defines);
    const bool useDouble = cc.getUseDoublePrecision();
    const int realSize = useDouble ? sizeof(double) : sizeof(float);
    if (!sums.isInitialized())
        sums.initialize<long long>(cc, 6, "ligandQuadraticSums");
    zeros.assign(6, 0);
    // Every argument is set in compute() (arrays may be resized, the box changes); here only their slots.
    auto withSlots = [](ComputeKernel kernel, int count) {
        for (int i = 0; i < count; i++)
            kernel->addArg();
        return kernel;
    };
    pairKernel = withSlots(program->createKernel("offsetPairSums"), 15);
    exclusionKernel = withSlots(program->createKernel("offsetExclusionSums"), 14);
    if (ewald) {
        // The grid is the Context's, fixed for its life; made once.
        if (gridReal.isInitialized())
            throwLigandError("the PME grid of this Context changed from ", gridSize[0], "x", gridSize[1], "x",
                    gridSize[2], " to ", grid[0], "x", grid[1], "x", grid[2], ": call Context.reinitialize()");
        for (int d = 0; d < 3; d++) {
            gridSize[d] = grid[d];
            vector<double> values = PmeReciprocalQuadratic::bsplineModuli(grid[d]);
            moduli[d].initialize(cc, grid[d], realSize, "ligandQuadraticModuli");
            if (useDouble)
                moduli[d].upload(values);
            else
                moduli[d].upload(vector<float>(values.begin(), values.end()));
        }
        const int points = grid[0] * grid[1] * grid[2];
        gridReal.initialize<long long>(cc, points, "ligandQuadraticGridReal");
        gridImag.initialize<long long>(cc, points, "ligandQuadraticGridImag");
        gridReal.upload(vector<long long>(points, 0));
        gridImag.upload(vector<long long>(points, 0));
        const int complexSize = useDouble ? sizeof(mm_double2) : sizeof(mm_float2);
        grid1.initialize(cc, points, complexSize, "ligandQuadraticGrid1");
        grid2.initialize(cc, points, complexSize, "ligandQuadraticGrid2");
#if OPENMMLIGAND_HAS_COMMON_FFT
        fft = cc.createFFT(grid[0], grid[1], grid[2], false);
#endif
        spreadKernel = withSlots(program->createKernel("spreadOffsetCharges"), 10);
        finishKernel = program->createKernel("finishOffsetGrid");
        finishKernel->addArg(gridReal);
        finishKernel->addArg(gridImag);
        finishKernel->addArg(grid1);
        reciprocalKernel = withSlots(program->createKernel("reciprocalOffsetSums"), 10);
    }
    kernelsCreated = true;
}

void CommonNonbondedLambdaQuadratic::upload(const NonbondedChargeOffsets& offsets) {
    const bool useDouble = cc.getUseDoublePrecision();
    const int numParticles = offsets.offsetIndex.size();
    auto uploadReals = [&](ComputeArray& array, const vector<double>& values, const char* name) {
        size_t size = std::max<size_t>(1, values.size());
        if (!array.isInitialized())
            array.initialize(cc, size, useDouble ? sizeof(double) : sizeof(float), name);
        else if (array.getSize() < size)
            array.resize(size);
        if (values.empty())
            return;
        if (useDouble)
            array.uploadSubArray(values.data(), 0, values.size());
        else {
            vector<float> single(values.begin(), values.end());
            array.uploadSubArray(single.data(), 0, single.size());
        }
    };
    offsetParticles = offsets.offsets.particles;
    excludedPairs = offsets.excludedPairs;
    exceptionPairs = offsets.exceptionPairs;
    numOffset = offsetParticles.size();
    numExcluded = excludedPairs.size();
    numExceptions = exceptionPairs.size();
    uploadInts(cc, offsetIndex, offsets.offsetIndex, 1, "ligandQuadraticOffsetIndex");
    uploadReals(slopes, offsets.offsets.slopes, "ligandQuadraticSlopes");
    // For each particle, the offset particles it is excluded from (by their index in the offset list).
    vector<vector<int>> partners(numParticles);
    vector<double> pairValues;
    for (const std::pair<int, int>& pair : excludedPairs) {
        const int m1 = offsets.offsetIndex[pair.first], m2 = offsets.offsetIndex[pair.second];
        if (m1 >= 0)
            partners[pair.second].push_back(m1);
        if (m2 >= 0)
            partners[pair.first].push_back(m2);
        pairValues.push_back(m1 >= 0 ? offsets.offsets.slopes[m1] : 0.0);
        pairValues.push_back(m2 >= 0 ? offsets.offsets.slopes[m2] : 0.0);
    }
    vector<int> start(numParticles + 1, 0), flat;
    for (int i = 0; i < numParticles; i++) {
        flat.insert(flat.end(), partners[i].begin(), partners[i].end());
        start[i + 1] = flat.size();
    }
    uploadInts(cc, exclusionStart, start, 1, "ligandQuadraticExclusionStart");
    uploadInts(cc, exclusionOffsets, flat, 1, "ligandQuadraticExclusions");
    uploadReals(pairSlopes, pairValues, "ligandQuadraticPairSlopes"); // as real2: (d_1, d_2) per pair
    uploadReals(exceptionSlopes, offsets.offsets.exceptionSlopes, "ligandQuadraticExceptionSlopes");
    slopeSquares = 0.0;
    for (double d : offsets.offsets.slopes)
        slopeSquares += d * d;
    uploadedVersion = offsets.version;
    updatePositionIndices();
}

void CommonNonbondedLambdaQuadratic::updatePositionIndices() {
    if (uploadedVersion < 0)
        return; // nothing uploaded yet
    const vector<int>& order = cc.getAtomIndex();
    vector<int> where(order.size(), -1);
    for (size_t k = 0; k < order.size() && k < (size_t) cc.getNumAtoms(); k++)
        where[order[k]] = k;
    vector<int> positions;
    for (int i : offsetParticles)
        positions.push_back(where[i]);
    vector<int> excluded, exceptions;
    for (const std::pair<int, int>& pair : excludedPairs) {
        excluded.push_back(where[pair.first]);
        excluded.push_back(where[pair.second]);
    }
    for (const std::pair<int, int>& pair : exceptionPairs) {
        exceptions.push_back(where[pair.first]);
        exceptions.push_back(where[pair.second]);
    }
    uploadInts(cc, offsetPosIndex, positions, 1, "ligandQuadraticOffsetPositions");
    uploadInts(cc, excludedPos, excluded, 2, "ligandQuadraticExcludedPositions");
    uploadInts(cc, exceptionPos, exceptions, 2, "ligandQuadraticExceptionPositions");
}

void CommonNonbondedLambdaQuadratic::compute(const NonbondedChargeOffsets& offsets, double lambda, double alpha,
        const int grid[3], bool plasma, double& b, double& c) {
    ContextSelector selector(cc);
    const bool ewald = (offsets.method == NonbondedForce::PME);
    if (!kernelsCreated || (ewald && (grid[0] != gridSize[0] || grid[1] != gridSize[1] || grid[2] != gridSize[2])))
        createKernels(offsets, alpha, grid);
    if (offsets.version != uploadedVersion)
        upload(offsets);
    const bool useDouble = cc.getUseDoublePrecision();
    auto setReal = [&](ComputeKernel& kernel, int index, double value) {
        if (useDouble)
            kernel->setArg(index, value);
        else
            kernel->setArg(index, (float) value);
    };
    // Array arguments from index first on, in order.
    auto setArrays = [](ComputeKernel& kernel, int first, std::initializer_list<ArrayInterface*> arrays) {
        for (ArrayInterface* array : arrays)
            kernel->setArg(first++, *array);
    };
    setArrays(pairKernel, 0,
            {&cc.getPosq(), &cc.getAtomIndexArray(), &offsetIndex, &offsetPosIndex, &slopes, &exclusionStart,
                    &exclusionOffsets, &sums});
    pairKernel->setArg(8, numOffset);
    setReal(pairKernel, 9, alpha);
    setPeriodicBoxArgs(cc, pairKernel, 10);
    setArrays(exclusionKernel, 0, {&cc.getPosq(), &excludedPos, &pairSlopes});
    exclusionKernel->setArg(3, numExcluded);
    setArrays(exclusionKernel, 4, {&exceptionPos, &exceptionSlopes});
    exclusionKernel->setArg(6, numExceptions);
    exclusionKernel->setArg(7, sums);
    setReal(exclusionKernel, 8, alpha);
    setPeriodicBoxArgs(cc, exclusionKernel, 9);
    sums.upload(zeros);
    if (numOffset > 0)
        pairKernel->execute(cc.getNumAtoms());
    if (numExcluded + numExceptions > 0)
        exclusionKernel->execute(std::max(numExcluded, numExceptions));
    Vec3 box[3];
    cc.getPeriodicBoxVectors(box[0], box[1], box[2]);
    const double volume = box[0][0] * box[1][1] * box[2][2];
#if OPENMMLIGAND_HAS_COMMON_FFT
    if (ewald) {
        // The reciprocal box (ReferencePME's invert_box_vectors, OpenMM's reduced lower-triangular box).
        const double scale = 1.0 / volume;
        Vec3 recip[3];
        recip[0] = Vec3(box[1][1] * box[2][2], 0, 0) * scale;
        recip[1] = Vec3(-box[1][0] * box[2][2], box[0][0] * box[2][2], 0) * scale;
        recip[2] = Vec3(box[1][0] * box[2][1] - box[1][1] * box[2][0], -box[0][0] * box[2][1], box[0][0] * box[1][1]) *
                   scale;
        auto setRecip = [&](ComputeKernel& kernel, int index) {
            for (int d = 0; d < 3; d++) {
                if (useDouble)
                    kernel->setArg(index + d, mm_double4(recip[d][0], recip[d][1], recip[d][2], 0));
                else
                    kernel->setArg(
                            index + d, mm_float4((float) recip[d][0], (float) recip[d][1], (float) recip[d][2], 0.0f));
            }
        };
        setArrays(spreadKernel, 0,
                {&cc.getPosq(), &cc.getAtomIndexArray(), &offsetIndex, &slopes, &gridReal, &gridImag, &sums});
        setRecip(spreadKernel, 7);
        spreadKernel->execute(cc.getNumAtoms());
        finishKernel->execute(gridSize[0] * gridSize[1] * gridSize[2]);
        fft->execFFT(grid1, grid2, true);
        reciprocalKernel->setArg(0, grid2);
        for (int d = 0; d < 3; d++)
            reciprocalKernel->setArg(1 + d, moduli[d]);
        reciprocalKernel->setArg(4, sums);
        setRecip(reciprocalKernel, 5);
        setReal(reciprocalKernel, 8, alpha);
        setReal(reciprocalKernel, 9, volume);
        reciprocalKernel->execute(gridSize[0] * gridSize[1] * gridSize[2]);
    }
#endif
    sums.download(fixedSums);
    double value[6];
    for (int k = 0; k < 6; k++)
        value[k] = fixedSums[k] / (double) 0x100000000;
    // B and C of the expansion around lambda0; the self energy -K alpha/sqrt(pi) sum (c + x d)^2 and the plasma
    // -K pi/(2 V alpha^2) (Q + x dQ)^2 are quadratics in x = lambda - lambda0 too.
    double linear = value[0], quadratic = value[1];
    if (ewald) {
        const double self = ONE_4PI_EPS0_LIGAND * alpha / std::sqrt(M_PI);
        linear += value[4] - 2.0 * self * value[2];
        quadratic += 0.5 * value[5] - self * slopeSquares;
        if (plasma) {
            const double factor = ONE_4PI_EPS0_LIGAND * M_PI / (2.0 * volume * alpha * alpha);
            linear -= 2.0 * factor * value[3] * offsets.netSlope;
            quadratic -= factor * offsets.netSlope * offsets.netSlope;
        }
    }
    // E = E0 + B x + C x^2 with x = lambda - lambda0: b = B - 2 C lambda0, c = C.
    c = quadratic;
    b = linear - 2.0 * quadratic * lambda;
}
