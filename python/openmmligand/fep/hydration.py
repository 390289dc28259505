# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""The hydration free energy of a small molecule from its SMILES, in one call (``openmm-ligand hydration``).

    import openmmligand.fep
    summary = openmmligand.fep.hydration_free_energy("CCO", "ethanol-hydration", quick=True)
    print(summary["result"]["dG_hydration_kcal"], summary["result"]["uncertainty_kcal"])

Protocol: GAFF2 (or GAFF 1.x) with AM1-BCC charges from AmberTools, TIP3P, PME; two legs, each a Hamiltonian
replica-exchange run over a lambda schedule with :class:`openmmligand.samplers.ReplicaExchangeSampler` (one-pass
energy matrix) and openmmtools' storage:

    solvent: the ligand in water (NPT, 298.15 K, 1 atm), coupled -> decoupled (charges off, then softcore LJ off)
    vacuum:  the ligand alone, coupled -> decoupled (its charges off; it keeps its own Lennard-Jones)
    ΔG_hydration = ΔG_vacuum − ΔG_solvent

Each leg × repeat is a unit (:mod:`openmmligand.fep.units`) run serially or on Dask (:mod:`openmmligand.fep.runner`),
checkpointed and resumed: calling this again with the same output folder continues where it stopped and
recomputes nothing that finished. Lengths: ``quick`` 8/3 states, 50 iterations of 250 steps (2 fs) after 10
equilibration iterations; the default 18/5 states, 1000 iterations of 500 steps (1 ns per replica; sized for GPUs).
"""

import os
import threading
import time
from typing import Optional, Sequence

from ..errors import LigandError
from .analysis import combine_hydration
from .report import min_neighbour_overlap, write_report
from .runner import run_units
from .schedules import decoupling_protocol
from .systems import hydration_systems
from .units import UnitSpec

QUICK = {"iterations": 50, "steps": 250, "equilibration_iterations": 10}
DEFAULT = {"iterations": 1000, "steps": 500, "equilibration_iterations": 50}


def _watch(folder, specs, stop):
    """A progress bar over every unit's iterations, from their progress.json files."""
    import json

    from tqdm import tqdm

    total = sum(spec["iterations"] for spec in specs)
    with tqdm(total=total, unit="it", desc="replica-exchange iterations", mininterval=2) as bar:
        while True:
            finished = stop.is_set()
            done = 0
            for spec in specs:
                try:
                    with open(os.path.join(spec["folder"], "progress.json")) as stream:
                        done += json.load(stream)["iteration"]
                except (OSError, ValueError):
                    pass
            bar.update(done - bar.n)
            if finished:
                return
            stop.wait(2.0)


def hydration_free_energy(
    smiles: str,
    out: str,
    *,
    force_field: str = "gaff2",
    charge_method: str = "bcc",
    quick: bool = False,
    repeats: int = 1,
    iterations: Optional[int] = None,
    steps: Optional[int] = None,
    equilibration_iterations: Optional[int] = None,
    electrostatics: Optional[Sequence[float]] = None,
    sterics: Optional[Sequence[float]] = None,
    platform: str = "CPU",
    platform_properties: Optional[dict] = None,
    padding: float = 1.2,
    cutoff: float = 0.9,
    seed: int = 1,
    scheduler: Optional[str] = None,
    workers: Optional[int] = None,
    serial: bool = False,
    progress_bar: bool = True,
    checkpoint_interval: int = 10,
) -> dict:
    """Compute (or resume, or read back) the hydration free energy of ``smiles``; results in ``out``.

    Returns the summary written to ``out/summary.json`` (ΔG and uncertainty in kcal/mol, every term, per-leg
    diagnostics); also ``summary.txt`` and ``report.png``. ``repeats`` independent repeats (seeds differ) run as
    separate units. Execution: ``serial`` in this process; else Dask (``scheduler`` address or a LocalCluster
    of ``workers`` processes). ``padding`` (water around the ligand) and ``cutoff`` (PME direct space) in nm. Raises LigandError for a SMILES that cannot be parsed or typed, a scheduler that
    does not answer, or a checkpoint that cannot be read — before any long run where it can.
    """
    if repeats < 1:
        raise LigandError(f"repeats must be at least 1, not {repeats}")
    lengths = dict(QUICK if quick else DEFAULT)
    for key, value in (
        ("iterations", iterations),
        ("steps", steps),
        ("equilibration_iterations", equilibration_iterations),
    ):
        if value is not None:
            if value < (1 if key != "equilibration_iterations" else 0):
                raise LigandError(f"{key} must be positive, not {value}")
            lengths[key] = int(value)
    out = os.path.abspath(out)
    os.makedirs(out, exist_ok=True)
    if scheduler and not serial:  # fail before the ligand is parameterized
        from .runner import _client

        client, _ = _client(scheduler, None, 1)
        client.close()
    legs, description = hydration_systems(
        smiles, os.path.join(out, "systems"), force_field, charge_method, padding, cutoff
    )
    protocols = {
        "solvent": decoupling_protocol(electrostatics, sterics, quick=quick),
        "vacuum": decoupling_protocol(electrostatics, [1.0], quick=quick),
    }
    specs = []
    for repeat in range(repeats):
        for leg in ("solvent", "vacuum"):
            spec = UnitSpec(
                name=f"{leg}-repeat{repeat}",
                folder=os.path.join(out, "units", f"{leg}-repeat{repeat}"),
                leg=legs[leg].to_json(),
                protocol=protocols[leg],
                platform=platform,
                platform_properties=dict(platform_properties or {}),
                seed=seed,
                repeat=repeat,
                checkpoint_interval=checkpoint_interval,
                pressure=1.0 if leg == "solvent" else None,
                **lengths,
            )
            specs.append(spec.to_json())
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(out, specs, stop), daemon=True) if progress_bar else None
    if watcher:
        watcher.start()
    started = time.perf_counter()
    try:
        results = run_units(specs, scheduler=scheduler, workers=workers, serial=serial)
    finally:
        stop.set()
        if watcher:
            watcher.join()
    by_key = {(r["unit"].split("-repeat")[0], int(r["unit"].split("-repeat")[1])): r for r in results}
    for result in results:
        result["min_neighbour_overlap"] = min_neighbour_overlap(result["overlap_matrix"])
    summary = {
        "kind": "hydration",
        "ligand": description,
        "protocol": {
            "legs": {leg: {"states": len(p["lambda_sterics"]), **p} for leg, p in protocols.items()},
            **lengths,
            "timestep_fs": 2.0,
            "temperature_K": specs[0]["temperature"],
            "pressure_atm (solvent)": 1.0,
            "platform": platform,
            "repeats": repeats,
        },
        "result": combine_hydration(by_key),
        "units": results,
        "wall_seconds_this_call": round(time.perf_counter() - started, 1),
    }
    write_report(summary, out)
    return summary
