// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "CommonCalcLigandCouplingForceKernel.h"
#include "CommonLigandKernelSources.h"
#include "CommonPeriodicBoxArgs.h"
#include "LigandError.h"
#include "LigandPairPotential.h"
#include "PositionCheck.h"
#include <limits>
#include "openmm/OpenMMException.h"
#if __has_include("openmm/ConstantPotentialForce.h")
#include "openmm/ConstantPotentialForce.h"
#endif
#include "openmm/common/ComputeForceInfo.h"
#include "openmm/common/ContextSelector.h"
#include "openmm/internal/ContextImpl.h"
#include <algorithm>
#include <cmath>
#include <map>

using namespace OpenMM;
using namespace OpenMMLigand;
using std::string;
using std::vector;

/**
 * Tells OpenMM which particles it may swap when it reorders atoms: environment particles with the same
 * parameters, never a ligand particle; exclusions form the groups, as for NonbondedForce.
 */
class CommonCalcLigandCouplingForceKernel::ForceInfo : public ComputeForceInfo {
public:
    // Reads the kernel's current parameters, so that updateParametersInContext() is seen here too.
    ForceInfo(const LigandKernelParameters& params, const LigandCouplingForce& force) : params(params) {
        for (int k = 0; k < force.getNumExclusions(); k++) {
            int p1, p2;
            force.getExclusionParticles(k, p1, p2);
            exclusions.push_back({p1, p2});
        }
    }
    bool areParticlesIdentical(int p1, int p2) override {
        if (p1 == p2)
            return true;
        if (!params.isEnvironment[p1] || !params.isEnvironment[p2])
            return false; // ligand particles (and particles in neither set) are never swapped
        return params.charges[p1] == params.charges[p2] && params.sigmas[p1] == params.sigmas[p2] &&
               params.epsilons[p1] == params.epsilons[p2];
    }
    int getNumParticleGroups() override {
        return exclusions.size();
    }
    void getParticlesInGroup(int index, vector<int>& particles) override {
        particles = {exclusions[index].first, exclusions[index].second};
    }
    bool areGroupsIdentical(int group1, int group2) override {
        return true;
    }

private:
    const LigandKernelParameters& params;
    vector<std::pair<int, int>> exclusions; // fixed for the life of the Context
};

class CommonCalcLigandCouplingForceKernel::ReorderListener : public ComputeContext::ReorderListener {
public:
    ReorderListener(CommonCalcLigandCouplingForceKernel& owner) : owner(owner) {
    }
    void execute() override {
        owner.updateLigandPositions();
    }

private:
    CommonCalcLigandCouplingForceKernel& owner;
};

void CommonCalcLigandCouplingForceKernel::initialize(
        const System& system, const LigandCouplingForce& force, double dispersionCoefficient) {
    ContextSelector selector(cc);
    params.initialize(force, dispersionCoefficient);
#if __has_include("openmm/ConstantPotentialForce.h")
    // The one force besides NonbondedForce that may keep its charges in posq, which the device route reads.
    for (int i = 0; i < system.getNumForces(); i++)
        posqChargesElsewhere |= (dynamic_cast<const ConstantPotentialForce*>(&system.getForce(i)) != nullptr);
#endif
    int numParticles = force.getNumParticles();
    int numLigand = params.ligand.size();
    // The interaction kernel keeps one force per ligand atom in local memory.
    if (numLigand > 1024)
        throwLigandError("the ", numLigand, "-atom ligand is larger than the 1024 atoms the GPU kernels support");
    int elementSize = (cc.getUseDoublePrecision() ? sizeof(mm_double4) : sizeof(mm_float4));
    particleParams.initialize(cc, numParticles, elementSize, "ligandParticleParams");
    isEnvironment.initialize<int>(cc, numParticles, "ligandIsEnvironment");
    ligandAtoms.initialize<int>(cc, numLigand, "ligandAtoms");
    ligandPosIndex.initialize<int>(cc, numLigand, "ligandPosIndex");
    internalPairs.initialize<mm_int2>(cc, std::max<size_t>(1, numLigand * (numLigand - 1) / 2), "ligandInternalPairs");
    exclusionStart.initialize<int>(cc, numParticles + 1, "ligandExclusionStart");
    exclusionLigand.initialize<int>(cc, std::max<size_t>(1, force.getNumExclusions() * 2), "ligandExclusions");
    candidates.initialize<int>(cc, numParticles, "ligandCandidates");
    candidateCount.initialize<int>(cc, 2, "ligandCandidateCount"); // the count; a bad atom + 1 (or 0)
    bounds.initialize(cc, 1, elementSize, "ligandBounds");
    uploadParameters();
    info = new ForceInfo(params, force);
    cc.addForce(info);
    cc.addReorderListener(new ReorderListener(*this));
    for (int k = 0; k < force.getNumEnergyParameterDerivatives(); k++)
        cc.addEnergyParameterDerivative(force.getEnergyParameterDerivativeName(k));
}

