# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Ligand–group interaction energies (LigandCouplingForce.getInteractionEnergies / openmmligand.interaction_energies)
on every platform with the kernel, against independent formulations built here: a copy of the force alone for the
total Lennard-Jones, and one CustomNonbondedForce per group (interaction groups) for Lennard-Jones and the
direct-space electrostatics."""

import math

import numpy
import pandas
import openmm
import pytest
from openmm import app, unit

import openmmligand
from conftest import energy, ligand_in_water, make_context, tolerance

ONE_4PI_EPS0 = 138.93545764438198
CURRENT = (0.6, 0.4)


def decoupled(method, platform):
    test = ligand_in_water(method)
    system = openmmligand.decouple(test.system, test.ligand_atoms)
    context = make_context(system, platform)
    context.setPositions(test.positions)
    context.setParameter("lambda_sterics", CURRENT[0])
    context.setParameter("lambda_electrostatics", CURRENT[1])
    return test, system, context


def column(table, name):
    return numpy.asarray(table[name], dtype=float)


def nearest_waters(test, count):
    x = numpy.array(test.positions.value_in_unit(unit.nanometer))
    centre = x[test.ligand_atoms].mean(axis=0)
    waters = [[a.index for a in r.atoms()] for r in test.topology.residues() if r.name == "HOH"]
    return sorted(waters, key=lambda w: numpy.linalg.norm(x[w[0]] - centre))[:count]


def reference_group_energies(test, system, group, method, alpha):
    """LJ (full, current) and electrostatics (full) between the ligand and one group, by CustomNonbondedForce."""
    coupling = openmmligand.find_ligand_coupling_forces(system)[0]
    nb = next(f for f in system.getForces() if isinstance(f, openmm.NonbondedForce))
    cutoff = nb.getCutoffDistance().value_in_unit(unit.nanometer)
    eps_rf = nb.getReactionFieldDielectric()
    krf = cutoff**-3 * (eps_rf - 1) / (2 * eps_rf + 1)
    crf = 3 * eps_rf / ((2 * eps_rf + 1) * cutoff)
    if method == "NoCutoff":
        coulomb = "1/r"
    elif alpha > 0:
        coulomb = f"erfc({alpha}*r)/r"
    else:
        coulomb = f"(1/r+{krf}*r^2-{crf})"
    mixing = "; eps=sqrt(e1*e2); sig=0.5*(s1+s2)"
    expressions = {
        "lj_full": "4*eps*((sig/r)^12-(sig/r)^6)" + mixing,
        "lj": f"{CURRENT[0]}*4*eps*x*(x-1); x=sig^6/(0.5*(1-{CURRENT[0]})*sig^6+r^6)" + mixing,
        "elec_full": f"{ONE_4PI_EPS0}*q1*q2*{coulomb}",
    }
    result = {}
    for name, expression in expressions.items():
        reference = openmm.System()
        for _ in range(system.getNumParticles()):
            reference.addParticle(1.0)
        reference.setDefaultPeriodicBoxVectors(*system.getDefaultPeriodicBoxVectors())
        f = openmm.CustomNonbondedForce(expression)
        for p in ("q", "s", "e"):
            f.addPerParticleParameter(p)
        for i in range(coupling.getNumParticles()):
            q, s, e = coupling.getParticleParameters(i)
            f.addParticle(
                [
                    q.value_in_unit(unit.elementary_charge) if unit.is_quantity(q) else q,
                    s.value_in_unit(unit.nanometer),
                    e.value_in_unit(unit.kilojoule_per_mole),
                ]
            )
        for k in range(coupling.getNumExclusions()):
            f.addExclusion(*coupling.getExclusionParticles(k))
        f.addInteractionGroup(test.ligand_atoms, group)
        f.setNonbondedMethod(
            {"NoCutoff": f.NoCutoff, "RF-nonperiodic": f.CutoffNonPeriodic}.get(method, f.CutoffPeriodic)
        )
        f.setCutoffDistance(cutoff)
        reference.addForce(f)
        context = make_context(reference, ("Reference", None))
        context.setPositions(test.positions)
        result[name] = energy(context)
    return result


@pytest.mark.parametrize("method", ["PME", "RF-periodic", "RF-nonperiodic", "NoCutoff"])
def test_groups_match_custom_nonbonded_force(method, platform):
    test, system, context = decoupled(method, platform)
    waters = nearest_waters(test, 3)
    table = openmmligand.interaction_energies(context, {f"water {k}": w for k, w in enumerate(waters)})
    # The alpha the Context's NonbondedForce uses, as OpenMM reports it (after a first evaluation, which OpenMM's CPU
    # platform needs before it can answer).
    nonbonded = next(f for f in system.getForces() if isinstance(f, openmm.NonbondedForce))
    energy(context)
    alpha = nonbonded.getPMEParametersInContext(context)[0] if method == "PME" else 0.0
    tol = max(tolerance(platform), 1e-7) * 20
    for k, water in enumerate(waters):
        expected = reference_group_energies(test, system, water, method, alpha)
        for name, value in expected.items():
            assert column(table, name)[k] == pytest.approx(value, rel=tol, abs=1e-4), f"water {k} {name}"
        assert column(table, "elec")[k] == pytest.approx(CURRENT[1] * expected["elec_full"], rel=tol, abs=1e-4)
    assert numpy.abs(column(table, "elec_full")).max() > 1.0  # the nearest waters do interact


def test_lennard_jones_sums_to_the_ligand_environment_total(platform):
    """Every environment atom in some group: the groups' LJ at the current lambda equals the force's own
    ligand–environment Lennard-Jones (a copy of the force alone, internal LJ and dispersion off)."""
    test, system, context = decoupled("PME", platform)
    per_residue = openmmligand.interaction_energies(context, topology=test.topology, lump_solvent=False)
    assert len(per_residue) == test.topology.getNumResidues() - 1
    coupling = openmmligand.find_ligand_coupling_forces(system)[0]
    alone = openmm.System()
    for i in range(system.getNumParticles()):
        alone.addParticle(system.getParticleMass(i))
    alone.setDefaultPeriodicBoxVectors(*system.getDefaultPeriodicBoxVectors())
    alone.addForce(openmm.XmlSerializer.deserialize(openmm.XmlSerializer.serialize(coupling)))
    copy = openmmligand.find_ligand_coupling_forces(alone)[0]
    copy.setIncludeLigandInternalLJ(False)
    copy.setUseDispersionCorrection(False)
    copy.setDefinesParameters(True)  # alone in a System: no NonbondedForce defines the lambdas there
    reference = make_context(alone, ("Reference", None))
    reference.setPositions(test.positions)
    reference.setParameter("lambda_sterics", CURRENT[0])
    total = column(per_residue, "lj").sum()
    assert total == pytest.approx(energy(reference), rel=max(tolerance(platform), 1e-7) * 20)
    lumped = openmmligand.interaction_energies(context, topology=test.topology)
    assert isinstance(lumped, pandas.DataFrame)
    assert list(lumped["group"]) == ["solvent"]
    assert column(lumped, "lj")[0] == pytest.approx(total, rel=1e-6)


def test_empty_far_and_ungrouped(platform):
    """An empty group and a group beyond the cutoff of every ligand atom give zeros; atoms in no group count for
    nothing (the nearest water alone gives what it gives among the others)."""
    test, system, context = decoupled("RF-periodic", platform)
    x = numpy.array(test.positions.value_in_unit(unit.nanometer))
    box = system.getDefaultPeriodicBoxVectors()[0][0].value_in_unit(unit.nanometer)
    waters = [[a.index for a in r.atoms()] for r in test.topology.residues() if r.name == "HOH"]

    def distance(water):
        d = x[water][:, None, :] - x[test.ligand_atoms][None, :, :]
        d -= box * numpy.round(d / box)  # the box is cubic
        return numpy.sqrt((d**2).sum(axis=2)).min()

    far, near = max(waters, key=distance), min(waters, key=distance)
    assert distance(far) > 0.9  # the cutoff
    table = openmmligand.interaction_energies(context, [[], far, near])
    for name in ("lj_full", "lj", "elec_full", "elec"):
        assert column(table, name)[0] == 0 and column(table, name)[1] == 0
    assert column(table, "total_full")[2] != 0
    only_near = openmmligand.interaction_energies(context, [near])
    assert column(only_near, "total_full")[0] == pytest.approx(column(table, "total_full")[2], rel=1e-6)


def test_bad_groups_are_named():
    test, system, context = decoupled("RF-periodic", ("Reference", None))
    with pytest.raises(openmmligand.LigandError, match="particle index 1000000 is out of range"):
        openmmligand.interaction_energies(context, [[10**6]])
    # A group holding a ligand atom (once accepted silently) and a non-integer index.
    with pytest.raises(openmmligand.LigandError, match="which is in the ligand"):
        openmmligand.interaction_energies(context, [[test.ligand_atoms[0], 500]])
    with pytest.raises(openmmligand.LigandError, match="integer particle indices"):
        openmmligand.interaction_energies(context, [[500.0]])
    with pytest.raises(openmmligand.LigandError, match="in two groups"):
        openmmligand.interaction_energies(context, [[20, 21], [21]])
    with pytest.raises(openmmligand.LigandError, match="needs groups, or a topology"):
        openmmligand.interaction_energies(context)
    with pytest.raises(openmmligand.LigandError, match="topology must be an openmm.app.Topology, got str"):
        openmmligand.interaction_energies(context, topology="x")
    force = openmmligand.find_ligand_coupling_forces(context.getSystem())[0]
    with pytest.raises(openmm.OpenMMException, match="group entries for"):
        force.getInteractionEnergies(context, [0, 1], 2)
    with pytest.raises(openmm.OpenMMException, match="outside -1"):
        force.getInteractionEnergies(context, [5] * system.getNumParticles(), 2)
    with pytest.raises(openmm.OpenMMException, match="ewaldAlpha > 0 needs"):
        nocut = decoupled("NoCutoff", ("Reference", None))[2]
        openmmligand.find_ligand_coupling_forces(nocut.getSystem())[0].getInteractionEnergies(
            nocut, [-1] * system.getNumParticles(), 1, 3.0
        )


def test_residue_groups_are_cached_per_topology_and_follow_edits():
    test = openmmligand.testsystems.ligand_in_water(box_edge=2.4, nonbonded_method=app.CutoffPeriodic)
    first = openmmligand.interactions.residue_groups(test.topology, test.ligand_atoms)
    assert openmmligand.interactions.residue_groups(test.topology, test.ligand_atoms) is first
    with pytest.raises(ValueError):
        first[3][0] = 5  # read-only: a caller cannot corrupt the cached groups
    unlumped = openmmligand.interactions.residue_groups(test.topology, test.ligand_atoms, lump_solvent=False)
    assert len(unlumped[0]) > len(first[0])
    assert (
        openmmligand.interactions.residue_groups(test.topology, test.ligand_atoms[:-1])[3][test.ligand_atoms[-1]] != -1
    )
    # An edited Topology gets new groups, not the cached ones.
    chain = test.topology.addChain()
    residue = test.topology.addResidue("LYS", chain)
    test.topology.addAtom("NZ", app.element.nitrogen, residue)
    edited = openmmligand.interactions.residue_groups(test.topology, test.ligand_atoms)
    assert len(edited[3]) == len(first[3]) + 1 and edited[0][-1].startswith("LYS")


def test_ewald_alpha_for_every_ewald_method(platform):
    """The alpha the interaction energies screen with is the one the Context's NonbondedForce uses, found by the
    force itself: PME's from the Context; LJPME's (which OpenMM 7.7's OpenCL will not report) and Ewald's from the
    tolerance and cutoff. Checked against Coulomb's law with erfc screening for one pair."""
    expected = math.sqrt(-math.log(2 * 5e-4)) / 1.0
    r = math.sqrt(0.5**2 + 0.4**2 + 0.3**2)
    for method in (openmm.NonbondedForce.PME, openmm.NonbondedForce.LJPME, openmm.NonbondedForce.Ewald):
        system = openmm.System()
        system.setDefaultPeriodicBoxVectors(*(openmm.Vec3(*row) * 2.5 for row in numpy.eye(3)))
        nonbonded = openmm.NonbondedForce()
        nonbonded.setNonbondedMethod(method)
        nonbonded.setCutoffDistance(1.0)
        force = openmmligand.LigandCouplingForce()
        for q in (0.5, -0.5):
            system.addParticle(1.0)
            nonbonded.addParticle(q, 0.3, 0.5)
            force.addParticle(q, 0.3, 0.5)
        force.setLigandParticles([0])
        force.setNonbondedMethod(force.CutoffPeriodic)
        force.setCutoffDistance(1.0)
        system.addForce(nonbonded)
        system.addForce(force)
        context = make_context(system, platform)
        context.setPositions([openmm.Vec3(0, 0, 0), openmm.Vec3(0.5, 0.4, 0.3)])
        elec_full = force.getInteractionEnergies(context, [-1, 0], 1)[2]
        coulomb = 138.935456 * 0.5 * -0.5 * math.erfc(expected * r) / r
        assert elec_full == pytest.approx(coulomb, rel=max(tolerance(platform), 1e-7) * 10), method


def test_context_is_left_untouched(platform):
    test, system, context = decoupled("PME", platform)
    before = context.getState(getEnergy=True, getForces=True)
    openmmligand.interaction_energies(context, topology=test.topology)
    after = context.getState(getEnergy=True, getForces=True)
    tol = tolerance(platform) if platform[0] != "Reference" else 0.0
    assert after.getPotentialEnergy()._value == pytest.approx(before.getPotentialEnergy()._value, rel=tol, abs=0)
    f0, f1 = before.getForces(asNumpy=True)._value, after.getForces(asNumpy=True)._value
    assert numpy.abs(f1 - f0).max() <= tol * numpy.abs(f0).max()
    assert (context.getParameter("lambda_sterics"), context.getParameter("lambda_electrostatics")) == CURRENT


def test_reporter_and_fingerprint_plot(tmp_path):
    """InteractionEnergyReporter in an openmm.app Simulation: a row per group and report; the plot is written."""
    test = ligand_in_water("RF-periodic")
    system = openmmligand.decouple(test.system, test.ligand_atoms)
    simulation = app.Simulation(
        test.topology, system, openmm.VerletIntegrator(0.0005), openmm.Platform.getPlatformByName("Reference")
    )
    simulation.context.setPositions(test.positions)
    path = tmp_path / "interactions.csv"
    reporter = openmmligand.InteractionEnergyReporter(str(path), 2, lump_solvent=False)
    simulation.reporters.append(reporter)
    simulation.step(4)
    del simulation.reporters[:]
    del reporter
    rows = path.read_text().splitlines()
    waters = test.topology.getNumResidues() - 1
    assert len(rows) == 1 + 2 * waters
    assert {row.split(",")[0] for row in rows[1:]} == {"2", "4"}
    # The last report equals a direct call at the same positions.
    direct = openmmligand.interaction_energies(simulation.context, topology=test.topology, lump_solvent=False)
    last = [row.split(",") for row in rows[1:] if row.startswith("4,")]
    assert [float(r[8]) for r in last] == pytest.approx(list(column(direct, "total_full")), abs=1e-5)
    summary = openmmligand.interactions.fingerprint(str(path))
    assert summary[0][1] == min(item[1] for item in summary)  # most strongly interacting first
    openmmligand.plot_fingerprint(str(path), str(tmp_path / "fingerprint.png"), top=5)
    assert (tmp_path / "fingerprint.png").stat().st_size > 5000
    with pytest.raises(openmmligand.LigandError, match="reportInterval"):
        openmmligand.InteractionEnergyReporter(str(tmp_path / "x.csv"), 0)
