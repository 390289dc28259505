// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
// The LigandCouplingForce test bodies, written once and run on every platform that has the kernel
// (Reference, CPU, and the GPU platforms in every precision when they are loaded).

#include "LigandTestSystem.h"
#include "LambdaDependence.h"
#include "openmm/OpenMMException.h"
#include <cmath>
#include <functional>
#include <gtest/gtest.h>

using namespace LigandTest;
using namespace OpenMM;
using OpenMMLigand::LigandCouplingForce;

class LigandCouplingForceTest : public ::testing::TestWithParam<PlatformConfig> {
protected:
    const PlatformConfig& config() const {
        return GetParam();
    }
    /** Evaluate a System on this test's platform. */
    Evaluation run(System& system, const std::vector<Vec3>& positions, double ls, double le, int groups = -1) {
        VerletIntegrator integrator(0.001);
        std::unique_ptr<Context> context(makeContext(system, config(), integrator));
        context->setPositions(positions);
        return evaluate(*context, ls, le, groups);
    }
    /** Evaluate a System on the Reference platform, in double precision: the expected values. */
    static Evaluation reference(System& system, const std::vector<Vec3>& positions, double ls, double le) {
        VerletIntegrator integrator(0.001);
        Context context(system, integrator, Platform::getPlatformByName("Reference"));
        context.setPositions(positions);
        return evaluate(context, ls, le);
    }
};

static const std::vector<std::pair<double, double>> lambdas = {
        {1.0, 1.0}, {0.5, 0.3}, {0.2, 1.0}, {1.0, 0.0}, {0.0, 0.0}};

static void expectClose(double expected, double actual, double tolerance, double scale, const std::string& what) {
    EXPECT_NEAR(expected, actual, tolerance * std::max(std::fabs(expected), scale)) << what;
}

TEST_P(LigandCouplingForceTest, MatchesCustomNonbondedForceFormulation) {
    struct Case {
        const char* name;
        ForceSettings settings;
        bool triclinic;
    };
    std::vector<Case> cases;
    for (auto method : {LigandCouplingForce::NoCutoff, LigandCouplingForce::CutoffNonPeriodic,
                 LigandCouplingForce::CutoffPeriodic}) {
        ForceSettings s;
        s.method = method;
        cases.push_back({"plain", s, false});
        s.switching = true;
        cases.push_back({"switching", s, false});
        s.switching = false;
        s.electrostatics = LigandCouplingForce::NoElectrostatics;
        cases.push_back({"no electrostatics", s, false});
    }
    ForceSettings softcore;
    softcore.alpha = 0.7;
    softcore.a = 2;
    softcore.b = 2;
    softcore.c = 3;
    softcore.beta = 0.4;
    softcore.e = 2;
    softcore.f = 2;
    cases.push_back({"non-default softcore", softcore, false});
    ForceSettings triclinic;
    triclinic.switching = true;
    cases.push_back({"triclinic box", triclinic, true});
    ForceSettings noInternal;
    noInternal.internalLJ = false;
    cases.push_back({"no ligand-internal LJ", noInternal, false});

    for (const Case& c : cases) {
        TestSystem t = makeTestSystem(3.0, c.triclinic);
        std::unique_ptr<System> ours(systemWith(t, {makeForce(t, c.settings)}));
        std::unique_ptr<System> custom(systemWith(t, customEquivalent(t, c.settings)));
        for (auto lambda : lambdas) {
            std::stringstream label;
            label << c.name << ", method " << c.settings.method << ", lambda (" << lambda.first << ", " << lambda.second
                  << ")";
            Evaluation expected = reference(*custom, t.positions, lambda.first, lambda.second);
            Evaluation actual = run(*ours, t.positions, lambda.first, lambda.second);
            expectClose(expected.energy, actual.energy, config().tolerance(), 1.0, label.str() + ": energy");
            EXPECT_LT(relativeForceError(actual.forces, expected.forces), 10 * config().tolerance())
                    << label.str() << ": forces";
            for (const char* name : {"lambda_sterics", "lambda_electrostatics"})
                expectClose(expected.derivatives[name], actual.derivatives[name], config().tolerance(), 1.0,
                        label.str() + ": d/d" + name);
        }
    }
}