void CommonCalcLigandCouplingForceKernel::uploadParameters() {
    int numParticles = params.charges.size();
    double sqrtCoulomb = std::sqrt(ONE_4PI_EPS0_LIGAND);
    // x: q sqrt(ONE_4PI_EPS0), y: sigma/2, z: sqrt(epsilon): mixing becomes a product and a sum on the device.
    if (cc.getUseDoublePrecision()) {
        vector<mm_double4> p(numParticles);
        for (int i = 0; i < numParticles; i++)
            p[i] = mm_double4(
                    params.charges[i] * sqrtCoulomb, 0.5 * params.sigmas[i], std::sqrt(params.epsilons[i]), 0);
        particleParams.upload(p);
    }
    else {
        vector<mm_float4> p(numParticles);
        for (int i = 0; i < numParticles; i++)
            p[i] = mm_float4((float) (params.charges[i] * sqrtCoulomb), (float) (0.5 * params.sigmas[i]),
                    (float) std::sqrt(params.epsilons[i]), 0.0f);
        particleParams.upload(p);
    }
    vector<int> environment(params.isEnvironment.begin(), params.isEnvironment.end());
    isEnvironment.upload(environment);
    ligandAtoms.upload(params.ligand);
    vector<mm_int2> pairs;
    for (auto& p : params.internalPairs)
        pairs.push_back(mm_int2(p.first, p.second));
    if (!pairs.empty())
        internalPairs.uploadSubArray(pairs.data(), 0, pairs.size());
    exclusionStart.upload(params.exclusionStart);
    if (!params.exclusionLigandIndex.empty())
        exclusionLigand.uploadSubArray(params.exclusionLigandIndex.data(), 0, params.exclusionLigandIndex.size());
    updateLigandPositions();
}

void CommonCalcLigandCouplingForceKernel::updateLigandPositions() {
    // OpenMM's arrays are in its (reordered) order; atomIndex maps that order back to particle indices.
    const vector<int>& order = cc.getAtomIndex();
    vector<int> where(params.charges.size(), -1);
    for (size_t k = 0; k < order.size() && k < (size_t) cc.getNumAtoms(); k++)
        where[order[k]] = k;
    vector<int> positions(params.ligand.size());
    for (size_t i = 0; i < params.ligand.size(); i++)
        positions[i] = where[params.ligand[i]];
    ligandPosIndex.upload(positions);
    if (nonbondedQuadratic)
        nonbondedQuadratic->updatePositionIndices();
}

bool CommonCalcLigandCouplingForceKernel::computesNonbondedQuadratic(ContextImpl& context) {
    if (posqChargesElsewhere)
        return false;
    if (!nonbondedQuadratic)
        nonbondedQuadratic.reset(new CommonNonbondedLambdaQuadratic(cc));
    return nonbondedQuadratic->isAvailable();
}

