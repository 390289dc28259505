# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""openmmligand.samplers against openmmtools' own samplers: the energy matrix of the same sampler, at the same
positions, with the one-pass route on and off (the independent formulation is openmmtools' loop over states),
NVT and NPT, K = 2, 12, 20; the fallback for states that differ in something else; restart from storage; MBAR."""

import copy
import logging

import numpy
import openmm
import pytest
from openmm import unit

import openmmligand
from conftest import PLATFORMS, ligand_in_water, tolerance

multistate = pytest.importorskip("openmmtools.multistate")
from openmmtools import alchemy, cache, mcmc, states  # noqa: E402

from openmmligand import samplers  # noqa: E402


def schedule(k):
    """Electrostatics off first, then sterics: K states from (1, 1) to (0, 0)."""
    half = k // 2
    electrostatics = list(numpy.linspace(1.0, 0.0, half)) + [0.0] * (k - half)
    sterics = [1.0] * half + list(numpy.linspace(1.0, 0.0, k - half))
    return {"lambda_sterics": sterics, "lambda_electrostatics": electrostatics}


def make_sampler(
    tmp_path, platform, k, npt=False, method="RF-periodic", extra_restraint=False, cls=None, steps=10, restraint=None
):
    test = ligand_in_water(method)
    system = openmmligand.decouple(test.system, test.ligand_atoms)
    protocol = schedule(k)
    composable = []
    if restraint is not None:
        # A restraint driven by lambda_restraints in a force group of its own (as openmmligand.fep builds it):
        # ``restraint`` is its energy expression in r.
        from openmmligand.fep.restraint_state import RestraintState

        force = openmm.CustomBondForce(restraint)
        force.addGlobalParameter("lambda_restraints", 1.0)
        force.addBond(test.ligand_atoms[0], test.ligand_atoms[-1] + 20)
        force.setForceGroup(7)
        system.addForce(force)
        protocol["lambda_restraints"] = list(numpy.linspace(0.0, 1.0, k))
        composable.append(RestraintState.from_system(system))
    if extra_restraint:
        # A force driven by a third parameter that the states vary: the one-pass route cannot, openmmtools can.
        restraint = openmm.CustomBondForce("lambda_torsions*100*(r-0.5)^2")
        restraint.addGlobalParameter("lambda_torsions", 1.0)
        restraint.addBond(test.ligand_atoms[0], test.ligand_atoms[-1] + 20)
        system.addForce(restraint)
        protocol["lambda_torsions"] = list(numpy.linspace(0.0, 1.0, k))
    if npt:
        system.addForce(openmm.MonteCarloBarostat(1 * unit.bar, 300 * unit.kelvin))
    thermo = states.ThermodynamicState(system, 300 * unit.kelvin, pressure=(1 * unit.bar if npt else None))
    compound = states.create_thermodynamic_state_protocol(
        thermo, protocol, composable_states=[alchemy.AlchemicalState.from_system(system)] + composable
    )
    name, precision = platform
    the_platform = openmm.Platform.getPlatformByName(name)
    if precision:
        the_platform.setPropertyDefaultValue("Precision", precision)
    sampler = (cls or samplers.ReplicaExchangeSampler)(
        mcmc_moves=mcmc.LangevinDynamicsMove(n_steps=steps), number_of_iterations=100
    )
    sampler.energy_context_cache = cache.ContextCache(platform=the_platform)
    sampler.sampler_context_cache = cache.ContextCache(platform=the_platform)
    box = test.system.getDefaultPeriodicBoxVectors()
    reporter = multistate.MultiStateReporter(str(tmp_path / "run.nc"), checkpoint_interval=1)
    sampler.create(compound, states.SamplerState(test.positions, box_vectors=box), reporter)
    return sampler, reporter


def both_rows(sampler, replica):
    sampler.one_pass_energies = True
    ours = sampler._compute_replica_energies(replica)
    sampler.one_pass_energies = False
    theirs = sampler._compute_replica_energies(replica)
    sampler.one_pass_energies = True
    return ours, theirs


def _context_at(sampler, replica, state_index):
    """openmmtools' own way to one reduced potential: the state applied to an energy Context, the replica's
    configuration set."""
    state = sampler._thermodynamic_states[state_index]
    context, _ = sampler.energy_context_cache.get_context(state)
    state.apply_to_context(context)
    sampler._sampler_states[replica].apply_to_context(context, ignore_velocities=True)
    return context


def relative_tolerance(platform):
    # Reference: 1e-6 as asked (the two routes differ only in summation order); elsewhere the platform's own
    # reproducibility of a whole-System energy (single-precision NonbondedForce on CPU and GPUs).
    return 1e-6 if platform[0] == "Reference" else 20 * tolerance(platform)


# K = 2, 12 and 20, NVT and NPT, on Reference; the largest on CPU; NVT and NPT on the GPU platform (kept few: each
# case builds and runs a sampler).
CASES = [
    (("Reference", None), 2, False),
    (("Reference", None), 12, False),
    (("Reference", None), 20, True),
    (("CPU", None), 20, False),
    (("CPU", None), 12, True),
]
CASES += [(p, 12, p[1] == "mixed") for p in PLATFORMS if p[0] not in ("Reference", "CPU") and p[1] != "double"]


@pytest.mark.parametrize(
    "platform,k,npt",
    CASES,
    ids=[f"{p[0]}{'-' + p[1] if p[1] else ''}-K{k}-{'NPT' if n else 'NVT'}" for p, k, n in CASES],
)
def test_energy_matrix_equals_openmmtools(tmp_path, platform, k, npt):
    sampler, reporter = make_sampler(tmp_path, platform, k, npt=npt)
    sampler.run(1)  # the replicas moved: the rows are of configurations openmmtools propagated
    # The iteration's rows came from the Context each replica's move ended in.
    assert sampler.energy_matrix_routes.get("after move") == k, sampler.energy_matrix_routes
    after_move = numpy.array(sampler._energy_thermodynamic_states)
    tol = relative_tolerance(platform)
    for replica in range(k):
        ours, theirs = both_rows(sampler, replica)
        for row in (ours[0], after_move[replica]):
            assert numpy.abs(row - theirs[0]).max() <= tol * numpy.abs(theirs[0]).max(), (replica, row - theirs[0])
        assert len(ours[0]) == len(theirs[0]) == k
        # What MBAR and the swaps use: the differences between states, on their own scale.
        assert numpy.abs((ours[0] - ours[0][0]) - (theirs[0] - theirs[0][0])).max() <= max(1e-6, tol * 50)
    reporter.close()


def test_pme_and_sams_neighbourhood(tmp_path):
    """PME (the one-FFT reciprocal quadratic) and SAMS, whose rows cover a neighbourhood of states."""
    sampler, reporter = make_sampler(tmp_path, ("Reference", None), 12, method="PME", cls=samplers.SAMSSampler)
    sampler.run(1)
    assert sampler.energy_matrix_routes.get("after move") == sampler.n_replicas, sampler.energy_matrix_routes
    # The iteration's rows (the neighbourhood it was computed for), before both_rows recomputes them.
    after_move = numpy.array(sampler._energy_thermodynamic_states)
    neighbourhoods = numpy.array(sampler._neighborhoods, dtype=bool)
    for replica in range(sampler.n_replicas):
        ours, theirs = both_rows(sampler, replica)
        numpy.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)
        # SAMS may have moved the replica to another state since; the row was of the old one's neighbourhood.
        assert neighbourhoods[replica].any()
        stored = after_move[replica][neighbourhoods[replica]]
        old_state = numpy.flatnonzero(neighbourhoods[replica])
        recomputed = numpy.array(
            [sampler._thermodynamic_states[s].reduced_potential(_context_at(sampler, replica, s)) for s in old_state]
        )
        numpy.testing.assert_allclose(stored, recomputed, rtol=1e-6)
    reporter.close()


def test_states_that_differ_otherwise_take_openmmtools_route(tmp_path, caplog):
    sampler, reporter = make_sampler(tmp_path, ("Reference", None), 4, extra_restraint=True)
    with caplog.at_level(logging.WARNING, logger="openmmligand.samplers"):
        ours, theirs = both_rows(sampler, 0)
        both_rows(sampler, 1)
    numpy.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    said = [r.message for r in caplog.records if "openmmtools' own energy loop" in r.message]
    assert len(said) == 1 and "differ in more than" in said[0]
    reporter.close()


@pytest.mark.parametrize("platform", [("Reference", None), ("CPU", None)], ids=["Reference", "CPU"])
def test_a_linear_restraint_in_its_own_group_stays_on_the_one_pass_route(tmp_path, platform):
    sampler, reporter = make_sampler(tmp_path, platform, 6, npt=True, restraint="lambda_restraints*100*(r-0.5)^2")
    sampler.run(1)
    assert sampler.energy_matrix_routes.get("after move") == 6, sampler.energy_matrix_routes
    tol = relative_tolerance(platform)
    for replica in range(6):
        ours, theirs = both_rows(sampler, replica)
        assert numpy.abs(ours[0] - theirs[0]).max() <= tol * numpy.abs(theirs[0]).max()
        # The restraint's share differs between states: the comparison can see a wrong slope.
        assert numpy.ptp(theirs[0] - theirs[0][0]) > 0
    assert "openmmtools" not in sampler.energy_matrix_routes
    reporter.close()


def test_a_nonlinear_restraint_takes_openmmtools_route(tmp_path, caplog):
    sampler, reporter = make_sampler(tmp_path, ("Reference", None), 4, restraint="lambda_restraints^2*100*(r-0.5)^2")
    with caplog.at_level(logging.WARNING, logger="openmmligand.samplers"):
        sampler.run(1)
    assert "not linear" in caplog.text
    ours, theirs = both_rows(sampler, 0)
    numpy.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    reporter.close()


def test_restart_from_storage_keeps_the_fast_route(tmp_path):
    sampler, reporter = make_sampler(tmp_path, ("CPU", None), 4)
    sampler.run(1)
    reporter.close()
    del sampler
    restored = samplers.ReplicaExchangeSampler.from_storage(str(tmp_path / "run.nc"))
    assert isinstance(restored, samplers.OnePassEnergyMatrix)
    restored.extend(1)
    assert restored.iteration == 2
    ours, theirs = both_rows(restored, 0)
    numpy.testing.assert_allclose(ours[0], theirs[0], rtol=relative_tolerance(("CPU", None)))


def test_mbar_of_the_stored_run_agrees_with_openmmtools_energies(tmp_path):
    """A short HREX run with the one-pass matrix. After each iteration every replica's row is computed both ways
    from the sampler's own (double-precision) positions: the reporter stored exactly ours, openmmtools' loop agrees
    to 1e-6, and MBAR (pymbar 4) on the two matrices gives the same free energy between the end states."""
    from pymbar import MBAR

    k, iterations = 6, 4
    sampler, reporter = make_sampler(tmp_path, ("Reference", None), k, steps=20)
    ours = numpy.zeros((iterations, k, k))
    theirs = numpy.zeros_like(ours)
    for iteration in range(iterations):
        sampler.run(1)
        for replica in range(k):
            rows = both_rows(sampler, replica)
            ours[iteration, replica], theirs[iteration, replica] = rows[0][0], rows[1][0]
    stored = reporter.read_energies()[0][1:]  # iteration 0 is the initial one
    numpy.testing.assert_allclose(stored, ours, rtol=1e-12)
    numpy.testing.assert_allclose(ours, theirs, rtol=1e-6)
    state_of = reporter.read_replica_thermodynamic_states()[1:]
    free_energies = []
    for matrix in (ours, theirs):
        samples = [(state_of[i, r], matrix[i, r]) for i in range(iterations) for r in range(k)]
        samples.sort(key=lambda sample: sample[0])
        u_kn = numpy.array([row for _, row in samples]).T
        n_k = numpy.bincount([state for state, _ in samples], minlength=k)
        free_energies.append(MBAR(u_kn, n_k).compute_free_energy_differences()["Delta_f"][0, -1])
    assert free_energies[0] == pytest.approx(free_energies[1], abs=1e-5)
    reporter.close()


def test_a_move_that_restores_positions_is_not_trusted(tmp_path):
    """A Metropolis move that rejects restores the replica's positions but leaves the proposal in its Context: the
    row must not come from that Context (checked by position), and still equals openmmtools'."""
    sampler, reporter = make_sampler(tmp_path, ("Reference", None), 4)
    ligand = list(ligand_in_water("RF-periodic").ligand_atoms)
    # Langevin first, then a displacement of the ligand by 0.15 nm along each axis: mostly rejected.
    move = mcmc.SequenceMove(
        [
            mcmc.LangevinDynamicsMove(n_steps=5),
            mcmc.MCDisplacementMove(atom_subset=ligand, displacement_sigma=0.2 * unit.nanometer),
        ]
    )
    move.move_list[1]._propose_positions = lambda positions: positions + 0.15 * unit.nanometer
    sampler._mcmc_moves = [copy.deepcopy(move) for _ in range(sampler.n_states)]
    sampler.run(1)
    accepted = sum(m.move_list[1].n_accepted for m in sampler._mcmc_moves)
    assert accepted < sampler.n_replicas
    # Only the replicas whose proposal was accepted have their positions in the Context.
    assert sampler.energy_matrix_routes.get("after move", 0) == accepted, sampler.energy_matrix_routes
    stored = numpy.array(sampler._energy_thermodynamic_states)
    for replica in range(sampler.n_replicas):
        ours, theirs = both_rows(sampler, replica)
        numpy.testing.assert_allclose(stored[replica], theirs[0], rtol=1e-6)
    reporter.close()
