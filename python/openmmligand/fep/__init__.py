# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Free energies from ligand decoupling: hydration (and, building on it, absolute binding) free energies with
Hamiltonian replica exchange, MBAR, checkpointed units and Dask scale-out. Needs openmmtools, pymbar, AmberTools
(``pip install openmm-ligand[fep]``)."""

from .binding import binding_free_energy
from .hydration import hydration_free_energy
from .schedules import decoupling_protocol
from .settings import RunSettings
from .units import UnitSpec, run_unit
from .runner import run_units

__all__ = [
    "RunSettings",
    "binding_free_energy",
    "hydration_free_energy",
    "decoupling_protocol",
    "UnitSpec",
    "run_unit",
    "run_units",
]
