# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""The main job: take a drug bound to its target (amprenavir in HIV-1 protease, PDB 1HPV, by default), build a
simulation-ready System, decouple the drug with openmmligand.decouple, simulate at several lambda states, and
report energies, dU/dlambda (with a thermodynamic-integration estimate) and the cost of decoupling (ns/day of
the plain and the decoupled System side by side)."""

import json
import os
import time

import openmm
from openmm import app, unit

from .decouple import decouple, lambda_derivatives
from .interactions import InteractionEnergyReporter, fingerprint, plot_fingerprint
from . import complexes, testsystems

# The usual decoupling path: electrostatics off first, then sterics; lambda = 1, a midpoint and 0 of each.
DEFAULT_STATES = [(1.0, 1.0), (1.0, 0.5), (1.0, 0.0), (0.5, 0.0), (0.0, 0.0)]
# The small system's finer path (it is cheap).
ETHANOL_STATES = [(1.0, 1.0), (1.0, 0.5), (1.0, 0.0), (0.75, 0.0), (0.5, 0.0), (0.25, 0.0), (0.0, 0.0)]


def add_arguments(parser):
    """The demo's command-line options (``openmm-ligand demo``) on an argparse parser."""
    parser.add_argument(
        "--system",
        choices=["hiv-protease", "ethanol-water"],
        default="hiv-protease",
        help="hiv-protease: amprenavir in HIV-1 protease (1HPV, ~40k atoms; built once, ~3 min, "
        "then cached); ethanol-water: ethanol in a water box (~2k atoms, seconds)",
    )
    parser.add_argument("--pdb", default=None, help="your own complex instead (PDB file; needs --ligand)")
    parser.add_argument("--ligand", default=None, help="the ligand's residue name in --pdb")
    parser.add_argument("--smiles", default=None, help="the ligand's SMILES (bond orders, stereo), for --pdb")
    parser.add_argument("--platform", default=None, help="OpenMM platform (default: the fastest with our kernel)")
    parser.add_argument("--steps", type=int, default=100, help="MD steps per lambda state (2 fs each)")
    parser.add_argument("--samples", type=int, default=5, help="energy / dU/dlambda samples per state")
    parser.add_argument("--timing-steps", type=int, default=50, help="steps timed for ns/day, plain and decoupled")
    parser.add_argument("--box", type=float, default=2.8, help="ethanol-water: water box edge in nm")
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
    usable = [
        p for p in platforms if p.supportsKernels([KERNEL_NAME]) and not (p.getName() == "OpenCL" and _is_cpu_opencl(p))
    ]
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


def _system(args, platform):
    """(description, System, Topology, positions, ligand atoms, lambda states) for the chosen system."""
    if args.pdb or args.ligand:
        if not (args.pdb and args.ligand):
            from .errors import LigandError

            raise LigandError("--pdb and --ligand go together: the complex and its ligand's residue name")
        built = complexes.build_complex(args.pdb, args.ligand, smiles=args.smiles, platform=platform)
    elif args.system == "ethanol-water":
        test = testsystems.ligand_in_water(box_edge=args.box, constraints=app.HBonds)
        waters = (test.system.getNumParticles() - len(test.ligand_atoms)) // 3
        return (
            f"ethanol in {waters} TIP3P waters, PME",
            test.system,
            test.topology,
            test.positions,
            test.ligand_atoms,
            ETHANOL_STATES,
            True,
        )
    else:
        built = complexes.amprenavir_hiv_protease(platform=platform)
    residues = sum(1 for r in built.environment_residues() if r.name not in ("HOH", "NA", "CL"))
    return (
        f"{built.ligand_name} ({len(built.ligand_atoms)} atoms, {built.description.get('ligand_force_field', 'GAFF').upper()}/"
        f"{built.description.get('ligand_charges', '?').split(' (')[0]}) "
        f"in {residues} protein residues + TIP3P + 0.15 M NaCl, PME",
        built.system,
        built.topology,
        built.positions,
        built.ligand_atoms,
        DEFAULT_STATES,
        False,
    )


