// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "internal/LigandCouplingForceImpl.h"
#include "LigandKernels.h"
#include "openmm/NonbondedForce.h"
#include "internal/LigandPairPotential.h"
#include "internal/PmeReciprocalQuadratic.h"
#include "openmm/Context.h"
#include "openmm/Platform.h"
#include "openmm/State.h"
#include "openmm/VerletIntegrator.h"
#include "openmm/CustomAngleForce.h"
#include "openmm/CustomBondForce.h"
#include "openmm/CustomCVForce.h"
#include "openmm/CustomCentroidBondForce.h"
#include "openmm/CustomCompoundBondForce.h"
#include "openmm/CustomExternalForce.h"
#include "openmm/CustomGBForce.h"
#include "openmm/CustomHbondForce.h"
#include "openmm/CustomManyParticleForce.h"
#include "openmm/CustomNonbondedForce.h"
#include "openmm/CustomTorsionForce.h"
#include "openmm/OpenMMException.h"
#include "openmm/internal/ContextImpl.h"
#include "openmm/internal/NonbondedForceImpl.h"
#include <cmath>
#include <set>
#include <sstream>

using namespace OpenMM;
using namespace OpenMMLigand;
using std::string;
using std::vector;

namespace {
void fail(const string& message) {
    throw OpenMMException("LigandCouplingForce: " + message);
}

template <class T>
string str(const T& value) {
    std::stringstream s;
    s << value;
    return s.str();
}

/** Checks that a list holds valid, distinct particle indices; marks them in membership with the given tag. */
void checkSet(const vector<int>& indices, const char* name, int numParticles, vector<char>& membership, char tag) {
    for (int index : indices) {
        if (index < 0 || index >= numParticles)
            fail(string(name) + " particle index out of range: " + str(index) + " (number of particles: " + str(numParticles) + ")");
        if (membership[index] == tag)
            fail(string("duplicate ") + name + " particle index: " + str(index));
        if (membership[index] != 0)
            fail("particle " + str(index) + " is in both the ligand and the environment");
        membership[index] = tag;
    }
}
}

LigandCouplingForceImpl::LigandCouplingForceImpl(const LigandCouplingForce& owner) : owner(owner) {
}

vector<int> LigandCouplingForceImpl::resolveEnvironment(const LigandCouplingForce& force) {
    if (!force.getEnvironmentParticles().empty())
        return force.getEnvironmentParticles();
    vector<char> inLigand(force.getNumParticles(), 0);
    for (int index : force.getLigandParticles())
        if (index >= 0 && index < force.getNumParticles())
            inLigand[index] = 1;
    vector<int> environment;
    for (int i = 0; i < force.getNumParticles(); i++)
        if (!inLigand[i])
            environment.push_back(i);
    return environment;
}

