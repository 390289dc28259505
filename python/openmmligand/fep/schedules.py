# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Lambda schedules for the legs of a decoupling free energy, as openmmtools protocols.

A protocol is a dict of equal-length lists, one per Context parameter, state by state (openmmtools'
``create_thermodynamic_state_protocol`` takes it as is). Electrostatics go first (the ligand's charges scale with
``lambda_electrostatics``), then the softcore Lennard-Jones (``lambda_sterics``), denser near 0 where the softcore
curvature is; a restrained leg switches the restraint on first (``lambda_restraints`` 0 -> 1).

Counts. Hydration (:func:`hydration_protocols`): solvent leg 18 states (5 electrostatics, 13 more for sterics),
vacuum leg 5 (charges only: the decoupled ligand keeps its own Lennard-Jones); ``quick`` 12 and 5. Binding
(:func:`binding_protocols`): complex leg 26 (6 to switch the restraint on, 5 electrostatics, 15 sterics), solvent
leg 20; ``quick`` 24 and 20 (fewer restraint states only).

Why binding has its own, denser sterics schedule (steps of 0.05 from 0.5 down, both legs): a drug in a pocket.
Amprenavir in HIV-1 protease with the hydration quick schedule's sterics accepted no replica swap at all across
0.75 -> 0.5 -> 0.35 -> 0.2 (0 of ~750 proposed per step in 12 iterations; MBAR overlap 0.000, 0.001, 0.012), with a
hysteresis <ΔU>_i->j + <ΔU>_j->i of 34, 24 and 21 kT per step. That grows about as the square of the step, so
~3 kT needs steps of ≈ 0.07 above 0.5 and ≈ 0.05 below; the steps 0.9 -> 0.75 (8.8 kT), 0.2 -> 0.1 (6.9 kT) and
0.1 -> 0 (8.0 kT) exchanged but rarely.

