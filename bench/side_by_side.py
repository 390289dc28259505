# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Two runs of one benchmark side by side, e.g. the plugin built against OpenMM 8.6.1 and against Debian's 7.7
(two builds cannot share a process, so these are two runs of the same script made one after the other).

    python bench/side_by_side.py bench/results/hiv_protease_openmm86.json bench/results/hiv_protease_openmm77.json \\
        --name hiv_protease_86_vs_77

Reads results of run_benchmarks.py (decoupled / plain per cell) or of state_energies.py (state_energies and
interaction_energies per evaluation), prints a markdown table with the two ratios per cell, and writes a plot
bench/results/<name>.png.
"""

import argparse
import json
import os

from plotting import paired_bars

HERE = os.path.dirname(os.path.abspath(__file__))


def cells(results):
    """{cell label: (ratio, second ratio or None)} of one result file, and the ratios' names."""
    out = {}
    if "decoupled_over_plain" in results["rows"][0]:
        for r in results["rows"]:
            platform = r["platform"] + (f" ({r['precision']})" if r.get("precision") else "")
            out[f"{r.get('system', 'water')} {platform} {r['mode']}"] = (
                r["decoupled_over_plain"],
                r.get("decoupled_over_plain_cpu_time"),
            )
        return out, ("decoupled / plain", "(CPU time)")
    for r in results["rows"]:
        platform = r["platform"] + (f" ({r['precision']})" if r.get("precision") else "")
        out[f"{r['system']} {platform}"] = (
            r["state_energies_over_evaluation"],
            r["interaction_energies_over_evaluation"],
        )
    return out, ("state_energies K=20 / evaluation", "interaction_energies / evaluation")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("first")
    parser.add_argument("second")
    parser.add_argument("--name", required=True)
    args = parser.parse_args()
    runs = []
    for path in (args.first, args.second):
        with open(path) as source:
            results = json.load(source)
        runs.append((f"OpenMM {results.get('openmm', '?')}", *cells(results)))
    (label_a, cells_a, names), (label_b, cells_b, _) = runs
    keys = [k for k in cells_a if k in cells_b]
    if not keys:
        raise SystemExit(f"no cell is in both {args.first} and {args.second}")
    print(f"| cell | {names[0]}, {label_a} | {names[0]}, {label_b} | {names[1]}, {label_a} | {names[1]}, {label_b} |")
    print("| --- | ---: | ---: | ---: | ---: |")
    fmt = lambda v: "–" if v is None else f"{v:.3f}"  # noqa: E731
    for k in keys:
        print(
            f"| {k} | **{fmt(cells_a[k][0])}** | **{fmt(cells_b[k][0])}** | {fmt(cells_a[k][1])} | {fmt(cells_b[k][1])} |"
        )
    import matplotlib.pyplot as plt

    rows = [{"a": cells_a[k][0], "b": cells_b[k][0]} for k in keys]
    figure, ax = plt.subplots(figsize=(max(6, 0.9 * len(keys)), 4))
    paired_bars(
        ax,
        rows,
        [("a", label_a), ("b", label_b)],
        [k.replace(" (", "(").replace(" ", "\n") for k in keys],
        names[0],
        f"{names[0]}: {label_a} and {label_b}",
    )
    figure.tight_layout()
    path = os.path.join(HERE, "results", args.name + ".png")
    figure.savefig(path, dpi=120)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
