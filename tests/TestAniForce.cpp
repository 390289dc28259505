// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
//
// AniForce from C++, on every platform and precision, on the tests' own ANI model (random weights, written by the
// ctest fixture WriteRandomAniModel with tests/python/helpers/random_ani_model.py, so that it runs on any checkout):
// energies against Reference's, forces against finite differences, bad positions in forces-only steps, a
// serialization round trip. Where the published ANI-2x files are present, its energy of one molecule against
// TorchANI's too (float64, same NeuroChem files; the value tools/ani_reference_values.py computed). The Python tests
// cover the molecules, periodic cases, an independent NumPy formulation and bad input in full.
#include "AniForce.h"
#include "LigandTestSystem.h"
#include "openmm/Context.h"
#include "openmm/OpenMMException.h"
#include "openmm/Platform.h"
#include "openmm/System.h"
#include "openmm/VerletIntegrator.h"
#include "openmm/serialization/XmlSerializer.h"
#include <gtest/gtest.h>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>

using namespace OpenMM;
using namespace OpenMMLigand;
using LigandTest::availablePlatforms;
using LigandTest::PlatformConfig;

namespace {

/** The tests' random-weight model: its directory, from the ctest fixture; a run without it fails, never skips. */
std::string modelDirectory() {
    const char* given = std::getenv("OPENMMLIGAND_TEST_ANI_MODEL");
    return given != nullptr ? given : "";
}

bool haveModel() {
    if (!modelDirectory().empty() && std::filesystem::is_directory(modelDirectory()))
        return true;
    ADD_FAILURE() << "no test ANI model at $OPENMMLIGAND_TEST_ANI_MODEL ('" << modelDirectory()
                  << "'): ctest writes it (fixture WriteRandomAniModel); by hand, run "
                     "tests/python/helpers/random_ani_model.py DIR and set the variable to DIR";
    return false;
}

/** The published ANI-2x files, where this machine has them. */
std::string ani2xDirectory() {
    const char* given = std::getenv("OPENMMLIGAND_ANI2X_MODEL");
    return given != nullptr ? given : OPENMMLIGAND_ANI2X_MODEL;
}

// Methanethiol and a water (RDKit conformer), nm; TorchANI's ANI-2x energy of it in kJ/mol.
const int ATOMIC_NUMBERS[] = {6, 16, 8, 1, 1, 1, 1, 1, 1};
const double POSITIONS[][3] = {{-0.04878417563022756, 0.001503744427241102, -0.0075743629596744435},
        {0.11400037705045989, -0.07516471263382427, -0.020529667288552225},
        {0.0017953994878271754, 0.039740979319112794, 0.0},
        {-0.07486010127473101, 0.0157869509095769, 0.09758637766128923},
        {-0.12380917382762566, -0.06252072314962963, -0.05461780821258373},
        {-0.048200705213204235, 0.09862594968664697, -0.057671171643451535},
        {0.18165377889532752, 0.021768790759990005, 0.04280663244297199},
        {-0.07716669105722826, -0.016424837139901526, 0.0}, {0.07537129156940245, -0.02331614217921134, 0.0}};
const double TORCHANI_ENERGY = -1344497.3921834049;
const int N = 9;

class AniForceTest : public ::testing::TestWithParam<PlatformConfig> {
protected:
    void SetUp() override {
        if (!haveModel())
            return;
        // Every platform our plugins load on has both forces' kernels (the plugin loading is checked in TestMain).
        ASSERT_TRUE(platform().supportsKernels({"CalcAniForce"})) << GetParam().label() << " has no AniForce kernel";
        force = new AniForce(modelDirectory());
        for (int i = 0; i < N; i++) {
            system.addParticle(1.0);
            force->addParticle(i, ATOMIC_NUMBERS[i]);
            positions.push_back(Vec3(POSITIONS[i][0], POSITIONS[i][1], POSITIONS[i][2]));
        }
        system.addForce(force);
    }
    Platform& platform() const {
        return Platform::getPlatformByName(GetParam().platform);
    }
    std::map<std::string, std::string> properties() const {
        if (GetParam().precision.empty())
            return {};
        return {{"Precision", GetParam().precision}};
    }
    System system;
    AniForce* force = nullptr;
    std::vector<Vec3> positions;
};

TEST_P(AniForceTest, EnergyEqualsReferenceAndForcesEqualReferenceDifferences) {
    if (force == nullptr)
        return;
    VerletIntegrator integrator(0.001);
    Context context(system, integrator, platform(), properties());
    context.setPositions(positions);
    State state = context.getState(State::Energy | State::Forces);
    VerletIntegrator referenceIntegrator(0.001);
    Context reference(system, referenceIntegrator, Platform::getPlatformByName("Reference"));
    reference.setPositions(positions);
    const double referenceEnergy = reference.getState(State::Energy).getPotentialEnergy();
    EXPECT_NEAR(referenceEnergy, state.getPotentialEnergy(), 1e-6 * std::abs(referenceEnergy));
    // Five-point differences of the Reference energy (double precision; a float platform's energy is too coarse
    // to difference): every platform's forces against them, to its precision.
    // The CPU kernel's networks and single/mixed precision GPU kernels compute in float.
    const double h = 1e-5, tolerance = GetParam().platform == "Reference" ? 1e-5 : 1e-4;
    for (int atom = 0; atom < N; atom++)
        for (int k = 0; k < 3; k++) {
            double e[4];
            const int steps[] = {2, 1, -1, -2};
            for (int s = 0; s < 4; s++) {
                std::vector<Vec3> moved = positions;
                moved[atom][k] += steps[s] * h;
                reference.setPositions(moved);
                e[s] = reference.getState(State::Energy).getPotentialEnergy();
            }
            double difference = -(8 * (e[1] - e[2]) - (e[0] - e[3])) / (12 * h);
            double f = state.getForces()[atom][k];
            EXPECT_NEAR(f, difference, 1e-3 + tolerance * std::abs(f)) << "atom " << atom << " coordinate " << k;
        }
}

TEST_P(AniForceTest, SerializationRoundTripGivesTheSameEnergy) {
    if (force == nullptr)
        return;
    std::stringstream buffer;
    XmlSerializer::serialize<System>(&system, "System", buffer);
    std::unique_ptr<System> copy(XmlSerializer::deserialize<System>(buffer));
    VerletIntegrator integrator1(0.001), integrator2(0.001);
    Context context1(system, integrator1, platform(), properties());
    Context context2(*copy, integrator2, platform(), properties());
    context1.setPositions(positions);
    context2.setPositions(positions);
    EXPECT_EQ(context1.getState(State::Energy).getPotentialEnergy(),
            context2.getState(State::Energy).getPotentialEnergy());
}

// MD steps compute forces only: two ML atoms at one point must raise (at once, or on GPU platforms from the next
// evaluation, the check being read back without a wait), never leave the ML forces zero while steps go on.
TEST_P(AniForceTest, AForcesOnlyStepWithTwoAtomsAtOnePointRaisesByTheNextStep) {
    if (force == nullptr)
        return;
    VerletIntegrator integrator(0.0001);
    Context context(system, integrator, platform(), properties());
    std::vector<Vec3> collapsed = positions;
    collapsed[1] = collapsed[0];
    context.setPositions(collapsed);
    try {
        integrator.step(1);
        integrator.step(1);
        FAIL() << "two steps with two ML atoms at one point went on";
    }
    catch (const OpenMMException& e) {
        EXPECT_NE(std::string(e.what()).find("ML atoms 0 and 1"), std::string::npos) << e.what();
    }
    context.setPositions(positions);
    integrator.step(2); // nothing stale is raised
}

TEST(AniForceModel, AnUnsupportedElementIsRefusedNamingTheParticle) {
    if (!haveModel())
        return;
    AniForce force(modelDirectory());
    try {
        force.addParticle(4, 26);
        FAIL() << "iron was accepted";
    }
    catch (const OpenMMException& e) {
        EXPECT_NE(std::string(e.what()).find("particle 4 has atomic number 26"), std::string::npos) << e.what();
    }
}

// The published model against the real peer (a check of data where it is present, not of a kernel: every kernel
// test above runs on the tests' own model).
TEST(Ani2x, EnergyEqualsTorchAniOnEveryPlatform) {
    if (!std::filesystem::is_directory(ani2xDirectory()))
        GTEST_SKIP() << "the ANI-2x model files are not at " << ani2xDirectory();
    for (const PlatformConfig& config : availablePlatforms()) {
        System system;
        AniForce* force = new AniForce(ani2xDirectory());
        std::vector<Vec3> positions;
        for (int i = 0; i < N; i++) {
            system.addParticle(1.0);
            force->addParticle(i, ATOMIC_NUMBERS[i]);
            positions.push_back(Vec3(POSITIONS[i][0], POSITIONS[i][1], POSITIONS[i][2]));
        }
        system.addForce(force);
        std::map<std::string, std::string> properties;
        if (!config.precision.empty())
            properties["Precision"] = config.precision;
        VerletIntegrator integrator(0.001);
        Context context(system, integrator, Platform::getPlatformByName(config.platform), properties);
        context.setPositions(positions);
        EXPECT_NEAR(
                TORCHANI_ENERGY, context.getState(State::Energy).getPotentialEnergy(), 1e-6 * std::abs(TORCHANI_ENERGY))
                << config.label();
    }
}

INSTANTIATE_TEST_SUITE_P(AllPlatforms, AniForceTest, ::testing::ValuesIn(availablePlatforms()),
        [](const ::testing::TestParamInfo<PlatformConfig>& info) { return info.param.label(); });

} // namespace
