# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""openmmtools' multistate samplers with the energy matrix in one pass per replica.

Every iteration of a ``MultiStateSampler`` computes, for each replica, its reduced potential in all K thermodynamic
states (the row of the energy matrix MBAR and the replica swaps use). openmmtools does that as K times (apply the
state's parameters to a Context, evaluate it). When the states differ only in a LigandCouplingForce's two lambdas
(and in temperature or pressure, which enter the reduced potential analytically), the whole row is one call of
:func:`openmmligand.state_energies`: one evaluation of the System plus one pass over the ligand's pairs.

The samplers here are openmmtools' own with that one step replaced (the :class:`OnePassEnergyMatrix` mixin); their
storage (``MultiStateReporter``), analysis (``MultiStateSamplerAnalyzer``) and restart (``from_storage``) are
openmmtools'. A parameter used only by forces in force groups of their own, linearly (a restraint's
``lambda_restraints``, as :mod:`openmmligand.fep` builds it) is covered too: that group's energy is evaluated alone
and added state by state. States that differ in anything else (another global parameter; another System) take
openmmtools' own route, and the sampler says so once in its log::

    from openmmtools import alchemy, states, mcmc, multistate
    import openmmligand
    from openmmligand.samplers import ReplicaExchangeSampler

    system = openmmligand.decouple(system, ligand_atoms)
    alchemical = alchemy.AlchemicalState.from_system(system)
    thermo = states.ThermodynamicState(system, 300 * unit.kelvin)
    protocol = {"lambda_sterics": [...], "lambda_electrostatics": [...]}
    compound = states.create_thermodynamic_state_protocol(thermo, protocol, composable_states=[alchemical])
    sampler = ReplicaExchangeSampler(mcmc_moves=mcmc.LangevinDynamicsMove(n_steps=250), number_of_iterations=100)
    sampler.create(compound, states.SamplerState(positions), multistate.MultiStateReporter("run.nc"))
    sampler.run()
"""

import collections
import logging

import numpy
import openmm
from openmm import unit
from openmmtools import cache, multistate, states, utils

from .decouple import find_ligand_coupling_forces
from .energy_matrix import state_energies

logger = logging.getLogger(__name__)


def _lambda_names(context):
    """The two lambda names of the Context's one LigandCouplingForce (None if it has none or several)."""
    forces = find_ligand_coupling_forces(context.getSystem())
    if len(forces) != 1:
        return None
    return forces[0].getStericsParameterName(), forces[0].getElectrostaticsParameterName()


def _signature(state, names):
    """Everything about a state but its two lambdas, temperature and pressure, as comparable text."""
    composable = getattr(state, "_composable_states", None)
    if composable is None:
        return None
    parts = []
    for component in composable:
        serialized = utils.serialize(component)
        parameters = serialized.get("parameters")
        if isinstance(parameters, dict):
            serialized = dict(serialized, parameters={k: v for k, v in parameters.items() if k not in names})
        parts.append(repr(sorted(serialized.items(), key=lambda item: item[0])))
    return "\n".join(parts)


