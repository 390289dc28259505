// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "CpuCalcAniForceKernel.h"
#include "ReferencePlatform.h"
#include "openmm/internal/ContextImpl.h"
#include <algorithm>
#include <cmath>
#include <cstring>

using namespace OpenMM;
using namespace OpenMMLigand;

namespace {

/** Eight floats as one value (GCC vector extension): one AVX register in the AVX2 clone, two SSE ones otherwise. */
typedef float Float8 __attribute__((vector_size(32)));
const float CELU_ALPHA = 0.1f;

/**
 * C[r][o] = (bias ? bias[o] : 0) + sum over k in ks of A[r][k] B[k][o], for r < m and o < n (row strides lda, ldb,
 * ldc). B comes twice: as is (K x ldb, used when n is not a multiple of 16) and packed (packColumns: each block of
 * 16 columns stored as K contiguous rows of 16, so that a block's panel is read sequentially). The register-blocked
 * form of a matrix product: 6 rows x 16 columns of C stay in registers while k runs
 * (two vector loads of B and six broadcasts of A per 12 vector multiply-adds with AVX2). With skipZeros, a k
 * whose six A values are all zero is skipped (AEV columns of absent species); with blockActive, a 16-column block
 * of C whose flag is 0 is not computed (left as it is).
 */
/**
 * One block of up to 6 rows x 16 columns of C: c[i] = init + sum over k in ks (all k < nk when DENSE) of
 * A[r0 + i][k] B[k][o0..o0+15]. ROWS is the block's row count, a template argument so that a full block's
 * inner loop carries no tests; DENSE drops the column list (its extra load per k) where every column is used.
 */
template <int ROWS, bool DENSE>
inline __attribute__((always_inline)) void matrixBlock(const float* a, int lda, const int* ks, int nk,
        const float* panel, Float8 init0, Float8 init1, float* c, int ldc, bool skipZeros) {
    Float8 acc[2 * ROWS];
    for (int i = 0; i < ROWS; i++) {
        acc[2 * i] = init0;
        acc[2 * i + 1] = init1;
    }
    for (int j = 0; j < nk; j++) {
        const int k = DENSE ? j : ks[j];
        float x[ROWS];
        bool allZero = true;
        for (int i = 0; i < ROWS; i++) {
            x[i] = a[(size_t) i * lda + k];
            allZero &= (x[i] == 0.0f);
        }
        if (skipZeros && allZero)
            continue;
        Float8 b0, b1;
        std::memcpy(&b0, panel + (size_t) k * 16, sizeof(Float8));
        std::memcpy(&b1, panel + (size_t) k * 16 + 8, sizeof(Float8));
        for (int i = 0; i < ROWS; i++) {
            acc[2 * i] += x[i] * b0;
            acc[2 * i + 1] += x[i] * b1;
        }
    }
    for (int i = 0; i < ROWS; i++)
        std::memcpy(c + (size_t) i * ldc, &acc[2 * i], 2 * sizeof(Float8));
}

template <bool DENSE>
inline __attribute__((always_inline)) void matrixBlockOfRows(int rows, const float* a, int lda, const int* ks, int nk,
        const float* panel, Float8 init0, Float8 init1, float* c, int ldc, bool skipZeros) {
    switch (rows) {
    case 6:
        matrixBlock<6, DENSE>(a, lda, ks, nk, panel, init0, init1, c, ldc, skipZeros);
        break;
    case 5:
        matrixBlock<5, DENSE>(a, lda, ks, nk, panel, init0, init1, c, ldc, skipZeros);
        break;
    case 4:
        matrixBlock<4, DENSE>(a, lda, ks, nk, panel, init0, init1, c, ldc, skipZeros);
        break;
    case 3:
        matrixBlock<3, DENSE>(a, lda, ks, nk, panel, init0, init1, c, ldc, skipZeros);
        break;
    case 2:
        matrixBlock<2, DENSE>(a, lda, ks, nk, panel, init0, init1, c, ldc, skipZeros);
        break;
    default:
        matrixBlock<1, DENSE>(a, lda, ks, nk, panel, init0, init1, c, ldc, skipZeros);
        break;
    }
}

/**
 * C[r][o] = (bias ? bias[o] : 0) + sum over k in ks (or every k < nk if ks is null) of A[r][k] B[k][o], for r < m
 * and o < n (row strides lda, ldb, ldc). B comes twice: as is (K x ldb, used when n is not a multiple of 16) and
 * packed (packColumns: each block of 16 columns stored as K contiguous rows of 16, so that a block's panel is read
 * sequentially). The register-blocked form of a matrix product: 6 rows x 16 columns of C stay in registers while k
 * runs (two vector loads of B and six broadcasts of A per 12 vector multiply-adds with AVX2). With skipZeros, a k
 * whose six A values are all zero is skipped (AEV columns of absent species); with blockActive, a 16-column block
 * of C whose flag is 0 is not computed (left as it is).
 */
inline __attribute__((always_inline)) void matrixProductBody(int m, int n, const float* A, int lda, const int* ks,
        int nk, const float* B, int ldb, const float* packedB, int K, const float* bias, float* C, int ldc,
        bool skipZeros, const char* blockActive) {
    if (n % 16 != 0) {
        for (int r = 0; r < m; r++)
            for (int o = 0; o < n; o++) {
                float sum = bias ? bias[o] : 0.0f;
                for (int c = 0; c < nk; c++) {
                    const int k = ks ? ks[c] : c;
                    sum += A[(size_t) r * lda + k] * B[(size_t) k * ldb + o];
                }
                C[(size_t) r * ldc + o] = sum;
            }
        return;
    }
    // Column blocks outside, row blocks inside: the panel of B a column block reads (k x 16 floats) stays in
    // cache while every row block uses it.
    for (int o0 = 0; o0 < n; o0 += 16) {
        if (blockActive != nullptr && !blockActive[o0 / 16])
            continue;
        Float8 init0{}, init1{};
        if (bias != nullptr) {
            std::memcpy(&init0, bias + o0, sizeof(Float8));
            std::memcpy(&init1, bias + o0 + 8, sizeof(Float8));
        }
        const float* panel = packedB + (size_t) (o0 / 16) * K * 16;
        for (int r0 = 0; r0 < m; r0 += 6) {
            const int rows = std::min(6, m - r0);
            const float* a = A + (size_t) r0 * lda;
            float* c = C + (size_t) r0 * ldc + o0;
            if (ks == nullptr)
                matrixBlockOfRows<true>(rows, a, lda, ks, nk, panel, init0, init1, c, ldc, skipZeros);
            else
                matrixBlockOfRows<false>(rows, a, lda, ks, nk, panel, init0, init1, c, ldc, skipZeros);
        }
    }
}

// The body compiled twice: for AVX2 with FMA, and for plain x86-64; the processor decides at run time. (Not
// target_clones("arch=haswell"): its resolver checks the processor model, which virtual machines often hide.)
__attribute__((target("avx2,fma"))) void matrixProductAvx2(int m, int n, const float* A, int lda, const int* ks, int nk,
        const float* B, int ldb, const float* packedB, int K, const float* bias, float* C, int ldc, bool skipZeros,
        const char* blockActive) {
    matrixProductBody(m, n, A, lda, ks, nk, B, ldb, packedB, K, bias, C, ldc, skipZeros, blockActive);
}

void matrixProductPlain(int m, int n, const float* A, int lda, const int* ks, int nk, const float* B, int ldb,
        const float* packedB, int K, const float* bias, float* C, int ldc, bool skipZeros, const char* blockActive) {
    matrixProductBody(m, n, A, lda, ks, nk, B, ldb, packedB, K, bias, C, ldc, skipZeros, blockActive);
}

const bool HAVE_AVX2_FMA = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");

/** See matrixProductBody; a layer's weights come as the Layer holds them. */
void matrixProduct(int m, int n, const float* A, int lda, const int* ks, int nk, const CpuCalcAniForceKernel::Matrix& B,
        const float* bias, float* C, int ldc, bool skipZeros, const char* blockActive) {
    (HAVE_AVX2_FMA ? matrixProductAvx2 : matrixProductPlain)(m, n, A, lda, ks, nk, B.plain.data(), B.columns,
            B.packed.data(), B.rows, bias, C, ldc, skipZeros, blockActive);
}

double cutoffFunction(double r, double rc) {
    return 0.5 * std::cos(M_PI * r / rc) + 0.5;
}

double cutoffDerivative(double r, double rc) {
    return -0.5 * M_PI / rc * std::sin(M_PI * r / rc);
}

} // namespace

