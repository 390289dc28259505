# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Simulation-ready protein–ligand complexes: a PDB entry in, an OpenMM System with the ligand found out.

The default is HIV-1 protease with the drug amprenavir (PDB 1HPV: download it from the PDB, or take the copy Debian's
``pymol-data`` ships as /usr/share/pymol/data/tut/1hpv.pdb), given as an argument or by ``$OPENMMLIGAND_1HPV_PDB``:

    import openmmligand
    complex = openmmligand.complexes.amprenavir_hiv_protease("1hpv.pdb")
    decoupled = openmmligand.decouple(complex.system, complex.ligand_atoms)

What :func:`build_complex` does:

- protein and crystal waters: PDBFixer adds missing heavy atoms (missing residues are not modelled) and
  hydrogens at pH 7; Amber14 (``amber14-all.xml``) and TIP3P;
- ligand: its heavy atoms from the PDB, bond orders and stereochemistry from its SMILES (RDKit; a SMILES that
  does not match the structure is an error), hydrogens with coordinates, then GAFF2 types and parameters and
  AM1-BCC charges from AmberTools (antechamber, parmchk2; :mod:`openmmligand.gaff`), cached by input;
- receptor molecules (``receptor_molecules={residue: SMILES}``): other small molecules of the PDB that belong to
  the receptor — a cofactor, or the host of a host–guest complex (then there need not be any protein) — built
  and parameterized exactly as the ligand is;
- TIP3P solvent in a padded cubic box with Na+/Cl- neutralizing and at 0.15 M, PME (1 nm cutoff), HBonds
  constraints, rigid water; energy minimization;
- the result is cached (PDB, serialized System and State XML) under ``$OPENMMLIGAND_CACHE`` (default
  ``~/.cache/openmm-ligand``), keyed by every input, so the second call is fast.

A System parameterized some other way (openmmforcefields, OpenFF) goes through :func:`from_system`: the plugin works
on any System.
"""

import contextlib
import hashlib
import json
import os
import random
import time
from dataclasses import dataclass, field
from typing import Optional, Union

import openmm
from openmm import app, unit

from . import progress
from .cache import default_cache_dir
from .errors import LigandError
from .gaff import CHARGE_METHODS
from .ligands import atom_names, ligand_lines, ligand_molecule, residue_names_in, small_molecule  # noqa: F401

# 3: parmchk2 given the GAFF file by path (see gaff.CACHE_VERSION); 2: GAFF2 + AM1-BCC from AmberTools (1: Open Babel
# GAFF 1.4 + MMFF94).
BUILDER_VERSION = 3
PLACEMENT_SEED = 2  # PDBFixer and Modeller place some hydrogens and the ions at random
HIV_PROTEASE_PDB_VARIABLE = "OPENMMLIGAND_1HPV_PDB"
# Amprenavir (VX-478, residue "478" in 1HPV): (3S)-oxolan-3-yl N-[(2S,3R)-4-[(4-aminophenyl)sulfonyl-
# (2-methylpropyl)amino]-3-hydroxy-1-phenylbutan-2-yl]carbamate.
AMPRENAVIR_SMILES = "CC(C)CN(C[C@H]([C@H](CC1=CC=CC=C1)NC(=O)O[C@H]2CCOC2)O)S(=O)(=O)C3=CC=C(C=C3)N"
KNOWN_LIGANDS = {"478": ("amprenavir", AMPRENAVIR_SMILES)}


@dataclass
class ProteinLigandComplex:
    """A simulation-ready complex. Positions in nm; ``ligand_atoms`` are indices into the System."""

    system: openmm.System
    topology: app.Topology
    positions: list
    ligand_atoms: list
    ligand_name: str = "ligand"
    ligand_residue: str = ""
    description: dict = field(default_factory=dict)
    #: The ligand as prepared (RDKit molecule, :class:`openmmligand.gaff.LigandTemplate`); None for a complex loaded
    #: from the cache until :meth:`ligand_parameters` prepares it again.
    ligand_molecule: object = None
    ligand_template: object = None

    def ligand_parameters(self, cache_dir=None):
        """The ligand's RDKit molecule and GAFF template, as the complex was built with them.

        For a complex loaded from the cache they are prepared again from its source PDB, SMILES and charge method
        (the parameters then come from the parameter cache: no antechamber run), once.

        Returns
        -------
        tuple
            (RDKit molecule, LigandTemplate).
        """
        if self.ligand_template is None:
            # "bcc" for complexes cached before the charge method was recorded: Gasteiger ('gas') is for tests only.
            self.ligand_molecule, self.ligand_template = small_molecule(
                self.description["source"],
                self.ligand_residue,
                self.description["smiles"],
                "ligand",
                self.description.get("charge_method", "bcc"),
                cache_dir,
            )
        return self.ligand_molecule, self.ligand_template

    def environment_residues(self) -> list:
        """Residues of the topology other than the ligand's, in order."""
        ligand = set(self.ligand_atoms)
        return [r for r in self.topology.residues() if not any(a.index in ligand for a in r.atoms())]


