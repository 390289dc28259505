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
from typing import Optional

from .analysis import combine_hydration
from .pipeline import run_workflow, start_workflow
from .schedules import hydration_protocols
from .settings import PRESSURE, RunSettings
from .systems import hydration_systems


def hydration_free_energy(
    smiles: str,
    out: str,
    settings: Optional[RunSettings] = None,
    *,
    force_field: str = "gaff2",
    charge_method: str = "bcc",
    padding: float = 1.2,
    cutoff: float = 0.9,
    **run_settings,
) -> dict:
    """Compute (or resume, or read back) the hydration free energy of ``smiles``; results in ``out``.

    Parameters
    ----------
    smiles : str
        The molecule (bond orders, charge state).
    out : str
        The output folder; calling again with it resumes (or reads back) the run.
    settings : RunSettings, optional
        How the run goes (lengths, schedules, platform, where the units run; :class:`openmmligand.fep.RunSettings`).
    force_field : str
        'gaff2' or 'gaff' (1.x).
    charge_method : str
        'bcc' (AM1-BCC) or 'gas' (Gasteiger, for tests).
    padding, cutoff : float
        Water around the ligand and the PME direct-space cutoff, nm.
    **run_settings
        RunSettings fields, replacing those of ``settings`` (e.g. ``quick=True``, ``serial=True``).
        ``electrostatics`` and ``sterics`` replace the default schedules
        (:func:`openmmligand.fep.schedules.hydration_protocols`; the vacuum leg takes the electrostatics only).

    Returns
    -------
    dict
        The summary written to ``out/summary.json`` (ΔG and uncertainty in kcal/mol, every term, per-leg
        diagnostics); also ``summary.txt`` and ``report.png``.

    Raises
    ------
    LigandError
        For an unknown run setting, a SMILES that cannot be parsed or typed, a schedule that does not run from coupled
        to decoupled, a scheduler that does not answer, a checkpoint interval below 1, or a checkpoint that cannot be
        read — before any long run where it can.
    """
    settings = RunSettings.of(settings, **run_settings)
    protocols = hydration_protocols(settings.electrostatics, settings.sterics, settings.quick)
    out, _ = start_workflow(out, settings)
    legs, description = hydration_systems(
        smiles, os.path.join(out, "systems"), force_field, charge_method, padding, cutoff
    )
    return run_workflow(
        "hydration", out, legs, protocols, {"solvent": PRESSURE}, settings, description, combine_hydration
    )
