# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Energies of many lambda states in one pass (the u_kn matrix of MBAR and replica exchange)."""

import numpy
import openmm
from openmm import unit

from typing import Optional, Sequence, Tuple

from ._validation import check_context, check_number
from .decouple import find_ligand_coupling_forces
from .errors import LigandError
from .openmmligand_wrapper import LigandCouplingForce

# 1 bar nm^3 in kJ/mol (per mole): 1e5 Pa * 1e-27 m^3 * N_A / 1000.
_BAR_NM3_IN_KJ_PER_MOL = 1e-25 * 6.02214076e23


def _the_force(context, force):
    check_context(context)
    if force is not None:
        if not LigandCouplingForce.isinstance(force):
            raise LigandError(f"force must be a LigandCouplingForce, got {type(force).__name__}")
        return LigandCouplingForce.cast(force) if not isinstance(force, LigandCouplingForce) else force
    found = find_ligand_coupling_forces(context.getSystem())
    if len(found) != 1:
        raise LigandError(f"the Context's System has {len(found)} LigandCouplingForces; pass the one to use as force=")
    return found[0]


def _has_complex(value):
    """Whether a (nested) sequence holds a complex number, which a cast to float would silently truncate."""
    if isinstance(value, (complex, numpy.complexfloating)):
        return True
    if isinstance(value, numpy.ndarray):
        return value.dtype.kind == "c" or (value.dtype == object and any(_has_complex(v) for v in value.ravel()))
    if isinstance(value, (list, tuple)):
        return any(_has_complex(v) for v in value)
    return False


def _states_array(states):
    if isinstance(states, (str, bytes)):
        raise LigandError(f"states must be a sequence of (lambda_sterics, lambda_electrostatics) pairs, got {states!r}")
    if _has_complex(states):
        raise LigandError(f"states must hold real lambdas, got complex values in {states!r}")
    try:
        array = numpy.asarray(states, dtype=float)
    except (TypeError, ValueError):
        raise LigandError(
            f"states must be a sequence of (lambda_sterics, lambda_electrostatics) pairs, got {states!r}"
        ) from None
    if array.ndim != 2 or array.shape[1] != 2 or array.shape[0] == 0:
        raise LigandError(
            f"states must be a non-empty sequence of (lambda_sterics, lambda_electrostatics) pairs; "
            f"got an array of shape {array.shape}"
        )
    bad = ~((array >= 0.0) & (array <= 1.0))
    if bad.any():
        k, column = map(int, numpy.argwhere(bad)[0])
        raise LigandError(
            f"states: state {k} has {('lambda_sterics', 'lambda_electrostatics')[column]} = "
            f"{array[k, column]}, outside [0, 1]"
        )
    return array


def state_energies(
    context: openmm.Context, states: Sequence[Tuple[float, float]], force: Optional[LigandCouplingForce] = None
) -> numpy.ndarray:
    """Potential energy of the whole System in each lambda state, for the Context's current configuration.

    Parameters
    ----------
    context : openmm.Context
        A Context whose System has a LigandCouplingForce (e.g. from :func:`openmmligand.decouple`).
    states : sequence of (lambda_sterics, lambda_electrostatics)
        The K states, each lambda in [0, 1].
    force : LigandCouplingForce, optional
        Which LigandCouplingForce's lambdas the states set (needed only if the System has several).

    Returns
    -------
    numpy.ndarray
        K energies in kJ/mol: element k equals what ``context.getState(getEnergy=True)`` reports after setting
        the parameters to state k. The Context is left as it was (positions, parameters, next step's forces).

    One evaluation of the System and one kernel pass for all K states. When the states' lambda_electrostatics
    differ from the current one and a NonbondedForce scales the ligand's charges with it (decouple's route), that
    force's energy is exactly quadratic in lambda_electrostatics, and its two coefficients are computed directly as
    OpenMM defines the energy (pair sums; with PME also the self energy and the reciprocal sum on the Context's
    own grid, one FFT on the host), with no evaluation at another lambda. Plain Ewald, LJPME, or decouple's
    ``annihilate_electrostatics=False``: two more evaluations of the NonbondedForce's force group instead. See
    LigandCouplingForce.getStateEnergies.
    """
    array = _states_array(states)
    return numpy.array(_the_force(context, force).getStateEnergies(context, list(array[:, 0]), list(array[:, 1])))


def reduced_potentials(
    context: openmm.Context,
    states: Sequence[Tuple[float, float]],
    temperature,
    force: Optional[LigandCouplingForce] = None,
) -> numpy.ndarray:
    """Reduced potentials u_k = (U_k + p V) / kT of the current configuration in each state, for MBAR.

    ``temperature`` in kelvin (a number or a Quantity). The p V term is added when the System has a
    MonteCarloBarostat (it is the same in every state, as the states differ only in lambda).
    """
    temperature = check_number(temperature, "temperature", minimum=0.0, strict_minimum=True, unit_of=unit.kelvin)
    kT = (unit.MOLAR_GAS_CONSTANT_R * temperature * unit.kelvin).value_in_unit(unit.kilojoule_per_mole)
    energies = state_energies(context, states, force)
    for f in context.getSystem().getForces():
        if isinstance(f, openmm.MonteCarloBarostat):
            pressure = context.getParameter(openmm.MonteCarloBarostat.Pressure())  # bar
            a, b, c = context.getState().getPeriodicBoxVectors(asNumpy=True).value_in_unit(unit.nanometer)
            energies = energies + pressure * abs(numpy.dot(a, numpy.cross(b, c))) * _BAR_NM3_IN_KJ_PER_MOL
    return energies / kT
