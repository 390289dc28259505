# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""ANI-2x energy+forces: AniForce against TorchANI on the same CPU in the same run, and ML/MM against MM for 1HPV.

Part "force": for molecules of 9-108 atoms (tests/python/data/ani2x_reference.json: amprenavir is 70), the time of
one energy+forces evaluation of AniForce (CPU platform, all its threads; Reference for scale) and of TorchANI 2.9
(float32 and float64, torch's threads = the same cores) built from the same NeuroChem files, interleaved, medians
of --repeats, wall and process CPU time. Also the network arithmetic as dense-equivalent GFLOP/s (multiply-adds
of every layer for every atom, forward and backward, x2; the sparse AEV columns we skip are counted as done).
Needs torchani (tools/ani_reference_values.py says which versions).

Part "mlmm": 1HPV (HIV-1 protease + amprenavir, PME, water) as MM and as ML/MM (openmmligand.ml_mm: amprenavir
on ANI-2x), the time per MD step (LangevinMiddle, 2 fs, HBonds), interleaved blocks of --steps steps.

    PYTHONPATH=build/python python bench/ani.py --parts force mlmm --model ../shared/models/ani-2x
"""

import argparse
import json
import os
import sys
import time

import numpy
import openmm
from openmm import unit

import openmmligand

HERE = os.path.dirname(os.path.abspath(__file__))


def timed(function, repeats):
    walls, cpus = [], []
    function()
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus


def dense_flops(model_force, atomic_numbers):
    """Forward + backward multiply-adds of every layer for every atom and member, as flops (x2)."""
    sizes = {1: [1008, 256, 192, 160, 1], 6: [1008, 224, 192, 160, 1], 7: [1008, 192, 160, 128, 1]}
    sizes[8] = sizes[7]
    for z in (16, 9, 17):
        sizes[z] = [1008, 160, 128, 96, 1]
    macs = sum(sum(a * b for a, b in zip(sizes[z][:-1], sizes[z][1:])) for z in atomic_numbers)
    return 2 * 2 * macs * model_force.getNumEnsembleMembers()


def measure_molecule(molecule, args, model32, model64):
    """One molecule: AniForce and TorchANI interleaved; a result row."""
    import torch

    numbers, positions, box = molecule["atomic_numbers"], molecule["positions_nm"], molecule["box_nm"]
    system = openmm.System()
    force = openmmligand.AniForce(args.model)
    for i, z in enumerate(numbers):
        system.addParticle(1.0)
        force.addParticle(i, z)
    if box is not None:
        system.setDefaultPeriodicBoxVectors(*[openmm.Vec3(*v) for v in box])
        force.setUsesPeriodicBoundaryConditions(True)
    system.addForce(force)
    contexts = {}
    for name in ("CPU", "Reference", *args.force_platforms):
        contexts[name] = openmm.Context(system, openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName(name))
        contexts[name].setPositions(positions)

    def ours(name):
        return lambda: contexts[name].getState(getEnergy=True, getForces=True)

    def theirs(model, dtype):
        species = torch.tensor([numbers])
        cell = None if box is None else torch.tensor(numpy.array(box) * 10, dtype=dtype)

        def run():
            coordinates = torch.tensor(numpy.array(positions)[None] * 10, dtype=dtype, requires_grad=True)
            if cell is None:
                energy = model((species, coordinates)).energies
            else:
                energy = model((species, coordinates), cell=cell, pbc=torch.tensor([True] * 3)).energies
            torch.autograd.grad(energy.sum(), coordinates)

        return run

    ways = {
        "ours_cpu": ours("CPU"),
        "torchani_float32": theirs(model32, torch.float32),
        "torchani_float64": theirs(model64, torch.float64),
    }
    for name in args.force_platforms:
        ways[f"ours_{name.lower()}"] = ours(name)
    if len(numbers) <= 20 or args.reference:
        ways["ours_reference"] = ours("Reference")
    samples = {w: ([], []) for w in ways}
    for _ in range(args.repeats):  # interleaved
        for way, function in ways.items():
            walls, cpus = timed(function, 1)
            samples[way][0].extend(walls)
            samples[way][1].extend(cpus)
    row = {"molecule": molecule["name"], "atoms": len(numbers), "periodic": box is not None}
    for way, (walls, cpus) in samples.items():
        row[f"{way}_s"] = float(numpy.median(walls))
        row[f"{way}_cpu_s"] = float(numpy.median(cpus))
    row["torchani_float32_over_ours"] = row["torchani_float32_s"] / row["ours_cpu_s"]
    row["ours_dense_gflops"] = dense_flops(force, numbers) / row["ours_cpu_s"] / 1e9
    print(
        f"{row['molecule']} ({row['atoms']} atoms): ours {1000 * row['ours_cpu_s']:.1f} ms, TorchANI float32 "
        f"{1000 * row['torchani_float32_s']:.1f} ms, float64 {1000 * row['torchani_float64_s']:.1f} ms: "
        f"{row['torchani_float32_over_ours']:.2f}x; {row['ours_dense_gflops']:.1f} dense-equivalent GFLOP/s"
        + "".join(f"; {name} {1000 * row[f'ours_{name.lower()}_s']:.2f} ms" for name in args.force_platforms),
        flush=True,
    )
    return row


def force_part(args):
    import torch

    sys.path.insert(0, os.path.join(HERE, "..", "tools"))
    import ani_reference_values

    with open(os.path.join(HERE, "..", "tests", "python", "data", "ani2x_reference.json")) as source:
        molecules = json.load(source)["molecules"]
    model64 = ani_reference_values.torchani_model(args.model)
    model32 = ani_reference_values.torchani_model(args.model).to(torch.float32)
    rows = [measure_molecule(molecule, args, model32, model64) for molecule in molecules]
    import torchani

    return {
        "torch": torch.__version__,
        "torchani": torchani.__version__,
        "torch_threads": torch.get_num_threads(),
        "rows": rows,
    }


def mlmm_part(args):
    complex_ = openmmligand.complexes.amprenavir_hiv_protease()
    mm = complex_.system
    ml = openmmligand.ml_mm(mm, complex_.ligand_atoms, args.model, topology=complex_.topology)
    rows = []
    for platform_name in args.platforms:
        platform = openmm.Platform.getPlatformByName(platform_name)
        simulations = {}
        for name, system in (("mm", mm), ("mlmm", ml)):
            integrator = openmm.LangevinMiddleIntegrator(
                300 * unit.kelvin, 1 / unit.picosecond, 0.002 * unit.picoseconds
            )
            context = openmm.Context(system, integrator, platform)
            context.setPositions(complex_.positions)
            context.setVelocitiesToTemperature(300 * unit.kelvin, 1)
            simulations[name] = (context, integrator)
        samples = {name: ([], []) for name in simulations}
        for _ in range(args.repeats):
            for name, (context, integrator) in simulations.items():
                walls, cpus = timed(lambda i=integrator, c=context: (i.step(args.steps), c.getState(getEnergy=True)), 1)
                samples[name][0].append(walls[0] / args.steps)
                samples[name][1].append(cpus[0] / args.steps)
        row = {"platform": platform_name, "atoms": mm.getNumParticles(), "ligand_atoms": len(complex_.ligand_atoms)}
        for name, (walls, cpus) in samples.items():
            row[f"{name}_step_s"] = float(numpy.median(walls))
            row[f"{name}_step_cpu_s"] = float(numpy.median(cpus))
        row["mlmm_over_mm"] = row["mlmm_step_s"] / row["mm_step_s"]
        rows.append(row)
        print(
            f"1HPV {platform_name}: MM {1000 * row['mm_step_s']:.1f} ms/step, ML/MM {1000 * row['mlmm_step_s']:.1f} "
            f"ms/step: {row['mlmm_over_mm']:.2f}x",
            flush=True,
        )
    return {"rows": rows}


def plot(results, path):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4))
    left, right = fig.subplots(1, 2)
    if "force" in results:
        rows = sorted(results["force"]["rows"], key=lambda r: r["atoms"])
        x = [r["atoms"] for r in rows]
        for key, label in (
            ("ours_cpu_s", "openmm-ligand AniForce, CPU platform"),
            ("torchani_float32_s", "TorchANI float32 (CPU)"),
            ("torchani_float64_s", "TorchANI float64 (CPU)"),
            ("ours_opencl_s", "openmm-ligand AniForce, OpenCL (here: PoCL on the CPU)"),
            ("ours_cuda_s", "openmm-ligand AniForce, CUDA"),
        ):
            if key in rows[0]:
                left.plot(x, [1000 * r[key] for r in rows], "o-", label=label)
        left.set_xlabel("atoms")
        left.set_ylabel("energy + forces (ms)")
        left.set_title("ANI-2x, 8 members, same CPU and run", fontsize=10)
        left.legend(fontsize=8)
        left.grid(alpha=0.3)
    if "mlmm" in results:
        rows = results["mlmm"]["rows"]
        x = numpy.arange(len(rows))
        right.bar(x - 0.2, [1000 * r["mm_step_s"] for r in rows], 0.4, label="MM")
        right.bar(x + 0.2, [1000 * r["mlmm_step_s"] for r in rows], 0.4, label="ML/MM (amprenavir on ANI-2x)")
        right.set_xticks(x)
        right.set_xticklabels([f"{r['platform']}\n{r['mlmm_over_mm']:.2f}x" for r in rows])
        right.set_ylabel("ms per MD step")
        right.set_title("1HPV (PME, water), MD step", fontsize=10)
        right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", nargs="+", default=["force", "mlmm"], choices=["force", "mlmm"])
    parser.add_argument("--model", default=os.path.join(HERE, "..", "..", "shared", "models", "ani-2x"))
    parser.add_argument("--platforms", nargs="+", default=["CPU"], help="for mlmm")
    parser.add_argument(
        "--force-platforms", nargs="*", default=[], help="for force: platforms timed beside CPU (OpenCL, CUDA)"
    )
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--steps", type=int, default=20, help="MD steps per timed block (mlmm)")
    parser.add_argument("--reference", action="store_true", help="time the Reference platform for every molecule")
    parser.add_argument("--name", default="ani_openmm86")
    args = parser.parse_args()
    results = {"openmm": openmm.__version__, "cpu_count": os.cpu_count(), "command": " ".join(sys.argv)}
    if "force" in args.parts:
        results["force"] = force_part(args)
    if "mlmm" in args.parts:
        results["mlmm"] = mlmm_part(args)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    path = os.path.join(HERE, "results", args.name + ".json")
    with open(path, "w") as out:
        json.dump(results, out, indent=2)
    plot(results, os.path.splitext(path)[0] + ".png")


if __name__ == "__main__":
    main()