def amprenavir_hiv_protease(pdb_file: Optional[str] = None, **options) -> "ProteinLigandComplex":
    """HIV-1 protease with amprenavir from 1HPV, built (or loaded from the cache) by :func:`build_complex`;
    ``options`` are passed on.

    ``pdb_file``: the 1HPV PDB file; default ``$OPENMMLIGAND_1HPV_PDB``. Get it from the PDB
    (https://files.rcsb.org/download/1HPV.pdb) or from Debian's ``pymol-data`` (/usr/share/pymol/data/tut/1hpv.pdb),
    which is where ``./run`` points the variable.
    """
    if pdb_file is None:
        pdb_file = os.environ.get(HIV_PROTEASE_PDB_VARIABLE)
        if not pdb_file:
            raise LigandError(
                f"amprenavir_hiv_protease needs the 1HPV PDB file: pass pdb_file= or set "
                f"${HIV_PROTEASE_PDB_VARIABLE} (download 1HPV from the PDB, or install Debian's pymol-data, "
                f"which has /usr/share/pymol/data/tut/1hpv.pdb)"
            )
    if not os.path.isfile(pdb_file):
        raise LigandError(f"the 1HPV PDB file {pdb_file} does not exist")
    return build_complex(pdb_file, "478", **options)


def _cache_key(pdb_file, residue_name, smiles, padding, ionic_strength, minimize, receptor_molecules, charge_method):
    digest = hashlib.sha256()
    with open(pdb_file, "rb") as stream:
        digest.update(stream.read())
    inputs = (BUILDER_VERSION, residue_name, smiles, padding, ionic_strength, minimize, openmm.__version__)
    digest.update(repr(inputs + (sorted(receptor_molecules.items()), charge_method)).encode())
    return digest.hexdigest()[:16]