void LigandCouplingForceImpl::validate(const System& system, const LigandCouplingForce& force) {
    int numParticles = force.getNumParticles();
    if (numParticles != system.getNumParticles())
        fail("the force has " + str(numParticles) + " particles but the System has " + str(system.getNumParticles()));
    if (force.getLigandParticles().empty())
        fail("the ligand is empty: call setLigandParticles() with at least one particle");
    vector<char> membership(numParticles, 0);
    checkSet(force.getLigandParticles(), "ligand", numParticles, membership, 1);
    checkSet(force.getEnvironmentParticles(), "environment", numParticles, membership, 2);
    for (int i = 0; i < numParticles; i++) {
        double charge, sigma, epsilon;
        force.getParticleParameters(i, charge, sigma, epsilon);
        if (!(sigma >= 0) || !(epsilon >= 0) || !std::isfinite(charge) || !std::isfinite(sigma) || !std::isfinite(epsilon))
            fail("invalid parameters for particle " + str(i) + ": charge " + str(charge) + ", sigma " + str(sigma) +
                 ", epsilon " + str(epsilon) + " (sigma and epsilon must be finite and >= 0)");
    }
    for (int k = 0; k < force.getNumExclusions(); k++) {
        int p1, p2;
        force.getExclusionParticles(k, p1, p2);
        if (p1 < 0 || p1 >= numParticles || p2 < 0 || p2 >= numParticles)
            fail("exclusion " + str(k) + " refers to particle out of range: (" + str(p1) + ", " + str(p2) + ")");
        if (p1 == p2)
            fail("exclusion " + str(k) + " excludes particle " + str(p1) + " from itself");
    }
    bool cutoff = (force.getNonbondedMethod() != LigandCouplingForce::NoCutoff);
    if (cutoff && force.getUseSwitchingFunction()) {
        double s = force.getSwitchingDistance();
        if (!(s >= 0) || !(s < force.getCutoffDistance()))
            fail("the switching distance must satisfy 0 <= switching distance < cutoff, got " + str(s) +
                 " nm with cutoff " + str(force.getCutoffDistance()) + " nm");
    }
    if (force.getNonbondedMethod() == LigandCouplingForce::CutoffPeriodic) {
        Vec3 a, b, c;
        system.getDefaultPeriodicBoxVectors(a, b, c);
        double minWidth = std::min(a[0], std::min(b[1], c[2]));
        if (force.getCutoffDistance() > 0.5 * minWidth)
            fail("the cutoff (" + str(force.getCutoffDistance()) + " nm) is larger than half the smallest box width (" +
                 str(minWidth) + " nm)");
    }
    if (force.getStericsParameterName() == force.getElectrostaticsParameterName())
        fail("the sterics and electrostatics parameters have the same name '" + force.getStericsParameterName() + "'");
    for (int k = 0; k < force.getNumEnergyParameterDerivatives(); k++) {
        const string& name = force.getEnergyParameterDerivativeName(k);
        if (name != force.getStericsParameterName() && name != force.getElectrostaticsParameterName())
            fail("a derivative was requested for '" + name + "', which is neither '" + force.getStericsParameterName() +
                 "' nor '" + force.getElectrostaticsParameterName() + "'");
    }
}

double LigandCouplingForceImpl::calcDispersionCoefficient(const System& system, const LigandCouplingForce& force) {
    if (force.getNonbondedMethod() != LigandCouplingForce::CutoffPeriodic || !force.getUseDispersionCorrection())
        return 0.0;
    // OpenMM's coefficient is a mean-field sum over classes of (sigma, epsilon); building the two
    // NonbondedForces it needs costs O(N), done once per Context or parameter update, never per lambda.
    System particlesOnly;
    NonbondedForce all, ligandOff;
    for (NonbondedForce* f : {&all, &ligandOff}) {
        f->setNonbondedMethod(NonbondedForce::CutoffPeriodic);
        f->setCutoffDistance(force.getCutoffDistance());
        f->setUseSwitchingFunction(force.getUseSwitchingFunction());
        if (force.getUseSwitchingFunction())
            f->setSwitchingDistance(force.getSwitchingDistance());
    }
    for (int i = 0; i < force.getNumParticles(); i++) {
        double charge, sigma, epsilon;
        force.getParticleParameters(i, charge, sigma, epsilon);
        particlesOnly.addParticle(system.getParticleMass(i));
        all.addParticle(0.0, sigma, epsilon);
        ligandOff.addParticle(0.0, sigma, epsilon);
    }
    for (int i : force.getLigandParticles()) {
        double charge, sigma, epsilon;
        force.getParticleParameters(i, charge, sigma, epsilon);
        ligandOff.setParticleParameters(i, 0.0, sigma, 0.0);
    }
    return NonbondedForceImpl::calcDispersionCorrection(particlesOnly, all) -
           NonbondedForceImpl::calcDispersionCorrection(particlesOnly, ligandOff);
}

