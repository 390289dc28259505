# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Cost of the energies of K lambda states (the u_kn column MBAR needs per sample, a replica-exchange row) and of
the other entry points that need the offset NonbondedForce's lambda coefficients, side by side in one run:

  evaluation           getState(getForces=True, getEnergy=True): what one MD step's force evaluation costs
  energy               getState(getEnergy=True): the one evaluation a row needs anyway
  state_energies K     openmmligand.state_energies(context, K states), K = 1, 20, 50 (see its docstring)
  lambda_derivatives   openmmligand.lambda_derivatives(context)
  interaction_energies openmmligand.interaction_energies(context, topology=...): one group per residue
  loop                 the peer (openmmtools' per-state route): setParameter + getState(getEnergy=True) per state
  host route           OpenCL/CUDA only: state_energies K = 20 with the host route kept
                       (OPENMMLIGAND_NONBONDED_ROUTE=host: positions downloaded, host FFT), as before the device route
  fitted route         CPU only: what the alternative to its host route would cost, two evaluations of the
                       NonbondedForce's group at other lambda_electrostatics

Each entry: wall time, process CPU time (every thread: on PoCL and the CPU platform that includes the device's
work) and the calling thread's CPU time (the host's own work per call: on PoCL the kernels run on other threads),
medians of interleaved repeats; costs as multiples of one evaluation. The K = 20 states are the usual decoupling
path (electrostatics off over 8 states, then sterics over 12), so most differ from the current one in
lambda_electrostatics. Results go to bench/results/<name>.json and a plot beside it.

    ./run bench-states                               # ethanol in water (RF and PME, ~6k atoms) and 1HPV (PME, ~35k)
    ./run bench-states --systems water-pme --platforms OpenCL --repeats 3
