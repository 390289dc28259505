# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""GAFF parameters for a small molecule, as an OpenMM ForceField template, from what Debian ships.

openmmforcefields and AmberTools (antechamber) are not installable from Debian, but Open Babel is, and it ships
GAFF 1.4 itself: the atom-typing rules (``gaff.prm``, used through Open Babel's ``gaff`` force field) and the
Amber parameter file (``gaff.dat``). This module types a molecule with Open Babel, reads ``gaff.dat`` with the
rules tleap applies (exact torsion before the ``X-b-c-X`` generic, every term of a multi-term torsion, impropers
matched by OpenMM's own ``ordering="amber"`` logic), and writes a ForceField XML whose residue template lets
``ForceField.createSystem`` parameterize the molecule beside Amber14 protein and water.

Partial charges are MMFF94 charges from RDKit: AM1-BCC (GAFF's own charge model) needs AM1, which nothing in
Debian provides. MMFF94 charges are bond-charge-increment charges fitted to reproduce ab initio electrostatics,
conformation-independent and deterministic — the closest stand-in available here. For production, bring your
own ligand parameters (openmmforcefields' GAFF/SMIRNOFF generators with AM1-BCC): the plugin works on any System.

Open Babel assigns silent defaults for missing bonds or angles; this module does not. A bond, angle or torsion
GAFF lacks is taken, as AmberTools' parmchk does, from the closest analogue: one atom type replaced by a
chemically similar one from :data:`ANALOGUES` (first position first, the list's order within it). Every such
substitution is recorded in ``LigandTemplate.substitutions`` and reported; ``allow_analogues=False`` makes any
missing parameter an error. A term with no analogue either, or a Lennard-Jones type GAFF lacks, raises
:class:`LigandError` naming the GAFF atom types.
"""

import math
import os
from xml.sax.saxutils import quoteattr

from .errors import LigandError

KCAL_TO_KJ = 4.184
# Amber's 1-4 scaling; must equal what amber14-all.xml declares so the files combine in one ForceField.
COULOMB14_SCALE = 0.8333333333333334
LJ14_SCALE = 0.5
CLASS_PREFIX = "gaff-"

# Analogue atom types for a parameter GAFF lacks, most similar first (same element and, first, the same
# hybridization), in the spirit of parmchk's correspondence table.
ANALOGUES = {
    "ca": ["cp", "cq", "cc", "cd", "c2", "ce", "cf", "c3"],
    "c3": ["cx", "cy", "c2", "ca"],
    "c": ["c2", "ca"],
    "c2": ["ce", "cf", "cc", "cd", "ca", "c"],
    "n": ["nh", "na", "n3"],
    "n3": ["nh", "n", "na", "n4"],
    "nh": ["n", "na", "n3"],
    "na": ["nh", "n", "n3"],
    "o": ["os"],
    "oh": ["os"],
    "os": ["oh"],
    "s6": ["s4"],
    "s4": ["s6"],
    "h1": ["hc", "h2"],
    "h2": ["h1", "hc"],
    "hc": ["h1"],
    "ha": ["h4", "hc"],
    "hn": ["ho"],
    "ho": ["hn"],
}


def find_gaff_dat():
    """Path of Open Babel's gaff.dat: $BABEL_DATADIR, the data the pip wheel (openbabel-wheel) carries
    (<package>/share/openbabel/<version>), or Debian's /usr/share/openbabel/<version>."""
    import openbabel
    from openbabel import openbabel as ob

    version = ob.OBReleaseVersion()
    root = "/usr/share/openbabel"
    candidates = [
        os.environ.get("BABEL_DATADIR", ""),
        os.path.join(os.path.dirname(openbabel.__file__), "share", "openbabel", version),
        os.path.join(root, version),
    ]
    if os.path.isdir(root):
        candidates += [os.path.join(root, d) for d in sorted(os.listdir(root), reverse=True)]
    for folder in candidates:
        path = os.path.join(folder, "gaff.dat")
        if folder and os.path.isfile(path):
            return path
    raise LigandError(
        "Open Babel's gaff.dat was not found (pip install openbabel-wheel, or Debian's "
        "python3-openbabel, or set BABEL_DATADIR)"
    )


def _types(field, count):
    """Atom types of a fixed-width Amber key such as 'c3-c3-n -c ' (two characters per type)."""
    return tuple(field[3 * i : 3 * i + 2].strip() for i in range(count))


class GaffParameters:
    """The parameters of an Amber-format GAFF file (``gaff.dat``), looked up the way tleap does.

    Units are converted to OpenMM's: nm, radians, kJ/mol. Every lookup raises :class:`LigandError` naming the
    atom types when GAFF has no parameter for them.
    """

    def __init__(self, path=None):
        self.path = path or find_gaff_dat()
        self.masses, self.bonds, self.angles = {}, {}, {}
        self.propers, self.impropers, self.lennard_jones = {}, {}, {}
        self._parse()

    def _parse(self):
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
            fields = line[5:].split()
            self.bonds[_types(line, 2)] = (2 * float(fields[0]) * KCAL_TO_KJ * 100, float(fields[1]) / 10)
        for line in angles:
            fields = line[8:].split()
            self.angles[_types(line, 3)] = (2 * float(fields[0]) * KCAL_TO_KJ, math.radians(float(fields[1])))
        previous_continues = False
        for line in torsions:
            key = _types(line, 4)
            fields = line[11:].split()
            divider, barrier, phase, periodicity = int(fields[0]), float(fields[1]), float(fields[2]), float(fields[3])
            term = (int(round(abs(periodicity))), math.radians(phase), barrier / divider * KCAL_TO_KJ)
            # A negative periodicity means more terms of the same torsion follow (Amber's convention).
            if previous_continues and key in self.propers:
                self.propers[key].append(term)
            else:
                self.propers[key] = [term]
            previous_continues = periodicity < 0
        for line in impropers:
            fields = line[11:].split()
            self.impropers[_types(line, 4)] = (
                int(round(abs(float(fields[2])))),
                math.radians(float(fields[1])),
                float(fields[0]) * KCAL_TO_KJ,
            )
        start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["MOD4", "RE"])
        for line in lines[start + 1 :]:
            if line.strip() in ("", "END"):
                break
            fields = line.split()
            radius, epsilon = float(fields[1]), float(fields[2])
            # Amber gives R*, half the distance of the LJ minimum: sigma = 2 R* / 2^(1/6).
            self.lennard_jones[fields[0]] = (2 * radius / 2 ** (1 / 6) / 10, epsilon * KCAL_TO_KJ)

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
        """Terms (periodicity, phase in rad, k in kJ/mol) of the torsion a-b-c-d: the exact entry if GAFF has
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


def gaff_atom_types(molecule):
    """GAFF atom types of an RDKit molecule (explicit hydrogens, one conformer), assigned by Open Babel's GAFF
    typing rules (gaff.prm), in atom order."""
    from openbabel import openbabel as ob
    from rdkit import Chem

    conversion = ob.OBConversion()
    conversion.SetInFormat("mol")
    obmol = ob.OBMol()
    if not conversion.ReadString(obmol, Chem.MolToMolBlock(molecule)) or obmol.NumAtoms() != molecule.GetNumAtoms():
        raise LigandError("Open Babel could not read the ligand")
    forcefield = ob.OBForceField.FindForceField("gaff")
    if forcefield is None or not forcefield.Setup(obmol):
        raise LigandError("Open Babel's GAFF force field could not be set up for the ligand")
    forcefield.GetAtomTypes(obmol)
    types = []
    for atom in ob.OBMolAtomIter(obmol):
        data = atom.GetData("FFAtomType")
        if data is None:
            raise LigandError(f"Open Babel gave no GAFF type to ligand atom {atom.GetIdx() - 1}")
        types.append(data.GetValue())
    return types


def mmff94_charges(molecule):
    """MMFF94 partial charges (elementary charges) of an RDKit molecule with explicit hydrogens."""
    from rdkit.Chem import AllChem

    properties = AllChem.MMFFGetMoleculeProperties(molecule)
    if properties is None:
        raise LigandError("RDKit has no MMFF94 parameters for the ligand, so no MMFF94 charges")
    charges = [properties.GetMMFFPartialCharge(i) for i in range(molecule.GetNumAtoms())]
    # MMFF charges sum to the formal charge up to rounding of the bond increments; remove that residue evenly.
    excess = (sum(charges) - sum(a.GetFormalCharge() for a in molecule.GetAtoms())) / len(charges)
    return [q - excess for q in charges]


class LigandTemplate:
    """A GAFF-typed ligand: its OpenMM ForceField XML, its atoms (names, types, charges) and the parameters used.

    Attributes: ``residue_name``, ``atom_names``, ``atom_types`` (GAFF), ``charges`` (e), ``bonds`` (pairs of atom
    indices), ``xml`` (ForceField XML text), ``charge_method``.
    """

    def __init__(self, molecule, atom_names, residue_name, charges=None, parameters=None, allow_analogues=True):
        """Type ``molecule`` (RDKit, explicit hydrogens, a conformer) with GAFF and build its template.

        ``atom_names`` are unique names in atom order; ``charges`` (e) default to MMFF94 charges. A bonded term
        GAFF lacks comes from an analogue (recorded in ``substitutions``) unless ``allow_analogues`` is False.
        Raises LigandError naming the atom types of any parameter that cannot be found.
        """
        self.parameters = parameters or GaffParameters()
        self.allow_analogues = allow_analogues
        self.substitutions = []  # (term kind, GAFF types missing, types whose parameters were used)
        self.residue_name = residue_name
        self.atom_names = list(atom_names)
        if len(set(self.atom_names)) != len(self.atom_names) or len(self.atom_names) != molecule.GetNumAtoms():
            raise LigandError("ligand atom names must be unique, one per atom")
        self.atom_types = gaff_atom_types(molecule)
        self.charge_method = "MMFF94 (RDKit)" if charges is None else "user supplied"
        self.charges = list(charges) if charges is not None else mmff94_charges(molecule)
        self.elements = [atom.GetSymbol() for atom in molecule.GetAtoms()]
        self.bonds = [(b.GetBeginAtomIdx(), b.GetEndAtomIdx()) for b in molecule.GetBonds()]
        self.xml = self._write_xml()

    def _lookup(self, kind, key):
        """Parameters of a bonded term; for a term GAFF lacks, those of the first analogue (recorded)."""
        lookup = getattr(self.parameters, kind)
        try:
            return lookup(*key)
        except LigandError as missing:
            if not self.allow_analogues:
                raise
            for position, atom_type in enumerate(key):
                for analogue in ANALOGUES.get(atom_type, []):
                    candidate = key[:position] + (analogue,) + key[position + 1 :]
                    try:
                        found = lookup(*candidate)
                    except LigandError:
                        continue
                    self.substitutions.append((kind, "-".join(key), "-".join(candidate)))
                    return found
            raise LigandError(f"{missing} and no analogue of these types has one either") from None

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
            k, length = self._lookup("bond", key)
            out.append(f'  <Bond class1="{cls(key[0])}" class2="{cls(key[1])}" length="{length!r}" k="{k!r}"/>')
        out += [" </HarmonicBondForce>", " <HarmonicAngleForce>"]
        for key in sorted({min((t[i], t[j], t[k]), (t[k], t[j], t[i])) for i, j, k in self.angles()}):
            k, angle = self._lookup("angle", key)
            out.append(
                f'  <Angle class1="{cls(key[0])}" class2="{cls(key[1])}" class3="{cls(key[2])}" '
                f'angle="{angle!r}" k="{k!r}"/>'
            )
        out += [" </HarmonicAngleForce>", ' <PeriodicTorsionForce ordering="amber">']
        # Propers keyed by the molecule's exact type quadruples, terms resolved by tleap's rule above, so
        # OpenMM's matching has no wildcard choice left to make.
        for key in sorted({min((t[i], t[j], t[k], t[l]), (t[l], t[k], t[j], t[i])) for i, j, k, l in self.torsions()}):
            terms = self._lookup("proper", key)
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