TEST_P(LigandCouplingForceTest, RestoresNonbondedForceAtFullCoupling) {
    // NonbondedForce with the ligand's epsilons zeroed, plus LigandCouplingForce carrying the ligand's
    // Lennard-Jones (inter and intra) and its dispersion share, must equal the original NonbondedForce.
    for (auto method : {LigandCouplingForce::NoCutoff, LigandCouplingForce::CutoffNonPeriodic,
                 LigandCouplingForce::CutoffPeriodic})
        for (bool switching : {false, true}) {
            TestSystem t = makeTestSystem(3.0, method == LigandCouplingForce::CutoffPeriodic && switching);
            ForceSettings s;
            s.method = method;
            s.switching = switching;
            s.electrostatics = LigandCouplingForce::NoElectrostatics;
            s.dispersion = true;
            auto makeNonbonded = [&](bool ligandOff) {
                NonbondedForce* nb = new NonbondedForce();
                nb->setNonbondedMethod((NonbondedForce::NonbondedMethod) method);
                nb->setCutoffDistance(s.cutoff);
                nb->setUseSwitchingFunction(switching);
                nb->setSwitchingDistance(s.switchingDistance);
                nb->setUseDispersionCorrection(true);
                for (size_t i = 0; i < t.charge.size(); i++)
                    nb->addParticle(t.charge[i], t.sigma[i], (ligandOff && i < t.ligand.size()) ? 0.0 : t.epsilon[i]);
                for (auto& ex : t.exclusions)
                    nb->addException(ex.first, ex.second, 0.0, 1.0, 0.0);
                return nb;
            };
            std::unique_ptr<System> original(systemWith(t, {makeNonbonded(false)}));
            std::unique_ptr<System> split(systemWith(t, {makeNonbonded(true), makeForce(t, s)}));
            Evaluation expected = run(*original, t.positions, 1.0, 1.0);
            Evaluation actual = run(*split, t.positions, 1.0, 1.0);
            std::stringstream label;
            label << "method " << method << (switching ? ", switching" : "");
            expectClose(expected.energy, actual.energy, config().nonbondedTolerance(), 1.0, label.str() + ": energy");
            EXPECT_LT(relativeForceError(actual.forces, expected.forces), 10 * config().nonbondedTolerance())
                    << label.str();
        }
}

TEST_P(LigandCouplingForceTest, ForcesMatchFiniteDifferences) {
    TestSystem t = makeTestSystem(3.0, true);
    ForceSettings s;
    s.switching = true;
    s.beta = 0.3;
    s.f = 2;
    s.dispersion = true;
    std::unique_ptr<System> system(systemWith(t, {makeForce(t, s)}));
    VerletIntegrator integrator(0.001);
    std::unique_ptr<Context> context(makeContext(*system, config(), integrator));
    double h = config().isDouble() ? 1e-5 : 2e-3;
    double tolerance = config().isDouble() ? 1e-5 : 2e-2;
    for (auto lambda : {std::make_pair(1.0, 1.0), std::make_pair(0.4, 0.6)}) {
        context->setPositions(t.positions);
        Evaluation base = evaluate(*context, lambda.first, lambda.second);
        // Every ligand atom and a few environment atoms, every coordinate.
        for (int atom : {0, 1, 2, 3, 4, 5, 40, 300}) {
            for (int axis = 0; axis < 3; axis++) {
                std::vector<Vec3> moved = t.positions;
                moved[atom][axis] += h;
                context->setPositions(moved);
                double plus = evaluate(*context, lambda.first, lambda.second).energy;
                moved[atom][axis] -= 2 * h;
                context->setPositions(moved);
                double minus = evaluate(*context, lambda.first, lambda.second).energy;
                double numeric = -(plus - minus) / (2 * h);
                EXPECT_NEAR(numeric, base.forces[atom][axis], tolerance * std::max(1.0, std::fabs(numeric)))
                        << "atom " << atom << " axis " << axis << " lambda " << lambda.first << "," << lambda.second;
            }
        }
    }
}

TEST_P(LigandCouplingForceTest, LambdaDerivativesMatchFiniteDifferences) {
    TestSystem t = makeTestSystem(3.0, false);
    for (bool electrostaticSoftcore : {false, true}) {
        ForceSettings s;
        s.dispersion = true;
        s.switching = true;
        if (electrostaticSoftcore) {
            s.beta = 0.5;
            s.f = 2;
            s.a = 2;
        }
        std::unique_ptr<System> system(systemWith(t, {makeForce(t, s)}));
        VerletIntegrator integrator(0.001);
        std::unique_ptr<Context> context(makeContext(*system, config(), integrator));
        context->setPositions(t.positions);
        double h = config().isDouble() ? 1e-5 : 1e-3;
        double tolerance = config().isDouble() ? 1e-6 : 1e-2;
        for (double l : {0.0, 0.25, 0.5, 0.9, 1.0}) {
            Evaluation base = evaluate(*context, l, l);
            for (int which = 0; which < 2; which++) {
                auto energyAt = [&](double x) {
                    return which == 0 ? evaluate(*context, x, l).energy : evaluate(*context, l, x).energy;
                };
                // Central differences inside [0, 1], second-order one-sided ones at the ends.
                double numeric;
                if (l == 0.0)
                    numeric = (-3 * energyAt(0.0) + 4 * energyAt(h) - energyAt(2 * h)) / (2 * h);
                else if (l == 1.0)
                    numeric = (3 * energyAt(1.0) - 4 * energyAt(1.0 - h) + energyAt(1.0 - 2 * h)) / (2 * h);
                else
                    numeric = (energyAt(l + h) - energyAt(l - h)) / (2 * h);
                const char* name = (which == 0 ? "lambda_sterics" : "lambda_electrostatics");
                EXPECT_NEAR(numeric, base.derivatives[name], tolerance * std::max(1.0, std::fabs(numeric)))
                        << name << " at " << l << (electrostaticSoftcore ? " with electrostatic softcore" : "");
            }
        }
    }
}