void CommonCalcLigandCouplingForceKernel::computeNonbondedQuadratic(ContextImpl& context,
        const NonbondedChargeOffsets& offsets, double lambda, double alpha, const int grid[3], bool plasma, double& b,
        double& c) {
    if (!computesNonbondedQuadratic(context))
        throwLigandError("computeNonbondedQuadratic(): this Context has no device route");
    nonbondedQuadratic->compute(offsets, lambda, alpha, grid, plasma, b, c);
}

void CommonCalcLigandCouplingForceKernel::createKernels() {
    const LigandPairSettings& s = *params.settings;
    std::map<string, string> defines;
    blockSize = 64;
    defines["BLOCK_SIZE"] = cc.intToString(blockSize);
    defines["REDUCTION_WIDTH"] = "8"; // sqrt(BLOCK_SIZE)
    defines["NUM_ATOMS"] = cc.intToString(cc.getNumAtoms());
    defines["PADDED_NUM_ATOMS"] = cc.intToString(cc.getPaddedNumAtoms());
    defines["NUM_LIGAND"] = cc.intToString(params.ligand.size());
    defines["NUM_INTERNAL_PAIRS"] = cc.intToString(params.internalPairs.size());
    defines["USE_CUTOFF"] = params.cutoff ? "1" : "0";
    defines["USE_PERIODIC"] = params.periodic ? "1" : "0";
    defines["MAX_COORDINATE"] = cc.doubleToString(LIGAND_MAX_COORDINATE);
    defines["CUTOFF"] = cc.doubleToString(params.cutoff ? params.cutoffDistance : 0.0);
    defines["CUTOFF_SQUARED"] = cc.doubleToString(params.cutoffDistance * params.cutoffDistance);
    defines["USE_SWITCH"] = s.switching ? "1" : "0";
    defines["SWITCH_DISTANCE"] = cc.doubleToString(s.switchingDistance);
    defines["SWITCH_WIDTH"] = cc.doubleToString(s.cutoffDistance - s.switchingDistance);
    defines["USE_ELECTROSTATICS"] = s.electrostatics ? "1" : "0";
    defines["KRF"] = cc.doubleToString(s.krf);
    defines["CRF"] = cc.doubleToString(s.crf);
    defines["SOFTCORE_C"] = cc.doubleToString(s.c);
    defines["IS_C6"] = (s.c == 6.0 ? "1" : "0");
    defines["SOFTCORE_F"] = cc.doubleToString(s.f);
    defines["HAS_ELEC_SOFTCORE"] = (s.beta != 0.0 ? "1" : "0");
    const vector<string>& derivNames = cc.getEnergyParamDerivNames();
    auto derivIndex = [&](const string& name, bool requested) {
        if (!requested)
            return -1;
        return (int) (std::find(derivNames.begin(), derivNames.end(), name) - derivNames.begin());
    };
    defines["NUM_DERIVS"] = cc.intToString(std::max<size_t>(1, derivNames.size()));
    defines["STERICS_DERIV"] = cc.intToString(derivIndex(params.stericsName, params.stericsDerivative));
    defines["ELEC_DERIV"] = cc.intToString(derivIndex(params.electrostaticsName, params.electrostaticsDerivative));
    ComputeProgram program = cc.compileProgram(
            CommonLigandKernelSources::positionCheck + CommonLigandKernelSources::ligandCoupling, defines);
    // Without parameter derivatives the derivative buffer may not exist; the kernels then never touch it.
    ArrayInterface& derivs = derivNames.empty() ? cc.getEnergyBuffer() : cc.getEnergyParamDerivBuffer();

    boundsKernel = program->createKernel("ligandBoundsAndInternal");
    for (ArrayInterface* array : {&cc.getPosq(), (ArrayInterface*) &ligandPosIndex, (ArrayInterface*) &particleParams,
                 (ArrayInterface*) &ligandAtoms, (ArrayInterface*) &internalPairs, (ArrayInterface*) &bounds,
                 (ArrayInterface*) &candidateCount, &cc.getLongForceBuffer(), &cc.getEnergyBuffer(), &derivs})
        boundsKernel->addArg(*array);
    for (int i = 0; i < 5; i++)
        boundsKernel->addArg(); // box
    for (int i = 0; i < 4; i++)
        boundsKernel->addArg(); // dispersion energy, its derivative, includeForces, writeOutputs

    candidatesKernel = program->createKernel("findCandidates");
    for (ArrayInterface* array : {&cc.getPosq(), &cc.getAtomIndexArray(), (ArrayInterface*) &isEnvironment,
                 (ArrayInterface*) &bounds, (ArrayInterface*) &candidates, (ArrayInterface*) &candidateCount})
        candidatesKernel->addArg(*array);
    for (int i = 0; i < 5; i++)
        candidatesKernel->addArg();

    interactionsKernel = program->createKernel("computeInteractions");
    for (ArrayInterface* array : {&cc.getPosq(), &cc.getAtomIndexArray(), (ArrayInterface*) &ligandPosIndex,
                 (ArrayInterface*) &ligandAtoms, (ArrayInterface*) &particleParams, (ArrayInterface*) &exclusionStart,
                 (ArrayInterface*) &exclusionLigand, (ArrayInterface*) &candidates, (ArrayInterface*) &candidateCount,
                 &cc.getLongForceBuffer(), &cc.getEnergyBuffer(), &derivs})
        interactionsKernel->addArg(*array);
    for (int i = 0; i < 5 + 7 + 1; i++)
        interactionsKernel->addArg(); // box, lambda factors, includeForces
    // A NaN the kernel adds to the energy when a position is bad (a constant in the source could be folded away).
    if (cc.getUseDoublePrecision())
        interactionsKernel->addArg(std::numeric_limits<double>::quiet_NaN());
    else
        interactionsKernel->addArg(std::numeric_limits<float>::quiet_NaN());
    stateEnergiesKernel = program->createKernel("computeStateEnergies");
    for (ArrayInterface* array : {&cc.getPosq(), &cc.getAtomIndexArray(), (ArrayInterface*) &ligandPosIndex,
                 (ArrayInterface*) &ligandAtoms, (ArrayInterface*) &particleParams, (ArrayInterface*) &exclusionStart,
                 (ArrayInterface*) &exclusionLigand, (ArrayInterface*) &candidates, (ArrayInterface*) &candidateCount,
                 (ArrayInterface*) &internalPairs})
        stateEnergiesKernel->addArg(*array);
    for (int i = 0; i < 3 + 5; i++)
        stateEnergiesKernel->addArg(); // states, their energies, how many; box
    groupEnergiesKernel = program->createKernel("computeInteractionEnergies");
    for (ArrayInterface* array : {&cc.getPosq(), &cc.getAtomIndexArray(), (ArrayInterface*) &ligandPosIndex,
                 (ArrayInterface*) &ligandAtoms, (ArrayInterface*) &particleParams, (ArrayInterface*) &exclusionStart,
                 (ArrayInterface*) &exclusionLigand, (ArrayInterface*) &candidates, (ArrayInterface*) &candidateCount})
        groupEnergiesKernel->addArg(*array);
    for (int i = 0; i < 2 + 4 + 5; i++)
        groupEnergiesKernel->addArg(); // groups, energies; alpha, lambda factors; box
    // Enough groups to fill the device, never more threads than the energy buffer has slots.
    int energySlots = cc.getEnergyBuffer().getSize();
    interactionThreads = std::min(cc.getNumThreadBlocks() * blockSize, energySlots - energySlots % blockSize);
    kernelsCreated = true;
}

