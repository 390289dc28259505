# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""The main job end to end with tiny settings: it runs, and writes a report a person can read."""

import json
import os
import subprocess
import sys

import pytest

import openmmligand
from openmmligand import LigandError, complexes
from openmmligand.__main__ import main

TINY = ["--steps", "2", "--samples", "1", "--timing-steps", "3"]


def check_report(output, states):
    summary = json.loads((output / "summary.json").read_text())
    assert len(summary["states"]) == states
    assert summary["ns_per_day"]["plain"] > 0 and summary["ns_per_day"]["decoupled"] > 0
    assert set(summary["ti_free_energy_kj_per_mol"]) == {"electrostatics", "sterics"}
    assert os.path.getsize(output / "dudl.png") > 10000
    lines = (output / "samples.csv").read_text().splitlines()
    assert lines[0].startswith("lambda_sterics,lambda_electrostatics,sample,potential_energy")
    assert len(lines) == 1 + states
    return summary


@pytest.mark.skipif(
    not os.path.isfile(os.environ.get(complexes.HIV_PROTEASE_PDB_VARIABLE, "")),
    reason="$OPENMMLIGAND_1HPV_PDB not set (./run sets it)",
)
def test_demo_on_hiv_protease(tmp_path):
    """The README's main job: amprenavir in HIV-1 protease (the complex comes from the tests' shared cache)."""
    output = tmp_path / "report"
    assert main(["demo", "--platform", "CPU", *TINY, "--output", str(output)]) == 0
    summary = check_report(output, 5)
    assert summary["system"].startswith("amprenavir")
    assert 30000 <= summary["atoms"] <= 45000  # 39,895 with OpenMM 7.7, 34,940 with 8.6 (see test_complexes)
    assert [(s["lambda_sterics"], s["lambda_electrostatics"]) for s in summary["states"]][::2] == [
        (1.0, 1.0),
        (1.0, 0.0),
        (0.0, 0.0),
    ]
    # The interaction fingerprint at full coupling: one row per residue group and report, and its plot.
    rows = (output / "interactions.csv").read_text().splitlines()
    assert rows[0].startswith("step,group,residue_name,residue_id,lj_full")
    assert any(",ASP,25:A," in row for row in rows[1:]) and any(",solvent," in row for row in rows[1:])
    assert os.path.getsize(output / "fingerprint.png") > 10000


def test_console_entry_point_on_ethanol(tmp_path):
    """`openmm-ligand demo` as a user types it (the build tree's bin/openmm-ligand), on the small system."""
    script = os.path.join(os.path.dirname(openmmligand.__file__), "..", "..", "bin", "openmm-ligand")
    if not os.path.isfile(script):
        pytest.skip("not running from the build tree")
    output = tmp_path / "report"
    subprocess.run(
        [script, "demo", "--system", "ethanol-water", "--box", "2.4", *TINY, "--output", str(output)], check=True
    )
    check_report(output, 7)


def test_console_entry_point_can_be_imported_by_a_spawned_worker(monkeypatch):
    """Dask's LocalCluster starts its workers with multiprocessing's spawn, which imports the parent's main script
    under the name __mp_main__: the script must not run the command then (it did, and `openmm-ligand abfe`
    without --serial failed to start any worker)."""
    import runpy

    script = os.path.join(os.path.dirname(openmmligand.__file__), "..", "..", "bin", "openmm-ligand")
    if not os.path.isfile(script):
        pytest.skip("not running from the build tree")
    monkeypatch.setattr(sys, "argv", [script, "demo", "--no-such-option"])  # would exit 2 if parsed
    namespace = runpy.run_path(script, run_name="__mp_main__")
    assert callable(namespace["main"])


def test_demo_bad_input(tmp_path):
    with pytest.raises(LigandError, match="--pdb and --ligand go together"):
        main(["demo", "--ligand", "478", "--output", str(tmp_path)])
    with pytest.raises(LigandError, match="PDB file not found"):
        main(["demo", "--pdb", str(tmp_path / "none.pdb"), "--ligand", "478", "--output", str(tmp_path)])