TEST_P(LigandCouplingForceTest, DecoupledLigandFeelsNoEnvironment) {
    // At lambda = 0 a rigid translation of the ligand changes neither the energy nor any environment force.
    TestSystem t = makeTestSystem(3.0, true);
    ForceSettings s;
    s.dispersion = true;
    std::unique_ptr<System> system(systemWith(t, {makeForce(t, s)}));
    Evaluation before = run(*system, t.positions, 0.0, 0.0);
    std::vector<Vec3> moved = t.positions;
    for (int i : t.ligand)
        moved[i] += Vec3(0.37, -0.52, 0.81);
    Evaluation after = run(*system, moved, 0.0, 0.0);
    EXPECT_NEAR(
            before.energy, after.energy, config().isDouble() ? 1e-10 : 1e-5 * std::max(1.0, std::fabs(before.energy)));
    for (size_t i = t.ligand.size(); i < t.positions.size(); i++)
        EXPECT_NEAR(0.0, std::sqrt(after.forces[i].dot(after.forces[i])), 1e-12) << "environment particle " << i;
    // The ligand-internal Lennard-Jones is still there: the energy is not zero.
    EXPECT_GT(std::fabs(before.energy), 1e-3);
}

TEST_P(LigandCouplingForceTest, UpdateParametersInContext) {
    TestSystem t = makeTestSystem(3.0, false);
    ForceSettings s;
    s.dispersion = true;
    LigandCouplingForce* force = makeForce(t, s);
    std::unique_ptr<System> system(systemWith(t, {force}));
    VerletIntegrator integrator(0.001);
    std::unique_ptr<Context> context(makeContext(*system, config(), integrator));
    context->setPositions(t.positions);
    double before = evaluate(*context, 0.7, 0.7).energy;
    force->setParticleParameters(1, 0.3, 0.31, 0.9);
    force->setParticleParameters(50, -0.2, 0.35, 0.4);
    force->setSoftcoreParameters(0.3, 1, 1, 6);
    force->updateParametersInContext(*context);
    double updated = evaluate(*context, 0.7, 0.7).energy;
    Evaluation fresh = run(*system, t.positions, 0.7, 0.7);
    EXPECT_GT(std::fabs(updated - before), 1e-3);
    expectClose(fresh.energy, updated, config().tolerance(), 1.0, "energy after updateParametersInContext");
    // Settings that change the structure of the computation need reinitialize().
    force->setNonbondedMethod(LigandCouplingForce::CutoffNonPeriodic);
    try {
        force->updateParametersInContext(*context);
        FAIL() << "changing the nonbonded method through updateParametersInContext must throw";
    }
    catch (const OpenMMException& e) {
        EXPECT_NE(std::string(e.what()).find("nonbonded method"), std::string::npos) << e.what();
    }
}

/** Compare this platform with Reference for one System and set of positions. */
/**
 * The lambda-dependent set-ups of the System-level tests (getStateEnergies, getLambdaDerivatives):
 * 0: the force carries reaction-field electrostatics with a softcore itself, in its own force group;
 * 1: decouple's exact-PME route: a NonbondedForce scales the ligand's charges with lambda_electrostatics
 *    through offsets (its energy quadratic in it), the force (no electrostatics) shares its group;
 * 2: both at once in one group (reaction field);
 * 3: as 2 with an Ewald NonbondedForce, whose quadratic is fitted to group energies at three lambda_e: the
 *    force's own lambda_electrostatics dependence must be taken out of them;
 * 4: as 1 with LJPME, which takes the fitted route (OpenMM 7.7's OpenCL will not report an LJPME grid).
 */
static System* makeLambdaSetup(int setup, const TestSystem& t, LigandCouplingForce*& force) {
    bool offsets = (setup != 0), pme = (setup == 1 || setup == 4), ewald = (setup == 3);
    ForceSettings s;
    s.electrostatics = pme ? LigandCouplingForce::NoElectrostatics : LigandCouplingForce::ReactionField;
    s.beta = pme ? 0.0 : 0.4;
    s.dispersion = true;
    force = makeForce(t, s);
    force->setForceGroup(setup == 0 ? 1 : 0);
    NonbondedForce* nb = new NonbondedForce();
    nb->setNonbondedMethod(setup == 4 ? NonbondedForce::LJPME
                           : pme      ? NonbondedForce::PME
                           : ewald    ? NonbondedForce::Ewald
                                      : NonbondedForce::CutoffPeriodic);
    nb->setCutoffDistance(s.cutoff);
    nb->addGlobalParameter("lambda_electrostatics", 1.0);
    for (size_t i = 0; i < t.charge.size(); i++) {
        bool ligand = i < t.ligand.size();
        nb->addParticle((ligand ? 0.0 : t.charge[i]), t.sigma[i], ligand ? 0.0 : t.epsilon[i]);
        if (ligand && offsets)
            nb->addParticleParameterOffset("lambda_electrostatics", i, t.charge[i], 0.0, 0.0);
    }
    for (auto& ex : t.exclusions)
        nb->addException(ex.first, ex.second, 0.0, 1.0, 0.0);
    // OpenMM 7.7's OpenCL NonbondedForce crashes with particle offsets but no exception offsets, and with
    // exception offsets but no particle offsets (both pinned here and in tests/python/test_opencl_bug.py).
    if (offsets)
        nb->addExceptionParameterOffset("lambda_electrostatics", 0, 0.0, 0.0, 0.0);
    return systemWith(t, {nb, force});
}