def build_complex(
    pdb_file: str,
    ligand_residue: str,
    smiles: Optional[str] = None,
    padding: float = 1.0,
    ionic_strength: float = 0.15,
    minimize: int = 250,
    cache_dir: Union[str, None, bool] = None,
    platform: Optional[openmm.Platform] = None,
    verbose: bool = True,
    receptor_molecules: Optional[dict] = None,
    charge_method: str = "bcc",
) -> "ProteinLigandComplex":
    """Build (or load from the cache) a solvated, minimized protein–ligand System from a PDB file.

    pdb_file: the complex; ligand_residue: the ligand's residue name; smiles: the ligand's SMILES (bond orders,
    stereochemistry, charge state), optional for ligands in :data:`KNOWN_LIGANDS`; padding: solvent padding in
    nm; ionic_strength: molar NaCl; minimize: L-BFGS iterations (0: none; 250 relieve the clashes of added
    hydrogens and solvent, ~2 min for 1HPV on 2 CPU cores); cache_dir: where built systems are kept (None: :func:`default_cache_dir`,
    False: no cache); platform: an OpenMM Platform for the minimizations (PDBFixer's hydrogens and the whole
    complex; default: OpenMM's fastest); receptor_molecules: {residue name: SMILES} of other small molecules in
    the PDB that are part of the receptor (a cofactor; the host of a host–guest complex), each given GAFF2 and
    AM1-BCC like the ligand (the first residue of each name, as for the ligand); charge_method: 'bcc' (AM1-BCC)
    or 'gas' (Gasteiger: seconds instead of minutes for a large molecule, for tests only).
    Returns a :class:`ProteinLigandComplex`. Raises LigandError for a missing file, an unknown or absent ligand or
    receptor-molecule residue, a SMILES that does not match the structure, or a missing GAFF parameter.
    """
    if not os.path.isfile(pdb_file):
        raise LigandError(f"PDB file not found: {pdb_file}")
    if smiles is None:
        if ligand_residue not in KNOWN_LIGANDS:
            raise LigandError(
                f"unknown ligand residue '{ligand_residue}': pass its SMILES "
                f"(known without one: {', '.join(KNOWN_LIGANDS)})"
            )
        smiles = KNOWN_LIGANDS[ligand_residue][1]
    name = KNOWN_LIGANDS.get(ligand_residue, (ligand_residue,))[0]
    receptor_molecules = dict(receptor_molecules or {})
    if ligand_residue in receptor_molecules:
        raise LigandError(f"residue '{ligand_residue}' is the ligand; it cannot also be a receptor molecule")
    log = print if verbose else (lambda *a, **k: None)
    folder = None
    if cache_dir is not False:
        key = _cache_key(
            pdb_file, ligand_residue, smiles, padding, ionic_strength, minimize, receptor_molecules, charge_method
        )
        folder = os.path.join(cache_dir or default_cache_dir(), f"{os.path.basename(pdb_file)}-{ligand_residue}-{key}")
        if os.path.isfile(os.path.join(folder, "complete")):
            log(f"loading the built complex from {folder}")
            return _load_complex(folder)

    started = time.perf_counter()
    log(f"ligand parameters: GAFF2 types and {CHARGE_METHODS[charge_method]} charges from AmberTools")
    molecule, template = small_molecule(pdb_file, ligand_residue, smiles, "ligand", charge_method, cache_dir, log)
    for note in template.substitutions:
        log(f"parmchk2: {note}")
    receptor_templates = []
    for residue, residue_smiles in receptor_molecules.items():
        log(f"receptor molecule {residue}: GAFF2 types and {CHARGE_METHODS[charge_method]} charges from AmberTools")
        receptor_templates.append(
            small_molecule(pdb_file, residue, residue_smiles, "receptor molecule", charge_method, cache_dir, log)
        )

    log(f"fixing {os.path.basename(pdb_file)} with PDBFixer (missing atoms, hydrogens at pH 7)")
    random.seed(PLACEMENT_SEED)
    modeller = _fixed_protein(pdb_file, platform)
    for other, other_template in receptor_templates:
        modeller.add(*ligand_topology(other, other_template))
    modeller.add(*ligand_topology(molecule, template))
    forcefield = app.ForceField(
        "amber14-all.xml",
        "amber14/tip3p.xml",
        template.forcefield_file(),
        *(t.forcefield_file() for _, t in receptor_templates),
    )
    log(f"solvating: TIP3P, {padding} nm padding, {ionic_strength} M NaCl")
    modeller.addSolvent(
        forcefield,
        model="tip3p",
        padding=padding * unit.nanometer,
        ionicStrength=ionic_strength * unit.molar,
        neutralize=True,
    )
    system = forcefield.createSystem(
        modeller.topology,
        nonbondedMethod=app.PME,
        nonbondedCutoff=1.0 * unit.nanometer,
        constraints=app.HBonds,
        rigidWater=True,
    )
    ligand_atoms = [a.index for a in modeller.topology.atoms() if a.residue.name == ligand_residue]
    positions = modeller.positions
    if minimize:
        integrator = openmm.VerletIntegrator(0.001)
        context = openmm.Context(system, integrator, *([platform] if platform else []))
        context.setPositions(positions)
        stage = f"minimizing {system.getNumParticles()} atoms ({minimize} iterations at most)"
        expected = "about 2 min for 1HPV's 36k atoms on 2 CPU cores, seconds on a GPU"
        with progress.waiting(stage, expected, progress.log_stream(log)) if verbose else contextlib.nullcontext():
            openmm.LocalEnergyMinimizer.minimize(context, 10.0, int(minimize))
        positions = context.getState(getPositions=True).getPositions()
        del context
    description = {
        "ligand": name,
        "ligand_residue": ligand_residue,
        "smiles": smiles,
        "source": pdb_file,
        "atoms": system.getNumParticles(),
        "ligand_atoms": len(ligand_atoms),
        "ligand_charges": template.charge_method,
        "charge_method": charge_method,
        "ligand_gaff_types": template.atom_types,
        "ligand_force_field": template.force_field,
        "parmchk2_substitutions": template.substitutions,
        "receptor_molecules": {
            t.residue_name: {"smiles": receptor_molecules[t.residue_name], "charges": t.charge_method}
            for _, t in receptor_templates
        },
        "padding_nm": padding,
        "ionic_strength_molar": ionic_strength,
        "minimization_iterations": minimize,
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    result = ProteinLigandComplex(
        system, modeller.topology, positions, ligand_atoms, name, ligand_residue, description, molecule, template
    )
    if folder:
        _save_complex(folder, result, template.xml)
        log(f"built in {description['build_seconds']} s, cached in {folder}")
    return result


def from_system(
    system: openmm.System, topology: app.Topology, positions, ligand_residue: str
) -> "ProteinLigandComplex":
    """Wrap a user's own System and Topology: the ligand is every atom of residues named ``ligand_residue``."""
    if system.getNumParticles() != topology.getNumAtoms():
        raise LigandError(
            f"the System has {system.getNumParticles()} particles, the Topology {topology.getNumAtoms()} atoms"
        )
    ligand_atoms = [a.index for a in topology.atoms() if a.residue.name == ligand_residue]
    if not ligand_atoms:
        names = sorted({r.name for r in topology.residues()})
        raise LigandError(f"no residue named '{ligand_residue}' in the topology (residue names: {', '.join(names)})")
    return ProteinLigandComplex(
        system,
        topology,
        positions,
        ligand_atoms,
        ligand_residue,
        ligand_residue,
        {"ligand_residue": ligand_residue, "atoms": system.getNumParticles()},
    )


def _fixed_protein(pdb_file, platform=None):
    """Protein and crystal waters from PDBFixer: missing heavy atoms and hydrogens (pH 7); no ligand or other small
    molecule (an empty Modeller if there is no protein or water). PDBFixer
    minimizes the hydrogens it adds on ``platform`` (OpenMM's default if None)."""
    from pdbfixer import PDBFixer
    import inspect

    if "platform" in inspect.signature(PDBFixer).parameters:
        fixer = PDBFixer(filename=pdb_file, platform=platform)
    else:  # PDBFixer before 1.10 (Debian's) minimizes on OpenMM's default platform
        fixer = PDBFixer(filename=pdb_file)
    fixer.removeHeterogens(keepWater=True)
    if fixer.topology.getNumAtoms() == 0:  # no protein and no water (a host–guest complex): nothing to fix
        return app.Modeller(app.Topology(), [] * unit.nanometer)
    fixer.findMissingResidues()
    fixer.missingResidues = {}  # do not model missing loops or termini: keep what was resolved
    fixer.findNonstandardResidues()
    fixer.replaceNonstandardResidues()
    fixer.findMissingAtoms()
    fixer.addMissingAtoms()
    fixer.addMissingHydrogens(7.0)
    return app.Modeller(fixer.topology, fixer.positions)


def ligand_topology(molecule, template):
    """An OpenMM Topology and positions (nm) for the ligand (one residue named as the template), atoms named as
    in the template, coordinates from the molecule's conformer."""
    topology = app.Topology()
    residue = topology.addResidue(template.residue_name, topology.addChain("L"))
    atoms = [
        topology.addAtom(name, app.Element.getBySymbol(symbol), residue)
        for name, symbol in zip(template.atom_names, template.elements)
    ]
    for i, j in template.bonds:
        topology.addBond(atoms[i], atoms[j])
    conformer = molecule.GetConformer()
    positions = [openmm.Vec3(*conformer.GetAtomPosition(i)) * 0.1 for i in range(molecule.GetNumAtoms())]
    return topology, positions * unit.nanometer


def _save_complex(folder, result, ligand_xml):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "complex.pdb"), "w") as stream:
        app.PDBFile.writeFile(result.topology, result.positions, stream, keepIds=False)
    with open(os.path.join(folder, "system.xml"), "w") as stream:
        stream.write(openmm.XmlSerializer.serialize(result.system))
    state_system = openmm.System()
    for _ in range(result.system.getNumParticles()):
        state_system.addParticle(1.0)
    state_system.setDefaultPeriodicBoxVectors(*result.system.getDefaultPeriodicBoxVectors())
    context = openmm.Context(
        state_system, openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName("Reference")
    )
    context.setPositions(result.positions)
    with open(os.path.join(folder, "positions.xml"), "w") as stream:
        stream.write(openmm.XmlSerializer.serialize(context.getState(getPositions=True)))
    with open(os.path.join(folder, "ligand.xml"), "w") as stream:
        stream.write(ligand_xml)
    with open(os.path.join(folder, "complex.json"), "w") as stream:
        json.dump(
            {**result.description, "ligand_atom_indices": result.ligand_atoms, "ligand_name": result.ligand_name},
            stream,
            indent=1,
        )
    open(os.path.join(folder, "complete"), "w").close()


def _load_complex(folder):
    with open(os.path.join(folder, "complex.json")) as stream:
        description = json.load(stream)
    pdb = app.PDBFile(os.path.join(folder, "complex.pdb"))
    with open(os.path.join(folder, "system.xml")) as stream:
        system = openmm.XmlSerializer.deserialize(stream.read())
    with open(os.path.join(folder, "positions.xml")) as stream:
        positions = openmm.XmlSerializer.deserialize(stream.read()).getPositions()
    ligand_atoms = description.pop("ligand_atom_indices")
    name = description.pop("ligand_name")
    return ProteinLigandComplex(
        system, pdb.topology, positions, ligand_atoms, name, description["ligand_residue"], description
    )
