# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""One unit of work: one leg, one repeat — Hamiltonian replica exchange over the leg's lambda schedule, then MBAR.

A unit is described by a JSON-serializable :class:`UnitSpec`, runs anywhere the leg's files can be read (a Dask
worker, a process, this one) and keeps everything in its own folder:

- ``leg.nc`` (+ ``leg_checkpoint.nc``): openmmtools' ``MultiStateReporter`` storage, checkpointed every
  ``checkpoint_interval`` iterations. Running a unit whose storage exists resumes it from the last checkpoint
  (openmmtools' ``from_storage``): iterations done are not redone, and none is counted twice (the reporter
  rewinds to its last checkpoint, so what a killed process wrote after that is overwritten). Equilibration runs in
  chunks of ``checkpoint_interval`` iterations too; ``equilibration.json`` counts those done, so a unit killed while
  equilibrating resumes its equilibration (openmmtools keeps the equilibrated positions at iteration 0 but not how
  many iterations made them: a resumed sampler would otherwise go straight to production).
- ``result.json``: written last, atomically; a unit that has one is complete and is not run again.

The sampler is :class:`openmmligand.samplers.ReplicaExchangeSampler` (each replica's energy row in one pass).
Seeds: the integrator's and the barostat's random number seeds and numpy's (and numba's, which openmmtools' replica
mixing uses) come from ``seed`` and the repeat, so a unit run twice from scratch on a deterministic platform
(Reference; CPU with a fixed thread count) gives the same trajectory.
"""

import contextlib
import json
import logging
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional

import numpy
import openmm
from openmm import unit

from ..errors import LigandError
from .diagnostics import GAP_KT, NO_EXCHANGE_AFTER, neighbour_gaps, stuck_neighbours  # noqa: F401
from .settings import PRESSURE, TEMPERATURE
from .systems import LegSystem

logger = logging.getLogger(__name__)


@dataclass
class UnitSpec:
    """What one unit runs. Lengths: ``iterations`` of ``steps`` MD steps of ``timestep_fs`` per replica."""

    name: str
    folder: str
    leg: dict  # LegSystem.to_json()
    protocol: Dict[str, List[float]]
    iterations: int
    steps: int = 250
    equilibration_iterations: int = 0
    timestep_fs: float = 2.0
    temperature: float = TEMPERATURE
    pressure: Optional[float] = PRESSURE  # atm, periodic legs only
    platform: str = "CPU"
    platform_properties: dict = field(default_factory=dict)
    seed: int = 1
    repeat: int = 0
    checkpoint_interval: int = 10
    minimize_iterations: int = 200
    leg_name: str = ""  # "solvent", "complex", ...: what the report groups results by

    def to_json(self):
        """The spec as a JSON-serializable dict (what ``run_unit`` takes)."""
        return asdict(self)

    @property
    def storage(self):
        """The unit's sampler storage (NetCDF)."""
        return os.path.join(self.folder, "leg.nc")

    @property
    def result_path(self):
        """The unit's result, written when it finishes."""
        return os.path.join(self.folder, "result.json")


#: What a unit's samples depend on besides its length: a folder that holds a run with other values of these cannot be
#: resumed or read back for this unit (the leg's folder aside, so that an output folder can be moved).
DEFINING_FIELDS = (
    "protocol",
    "steps",
    "equilibration_iterations",
    "timestep_fs",
    "temperature",
    "pressure",
    "seed",
    "repeat",
    "minimize_iterations",
)
STORAGE_SPEC = "storage_spec.json"  # the spec the unit's storage was started with
EQUILIBRATION = "equilibration.json"  # equilibration iterations done and stored
PROGRESS = "progress.json"  # production iterations done


def write_json(path, data, indent=None):
    """Write ``data`` to ``path`` atomically: a reader (the progress bar, a rerun) sees the old file or the new."""
    with open(path + ".part", "w", encoding="utf-8") as stream:
        json.dump(data, stream, indent=indent)
    os.replace(path + ".part", path)