def one_pass_reduced_potentials(context, thermodynamic_states, cache=None):
    """Reduced potentials of the Context's configuration in compatible states, in one pass, or None (and why).

    Returns ``(values, None)`` when the states differ only in the Context's LigandCouplingForce's lambdas,
    temperature, pressure, and parameters that only forces in force groups of their own use, linearly (a
    restraint's ``lambda_restraints``; checked at each configuration): value k is exactly what ``thermodynamic_states[k].reduced_potential(context)``
    gives after ``apply_to_context`` (U_k / kT_k + p_k V / kT_k). Otherwise ``(None, reason)``.
    The Context is left in ``thermodynamic_states[0]``. ``cache`` (a dict the caller keeps while the states do
    not change, as a sampler's do not) holds what was read from the states, so that it is read once.
    """
    key = tuple(id(s) for s in thermodynamic_states)
    if cache is not None and key in cache:
        lambdas, extras, reason = cache[key]
    else:
        lambdas, extras, reason = _read_lambdas(context, thermodynamic_states)
        if cache is not None:
            cache[key] = (lambdas, extras, reason)
    if reason is not None:
        return None, reason
    thermodynamic_states[0].apply_to_context(context)
    energies = numpy.array(state_energies(context, lambdas), dtype=float)  # kJ/mol, at state 0's other parameters
    for name, (groups, values) in extras.items():
        slope = _linear_contribution(context, name, groups)
        if slope is None:
            return None, f"the energy of the forces that use {name} is not linear in it"
        energies += (numpy.array(values) - values[0]) * slope
    pressures = [s.pressure for s in thermodynamic_states]
    volume = None
    if any(p is not None for p in pressures):
        a, b, c = context.getState().getPeriodicBoxVectors(asNumpy=True).value_in_unit(unit.nanometer)
        volume = abs(float(numpy.dot(a, numpy.cross(b, c)))) * unit.nanometer**3
    values = numpy.empty(len(thermodynamic_states))
    for k, state in enumerate(thermodynamic_states):
        # openmmtools' own conversion, so that both routes round alike.
        values[k] = states.ThermodynamicState._compute_reduced_potential(
            energies[k] * unit.kilojoule_per_mole, state.temperature, volume, state.pressure
        )
    return values, None


def _parameter_values(state):
    """The state's composable parameters (name -> value), from openmmtools' serialization of its components."""
    values = {}
    for component in getattr(state, "_composable_states", None) or []:
        parameters = utils.serialize(component).get("parameters")
        if isinstance(parameters, dict):
            values.update(parameters)
    return values


def _separable_groups(system, parameter):
    """The force groups of the forces that use the global ``parameter``, if those groups hold nothing else (so
    that their energy, evaluated alone, is the parameter's whole contribution); else None."""
    users, groups = set(), set()
    forces = system.getForces()
    for index, force in enumerate(forces):
        count = getattr(force, "getNumGlobalParameters", lambda: 0)()
        if any(force.getGlobalParameterName(i) == parameter for i in range(count)):
            if isinstance(force, openmm.NonbondedForce):
                return None
            users.add(index)
            groups.add(force.getForceGroup())
    if not users:
        return None
    others = [i for i, f in enumerate(forces) if f.getForceGroup() in groups and i not in users]
    return None if others else groups


def _read_lambdas(context, thermodynamic_states):
    """The states' (lambda_sterics, lambda_electrostatics) and the other parameters they vary, or (None, None,
    why the one-pass route does not apply).

    Other varied parameters are allowed when every force that uses one sits in force groups of its own (a
    restraint's ``lambda_restraints``): their energy is evaluated alone and, once checked to be linear in the
    parameter, added state by state. Returns (lambdas, {name: (groups, values)}, None)."""
    names = _lambda_names(context)
    if names is None:
        return None, None, "the System has no single LigandCouplingForce"
    if any(s.surface_tension is not None for s in thermodynamic_states):
        return None, None, "a surface tension (NPgammaT) is set"
    lambdas = []
    for state in thermodynamic_states:
        try:
            values = [getattr(state, name) for name in names]
        except AttributeError:
            return None, None, f"a state has no {names[0]} / {names[1]} attribute"
        if any(v is None for v in values):
            return None, None, f"a state leaves {names[0]} or {names[1]} undefined"
        lambdas.append(values)
    parameters = [_parameter_values(s) for s in thermodynamic_states]
    varied = sorted(
        {
            k
            for p in parameters
            for k in p
            if k not in names and any(q.get(k) != parameters[0].get(k) for q in parameters)
        }
    )
    extras = {}
    for name in varied:
        groups = _separable_groups(context.getSystem(), name)
        values = [p.get(name) for p in parameters]
        if groups is None or any(v is None for v in values):
            return (
                None,
                None,
                (
                    f"the states differ in more than {names[0]}, {names[1]}, temperature and pressure ({name}, which "
                    f"is not alone in its force groups)"
                ),
            )
        extras[name] = (groups, [float(v) for v in values])
    ignored = set(names) | set(varied)
    reference = _signature(thermodynamic_states[0], ignored)
    if reference is None or any(_signature(s, ignored) != reference for s in thermodynamic_states[1:]):
        return None, None, f"the states differ in more than {names[0]}, {names[1]}, temperature and pressure"
    return lambdas, extras, None