vector<std::pair<string, string> > LigandCouplingForceImpl::fixedSettings(const LigandCouplingForce& force) {
    vector<std::pair<string, string> > settings;
    settings.emplace_back("number of particles", str(force.getNumParticles()));
    string exclusions;
    for (int k = 0; k < force.getNumExclusions(); k++) {
        int p1, p2;
        force.getExclusionParticles(k, p1, p2);
        exclusions += str(p1) + "," + str(p2) + ";";
    }
    settings.emplace_back("exclusions", exclusions);
    settings.emplace_back("nonbonded method", str(force.getNonbondedMethod()));
    settings.emplace_back("cutoff distance", str(force.getCutoffDistance()));
    settings.emplace_back("use of the switching function", str(force.getUseSwitchingFunction()));
    settings.emplace_back("switching distance", str(force.getSwitchingDistance()));
    settings.emplace_back("electrostatics mode", str(force.getElectrostaticsMode()));
    settings.emplace_back("ligand-internal LJ setting", str(force.getIncludeLigandInternalLJ()));
    settings.emplace_back("dispersion correction setting", str(force.getUseDispersionCorrection()));
    settings.emplace_back("sterics parameter name", force.getStericsParameterName());
    settings.emplace_back("electrostatics parameter name", force.getElectrostaticsParameterName());
    settings.emplace_back("defines-parameters setting", str(force.getDefinesParameters()));
    string derivatives;
    for (int k = 0; k < force.getNumEnergyParameterDerivatives(); k++)
        derivatives += force.getEnergyParameterDerivativeName(k) + ";";
    settings.emplace_back("requested parameter derivatives", derivatives);
    return settings;
}

void LigandCouplingForceImpl::checkOpenMMVersion() {
    // OpenMM has no soname and its class layouts change between releases: a plugin compiled against one release
    // must not run inside another, where it would read the wrong memory rather than fail.
    string running = Platform::getOpenMMVersion();
    string built = str(OPENMMLIGAND_OPENMM_VERSION_MAJOR) + "." + str(OPENMMLIGAND_OPENMM_VERSION_MINOR);
    if (running != built && running.rfind(built + ".", 0) != 0)
        fail("openmm-ligand was built for OpenMM " + string(OPENMMLIGAND_OPENMM_VERSION) + " but is running in OpenMM " +
             running + "; rebuild or reinstall it against this OpenMM");
}

void LigandCouplingForceImpl::initialize(ContextImpl& context) {
    checkOpenMMVersion();
    const System& system = context.getSystem();
    validate(system, owner);
    initialSettings = fixedSettings(owner);
    kernel = context.getPlatform().createKernel(CalcLigandCouplingForceKernel::Name(), context);
    kernel.getAs<CalcLigandCouplingForceKernel>().initialize(system, owner, calcDispersionCoefficient(system, owner));
}

double LigandCouplingForceImpl::calcForcesAndEnergy(ContextImpl& context, bool includeForces, bool includeEnergy, int groups) {
    if ((groups & (1 << owner.getForceGroup())) != 0)
        return kernel.getAs<CalcLigandCouplingForceKernel>().execute(context, includeForces, includeEnergy);
    return 0.0;
}

std::map<string, double> LigandCouplingForceImpl::getDefaultParameters() {
    std::map<string, double> parameters;
    if (!owner.getDefinesParameters())
        return parameters;  // another force of the System defines them (setDefinesParameters)
    parameters[owner.getStericsParameterName()] = owner.getDefaultStericsLambda();
    parameters[owner.getElectrostaticsParameterName()] = owner.getDefaultElectrostaticsLambda();
    return parameters;
}

vector<string> LigandCouplingForceImpl::getKernelNames() {
    vector<string> names;
    names.push_back(CalcLigandCouplingForceKernel::Name());
    return names;
}

void LigandCouplingForceImpl::updateParametersInContext(ContextImpl& context) {
    const System& system = context.getSystem();
    vector<std::pair<string, string> > current = fixedSettings(owner);
    for (size_t k = 0; k < current.size(); k++)
        if (current[k] != initialSettings[k])
            fail("updateParametersInContext() cannot change the " + current[k].first +
                 "; call Context.reinitialize() after changing it");
    validate(system, owner);
    kernel.getAs<CalcLigandCouplingForceKernel>().copyParametersToContext(context, owner,
            calcDispersionCoefficient(system, owner));
    // Energies changed without positions changing: let OpenMM drop anything it cached (e.g. barostat state).
    context.systemChanged();
}