void CommonCalcLigandCouplingForceKernel::setEvaluationArgs(
        ContextImpl& context, bool includeForces, bool writeOutputs) {
    std::pair<double, double> lambdas = params.lambdas(context);
    Vec3 box[3];
    cc.getPeriodicBoxVectors(box[0], box[1], box[2]);
    params.checkBox(box);
    LigandLambdaFactors lambda(*params.settings, lambdas.first, lambdas.second);
    std::pair<double, double> dispersion = params.dispersion(box, lambdas.first);
    bool useDouble = cc.getUseDoublePrecision();
    for (ComputeKernel* kernel :
            {&boundsKernel, &candidatesKernel, &interactionsKernel, &stateEnergiesKernel, &groupEnergiesKernel}) {
        int index = (kernel == &boundsKernel          ? 10
                     : kernel == &candidatesKernel    ? 6
                     : kernel == &interactionsKernel  ? 12
                     : kernel == &stateEnergiesKernel ? 13
                                                      : 15);
        setPeriodicBoxArgs(cc, *kernel, index);
    }
    auto setReal = [&](ComputeKernel& kernel, int index, double value) {
        if (useDouble)
            kernel->setArg(index, value);
        else
            kernel->setArg(index, (float) value);
    };
    setReal(boundsKernel, 15, dispersion.first);
    setReal(boundsKernel, 16, dispersion.second);
    boundsKernel->setArg(17, (int) includeForces);
    boundsKernel->setArg(18, (int) writeOutputs);
    double factors[7] = {lambda.stericsScale, lambda.dStericsScale, lambda.ljShift, lambda.dLjShift, lambda.lambdaElec,
            lambda.elecShift, lambda.dElecShift};
    for (int i = 0; i < 7; i++)
        setReal(interactionsKernel, 17 + i, factors[i]);
    interactionsKernel->setArg(24, (int) includeForces);
}

