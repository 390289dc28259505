# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""The independent reference for GAFF ligand parameters: tleap's prmtop of the same atom types, charges and frcmod,
read by OpenMM's AmberPrmtopFile; and per-force energies on Reference."""

import os
import subprocess
import tempfile

import openmm
import pytest
from openmm import app, unit

from openmmligand import gaff


def _write_mol2(path, template, positions):
    """A Tripos mol2 with the template's atoms, GAFF types and charges (tleap's input)."""
    lines = [
        "@<TRIPOS>MOLECULE",
        "LIG",
        f"{len(template.atom_names)} {len(template.bonds)} 1 0 0",
        "SMALL",
        "USER_CHARGES",
        "",
    ]
    lines.append("@<TRIPOS>ATOM")
    for i, (name, gaff_type, charge) in enumerate(zip(template.atom_names, template.atom_types, template.charges)):
        x, y, z = (10 * c for c in positions[i])
        lines.append(f"{i + 1:7d} {name:<8s}{x:10.4f}{y:10.4f}{z:10.4f} {gaff_type:<6s} 1 LIG {charge:12.8f}")
    lines.append("@<TRIPOS>BOND")
    for n, (i, j) in enumerate(template.bonds):
        lines.append(f"{n + 1:6d}{i + 1:6d}{j + 1:6d} 1")
    lines.append("@<TRIPOS>SUBSTRUCTURE")
    lines.append("     1 LIG         1 TEMP              0 ****  ****    0 ROOT")
    with open(path, "w") as stream:
        stream.write("\n".join(lines) + "\n")


def tleap_system(template, positions, work):
    """The ligand's System from tleap's prmtop (no cutoff), the same types, charges and frcmod."""
    _write_mol2(os.path.join(work, "ligand.mol2"), template, positions)
    with open(os.path.join(work, "ligand.frcmod"), "w") as stream:
        stream.write(template.frcmod)
    leaprc = "leaprc.gaff2" if template.force_field == "gaff2" else "leaprc.gaff"
    script = (
        f"source {leaprc}\nloadamberparams ligand.frcmod\nLIG = loadmol2 ligand.mol2\n"
        "saveamberparm LIG ligand.prmtop ligand.inpcrd\nquit\n"
    )
    with open(os.path.join(work, "leap.in"), "w") as stream:
        stream.write(script)
    done = subprocess.run([gaff.find_program("tleap"), "-f", "leap.in"], cwd=work, capture_output=True, text=True)
    assert os.path.isfile(os.path.join(work, "ligand.prmtop")), done.stdout[-2000:]
    return app.AmberPrmtopFile(os.path.join(work, "ligand.prmtop")).createSystem(nonbondedMethod=app.NoCutoff)


def force_energies(system, positions):
    """Energy (kJ/mol) of each force class of ``system``, evaluated on Reference."""
    energies = {}
    for index, force in enumerate(system.getForces()):
        force.setForceGroup(index)
    context = openmm.Context(system, openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName("Reference"))
    context.setPositions(positions)
    for index, force in enumerate(system.getForces()):
        name = type(force).__name__
        if name == "CMMotionRemover":
            continue
        state = context.getState(getEnergy=True, groups={index})
        energies[name] = energies.get(name, 0.0) + state.getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)
    return energies


def angle_terms(system):
    """{(i, j, k) with i < k: (theta0 in rad, k in kJ/mol/rad^2)} of the System's HarmonicAngleForce."""
    force = next(f for f in system.getForces() if isinstance(f, openmm.HarmonicAngleForce))
    terms = {}
    for n in range(force.getNumAngles()):
        i, j, k, theta, constant = force.getAngleParameters(n)
        terms[(min(i, k), j, max(i, k))] = (theta.value_in_unit(unit.radian), constant._value)
    return terms


def template_system(molecule, template):
    topology = app.Topology()
    residue = topology.addResidue("LIG", topology.addChain())
    atoms = [
        topology.addAtom(n, app.Element.getBySymbol(e), residue) for n, e in zip(template.atom_names, template.elements)
    ]
    for i, j in template.bonds:
        topology.addBond(atoms[i], atoms[j])
    forcefield = app.ForceField(template.forcefield_file())
    return forcefield.createSystem(topology, nonbondedMethod=app.NoCutoff)


def assert_equal_to_tleap(molecule, template, positions):
    """Each force's energy of the template's System equals that of tleap's prmtop (1e-6 relative; the angles'
    to 2e-5, with their parameters term by term to 1e-6: tleap keeps them in single precision)."""
    ours = force_energies(template_system(molecule, template), positions)
    with tempfile.TemporaryDirectory() as work:
        reference = tleap_system(template, positions, work)
        theirs = force_energies(reference, positions)
        their_angles = angle_terms(reference)
    assert sorted(ours) == sorted(theirs)
    for kind in theirs:
        tolerance = 2e-5 if kind == "HarmonicAngleForce" else 1e-6
        assert ours[kind] == pytest.approx(theirs[kind], rel=tolerance, abs=1e-6), (kind, ours, theirs)
    our_angles = angle_terms(template_system(molecule, template))
    assert sorted(our_angles) == sorted(their_angles)
    for key, value in our_angles.items():
        assert value == pytest.approx(their_angles[key], rel=1e-6), key
