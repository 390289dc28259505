# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Ligand preparation, one step after the other: a molecule (from its SMILES, or from a PDB residue with its SMILES
for the bond orders), its atom names (one rule), its GAFF template (:class:`openmmligand.gaff.LigandTemplate`:
AmberTools' types and charges). :mod:`openmmligand.complexes` and :mod:`openmmligand.fep` prepare every ligand here."""

from typing import List

from .errors import LigandError
from .gaff import LigandTemplate


def molecule_from_smiles(smiles: str, seed: int = 42):
    """An RDKit molecule with hydrogens and one 3D conformer (ETKDG, then MMFF94 geometry) from a SMILES;
    deterministic for a given ``seed``. Raises LigandError if the SMILES cannot be parsed or embedded."""
    from rdkit import Chem, RDLogger
    from rdkit.Chem import AllChem

    RDLogger.DisableLog("rdApp.*")
    molecule = Chem.MolFromSmiles(smiles) if isinstance(smiles, str) and smiles else None
    if molecule is None:
        raise LigandError(f"the SMILES cannot be parsed: {smiles!r}")
    molecule = Chem.AddHs(molecule)
    parameters = AllChem.ETKDGv3()
    parameters.randomSeed = seed
    if AllChem.EmbedMolecule(molecule, parameters) != 0:
        raise LigandError(f"RDKit could not make 3D coordinates for {smiles!r}")
    if AllChem.MMFFHasAllMoleculeParams(molecule):
        AllChem.MMFFOptimizeMolecule(molecule, maxIters=500)
    return molecule


def ligand_lines(pdb_file, residue_name):
    """The PDB ATOM/HETATM records of the first residue named ``residue_name`` (chain and number as found; the
    first model and the first alternate location)."""
    records, residue_id = [], None
    with open(pdb_file) as stream:
        for line in stream:
            if line.startswith("ENDMDL"):
                break
            # First model, first alternate location only.
            if line.startswith(("ATOM  ", "HETATM")) and line[17:20].strip() == residue_name and line[16] in " A1":
                this = line[21:27]
                if residue_id is None:
                    residue_id = this
                if this == residue_id:
                    records.append(line)
    return records


def residue_names_in(pdb_file):
    """The residue names of a PDB file's HETATM records, for error messages."""
    with open(pdb_file) as stream:
        return sorted({line[17:20].strip() for line in stream if line.startswith("HETATM")})


def ligand_molecule(pdb_file, residue_name, smiles, role="ligand"):
    """The ligand (or another small molecule: ``role`` names it in errors, e.g. 'receptor molecule') as an RDKit
    molecule: heavy atoms and coordinates from the PDB, bond orders and stereo from ``smiles``, hydrogens added with
    coordinates. Raises LigandError if it is not there or does not match."""
    from rdkit import Chem, RDLogger
    from rdkit.Chem import AllChem

    RDLogger.DisableLog("rdApp.*")
    records = ligand_lines(pdb_file, residue_name)
    if not records:
        raise LigandError(
            f"{role} residue '{residue_name}' not found in {pdb_file} "
            f"(HETATM residues there: {', '.join(residue_names_in(pdb_file)) or 'none'})"
        )
    structure = Chem.MolFromPDBBlock(
        "".join(r for r in records if r[76:78].strip() != "H") + "END\n", removeHs=True, proximityBonding=True
    )
    template = Chem.MolFromSmiles(smiles) if smiles else None
    if template is None:
        raise LigandError(f"the SMILES for {role} '{residue_name}' cannot be parsed: {smiles!r}")
    if structure is None:
        raise LigandError(f"RDKit could not read {role} residue '{residue_name}' from {pdb_file}")
    if structure.GetNumAtoms() != template.GetNumAtoms():
        raise LigandError(
            f"the SMILES does not match residue '{residue_name}': the structure has "
            f"{structure.GetNumAtoms()} heavy atoms, the SMILES {template.GetNumAtoms()}"
        )
    try:
        molecule = AllChem.AssignBondOrdersFromTemplate(template, structure)
    except ValueError as error:
        raise LigandError(f"the SMILES does not match the bonds of residue '{residue_name}' ({error})") from None
    Chem.AssignStereochemistryFrom3D(molecule)
    if Chem.MolToSmiles(molecule) != Chem.MolToSmiles(template):
        raise LigandError(
            f"the SMILES does not match the structure of residue '{residue_name}': the "
            f"coordinates give {Chem.MolToSmiles(molecule)}, the SMILES {Chem.MolToSmiles(template)} "
            f"(stereochemistry or charge state differ)"
        )
    return Chem.AddHs(molecule, addCoords=True)


def atom_names(molecule) -> List[str]:
    """Unique atom names, one rule for every ligand: a heavy atom read from a PDB keeps its PDB name; every other
    atom (added hydrogens, a molecule from SMILES) gets its element and a count per element (C1, C2, O1, H1, ...),
    skipping names already taken."""
    names, used, counts = [], set(), {}
    for atom in molecule.GetAtoms():
        info = atom.GetPDBResidueInfo()
        name = info.GetName().strip() if info is not None and atom.GetAtomicNum() != 1 else None
        symbol = atom.GetSymbol().upper()
        while not name or name in used:
            counts[symbol] = counts.get(symbol, 0) + 1
            name = f"{symbol}{counts[symbol]}"
        used.add(name)
        names.append(name)
    return names


def small_molecule(pdb_file, residue_name, smiles, role="ligand", charge_method="bcc", cache_dir=None, log=None):
    """A small molecule of the PDB (the ligand, or a receptor molecule: ``role`` names it in errors) and its GAFF2
    template: (RDKit molecule from :func:`ligand_molecule`, :class:`openmmligand.gaff.LigandTemplate` with
    ``charge_method`` charges, cached in ``cache_dir`` as :func:`openmmligand.gaff.run_antechamber` does; ``log``
    is told where they came from, and shown the elapsed time while antechamber runs)."""
    molecule = ligand_molecule(pdb_file, residue_name, smiles, role)
    template = LigandTemplate(
        molecule, atom_names(molecule), residue_name, charge_method=charge_method, cache_dir=cache_dir, log=log
    )
    return molecule, template