TEST_P(LigandCouplingForceTest, StateEnergiesMatchTheParameterLoop) {
    // getStateEnergies() against the independent formulation: setParameter + getState per state (makeLambdaSetup).
    const std::vector<double> states_s = {1.0, 1.0, 1.0, 0.6, 0.3, 0.0, 0.8, 0.05};
    const std::vector<double> states_e = {1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.3, 0.9};
    for (int setup : {0, 1, 2, 3, 4}) {
        TestSystem t = makeTestSystem(3.0, setup != 3); // OpenMM's Ewald needs a rectangular box
        LigandCouplingForce* force;
        std::unique_ptr<System> system(makeLambdaSetup(setup, t, force));
        VerletIntegrator integrator(0.001);
        std::unique_ptr<Context> context(makeContext(*system, config(), integrator));
        context->setPositions(t.positions);
        context->setParameter("lambda_sterics", 0.7);
        context->setParameter("lambda_electrostatics", 0.4);
        std::vector<double> energies = force->getStateEnergies(*context, states_s, states_e);
        ASSERT_EQ(energies.size(), states_s.size());
        EXPECT_EQ(0.7, context->getParameter("lambda_sterics"));
        EXPECT_EQ(0.4, context->getParameter("lambda_electrostatics"));
        std::vector<double> expected;
        double scale = 0;
        for (size_t k = 0; k < states_s.size(); k++) {
            expected.push_back(evaluate(*context, states_s[k], states_e[k]).energy);
            scale = std::max(scale, std::fabs(expected.back()));
        }
        for (size_t k = 0; k < states_s.size(); k++)
            expectClose(expected[k], energies[k], 2 * config().nonbondedTolerance(), scale,
                    "set-up " + std::to_string(setup) + ", state " + std::to_string(k));
    }
}

/** A finite difference of the Reference platform's energy in one lambda (see the Python test's twin). */
static double referenceDifference(Context& context, const std::string& name, double value, bool quadratic) {
    // Where the energy is exactly quadratic in the parameter a wide step with second-order formulas is exact;
    // elsewhere fourth-order formulas with a step of 1e-3. One-sided at an end of [0, 1].
    double h = quadratic ? 0.1 : 1e-3;
    auto at = [&](double x) {
        context.setParameter(name, x);
        return context.getState(State::Energy).getPotentialEnergy();
    };
    double result;
    if (value - 2 * h >= 0.0 && value + 2 * h <= 1.0)
        result = quadratic ? (at(value + h) - at(value - h)) / (2 * h)
                           : (8 * (at(value + h) - at(value - h)) - (at(value + 2 * h) - at(value - 2 * h))) / (12 * h);
    else {
        double sign = (value - 2 * h < 0.0 ? 1.0 : -1.0);
        double f[5];
        for (int k = 0; k < 5; k++)
            f[k] = at(value + sign * k * h);
        result = sign * (quadratic ? (-3 * f[0] + 4 * f[1] - f[2]) / (2 * h)
                                   : (-25 * f[0] + 48 * f[1] - 36 * f[2] + 16 * f[3] - 3 * f[4]) / (12 * h));
    }
    context.setParameter(name, value);
    return result;
}

TEST_P(LigandCouplingForceTest, SystemLambdaDerivativesMatchADoublePrecisionDifference) {
    // getLambdaDerivatives() of the whole System against a finite difference of the Reference platform's energy
    // at the positions this platform holds (single precision rounds them), in the set-ups of makeLambdaSetup:
    // exact routes (0-2) to 1e-5 relative on every platform; the fitted route (4: group energies at three
    // lambda_e in the platform's precision) to the platform's NonbondedForce tolerance. Set-up 3 (the force's own
    // electrostatic softcore in a plain-Ewald NonbondedForce's group) has no exact route: refused, named.
    // One Context per set-up (and one Reference Context beside it), every lambda pair in turn.
    for (int setup : {0, 1, 2, 3, 4}) {
        TestSystem t = makeTestSystem(3.0, setup != 3);
        LigandCouplingForce* force;
        std::unique_ptr<System> system(makeLambdaSetup(setup, t, force));
        VerletIntegrator integrator(0.001), referenceIntegrator(0.001);
        std::unique_ptr<Context> context(makeContext(*system, config(), integrator));
        context->setPositions(t.positions);
        if (setup == 3) {
            try {
                force->getLambdaDerivatives(*context);
                ADD_FAILURE() << "set-up 3: no exception";
            }
            catch (const OpenMMException& e) {
                EXPECT_NE(
                        std::string(e.what()).find("electrostatic softcore and shares force group"), std::string::npos)
                        << e.what();
            }
            continue;
        }
        context->getState(State::Energy); // OpenMM's CPU platform reports its PME grid only after an evaluation
        if (setup == 1) {
            // The same PME grid as this Context's (the GPU platforms pick other sizes than Reference).
            NonbondedForce& nb = dynamic_cast<NonbondedForce&>(system->getForce(0));
            double alpha;
            int nx, ny, nz;
            nb.getPMEParametersInContext(*context, alpha, nx, ny, nz);
            nb.setPMEParameters(alpha, nx, ny, nz);
        }
        Context reference(*system, referenceIntegrator, Platform::getPlatformByName("Reference"));
        reference.setPositions(context->getState(State::Positions).getPositions());
        for (auto lambda : lambdas) {
            context->setParameter("lambda_sterics", lambda.first);
            context->setParameter("lambda_electrostatics", lambda.second);
            std::vector<double> derivatives = force->getLambdaDerivatives(*context);
            ASSERT_EQ(2u, derivatives.size());
            EXPECT_EQ(lambda.first, context->getParameter("lambda_sterics"));
            EXPECT_EQ(lambda.second, context->getParameter("lambda_electrostatics"));
            reference.setParameter("lambda_sterics", lambda.first);
            reference.setParameter("lambda_electrostatics", lambda.second);
            const char* names[2] = {"lambda_sterics", "lambda_electrostatics"};
            double values[2] = {lambda.first, lambda.second};
            for (int k = 0; k < 2; k++) {
                // Quadratic in lambda_electrostatics unless the force carries softcore electrostatics itself.
                bool quadratic = (k == 1 && (setup == 1 || setup == 4));
                double expected = referenceDifference(reference, names[k], values[k], quadratic);
                double tolerance = (setup == 4 && k == 1) ? config().nonbondedTolerance() * 1e3 : 1e-5;
                EXPECT_NEAR(expected, derivatives[k], tolerance * std::max(1.0, std::fabs(expected)))
                        << "set-up " << setup << ", " << names[k] << " at (" << lambda.first << ", " << lambda.second
                        << ")";
            }
        }
    }
}

