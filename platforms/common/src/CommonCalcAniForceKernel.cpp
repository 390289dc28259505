// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "CommonCalcAniForceKernel.h"
#include "AniForce.h"
#include "CommonLigandKernelSources.h"
#include "CommonPeriodicBoxArgs.h"
#include "openmm/common/ContextSelector.h"
#include "openmm/internal/ContextImpl.h"
#include <algorithm>
#include <cmath>
#include <map>

using namespace OpenMM;
using namespace OpenMMLigand;
using std::string;
using std::vector;

class CommonCalcAniForceKernel::ReorderListener : public ComputeContext::ReorderListener {
public:
    ReorderListener(CommonCalcAniForceKernel& owner) : owner(owner) {
    }
    void execute() override {
        owner.updatePositionIndex();
    }

private:
    CommonCalcAniForceKernel& owner;
};

CommonCalcAniForceKernel::~CommonCalcAniForceKernel() {
    if (statusPending) {
        ContextSelector selector(cc);
        statusCopied->wait();
    }
}

void CommonCalcAniForceKernel::initialize(const System& system, const AniForce& force) {
    ContextSelector selector(cc);
    model = AniModelAccess::model(force);
    const AniModel& m = *model;
    periodic = force.usesPeriodicBoundaryConditions();
    for (int i = 0; i < force.getNumParticles(); i++) {
        int particle, atomicNumber;
        force.getParticleParameters(i, particle, atomicNumber);
        particles.push_back(particle);
    }
    const int n = particles.size();
    bool useDouble = cc.getUseDoublePrecision();
    // The network kernel's layout assumes ANI's shape: the same depth for every network, CELU hidden layers and
    // one linear output; checked here rather than trusted.
    numLayers = m.networks[0][0].layers.size();
    for (const auto& member : m.networks)
        for (const AniNetwork& network : member) {
            if ((int) network.layers.size() != numLayers)
                throwAniError("the GPU kernels need every network of the model to have the same number of layers");
            for (int l = 0; l < numLayers; l++) {
                const AniLayer& layer = network.layers[l];
                bool last = (l == numLayers - 1);
                if ((layer.activation == AniLayer::Celu) == last || (last && layer.outputs != 1))
                    throwAniError("the GPU kernels need CELU hidden layers and one linear output per network");
            }
        }
    // AEV parameters, one entry per term in the AEV's order.
    vector<mm_double2> radial;
    for (double eta : m.radialEta)
        for (double shift : m.radialShifts)
            radial.push_back(mm_double2(eta, shift));
    vector<mm_double4> angular;
    for (double eta : m.angularEta)
        for (double zeta : m.angularZeta)
            for (double shift : m.angularShifts)
                for (double thetaShift : m.angleShifts)
                    angular.push_back(mm_double4(eta, zeta, shift, thetaShift));
    // Each work group splits its threads into slices of one thread per AEV term. With a term count that does not
    // divide the group, the AEV kernel on PoCL's OpenCL gave wrong angular terms (3, 6, 12 and 24 angular terms
    // tested; every power of two right), a cause not found: refused rather than risked on any device.
    if (ATOM_GROUP_SIZE % radial.size() != 0 || ATOM_GROUP_SIZE % angular.size() != 0)
        throwAniError("the GPU kernels need the model's numbers of radial and angular AEV terms to divide ",
                ATOM_GROUP_SIZE, "; this model has ", radial.size(), " and ", angular.size(),
                " (run it on the Reference or CPU platform)");
    if (useDouble) {
        radialParams.initialize<mm_double2>(cc, radial.size(), "aniRadialParams");
        angularParams.initialize<mm_double4>(cc, angular.size(), "aniAngularParams");
        radialParams.upload(radial);
        angularParams.upload(angular);
    }
    else {
        vector<mm_float2> radialF;
        for (auto& p : radial)
            radialF.push_back(mm_float2((float) p.x, (float) p.y));
        vector<mm_float4> angularF;
        for (auto& p : angular)
            angularF.push_back(mm_float4((float) p.x, (float) p.y, (float) p.z, (float) p.w));
        radialParams.initialize<mm_float2>(cc, radial.size(), "aniRadialParams");
        angularParams.initialize<mm_float4>(cc, angular.size(), "aniAngularParams");
        radialParams.upload(radialF);
        angularParams.upload(angularF);
    }
    vector<int> pairs(m.numSpecies() * m.numSpecies());
    for (int a = 0; a < m.numSpecies(); a++)
        for (int b = 0; b < m.numSpecies(); b++)
            pairs[a * m.numSpecies() + b] = m.speciesPairIndex(a, b);
    pairIndex.initialize<int>(cc, pairs.size(), "aniPairIndex");
    pairIndex.upload(pairs);
    int realSize = useDouble ? sizeof(double) : sizeof(float);
    posIndex.initialize<int>(cc, n, "aniPosIndex");
    speciesArray.initialize<int>(cc, n, "aniSpecies");
    aev.initialize(cc, (size_t) n * m.aevLength(), realSize, "aniAev");
    aevGradient.initialize(cc, (size_t) m.networks.size() * n * m.aevLength(), realSize, "aniAevGradient");
    status.initialize<int>(cc, 3, "aniStatus");
    cc.addAutoclearBuffer(status);
    // Tiles small enough that a work group keeps every layer's outputs of its atoms in local memory.
    tileSize = (useDouble ? 4 : 8);
    speciesUploaded.assign(m.numSpecies(), false);
    uploadSpecies(force);
    updatePositionIndex();
    cc.addReorderListener(new ReorderListener(*this));
}

