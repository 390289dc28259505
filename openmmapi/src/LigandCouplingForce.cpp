// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "LigandCouplingForce.h"
#include "NonbondedLambdaQuadratic.h"
#include "internal/LigandCouplingForceImpl.h"
#include "LigandError.h"
#include "openmm/internal/AssertionUtilities.h"
#include <algorithm>
#include <sstream>

using namespace OpenMM;
using namespace OpenMMLigand;
using std::string;
using std::vector;

LigandCouplingForce::LigandCouplingForce()
    : nonbondedMethod(NoCutoff), electrostaticsMode(NoElectrostatics), cutoffDistance(1.0), switchingDistance(-1.0),
      reactionFieldDielectric(78.3), useSwitchingFunction(false), includeLigandInternalLJ(false),
      useDispersionCorrection(false), softcoreAlpha(0.5), softcoreA(1.0), softcoreB(1.0), softcoreC(6.0),
      softcoreBeta(0.0), softcoreE(1.0), softcoreF(1.0), stericsParameter("lambda_sterics"),
      electrostaticsParameter("lambda_electrostatics"), defaultStericsLambda(1.0), defaultElectrostaticsLambda(1.0),
      definesParameters(true) {
}

void LigandCouplingForce::checkParticle(int index, const char* what) const {
    if (index < 0 || index >= (int) particles.size())
        throwLigandError(
                what, ": particle index out of range: ", index, " (number of particles: ", particles.size(), ")");
}

static void checkLennardJones(double sigma, double epsilon) {
    if (!(sigma >= 0))
        throwLigandError("sigma must be >= 0, got ", sigma);
    if (!(epsilon >= 0))
        throwLigandError("epsilon must be >= 0, got ", epsilon);
}

int LigandCouplingForce::addParticle(double charge, double sigma, double epsilon) {
    checkLennardJones(sigma, epsilon);
    particles.push_back({charge, sigma, epsilon});
    return particles.size() - 1;
}

void LigandCouplingForce::getParticleParameters(int index, double& charge, double& sigma, double& epsilon) const {
    checkParticle(index, "getParticleParameters");
    charge = particles[index].charge;
    sigma = particles[index].sigma;
    epsilon = particles[index].epsilon;
}

void LigandCouplingForce::setParticleParameters(int index, double charge, double sigma, double epsilon) {
    checkParticle(index, "setParticleParameters");
    checkLennardJones(sigma, epsilon);
    particles[index] = {charge, sigma, epsilon};
}

void LigandCouplingForce::setLigandParticles(const vector<int>& indices) {
    ligand = indices;
}

void LigandCouplingForce::setEnvironmentParticles(const vector<int>& indices) {
    environment = indices;
}

int LigandCouplingForce::addExclusion(int particle1, int particle2) {
    exclusions.push_back(std::make_pair(particle1, particle2));
    return exclusions.size() - 1;
}

void LigandCouplingForce::getExclusionParticles(int index, int& particle1, int& particle2) const {
    ASSERT_VALID_INDEX(index, exclusions);
    particle1 = exclusions[index].first;
    particle2 = exclusions[index].second;
}

void LigandCouplingForce::setExclusionParticles(int index, int particle1, int particle2) {
    ASSERT_VALID_INDEX(index, exclusions);
    exclusions[index] = std::make_pair(particle1, particle2);
}

void LigandCouplingForce::setNonbondedMethod(NonbondedMethod method) {
    if (method != NoCutoff && method != CutoffNonPeriodic && method != CutoffPeriodic)
        throwLigandError("unknown nonbonded method ", (int) method);
    nonbondedMethod = method;
}

void LigandCouplingForce::setCutoffDistance(double distance) {
    if (!(distance > 0))
        throwLigandError("the cutoff distance must be > 0 nm, got ", distance);
    cutoffDistance = distance;
}

void LigandCouplingForce::setUseSwitchingFunction(bool use) {
    useSwitchingFunction = use;
}

void LigandCouplingForce::setSwitchingDistance(double distance) {
    switchingDistance = distance;
}

void LigandCouplingForce::setElectrostaticsMode(ElectrostaticsMode mode) {
    if (mode != NoElectrostatics && mode != ReactionField)
        throwLigandError("unknown electrostatics mode ", (int) mode);
    electrostaticsMode = mode;
}

