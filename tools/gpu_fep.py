# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""The free-energy half of the GPU check (``tools/gpu-check.sh prepare-fep`` here, ``run-fep`` there).

The GPU machine has no network and no AmberTools, so the Systems are built here and travel:

    python tools/gpu_fep.py prepare DIR [--abfe-systems FOLDER]
        here, in the project environment: amprenavir in HIV-1 protease (1HPV) built, parameterized (GAFF2/AM1-BCC)
        and its Boresch anchors chosen at --quick's settings, packed as DIR/abfe-systems.tar.xz (or the systems/
        folder of an abfe output already made, e.g. the CPU run's, so both runs sample the same Systems); ethanol's
        hydration Systems in DIR/hydration/systems; DIR/1hpv.pdb.

    python3 tools/gpu_fep.py run DIR OUT [--platform CUDA] [--precision mixed] [--dry-run]
        there: bench/hydration.py at --quick's schedule (ours against openmmtools, side by side; 10 iterations of
        250 steps after 2, as the CPU benchmark in docs/benchmarks.md), then amprenavir's ``abfe --quick`` from DIR's
        Systems; their summaries and plots into OUT. ``--dry-run``: tiny lengths, to check the script off the GPU
        machine (e.g. ``--platform CPU --dry-run``).
"""

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HYDRATION_SMILES = "CCO"


def prepare(args):
    """Build (or take) the Systems the GPU run needs, into ``args.dir``."""
    import openmm

    from openmmligand.fep import binding, systems

    os.makedirs(args.dir, exist_ok=True)
    pdb = os.environ.get("OPENMMLIGAND_1HPV_PDB", "/usr/share/pymol/data/tut/1hpv.pdb")
    shutil.copy(pdb, os.path.join(args.dir, "1hpv.pdb"))
    with tempfile.TemporaryDirectory() as work:
        folder = args.abfe_systems
        if folder is None:
            folder = os.path.join(work, "systems")
            cpu = openmm.Platform.getPlatformByName("CPU")
            binding.binding_systems(pdb, "478", folder, quick=True, platform=cpu)
        with tarfile.open(os.path.join(args.dir, "abfe-systems.tar.xz"), "w:xz") as archive:
            archive.add(folder, arcname="systems")
    hydration = os.path.join(args.dir, "hydration", "systems")
    shutil.rmtree(hydration, ignore_errors=True)
    systems.hydration_systems(HYDRATION_SMILES, hydration)
    print(f"prepared {args.dir}: " + ", ".join(sorted(os.listdir(args.dir))))


def _stage(name, started):
    print(f"== {name} (at {time.perf_counter() - started:.0f} s)", flush=True)


def run(args):
    """The hydration benchmark and amprenavir's abfe --quick on ``args.platform``; results into ``args.out``."""
    from openmmligand.fep import binding_free_energy
    from openmmligand.fep.report import text_table

    started = time.perf_counter()
    os.makedirs(args.out, exist_ok=True)
    precision = args.precision or ("mixed" if args.platform in ("CUDA", "OpenCL", "HIP") else None)
    lengths = (
        dict(iterations=2, steps=20, equilibration=0)
        if args.dry_run
        else dict(iterations=10, steps=250, equilibration=2)
    )
    status = 0
    _stage(f"hydration of {HYDRATION_SMILES}, ours vs openmmtools, {args.platform}", started)
    name = f"gpu_hydration_{args.platform.lower()}"
    bench = [sys.executable, os.path.join(ROOT, "bench", "hydration.py"), "--smiles", HYDRATION_SMILES, "--quick"]
    bench += [f"--{key}={value}" for key, value in lengths.items()] + ["--platform", args.platform]
    bench += ["--systems", os.path.join(args.dir, "hydration", "systems"), "--name", name]
    if precision:
        bench += ["--precision", precision]
    status |= subprocess.call(bench)
    for path in glob.glob(os.path.join(ROOT, "bench", "results", name + ".*")):
        shutil.copy(path, args.out)
        if args.dry_run:  # tiny lengths measure nothing: keep them out of the repository's results
            os.remove(path)

    _stage(f"amprenavir in HIV-1 protease (1HPV): abfe --quick on {args.platform}", started)
    # A fixed folder: a second call on the same machine resumes the run where a time limit stopped the first.
    work = args.abfe_out
    if not os.path.isdir(os.path.join(work, "systems")):
        with tarfile.open(os.path.join(args.dir, "abfe-systems.tar.xz")) as archive:
            archive.extractall(work, filter="data")
    properties = {"Precision": precision} if precision else {}
    summary = binding_free_energy(
        os.path.join(args.dir, "1hpv.pdb"),
        "478",
        work,
        quick=True,
        platform=args.platform,
        platform_properties=properties,
        serial=True,
        progress_bar=False,
        **(dict(iterations=1, steps=10, equilibration_iterations=1) if args.dry_run else {}),
    )
    print(text_table(summary))
    for name in ("summary.json", "summary.txt", "report.png"):
        shutil.copy(os.path.join(work, name), os.path.join(args.out, f"abfe-1hpv-quick-{args.platform.lower()}-{name}"))
    _stage(f"done, status {status}", started)
    return status


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    verbs = parser.add_subparsers(dest="verb", required=True)
    make = verbs.add_parser("prepare", help="build the Systems here")
    make.add_argument("dir")
    make.add_argument("--abfe-systems", help="an abfe output's systems/ folder to take instead of building one")
    go = verbs.add_parser("run", help="run them on the GPU machine")
    go.add_argument("dir")
    go.add_argument("out")
    go.add_argument("--platform", default="CUDA")
    go.add_argument("--precision", help="single, mixed or double (default: mixed on GPU platforms)")
    go.add_argument("--dry-run", action="store_true", help="tiny lengths: checks the script, measures nothing")
    go.add_argument("--abfe-out", default="/tmp/gpu-abfe", help="the abfe run's output folder (resumed if there)")
    args = parser.parse_args()
    if args.verb == "prepare":
        return prepare(args)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