namespace {

/** Whether a Custom*Force of type T (if force is one) has a global parameter of this name. */
template <class T>
bool hasGlobalParameter(const Force& force, const string& name) {
    const T* custom = dynamic_cast<const T*>(&force);
    if (custom == nullptr)
        return false;
    for (int i = 0; i < custom->getNumGlobalParameters(); i++)
        if (custom->getGlobalParameterName(i) == name)
            return true;
    return false;
}

/** Whether a force of OpenMM's own depends on a Context parameter through a global parameter. */
bool dependsOnParameter(const Force& force, const string& name) {
    return hasGlobalParameter<CustomBondForce>(force, name) || hasGlobalParameter<CustomAngleForce>(force, name) ||
           hasGlobalParameter<CustomTorsionForce>(force, name) || hasGlobalParameter<CustomExternalForce>(force, name) ||
           hasGlobalParameter<CustomNonbondedForce>(force, name) || hasGlobalParameter<CustomCompoundBondForce>(force, name) ||
           hasGlobalParameter<CustomCentroidBondForce>(force, name) || hasGlobalParameter<CustomGBForce>(force, name) ||
           hasGlobalParameter<CustomHbondForce>(force, name) || hasGlobalParameter<CustomManyParticleForce>(force, name) ||
           hasGlobalParameter<CustomCVForce>(force, name);
}

/**
 * Whether a NonbondedForce has particle or exception parameter offsets driven by this parameter. With
 * chargesOnly, an offset of sigma or epsilon throws: the energy would not be a polynomial in the parameter.
 */
bool hasOffsets(const NonbondedForce& force, const string& name, bool chargesOnly) {
    string parameter;
    int index;
    double charge, sigma, epsilon;
    bool found = false;
    for (int i = 0; i < force.getNumParticleParameterOffsets() + force.getNumExceptionParameterOffsets(); i++) {
        if (i < force.getNumParticleParameterOffsets())
            force.getParticleParameterOffset(i, parameter, index, charge, sigma, epsilon);
        else
            force.getExceptionParameterOffset(i - force.getNumParticleParameterOffsets(), parameter, index, charge, sigma, epsilon);
        if (parameter != name)
            continue;
        found = true;
        if (chargesOnly && (sigma != 0.0 || epsilon != 0.0))
            fail("getStateEnergies(): a NonbondedForce offsets sigma or epsilon by '" + name +
                 "'; only charge offsets keep its energy a polynomial in it");
    }
    return found;
}

} // namespace

