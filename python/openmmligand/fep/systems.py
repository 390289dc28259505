# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""The Systems of a hydration free energy: a ligand from SMILES, GAFF/AM1-BCC through AmberTools, in TIP3P water
and alone in vacuum, written to disk so that any worker (a Dask process, another node) can run a leg from files.

Solvent: a cubic TIP3P box with ``padding`` (nm) around the ligand, PME (0.9 nm cutoff, the long-range dispersion
correction), HBonds constraints, rigid water; NPT through a Monte Carlo barostat (1 atm) when the leg runs.
Vacuum: the ligand alone, no cutoff. Charged ligands: the solvent box gets counter-ions (Na+/Cl-) that stay coupled;
the leg's ΔG then carries PME's finite-size artefact for a net charge (no correction is applied; the report says so).
"""

import json
import os
from dataclasses import dataclass
from typing import List

import openmm
from openmm import app, unit

from ..complexes import ligand_topology
from ..errors import LigandError
from ..gaff import LigandTemplate
from ..ligands import atom_names, molecule_from_smiles

RESIDUE = "LIG"


@dataclass
class LegSystem:
    """One leg's System on disk: ``folder`` holds system.xml, positions.pdb and leg.json (ligand atoms, periodic)."""

    folder: str
    ligand_atoms: List[int]
    periodic: bool

    def load(self):
        """(System, positions in nm as a list of Vec3, box vectors or None)."""
        with open(os.path.join(self.folder, "system.xml")) as stream:
            system = openmm.XmlSerializer.deserialize(stream.read())
        pdb = app.PDBFile(os.path.join(self.folder, "positions.pdb"))
        box = system.getDefaultPeriodicBoxVectors() if self.periodic else None
        return system, pdb.getPositions(), box

    def to_json(self):
        """The leg as a JSON-serializable dict (where its files are, which atoms are the ligand)."""
        return {"folder": self.folder, "ligand_atoms": self.ligand_atoms, "periodic": self.periodic}

    @classmethod
    def from_json(cls, data):
        """The leg that ``to_json`` wrote."""
        return cls(data["folder"], list(data["ligand_atoms"]), bool(data["periodic"]))


def saved_legs(folder, saved):
    """The legs of a systems.json (``saved``: its "legs") in ``folder``, the folder it is in now: each leg's own
    folder is found by its name beside the file, not at the absolute path it was written with, so that an output
    folder can be moved or copied (built on one machine, run on a cluster) and loads its own files."""
    legs = {}
    for name, leg in saved.items():
        leg = LegSystem.from_json(leg)
        leg.folder = os.path.join(os.path.abspath(folder), os.path.basename(os.path.normpath(leg.folder)))
        legs[name] = leg
    return legs


