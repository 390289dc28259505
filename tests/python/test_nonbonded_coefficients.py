# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""The lambda_electrostatics coefficients of the offset NonbondedForce (B and C of E = A + B lambda + C lambda^2),
which getStateEnergies and getLambdaDerivatives add to the System's energy at the current lambda:

- on OpenCL and CUDA with OpenMM 8 they are computed on the device: a test fails if any entry point there runs the
  host route (positions downloaded, host pair and reciprocal sums), which the Reference and CPU platforms take;
- the device route equals the host route (the Reference platform, in double precision, with the same PME grid) to
  1e-6 relative in double precision and to the platform's tolerance in single and mixed, for PME, reaction field,
  no cutoff, a triclinic box, a charged ligand (the plasma term) and a ligand with exceptions to the environment;
- every route uses the parameters the Context computes with, not the System object's: a System edited after the
  Context was made, and an update pushed to one of two Contexts, both give the Context's own energies.
"""

import copy

import numpy
import openmm
import pytest
from openmm import unit

import openmmligand
from conftest import energy, lambda_difference, ligand_in_water, loop_energies, make_context, tolerance

LAMBDAS = "lambda_sterics", "lambda_electrostatics"
CURRENT = (0.6, 0.4)
STATES = [(CURRENT[0], x) for x in (0.0, 0.25, 0.5, 0.75, 1.0)]
OPENMM_8 = not openmm.Platform.getOpenMMVersion().startswith("7.")


def device_route(platform):
    """Whether this platform computes the coefficients on the device."""
    return platform[0] in ("OpenCL", "CUDA", "HIP") and OPENMM_8


def the_nonbonded_force(system):
    return next(f for f in system.getForces() if isinstance(f, openmm.NonbondedForce))


def case_system(case):
    """A decoupled ligand in water, and its positions, for one of the cases the device route must cover."""
    method = {"RF": "RF-periodic", "NoCutoff": "NoCutoff"}.get(case, "PME")
    test = ligand_in_water(method)
    system = copy.deepcopy(test.system)
    positions = test.positions.value_in_unit(unit.nanometer)
    nonbonded = the_nonbonded_force(system)
    ligand = test.ligand_atoms
    x = numpy.array(positions)
    oxygens = [a.index for a in test.topology.atoms() if a.residue.name == "HOH" and a.element.symbol == "O"]
    nearest = sorted(oxygens, key=lambda o: numpy.linalg.norm(x[o] - x[ligand[0]]))
    if case == "charged":
        for i in ligand:
            q, sigma, epsilon = nonbonded.getParticleParameters(i)
            nonbonded.setParticleParameters(i, q + (1.0 / len(ligand)) * unit.elementary_charge, sigma, epsilon)
    if case == "triclinic":
        a, b, c = system.getDefaultPeriodicBoxVectors()
        edge = a[0].value_in_unit(unit.nanometer)
        system.setDefaultPeriodicBoxVectors(
            openmm.Vec3(edge, 0, 0), openmm.Vec3(0.2 * edge, edge, 0), openmm.Vec3(-0.15 * edge, 0.1 * edge, edge)
        )
    if case == "exceptions":
        # Two ligand atoms excluded from nearby waters (the PME exclusion correction), one of them with a charge
        # product of its own that follows lambda (an exception offset to the environment).
        for atom, water in ((ligand[0], nearest[0]), (ligand[1], nearest[1])):
            nonbonded.addException(atom, water, 0.0, 0.3, 0.0)
    decoupled = openmmligand.decouple(system, ligand)
    if case == "exceptions":
        nonbonded = the_nonbonded_force(decoupled)
        last = nonbonded.getNumExceptions() - 1
        nonbonded.addExceptionParameterOffset("lambda_electrostatics", last, -0.2, 0.0, 0.0)
    return decoupled, positions


def contexts(case, platform):
    """The case on the platform and on Reference with the platform's PME grid and alpha, at the same positions."""
    system, positions = case_system(case)
    context = make_context(system, platform)
    context.setPositions(positions)
    nonbonded = the_nonbonded_force(system)
    reference_system = copy.deepcopy(system)
    if nonbonded.getNonbondedMethod() == openmm.NonbondedForce.PME:
        energy(context)  # OpenMM's CPU platform reports its grid only after a first evaluation
        the_nonbonded_force(reference_system).setPMEParameters(*nonbonded.getPMEParametersInContext(context))
    reference = make_context(reference_system, ("Reference", None))
    reference.setPositions(context.getState(getPositions=True).getPositions(asNumpy=True))
    for c in (context, reference):
        for name, value in zip(LAMBDAS, CURRENT):
            c.setParameter(name, value)
    return context, reference


@pytest.mark.parametrize("case", ["PME", "RF", "NoCutoff"])
def test_the_gpu_routes_stay_on_the_device(case, platform):
    """No entry point that needs the coefficients runs the host route on OpenCL or CUDA (OpenMM 8); on Reference
    and CPU each does, which shows that the count can move."""
    system, positions = case_system(case)
    context = make_context(system, platform)
    context.setPositions(positions)
    for name, value in zip(LAMBDAS, CURRENT):
        context.setParameter(name, value)
    count = openmmligand.LigandCouplingForce.getHostNonbondedQuadraticCount
    before = count()
    openmmligand.state_energies(context, STATES)
    openmmligand.reduced_potentials(context, STATES, 300 * unit.kelvin)
    openmmligand.lambda_derivatives(context)
    if device_route(platform):
        assert count() == before
    else:
        assert count() == before + 3