def _linear_contribution(context, name, groups):
    """dU/d(name) of the forces in ``groups`` at the Context's configuration, if U is linear in the parameter
    there (U(0) = 0, U(1/2) = U(1)/2); else None. The parameter is left as it was."""
    was = context.getParameter(name)
    energies = {}
    try:
        for value in (0.0, 0.5, 1.0):
            context.setParameter(name, value)
            state = context.getState(getEnergy=True, groups=set(groups))
            energies[value] = state.getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)
    finally:
        context.setParameter(name, was)
    scale = max(1.0, abs(energies[1.0]))
    if abs(energies[0.0]) > 1e-9 * scale or abs(energies[0.5] - 0.5 * energies[1.0]) > 1e-6 * scale:
        return None
    return energies[1.0]


class _ContextRecorder(cache.ContextCache):
    """Stands in for a sampler's ContextCache while one replica is propagated, remembering the last Context the
    MCMC move took from it (the one the replica's new positions were read from). Everything else is the real
    cache's (no ``__init__``: attributes it lacks are looked up on the real one)."""

    def __init__(self, real):  # noqa: D107 - the base __init__ is not called on purpose
        self.__dict__["_real"] = real
        self.__dict__["last_context"] = None

    def __getattr__(self, name):
        return getattr(self.__dict__["_real"], name)

    def get_context(self, thermodynamic_state, integrator=None):
        context, context_integrator = self._real.get_context(thermodynamic_state, integrator)
        self.__dict__["last_context"] = context
        return context, context_integrator


def _configuration(sampler_state):
    """A replica's positions and box (nm) as arrays, to tell whether a row was computed for them."""
    positions = numpy.array(sampler_state.positions.value_in_unit(unit.nanometer))
    box = sampler_state.box_vectors
    box = None if box is None else numpy.array(box.value_in_unit(unit.nanometer))
    return positions, box


def _same_configuration(a, b):
    return numpy.array_equal(a[0], b[0]) and (
        (a[1] is None and b[1] is None) or (a[1] is not None and b[1] is not None and numpy.array_equal(a[1], b[1]))
    )


