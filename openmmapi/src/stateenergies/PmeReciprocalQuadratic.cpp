// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "PmeReciprocalQuadratic.h"
#include "LigandPairPotential.h"
#include "openmm/OpenMMException.h"
#include <algorithm>
#include <cmath>
#include <complex>
#include <fftw3.h>
#include <mutex>

using namespace OpenMMLigand;
using OpenMM::Vec3;
using std::vector;

namespace {

// OpenMM's PME interpolation order on every platform (PmeOrder in the platforms' kernels).
const int PME_ORDER = 5;

// FFTW's planner is not thread-safe; execution is.
std::mutex& plannerMutex() {
    static std::mutex mutex;
    return mutex;
}

/** The order-5 B-spline weights of a particle at fractional offset dr in its grid cell (ReferencePME's recursion). */
void splineWeights(double dr, double data[PME_ORDER]) {
    data[PME_ORDER - 1] = 0;
    data[1] = dr;
    data[0] = 1 - dr;
    for (int k = 3; k < PME_ORDER; k++) {
        double div = 1.0 / (k - 1.0);
        data[k - 1] = div * dr * data[k - 2];
        for (int l = 1; l < k - 1; l++)
            data[k - l - 1] = div * ((dr + l) * data[k - l - 2] + (k - l - dr) * data[k - l - 1]);
        data[0] = div * (1 - dr) * data[0];
    }
    double div = 1.0 / (PME_ORDER - 1);
    data[PME_ORDER - 1] = div * dr * data[PME_ORDER - 2];
    for (int l = 1; l < PME_ORDER - 1; l++)
        data[PME_ORDER - l - 1] =
                div * ((dr + l) * data[PME_ORDER - l - 2] + (PME_ORDER - l - dr) * data[PME_ORDER - l - 1]);
    data[0] = div * (1 - dr) * data[0];
}

} // namespace

vector<double> PmeReciprocalQuadratic::bsplineModuli(int n) {
    double data[PME_ORDER];
    splineWeights(0.0, data);
    vector<double> spline(n, 0.0);
    for (int i = 1; i <= PME_ORDER && i < n; i++)
        spline[i] = data[i - 1];
    vector<double> moduli(n);
    for (int i = 0; i < n; i++) {
        double sc = 0, ss = 0;
        for (int j = 0; j < n; j++) {
            double arg = (2.0 * M_PI * i * j) / n;
            sc += spline[j] * std::cos(arg);
            ss += spline[j] * std::sin(arg);
        }
        moduli[i] = sc * sc + ss * ss;
    }
    for (int i = 0; i < n; i++)
        if (moduli[i] < 1.0e-7)
            moduli[i] = (moduli[(i - 1 + n) % n] + moduli[(i + 1) % n]) / 2;
    return moduli;
}

PmeReciprocalQuadratic::PmeReciprocalQuadratic(int nx, int ny, int nz) {
    if (nx < PME_ORDER || ny < PME_ORDER || nz < PME_ORDER)
        throw OpenMM::OpenMMException(
                "PmeReciprocalQuadratic: the PME grid must have at least 5 points in each dimension");
    gridSize[0] = nx;
    gridSize[1] = ny;
    gridSize[2] = nz;
    for (int d = 0; d < 3; d++)
        moduli[d] = bsplineModuli(gridSize[d]);
    fftw_complex* data = fftw_alloc_complex((size_t) nx * ny * nz);
    if (data == nullptr)
        throw OpenMM::OpenMMException("PmeReciprocalQuadratic: could not allocate the PME grid");
    std::lock_guard<std::mutex> lock(plannerMutex());
    grid = data;
    plan = fftw_plan_dft_3d(nx, ny, nz, data, data, FFTW_FORWARD, FFTW_ESTIMATE);
}

PmeReciprocalQuadratic::~PmeReciprocalQuadratic() {
    std::lock_guard<std::mutex> lock(plannerMutex());
    fftw_destroy_plan((fftw_plan) plan);
    fftw_free(grid);
}

bool PmeReciprocalQuadratic::hasGrid(int nx, int ny, int nz) const {
    return gridSize[0] == nx && gridSize[1] == ny && gridSize[2] == nz;
}