def read_json(path, remedy):
    """A JSON file the pipeline wrote; a damaged one (truncated, not JSON) raises LigandError naming it and saying
    what to do (``remedy``), never a bare JSONDecodeError."""
    try:
        with open(path, encoding="utf-8") as stream:
            return json.load(stream)
    except ValueError as error:
        raise LigandError(f"{path} is damaged ({error}): {remedy}") from None


def _defining(spec_json):
    values = {key: spec_json.get(key) for key in DEFINING_FIELDS}
    values["leg"] = {key: value for key, value in spec_json["leg"].items() if key != "folder"}
    return values


def finished_result(spec: UnitSpec) -> Optional[dict]:
    """The unit's result if its folder holds it for these settings and this many iterations; None if there is
    sampling to do (nothing yet, half done, or more iterations asked for than were run: the run is extended from its
    storage). Raises LigandError if the folder holds a run of other settings (naming them) or of more iterations."""
    record = os.path.join(spec.folder, STORAGE_SPEC)
    if os.path.isfile(record):
        stored = _defining(read_json(record, f"delete {spec.folder} to run unit {spec.name} again from the start"))
        wanted = _defining(spec.to_json())
        differ = [key for key in wanted if wanted[key] != stored[key]]
        if differ:
            raise LigandError(
                f"{spec.folder} holds unit {spec.name} run with a different {', '.join(differ)}: it cannot be resumed "
                "with these settings; give another output folder (or delete this unit's folder to run it anew)"
            )
    if not os.path.isfile(spec.result_path):
        return None
    result = read_json(
        spec.result_path, f"delete it to compute unit {spec.name}'s result again from its storage ({spec.storage})"
    )
    if result["iterations"] == spec.iterations:
        return result
    if result["iterations"] > spec.iterations:
        raise LigandError(
            f"unit {spec.name} in {spec.folder} has run {result['iterations']} iterations already, more than the "
            f"{spec.iterations} asked for: ask for at least {result['iterations']}, or give another output folder"
        )
    # More iterations asked for: the run goes on from its storage. The finished result stays until the longer
    # run's replaces it (written atomically), so a storage that turns out unreadable loses nothing.
    return None


def _seed_everything(seed):
    numpy.random.seed(seed)
    try:  # openmmtools mixes replicas in numba-compiled code, whose generator numpy.random.seed does not reach
        from numba import njit

        @njit(cache=False)
        def seed_numba(value):
            numpy.random.seed(value)

        seed_numba(seed)
    except ImportError:
        pass


def _open_reporter(spec, mode):
    from openmmtools import multistate

    return multistate.MultiStateReporter(spec.storage, checkpoint_interval=spec.checkpoint_interval, open_mode=mode)


def _contexts(spec):
    from openmmtools import cache

    platform = openmm.Platform.getPlatformByName(spec.platform)
    properties = dict(spec.platform_properties)
    return (
        cache.ContextCache(platform=platform, platform_properties=properties or None),
        cache.ContextCache(platform=platform, platform_properties=properties or None),
    )


def _minimize(thermodynamic_state, sampler_state, spec):
    """Minimize the one configuration every replica starts from, once, in the first state (openmmtools'
    ``sampler.minimize`` would run K minimizations of the same positions: minutes per replica for a solvated
    protein on a CPU); ``sampler_state`` is updated in place."""
    platform = openmm.Platform.getPlatformByName(spec.platform)
    integrator = openmm.VerletIntegrator(spec.timestep_fs * unit.femtoseconds)
    context = thermodynamic_state.create_context(integrator, platform, dict(spec.platform_properties) or None)
    try:
        sampler_state.apply_to_context(context)
        openmm.LocalEnergyMinimizer.minimize(context, 1.0, spec.minimize_iterations)  # tolerance: kJ/mol/nm
        sampler_state.update_from_context(context)
    finally:
        del context


