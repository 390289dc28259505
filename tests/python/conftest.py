# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Shared fixtures: the platforms every test body runs on, and cached ligand-in-water systems."""

import functools
import os

import openmm
import pytest
from openmm import app, unit

import openmmligand
from openmmligand._plugins import KERNEL_NAME


# GPU precisions the Python tests run in. All three by default; ./run test narrows the OpenMM 7.7 half to "mixed"
# (its C++ tests still run every precision) to keep CI under 30 minutes on two cores.
GPU_PRECISIONS = tuple(os.environ.get("OPENMMLIGAND_TEST_PRECISIONS", "single,mixed,double").split(","))


def kernel_platforms():
    """Every loaded platform that has our kernel, with its precisions (GPU_PRECISIONS) on GPU platforms."""
    configs = []
    for index in range(openmm.Platform.getNumPlatforms()):
        platform = openmm.Platform.getPlatform(index)
        if not platform.supportsKernels([KERNEL_NAME]):
            continue
        if "Precision" in platform.getPropertyNames():
            configs += [(platform.getName(), precision) for precision in GPU_PRECISIONS]
        else:
            configs.append((platform.getName(), None))
    return configs


PLATFORMS = kernel_platforms()


def pytest_report_header(config):
    failures = openmm.Platform.getPluginLoadFailures()
    return [
        f"platforms with the openmm-ligand kernel: {PLATFORMS}",
        f"OpenMM plugin load failures: {list(failures) if failures else 'none'}",
    ]


# The AniForce kernel tests run on the tests' own model and need nothing a checkout lacks: a skip there for any
# reason but these (the peer checks against the published ANI-2x files and TorchANI) fails the run.
ANI_KERNEL_TEST_FILES = ("test_ani_force.py", "test_ml_mm.py")
ALLOWED_ANI_SKIPS = ("the ANI-2x model files are not at", "could not import 'torchani'")
_unexpected_skips = []


def pytest_runtest_logreport(report):
    if report.skipped and os.path.basename(report.fspath) in ANI_KERNEL_TEST_FILES:
        reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if not any(allowed in reason for allowed in ALLOWED_ANI_SKIPS):
            _unexpected_skips.append(f"{report.nodeid}: {reason}")


def pytest_sessionfinish(session, exitstatus):
    if _unexpected_skips:
        print("\nAniForce kernel tests skipped (each must run on every checkout):\n  " + "\n  ".join(_unexpected_skips))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(params=PLATFORMS, ids=lambda c: c[0] if c[1] is None else f"{c[0]}-{c[1]}")
def platform(request):
    return request.param


def tolerance(platform):
    """Relative tolerance for whole-System comparisons on a configuration. The CPU platform evaluates
    NonbondedForce (PME included) in single precision, whatever precision our kernel uses."""
    name, precision = platform
    if name == "Reference" or precision == "double":
        return 1e-6 if name != "Reference" else 1e-9
    return 2e-6 if name == "CPU" else 2e-5


def make_context(system, platform):
    name, precision = platform
    properties = {"Precision": precision} if precision else {}
    return openmm.Context(system, openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName(name), properties)


def lambda_difference(context, name, value, h, points=2, groups=-1):
    """Central difference of the energy in a Context parameter at value, step h (2 or 5 points); the parameter is
    restored. The CPU platform's energies carry ~1e-4 kJ/mol of summation-order noise (its threads add up in any
    order), which a 1e-4 step turns into ~1 kJ/mol: there a five-point difference with a step of 1e-2 is exact to
    the noise / (12 h) and to h^4 in the truncation."""
    offsets = (-1, 1) if points == 2 else (-2, -1, 1, 2)
    e = []
    for k in offsets:
        context.setParameter(name, value + k * h)
        e.append(energy(context, groups))
    context.setParameter(name, value)
    if points == 2:
        return (e[1] - e[0]) / (2 * h)
    return (8 * (e[2] - e[1]) - (e[3] - e[0])) / (12 * h)


def loop_energies(context, states, names=("lambda_sterics", "lambda_electrostatics")):
    """The energies the Context reports state by state (setParameter + getState per state); its lambdas restored."""
    import numpy

    saved = [context.getParameter(name) for name in names]
    energies = []
    for state in states:
        for name, value in zip(names, state):
            context.setParameter(name, value)
        energies.append(energy(context))
    for name, value in zip(names, saved):
        context.setParameter(name, value)
    return numpy.array(energies)


def energy(context, groups=-1):
    return context.getState(getEnergy=True, groups=groups).getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)


def forces(context):
    import numpy

    return numpy.array(
        context.getState(getForces=True).getForces(asNumpy=True).value_in_unit(unit.kilojoule_per_mole / unit.nanometer)
    )


METHODS = {
    "PME": dict(nonbonded_method=app.PME),
    "PME-switch": dict(nonbonded_method=app.PME, switch_distance=0.75),
    "RF-periodic": dict(nonbonded_method=app.CutoffPeriodic),
    "RF-nonperiodic": dict(nonbonded_method=app.CutoffNonPeriodic),
    "NoCutoff": dict(nonbonded_method=app.NoCutoff),
}


@functools.lru_cache(maxsize=None)
def ligand_in_water(method):
    return openmmligand.testsystems.ligand_in_water(**METHODS[method])
