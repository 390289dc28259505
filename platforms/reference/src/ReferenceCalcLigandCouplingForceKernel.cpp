#include "ReferenceCalcLigandCouplingForceKernel.h"
#include "internal/LigandCouplingForceImpl.h"
#include "internal/LigandPairPotential.h"
#include "ReferencePlatform.h"
#include "SimTKOpenMMRealType.h"
#include "openmm/OpenMMException.h"
#include "openmm/internal/ContextImpl.h"
#include <cmath>
#include <sstream>

using namespace OpenMM;
using namespace OpenMMLigand;
using std::vector;

static ReferencePlatform::PlatformData& getData(ContextImpl& context) {
    return *static_cast<ReferencePlatform::PlatformData*>(context.getPlatformData());
}

void ReferenceCalcLigandCouplingForceKernel::initialize(const System& system, const LigandCouplingForce& force,
                                                        double dispersionCoefficient) {
    int numParticles = force.getNumParticles();
    exclusions.assign(numParticles, std::set<int>());
    for (int k = 0; k < force.getNumExclusions(); k++) {
        int p1, p2;
        force.getExclusionParticles(k, p1, p2);
        exclusions[p1].insert(p2);
        exclusions[p2].insert(p1);
    }
    periodic = (force.getNonbondedMethod() == LigandCouplingForce::CutoffPeriodic);
    cutoff = (force.getNonbondedMethod() != LigandCouplingForce::NoCutoff);
    cutoffDistance = force.getCutoffDistance();
    includeLigandInternal = force.getIncludeLigandInternalLJ();
    stericsName = force.getStericsParameterName();
    electrostaticsName = force.getElectrostaticsParameterName();
    for (int k = 0; k < force.getNumEnergyParameterDerivatives(); k++) {
        stericsDerivative |= (force.getEnergyParameterDerivativeName(k) == stericsName);
        electrostaticsDerivative |= (force.getEnergyParameterDerivativeName(k) == electrostaticsName);
    }
    copyParameters(force, dispersionCoefficient);
}

void ReferenceCalcLigandCouplingForceKernel::copyParameters(const LigandCouplingForce& force, double coefficient) {
    int numParticles = force.getNumParticles();
    charges.resize(numParticles);
    sigmas.resize(numParticles);
    epsilons.resize(numParticles);
    for (int i = 0; i < numParticles; i++)
        force.getParticleParameters(i, charges[i], sigmas[i], epsilons[i]);
    ligand = force.getLigandParticles();
    environment = LigandCouplingForceImpl::resolveEnvironment(force);
    settings.reset(new LigandPairSettings(force));
    softcoreA = force.getSoftcoreA();
    dispersionCoefficient = coefficient;
}

void ReferenceCalcLigandCouplingForceKernel::copyParametersToContext(ContextImpl& context, const LigandCouplingForce& force,
                                                                     double coefficient) {
    copyParameters(force, coefficient);
}

static void checkLambda(const std::string& name, double value) {
    if (!(value >= 0.0 && value <= 1.0)) {
        std::stringstream message;
        message << "LigandCouplingForce: the Context parameter '" << name << "' must lie in [0, 1], but it is " << value;
        throw OpenMMException(message.str());
    }
}

double ReferenceCalcLigandCouplingForceKernel::execute(ContextImpl& context, bool includeForces, bool includeEnergy) {
    ReferencePlatform::PlatformData& data = getData(context);
    const vector<Vec3>& pos = *data.positions;
    vector<Vec3>& forces = *data.forces;
    const Vec3* box = data.periodicBoxVectors;
    double lambdaSterics = context.getParameter(stericsName);
    double lambdaElectrostatics = context.getParameter(electrostaticsName);
    checkLambda(stericsName, lambdaSterics);
    checkLambda(electrostaticsName, lambdaElectrostatics);
    if (periodic) {
        double minWidth = std::min(box[0][0], std::min(box[1][1], box[2][2]));
        if (cutoffDistance > 0.5 * minWidth) {
            std::stringstream message;
            message << "LigandCouplingForce: the cutoff (" << cutoffDistance << " nm) is larger than half the smallest box width ("
                    << minWidth << " nm)";
            throw OpenMMException(message.str());
        }
    }
    const LigandPairSettings& s = *settings;
    LigandLambdaFactors lambda(s, lambdaSterics, lambdaElectrostatics);
    double cutoff2 = cutoffDistance * cutoffDistance;
    double energy = 0, dEdLs = 0, dEdLe = 0;

    auto visit = [&](int i, int j, bool coupled) {
        Vec3 delta = periodic ? periodicDelta(pos[i], pos[j], box) : pos[j] - pos[i];
        double r2 = delta.dot(delta);
        if (cutoff && r2 >= cutoff2)
            return;
        double r = std::sqrt(r2);
        double sigma = 0.5 * (sigmas[i] + sigmas[j]);
        double epsilon = std::sqrt(epsilons[i] * epsilons[j]);
        LigandPairResult pair = evaluateLigandPair(r, sigma, epsilon, ONE_4PI_EPS0 * charges[i] * charges[j], s, lambda, coupled);
        energy += pair.energy;
        dEdLs += pair.dEdLambdaSterics;
        dEdLe += pair.dEdLambdaElectrostatics;
        if (includeForces) {
            // delta points from i to j; the force on j is -dE/dr along it.
            Vec3 f = delta * (pair.dEdr / r);
            forces[i] += f;
            forces[j] -= f;
        }
    };
    for (int i : ligand)
        for (int j : environment)
            if (exclusions[i].count(j) == 0)
                visit(i, j, true);
    if (includeLigandInternal)
        for (size_t a = 0; a < ligand.size(); a++)
            for (size_t b = a + 1; b < ligand.size(); b++)
                if (exclusions[ligand[a]].count(ligand[b]) == 0)
                    visit(ligand[a], ligand[b], false);
    if (periodic && dispersionCoefficient != 0.0) {
        double volume = box[0][0] * box[1][1] * box[2][2];
        energy += std::pow(lambdaSterics, softcoreA) * dispersionCoefficient / volume;
        dEdLs += softcoreA * std::pow(lambdaSterics, softcoreA - 1.0) * dispersionCoefficient / volume;
    }
    std::map<std::string, double>& derivatives = *data.energyParameterDerivatives;
    if (stericsDerivative)
        derivatives[stericsName] += dEdLs;
    if (electrostaticsDerivative)
        derivatives[electrostaticsName] += dEdLe;
    return energy;
}
