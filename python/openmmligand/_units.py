# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Unit handling for the wrapper: accept openmm.unit Quantities or bare numbers in OpenMM's units."""

import numpy
from openmm import unit

from .errors import LigandError


def _strip(value, target):
    if unit.is_quantity(value):
        value = value.value_in_unit(target)
    if isinstance(value, (complex, numpy.complexfloating)):
        raise LigandError(f"expected a real number, got the complex {value!r}")
    return float(value)


def in_nm(value):
    """A length in nm (a Quantity with length units, or a number already in nm)."""
    return _strip(value, unit.nanometer)


def in_kj(value):
    """An energy in kJ/mol (a Quantity with energy units, or a number already in kJ/mol)."""
    return _strip(value, unit.kilojoule_per_mole)


def in_charge(value):
    """A charge in elementary charges (a Quantity, or a number already in e)."""
    return _strip(value, unit.elementary_charge)


def nm(value):
    return value * unit.nanometer


def particle_quantities(values):
    charge, sigma, epsilon = values
    return [charge * unit.elementary_charge, sigma * unit.nanometer, epsilon * unit.kilojoule_per_mole]
