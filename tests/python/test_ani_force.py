# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""AniForce on every platform that has the kernel. The kernel tests run on a small ANI model with random weights that
the tests write (helpers/random_ani_model.py), so that they run on any checkout: energies against an independent NumPy
formulation with its own loader (helpers/ani_numpy.py) and against TorchANI loading the same files where it is
installed, forces against finite differences, invariances, reordering, serialization, bad input. Where the published
ANI-2x files are present (../shared/models/ani-2x, or $OPENMMLIGAND_ANI2X_MODEL), the energies and forces of the real
model are compared with TorchANI's too (float64; the checked-in values of tools/ani_reference_values.py, regenerated
and compared whenever torchani is installed). Nothing here skips for want of a GPU or of the ANI-2x files but the
ANI-2x comparisons themselves."""

import json
import os
import shutil
import sys

import numpy
import openmm
import pytest
from helpers import ani_numpy, random_ani_model
from openmm import unit

import openmmligand

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = random_ani_model.shared_copy()
ANI2X = os.environ.get("OPENMMLIGAND_ANI2X_MODEL", os.path.join(HERE, "..", "..", "..", "shared", "models", "ani-2x"))
REFERENCE = os.path.join(HERE, "data", "ani2x_reference.json")

needs_ani2x = pytest.mark.skipif(
    not os.path.isdir(ANI2X), reason=f"the ANI-2x model files are not at {ANI2X} (set OPENMMLIGAND_ANI2X_MODEL)"
)


def ani_platforms():
    """Every loaded platform with the AniForce kernel, with its precisions on GPU platforms."""
    configs = []
    for index in range(openmm.Platform.getNumPlatforms()):
        platform = openmm.Platform.getPlatform(index)
        if not platform.supportsKernels(["CalcAniForce"]):
            continue
        if "Precision" in platform.getPropertyNames():
            configs += [(platform.getName(), p) for p in ("single", "mixed", "double")]
        else:
            configs.append((platform.getName(), None))
    return configs


PLATFORMS = ani_platforms()


def test_reference_and_cpu_have_the_kernel():
    """The plugin that provides the kernel loaded: Reference and CPU at least (a silent load failure fails here)."""
    names = {name for name, _ in PLATFORMS}
    assert {"Reference", "CPU"} <= names, (names, openmm.Platform.getPluginLoadFailures())


def molecules():
    with open(REFERENCE) as source:
        return json.load(source)["molecules"]


def build(molecule, atoms=None, model=MODEL):
    """A System holding only an AniForce over the molecule's atoms (all, or the given subset)."""
    force = openmmligand.AniForce(model)
    system = openmm.System()
    for _ in molecule["atomic_numbers"]:
        system.addParticle(1.0)
    for i in atoms if atoms is not None else range(len(molecule["atomic_numbers"])):
        force.addParticle(i, molecule["atomic_numbers"][i])
    if molecule["box_nm"] is not None:
        system.setDefaultPeriodicBoxVectors(*[openmm.Vec3(*v) for v in molecule["box_nm"]])
        force.setUsesPeriodicBoundaryConditions(True)
    system.addForce(force)
    return system, force


KJ_PER_NM = unit.kilojoule_per_mole / unit.nanometer


def platform_arguments(platform):
    """(Platform, properties) of a (name, precision) configuration, for openmm.Context."""
    name, precision = platform
    return openmm.Platform.getPlatformByName(name), ({"Precision": precision} if precision else {})


def evaluate(system, positions, platform=("Reference", None)):
    context = openmm.Context(system, openmm.VerletIntegrator(0.001), *platform_arguments(platform))
    context.setPositions(positions)
    state = context.getState(getEnergy=True, getForces=True)
    energy = state.getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)
    forces = state.getForces(asNumpy=True).value_in_unit(unit.kilojoule_per_mole / unit.nanometer)
    return energy, numpy.array(forces)


def relative_rms(a, b):
    return numpy.sqrt(((a - b) ** 2).mean()) / numpy.sqrt((b**2).mean())


PLATFORM_IDS = dict(ids=lambda c: c[0] if c[1] is None else f"{c[0]}-{c[1]}")


