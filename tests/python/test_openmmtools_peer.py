# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""decouple() against the peer users would otherwise pick: openmmtools' AbsoluteAlchemicalFactory with the exact
PME treatment (annihilated electrostatics, decoupled sterics), on the Reference platform, and openmmtools'
AlchemicalState driving our decoupled System unchanged.

Systems built here: ethanol in TIP3P with PME (OpenMM's own force fields), and openmmtools' own small complex,
cucurbit[7]uril with the B2 guest in explicit water (HostGuestExplicit: PME, GAFF, HBonds).
"""

import copy
import functools
import itertools

import numpy
import openmm
import pytest
from openmm import unit

import openmmligand

openmmtools = pytest.importorskip("openmmtools", reason="openmmtools (pip) is the peer of these tests")
from openmmtools import alchemy, states, testsystems  # noqa: E402

LAMBDA_GRID = (0.0, 0.25, 0.5, 0.75, 1.0)


@functools.lru_cache(maxsize=None)
def source_system(name):
    """(System, positions, ligand atoms) of one test system."""
    if name == "ethanol-water":
        test = openmmligand.testsystems.ligand_in_water()
        return test.system, test.positions, list(test.ligand_atoms)
    host_guest = testsystems.HostGuestExplicit()
    ligand = [atom.index for atom in host_guest.topology.atoms() if atom.residue.name == "B2"]
    assert 0 < len(ligand) < 100
    return host_guest.system, host_guest.positions, ligand


def with_dispersion_correction(system, use):
    system = copy.deepcopy(system)
    for force in system.getForces():
        if isinstance(force, openmm.NonbondedForce):
            force.setUseDispersionCorrection(use)
    return system


@functools.lru_cache(maxsize=None)
def peer_pair(name, dispersion_correction=True):
    """(positions, openmmtools' alchemical System, our decoupled System) for one test system."""
    system, positions, ligand = source_system(name)
    system = with_dispersion_correction(system, dispersion_correction)
    region = alchemy.AlchemicalRegion(alchemical_atoms=ligand, annihilate_electrostatics=True, annihilate_sterics=False)
    factory = alchemy.AbsoluteAlchemicalFactory(alchemical_pme_treatment="exact")
    theirs = factory.create_alchemical_system(system, region)
    ours = openmmligand.decouple(system, ligand)
    return positions, theirs, ours


def reference_context(system, positions):
    context = openmm.Context(system, openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName("Reference"))
    context.setPositions(positions)
    return context


def energy(context):
    return context.getState(getEnergy=True).getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)


SYSTEMS = ["ethanol-water", "cb7-b2"]


# The long-range dispersion correction is the one term written differently: ours is NonbondedForce's own
# (exact at lambda_sterics = 1, the ligand's share scaled by lambda_sterics^a), openmmtools' is
# CustomNonbondedForce's numerical integral of its softcore expressions (0.003-0.004 kJ/mol off the original
# System at lambda = 1 on both systems here), and at lambda_sterics = 0 openmmtools keeps the ligand-ligand
# share. So: every lambda with the correction off on both systems; with it on, the complex, whose energy is
# large enough for those few 0.001 kJ/mol to stay below 1e-6 relative; and the correction's lambda dependence
# against NonbondedForce below.
@pytest.mark.parametrize("name, dispersion_correction", [("ethanol-water", False), ("cb7-b2", False), ("cb7-b2", True)])
def test_energies_equal_openmmtools_exact_pme_on_a_lambda_grid(name, dispersion_correction):
    positions, theirs, ours = peer_pair(name, dispersion_correction)
    their_context, our_context = reference_context(theirs, positions), reference_context(ours, positions)
    worst = 0.0
    for sterics, electrostatics in itertools.product(LAMBDA_GRID, LAMBDA_GRID):
        for context in (their_context, our_context):
            context.setParameter("lambda_sterics", sterics)
            context.setParameter("lambda_electrostatics", electrostatics)
        expected, actual = energy(their_context), energy(our_context)
        worst = max(worst, abs(actual - expected) / abs(expected))
        assert actual == pytest.approx(expected, rel=1e-6), (
            f"lambda_sterics={sterics}, lambda_electrostatics={electrostatics}: ours {actual}, openmmtools {expected}"
        )
    print(f"{name}: largest relative difference from openmmtools over the 5x5 grid: {worst:.2e}")


def test_dispersion_correction_follows_nonbonded_force():
    """Our long-range correction at lambda_sterics = s is the environment's (NonbondedForce with the ligand's
    epsilons zeroed) plus s^a times the ligand's share (the original System's minus that), all measured with
    OpenMM's NonbondedForce as each System's energy with the correction on minus off."""
    system, positions, ligand = source_system("ethanol-water")

    def correction(system, make=lambda s: s, **parameters):
        energies = []
        for use in (True, False):
            context = reference_context(make(with_dispersion_correction(system, use)), positions)
            for name, value in parameters.items():
                context.setParameter(name, value)
            energies.append(energy(context))
        return energies[0] - energies[1]

    environment_only = copy.deepcopy(system)
    nonbonded = [f for f in environment_only.getForces() if isinstance(f, openmm.NonbondedForce)][0]
    for i in ligand:
        charge, sigma, _ = nonbonded.getParticleParameters(i)
        nonbonded.setParticleParameters(i, charge, sigma, 0.0)
    full, environment = correction(system), correction(environment_only)
    assert abs(full - environment) > 1e-3  # the ligand's share is not negligible here
    decoupled = lambda s: openmmligand.decouple(s, ligand)  # noqa: E731
    for sterics in LAMBDA_GRID:
        expected = environment + sterics * (full - environment)  # softcore a = 1
        assert correction(system, decoupled, lambda_sterics=sterics) == pytest.approx(expected, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("name", SYSTEMS)
def test_openmmtools_alchemical_state_drives_the_decoupled_system(name):
    positions, theirs, ours = peer_pair(name, dispersion_correction=False)  # (see the grid test)
    our_state = alchemy.AlchemicalState.from_system(ours)
    assert our_state.lambda_sterics == 1.0 and our_state.lambda_electrostatics == 1.0
    their_state = alchemy.AlchemicalState.from_system(theirs)
    their_context, our_context = reference_context(theirs, positions), reference_context(ours, positions)
    for sterics, electrostatics in [(1.0, 0.5), (0.5, 0.0), (0.25, 0.0), (0.0, 0.0)]:
        for state, context in ((our_state, our_context), (their_state, their_context)):
            state.lambda_sterics, state.lambda_electrostatics = sterics, electrostatics
            state.apply_to_context(context)
        assert our_context.getParameter("lambda_sterics") == sterics
        assert energy(our_context) == pytest.approx(energy(their_context), rel=1e-6)
    # A System put into a state by openmmtools (its global parameters' defaults) starts a Context in that state.
    system = copy.deepcopy(ours)
    our_state.lambda_sterics, our_state.lambda_electrostatics = 0.5, 0.25
    our_state.apply_to_system(system)
    their_state.lambda_sterics, their_state.lambda_electrostatics = 0.5, 0.25
    their_context = reference_context(theirs, positions)
    their_state.apply_to_context(their_context)
    assert energy(reference_context(system, positions)) == pytest.approx(energy(their_context), rel=1e-6)
    our_state.check_system_consistency(system)


def test_compound_thermodynamic_state_reduced_potentials_agree():
    """openmmtools' own reduced_potential of a CompoundThermodynamicState built on our System equals
    openmmligand.reduced_potentials of the same states (NVT)."""
    positions, _, ours = peer_pair("ethanol-water")
    temperature = 300 * unit.kelvin
    thermodynamic = states.ThermodynamicState(ours, temperature)
    compound = states.CompoundThermodynamicState(thermodynamic, [alchemy.AlchemicalState.from_system(ours)])
    context = compound.create_context(openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName("Reference"))
    context.setPositions(positions)
    lambdas = [(1.0, 1.0), (1.0, 0.5), (0.5, 0.0), (0.0, 0.0)]
    expected = []
    for sterics, electrostatics in lambdas:
        compound.lambda_sterics, compound.lambda_electrostatics = sterics, electrostatics
        compound.apply_to_context(context)
        expected.append(compound.reduced_potential(context))
    compound.lambda_sterics, compound.lambda_electrostatics = 1.0, 1.0
    compound.apply_to_context(context)
    actual = openmmligand.reduced_potentials(context, lambdas, temperature)
    numpy.testing.assert_allclose(actual, expected, rtol=1e-9)