void PmeReciprocalQuadratic::computeCoefficients(const vector<Vec3>& positions, const vector<double>& charges,
        const vector<double>& slopes, const Vec3 box[3], double alpha, double& linear, double& quadratic) {
    const int nx = gridSize[0], ny = gridSize[1], nz = gridSize[2];
    // The reciprocal box (ReferencePME's invert_box_vectors: box vectors in OpenMM's reduced, lower-triangular form).
    const double scale = 1.0 / (box[0][0] * box[1][1] * box[2][2]);
    Vec3 recip[3];
    recip[0] = Vec3(box[1][1] * box[2][2], 0, 0) * scale;
    recip[1] = Vec3(-box[1][0] * box[2][2], box[0][0] * box[2][2], 0) * scale;
    recip[2] =
            Vec3(box[1][0] * box[2][1] - box[1][1] * box[2][0], -box[0][0] * box[2][1], box[0][0] * box[1][1]) * scale;

    // Spread q into the real part of the grid and dq into the imaginary part. Where the spline of a particle
    // starts within the grid differs between OpenMM's platforms by a fixed shift, which leaves the energy unchanged.
    std::complex<double>* values = reinterpret_cast<std::complex<double>*>(grid);
    std::fill(values, values + (size_t) nx * ny * nz, std::complex<double>(0.0, 0.0));
    for (size_t i = 0; i < positions.size(); i++) {
        if (charges[i] == 0.0 && slopes[i] == 0.0)
            continue;
        const std::complex<double> charge(charges[i], slopes[i]);
        // The grid points each dimension's spline covers, wrapped once here rather than in the inner loops.
        size_t points[3][PME_ORDER];
        double weights[3][PME_ORDER];
        const size_t strides[3] = {(size_t) ny * nz, (size_t) nz, 1};
        for (int d = 0; d < 3; d++) {
            double t = positions[i][0] * recip[0][d] + positions[i][1] * recip[1][d] + positions[i][2] * recip[2][d];
            t = (t - std::floor(t)) * gridSize[d];
            int ti = (int) t;
            splineWeights(t - ti, weights[d]);
            for (int k = 0; k < PME_ORDER; k++)
                points[d][k] = (size_t) ((ti + k) % gridSize[d]) * strides[d];
        }
        for (int ix = 0; ix < PME_ORDER; ix++) {
            for (int iy = 0; iy < PME_ORDER; iy++) {
                std::complex<double>* row = values + points[0][ix] + points[1][iy];
                const std::complex<double> xy = charge * (weights[0][ix] * weights[1][iy]);
                for (int iz = 0; iz < PME_ORDER; iz++)
                    row[points[2][iz]] += xy * weights[2][iz];
            }
        }
    }
    fftw_execute((fftw_plan) plan);

    // With F = FFT(Q + i dQ) and Q, dQ real: FFT(Q)(k) = (F(k) + conj(F(-k)))/2, FFT(dQ)(k) = (F(k) - conj(F(-k)))/2i.
    // OpenMM's energy is 1/2 sum_k eta(k) |FFT(Q + lambda dQ)(k)|^2 over k != 0, so
    // B = sum_k eta Re(FFT(Q) conj(FFT(dQ))) and C = 1/2 sum_k eta |FFT(dQ)|^2.
    const double factor = M_PI * M_PI / (alpha * alpha);
    const double boxFactor = M_PI * box[0][0] * box[1][1] * box[2][2];
    const int maxkx = (nx + 1) / 2, maxky = (ny + 1) / 2, maxkz = (nz + 1) / 2;
    // A rectangular box's exp(-factor m^2) is a product of one factor per dimension: nx + ny + nz exponentials
    // instead of nx ny nz (a triclinic box computes each).
    const bool rectangular = (box[1][0] == 0.0 && box[2][0] == 0.0 && box[2][1] == 0.0);
    vector<double> expFactor[3];
    if (rectangular)
        for (int d = 0; d < 3; d++) {
            expFactor[d].resize(gridSize[d]);
            for (int k = 0; k < gridSize[d]; k++) {
                const double m = (k < (gridSize[d] + 1) / 2 ? k : k - gridSize[d]) * recip[d][d];
                expFactor[d][k] = std::exp(-factor * m * m);
            }
        }
    // The summand at -k equals the one at k (both transforms are of real grids): the planes kz = 1 .. (nz-1)/2
    // stand for their mirrors too; kz = 0 (and nz/2 for an even nz) are their own mirrors and count once.
    double sumLinear = 0.0, sumQuadratic = 0.0;
    for (int kz = 0; kz <= nz / 2; kz++) {
        const double weight = (kz == 0 || 2 * kz == nz) ? 1.0 : 2.0;
        const double mz = (kz < maxkz ? kz : kz - nz);
        const int mirrorZ = (nz - kz) % nz;
        for (int kx = 0; kx < nx; kx++) {
            const double mx = (kx < maxkx ? kx : kx - nx);
            const double mhx = mx * recip[0][0];
            const double bx = boxFactor * moduli[0][kx] * moduli[2][kz];
            const int mirrorX = (nx - kx) % nx;
            for (int ky = 0; ky < ny; ky++) {
                if (kx == 0 && ky == 0 && kz == 0)
                    continue;
                const double my = (ky < maxky ? ky : ky - ny);
                const double mhy = mx * recip[1][0] + my * recip[1][1];
                const double mhz = mx * recip[2][0] + my * recip[2][1] + mz * recip[2][2];
                const double m2 = mhx * mhx + mhy * mhy + mhz * mhz;
                const double exponential =
                        rectangular ? expFactor[0][kx] * expFactor[1][ky] * expFactor[2][kz] : std::exp(-factor * m2);
                const double eta = weight * ONE_4PI_EPS0_LIGAND * exponential / (m2 * bx * moduli[1][ky]);
                const std::complex<double> f = values[((size_t) kx * ny + ky) * nz + kz];
                const std::complex<double> g =
                        std::conj(values[((size_t) mirrorX * ny + (ny - ky) % ny) * nz + mirrorZ]);
                const std::complex<double> q = 0.5 * (f + g), dq = (f - g) * std::complex<double>(0.0, -0.5);
                sumLinear += eta * (q.real() * dq.real() + q.imag() * dq.imag());
                sumQuadratic += eta * std::norm(dq);
            }
        }
    }
    linear = sumLinear;
    quadratic = 0.5 * sumQuadratic;
}
