# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""LigandCouplingForce from Python: the physics against a CustomNonbondedForce built here, serialization,
parameter updates, and every bad input raising a clear exception."""

import numpy
import openmm
import pytest
from openmm import unit

import openmmligand
from openmmligand import LigandCouplingForce, LigandError
from conftest import energy, forces, ligand_in_water, make_context, tolerance

ONE_4PI_EPS0 = 138.93545764438198


def coupling_force(system):
    [force] = openmmligand.find_ligand_coupling_forces(system)
    return force


def custom_equivalent(lcf, alpha=0.5):
    """The decoupled LigandCouplingForce's physics as CustomNonbondedForces with interaction groups."""
    rc = lcf.getCutoffDistance().value_in_unit(unit.nanometer)
    switch = "1"
    if lcf.getUseSwitchingFunction():
        rs = lcf.getSwitchingDistance().value_in_unit(unit.nanometer)
        switch = f"select(step(r-{rs}), 1-10*t^3+15*t^4-6*t^5, 1); t=(r-{rs})/({rc - rs})"
    mixing = "; epsij=sqrt(eps1*eps2); sigij=0.5*(sig1+sig2); sw=" + switch
    coupled = f"lambda_sterics*sw*4*epsij*x*(x-1); x=sigij^6/({alpha}*(1-lambda_sterics)*sigij^6+r^6)" + mixing
    internal = "sw*4*epsij*x*(x-1); x=(sigij/r)^6" + mixing
    ligand = set(lcf.getLigandParticles())
    environment = set(range(lcf.getNumParticles())) - ligand
    result = []
    for expression, other in ((coupled, environment), (internal, ligand)):
        f = openmm.CustomNonbondedForce(expression)
        f.addGlobalParameter("lambda_sterics", 1.0)
        f.addPerParticleParameter("sig")
        f.addPerParticleParameter("eps")
        for i in range(lcf.getNumParticles()):
            _, sigma, epsilon = lcf.getParticleParameters(i)
            f.addParticle([sigma, epsilon])
        for k in range(lcf.getNumExclusions()):
            f.addExclusion(*lcf.getExclusionParticles(k))
        f.addInteractionGroup(ligand, other)
        f.setNonbondedMethod(
            {
                LigandCouplingForce.NoCutoff: f.NoCutoff,
                LigandCouplingForce.CutoffNonPeriodic: f.CutoffNonPeriodic,
                LigandCouplingForce.CutoffPeriodic: f.CutoffPeriodic,
            }[lcf.getNonbondedMethod()]
        )
        f.setCutoffDistance(rc)
        result.append(f)
    return result


@pytest.mark.parametrize("method", ["PME-switch", "RF-nonperiodic", "NoCutoff"])
@pytest.mark.parametrize("lambda_sterics", [1.0, 0.35, 0.0])
def test_force_equals_custom_nonbonded_formulation(method, lambda_sterics, platform):
    test = ligand_in_water(method)
    decoupled = openmmligand.decouple(test.system, test.ligand_atoms)
    lcf = coupling_force(decoupled)
    lcf.setUseDispersionCorrection(False)  # CustomNonbondedForce's correction is a different (numerical) one
    lcf.setDefinesParameters(True)  # alone in a System: no NonbondedForce defines the lambdas there
    ours, theirs = openmm.System(), openmm.System()
    for system in (ours, theirs):
        for i in range(decoupled.getNumParticles()):
            system.addParticle(decoupled.getParticleMass(i))
        system.setDefaultPeriodicBoxVectors(*decoupled.getDefaultPeriodicBoxVectors())
    ours.addForce(openmm.XmlSerializer.deserialize(openmm.XmlSerializer.serialize(lcf)))
    for f in custom_equivalent(lcf):
        theirs.addForce(f)
    c1 = make_context(ours, platform)
    c2 = make_context(theirs, ("Reference", None))
    for c in (c1, c2):
        c.setPositions(test.positions)
        c.setParameter("lambda_sterics", lambda_sterics)
    tol = max(tolerance(platform), 1e-9)
    assert energy(c1) == pytest.approx(energy(c2), rel=tol)
    f1, f2 = forces(c1), forces(c2)
    assert numpy.abs(f1 - f2).max() <= 10 * tol * numpy.abs(f2).max()


