# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Decouple a ligand from its environment in an existing System, and exact dU/dlambda for the result."""

import copy
import math

import openmm

from typing import Dict, List, Optional, Sequence

from ._units import in_nm
from ._validation import check_context, check_index, check_indices, check_name, check_number
from .errors import LigandError
from .openmmligand_wrapper import LigandCouplingForce

_METHODS = {
    openmm.NonbondedForce.NoCutoff: LigandCouplingForce.NoCutoff,
    openmm.NonbondedForce.CutoffNonPeriodic: LigandCouplingForce.CutoffNonPeriodic,
    openmm.NonbondedForce.CutoffPeriodic: LigandCouplingForce.CutoffPeriodic,
    openmm.NonbondedForce.Ewald: LigandCouplingForce.CutoffPeriodic,
    openmm.NonbondedForce.PME: LigandCouplingForce.CutoffPeriodic,
}
_ONE_4PI_EPS0 = 138.93545764438198  # kJ/mol nm / e^2, OpenMM's value (1/(4 pi eps0) with CODATA 2018)


def _the_nonbonded_force(system):
    found = [f for f in system.getForces() if isinstance(f, openmm.NonbondedForce)]
    if len(found) != 1:
        raise LigandError(f"decouple needs a System with exactly one NonbondedForce; this one has {len(found)}")
    return found[0]


def _check_ligand(ligand_atoms, num_particles):
    return check_indices(ligand_atoms, "ligand_atoms", num_particles)


