# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""ML/MM in one call: the ligand's own energy from an ANI model (AniForce), everything else from the MM force field.

Mechanical embedding, as openmm-ml's ``MLPotential.createMixedSystem``: the ligand's bonded terms (every bond,
angle, torsion and CMAP term whose atoms are all ligand atoms) and its ligand–ligand nonbonded pairs are removed
from the MM forces (the pairs become NonbondedForce exceptions with zero charge product and epsilon, which with
PME also removes their reciprocal-space part); ligand–environment interactions stay MM. Works with
:func:`openmmligand.decouple` applied afterwards: the ligand's own energy is then ANI at every lambda, since all its
pairs are exceptions (no intramolecular Lennard-Jones in the LigandCouplingForce, no charges scaled between them).
"""

from __future__ import annotations

import warnings
from typing import Optional, Sequence

import openmm
from openmm import app

from ._validation import check_indices
from .errors import LigandError
from .openmmligand_wrapper import AniForce

#: The Context parameter that interpolates the ligand's own energy between MM (0) and ML (1).
LAMBDA_INTERPOLATE = "lambda_interpolate"

_BONDED = (
    (openmm.HarmonicBondForce, "getNumBonds", "getBondParameters", 2),
    (openmm.HarmonicAngleForce, "getNumAngles", "getAngleParameters", 3),
    (openmm.PeriodicTorsionForce, "getNumTorsions", "getTorsionParameters", 4),
    (openmm.RBTorsionForce, "getNumTorsions", "getTorsionParameters", 4),
    (openmm.CustomBondForce, "getNumBonds", "getBondParameters", 2),
    (openmm.CustomAngleForce, "getNumAngles", "getAngleParameters", 3),
    (openmm.CustomTorsionForce, "getNumTorsions", "getTorsionParameters", 4),
)


def atomic_numbers(topology: app.Topology, atoms: Sequence[int]) -> list:
    """The atomic numbers of the given atoms of a Topology; raises LigandError naming an atom without element."""
    by_index = list(topology.atoms())
    numbers = []
    for i in atoms:
        element = by_index[i].element
        if element is None:
            raise LigandError(f"atom {i} ({by_index[i].name} of {by_index[i].residue.name}) has no element")
        numbers.append(element.atomic_number)
    return numbers


def ml_mm(
    system: openmm.System,
    ligand_atoms: Sequence[int],
    model_directory: str,
    *,
    topology: Optional[app.Topology] = None,
    atomic_numbers_of_ligand: Optional[Sequence[int]] = None,
    interpolate: bool = False,
    force_group: Optional[int] = None,
) -> openmm.System:
    """Return a new ML/MM System: the ligand's own energy from the ANI model in ``model_directory``.

    Parameters
    ----------
    system : openmm.System
        The MM System (one NonbondedForce). Left untouched.
    ligand_atoms : sequence of int
        The ligand's particles: a neutral, closed-shell molecule of the model's elements (ANI-2x: H C N O S F Cl).
    model_directory : str
        The model's NeuroChem files (see :class:`AniForce`; ANI-2x: torchani/resources/ani-2x_8x of TorchANI's
        repository, MIT licence).
    topology : openmm.app.Topology, optional
        Where the ligand's elements are read from; or give ``atomic_numbers_of_ligand`` (one per ligand atom).
    interpolate : bool
        If True, the ligand's own energy is ``lambda_interpolate * E_ML + (1 - lambda_interpolate) * E_MM``
        with a Context parameter ``lambda_interpolate`` (default 1), as openmm-ml's ``interpolate=True``; E_MM is
        the removed bonded terms plus the ligand's nonbonded pairs without cutoff (plain Coulomb and
        Lennard-Jones, as openmm-ml writes them: with PME this leaves out the ligand's interaction with its own
        periodic images).
    force_group : int, optional
        Force group of the new force (default 0).

    Returns
    -------
    openmm.System
        A new System; the ML force is an :class:`AniForce` (inside a CustomCVForce when ``interpolate``),
        periodic when the System is.
    """
    if not isinstance(system, openmm.System):
        raise LigandError(f"system must be an openmm.System, got {type(system).__name__}")
    atoms = check_indices(ligand_atoms, "ligand_atoms", system.getNumParticles())
    if len(atoms) == 0:
        raise LigandError("ligand_atoms is empty")
    if len(set(atoms)) != len(atoms):
        raise LigandError("ligand_atoms holds a particle twice")
    if (topology is None) == (atomic_numbers_of_ligand is None):
        raise LigandError("give exactly one of topology and atomic_numbers_of_ligand")
    numbers = atomic_numbers(topology, atoms) if topology is not None else list(atomic_numbers_of_ligand)
    if len(numbers) != len(atoms):
        raise LigandError(f"atomic_numbers_of_ligand has {len(numbers)} entries for {len(atoms)} ligand atoms")
    nonbonded = [f for f in system.getForces() if isinstance(f, openmm.NonbondedForce)]
    if len(nonbonded) != 1:
        raise LigandError(f"the System must have exactly one NonbondedForce, it has {len(nonbonded)}")
    ligand = set(atoms)
    _warn_if_not_neutral_closed_shell(nonbonded[0], atoms, numbers)
    _warn_if_bonds_are_cut(system, topology, ligand)

    new = openmm.XmlSerializer.clone(system)
    ani = AniForce(model_directory)
    for i, z in zip(atoms, numbers):
        ani.addParticle(i, int(z))
    ani.setUsesPeriodicBoundaryConditions(new.usesPeriodicBoundaryConditions())

    removed_mm = []  # the ligand-internal MM terms, for interpolate
    for force in new.getForces():
        for cls, count, get, n in _BONDED:
            if type(force) is not cls:
                continue
            copy = openmm.XmlSerializer.clone(force) if interpolate else None
            kept_in_copy = []
            for k in range(getattr(force, count)()):
                parameters = getattr(force, get)(k)
                particles = parameters[:n]
                if set(particles) <= ligand:
                    _zero_term(force, k, parameters, n)
                    kept_in_copy.append(k)
                elif copy is not None:
                    _zero_term(copy, k, getattr(copy, get)(k), n)
            if copy is not None and kept_in_copy:
                removed_mm.append(copy)
        if isinstance(force, openmm.CMAPTorsionForce):
            for k in range(force.getNumTorsions()):
                parameters = force.getTorsionParameters(k)
                if set(parameters[1:9]) <= ligand:
                    raise LigandError("a CMAP torsion lies inside the ligand: not supported by ml_mm")
    nb = [f for f in new.getForces() if isinstance(f, openmm.NonbondedForce)][0]
    pairs = _ligand_pairs_to_exceptions(nb, atoms)
    if interpolate:
        removed_mm.append(_pair_energies(pairs))
        cv = openmm.CustomCVForce(
            f"{LAMBDA_INTERPOLATE}*ml + (1-{LAMBDA_INTERPOLATE})*("
            + "+".join(f"mm{k}" for k in range(len(removed_mm)))
            + ")"
        )
        cv.addGlobalParameter(LAMBDA_INTERPOLATE, 1.0)
        cv.addCollectiveVariable("ml", ani)
        for k, force in enumerate(removed_mm):
            cv.addCollectiveVariable(f"mm{k}", force)
        cv.setName("ML/MM interpolation")
        added = cv
    else:
        added = ani
    if force_group is not None:
        added.setForceGroup(force_group)
    new.addForce(added)
    return new


def _warn_if_bonds_are_cut(system, topology, ligand):
    """A selection that cuts covalent bonds (half a molecule) leaves the ML region with dangling valences, which
    ANI-2x never saw, and the MM bond across the cut at full strength: warn, naming the cut bonds (the Topology's
    bonds where one is given, else the System's HarmonicBondForce bonds and constraints)."""
    if topology is not None:
        pairs = [(a.index, b.index) for a, b in topology.bonds()]
    else:
        pairs = [tuple(system.getConstraintParameters(k)[:2]) for k in range(system.getNumConstraints())]
        for force in system.getForces():
            if isinstance(force, openmm.HarmonicBondForce):
                pairs += [tuple(force.getBondParameters(k)[:2]) for k in range(force.getNumBonds())]
    cut = sorted({tuple(sorted(p)) for p in pairs if (p[0] in ligand) != (p[1] in ligand)})
    if cut:
        shown = ", ".join(f"{i}-{j}" for i, j in cut[:10]) + (f" and {len(cut) - 10} more" if len(cut) > 10 else "")
        warnings.warn(
            f"ml_mm: the ML atoms are bonded to atoms outside them ({len(cut)} bonds cut: {shown}); the ML region "
            "should be whole molecules (ANI-2x was trained on them; a cut bond leaves dangling valences)",
            stacklevel=3,
        )


def _warn_if_not_neutral_closed_shell(nonbonded, atoms, numbers):
    """ANI-2x was trained on neutral closed-shell molecules: warn (clearly) for a net MM charge or an odd electron
    count, where it still gives a number, but not a meaningful one."""
    from openmm import unit

    charge = sum(nonbonded.getParticleParameters(i)[0].value_in_unit(unit.elementary_charge) for i in atoms)
    if abs(charge) > 0.5:
        warnings.warn(
            f"ml_mm: the ligand's MM charges sum to {charge:+.2f} e; ANI models such as ANI-2x describe neutral "
            "molecules only, so its ML energy will not be meaningful",
            stacklevel=3,
        )
    elif sum(int(z) for z in numbers) % 2 == 1:
        warnings.warn(
            "ml_mm: the ligand has an odd number of electrons as a neutral molecule (a radical, or missing "
            "hydrogens); ANI models describe closed-shell molecules only",
            stacklevel=3,
        )


def _zero_term(force, k, parameters, n):
    """Turn term k of a bonded force off: same particles, zero strength."""
    particles, rest = list(parameters[:n]), list(parameters[n:])
    if isinstance(force, openmm.HarmonicBondForce):
        force.setBondParameters(k, *particles, rest[0], 0.0)
    elif isinstance(force, openmm.HarmonicAngleForce):
        force.setAngleParameters(k, *particles, rest[0], 0.0)
    elif isinstance(force, openmm.PeriodicTorsionForce):
        force.setTorsionParameters(k, *particles, rest[0], rest[1], 0.0)
    elif isinstance(force, openmm.RBTorsionForce):
        force.setTorsionParameters(k, *particles, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    else:  # a Custom*Force: its expression may have no "zero" setting
        raise LigandError(
            f"a {type(force).__name__} has a term inside the ligand: ml_mm cannot remove terms of custom forces"
        )


def _ligand_pairs_to_exceptions(nb: openmm.NonbondedForce, atoms):
    """Make every ligand–ligand pair an exception with zero charge product and epsilon; returns each pair's MM
    parameters before (chargeProd, sigma, epsilon), for interpolation."""
    from openmm import unit

    e_unit, s_unit, q2_unit = unit.kilojoule_per_mole, unit.nanometer, unit.elementary_charge**2
    existing = {}
    for k in range(nb.getNumExceptions()):
        i, j, q, s, e = nb.getExceptionParameters(k)
        existing[(min(i, j), max(i, j))] = k
    pairs = []
    for a in range(len(atoms)):
        for b in range(a + 1, len(atoms)):
            i, j = sorted((atoms[a], atoms[b]))
            if (i, j) in existing:
                k = existing[(i, j)]
                _, _, q, s, e = nb.getExceptionParameters(k)
                pairs.append((i, j, q.value_in_unit(q2_unit), s.value_in_unit(s_unit), e.value_in_unit(e_unit)))
                nb.setExceptionParameters(k, i, j, 0.0, s, 0.0)
            else:
                qi, si, ei = nb.getParticleParameters(i)
                qj, sj, ej = nb.getParticleParameters(j)
                q = qi.value_in_unit(unit.elementary_charge) * qj.value_in_unit(unit.elementary_charge)
                sigma = (si.value_in_unit(s_unit) + sj.value_in_unit(s_unit)) / 2
                epsilon = (ei.value_in_unit(e_unit) * ej.value_in_unit(e_unit)) ** 0.5
                pairs.append((i, j, q, sigma, epsilon))
                nb.addException(i, j, 0.0, 1.0, 0.0)
    return pairs


def _pair_energies(pairs):
    """The ligand's MM nonbonded pairs without cutoff (Coulomb + Lennard-Jones), for interpolation."""
    force = openmm.CustomBondForce("138.935456*chargeProd/r + 4*epsilon*((sigma/r)^12 - (sigma/r)^6)")
    for name in ("chargeProd", "sigma", "epsilon"):
        force.addPerBondParameter(name)
    for i, j, q, s, e in pairs:
        force.addBond(i, j, [q, s, e])
    return force


__all__ = ["ml_mm", "atomic_numbers", "LAMBDA_INTERPOLATE"]
