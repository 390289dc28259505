"""The main job end to end with tiny settings: it runs, and writes a report a person can read."""
import json
import os

from openmmligand.__main__ import main


def test_demo_writes_report(tmp_path):
    output = tmp_path / "report"
    assert main(["demo", "--steps", "20", "--samples", "2", "--box", "2.4", "--output", str(output)]) == 0
    summary = json.loads((output / "summary.json").read_text())
    assert len(summary["states"]) == 7
    assert summary["ns_per_day"]["plain"] > 0 and summary["ns_per_day"]["decoupled"] > 0
    assert os.path.getsize(output / "dudl.png") > 10000
    lines = (output / "samples.csv").read_text().splitlines()
    assert lines[0].startswith("lambda_sterics,lambda_electrostatics,sample,potential_energy")
    assert len(lines) == 1 + 7 * 2