def decouple(
    system: openmm.System,
    ligand_atoms: Sequence[int],
    *,
    annihilate_electrostatics: bool = True,
    softcore_alpha: float = 0.5,
    softcore_a: float = 1.0,
    softcore_b: float = 1.0,
    softcore_c: float = 6.0,
    lambda_sterics_name: str = "lambda_sterics",
    lambda_electrostatics_name: str = "lambda_electrostatics",
    force_group: Optional[int] = None,
) -> openmm.System:
    """Return a new System in which two Context parameters couple the ligand to its environment.

    The input System is left untouched. In the new one, ``lambda_sterics`` and ``lambda_electrostatics``
    (both default 1: fully coupled, identical to the input) control the ligand–environment interactions:

    - the NonbondedForce keeps every environment–environment interaction; the ligand's epsilons become 0
      there and its charges are scaled by ``lambda_electrostatics`` through ``addParticleParameterOffset``,
      which is exact with PME/Ewald, reaction field and no cutoff alike;
    - a :class:`LigandCouplingForce` (in the NonbondedForce's force group unless ``force_group`` says
      otherwise) carries the softcore ligand–environment Lennard-Jones and the ligand's own intramolecular
      Lennard-Jones at full strength (sterics are decoupled, not annihilated), with the NonbondedForce's
      cutoff, switching function and exclusions (every exception of the System);
    - with ``annihilate_electrostatics=True`` the charge products of the ligand's own exceptions (1-4 pairs)
      scale linearly with ``lambda_electrostatics``, as openmmtools' exact-PME treatment does; the ligand's
      non-excluded intramolecular electrostatics scale as lambda_electrostatics^2 (its charges are scaled).
      With ``False`` the ligand's intramolecular electrostatics stay at full strength (a CustomBondForce
      restores them); that is exact for reaction field and no cutoff only, so PME/Ewald systems must annihilate;
    - the long-range dispersion correction: the NonbondedForce's covers environment pairs, the
      LigandCouplingForce adds the ligand's share times lambda_sterics^a, so the total equals the original at
      lambda_sterics = 1 and drops the ligand's share at 0 (see LigandCouplingForce). It is computed once per
      Context; changing lambda costs nothing extra.

    Parameters
    ----------
    system : openmm.System
        The System to decouple from; it must have exactly one NonbondedForce (no LJPME).
    ligand_atoms : sequence of int
        Indices of the ligand's particles.
    annihilate_electrostatics : bool
        See above. Default True (required for PME and Ewald).
    softcore_alpha, softcore_a, softcore_b, softcore_c : float
        The Lennard-Jones softcore (LigandCouplingForce.setSoftcoreParameters); defaults 0.5, 1, 1, 6.
    lambda_sterics_name, lambda_electrostatics_name : str
        Names of the two Context parameters.
    force_group : int or None
        Force group of the new LigandCouplingForce (default: the NonbondedForce's).

    Returns
    -------
    openmm.System
        The decoupled System.

    Raises
    ------
    LigandError
        For a System without exactly one NonbondedForce, LJPME, an empty or invalid ligand, parameter names
        that are already in use, or ``annihilate_electrostatics=False`` with PME/Ewald.
    """
    if not isinstance(system, openmm.System):
        raise LigandError(f"system must be an openmm.System, got {type(system).__name__}")
    original_nb = _the_nonbonded_force(system)
    atoms = _check_ligand(ligand_atoms, system.getNumParticles())
    softcore_alpha = check_number(softcore_alpha, "softcore_alpha", minimum=0.0)
    softcore_a = check_number(softcore_a, "softcore_a", minimum=1.0)
    softcore_b = check_number(softcore_b, "softcore_b", minimum=1.0)
    softcore_c = check_number(softcore_c, "softcore_c", minimum=0.0, strict_minimum=True)
    check_name(lambda_sterics_name, "lambda_sterics_name")
    check_name(lambda_electrostatics_name, "lambda_electrostatics_name")
    if lambda_sterics_name == lambda_electrostatics_name:
        raise LigandError(f"lambda_sterics_name and lambda_electrostatics_name are both '{lambda_sterics_name}'")
    if force_group is not None:
        force_group = check_index(force_group, "force_group")
        if not 0 <= force_group <= 31:
            raise LigandError(f"force_group must be in 0 .. 31, got {force_group}")
    method = original_nb.getNonbondedMethod()
    if method == openmm.NonbondedForce.LJPME:
        raise LigandError(
            "decouple does not support a NonbondedForce with LJPME: its long-range Lennard-Jones "
            "would still couple the ligand"
        )
    if method not in _METHODS:
        raise LigandError(f"unknown NonbondedForce method {method}")
    if not annihilate_electrostatics and method in (openmm.NonbondedForce.PME, openmm.NonbondedForce.Ewald):
        raise LigandError(
            "annihilate_electrostatics=False is not exact with PME/Ewald (the ligand's reciprocal-space "
            "self-interaction scales with its charges); use annihilate_electrostatics=True"
        )
    for name in (lambda_sterics_name, lambda_electrostatics_name):
        for force in system.getForces():
            if hasattr(force, "getNumGlobalParameters") and any(
                force.getGlobalParameterName(k) == name for k in range(force.getNumGlobalParameters())
            ):
                raise LigandError(
                    f"the System already has a global parameter named '{name}' "
                    f"(in a {type(force).__name__}); choose other lambda names"
                )

    # A ligand decoupled once already (under other lambda names) would get lambdas that change nothing: the first
    # decoupling took its Lennard-Jones out of the NonbondedForce and its charges follow the first lambda.
    for existing in find_ligand_coupling_forces(system):
        already = sorted(set(atoms) & set(existing.getLigandParticles()))
        if already:
            raise LigandError(
                f"particle {already[0]} is already decoupled by a LigandCouplingForce (with "
                f"'{existing.getStericsParameterName()}' and '{existing.getElectrostaticsParameterName()}'): decouple "
                "the original System, or drive those lambdas"
            )

    decoupled = copy.deepcopy(system)
    nb = _the_nonbonded_force(decoupled)
    ligand = set(atoms)

    coupling = LigandCouplingForce()
    coupling.setName("LigandCouplingForce")
    for i in range(decoupled.getNumParticles()):
        charge, sigma, epsilon = nb.getParticleParameters(i)
        coupling.addParticle(charge, sigma, epsilon)
    coupling.setLigandParticles(atoms)
    coupling.setNonbondedMethod(_METHODS[method])
    coupling.setCutoffDistance(nb.getCutoffDistance())
    if nb.getUseSwitchingFunction():
        coupling.setUseSwitchingFunction(True)
        coupling.setSwitchingDistance(nb.getSwitchingDistance())
    coupling.setElectrostaticsMode(LigandCouplingForce.NoElectrostatics)
    coupling.setReactionFieldDielectric(nb.getReactionFieldDielectric())  # for interaction_energies
    coupling.setIncludeLigandInternalLJ(True)
    coupling.setUseDispersionCorrection(nb.getUseDispersionCorrection())
    coupling.setSoftcoreParameters(softcore_alpha, softcore_a, softcore_b, softcore_c)
    coupling.setStericsParameterName(lambda_sterics_name)
    coupling.setElectrostaticsParameterName(lambda_electrostatics_name)
    coupling.addEnergyParameterDerivative(lambda_sterics_name)
    coupling.addEnergyParameterDerivative(lambda_electrostatics_name)
    coupling.setForceGroup(nb.getForceGroup() if force_group is None else force_group)

    # The ligand's charges follow lambda_electrostatics inside the NonbondedForce; its LJ moves out. Both
    # lambdas are the NonbondedForce's global parameters, the one place their defaults live: tools that read and
    # set a System's global parameters (openmmtools' AlchemicalState) then see and drive the whole decoupling.
    nb.addGlobalParameter(lambda_electrostatics_name, 1.0)
    nb.addGlobalParameter(lambda_sterics_name, 1.0)
    coupling.setDefinesParameters(False)
    for i in atoms:
        charge, sigma, epsilon = nb.getParticleParameters(i)
        nb.setParticleParameters(i, 0.0 * charge, sigma, 0.0 * epsilon)
        nb.addParticleParameterOffset(lambda_electrostatics_name, i, charge, 0.0, 0.0)

    internal_pairs = []
    for k in range(nb.getNumExceptions()):
        i, j, charge_product, sigma, epsilon = nb.getExceptionParameters(k)
        coupling.addExclusion(i, j)
        if i in ligand and j in ligand and annihilate_electrostatics and _charge_product(charge_product) != 0.0:
            nb.setExceptionParameters(k, i, j, 0.0 * charge_product, sigma, epsilon)
            nb.addExceptionParameterOffset(lambda_electrostatics_name, k, charge_product, 0.0, 0.0)
        internal_pairs.append((min(i, j), max(i, j)))
    # OpenMM 7.7's OpenCL NonbondedForce reads an exception-offset array it never uploaded when there are
    # particle offsets and exceptions but no exception offsets (a segfault under PoCL, garbage on GPUs).
    # One zero offset makes it upload the array; it changes no energy.
    if nb.getNumExceptions() > 0 and nb.getNumExceptionParameterOffsets() == 0:
        nb.addExceptionParameterOffset(lambda_electrostatics_name, 0, 0.0, 0.0, 0.0)

    if not annihilate_electrostatics:
        _restore_internal_electrostatics(decoupled, nb, atoms, set(internal_pairs), lambda_electrostatics_name)
    decoupled.addForce(coupling)
    return decoupled