void CpuCalcAniForceKernel::initialize(const System& system, const AniForce& force) {
    model = AniModelAccess::model(force);
    periodic = force.usesPeriodicBoundaryConditions();
    particles.clear();
    for (int i = 0; i < force.getNumParticles(); i++) {
        int particle, atomicNumber;
        force.getParticleParameters(i, particle, atomicNumber);
        particles.push_back(particle);
    }
    setSpecies(force);
}

void CpuCalcAniForceKernel::copyParametersToContext(ContextImpl& context, const AniForce& force) {
    setSpecies(force);
}

void CpuCalcAniForceKernel::setSpecies(const AniForce& force) {
    species.clear();
    for (int i = 0; i < force.getNumParticles(); i++) {
        int particle, atomicNumber;
        force.getParticleParameters(i, particle, atomicNumber);
        species.push_back(model->speciesOf(atomicNumber));
    }
    // The float networks of the species present (transposed once here).
    layers.assign(model->numSpecies(), {});
    for (int s : species) {
        if (!layers[s].empty())
            continue;
        for (const auto& member : model->networks) {
            std::vector<Layer> packed;
            for (const AniLayer& source : member[s].layers) {
                Layer layer{source.inputs, source.outputs, source.activation == AniLayer::Celu, {}, {}, source.biases};
                std::vector<float> transposed((size_t) source.inputs * source.outputs);
                for (int o = 0; o < source.outputs; o++)
                    for (int k = 0; k < source.inputs; k++)
                        transposed[(size_t) k * source.outputs + o] = source.weights[(size_t) o * source.inputs + k];
                layer.weights = Matrix::of(source.weights, source.outputs, source.inputs);
                layer.weightsT = Matrix::of(transposed, source.inputs, source.outputs);
                packed.push_back(std::move(layer));
            }
            layers[s].push_back(std::move(packed));
        }
    }
}

