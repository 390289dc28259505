# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Amprenavir in HIV-1 protease: build the complex, write it out for a viewer, decouple the drug and check that
the decoupled System at lambda = 1 is the original one — the first minutes of an absolute binding free energy.

Run with the 1HPV PDB file (from the PDB, or Debian's pymol-data copy):
    ./run shell python examples/amprenavir_hiv_protease.py /usr/share/pymol/data/tut/1hpv.pdb
"""

import sys

import openmm
from openmm import app, unit

import openmmligand

complex = openmmligand.complexes.amprenavir_hiv_protease(
    sys.argv[1] if len(sys.argv) > 1 else None
)  # built once (~3 min on 2 cores), then cached
print(f"{complex.ligand_name}: {len(complex.ligand_atoms)} atoms in a {complex.system.getNumParticles()}-atom System")
with open("amprenavir_hiv_protease.pdb", "w") as out:
    app.PDBFile.writeFile(complex.topology, complex.positions, out)

decoupled = openmmligand.decouple(complex.system, complex.ligand_atoms)
platform = openmm.Platform.getPlatformByName("CPU")
energies = {}
for name, system in (("original", complex.system), ("decoupled", decoupled)):
    context = openmm.Context(system, openmm.VerletIntegrator(0.001), platform)
    context.setPositions(complex.positions)
    energies[name] = context.getState(getEnergy=True).getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)
print(
    f"potential energy: original {energies['original']:.2f} kJ/mol, decoupled at lambda = 1 "
    f"{energies['decoupled']:.2f} kJ/mol"
)

# The drug's interaction switched off step by step: charges first, then Lennard-Jones.
for lambda_sterics, lambda_electrostatics in [(1.0, 1.0), (1.0, 0.0), (0.0, 0.0)]:
    context.setParameter("lambda_sterics", lambda_sterics)
    context.setParameter("lambda_electrostatics", lambda_electrostatics)
    derivatives = openmmligand.lambda_derivatives(context)
    energy = context.getState(getEnergy=True).getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)
    print(
        f"lambda_sterics={lambda_sterics} lambda_electrostatics={lambda_electrostatics}: U={energy:.1f} kJ/mol, "
        f"dU/dls={derivatives['lambda_sterics']:.1f}, dU/dle={derivatives['lambda_electrostatics']:.1f} kJ/mol"
    )
