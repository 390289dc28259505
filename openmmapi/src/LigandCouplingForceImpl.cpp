// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "internal/LigandCouplingForceImpl.h"
#include "LambdaDependence.h"
#include "LigandError.h"
#include "LigandKernels.h"
#include "NonbondedChargeOffsets.h"
#include "NonbondedLambdaQuadratic.h"
#include "PositionCheck.h"
#include "openmm/NonbondedForce.h"
#include "openmm/Platform.h"
#include "openmm/internal/ContextImpl.h"
#include "openmm/internal/NonbondedForceImpl.h"
#include <cmath>

using namespace OpenMM;
using namespace OpenMMLigand;
using std::string;
using std::vector;

namespace {
/** Checks that a list holds valid, distinct particle indices; marks them in membership with the given tag. */
void checkSet(const vector<int>& indices, const char* name, int numParticles, vector<char>& membership, char tag) {
    for (int index : indices) {
        if (index < 0 || index >= numParticles)
            throwLigandError(string(name) + " particle index out of range: " + toText(index) +
                             " (number of particles: " + toText(numParticles) + ")");
        if (membership[index] == tag)
            throwLigandError(string("duplicate ") + name + " particle index: " + toText(index));
        if (membership[index] != 0)
            throwLigandError("particle " + toText(index) + " is in both the ligand and the environment");
        membership[index] = tag;
    }
}
} // namespace

LigandCouplingForceImpl::LigandCouplingForceImpl(const LigandCouplingForce& owner) : owner(owner) {
}

LigandCouplingForceImpl::~LigandCouplingForceImpl() {
}

