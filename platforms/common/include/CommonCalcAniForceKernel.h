// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef COMMON_CALC_ANI_FORCE_KERNEL_H_
#define COMMON_CALC_ANI_FORCE_KERNEL_H_

#include "AniModel.h"
#include "LigandKernels.h"
#include "openmm/common/ComputeArray.h"
#include "openmm/common/ComputeContext.h"
#include "openmm/common/ComputeEvent.h"
#include "openmm/common/ComputeKernel.h"
#include <memory>
#include <string>
#include <vector>

namespace OpenMMLigand {

/**
 * AniForce on OpenCL and CUDA, written once on OpenMM's common compute API (kernels/ani.cc): the AEVs and their
 * gradient on the device, one work group per ML atom; the networks as matrix products over tiles of atoms of one
 * element, every ensemble member in the same launch, forward and back. Three launches per evaluation and no copy
 * between host and device, except a status word read back when the energy is asked for (then a bad geometry is
 * reported as an exception; force-only evaluations add no forces from a bad geometry).
 */
class CommonCalcAniForceKernel : public CalcAniForceKernel {
public:
    /**
     * @param statusCopy host memory for three ints that the device can copy into without the host waiting: made by
     *                   the platform's factory (page-locked on CUDA, where a copy into pageable memory blocks).
     */
    CommonCalcAniForceKernel(std::string name, const OpenMM::Platform& platform, OpenMM::ComputeContext& cc,
            std::shared_ptr<int> statusCopy)
        : CalcAniForceKernel(name, platform), cc(cc), statusCopy(std::move(statusCopy)) {
    }
    /** Waits for a status copy still in flight: the device must not write into freed host memory. */
    ~CommonCalcAniForceKernel() override;
    void initialize(const OpenMM::System& system, const AniForce& force) override;
    double execute(OpenMM::ContextImpl& context, bool includeForces, bool includeEnergy) override;
    void copyParametersToContext(OpenMM::ContextImpl& context, const AniForce& force) override;
    /** Recompute where each ML atom sits in OpenMM's (reordered) arrays. */
    void updatePositionIndex();

private:
    class ReorderListener;
    /** Upload the species, the tiles of atoms of one element and the networks of the species present. */
    void uploadSpecies(const AniForce& force);
    void createKernels();
    /** Raise the error the status word {code, entry, entry} names, if any; `when` ends the message. */
    void throwStatus(const int* word, const char* when);
    /** Raise the error a forces-only evaluation found, read back since without waiting for the device. */
    void throwPendingStatus();
    OpenMM::ComputeContext& cc;
    std::shared_ptr<const AniModel> model;
    std::vector<int> particles, species;
    bool periodic = false, kernelsCreated = false;
    int numTiles = 0, tileSize = 0, numLayers = 0, maxWidth = 0, hiddenTotal = 0;
    /** The species whose networks are on the device; a new species present means a new upload. */
    std::vector<bool> speciesUploaded;
    double selfEnergy = 0; // kJ/mol, the sum of the atoms' self energies
    /** The status of the last forces-only evaluation, copied without a wait; `statusPending` until it is read. */
    std::shared_ptr<int> statusCopy;
    OpenMM::ComputeEvent statusCopied;
    bool statusPending = false;
    OpenMM::ComputeArray posIndex, speciesArray, pairIndex, radialParams, angularParams, aev, status;
    OpenMM::ComputeArray tiles, sortedAtoms, layerInfo, weights, weightsT, biases, tileEnergies, aevGradient;
    OpenMM::ComputeKernel aevKernel, networksKernel, forcesKernel;
    enum { ATOM_GROUP_SIZE = 128, NETWORK_GROUP_SIZE = 128 };
};

} // namespace OpenMMLigand

#endif
