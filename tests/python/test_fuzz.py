# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Property-based fuzzing (hypothesis) of the Python API and of XmlSerializer.deserialize on mangled force XML:
a clear exception or a valid result, never a crash. Each in its own process (helpers/fuzz_api.py)."""

import os
import subprocess
import sys

import pytest

pytest.importorskip("hypothesis")
HELPER = os.path.join(os.path.dirname(__file__), "helpers", "fuzz_api.py")


@pytest.mark.parametrize("mode,examples", [("python", 5000), ("xml", 1500)])
def test_fuzz(mode, examples):
    run = subprocess.run([sys.executable, HELPER, mode, str(examples)], capture_output=True, text=True, timeout=900)
    assert run.returncode == 0 and "fuzzing done" in run.stdout, (
        f"exit {run.returncode}\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}"
    )