def _new_sampler(spec, clock=None):
    from openmmtools import alchemy, states

    from ..decouple import decouple
    from ..samplers import ReplicaExchangeSampler
    from .moves import SeededLangevinDynamicsMove

    leg = LegSystem.from_json(spec.leg)
    system, positions, box = leg.load()
    decoupled = decouple(system, leg.ligand_atoms)
    if leg.periodic and spec.pressure:
        barostat = openmm.MonteCarloBarostat(spec.pressure * unit.atmosphere, spec.temperature * unit.kelvin)
        # Seeded like everything else (its default, 0, draws a new seed for every Context): the same seed, the same run.
        barostat.setRandomNumberSeed(spec.seed * 1000 + spec.repeat + 2)
        decoupled.addForce(barostat)
    thermo = states.ThermodynamicState(decoupled, spec.temperature * unit.kelvin)
    composable = [alchemy.AlchemicalState.from_system(decoupled)]
    if "lambda_restraints" in spec.protocol:
        from .restraint_state import RestraintState

        composable.append(RestraintState.from_system(decoupled))
    compound = states.create_thermodynamic_state_protocol(thermo, spec.protocol, composable_states=composable)
    move = SeededLangevinDynamicsMove(
        random_seed=spec.seed * 1000 + spec.repeat + 1,
        timestep=spec.timestep_fs * unit.femtoseconds,
        collision_rate=1.0 / unit.picoseconds,
        n_steps=spec.steps,
        reassign_velocities=False,
    )
    sampler = ReplicaExchangeSampler(mcmc_moves=move, number_of_iterations=spec.iterations)
    sampler.energy_context_cache, sampler.sampler_context_cache = _contexts(spec)
    reporter = _open_reporter(spec, None)
    start = states.SamplerState(positions, box_vectors=box)
    if spec.minimize_iterations:
        _minimize(compound[0], start, spec)
    with _citations_off(ReplicaExchangeSampler):
        sampler.create(compound, start, reporter)
    _equilibrate(sampler, spec, clock)
    return sampler


def _equilibration_done(spec):
    path = os.path.join(spec.folder, EQUILIBRATION)
    if not os.path.isfile(path):
        return 0
    return int(read_json(path, f"delete {spec.folder} to run unit {spec.name} again from the start")["done"])


def _equilibrate(sampler, spec, clock=None):
    """Run the equilibration iterations not yet done, in chunks of ``checkpoint_interval``: after each chunk the
    replicas' positions and thermodynamic states are in the storage (as iteration 0) before the count of
    iterations done is; a process killed in between redoes at most one chunk."""
    done = _equilibration_done(spec)
    while done < spec.equilibration_iterations:
        chunk = min(spec.checkpoint_interval, spec.equilibration_iterations - done)
        started = time.perf_counter()
        sampler.equilibrate(chunk)  # stores the sampler states (positions, velocities, box) at iteration 0
        reporter = sampler._reporter
        reporter.write_replica_thermodynamic_states(sampler._replica_thermodynamic_states, sampler.iteration)
        reporter.sync()
        done += chunk
        pace = _seconds_per_iteration(started, chunk)
        write_json(
            os.path.join(spec.folder, EQUILIBRATION), {"done": done, "of": spec.equilibration_iterations, **pace}
        )
        if clock is not None:
            clock.save()


class _UnitClock:
    """Wall and CPU seconds a unit has taken, across every process that ran a part of it (``time.json``)."""

    def __init__(self, spec):
        self.path = os.path.join(spec.folder, "time.json")
        before = (
            read_json(self.path, f"delete it (unit {spec.name}'s time so far is then not counted)")
            if (os.path.isfile(self.path))
            else {}
        )
        self.before = (float(before.get("wall_seconds", 0.0)), float(before.get("cpu_seconds", 0.0)))
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def totals(self):
        return {
            "wall_seconds": round(self.before[0] + time.perf_counter() - self.wall, 1),
            "cpu_seconds": round(self.before[1] + time.process_time() - self.cpu, 1),
        }

    def save(self):
        write_json(self.path, self.totals())


def _seconds_per_iteration(started, iterations):
    """The pace of the chunk just run, for the time-left estimate of ``openmm-ligand status``."""
    return {"seconds_per_iteration": round((time.perf_counter() - started) / iterations, 2)}


@contextlib.contextmanager
def _citations_off(sampler_class):
    """openmmtools prints its citation banner where a sampler is created and where one is read from storage; a run
    has many units, each resumed many times, so units print none (docs/free-energies.md cites)."""
    silence = sampler_class._global_citation_silence
    sampler_class._global_citation_silence = True
    try:
        yield
    finally:
        sampler_class._global_citation_silence = silence


