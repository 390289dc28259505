// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef OPENMM_LIGAND_ANI_EVALUATION_H_
#define OPENMM_LIGAND_ANI_EVALUATION_H_

#include "AniModel.h"
#include "AniNeighbours.h"
#include "openmm/Vec3.h"
#include <cmath>
#include <vector>

namespace OpenMMLigand {

/**
 * The ANI energy and its gradient for a set of atoms, in double precision, written to be read: the AEVs
 * (AniModel describes them), each network forward and back, and the chain rule from each AEV term to the
 * positions. Units inside are the model's (Angstrom, Hartree); evaluate() takes nm and returns kJ/mol.
 */
class AniEvaluation {
public:
    AniEvaluation(std::shared_ptr<const AniModel> model, const std::vector<int>& species)
        : model(std::move(model)), species(species) {
    }
    void setSpecies(const std::vector<int>& newSpecies) {
        species = newSpecies;
    }

    /**
     * Energy (kJ/mol) of atoms at positions r (Angstrom, aniPositionsInAngstrom); gradient (kJ/mol/nm, dU/dx)
     * into gradient if not null. box: the three periodic box vectors in Angstrom (OpenMM's reduced form) or null.
     */
    double evaluate(const std::vector<OpenMM::Vec3>& r, const OpenMM::Vec3* box, std::vector<OpenMM::Vec3>* gradient) {
        const AniModel& m = *model;
        const int n = (int) species.size();
        const int aevLength = m.aevLength();
        std::vector<std::vector<AniNeighbour>> neighbours = aniNeighbours(r, box, m.radialCutoff);
        // AEVs.
        std::vector<std::vector<double>> aev(n, std::vector<double>(aevLength, 0.0));
        for (int i = 0; i < n; i++)
            forEachTerm(i, neighbours[i], [&](int index, double value, const Term&) { aev[i][index] += value; });
        // Networks: energy and dE/dAEV per atom, averaged over the ensemble.
        const double members = (double) m.networks.size();
        double energy = 0;
        std::vector<std::vector<double>> dEdAev(n, std::vector<double>(aevLength, 0.0));
        for (int i = 0; i < n; i++) {
            energy += m.selfEnergies[species[i]];
            for (const auto& member : m.networks) {
                std::vector<double> g;
                energy += forwardAndBack(member[species[i]], aev[i], gradient ? &g : nullptr) / members;
                if (gradient)
                    for (int k = 0; k < aevLength; k++)
                        dEdAev[i][k] += g[k] / members;
            }
        }
        if (gradient) {
            gradient->assign(n, OpenMM::Vec3());
            for (int i = 0; i < n; i++)
                forEachTerm(i, neighbours[i], [&](int index, double, const Term& t) {
                    double g = dEdAev[i][index];
                    if (g == 0)
                        return;
                    // Each term depends on r_j - r_i (and r_k - r_i): dE/dr_i is minus the others' sum.
                    (*gradient)[t.j] += t.dj * g;
                    (*gradient)[i] -= t.dj * g;
                    if (t.k >= 0) {
                        (*gradient)[t.k] += t.dk * g;
                        (*gradient)[i] -= t.dk * g;
                    }
                });
            // Hartree/Angstrom -> kJ/mol/nm.
            for (auto& v : *gradient)
                v *= ANI_HARTREE_IN_KJ_PER_MOL * 10.0;
        }
        return energy * ANI_HARTREE_IN_KJ_PER_MOL;
    }

private:
    /** One AEV term's derivative with respect to r_j - r_i (dj) and, for angular terms, r_k - r_i (dk). */
    struct Term {
        int j, k;
        OpenMM::Vec3 dj, dk;
    };

    static double cutoffFunction(double r, double rc) {
        return 0.5 * std::cos(M_PI * r / rc) + 0.5;
    }
    static double cutoffDerivative(double r, double rc) {
        return -0.5 * M_PI / rc * std::sin(M_PI * r / rc);
    }