NonbondedLambdaQuadratic& LigandCouplingForceImpl::nonbondedQuadratic() {
    if (!nonbondedQuadraticPtr)
        nonbondedQuadraticPtr.reset(new NonbondedLambdaQuadratic());
    return *nonbondedQuadraticPtr;
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
        throwLigandError("the force has " + toText(numParticles) + " particles but the System has " +
                         toText(system.getNumParticles()));
    if (force.getLigandParticles().empty())
        throwLigandError("the ligand is empty: call setLigandParticles() with at least one particle");
    vector<char> membership(numParticles, 0);
    checkSet(force.getLigandParticles(), "ligand", numParticles, membership, 1);
    checkSet(force.getEnvironmentParticles(), "environment", numParticles, membership, 2);
    for (int i = 0; i < numParticles; i++) {
        double charge, sigma, epsilon;
        force.getParticleParameters(i, charge, sigma, epsilon);
        if (!(sigma >= 0) || !(epsilon >= 0) || !std::isfinite(charge) || !std::isfinite(sigma) ||
                !std::isfinite(epsilon))
            throwLigandError("invalid parameters for particle " + toText(i) + ": charge " + toText(charge) +
                             ", sigma " + toText(sigma) + ", epsilon " + toText(epsilon) +
                             " (sigma and epsilon must be finite and >= 0)");
    }
    for (int k = 0; k < force.getNumExclusions(); k++) {
        int p1, p2;
        force.getExclusionParticles(k, p1, p2);
        if (p1 < 0 || p1 >= numParticles || p2 < 0 || p2 >= numParticles)
            throwLigandError("exclusion " + toText(k) + " refers to particle out of range: (" + toText(p1) + ", " +
                             toText(p2) + ")");
        if (p1 == p2)
            throwLigandError("exclusion " + toText(k) + " excludes particle " + toText(p1) + " from itself");
    }
    bool cutoff = (force.getNonbondedMethod() != LigandCouplingForce::NoCutoff);
    if (cutoff && force.getUseSwitchingFunction()) {
        double s = force.getSwitchingDistance();
        if (!(s >= 0) || !(s < force.getCutoffDistance()))
            throwLigandError("the switching distance must satisfy 0 <= switching distance < cutoff, got " + toText(s) +
                             " nm with cutoff " + toText(force.getCutoffDistance()) + " nm");
    }
    if (force.getNonbondedMethod() == LigandCouplingForce::CutoffPeriodic) {
        Vec3 a, b, c;
        system.getDefaultPeriodicBoxVectors(a, b, c);
        double minWidth = std::min(a[0], std::min(b[1], c[2]));
        if (force.getCutoffDistance() > 0.5 * minWidth)
            throwLigandError("the cutoff (" + toText(force.getCutoffDistance()) +
                             " nm) is larger than half the smallest box width (" + toText(minWidth) + " nm)");
    }
    if (force.getStericsParameterName() == force.getElectrostaticsParameterName())
        throwLigandError("the sterics and electrostatics parameters have the same name '" +
                         force.getStericsParameterName() + "'");
    for (int k = 0; k < force.getNumEnergyParameterDerivatives(); k++) {
        const string& name = force.getEnergyParameterDerivativeName(k);
        if (name != force.getStericsParameterName() && name != force.getElectrostaticsParameterName())
            throwLigandError("a derivative was requested for '" + name + "', which is neither '" +
                             force.getStericsParameterName() + "' nor '" + force.getElectrostaticsParameterName() +
                             "'");
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

vector<std::pair<string, string>> LigandCouplingForceImpl::fixedSettings(const LigandCouplingForce& force) {
    vector<std::pair<string, string>> settings;
    settings.emplace_back("number of particles", toText(force.getNumParticles()));
    string exclusions;
    for (int k = 0; k < force.getNumExclusions(); k++) {
        int p1, p2;
        force.getExclusionParticles(k, p1, p2);
        exclusions += toText(p1) + "," + toText(p2) + ";";
    }
    settings.emplace_back("exclusions", exclusions);
    settings.emplace_back("nonbonded method", toText(force.getNonbondedMethod()));
    settings.emplace_back("cutoff distance", toText(force.getCutoffDistance()));
    settings.emplace_back("use of the switching function", toText(force.getUseSwitchingFunction()));
    settings.emplace_back("switching distance", toText(force.getSwitchingDistance()));
    settings.emplace_back("electrostatics mode", toText(force.getElectrostaticsMode()));
    settings.emplace_back("ligand-internal LJ setting", toText(force.getIncludeLigandInternalLJ()));
    settings.emplace_back("dispersion correction setting", toText(force.getUseDispersionCorrection()));
    settings.emplace_back("sterics parameter name", force.getStericsParameterName());
    settings.emplace_back("electrostatics parameter name", force.getElectrostaticsParameterName());
    settings.emplace_back("defines-parameters setting", toText(force.getDefinesParameters()));
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
    string built = toText(OPENMMLIGAND_OPENMM_VERSION_MAJOR) + "." + toText(OPENMMLIGAND_OPENMM_VERSION_MINOR);
    if (running != built && running.rfind(built + ".", 0) != 0)
        throwLigandError("openmm-ligand was built for OpenMM " + string(OPENMMLIGAND_OPENMM_VERSION) +
                         " but is running in OpenMM " + running + "; rebuild or reinstall it against this OpenMM");
}

void LigandCouplingForceImpl::initialize(ContextImpl& context) {
    checkOpenMMVersion();
    const System& system = context.getSystem();
    validate(system, owner);
    initialSettings = fixedSettings(owner);
    kernel = context.getPlatform().createKernel(CalcLigandCouplingForceKernel::Name(), context);
    kernel.getAs<CalcLigandCouplingForceKernel>().initialize(system, owner, calcDispersionCoefficient(system, owner));
    // What the Context's NonbondedForces compute with: the System as it is now. The System object may be edited
    // later without the Context seeing it (until updateParametersInContext), so the per-call routes start from this.
    nonbondedSnapshots.clear();
    nonbondedSnapshots.resize(system.getNumForces());
    for (int i = 0; i < system.getNumForces(); i++) {
        const NonbondedForce* nonbonded = dynamic_cast<const NonbondedForce*>(&system.getForce(i));
        if (nonbonded == nullptr)
            continue;
        nonbondedSnapshots[i].reset(
                new NonbondedChargeOffsets(*nonbonded, owner.getElectrostaticsParameterName(), true));
        // The alpha every platform's NonbondedForce kernel takes from NonbondedForceImpl at its initialization (only
        // the PME grid is then rounded per platform): known here without evaluating anything.
        int nx, ny, nz;
        const NonbondedForce::NonbondedMethod method = nonbonded->getNonbondedMethod();
        double& alpha = nonbondedSnapshots[i]->ewaldAlpha;
        if (method == NonbondedForce::PME || method == NonbondedForce::LJPME)
            NonbondedForceImpl::calcPMEParameters(system, *nonbonded, alpha, nx, ny, nz, false);
        else if (method == NonbondedForce::Ewald)
            NonbondedForceImpl::calcEwaldParameters(system, *nonbonded, alpha, nx, ny, nz);
    }
}

bool LigandCouplingForceImpl::exactNonbondedCoefficients(
        ContextImpl& context, int forceIndex, const NonbondedForce& force, double evaluatedAt, double& b, double& c) {
    const NonbondedChargeOffsets* kept =
            (forceIndex < (int) nonbondedSnapshots.size() ? nonbondedSnapshots[forceIndex].get() : nullptr);
    if (kept == nullptr)
        return false; // a NonbondedForce the Context was not created with
    // O(offsets) on every call; the host route reads every charge anyway, and compares them too.
    const bool device = kernel.getAs<CalcLigandCouplingForceKernel>().computesNonbondedQuadratic(context);
    if (!(NonbondedChargeOffsets::readOffsets(force, owner.getElectrostaticsParameterName()) == kept->offsets))
        return false;
    if (!device && !kept->hasBaseCharges(force))
        return false;
    nonbondedCoefficients(context, force, *kept, evaluatedAt, b, c);
    return true;
}

void LigandCouplingForceImpl::nonbondedCoefficients(ContextImpl& context, const NonbondedForce& force,
        const NonbondedChargeOffsets& offsets, double evaluatedAt, double& b, double& c) {
    CalcLigandCouplingForceKernel& k = kernel.getAs<CalcLigandCouplingForceKernel>();
    if (k.computesNonbondedQuadratic(context)) {
        double alpha = 0.0;
        int grid[3] = {0, 0, 0};
        if (offsets.method == NonbondedForce::PME)
            nonbondedQuadratic().pmeParameters(context, force, alpha, grid[0], grid[1], grid[2]);
        k.computeNonbondedQuadratic(context, offsets, evaluatedAt, alpha, grid, openmmCountsNeutralizingPlasma(), b, c);
    }
    else
        nonbondedQuadratic().compute(context, force, offsets, b, c);
}

void LigandCouplingForceImpl::adoptIfSystemMatches(ContextImpl& context, int forceIndex, const NonbondedForce& force,
        double evaluatedAt, double bFit, double cFit, double scale) {
    if (forceIndex >= (int) nonbondedSnapshots.size())
        return;
    std::unique_ptr<NonbondedChargeOffsets> current(
            new NonbondedChargeOffsets(force, owner.getElectrostaticsParameterName(), true));
    double b, c;
    nonbondedCoefficients(context, force, *current, evaluatedAt, b, c);
    // The fit's error is that of energy differences of the groups; a change of the System that matters moves b or
    // c by far more (scaling the ligand's offsets by 0.99 moves b by ~1%).
    const double tolerance = 1e-4 * (std::fabs(bFit) + std::fabs(cFit)) + 1e-5 * scale + 1e-6;
    if (std::fabs(b - bFit) + std::fabs(c - cFit) <= tolerance)
        nonbondedSnapshots[forceIndex] = std::move(current);
}

double LigandCouplingForceImpl::calcForcesAndEnergy(
        ContextImpl& context, bool includeForces, bool includeEnergy, int groups) {
    if ((groups & (1 << owner.getForceGroup())) != 0)
        return kernel.getAs<CalcLigandCouplingForceKernel>().execute(context, includeForces, includeEnergy);
    return 0.0;
}

std::map<string, double> LigandCouplingForceImpl::getDefaultParameters() {
    std::map<string, double> parameters;
    if (!owner.getDefinesParameters())
        return parameters; // another force of the System defines them (setDefinesParameters)
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
    vector<std::pair<string, string>> current = fixedSettings(owner);
    for (size_t k = 0; k < current.size(); k++)
        if (current[k] != initialSettings[k])
            throwLigandError("updateParametersInContext() cannot change the " + current[k].first +
                             "; call Context.reinitialize() after changing it");
    validate(system, owner);
    kernel.getAs<CalcLigandCouplingForceKernel>().copyParametersToContext(
            context, owner, calcDispersionCoefficient(system, owner));
    // Energies changed without positions changing: let OpenMM drop anything it cached (e.g. barostat state).
    context.systemChanged();
}

namespace {

void checkLambdas(const vector<double>& lambdaSterics, const vector<double>& lambdaElectrostatics) {
    if (lambdaSterics.size() != lambdaElectrostatics.size())
        throwLigandError("getStateEnergies() needs as many lambda_electrostatics values (", lambdaElectrostatics.size(),
                ") as lambda_sterics values (", lambdaSterics.size(), ")");
    if (lambdaSterics.empty())
        throwLigandError("getStateEnergies() needs at least one state");
    for (size_t k = 0; k < lambdaSterics.size(); k++)
        for (double value : {lambdaSterics[k], lambdaElectrostatics[k]})
            if (!(value >= 0.0 && value <= 1.0))
                throwLigandError("getStateEnergies(): state ", k, " has lambda ", value, ", outside [0, 1]");
}

/** The forces a lambda_electrostatics fit must evaluate together: the offset NonbondedForces' groups and the groups
 *  of Custom forces quadratic in it; throws for a dependence that is not exactly representable. */
int quadraticGroups(const LambdaDependence& dependence, const LigandCouplingForce& owner, const string& caller) {
    int groups = dependence.getOffsetNonbondedGroups();
    for (const LambdaDependence::DependentForce& f : dependence.getForces()) {
        if (f.stericsDegree != 0)
            throwLigandError(caller, ": force ", f.index, " (", f.kind, ") depends on '",
                    owner.getStericsParameterName(), "' in a way this force cannot account for exactly");
        if (f.electrostaticsDegree > 2)
            throwLigandError(caller, ": force ", f.index, " (", f.kind, ") depends on '",
                    owner.getElectrostaticsParameterName(),
                    "', and its energy is not a polynomial of degree <= 2 in it");
        if (f.electrostaticsDegree > 0)
            groups |= 1 << f.group;
    }
    return groups;
}

} // namespace

void LigandCouplingForceImpl::checkResults(ContextImpl& context, const vector<double>& values, const char* what) {
    for (size_t k = 0; k < values.size(); k++) {
        if (std::isnan(values[k])) {
            // On the GPUs a NaN or infinite coordinate shows up only here: find it, and say so.
            vector<Vec3> positions;
            context.getPositions(positions);
            checkPositions(positions);
            throwLigandError(what, " ", k, " is NaN although every position is finite: check the force's parameters");
        }
    }
}

vector<double> LigandCouplingForceImpl::getStateEnergies(
        ContextImpl& context, const vector<double>& lambdaSterics, const vector<double>& lambdaElectrostatics) {
    checkLambdas(lambdaSterics, lambdaElectrostatics);
    const string electrostatics = owner.getElectrostaticsParameterName();
    LambdaDependence dependence(context.getSystem(), owner, "getStateEnergies()");
    const int groups = quadraticGroups(dependence, owner, "getStateEnergies()");
    const double currentSterics = context.getParameter(owner.getStericsParameterName());
    const double currentElectrostatics = context.getParameter(electrostatics);
    bool fit = false;
    if (groups != 0)
        for (double value : lambdaElectrostatics)
            fit |= (value != currentElectrostatics);

    // One kernel pass: the requested states, the current one, and lambda_e = 0, 1/2, 1 at the current lambda_s
    // (this force's own part of the fitted groups, taken out of the group energies below).
    const int numStates = lambdaSterics.size();
    vector<double> passSterics = lambdaSterics, passElectrostatics = lambdaElectrostatics;
    const double fitPoints[3] = {0.0, 0.5, 1.0};
    passSterics.push_back(currentSterics);
    passElectrostatics.push_back(currentElectrostatics);
    for (double x : fitPoints) {
        passSterics.push_back(currentSterics);
        passElectrostatics.push_back(x);
    }
    vector<double> own = kernel.getAs<CalcLigandCouplingForceKernel>().computeStateEnergies(
            context, passSterics, passElectrostatics);
    checkResults(context, own, "getStateEnergies(): this force's energy in state");
    const double ownCurrent = own[numStates];
    auto ownAt = [&](double x) { return own[numStates + 1 + (x == 0.0 ? 0 : x == 0.5 ? 1 : 2)]; };
    double b = 0.0, c = 0.0, total = 0.0;
    const vector<const NonbondedForce*>& offsetNonbonded = dependence.getOffsetNonbonded();
    // One NonbondedForce whose charges follow lambda_e and nothing else that depends on it: b and c computed
    // directly as OpenMM defines its energy; the System is evaluated once, at the current lambda (first: on the
    // GPUs the NonbondedForce's device charges are then the current ones, which the device route reads).
    const bool direct = fit && offsetNonbonded.size() == 1 && dependence.getForces().size() == 1 &&
                        NonbondedLambdaQuadratic::covers(*offsetNonbonded[0]);
    bool solved = !fit;
    if (!fit || direct)
        total = context.calcForcesAndEnergy(false, true);
    if (direct)
        solved = exactNonbondedCoefficients(
                context, dependence.getForces()[0].index, *offsetNonbonded[0], currentElectrostatics, b, c);
    if (!solved) {
        // Otherwise the fitted groups, and everything else, evaluated apart (the groups once more at two other
        // lambda_e): their sum is the System's energy now, and the groups' part R(lambda_e) - without this force's
        // own share - is exactly A + B lambda + C lambda^2.
        const bool ownInGroups = (groups & (1 << owner.getForceGroup())) != 0;
        auto groupPart = [&](double groupEnergy, double x) { return groupEnergy - (ownInGroups ? ownAt(x) : 0.0); };
        double groupNow = context.calcForcesAndEnergy(false, true, groups);
        double others = (~groups != 0 ? context.calcForcesAndEnergy(false, true, ~groups) : 0.0);
        total = groupNow + others;
        double rNow = groupNow - (ownInGroups ? ownCurrent : 0.0);
        vector<double> points, values;
        for (double x : fitPoints)
            if (x != currentElectrostatics && points.size() < 2)
                points.push_back(x);
        try {
            for (double x : points) {
                context.setParameter(electrostatics, x);
                values.push_back(groupPart(context.calcForcesAndEnergy(false, true, groups), x));
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
        c = (d2 - d1) / (x2 - x1);
        b = d1 - c * (x1 + x0);
        if (direct) // the System's offsets differ from the Context's: do they now match (an update was pushed)?
            adoptIfSystemMatches(context, dependence.getForces()[0].index, *offsetNonbonded[0], x2, b, c,
                    std::fabs(groupNow) + std::fabs(values[0]) + std::fabs(values[1]));
    }
    const double x0 = currentElectrostatics;
    vector<double> energies(numStates);
    for (int k = 0; k < numStates; k++) {
        double x = lambdaElectrostatics[k];
        energies[k] = total - ownCurrent + own[k] + b * (x - x0) + c * (x * x - x0 * x0);
    }
    checkResults(context, energies, "getStateEnergies(): the energy of state");
    return energies;
}

vector<double> LigandCouplingForceImpl::getLambdaDerivatives(ContextImpl& context) {
    const string caller = "getLambdaDerivatives()";
    const string names[2] = {owner.getStericsParameterName(), owner.getElectrostaticsParameterName()};
    LambdaDependence dependence(context.getSystem(), owner, caller);
    for (const string& name : names) {
        bool requested = false;
        for (int k = 0; k < owner.getNumEnergyParameterDerivatives(); k++)
            requested |= (owner.getEnergyParameterDerivativeName(k) == name);
        if (!requested)
            throwLigandError(caller, " needs the force's own derivative: call addEnergyParameterDerivative(\"", name,
                    "\") before creating the Context");
    }
    vector<double> result(2, 0.0);
    // First this force's own pass (cheap: the ligand's pairs), which detects a NaN, infinite or absurd position on
    // every platform: OpenMM's own GPU NonbondedForce may not survive evaluating such positions (OpenMM 7.7's
    // OpenCL on PoCL segfaults).
    const double currentSterics = context.getParameter(names[0]);
    const double x0 = context.getParameter(names[1]);
    checkResults(context,
            kernel.getAs<CalcLigandCouplingForceKernel>().computeStateEnergies(context, {currentSterics}, {x0}),
            "getLambdaDerivatives(): this force's energy");
    // One evaluation of everything: the reported derivatives (lambda_sterics's from every group, since no
    // NonbondedForce depends on it), and on the GPUs the NonbondedForces' device charges at the current lambda.
    std::map<string, double> derivatives;
    context.calcForcesAndEnergy(true, false, -1);
    context.getEnergyParameterDerivatives(derivatives);
    result[0] = derivatives.count(names[0]) ? derivatives[names[0]] : 0.0;
    // Every force but the offset NonbondedForces reports its own derivative; those are exactly quadratic in
    // lambda_e, so theirs is B + 2 C lambda_e, with B and C computed as OpenMM defines the energy.
    bool exact = true;
    for (const NonbondedForce* nonbonded : dependence.getOffsetNonbonded())
        exact &= NonbondedLambdaQuadratic::covers(*nonbonded);
    double exactPart = 0.0;
    for (const LambdaDependence::DependentForce& f : dependence.getForces()) {
        if (!exact || !f.nonbondedOffsets)
            continue;
        double b, c;
        const NonbondedForce& nonbonded = dynamic_cast<const NonbondedForce&>(context.getSystem().getForce(f.index));
        exact = exactNonbondedCoefficients(context, f.index, nonbonded, x0, b, c);
        exactPart += b + 2.0 * c * x0;
    }
    int fitGroups = 0;
    if (!exact) {
        // Plain Ewald or LJPME, or a System whose offsets are not (or no longer) the Context's: fit the groups
        // holding the NonbondedForces (every force there at most quadratic).
        fitGroups = dependence.getOffsetNonbondedGroups();
        for (const LambdaDependence::DependentForce& f : dependence.getForces())
            if ((fitGroups >> f.group) & 1 && f.electrostaticsDegree > 2)
                throwLigandError(caller, ": force ", f.index, " (", f.kind,
                        ") shares a force group with a NonbondedForce "
                        "whose charges follow '",
                        names[1], "' and is not quadratic in it: put it in another group");
        if ((fitGroups >> owner.getForceGroup()) & 1 &&
                owner.getElectrostaticsMode() != LigandCouplingForce::NoElectrostatics &&
                owner.getSoftcoreBeta() != 0.0)
            throwLigandError(caller, ": this force has an electrostatic softcore and shares force group ",
                    owner.getForceGroup(), " with a NonbondedForce whose charges follow '", names[1],
                    "': put them in different groups");
    }
    for (const LambdaDependence::DependentForce& f : dependence.getForces()) {
        if (f.nonbondedOffsets || ((fitGroups >> f.group) & 1))
            continue;
        if ((f.stericsDegree != 0 && !f.reportsStericsDerivative) ||
                (f.electrostaticsDegree != 0 && !f.reportsElectrostaticsDerivative))
            throwLigandError(caller, ": force ", f.index, " (", f.kind,
                    ") depends on a lambda but does not report its "
                    "derivative: call its addEnergyParameterDerivative() before creating the Context");
    }
    // lambda_electrostatics's reported derivative from the groups not fitted below (the fit holds the rest).
    if (fitGroups == 0)
        result[1] = derivatives.count(names[1]) ? derivatives[names[1]] : 0.0;
    else if (~fitGroups != 0) {
        context.calcForcesAndEnergy(true, false, ~fitGroups);
        std::map<string, double> others;
        context.getEnergyParameterDerivatives(others);
        result[1] = others.count(names[1]) ? others[names[1]] : 0.0;
    }
    if (exact)
        result[1] += exactPart;
    else {
        double energies[3];
        const double points[3] = {0.0, 0.5, 1.0};
        try {
            for (int k = 0; k < 3; k++) {
                context.setParameter(names[1], points[k]);
                energies[k] = context.calcForcesAndEnergy(false, true, fitGroups);
            }
        }
        catch (...) {
            context.setParameter(names[1], x0);
            throw;
        }
        context.setParameter(names[1], x0);
        const double c = 2.0 * (energies[2] - 2.0 * energies[1] + energies[0]);
        const double b = energies[2] - energies[0] - c;
        result[1] += b + 2.0 * c * x0;
        // Where the fitted groups hold one offset NonbondedForce and nothing else that follows lambda_e, the fit is
        // its b and c: the System's current offsets are kept if they give the same (see adoptIfSystemMatches).
        const LambdaDependence::DependentForce* only = nullptr;
        int followers = 0;
        for (const LambdaDependence::DependentForce& f : dependence.getForces())
            if (((fitGroups >> f.group) & 1) && f.electrostaticsDegree != 0) {
                followers++;
                if (f.nonbondedOffsets)
                    only = &f;
            }
        if (followers == 1 && only != nullptr && ((fitGroups >> owner.getForceGroup()) & 1) == 0 &&
                NonbondedLambdaQuadratic::covers(*dependence.getOffsetNonbonded()[0]))
            adoptIfSystemMatches(context, only->index,
                    dynamic_cast<const NonbondedForce&>(context.getSystem().getForce(only->index)), points[2], b, c,
                    std::fabs(energies[0]) + std::fabs(energies[1]) + std::fabs(energies[2]));
    }
    checkResults(context, result, "getLambdaDerivatives(): derivative");
    return result;
}

double LigandCouplingForceImpl::ewaldAlphaOf(ContextImpl& context) {
    // From Context creation (initialize()): asking the Context (getPMEParametersInContext) would make OpenMM's CPU
    // platform evaluate first, before this force has checked the positions (a non-finite one crashes OpenMM's PME).
    double alpha = 0.0;
    for (const std::unique_ptr<NonbondedChargeOffsets>& kept : nonbondedSnapshots) {
        if (kept == nullptr || kept->ewaldAlpha == 0.0)
            continue;
        if (alpha != 0.0 && kept->ewaldAlpha != alpha)
            throwLigandError("getInteractionEnergies(): the System's NonbondedForces use different Ewald alphas (",
                    alpha, " and ", kept->ewaldAlpha, " /nm): pass the one to use as ewaldAlpha");
        alpha = kept->ewaldAlpha;
    }
    return alpha;
}

vector<double> LigandCouplingForceImpl::getInteractionEnergies(
        ContextImpl& context, const vector<int>& particleGroups, int numGroups, double ewaldAlpha) {
    const int numParticles = context.getSystem().getNumParticles();
    if ((int) particleGroups.size() != numParticles)
        throwLigandError("getInteractionEnergies(): " + std::to_string(particleGroups.size()) + " group entries for " +
                         std::to_string(numParticles) + " particles (one per particle, -1 for none)");
    if (numGroups < 0)
        throwLigandError(
                "getInteractionEnergies(): the number of groups is negative (" + std::to_string(numGroups) + ")");
    for (int i = 0; i < numParticles; i++)
        if (particleGroups[i] < -1 || particleGroups[i] >= numGroups)
            throwLigandError("getInteractionEnergies(): particle " + std::to_string(i) + " is in group " +
                             std::to_string(particleGroups[i]) + ", outside -1 .. " + std::to_string(numGroups - 1));
    if (ewaldAlpha == LigandCouplingForce::ALPHA_OF_THE_SYSTEM)
        ewaldAlpha = ewaldAlphaOf(context);
    if (!(ewaldAlpha >= 0.0) || !std::isfinite(ewaldAlpha))
        throwLigandError("getInteractionEnergies(): ewaldAlpha must be >= 0 (1/nm), or ALPHA_OF_THE_SYSTEM");
    if (ewaldAlpha > 0.0 && owner.getNonbondedMethod() != LigandCouplingForce::CutoffPeriodic)
        throwLigandError(
                "getInteractionEnergies(): ewaldAlpha > 0 needs the CutoffPeriodic method (PME/Ewald Systems)");
    if (numGroups == 0)
        return vector<double>();
    vector<double> energies = kernel.getAs<CalcLigandCouplingForceKernel>().computeInteractionEnergies(
            context, particleGroups, numGroups, ewaldAlpha);
    checkResults(context, energies, "getInteractionEnergies(): energy");
    return energies;
}
