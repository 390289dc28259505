# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""The protein–ligand builder (HIV-1 protease + amprenavir from 1HPV) and its GAFF ligand parameters.

The GAFF terms are checked against Open Babel's own GAFF implementation on the same molecule, coordinates and
charges: bonds exactly; angles exactly once the one documented analogue is accounted for; proper torsions
exactly against Open Babel's rule (it keeps only the first term of a multi-term GAFF torsion; the System keeps
all, checked term by term against gaff.dat); Lennard-Jones exactly. Open Babel converts kcal to kJ with the
international-table calorie (4.1868), Amber and OpenMM with the thermochemical one (4.184): its energies are
rescaled by 4.184/4.1868 before the comparison.
"""

import math
import os

import numpy
import openmm
import pytest
from openmm import app, unit

from openmmligand import complexes, gaff, LigandError

OPEN_BABEL_TO_AMBER = 4.184 / 4.1868  # Open Babel's KCAL_TO_KJ (forcefield.h) vs Amber's calorie

pytest.importorskip("rdkit")
pytest.importorskip("openbabel")
pytest.importorskip("pdbfixer")
PDB = os.environ.get(complexes.HIV_PROTEASE_PDB_VARIABLE, "")
pytestmark = pytest.mark.skipif(not os.path.isfile(PDB), reason="$OPENMMLIGAND_1HPV_PDB not set (./run sets it)")


@pytest.fixture(scope="session")
def hiv_complex():
    """The default 1HPV complex, from the cache the test run shares ($OPENMMLIGAND_CACHE, set by ctest)."""
    return complexes.amprenavir_hiv_protease(platform=openmm.Platform.getPlatformByName("CPU"))


@pytest.fixture(scope="session")
def amprenavir():
    """Amprenavir as the builder sees it: molecule, GAFF template, and Open Babel set up with the same charges."""
    from openbabel import openbabel as ob
    from rdkit import Chem

    molecule = complexes.ligand_molecule(PDB, "478", complexes.AMPRENAVIR_SMILES)
    template = gaff.LigandTemplate(molecule, complexes.ligand_atom_names(molecule), "478")
    conversion = ob.OBConversion()
    conversion.SetInFormat("mol")
    obmol = ob.OBMol()
    conversion.ReadString(obmol, Chem.MolToMolBlock(molecule))
    for atom in ob.OBMolAtomIter(obmol):
        atom.SetPartialCharge(template.charges[atom.GetIdx() - 1])
    obmol.SetPartialChargesPerceived()
    forcefield = ob.OBForceField.FindForceField("gaff")
    assert forcefield.Setup(obmol)
    # Open Babel's coordinates (the mol block's 4 decimals, in angstrom) for both sides of every comparison.
    positions = numpy.array([[a.GetX(), a.GetY(), a.GetZ()] for a in ob.OBMolAtomIter(obmol)]) / 10
    return molecule, template, forcefield, positions


def vacuum_energies(template, positions, molecule):
    """Energy of each force of the ligand alone in vacuum (no cutoff), from ForceField.createSystem."""
    topology, _ = complexes._ligand_topology(molecule, template)
    system = app.ForceField(template.forcefield_file()).createSystem(topology, nonbondedMethod=app.NoCutoff)
    for index, force in enumerate(system.getForces()):
        force.setForceGroup(index)
    context = openmm.Context(system, openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName("Reference"))
    context.setPositions(positions)
    energies = {}
    for index, force in enumerate(system.getForces()):
        state = context.getState(getEnergy=True, groups={index})
        energies[force.__class__.__name__] = state.getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)
    return system, energies


def dihedral(x, i, j, k, l):
    b1, b2, b3 = x[j] - x[i], x[k] - x[j], x[l] - x[k]
    n1, n2 = numpy.cross(b1, b2), numpy.cross(b2, b3)
    m1 = numpy.cross(n1, b2 / numpy.linalg.norm(b2))
    return math.atan2(numpy.dot(m1, n2), numpy.dot(n1, n2))


def test_bonds_match_open_babel(amprenavir):
    molecule, template, forcefield, x = amprenavir
    _, energies = vacuum_energies(template, x, molecule)
    assert energies["HarmonicBondForce"] == pytest.approx(forcefield.E_Bond() * OPEN_BABEL_TO_AMBER, rel=1e-9)


def test_angles_match_open_babel_but_for_the_analogue(amprenavir):
    molecule, template, forcefield, x = amprenavir
    _, energies = vacuum_energies(template, x, molecule)
    # GAFF 1.4 lacks ca-s6-n3 (the sulfonamide): we use c3-s6-n3, Open Babel a silent default (0.02 kcal/mol/rad^2,
    # 120 degrees). Account for exactly that angle, every other angle must agree.
    assert template.substitutions == [("angle", "ca-s6-n3", "c3-s6-n3")]
    correction = 0.0
    ours_k, ours_theta = template.parameters.angle("c3", "s6", "n3")
    for i, j, k in template.angles():
        if sorted((template.atom_types[i], template.atom_types[k])) == ["ca", "n3"] and template.atom_types[j] == "s6":
            u, v = x[i] - x[j], x[k] - x[j]
            theta = math.acos(numpy.dot(u, v) / numpy.linalg.norm(u) / numpy.linalg.norm(v))
            correction += ours_k / 2 * (theta - ours_theta) ** 2 - 0.020 * 4.184 * (theta - math.radians(120)) ** 2
    assert correction != 0.0
    assert energies["HarmonicAngleForce"] == pytest.approx(
        forcefield.E_Angle() * OPEN_BABEL_TO_AMBER + correction, rel=1e-9
    )


def test_torsions_match_gaff_and_open_babel(amprenavir):
    molecule, template, forcefield, x = amprenavir
    system, _ = vacuum_energies(template, x, molecule)
    types = template.atom_types
    all_terms = first_terms = 0.0
    for i, j, k, l in template.torsions():
        phi = dihedral(x, i, j, k, l)
        terms = template.parameters.proper(types[i], types[j], types[k], types[l])
        all_terms += sum(kn * (1 + math.cos(n * phi - phase)) for n, phase, kn in terms)
        n, phase, kn = terms[0]
        first_terms += kn * (1 + math.cos(n * phi - phase))
    # Open Babel keeps only the first term of a multi-term GAFF torsion.
    assert first_terms == pytest.approx(forcefield.E_Torsion() * OPEN_BABEL_TO_AMBER, rel=1e-9)
    assert first_terms != pytest.approx(all_terms, rel=1e-3)  # amprenavir has multi-term torsions
    # The System's proper torsions (chains of bonds) carry every term; its impropers are the rest.
    bonded = {frozenset(b) for b in template.bonds}
    torsions = next(f for f in system.getForces() if isinstance(f, openmm.PeriodicTorsionForce))
    proper = 0.0
    impropers = set()
    for index in range(torsions.getNumTorsions()):
        i, j, k, l, n, phase, kn = torsions.getTorsionParameters(index)
        energy = kn.value_in_unit(unit.kilojoule_per_mole) * (
            1 + math.cos(n * dihedral(x, i, j, k, l) - phase.value_in_unit(unit.radian))
        )
        if {frozenset((i, j)), frozenset((j, k)), frozenset((k, l))} <= bonded:
            proper += energy
        else:
            impropers.add(frozenset((i, j, k, l)))
    assert proper == pytest.approx(all_terms, rel=1e-9)
    # Impropers, one per planar centre GAFF lists a term for (OpenMM's ordering="amber" matching, as tleap): the
    # carbamate C (X-X-c-o), N (X-X-n-hn), the nine aromatic C-H (X-X-ca-ha) and the phenyl's ipso C (ca-ca-ca-c3);
    # GAFF 1.4 has none for the ring carbons bonded to S or NH2, nor for the aniline N.
    centres = {
        next(a for a in quartet if sum(frozenset((a, b)) in bonded for b in quartet) == 3) for quartet in impropers
    }
    assert sorted(types[c] for c in centres) == ["c"] + ["ca"] * 10 + ["n"]


def test_lennard_jones_matches_open_babel(amprenavir):
    molecule, template, forcefield, x = amprenavir
    system, _ = vacuum_energies(template, x, molecule)
    group = next(i for i, f in enumerate(system.getForces()) if isinstance(f, openmm.NonbondedForce))
    nonbonded = system.getForce(group)
    for i in range(nonbonded.getNumParticles()):
        _, sigma, epsilon = nonbonded.getParticleParameters(i)
        nonbonded.setParticleParameters(i, 0.0, sigma, epsilon)
    for i in range(nonbonded.getNumExceptions()):
        p1, p2, _, sigma, epsilon = nonbonded.getExceptionParameters(i)
        nonbonded.setExceptionParameters(i, p1, p2, 0.0, sigma, epsilon)
    context = openmm.Context(system, openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName("Reference"))
    context.setPositions(x)
    lj = context.getState(getEnergy=True, groups={group}).getPotentialEnergy()
    assert lj.value_in_unit(unit.kilojoule_per_mole) == pytest.approx(
        forcefield.E_VDW() * OPEN_BABEL_TO_AMBER, rel=1e-9
    )


def test_ligand_charges_are_neutral_mmff94(amprenavir):
    molecule, template, _, _ = amprenavir
    assert template.charge_method == "MMFF94 (RDKit)"
    assert sum(template.charges) == pytest.approx(0.0, abs=1e-12)
    assert len(template.charges) == molecule.GetNumAtoms() == 70


def test_strict_mode_names_the_missing_parameter(amprenavir):
    molecule, template, _, _ = amprenavir
    with pytest.raises(LigandError, match="ca-s6-n3"):
        gaff.LigandTemplate(molecule, template.atom_names, "478", allow_analogues=False)


def test_missing_lennard_jones_is_an_error():
    parameters = gaff.GaffParameters()
    with pytest.raises(LigandError, match="Lennard-Jones parameter for atom type zz"):
        parameters.sigma_epsilon("zz")
    assert parameters.proper("zz", "c3", "c3", "zz") == parameters.proper("X", "c3", "c3", "X")  # the generic
    with pytest.raises(LigandError, match="torsion parameter for atom types zz-zz-zz-zz"):
        parameters.proper("zz", "zz", "zz", "zz")
    with pytest.raises(LigandError, match="bond parameter for atom types zz-c3"):
        parameters.bond("zz", "c3")


def test_complex_is_built_and_neutral(hiv_complex):
    system, topology = hiv_complex.system, hiv_complex.topology
    # 39,895 atoms with OpenMM 7.7, 34,940 with 8.6: OpenMM 8's Modeller.addSolvent sizes the padded box differently.
    assert 30000 <= system.getNumParticles() <= 45000
    assert system.getNumParticles() == topology.getNumAtoms() == len(hiv_complex.positions)
    assert len(hiv_complex.ligand_atoms) == 70
    atoms = list(topology.atoms())
    assert {atoms[i].residue.name for i in hiv_complex.ligand_atoms} == {"478"}
    residues = list(topology.residues())
    assert sum(r.name not in ("HOH", "NA", "CL", "478") for r in residues) == 198  # the protease dimer
    assert any(r.name == "NA" for r in residues) and any(r.name == "CL" for r in residues)
    nonbonded = next(f for f in system.getForces() if isinstance(f, openmm.NonbondedForce))
    charge = sum(
        nonbonded.getParticleParameters(i)[0].value_in_unit(unit.elementary_charge)
        for i in range(system.getNumParticles())
    )
    assert charge == pytest.approx(0.0, abs=1e-6)
    assert nonbonded.getNonbondedMethod() == openmm.NonbondedForce.PME


def test_ligand_is_parameterized_in_the_complex(hiv_complex, amprenavir):
    _, template, _, _ = amprenavir
    system, ligand = hiv_complex.system, hiv_complex.ligand_atoms
    nonbonded = next(f for f in system.getForces() if isinstance(f, openmm.NonbondedForce))
    charges = [nonbonded.getParticleParameters(i)[0].value_in_unit(unit.elementary_charge) for i in ligand]
    assert charges == pytest.approx(template.charges, abs=1e-12)
    in_ligand = set(ligand)
    bonds = next(f for f in system.getForces() if isinstance(f, openmm.HarmonicBondForce))
    ligand_bonds = sum(1 for b in range(bonds.getNumBonds()) if bonds.getBondParameters(b)[0] in in_ligand)
    constraints = sum(1 for c in range(system.getNumConstraints()) if system.getConstraintParameters(c)[0] in in_ligand)
    assert ligand_bonds + constraints == len(template.bonds) == 72  # HBonds: X-H bonds are constraints
    angles = next(f for f in system.getForces() if isinstance(f, openmm.HarmonicAngleForce))
    assert sum(1 for a in range(angles.getNumAngles()) if angles.getAngleParameters(a)[0] in in_ligand) == len(
        template.angles()
    )


def test_energy_after_minimization_is_finite(hiv_complex):
    context = openmm.Context(
        hiv_complex.system, openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName("CPU")
    )
    context.setPositions(hiv_complex.positions)
    state = context.getState(getEnergy=True, getForces=True)
    energy = state.getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)
    forces = state.getForces(asNumpy=True).value_in_unit(unit.kilojoule_per_mole / unit.nanometer)
    assert math.isfinite(energy) and energy < -4e5
    # A clash would leave forces of 1e5 and more. 250 iterations of OpenMM 7.7's L-BFGS left < 1e4; OpenMM 8.6's
    # leave up to 1.6e4 kJ/mol/nm (on an amprenavir carbon), which 100 more iterations take below 2.5e3.
    assert numpy.isfinite(forces).all() and numpy.abs(forces).max() < 3e4


def test_second_build_comes_from_the_cache(hiv_complex, capsys):
    again = complexes.amprenavir_hiv_protease()
    assert "loading the built complex" in capsys.readouterr().out
    assert again.system.getNumParticles() == hiv_complex.system.getNumParticles()
    assert again.ligand_atoms == hiv_complex.ligand_atoms


def test_from_system_finds_the_ligand(hiv_complex):
    wrapped = complexes.from_system(hiv_complex.system, hiv_complex.topology, hiv_complex.positions, "478")
    assert wrapped.ligand_atoms == hiv_complex.ligand_atoms
    with pytest.raises(LigandError, match="no residue named 'XYZ'"):
        complexes.from_system(hiv_complex.system, hiv_complex.topology, hiv_complex.positions, "XYZ")


def test_bad_input_is_named(tmp_path):
    with pytest.raises(LigandError, match="PDB file not found"):
        complexes.build_complex(str(tmp_path / "missing.pdb"), "478")
    with pytest.raises(LigandError, match="unknown ligand residue 'ABC'"):
        complexes.build_complex(PDB, "ABC")
    with pytest.raises(LigandError, match="ligand residue 'ABC' not found .*478"):
        complexes.build_complex(PDB, "ABC", smiles="CCO", cache_dir=False)
    with pytest.raises(LigandError, match="SMILES does not match .* heavy atoms"):
        complexes.build_complex(PDB, "478", smiles="CCO", cache_dir=False)
    # Right atoms, wrong stereochemistry (the hydroxyl carbon inverted).
    inverted = complexes.AMPRENAVIR_SMILES.replace("C[C@H]([C@H]", "C[C@@H]([C@H]", 1)
    assert inverted != complexes.AMPRENAVIR_SMILES
    with pytest.raises(LigandError, match="stereochemistry"):
        complexes.build_complex(PDB, "478", smiles=inverted, cache_dir=False)
    # Same heavy-atom count, different bonds.
    with pytest.raises(LigandError, match="SMILES does not match"):
        complexes.build_complex(PDB, "478", smiles="C" * 35, cache_dir=False)
    with pytest.raises(LigandError, match="cannot be parsed"):
        complexes.build_complex(PDB, "478", smiles="C1CC(", cache_dir=False)


def test_the_1hpv_file_is_an_argument_or_a_documented_variable(monkeypatch):
    """No path is baked in: without the argument and the variable, the error says where to get the file."""
    monkeypatch.delenv(complexes.HIV_PROTEASE_PDB_VARIABLE, raising=False)
    with pytest.raises(LigandError, match="OPENMMLIGAND_1HPV_PDB"):
        complexes.amprenavir_hiv_protease()
    with pytest.raises(LigandError, match="does not exist"):
        complexes.amprenavir_hiv_protease("/nonexistent/1hpv.pdb")