void LigandCouplingForce::setReactionFieldDielectric(double dielectric) {
    if (!(dielectric > 0))
        throwLigandError("the reaction-field dielectric must be > 0, got ", dielectric);
    reactionFieldDielectric = dielectric;
}

void LigandCouplingForce::setSoftcoreParameters(double alpha, double a, double b, double c) {
    // a, b >= 1 keep dU/dlambda finite at lambda = 0 and 1; c > 0 keeps r_LJ defined.
    if (!(alpha >= 0))
        throwLigandError("softcore alpha must be >= 0, got ", alpha);
    if (!(a >= 1))
        throwLigandError("softcore exponent a must be >= 1, got ", a);
    if (!(b >= 1))
        throwLigandError("softcore exponent b must be >= 1, got ", b);
    if (!(c > 0))
        throwLigandError("softcore exponent c must be > 0, got ", c);
    softcoreAlpha = alpha;
    softcoreA = a;
    softcoreB = b;
    softcoreC = c;
}

void LigandCouplingForce::setElectrostaticsSoftcoreParameters(double beta, double e, double f) {
    if (!(beta >= 0))
        throwLigandError("softcore beta must be >= 0, got ", beta);
    if (!(e >= 1))
        throwLigandError("softcore exponent e must be >= 1, got ", e);
    if (!(f > 0))
        throwLigandError("softcore exponent f must be > 0, got ", f);
    softcoreBeta = beta;
    softcoreE = e;
    softcoreF = f;
}

void LigandCouplingForce::setIncludeLigandInternalLJ(bool include) {
    includeLigandInternalLJ = include;
}

void LigandCouplingForce::setUseDispersionCorrection(bool use) {
    useDispersionCorrection = use;
}

void LigandCouplingForce::setStericsParameterName(const string& name) {
    if (name.empty())
        throwLigandError("the sterics parameter name must not be empty");
    stericsParameter = name;
}

void LigandCouplingForce::setElectrostaticsParameterName(const string& name) {
    if (name.empty())
        throwLigandError("the electrostatics parameter name must not be empty");
    electrostaticsParameter = name;
}

void LigandCouplingForce::setDefaultStericsLambda(double lambda) {
    defaultStericsLambda = lambda;
}

void LigandCouplingForce::setDefinesParameters(bool defines) {
    definesParameters = defines;
}

void LigandCouplingForce::setDefaultElectrostaticsLambda(double lambda) {
    defaultElectrostaticsLambda = lambda;
}

void LigandCouplingForce::addEnergyParameterDerivative(const string& name) {
    if (std::find(energyParameterDerivatives.begin(), energyParameterDerivatives.end(), name) ==
            energyParameterDerivatives.end())
        energyParameterDerivatives.push_back(name);
}

const string& LigandCouplingForce::getEnergyParameterDerivativeName(int index) const {
    ASSERT_VALID_INDEX(index, energyParameterDerivatives);
    return energyParameterDerivatives[index];
}

void LigandCouplingForce::updateParametersInContext(Context& context) {
    dynamic_cast<LigandCouplingForceImpl&>(getImplInContext(context))
            .updateParametersInContext(getContextImpl(context));
}

std::vector<double> LigandCouplingForce::getStateEnergies(
        Context& context, const std::vector<double>& lambdaSterics, const std::vector<double>& lambdaElectrostatics) {
    return dynamic_cast<LigandCouplingForceImpl&>(getImplInContext(context))
            .getStateEnergies(getContextImpl(context), lambdaSterics, lambdaElectrostatics);
}

std::vector<double> LigandCouplingForce::getLambdaDerivatives(Context& context) {
    return dynamic_cast<LigandCouplingForceImpl&>(getImplInContext(context))
            .getLambdaDerivatives(getContextImpl(context));
}

std::vector<double> LigandCouplingForce::getInteractionEnergies(
        Context& context, const std::vector<int>& particleGroups, int numGroups, double ewaldAlpha) {
    return dynamic_cast<LigandCouplingForceImpl&>(getImplInContext(context))
            .getInteractionEnergies(getContextImpl(context), particleGroups, numGroups, ewaldAlpha);
}

ForceImpl* LigandCouplingForce::createImpl() const {
    return new LigandCouplingForceImpl(*this);
}

long long LigandCouplingForce::getHostNonbondedQuadraticCount() {
    return NonbondedLambdaQuadratic::getHostComputationCount();
}
