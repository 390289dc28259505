"""The main job: decouple a ligand from its environment, simulate it at several lambda states, and report
energies, dU/dlambda and the cost of decoupling (ns/day of the plain and the decoupled System)."""
import json
import os
import time

import openmm
from openmm import app, unit

from .decouple import decouple, lambda_derivatives
from . import testsystems

# The usual decoupling path: electrostatics off first, then sterics.
DEFAULT_STATES = [(1.0, 1.0), (1.0, 0.5), (1.0, 0.0), (0.75, 0.0), (0.5, 0.0), (0.25, 0.0), (0.0, 0.0)]


def add_arguments(parser):
    parser.add_argument("--platform", default=None, help="OpenMM platform (default: the fastest with our kernel)")
    parser.add_argument("--steps", type=int, default=1000, help="MD steps per lambda state (2 fs each)")
    parser.add_argument("--samples", type=int, default=10, help="energy / dU/dlambda samples per state")
    parser.add_argument("--box", type=float, default=2.8, help="water box edge in nm")
    parser.add_argument("--output", default="demo-output", help="report folder")
    parser.add_argument("--seed", type=int, default=2024)


def _is_cpu_opencl(platform):
    """Whether an OpenCL platform would run on a CPU device (PoCL and the like): slower than the CPU platform."""
    try:
        system = openmm.System()
        system.addParticle(1.0)
        context = openmm.Context(system, openmm.VerletIntegrator(0.001), platform)
        name = platform.getPropertyValue(context, "OpenCLPlatformName").lower()
        return "portable computing language" in name or "pocl" in name or "cpu" in name
    except Exception:
        return True


def fastest_platform():
    """The fastest loaded platform that has the openmm-ligand kernel (an OpenCL running on the CPU excepted)."""
    from ._plugins import KERNEL_NAME
    platforms = [openmm.Platform.getPlatform(i) for i in range(openmm.Platform.getNumPlatforms())]
    usable = [p for p in platforms if p.supportsKernels([KERNEL_NAME])
              and not (p.getName() == "OpenCL" and _is_cpu_opencl(p))]
    return max(usable, key=lambda p: p.getSpeed())


def _simulation(system, topology, positions, platform, seed):
    integrator = openmm.LangevinMiddleIntegrator(300 * unit.kelvin, 1 / unit.picosecond, 2 * unit.femtosecond)
    integrator.setRandomNumberSeed(seed)
    simulation = app.Simulation(topology, system, integrator, platform)
    simulation.context.setPositions(positions)
    return simulation


def _ns_per_day(simulation, steps):
    simulation.step(10)  # warm-up: kernels compiled, neighbour lists built
    start = time.perf_counter()
    simulation.step(steps)
    seconds = time.perf_counter() - start
    return steps * 2e-6 / seconds * 86400  # 2 fs steps