CASES = ["PME", "RF", "NoCutoff", "triclinic", "charged", "exceptions"]


@pytest.mark.parametrize("case", CASES)
def test_state_energies_equal_the_loop_in_every_case(case, platform):
    """Whichever route the platform takes, every case gives the energies the Context itself reports state by state."""
    system, positions = case_system(case)
    context = make_context(system, platform)
    context.setPositions(positions)
    for name, value in zip(LAMBDAS, CURRENT):
        context.setParameter(name, value)
    assert_the_contexts_numbers(context, platform)


@pytest.mark.parametrize("case", CASES)
def test_coefficients_equal_the_host_route(case, platform):
    """The lambda_electrostatics dependence of state_energies (E_k - E_current at fixed lambda_sterics: exactly
    B (x - x0) + C (x^2 - x0^2)) and dU/dlambda_e equal Reference's, whose route is the host's in double precision."""
    if platform[0] == "Reference":
        pytest.skip("Reference is the route compared with (test_state_energies_equal_the_loop_in_every_case)")
    context, reference = contexts(case, platform)
    # The current state in the same call: one evaluation of the System underlies all of them.
    ours = openmmligand.state_energies(context, STATES + [CURRENT])
    theirs = openmmligand.state_energies(reference, STATES + [CURRENT])
    ours, theirs = ours[:-1] - ours[-1], theirs[:-1] - theirs[-1]
    scale = numpy.abs(theirs).max()
    assert scale > 1.0  # the states differ: the comparison means something
    tol = 1e-6 if platform[0] == "Reference" or platform[1] == "double" or not device_route(platform) else None
    tol = tol or tolerance(platform)
    assert numpy.abs(ours - theirs).max() <= tol * scale, f"{ours - theirs}"
    derivative = openmmligand.lambda_derivatives(context)["lambda_electrostatics"]
    expected = openmmligand.lambda_derivatives(reference)["lambda_electrostatics"]
    assert abs(derivative - expected) <= tol * scale


def edited_offsets(system, factor):
    """Scale the ligand's charge offsets in a System's NonbondedForce (the System object only)."""
    nonbonded = the_nonbonded_force(system)
    for k in range(nonbonded.getNumParticleParameterOffsets()):
        name, particle, charge, sigma, epsilon = nonbonded.getParticleParameterOffset(k)
        nonbonded.setParticleParameterOffset(k, name, particle, charge * factor, sigma, epsilon)


def assert_the_contexts_numbers(context, platform):
    """state_energies equals the setParameter loop, lambda_derivatives a finite difference, in this Context."""
    loop = loop_energies(context, STATES)
    ours = openmmligand.state_energies(context, STATES)
    tol = tolerance(platform)
    assert numpy.abs(ours - loop).max() <= 2 * tol * numpy.abs(loop).max(), f"{ours - loop}"
    derivative = openmmligand.lambda_derivatives(context)["lambda_electrostatics"]
    # Exactly quadratic in lambda_e: a wide step is exact; single precision rounds the total energy.
    numeric = lambda_difference(context, "lambda_electrostatics", CURRENT[1], 0.2)
    assert abs(derivative - numeric) <= 1e-6 * abs(numeric) + 20 * tol * numpy.abs(loop).max() / 0.4
    return ours, derivative


def test_a_system_edited_after_the_context_was_made(platform):
    """The System object's NonbondedForce edited (the ligand's offsets halved) and not pushed: the Context still
    computes with the old offsets, and so must state_energies and lambda_derivatives."""
    system, positions = case_system("PME")
    context = make_context(system, platform)
    context.setPositions(positions)
    for name, value in zip(LAMBDAS, CURRENT):
        context.setParameter(name, value)
    before, derivative_before = assert_the_contexts_numbers(context, platform)
    edited_offsets(system, 0.5)
    for _ in range(2):  # twice: the second call must not have adopted the System's offsets
        after, derivative_after = assert_the_contexts_numbers(context, platform)
        assert numpy.abs(after - before).max() <= 2 * tolerance(platform) * numpy.abs(before).max()


@pytest.mark.skipif(not OPENMM_8, reason="OpenMM 7.7 copies no parameter offsets into a Context")
def test_an_update_pushed_to_one_of_two_contexts(platform):
    """Two Contexts of one System; the ligand's offsets halved and pushed to the first only: each Context's
    state_energies and lambda_derivatives are its own (the first's change, the second's do not)."""
    system, positions = case_system("PME")
    first, second = make_context(system, platform), make_context(system, platform)
    for context in (first, second):
        context.setPositions(positions)
        for name, value in zip(LAMBDAS, CURRENT):
            context.setParameter(name, value)
    before, derivative_before = assert_the_contexts_numbers(first, platform)
    edited_offsets(system, 0.5)
    the_nonbonded_force(system).updateParametersInContext(first)
    for _ in range(2):  # twice: after the first call the pushed offsets are known to be the first Context's
        updated, derivative_updated = assert_the_contexts_numbers(first, platform)
        unchanged, derivative_unchanged = assert_the_contexts_numbers(second, platform)
    assert abs(derivative_updated - derivative_before) > 10.0  # the update mattered
    assert numpy.abs(unchanged - before).max() <= 2 * tolerance(platform) * numpy.abs(before).max()
    # After the update the first Context needs no fit any more: on the GPUs it stays on the device.
    count = openmmligand.LigandCouplingForce.getHostNonbondedQuadraticCount()
    openmmligand.state_energies(first, STATES)
    if device_route(platform):
        assert openmmligand.LigandCouplingForce.getHostNonbondedQuadraticCount() == count