def test_system_serialization_round_trip(platform):
    test = ligand_in_water("PME")
    decoupled = openmmligand.decouple(test.system, test.ligand_atoms)
    lcf = coupling_force(decoupled)
    lcf.setForceGroup(5)
    lcf.setName("my coupling")
    xml = openmm.XmlSerializer.serialize(decoupled)
    copy = openmm.XmlSerializer.deserialize(xml)
    restored = coupling_force(copy)
    assert restored.getForceGroup() == 5 and restored.getName() == "my coupling"
    assert openmm.XmlSerializer.serialize(copy) == xml
    c1, c2 = make_context(decoupled, platform), make_context(copy, platform)
    for c in (c1, c2):
        c.setPositions(test.positions)
        c.setParameter("lambda_sterics", 0.3)
        c.setParameter("lambda_electrostatics", 0.6)
    # GPU platforms sum in a nondeterministic order: equal within the platform's precision.
    assert energy(c1) == pytest.approx(energy(c2), rel=tolerance(platform))


def test_malformed_xml_raises():
    test = ligand_in_water("PME")
    xml = openmm.XmlSerializer.serialize(coupling_force(openmmligand.decouple(test.system, test.ligand_atoms)))
    with pytest.raises(Exception, match="Particles|Ligand|parse|XML|Exclusions|Environment"):
        openmm.XmlSerializer.deserialize(xml[: xml.index("<Exclusions")])
    written_by = f"written by openmm-ligand {openmmligand.__version__} with OpenMM {openmm.Platform.getOpenMMVersion()}"
    assert f'writtenBy="openmm-ligand {openmmligand.__version__} with OpenMM' in xml
    with pytest.raises(
        openmm.OpenMMException,
        match=f"unsupported serialization version 7, {written_by}; this is "
        f"openmm-ligand {openmmligand.__version__} with OpenMM",
    ):
        openmm.XmlSerializer.deserialize(xml.replace('version="2"', 'version="7"', 1))


def test_update_parameters_in_context(platform):
    test = ligand_in_water("RF-periodic")
    decoupled = openmmligand.decouple(test.system, test.ligand_atoms)
    lcf = coupling_force(decoupled)
    context = make_context(decoupled, platform)
    context.setPositions(test.positions)
    context.setParameter("lambda_sterics", 0.5)
    before = energy(context)
    charge, sigma, epsilon = lcf.getParticleParameters(test.ligand_atoms[0])
    lcf.setParticleParameters(test.ligand_atoms[0], charge, sigma * 1.1, epsilon * 2)
    lcf.updateParametersInContext(context)
    updated = energy(context)
    fresh = make_context(decoupled, platform)
    fresh.setPositions(test.positions)
    fresh.setParameter("lambda_sterics", 0.5)
    assert updated != pytest.approx(before, rel=1e-6)
    assert updated == pytest.approx(energy(fresh), rel=tolerance(platform))


def test_units_are_accepted():
    force = LigandCouplingForce()
    force.addParticle(0.5 * unit.elementary_charge, 3.0 * unit.angstrom, 1.0 * unit.kilocalorie_per_mole)
    charge, sigma, epsilon = force.getParticleParameters(0)
    assert sigma.value_in_unit(unit.nanometer) == pytest.approx(0.3)
    assert epsilon.value_in_unit(unit.kilojoule_per_mole) == pytest.approx(4.184)
    force.setCutoffDistance(12 * unit.angstrom)
    assert force.getCutoffDistance().value_in_unit(unit.nanometer) == pytest.approx(1.2)
    force.setCutoffDistance(0.9)
    assert force.getCutoffDistance().value_in_unit(unit.nanometer) == 0.9