def run(args):
    from tqdm import tqdm
    platform = openmm.Platform.getPlatformByName(args.platform) if args.platform else fastest_platform()
    print(f"openmm-ligand demo on the {platform.getName()} platform")
    test = testsystems.ligand_in_water(box_edge=args.box, constraints=app.HBonds)
    print(f"ethanol in {(test.system.getNumParticles() - len(test.ligand_atoms)) // 3} TIP3P waters, PME, "
          f"{test.system.getNumParticles()} atoms")
    decoupled = decouple(test.system, test.ligand_atoms)

    plain = _simulation(test.system, test.topology, test.positions, platform, args.seed)
    plain.minimizeEnergy(maxIterations=200)
    positions = plain.context.getState(getPositions=True).getPositions()
    simulation = _simulation(decoupled, test.topology, positions, platform, args.seed)
    timing_steps = max(100, args.steps // 4)
    speed = {"plain": _ns_per_day(plain, timing_steps), "decoupled": _ns_per_day(simulation, timing_steps)}

    rows = []
    stride = max(1, args.steps // args.samples)
    progress = tqdm(total=len(DEFAULT_STATES) * args.steps, unit="step", desc="lambda states")
    for lambda_s, lambda_e in DEFAULT_STATES:
        simulation.context.setParameter("lambda_sterics", lambda_s)
        simulation.context.setParameter("lambda_electrostatics", lambda_e)
        for sample in range(args.samples):
            simulation.step(stride)
            progress.update(stride)
            state = simulation.context.getState(getEnergy=True)
            derivatives = lambda_derivatives(simulation.context)
            rows.append({"lambda_sterics": lambda_s, "lambda_electrostatics": lambda_e, "sample": sample,
                         "potential_energy": state.getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole),
                         "dU_dlambda_sterics": derivatives["lambda_sterics"],
                         "dU_dlambda_electrostatics": derivatives["lambda_electrostatics"]})
    progress.close()
    _report(args.output, rows, speed, platform.getName(), test.system.getNumParticles())
    return 0


def _report(folder, rows, speed, platform, atoms):
    import csv
    import numpy
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "samples.csv"), "w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    summary = []
    print(f"\n{'lambda_s':>8} {'lambda_e':>8} {'<U> kJ/mol':>14} {'<dU/dls>':>12} {'<dU/dle>':>12}")
    for state in DEFAULT_STATES:
        selected = [r for r in rows if (r["lambda_sterics"], r["lambda_electrostatics"]) == state]
        entry = {"lambda_sterics": state[0], "lambda_electrostatics": state[1]}
        for key in ("potential_energy", "dU_dlambda_sterics", "dU_dlambda_electrostatics"):
            values = numpy.array([r[key] for r in selected])
            entry[key] = float(values.mean())
            entry[key + "_sem"] = float(values.std(ddof=1) / numpy.sqrt(len(values))) if len(values) > 1 else 0.0
        summary.append(entry)
        print(f"{state[0]:8.2f} {state[1]:8.2f} {entry['potential_energy']:14.1f} "
              f"{entry['dU_dlambda_sterics']:12.2f} {entry['dU_dlambda_electrostatics']:12.2f}")
    free_energy = _thermodynamic_integration(summary)
    print(f"\nthermodynamic integration (trapezoid, short run: an illustration, not a converged result):\n"
          f"  dG(turn electrostatics off) = {free_energy['electrostatics']:.1f} kJ/mol, "
          f"dG(turn sterics off) = {free_energy['sterics']:.1f} kJ/mol")
    ratio = speed["plain"] / speed["decoupled"]
    print(f"\nspeed on {platform}: plain {speed['plain']:.1f} ns/day, decoupled {speed['decoupled']:.1f} ns/day "
          f"(decoupled costs {ratio:.2f}x the plain system)")
    with open(os.path.join(folder, "summary.json"), "w") as out:
        json.dump({"platform": platform, "atoms": atoms, "ns_per_day": speed, "states": summary,
                   "ti_free_energy_kj_per_mol": free_energy}, out, indent=2)
    _plot(folder, summary)
    print(f"report written to {os.path.abspath(folder)}/ (samples.csv, summary.json, dudl.png)")


def _thermodynamic_integration(summary):
    """Free energy of switching each term off (lambda 1 -> 0) by the trapezoid rule over the states."""
    import numpy
    result = {}
    for key, fixed_key, fixed in (("electrostatics", "sterics", 1.0), ("sterics", "electrostatics", 0.0)):
        states = sorted((s for s in summary if s["lambda_" + fixed_key] == fixed), key=lambda s: s["lambda_" + key])
        x = numpy.array([s["lambda_" + key] for s in states])
        y = numpy.array([s["dU_dlambda_" + key] for s in states])
        result[key] = float(-numpy.sum(0.5 * (y[1:] + y[:-1]) * numpy.diff(x)))
    return result


def _plot(folder, summary):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    elec = [s for s in summary if s["lambda_sterics"] == 1.0]
    ster = [s for s in summary if s["lambda_electrostatics"] == 0.0]
    for ax, states, key, label in ((axes[0], elec, "electrostatics", "electrostatics (lambda_sterics = 1)"),
                                   (axes[1], ster, "sterics", "sterics (lambda_electrostatics = 0)")):
        x = [s["lambda_" + key] for s in states]
        y = [s["dU_dlambda_" + key] for s in states]
        err = [s["dU_dlambda_" + key + "_sem"] for s in states]
        ax.errorbar(x, y, yerr=err, marker="o", capsize=3)
        ax.set_xlabel(f"lambda_{key}")
        ax.set_ylabel(f"<dU/dlambda_{key}> (kJ/mol)")
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3)
    fig.suptitle("Decoupling a ligand: thermodynamic-integration integrand")
    fig.tight_layout()
    fig.savefig(os.path.join(folder, "dudl.png"), dpi=120)
    plt.close(fig)
