# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""``openmm-ligand hydration``: the command line over :func:`openmmligand.fep.hydration_free_energy`."""


def add_arguments(parser):
    """The hydration command's options."""
    parser.add_argument("--smiles", required=True, help="the molecule (charge state as given)")
    parser.add_argument("--out", default=None, help="output folder (default: hydration-<smiles hash>); rerun to resume")
    parser.add_argument("--force-field", default="gaff2", choices=["gaff2", "gaff"], help="GAFF version (gaff: 1.x)")
    parser.add_argument("--quick", action="store_true", help="short lengths and fewer states (a laptop, minutes)")
    parser.add_argument("--repeats", type=int, default=1, help="independent repeats (separate units)")
    parser.add_argument("--iterations", type=int, help="replica-exchange iterations per leg (default 1000; quick 50)")
    parser.add_argument("--steps", type=int, help="MD steps of 2 fs per replica per iteration (default 500; quick 250)")
    parser.add_argument("--equilibration", type=int, help="equilibration iterations before production")
    parser.add_argument("--platform", default="CPU", help="OpenMM platform (CPU, OpenCL, CUDA, Reference)")
    parser.add_argument("--precision", help="GPU platforms: single, mixed or double")
    parser.add_argument("--threads", type=int, help="CPU platform threads per unit")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, help="Dask LocalCluster worker processes (default: one per core)")
    where.add_argument("--scheduler", help="an existing Dask scheduler, e.g. tcp://host:8786")
    where.add_argument("--serial", action="store_true", help="no Dask: run the units in this process")
    parser.add_argument("--seed", type=int, default=1)


def run(args):
    """Run the command; prints the text table. Returns the exit status."""
    import hashlib

    from .hydration import hydration_free_energy
    from .report import text_table

    properties = {}
    if args.precision:
        properties["Precision"] = args.precision
    if args.threads:
        properties["Threads"] = str(args.threads)
    out = args.out or "hydration-" + hashlib.sha1(args.smiles.encode()).hexdigest()[:8]
    summary = hydration_free_energy(
        args.smiles,
        out,
        force_field=args.force_field,
        quick=args.quick,
        repeats=args.repeats,
        iterations=args.iterations,
        steps=args.steps,
        equilibration_iterations=args.equilibration,
        platform=args.platform,
        platform_properties=properties,
        seed=args.seed,
        scheduler=args.scheduler,
        workers=args.workers,
        serial=args.serial,
    )
    print(text_table(summary))
    print(f"report: {out}/summary.json, {out}/report.png")
    return 0
