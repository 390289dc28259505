// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef OPENMM_LIGAND_COUPLING_FORCE_IMPL_H_
#define OPENMM_LIGAND_COUPLING_FORCE_IMPL_H_

#include "LigandCouplingForce.h"
#include "openmm/Kernel.h"
#include "openmm/internal/ForceImpl.h"
#include "openmm/NonbondedForce.h"
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace OpenMMLigand {

class NonbondedLambdaQuadratic;
class NonbondedChargeOffsets;

/** The ForceImpl of LigandCouplingForce: validates the force and drives its kernel. */
class OPENMM_EXPORT_LIGAND LigandCouplingForceImpl : public OpenMM::ForceImpl {
public:
    LigandCouplingForceImpl(const LigandCouplingForce& owner);
    ~LigandCouplingForceImpl();
    /** Throws if the running OpenMM is not the release (major.minor) this library was compiled against. */
    static void checkOpenMMVersion();
    void initialize(OpenMM::ContextImpl& context);
    const LigandCouplingForce& getOwner() const {
        return owner;
    }
    void updateContextState(OpenMM::ContextImpl& context, bool& forcesInvalid) {
    }
    double calcForcesAndEnergy(OpenMM::ContextImpl& context, bool includeForces, bool includeEnergy, int groups);
    std::map<std::string, double> getDefaultParameters();
    std::vector<std::string> getKernelNames();
    void updateParametersInContext(OpenMM::ContextImpl& context);
    /**
     * The Ewald alpha (1/nm) of the System's NonbondedForce in this Context (PME, LJPME, Ewald: NonbondedForceImpl's,
     * which every platform uses), as of Context creation; 0 without such a force.
     */
    double ewaldAlphaOf(OpenMM::ContextImpl& context);
    /** See LigandCouplingForce::getInteractionEnergies(); checks the groups, then asks the kernel. */
    std::vector<double> getInteractionEnergies(
            OpenMM::ContextImpl& context, const std::vector<int>& particleGroups, int numGroups, double ewaldAlpha);
    /** See LigandCouplingForce::getLambdaDerivatives(). */
    std::vector<double> getLambdaDerivatives(OpenMM::ContextImpl& context);
    /** See LigandCouplingForce::getStateEnergies(). */
    std::vector<double> getStateEnergies(OpenMM::ContextImpl& context, const std::vector<double>& lambdaSterics,
            const std::vector<double>& lambdaElectrostatics);
    /**
     * Check a force against a System; throws OpenMMException naming the first problem found.
     * Shared by initialize() and updateParametersInContext().
     */
    static void validate(const OpenMM::System& system, const LigandCouplingForce& force);
    /**
     * The ligand's share of NonbondedForce's long-range dispersion coefficient (kJ/mol nm^3): the coefficient
     * computed with every particle's epsilon minus the one with the ligand's epsilons set to zero, both by
     * OpenMM's own NonbondedForceImpl::calcDispersionCorrection so the sum matches NonbondedForce exactly.
     * Zero unless the force is CutoffPeriodic with the dispersion correction on.
     */
    static double calcDispersionCoefficient(const OpenMM::System& system, const LigandCouplingForce& force);
    /** The environment set that the force's settings mean (every non-ligand particle when left empty). */
    static std::vector<int> resolveEnvironment(const LigandCouplingForce& force);

private:
    /** The settings updateParametersInContext() cannot change, each named, to say which one changed. */
    static std::vector<std::pair<std::string, std::string>> fixedSettings(const LigandCouplingForce& force);
    /**
     * Throws if a value computed from the Context is NaN: naming the particle whose position is not finite, or,
     * if all are, saying so (what: the value's name, for the message).
     */
    static void checkResults(OpenMM::ContextImpl& context, const std::vector<double>& values, const char* what);
    const LigandCouplingForce& owner;
    std::vector<std::pair<std::string, std::string>> initialSettings;
    OpenMM::Kernel kernel;
    /** The lambda_electrostatics quadratic of an offset NonbondedForce (getStateEnergies, getLambdaDerivatives). */
    std::unique_ptr<NonbondedLambdaQuadratic> nonbondedQuadraticPtr;
    NonbondedLambdaQuadratic& nonbondedQuadratic();
    /**
     * The charges and offsets of each NonbondedForce of the System (by force index; null for other forces) as this
     * Context computes with them: read at Context creation, replaced when a fit shows that the System's current
     * ones are what the Context has (after NonbondedForce::updateParametersInContext).
     */
    std::vector<std::unique_ptr<NonbondedChargeOffsets>> nonbondedSnapshots;
    /**
     * b and c (kJ/mol) of E = A + b lambda_e + c lambda_e^2 for the offset NonbondedForce with this index, on the
     * device where the platform can, else on the host; from the parameters the Context computes with. Returns
     * false, computing nothing, if the System's offsets (or, for the host route, charges) are no longer the ones
     * the Context was created with: the caller then fits the Context's own energies.
     *
     * @param evaluatedAt  the lambda_e at which the NonbondedForce was last evaluated (its device charges)
     */
    bool exactNonbondedCoefficients(OpenMM::ContextImpl& context, int forceIndex, const OpenMM::NonbondedForce& force,
            double evaluatedAt, double& b, double& c);
    /** b and c for the given charges and offsets, on the device or on the host. */
    void nonbondedCoefficients(OpenMM::ContextImpl& context, const OpenMM::NonbondedForce& force,
            const NonbondedChargeOffsets& offsets, double evaluatedAt, double& b, double& c);
    /**
     * After a fit gave b and c of the NonbondedForce as the Context has it: if the System's current charges and
     * offsets give the same, the Context has them (they were pushed with updateParametersInContext), and they are
     * kept for the next calls, which then need no fit.
     *
     * @param scale  the magnitude of the energies the fit was made of (kJ/mol), for its tolerance
     */
    void adoptIfSystemMatches(OpenMM::ContextImpl& context, int forceIndex, const OpenMM::NonbondedForce& force,
            double evaluatedAt, double bFit, double cFit, double scale);
};

} // namespace OpenMMLigand

#endif
