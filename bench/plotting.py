# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""What the benchmark plots share: two series of bars side by side, each bar labelled with its value."""

import numpy


def paired_bars(ax, rows, series, labels, ylabel, title):
    """Bars of rows[k][key] for each (key, legend) in series (two), side by side at each x; value labels on top."""
    x = numpy.arange(len(rows))
    top = max(r[key] for r in rows for key, _ in series)
    for offset, (key, legend) in zip((-0.2, 0.2), series):
        values = [r[key] for r in rows]
        bars = ax.bar(x + offset, values, 0.4, label=legend)
        for bar, value in zip(bars, values):
            ax.annotate(
                f"{value:.2f}", (bar.get_x() + bar.get_width() / 2, value), ha="center", va="bottom", fontsize=7
            )
    ax.set_xticks(x)
    ax.set_xticklabels(labels, fontsize=7)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.set_ylim(0, top * 1.3)  # room for the legend above the tallest bar and its label
    ax.legend(loc="upper center", ncol=2, fontsize=8)
