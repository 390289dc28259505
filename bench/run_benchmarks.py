# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Per-step cost of a decoupled ligand, side by side in one run.

Formulations, each on the same system, platform and integrator:
  plain      the original System
  decoupled  openmmligand.decouple (LigandCouplingForce + NonbondedForce offsets)
  custom     the same decoupling written with CustomNonbondedForce + interaction groups, the route
             openmmtools takes (softcore Lennard-Jones with its long-range correction on)
Modes: lambda fixed at 1, fixed at 0.5, and changed with Context.setParameter before every step
(nonequilibrium switching). Results go to bench/results/<name>.json and a plot beside it.

    ./run bench                       # ethanol in ~6k atoms of water, and amprenavir in HIV-1 protease
                                      # (1HPV, ~40k atoms, openmmligand.complexes), every platform with the kernel
    ./run bench --systems water --sizes 6000 40000 --platforms CPU --steps 50
"""

import argparse
import json
import os
import platform as host
import time

import numpy
import openmm
from openmm import app, unit

import openmmligand
from openmmligand._plugins import KERNEL_NAME
from plotting import paired_bars

HERE = os.path.dirname(os.path.abspath(__file__))
ONE_4PI_EPS0 = 138.93545764438198


def custom_decoupling(system, ligand_atoms, alpha=0.5):
    """decouple() with the LigandCouplingForce replaced by CustomNonbondedForces (openmmtools' route)."""
    decoupled = openmmligand.decouple(system, ligand_atoms)
    index = next(i for i, f in enumerate(decoupled.getForces()) if openmmligand.LigandCouplingForce.isinstance(f))
    lcf = openmmligand.LigandCouplingForce.cast(decoupled.getForce(index))
    rc = lcf.getCutoffDistance().value_in_unit(unit.nanometer)
    method = {
        lcf.NoCutoff: openmm.CustomNonbondedForce.NoCutoff,
        lcf.CutoffNonPeriodic: openmm.CustomNonbondedForce.CutoffNonPeriodic,
        lcf.CutoffPeriodic: openmm.CustomNonbondedForce.CutoffPeriodic,
    }[lcf.getNonbondedMethod()]
    ligand = set(ligand_atoms)
    environment = set(range(system.getNumParticles())) - ligand
    mixing = "; epsij=sqrt(eps1*eps2); sigij=0.5*(sig1+sig2)"
    softcore = f"lambda_sterics*4*epsij*x*(x-1); x=sigij^6/({alpha}*(1-lambda_sterics)*sigij^6+r^6)" + mixing
    internal = "4*epsij*x*(x-1); x=(sigij/r)^6" + mixing
    forces = []
    for expression, other, long_range in ((softcore, environment, True), (internal, ligand, False)):
        f = openmm.CustomNonbondedForce(expression)
        if "lambda_sterics" in expression:
            f.addGlobalParameter("lambda_sterics", 1.0)
        f.addPerParticleParameter("sig")
        f.addPerParticleParameter("eps")
        for i in range(lcf.getNumParticles()):
            _, sigma, epsilon = lcf.getParticleParameters(i)
            f.addParticle([sigma, epsilon])
        for k in range(lcf.getNumExclusions()):
            f.addExclusion(*lcf.getExclusionParticles(k))
        f.addInteractionGroup(ligand, other)
        f.setNonbondedMethod(method)
        f.setCutoffDistance(rc)
        if lcf.getUseSwitchingFunction():
            f.setUseSwitchingFunction(True)
            f.setSwitchingDistance(lcf.getSwitchingDistance())
        f.setUseLongRangeCorrection(long_range and lcf.getUseDispersionCorrection())
        f.setForceGroup(lcf.getForceGroup())
        forces.append(f)
    decoupled.removeForce(index)
    for f in forces:
        decoupled.addForce(f)
    return decoupled


def summarize(row):
    """Medians of the interleaved samples and their ratios: wall clock, and CPU time (all threads of this
    process), which the rest of a shared machine disturbs differently."""
    for name in ("plain", "decoupled", "custom"):
        row[f"{name}_ms"] = float(numpy.median(row[f"{name}_samples_ms"]))
        if f"{name}_cpu_samples_ms" in row:
            row[f"{name}_cpu_ms"] = float(numpy.median(row[f"{name}_cpu_samples_ms"]))
    has_cpu = "plain_cpu_samples_ms" in row
    for name in ("decoupled", "custom"):
        row[f"{name}_over_plain"] = row[f"{name}_ms"] / row["plain_ms"]
        if has_cpu:
            row[f"{name}_over_plain_cpu_time"] = row[f"{name}_cpu_ms"] / row["plain_cpu_ms"]
    if not has_cpu:  # an older run kept no CPU-time samples: drop figures that were not medians
        for key in [k for k in row if "cpu" in k]:
            del row[key]


def box_for_atoms(atoms):
    """Edge (nm) of a cubic TIP3P box holding about this many atoms (33.4 waters per nm^3)."""
    return (atoms / 3 / 33.4) ** (1 / 3)


def time_per_step(system, test, platform_name, precision, mode, steps):
    platform = openmm.Platform.getPlatformByName(platform_name)
    properties = {"Precision": precision} if precision else {}
    integrator = openmm.LangevinMiddleIntegrator(300 * unit.kelvin, 1 / unit.picosecond, 2 * unit.femtosecond)
    context = openmm.Context(system, integrator, platform, properties)
    context.setPositions(test.positions)
    context.setVelocitiesToTemperature(300 * unit.kelvin, 1)
    has_lambda = "lambda_sterics" in context.getParameters()
    if has_lambda:
        value = 1.0 if mode == "lambda=1" else 0.5
        context.setParameter("lambda_sterics", value)
        context.setParameter("lambda_electrostatics", value)
    integrator.step(5)  # warm-up: kernels compiled, neighbour lists built
    context.getState(getEnergy=True)
    schedule = numpy.linspace(1.0, 0.0, steps)
    start_cpu = time.process_time()
    start = time.perf_counter()
    for k in range(steps):
        if mode == "switching" and has_lambda:
            context.setParameter("lambda_sterics", schedule[k])
            context.setParameter("lambda_electrostatics", schedule[k])
        integrator.step(1)
    context.getState(getEnergy=True)  # wait for the device
    wall = (time.perf_counter() - start) / steps * 1000.0
    cpu = (time.process_time() - start_cpu) / steps * 1000.0
    return wall, cpu


def benchmark_systems(args):
    """(label, object with system/positions/ligand_atoms) for each system asked for, built when reached."""
    if "water" in args.systems:
        for size in args.sizes:
            yield (
                "ethanol-water",
                openmmligand.testsystems.ligand_in_water(box_edge=box_for_atoms(size), constraints=app.HBonds),
            )
    if "hiv-protease" in args.systems:
        yield "1HPV", openmmligand.complexes.amprenavir_hiv_protease()


def platforms_with_kernel(names):
    configs = []
    for i in range(openmm.Platform.getNumPlatforms()):
        p = openmm.Platform.getPlatform(i)
        if p.getName() == "Reference" or (names and p.getName() not in names):
            continue
        if not p.supportsKernels([KERNEL_NAME]):
            print(f"skipping {p.getName()}: no openmm-ligand kernel on it yet")
            continue
        configs.append((p.getName(), "mixed" if "Precision" in p.getPropertyNames() else None))
    return configs


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--systems",
        nargs="+",
        choices=["water", "hiv-protease"],
        default=["water", "hiv-protease"],
        help="water: ethanol in water boxes of --sizes atoms; hiv-protease: amprenavir in HIV-1 "
        "protease (1HPV) from openmmligand.complexes",
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[6000], help="water: approximate atom counts")
    parser.add_argument("--platforms", nargs="*", default=None)
    parser.add_argument("--steps", type=int, default=100, help="timed steps per measurement")
    parser.add_argument(
        "--switching-steps",
        type=int,
        default=20,
        help="timed steps with lambda changed every step (the custom route is slow there)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=5,
        help="measurements per cell, interleaved across formulations; the median is kept (on a "
        "shared machine single samples stray both ways)",
    )
    parser.add_argument("--name", default="decoupling_cost")
    parser.add_argument(
        "--plot-only",
        metavar="JSON",
        help="summarize an earlier run's samples again, redraw its plot, print its table, and stop",
    )
    args = parser.parse_args()
    if args.plot_only:
        with open(args.plot_only) as source:
            results = json.load(source)
        for row in results["rows"]:
            summarize(row)
        with open(args.plot_only, "w") as out:
            json.dump(results, out, indent=2)
        plot(results, os.path.splitext(args.plot_only)[0] + ".png")
        print(markdown_table(results))
        return

    results = {"host": host.node(), "cpu_count": os.cpu_count(), "openmm": openmm.__version__, "rows": []}
    for label, test in benchmark_systems(args):
        systems = {
            "plain": test.system,
            "decoupled": openmmligand.decouple(test.system, test.ligand_atoms),
            "custom": custom_decoupling(test.system, test.ligand_atoms),
        }
        atoms = test.system.getNumParticles()
        for platform_name, precision in platforms_with_kernel(args.platforms):
            for mode in ("lambda=1", "lambda=0.5", "switching"):
                row = {
                    "system": label,
                    "atoms": atoms,
                    "ligand_atoms": len(test.ligand_atoms),
                    "platform": platform_name,
                    "precision": precision,
                    "mode": mode,
                }
                steps = args.switching_steps if mode == "switching" else args.steps
                # Interleave the formulations so that drifts of the machine hit all of them alike.
                samples = {name: [] for name in systems}
                cpu_samples = {name: [] for name in systems}
                for _ in range(args.repeats):
                    for name, system in systems.items():
                        wall, cpu = time_per_step(system, test, platform_name, precision, mode, steps)
                        samples[name].append(wall)
                        cpu_samples[name].append(cpu)
                for name in systems:
                    row[f"{name}_samples_ms"] = [float(v) for v in samples[name]]
                    row[f"{name}_cpu_samples_ms"] = [float(v) for v in cpu_samples[name]]
                summarize(row)
                results["rows"].append(row)
                print(
                    f"{atoms:6d} atoms {platform_name:7s} {mode:10s} plain {row['plain_ms']:8.2f} ms  "
                    f"decoupled {row['decoupled_ms']:8.2f} ms ({row['decoupled_over_plain']:.3f}x, CPU time "
                    f"{row['decoupled_over_plain_cpu_time']:.3f}x)  custom {row['custom_ms']:8.2f} ms "
                    f"({row['custom_over_plain']:.3f}x, CPU time {row['custom_over_plain_cpu_time']:.3f}x)",
                    flush=True,
                )
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    path = os.path.join(HERE, "results", args.name + ".json")
    with open(path, "w") as out:
        json.dump(results, out, indent=2)
    plot(results, os.path.join(HERE, "results", args.name + ".png"))
    print(markdown_table(results))
    print(f"wrote {path} and the plot beside it")