def run(args):
    """Run the demo with parsed options: build or load the system, time it, sample the lambda states, write
    ``args.output`` (samples, summary, plots, the fingerprint)."""
    from tqdm import tqdm

    platform = openmm.Platform.getPlatformByName(args.platform) if args.platform else fastest_platform()
    print(f"openmm-ligand demo on the {platform.getName()} platform")
    description, system, topology, positions, ligand_atoms, states, needs_minimization = _system(args, platform)
    print(f"{description}: {system.getNumParticles()} atoms")
    decoupled = decouple(system, ligand_atoms)

    plain = _simulation(system, topology, positions, platform, args.seed)
    if needs_minimization:
        plain.minimizeEnergy(maxIterations=200)
        positions = plain.context.getState(getPositions=True).getPositions()
    simulation = _simulation(decoupled, topology, positions, platform, args.seed)
    print(f"timing {args.timing_steps} steps of each, plain and decoupled")
    speed = {"plain": _ns_per_day(plain, args.timing_steps), "decoupled": _ns_per_day(simulation, args.timing_steps)}
    del plain

    rows = []
    stride = max(1, args.steps // args.samples)
    progress = tqdm(total=len(states) * stride * args.samples, unit="step", desc="lambda states")
    os.makedirs(args.output, exist_ok=True)
    fingerprint_csv = os.path.join(args.output, "interactions.csv")
    for lambda_s, lambda_e in states:
        simulation.context.setParameter("lambda_sterics", lambda_s)
        simulation.context.setParameter("lambda_electrostatics", lambda_e)
        # At full coupling, the drug's interaction with each residue (the fingerprint), from the force's kernel.
        reporter = InteractionEnergyReporter(fingerprint_csv, stride) if (lambda_s, lambda_e) == (1.0, 1.0) else None
        if reporter:
            simulation.reporters.append(reporter)
        for sample in range(args.samples):
            simulation.step(stride)
            progress.update(stride)
            state = simulation.context.getState(getEnergy=True)
            derivatives = lambda_derivatives(simulation.context)
            rows.append(
                {
                    "lambda_sterics": lambda_s,
                    "lambda_electrostatics": lambda_e,
                    "sample": sample,
                    "potential_energy": state.getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole),
                    "dU_dlambda_sterics": derivatives["lambda_sterics"],
                    "dU_dlambda_electrostatics": derivatives["lambda_electrostatics"],
                }
            )
        if reporter:
            simulation.reporters.remove(reporter)
            del reporter
    progress.close()
    _fingerprint(args.output, fingerprint_csv, description)
    _report(args.output, rows, speed, platform.getName(), system.getNumParticles(), states, description)
    return 0


def _fingerprint(folder, csv_file, description):
    """Print the residues that hold the ligand most strongly and plot the fingerprint."""
    summary = [item for item in fingerprint(csv_file) if item[0] != "solvent"]
    if not summary:
        return
    name = description.split(" (")[0].split(",")[0]
    print(f"\n{name}: strongest interactions at full coupling (LJ + direct-space electrostatics, kJ/mol, mean ± std):")
    for group, mean, std in summary[:6]:
        print(f"  {group:12s} {mean:9.1f} ± {std:.1f}")
    plot_fingerprint(
        csv_file,
        os.path.join(folder, "fingerprint.png"),
        title=f"{name}: interaction fingerprint at full coupling (top residues)",
    )


