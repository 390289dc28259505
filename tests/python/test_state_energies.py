# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Energies of K lambda states in one pass (LigandCouplingForce.getStateEnergies / openmmligand.state_energies)
against the independent formulation: the loop of Context.setParameter + getState(getEnergy=True), on every
platform with the kernel, with PME (the NonbondedForce's quadratic lambda_electrostatics), reaction field and no
cutoff; the Context left untouched; bad input named."""

import numpy
import openmm
import pytest
from openmm import unit

import openmmligand
from conftest import forces, ligand_in_water, loop_energies, make_context, tolerance

LAMBDAS = "lambda_sterics", "lambda_electrostatics"
STATES = [(1.0, 1.0), (1.0, 0.5), (1.0, 0.0), (0.75, 0.0), (0.5, 0.0), (0.25, 0.0), (0.0, 0.0), (0.3, 0.7), (0.9, 0.1)]


def decoupled_context(method, platform, current=(0.6, 0.4), **options):
    test = ligand_in_water(method)
    context = make_context(openmmligand.decouple(test.system, test.ligand_atoms, **options), platform)
    context.setPositions(test.positions)
    for name, value in zip(LAMBDAS, current):
        context.setParameter(name, value)
    return test, context


def assert_equals_the_loop(context, states, platform):
    """state_energies equals the setParameter loop within the platform's tolerance, relative to the largest energy."""
    ours = openmmligand.state_energies(context, states)
    reference = loop_energies(context, states)
    assert numpy.abs(ours - reference).max() <= 2 * tolerance(platform) * numpy.abs(reference).max()
    return ours, reference


@pytest.mark.parametrize("method", ["PME", "PME-switch", "RF-periodic", "RF-nonperiodic", "NoCutoff"])
@pytest.mark.parametrize("current", [(0.6, 0.4), (1.0, 1.0), (0.0, 0.0)])
def test_state_energies_equal_the_set_parameter_loop(method, current, platform):
    _, context = decoupled_context(method, platform, current)
    ours = openmmligand.state_energies(context, STATES)
    reference = loop_energies(context, STATES)
    tol = tolerance(platform)
    scale = numpy.abs(reference).max()
    assert numpy.abs(ours - reference).max() <= 2 * tol * scale, f"{ours - reference}"
    # The differences between states are what MBAR uses: they must be right on their own scale too.
    differences = reference - reference[0]
    assert numpy.abs((ours - ours[0]) - differences).max() <= 2 * tol * scale


def test_a_charged_ligand_under_pme(platform):
    # Decoupling a charged ligand changes the box's net charge with lambda_electrostatics: wherever OpenMM counts
    # the neutralizing-plasma energy (newer releases; 7.7 does not), that is one more quadratic term to account for.
    test = ligand_in_water("PME")
    nonbonded = next(f for f in test.system.getForces() if isinstance(f, openmm.NonbondedForce))
    for i in test.ligand_atoms:
        q, sigma, epsilon = nonbonded.getParticleParameters(i)
        nonbonded.setParticleParameters(i, q + (1.0 / len(test.ligand_atoms)) * unit.elementary_charge, sigma, epsilon)
    context = make_context(openmmligand.decouple(test.system, test.ligand_atoms), platform)
    context.setPositions(test.positions)
    context.setParameter("lambda_electrostatics", 0.4)
    assert_equals_the_loop(context, STATES, platform)


def test_only_sterics_states_need_no_nonbonded_fit(platform):
    _, context = decoupled_context("PME", platform, current=(0.6, 0.0))
    states = [(s, 0.0) for s in numpy.linspace(0, 1, 11)]
    assert_equals_the_loop(context, states, platform)


@pytest.mark.parametrize("method", ["RF-periodic", "NoCutoff"])
def test_kept_intramolecular_electrostatics(method, platform):
    """annihilate_electrostatics=False adds a (1 - lambda^2) CustomBondForce beside the NonbondedForce."""
    _, context = decoupled_context(method, platform, annihilate_electrostatics=False)
    assert_equals_the_loop(context, STATES, platform)


def test_reaction_field_inside_the_force(platform):
    """A LigandCouplingForce that carries lambda-scaled reaction-field electrostatics (with its softcore) itself."""
    test = ligand_in_water("RF-periodic")
    system = openmmligand.decouple(test.system, test.ligand_atoms)
    force = openmmligand.find_ligand_coupling_forces(system)[0]
    nonbonded = next(f for f in system.getForces() if isinstance(f, openmm.NonbondedForce))
    for k in range(nonbonded.getNumParticleParameterOffsets()):
        name, particle, charge, sigma, epsilon = nonbonded.getParticleParameterOffset(k)
        nonbonded.setParticleParameterOffset(k, name, particle, 0.0, sigma, epsilon)  # charges move to our force
    force.setElectrostaticsMode(force.ReactionField)
    force.setElectrostaticsSoftcoreParameters(0.3, 1.0, 2.0)
    context = make_context(system, platform)
    context.setPositions(test.positions)
    context.setParameter("lambda_electrostatics", 0.35)
    assert_equals_the_loop(context, STATES, platform)


def test_context_is_left_untouched(platform):
    test, context = decoupled_context("PME", platform)
    integrator = context.getIntegrator()
    context.setVelocitiesToTemperature(300, 7)
    before = context.getState(getPositions=True, getVelocities=True, getForces=True, getEnergy=True)
    openmmligand.state_energies(context, STATES)
    after = context.getState(getPositions=True, getVelocities=True, getForces=True, getEnergy=True)
    assert {name: context.getParameter(name) for name in LAMBDAS} == {
        "lambda_sterics": 0.6,
        "lambda_electrostatics": 0.4,
    }
    for getter in ("getPositions", "getVelocities"):
        assert numpy.array_equal(
            getattr(before, getter)(asNumpy=True)._value, getattr(after, getter)(asNumpy=True)._value
        )
    # Exactly on Reference; elsewhere to the run-to-run reproducibility of the platform (CPU and OpenCL sum
    # forces from threads in no fixed order, so two getState calls in a row differ in the last digits too).
    f_before, f_after = before.getForces(asNumpy=True)._value, after.getForces(asNumpy=True)._value
    tol = tolerance(platform) if platform[0] != "Reference" else 0.0
    assert after.getPotentialEnergy()._value == pytest.approx(before.getPotentialEnergy()._value, rel=tol, abs=0)
    assert numpy.abs(f_after - f_before).max() <= tol * numpy.abs(f_before).max()
    # The next step goes exactly as it would have.
    twin = make_context(context.getSystem(), platform)
    twin.setState(before)
    for name in LAMBDAS:
        twin.setParameter(name, context.getParameter(name))
    openmmligand.state_energies(context, STATES)
    integrator.step(3)
    twin.getIntegrator().step(3)
    assert numpy.abs(forces(context) - forces(twin)).max() <= max(tol, 1e-12) * 10 * numpy.abs(forces(twin)).max()


def test_reduced_potentials(platform):
    _, context = decoupled_context("PME", platform)
    kT = (unit.MOLAR_GAS_CONSTANT_R * 300 * unit.kelvin).value_in_unit(unit.kilojoule_per_mole)
    u = openmmligand.reduced_potentials(context, STATES, 300 * unit.kelvin)
    assert u == pytest.approx(openmmligand.state_energies(context, STATES) / kT, rel=tolerance(platform))


def test_reduced_potentials_with_a_barostat():
    test = ligand_in_water("PME")
    system = openmmligand.decouple(test.system, test.ligand_atoms)
    system.addForce(openmm.MonteCarloBarostat(1.0 * unit.bar, 300 * unit.kelvin))
    context = make_context(system, ("Reference", None))
    context.setPositions(test.positions)
    a, b, c = context.getState().getPeriodicBoxVectors(asNumpy=True).value_in_unit(unit.nanometer)
    pv = 1.0 * numpy.dot(a, numpy.cross(b, c)) * 0.0602214076  # bar nm^3 -> kJ/mol
    kT = (unit.MOLAR_GAS_CONSTANT_R * 300 * unit.kelvin).value_in_unit(unit.kilojoule_per_mole)
    u = openmmligand.reduced_potentials(context, STATES[:2], 300)
    assert u == pytest.approx((openmmligand.state_energies(context, STATES[:2]) + pv) / kT, rel=1e-12)


def test_bad_input_is_named():
    test, context = decoupled_context("RF-periodic", ("Reference", None))
    force = openmmligand.find_ligand_coupling_forces(context.getSystem())[0]
    with pytest.raises(openmm.OpenMMException, match="as many lambda_electrostatics values"):
        force.getStateEnergies(context, [1.0, 0.5], [1.0])
    with pytest.raises(openmm.OpenMMException, match="state 1 has lambda 1.5, outside"):
        force.getStateEnergies(context, [1.0, 1.5], [1.0, 1.0])
    with pytest.raises(openmm.OpenMMException, match="at least one state"):
        force.getStateEnergies(context, [], [])
    with pytest.raises(openmmligand.LigandError, match="shape"):
        openmmligand.state_energies(context, [0.5, 0.5])
    with pytest.raises(openmm.OpenMMException, match="outside"):
        openmmligand.state_energies(context, [(float("nan"), 1.0)])
    with pytest.raises(openmmligand.LigandError, match="temperature must be > 0"):
        openmmligand.reduced_potentials(context, STATES, -3)


@pytest.mark.parametrize("method", ["RF-periodic", "NoCutoff"])
def test_quadratic_companion_force_is_read_from_its_expression(method, platform):
    """The contract with decouple()'s kept internal electrostatics is the force's own energy expression (a
    polynomial of degree 2 in lambda_electrostatics, read with Lepton), not its name: renamed, it still works;
    a force whose expression is not such a polynomial is refused, naming it."""
    test = ligand_in_water(method)
    system = openmmligand.decouple(test.system, test.ligand_atoms, annihilate_electrostatics=False)
    internal = next(f for f in system.getForces() if isinstance(f, openmm.CustomBondForce))
    internal.setName("anything at all")
    context = make_context(system, platform)
    context.setPositions(test.positions)
    context.setParameter("lambda_electrostatics", 0.4)
    assert_equals_the_loop(context, STATES, platform)
    bumpy = openmm.CustomBondForce("exp(lambda_electrostatics)*0.01*r")
    bumpy.addGlobalParameter("lambda_electrostatics", 1.0)
    bumpy.addBond(test.ligand_atoms[0], test.ligand_atoms[1])
    system.addForce(bumpy)
    context = make_context(system, platform)
    context.setPositions(test.positions)
    with pytest.raises(openmm.OpenMMException, match="CustomBondForce.*not a polynomial of degree <= 2"):
        openmmligand.state_energies(context, STATES)


def test_a_force_it_cannot_account_for_is_refused():
    test = ligand_in_water("RF-periodic")
    system = openmmligand.decouple(test.system, test.ligand_atoms)
    restraint = openmm.CustomExternalForce("lambda_sterics*x^2")
    restraint.addGlobalParameter("lambda_sterics", 1.0)
    restraint.addParticle(test.ligand_atoms[0], [])
    system.addForce(restraint)
    context = make_context(system, ("Reference", None))
    context.setPositions(test.positions)
    with pytest.raises(openmm.OpenMMException, match="depends on 'lambda_sterics'"):
        openmmligand.state_energies(context, STATES)
    # Without the state energies asking for it, the loop shows what the refusal protects: the restraint changes
    # with lambda_sterics, which a pass over the ligand's pairs alone would miss.
    assert loop_energies(context, [(1.0, 1.0)])[0] != loop_energies(context, [(0.0, 1.0)])[0]


def test_changed_charges_are_followed(platform):
    """NonbondedForce.updateParametersInContext with new charges (a ligand atom's base charge, water charges):
    the cross terms change, the quadratic term does not. (OpenMM 7.7 copies particle and exception parameters
    into a Context, not offsets: changing the offsets needs Context.reinitialize() there.)"""
    if platform == ("OpenCL", "mixed") and openmm.Platform.getOpenMMVersion().startswith("7."):
        pytest.skip(
            "OpenMM 7.7 OpenCL bug: mixed-precision positions are garbage after this update "
            "(pinned in test_opencl_bug.py)"
        )
    test, context = decoupled_context("PME", platform)
    before = openmmligand.state_energies(context, STATES)
    nonbonded = next(f for f in context.getSystem().getForces() if isinstance(f, openmm.NonbondedForce))
    ligand = test.ligand_atoms[0]
    charge, sigma, epsilon = nonbonded.getParticleParameters(ligand)
    nonbonded.setParticleParameters(ligand, 0.05, sigma, epsilon)
    # The water nearest the ligand (oxygen first in each TIP3P residue), its charges scaled: it stays neutral.
    x = numpy.array(test.positions.value_in_unit(unit.nanometer))
    oxygens = [a.index for a in test.topology.atoms() if a.residue.name == "HOH" and a.element.symbol == "O"]
    water = min(oxygens, key=lambda o: numpy.linalg.norm(x[o] - x[ligand]))
    for atom, scale in ((water, 1.5), (water + 1, 1.5), (water + 2, 1.5)):
        charge, sigma, epsilon = nonbonded.getParticleParameters(atom)
        nonbonded.setParticleParameters(atom, charge * scale, sigma, epsilon)
    nonbonded.updateParametersInContext(context)
    ours, _ = assert_equals_the_loop(context, STATES, platform)
    assert numpy.abs((ours - ours[0]) - (before - before[0])).max() > 0.1  # the change mattered


def test_sigma_offsets_are_refused():
    test = ligand_in_water("RF-periodic")
    system = openmmligand.decouple(test.system, test.ligand_atoms)
    nonbonded = next(f for f in system.getForces() if isinstance(f, openmm.NonbondedForce))
    nonbonded.addParticleParameterOffset("lambda_electrostatics", test.ligand_atoms[0], 0.0, 0.01, 0.0)
    context = make_context(system, ("Reference", None))
    context.setPositions(test.positions)
    with pytest.raises(openmm.OpenMMException, match="offsets sigma or epsilon"):
        openmmligand.state_energies(context, STATES)
