"""Make sure OpenMM has loaded our kernel plugins, wherever the package runs from.

OpenMM loads plugins once, from its plugin directory (or OPENMM_PLUGIN_DIR), when ``openmm`` is imported.
An installed openmm-ligand puts its plugins there; a build tree or a user's own prefix does not, so the
package loads them itself from the directory recorded at build time when the kernels are missing.
"""
import openmm

from ._build_config import PLUGIN_DIR

KERNEL_NAME = "CalcLigandCouplingForce"


def _kernel_available():
    try:
        return openmm.Platform.getPlatformByName("Reference").supportsKernels([KERNEL_NAME])
    except Exception:
        return False


def ensure_plugins_loaded():
    """Load the openmm-ligand kernel plugins into OpenMM if they are not loaded yet.

    Returns the list of plugin libraries loaded by this call (empty if OpenMM had them already).
    Raises ImportError naming OpenMM's load failures if the kernels are still missing afterwards.
    """
    if _kernel_available():
        return []
    import os
    loaded = []
    if os.path.isdir(PLUGIN_DIR):
        loaded = list(openmm.Platform.loadPluginsFromDirectory(PLUGIN_DIR))
    if not _kernel_available():
        failures = "\n  ".join(openmm.Platform.getPluginLoadFailures()) or "(none reported)"
        raise ImportError(f"openmm-ligand: the kernel plugins were not found in OpenMM's plugin directory or in "
                          f"{PLUGIN_DIR}. OpenMM's plugin load failures:\n  {failures}")
    return loaded
