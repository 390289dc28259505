# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""A hydration free energy end to end, two ways side by side, same schedule, same lengths, same platform:

  ours:        openmmligand.fep (decouple + openmmligand.samplers.ReplicaExchangeSampler), a unit per leg, serial
  openmmtools: AbsoluteAlchemicalFactory (exact PME, annihilated electrostatics, decoupled sterics) +
               openmmtools' ReplicaExchangeSampler, the same LangevinDynamicsMove and equilibration

Minimization as each pipeline does it: ours minimizes the common start once, in the first state; openmmtools'
``sampler.minimize`` minimizes every replica in its own state (200 iterations at most either way).

Both analyzed by the same MBAR code (openmmligand.fep.analysis). Per leg: wall and process CPU seconds of the
whole leg (minimization, equilibration, production), ΔG; legs interleaved (ours, theirs, ours, theirs).

    ./run shell python bench/hydration.py --smiles CCO --iterations 20 --steps 250 --quick
"""

import argparse
import json
import os
import tempfile
import time

import openmm
from openmm import unit
from openmmtools import alchemy, cache, mcmc, multistate, states

from openmmligand.fep import analysis, schedules, systems
from openmmligand.fep.units import UnitSpec, run_unit

HERE = os.path.dirname(os.path.abspath(__file__))


def platform_properties(args):
    """The same platform properties for both ways (None: the platform's defaults)."""
    return {"Precision": args.precision} if args.precision else None


def openmmtools_leg(leg, protocol, args, folder, pressure):
    system, positions, box = leg.load()
    region = alchemy.AlchemicalRegion(
        alchemical_atoms=leg.ligand_atoms, annihilate_electrostatics=True, annihilate_sterics=False
    )
    alchemical = alchemy.AbsoluteAlchemicalFactory(alchemical_pme_treatment="exact").create_alchemical_system(
        system, region
    )
    if pressure:
        alchemical.addForce(openmm.MonteCarloBarostat(pressure * unit.atmosphere, args.temperature * unit.kelvin))
    thermo = states.ThermodynamicState(alchemical, args.temperature * unit.kelvin)
    compound = states.create_thermodynamic_state_protocol(
        thermo, protocol, composable_states=[alchemy.AlchemicalState.from_system(alchemical)]
    )
    move = mcmc.LangevinDynamicsMove(
        timestep=2 * unit.femtoseconds,
        collision_rate=1 / unit.picoseconds,
        n_steps=args.steps,
        reassign_velocities=False,
    )
    sampler = multistate.ReplicaExchangeSampler(mcmc_moves=move, number_of_iterations=args.iterations)
    platform = openmm.Platform.getPlatformByName(args.platform)
    properties = platform_properties(args)
    sampler.energy_context_cache = cache.ContextCache(platform=platform, platform_properties=properties)
    sampler.sampler_context_cache = cache.ContextCache(platform=platform, platform_properties=properties)
    sampler._have_displayed_citations_before = True
    storage = os.path.join(folder, "leg.nc")
    sampler.create(compound, states.SamplerState(positions, box_vectors=box), multistate.MultiStateReporter(storage))
    sampler.minimize(max_iterations=200)
    sampler.equilibrate(args.equilibration)
    sampler.run()
    sampler._reporter.close()
    return analysis.analyze_storage(storage, args.temperature)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smiles", default="CCO")
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--steps", type=int, default=250)
    parser.add_argument("--equilibration", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="the quick schedules (12 solvent, 5 vacuum states)")
    parser.add_argument("--platform", default="CPU")
    parser.add_argument("--precision", help="GPU platforms: single, mixed or double (both ways alike)")
    parser.add_argument("--temperature", type=float, default=298.15)
    parser.add_argument("--name", default="hydration_openmm86")
    parser.add_argument(
        "--systems",
        help="a systems folder built before for this SMILES (a hydration output's systems/): no AmberTools needed",
    )
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="bench-hydration-")
    legs, description = systems.hydration_systems(args.smiles, args.systems or os.path.join(work, "systems"))
    protocols = schedules.hydration_protocols(quick=args.quick)
    rows = []
    for leg in ("solvent", "vacuum"):
        pressure = 1.0 if leg == "solvent" else None
        for way in ("ours", "openmmtools"):
            folder = os.path.join(work, f"{leg}-{way}")
            os.makedirs(folder)
            wall, cpu = time.perf_counter(), time.process_time()
            if way == "ours":
                spec = UnitSpec(
                    name=leg,
                    folder=folder,
                    leg=legs[leg].to_json(),
                    protocol=protocols[leg],
                    iterations=args.iterations,
                    steps=args.steps,
                    equilibration_iterations=args.equilibration,
                    temperature=args.temperature,
                    pressure=pressure,
                    platform=args.platform,
                    platform_properties=platform_properties(args) or {},
                )
                result = run_unit(spec.to_json())
            else:
                result = openmmtools_leg(legs[leg], protocols[leg], args, folder, pressure)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            rows.append(
                {
                    "leg": leg,
                    "way": way,
                    "states": len(protocols[leg]["lambda_sterics"]),
                    "wall_s": wall,
                    "cpu_s": cpu,
                    "dG_kcal": result["delta_g_kcal"],
                    "d_dG_kcal": result["d_delta_g_kcal"],
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    total = {way: sum(r["wall_s"] for r in rows if r["way"] == way) for way in ("ours", "openmmtools")}
    hydration = {
        way: next(r["dG_kcal"] for r in rows if r["way"] == way and r["leg"] == "vacuum")
        - next(r["dG_kcal"] for r in rows if r["way"] == way and r["leg"] == "solvent")
        for way in ("ours", "openmmtools")
    }
    results = {
        "smiles": args.smiles,
        "atoms_solvent": description["solvent_atoms"],
        "platform": args.platform,
        "precision": args.precision,
        "openmm": openmm.__version__,
        "iterations": args.iterations,
        "steps": args.steps,
        "equilibration": args.equilibration,
        "rows": rows,
        "total_wall_s": total,
        "speedup": total["openmmtools"] / total["ours"],
        "dG_hydration_kcal": hydration,
        "command": "python bench/hydration.py "
        + " ".join(
            f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if k not in ("quick",) and v is not None
        )
        + (" --quick" if args.quick else ""),
    }
    path = os.path.join(HERE, "results", args.name)
    with open(path + ".json", "w") as out:
        json.dump(results, out, indent=2)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3.6))
    ax = fig.subplots()
    for offset, way in ((-0.2, "ours"), (0.2, "openmmtools")):
        values = [
            next(r["wall_s"] for r in rows if r["way"] == way and r["leg"] == leg) for leg in ("solvent", "vacuum")
        ]
        ax.bar([i + offset for i in range(2)], values, width=0.4, label=way)
    ax.set_xticks([0, 1], ["solvent leg", "vacuum leg"])
    ax.set_ylabel("wall time (s)")
    ax.set_title(
        f"hydration of {args.smiles}: {args.iterations} it x {args.steps} steps, {args.platform}; "
        f"openmmtools / ours = {results['speedup']:.2f}",
        fontsize=9,
    )
    ax.legend()
    fig.tight_layout()
    fig.savefig(path + ".png", dpi=120)
    print(
        f"total wall: ours {total['ours']:.1f} s, openmmtools {total['openmmtools']:.1f} s ({results['speedup']:.2f}x)"
    )
    print(f"dG_hydration: ours {hydration['ours']:.2f}, openmmtools {hydration['openmmtools']:.2f} kcal/mol")


if __name__ == "__main__":
    main()
