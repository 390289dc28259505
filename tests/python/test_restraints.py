# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Boresch and flat-bottom restraints: the force against a numpy formulation on every platform, the standard-state
correction analytic against numerical integration, and automatic anchor selection."""

import math

import numpy
import openmm
import pytest
from openmm import unit

from openmmligand import LigandError
from openmmligand.fep import restraints

from conftest import make_context


def six_atoms(rng):
    """Positions (nm) of P1, P2, P3, L1, L2, L3 in a general arrangement, plus 4 bystanders."""
    base = numpy.array(
        [[1.0, 1.0, 1.0], [0.6, 1.2, 0.9], [0.4, 0.8, 1.3], [1.6, 1.1, 1.2], [1.8, 1.35, 1.3], [2.05, 1.3, 1.55]]
    )
    return numpy.vstack([base + rng.normal(0, 0.02, base.shape), rng.uniform(0, 3, (4, 3))])


def restraint_system(force):
    system = openmm.System()
    for _ in range(10):
        system.addParticle(12.0)
    system.setDefaultPeriodicBoxVectors(*(openmm.Vec3(*row) for row in numpy.eye(3) * 5.0))
    system.addForce(force)
    return system


def test_boresch_energy_equals_numpy_on_every_platform(platform):
    rng = numpy.random.default_rng(3)
    start = six_atoms(rng)
    restraint = restraints.BoreschRestraint.from_positions((0, 1, 2), (3, 4, 5), start, k_r=2000.0, k_phi_c=80.0)
    assert restraint.energy(start) == pytest.approx(0.0, abs=1e-12)
    context = make_context(restraint_system(restraint.force()), platform)
    name, precision = platform
    tolerance = 1e-8 if name in ("Reference", "CPU") or precision == "double" else 2e-4
    for _ in range(5):
        x = start + rng.normal(0, 0.08, start.shape)
        context.setPositions(x)
        for scale in (1.0, 0.3):
            context.setParameter("lambda_restraints", scale)
            energy = context.getState(getEnergy=True).getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)
            assert energy == pytest.approx(scale * restraint.energy(x), rel=tolerance, abs=1e-6)


def test_dihedral_difference_is_wrapped():
    rng = numpy.random.default_rng(4)
    start = six_atoms(rng)
    restraint = restraints.BoreschRestraint.from_positions((0, 1, 2), (3, 4, 5), start)
    restraint.phi_c0 = restraint.phi_c0 + 2 * math.pi  # the same equilibrium, one turn away
    assert restraint.energy(start) == pytest.approx(0.0, abs=1e-12)
    context = make_context(restraint_system(restraint.force()), ("Reference", None))
    context.setPositions(start)
    assert context.getState(getEnergy=True).getPotentialEnergy()._value == pytest.approx(0.0, abs=1e-9)


def test_analytic_correction_agrees_with_numerical_integration_where_valid():
    # Stiff angles (100 kcal/mol/rad^2): the Gaussians are narrow where sin(theta) is smooth, as the analytic
    # form assumes.
    stiff = {name: 418.4 for name in ("k_theta_a", "k_theta_b", "k_phi_a", "k_phi_b", "k_phi_c")}
    restraint = restraints.BoreschRestraint((0, 1, 2), (3, 4, 5), 0.6, 1.4, 1.7, 0.3, -2.0, 1.0, **stiff)
    result = restraint.standard_state_correction(298.15)
    assert abs(result["analytic_kj"] - result["numerical_kj"]) < 0.01 * 4.184
    assert result["used"] == "analytic"
    # The usual 10 kcal/mol/A^2 and 10 kcal/mol/rad^2: sigma_theta = 0.24 rad, and the analytic form is
    # 0.03 kcal/mol off (its sin(theta) ~ sin(theta0)); the numerical value is used. Magnitude: -6 to -8 kcal/mol.
    default = restraints.BoreschRestraint((0, 1, 2), (3, 4, 5), 0.6, 1.4, 1.7, 0.3, -2.0, 1.0)
    result = default.standard_state_correction(298.15)
    assert 0.01 < abs(result["analytic_kj"] - result["numerical_kj"]) / 4.184 < 0.06
    assert result["used"] == "numerical"
    assert -9 < result["dG_kcal"] < -5


def test_numerical_value_is_used_where_the_analytic_form_fails():
    # theta_A0 near 0 and a soft angle: the Gaussian is cut by theta = 0 and sin(theta_A0) is small.
    restraint = restraints.BoreschRestraint((0, 1, 2), (3, 4, 5), 0.6, 0.08, 1.7, 0.3, -2.0, 1.0, k_theta_a=5.0)
    result = restraint.standard_state_correction(298.15)
    assert abs(result["analytic_kj"] - result["numerical_kj"]) > 0.01 * 4.184
    assert result["used"] == "numerical" and result["dG_kj"] == result["numerical_kj"]


def test_flat_bottom_correction_is_the_sphere_volume_when_stiff():
    radius = 0.5
    stiff = restraints.FlatBottomRestraint([0], [1], radius=radius, k=1e9).standard_state_correction(300.0)
    kt = restraints.kt_kj(300.0)
    sphere = -kt * math.log(restraints.STANDARD_VOLUME_NM3 / (4 / 3 * math.pi * radius**3))
    assert stiff["dG_kj"] == pytest.approx(sphere, abs=1e-3)


def test_flat_bottom_force_is_zero_inside_and_harmonic_outside():
    system = restraint_system(openmm.CustomBondForce("0"))
    force = restraints.FlatBottomRestraint([0, 1], [2], radius=0.5, k=1000.0).force(system)
    system.addForce(force)
    context = make_context(system, ("Reference", None))
    x = numpy.zeros((10, 3)) + 1.0
    x[1] += [0.2, 0, 0]  # protein centre at x = 1.1
    x[2] = [1.1 + 0.4, 1.0, 1.0]
    context.setPositions(x)
    assert context.getState(getEnergy=True).getPotentialEnergy()._value == pytest.approx(0.0, abs=1e-12)
    x[2] = [1.1 + 0.7, 1.0, 1.0]
    context.setPositions(x)
    assert context.getState(getEnergy=True).getPotentialEnergy()._value == pytest.approx(0.5 * 1000 * 0.2**2)


def synthetic_site(rng, frames=20, collinear_ligand=False):
    """A grid of backbone-like atoms, some of them floppy, and a bent (or straight) ligand chain inside."""
    grid = numpy.array([[i, j, k] for i in range(4) for j in range(4) for k in range(4)], dtype=float) * 0.45
    noise = numpy.where(numpy.arange(len(grid)) % 3 == 0, 0.08, 0.005)[:, None]
    if collinear_ligand:
        ligand = numpy.array([[0.7, 0.7, 0.7], [0.85, 0.7, 0.7], [1.0, 0.7, 0.7]])
    else:
        ligand = numpy.array([[0.7, 0.7, 0.7], [0.85, 0.72, 0.7], [0.9, 0.85, 0.72]])
    mean = numpy.vstack([grid, ligand])
    sigma = numpy.vstack([noise, numpy.full((3, 1), 0.005)])
    return mean[None] + rng.normal(0, 1, (frames, *mean.shape)) * sigma[None], len(grid)


def test_anchor_selection_picks_steady_atoms_and_valid_angles():
    rng = numpy.random.default_rng(7)
    frames, n = synthetic_site(rng)
    restraint = restraints.select_boresch_anchors(frames, range(n), [n, n + 1, n + 2], box_edge=4.0)
    assert sorted(restraint.ligand_atoms) == [n, n + 1, n + 2]
    assert all(p % 3 != 0 for p in restraint.protein_atoms)  # the floppy atoms are never anchors
    limit = math.sqrt(2 * 10 * restraints.kt_kj(298.15) / 41.84)
    for theta in (restraint.theta_a0, restraint.theta_b0):
        assert limit < theta < math.pi - limit
    assert 0.3 <= restraint.r0 <= 1.2
    assert restraint.energy(frames.mean(axis=0)) == pytest.approx(0.0, abs=1e-9)


def test_no_valid_anchors_says_which_criteria_failed():
    rng = numpy.random.default_rng(7)
    frames, n = synthetic_site(rng, collinear_ligand=True)
    with pytest.raises(LigandError, match="ligand chain L1-L2-L3.*pass anchors yourself"):
        restraints.select_boresch_anchors(frames, range(n), [n, n + 1, n + 2])
    frames, n = synthetic_site(rng)
    with pytest.raises(LigandError, match="half box"):
        restraints.select_boresch_anchors(frames, range(n), [n, n + 1, n + 2], box_edge=1.0)


def test_lambda_restraints_is_an_openmmtools_composable_state():
    pytest.importorskip("openmmtools")
    from openmmtools import states

    from openmmligand.fep.restraint_state import RestraintState

    rng = numpy.random.default_rng(3)
    x = six_atoms(rng)
    restraint = restraints.BoreschRestraint.from_positions((0, 1, 2), (3, 4, 5), x)
    system = restraint_system(restraint.force())
    state = RestraintState.from_system(system)
    assert state.lambda_restraints == 1.0
    compound = states.CompoundThermodynamicState(states.ThermodynamicState(system, 300 * unit.kelvin), [state])
    compound.lambda_restraints = 0.25
    context = compound.create_context(openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName("Reference"))
    x = x + rng.normal(0, 0.05, x.shape)
    context.setPositions(x)
    energy = context.getState(getEnergy=True).getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)
    assert energy == pytest.approx(0.25 * restraint.energy(x), rel=1e-9)


def test_bad_restraints_are_refused():
    with pytest.raises(LigandError, match="six different atoms"):
        restraints.BoreschRestraint((0, 1, 2), (2, 4, 5), 0.6, 1.4, 1.7, 0.3, -2.0, 1.0)
    with pytest.raises(LigandError, match="k_r must be positive"):
        restraints.BoreschRestraint((0, 1, 2), (3, 4, 5), 0.6, 1.4, 1.7, 0.3, -2.0, 1.0, k_r=0.0)