Why the restraint schedule is dense near 0: unrestrained, a bound ligand may turn and shift far more than the
restraint allows (a guest spins freely in a symmetric host), so the first step costs most and overlaps least; with
0 -> 0.5 as the first step, cucurbit[7]uril–B2 at --quick lengths had a neighbour overlap of 0.002 (8.7 kT in one
step). The softcore sterics need the extra states at both ends (T4 lysozyme/p-xylene, 1 -> 0.75: no overlap;
cucurbit[7]uril–B2, 0.2 -> 0: 0.027). Electrostatics keep all five states in ``quick`` too: with 1 -> 0.5 -> 0,
cucurbit[7]uril–B2's first step cost 18 kT in water (neighbour overlap 0.026) and 20.5 kT in the host (0.045) for a
diol; a drug's charges (amprenavir's sulfonamide, carbamate, aniline) cost several times that.
"""

from typing import Dict, List, Optional, Sequence

from ..errors import LigandError

ELECTROSTATICS = [1.0, 0.75, 0.5, 0.25, 0.0]
STERICS = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.35, 0.3, 0.25, 0.2, 0.1, 0.05, 0.0]
RESTRAINTS = [0.0, 0.05, 0.1, 0.3, 0.5, 0.75, 1.0]
QUICK_ELECTROSTATICS = ELECTROSTATICS
QUICK_STERICS = [1.0, 0.9, 0.75, 0.5, 0.35, 0.2, 0.1, 0.0]
QUICK_RESTRAINTS = [0.0, 0.05, 0.2, 0.5, 1.0]
BINDING_STERICS = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2, 0.15, 0.1, 0.05, 0.0]


def _check(values: Sequence[float], name: str, first: Optional[float], last: Optional[float]) -> List[float]:
    """The schedule as floats; LigandError unless it has two values or more, each in [0, 1], strictly monotonic,
    from ``first`` (if given) to ``last`` (if given). A schedule that stopped short of its end state would give the
    free energy of another change, silently."""
    try:
        values = [float(v) for v in values]
    except (TypeError, ValueError):
        raise LigandError(f"the {name} schedule takes numbers, not {list(values)!r}") from None
    if len(values) < 2 or any(not 0.0 <= v <= 1.0 for v in values):
        raise LigandError(f"the {name} schedule needs at least two values, each in [0, 1]: {values}")
    if (first is not None and values[0] != first) or (last is not None and values[-1] != last):
        ends = " and ".join(
            f"{where} at {value:g}" for where, value in (("start", first), ("end", last)) if value is not None
        )
        raise LigandError(f"the {name} schedule must {ends}: {values}")
    steps = [b - a for a, b in zip(values, values[1:])]
    if not (all(step < 0 for step in steps) or all(step > 0 for step in steps)):
        raise LigandError(f"the {name} schedule must change monotonically, each state a step on: {values}")
    return values


def decoupling_protocol(
    electrostatics: Optional[Sequence[float]] = None,
    sterics: Optional[Sequence[float]] = None,
    restraints: Optional[Sequence[float]] = None,
    quick: bool = False,
    decouple_sterics: bool = True,
) -> Dict[str, List[float]]:
    """The states of a leg that takes the ligand from coupled to decoupled.

    ``electrostatics`` (from 1 to 0, sterics at 1) and then ``sterics`` (to 0, charges off); ``restraints``, when
    given (or ``[]`` for the default), first switch a restraint on (from 0, to 1) with the ligand coupled, and it
    stays on. ``None`` or ``[]``: the default schedule (module text). ``decouple_sterics=False`` leaves sterics out
    (the vacuum leg). Raises LigandError for a schedule that is not monotonic in [0, 1] between those ends.
    """
    electrostatics = _check(
        electrostatics if electrostatics else (QUICK_ELECTROSTATICS if quick else ELECTROSTATICS),
        "electrostatics",
        1.0,
        0.0,
    )
    protocol = {"lambda_electrostatics": list(electrostatics), "lambda_sterics": [1.0] * len(electrostatics)}
    if decouple_sterics:
        sterics = _check(sterics if sterics else (QUICK_STERICS if quick else STERICS), "sterics", None, 0.0)
        tail = sterics[1:] if sterics[0] == 1.0 else sterics
        protocol["lambda_electrostatics"] += [electrostatics[-1]] * len(tail)
        protocol["lambda_sterics"] += tail
    if restraints is not None:
        restraints = _check(
            restraints if restraints else (QUICK_RESTRAINTS if quick else RESTRAINTS), "restraints", 0.0, None
        )
        head = restraints[:-1] if restraints[-1] == 1.0 else restraints
        count = len(protocol["lambda_sterics"])
        protocol = {
            "lambda_restraints": head + [1.0] * count,
            "lambda_electrostatics": [1.0] * len(head) + protocol["lambda_electrostatics"],
            "lambda_sterics": [1.0] * len(head) + protocol["lambda_sterics"],
        }
    return protocol


def hydration_protocols(
    electrostatics: Optional[Sequence[float]] = None, sterics: Optional[Sequence[float]] = None, quick: bool = False
) -> Dict[str, Dict[str, List[float]]]:
    """The legs of a hydration free energy: {"solvent": ..., "vacuum": ...} (the vacuum leg takes the
    electrostatics only). ``None``: the defaults (module text). Raises LigandError as :func:`decoupling_protocol`."""
    return {
        "solvent": decoupling_protocol(electrostatics, sterics, quick=quick),
        "vacuum": decoupling_protocol(electrostatics, quick=quick, decouple_sterics=False),
    }


def binding_protocols(
    electrostatics: Optional[Sequence[float]] = None,
    sterics: Optional[Sequence[float]] = None,
    restraints: Optional[Sequence[float]] = None,
    quick: bool = False,
) -> Dict[str, Dict[str, List[float]]]:
    """The legs of an absolute binding free energy: {"complex": ..., "solvent": ...}; ``sterics`` defaults to
    :data:`BINDING_STERICS` for both legs (module text), ``restraints`` to the (quick) restraint schedule. Raises
    LigandError as :func:`decoupling_protocol`."""
    sterics = sterics if sterics else BINDING_STERICS
    return {
        "complex": decoupling_protocol(electrostatics, sterics, restraints or [], quick=quick),
        "solvent": decoupling_protocol(electrostatics, sterics, quick=quick),
    }
