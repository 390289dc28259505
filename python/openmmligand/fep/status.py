# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Where a free-energy run stands, read from the files its units write (``openmm-ligand status``, the progress bar):
nothing here runs or changes anything."""

import glob
import json
import os

from ..errors import LigandError
from . import units
from .diagnostics import min_neighbour_overlap
from .report import text_table

PLAN = "units.json"  # the run's units by name, written before any runs: status lists those not started yet


def _read_json(path):
    """A unit's JSON file, or None where it is not (yet) there; written atomically, so never half a file."""
    try:
        with open(path) as stream:
            return json.load(stream)
    except (OSError, ValueError):
        return None


def iterations_done(specs):
    """Replica-exchange iterations done over the units, equilibration and production, from the files the units
    write (equilibration.json, progress.json)."""
    done = 0
    for spec in specs:
        for name, key in ((units.EQUILIBRATION, "done"), (units.PROGRESS, "iteration")):
            done += (_read_json(os.path.join(spec["folder"], name)) or {}).get(key, 0)
    return done


def no_exchange_warnings(specs):
    """The units' warnings of neighbouring states that never exchanged (``no_exchange`` in progress.json; see
    :func:`openmmligand.fep.units.stuck_neighbours`), as (unit, states, text)."""
    warnings = []
    for spec in specs:
        stuck = (_read_json(os.path.join(spec["folder"], units.PROGRESS)) or {}).get("no_exchange", [])
        warnings += [(spec["name"], tuple(entry["states"]), entry["text"]) for entry in stuck]
    return warnings


def status_text(out):
    """What the run in folder ``out`` has done, unit by unit (not started; equilibration and production
    iterations; finished legs' ΔG; the warnings of states that never exchange) and its result if it has one: what
    ``openmm-ligand status`` prints, for a run going on elsewhere (another terminal, a cluster) or stopped. Raises
    LigandError if ``out`` holds no units."""
    started = {
        os.path.basename(os.path.dirname(record)): record
        for record in glob.glob(os.path.join(out, "units", "*", units.STORAGE_SPEC))
    }
    planned = (_read_json(os.path.join(out, PLAN)) or {}).get("units", [])
    if not started and not planned:
        raise LigandError(f"{out} holds no free-energy units (no {PLAN}, no units/*/{units.STORAGE_SPEC})")
    lines = []
    for name in planned + sorted(set(started) - set(planned)):
        if name not in started:
            lines.append(f"{name}: not started")
            continue
        folder = os.path.dirname(started[name])
        spec = _read_json(started[name]) or {}
        result = _read_json(os.path.join(folder, "result.json"))
        if result:
            lines.append(
                f"{name}: finished, {result['iterations']} iterations, ΔG {result['delta_g_kcal']:+.2f} +- "
                f"{result['d_delta_g_kcal']:.2f} kcal/mol (coupled -> decoupled), min. neighbour overlap "
                f"{min_neighbour_overlap(result['overlap_matrix']):.3f}"
            )
            continue
        equilibration = _read_json(os.path.join(folder, units.EQUILIBRATION)) or {}
        progress = _read_json(os.path.join(folder, units.PROGRESS)) or {}
        states = len(next(iter(spec.get("protocol", {"": []}).values())))
        lines.append(
            f"{name}: {states} states, equilibration {equilibration.get('done', 0)}/"
            f"{spec.get('equilibration_iterations', '?')}, production {progress.get('iteration', 0)}/"
            f"{progress.get('of', spec.get('iterations', '?'))}{_time_left(equilibration, progress, spec)}"
        )
        lines += [f"  warning: {entry['text']}" for entry in progress.get("no_exchange", [])]
    summary = _read_json(os.path.join(out, "summary.json"))
    if summary:
        lines.append(text_table(summary))
    return "\n".join(lines)


def _time_left(equilibration, progress, spec):
    """The time-left part of a unit's status line, such as ", 6.5 min per iteration, about 1 h 50 min left": the
    iterations the unit has left at the pace of its last checkpoint (equilibration's until production has one);
    empty where neither is known or nothing is left."""
    pace = progress.get("seconds_per_iteration") or equilibration.get("seconds_per_iteration")
    left = spec.get("equilibration_iterations", 0) - equilibration.get("done", 0)
    left += progress.get("of", spec.get("iterations", 0)) - progress.get("iteration", 0)
    if not pace or left <= 0:
        return ""
    minutes = max(1, round(pace * left / 60))
    duration = f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
    each = f"{pace / 60:.1f} min" if pace >= 60 else f"{pace:.0f} s"
    return f", {each} per iteration, about {duration} left"