void CommonCalcAniForceKernel::uploadSpecies(const AniForce& force) {
    const AniModel& m = *model;
    const int n = particles.size();
    species.clear();
    for (int i = 0; i < n; i++) {
        int particle, atomicNumber;
        force.getParticleParameters(i, particle, atomicNumber);
        species.push_back(m.speciesOf(atomicNumber));
    }
    speciesArray.upload(species);
    // Atoms sorted by species, cut into tiles of up to tileSize atoms of one species.
    vector<int> sorted;
    vector<mm_int4> tileList;
    selfEnergy = 0;
    for (int s = 0; s < m.numSpecies(); s++) {
        int first = sorted.size();
        for (int i = 0; i < n; i++)
            if (species[i] == s) {
                sorted.push_back(i);
                selfEnergy += m.selfEnergies[s] * ANI_HARTREE_IN_KJ_PER_MOL;
            }
        for (int start = first; start < (int) sorted.size(); start += tileSize)
            tileList.push_back(mm_int4(s, start, std::min(tileSize, (int) sorted.size() - start), 0));
    }
    if (!sortedAtoms.isInitialized())
        sortedAtoms.initialize<int>(cc, n, "aniSortedAtoms");
    sortedAtoms.upload(sorted);
    if ((int) tileList.size() != numTiles) {
        numTiles = tileList.size();
        if (tiles.isInitialized())
            tiles.resize(numTiles);
        else
            tiles.initialize<mm_int4>(cc, numTiles, "aniTiles");
        if (tileEnergies.isInitialized())
            tileEnergies.resize(numTiles * m.networks.size());
        else
            tileEnergies.initialize(cc, numTiles * m.networks.size(),
                    cc.getUseDoublePrecision() ? sizeof(double) : sizeof(float), "aniTileEnergies");
        kernelsCreated = false; // the tile count is compiled in
    }
    tiles.upload(tileList);
    // The networks of every species present, unless they are on the device already.
    bool missing = false;
    for (int s : species)
        missing |= !speciesUploaded[s];
    if (!missing)
        return;
    for (int s : species)
        speciesUploaded[s] = true;
    vector<float> w, wT, b;
    vector<mm_int4> info(m.networks.size() * m.numSpecies() * numLayers, mm_int4(0, 0, 0, 0));
    maxWidth = hiddenTotal = 0;
    for (int s = 0; s < m.numSpecies(); s++) {
        if (!speciesUploaded[s])
            continue;
        for (size_t member = 0; member < m.networks.size(); member++) {
            const AniNetwork& network = m.networks[member][s];
            int hidden = 0;
            for (int l = 0; l < numLayers; l++) {
                const AniLayer& layer = network.layers[l];
                info[(member * m.numSpecies() + s) * numLayers + l] =
                        mm_int4(layer.inputs, layer.outputs, (int) w.size(), (int) b.size());
                w.insert(w.end(), layer.weights.begin(), layer.weights.end());
                for (int k = 0; k < layer.inputs; k++)
                    for (int o = 0; o < layer.outputs; o++)
                        wT.push_back(layer.weights[(size_t) o * layer.inputs + k]);
                b.insert(b.end(), layer.biases.begin(), layer.biases.end());
                if (l < numLayers - 1) {
                    hidden += layer.outputs;
                    maxWidth = std::max(maxWidth, layer.outputs);
                }
            }
            hiddenTotal = std::max(hiddenTotal, hidden);
        }
    }
    auto put = [&](ComputeArray& array, const vector<float>& values, const char* name) {
        if (array.isInitialized())
            array.resize(values.size());
        else
            array.initialize<float>(cc, values.size(), name);
        array.upload(values);
    };
    put(weights, w, "aniWeights");
    put(weightsT, wT, "aniWeightsTransposed");
    put(biases, b, "aniBiases");
    if (layerInfo.isInitialized())
        layerInfo.resize(info.size());
    else
        layerInfo.initialize<mm_int4>(cc, info.size(), "aniLayerInfo");
    layerInfo.upload(info);
    kernelsCreated = false; // the layer widths are compiled in
}

