# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""The protein–ligand builder (HIV-1 protease + amprenavir from 1HPV) and its GAFF2 / AM1-BCC ligand parameters.

The ligand's parameters are checked against tleap's prmtop of the same molecule (helpers/amber_reference.py):
every force's energy of amprenavir alone, at its crystal coordinates.
"""

import math
import os

import numpy
import openmm
import pytest
from openmm import unit

from openmmligand import complexes, gaff, ligands, LigandError

from helpers.amber_reference import assert_equal_to_tleap

pytest.importorskip("rdkit")
pytest.importorskip("pdbfixer")
PDB = os.environ.get(complexes.HIV_PROTEASE_PDB_VARIABLE, "")
pytestmark = pytest.mark.skipif(not os.path.isfile(PDB), reason="$OPENMMLIGAND_1HPV_PDB not set (./run sets it)")


@pytest.fixture(scope="session")
def hiv_complex():
    """The default 1HPV complex, from the cache the test run shares ($OPENMMLIGAND_CACHE, set by ctest)."""
    return complexes.amprenavir_hiv_protease(platform=openmm.Platform.getPlatformByName("CPU"))


@pytest.fixture(scope="session")
def amprenavir():
    """Amprenavir as the builder sees it: the molecule, its GAFF2 template and its coordinates (nm)."""
    molecule = ligands.ligand_molecule(PDB, "478", complexes.AMPRENAVIR_SMILES)
    template = gaff.LigandTemplate(molecule, ligands.atom_names(molecule), "478")
    conformer = molecule.GetConformer()
    positions = numpy.array([list(conformer.GetAtomPosition(i)) for i in range(molecule.GetNumAtoms())]) / 10
    return molecule, template, positions


def test_ligand_energies_equal_tleaps(amprenavir):
    molecule, template, positions = amprenavir
    assert_equal_to_tleap(molecule, template, positions)
    assert template.force_field == "gaff2"
    assert {"ca", "c5", "os", "sy", "ns"} <= set(template.atom_types)


def test_ligand_charges_are_am1bcc_and_neutral(amprenavir):
    molecule, template, _ = amprenavir
    assert template.charge_method.startswith("AM1-BCC")
    assert sum(template.charges) == pytest.approx(0.0, abs=1e-12)
    assert len(template.charges) == molecule.GetNumAtoms() == 70


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
    _, template, _ = amprenavir
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
    # The ligand's template travels with the complex: prepared again for one loaded from the cache, the same.
    assert again.ligand_template is None
    molecule, template = again.ligand_parameters()
    assert molecule.GetNumAtoms() == len(again.ligand_atoms)
    assert template.atom_types == hiv_complex.ligand_parameters()[1].atom_types
    assert template.charges == hiv_complex.ligand_parameters()[1].charges
    assert again.ligand_parameters()[1] is template  # once


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


@pytest.fixture(scope="session")
def binding_legs(hiv_complex, tmp_path_factory):
    """The abfe legs of 1HPV/amprenavir with anchors selected from a short equilibration (CPU)."""
    from openmmligand.fep import binding

    folder = tmp_path_factory.mktemp("abfe") / "systems"
    cpu = openmm.Platform.getPlatformByName("CPU")
    return binding.binding_systems(PDB, "478", str(folder), quick=True, platform=cpu, anchor_sampling=(5, 20))


def test_binding_anchors_are_backbone_and_ligand_heavy_atoms(hiv_complex, binding_legs):
    from openmmligand.fep import restraints

    legs, description, restraint = binding_legs
    atoms = list(hiv_complex.topology.atoms())
    assert all(atoms[i].name in ("N", "CA", "C") and atoms[i].residue.name != "478" for i in restraint.protein_atoms)
    assert all(i in hiv_complex.ligand_atoms and atoms[i].element.symbol != "H" for i in restraint.ligand_atoms)
    limit = math.sqrt(2 * 10 * restraints.kt_kj(298.15) / restraint.k_theta_a)
    assert limit < restraint.theta_a0 < math.pi - limit and limit < restraint.theta_b0 < math.pi - limit
    correction = restraint.standard_state_correction(298.15)
    assert -15 < correction["dG_kcal"] < -3
    assert description["anchors"] == list(restraint.protein_atoms) + list(restraint.ligand_atoms)
    solvent, _, _ = legs["solvent"].load()
    assert len(legs["solvent"].ligand_atoms) == 70 and solvent.getNumParticles() < 10000


def test_complex_leg_at_its_first_state_is_the_plain_complex(hiv_complex, binding_legs):
    """Decoupled, restraint off (lambda_restraints 0) and fully coupled: the complex leg's System must give the
    built complex's energy; with the restraint on, exactly the restraint's energy more."""
    import openmmligand

    legs, _, restraint = binding_legs
    system, positions, _ = legs["complex"].load()
    decoupled = openmmligand.decouple(system, legs["complex"].ligand_atoms)
    cpu = openmm.Platform.getPlatformByName("CPU")
    energies = []
    for candidate in (hiv_complex.system, decoupled):
        context = openmm.Context(candidate, openmm.VerletIntegrator(0.001), cpu)
        context.setPositions(positions)
        if candidate is decoupled:
            context.setParameter("lambda_restraints", 0.0)
        energies.append(context.getState(getEnergy=True).getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole))
    assert energies[1] == pytest.approx(energies[0], rel=2e-6)
    context.setParameter("lambda_restraints", 1.0)
    restrained = context.getState(getEnergy=True).getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)
    x = numpy.array(positions.value_in_unit(unit.nanometer))
    assert restrained - energies[1] == pytest.approx(restraint.energy(x), rel=1e-4, abs=1e-3)


def test_binding_bad_input_is_named(hiv_complex, tmp_path):
    from openmmligand.fep import binding

    with pytest.raises(LigandError, match="anchors must be six particle indices"):
        binding.binding_systems(PDB, "478", str(tmp_path / "a"), anchors=[1, 2, 3])
    with pytest.raises(LigandError, match="P1 P2 P3 must be environment atoms"):
        ligand = hiv_complex.ligand_atoms
        binding.binding_systems(
            PDB, "478", str(tmp_path / "b"), anchors=[ligand[0], 1, 2, ligand[1], ligand[2], ligand[3]]
        )
    with pytest.raises(LigandError, match="PDB file not found"):
        binding.binding_free_energy(str(tmp_path / "missing.pdb"), "478", str(tmp_path / "c"))
    with pytest.raises(LigandError, match="ligand residue 'XYZ' not found"):
        binding.binding_free_energy(PDB, "XYZ", str(tmp_path / "d"), smiles="CCO", serial=True)
