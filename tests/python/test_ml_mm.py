# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""openmmligand.ml_mm against independent Systems built from the force field: the ML/MM energy is the MM energy
minus the ligand's own MM energy (the ligand alone, from ForceField.createSystem) plus the ANI energy of the ligand;
decoupled at lambda = 0 it is the environment alone plus ANI; lambda_interpolate mixes MM and ML linearly. The ANI
model is the tests' own (random weights, helpers/random_ani_model.py): none of this depends on ANI-2x's weights."""

import warnings

import numpy
import openmm
import pytest
from helpers import random_ani_model
from openmm import app, unit

import openmmligand
from openmmligand import testsystems

MODEL = random_ani_model.shared_copy()

KJ = unit.kilojoule_per_mole


def energy_and_forces(system, positions, parameters=()):
    context = openmm.Context(system, openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName("Reference"))
    context.setPositions(positions)
    for name, value in parameters:
        context.setParameter(name, value)
    state = context.getState(getEnergy=True, getForces=True)
    return state.getPotentialEnergy().value_in_unit(KJ), numpy.array(
        state.getForces(asNumpy=True).value_in_unit(KJ / unit.nanometer)
    )


def part(test, keep_ligand, method):
    """The ligand alone or the environment alone, from the same force field (an independent System)."""
    modeller = app.Modeller(test.topology, test.positions)
    modeller.delete([r for r in modeller.topology.residues() if (r.name == testsystems.LIGAND_RESIDUE) != keep_ligand])
    kwargs = dict(nonbondedMethod=method, rigidWater=True)
    if method != app.NoCutoff:
        kwargs["nonbondedCutoff"] = 0.9 * unit.nanometer
    system = testsystems.ligand_forcefield("amber14/tip3p.xml").createSystem(modeller.topology, **kwargs)
    if method != app.NoCutoff:
        system.setDefaultPeriodicBoxVectors(*test.system.getDefaultPeriodicBoxVectors())
    for force in system.getForces():
        if isinstance(force, openmm.NonbondedForce):
            force.setUseDispersionCorrection(False)
    return system, modeller.positions


def ani_alone(test):
    force = openmmligand.AniForce(MODEL)
    system = openmm.System()
    positions = [test.positions[i] for i in test.ligand_atoms]
    for k, atom in enumerate(test.ligand_atoms):
        system.addParticle(1.0)
        force.addParticle(k, list(test.topology.atoms())[atom].element.atomic_number)
    system.addForce(force)
    return energy_and_forces(system, positions)


def ligand_in_water(method):
    return testsystems.ligand_in_water(box_edge=2.4, nonbonded_method=method, dispersion_correction=False)


def test_the_ligands_own_energy_becomes_ani():
    test = ligand_in_water(app.NoCutoff)
    mlmm = openmmligand.ml_mm(test.system, test.ligand_atoms, MODEL, topology=test.topology)
    e, f = energy_and_forces(mlmm, test.positions)
    e_mm, f_mm = energy_and_forces(test.system, test.positions)
    e_lig, f_lig = energy_and_forces(*part(test, True, app.NoCutoff))
    e_ani, f_ani = ani_alone(test)
    assert e == pytest.approx(e_mm - e_lig + e_ani, rel=1e-10, abs=1e-6)
    expected = f_mm.copy()
    expected[test.ligand_atoms] += f_ani - f_lig
    numpy.testing.assert_allclose(f, expected, atol=1e-6 * numpy.abs(expected).max())
    assert e_ani < -1e5  # ANI's absolute energies (Hartree scale): the ML term is really there


@pytest.mark.parametrize("method", [app.NoCutoff, app.PME], ids=["NoCutoff", "PME"])
def test_decoupled_ml_mm_at_lambda_zero_is_the_environment_plus_ani(method):
    test = ligand_in_water(method)
    system = openmmligand.decouple(
        openmmligand.ml_mm(test.system, test.ligand_atoms, MODEL, topology=test.topology), test.ligand_atoms
    )
    e, _ = energy_and_forces(system, test.positions, [("lambda_sterics", 0.0), ("lambda_electrostatics", 0.0)])
    environment, positions = part(test, False, method)
    e_env, _ = energy_and_forces(environment, positions)
    e_ani, _ = ani_alone(test)
    assert e == pytest.approx(e_env + e_ani, rel=1e-9)
    # Fully coupled, decouple changes nothing.
    e1, _ = energy_and_forces(system, test.positions)
    e_mlmm, _ = energy_and_forces(
        openmmligand.ml_mm(test.system, test.ligand_atoms, MODEL, topology=test.topology), test.positions
    )
    assert e1 == pytest.approx(e_mlmm, rel=1e-9)


def test_lambda_interpolate_mixes_mm_and_ml_linearly():
    test = ligand_in_water(app.NoCutoff)
    mixed = openmmligand.ml_mm(test.system, test.ligand_atoms, MODEL, topology=test.topology, interpolate=True)
    e_mm, _ = energy_and_forces(test.system, test.positions)
    e_ml, _ = energy_and_forces(
        openmmligand.ml_mm(test.system, test.ligand_atoms, MODEL, topology=test.topology), test.positions
    )
    for lam in (0.0, 0.3, 1.0):
        e, _ = energy_and_forces(mixed, test.positions, [(openmmligand.mlmm.LAMBDA_INTERPOLATE, lam)])
        assert e == pytest.approx(lam * e_ml + (1 - lam) * e_mm, rel=1e-10, abs=1e-6)


def test_bad_input_is_refused():
    test = ligand_in_water(app.NoCutoff)
    with pytest.raises(openmmligand.LigandError, match="exactly one of topology and atomic_numbers_of_ligand"):
        openmmligand.ml_mm(test.system, test.ligand_atoms, MODEL)
    iron = [26] + [1] * (len(test.ligand_atoms) - 1)
    with pytest.raises(openmm.OpenMMException, match="atomic number 26"):
        openmmligand.ml_mm(test.system, test.ligand_atoms, MODEL, atomic_numbers_of_ligand=iron)
    # A ligand missing a hydrogen (odd electron count), and one with a net charge: a clear warning.
    with pytest.warns(UserWarning, match="odd number of electrons"):
        openmmligand.ml_mm(test.system, test.ligand_atoms[:-1], MODEL, topology=test.topology)
    charged = openmm.XmlSerializer.clone(test.system)
    nb = next(f for f in charged.getForces() if isinstance(f, openmm.NonbondedForce))
    q, sigma, epsilon = nb.getParticleParameters(test.ligand_atoms[0])
    nb.setParticleParameters(test.ligand_atoms[0], q + 1.0 * unit.elementary_charge, sigma, epsilon)
    with pytest.warns(UserWarning, match=r"sum to \+1.00 e"):
        openmmligand.ml_mm(charged, test.ligand_atoms, MODEL, topology=test.topology)
    with pytest.raises(openmmligand.LigandError, match="integer particle indices"):
        openmmligand.ml_mm(test.system, [0, 1.5], MODEL, atomic_numbers_of_ligand=[6, 6])
    # Half a molecule: the bonds the selection cuts are named (from the Topology, or else the System's bonds).
    heavy = [a.index for a in test.topology.atoms() if a.index in set(test.ligand_atoms) and a.element.symbol != "H"]
    cut = sorted(
        tuple(sorted((a.index, b.index))) for a, b in test.topology.bonds() if (a.index in heavy) != (b.index in heavy)
    )
    assert cut
    numbers = [a.element.atomic_number for a in test.topology.atoms() if a.index in heavy]
    for options in (dict(topology=test.topology), dict(atomic_numbers_of_ligand=numbers)):
        with pytest.warns(UserWarning, match=f"{len(cut)} bonds cut: {cut[0][0]}-{cut[0][1]}"):
            openmmligand.ml_mm(test.system, heavy, MODEL, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the whole molecule: no warning
        openmmligand.ml_mm(test.system, test.ligand_atoms, MODEL, topology=test.topology)