@pytest.mark.parametrize("platform", PLATFORMS, **PLATFORM_IDS)
@pytest.mark.parametrize("molecule", molecules(), ids=lambda m: m["name"])
def test_energy_equals_an_independent_numpy_ani_and_forces_equal_reference(molecule, platform):
    """The random model: the networks' share of the energy (the energy less the self energies, which are a plain
    sum) within 1e-9 relative of NumPy's on Reference and in double precision, 1e-5 where the networks run in float
    (the CPU kernel's, single and mixed precision); forces within 1e-5 relative RMS of Reference's (1e-4 where
    positions are float). All seven elements, gas phase and periodic."""
    system, _ = build(molecule)
    energy, forces = evaluate(system, molecule["positions_nm"], platform)
    model = ani_numpy.load(MODEL)
    networks = energy - ani_numpy.self_energy(model, molecule["atomic_numbers"])
    expected_networks = ani_numpy.network_energy(
        model, molecule["atomic_numbers"], molecule["positions_nm"], molecule["box_nm"]
    )
    exact = platform[0] == "Reference" or platform[1] == "double"
    assert abs(networks - expected_networks) <= (1e-9 if exact else 1e-5) * abs(expected_networks), (
        networks,
        expected_networks,
    )
    if platform != ("Reference", None):
        _, reference_forces = evaluate(system, molecule["positions_nm"])
        force_tolerance = 1e-4 if platform[1] in ("single", "mixed") else 1e-5
        assert relative_rms(forces, reference_forces) <= force_tolerance


@pytest.mark.parametrize("platform", PLATFORMS, **PLATFORM_IDS)
def test_a_model_whose_aev_term_counts_do_not_divide_the_gpu_work_group(platform, tmp_path):
    """12 angular terms: right on Reference and CPU (against NumPy); refused, naming the counts, on GPU platforms,
    whose AEV kernel gave wrong angular terms on PoCL for counts that do not divide 128 (never a wrong number)."""
    twelve = dict(random_ani_model.AEV_PARAMETERS, ShfA=[0.9, 1.8, 2.7])
    directory = random_ani_model.write(str(tmp_path / "model"), aev_parameters=twelve)
    molecule = next(m for m in molecules() if m["name"] == "ethanol")
    system, _ = build(molecule, model=directory)
    if platform[0] in ("Reference", "CPU"):
        energy, _ = evaluate(system, molecule["positions_nm"], platform)
        model = ani_numpy.load(directory)
        expected = ani_numpy.network_energy(model, molecule["atomic_numbers"], molecule["positions_nm"])
        networks = energy - ani_numpy.self_energy(model, molecule["atomic_numbers"])
        assert networks == pytest.approx(expected, rel=1e-5)
    else:
        with pytest.raises(
            openmm.OpenMMException, match="numbers of radial and angular AEV terms to divide 128.*8 and 12"
        ):
            evaluate(system, molecule["positions_nm"], platform)


def torchani_values(model_directory):
    """(molecule, energy, forces) of every reference molecule from TorchANI (float64) loading the model's files;
    the calling test skips where torchani is not installed."""
    pytest.importorskip("torchani")
    sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
    import ani_reference_values

    model = ani_reference_values.torchani_model(model_directory)
    for molecule in molecules():
        energy, forces = ani_reference_values.torchani_energy_and_forces(
            model_directory, molecule["atomic_numbers"], molecule["positions_nm"], molecule["box_nm"], model
        )
        yield molecule, energy, numpy.asarray(forces)


def test_torchani_loads_the_random_model_with_the_same_energies():
    """Whenever torchani is installed: TorchANI's loader reads the random model's files as ours does."""
    for molecule, expected, expected_forces in torchani_values(MODEL):
        energy, forces = evaluate(build(molecule)[0], molecule["positions_nm"])
        assert energy == pytest.approx(expected, rel=1e-9)
        assert relative_rms(forces, expected_forces) <= 1e-6


@needs_ani2x
@pytest.mark.parametrize("platform", PLATFORMS, **PLATFORM_IDS)
@pytest.mark.parametrize("molecule", molecules(), ids=lambda m: m["name"])
def test_ani2x_energy_and_forces_equal_torchani(molecule, platform):
    """The published ANI-2x: <= 1e-6 relative energy, <= 1e-5 relative force RMS against TorchANI (float64), all
    seven elements, amprenavir among the molecules, gas phase and periodic. GPU platforms in single and mixed
    precision hold positions in float (OpenMM's own arrays): rounding the periodic ethanol's positions to float alone
    moves Reference's forces by 5e-5 relative RMS, so 1e-4 there."""
    system, _ = build(molecule, model=ANI2X)
    energy, forces = evaluate(system, molecule["positions_nm"], platform)
    expected = molecule["energy_kj_per_mol"]
    assert abs(energy - expected) <= 1e-6 * abs(expected), (energy, expected)
    force_tolerance = 1e-4 if platform[1] in ("single", "mixed") else 1e-5
    rms = relative_rms(forces, numpy.array(molecule["forces_kj_per_mol_nm"]))
    assert rms <= force_tolerance, rms