def _report(folder, rows, speed, platform, atoms, states, description):
    import csv
    import numpy

    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "samples.csv"), "w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    summary = []
    print(f"\n{'lambda_s':>8} {'lambda_e':>8} {'<U> kJ/mol':>14} {'<dU/dls>':>12} {'<dU/dle>':>12}")
    for state in states:
        selected = [r for r in rows if (r["lambda_sterics"], r["lambda_electrostatics"]) == state]
        entry = {"lambda_sterics": state[0], "lambda_electrostatics": state[1]}
        for key in ("potential_energy", "dU_dlambda_sterics", "dU_dlambda_electrostatics"):
            values = numpy.array([r[key] for r in selected])
            entry[key] = float(values.mean())
            entry[key + "_sem"] = float(values.std(ddof=1) / numpy.sqrt(len(values))) if len(values) > 1 else 0.0
        summary.append(entry)
        print(
            f"{state[0]:8.2f} {state[1]:8.2f} {entry['potential_energy']:14.1f} "
            f"{entry['dU_dlambda_sterics']:12.2f} {entry['dU_dlambda_electrostatics']:12.2f}"
        )
    free_energy = _thermodynamic_integration(summary)
    print(
        f"\nthermodynamic integration (trapezoid, short run: an illustration, not a converged result):\n"
        f"  dG(turn electrostatics off) = {free_energy['electrostatics']:.1f} kJ/mol, "
        f"dG(turn sterics off) = {free_energy['sterics']:.1f} kJ/mol"
    )
    ratio = speed["plain"] / speed["decoupled"]
    print(
        f"\nspeed on {platform}: plain {speed['plain']:.1f} ns/day, decoupled {speed['decoupled']:.1f} ns/day "
        f"(decoupled costs {ratio:.2f}x the plain system)"
    )
    with open(os.path.join(folder, "summary.json"), "w") as out:
        json.dump(
            {
                "system": description,
                "platform": platform,
                "atoms": atoms,
                "ns_per_day": speed,
                "states": summary,
                "ti_free_energy_kj_per_mol": free_energy,
            },
            out,
            indent=2,
        )
    _plot(folder, summary, description, speed, platform, free_energy)
    print(
        f"report written to {os.path.abspath(folder)}/ (samples.csv, summary.json, dudl.png, interactions.csv, "
        f"fingerprint.png)"
    )


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


def _plot(folder, summary, description, speed, platform, free_energy):
    from matplotlib.figure import Figure  # the object API: no backend chosen, no pyplot state touched

    fig = Figure(figsize=(12.5, 3.8))
    axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1, 0.7]})
    elec = [s for s in summary if s["lambda_sterics"] == 1.0]
    ster = [s for s in summary if s["lambda_electrostatics"] == 0.0]
    for ax, states, key, label in (
        (axes[0], elec, "electrostatics", "1. charges off (lambda_sterics = 1)"),
        (axes[1], ster, "sterics", "2. Lennard-Jones off (lambda_electrostatics = 0)"),
    ):
        x = [s["lambda_" + key] for s in states]
        y = [s["dU_dlambda_" + key] for s in states]
        err = [s["dU_dlambda_" + key + "_sem"] for s in states]
        ax.errorbar(x, y, yerr=err, marker="o", capsize=3)
        ax.fill_between(x, y, alpha=0.15)
        ax.set_xlabel(f"lambda_{key}")
        ax.set_ylabel(f"<dU/dlambda_{key}> (kJ/mol)")
        ax.set_title(f"{label}\nTI: dG(off) = {free_energy[key]:.0f} kJ/mol", fontsize=9.5)
        ax.axhline(0, color="grey", lw=0.6)
        ax.grid(alpha=0.3)
    bars = axes[2].bar(["plain", "decoupled"], [speed["plain"], speed["decoupled"]], color=["#7f7f7f", "#1f77b4"])
    for bar in bars:
        axes[2].annotate(
            f"{bar.get_height():.2f}",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=9,
        )
    axes[2].set_ylim(0, 1.18 * max(speed.values()))
    axes[2].set_ylabel("ns/day")
    axes[2].set_title(f"speed on {platform}", fontsize=9.5)
    name = description.split(" (")[0].split(",")[0]
    fig.suptitle(
        f"Decoupling {name}: thermodynamic-integration integrand (short run: illustration, not converged)",
        fontsize=10.5,
    )
    fig.tight_layout()
    fig.savefig(os.path.join(folder, "dudl.png"), dpi=120)