def _charge_product(value):
    if openmm.unit.is_quantity(value):
        return value.value_in_unit(openmm.unit.elementary_charge**2)
    return float(value)


def _restore_internal_electrostatics(system, nb, atoms, excluded, lambda_name):
    """Add (1 - lambda^2) times the ligand's non-excluded intramolecular Coulomb/reaction-field energy, so
    that it stays at full strength while the NonbondedForce scales the ligand's charges by lambda."""
    method = nb.getNonbondedMethod()
    cutoff = in_nm(nb.getCutoffDistance())
    if method == openmm.NonbondedForce.NoCutoff:
        expression = "(1-{0}^2)*{1}*qq/r".format(lambda_name, _ONE_4PI_EPS0)
    else:
        eps = nb.getReactionFieldDielectric()
        krf = cutoff**-3 * (eps - 1) / (2 * eps + 1)
        crf = 3 * eps / ((2 * eps + 1) * cutoff)
        expression = "(1-{0}^2)*step({2}-r)*{1}*qq*(1/r+{3}*r^2-{4})".format(
            lambda_name, _ONE_4PI_EPS0, cutoff, krf, crf
        )
    bonds = openmm.CustomBondForce(expression)
    bonds.setName("LigandInternalElectrostatics")
    bonds.addGlobalParameter(lambda_name, 1.0)
    bonds.addEnergyParameterDerivative(lambda_name)  # for lambda_derivatives
    bonds.addPerBondParameter("qq")
    bonds.setUsesPeriodicBoundaryConditions(method == openmm.NonbondedForce.CutoffPeriodic)
    bonds.setForceGroup(nb.getForceGroup())
    charges = _ligand_charges(nb, lambda_name)
    for a, i in enumerate(atoms):
        for j in atoms[a + 1 :]:
            if (min(i, j), max(i, j)) in excluded:
                continue
            bonds.addBond(i, j, [charges[i] * charges[j]])
    system.addForce(bonds)


def _ligand_charges(nb, lambda_name):
    """The charges ligand particles have at lambda = 1: their offsets (the base charges were set to 0)."""
    charges = {}
    for k in range(nb.getNumParticleParameterOffsets()):
        name, particle, charge, _, _ = nb.getParticleParameterOffset(k)
        if name == lambda_name:
            charges[particle] = (
                charge.value_in_unit(openmm.unit.elementary_charge) if openmm.unit.is_quantity(charge) else charge
            )
    return charges


def find_ligand_coupling_forces(system: openmm.System) -> List[LigandCouplingForce]:
    """Return the LigandCouplingForces of a System (as LigandCouplingForce objects, not plain Forces)."""
    found = []
    for f in system.getForces():
        if LigandCouplingForce.isinstance(f):
            force = LigandCouplingForce.cast(f)
            force._system = system  # the force lives inside the System: keep it alive with the view
            found.append(force)
    return found


def _global_parameter_names(force):
    if not hasattr(force, "getNumGlobalParameters"):
        return set()
    return {force.getGlobalParameterName(k) for k in range(force.getNumGlobalParameters())}