TEST_P(LigandCouplingForceTest, BadPositionsNeverGiveAFiniteNumber) {
    // A NaN, infinite or absurd coordinate of a ligand or an environment atom: every entry point throws, naming
    // the particle (or, for OpenMM's own checks, NaN coordinates), or - getState on a GPU - returns NaN.
    TestSystem t0 = makeTestSystem(3.0, true);
    const int environmentAtom = t0.charge.size() - 1;
    TestSystem t = makeTestSystem(3.0, true);
    LigandCouplingForce* force;
    std::unique_ptr<System> system(makeLambdaSetup(1, t, force));
    VerletIntegrator integrator(0.001);
    std::unique_ptr<Context> context(makeContext(*system, config(), integrator));
    for (int atom : {0, environmentAtom}) {
        for (double value : {std::nan(""), (double) INFINITY, 1e30}) {
            std::vector<Vec3> positions = t.positions;
            positions[atom][1] = value;
            std::string what = "atom " + std::to_string(atom) + " at " + std::to_string(value);
            auto refused = [&](const std::function<double()>& call, bool nanAllowed) {
                try {
                    double result = call();
                    EXPECT_TRUE(nanAllowed && std::isnan(result)) << what << ": returned " << result;
                }
                catch (const OpenMMException& e) {
                    std::string message = e.what();
                    EXPECT_TRUE(message.find("has the position") != std::string::npos ||
                                message.find("coordinate is NaN") != std::string::npos ||
                                message.find("coordinate is nan") != std::string::npos)
                            << what << ": " << message;
                }
            };
            // OpenMM's own kernels do not survive a non-finite coordinate, with or without this plugin: its Reference
            // PME writes out of bounds (7.7: valgrind, pme_exec; 8.6.1: AddressSanitizer, grid_spread_charge), its
            // OpenCL PME and neighbour list segfault under PoCL (8.6.1: gridInterpolateForce; 7.7:
            // prepareInteractions); only its CPU platform refuses. Elsewhere getState is not asked; our entry points
            // refuse before OpenMM evaluates.
            bool openmmCrashes = !std::isfinite(value) && config().platform != "CPU";
            if (openmmCrashes)
                context->setPositions(positions);
            else
                refused(
                        [&] {
                            context->setPositions(positions);
                            return context->getState(State::Energy).getPotentialEnergy();
                        },
                        config().platform != "Reference" && config().platform != "CPU");
            refused([&] { return force->getStateEnergies(*context, {1.0, 0.5}, {1.0, 0.2})[1]; }, false);
            refused([&] { return force->getLambdaDerivatives(*context)[1]; }, false);
            refused([&] { return force->getInteractionEnergies(*context, std::vector<int>(t.charge.size(), 0), 1)[0]; },
                    false);
        }
    }
}

TEST(LambdaDependenceTest, PolynomialDegreeOfAnExpression) {
    using OpenMMLigand::LambdaDependence;
    const int none = LambdaDependence::NOT_POLYNOMIAL;
    EXPECT_EQ(0, LambdaDependence::degree("k*r^2", "L"));
    EXPECT_EQ(1, LambdaDependence::degree("L*138.9*qq/r", "L"));
    EXPECT_EQ(2, LambdaDependence::degree("(1-L^2)*step(1.2-r)*138.9*qq*(1/r+0.1*r^2-0.2)", "L"));
    EXPECT_EQ(2, LambdaDependence::degree("(1-L)^2*q", "L"));
    EXPECT_EQ(2, LambdaDependence::degree("a*b; a=L*q; b=L+1", "L"));
    EXPECT_EQ(3, LambdaDependence::degree("L^3*q", "L"));
    EXPECT_EQ(none, LambdaDependence::degree("exp(L)", "L"));
    EXPECT_EQ(none, LambdaDependence::degree("select(L,1,2)", "L"));
    EXPECT_EQ(none, LambdaDependence::degree("step(L-0.5)", "L"));
    EXPECT_EQ(none, LambdaDependence::degree("q/L", "L"));
    EXPECT_EQ(none, LambdaDependence::degree("L^0.5", "L"));
    EXPECT_EQ(0, LambdaDependence::degree("exp(r)/(1+r)", "L"));
}

