// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef OPENMM_LIGAND_PAIR_POTENTIAL_H_
#define OPENMM_LIGAND_PAIR_POTENTIAL_H_

#include "LigandCouplingForce.h"
#include "openmm/Vec3.h"
#include <algorithm>
#include <cmath>
#include <vector>

namespace OpenMMLigand {

/** OpenMM's Coulomb constant (kJ/mol nm / e^2), spelled as SimTKOpenMMRealType.h spells it (a platforms' header). */
const double ONE_4PI_EPS0_LIGAND =
        1.0 / (4.0 * M_PI * (1e-6 * 8.8541878128e-12 / (1.602176634e-19 * 1.602176634e-19 * 6.02214076e23)));

/**
 * The pair potential of LigandCouplingForce written once, for the kernels that evaluate it on the host
 * (Reference now; the CPU kernel shares it). Distances in nm, energies in kJ/mol.
 */
struct LigandPairSettings {
    double alpha, a, b, c; // Lennard-Jones softcore
    double beta, e, f;     // electrostatic softcore
    bool cutoff, switching, electrostatics;
    double cutoffDistance, switchingDistance;
    double krf, crf; // reaction-field constants (zero without a cutoff)

    explicit LigandPairSettings(const LigandCouplingForce& force) {
        alpha = force.getSoftcoreAlpha();
        a = force.getSoftcoreA();
        b = force.getSoftcoreB();
        c = force.getSoftcoreC();
        beta = force.getSoftcoreBeta();
        e = force.getSoftcoreE();
        f = force.getSoftcoreF();
        cutoff = (force.getNonbondedMethod() != LigandCouplingForce::NoCutoff);
        switching = cutoff && force.getUseSwitchingFunction();
        electrostatics = (force.getElectrostaticsMode() == LigandCouplingForce::ReactionField);
        cutoffDistance = force.getCutoffDistance();
        switchingDistance = force.getSwitchingDistance();
        krf = crf = 0.0;
        if (cutoff) {
            // The same constants NonbondedForce uses for CutoffNonPeriodic / CutoffPeriodic.
            double eps = force.getReactionFieldDielectric();
            krf = std::pow(cutoffDistance, -3.0) * (eps - 1.0) / (2.0 * eps + 1.0);
            crf = (1.0 / cutoffDistance) * (3.0 * eps) / (2.0 * eps + 1.0);
        }
    }
};

/** The lambda-dependent factors, computed once per evaluation rather than per pair. */
struct LigandLambdaFactors {
    double stericsScale, dStericsScale; // lambda_s^a and its derivative
    double ljShift, dLjShift;           // alpha (1-lambda_s)^b and its derivative
    double lambdaElec;                  // lambda_e
    double elecShift, dElecShift;       // beta (1-lambda_e)^e and its derivative

