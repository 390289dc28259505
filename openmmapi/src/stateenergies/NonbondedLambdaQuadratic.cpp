// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "NonbondedLambdaQuadratic.h"
#include "LigandError.h"
#include "LigandPairPotential.h"
#include "NonbondedChargeOffsets.h"
#include "PmeReciprocalQuadratic.h"
#include "PositionCheck.h"
#include "openmm/Context.h"
#include "openmm/Platform.h"
#include "openmm/State.h"
#include "openmm/VerletIntegrator.h"
#include <atomic>
#include <cmath>

using namespace OpenMM;
using namespace OpenMMLigand;
using std::string;
using std::vector;

NonbondedLambdaQuadratic::NonbondedLambdaQuadratic() {
}

NonbondedLambdaQuadratic::~NonbondedLambdaQuadratic() {
}

bool NonbondedLambdaQuadratic::covers(const NonbondedForce& nonbonded) {
    // (Not LJPME: OpenMM 7.7's OpenCL platform will not report its grid, getPMEParametersInContext throws.)
    const NonbondedForce::NonbondedMethod method = nonbonded.getNonbondedMethod();
    return method != NonbondedForce::Ewald && method != NonbondedForce::LJPME;
}

namespace {
std::atomic<long long> hostComputations(0);
} // namespace

long long NonbondedLambdaQuadratic::getHostComputationCount() {
    return hostComputations.load();
}

void NonbondedLambdaQuadratic::pmeParameters(
        ContextImpl& context, const NonbondedForce& nonbonded, double& alpha, int& gridX, int& gridY, int& gridZ) {
    // OpenMM's CPU platform (7.7 and 8.6) sets up its PME at the first evaluation, and until then answers
    // getPMEParametersInContext from an uninitialized flag: a std::bad_cast or another garbage outcome. So
    // the NonbondedForce's group is evaluated once in each Context before its grid is asked for.
    if (!nonbondedEvaluated) {
        context.calcForcesAndEnergy(false, true, 1 << nonbonded.getForceGroup());
        nonbondedEvaluated = true;
    }
    nonbonded.getPMEParametersInContext(context.getOwner(), alpha, gridX, gridY, gridZ);
}