TEST_P(LigandCouplingForceTest, InteractionEnergiesSumToTheForcesOwnTerms) {
    // Environment particles in three groups (every fourth in none): summed over groups, the Lennard-Jones at the
    // current lambda equals the force's ligand–environment LJ for those particles, and the electrostatics at full
    // coupling its reaction-field energy at lambda_e = 1 — each computed by a copy of the force that keeps only that
    // term and only those particles' parameters.
    TestSystem t = makeTestSystem(3.0, true);
    ForceSettings s;
    s.dispersion = false;
    s.internalLJ = false;
    std::vector<int> groups(t.charge.size(), -1);
    for (size_t j = t.ligand.size(); j < t.charge.size(); j++)
        groups[j] = (j % 4 == 3 ? -1 : j % 3);
    auto onlyGrouped = [&](bool lj) {
        TestSystem u = t;
        for (size_t j = t.ligand.size(); j < t.charge.size(); j++)
            if (groups[j] < 0)
                u.charge[j] = u.epsilon[j] = 0.0;
        for (size_t i = 0; i < u.charge.size(); i++) {
            if (!lj)
                u.epsilon[i] = 0.0;
            else
                u.charge[i] = 0.0;
        }
        return u;
    };
    std::unique_ptr<System> system(systemWith(t, {makeForce(t, s)}));
    VerletIntegrator integrator(0.001);
    std::unique_ptr<Context> context(makeContext(*system, config(), integrator));
    context->setPositions(t.positions);
    context->setParameter("lambda_sterics", 0.6);
    context->setParameter("lambda_electrostatics", 0.3);
    LigandCouplingForce& force = dynamic_cast<LigandCouplingForce&>(system->getForce(0));
    std::vector<double> energies = force.getInteractionEnergies(*context, groups, 3);
    ASSERT_EQ(12u, energies.size());
    double ljNow = 0, elecFull = 0, elecNow = 0;
    for (int g = 0; g < 3; g++) {
        ljNow += energies[4 * g + 1];
        elecFull += energies[4 * g + 2];
        elecNow += energies[4 * g + 3];
    }
    TestSystem ljOnly = onlyGrouped(true), elecOnly = onlyGrouped(false);
    ForceSettings noElec = s;
    noElec.electrostatics = LigandCouplingForce::NoElectrostatics;
    std::unique_ptr<System> ljSystem(systemWith(ljOnly, {makeForce(ljOnly, noElec)}));
    std::unique_ptr<System> elecSystem(systemWith(elecOnly, {makeForce(elecOnly, s)}));
    double expectedLJ = run(*ljSystem, t.positions, 0.6, 1.0).energy;
    double expectedElec = run(*elecSystem, t.positions, 1.0, 1.0).energy;
    expectClose(expectedLJ, ljNow, 10 * config().tolerance(), 1.0, "Lennard-Jones");
    expectClose(expectedElec, elecFull, 10 * config().tolerance(), 1.0, "electrostatics");
    expectClose(0.3 * elecFull, elecNow, 10 * config().tolerance(), 1.0, "electrostatics at the current lambda");
    EXPECT_GT(std::fabs(expectedLJ), 1e-3);
    EXPECT_GT(std::fabs(expectedElec), 1e-3);
    // Bad groups are named.
    EXPECT_THROW(force.getInteractionEnergies(*context, std::vector<int>(3, 0), 1), OpenMMException);
    std::vector<int> outOfRange(t.charge.size(), 3);
    EXPECT_THROW(force.getInteractionEnergies(*context, outOfRange, 3), OpenMMException);
}

static void expectMatchesReference(System& system, const std::vector<Vec3>& positions, const PlatformConfig& config,
        double ls, double le, const std::string& label, double extraEnergyTolerance = 0) {
    VerletIntegrator i1(0.001), i2(0.001);
    std::unique_ptr<Context> context(makeContext(system, config, i1));
    Context reference(system, i2, Platform::getPlatformByName("Reference"));
    context->setPositions(positions);
    reference.setPositions(positions);
    Evaluation expected = evaluate(reference, ls, le), actual = evaluate(*context, ls, le);
    EXPECT_NEAR(expected.energy, actual.energy,
            config.tolerance() * std::max(1.0, std::fabs(expected.energy)) + extraEnergyTolerance)
            << label;
    EXPECT_LT(relativeForceError(actual.forces, expected.forces), 10 * config.tolerance() + extraEnergyTolerance)
            << label;
}

TEST_P(LigandCouplingForceTest, LigandStraddlingThePeriodicBoundary) {
    for (bool triclinic : {false, true}) {
        TestSystem t = makeTestSystem(3.0, triclinic);
        // Move everything so that the ligand's centre sits on a corner of the box, then wrap into the box:
        // the ligand's atoms end up on opposite faces.
        Vec3 a, b, c;
        t.system.getDefaultPeriodicBoxVectors(a, b, c);
        Vec3 shift = t.positions[2];
        for (Vec3& p : t.positions) {
            p -= shift;
            p -= c * std::floor(p[2] / c[2]);
            p -= b * std::floor(p[1] / b[1]);
            p -= a * std::floor(p[0] / a[0]);
        }
        ForceSettings s;
        s.switching = true;
        s.dispersion = true;
        std::unique_ptr<System> system(systemWith(t, {makeForce(t, s)}));
        for (auto lambda : lambdas)
            expectMatchesReference(*system, t.positions, config(), lambda.first, lambda.second,
                    triclinic ? "triclinic, straddling" : "rectangular, straddling");
    }
}