def test_bad_input_raises_clear_errors(platform):
    test = ligand_in_water("PME")
    n = test.system.getNumParticles()
    with pytest.raises(LigandError, match=f"ligand_atoms: particle index {n} is out of range"):
        openmmligand.decouple(test.system, [0, n])
    with pytest.raises(LigandError, match="ligand_atoms has the particle index 3 twice"):
        openmmligand.decouple(test.system, [3, 3])
    # Integer-valued indices only: 1.5 was once truncated to 1; numpy integers are fine.
    with pytest.raises(LigandError, match=r"ligand_atoms must hold integer particle indices, got 1.5"):
        openmmligand.decouple(test.system, [0, 1.5])
    with pytest.raises(LigandError, match="must hold integer particle indices"):
        openmmligand.decouple(test.system, [True, 2])
    with pytest.raises(LigandError, match="one-dimensional"):
        openmmligand.decouple(test.system, numpy.zeros((2, 2), dtype=int))
    assert openmmligand.decouple(test.system, numpy.arange(9, dtype=numpy.int32)).getNumForces() > 0
    with pytest.raises(LigandError, match="softcore_alpha must be >= 0.0, got -1.0"):
        openmmligand.decouple(test.system, [0, 1], softcore_alpha=-1)
    with pytest.raises(LigandError, match="force_group must be in 0 .. 31"):
        openmmligand.decouple(test.system, [0, 1], force_group=40)
    with pytest.raises(LigandError, match="lambda_sterics_name and lambda_electrostatics_name are both"):
        openmmligand.decouple(test.system, [0, 1], lambda_sterics_name="x", lambda_electrostatics_name="x")
    with pytest.raises(LigandError, match="ligand_atoms is empty"):
        openmmligand.decouple(test.system, [])
    with pytest.raises(LigandError, match="exactly one NonbondedForce; this one has 0"):
        openmmligand.decouple(openmm.System(), [0])
    with pytest.raises(LigandError, match="annihilate_electrostatics=False is not exact with PME"):
        openmmligand.decouple(test.system, test.ligand_atoms, annihilate_electrostatics=False)
    ljpme = ligand_in_water("PME").system.__deepcopy__(None)
    [nb] = [f for f in ljpme.getForces() if isinstance(f, openmm.NonbondedForce)]
    nb.setNonbondedMethod(openmm.NonbondedForce.LJPME)
    with pytest.raises(LigandError, match="LJPME"):
        openmmligand.decouple(ljpme, test.ligand_atoms)
    twice = openmmligand.decouple(test.system, test.ligand_atoms)
    with pytest.raises(LigandError, match="already has a global parameter named 'lambda_(sterics|electrostatics)'"):
        openmmligand.decouple(twice, test.ligand_atoms)
    # A lambda outside [0, 1] is refused when the force is evaluated, with the value in the message.
    context = make_context(twice, platform)
    context.setPositions(test.positions)
    context.setParameter("lambda_sterics", 1.2)
    with pytest.raises(openmm.OpenMMException, match=r"'lambda_sterics' must lie in \[0, 1\], but it is 1.2"):
        context.getState(getEnergy=True)
    # A cutoff longer than half the box.
    lcf = LigandCouplingForce()
    system = openmm.System()
    for _ in range(3):
        system.addParticle(1.0)
        lcf.addParticle(0.0, 0.3, 0.5)
    system.setDefaultPeriodicBoxVectors(openmm.Vec3(2, 0, 0), openmm.Vec3(0, 2, 0), openmm.Vec3(0, 0, 2))
    lcf.setLigandParticles([0])
    lcf.setNonbondedMethod(LigandCouplingForce.CutoffPeriodic)
    lcf.setCutoffDistance(1.5)
    system.addForce(lcf)
    with pytest.raises(openmm.OpenMMException, match="larger than half the smallest box width"):
        make_context(system, platform)
    with pytest.raises(openmm.OpenMMException, match="particle 0 is in both"):
        lcf.setCutoffDistance(0.9)
        lcf.setEnvironmentParticles([0, 1])
        make_context(system, platform)
    with pytest.raises(openmm.OpenMMException, match="epsilon must be >= 0"):
        lcf.addParticle(0.0, 0.3, -1.0)
    with pytest.raises(openmm.OpenMMException, match="not a LigandCouplingForce"):
        LigandCouplingForce.cast(openmm.HarmonicBondForce())
    with pytest.raises(TypeError):
        lcf.setLigandParticles(["a"])


def test_parameters_defined_by_another_force(platform):
    """decouple's force leaves its lambdas to the NonbondedForce (setDefinesParameters(False)): their defaults come
    from there, a Context follows them, and a force that defines nothing in a System where nothing else does is a
    clear error."""
    test = ligand_in_water("RF-periodic")
    decoupled = openmmligand.decouple(test.system, test.ligand_atoms)
    lcf = coupling_force(decoupled)
    assert not lcf.getDefinesParameters()
    [nb] = [f for f in decoupled.getForces() if isinstance(f, openmm.NonbondedForce)]
    names = [nb.getGlobalParameterName(k) for k in range(nb.getNumGlobalParameters())]
    assert "lambda_sterics" in names and "lambda_electrostatics" in names
    nb.setGlobalParameterDefaultValue(names.index("lambda_sterics"), 0.4)
    by_default = make_context(decoupled, platform)
    by_default.setPositions(test.positions)
    assert by_default.getParameter("lambda_sterics") == 0.4
    nb.setGlobalParameterDefaultValue(names.index("lambda_sterics"), 1.0)
    by_setting = make_context(decoupled, platform)
    by_setting.setPositions(test.positions)
    by_setting.setParameter("lambda_sterics", 0.4)
    assert energy(by_default) == pytest.approx(energy(by_setting), rel=tolerance(platform))
    alone = openmm.System()
    for i in range(decoupled.getNumParticles()):
        alone.addParticle(decoupled.getParticleMass(i))
    alone.setDefaultPeriodicBoxVectors(*decoupled.getDefaultPeriodicBoxVectors())
    alone.addForce(openmm.XmlSerializer.deserialize(openmm.XmlSerializer.serialize(lcf)))
    context = make_context(alone, platform)
    context.setPositions(test.positions)
    with pytest.raises(openmm.OpenMMException, match="the Context has no parameter 'lambda_sterics'"):
        energy(context)