"""

import argparse
import json
import os
import time

import numpy
import openmm
from openmm import app

import openmmligand
from openmmligand._plugins import KERNEL_NAME
from plotting import paired_bars

HERE = os.path.dirname(os.path.abspath(__file__))
STATES = [(1.0, float(e)) for e in numpy.linspace(1, 0, 8)] + [(float(s), 0.0) for s in numpy.linspace(1, 0, 13)[1:]]
STATES_50 = [(1.0, float(e)) for e in numpy.linspace(1, 0, 20)] + [
    (float(s), 0.0) for s in numpy.linspace(1, 0, 31)[1:]
]


def build(name):
    if name == "hiv-protease":
        built = openmmligand.complexes.amprenavir_hiv_protease()
        return "1HPV, PME", built.system, built.positions, built.ligand_atoms, built.topology
    method = {
        "water-rf": app.CutoffPeriodic,
        "water-pme": app.PME,
        "water-pme-40k": app.PME,
        "water-nocutoff": app.NoCutoff,
    }[name]
    edge = 7.4 if name == "water-pme-40k" else 4.0 if method != app.NoCutoff else 2.4
    test = openmmligand.testsystems.ligand_in_water(box_edge=edge, nonbonded_method=method, constraints=app.HBonds)
    label = {
        "water-rf": "ethanol-water, reaction field",
        "water-pme": "ethanol-water, PME",
        "water-pme-40k": "ethanol-water 40k, PME",
        "water-nocutoff": "ethanol-water, no cutoff",
    }[name]
    return label, test.system, test.positions, test.ligand_atoms, test.topology


def timed(function, repeats):
    """(wall, process CPU, calling thread's CPU) seconds of each of repeats calls."""
    samples = []
    for _ in range(repeats):
        wall, cpu, thread = time.perf_counter(), time.process_time(), time.thread_time()
        function()
        samples.append((time.perf_counter() - wall, time.process_time() - cpu, time.thread_time() - thread))
    return samples


def make_context(decoupled, positions, platform, properties, route=None):
    """A Context at lambda = (1, 0.5); route="host" keeps the host route for its coefficients (GPU platforms)."""
    saved = os.environ.get("OPENMMLIGAND_NONBONDED_ROUTE")
    if route:
        os.environ["OPENMMLIGAND_NONBONDED_ROUTE"] = route
    try:
        context = openmm.Context(
            decoupled, openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName(platform), properties
        )
        context.setPositions(positions)
        context.setParameter("lambda_sterics", 1.0)
        context.setParameter("lambda_electrostatics", 0.5)
        openmmligand.state_energies(context, STATES)  # the route is chosen at the first call
    finally:
        if route:
            if saved is None:
                del os.environ["OPENMMLIGAND_NONBONDED_ROUTE"]
            else:
                os.environ["OPENMMLIGAND_NONBONDED_ROUTE"] = saved
    return context


def measure(system, positions, ligand_atoms, topology, platform, precision, repeats):
    properties = {"Precision": precision} if precision else {}
    decoupled = openmmligand.decouple(system, ligand_atoms)
    context = make_context(decoupled, positions, platform, properties)
    gpu = platform in ("OpenCL", "CUDA", "HIP")
    nonbonded_group = next(f for f in decoupled.getForces() if isinstance(f, openmm.NonbondedForce)).getForceGroup()
    count = openmmligand.LigandCouplingForce.getHostNonbondedQuadraticCount

    def loop():
        saved = (context.getParameter("lambda_sterics"), context.getParameter("lambda_electrostatics"))
        for s, e in STATES:
            context.setParameter("lambda_sterics", s)
            context.setParameter("lambda_electrostatics", e)
            context.getState(getEnergy=True)
        context.setParameter("lambda_sterics", saved[0])
        context.setParameter("lambda_electrostatics", saved[1])

    entries = {
        "evaluation": (lambda: context.getState(getForces=True, getEnergy=True), 3),
        "energy": (lambda: context.getState(getEnergy=True), 3),
        "state_energies K=1": (lambda: openmmligand.state_energies(context, STATES[:1]), 3),
        "state_energies K=20": (lambda: openmmligand.state_energies(context, STATES), 3),
        "state_energies K=50": (lambda: openmmligand.state_energies(context, STATES_50), 3),
        "lambda_derivatives": (lambda: openmmligand.lambda_derivatives(context), 3),
        "interaction_energies": (lambda: openmmligand.interaction_energies(context, topology=topology), 3),
        "loop K=20": (loop, 1),
    }
    if gpu:
        host = make_context(decoupled, positions, platform, properties, route="host")
        entries["host route K=20"] = (lambda: openmmligand.state_energies(host, STATES), 3)
    else:

        def fitted():
            for x in (0.0, 1.0):
                context.setParameter("lambda_electrostatics", x)
                context.getState(getEnergy=True, groups={nonbonded_group})
            context.setParameter("lambda_electrostatics", 0.5)

        entries["fitted route"] = (fitted, 3)
    for function, _ in entries.values():
        function()  # warm-up: kernels compiled, arrays sized
    before = count()
    samples = {name: [] for name in entries}
    for _ in range(repeats):  # interleaved, so that the machine's drifts hit all alike
        for name, (function, calls) in entries.items():
            samples[name] += timed(function, calls)
    host_route_calls = count() - before
    medians = {
        name: {kind: float(numpy.median([v[k] for v in values])) for k, kind in enumerate(("wall", "cpu", "thread"))}
        for name, values in samples.items()
    }
    evaluation = medians["evaluation"]["wall"]
    return {
        "samples_s": samples,
        "median_s": medians,
        "over_evaluation": {name: m["wall"] / evaluation for name, m in medians.items()},
        "host_route_calls_in_the_timed_repeats": host_route_calls,
        "groups": int(max(openmmligand.interactions.residue_groups(topology, ligand_atoms)[3])) + 1,
        # The old keys, for the plot and the docs' table.
        "state_energies_over_evaluation": medians["state_energies K=20"]["wall"] / evaluation,
        "loop_over_evaluation": medians["loop K=20"]["wall"] / evaluation,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--systems",
        nargs="+",
        default=["water-rf", "water-pme", "hiv-protease"],
        choices=["water-rf", "water-pme", "water-pme-40k", "water-nocutoff", "hiv-protease"],
    )
    parser.add_argument("--platforms", nargs="+", default=["CPU", "OpenCL", "CUDA"])
    parser.add_argument("--precisions", nargs="+", default=["mixed"], help="on GPU platforms (default: mixed)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--name", default="state_energies")
    args = parser.parse_args()
    rows = []
    for name in args.systems:
        label, system, positions, ligand_atoms, topology = build(name)
        for platform in args.platforms:
            try:
                p = openmm.Platform.getPlatformByName(platform)
            except Exception:
                print(f"skipping {platform}: not available")
                continue
            if not p.supportsKernels([KERNEL_NAME]):
                continue
            for precision in args.precisions if "Precision" in p.getPropertyNames() else [None]:
                row = {
                    "system": label,
                    "atoms": system.getNumParticles(),
                    "platform": platform,
                    "precision": precision,
                    "states": len(STATES),
                    **measure(system, positions, ligand_atoms, topology, platform, precision, args.repeats),
                }
                rows.append(row)
                m, over = row["median_s"], row["over_evaluation"]
                print(f"{label} ({row['atoms']} atoms), {platform}{' ' + precision if precision else ''}:", flush=True)
                for entry in m:
                    print(
                        f"  {entry:22s} {m[entry]['wall'] * 1e3:9.2f} ms wall ({over[entry]:6.2f} evaluations)"
                        f"  {m[entry]['cpu'] * 1e3:9.2f} ms process CPU  {m[entry]['thread'] * 1e3:9.2f} ms host thread",
                        flush=True,
                    )
                print(f"  host-route calls while timing: {row['host_route_calls_in_the_timed_repeats']}", flush=True)
    results = {"openmm": openmm.__version__, "cpu_count": os.cpu_count(), "states": STATES, "rows": rows}
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    path = os.path.join(HERE, "results", args.name + ".json")
    with open(path, "w") as out:
        json.dump(results, out, indent=2)
    plot(results, os.path.splitext(path)[0] + ".png")
    print(
        "| system | atoms | platform | one evaluation (ms) | state_energies K = 1 / 20 / 50 (x one evaluation) "
        "| host thread per K = 20 call (ms) | loop K = 20 (x) | other route K = 20 (x; host ms) | lambda_derivatives (x) |"
    )
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        m, o = r["median_s"], r["over_evaluation"]
        other = "host route K=20" if "host route K=20" in m else "fitted route"
        print(
            f"| {r['system']} | {r['atoms']} | {r['platform']}{' (' + r['precision'] + ')' if r['precision'] else ''} | "
            f"{m['evaluation']['wall'] * 1e3:.1f} | {o['state_energies K=1']:.2f} / **{o['state_energies K=20']:.2f}** / "
            f"{o['state_energies K=50']:.2f} | {m['state_energies K=20']['thread'] * 1e3:.2f} | {o['loop K=20']:.2f} | "
            f"{o[other]:.2f} ({other}; {m[other]['thread'] * 1e3:.1f}) | {o['lambda_derivatives']:.2f} |"
        )
    print(f"wrote {path} and the plot beside it")


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = results["rows"]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(max(6, 1.6 * len(rows)), 8))
    labels = [
        f"{r['system'].replace(', ', chr(10))}\n{r['atoms'] / 1000:.1f}k atoms\n{r['platform']}"
        f"{' ' + r['precision'] if r['precision'] else ''}"
        for r in rows
    ]
    paired_bars(
        top,
        rows,
        (
            ("state_energies_over_evaluation", "openmmligand.state_energies"),
            ("loop_over_evaluation", "setParameter + getState loop"),
        ),
        labels,
        "cost / one force+energy evaluation",
        f"Energies of K = {len(results['states'])} lambda states (OpenMM {results['openmm']}, "
        f"{results['cpu_count']} cores)",
    )
    for r in rows:
        r["_host_ms"] = r["median_s"]["state_energies K=20"]["thread"] * 1e3
        other = "host route K=20" if "host route K=20" in r["median_s"] else "fitted route"
        r["_other_host_ms"] = r["median_s"][other]["thread"] * 1e3
    paired_bars(
        bottom,
        rows,
        (
            ("_host_ms", "state_energies K = 20 (GPUs: device route)"),
            ("_other_host_ms", "GPUs: host route (before); CPU: fitted route"),
        ),
        labels,
        "calling thread's CPU time per call (ms)",
        "Host work per call",
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main()
