# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Run one entry point of the package on positions with a NaN, infinite or absurd coordinate, on one platform.

    python bad_positions.py PLATFORM PRECISION ENTRY

Prints one JSON line per case: {"case": ..., "outcome": "exception" | "nan" | "finite", "message": ...}. Run in a
subprocess by test_bad_input.py, so that a crash (at once or at exit) fails that test rather than the run.
"""

import io
import json
import math
import sys

import numpy
import openmm
from openmm import app, unit

import openmmligand
from openmmligand import testsystems

platform_name, precision, entry = sys.argv[1:4]
test = testsystems.ligand_in_water()
system = openmmligand.decouple(test.system, test.ligand_atoms)
properties = {"Precision": precision} if precision != "none" else {}
ligand = list(test.ligand_atoms)
water_atom = max(ligand) + 5


def outcome_of(value):
    values = numpy.asarray(value, dtype=float).ravel()
    return "nan" if numpy.isnan(values).any() else "finite"


def run(context):
    if entry == "getState":
        return context.getState(getEnergy=True).getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)
    if entry == "state_energies":
        return openmmligand.state_energies(context, [(1.0, 1.0), (0.5, 0.2), (0.0, 0.0)])
    if entry == "reduced_potentials":
        return openmmligand.reduced_potentials(context, [(1.0, 1.0), (0.0, 0.0)], 300 * unit.kelvin)
    if entry == "interaction_energies":
        table = openmmligand.interaction_energies(context, topology=test.topology)
        return table[["lj_full", "lj", "elec_full", "elec"]].to_numpy()
    if entry == "lambda_derivatives":
        return list(openmmligand.lambda_derivatives(context).values())
    if entry == "reporter":
        out = io.StringIO()
        reporter = openmmligand.InteractionEnergyReporter(out, 1, topology=test.topology)
        reporter.report(simulation, None)
        rows = [line.split(",")[4:] for line in out.getvalue().splitlines()[1:]]
        return [[float(x) for x in row] for row in rows]
    raise SystemExit(f"unknown entry {entry}")


# One Context for all cases (a Simulation's, which the reporter needs): good positions first, to check that the
# Context works, then each bad one.
simulation = app.Simulation(
    test.topology, system, openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName(platform_name), properties
)
context = simulation.context
context.setPositions(test.positions)
assert outcome_of(run(context)) == "finite"
# OpenMM's own kernels do not survive a non-finite coordinate, with or without this plugin: its Reference PME writes
# out of bounds (7.7: valgrind, pme_exec; 8.6.1: AddressSanitizer, ReferencePME::grid_spread_charge), its OpenCL PME
# and neighbour list segfault under PoCL (8.6.1: gridInterpolateForce; 7.7: prepareInteractions); only its CPU
# platform refuses. Elsewhere getState is asked only about the absurd finite coordinate; our own entry points refuse
# before OpenMM evaluates anything.
openmm_crashes = entry == "getState" and platform_name != "CPU"
for where, atom in (("ligand", ligand[0]), ("water", water_atom)):
    for value in (math.nan, math.inf, 1e30):
        if openmm_crashes and not math.isfinite(value):
            print(json.dumps({"case": f"{where} x={value}", "outcome": "skipped", "message": "OpenMM bug"}))
            continue
        positions = numpy.array(test.positions.value_in_unit(unit.nanometer))
        positions[atom, 0] = value
        case = f"{where} x={value}"
        try:
            context.setPositions(positions)
            result = run(context)
            record = {"case": case, "outcome": outcome_of(result), "message": repr(result)[:200]}
        except Exception as error:  # noqa: BLE001 - every exception is recorded and judged by the test
            record = {"case": case, "outcome": "exception", "type": type(error).__name__, "message": str(error)[:300]}
        print(json.dumps(record), flush=True)