def _resumed_sampler(spec):
    from ..samplers import ReplicaExchangeSampler

    try:
        with _citations_off(ReplicaExchangeSampler):
            sampler = ReplicaExchangeSampler.from_storage(_open_reporter(spec, None))
    except Exception as error:
        raise LigandError(
            f"the checkpoint of unit {spec.name} ({spec.storage}) cannot be read ({type(error).__name__}: {error}); "
            f"delete {spec.folder} to run this unit again from the start"
        ) from None
    sampler.energy_context_cache, sampler.sampler_context_cache = _contexts(spec)
    return sampler


def run_unit(spec_json: dict) -> dict:
    """Run (or resume, or just read) one unit; returns its result (also in ``result.json``).

    The result: ΔG from the first to the last state in kT and kcal/mol with MBAR's uncertainty, the free energy of
    every state, the overlap matrix, the replica mixing, forward/reverse convergence, iterations and timing.
    Raises LigandError naming the checkpoint if it cannot be read.
    """
    spec = UnitSpec(**spec_json)
    result = finished_result(spec)
    if result is not None:
        return result
    os.makedirs(spec.folder, exist_ok=True)
    _seed_everything(spec.seed * 1000 + spec.repeat)
    resumed_from = 0
    if os.path.isfile(spec.storage):
        sampler = _resumed_sampler(spec)
        clock = _UnitClock(spec)
        resumed_from = sampler.iteration
        if sampler.iteration == 0:  # killed before production: finish the equilibration first
            _equilibrate(sampler, spec, clock)
    else:
        if os.path.isfile(os.path.join(spec.folder, "time.json")):
            os.remove(os.path.join(spec.folder, "time.json"))  # a run from the start: its time from zero
        clock = _UnitClock(spec)
        with open(os.path.join(spec.folder, STORAGE_SPEC), "w", encoding="utf-8") as stream:
            json.dump(spec.to_json(), stream, indent=1)
        sampler = _new_sampler(spec, clock)
    with open(os.path.join(spec.folder, "worker.json"), "w", encoding="utf-8") as stream:
        json.dump({"pid": os.getpid(), "parent_pid": os.getppid(), "resumed_from_iteration": resumed_from}, stream)
    warned = set()
    while sampler.iteration < spec.iterations:
        # extend, not run: a resumed sampler stops at the iterations its storage was created with.
        chunk = min(spec.checkpoint_interval, spec.iterations - sampler.iteration)
        started = time.perf_counter()
        sampler.extend(chunk)
        progress = {"iteration": sampler.iteration, "of": spec.iterations, **_seconds_per_iteration(started, chunk)}
        progress["no_exchange"] = stuck_neighbours(sampler._reporter, spec.protocol, sampler.iteration)
        for stuck in progress["no_exchange"]:
            if tuple(stuck["states"]) not in warned:
                warned.add(tuple(stuck["states"]))
                logger.warning("%s: %s", spec.name, stuck["text"])
        write_json(os.path.join(spec.folder, PROGRESS), progress)
        clock.save()
    sampler._reporter.close()
    from .analysis import analyze_storage

    result = analyze_storage(spec.storage, spec.temperature)
    result.update(
        {
            "unit": spec.name,
            "leg": spec.leg_name,
            "iterations": spec.iterations,
            "steps_per_iteration": spec.steps,
            "states": len(next(iter(spec.protocol.values()))),
            "resumed_from_iteration": resumed_from,
            # The unit's whole time, every resumed part of it and this analysis included.
            "seconds": clock.totals()["wall_seconds"],
            "cpu_seconds": clock.totals()["cpu_seconds"],
            "energy_matrix_routes": dict(getattr(sampler, "energy_matrix_routes", {}) or {}),
        }
    )
    write_json(spec.result_path, result, indent=1)
    return result


if __name__ == "__main__":
    run_unit(read_json(sys.argv[1], "run the pipeline again (it writes this file before it starts the unit)"))
