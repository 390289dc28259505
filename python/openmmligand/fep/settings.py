# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""How a free-energy workflow runs, in one object: lengths, schedule overrides, where and how the units run.

The Python API (:func:`openmmligand.fep.hydration_free_energy`, :func:`openmmligand.fep.binding_free_energy`), the
command line and the benchmarks all build a :class:`RunSettings`; the workflows take it whole (or its fields as
keyword arguments), so each setting is written, checked and documented once, here."""

import dataclasses
from dataclasses import dataclass, field
from typing import Optional, Sequence

from ..errors import LigandError

TEMPERATURE = 298.15  # K, FreeSolv's
PRESSURE = 1.0  # atm, the periodic legs'

#: Run lengths (replica-exchange iterations, MD steps of 2 fs per iteration) of ``quick`` runs and of the default.
QUICK_LENGTHS = {"iterations": 50, "steps": 250, "equilibration_iterations": 10}
DEFAULT_LENGTHS = {"iterations": 1000, "steps": 500, "equilibration_iterations": 50}


@dataclass(frozen=True)
class RunSettings:
    """How a hydration or binding free-energy run goes.

    Parameters
    ----------
    quick : bool
        Short lengths and fewer λ states (a laptop); the default lengths are sized for GPUs.
    repeats : int
        Independent repeats (their seeds differ), each leg × repeat a separate unit.
    iterations, steps, equilibration_iterations : int, optional
        Production replica-exchange iterations, MD steps (2 fs) per replica per iteration, equilibration iterations
        before production; None: the quick or default length (:data:`QUICK_LENGTHS`, :data:`DEFAULT_LENGTHS`).
    electrostatics, sterics : sequence of float, optional
        λ values from coupled (1) to decoupled (0) replacing the default schedules (:mod:`openmmligand.fep.schedules`).
    platform : str
        The OpenMM platform the units run on.
    platform_properties : dict
        Its properties (e.g. ``{"Precision": "mixed"}``, ``{"Threads": "2"}``).
    seed : int
        The first repeat's seed (every random source of a unit is seeded from it).
    checkpoint_interval : int
        Iterations between checkpoints (at most what a killed unit redoes).
    scheduler : str, optional
        A Dask scheduler's address; None: a LocalCluster of ``workers`` processes.
    workers : int, optional
        LocalCluster worker processes (default: one per core or GPU).
    serial : bool
        Run the units one after another in this process (no Dask).
    progress_bar : bool
        Print the plan and a progress bar over the iterations.
    """

    quick: bool = False
    repeats: int = 1
    iterations: Optional[int] = None
    steps: Optional[int] = None
    equilibration_iterations: Optional[int] = None
    electrostatics: Optional[Sequence[float]] = None
    sterics: Optional[Sequence[float]] = None
    platform: str = "CPU"
    platform_properties: dict = field(default_factory=dict)
    seed: int = 1
    checkpoint_interval: int = 10
    scheduler: Optional[str] = None
    workers: Optional[int] = None
    serial: bool = False
    progress_bar: bool = True

    def __post_init__(self):
        object.__setattr__(self, "platform_properties", dict(self.platform_properties or {}))
        if int(self.repeats) < 1:
            raise LigandError(f"repeats must be at least 1, not {self.repeats}")
        if int(self.checkpoint_interval) < 1:
            raise LigandError(f"checkpoint_interval must be at least 1 iteration, not {self.checkpoint_interval}")
        if self.workers is not None and int(self.workers) < 1:
            raise LigandError(f"workers must be at least 1, not {self.workers}")
        self.lengths()  # checks them

    @classmethod
    def of(cls, settings: Optional["RunSettings"] = None, **changes) -> "RunSettings":
        """``settings`` (default: the defaults) with the named fields changed.

        Raises
        ------
        LigandError
            For a name that is not a field (naming it and the fields), or a value out of range.
        """
        names = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(changes) - set(names))
        if unknown:
            raise LigandError(f"unknown run setting(s) {', '.join(unknown)}: RunSettings has {', '.join(names)}")
        return dataclasses.replace(settings or cls(), **changes)

    def lengths(self) -> dict:
        """The run lengths: the quick or default ones with any given value in place.

        Returns
        -------
        dict
            ``iterations``, ``steps``, ``equilibration_iterations``.
        """
        lengths = dict(QUICK_LENGTHS if self.quick else DEFAULT_LENGTHS)
        for key in lengths:
            value = getattr(self, key)
            if value is not None:
                if value < (1 if key != "equilibration_iterations" else 0):
                    raise LigandError(f"{key} must be positive, not {value}")
                lengths[key] = int(value)
        return lengths

    def unit_options(self) -> dict:
        """What every unit of the run is given (:class:`openmmligand.fep.units.UnitSpec` fields)."""
        return {
            "platform": self.platform,
            "platform_properties": dict(self.platform_properties),
            "seed": self.seed,
            "checkpoint_interval": self.checkpoint_interval,
        }