    /** Calls visit(aev index, term value, its derivatives) for every AEV term of atom i within the cutoffs. */
    template <class NeighbourList, class Visit>
    void forEachTerm(int i, const NeighbourList& list, Visit visit) {
        const AniModel& m = *model;
        const int radialTerms = m.numRadialTerms();
        const int radialBlock = m.numSpecies() * radialTerms;
        const int angularTerms = m.numAngularTerms();
        Term t;
        // Radial: 0.25 exp(-eta (R - Rs)^2) fc(R).
        for (const auto& nb : list) {
            double fc = cutoffFunction(nb.r, m.radialCutoff), dfc = cutoffDerivative(nb.r, m.radialCutoff);
            OpenMM::Vec3 unit = nb.d / nb.r;
            int index = species[nb.j] * radialTerms;
            for (double eta : m.radialEta)
                for (double shift : m.radialShifts) {
                    double x = nb.r - shift, e = std::exp(-eta * x * x);
                    double value = 0.25 * e * fc;
                    double dvalue = 0.25 * e * (dfc - 2 * eta * x * fc);
                    t.j = nb.j;
                    t.k = -1;
                    t.dj = unit * dvalue;
                    visit(index++, value, t);
                }
        }
        // Angular: 2 ((1 + cos(theta - ThetaS)) / 2)^zeta exp(-eta ((Rij + Rik)/2 - Rs)^2) fc(Rij) fc(Rik),
        // theta = acos(0.95 cos(angle)), over unordered pairs of neighbours within the angular cutoff.
        for (size_t a = 0; a < list.size(); a++) {
            const auto& nj = list[a];
            if (nj.r > m.angularCutoff)
                continue;
            for (size_t b = a + 1; b < list.size(); b++) {
                const auto& nk = list[b];
                if (nk.r > m.angularCutoff)
                    continue;
                double fcj = cutoffFunction(nj.r, m.angularCutoff), fck = cutoffFunction(nk.r, m.angularCutoff);
                double dfcj = cutoffDerivative(nj.r, m.angularCutoff), dfck = cutoffDerivative(nk.r, m.angularCutoff);
                double cosAngle = nj.d.dot(nk.d) / (nj.r * nk.r);
                double theta = std::acos(0.95 * cosAngle);
                double dThetaDCos = -0.95 / std::sqrt(1 - 0.9025 * cosAngle * cosAngle);
                // d cos / d(r_j - r_i) and d cos / d(r_k - r_i).
                OpenMM::Vec3 dCosDj = nk.d / (nj.r * nk.r) - nj.d * (cosAngle / (nj.r * nj.r));
                OpenMM::Vec3 dCosDk = nj.d / (nj.r * nk.r) - nk.d * (cosAngle / (nk.r * nk.r));
                OpenMM::Vec3 unitJ = nj.d / nj.r, unitK = nk.d / nk.r;
                double average = 0.5 * (nj.r + nk.r);
                int index = radialBlock + m.speciesPairIndex(species[nj.j], species[nk.j]) * angularTerms;
                for (double eta : m.angularEta)
                    for (double zeta : m.angularZeta)
                        for (double shift : m.angularShifts) {
                            double x = average - shift, radial = std::exp(-eta * x * x);
                            double dRadial = -2 * eta * x * radial * 0.5; // per d Rij (and per d Rik)
                            for (double thetaShift : m.angleShifts) {
                                double base = 0.5 * (1 + std::cos(theta - thetaShift));
                                double angular = std::pow(base, zeta);
                                double dAngular =
                                        zeta * std::pow(base, zeta - 1) * (-0.5 * std::sin(theta - thetaShift));
                                double value = 2 * angular * radial * fcj * fck;
                                double dRij = 2 * angular * (dRadial * fcj * fck + radial * dfcj * fck);
                                double dRik = 2 * angular * (dRadial * fcj * fck + radial * fcj * dfck);
                                double dCos = 2 * dAngular * dThetaDCos * radial * fcj * fck;
                                t.j = nj.j;
                                t.k = nk.j;
                                t.dj = unitJ * dRij + dCosDj * dCos;
                                t.dk = unitK * dRik + dCosDk * dCos;
                                visit(index++, value, t);
                            }
                        }
            }
        }
    }

    /** The network's output for an input; its gradient with respect to the input into gradient if not null. */
    static double forwardAndBack(
            const AniNetwork& network, const std::vector<double>& input, std::vector<double>* gradient) {
        const double alpha = 0.1; // CELU(alpha), as ANI models use
        std::vector<std::vector<double>> activations{input}, slopes;
        for (const AniLayer& layer : network.layers) {
            const std::vector<double>& x = activations.back();
            std::vector<double> y(layer.outputs), slope(layer.outputs, 1.0);
            for (int o = 0; o < layer.outputs; o++) {
                double sum = layer.biases[o];
                const float* w = &layer.weights[(size_t) o * layer.inputs];
                for (int k = 0; k < layer.inputs; k++)
                    sum += w[k] * x[k];
                if (layer.activation == AniLayer::Celu && sum <= 0) {
                    y[o] = alpha * (std::exp(sum / alpha) - 1);
                    slope[o] = std::exp(sum / alpha);
                }
                else
                    y[o] = sum;
            }
            activations.push_back(std::move(y));
            slopes.push_back(std::move(slope));
        }
        if (gradient) {
            std::vector<double> back{1.0};
            for (int l = (int) network.layers.size() - 1; l >= 0; l--) {
                const AniLayer& layer = network.layers[l];
                std::vector<double> previous(layer.inputs, 0.0);
                for (int o = 0; o < layer.outputs; o++) {
                    double g = back[o] * slopes[l][o];
                    const float* w = &layer.weights[(size_t) o * layer.inputs];
                    for (int k = 0; k < layer.inputs; k++)
                        previous[k] += g * w[k];
                }
                back = std::move(previous);
            }
            *gradient = std::move(back);
        }
        return activations.back()[0];
    }

    std::shared_ptr<const AniModel> model;
    std::vector<int> species;
};

} // namespace OpenMMLigand

#endif
