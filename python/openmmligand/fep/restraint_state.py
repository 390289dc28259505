# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""``lambda_restraints`` as an openmmtools composable state (what YANK's RestraintState is), so that a protocol
can carry it beside AlchemicalState's lambdas."""

from openmmtools.states import GlobalParameterState


class RestraintState(GlobalParameterState):
    """The value of ``lambda_restraints`` (0: restraint off, 1: on) in the System's restraint force."""

    lambda_restraints = GlobalParameterState.GlobalParameter("lambda_restraints", standard_value=1.0)