TEST_P(LigandCouplingForceTest, NoEnvironmentAtomInRange) {
    TestSystem t = makeTestSystem(4.0, false);
    // Keep only environment atoms farther than 1.2 nm from every ligand atom; cutoff 0.9 nm.
    TestSystem sparse;
    Vec3 a, b, c;
    t.system.getDefaultPeriodicBoxVectors(a, b, c);
    sparse.system.setDefaultPeriodicBoxVectors(a, b, c);
    std::vector<int> keep;
    for (size_t j = 0; j < t.positions.size(); j++) {
        bool far = true;
        for (int i : t.ligand)
            far &= (j == (size_t) i) ||
                   std::sqrt((t.positions[j] - t.positions[i]).dot(t.positions[j] - t.positions[i])) > 1.2;
        if (far || j < t.ligand.size())
            keep.push_back(j);
    }
    for (int j : keep) {
        sparse.system.addParticle(1.0);
        sparse.positions.push_back(t.positions[j]);
        sparse.charge.push_back(t.charge[j]);
        sparse.sigma.push_back(t.sigma[j]);
        sparse.epsilon.push_back(t.epsilon[j]);
    }
    sparse.ligand = t.ligand;
    for (auto& ex : t.exclusions)
        if (ex.second < (int) t.ligand.size())
            sparse.exclusions.push_back(ex);
    ForceSettings s;
    ForceSettings noInternal = s;
    noInternal.internalLJ = false;
    std::unique_ptr<System> system(systemWith(sparse, {makeForce(sparse, s)}));
    std::unique_ptr<System> bare(systemWith(sparse, {makeForce(sparse, noInternal)}));
    expectMatchesReference(*system, sparse.positions, config(), 0.5, 0.5, "no environment atom in range");
    // Only the ligand's own Lennard-Jones is left.
    Evaluation nothing = run(*bare, sparse.positions, 0.5, 0.5);
    EXPECT_EQ(0.0, nothing.energy);
    EXPECT_EQ(0.0, nothing.derivatives["lambda_sterics"]);
}

TEST_P(LigandCouplingForceTest, EnvironmentAtomExactlyAtTheCutoff) {
    // Positions and cutoff chosen so that the pair distance is exactly 1 nm in floating point.
    System system;
    std::vector<Vec3> positions = {Vec3(2, 2, 2), Vec3(3, 2, 2), Vec3(2, 2.5, 2)};
    TestSystem t;
    for (size_t i = 0; i < positions.size(); i++) {
        t.system.addParticle(1.0);
        t.charge.push_back(i == 0 ? 0.5 : -0.25);
        t.sigma.push_back(0.3);
        t.epsilon.push_back(0.5);
    }
    t.positions = positions;
    t.ligand = {0};
    t.system.setDefaultPeriodicBoxVectors(Vec3(4, 0, 0), Vec3(0, 4, 0), Vec3(0, 0, 4));
    ForceSettings s;
    s.cutoff = 1.0;
    std::unique_ptr<System> ours(systemWith(t, {makeForce(t, s)}));
    std::unique_ptr<System> custom(systemWith(t, customEquivalent(t, s)));
    Evaluation expected = reference(*custom, positions, 0.6, 0.6);
    Evaluation actual = run(*ours, positions, 0.6, 0.6);
    // Single precision may round the pair at the cutoff either way: allow its (truncated) energy then.
    double atCutoff = config().isDouble()
                              ? 0.0
                              : 0.6 * 4 * 0.5 * (std::pow(0.3, 12) - std::pow(0.3, 6)) + 0.6 * ONE_4PI_EPS0 * 0.125;
    EXPECT_NEAR(
            expected.energy, actual.energy, config().tolerance() * std::fabs(expected.energy) + std::fabs(atCutoff));
}

TEST_P(LigandCouplingForceTest, PairSearchFollowsMovingAtoms) {
    // Hundreds of steps of hot dynamics under this force alone: atoms cross cells and periodic faces, and the
    // platform must still agree with Reference on the final configuration.
    TestSystem t = makeTestSystem(3.0, true);
    ForceSettings s;
    s.switching = true;
    std::unique_ptr<System> system(systemWith(t, {makeForce(t, s)}));
    VerletIntegrator integrator(0.002);
    std::unique_ptr<Context> context(makeContext(*system, config(), integrator));
    context->setPositions(t.positions);
    context->setVelocitiesToTemperature(2000.0, 7);
    context->setParameter("lambda_sterics", 0.5);
    context->setParameter("lambda_electrostatics", 0.5);
    integrator.step(300);
    std::vector<Vec3> moved = context->getState(State::Positions).getPositions();
    double travelled = 0;
    for (size_t i = 0; i < moved.size(); i++)
        travelled = std::max(travelled, std::sqrt((moved[i] - t.positions[i]).dot(moved[i] - t.positions[i])));
    EXPECT_GT(travelled, 0.5) << "atoms must move by more than a cutoff margin for the test to mean anything";
    expectMatchesReference(*system, moved, config(), 0.5, 0.5, "after 300 steps");
}