def test_reference_values_cover_every_element():
    elements = set()
    for molecule in molecules():
        elements |= set(molecule["atomic_numbers"])
    assert elements == {1, 6, 7, 8, 9, 16, 17}
    assert "amprenavir" in [m["name"] for m in molecules()]
    assert any(m["box_nm"] is not None for m in molecules())


@needs_ani2x
def test_torchani_regenerated_agrees_with_the_checked_in_values():
    """Whenever torchani is installed: its values now equal the checked-in ones (the file is not stale)."""
    for molecule, energy, forces in torchani_values(ANI2X):
        assert energy == pytest.approx(molecule["energy_kj_per_mol"], rel=1e-12)
        numpy.testing.assert_allclose(forces, molecule["forces_kj_per_mol_nm"], rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", ["sulfanilamide", "water_box_periodic"])
def test_forces_are_minus_the_energy_gradient(name):
    """A five-point central difference of the Reference energy, each coordinate of a few atoms (the AEV's narrow
    Gaussians make the energy's third derivative large: a two-point difference is off by about h^2 U'''/6)."""
    molecule = next(m for m in molecules() if m["name"] == name)
    system, _ = build(molecule)
    context = openmm.Context(system, openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName("Reference"))
    positions = numpy.array(molecule["positions_nm"])
    context.setPositions(positions)
    forces = (
        context.getState(getForces=True).getForces(asNumpy=True).value_in_unit(unit.kilojoule_per_mole / unit.nanometer)
    )
    h = 1e-5
    for atom in range(0, len(positions), max(1, len(positions) // 6)):
        for k in range(3):
            energies = []
            for sign in (2, 1, -1, -2):
                moved = positions.copy()
                moved[atom, k] += sign * h
                context.setPositions(moved)
                energies.append(
                    context.getState(getEnergy=True).getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)
                )
            difference = -(8 * (energies[1] - energies[2]) - (energies[0] - energies[3])) / (12 * h)
            assert difference == pytest.approx(forces[atom][k], abs=1e-3 + 1e-5 * abs(forces[atom][k]))


def rotation(seed):
    q = numpy.random.default_rng(seed).normal(size=4)
    a, b, c, d = q / numpy.linalg.norm(q)
    return numpy.array(
        [
            [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
            [2 * (b * c + a * d), a * a - b * b + c * c - d * d, 2 * (c * d - a * b)],
            [2 * (b * d - a * c), 2 * (c * d + a * b), a * a - b * b - c * c + d * d],
        ]
    )


def test_translation_and_rotation_invariance():
    molecule = next(m for m in molecules() if m["name"] == "amprenavir")
    system, _ = build(molecule)
    positions = numpy.array(molecule["positions_nm"])
    energy, forces = evaluate(system, positions)
    r = rotation(3)
    moved = (positions - positions.mean(axis=0)) @ r.T + numpy.array([3.0, -2.0, 7.5])
    energy2, forces2 = evaluate(system, moved)
    assert energy2 == pytest.approx(energy, rel=1e-13, abs=1e-7)
    numpy.testing.assert_allclose(forces2, forces @ r.T, atol=1e-7 * numpy.abs(forces).max())
    assert numpy.abs(forces.sum(axis=0)).max() < 1e-8 * numpy.abs(forces).max()  # no net force


def test_two_distant_halves_are_the_sum_of_the_halves():
    """Two molecules 3 nm apart (beyond the cutoff) in one force: the energy is the sum of each alone."""
    first = next(m for m in molecules() if m["name"] == "ethanol")
    second = next(m for m in molecules() if m["name"] == "chlorotrifluoromethylbenzene")
    joined = {
        "atomic_numbers": first["atomic_numbers"] + second["atomic_numbers"],
        "box_nm": None,
    }
    positions = numpy.vstack([first["positions_nm"], numpy.array(second["positions_nm"]) + 3.0])
    system, _ = build(joined)
    energy, forces = evaluate(system, positions)
    e1, f1 = evaluate(build(first)[0], first["positions_nm"])
    e2, f2 = evaluate(build(second)[0], second["positions_nm"])
    assert energy == pytest.approx(e1 + e2, rel=1e-14)
    numpy.testing.assert_allclose(forces, numpy.vstack([f1, f2]), atol=1e-9)


def test_serialization_round_trip_keeps_the_model_by_reference():
    molecule = molecules()[0]
    system, force = build(molecule)
    xml = openmm.XmlSerializer.serialize(force)
    assert "modelChecksum" in xml and len(xml) < 4000  # the weights are not in the XML
    copy = openmmligand.AniForce.cast(openmm.XmlSerializer.deserialize(xml))
    assert copy.getModelChecksum() == force.getModelChecksum()
    assert [copy.getParticleParameters(i) for i in range(copy.getNumParticles())] == [
        force.getParticleParameters(i) for i in range(force.getNumParticles())
    ]
    system2 = openmm.XmlSerializer.deserialize(openmm.XmlSerializer.serialize(system))
    assert evaluate(system2, molecule["positions_nm"])[0] == evaluate(system, molecule["positions_nm"])[0]


def test_changed_model_files_are_refused_on_deserialization(tmp_path):
    copy_dir = tmp_path / "model"
    shutil.copytree(MODEL, copy_dir)
    force = openmmligand.AniForce(str(copy_dir))
    force.addParticle(0, 6)
    xml = openmm.XmlSerializer.serialize(force)
    with open(copy_dir / "sae_linfit.dat", "a") as sae:
        sae.write("\n")
    with pytest.raises(openmm.OpenMMException, match="changed since the force was serialized"):
        openmm.XmlSerializer.deserialize(xml)


def make_context(system, platform):
    name, precision = platform
    properties = {"Precision": precision} if precision else {}
    return openmm.Context(system, openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName(name), properties)


@pytest.mark.parametrize("platform", PLATFORMS, ids=lambda c: c[0] if c[1] is None else f"{c[0]}-{c[1]}")
def test_update_parameters_in_context_changes_elements(platform):
    """O -> N (an element the force did not have before: the GPU kernels upload its networks) and back."""
    molecule = next(m for m in molecules() if m["name"] == "ethanol")
    system, force = build(molecule)
    context = make_context(system, platform)
    context.setPositions(molecule["positions_nm"])
    before = context.getState(getEnergy=True).getPotentialEnergy()
    oxygen = molecule["atomic_numbers"].index(8)
    force.setParticleParameters(oxygen, oxygen, 7)  # O -> N: a different molecule (and radical), but a number
    force.updateParametersInContext(context)
    after = context.getState(getEnergy=True).getPotentialEnergy()
    fresh = evaluate(system, molecule["positions_nm"], platform)[0]
    assert after.value_in_unit(unit.kilojoule_per_mole) == pytest.approx(fresh, rel=1e-12)
    assert after != before
    force.setParticleParameters(oxygen, oxygen, 8)
    force.updateParametersInContext(context)
    assert context.getState(getEnergy=True).getPotentialEnergy() == before
    if platform != ("Reference", None):
        return
    force.setParticleParameters(oxygen, oxygen + 1, 7)  # now two entries for one particle
    with pytest.raises(openmm.OpenMMException, match=f"particle {oxygen + 1} was added twice"):
        force.updateParametersInContext(context)
    system, force = build(molecule, atoms=range(len(molecule["atomic_numbers"]) - 1))
    context = openmm.Context(system, openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName("Reference"))
    force.setParticleParameters(0, len(molecule["atomic_numbers"]) - 1, 1)
    with pytest.raises(openmm.OpenMMException, match="cannot change which particle entry 0 is"):
        force.updateParametersInContext(context)


def test_bad_input_is_refused_with_a_clear_message(tmp_path):
    force = openmmligand.AniForce(MODEL)
    with pytest.raises(openmm.OpenMMException, match="atomic number 26.*no network.*H C N O S F Cl"):
        force.addParticle(0, 26)
    with pytest.raises(openmm.OpenMMException, match="does not exist"):
        openmmligand.AniForce(str(tmp_path / "nowhere"))
    # A model directory with a member's layer file cut short: the file is named.
    broken = tmp_path / "broken"
    shutil.copytree(MODEL, broken)
    layer = broken / "train1" / "networks" / "ANN-N.nnf-l2.wparam"
    data = layer.read_bytes()
    os.chmod(layer, 0o644)
    layer.write_bytes(data[:-8])
    with pytest.raises(openmm.OpenMMException, match="ANN-N.nnf-l2.wparam"):
        openmmligand.AniForce(str(broken))
    os.remove(broken / "sae_linfit.dat")
    with pytest.raises(openmm.OpenMMException, match="sae_linfit.dat"):
        openmmligand.AniForce(str(broken))


@pytest.mark.parametrize(
    "model, damage, members",
    [
        (MODEL, "train0 deleted", 2),
        (MODEL, "train0 emptied", 2),
        pytest.param(ANI2X, "train3 emptied", 8, marks=needs_ani2x),
        pytest.param(ANI2X, "train7 deleted", 8, marks=needs_ani2x),
    ],
    ids=lambda v: v if isinstance(v, str) and not os.path.isabs(v) else None,
)
def test_a_model_missing_an_ensemble_member_is_refused(tmp_path, model, damage, members):
    """A member's folder deleted or emptied loaded silently as a smaller ensemble with another energy (ANI-2x's
    methane -106331.50 vs -106331.17 kJ/mol with 3 of 8): the member is named. ANI-2x's last one too: it has 8."""
    damaged = tmp_path / "model"
    shutil.copytree(model, damaged)
    member = damage.split()[0]
    for path in sorted((damaged / member).rglob("*"), reverse=True):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    shutil.rmtree(damaged / member)
    if damage.endswith("emptied"):
        (damaged / member).mkdir()
    with pytest.raises(openmm.OpenMMException, match=f"lacks ensemble member {member} .*of its {members}"):
        openmmligand.AniForce(str(damaged))
    openmmligand.AniForce(model)  # the whole model still loads


def test_a_particle_twice_and_a_box_too_small_are_refused():
    # The same particle twice, and two atoms at one point.
    molecule = next(m for m in molecules() if m["name"] == "ethanol")
    system, force = build(molecule)
    force.addParticle(0, molecule["atomic_numbers"][0])
    with pytest.raises(openmm.OpenMMException, match="particle 0 was added twice"):
        evaluate(system, molecule["positions_nm"])
    # A box too small for the minimum image.
    small = dict(molecule, box_nm=(numpy.eye(3) * 0.9).tolist())
    with pytest.raises(openmm.OpenMMException, match="at least twice the model's cutoff"):
        evaluate(build(small)[0], molecule["positions_nm"])


@pytest.mark.parametrize("platform", PLATFORMS, ids=lambda c: c[0] if c[1] is None else f"{c[0]}-{c[1]}")
def test_bad_positions_are_refused_on_every_platform(platform):
    """Two ML atoms at one point, a NaN coordinate: an exception naming the particles, never a number."""
    molecule = next(m for m in molecules() if m["name"] == "ethanol")
    system, _ = build(molecule)
    positions = numpy.array(molecule["positions_nm"])
    positions[1] = positions[0]
    with pytest.raises(openmm.OpenMMException, match="ML atoms 0 and 1 .*at the same point"):
        evaluate(system, positions, platform)
    positions = numpy.array(molecule["positions_nm"])
    positions[2, 1] = numpy.nan
    with pytest.raises(
        openmm.OpenMMException, match="particle 2 has (the|a) position|Particle coordinate is (NaN|nan)"
    ):  # the CPU platform checks first
        evaluate(system, positions, platform)


BAD_POSITIONS = {
    "two atoms at one point": (lambda p: p.__setitem__(1, p[0]), "ML atoms 0 and 1 .*at the same point"),
    "a NaN coordinate": (
        lambda p: p.__setitem__((2, 1), numpy.nan),
        "particle 2 has (the|a) position|Particle coordinate is (NaN|nan)",
    ),
}


@pytest.mark.parametrize("platform", PLATFORMS, **PLATFORM_IDS)
@pytest.mark.parametrize("bad", BAD_POSITIONS, ids=str)
def test_bad_positions_in_forces_only_evaluations_raise_by_the_next_evaluation(platform, bad):
    """MD computes forces only. On OpenCL and CUDA a forces-only evaluation with bad positions returned zero ML
    forces and steps went on: now Reference and CPU raise at once, GPU platforms from the next evaluation (a
    getState or a step; the check is read back without waiting for the device). After the error the Context works
    again with good positions, and no stale error is raised."""
    damage, message = BAD_POSITIONS[bad]
    molecule = next(m for m in molecules() if m["name"] == "ethanol")
    system, _ = build(molecule)
    good = numpy.array(molecule["positions_nm"])
    positions = good.copy()
    damage(positions)
    integrator = openmm.VerletIntegrator(0.0001)
    context = openmm.Context(system, integrator, *platform_arguments(platform))
    context.setPositions(positions)
    with pytest.raises(openmm.OpenMMException, match=message):
        context.getState(getForces=True)
        context.getState(getForces=True)
    context.setPositions(good)
    expected = evaluate(system, good)[1]
    for _ in range(2):
        forces = context.getState(getForces=True).getForces(asNumpy=True).value_in_unit(KJ_PER_NM)
        assert relative_rms(numpy.array(forces), expected) <= 1e-4
    context.setPositions(positions)
    with pytest.raises(openmm.OpenMMException, match=message):
        integrator.step(1)
        integrator.step(1)
    context.setPositions(good)
    context.setVelocitiesToTemperature(300, 1)
    integrator.step(3)  # nothing stale


@pytest.mark.parametrize("platform", PLATFORMS, ids=lambda c: c[0] if c[1] is None else f"{c[0]}-{c[1]}")
def test_forces_after_dynamics_with_atom_reordering_equal_reference(platform):
    """Ethanol and three chlorine atoms on ANI-2x among 297 identical Lennard-Jones particles (NonbondedForce with
    a cutoff, so that GPU platforms reorder atoms and may swap the chlorines with MM particles: at the first
    evaluation, then every 250 steps): after 20 steps, the ANI group's energy and forces at the final positions
    equal Reference's."""
    molecule = next(m for m in molecules() if m["name"] == "ethanol")
    rng = numpy.random.default_rng(7)
    box = 3.0
    ethanol = numpy.array(molecule["positions_nm"]) + box / 2
    others = []
    while len(others) < 300:  # random sequential addition, packing fraction 0.16
        p = rng.uniform(0, box, 3)
        delta = numpy.vstack([ethanol, *others]) - p if others else ethanol - p
        delta -= box * numpy.round(delta / box)
        if numpy.sqrt((delta**2).sum(axis=1)).min() > 0.3:
            others.append(p)
    positions = numpy.vstack([ethanol, others])
    system = openmm.System()
    system.setDefaultPeriodicBoxVectors(*[openmm.Vec3(*v) for v in numpy.eye(3) * box])
    nonbonded = openmm.NonbondedForce()
    nonbonded.setNonbondedMethod(openmm.NonbondedForce.CutoffPeriodic)
    nonbonded.setCutoffDistance(0.9)
    ani = openmmligand.AniForce(MODEL)
    ani.setUsesPeriodicBoundaryConditions(True)
    ani.setForceGroup(1)
    for i, z in enumerate(molecule["atomic_numbers"]):
        system.addParticle(12.0)
        nonbonded.addParticle(0.0, 0.3, 0.0)
        ani.addParticle(i, z)
    for i in range(len(others)):
        system.addParticle(40.0)
        nonbonded.addParticle(0.0, 0.3, 0.5)
        if i < 3:  # ML atoms identical to MM ones for OpenMM, which may swap them
            ani.addParticle(len(ethanol) + i, 17)
    for i in range(len(ethanol)):
        for j in range(i + 1, len(ethanol)):
            nonbonded.addException(i, j, 0.0, 1.0, 0.0)
    system.addForce(nonbonded)
    system.addForce(ani)
    name, precision = platform
    properties = {"Precision": precision} if precision else {}
    integrator = openmm.LangevinMiddleIntegrator(300, 5.0, 0.0005)
    integrator.setRandomNumberSeed(3)
    context = openmm.Context(system, integrator, openmm.Platform.getPlatformByName(name), properties)
    context.setPositions(positions)
    context.setVelocitiesToTemperature(300, 5)
    integrator.step(20)
    state = context.getState(getPositions=True, getEnergy=True, getForces=True, groups={1}, enforcePeriodicBox=False)
    final = state.getPositions(asNumpy=True).value_in_unit(unit.nanometer)
    reference = make_context(system, ("Reference", None))
    reference.setPositions(final)
    expected = reference.getState(getEnergy=True, getForces=True, groups={1})
    kj, kj_nm = unit.kilojoule_per_mole, unit.kilojoule_per_mole / unit.nanometer
    energy = state.getPotentialEnergy().value_in_unit(kj)
    assert energy == pytest.approx(expected.getPotentialEnergy().value_in_unit(kj), rel=1e-6)
    forces = state.getForces(asNumpy=True).value_in_unit(kj_nm)
    expected_forces = expected.getForces(asNumpy=True).value_in_unit(kj_nm)
    assert numpy.abs(forces[len(ethanol) + 3 :]).max() == 0  # the other particles have no ANI force
    tolerance = 1e-4 if precision in ("single", "mixed") else 1e-5
    assert relative_rms(forces, expected_forces) <= tolerance