def _save_leg(folder, system, topology, positions, ligand_atoms, periodic):
    """Write a leg's System and positions into ``folder``; returns its LegSystem."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "system.xml"), "w", encoding="utf-8") as stream:
        stream.write(openmm.XmlSerializer.serialize(system))
    with open(os.path.join(folder, "positions.pdb"), "w", encoding="utf-8") as stream:
        app.PDBFile.writeFile(topology, positions, stream, keepIds=True)
    leg = LegSystem(folder, ligand_atoms, periodic)
    with open(os.path.join(folder, "leg.json"), "w", encoding="utf-8") as stream:
        json.dump(leg.to_json(), stream)
    return leg


def ligand_template(smiles: str, force_field: str = "gaff2", charge_method: str = "bcc", cache_dir=None):
    """(RDKit molecule with a conformer, LigandTemplate) for a SMILES, residue name LIG."""
    molecule = molecule_from_smiles(smiles)
    template = LigandTemplate(molecule, atom_names(molecule), RESIDUE, force_field, charge_method, cache_dir=cache_dir)
    return molecule, template


def solvent_leg(molecule, template, folder, padding=1.2, cutoff=0.9, ionic_strength=0.0):
    """The solvent leg's System (TIP3P, PME, HBonds, rigid water, neutralized) for a typed ligand (its residue
    named as the template), saved in ``folder``; returns the LegSystem."""
    topology, positions = ligand_topology(molecule, template)
    forcefield = app.ForceField("amber14/tip3p.xml", template.forcefield_file())
    modeller = app.Modeller(topology, positions)
    modeller.addSolvent(
        forcefield,
        model="tip3p",
        padding=padding * unit.nanometer,
        neutralize=True,
        ionicStrength=ionic_strength * unit.molar,
    )
    # The box Modeller makes (for a small ligand about twice ``padding`` wide) must stay above the minimum-image
    # limit of twice the cutoff while the barostat changes it.
    edge = min(modeller.topology.getPeriodicBoxVectors()[i][i].value_in_unit(unit.nanometer) for i in range(3))
    if edge < 2 * cutoff + 0.1:
        raise LigandError(
            f"the water box is {edge:.2f} nm wide, too small for a {cutoff} nm cutoff (at least {2 * cutoff + 0.1:.2f} "
            f"nm): increase the padding ({padding} nm) or decrease the cutoff"
        )
    solvent = forcefield.createSystem(
        modeller.topology,
        nonbondedMethod=app.PME,
        nonbondedCutoff=cutoff * unit.nanometer,
        constraints=app.HBonds,
        rigidWater=True,
    )
    ligand_atoms = [a.index for a in modeller.topology.atoms() if a.residue.name == template.residue_name]
    return _save_leg(folder, solvent, modeller.topology, modeller.positions, ligand_atoms, True)


def hydration_systems(
    smiles: str,
    folder: str,
    force_field: str = "gaff2",
    charge_method: str = "bcc",
    padding: float = 1.2,
    cutoff: float = 0.9,
    cache_dir=None,
):
    """Build (or load, if ``folder`` has them) the solvent and vacuum legs' Systems; returns {leg: LegSystem}
    and a description dict. ``padding`` and ``cutoff`` in nm."""
    marker = os.path.join(folder, "systems.json")
    if os.path.isfile(marker):
        from .units import read_json

        saved = read_json(marker, f"delete {folder} (or this file) to build the systems again")
        if saved["description"]["smiles"] != smiles or saved["description"]["force_field"] != force_field:
            raise LigandError(
                f"{folder} holds a calculation for {saved['description']['smiles']} with "
                f"{saved['description']['force_field']}; use another output folder"
            )
        return saved_legs(folder, saved["legs"]), saved["description"]
    molecule, template = ligand_template(smiles, force_field, charge_method, cache_dir)
    topology, positions = ligand_topology(molecule, template)
    forcefield = app.ForceField("amber14/tip3p.xml", template.forcefield_file())
    vacuum = forcefield.createSystem(topology, nonbondedMethod=app.NoCutoff, constraints=app.HBonds)
    ligand_atoms = list(range(topology.getNumAtoms()))
    legs = {"vacuum": _save_leg(os.path.join(folder, "vacuum"), vacuum, topology, positions, ligand_atoms, False)}
    legs["solvent"] = solvent_leg(molecule, template, os.path.join(folder, "solvent"), padding, cutoff)
    with open(os.path.join(folder, "solvent", "system.xml")) as stream:
        solvent_atoms = openmm.XmlSerializer.deserialize(stream.read()).getNumParticles()
    net_charge = round(sum(template.charges))
    description = {
        "smiles": smiles,
        "force_field": force_field,
        "charges": template.charge_method,
        "water": "TIP3P",
        "atom_types": template.atom_types,
        "net_charge": net_charge,
        "parmchk2_substitutions": template.substitutions,
        "solvent_atoms": solvent_atoms,
        "padding_nm": padding,
        "cutoff_nm": cutoff,
        "charged_ligand": "no correction applied (PME finite-size effect)" if net_charge else "neutral",
    }
    with open(marker, "w", encoding="utf-8") as stream:
        json.dump({"legs": {k: v.to_json() for k, v in legs.items()}, "description": description}, stream, indent=1)
    return legs, description