vector<double> LigandCouplingForceImpl::getStateEnergies(ContextImpl& context, const vector<double>& lambdaSterics,
                                                         const vector<double>& lambdaElectrostatics) {
    if (lambdaSterics.size() != lambdaElectrostatics.size())
        fail("getStateEnergies() needs as many lambda_electrostatics values (" + std::to_string(lambdaElectrostatics.size()) +
             ") as lambda_sterics values (" + std::to_string(lambdaSterics.size()) + ")");
    if (lambdaSterics.empty())
        fail("getStateEnergies() needs at least one state");
    for (size_t k = 0; k < lambdaSterics.size(); k++)
        for (double value : {lambdaSterics[k], lambdaElectrostatics[k]})
            if (!(value >= 0.0 && value <= 1.0)) {
                std::stringstream message;
                message << "getStateEnergies(): state " << k << " has lambda " << value << ", outside [0, 1]";
                fail(message.str());
            }
    const System& system = context.getSystem();
    const string sterics = owner.getStericsParameterName(), electrostatics = owner.getElectrostaticsParameterName();
    // The forces that depend on the lambdas besides this one: NonbondedForces whose offsets follow
    // lambda_electrostatics (exactly quadratic in it), and decouple's quadratic internal-electrostatics term beside them.
    int quadraticGroups = 0;
    vector<const NonbondedForce*> offsetNonbonded;
    bool otherQuadraticTerms = false;  // decouple's internal-electrostatics term beside the NonbondedForce
    for (int i = 0; i < system.getNumForces(); i++) {
        const NonbondedForce* nonbonded = dynamic_cast<const NonbondedForce*>(&system.getForce(i));
        if (nonbonded != nullptr) {
            if (hasOffsets(*nonbonded, sterics, false))
                fail("getStateEnergies(): a NonbondedForce has parameter offsets driven by '" + sterics +
                     "', the softcore sterics parameter; only its electrostatics parameter may drive offsets");
            if (hasOffsets(*nonbonded, electrostatics, true)) {
                quadraticGroups |= 1 << nonbonded->getForceGroup();
                offsetNonbonded.push_back(nonbonded);
            }
        }
    }
    for (int i = 0; i < system.getNumForces(); i++) {
        const Force& force = system.getForce(i);
        if (&force == &owner)
            continue;
        const LigandCouplingForce* other = dynamic_cast<const LigandCouplingForce*>(&force);
        if (other != nullptr && (other->getStericsParameterName() == sterics || other->getElectrostaticsParameterName() == sterics ||
                                 other->getStericsParameterName() == electrostatics || other->getElectrostaticsParameterName() == electrostatics))
            fail("getStateEnergies(): another LigandCouplingForce uses the same lambda parameters");
        if (dependsOnParameter(force, sterics))
            fail("getStateEnergies(): force " + std::to_string(i) + " (" + force.getName() + ") depends on '" + sterics +
                 "' in a way this force cannot account for exactly");
        if (dependsOnParameter(force, electrostatics)) {
            bool quadratic = dynamic_cast<const CustomBondForce*>(&force) != nullptr && force.getName() == "LigandInternalElectrostatics" &&
                             (quadraticGroups & (1 << force.getForceGroup())) != 0;
            otherQuadraticTerms = true;
            if (!quadratic)
                fail("getStateEnergies(): force " + std::to_string(i) + " (" + force.getName() + ") depends on '" + electrostatics +
                     "' in a way this force cannot account for exactly");
        }
    }
    const double currentSterics = context.getParameter(sterics), currentElectrostatics = context.getParameter(electrostatics);
    bool fitNonbonded = false;
    if (quadraticGroups != 0)
        for (double value : lambdaElectrostatics)
            fitNonbonded |= (value != currentElectrostatics);

    // One kernel pass: the requested states, the current one, and lambda_e = 0, 1/2, 1 at the current lambda_s
    // (this force's own part of the NonbondedForce's group, taken out of the group energies below).
    const int numStates = lambdaSterics.size();
    vector<double> passSterics = lambdaSterics, passElectrostatics = lambdaElectrostatics;
    const double fitPoints[3] = {0.0, 0.5, 1.0};
    passSterics.push_back(currentSterics);
    passElectrostatics.push_back(currentElectrostatics);
    for (double x : fitPoints) {
        passSterics.push_back(currentSterics);
        passElectrostatics.push_back(x);
    }
    vector<double> own = kernel.getAs<CalcLigandCouplingForceKernel>().computeStateEnergies(context, passSterics, passElectrostatics);
    const double ownCurrent = own[numStates];
    auto ownAt = [&](double x) { return own[numStates + 1 + (x == 0.0 ? 0 : x == 0.5 ? 1 : 2)]; };
    if (!fitNonbonded) {
        double total = context.calcForcesAndEnergy(false, true);
        vector<double> energies(numStates);
        for (int k = 0; k < numStates; k++)
            energies[k] = total - ownCurrent + own[k];
        return energies;
    }
    // One NonbondedForce whose charges follow lambda_e, nothing else quadratic in it, and no cutoff, reaction field
    // or PME: B and C computed directly, exactly as OpenMM's NonbondedForce defines its energy (direct-space pair
    // sums; for PME also the exclusion corrections, the self energy and the reciprocal sum on the Context's own
    // grid). The System is evaluated once, at the current lambda.
    const NonbondedForce::NonbondedMethod method = offsetNonbonded[0]->getNonbondedMethod();
    // (Not LJPME: OpenMM 7.7's OpenCL platform will not report its grid, getPMEParametersInContext throws.)
    if (offsetNonbonded.size() == 1 && !otherQuadraticTerms && method != NonbondedForce::Ewald && method != NonbondedForce::LJPME) {
        double b, c;
        nonbondedCoefficients(context, *offsetNonbonded[0], b, c);
        double total = context.calcForcesAndEnergy(false, true);
        const double x0 = currentElectrostatics;
        vector<double> energies(numStates);
        for (int k = 0; k < numStates; k++) {
            double x = lambdaElectrostatics[k];
            energies[k] = total - ownCurrent + own[k] + b * (x - x0) + c * (x * x - x0 * x0);
        }
        return energies;
    }
    // Otherwise: the group holding the NonbondedForce(s), and everything else, evaluated apart (the group once more
    // at two other lambda_e): their sum is the System's energy now, and the group's part R(lambda_e) - the group
    // energy without this force's own share - is exactly A + B lambda + C lambda^2 (charges linear in lambda_e).
    const bool ownInGroup = (quadraticGroups & (1 << owner.getForceGroup())) != 0;
    auto groupPart = [&](double groupEnergy, double x) { return groupEnergy - (ownInGroup ? ownAt(x) : 0.0); };
    const int allGroups = -1;
    double groupNow = context.calcForcesAndEnergy(false, true, quadraticGroups);
    double others = ((allGroups & ~quadraticGroups) != 0 ? context.calcForcesAndEnergy(false, true, allGroups & ~quadraticGroups) : 0.0);
    double total = groupNow + others;
    double rNow = groupNow - (ownInGroup ? ownCurrent : 0.0);
    vector<double> points, values;
    for (double x : fitPoints)
        if (x != currentElectrostatics && points.size() < 2)
            points.push_back(x);
    try {
        for (double x : points) {
            context.setParameter(electrostatics, x);
            values.push_back(groupPart(context.calcForcesAndEnergy(false, true, quadraticGroups), x));
        }
    }
    catch (...) {
        context.setParameter(electrostatics, currentElectrostatics);
        throw;
    }
    context.setParameter(electrostatics, currentElectrostatics);
    // The parabola through (x0, rNow), (x1, values[0]), (x2, values[1]).
    const double x0 = currentElectrostatics, x1 = points[0], x2 = points[1];
    const double d1 = (values[0] - rNow) / (x1 - x0), d2 = (values[1] - rNow) / (x2 - x0);
    const double c = (d2 - d1) / (x2 - x1);
    const double b = d1 - c * (x1 + x0);
    vector<double> energies(numStates);
    for (int k = 0; k < numStates; k++) {
        double x = lambdaElectrostatics[k];
        energies[k] = total - ownCurrent + own[k] + b * (x - x0) + c * (x * x - x0 * x0);
    }
    return energies;
}

