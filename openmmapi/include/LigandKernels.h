// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef OPENMM_LIGAND_KERNELS_H_
#define OPENMM_LIGAND_KERNELS_H_

#include "AniForce.h"
#include "LigandCouplingForce.h"
#include "openmm/KernelImpl.h"
#include "openmm/OpenMMException.h"
#include "openmm/System.h"
#include "openmm/Platform.h"
#include <string>
#include <vector>

namespace OpenMMLigand {

class NonbondedChargeOffsets;

/**
 * The platform-independent interface of the kernel that evaluates a LigandCouplingForce. Each platform's
 * plugin provides an implementation through its KernelFactory.
 */
class CalcLigandCouplingForceKernel : public OpenMM::KernelImpl {
public:
    /** The kernel's name, as registered with KernelFactory. */
    static std::string Name() {
        return "CalcLigandCouplingForce";
    }
    CalcLigandCouplingForceKernel(std::string name, const OpenMM::Platform& platform)
        : OpenMM::KernelImpl(name, platform) {
    }
    /**
     * Initialize the kernel.
     *
     * @param system                 the System this kernel is applied to
     * @param force                  the LigandCouplingForce it evaluates (already validated)
     * @param dispersionCoefficient  the ligand's share of the dispersion correction, in kJ/mol nm^3 (0 if unused)
     */
    virtual void initialize(
            const OpenMM::System& system, const LigandCouplingForce& force, double dispersionCoefficient) = 0;
    /**
     * Add the forces to the platform's force buffer and the dU/dlambda to its parameter derivatives.
     *
     * @return the potential energy (kJ/mol) if includeEnergy is true
     */
    virtual double execute(OpenMM::ContextImpl& context, bool includeForces, bool includeEnergy) = 0;
    /**
     * This force's own energy (kJ/mol) in each (lambda_sterics, lambda_electrostatics) state, for the Context's
     * current positions, in one pass over the pairs. Nothing in the Context changes: no force, energy or
     * derivative buffer is touched.
     */
    virtual std::vector<double> computeStateEnergies(OpenMM::ContextImpl& context,
            const std::vector<double>& lambdaSterics, const std::vector<double>& lambdaElectrostatics) = 0;
    /**
     * Ligand–group interaction energies (see LigandCouplingForce::getInteractionEnergies), 4 per group, for the
     * Context's current positions. particleGroups has been checked (one entry per particle, -1 .. numGroups-1).
     */
    virtual std::vector<double> computeInteractionEnergies(
            OpenMM::ContextImpl& context, const std::vector<int>& particleGroups, int numGroups, double ewaldAlpha) = 0;
    /** Copy the parameters that updateParametersInContext() may change (see there). */
    virtual void copyParametersToContext(
            OpenMM::ContextImpl& context, const LigandCouplingForce& force, double dispersionCoefficient) = 0;
    /**
     * Whether this platform computes an offset NonbondedForce's lambda coefficients on the device
     * (computeNonbondedQuadratic); if not, the Impl computes them on the host (NonbondedLambdaQuadratic).
     */
    virtual bool computesNonbondedQuadratic(OpenMM::ContextImpl& context) {
        return false;
    }
    /**
     * The lambda (b) and lambda^2 (c) coefficients, in kJ/mol, of the energy E = A + b lambda + c lambda^2 of a
     * NonbondedForce whose charges follow lambda through offsets, on the device. Only where
     * computesNonbondedQuadratic() says so. Precondition: that force was last evaluated at the current lambda.
     *
     * @param offsets  its offsets and settings, as the Context computes with them
     * @param lambda   the parameter's current value
     * @param alpha    PME's alpha in this Context (1/nm), grid its grid; unused for other methods
     * @param plasma   whether the running OpenMM counts the neutralizing plasma of a charged box
     */
    virtual void computeNonbondedQuadratic(OpenMM::ContextImpl& context, const NonbondedChargeOffsets& offsets,
            double lambda, double alpha, const int grid[3], bool plasma, double& b, double& c) {
        throw OpenMM::OpenMMException("this platform computes no NonbondedForce coefficients on the device");
    }
};

/** Evaluates an AniForce. */
class CalcAniForceKernel : public OpenMM::KernelImpl {
public:
    /** The kernel's name, as registered with KernelFactory. */
    static std::string Name() {
        return "CalcAniForce";
    }
    CalcAniForceKernel(std::string name, const OpenMM::Platform& platform) : OpenMM::KernelImpl(name, platform) {
    }
    /** Initialize the kernel for a force (already validated against the System). */
    virtual void initialize(const OpenMM::System& system, const AniForce& force) = 0;
    /**
     * Add the forces to the platform's force buffer.
     *
     * @return the potential energy (kJ/mol) if includeEnergy is true
     */
    virtual double execute(OpenMM::ContextImpl& context, bool includeForces, bool includeEnergy) = 0;
    /** Copy the atomic numbers (the only thing updateParametersInContext may change). */
    virtual void copyParametersToContext(OpenMM::ContextImpl& context, const AniForce& force) = 0;
};

} // namespace OpenMMLigand

#endif
