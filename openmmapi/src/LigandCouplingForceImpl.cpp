#include "internal/LigandCouplingForceImpl.h"
#include "LigandKernels.h"
#include "openmm/NonbondedForce.h"
#include "openmm/OpenMMException.h"
#include "openmm/internal/ContextImpl.h"
#include "openmm/internal/NonbondedForceImpl.h"
#include <cmath>
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
    string derivatives;
    for (int k = 0; k < force.getNumEnergyParameterDerivatives(); k++)
        derivatives += force.getEnergyParameterDerivativeName(k) + ";";
    settings.emplace_back("requested parameter derivatives", derivatives);
    return settings;
}

void LigandCouplingForceImpl::initialize(ContextImpl& context) {
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
