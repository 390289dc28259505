# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Print the prefix of the OpenMM this interpreter uses (empty for Debian's, whose library is in the system's
library directory) and its version, one per line. Used by cmake/FindOpenMMInstall.cmake."""

import os
import sys
import sysconfig

try:
    import openmm.version as version

    values = vars(version)
except ImportError:
    # pip's isolated build environment: the target environment's site directory is not on sys.path, but the
    # interpreter still knows where it is.
    path = os.path.join(sysconfig.get_path("platlib"), "openmm", "version.py")
    if not os.path.exists(path):
        sys.exit(f"no module named 'openmm' for {sys.executable} (looked in {os.path.dirname(path)} too)")
    values = {"__file__": path}
    with open(path) as source:
        exec(source.read(), values)
library = values["openmm_library_path"]
print(os.path.dirname(library) if library else "")
print(values["short_version"])
