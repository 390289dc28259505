# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""A host–guest complex (cucurbit[7]uril + B2, examples/data/cb7_b2.pdb): no protein; the host is a receptor molecule
parameterized like the ligand.

The checks are independent of the builder's assembly: every bonded term of the complex equals the host's and the
guest's own Systems built each from its own template alone, the host's charges are its template's, and the Boresch
anchors are host and guest heavy atoms. Gasteiger charges keep the build to seconds (AM1-BCC for the 126-atom host
takes sqm ~10 minutes); the charge model does not enter what is checked.
"""

import math
import os

import numpy
import openmm
import pytest
from openmm import app, unit

from openmmligand import LigandError, complexes, ligands

pytest.importorskip("rdkit")
pytest.importorskip("pdbfixer")

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "data")
PDB = os.path.join(DATA, "cb7_b2.pdb")
with open(os.path.join(DATA, "cb7_b2.smiles")) as _stream:
    SMILES = dict(line.split() for line in _stream if line.strip())
HOST = {"CUC": SMILES["CUC"]}
BONDED = (openmm.HarmonicBondForce, openmm.HarmonicAngleForce, openmm.PeriodicTorsionForce)


@pytest.fixture(scope="module")
def host_guest(tmp_path_factory):
    cpu = openmm.Platform.getPlatformByName("CPU")
    return complexes.build_complex(
        PDB,
        "B2",
        SMILES["B2"],
        receptor_molecules=HOST,
        charge_method="gas",
        cache_dir=False,
        minimize=50,
        platform=cpu,
    )


def _bonded_energies(system, positions):
    """kJ/mol of each bonded force class, summed over the System's forces of that class (Reference platform)."""
    system = openmm.XmlSerializer.deserialize(openmm.XmlSerializer.serialize(system))
    for force in system.getForces():
        force.setForceGroup(next((i for i, kind in enumerate(BONDED) if isinstance(force, kind)), len(BONDED)))
    context = openmm.Context(system, openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName("Reference"))
    context.setPositions(positions)
    return [
        context.getState(getEnergy=True, groups={i}).getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)
        for i in range(len(BONDED))
    ]


def _molecule_alone(residue, charge_method="gas"):
    """One molecule from its own template only: (System without cutoff, X-H bonds constrained as in the complex,
    its template)."""
    molecule, template = ligands.small_molecule(
        PDB, residue, SMILES[residue], charge_method=charge_method, cache_dir=False
    )
    topology, _ = complexes.ligand_topology(molecule, template)
    system = app.ForceField(template.forcefield_file()).createSystem(
        topology, nonbondedMethod=app.NoCutoff, constraints=app.HBonds
    )
    return system, template


def test_the_complex_has_the_host_and_the_guest_and_no_protein(host_guest):
    residues = [r for r in host_guest.topology.residues() if r.name not in ("HOH", "NA", "CL")]
    assert [(r.name, len(list(r.atoms()))) for r in residues] == [("CUC", 126), ("B2", 30)]
    guest = next(r for r in residues if r.name == "B2")
    assert host_guest.ligand_atoms == [a.index for a in guest.atoms()]
    assert host_guest.description["receptor_molecules"]["CUC"]["smiles"] == HOST["CUC"]
    assert host_guest.description["receptor_molecules"]["CUC"]["charges"].startswith("Gasteiger")


def test_bonded_terms_equal_each_molecule_built_alone(host_guest):
    """Two GAFF templates in one ForceField must not borrow each other's terms: each bonded energy of host + guest
    equals the host's alone plus the guest's alone, at the complex's coordinates."""
    positions = numpy.array(host_guest.positions.value_in_unit(unit.nanometer))
    expected = numpy.zeros(len(BONDED))
    for residue in ("CUC", "B2"):
        system, _ = _molecule_alone(residue)
        atoms = [a.index for r in host_guest.topology.residues() if r.name == residue for a in r.atoms()]
        expected += _bonded_energies(system, positions[atoms])
    molecules = [a.index for r in host_guest.topology.residues() if r.name in ("CUC", "B2") for a in r.atoms()]
    # The complex's bonded forces hold only the host's and the guest's terms (water is rigid, ions unbonded).
    got = _bonded_energies(host_guest.system, positions)
    assert got == pytest.approx(list(expected), rel=1e-9)
    assert all(abs(e) > 1 for e in expected)
    assert molecules == list(range(156))