void CommonCalcAniForceKernel::updatePositionIndex() {
    // OpenMM's arrays are in its (reordered) order; atomIndex maps that order back to particle indices.
    const vector<int>& order = cc.getAtomIndex();
    std::map<int, int> where;
    for (int particle : particles)
        where[particle] = -1;
    for (size_t k = 0; k < order.size() && k < (size_t) cc.getNumAtoms(); k++) {
        auto found = where.find(order[k]);
        if (found != where.end())
            found->second = k;
    }
    vector<int> positions;
    for (int particle : particles)
        positions.push_back(where[particle]);
    posIndex.upload(positions);
}

void CommonCalcAniForceKernel::createKernels() {
    const AniModel& m = *model;
    const int n = particles.size();
    std::map<string, string> defines;
    defines["NUM_ML"] = cc.intToString(n);
    defines["NUM_SPECIES"] = cc.intToString(m.numSpecies());
    defines["NUM_PAIRS"] = cc.intToString(m.numSpecies() * (m.numSpecies() + 1) / 2);
    defines["RADIAL_TERMS"] = cc.intToString(m.numRadialTerms());
    defines["ANGULAR_TERMS"] = cc.intToString(m.numAngularTerms());
    defines["AEV_LENGTH"] = cc.intToString(m.aevLength());
    defines["RADIAL_CUTOFF"] = cc.doubleToString(m.radialCutoff);
    defines["ANGULAR_CUTOFF"] = cc.doubleToString(m.angularCutoff);
    defines["MAX_NEIGHBOURS"] = cc.intToString(std::max(1, std::min(n - 1, 256)));
    int radialSums = (ATOM_GROUP_SIZE / m.numRadialTerms()) * m.numSpecies() * m.numRadialTerms();
    int angularSums =
            (ATOM_GROUP_SIZE / m.numAngularTerms()) * m.numSpecies() * (m.numSpecies() + 1) / 2 * m.numAngularTerms();
    defines["SUMS_SIZE"] = cc.intToString(std::max(radialSums, angularSums));
    defines["FORCE_THREADS"] = cc.intToString(ATOM_GROUP_SIZE);
    defines["USE_PERIODIC"] = periodic ? "1" : "0";
    defines["NUM_MEMBERS"] = cc.intToString(m.networks.size());
    defines["NUM_LAYERS"] = cc.intToString(numLayers);
    defines["NUM_TILES"] = cc.intToString(numTiles);
    defines["TILE"] = cc.intToString(tileSize);
    defines["MAX_WIDTH"] = cc.intToString(maxWidth);
    defines["HIDDEN_TOTAL"] = cc.intToString(hiddenTotal);
    defines["CELU_ALPHA"] = "0.1";
    defines["PI"] = cc.doubleToString(M_PI);
    defines["HARTREE"] = cc.doubleToString(ANI_HARTREE_IN_KJ_PER_MOL);
    defines["PADDED_NUM_ATOMS"] = cc.intToString(cc.getPaddedNumAtoms());
    ComputeProgram program = cc.compileProgram(CommonLigandKernelSources::ani, defines);
    aevKernel = program->createKernel("computeAev");
    for (ArrayInterface* array : {&cc.getPosq(), (ArrayInterface*) &posIndex, (ArrayInterface*) &speciesArray,
                 (ArrayInterface*) &pairIndex, (ArrayInterface*) &radialParams, (ArrayInterface*) &angularParams,
                 (ArrayInterface*) &aev, (ArrayInterface*) &status})
        aevKernel->addArg(*array);
    for (int i = 0; i < 5; i++)
        aevKernel->addArg(); // box
    networksKernel = program->createKernel("computeNetworks");
    for (ComputeArray* array :
            {&aev, &tiles, &sortedAtoms, &layerInfo, &weights, &weightsT, &biases, &tileEnergies, &aevGradient})
        networksKernel->addArg(*array);
    networksKernel->addArg(); // includeForces
    forcesKernel = program->createKernel("computeForces");
    for (ArrayInterface* array : {&cc.getPosq(), (ArrayInterface*) &posIndex, (ArrayInterface*) &speciesArray,
                 (ArrayInterface*) &pairIndex, (ArrayInterface*) &radialParams, (ArrayInterface*) &angularParams,
                 (ArrayInterface*) &aevGradient, (ArrayInterface*) &tileEnergies, (ArrayInterface*) &status,
                 &cc.getLongForceBuffer(), &cc.getEnergyBuffer()})
        forcesKernel->addArg(*array);
    for (int i = 0; i < 1 + 5; i++)
        forcesKernel->addArg(); // includeForces, box
    kernelsCreated = true;
}