void NonbondedLambdaQuadratic::compute(ContextImpl& context, const NonbondedForce& nonbonded,
        const NonbondedChargeOffsets& offsets, double& b, double& c) {
    // Charges q_i(lambda) = q_i + lambda dq_i and exception charge products qq_e(lambda) = qq_e + lambda dqq_e.
    // NonbondedForce's electrostatics (OpenMM's definition, every platform), with K = ONE_4PI_EPS0:
    //  - non-excluded pairs within the cutoff: K q_i q_j times 1/r (no cutoff), 1/r + krf r^2 - crf (reaction
    //    field), erfc(alpha r)/r (PME);
    //  - excluded pairs (every exception): nothing, except with PME: -K q_i q_j erf(alpha r)/r at any distance;
    //  - exceptions: K qq_e / r, no cutoff;
    //  - PME: the self energy -K alpha/sqrt(pi) sum q_i^2 and the reciprocal sum (a quadratic form in the charges).
    // So the lambda and lambda^2 coefficients are sums over terms with at least one offset charge.
    hostComputations++;
    const vector<double>& base = offsets.baseCharges;
    const int numParticles = base.size();
    vector<double> delta(numParticles, 0.0);
    const vector<int>& offsetParticles = offsets.offsets.particles;
    for (size_t k = 0; k < offsetParticles.size(); k++)
        delta[offsetParticles[k]] = offsets.offsets.slopes[k];
    vector<Vec3> positions;
    context.getPositions(positions);
    checkPositions(positions); // a NaN would become a grid index below
    Vec3 box[3];
    context.getPeriodicBoxVectors(box[0], box[1], box[2]);
    const NonbondedForce::NonbondedMethod method = offsets.method;
    const bool ewald = (method == NonbondedForce::PME);
    const bool cutoff = (method != NonbondedForce::NoCutoff),
               periodic = (method != NonbondedForce::NoCutoff && method != NonbondedForce::CutoffNonPeriodic);
    const bool periodicExceptions = periodic && offsets.exceptionsUsePeriodic;
    const double rc = offsets.cutoff, eps = offsets.reactionFieldDielectric, rc2 = rc * rc;
    const double krf = (cutoff && !ewald) ? std::pow(rc, -3.0) * (eps - 1.0) / (2.0 * eps + 1.0) : 0.0;
    const double crf = (cutoff && !ewald) ? (1.0 / rc) * (3.0 * eps) / (2.0 * eps + 1.0) : 0.0;
    double alpha = 0.0;
    int gridX = 0, gridY = 0, gridZ = 0;
    if (ewald)
        pmeParameters(context, nonbonded, alpha, gridX, gridY, gridZ);
    auto distance = [&](int i, int j, bool usePeriodic) {
        Vec3 d = usePeriodic ? periodicDelta(positions[i], positions[j], box) : positions[j] - positions[i];
        return std::sqrt(d.dot(d));
    };
    b = c = 0.0;
    // Excluded pairs with an offset charge: skipped by the pair sum; with PME they get the exclusion correction.
    vector<vector<int>> excludedPartners(numParticles);
    for (const std::pair<int, int>& pair : offsets.excludedPairs) {
        const int p1 = pair.first, p2 = pair.second;
        excludedPartners[p1].push_back(p2);
        excludedPartners[p2].push_back(p1);
        if (ewald) {
            double r = distance(p1, p2, periodicExceptions);
            double kernel = (std::erf(alpha * r) > 1e-6 ? std::erf(alpha * r) / r : 2.0 * alpha / std::sqrt(M_PI));
            b -= ONE_4PI_EPS0_LIGAND * (delta[p1] * base[p2] + base[p1] * delta[p2]) * kernel;
            c -= ONE_4PI_EPS0_LIGAND * delta[p1] * delta[p2] * kernel;
        }
    }
    vector<char> isOffset(numParticles, 0);
    for (int i : offsetParticles)
        isOffset[i] = 1;
    vector<int> everyone(numParticles);
    for (int j = 0; j < numParticles; j++)
        everyone[j] = j;
    vector<int> near = cutoff ? particlesInReach(positions, offsetParticles, everyone, rc, periodic, box) : everyone;
    // In a rectangular box, with everything within reach of the offset particles' centre less than half a box
    // away from it, the images nearest that centre are each pair's nearest images too (two images of a pair within
    // the cutoff would be a box length apart, more than twice the reach): one wrap per particle instead of per pair.
    const bool rectangular = (box[1][0] == 0.0 && box[2][0] == 0.0 && box[2][1] == 0.0);
    bool unwrapped = false;
    vector<Vec3> local;
    if (periodic && rectangular && !offsetParticles.empty()) {
        auto delta = [&](const Vec3& from, const Vec3& to) { return periodicDelta(from, to, box); };
        ParticleCluster cluster = clusterOf(positions, offsetParticles, delta);
        if (withinHalfBox(cluster.radius + rc, periodic, box) && (int) near.size() < numParticles) {
            unwrapped = true;
            local.resize(numParticles);
            for (int j : near)
                local[j] = cluster.centre + delta(cluster.centre, positions[j]);
            for (int i : offsetParticles)
                local[i] = cluster.centre + delta(cluster.centre, positions[i]);
        }
    }
    vector<int> excludedFrom(numParticles, -1); // excludedFrom[j] == i: the pair (i, j) is excluded
    for (int i : offsetParticles) {
        for (int j : excludedPartners[i])
            excludedFrom[j] = i;
        for (int j : near) {
            if (j == i || (isOffset[j] && j < i) || excludedFrom[j] == i)
                continue; // each offset-offset pair once; excluded pairs above
            Vec3 d = unwrapped  ? local[j] - local[i]
                     : periodic ? periodicDelta(positions[i], positions[j], box)
                                : positions[j] - positions[i];
            double r2 = d.dot(d);
            if (cutoff && r2 >= rc2)
                continue;
            double r = std::sqrt(r2);
            double kernel = ewald ? std::erfc(alpha * r) / r : cutoff ? 1.0 / r + krf * r2 - crf : 1.0 / r;
            b += ONE_4PI_EPS0_LIGAND * (delta[i] * base[j] + base[i] * delta[j]) * kernel;
            c += ONE_4PI_EPS0_LIGAND * delta[i] * delta[j] * kernel;
        }
    }
    for (size_t k = 0; k < offsets.exceptionPairs.size(); k++)
        b += ONE_4PI_EPS0_LIGAND * offsets.offsets.exceptionSlopes[k] /
             distance(offsets.exceptionPairs[k].first, offsets.exceptionPairs[k].second, periodicExceptions);
    if (ewald) {
        double sumProducts = 0.0, sumSquares = 0.0;
        for (int i : offsetParticles) {
            sumProducts += base[i] * delta[i];
            sumSquares += delta[i] * delta[i];
        }
        const double self = ONE_4PI_EPS0_LIGAND * alpha / std::sqrt(M_PI);
        b -= 2.0 * self * sumProducts;
        c -= self * sumSquares;
        if (openmmCountsNeutralizingPlasma()) {
            // -K pi/(2 V alpha^2) (Q + lambda dQ)^2, Q and dQ the box's net charge and its change per unit of lambda.
            double netCharge = 0.0;
            for (int i = 0; i < numParticles; i++)
                netCharge += base[i];
            const double plasma =
                    ONE_4PI_EPS0_LIGAND * M_PI / (2.0 * box[0][0] * box[1][1] * box[2][2] * alpha * alpha);
            b -= 2.0 * plasma * netCharge * offsets.netSlope;
            c -= plasma * offsets.netSlope * offsets.netSlope;
        }
        if (!reciprocal || !reciprocal->hasGrid(gridX, gridY, gridZ))
            reciprocal = std::make_shared<PmeReciprocalQuadratic>(gridX, gridY, gridZ);
        double linear, quadratic;
        reciprocal->computeCoefficients(positions, base, delta, box, alpha, linear, quadratic);
        b += linear;
        c += quadratic;
    }
}

