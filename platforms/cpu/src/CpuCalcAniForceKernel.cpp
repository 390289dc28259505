// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "CpuCalcAniForceKernel.h"
#include "ReferencePlatform.h"
#include "openmm/internal/ContextImpl.h"
#include <algorithm>
#include <cmath>

using namespace OpenMM;
using namespace OpenMMLigand;

namespace {

const float CELU_ALPHA = 0.1f;

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
