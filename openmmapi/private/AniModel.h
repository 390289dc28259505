// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef OPENMM_LIGAND_ANI_MODEL_H_
#define OPENMM_LIGAND_ANI_MODEL_H_

#include "LigandError.h"
#include "internal/windowsExportLigand.h"
#include "AniForce.h"
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace OpenMMLigand {

/** Hartree in kJ/mol (CODATA 2018: E_h N_A). */
const double ANI_HARTREE_IN_KJ_PER_MOL = 2625.4996394799;

/** Bad input to AniForce or its model files (see throwForceError). */
template <class... Parts>
[[noreturn]] void throwAniError(const Parts&... parts) {
    throwForceError("AniForce", parts...);
}

/** One fully connected layer: outputs = activation(weights * inputs + biases). */
struct AniLayer {
    /** Activation codes of the NeuroChem format that ANI models use. */
    enum Activation { Identity = 6, Celu = 9 };
    int inputs = 0, outputs = 0;
    Activation activation = Identity;
    /** Row-major [outputs][inputs], as stored in the .wparam file. */
    std::vector<float> weights;
    std::vector<float> biases;
};

/** The network of one element in one ensemble member: layers from the AEV (first) to the atomic energy (last). */
struct AniNetwork {
    std::vector<AniLayer> layers;
};

/**
 * An ANI model (ensemble of atomic neural networks on atomic environment vectors, AEVs) read from the NeuroChem
 * files its authors publish (e.g. ANI-2x: torchani/resources/ani-2x_8x): the AEV parameter file (*.params), the
 * self energies (sae_linfit.dat), and members train0, train1, ... each holding networks/ANN-<element>.nnf with its
 * .wparam/.bparam layer files. Lengths are in Angstrom and energies in Hartree, as in the files.
 *
 * The AEV of atom i (Smith et al. 2017; the layout TorchANI uses): radial terms
 * 0.25 exp(-EtaR (R_ij - ShfR)^2) fc(R_ij, Rcr) summed over neighbours j of each species, then angular terms
 * 2 ((1 + cos(theta_ijk - ShfZ)) / 2)^Zeta exp(-EtaA ((R_ij + R_ik)/2 - ShfA)^2) fc(R_ij, Rca) fc(R_ik, Rca)
 * summed over unordered neighbour pairs (j, k) of each species pair, theta = acos(0.95 cos(angle jik)),
 * fc(R, Rc) = 0.5 cos(pi R / Rc) + 0.5 for R <= Rc, else 0.
 */
class OPENMM_EXPORT_LIGAND AniModel {
public:
    /** Read and check a model directory; throws naming the file that is missing or inconsistent. */
    static std::shared_ptr<const AniModel> load(const std::string& directory);

    std::string directory;
    /** FNV-1a 64-bit hash of every file read, in hexadecimal: tells whether the files changed. */
    std::string checksum;
    double radialCutoff = 0, angularCutoff = 0; // Angstrom
    std::vector<double> radialEta, radialShifts, angularEta, angularZeta, angularShifts, angleShifts;
    /** Element symbols in the model's species order, and their atomic numbers. */
    std::vector<std::string> elements;
    std::vector<int> atomicNumbers;
    /** Self energy of each species (Hartree). */
    std::vector<double> selfEnergies;
    /** networks[member][species]. */
    std::vector<std::vector<AniNetwork>> networks;

    int numSpecies() const {
        return (int) elements.size();
    }
    int numRadialTerms() const {
        return (int) (radialEta.size() * radialShifts.size());
    }
    int numAngularTerms() const {
        return (int) (angularEta.size() * angularZeta.size() * angularShifts.size() * angleShifts.size());
    }
    /** AEV length: species x radial terms + species pairs x angular terms. */
    int aevLength() const {
        int s = numSpecies();
        return s * numRadialTerms() + s * (s + 1) / 2 * numAngularTerms();
    }
    /** Index of the unordered species pair (a, b) in the AEV's angular part (row-major upper triangle). */
    int speciesPairIndex(int a, int b) const;
    /** The model's species index for an atomic number, or -1 if the model has no network for it. */
    int speciesOf(int atomicNumber) const;
};

/** The kernels' way to the model an AniForce loaded: not API (AniForce's public header names no private type). */
class AniModelAccess {
public:
    static const std::shared_ptr<const AniModel>& model(const AniForce& force) {
        return force.model;
    }
};

} // namespace OpenMMLigand

#endif
