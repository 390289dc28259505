# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Argument checks shared by the public functions: each raises LigandError naming the argument and the value."""

from __future__ import annotations

import math
import numbers
from typing import Any, Iterable, List, Optional

import numpy
import openmm
from openmm import unit

from .errors import LigandError


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_context(context: Any, name: str = "context") -> openmm.Context:
    """An openmm.Context."""
    if not isinstance(context, openmm.Context):
        raise LigandError(f"{name} must be an openmm.Context, got {type(context).__name__}")
    return context


def check_index(value: Any, name: str, num_particles: Optional[int] = None) -> int:
    """A particle index: a Python or numpy integer (not a float, bool or string), in range if num_particles is given."""
    if isinstance(value, (bool, numpy.bool_)) or not isinstance(value, (numbers.Integral, numpy.integer)):
        raise LigandError(f"{name} must hold integer particle indices, got {_short(value)} ({type(value).__name__})")
    index = int(value)
    if num_particles is not None and not 0 <= index < num_particles:
        raise LigandError(f"{name}: particle index {index} is out of range (the System has {num_particles} particles)")
    return index


def check_indices(
    values: Any, name: str, num_particles: Optional[int] = None, allow_empty: bool = False, unique: bool = True
) -> List[int]:
    """A sequence of particle indices (list, tuple, range, 1-D integer array), each checked by check_index."""
    if isinstance(values, (str, bytes, dict)) or not isinstance(values, Iterable):
        raise LigandError(f"{name} must be a sequence of particle indices, got {_short(values)}")
    if isinstance(values, numpy.ndarray) and values.ndim != 1:
        raise LigandError(
            f"{name} must be a one-dimensional sequence of particle indices, got an array of shape {values.shape}"
        )
    indices = [check_index(v, name, num_particles) for v in values]
    if not indices and not allow_empty:
        raise LigandError(f"{name} is empty: give at least one particle index")
    if unique and len(set(indices)) != len(indices):
        seen = set()
        duplicate = next(i for i in indices if i in seen or seen.add(i))
        raise LigandError(f"{name} has the particle index {duplicate} twice")
    return indices


def check_number(
    value: Any,
    name: str,
    minimum: Optional[float] = None,
    maximum: Optional[float] = None,
    strict_minimum: bool = False,
    unit_of: Optional[unit.Unit] = None,
) -> float:
    """A finite real number (a Quantity compatible with unit_of if given), optionally bounded."""
    if unit_of is not None and unit.is_quantity(value):
        if not value.unit.is_compatible(unit_of):
            raise LigandError(f"{name} must be in units compatible with {unit_of}, got {_short(value)}")
        value = value.value_in_unit(unit_of)
    elif unit.is_quantity(value):
        raise LigandError(f"{name} must be a plain number, got the Quantity {_short(value)}")
    if isinstance(value, (bool, numpy.bool_)) or not isinstance(value, (numbers.Real, numpy.floating, numpy.integer)):
        raise LigandError(f"{name} must be a number, got {_short(value)} ({type(value).__name__})")
    number = float(value)
    if not math.isfinite(number):
        raise LigandError(f"{name} must be finite, got {number}")
    if minimum is not None and (number < minimum or (strict_minimum and number == minimum)):
        raise LigandError(f"{name} must be {'>' if strict_minimum else '>='} {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise LigandError(f"{name} must be <= {maximum}, got {number}")
    return number


def check_name(value: Any, name: str) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value:
        raise LigandError(f"{name} must be a non-empty string, got {_short(value)}")
    return value
