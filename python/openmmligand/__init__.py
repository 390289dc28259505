# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""openmm-ligand: fast, exact ligand–environment interaction terms for OpenMM.

import openmmligand
decoupled = openmmligand.decouple(system, ligand_atoms)     # a new System; lambdas start at 1
context.setParameter('lambda_sterics', 0.5)
openmmligand.lambda_derivatives(context)                   # {'lambda_sterics': ..., 'lambda_electrostatics': ...}

complex = openmmligand.complexes.amprenavir_hiv_protease()  # a real drug in its target, simulation-ready
"""

from ._build_config import VERSION as __version__
from ._plugins import ensure_plugins_loaded
from .errors import LigandError

ensure_plugins_loaded()

from .openmmligand_wrapper import AniForce, LigandCouplingForce  # noqa: E402
from .decouple import decouple, lambda_derivatives, find_ligand_coupling_forces  # noqa: E402
from .energy_matrix import state_energies, reduced_potentials  # noqa: E402
from .interactions import interaction_energies, InteractionEnergyReporter, plot_fingerprint  # noqa: E402
from .mlmm import ml_mm  # noqa: E402
from . import testsystems, complexes, gaff, ligands  # noqa: E402

__all__ = [
    "__version__",
    "AniForce",
    "LigandCouplingForce",
    "LigandError",
    "decouple",
    "ml_mm",
    "lambda_derivatives",
    "find_ligand_coupling_forces",
    "state_energies",
    "reduced_potentials",
    "interaction_energies",
    "InteractionEnergyReporter",
    "plot_fingerprint",
    "testsystems",
    "complexes",
    "gaff",
    "ligands",
    "ensure_plugins_loaded",
]