void CpuCalcAniForceKernel::computeAev(int i, float* out) const {
    const AniModel& m = *model;
    const int radialTerms = m.numRadialTerms(), angularTerms = m.numAngularTerms();
    const int radialBlock = m.numSpecies() * radialTerms;
    const int nShfA = m.angularShifts.size(), nShfZ = m.angleShifts.size(), nZeta = m.angularZeta.size();
    std::vector<double> aev(m.aevLength(), 0.0);
    const std::vector<AniNeighbour>& list = neighbours[i];
    for (const AniNeighbour& nb : list) {
        double fc = cutoffFunction(nb.r, m.radialCutoff);
        int index = species[nb.j] * radialTerms;
        for (double eta : m.radialEta)
            for (double shift : m.radialShifts) {
                double x = nb.r - shift;
                aev[index++] += 0.25 * std::exp(-eta * x * x) * fc;
            }
    }
    std::vector<double> angular(nZeta * nShfZ), radial(m.angularEta.size() * nShfA);
    for (size_t a = 0; a < list.size(); a++) {
        const AniNeighbour& nj = list[a];
        if (nj.r > m.angularCutoff)
            continue;
        for (size_t b = a + 1; b < list.size(); b++) {
            const AniNeighbour& nk = list[b];
            if (nk.r > m.angularCutoff)
                continue;
            double fcProduct = cutoffFunction(nj.r, m.angularCutoff) * cutoffFunction(nk.r, m.angularCutoff);
            double cosAngle = (nj.d[0] * nk.d[0] + nj.d[1] * nk.d[1] + nj.d[2] * nk.d[2]) / (nj.r * nk.r);
            double theta = std::acos(0.95 * cosAngle);
            for (int zt = 0; zt < nZeta; zt++)
                for (int z = 0; z < nShfZ; z++)
                    angular[zt * nShfZ + z] =
                            2 * std::pow(0.5 * (1 + std::cos(theta - m.angleShifts[z])), m.angularZeta[zt]);
            double average = 0.5 * (nj.r + nk.r);
            for (size_t e = 0; e < m.angularEta.size(); e++)
                for (int a2 = 0; a2 < nShfA; a2++) {
                    double x = average - m.angularShifts[a2];
                    radial[e * nShfA + a2] = std::exp(-m.angularEta[e] * x * x) * fcProduct;
                }
            int index = radialBlock + m.speciesPairIndex(species[nj.j], species[nk.j]) * angularTerms;
            for (size_t e = 0; e < m.angularEta.size(); e++)
                for (int zt = 0; zt < nZeta; zt++)
                    for (int a2 = 0; a2 < nShfA; a2++)
                        for (int z = 0; z < nShfZ; z++)
                            aev[index++] += radial[e * nShfA + a2] * angular[zt * nShfZ + z];
        }
    }
    for (int k = 0; k < m.aevLength(); k++)
        out[k] = (float) aev[k];
}

