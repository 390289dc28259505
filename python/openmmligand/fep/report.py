# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""The report of a free-energy calculation: summary.json, a text table and plots (matplotlib's object API; no
backend is chosen here)."""

import json
import os

import numpy

from .diagnostics import LOW_OVERLAP, low_overlap_warnings, min_neighbour_overlap, mixing_warnings, state_changes  # noqa: F401


def text_table(summary):
    """The result as a short text table (kcal/mol)."""
    lines = [
        f"{summary['kind']} free energy of {summary['ligand']['smiles']} ({summary['ligand']['force_field']}, "
        f"{summary['ligand']['charges'].split(' (')[0]}, {summary['ligand']['water']})"
    ]
    for repeat in summary["result"]["repeats"]:
        terms = ", ".join(f"{name} {value:+.2f}" for name, value in repeat["terms_kcal"].items())
        lines.append(
            f"  repeat {repeat['repeat']}: {repeat['dG_kcal']:+.2f} +- {repeat['uncertainty_kcal']:.2f}  ({terms})"
        )
    result = summary["result"]
    lines.append(f"  dG = {result['dG_kcal']:+.2f} +- {result['uncertainty_kcal']:.2f} kcal/mol")
    for unit in summary["units"]:
        lines.append(
            f"  {unit['unit']}: {unit['states']} states, {unit['iterations']} iterations x {unit['steps_per_iteration']} "
            f"steps, overlap {unit['overlap_scalar']:.3f}, min. neighbour overlap {unit['min_neighbour_overlap']:.3f}, "
            f"mixing eigenvalue {unit['subdominant_eigenvalue']:.3f}, {unit['seconds']:.0f} s"
        )
    return "\n".join(lines + low_overlap_warnings(summary) + mixing_warnings(summary))


def write_report(summary, folder):
    """summary.json, summary.txt and report.png (per-leg ΔG along the schedule, overlap matrices, forward/reverse
    convergence) in ``folder``."""
    with open(os.path.join(folder, "summary.json"), "w", encoding="utf-8") as stream:
        json.dump(summary, stream, indent=1)
    with open(os.path.join(folder, "summary.txt"), "w", encoding="utf-8") as stream:
        stream.write(text_table(summary) + "\n")
    from matplotlib.figure import Figure

    units = summary["units"]
    fig = Figure(figsize=(4.2 * len(units), 10.5))
    axes = fig.subplots(3, len(units), squeeze=False)
    for column, unit in enumerate(units):
        kt = unit["kT_kcal"]
        f = numpy.array(unit["state_free_energies_kT"]) * kt
        df = numpy.array(unit["state_uncertainties_kT"]) * kt
        ax = axes[0][column]
        ax.errorbar(range(len(f)), f, yerr=df, marker="o", ms=3)
        ax.set_xlabel("state")
        ax.set_ylabel("ΔG from state 0 (kcal/mol)")
        ax.set_title(unit["unit"], fontsize=10)
        overlap = numpy.array(unit["overlap_matrix"])
        image = axes[1][column].imshow(overlap, cmap="viridis", vmin=0, vmax=max(0.3, overlap.max()))
        axes[1][column].set_title("MBAR overlap", fontsize=9)
        fig.colorbar(image, ax=axes[1][column], fraction=0.046)
        ax = axes[2][column]
        for name, style in (("forward", "o-"), ("reverse", "s--")):
            data = numpy.array(unit["convergence_kT"][name])
            ax.errorbar(data[:, 0], data[:, 1] * kt, yerr=data[:, 2] * kt, fmt=style, ms=3, label=name)
        ax.set_xlabel("fraction of the iterations")
        ax.set_ylabel("ΔG (kcal/mol)")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(folder, "report.png"), dpi=110)
