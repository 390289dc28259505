# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Make sure OpenMM has loaded our kernel plugins, wherever the package runs from, and that they fit it.

OpenMM loads plugins once, from its plugin directory (or OPENMM_PLUGIN_DIR), when ``openmm`` is imported. A
pip-installed openmm-ligand keeps its plugins inside the package (``openmmligand/plugins``), a build tree in
``build/plugins``: the package loads them itself from the directory recorded at build time
(``_build_config.PLUGIN_DIR``). OpenMM has no soname and its classes change between releases, so the package
first checks that the running OpenMM is the one it was compiled against.
"""

import os

import openmm

from . import _build_config

KERNEL_NAME = "CalcLigandCouplingForce"


def _major_minor(version):
    return tuple(version.split(".")[:2])


def check_openmm_version(running=None):
    """Raise ImportError naming both versions if the running OpenMM is not the release (major.minor) that
    openmm-ligand was compiled against."""
    running = running or openmm.Platform.getOpenMMVersion()
    built = _build_config.OPENMM_VERSION
    if _major_minor(running) != _major_minor(built):
        raise ImportError(
            f"openmm-ligand {_build_config.VERSION} was built for OpenMM {built} but this Python runs "
            f"OpenMM {running}: reinstall openmm-ligand in this environment (pip install openmm-ligand "
            f"builds it against the OpenMM installed there)"
        )


def _loaded_platforms():
    return {openmm.Platform.getPlatform(i).getName() for i in range(openmm.Platform.getNumPlatforms())}


def platforms_missing_the_kernel():
    """The platforms this build made a plugin for, that OpenMM has, but that lack our kernel."""
    loaded = _loaded_platforms()
    return [
        name
        for name in _build_config.BUILT_PLATFORMS
        if name in loaded and not openmm.Platform.getPlatformByName(name).supportsKernels([KERNEL_NAME])
    ]


def ensure_plugins_loaded():
    """Load the openmm-ligand kernel plugins into OpenMM if they are not loaded yet.

    Returns the list of plugin libraries loaded by this call (empty if OpenMM had them already). Raises
    ImportError if the running OpenMM is not the one the plugins were built for (naming both versions), or if a
    plugin built for a platform OpenMM has did not load (carrying ``Platform.getPluginLoadFailures()``).
    """
    check_openmm_version()
    loaded = []
    if platforms_missing_the_kernel() and os.path.isdir(_build_config.PLUGIN_DIR):
        loaded = list(openmm.Platform.loadPluginsFromDirectory(_build_config.PLUGIN_DIR))
    missing = platforms_missing_the_kernel()
    if missing:
        ours = [f for f in openmm.Platform.getPluginLoadFailures() if "OpenMMLigand" in f]
        failures = "\n  ".join(ours or openmm.Platform.getPluginLoadFailures()) or "(none reported)"
        raise ImportError(
            f"openmm-ligand: the kernel plugins for {', '.join(missing)} did not load from "
            f"{_build_config.PLUGIN_DIR} into OpenMM {openmm.Platform.getOpenMMVersion()}. "
            f"OpenMM's plugin load failures:\n  {failures}"
        )
    return loaded
