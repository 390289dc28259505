# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Where openmm-ligand keeps what it computes once: built complexes and ligand parameters."""

import os


def default_cache_dir() -> str:
    """The cache directory: $OPENMMLIGAND_CACHE, else $XDG_CACHE_HOME/openmm-ligand (~/.cache/openmm-ligand).

    Returns
    -------
    str
        The directory (it may not exist yet).
    """
    if os.environ.get("OPENMMLIGAND_CACHE"):
        return os.environ["OPENMMLIGAND_CACHE"]
    return os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "openmm-ligand")
