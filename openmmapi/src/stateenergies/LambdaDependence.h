// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef OPENMM_LIGAND_LAMBDA_DEPENDENCE_H_
#define OPENMM_LIGAND_LAMBDA_DEPENDENCE_H_

#include "LigandCouplingForce.h"
#include "openmm/NonbondedForce.h"
#include "openmm/System.h"
#include <string>
#include <vector>

namespace OpenMMLigand {

/**
 * How the energy of a System depends on a LigandCouplingForce's two lambdas through its *other* forces, found by
 * reading each force's definition (no name of any force is trusted):
 *  - NonbondedForces whose charges follow lambda_electrostatics through parameter offsets: exactly quadratic in it;
 *  - Custom*Forces that have a lambda as a global parameter: the polynomial degree of their energy expression in
 *    it, read with Lepton (degree() below), and whether they report its derivative;
 *  - anything else that could depend on a lambda (another LigandCouplingForce with the same names, a NonbondedForce
 *    offsetting sigma or epsilon, a force of unknown kind): an error, named, when an exact answer needs it.
 */
class LambdaDependence {
public:
    /** A degree larger than any polynomial's: the energy is not a polynomial in the parameter. */
    static const int NOT_POLYNOMIAL = 1000;
    /** One force of the System other than the owner that depends on a lambda. */
    struct DependentForce {
        int index;             ///< its index in the System
        int group;             ///< its force group
        std::string kind;      ///< e.g. "CustomBondForce 'LigandInternalElectrostatics'", for messages
        bool nonbondedOffsets; ///< a NonbondedForce whose charge offsets follow lambda_electrostatics
        int stericsDegree;     ///< polynomial degree in lambda_sterics (0: independent)
        int electrostaticsDegree;
        bool reportsStericsDerivative, reportsElectrostaticsDerivative;
    };
    /**
     * Read the System's forces. Throws (naming the force) for what no exact treatment exists: a NonbondedForce
     * with offsets driven by lambda_sterics or offsetting sigma/epsilon by lambda_electrostatics, another
     * LigandCouplingForce using the same parameter names.
     *
     * @param caller  the entry point's name, for messages
     */
    LambdaDependence(const OpenMM::System& system, const LigandCouplingForce& owner, const std::string& caller);
    /** Every force other than the owner that depends on a lambda. */
    const std::vector<DependentForce>& getForces() const {
        return forces;
    }
    /** The NonbondedForces whose charges follow lambda_electrostatics. */
    const std::vector<const OpenMM::NonbondedForce*>& getOffsetNonbonded() const {
        return offsetNonbonded;
    }
    /** The force groups holding those NonbondedForces (a bit mask). */
    int getOffsetNonbondedGroups() const {
        return offsetNonbondedGroups;
    }
    /**
     * The polynomial degree of an energy expression (Lepton syntax, ';' definitions allowed) in one variable:
     * NOT_POLYNOMIAL if the variable reaches a function other than +, -, *, /(by an expression free of it), or
     * integer powers.
     */
    static int degree(const std::string& expression, const std::string& variable);

private:
    std::vector<DependentForce> forces;
    std::vector<const OpenMM::NonbondedForce*> offsetNonbonded;
    int offsetNonbondedGroups = 0;
};

} // namespace OpenMMLigand

#endif