bool OpenMMLigand::openmmCountsNeutralizingPlasma() {
    static const bool counts = [] {
        const double edge = 2.0, alpha = 3.0;
        const int grid = 20;
        const Vec3 box[3] = {Vec3(edge, 0, 0), Vec3(0, edge, 0), Vec3(0, 0, edge)};
        System system;
        system.addParticle(1.0);
        system.setDefaultPeriodicBoxVectors(box[0], box[1], box[2]);
        NonbondedForce* force = new NonbondedForce();
        force->setNonbondedMethod(NonbondedForce::PME);
        force->setCutoffDistance(0.9);
        force->setPMEParameters(alpha, grid, grid, grid);
        force->addParticle(1.0, 0.1, 0.0);
        system.addForce(force);
        VerletIntegrator integrator(0.001);
        Context context(system, integrator, Platform::getPlatformByName("Reference"));
        const vector<Vec3> positions = {Vec3(0.3, 0.7, 1.1)};
        context.setPositions(positions);
        const double energy = context.getState(State::Energy).getPotentialEnergy();
        double linear, quadratic;
        PmeReciprocalQuadratic(grid, grid, grid)
                .computeCoefficients(positions, {0.0}, {1.0}, box, alpha, linear, quadratic);
        const double withoutPlasma = quadratic - ONE_4PI_EPS0_LIGAND * alpha / std::sqrt(M_PI);
        const double plasma = ONE_4PI_EPS0_LIGAND * M_PI / (2.0 * edge * edge * edge * alpha * alpha);
        return std::fabs(energy - (withoutPlasma - plasma)) < std::fabs(energy - withoutPlasma);
    }();
    return counts;
}
