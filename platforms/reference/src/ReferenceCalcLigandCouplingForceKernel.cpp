// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "ReferenceCalcLigandCouplingForceKernel.h"
#include "SimTKOpenMMRealType.h"
#include <cmath>

using namespace OpenMM;
using namespace OpenMMLigand;
using std::vector;

double ReferenceCalcLigandCouplingForceKernel::execute(ContextImpl& context, bool includeForces, bool includeEnergy) {
    Evaluation in = evaluation(context);
    const vector<Vec3>& pos = in.positions;
    vector<Vec3>& forces = in.forces;
    const Vec3* box = in.box;
    const LigandPairSettings& s = *params.settings;
    const LigandLambdaFactors& lambda = in.lambda;
    double cutoff2 = params.cutoffDistance * params.cutoffDistance;
    double energy = 0, dEdLs = 0, dEdLe = 0;

    auto visit = [&](int i, int j, bool coupled) {
        Vec3 delta = params.periodic ? periodicDelta(pos[i], pos[j], box) : pos[j] - pos[i];
        double r2 = delta.dot(delta);
        if (params.cutoff && r2 >= cutoff2)
            return;
        double r = std::sqrt(r2);
        double sigma = 0.5 * (params.sigmas[i] + params.sigmas[j]);
        double epsilon = std::sqrt(params.epsilons[i] * params.epsilons[j]);
        LigandPairResult pair = evaluateLigandPair(
                r, sigma, epsilon, ONE_4PI_EPS0 * params.charges[i] * params.charges[j], s, lambda, coupled);
        energy += pair.energy;
        dEdLs += pair.dEdLambdaSterics;
        dEdLe += pair.dEdLambdaElectrostatics;
        if (includeForces) {
            // delta points from i to j; the force on j is -dE/dr along it.
            Vec3 f = delta * (pair.dEdr / r);
            forces[i] += f;
            forces[j] -= f;
        }
    };
    for (size_t a = 0; a < params.ligand.size(); a++)
        for (int j : params.environment)
            if (!params.isExcluded(j, a))
                visit(params.ligand[a], j, true);
    for (auto& pair : params.internalPairs)
        visit(params.ligand[pair.first], params.ligand[pair.second], false);
    std::pair<double, double> dispersion = params.dispersion(box, in.lambdaSterics);
    energy += dispersion.first;
    dEdLs += dispersion.second;
    params.addDerivatives(in.derivatives, dEdLs, dEdLe);
    return energy;
}
