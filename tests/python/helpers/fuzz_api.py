# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Property-based fuzzing of the public API (run by test_fuzz.py in a subprocess, so a crash fails the test).

    python fuzz_api.py python|xml EXAMPLES

"python": random malformed arguments to every public Python entry point and to LigandCouplingForce's setters;
"xml": XmlSerializer.deserialize of mangled LigandCouplingForce XML, and a Context made from what it returns.
The property each time: a clear exception (LigandError, OpenMMException, TypeError, ValueError) or a valid
result (finite energies), never a crash, a hang or a NaN.
"""

import io
import math
import os
import re
import sys

import numpy
import openmm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openmm import unit

import openmmligand
from openmmligand import LigandCouplingForce, LigandError

mode, examples = sys.argv[1], int(sys.argv[2])
# OverflowError: SWIG's refusal of an integer beyond C int, naming the argument.
CLEAR = (LigandError, openmm.OpenMMException, TypeError, ValueError, OverflowError)
SETTINGS = settings(max_examples=examples, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


def small_system():
    """Four particles: a two-atom ligand and two partners, no cutoff; positions well apart."""
    system = openmm.System()
    nb = openmm.NonbondedForce()
    for q in (0.3, -0.3, 0.4, -0.4):
        system.addParticle(12.0)
        nb.addParticle(q, 0.3, 0.5)
    nb.addException(0, 1, 0.0, 0.3, 0.0)
    system.addForce(nb)
    positions = [openmm.Vec3(0, 0, 0), openmm.Vec3(0.15, 0, 0), openmm.Vec3(0.6, 0.1, 0), openmm.Vec3(0.1, 0.7, 0.2)]
    return system, positions


SYSTEM, POSITIONS = small_system()
DECOUPLED = openmmligand.decouple(SYSTEM, [0, 1])
CONTEXT = openmm.Context(DECOUPLED, openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName("Reference"))
CONTEXT.setPositions(POSITIONS)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.just(numpy.int64(1)),
    st.just(numpy.float32(0.5)),
    st.just(2 * unit.kelvin),
    st.just(1.5 * unit.nanometer),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6), st.tuples(inner, inner), st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=12,
)
arrays = st.builds(
    lambda shape, kind: numpy.zeros(shape, dtype=kind) + 1,
    st.lists(st.integers(0, 3), max_size=3),
    st.sampled_from([int, float, bool, numpy.int8, complex]),
)
anything = st.one_of(values, arrays)


def finite(result):
    if isinstance(result, dict):
        result = list(result.values())
    if hasattr(result, "select_dtypes"):
        result = result.select_dtypes("number").to_numpy()
    array = numpy.asarray(result, dtype=float)
    assert numpy.isfinite(array).all(), f"non-finite result {result!r}"


def clear_or_valid(call, *args, **kwargs):
    try:
        result = call(*args, **kwargs)
    except CLEAR:
        return None
    return result


if mode == "python":
    ENTRY_POINTS = {
        "decouple": lambda a, b: openmmligand.decouple(SYSTEM, a, softcore_alpha=b),
        "decouple-group": lambda a, b: openmmligand.decouple(SYSTEM, [0, 1], force_group=a, lambda_sterics_name=b),
        "state_energies": lambda a, b: finite(openmmligand.state_energies(CONTEXT, a)),
        "reduced_potentials": lambda a, b: finite(openmmligand.reduced_potentials(CONTEXT, [(1, 1)], a)),
        "interaction_energies": lambda a, b: finite(openmmligand.interaction_energies(CONTEXT, a)),
        "lambda_derivatives": lambda a, b: finite(openmmligand.lambda_derivatives(CONTEXT, a)),
        "reporter": lambda a, b: openmmligand.InteractionEnergyReporter(io.StringIO(), a, topology=b),
        "setLigandParticles": lambda a, b: LigandCouplingForce().setLigandParticles(a),
        "addExclusion": lambda a, b: LigandCouplingForce().addExclusion(a, b),
        "setParticleParameters": lambda a, b: LigandCouplingForce().setParticleParameters(0, a, b, 0.1),
        "addParticle": lambda a, b: LigandCouplingForce().addParticle(a, b, 0.1),
        "setSoftcoreParameters": lambda a, b: LigandCouplingForce().setSoftcoreParameters(a, b, 1.0, 6.0),
        "setCutoffDistance": lambda a, b: LigandCouplingForce().setCutoffDistance(a),
        "getStateEnergies": lambda a, b: finite(
            openmmligand.find_ligand_coupling_forces(DECOUPLED)[0].getStateEnergies(CONTEXT, a, b)
        ),
        "getInteractionEnergies": lambda a, b: finite(
            openmmligand.find_ligand_coupling_forces(DECOUPLED)[0].getInteractionEnergies(CONTEXT, a, b)
        ),
    }

    @SETTINGS
    @given(st.sampled_from(sorted(ENTRY_POINTS)), anything, anything)
    def fuzz(entry, a, b):
        clear_or_valid(ENTRY_POINTS[entry], a, b)
        # The shared Context still works, with the parameters it had.
        assert CONTEXT.getParameter("lambda_sterics") == 1.0
        finite(CONTEXT.getState(getEnergy=True).getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole))

    fuzz()

else:
    force = openmmligand.find_ligand_coupling_forces(DECOUPLED)[0]
    XML = openmm.XmlSerializer.serialize(force)
    NUMBERS = ["-1", "0", "4", "5", "1e400", "-1e400", "nan", "inf", "2147483648", "-2147483649", "0.5", "abc", "", "3"]
    ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')
    # A truncated document makes OpenMM's own XML reader (irrXML, XmlSerializer::deserializeStream) read out of
    # bounds: AddressSanitizer reports it in CXMLReaderImpl::parseOpeningXMLElement, before any code of ours runs.
    # Under the sanitizer build (tools/sanitize.sh) that OpenMM bug is left out; everywhere else it is fuzzed too.
    MUTATIONS = ["attribute", "delete", "duplicate"] + (
        [] if "libasan" in os.environ.get("LD_PRELOAD", "") else ["truncate"]
    )

    @st.composite
    def mangled(draw):
        text = XML
        for _ in range(draw(st.integers(1, 4))):
            kind = draw(st.sampled_from(MUTATIONS))
            matches = list(ATTRIBUTE.finditer(text))
            if kind == "attribute" and matches:
                m = draw(st.sampled_from(matches))
                text = text[: m.start(2)] + draw(st.sampled_from(NUMBERS)) + text[m.end(2) :]
            elif kind in ("delete", "duplicate") and not text.splitlines():
                continue
            elif kind == "delete":
                lines = text.splitlines()
                k = draw(st.integers(0, len(lines) - 1))
                text = "\n".join(lines[:k] + lines[k + 1 :])
            elif kind == "duplicate":
                lines = text.splitlines()
                k = draw(st.integers(0, len(lines) - 1))
                text = "\n".join(lines[: k + 1] + [lines[k]] + lines[k + 1 :])
            else:
                text = text[: draw(st.integers(0, len(text)))]
        return text

    @SETTINGS
    @given(mangled())
    def fuzz(text):
        loaded = clear_or_valid(openmm.XmlSerializer.deserialize, text)
        if loaded is None:
            return
        system = openmm.XmlSerializer.deserialize(openmm.XmlSerializer.serialize(SYSTEM))
        system.addForce(loaded)
        try:
            context = openmm.Context(
                system, openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName("Reference")
            )
            context.setPositions(POSITIONS)
            energy = context.getState(getEnergy=True).getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)
        except CLEAR:
            return
        # Mangled numbers may make a valid force with other parameters; its energy is then finite or +infinity
        # (particles on top of each other with no softcore), never NaN.
        assert not math.isnan(energy), text

    fuzz()
print("fuzzing done")