def test_the_hosts_charges_and_lennard_jones_are_its_templates(host_guest):
    system, template = _molecule_alone("CUC")
    alone = next(f for f in system.getForces() if isinstance(f, openmm.NonbondedForce))
    built = next(f for f in host_guest.system.getForces() if isinstance(f, openmm.NonbondedForce))
    host = [a.index for r in host_guest.topology.residues() if r.name == "CUC" for a in r.atoms()]
    for i, index in enumerate(host):
        assert built.getParticleParameters(index)[0].value_in_unit(unit.elementary_charge) == template.charges[i]
        assert [p._value for p in built.getParticleParameters(index)] == [
            p._value for p in alone.getParticleParameters(i)
        ]
    assert sum(template.charges) == pytest.approx(0.0, abs=1e-9)


def test_anchors_are_host_and_guest_heavy_atoms(host_guest, tmp_path):
    from openmmligand.fep import binding, restraints

    cpu = openmm.Platform.getPlatformByName("CPU")
    legs, description, restraint = binding.binding_systems(
        PDB,
        "B2",
        str(tmp_path / "systems"),
        SMILES["B2"],
        quick=True,
        platform=cpu,
        cache_dir=False,
        anchor_sampling=(5, 20),
        receptor_molecules=HOST,
        charge_method="gas",
    )
    atoms = list(host_guest.topology.atoms())
    assert all(atoms[i].residue.name == "CUC" and atoms[i].element.symbol != "H" for i in restraint.protein_atoms)
    assert all(atoms[i].residue.name == "B2" and atoms[i].element.symbol != "H" for i in restraint.ligand_atoms)
    limit = math.sqrt(2 * 10 * restraints.kt_kj(298.15) / restraint.k_theta_a)
    assert limit < restraint.theta_a0 < math.pi - limit and limit < restraint.theta_b0 < math.pi - limit
    assert math.isfinite(restraint.standard_state_correction(298.15)["dG_kcal"])
    assert description["receptor_molecules"] == host_guest.description["receptor_molecules"]
    assert legs["complex"].ligand_atoms == host_guest.ligand_atoms


def test_anchor_candidates_of_a_host_are_its_heavy_atoms(host_guest):
    from openmmligand.fep.binding import receptor_anchor_candidates

    positions = numpy.array(host_guest.positions.value_in_unit(unit.nanometer))
    candidates = receptor_anchor_candidates(host_guest, positions, HOST)
    atoms = list(host_guest.topology.atoms())
    assert len(candidates) == 84 and all(atoms[i].residue.name == "CUC" for i in candidates)
    with pytest.raises(LigandError, match="no protein backbone atoms"):
        receptor_anchor_candidates(host_guest, positions, {})  # the host not named as a receptor molecule


def test_bad_receptor_molecules_are_named(tmp_path):
    with pytest.raises(LigandError, match="receptor molecule residue 'XYZ' not found"):
        complexes.build_complex(PDB, "B2", SMILES["B2"], receptor_molecules={"XYZ": "CCO"}, cache_dir=False)
    with pytest.raises(LigandError, match="is the ligand; it cannot also be a receptor molecule"):
        complexes.build_complex(PDB, "B2", SMILES["B2"], receptor_molecules={"B2": SMILES["B2"]}, cache_dir=False)
    with pytest.raises(LigandError, match="the SMILES does not match residue 'CUC'"):
        complexes.build_complex(PDB, "B2", SMILES["B2"], receptor_molecules={"CUC": "c1ccccc1"}, cache_dir=False)


def test_the_command_line_takes_receptor_molecules(tmp_path, monkeypatch):
    """--receptor-molecule RES SMILES reaches binding_free_energy; a residue given twice is refused."""
    from openmmligand.__main__ import main
    from openmmligand.fep import binding

    seen = {}

    def fake(pdb, ligand, out, settings, **options):
        seen.update(options, pdb=pdb, ligand=ligand, quick=settings.quick)
        raise LigandError("stop here")

    monkeypatch.setattr(binding, "binding_free_energy", fake)
    arguments = ["abfe", "--pdb", PDB, "--ligand", "B2", "--smiles", SMILES["B2"], "--out", str(tmp_path / "o")]
    with pytest.raises(LigandError, match="stop here"):
        main(arguments + ["--receptor-molecule", "CUC", HOST["CUC"]])
    assert seen["receptor_molecules"] == HOST and seen["ligand"] == "B2" and seen["padding"] == 1.0
    with pytest.raises(LigandError, match="stop here"):
        main(arguments + ["--padding", "1.6"])
    assert seen["padding"] == 1.6 and seen["receptor_molecules"] == {}
    with pytest.raises(LigandError, match="--receptor-molecule CUC is given twice"):
        main(arguments + ["--receptor-molecule", "CUC", "C", "--receptor-molecule", "CUC", "CC"])
