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
recomputes nothing that finished. Lengths: ``quick`` 12/5 states, 50 iterations of 250 steps (2 fs) after 10
equilibration iterations; the default 18/5 states, 1000 iterations of 500 steps (1 ns per replica; sized for GPUs).
"""

import os
from typing import Optional, Sequence

from .analysis import combine_hydration
from .pipeline import run_options, run_workflow, start_workflow
from .schedules import hydration_protocols
from .systems import hydration_systems
from .units import PRESSURE


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
    of ``workers`` processes). ``padding`` (water around the ligand) and ``cutoff`` (PME direct space) in nm.
    ``checkpoint_interval``: replica-exchange iterations (equilibration's too) between checkpoints, at most what a
    killed unit redoes. ``electrostatics`` and ``sterics`` (λ values from coupled to decoupled) replace the default
    schedules (:func:`openmmligand.fep.schedules.hydration_protocols`; the vacuum leg takes the electrostatics only). Raises
    LigandError for a SMILES that cannot be parsed or typed, a schedule that does not run from coupled to decoupled,
    a scheduler that does not answer, a checkpoint interval below 1, or a checkpoint that cannot be read — before any
    long run where it can.
    """
    run = run_options(locals())
    protocols = hydration_protocols(electrostatics, sterics, quick)
    out, lengths = start_workflow(out, repeats, quick, iterations, steps, equilibration_iterations, scheduler, serial)
    legs, description = hydration_systems(
        smiles, os.path.join(out, "systems"), force_field, charge_method, padding, cutoff
    )
    return run_workflow(
        "hydration", out, legs, protocols, {"solvent": PRESSURE}, lengths, repeats, description, combine_hydration, run
    )