void CpuCalcAniForceKernel::addAevGradient(int i, const float* g, std::vector<double>& gradient) const {
    const AniModel& m = *model;
    const int radialTerms = m.numRadialTerms(), angularTerms = m.numAngularTerms();
    const int radialBlock = m.numSpecies() * radialTerms;
    const int nShfA = m.angularShifts.size(), nShfZ = m.angleShifts.size(), nZeta = m.angularZeta.size();
    const std::vector<AniNeighbour>& list = neighbours[i];
    auto add = [&](int atom, const Vec3& d, double scale) {
        for (int k = 0; k < 3; k++) {
            gradient[3 * atom + k] += d[k] * scale;
            gradient[3 * i + k] -= d[k] * scale;
        }
    };
    for (const AniNeighbour& nb : list) {
        double fc = cutoffFunction(nb.r, m.radialCutoff), dfc = cutoffDerivative(nb.r, m.radialCutoff);
        int index = species[nb.j] * radialTerms;
        double dEdr = 0;
        for (double eta : m.radialEta)
            for (double shift : m.radialShifts) {
                double x = nb.r - shift, e = std::exp(-eta * x * x);
                dEdr += g[index++] * 0.25 * e * (dfc - 2 * eta * x * fc);
            }
        add(nb.j, nb.d, dEdr / nb.r);
    }
    std::vector<double> angular(nZeta * nShfZ), dAngular(nZeta * nShfZ), radial(m.angularEta.size() * nShfA),
            dRadial(m.angularEta.size() * nShfA);
    for (size_t a = 0; a < list.size(); a++) {
        const AniNeighbour& nj = list[a];
        if (nj.r > m.angularCutoff)
            continue;
        for (size_t b = a + 1; b < list.size(); b++) {
            const AniNeighbour& nk = list[b];
            if (nk.r > m.angularCutoff)
                continue;
            int index = radialBlock + m.speciesPairIndex(species[nj.j], species[nk.j]) * angularTerms;
            const float* gp = g + index;
            double fcj = cutoffFunction(nj.r, m.angularCutoff), fck = cutoffFunction(nk.r, m.angularCutoff);
            double dfcj = cutoffDerivative(nj.r, m.angularCutoff), dfck = cutoffDerivative(nk.r, m.angularCutoff);
            double dot = nj.d[0] * nk.d[0] + nj.d[1] * nk.d[1] + nj.d[2] * nk.d[2];
            double cosAngle = dot / (nj.r * nk.r);
            double theta = std::acos(0.95 * cosAngle);
            double dThetaDCos = -0.95 / std::sqrt(1 - 0.9025 * cosAngle * cosAngle);
            for (int zt = 0; zt < nZeta; zt++)
                for (int z = 0; z < nShfZ; z++) {
                    double base = 0.5 * (1 + std::cos(theta - m.angleShifts[z])), zeta = m.angularZeta[zt];
                    double power = std::pow(base, zeta - 1);
                    angular[zt * nShfZ + z] = 2 * power * base;
                    dAngular[zt * nShfZ + z] = 2 * zeta * power * (-0.5 * std::sin(theta - m.angleShifts[z]));
                }
            double average = 0.5 * (nj.r + nk.r);
            for (size_t e = 0; e < m.angularEta.size(); e++)
                for (int a2 = 0; a2 < nShfA; a2++) {
                    double x = average - m.angularShifts[a2], value = std::exp(-m.angularEta[e] * x * x);
                    radial[e * nShfA + a2] = value;
                    dRadial[e * nShfA + a2] = -m.angularEta[e] * x * value; // d/dRij = d/dRik = 0.5 d/d average
                }
            // Sums over the terms: sum g A R, sum g A dR, sum g dA R.
            double gAR = 0, gAdR = 0, gdAR = 0;
            int t = 0;
            for (size_t e = 0; e < m.angularEta.size(); e++)
                for (int zt = 0; zt < nZeta; zt++)
                    for (int a2 = 0; a2 < nShfA; a2++)
                        for (int z = 0; z < nShfZ; z++) {
                            double gt = gp[t++], A = angular[zt * nShfZ + z], R = radial[e * nShfA + a2];
                            gAR += gt * A * R;
                            gAdR += gt * A * dRadial[e * nShfA + a2];
                            gdAR += gt * dAngular[zt * nShfZ + z] * R;
                        }
            double dEdRij = gAdR * fcj * fck + gAR * dfcj * fck;
            double dEdRik = gAdR * fcj * fck + gAR * fcj * dfck;
            double dEdCos = gdAR * dThetaDCos * fcj * fck;
            Vec3 dj, dk;
            for (int k = 0; k < 3; k++) {
                dj[k] = nj.d[k] * (dEdRij / nj.r) +
                        dEdCos * (nk.d[k] / (nj.r * nk.r) - nj.d[k] * cosAngle / (nj.r * nj.r));
                dk[k] = nk.d[k] * (dEdRik / nk.r) +
                        dEdCos * (nj.d[k] / (nj.r * nk.r) - nk.d[k] * cosAngle / (nk.r * nk.r));
            }
            add(nj.j, dj, 1.0);
            add(nk.j, dk, 1.0);
        }
    }
}

