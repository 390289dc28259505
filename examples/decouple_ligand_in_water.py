# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Decouple a ligand in an ordinary openmm.app script: one import, one call.

Run from a built tree with ./run (which sets PYTHONPATH), or after `cmake --install`:
    /usr/bin/python3 examples/decouple_ligand_in_water.py
"""

import openmm
from openmm import app, unit

import openmmligand

# Any System from any force field works; here ethanol in TIP3P water from OpenMM's own force fields.
test = openmmligand.testsystems.ligand_in_water(box_edge=2.8, constraints=app.HBonds)

# The one call: a new System whose ligand couples through lambda_sterics and lambda_electrostatics.
system = openmmligand.decouple(test.system, test.ligand_atoms)

integrator = openmm.LangevinMiddleIntegrator(300 * unit.kelvin, 1 / unit.picosecond, 2 * unit.femtosecond)
simulation = app.Simulation(test.topology, system, integrator)
simulation.context.setPositions(test.positions)
simulation.minimizeEnergy(maxIterations=100)

for lambda_sterics, lambda_electrostatics in [(1.0, 1.0), (1.0, 0.0), (0.5, 0.0), (0.0, 0.0)]:
    simulation.context.setParameter("lambda_sterics", lambda_sterics)
    simulation.context.setParameter("lambda_electrostatics", lambda_electrostatics)
    simulation.step(250)
    energy = simulation.context.getState(getEnergy=True).getPotentialEnergy()
    derivatives = openmmligand.lambda_derivatives(simulation.context)
    print(
        f"lambda_sterics={lambda_sterics:.2f} lambda_electrostatics={lambda_electrostatics:.2f}  "
        f"U={energy.value_in_unit(unit.kilojoule_per_mole):10.1f} kJ/mol  "
        f"dU/dls={derivatives['lambda_sterics']:8.2f}  dU/dle={derivatives['lambda_electrostatics']:8.2f}"
    )
