// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "CpuCalcLigandCouplingForceKernel.h"
#include "SimTKOpenMMRealType.h"
#include "openmm/internal/ThreadPool.h"
#include <cmath>

using namespace OpenMM;
using namespace OpenMMLigand;
using std::vector;

double CpuCalcLigandCouplingForceKernel::execute(ContextImpl& context, bool includeForces, bool includeEnergy) {
    Evaluation in = evaluation(context);
    const vector<Vec3>& pos = in.positions;
    vector<Vec3>& forces = in.forces;
    const Vec3* box = in.box;
    const LigandPairSettings& s = *params.settings;
    const LigandLambdaFactors& lambda = in.lambda;
    const bool periodic = params.periodic;
    // periodicDelta() with the divisions replaced by products with the inverse box (same reduction).
    const Vec3 inverse = periodic ? Vec3(1 / box[0][0], 1 / box[1][1], 1 / box[2][2]) : Vec3();
    auto delta = [&](const Vec3& from, const Vec3& to) {
        Vec3 d = to - from;
        if (periodic) {
            d -= box[2] * std::floor(d[2] * inverse[2] + 0.5);
            d -= box[1] * std::floor(d[1] * inverse[1] + 0.5);
            d -= box[0] * std::floor(d[0] * inverse[0] + 0.5);
        }
        return d;
    };

    // The ligand as one rigid-enough cluster: positions unwrapped around its first atom, centre, radius.
    int numLigand = params.ligand.size();
    ParticleCluster cluster = clusterOf(pos, params.ligand, delta);
    const vector<Vec3>& ligandPos = cluster.unwrapped;
    const Vec3 centre = cluster.centre;
    const double radius = cluster.radius;
    // Any environment atom within the cutoff of a ligand atom is within radius + cutoff of the centre
    // (triangle inequality for minimum-image distances); withinHalfBox says when that test is safe.
    double reach = radius + params.cutoffDistance;
    bool prune = params.cutoff && withinHalfBox(reach, periodic, box);
    double reach2 = reach * reach;
    // A candidate's image beside the ligand is within 2 radius + cutoff of every ligand atom; below half a box
    // width, plain differences in the ligand's unwrapped frame are the minimum-image vectors. A ligand spread
    // over more than that (unbonded atoms flying apart) takes the per-pair minimum image instead.
    bool unwrappedFrame = !periodic || (prune && withinHalfBox(2 * radius + params.cutoffDistance, periodic, box));
    double cutoff2 = params.cutoffDistance * params.cutoffDistance;

    int numThreads = threads.getNumThreads();
    threadResults.resize(numThreads);
    int numParticles = pos.size();
    threads.execute([&](ThreadPool& pool, int thread) {
        ThreadResult& result = threadResults[thread];
        result.ligandForces.assign(numLigand, Vec3());
        result.energy = result.dEdLs = result.dEdLe = 0;
        int start = (int) ((long long) numParticles * thread / numThreads);
        int end = (int) ((long long) numParticles * (thread + 1) / numThreads);
        for (int j = start; j < end; j++) {
            if (!params.isEnvironment[j])
                continue;
            Vec3 toCentre = delta(centre, pos[j]);
            if (prune && toCentre.dot(toCentre) >= reach2)
                continue;
            Vec3 posJ = centre + toCentre; // j's image beside the ligand
            Vec3 forceJ;
            double chargeJ = ONE_4PI_EPS0 * params.charges[j], sigmaJ = params.sigmas[j], epsilonJ = params.epsilons[j];
            bool hasExclusions = (params.exclusionStart[j] != params.exclusionStart[j + 1]);
            for (int i = 0; i < numLigand; i++) {
                int atom = params.ligand[i];
                Vec3 d = unwrappedFrame ? posJ - ligandPos[i] : delta(pos[atom], pos[j]);
                double r2 = d.dot(d);
                if (params.cutoff && r2 >= cutoff2)
                    continue;
                if (hasExclusions && params.isExcluded(j, i))
                    continue;
                double r = std::sqrt(r2);
                LigandPairResult pair = evaluateLigandPair(r, 0.5 * (params.sigmas[atom] + sigmaJ),
                        std::sqrt(params.epsilons[atom] * epsilonJ), chargeJ * params.charges[atom], s, lambda, true);
                result.energy += pair.energy;
                result.dEdLs += pair.dEdLambdaSterics;
                result.dEdLe += pair.dEdLambdaElectrostatics;
                Vec3 f = d * (pair.dEdr / r);
                result.ligandForces[i] += f;
                forceJ -= f;
            }
            if (includeForces)
                forces[j] += forceJ; // each thread owns its slice of particles: no other thread writes forces[j]
        }
    });
    threads.waitForThreads();

    double energy = 0, dEdLs = 0, dEdLe = 0;
    for (const ThreadResult& result : threadResults) {
        energy += result.energy;
        dEdLs += result.dEdLs;
        dEdLe += result.dEdLe;
        if (includeForces)
            for (int i = 0; i < numLigand; i++)
                forces[params.ligand[i]] += result.ligandForces[i];
    }
    // The ligand's own pairs: few, evaluated here directly.
    for (auto& p : params.internalPairs) {
        int a = params.ligand[p.first], b = params.ligand[p.second];
        Vec3 d = delta(pos[a], pos[b]);
        double r2 = d.dot(d);
        if (params.cutoff && r2 >= cutoff2)
            continue;
        double r = std::sqrt(r2);
        LigandPairResult pair = evaluateLigandPair(r, 0.5 * (params.sigmas[a] + params.sigmas[b]),
                std::sqrt(params.epsilons[a] * params.epsilons[b]), 0.0, s, lambda, false);
        energy += pair.energy;
        if (includeForces) {
            Vec3 f = d * (pair.dEdr / r);
            forces[a] += f;
            forces[b] -= f;
        }
    }
    std::pair<double, double> dispersion = params.dispersion(box, in.lambdaSterics);
    energy += dispersion.first;
    dEdLs += dispersion.second;
    params.addDerivatives(in.derivatives, dEdLs, dEdLe);
    return energy;
}

vector<double> CpuCalcLigandCouplingForceKernel::coupledStateEnergies(
        const Evaluation& in, const vector<LigandLambdaFactors>& states) {
    vector<int> near = coupledCandidates(in);
    const int numThreads = threads.getNumThreads();
    vector<vector<double>> partial(numThreads, vector<double>(states.size(), 0.0));
    threads.execute([&](ThreadPool& pool, int thread) {
        size_t begin = near.size() * thread / numThreads, end = near.size() * (thread + 1) / numThreads;
        addCoupledStateEnergies(in, near, begin, end, states, partial[thread]);
    });
    threads.waitForThreads();
    vector<double> energies(states.size(), 0.0);
    for (const vector<double>& values : partial) // in thread order: the same sum on every call
        for (size_t k = 0; k < states.size(); k++)
            energies[k] += values[k];
    return energies;
}