double CpuCalcAniForceKernel::execute(ContextImpl& context, bool includeForces, bool includeEnergy) {
    ReferencePlatform::PlatformData& data = *static_cast<ReferencePlatform::PlatformData*>(context.getPlatformData());
    const AniModel& m = *model;
    const int n = particles.size(), aevLength = m.aevLength();
    std::vector<Vec3> r = aniPositionsInAngstrom(*data.positions, particles);
    Vec3 box[3];
    for (int k = 0; k < 3; k++)
        box[k] = data.periodicBoxVectors[k] * 10.0;
    neighbours = aniNeighbours(r, periodic ? box : nullptr, m.radialCutoff);
    // AEVs, one atom per task.
    aev.assign((size_t) n * aevLength, 0.0f);
    std::atomic<int> next(0);
    threads.execute([&](ThreadPool&, int) {
        for (int i = next++; i < n; i = next++)
            computeAev(i, &aev[(size_t) i * aevLength]);
    });
    threads.waitForThreads();
    // The networks: one task per (species, member), each over all atoms of the species as one matrix.
    struct SpeciesBatch {
        std::vector<int> atoms, cols;
        std::vector<char> activeBlocks; // per 16 AEV columns: whether any is in cols
        std::vector<float> input;
    };
    std::vector<SpeciesBatch> batches;
    for (int s = 0; s < m.numSpecies(); s++) {
        SpeciesBatch batch;
        for (int i = 0; i < n; i++)
            if (species[i] == s)
                batch.atoms.push_back(i);
        if (batch.atoms.empty())
            continue;
        batch.input.resize(batch.atoms.size() * aevLength);
        for (size_t a = 0; a < batch.atoms.size(); a++)
            std::copy(&aev[(size_t) batch.atoms[a] * aevLength], &aev[(size_t) (batch.atoms[a] + 1) * aevLength],
                    &batch.input[a * aevLength]);
        for (int k = 0; k < aevLength; k++)
            for (size_t a = 0; a < batch.atoms.size(); a++)
                if (batch.input[a * aevLength + k] != 0) {
                    batch.cols.push_back(k);
                    break;
                }
        batch.activeBlocks.assign((aevLength + 15) / 16, 0);
        for (int k : batch.cols)
            batch.activeBlocks[k / 16] = 1;
        batches.push_back(std::move(batch));
    }
    const int members = m.networks.size(), tasks = batches.size() * members;
    std::vector<double> taskEnergy(tasks, 0.0);
    std::vector<std::vector<float>> taskGradient(tasks);
    next = 0;
    threads.execute([&](ThreadPool&, int) {
        std::vector<std::vector<float>> outputs, slopes;
        std::vector<float> back, previous;
        for (int task = next++; task < tasks; task = next++) {
            const SpeciesBatch& batch = batches[task / members];
            const int s = species[batch.atoms[0]], member = task % members, rows = batch.atoms.size();
            const std::vector<Layer>& net = layers[s][member];
            outputs.resize(net.size());
            slopes.resize(net.size());
            for (size_t l = 0; l < net.size(); l++) {
                const Layer& layer = net[l];
                outputs[l].resize((size_t) rows * layer.outputs);
                if (l == 0)
                    matrixProduct(rows, layer.outputs, batch.input.data(), aevLength, batch.cols.data(),
                            batch.cols.size(), layer.weightsT, layer.biases.data(), outputs[l].data(), layer.outputs,
                            true, nullptr);
                else
                    matrixProduct(rows, layer.outputs, outputs[l - 1].data(), layer.inputs, nullptr, layer.inputs,
                            layer.weightsT, layer.biases.data(), outputs[l].data(), layer.outputs, false, nullptr);
                slopes[l].assign(outputs[l].size(), 1.0f);
                if (layer.celu)
                    for (size_t k = 0; k < outputs[l].size(); k++) {
                        float x = outputs[l][k];
                        if (x <= 0) {
                            float e = std::exp(x / CELU_ALPHA);
                            outputs[l][k] = CELU_ALPHA * (e - 1);
                            slopes[l][k] = e;
                        }
                    }
            }
            double energy = 0;
            for (int a = 0; a < rows; a++)
                energy += outputs.back()[a];
            taskEnergy[task] = energy / members;
            if (!includeForces)
                continue;
            back.assign(rows, 1.0f / members);
            for (int l = (int) net.size() - 1; l >= 0; l--) {
                const Layer& layer = net[l];
                for (size_t k = 0; k < back.size(); k++)
                    back[k] *= slopes[l][k];
                // d/d(inputs) = back x W (W as stored: [outputs][inputs]).
                if (l > 0) {
                    previous.assign((size_t) rows * layer.inputs, 0.0f);
                    matrixProduct(rows, layer.inputs, back.data(), layer.outputs, nullptr, layer.outputs, layer.weights,
                            nullptr, previous.data(), layer.inputs, false, nullptr);
                    back.swap(previous);
                }
                else {
                    taskGradient[task].assign((size_t) rows * aevLength, 0.0f);
                    matrixProduct(rows, aevLength, back.data(), layer.outputs, nullptr, layer.outputs, layer.weights,
                            nullptr, taskGradient[task].data(), aevLength, false, batch.activeBlocks.data());
                }
            }
        }
    });
    threads.waitForThreads();
    double energy = 0;
    for (int i = 0; i < n; i++)
        energy += m.selfEnergies[species[i]];
    for (double e : taskEnergy)
        energy += e;
    if (includeForces) {
        dEdAev.assign((size_t) n * aevLength, 0.0f);
        for (int task = 0; task < tasks; task++) {
            const SpeciesBatch& batch = batches[task / members];
            for (size_t a = 0; a < batch.atoms.size(); a++)
                for (int k : batch.cols)
                    dEdAev[(size_t) batch.atoms[a] * aevLength + k] += taskGradient[task][a * aevLength + k];
        }
        // The chain rule to the positions, one atom per task, per-thread gradients summed after.
        std::vector<std::vector<double>> gradients(threads.getNumThreads(), std::vector<double>(3 * n, 0.0));
        next = 0;
        threads.execute([&](ThreadPool&, int thread) {
            for (int i = next++; i < n; i = next++)
                addAevGradient(i, &dEdAev[(size_t) i * aevLength], gradients[thread]);
        });
        threads.waitForThreads();
        const double scale = ANI_HARTREE_IN_KJ_PER_MOL * 10.0; // Hartree/Angstrom -> kJ/mol/nm
        for (int i = 0; i < n; i++)
            for (const auto& g : gradients)
                (*data.forces)[particles[i]] -= Vec3(g[3 * i], g[3 * i + 1], g[3 * i + 2]) * scale;
    }
    return includeEnergy ? energy * ANI_HARTREE_IN_KJ_PER_MOL : 0.0;
}