double CommonCalcAniForceKernel::execute(ContextImpl& context, bool includeForces, bool includeEnergy) {
    ContextSelector selector(cc);
    throwPendingStatus();
    if (!kernelsCreated)
        createKernels();
    const int n = particles.size();
    setPeriodicBoxArgs(cc, aevKernel, 8);
    setPeriodicBoxArgs(cc, forcesKernel, 12);
    networksKernel->setArg(9, (int) includeForces);
    forcesKernel->setArg(11, (int) includeForces);
    aevKernel->execute(n * ATOM_GROUP_SIZE, ATOM_GROUP_SIZE);
    networksKernel->execute(numTiles * model->networks.size() * NETWORK_GROUP_SIZE, NETWORK_GROUP_SIZE);
    forcesKernel->execute(n * ATOM_GROUP_SIZE, ATOM_GROUP_SIZE);
    if (includeEnergy) {
        // The energy is read back now anyway: a wait for the status costs nothing more.
        vector<int> word;
        status.download(word);
        throwStatus(word.data(), "");
    }
    else {
        // An MD step computes forces only, and must not wait for the device: the status (bad positions leave the ML
        // forces zero; the fixed-point force buffer cannot hold a NaN that OpenMM would then refuse) is copied
        // without a wait, after the kernels in the same queue, and read at the next evaluation, which raises.
        if (!statusCopied)
            statusCopied = cc.createEvent();
        status.download(statusCopy.get(), false);
        statusCopied->enqueue();
        statusPending = true;
    }
    return selfEnergy; // the networks' share went into OpenMM's energy buffer
}

void CommonCalcAniForceKernel::throwPendingStatus() {
    if (!statusPending)
        return;
    statusPending = false;
    statusCopied->wait(); // long complete in practice: the copy was queued an evaluation ago
    throwStatus(statusCopy.get(),
            " (found at the evaluation before this one, which computed forces only and left this force's forces "
            "zero: on OpenCL and CUDA such an evaluation does not wait for the device, and its error is raised here)");
}

void CommonCalcAniForceKernel::throwStatus(const int* word, const char* when) {
    if (word[0] == 0)
        return;
    int a = particles[word[1]], b = particles[word[2]];
    if (word[0] == 1)
        throwAniError("particle ", a, " has a position that is not finite or beyond 1e5 nm (the simulation has ",
                "probably blown up)", when);
    if (word[0] == 2)
        throwAniError("ML atoms ", word[1], " and ", word[2], " (entries of the force; particles ", a, " and ", b,
                ") are at the same point (the simulation has probably blown up)", when);
    throwAniError(
            "particle ", a, " has more than 256 ML atoms within the model's cutoff (the GPU kernels' limit)", when);
}

void CommonCalcAniForceKernel::copyParametersToContext(ContextImpl& context, const AniForce& force) {
    ContextSelector selector(cc);
    uploadSpecies(force);
}