TEST_P(LigandCouplingForceTest, SeveralDevicesInOneContext) {
    // GPU platforms split a Context over devices; all of this force's work runs on the first one, and the
    // sum over devices must still be the whole force. One device listed twice exercises that path anywhere.
    if (config().platform != "OpenCL" && config().platform != "CUDA")
        GTEST_SKIP() << "only GPU platforms split a Context over devices";
    TestSystem t = makeTestSystem(3.0, false);
    ForceSettings s;
    s.dispersion = true;
    std::unique_ptr<System> system(systemWith(t, {makeForce(t, s)}));
    VerletIntegrator integrator(0.001);
    std::map<std::string, std::string> properties = {{"Precision", config().precision}, {"DeviceIndex", "0,0"}};
    Context context(*system, integrator, Platform::getPlatformByName(config().platform), properties);
    ASSERT_EQ("0,0", context.getPlatform().getPropertyValue(context, "DeviceIndex"));
    context.setPositions(t.positions);
    Evaluation actual = evaluate(context, 0.6, 0.4);
    Evaluation expected = reference(*system, t.positions, 0.6, 0.4);
    EXPECT_NEAR(expected.energy, actual.energy, config().tolerance() * std::fabs(expected.energy));
    EXPECT_LT(relativeForceError(actual.forces, expected.forces), 10 * config().tolerance());
    EXPECT_NEAR(expected.derivatives["lambda_sterics"], actual.derivatives["lambda_sterics"],
            config().tolerance() * std::max(1.0, std::fabs(expected.derivatives["lambda_sterics"])));
}

/** Expects creating a Context (or evaluating it) to throw an OpenMMException whose message contains text. */
static void expectRejected(System& system, const std::vector<Vec3>& positions, const PlatformConfig& config,
        const std::string& text, double lambdaSterics = 1.0) {
    VerletIntegrator integrator(0.001);
    try {
        std::unique_ptr<Context> context(makeContext(system, config, integrator));
        context->setPositions(positions);
        context->setParameter("lambda_sterics", lambdaSterics);
        context->getState(State::Energy);
        ADD_FAILURE() << "no exception; expected one mentioning '" << text << "'";
    }
    catch (const OpenMMException& e) {
        EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << "message: " << e.what();
    }
}

TEST_P(LigandCouplingForceTest, RejectsBadInput) {
    TestSystem t = makeTestSystem(3.0, false);
    ForceSettings s;
    auto check = [&](std::function<void(LigandCouplingForce&)> change, const std::string& text, double ls = 1.0) {
        LigandCouplingForce* force = makeForce(t, s);
        change(*force);
        std::unique_ptr<System> system(systemWith(t, {force}));
        expectRejected(*system, t.positions, config(), text, ls);
    };
    int n = t.charge.size();
    check(
            [&](LigandCouplingForce& f) {
                f.setLigandParticles({0, 1, n});
            },
            "ligand particle index out of range: " + std::to_string(n));
    check([&](LigandCouplingForce& f) { f.setLigandParticles({0, 1, 1}); }, "duplicate ligand particle index: 1");
    check([&](LigandCouplingForce& f) { f.setLigandParticles({}); }, "the ligand is empty");
    check(
            [&](LigandCouplingForce& f) {
                f.setEnvironmentParticles({7, 8, 2});
            },
            "particle 2 is in both the ligand and the environment");
    check(
            [&](LigandCouplingForce& f) {
                f.setEnvironmentParticles({7, -1});
            },
            "environment particle index out of range: -1");
    check([&](LigandCouplingForce& f) { f.setCutoffDistance(1.6); }, "is larger than half the smallest box width");
    check([&](LigandCouplingForce& f) { f.addExclusion(3, n + 5); }, "refers to particle out of range");
    check([&](LigandCouplingForce& f) { f.addParticle(0, 0.3, 0.1); }, "particles but the System has");
    check(
            [&](LigandCouplingForce& f) {
                f.setUseSwitchingFunction(true);
                f.setSwitchingDistance(1.2);
            },
            "switching distance");
    check([&](LigandCouplingForce& f) { f.addEnergyParameterDerivative("lambda_other"); }, "lambda_other");
    check([&](LigandCouplingForce&) {}, "must lie in [0, 1], but it is 1.5", 1.5);
    check([&](LigandCouplingForce&) {}, "must lie in [0, 1], but it is -0.1", -0.1);
    LigandCouplingForce force;
    EXPECT_THROW(force.addParticle(0.1, -0.3, 0.2), OpenMMException);
    EXPECT_THROW(force.addParticle(0.1, 0.3, -0.2), OpenMMException);
    EXPECT_THROW(force.setCutoffDistance(0.0), OpenMMException);
    EXPECT_THROW(force.setSoftcoreParameters(-0.5, 1, 1, 6), OpenMMException);
    EXPECT_THROW(force.setSoftcoreParameters(0.5, 0.5, 1, 6), OpenMMException);
    EXPECT_THROW(force.setElectrostaticsSoftcoreParameters(0.5, 1, 0), OpenMMException);
    double charge, sigma, epsilon;
    EXPECT_THROW(force.getParticleParameters(0, charge, sigma, epsilon), OpenMMException);
}

INSTANTIATE_TEST_SUITE_P(AllPlatforms, LigandCouplingForceTest, ::testing::ValuesIn(availablePlatforms()),
        [](const ::testing::TestParamInfo<PlatformConfig>& info) { return info.param.label(); });