    LigandLambdaFactors(const LigandPairSettings& s, double lambdaSterics, double lambdaElectrostatics) {
        stericsScale = std::pow(lambdaSterics, s.a);
        dStericsScale = s.a * std::pow(lambdaSterics, s.a - 1.0);
        ljShift = s.alpha * std::pow(1.0 - lambdaSterics, s.b);
        dLjShift = -s.alpha * s.b * std::pow(1.0 - lambdaSterics, s.b - 1.0);
        lambdaElec = lambdaElectrostatics;
        elecShift = s.beta * std::pow(1.0 - lambdaElectrostatics, s.e);
        dElecShift = -s.beta * s.e * std::pow(1.0 - lambdaElectrostatics, s.e - 1.0);
    }
};

/**
 * The minimum-image vector from particle i to particle j in a triclinic box in OpenMM's reduced form
 * (a along x, b in the xy plane), the same reduction OpenMM's own Reference platform applies.
 */
inline OpenMM::Vec3 periodicDelta(const OpenMM::Vec3& posI, const OpenMM::Vec3& posJ, const OpenMM::Vec3* box) {
    OpenMM::Vec3 d = posJ - posI;
    d -= box[2] * std::floor(d[2] / box[2][2] + 0.5);
    d -= box[1] * std::floor(d[1] / box[1][1] + 0.5);
    d -= box[0] * std::floor(d[0] / box[0][0] + 0.5);
    return d;
}

/**
 * A group of particles (the ligand) as one cluster: positions unwrapped around its first particle, their centre
 * and the radius around it. delta(from, to) is the minimum-image (or plain) difference vector.
 */
struct ParticleCluster {
    std::vector<OpenMM::Vec3> unwrapped;
    OpenMM::Vec3 centre;
    double radius = 0;
};

template <class Delta>
ParticleCluster clusterOf(const std::vector<OpenMM::Vec3>& positions, const std::vector<int>& group, Delta delta) {
    ParticleCluster cluster;
    const OpenMM::Vec3& anchor = positions[group[0]];
    for (int i : group) {
        cluster.unwrapped.push_back(anchor + delta(anchor, positions[i]));
        cluster.centre += cluster.unwrapped.back();
    }
    cluster.centre *= 1.0 / group.size();
    for (const OpenMM::Vec3& p : cluster.unwrapped)
        cluster.radius = std::max(cluster.radius, std::sqrt((p - cluster.centre).dot(p - cluster.centre)));
    return cluster;
}

/**
 * Whether a distance is below half the narrowest width of the box (always, without periodicity): below it the
 * minimum image of a difference is guaranteed also in a triclinic box (OpenMM's own neighbour search makes the
 * same check), so pruning by the distance to a cluster's centre is safe.
 */
inline bool withinHalfBox(double distance, bool periodic, const OpenMM::Vec3* box) {
    return !periodic || distance < 0.5 * std::min(box[0][0], std::min(box[1][1], box[2][2]));
}

/**
 * The particles among candidates that can be within cutoff of some particle of group: those within R + cutoff
 * of the group's centre (R its radius). Where that test is not safe (withinHalfBox) every candidate is returned.
 */
inline std::vector<int> particlesInReach(const std::vector<OpenMM::Vec3>& positions, const std::vector<int>& group,
        const std::vector<int>& candidates, double cutoff, bool periodic, const OpenMM::Vec3* box) {
    if (group.empty())
        return candidates;
    auto delta = [&](const OpenMM::Vec3& from, const OpenMM::Vec3& to) {
        return periodic ? periodicDelta(from, to, box) : to - from;
    };
    ParticleCluster cluster = clusterOf(positions, group, delta);
    double reach = cluster.radius + cutoff;
    if (!withinHalfBox(reach, periodic, box))
        return candidates;
    std::vector<int> near;
    for (int j : candidates) {
        OpenMM::Vec3 d = delta(cluster.centre, positions[j]);
        if (d.dot(d) < reach * reach)
            near.push_back(j);
    }
    return near;
}

/** One pair's contribution: energy, dE/dr, dE/dlambda_s, dE/dlambda_e. */
struct LigandPairResult {
    double energy = 0, dEdr = 0, dEdLambdaSterics = 0, dEdLambdaElectrostatics = 0;
};

/**
 * Evaluate one ligand–environment pair (coupled = true: softcore and lambda scaling) or one ligand-internal
 * pair (coupled = false: plain Lennard-Jones only, at full strength). The caller has already applied the
 * cutoff (r < cutoffDistance).
 *
 * @param chargeProduct  ONE_4PI_EPS0 q_i q_j, in kJ/mol nm
 */
inline LigandPairResult evaluateLigandPair(double r, double sigma, double epsilon, double chargeProduct,
        const LigandPairSettings& s, const LigandLambdaFactors& lambda, bool coupled) {
    LigandPairResult out;
    double switchValue = 1.0, switchDeriv = 0.0;
    if (s.switching && r > s.switchingDistance) {
        double t = (r - s.switchingDistance) / (s.cutoffDistance - s.switchingDistance);
        switchValue = 1.0 + t * t * t * (-10.0 + t * (15.0 - t * 6.0));
        switchDeriv = t * t * (-30.0 + t * (60.0 - t * 30.0)) / (s.cutoffDistance - s.switchingDistance);
    }
    if (epsilon != 0.0) {
        double sigma2 = sigma * sigma;
        double sigma6 = sigma2 * sigma2 * sigma2;
        double r2 = r * r;
        double r6 = r2 * r2 * r2;
        if (!coupled) {
            double x = sigma6 / r6;
            double u = 4.0 * epsilon * x * (x - 1.0);
            double dudr = 4.0 * epsilon * (-12.0 * x * x + 6.0 * x) / r;
            out.energy += switchValue * u;
            out.dEdr += switchValue * dudr + switchDeriv * u;
        }
        else {
            // r_LJ^c = alpha (1-lambda)^b sigma^c + r^c, written without dividing by sigma so that sigma = 0 is safe.
            double sigmaC, rC, rljC, rlj6, drlj6_dr, drlj6_dShift;
            if (s.c == 6.0) {
                sigmaC = sigma6;
                rC = r6;
                rljC = lambda.ljShift * sigmaC + rC;
                rlj6 = rljC;
                drlj6_dr = 6.0 * r6 / r;
                drlj6_dShift = sigmaC;
            }
            else {
                sigmaC = std::pow(sigma, s.c);
                rC = std::pow(r, s.c);
                rljC = lambda.ljShift * sigmaC + rC;
                rlj6 = std::pow(rljC, 6.0 / s.c);
                double drlj6_drljC = (6.0 / s.c) * rlj6 / rljC;
                drlj6_dr = drlj6_drljC * s.c * rC / r;
                drlj6_dShift = drlj6_drljC * sigmaC;
            }
            double x = sigma6 / rlj6;
            double u = 4.0 * epsilon * x * (x - 1.0);
            double dudrlj6 = -4.0 * epsilon * (2.0 * x - 1.0) * x / rlj6;
            double scale = lambda.stericsScale;
            out.energy += scale * switchValue * u;
            out.dEdr += scale * (switchValue * dudrlj6 * drlj6_dr + switchDeriv * u);
            out.dEdLambdaSterics +=
                    switchValue * (lambda.dStericsScale * u + scale * dudrlj6 * drlj6_dShift * lambda.dLjShift);
        }
    }
    if (coupled && s.electrostatics && chargeProduct != 0.0) {
        double rel, drel_dr, drel_dShift;
        if (lambda.elecShift == 0.0 && lambda.dElecShift == 0.0) {
            rel = r;
            drel_dr = 1.0;
            drel_dShift = 0.0;
        }
        else {
            double sigmaF = std::pow(sigma, s.f);
            double rF = std::pow(r, s.f);
            double relF = lambda.elecShift * sigmaF + rF;
            rel = std::pow(relF, 1.0 / s.f);
            drel_dr = rel * rF / (relF * r);
            drel_dShift = rel * sigmaF / (s.f * relF);
        }
        double u = chargeProduct * (1.0 / rel + s.krf * rel * rel - s.crf);
        double dudrel = chargeProduct * (-1.0 / (rel * rel) + 2.0 * s.krf * rel);
        out.energy += lambda.lambdaElec * u;
        out.dEdr += lambda.lambdaElec * dudrel * drel_dr;
        out.dEdLambdaElectrostatics += u + lambda.lambdaElec * dudrel * drel_dShift * lambda.dElecShift;
    }
    return out;
}

} // namespace OpenMMLigand

#endif