double CommonCalcLigandCouplingForceKernel::execute(ContextImpl& context, bool includeForces, bool includeEnergy) {
    ContextSelector selector(cc);
    if (!kernelsCreated)
        createKernels();
    setEvaluationArgs(context, includeForces, true);
    boundsKernel->execute(blockSize, blockSize);
    candidatesKernel->execute(cc.getNumAtoms());
    interactionsKernel->execute(interactionThreads, blockSize);
    return 0.0; // the energy went into OpenMM's energy buffer
}

vector<double> CommonCalcLigandCouplingForceKernel::computeStateEnergies(
        ContextImpl& context, const vector<double>& lambdaSterics, const vector<double>& lambdaElectrostatics) {
    ContextSelector selector(cc);
    if (!kernelsCreated)
        createKernels();
    int numStates = lambdaSterics.size();
    bool useDouble = cc.getUseDoublePrecision();
    if (!stateParams.isInitialized() || (int) stateParams.getSize() < numStates) {
        if (stateParams.isInitialized()) {
            stateParams.resize(numStates);
            stateEnergies.resize(numStates);
        }
        else {
            stateParams.initialize(
                    cc, numStates, useDouble ? sizeof(mm_double4) : sizeof(mm_float4), "ligandStateParams");
            stateEnergies.initialize<long long>(cc, numStates, "ligandStateEnergies");
        }
    }
    Vec3 box[3];
    cc.getPeriodicBoxVectors(box[0], box[1], box[2]);
    vector<mm_double4> factors(numStates);
    for (int k = 0; k < numStates; k++) {
        LigandLambdaFactors lambda(*params.settings, lambdaSterics[k], lambdaElectrostatics[k]);
        factors[k] = mm_double4(lambda.stericsScale, lambda.ljShift, lambda.lambdaElec, lambda.elecShift);
    }
    if (useDouble)
        stateParams.uploadSubArray(factors.data(), 0, numStates);
    else {
        vector<mm_float4> single(numStates);
        for (int k = 0; k < numStates; k++)
            single[k] =
                    mm_float4((float) factors[k].x, (float) factors[k].y, (float) factors[k].z, (float) factors[k].w);
        stateParams.uploadSubArray(single.data(), 0, numStates);
    }
    setEvaluationArgs(context, false, false);
    stateEnergiesKernel->setArg(10, stateParams);
    stateEnergiesKernel->setArg(11, stateEnergies);
    stateEnergiesKernel->setArg(12, numStates);
    vector<double> energies = runEnergyPass(stateEnergiesKernel, stateEnergies, numStates);
    for (int k = 0; k < numStates; k++)
        energies[k] += params.dispersion(box, lambdaSterics[k]).first;
    return energies;
}

