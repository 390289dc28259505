# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""The exception openmmligand raises for bad input."""

import openmm


class LigandError(openmm.OpenMMException, ValueError):
    """Bad input to openmmligand: the message names the problem and the offending value.

    It is an ``openmm.OpenMMException`` (as the C++ layer's errors are) and a ``ValueError``, so either
    ``except`` clause catches it.
    """
