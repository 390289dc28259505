# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Amprenavir on ANI-2x inside HIV-1 protease (1HPV), everything else on Amber/GAFF: ML/MM in one call.

Three short runs of the same complex as MM and as ML/MM (openmmligand.ml_mm): the cost per MD step; energy
conservation (constant-energy Verlet from the same start: the drift of the total energy, kJ/mol per ps, each
System against its own); and the distribution of one ligand torsion (the sulfonamide's C-S-N-C) in Langevin
dynamics, MM against ML/MM, as a plot. The model directory holds ANI-2x's NeuroChem files (TorchANI's
torchani/resources/ani-2x_8x, MIT); the 1HPV PDB comes from $OPENMMLIGAND_1HPV_PDB (./run sets it).

    ./run shell python examples/ml_mm_amprenavir.py --model ../shared/models/ani-2x --nve-steps 200 \\
        --langevin-steps 1000 --out ml-mm-output

The torsion histogram needs nanoseconds to mean something; the defaults show the workflow in minutes on a laptop.
"""

import argparse
import json
import os
import time

import numpy
import openmm
from openmm import unit

import openmmligand


def sulfonamide_torsion(topology, ligand_atoms):
    """Indices (C, S, N, C) of the ligand's C-S-N-C torsion, from the Topology's bonds."""
    ligand = set(ligand_atoms)
    atoms = list(topology.atoms())
    neighbours = {i: set() for i in ligand}
    for a, b in topology.bonds():
        if a.index in ligand and b.index in ligand:
            neighbours[a.index].add(b.index)
            neighbours[b.index].add(a.index)
    for s in ligand:
        if atoms[s].element.symbol != "S":
            continue
        for n in neighbours[s]:
            if atoms[n].element.symbol != "N":
                continue
            c1 = next(c for c in neighbours[s] if atoms[c].element.symbol == "C")
            c2 = next(c for c in neighbours[n] if atoms[c].element.symbol == "C")
            return c1, s, n, c2
    raise RuntimeError("no C-S-N-C torsion in the ligand")


def dihedral(p, indices):
    a, b, c, d = (numpy.array(p[i]) for i in indices)
    b0, b1, b2 = a - b, c - b, d - c
    b1 /= numpy.linalg.norm(b1)
    v, w = b0 - numpy.dot(b0, b1) * b1, b2 - numpy.dot(b2, b1) * b1
    return numpy.degrees(numpy.arctan2(numpy.dot(numpy.cross(b1, v), w), numpy.dot(v, w)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="the ANI-2x model directory (NeuroChem files)")
    parser.add_argument("--platform", default="CPU")
    parser.add_argument("--nve-steps", type=int, default=200)
    parser.add_argument("--langevin-steps", type=int, default=1000)
    parser.add_argument("--out", default="ml-mm-output")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    complex_ = openmmligand.complexes.amprenavir_hiv_protease()
    systems = {
        "MM": complex_.system,
        "ML/MM": openmmligand.ml_mm(complex_.system, complex_.ligand_atoms, args.model, topology=complex_.topology),
    }
    torsion = sulfonamide_torsion(complex_.topology, complex_.ligand_atoms)
    platform = openmm.Platform.getPlatformByName(args.platform)
    summary = {"atoms": complex_.system.getNumParticles(), "ligand_atoms": len(complex_.ligand_atoms), "runs": {}}
    angles = {}
    for name, system in systems.items():
        # Minimise on this System's own surface first (the structure was minimised with MM).
        integrator = openmm.VerletIntegrator(0.001 * unit.picoseconds)
        context = openmm.Context(system, integrator, platform)
        context.setPositions(complex_.positions)
        openmm.LocalEnergyMinimizer.minimize(context, 10.0, 200)
        context.setVelocitiesToTemperature(300 * unit.kelvin, 2026)
        energies = []
        start = time.perf_counter()
        for _ in range(args.nve_steps // 10):
            integrator.step(10)
            state = context.getState(getEnergy=True)
            energies.append(
                (state.getPotentialEnergy() + state.getKineticEnergy()).value_in_unit(unit.kilojoule_per_mole)
            )
        per_step = (time.perf_counter() - start) / max(1, args.nve_steps)
        times = numpy.arange(len(energies)) * 10 * 0.001  # ps
        drift = float(numpy.polyfit(times, energies, 1)[0]) if len(energies) > 1 else float("nan")
        positions = context.getState(getPositions=True).getPositions()
        langevin = openmm.LangevinMiddleIntegrator(300 * unit.kelvin, 1 / unit.picosecond, 0.002 * unit.picoseconds)
        sampling = openmm.Context(system, langevin, platform)
        sampling.setPositions(positions)
        sampling.setVelocitiesToTemperature(300 * unit.kelvin, 7)
        angles[name] = []
        for _ in range(args.langevin_steps // 10):
            langevin.step(10)
            p = sampling.getState(getPositions=True).getPositions(asNumpy=True).value_in_unit(unit.nanometer)
            angles[name].append(dihedral(p, torsion))
        summary["runs"][name] = {
            "seconds_per_nve_step": per_step,
            "nve_drift_kj_per_mol_per_ps": drift,
            "nve_total_energy_std_kj_per_mol": float(numpy.std(energies)),
            "torsion_mean_deg": float(numpy.mean(angles[name])),
            "torsion_std_deg": float(numpy.std(angles[name])),
        }
        print(name, json.dumps(summary["runs"][name]), flush=True)
    summary["ml_mm_over_mm_step"] = (
        summary["runs"]["ML/MM"]["seconds_per_nve_step"] / summary["runs"]["MM"]["seconds_per_nve_step"]
    )
    with open(os.path.join(args.out, "summary.json"), "w") as out:
        json.dump(summary, out, indent=2)

    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.5, 3.8))
    ax = fig.subplots()
    bins = numpy.linspace(-180, 180, 37)
    for name, values in angles.items():
        ax.hist(values, bins=bins, alpha=0.55, label=f"{name} ({len(values)} frames)", density=True)
    ax.set_xlabel("C-S-N-C torsion of amprenavir (degrees)")
    ax.set_ylabel("density")
    ax.set_title("1HPV, Langevin 300 K: MM vs ML/MM (ANI-2x ligand)", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "torsion.png"), dpi=120)


if __name__ == "__main__":
    main()