vector<double> CommonCalcLigandCouplingForceKernel::computeInteractionEnergies(
        ContextImpl& context, const vector<int>& particleGroups, int numGroups, double ewaldAlpha) {
    ContextSelector selector(cc);
    if (!kernelsCreated)
        createKernels();
    if (!particleGroupArray.isInitialized())
        particleGroupArray.initialize<int>(cc, particleGroups.size(), "ligandParticleGroups");
    if (!groupEnergies.isInitialized())
        groupEnergies.initialize<long long>(cc, 4 * numGroups, "ligandGroupEnergies");
    else if ((int) groupEnergies.getSize() < 4 * numGroups)
        groupEnergies.resize(4 * numGroups);
    particleGroupArray.upload(particleGroups);
    setEvaluationArgs(context, false, false);
    std::pair<double, double> lambdas = params.lambdas(context);
    LigandLambdaFactors lambda(*params.settings, lambdas.first, lambdas.second);
    bool useDouble = cc.getUseDoublePrecision();
    groupEnergiesKernel->setArg(9, particleGroupArray);
    groupEnergiesKernel->setArg(10, groupEnergies);
    double values[4] = {ewaldAlpha, lambda.stericsScale, lambda.ljShift, lambda.lambdaElec};
    for (int i = 0; i < 4; i++) {
        if (useDouble)
            groupEnergiesKernel->setArg(11 + i, values[i]);
        else
            groupEnergiesKernel->setArg(11 + i, (float) values[i]);
    }
    return runEnergyPass(groupEnergiesKernel, groupEnergies, 4 * numGroups);
}

vector<double> CommonCalcLigandCouplingForceKernel::runEnergyPass(
        ComputeKernel& kernel, ComputeArray& sums, int count) {
    vector<long long> fixed(sums.getSize(), 0);
    sums.upload(fixed);
    boundsKernel->execute(blockSize, blockSize); // bounds and the candidate counter only (writeOutputs = 0)
    candidatesKernel->execute(cc.getNumAtoms());
    kernel->execute(interactionThreads, blockSize);
    sums.download(fixed);
    vector<int> counts;
    candidateCount.download(counts);
    if (counts[1] != 0)
        return vector<double>(count, std::numeric_limits<double>::quiet_NaN()); // a bad position: the Impl names it
    vector<double> energies(count);
    for (int k = 0; k < count; k++)
        energies[k] = fixed[k] / (double) 0x100000000;
    return energies;
}

void CommonCalcLigandCouplingForceKernel::copyParametersToContext(
        ContextImpl& context, const LigandCouplingForce& force, double dispersionCoefficient) {
    ContextSelector selector(cc);
    size_t oldLigandSize = params.ligand.size();
    params.update(force, dispersionCoefficient);
    if (params.ligand.size() != oldLigandSize) {
        // A ligand of another size changes array sizes and compiled constants.
        int numLigand = params.ligand.size();
        ligandAtoms.resize(numLigand);
        ligandPosIndex.resize(numLigand);
        internalPairs.resize(std::max<size_t>(1, numLigand * (numLigand - 1) / 2));
        kernelsCreated = false;
    }
    uploadParameters();
    // Particles whose parameters changed may no longer be interchangeable: let OpenMM re-sort.
    cc.invalidateMolecules(info);
}
