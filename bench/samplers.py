# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Hamiltonian replica exchange per iteration, and its energy matrix alone, three ways side by side:

  (a) openmmtools' AbsoluteAlchemicalFactory System (exact PME treatment) + openmmtools' ReplicaExchangeSampler
  (b) openmmligand.decouple's System + openmmtools' ReplicaExchangeSampler
  (c) openmmligand.decouple's System + openmmligand.samplers.ReplicaExchangeSampler (one-pass energy matrix)

For each method (PME, reaction field), platform and K: one sampler per way, built and warmed up (one 5-step
iteration). The energy matrix is timed where each way computes it, inside real iterations (`--matrix-repeats`
5-step iterations, interleaved): openmmtools' _compute_energies, and for (c) also the rows it computes right after
each replica's move, in the Context the move ended in. It is given per replica row in units of one force+energy
evaluation of that way's System (at unchanged positions: the cheapest evaluation there is). Then whole iterations
(`--steps` MD steps per replica, interleaved), wall and process CPU time. Medians are reported.

    ./run shell python bench/samplers.py --methods PME RF --platforms CPU --states 12 20 --steps 250

`--ways bc` leaves out (a) (e.g. for reaction field, where openmmtools' own alchemical System is slow and
restarts its first moves after NaN energies on this system).
"""

import argparse
import json
import os
import tempfile
import time

import numpy
import openmm
from openmm import app, unit
from openmmtools import alchemy, cache, mcmc, multistate, states

import openmmligand
from openmmligand import samplers

HERE = os.path.dirname(os.path.abspath(__file__))


METHODS = {"PME": app.PME, "RF": app.CutoffPeriodic}


def schedule(k):
    half = k // 2
    electrostatics = list(numpy.linspace(1.0, 0.0, half)) + [0.0] * (k - half)
    sterics = [1.0] * half + list(numpy.linspace(1.0, 0.0, k - half))
    return {"lambda_sterics": sterics, "lambda_electrostatics": electrostatics}


def build_system(way, test):
    if way == "a":
        region = alchemy.AlchemicalRegion(
            alchemical_atoms=test.ligand_atoms, annihilate_electrostatics=True, annihilate_sterics=False
        )
        factory = alchemy.AbsoluteAlchemicalFactory(alchemical_pme_treatment="exact")
        return factory.create_alchemical_system(test.system, region)
    return openmmligand.decouple(test.system, test.ligand_atoms)


def minimized(system, test):
    """The start, minimized (50 iterations) at full coupling on the CPU platform: OpenMM 8.6's on-device
    minimizer crashes on PoCL (docs/building.md), and the start need not depend on the platform timed."""
    context = openmm.Context(system, openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName("CPU"))
    context.setPositions(test.positions)
    openmm.LocalEnergyMinimizer.minimize(context, 10.0, 50)
    return context.getState(getPositions=True).getPositions(asNumpy=True)


def make_sampler(way, test, k, steps, platform, folder):
    system = build_system(way, test)
    thermo = states.ThermodynamicState(system, 300 * unit.kelvin)
    compound = states.create_thermodynamic_state_protocol(
        thermo, schedule(k), composable_states=[alchemy.AlchemicalState.from_system(system)]
    )
    cls = samplers.ReplicaExchangeSampler if way == "c" else multistate.ReplicaExchangeSampler
    sampler = cls(
        mcmc_moves=mcmc.LangevinDynamicsMove(timestep=2 * unit.femtoseconds, n_steps=steps), number_of_iterations=10**6
    )
    sampler.energy_context_cache = cache.ContextCache(platform=platform)
    sampler.sampler_context_cache = cache.ContextCache(platform=platform)
    reporter = multistate.MultiStateReporter(
        tempfile.mktemp(suffix=f"-{way}-{k}.nc", dir=folder), checkpoint_interval=1000
    )
    box = test.system.getDefaultPeriodicBoxVectors()
    sampler.create(compound, states.SamplerState(minimized(system, test), box_vectors=box), reporter)
    # One short iteration makes the contexts and compiles the kernels; the timed ones use the full move.
    for move in sampler._mcmc_moves:
        move.n_steps = 5
    sampler.run(1)
    for move in sampler._mcmc_moves:
        move.n_steps = steps
    return sampler, system


def one_evaluation(system, test, platform, repeats=5):
    """Median time of one force+energy evaluation of the System (the unit of the energy-matrix figures)."""
    context = openmm.Context(system, openmm.VerletIntegrator(0.001), platform)
    context.setPositions(test.positions)
    context.getState(getEnergy=True, getForces=True)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        context.getState(getEnergy=True, getForces=True)
        samples.append(time.perf_counter() - start)
    return float(numpy.median(samples))


def timed(function, *arguments):
    wall, cpu = time.perf_counter(), time.process_time()
    function(*arguments)
    return time.perf_counter() - wall, time.process_time() - cpu


def instrument(sampler):
    """Time the energy matrix where each way computes it, inside real iterations: openmmtools' _compute_energies
    (every way; for (c) only what the propagation Context could not give) and, for (c), the rows computed right
    after each replica's move. Returns the dict the wrappers add wall and CPU seconds to."""
    spent = {"wall": 0.0, "cpu": 0.0}
    for name in ("_compute_energies", "_row_in_propagation_context"):
        original = getattr(sampler, name, None)
        if original is None:
            continue

        def wrapped(*arguments, _original=original, **keywords):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return _original(*arguments, **keywords)
            finally:
                spent["wall"] += time.perf_counter() - wall
                spent["cpu"] += time.process_time() - cpu

        setattr(sampler, name, wrapped)
    return spent