def markdown_table(results):
    """The results as the README's table."""
    lines = [
        "| system | atoms | platform | lambda | plain ms/step | decoupled ms/step | decoupled / plain (wall; CPU time) "
        "| Custom route / plain (wall; CPU time) |",
        "| --- | ---: | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for r in results["rows"]:
        platform = r["platform"] + (f" ({r['precision']})" if r.get("precision") else "")

        def cpu(key, r=r):
            return f"; {r[key]:.3f}" if key in r else ""

        lines.append(
            f"| {r.get('system', 'ethanol-water')} | {r['atoms']} | {platform} | {r['mode']} | {r['plain_ms']:.2f} | {r['decoupled_ms']:.2f} | "
            f"**{r['decoupled_over_plain']:.3f}**{cpu('decoupled_over_plain_cpu_time')} | "
            f"{r['custom_over_plain']:.3f}{cpu('custom_over_plain_cpu_time')} |"
        )
    return "\n".join(lines)


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = results["rows"]
    labels = [
        f"{r.get('system', 'ethanol-water')}\n{r['atoms'] / 1000:.1f}k atoms\n{r['platform']}\n{r['mode']}"
        for r in rows
    ]
    fig, ax = plt.subplots(figsize=(max(7, 1.1 * len(rows)), 4.5))
    paired_bars(
        ax,
        rows,
        (("decoupled_over_plain", "openmmligand.decouple"), ("custom_over_plain", "CustomNonbondedForce route")),
        labels,
        "time per step / plain system",
        f"Cost of decoupling a ligand (1 = as fast as the plain system; OpenMM {results['openmm']}, "
        f"{results['cpu_count']} cores)",
    )
    ax.axhline(1.0, color="black", lw=0.8)
    ax.set_ylim(0, max(max(r["custom_over_plain"], r["decoupled_over_plain"]) for r in rows) * 1.15)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main()
