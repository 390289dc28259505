// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef OPENMM_LIGAND_ANI_FORCE_H_
#define OPENMM_LIGAND_ANI_FORCE_H_

#include "openmm/Context.h"
#include "openmm/Force.h"
#include "internal/windowsExportLigand.h"
#include <memory>
#include <string>
#include <vector>

namespace OpenMMLigand {

class AniModel;

/**
 * The energy of a set of particles (typically a ligand) from an ANI neural-network potential such as ANI-2x
 * (Devereux et al., J. Chem. Theory Comput. 2020, 16, 4192): each particle's atomic environment vector (AEV) from
 * the positions of the other particles of the set, a per-element network per ensemble member, and
 *
 *     U = (mean over members of the sum over particles of network output) + sum of the elements' self energies
 *
 * converted from Hartree to kJ/mol (1 Hartree = 2625.4996394799 kJ/mol); forces are -dU/dx in kJ/mol/nm. Only the
 * particles added interact, only with each other: the force is the ML part of an ML/MM System (the rest of the
 * System is MM; see openmmligand.ml_mm).
 *
 * The model is read from a directory holding the NeuroChem files its authors publish (for ANI-2x: the directory
 * torchani/resources/ani-2x_8x of TorchANI's repository, MIT licence): an AEV parameter file (*.params),
 * sae_linfit.dat and train0, train1, ... /networks. The files are read when the force is created; the force keeps
 * the directory and a checksum of the files, and serialization writes those (not the weights): a deserialized
 * force reads the files again and refuses them if they changed.
 *
 * ANI-2x is for neutral, closed-shell molecules of H, C, N, O, S, F and Cl; an element the model has no network
 * for is refused when the particle is added. With periodic boundary conditions the minimum image is used, which
 * needs every box width to be at least twice the model's radial cutoff (1.02 nm for ANI-2x).
 */
class OPENMM_EXPORT_LIGAND AniForce : public OpenMM::Force {
public:
    /**
     * Create the force, reading the model.
     *
     * @param modelDirectory  the directory holding the model's NeuroChem files (see the class description)
     * @throws OpenMMException naming the file if a file is missing or inconsistent
     */
    explicit AniForce(const std::string& modelDirectory);
    /** The model directory, as an absolute path. */
    const std::string& getModelDirectory() const;
    /** A checksum (FNV-1a, 64 bit, hexadecimal) of every model file read. */
    const std::string& getModelChecksum() const;
    /** The atomic numbers the model has networks for, in the model's species order. */
    std::vector<int> getSupportedAtomicNumbers() const;
    /** The number of networks per element (ensemble members) the model averages. */
    int getNumEnsembleMembers() const;
    /** The model's radial (AEV) cutoff, in nm. */
    double getCutoffDistance() const;
    /**
     * Add a particle to the ML set.
     *
     * @param particle      the particle's index in the System
     * @param atomicNumber  its element's atomic number (1 for H, 6 for C, ...)
     * @return the index of the entry added
     * @throws OpenMMException if the model has no network for the element
     */
    int addParticle(int particle, int atomicNumber);
    /** The number of particles in the ML set. */
    int getNumParticles() const {
        return (int) particles.size();
    }
    /** Get the System index and atomic number of entry index. */
    void getParticleParameters(int index, int& particle, int& atomicNumber) const;
    /** Set the System index and atomic number of entry index (see addParticle). */
    void setParticleParameters(int index, int particle, int atomicNumber);
    /** Whether the minimum image convention is used (default: false). */
    bool usesPeriodicBoundaryConditions() const override {
        return periodic;
    }
    /** Use the minimum image convention (the System's box must be at least twice the cutoff wide). */
    void setUsesPeriodicBoundaryConditions(bool periodic) {
        this->periodic = periodic;
    }
    /**
     * Copy changed atomic numbers into a Context. The particles (which and how many) and the periodicity cannot
     * change; an exception names what did.
     */
    void updateParametersInContext(OpenMM::Context& context);

protected:
    OpenMM::ForceImpl* createImpl() const override;

private:
    friend class AniModelAccess; // the kernels' access to the loaded model (openmmapi/private/AniModel.h)
    std::shared_ptr<const AniModel> model;
    std::vector<std::pair<int, int>> particles; // (System index, atomic number)
    bool periodic = false;
};

} // namespace OpenMMLigand

#endif
