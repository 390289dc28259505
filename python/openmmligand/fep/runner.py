# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Run units serially or as Dask tasks: a LocalCluster sized to the machine, or an existing scheduler.

Each unit is one task (``run_unit_in_subprocess`` on its JSON spec: the unit runs in a child process of the worker); tasks are independent, so Dask spreads them over its
workers. A worker lost mid-unit (killed, its node gone) makes Dask run the task again elsewhere (up to
``distributed.scheduler.allowed-failures`` times, 3 by default); the unit then resumes from its last checkpoint,
so only the iterations after it are redone. Units that finished are read back from their ``result.json``.

Workers must see the output folder at the same path (one machine, or a shared filesystem on a cluster). For
SLURM/PBS, start a cluster with dask-jobqueue (``SLURMCluster(...).scale(jobs=N)``) and pass its
``scheduler_address``; one unit per worker process (``processes=cores``, one thread each) keeps OpenMM's CPU
threads from competing, and with GPUs, one worker per GPU (``CUDA_VISIBLE_DEVICES`` per worker).
"""

import json
import os
import signal
import subprocess
import sys
from typing import Callable, List, Optional

from ..errors import LigandError
from .units import UnitSpec, finished_result, read_json, run_unit


def _die_with_parent():
    """Linux: the unit's process gets SIGKILL when the worker that started it dies, so a lost worker never leaves
    a second writer on the unit's storage."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def run_unit_in_subprocess(spec_json: dict, gpus: int = 0) -> dict:
    """:func:`run_unit` in a child process of this one (what a Dask task runs).

    openmmtools guards its storage writes with signal handlers, which only the main thread of a process may
    install, and a Dask worker runs tasks in threads; a child process also confines a crash of OpenMM to the
    unit. ``gpus`` > 0: the child sees one GPU, chosen by the Dask worker's number. Raises LigandError with the end of the child's output if it fails.
    """
    spec = UnitSpec(**spec_json)
    result = finished_result(spec)
    if result is not None:
        return result
    os.makedirs(spec.folder, exist_ok=True)
    path = os.path.join(spec.folder, "unit.json")
    with open(path, "w", encoding="utf-8") as stream:
        json.dump(spec.to_json(), stream, indent=1)
    environment = dict(os.environ)
    if gpus:
        # One GPU per Dask worker: worker n (LocalCluster names them 0, 1, ...) takes GPU n mod gpus.
        try:
            from distributed import get_worker

            environment["CUDA_VISIBLE_DEVICES"] = str(int(get_worker().name) % gpus)
        except (ImportError, ValueError, TypeError):
            pass
    done = subprocess.run(
        [sys.executable, "-m", "openmmligand.fep.units", path],
        capture_output=True,
        text=True,
        env=environment,
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )
    if done.returncode != 0:
        said = "\n  ".join((done.stdout + done.stderr).strip().splitlines()[-12:])
        raise LigandError(f"unit {spec.name} failed (exit status {done.returncode}):\n  {said}")
    return read_json(spec.result_path, f"delete it and run the unit again (its storage {spec.storage} is kept)")


def count_gpus() -> int:
    """NVIDIA GPUs visible here (``nvidia-smi -L``; $CUDA_VISIBLE_DEVICES narrows them), 0 if none."""
    import shutil
    import subprocess

    if shutil.which("nvidia-smi") is None:
        return 0
    try:
        listed = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    count = sum(1 for line in listed.splitlines() if line.startswith("GPU "))
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        count = min(count, len([v for v in visible.split(",") if v.strip()]))
    return count


def _client(scheduler: Optional[str], workers: Optional[int], threads_per_worker: int):
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="10s"), None
        except (OSError, TimeoutError) as error:
            raise LigandError(f"the Dask scheduler at {scheduler} does not answer ({error})") from None
    count = workers or max(1, (os.cpu_count() or 1) // threads_per_worker)
    cluster = LocalCluster(
        n_workers=count, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
    )
    return Client(cluster), cluster


def run_units(
    specs: List[dict],
    scheduler: Optional[str] = None,
    workers: Optional[int] = None,
    serial: bool = False,
    threads_per_worker: int = 1,
    progress: Optional[Callable[[dict], None]] = None,
) -> List[dict]:
    """Run every unit (resuming what was started, reading what finished) and return their results in order.

    ``serial``: in this process, one after the other; otherwise Dask: ``scheduler`` (``tcp://host:8786``) or a
    LocalCluster of ``workers`` processes (default: one per ``threads_per_worker`` cores; for CUDA units, one per
    GPU ``nvidia-smi`` lists, each unit's process seeing its worker's GPU). ``progress`` is called
    with each result as it arrives. Raises LigandError for a scheduler that does not answer, and the first
    unit's error otherwise.
    """
    if serial:
        results = []
        for spec in specs:
            results.append(run_unit(spec))
            if progress:
                progress(results[-1])
        return results
    from dask.distributed import as_completed

    gpus = count_gpus() if any(spec.get("platform") == "CUDA" for spec in specs) and not scheduler else 0
    if gpus and not workers:
        workers = gpus  # a LocalCluster of one worker per GPU
    client, cluster = _client(scheduler, workers, threads_per_worker)
    try:
        futures = [
            client.submit(run_unit_in_subprocess, spec, gpus, key=f"unit-{spec['name']}-{os.getpid()}", pure=False)
            for spec in specs
        ]
        index = {future.key: n for n, future in enumerate(futures)}
        results = [None] * len(specs)
        for future in as_completed(futures):
            result = future.result()
            results[index[future.key]] = result
            if progress:
                progress(result)
        return results
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