def one_iteration(sampler, spent, steps):
    """Wall and CPU seconds of one iteration with `steps` MD steps per replica, and of its energy matrix."""
    for move in sampler._mcmc_moves:
        move.n_steps = steps
    spent["wall"] = spent["cpu"] = 0.0
    wall, cpu = timed(sampler.run, 1)
    return wall, cpu, spent["wall"], spent["cpu"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--platforms", nargs="+", default=["CPU"])
    parser.add_argument("--precision", default="mixed", help="for GPU platforms")
    parser.add_argument("--methods", nargs="+", default=["PME"], choices=list(METHODS))
    parser.add_argument(
        "--ways",
        default="abc",
        help="which of (a) openmmtools alchemy + sampler, (b) ours + openmmtools sampler, (c) ours + our sampler; "
        "c is always run",
    )
    parser.add_argument("--states", nargs="+", type=int, default=[12, 20])
    parser.add_argument("--steps", nargs="+", type=int, default=[250], help="MD steps per replica per iteration")
    parser.add_argument("--matrix-repeats", type=int, default=3, help="5-step iterations timed for the energy matrix")
    parser.add_argument("--iteration-repeats", type=int, default=1, help="iterations timed per --steps value (long)")
    parser.add_argument("--box", type=float, default=4.0, help="water box edge (nm); 4.0 nm: about 6,300 atoms")
    parser.add_argument("--system", default="water", choices=["water", "1hpv"], help="1hpv: the complex (PME only)")
    parser.add_argument("--name", default="samplers")
    args = parser.parse_args()
    args.ways = "".join(sorted(set(args.ways) | {"c"}))
    if not set(args.ways) <= set("abc"):
        parser.error("--ways takes letters from abc")
    rows = []
    folder = tempfile.mkdtemp()
    for method in args.methods:
        if args.system == "1hpv":
            if method != "PME":
                raise SystemExit("the 1HPV complex is built with PME")
            made = openmmligand.complexes.amprenavir_hiv_protease(platform=openmm.Platform.getPlatformByName("CPU"))
            test = openmmligand.testsystems.LigandInWater(made.system, made.topology, made.positions, made.ligand_atoms)
        else:
            test = openmmligand.testsystems.ligand_in_water(
                box_edge=args.box, nonbonded_method=METHODS[method], constraints=app.HBonds
            )
        atoms = test.system.getNumParticles()
        for platform_name in args.platforms:
            platform = openmm.Platform.getPlatformByName(platform_name)
            precision = args.precision if "Precision" in platform.getPropertyNames() else None
            if precision:
                platform.setPropertyDefaultValue("Precision", precision)
            for k in args.states:
                made = {way: make_sampler(way, test, k, 5, platform, folder) for way in args.ways}
                spent = {way: instrument(made[way][0]) for way in args.ways}
                evaluation = {way: one_evaluation(made[way][1], test, platform) for way in args.ways}
                # The energy matrix: short iterations (its cost does not depend on the MD steps), interleaved.
                matrix = {way: {"wall": [], "cpu": []} for way in args.ways}
                for _ in range(args.matrix_repeats):
                    for way in args.ways:
                        _, _, wall, cpu = one_iteration(made[way][0], spent[way], 5)
                        matrix[way]["wall"].append(wall)
                        matrix[way]["cpu"].append(cpu)
                base = {"platform": platform_name, "precision": precision, "method": method, "atoms": atoms}
                base["system"] = args.system
                base.update({"states": k, "evaluation_s": evaluation})
                for way in args.ways:
                    base[f"{way}_matrix_s"] = float(numpy.median(matrix[way]["wall"]))
                    base[f"{way}_matrix_cpu_s"] = float(numpy.median(matrix[way]["cpu"]))
                    base[f"{way}_matrix_row_evaluations"] = base[f"{way}_matrix_s"] / k / evaluation[way]
                for steps in args.steps:
                    samples = {way: [] for way in args.ways}
                    for _ in range(args.iteration_repeats):
                        for way in args.ways:  # interleaved: the machine's noise falls on every way alike
                            samples[way].append(one_iteration(made[way][0], spent[way], steps))
                    row = dict(base, steps=steps)
                    for way in args.ways:
                        values = numpy.median(numpy.array(samples[way]), axis=0)
                        row[f"{way}_iteration_s"], row[f"{way}_iteration_cpu_s"] = float(values[0]), float(values[1])
                        row[f"{way}_iteration_matrix_s"] = float(values[2])
                    for way in [w for w in "ab" if w in args.ways]:
                        row[f"{way}_over_c_iteration"] = row[f"{way}_iteration_s"] / row["c_iteration_s"]
                        row[f"{way}_over_c_iteration_cpu"] = row[f"{way}_iteration_cpu_s"] / row["c_iteration_cpu_s"]
                        row[f"{way}_over_c_matrix"] = row[f"{way}_matrix_s"] / row["c_matrix_s"]
                    row["c_routes"] = made["c"][0].energy_matrix_routes
                    rows.append(row)
                    print(
                        f"{platform_name} {method} K={k} {steps} steps: iteration "
                        + ", ".join(f"{w} {row[f'{w}_iteration_s']:.2f} s" for w in args.ways)
                        + "; energy-matrix row in evaluations: "
                        + ", ".join(f"{w} {row[f'{w}_matrix_row_evaluations']:.2f}" for w in args.ways)
                        + f"; c routes {row['c_routes']}",
                        flush=True,
                    )
                    save(rows, args)
                for sampler, _ in made.values():
                    sampler._reporter.close()
    print(markdown(save(rows, args)))


def save(rows, args):
    """Write the rows so far (JSON and plot): a long run that is stopped keeps what it measured."""
    results = {
        "openmm": openmm.__version__,
        "cpu_count": os.cpu_count(),
        "matrix_repeats": args.matrix_repeats,
        "iteration_repeats": args.iteration_repeats,
        "rows": rows,
        "command": "python bench/samplers.py "
        + " ".join(
            f"--{k.replace('_', '-')} {' '.join(map(str, v)) if isinstance(v, list) else v}"
            for k, v in vars(args).items()
        ),
    }
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    path = os.path.join(HERE, "results", args.name + ".json")
    with open(path, "w") as out:
        json.dump(results, out, indent=2)
    plot(results, os.path.splitext(path)[0] + ".png")
    return results


def markdown(results):
    lines = [
        "| system | platform | method | K | MD steps | iteration (s): (a) openmmtools alchemy + sampler | (b) ours + openmmtools sampler "
        "| (c) ours + our sampler | (a)/(c) wall; CPU | energy-matrix row, in evaluations: (a) | (b) | (c) |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]

    def value(r, key, digits):
        return f"{r[key]:.{digits}f}" if key in r else "not run"

    for r in results["rows"]:
        platform = r["platform"] + (f" ({r['precision']})" if r["precision"] else "")
        lines.append(
            f"| {r.get('system', 'water')} ({r['atoms']}) | {platform} | {r['method']} | {r['states']} | {r['steps']} | "
            f"{value(r, 'a_iteration_s', 2)} | {value(r, 'b_iteration_s', 2)} | {value(r, 'c_iteration_s', 2)} | "
            f"**{value(r, 'a_over_c_iteration', 2)}**; {value(r, 'a_over_c_iteration_cpu', 2)} | "
            f"{value(r, 'a_matrix_row_evaluations', 1)} | {value(r, 'b_matrix_row_evaluations', 1)} | "
            f"**{value(r, 'c_matrix_row_evaluations', 2)}** |"
        )
    return "\n".join(lines)


def plot(results, path):
    from matplotlib.figure import Figure

    rows = results["rows"]
    fig = Figure(figsize=(11, 4))
    left, right = fig.subplots(1, 2)
    labels = [
        f"{r.get('system', 'water')} {r['platform']} {r['method']}\nK={r['states']}, {r['steps']} steps" for r in rows
    ]
    x = numpy.arange(len(rows))
    names = {
        "a": "(a) openmmtools alchemy + sampler",
        "b": "(b) decouple + openmmtools sampler",
        "c": "(c) decouple + openmm-ligand sampler",
    }
    for offset, way in zip((-0.27, 0, 0.27), "abc"):
        left.bar(x + offset, [r.get(f"{way}_iteration_s", 0) for r in rows], 0.26, label=names[way])
        right.bar(x + offset, [r.get(f"{way}_matrix_row_evaluations", 0) for r in rows], 0.26, label=names[way])
    for ax, title in (
        (left, "HREX iteration, s"),
        (right, "energy-matrix row, in force+energy evaluations"),
    ):
        ax.set_xticks(x)
        ax.set_xticklabels(labels)
        ax.set_title(title, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    right.set_yscale("log")
    left.legend(fontsize=8)
    fig.suptitle(
        f"{'1HPV complex' if rows[0].get('system') == '1hpv' else 'ethanol in water'}, {rows[0]['atoms']} atoms; energy matrix: medians of {results['matrix_repeats']} "
        f"interleaved iterations, measured inside them; OpenMM {results['openmm']}",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