class OnePassEnergyMatrix:
    """Mixin for openmmtools' ``MultiStateSampler`` family: each replica's energies in all (neighbourhood and
    unsampled) states through :func:`one_pass_reduced_potentials`, falling back to openmmtools' own loop where
    that does not apply (logged once per reason). ``one_pass_energies = False`` switches the fast route off.

    Where it can, the row is computed right after the replica's MCMC move, in the Context the move ended in: that
    Context already holds the replica's positions with a current neighbour list, so the row costs one evaluation
    plus the one-pass work instead of (new positions in the energy Context + neighbour list + evaluation), which
    is most of openmmtools' cost of a row. It is used only when that Context's positions and box are exactly the
    replica's (checked; a move that rejects and restores leaves other positions there) and only for the
    configuration it was computed for; otherwise the row is computed in the energy Context as openmmtools does."""

    one_pass_energies = True

    @property
    def energy_matrix_routes(self):
        """How many rows of the energy matrix each route computed so far in this process, as a dict: ``"after
        move"`` (in the Context the replica's move ended in), ``"one pass"`` (in the energy Context), ``"openmmtools"``
        (openmmtools' own loop over states)."""
        return dict(self.__dict__.setdefault("_routes", collections.Counter()))

    def _count_route(self, route):
        self.__dict__.setdefault("_routes", collections.Counter())[route] += 1

    def _propagate_replica(self, replica_id):
        if not self.one_pass_energies or not isinstance(self.sampler_context_cache, cache.ContextCache):
            return super()._propagate_replica(replica_id)
        real = self.sampler_context_cache
        recorder = _ContextRecorder(real)
        self.sampler_context_cache = recorder
        try:
            propagated = super()._propagate_replica(replica_id)
        finally:
            self.sampler_context_cache = real
        if recorder.last_context is not None:
            self._row_in_propagation_context(replica_id, recorder.last_context)
        return propagated

    def _row_in_propagation_context(self, replica_id, context):
        """Compute and keep the replica's row in the Context its move ended in, when that is exact and possible."""
        rows = self.__dict__.setdefault("_rows_after_move", {})
        rows.pop(replica_id, None)
        state_index = self._replica_thermodynamic_states[replica_id]
        own_state = self._thermodynamic_states[state_index]
        sampler_state = self._sampler_states[replica_id]
        configuration = _configuration(sampler_state)
        # The positions as the sampler state read them from a Context (wrapped into the box).
        held = context.getState(
            getPositions=True, enforcePeriodicBox=context.getSystem().usesPeriodicBoundaryConditions()
        )
        here = (
            numpy.array(held.getPositions(asNumpy=True).value_in_unit(unit.nanometer)),
            numpy.array(held.getPeriodicBoxVectors(asNumpy=True).value_in_unit(unit.nanometer))
            if configuration[1] is not None
            else None,
        )
        if not _same_configuration(here, configuration):
            return
        results = []
        for the_states in (
            [self._thermodynamic_states[n] for n in self._neighborhood(state_index)],
            self._unsampled_states,
        ):
            if len(the_states) == 0:
                results.append(numpy.zeros(0))
                continue
            groups, _ = states.group_by_compatibility(the_states)
            if len(groups) != 1 or not own_state.is_state_compatible(groups[0][0]):
                return
            values, _ = one_pass_reduced_potentials(
                context, the_states, self.__dict__.setdefault("_one_pass_cache", {})
            )
            own_state.apply_to_context(context)  # the move's state back (integrator temperature included)
            if values is None:
                return
            results.append(values)
        rows[replica_id] = (state_index, configuration, tuple(results))

    def _compute_replica_energies(self, replica_id):
        if not self.one_pass_energies:
            return super()._compute_replica_energies(replica_id)
        state_index = self._replica_thermodynamic_states[replica_id]
        sampler_state = self._sampler_states[replica_id]
        kept = self.__dict__.get("_rows_after_move", {}).pop(replica_id, None)
        if kept is not None and kept[0] == state_index and _same_configuration(kept[1], _configuration(sampler_state)):
            self._count_route("after move")
            return kept[2]
        neighborhood = self._neighborhood(state_index)
        results = []
        for the_states in ([self._thermodynamic_states[n] for n in neighborhood], self._unsampled_states):
            energies = numpy.zeros(len(the_states))
            groups, indices = states.group_by_compatibility(the_states)
            for group, group_indices in zip(groups, indices):
                context, _ = self.energy_context_cache.get_context(group[0])
                sampler_state.apply_to_context(context, ignore_velocities=True)
                values, reason = one_pass_reduced_potentials(
                    context, group, self.__dict__.setdefault("_one_pass_cache", {})
                )
                if values is None:
                    self._say_once(reason)
                    values = states.ThermodynamicState.reduced_potential_at_states(context, group)
                self._count_route("one pass" if reason is None else "openmmtools")
                for value, k in zip(values, group_indices):
                    energies[k] = value
            results.append(energies)
        return tuple(results)

    def _say_once(self, reason):
        said = self.__dict__.setdefault("_one_pass_reasons", set())
        if reason not in said:
            said.add(reason)
            logger.warning(f"openmm-ligand: openmmtools' own energy loop for these states: {reason}")


class MultiStateSampler(OnePassEnergyMatrix, multistate.MultiStateSampler):
    """openmmtools' ``MultiStateSampler`` (independent windows) with the one-pass energy matrix."""


class ReplicaExchangeSampler(OnePassEnergyMatrix, multistate.ReplicaExchangeSampler):
    """openmmtools' ``ReplicaExchangeSampler`` (Hamiltonian replica exchange) with the one-pass energy matrix."""


class SAMSSampler(OnePassEnergyMatrix, multistate.SAMSSampler):
    """openmmtools' ``SAMSSampler`` with the one-pass energy matrix (its neighbourhood rows included)."""


__all__ = [
    "OnePassEnergyMatrix",
    "one_pass_reduced_potentials",
    "MultiStateSampler",
    "ReplicaExchangeSampler",
    "SAMSSampler",
]
