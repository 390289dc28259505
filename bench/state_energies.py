# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Cost of the energies of K lambda states (the u_kn column MBAR needs per sample), and of one per-residue
interaction-energy table, side by side in one run:

  one evaluation   getState(getForces=True, getEnergy=True): what one MD step's force evaluation costs
  state_energies   openmmligand.state_energies(context, K states): one pass (see its docstring)
  loop             Context.setParameter + getState(getEnergy=True) per state, then the parameters restored
  interaction_energies  openmmligand.interaction_energies(context, topology=...): one group per residue, solvent lumped

Each reported as a multiple of one evaluation, medians of interleaved repeats. The states are the usual
decoupling path (K = 20: electrostatics off over 8 states, then sterics over 12), so most states differ from the
current one in lambda_electrostatics. Results go to bench/results/<name>.json and a plot beside it.

    ./run bench-states                               # ethanol in water (RF and PME, ~6k atoms) and 1HPV (PME, ~40k)
    ./run bench-states --systems water-rf --platforms CPU --repeats 3
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
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return samples


def measure(system, positions, ligand_atoms, topology, platform, precision, repeats):
    properties = {"Precision": precision} if precision else {}
    decoupled = openmmligand.decouple(system, ligand_atoms)
    context = openmm.Context(
        decoupled, openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName(platform), properties
    )
    context.setPositions(positions)
    context.setParameter("lambda_sterics", 1.0)
    context.setParameter("lambda_electrostatics", 0.5)

    def evaluation():
        context.getState(getForces=True, getEnergy=True)

    def ours():
        openmmligand.state_energies(context, STATES)

    def loop():
        saved = (context.getParameter("lambda_sterics"), context.getParameter("lambda_electrostatics"))
        for s, e in STATES:
            context.setParameter("lambda_sterics", s)
            context.setParameter("lambda_electrostatics", e)
            context.getState(getEnergy=True)
        context.setParameter("lambda_sterics", saved[0])
        context.setParameter("lambda_electrostatics", saved[1])

    groups = openmmligand.interactions.residue_groups(topology, ligand_atoms)[3]
    count = int(max(groups)) + 1

    def interactions():
        openmmligand.interaction_energies(context, topology=topology)

    for f in (evaluation, ours, loop, interactions):
        f()  # warm-up: kernels compiled, arrays sized
    samples = {"evaluation": [], "state_energies": [], "loop": [], "interaction_energies": []}
    for _ in range(repeats):  # interleaved, so that the machine's drifts hit all alike
        samples["evaluation"] += timed(evaluation, 3)
        samples["state_energies"] += timed(ours, 3)
        samples["loop"] += timed(loop, 1)
        samples["interaction_energies"] += timed(interactions, 3)
    medians = {k: float(numpy.median(v)) for k, v in samples.items()}
    return {
        "samples_s": samples,
        "median_s": medians,
        "groups": count,
        "state_energies_over_evaluation": medians["state_energies"] / medians["evaluation"],
        "loop_over_evaluation": medians["loop"] / medians["evaluation"],
        "interaction_energies_over_evaluation": medians["interaction_energies"] / medians["evaluation"],
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
            precision = "mixed" if "Precision" in p.getPropertyNames() else None
            row = {
                "system": label,
                "atoms": system.getNumParticles(),
                "platform": platform,
                "precision": precision,
                "states": len(STATES),
                **measure(system, positions, ligand_atoms, topology, platform, precision, args.repeats),
            }
            rows.append(row)
            print(
                f"{label:32s} {row['atoms']:6d} atoms {platform:7s} one evaluation {row['median_s']['evaluation'] * 1e3:8.1f} ms"
                f"  state_energies {row['state_energies_over_evaluation']:5.2f}x  loop {row['loop_over_evaluation']:5.2f}x"
                f"  interaction_energies ({row['groups']} groups) {row['interaction_energies_over_evaluation']:5.2f}x",
                flush=True,
            )
    results = {"openmm": openmm.__version__, "cpu_count": os.cpu_count(), "states": STATES, "rows": rows}
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    path = os.path.join(HERE, "results", args.name + ".json")
    with open(path, "w") as out:
        json.dump(results, out, indent=2)
    plot(results, os.path.splitext(path)[0] + ".png")
    print(
        "| system | atoms | platform | one evaluation (ms) | state_energies, K = 20 (x one evaluation) | setParameter loop (x) "
        "| interaction_energies, per residue (x) |"
    )
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['system']} | {r['atoms']} | {r['platform']}{' (' + r['precision'] + ')' if r['precision'] else ''} | "
            f"{r['median_s']['evaluation'] * 1e3:.1f} | **{r['state_energies_over_evaluation']:.2f}** | {r['loop_over_evaluation']:.2f} | "
            f"**{r['interaction_energies_over_evaluation']:.2f}** ({r['groups']} groups) |"
        )
    print(f"wrote {path} and the plot beside it")


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = results["rows"]
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(rows)), 4.2))
    labels = [f"{r['system'].replace(', ', chr(10))}\n{r['atoms'] / 1000:.1f}k atoms\n{r['platform']}" for r in rows]
    paired_bars(
        ax,
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
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main()