def _offset_parameter_names(nb):
    names = {nb.getParticleParameterOffset(k)[0] for k in range(nb.getNumParticleParameterOffsets())}
    names |= {nb.getExceptionParameterOffset(k)[0] for k in range(nb.getNumExceptionParameterOffsets())}
    return names


def lambda_derivatives(context: openmm.Context, parameters: Optional[Sequence[str]] = None) -> Dict[str, float]:
    """Exact dU/dlambda of the whole System in a Context, in kJ/mol, without disturbing the Context.

    For the lambdas of the System's LigandCouplingForces this is ``LigandCouplingForce.getLambdaDerivatives``:
    every force that reports parameter derivatives contributes its own, and a NonbondedForce whose charges follow
    lambda_electrostatics through offsets (decouple's route), which reports none, contributes B + 2 C lambda with
    B and C computed in double precision exactly as OpenMM defines its energy (no cutoff, reaction field, PME); for
    plain Ewald or LJPME its force group is evaluated at lambda = 0, 1/2 and 1 instead.

    Other parameter names (not a LigandCouplingForce's) are read from ``getState(getParameterDerivatives=True)``,
    plus, for a NonbondedForce whose offsets follow them, the quadratic through its force group's energy at 0, 1/2
    and 1 (exact up to the platform's precision).

    Parameters
    ----------
    context : openmm.Context
    parameters : sequence of str, optional
        The parameters to differentiate by; default: those of every LigandCouplingForce in the System.

    Returns
    -------
    dict
        {parameter name: dU/dlambda in kJ/mol}

    Raises
    ------
    LigandError
        If a force depends on a parameter in a way that allows no exact answer (see getLambdaDerivatives), or a
        position is NaN or infinite.
    """
    check_context(context)
    system = context.getSystem()
    owned = {}
    for f in find_ligand_coupling_forces(system):
        for name in (f.getStericsParameterName(), f.getElectrostaticsParameterName()):
            owned.setdefault(name, f)
    if parameters is None:
        parameters = list(owned)
    elif isinstance(parameters, str) or not all(isinstance(p, str) for p in parameters):
        raise LigandError(f"parameters must be a sequence of parameter names (str), got {parameters!r}")
    context_parameters = set(context.getParameters().keys())
    for name in parameters:
        if name not in context_parameters:
            raise LigandError(f"the Context has no parameter '{name}'")
    result = {}
    exact = {}
    for name in parameters:
        if name in owned:
            force = owned[name]
            if id(force) not in exact:
                values = force.getLambdaDerivatives(context)
                exact[id(force)] = {
                    force.getStericsParameterName(): values[0],
                    force.getElectrostaticsParameterName(): values[1],
                }
            result[name] = exact[id(force)][name]
        else:
            result[name] = _generic_derivative(context, name)
    return result


def _generic_derivative(context, name):
    """dU/dname for a parameter no LigandCouplingForce owns: reported derivatives plus NonbondedForce quadratics."""
    forces = list(context.getSystem().getForces())
    all_groups = 0
    for f in forces:
        all_groups |= 1 << f.getForceGroup()
    quadratic_groups = 0
    for f in forces:
        if isinstance(f, openmm.NonbondedForce) and name in _offset_parameter_names(f):
            quadratic_groups |= 1 << f.getForceGroup()
    derivative = 0.0
    other_groups = all_groups & ~quadratic_groups
    if other_groups:
        state = context.getState(getParameterDerivatives=True, groups=other_groups)
        derivative += dict(state.getEnergyParameterDerivatives()).get(name, 0.0)
    if quadratic_groups:
        for f in forces:
            if (
                (quadratic_groups >> f.getForceGroup()) & 1
                and not isinstance(f, openmm.NonbondedForce)
                and name in _global_parameter_names(f)
            ):
                raise LigandError(
                    f"a {type(f).__name__} in force group {f.getForceGroup()} depends on '{name}' and "
                    f"shares the group with a NonbondedForce whose offsets use it: put it in another group"
                )
        derivative += _quadratic_derivative(context, name, quadratic_groups)
    if not math.isfinite(derivative):
        raise LigandError(f"dU/d{name} is not finite ({derivative}): check the positions")
    return derivative


def _quadratic_derivative(context, name, groups):
    original = context.getParameter(name)
    energies = []
    try:
        for value in (0.0, 0.5, 1.0):
            context.setParameter(name, value)
            energy = context.getState(getEnergy=True, groups=groups).getPotentialEnergy()
            energies.append(energy.value_in_unit(openmm.unit.kilojoule_per_mole))
    finally:
        context.setParameter(name, original)
    e0, e_half, e1 = energies
    c = 2.0 * (e1 - 2.0 * e_half + e0)
    b = e1 - e0 - c
    return b + 2.0 * c * original
