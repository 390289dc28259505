# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Bad input never crashes and never yields a finite number: NaN, infinite and absurd positions through every
entry point on every platform and precision, each in its own process (helpers/bad_positions.py).

(Forces are not checked on the GPU platforms: OpenMM sums them in 64-bit fixed point there, which has no NaN;
the energy of the same evaluation is NaN.)"""

import json
import os
import subprocess
import sys

import pytest


HELPER = os.path.join(os.path.dirname(__file__), "helpers", "bad_positions.py")
ENTRIES = ["getState", "state_energies", "reduced_potentials", "interaction_energies", "lambda_derivatives", "reporter"]
# What a clear refusal says: ours names the particle and its position; OpenMM's own CPU and GPU platforms
# refuse a NaN coordinate in setPositions or their neighbour list with this sentence.
CLEAR = ("has the position", "Particle coordinate is NaN", "Particle coordinate is nan")


@pytest.mark.parametrize("entry", ENTRIES)
def test_bad_positions(platform, entry):
    name, precision = platform
    run = subprocess.run(
        [sys.executable, HELPER, name, precision or "none", entry], capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, f"the process died (exit {run.returncode}):\n{run.stdout}\n{run.stderr[-3000:]}"
    records = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert len(records) == 6, run.stdout + run.stderr[-2000:]
    for record in records:
        # A finite number is never acceptable. NaN is what OpenMM's Reference platform itself returns, and what a
        # GPU returns from getState (where the force never reads positions back); everything that comes back
        # through the host must be a clear exception.
        assert record["outcome"] != "finite", record
        if record["outcome"] == "skipped":  # a pinned OpenMM bug (helpers/bad_positions.py)
            assert record["message"] == "OpenMM bug" and entry == "getState", record
        elif record["outcome"] == "exception":
            assert any(text in record["message"] for text in CLEAR), record
        else:
            assert entry.startswith("getState"), record
