// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef OPENMM_LIGAND_COUPLING_FORCE_H_
#define OPENMM_LIGAND_COUPLING_FORCE_H_

#include "openmm/Context.h"
#include "openmm/Force.h"
#include "internal/windowsExportLigand.h"
#include <string>
#include <utility>
#include <vector>

namespace OpenMMLigand {

/**
 * The interactions between a ligand and its environment, with the softcore potentials that alchemical
 * free-energy calculations use to switch them on and off.
 *
 * Every particle of the System is added with a charge (elementary charges), a Lennard-Jones sigma (nm)
 * and epsilon (kJ/mol), exactly as for NonbondedForce; pair parameters follow the Lorentz–Berthelot rules
 * (sigma_ij = (sigma_i + sigma_j)/2, epsilon_ij = sqrt(epsilon_i epsilon_j)). Two disjoint sets are chosen:
 * the ligand L and the environment E (by default every particle not in L). The energy is
 *
 *     U = sum over i in L, j in E, not excluded, r < r_c of  U_LJ(r; lambda_s) + U_el(r; lambda_e)
 *       + (optionally) the ligand's own Lennard-Jones energy at full strength
 *       + (optionally) the ligand's share of the long-range dispersion correction
 *
 *     U_LJ = lambda_s^a * 4 eps x (x - 1),         x = (sigma / r_LJ)^6,
 *            r_LJ = sigma * (alpha (1 - lambda_s)^b + (r/sigma)^c)^(1/c)
 *     U_el = lambda_e * ONE_4PI_EPS0 q_i q_j (1/r_el + k_rf r_el^2 - c_rf),
 *            r_el = sigma * (beta (1 - lambda_e)^e + (r/sigma)^f)^(1/f)
 *
 * with alpha = 0.5, a = b = 1, c = 6 (the Beutler softcore as openmmtools writes it) and beta = 0, e = f = 1
 * (plain linear scaling) by default. k_rf and c_rf are the reaction-field constants NonbondedForce uses
 * for its cutoff methods; with NoCutoff both are zero (plain Coulomb). Electrostatics can be switched off
 * entirely (NoElectrostatics), which is how openmmligand.decouple() uses this force: the NonbondedForce
 * keeps the electrostatics (exact with PME) and this force carries the softcore sterics.
 *
 * The coupling parameters are Context parameters, by default named "lambda_sterics" and
 * "lambda_electrostatics" with default value 1. They must lie in [0, 1] when the force is evaluated.
 * Call addEnergyParameterDerivative() with either name to get dU/dlambda from
 * State::getEnergyParameterDerivatives().
 *
 * Long-range dispersion correction (periodic cutoff only): NonbondedForce corrects its energy by C/V, with C
 * computed from the particles' sigma and epsilon. When the ligand's epsilons are set to zero in the
 * NonbondedForce (as decouple() does), its C loses the ligand's share. With setUseDispersionCorrection(true)
 * this force adds lambda_s^a * (C_all - C_ligand_off) / V, where C_all is NonbondedForce's coefficient computed
 * from this force's particle parameters and C_ligand_off the same with the ligand's epsilons set to zero. At
 * lambda_s = 1 the total is therefore exactly NonbondedForce's original correction, at lambda_s = 0 it is gone,
 * and in between it scales as lambda_s^a (it neglects the softcore shift of r beyond the cutoff, a relative
 * change of about alpha (1-lambda_s) (sigma/r_c)^6 / 6 < 1e-3). The coefficient is computed once per
 * Context and per updateParametersInContext(), never when lambda changes.
 */
class OPENMM_EXPORT_LIGAND LigandCouplingForce : public OpenMM::Force {
public:
    /** How interactions are cut off. The values mirror NonbondedForce's. */
    enum NonbondedMethod {
        /** No cutoff, no periodic boundary conditions. */
        NoCutoff = 0,
        /** Interactions beyond the cutoff are ignored; no periodic boundary conditions. */
        CutoffNonPeriodic = 1,
        /** Interactions beyond the cutoff are ignored; minimum-image periodic boundary conditions
         *  (triclinic boxes as OpenMM defines them). */
        CutoffPeriodic = 2
    };
    /** What this force computes for the ligand–environment electrostatics. */
    enum ElectrostaticsMode {
        /** None: another force (the NonbondedForce) carries the electrostatics. */
        NoElectrostatics = 0,
        /** Reaction field beyond the cutoff (plain Coulomb with NoCutoff), scaled by lambda_electrostatics. */
        ReactionField = 1
    };
    /** Create an empty LigandCouplingForce with the default settings described above. */
    LigandCouplingForce();
    /** Get the number of particles (must equal the System's). */
    int getNumParticles() const {
        return particles.size();
    }
    /**
     * Add a particle. Call once for every particle of the System, in order.
     *
     * @param charge   the charge, in elementary charges
     * @param sigma    the Lennard-Jones sigma, in nm (>= 0)
     * @param epsilon  the Lennard-Jones well depth, in kJ/mol (>= 0)
     * @return the index of the particle
     */
    int addParticle(double charge, double sigma, double epsilon);
    /**
     * Get the parameters of a particle.
     *
     * @param index         the particle's index
     * @param[out] charge   the charge, in elementary charges
     * @param[out] sigma    the Lennard-Jones sigma, in nm
     * @param[out] epsilon  the Lennard-Jones well depth, in kJ/mol
     */
    void getParticleParameters(int index, double& charge, double& sigma, double& epsilon) const;
    /**
     * Set the parameters of a particle.
     *
     * @param index    the particle's index
     * @param charge   the charge, in elementary charges
     * @param sigma    the Lennard-Jones sigma, in nm (>= 0)
     * @param epsilon  the Lennard-Jones well depth, in kJ/mol (>= 0)
     */
    void setParticleParameters(int index, double charge, double sigma, double epsilon);
    /** Set the ligand: the indices of its particles (non-empty, no duplicates). */
    void setLigandParticles(const std::vector<int>& particles);
    /** Get the indices of the ligand's particles. */
    const std::vector<int>& getLigandParticles() const {
        return ligand;
    }
    /**
     * Set the environment the ligand interacts with. An empty list (the default) means every particle that
     * is not in the ligand. Particles in neither set do not interact through this force.
     */
    void setEnvironmentParticles(const std::vector<int>& particles);
    /** Get the environment as set (empty: every particle not in the ligand). */
    const std::vector<int>& getEnvironmentParticles() const {
        return environment;
    }
    /** Get the number of exclusions. */
    int getNumExclusions() const {
        return exclusions.size();
    }
    /**
     * Add an exclusion: particles i and j never interact through this force.
     *
     * @return the index of the exclusion
     */
    int addExclusion(int particle1, int particle2);
    /** Get the two particles of an exclusion. */
    void getExclusionParticles(int index, int& particle1, int& particle2) const;
    /** Change the two particles of an exclusion. */
    void setExclusionParticles(int index, int particle1, int particle2);
    /** Get the method used for cutoffs and periodic boundary conditions. */
    NonbondedMethod getNonbondedMethod() const {
        return nonbondedMethod;
    }
    /** Set the method used for cutoffs and periodic boundary conditions. */
    void setNonbondedMethod(NonbondedMethod method);
    /** Get the cutoff distance, in nm (ignored with NoCutoff). */
    double getCutoffDistance() const {
        return cutoffDistance;
    }
    /** Set the cutoff distance, in nm (ignored with NoCutoff). */
    void setCutoffDistance(double distance);
    /** Get whether the Lennard-Jones energy is smoothly switched off between the switching distance and the cutoff. */
    bool getUseSwitchingFunction() const {
        return useSwitchingFunction;
    }
    /** Set whether to use NonbondedForce's Lennard-Jones switching function. */
    void setUseSwitchingFunction(bool use);
    /** Get the distance, in nm, at which the switching function begins. */
    double getSwitchingDistance() const {
        return switchingDistance;
    }
    /** Set the distance, in nm, at which the switching function begins (0 <= distance < cutoff). */
    void setSwitchingDistance(double distance);
    /** Get what this force computes for electrostatics. */
    ElectrostaticsMode getElectrostaticsMode() const {
        return electrostaticsMode;
    }
    /** Set what this force computes for electrostatics. */
    void setElectrostaticsMode(ElectrostaticsMode mode);
    /** Get the dielectric constant of the reaction field (dimensionless). */
    double getReactionFieldDielectric() const {
        return reactionFieldDielectric;
    }
    /** Set the dielectric constant of the reaction field (dimensionless, > 0; default 78.3). */
    void setReactionFieldDielectric(double dielectric);
    /** Get alpha of the Lennard-Jones softcore (dimensionless). */
    double getSoftcoreAlpha() const {
        return softcoreAlpha;
    }
    /** Get the exponent a of lambda_sterics in front of the Lennard-Jones energy. */
    double getSoftcoreA() const {
        return softcoreA;
    }
    /** Get the exponent b of (1 - lambda_sterics) in the Lennard-Jones softcore radius. */
    double getSoftcoreB() const {
        return softcoreB;
    }
    /** Get the exponent c of the Lennard-Jones softcore radius. */
    double getSoftcoreC() const {
        return softcoreC;
    }
    /**
     * Set the Lennard-Jones softcore: r_LJ = sigma (alpha (1 - lambda_s)^b + (r/sigma)^c)^(1/c), energy scaled
     * by lambda_s^a.
     *
     * @param alpha  >= 0 (default 0.5; 0 gives plain linear scaling)
     * @param a      >= 1 (default 1)
     * @param b      >= 1 (default 1)
     * @param c      > 0 (default 6)
     */
    void setSoftcoreParameters(double alpha, double a, double b, double c);
    /** Get beta of the electrostatic softcore (dimensionless). */
    double getSoftcoreBeta() const {
        return softcoreBeta;
    }
    /** Get the exponent e of (1 - lambda_electrostatics) in the electrostatic softcore radius. */
    double getSoftcoreE() const {
        return softcoreE;
    }
    /** Get the exponent f of the electrostatic softcore radius. */
    double getSoftcoreF() const {
        return softcoreF;
    }
    /**
     * Set the electrostatic softcore: r_el = sigma (beta (1 - lambda_e)^e + (r/sigma)^f)^(1/f).
     *
     * @param beta  >= 0 (default 0: r_el = r, plain linear scaling)
     * @param e     >= 1 (default 1)
     * @param f     > 0 (default 1)
     */
    void setElectrostaticsSoftcoreParameters(double beta, double e, double f);
    /** Get whether the ligand's own (non-excluded) Lennard-Jones pairs are computed, at full strength. */
    bool getIncludeLigandInternalLJ() const {
        return includeLigandInternalLJ;
    }
    /**
     * Set whether to compute the Lennard-Jones interactions between the ligand's own non-excluded pairs, at
     * full strength, independent of lambda. decouple() uses this: the NonbondedForce no longer sees the
     * ligand's epsilons, so its intramolecular Lennard-Jones moves here and stays on (decoupling, not
     * annihilation, of sterics). Default false.
     */
    void setIncludeLigandInternalLJ(bool include);
    /** Get whether the ligand's share of the long-range dispersion correction is added (see class docs). */
    bool getUseDispersionCorrection() const {
        return useDispersionCorrection;
    }
    /** Set whether to add the ligand's share of the long-range dispersion correction (CutoffPeriodic only). */
    void setUseDispersionCorrection(bool use);
    /** Get the name of the Context parameter scaling sterics (default "lambda_sterics"). */
    const std::string& getStericsParameterName() const {
        return stericsParameter;
    }
    /** Set the name of the Context parameter scaling sterics. */
    void setStericsParameterName(const std::string& name);
    /** Get the name of the Context parameter scaling electrostatics (default "lambda_electrostatics"). */
    const std::string& getElectrostaticsParameterName() const {
        return electrostaticsParameter;
    }
    /** Set the name of the Context parameter scaling electrostatics. */
    void setElectrostaticsParameterName(const std::string& name);
    /** Get the default value of the sterics parameter (dimensionless, default 1). */
    double getDefaultStericsLambda() const {
        return defaultStericsLambda;
    }
    /** Set the value the sterics parameter takes in a new Context. */
    void setDefaultStericsLambda(double lambda);
    /** Get the default value of the electrostatics parameter (dimensionless, default 1). */
    double getDefaultElectrostaticsLambda() const {
        return defaultElectrostaticsLambda;
    }
    /** Set the value the electrostatics parameter takes in a new Context. */
    void setDefaultElectrostaticsLambda(double lambda);
    /**
     * Get whether this force defines its two parameters in the Context, with the default values above
     * (default true).
     */
    bool getDefinesParameters() const {
        return definesParameters;
    }
    /**
     * Set whether this force defines its two parameters in the Context. Set false when another Force of the
     * System defines parameters of the same names (a global parameter of a standard force): the Context then
     * takes their default values from that force alone, and tools that set a System's global parameters, such
     * as openmmtools' AlchemicalState, control this force too. decouple() does this: both lambdas are global
     * parameters of the NonbondedForce. A Context whose System defines neither name is an error.
     */
    void setDefinesParameters(bool defines);
    /**
     * Request the derivative of the energy with respect to a coupling parameter, reported by
     * State::getEnergyParameterDerivatives() in kJ/mol. The name must be the sterics or the electrostatics
     * parameter's.
     */
    void addEnergyParameterDerivative(const std::string& name);
    /** Get the number of parameters whose energy derivative is requested. */
    int getNumEnergyParameterDerivatives() const {
        return energyParameterDerivatives.size();
    }
    /** Get the name of the index-th parameter whose energy derivative is requested. */
    const std::string& getEnergyParameterDerivativeName(int index) const;
    /**
     * Copy changed settings into a Context: particle parameters, the ligand and environment sets, the
     * softcore parameters and the reaction-field dielectric (and, through them, the dispersion coefficient).
     * The number of particles, exclusions, nonbonded method, cutoff, switching, parameter names and electrostatics
     * mode cannot be changed this way: they need Context::reinitialize().
     */
    void updateParametersInContext(OpenMM::Context& context);
    /**
     * The potential energy of the whole System in a Context, in kJ/mol, in each of several lambda states, for the
     * Context's current positions: element k is the energy the Context would report with lambda_sterics =
     * lambdaSterics[k] and lambda_electrostatics = lambdaElectrostatics[k]. The Context is left as it was
     * (positions, parameters, the forces of the next step).
     *
     * How: one evaluation of the System as it is, one pass of this force's kernel over its pairs for all states
     * together, and — only when some state's lambda_electrostatics differs from the current one and a
     * NonbondedForce scales charges with it through parameter offsets (decouple's exact-PME route) — that
     * NonbondedForce's energy, which is exactly quadratic in lambda_electrostatics, A + B lambda + C lambda^2.
     * B and C are computed directly, as OpenMM defines the energy: pair sums over the pairs with a moving charge
     * (1/r with no cutoff, reaction field with a cutoff, erfc(alpha r)/r with PME, plus PME's exclusion
     * corrections and the exception offsets), and for PME the self energy and the reciprocal sum on the
     * Context's own grid and alpha (one FFT of the grid). On OpenCL and CUDA (OpenMM 8) all of it runs on the
     * device, from the charges the Context computes with (no positions are downloaded); on Reference, CPU and with
     * OpenMM 7.7 on the host, in double precision. So no evaluation at another lambda is needed. If the System's
     * NonbondedForce offsets (or, on the host route, charges) are no longer those the Context was created with, B
     * and C are fitted from the Context's own energies instead (two more evaluations of its group), so that the
     * result is always the Context's. Plain Ewald, LJPME, several such NonbondedForces, or a Custom*Force whose energy expression is a
     * polynomial of degree <= 2 in lambda_electrostatics (read from the expression itself, e.g. decouple()'s
     * restored internal electrostatics): the quadratic is instead fitted to the energy of the force groups holding
     * them at two more values of lambda_electrostatics (exact too, two more group evaluations). Any other force that
     * depends on either lambda makes this throw (it could not be exact), as do sigma/epsilon offsets. A NaN or
     * infinite position throws, naming the particle.
     *
     * @param context               a Context containing the System this force belongs to
     * @param lambdaSterics         lambda_sterics of each state, in [0, 1]
     * @param lambdaElectrostatics  lambda_electrostatics of each state, in [0, 1]; as many as lambdaSterics
     * @return the System's potential energy in each state (kJ/mol)
     */
    std::vector<double> getStateEnergies(OpenMM::Context& context, const std::vector<double>& lambdaSterics,
            const std::vector<double>& lambdaElectrostatics);
    /**
     * The exact derivatives of the whole System's potential energy in a Context with respect to this force's two
     * lambdas, at the Context's current positions and lambdas: {dU/dlambda_sterics, dU/dlambda_electrostatics}, in
     * kJ/mol. The Context is left as it was.
     *
     * Every force that reports parameter derivatives (this one, Custom*Forces that requested them) contributes its
     * own; a NonbondedForce whose charges follow lambda_electrostatics through offsets, which reports none,
     * contributes B + 2 C lambda_electrostatics with B and C computed exactly as for getStateEnergies() (no cutoff,
     * reaction field, PME; on the device on OpenCL and CUDA, in double precision on the host elsewhere). For plain Ewald or LJPME that NonbondedForce's force group
     * is instead evaluated at lambda_electrostatics = 0, 1/2 and 1 (exact to the platform's precision).
     *
     * Throws (naming the force) if this force did not request both derivatives (addEnergyParameterDerivative), if
     * another force depends on a lambda but reports no derivative, or for a NaN or infinite position.
     *
     * @param context  a Context containing the System this force belongs to
     * @return {dU/dlambda_sterics, dU/dlambda_electrostatics} in kJ/mol
     */
    std::vector<double> getLambdaDerivatives(OpenMM::Context& context);
    /**
     * How many times, in this process, the lambda_electrostatics coefficients of a NonbondedForce with charge
     * offsets (getStateEnergies(), getLambdaDerivatives()) have been computed on the host: positions downloaded,
     * pair and reciprocal sums on the CPU. That is the route of the Reference and CPU platforms and of OpenMM 7.7;
     * on OpenCL and CUDA with OpenMM 8 they are computed on the device and this count does not move. For tests
     * and diagnostics.
     */
    static long long getHostNonbondedQuadraticCount();
    /**
     * The interaction energy between the ligand and each of several groups of environment particles, for the
     * Context's current positions, in kJ/mol, from one pass over the ligand's pairs. For group g the result holds,
     * at index 4g: Lennard-Jones at full coupling (lambda_sterics = 1), 4g+1: Lennard-Jones at the current
     * lambda_sterics (softcore), 4g+2: electrostatics at full coupling, 4g+3: electrostatics at the current
     * lambda_electrostatics (the full value times lambda_electrostatics: the ligand's charges scale with it, as in
     * decouple()). Electrostatics is the direct-space pair term with this force's charges: erfc(alpha r)/r within
     * the cutoff with the Ewald alpha the Context's NonbondedForce uses (PME, LJPME, Ewald),
     * reaction field with this force's dielectric for the cutoff methods, plain Coulomb without a cutoff. Pairs the force excludes, and the ligand's own pairs, are not counted; the
     * Lennard-Jones terms summed over groups covering the environment equal the force's ligand–environment
     * Lennard-Jones. Nothing in the Context changes.
     *
     * @param context          a Context containing the System this force belongs to
     * @param particleGroups   the group of each particle (one entry per particle; -1: in no group)
     * @param numGroups        the number of groups (group indices are 0 .. numGroups-1)
     * @param ewaldAlpha       ALPHA_OF_THE_SYSTEM (the default): the System's, as above; or the Ewald screening
     *                         parameter to use (1/nm; 0: no screening, reaction field or plain Coulomb)
     * @return 4 numGroups energies (kJ/mol), as described
     */
    std::vector<double> getInteractionEnergies(OpenMM::Context& context, const std::vector<int>& particleGroups,
            int numGroups, double ewaldAlpha = ALPHA_OF_THE_SYSTEM);
    /** getInteractionEnergies()'s ewaldAlpha that means: the alpha of the System's NonbondedForce. */
    static constexpr double ALPHA_OF_THE_SYSTEM = -1.0;
    /** Whether this force uses periodic boundary conditions (true for CutoffPeriodic). */
    bool usesPeriodicBoundaryConditions() const {
        return nonbondedMethod == CutoffPeriodic;
    }

protected:
    OpenMM::ForceImpl* createImpl() const;

private:
    struct ParticleInfo {
        double charge, sigma, epsilon;
    };
    void checkParticle(int index, const char* what) const;
    std::vector<ParticleInfo> particles;
    std::vector<int> ligand, environment;
    std::vector<std::pair<int, int>> exclusions;
    NonbondedMethod nonbondedMethod;
    ElectrostaticsMode electrostaticsMode;
    double cutoffDistance, switchingDistance, reactionFieldDielectric;
    bool useSwitchingFunction, includeLigandInternalLJ, useDispersionCorrection;
    double softcoreAlpha, softcoreA, softcoreB, softcoreC, softcoreBeta, softcoreE, softcoreF;
    std::string stericsParameter, electrostaticsParameter;
    double defaultStericsLambda, defaultElectrostaticsLambda;
    bool definesParameters;
    std::vector<std::string> energyParameterDerivatives;
};

} // namespace OpenMMLigand

#endif /*OPENMM_LIGAND_COUPLING_FORCE_H_*/
