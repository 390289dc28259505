# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""What the hydration and binding workflows share: units from legs, running them with a progress bar, the summary."""

import os
import sys
import threading
import time

from .diagnostics import min_neighbour_overlap
from .report import write_report
from .status import PLAN, iterations_done, no_exchange_warnings, status_text  # noqa: F401
from .runner import run_units
from . import units
from .settings import PRESSURE, TEMPERATURE
from .units import UnitSpec


def start_workflow(out, settings):
    """What every workflow checks and prepares before it builds anything: the output folder (made; returned
    absolute) and the scheduler (``settings``: a :class:`RunSettings`, checked when made). Returns (out, lengths).
    Raises LigandError."""
    lengths = settings.lengths()
    out = os.path.abspath(out)
    os.makedirs(out, exist_ok=True)
    check_scheduler(settings.scheduler, settings.serial)
    return out, lengths


def check_scheduler(scheduler, serial):
    """Fail now, before anything long starts, if a Dask scheduler was named and does not answer."""
    if scheduler and not serial:
        from .runner import _client

        client, _ = _client(scheduler, None, 1)
        client.close()


def make_specs(out, legs, protocols, lengths, repeats, pressures, **options):
    """One UnitSpec (as JSON) per leg and repeat, folders under ``out/units``, as {(leg, repeat): spec} in the order
    they run; ``options`` go to UnitSpec."""
    specs = {}
    for repeat in range(repeats):
        for leg in protocols:
            spec = UnitSpec(
                name=f"{leg}-repeat{repeat}",
                leg_name=leg,
                folder=os.path.join(out, "units", f"{leg}-repeat{repeat}"),
                leg=legs[leg].to_json(),
                protocol=protocols[leg],
                repeat=repeat,
                pressure=pressures.get(leg),
                **lengths,
                **options,
            )
            specs[leg, repeat] = spec.to_json()
    return specs


def _watch(folder, specs, stop):
    """A progress bar over every unit's iterations, equilibration included (an hour for a solvated protein on a
    CPU: a bar that counted production only sat at 0 all that time), and each unit's warning of states that never
    exchange, once, as soon as it is known. Where standard error is not a terminal (a batch job's log), a line per
    change instead of a bar redrawn every 2 s."""
    from tqdm import tqdm

    total = sum(spec["iterations"] + spec["equilibration_iterations"] for spec in specs)
    terminal = sys.stderr.isatty()
    said = set()
    description = "replica-exchange iterations (equilibration + production)"
    with tqdm(total=total, unit="it", desc=description, mininterval=2, disable=not terminal) as bar:
        last = None
        while True:
            finished = stop.is_set()
            done = iterations_done(specs)
            if terminal:
                bar.update(done - bar.n)
            elif done != last:
                print(f"{description}: {done}/{total} ({time.strftime('%H:%M:%S')})", file=sys.stderr, flush=True)
            last = done
            for name, states, text in no_exchange_warnings(specs):
                if (name, states) not in said:
                    said.add((name, states))
                    if terminal:
                        bar.write(f"warning: {name}: {text}", file=sys.stderr)
                    else:
                        print(f"warning: {name}: {text}", file=sys.stderr, flush=True)
            if finished:
                return
            stop.wait(2.0)


def run_with_progress(out, specs, scheduler=None, workers=None, serial=False, progress_bar=True):
    """Run the units (a progress bar over their iterations); returns (results in the order of ``specs``, wall
    seconds)."""
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(out, specs, stop), daemon=True) if progress_bar else None
    if watcher:
        watcher.start()
    started = time.perf_counter()
    try:
        results = run_units(specs, scheduler=scheduler, workers=workers, serial=serial)
    finally:
        stop.set()
        if watcher:
            watcher.join()
    for result in results:
        result["min_neighbour_overlap"] = min_neighbour_overlap(result["overlap_matrix"])
    return results, round(time.perf_counter() - started, 1)


def protocol_summary(protocols, lengths, platform, repeats, temperature, pressure):
    """The protocol as the summary records it."""
    return {
        "legs": {leg: {"states": len(p["lambda_sterics"]), **p} for leg, p in protocols.items()},
        **lengths,
        "timestep_fs": 2.0,
        "temperature_K": temperature,
        "pressure_atm (periodic legs)": pressure,
        "platform": platform,
        "repeats": repeats,
    }


def plan_text(kind, protocols, lengths, repeats, platform, out, description):
    """What a workflow is about to run, in a few lines (printed before the sampling, which can take hours)."""
    atoms = {leg: description.get(f"{leg}_atoms") for leg in protocols}
    legs = ", ".join(
        f"{leg} {len(protocol['lambda_sterics'])} states" + (f" ({atoms[leg]:,} atoms)" if atoms[leg] else "")
        for leg, protocol in protocols.items()
    )
    return (
        f"{kind} of {description.get('smiles', '?')}: {legs}; {repeats} repeat(s)\n"
        f"  per replica: {lengths['equilibration_iterations']} equilibration + {lengths['iterations']} production "
        f"iterations of {lengths['steps']} steps (2 fs); platform {platform}; output {out} (rerun to resume)"
    )


def run_workflow(kind, out, legs, protocols, pressures, settings, description, combine, extra=None):
    """Units for every leg and repeat, run as ``settings`` (a :class:`RunSettings`) says, combined
    (``combine({(leg, repeat): result})``) and reported in ``out``; returns the summary."""
    lengths = settings.lengths()
    specs = make_specs(out, legs, protocols, lengths, settings.repeats, pressures, **settings.unit_options())
    units.write_json(os.path.join(out, PLAN), {"units": [spec["name"] for spec in specs.values()]})
    if settings.progress_bar:
        print(plan_text(kind, protocols, lengths, settings.repeats, settings.platform, out, description), flush=True)
    results, seconds = run_with_progress(
        out, list(specs.values()), settings.scheduler, settings.workers, settings.serial, settings.progress_bar
    )
    by_key = dict(zip(specs, results))
    summary = {
        "kind": kind,
        "ligand": description,
        **(extra or {}),
        "protocol": protocol_summary(protocols, lengths, settings.platform, settings.repeats, TEMPERATURE, PRESSURE),
        "result": combine(by_key),
        "units": results,
        "wall_seconds_this_call": seconds,
    }
    write_report(summary, out)
    return summary