/**
 * Whether this OpenMM counts the energy of the neutralizing plasma in a charged periodic box with PME,
 * -q_total^2 / (8 eps0 V alpha^2), with the reciprocal part (newer releases do; 7.7 does not). Measured once, on the
 * Reference platform: one unit charge in a box, against the self and reciprocal energies computed here.
 */
static bool countsNeutralizingPlasma() {
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
        PmeReciprocalQuadratic(grid, grid, grid).computeCoefficients(positions, {0.0}, {1.0}, box, alpha, linear, quadratic);
        const double withoutPlasma = quadratic - ONE_4PI_EPS0_LIGAND * alpha / std::sqrt(M_PI);
        const double plasma = ONE_4PI_EPS0_LIGAND * M_PI / (2.0 * edge * edge * edge * alpha * alpha);
        return std::fabs(energy - (withoutPlasma - plasma)) < std::fabs(energy - withoutPlasma);
    }();
    return counts;
}

void LigandCouplingForceImpl::nonbondedCoefficients(ContextImpl& context, const NonbondedForce& nonbonded, double& b, double& c) {
    // Charges q_i(lambda) = q_i + lambda dq_i and exception charge products qq_e(lambda) = qq_e + lambda dqq_e.
    // NonbondedForce's electrostatics (OpenMM's definition, every platform), with K = ONE_4PI_EPS0:
    //  - non-excluded pairs within the cutoff: K q_i q_j times 1/r (no cutoff), 1/r + krf r^2 - crf (reaction
    //    field), erfc(alpha r)/r (PME);
    //  - excluded pairs (every exception): nothing, except with PME: -K q_i q_j erf(alpha r)/r at any distance;
    //  - exceptions: K qq_e / r, no cutoff;
    //  - PME: the self energy -K alpha/sqrt(pi) sum q_i^2 and the reciprocal sum (a quadratic form in the charges).
    // So the lambda and lambda^2 coefficients are sums over terms with at least one offset charge.
    const string name = owner.getElectrostaticsParameterName();
    const int numParticles = nonbonded.getNumParticles();
    vector<double> base(numParticles), delta(numParticles, 0.0);
    string parameter;
    int index;
    double charge, sigma, epsilon;
    for (int i = 0; i < numParticles; i++)
        nonbonded.getParticleParameters(i, base[i], sigma, epsilon);
    vector<int> offsetParticles;
    for (int i = 0; i < nonbonded.getNumParticleParameterOffsets(); i++) {
        nonbonded.getParticleParameterOffset(i, parameter, index, charge, sigma, epsilon);
        if (parameter == name) {
            if (delta[index] == 0.0)
                offsetParticles.push_back(index);
            delta[index] += charge;
        }
    }
    vector<Vec3> positions;
    context.getPositions(positions);
    Vec3 box[3];
    context.getPeriodicBoxVectors(box[0], box[1], box[2]);
    const NonbondedForce::NonbondedMethod method = nonbonded.getNonbondedMethod();
    const bool ewald = (method == NonbondedForce::PME);
    const bool cutoff = (method != NonbondedForce::NoCutoff), periodic = (method != NonbondedForce::NoCutoff &&
                                                                          method != NonbondedForce::CutoffNonPeriodic);
    const bool periodicExceptions = periodic && nonbonded.getExceptionsUsePeriodicBoundaryConditions();
    const double rc = nonbonded.getCutoffDistance(), eps = nonbonded.getReactionFieldDielectric(), rc2 = rc * rc;
    const double krf = (cutoff && !ewald) ? std::pow(rc, -3.0) * (eps - 1.0) / (2.0 * eps + 1.0) : 0.0;
    const double crf = (cutoff && !ewald) ? (1.0 / rc) * (3.0 * eps) / (2.0 * eps + 1.0) : 0.0;
    double alpha = 0.0;
    int gridX = 0, gridY = 0, gridZ = 0;
    if (ewald) {
        // OpenMM's CPU platform (7.7 and 8.6) sets up its PME at the first evaluation, and until then answers
        // getPMEParametersInContext from an uninitialized flag: a std::bad_cast or another garbage outcome. So
        // the NonbondedForce's group is evaluated once in each Context before its grid is asked for.
        if (!nonbondedEvaluated) {
            context.calcForcesAndEnergy(false, true, 1 << nonbonded.getForceGroup());
            nonbondedEvaluated = true;
        }
        nonbonded.getPMEParametersInContext(context.getOwner(), alpha, gridX, gridY, gridZ);
    }
    auto distance = [&](int i, int j, bool usePeriodic) {
        Vec3 d = usePeriodic ? periodicDelta(positions[i], positions[j], box) : positions[j] - positions[i];
        return std::sqrt(d.dot(d));
    };
    b = c = 0.0;
    // Excluded pairs with an offset charge: skipped by the pair sum; with PME they get the exclusion correction.
    vector<vector<int> > excludedPartners(numParticles);
    for (int i = 0; i < nonbonded.getNumExceptions(); i++) {
        int p1, p2;
        double chargeProd;
        nonbonded.getExceptionParameters(i, p1, p2, chargeProd, sigma, epsilon);
        if (delta[p1] == 0.0 && delta[p2] == 0.0)
            continue;
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
    vector<int> excludedFrom(numParticles, -1);  // excludedFrom[j] == i: the pair (i, j) is excluded
    for (int i : offsetParticles) {
        for (int j : excludedPartners[i])
            excludedFrom[j] = i;
        for (int j : near) {
            if (j == i || (isOffset[j] && j < i) || excludedFrom[j] == i)
                continue;  // each offset-offset pair once; excluded pairs above
            Vec3 d = periodic ? periodicDelta(positions[i], positions[j], box) : positions[j] - positions[i];
            double r2 = d.dot(d);
            if (cutoff && r2 >= rc2)
                continue;
            double r = std::sqrt(r2);
            double kernel = ewald ? std::erfc(alpha * r) / r : cutoff ? 1.0 / r + krf * r2 - crf : 1.0 / r;
            b += ONE_4PI_EPS0_LIGAND * (delta[i] * base[j] + base[i] * delta[j]) * kernel;
            c += ONE_4PI_EPS0_LIGAND * delta[i] * delta[j] * kernel;
        }
    }
    for (int i = 0; i < nonbonded.getNumExceptionParameterOffsets(); i++) {
        nonbonded.getExceptionParameterOffset(i, parameter, index, charge, sigma, epsilon);
        if (parameter != name || charge == 0.0)
            continue;
        int p1, p2;
        double chargeProd;
        nonbonded.getExceptionParameters(index, p1, p2, chargeProd, sigma, epsilon);
        b += ONE_4PI_EPS0_LIGAND * charge / distance(p1, p2, periodicExceptions);
    }
    if (ewald) {
        double sumProducts = 0.0, sumSquares = 0.0;
        for (int i : offsetParticles) {
            sumProducts += base[i] * delta[i];
            sumSquares += delta[i] * delta[i];
        }
        const double self = ONE_4PI_EPS0_LIGAND * alpha / std::sqrt(M_PI);
        b -= 2.0 * self * sumProducts;
        c -= self * sumSquares;
        if (countsNeutralizingPlasma()) {
            // -K pi/(2 V alpha^2) (Q + lambda dQ)^2, Q and dQ the box's net charge and its change per unit of lambda.
            double netCharge = 0.0, netSlope = 0.0;
            for (int i = 0; i < numParticles; i++) {
                netCharge += base[i];
                netSlope += delta[i];
            }
            const double plasma = ONE_4PI_EPS0_LIGAND * M_PI / (2.0 * box[0][0] * box[1][1] * box[2][2] * alpha * alpha);
            b -= 2.0 * plasma * netCharge * netSlope;
            c -= plasma * netSlope * netSlope;
        }
        if (!reciprocal || !reciprocal->hasGrid(gridX, gridY, gridZ))
            reciprocal = std::make_shared<PmeReciprocalQuadratic>(gridX, gridY, gridZ);
        double linear, quadratic;
        reciprocal->computeCoefficients(positions, base, delta, box, alpha, linear, quadratic);
        b += linear;
        c += quadratic;
    }
}

vector<double> LigandCouplingForceImpl::getInteractionEnergies(ContextImpl& context, const vector<int>& particleGroups,
                                                               int numGroups, double ewaldAlpha) {
    const int numParticles = context.getSystem().getNumParticles();
    if ((int) particleGroups.size() != numParticles)
        fail("getInteractionEnergies(): " + std::to_string(particleGroups.size()) + " group entries for " +
             std::to_string(numParticles) + " particles (one per particle, -1 for none)");
    if (numGroups < 0)
        fail("getInteractionEnergies(): the number of groups is negative (" + std::to_string(numGroups) + ")");
    for (int i = 0; i < numParticles; i++)
        if (particleGroups[i] < -1 || particleGroups[i] >= numGroups)
            fail("getInteractionEnergies(): particle " + std::to_string(i) + " is in group " + std::to_string(particleGroups[i]) +
                 ", outside -1 .. " + std::to_string(numGroups - 1));
    if (!(ewaldAlpha >= 0.0) || !std::isfinite(ewaldAlpha))
        fail("getInteractionEnergies(): ewaldAlpha must be >= 0 (1/nm)");
    if (ewaldAlpha > 0.0 && owner.getNonbondedMethod() != LigandCouplingForce::CutoffPeriodic)
        fail("getInteractionEnergies(): ewaldAlpha > 0 needs the CutoffPeriodic method (PME/Ewald Systems)");
    if (numGroups == 0)
        return vector<double>();
    return kernel.getAs<CalcLigandCouplingForceKernel>().computeInteractionEnergies(context, particleGroups, numGroups, ewaldAlpha);
}
