# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""The hydration free energy of ethanol by Hamiltonian replica exchange: openmmtools' API, our sampler.

Two legs, each an HREX run over a lambda schedule with openmmtools' AlchemicalState, MultiStateReporter and
MultiStateSamplerAnalyzer (MBAR); openmmligand.samplers.ReplicaExchangeSampler computes each replica's energies in
all states in one pass:

  solvent: ethanol in a TIP3P box (PME), electrostatics off (lambda_electrostatics 1 -> 0), then sterics off
  vacuum:  ethanol alone, its charges off (the decoupled ligand keeps its own Lennard-Jones, loses its charges)

    dG_hydration = dG_vacuum(coupled -> decoupled) - dG_solvent(coupled -> decoupled)

Run (about 5 minutes on 2 CPU cores with the defaults; --iterations 500 for a converged number):

    ./run shell python examples/hydration_free_energy_hrex.py --iterations 60 --out hydration-output

Writes the analyzer's numbers to summary.json and the solvent leg's MBAR overlap matrix to overlap.png. The
ligand here has hand-made GAFF-like charges (openmmligand.testsystems): the number illustrates the workflow; the
experimental hydration free energy of ethanol is -5.0 kcal/mol.
"""

import argparse
import json
import os

import numpy
import openmm
from openmm import app, unit
from openmmtools import alchemy, cache, mcmc, multistate, states

import openmmligand
from openmmligand.samplers import ReplicaExchangeSampler

KT_IN_KCAL = (unit.MOLAR_GAS_CONSTANT_R * 300 * unit.kelvin).value_in_unit(unit.kilocalorie_per_mole)


def run_leg(name, system, positions, box, protocol, args, platform):
    """One HREX leg; returns (dG in kT from the first to the last state, its uncertainty, overlap matrix)."""
    decoupled = openmmligand.decouple(system, args.ligand_atoms)
    thermo = states.ThermodynamicState(decoupled, 300 * unit.kelvin)
    compound = states.create_thermodynamic_state_protocol(
        thermo, protocol, composable_states=[alchemy.AlchemicalState.from_system(decoupled)]
    )
    move = mcmc.LangevinDynamicsMove(timestep=2 * unit.femtoseconds, n_steps=args.steps)
    sampler = ReplicaExchangeSampler(mcmc_moves=move, number_of_iterations=args.iterations)
    sampler.energy_context_cache = cache.ContextCache(platform=platform)
    sampler.sampler_context_cache = cache.ContextCache(platform=platform)
    reporter = multistate.MultiStateReporter(os.path.join(args.out, f"{name}.nc"), checkpoint_interval=10)
    sampler.create(compound, states.SamplerState(positions, box_vectors=box), reporter)
    sampler.minimize()
    sampler.run()
    analyzer = multistate.MultiStateSamplerAnalyzer(reporter)
    delta_f, d_delta_f = analyzer.get_free_energy()
    overlap = analyzer.mbar.compute_overlap()["matrix"]
    reporter.close()
    return float(delta_f[0, -1]), float(d_delta_f[0, -1]), overlap


def plot_overlap(overlap, path):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 4.2))
    ax = fig.subplots()
    image = ax.imshow(overlap, cmap="viridis", vmin=0, vmax=max(0.3, float(numpy.max(overlap))))
    for i in range(overlap.shape[0]):
        for j in range(overlap.shape[1]):
            if overlap[i, j] >= 0.01:
                ax.text(j, i, f"{overlap[i, j]:.2f}", ha="center", va="center", fontsize=6, color="w")
    ax.set_xlabel("state")
    ax.set_ylabel("state")
    ax.set_title("MBAR overlap matrix, solvent leg", fontsize=10)
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=60)
    parser.add_argument("--steps", type=int, default=250, help="MD steps (2 fs) per replica per iteration")
    parser.add_argument("--platform", default="CPU")
    parser.add_argument("--out", default="hydration-output")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    platform = openmm.Platform.getPlatformByName(args.platform)

    solvated = openmmligand.testsystems.ligand_in_water(box_edge=2.6, nonbonded_method=app.PME, constraints=app.HBonds)
    args.ligand_atoms = solvated.ligand_atoms
    electrostatics = [1.0, 0.75, 0.5, 0.25, 0.0]
    sterics = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0]
    solvent_protocol = {
        "lambda_electrostatics": electrostatics + [0.0] * len(sterics),
        "lambda_sterics": [1.0] * len(electrostatics) + sterics,
    }
    dg_solvent, ddg_solvent, overlap = run_leg(
        "solvent",
        solvated.system,
        solvated.positions,
        solvated.system.getDefaultPeriodicBoxVectors(),
        solvent_protocol,
        args,
        platform,
    )

    # Vacuum: the ligand alone (no cutoff); only its charges matter there.
    forcefield = openmmligand.testsystems.ligand_forcefield()
    topology, positions = openmmligand.testsystems.ethanol()
    vacuum = forcefield.createSystem(topology, nonbondedMethod=app.NoCutoff, constraints=app.HBonds)
    vacuum_protocol = {"lambda_electrostatics": electrostatics, "lambda_sterics": [1.0] * len(electrostatics)}
    dg_vacuum, ddg_vacuum, _ = run_leg("vacuum", vacuum, positions, None, vacuum_protocol, args, platform)

    dg = (dg_vacuum - dg_solvent) * KT_IN_KCAL
    ddg = numpy.hypot(ddg_vacuum, ddg_solvent) * KT_IN_KCAL
    summary = {
        "dG_hydration_kcal_per_mol": dg,
        "uncertainty_kcal_per_mol": ddg,
        "dG_solvent_leg_kT": dg_solvent,
        "dG_vacuum_leg_kT": dg_vacuum,
        "iterations": args.iterations,
        "steps_per_iteration": args.steps,
        "solvent_states": len(solvent_protocol["lambda_sterics"]),
    }
    with open(os.path.join(args.out, "summary.json"), "w") as out:
        json.dump(summary, out, indent=2)
    plot_overlap(overlap, os.path.join(args.out, "overlap.png"))
    print(
        f"hydration free energy of ethanol: {dg:.2f} +- {ddg:.2f} kcal/mol "
        f"(solvent leg {dg_solvent:.2f} kT, vacuum leg {dg_vacuum:.2f} kT; {args.iterations} iterations)"
    )


if __name__ == "__main__":
    main()
