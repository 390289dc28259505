# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""``openmm-ligand hydration`` and ``openmm-ligand abfe``: the command line over :mod:`openmmligand.fep`."""


def _number(kind, minimum, strict):
    """An argparse type: a number of ``kind`` (int or float) that is > ``minimum`` (strict) or >= it."""
    import argparse

    def parse(text):
        """The number ``text`` holds, or an argparse error naming what it is not."""
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{'an integer' if kind is int else 'a number'} expected, not {text!r}"
            ) from None
        if value < minimum or (strict and value == minimum):
            raise argparse.ArgumentTypeError(f"must be {'>' if strict else '>='} {minimum}, not {text}")
        return value

    return parse


#: Counts that must be at least one, and the ones that may be zero.
POSITIVE, NON_NEGATIVE = _number(int, 1, False), _number(int, 0, False)


def _add_run_arguments(parser):
    """What both commands take: lengths, repeats, platform, where the units run."""
    parser.add_argument("--quick", action="store_true", help="short lengths and fewer states (a laptop)")
    parser.add_argument("--repeats", type=POSITIVE, default=1, help="independent repeats (separate units)")
    parser.add_argument(
        "--iterations", type=POSITIVE, help="replica-exchange iterations per leg (default 1000; quick 50)"
    )
    parser.add_argument(
        "--steps", type=POSITIVE, help="MD steps of 2 fs per replica per iteration (default 500; quick 250)"
    )
    parser.add_argument("--equilibration", type=NON_NEGATIVE, help="equilibration iterations before production")
    parser.add_argument("--platform", default="CPU", help="OpenMM platform (CPU, OpenCL, CUDA, Reference)")
    parser.add_argument("--precision", help="GPU platforms: single, mixed or double")
    parser.add_argument("--threads", type=POSITIVE, help="CPU platform threads per unit")
    parser.add_argument(
        "--checkpoint-interval",
        type=POSITIVE,
        default=10,
        help="iterations between checkpoints (default %(default)s); a unit killed resumes from its last one",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--workers", type=POSITIVE, help="Dask LocalCluster worker processes (default: one per core/GPU)"
    )
    where.add_argument("--scheduler", help="an existing Dask scheduler, e.g. tcp://host:8786")
    where.add_argument("--serial", action="store_true", help="no Dask: run the units in this process")
    parser.add_argument("--seed", type=int, default=1)


def _add_schedule_arguments(parser, binding):
    """The λ schedule options of the hydration (``binding`` False) or abfe command, their defaults from
    :mod:`openmmligand.fep.schedules`."""
    from . import schedules

    def values(schedule):
        return ",".join(f"{value:g}" for value in schedule)

    sterics = (schedules.BINDING_STERICS,) * 2 if binding else (schedules.STERICS, schedules.QUICK_STERICS)
    what = {
        "electrostatics": ("lambda_electrostatics states from 1 to 0", schedules.ELECTROSTATICS, None),
        "sterics": ("lambda_sterics states down to 0, charges off", *sterics),
    }
    if binding:
        what["restraints"] = ("lambda_restraints states from 0", schedules.RESTRAINTS, schedules.QUICK_RESTRAINTS)
    for name, (text, default, quick) in what.items():
        quick = f"; --quick {values(quick)}" if quick and quick != default else ""
        parser.add_argument(
            f"--{name}", type=_schedule, metavar="L,L,...", help=f"{text} (default {values(default)}{quick})"
        )


def _schedule(text):
    """A λ schedule from the command line: comma-separated numbers (their range and order are checked by
    :func:`openmmligand.fep.decoupling_protocol`, before anything is built)."""
    import argparse

    try:
        return [float(value) for value in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"comma-separated λ values such as 1,0.5,0 expected, not {text!r}") from None


PADDING_HELP = (
    "water around the solute in nm, as OpenMM's Modeller measures it: the cubic box's edge is the solute's "
    "bounding-sphere diameter plus this (default %(default)s)"
)


def _check_run_options(args, out):
    """What the parser cannot check, checked before anything is built: the platform and its precision, the
    scheduler's address, an output folder that can be written. Raises LigandError naming the option."""
    import os
    import re

    import openmm

    from ..errors import LigandError

    names = [openmm.Platform.getPlatform(i).getName() for i in range(openmm.Platform.getNumPlatforms())]
    if args.platform not in names:
        raise LigandError(f"--platform {args.platform}: no such OpenMM platform here (there are: {', '.join(names)})")
    if args.precision is not None:
        platform = openmm.Platform.getPlatformByName(args.platform)
        if "Precision" not in platform.getPropertyNames():
            raise LigandError(f"--precision: the {args.platform} platform has no precision to choose")
        if args.precision not in ("single", "mixed", "double"):
            raise LigandError(f"--precision {args.precision}: single, mixed or double")
    if (
        args.threads is not None
        and "Threads" not in openmm.Platform.getPlatformByName(args.platform).getPropertyNames()
    ):
        raise LigandError(f"--threads: the {args.platform} platform has no thread count to choose")
    if args.scheduler is not None and not re.fullmatch(r"([a-z]+://)?[^\s:/]+:\d+", args.scheduler):
        raise LigandError(f"--scheduler {args.scheduler}: an address such as tcp://host:8786 expected")
    try:
        os.makedirs(out, exist_ok=True)
        probe = os.path.join(out, ".writable")
        with open(probe, "w"):
            pass
        os.remove(probe)
    except OSError as error:
        raise LigandError(f"--out {out}: cannot write there ({error.strerror or error})") from None


def _run_settings(args):
    """The RunSettings both workflows take, from the parsed command line."""
    from .settings import RunSettings

    properties = {}
    if args.precision:
        properties["Precision"] = args.precision
    if args.threads:
        properties["Threads"] = str(args.threads)
    return RunSettings(
        quick=args.quick,
        repeats=args.repeats,
        iterations=args.iterations,
        steps=args.steps,
        equilibration_iterations=args.equilibration,
        electrostatics=args.electrostatics,
        sterics=args.sterics,
        platform=args.platform,
        platform_properties=properties,
        seed=args.seed,
        checkpoint_interval=args.checkpoint_interval,
        scheduler=args.scheduler,
        workers=args.workers,
        serial=args.serial,
    )


def _report(summary, out):
    from .report import text_table

    print(text_table(summary))
    print(f"report: {out}/summary.json, {out}/report.png")
    return 0


def add_arguments(parser):
    """The hydration command's options."""
    parser.add_argument("--smiles", required=True, help="the molecule (charge state as given)")
    parser.add_argument("--out", default=None, help="output folder (default: hydration-<smiles hash>); rerun to resume")
    parser.add_argument("--force-field", default="gaff2", choices=["gaff2", "gaff"], help="GAFF version (gaff: 1.x)")
    parser.add_argument("--padding", type=_number(float, 0.0, True), default=1.2, help=PADDING_HELP)
    _add_run_arguments(parser)
    _add_schedule_arguments(parser, binding=False)


def run(args):
    """Run the hydration command; prints the text table. Returns the exit status."""
    import hashlib

    from .hydration import hydration_free_energy

    out = args.out or "hydration-" + hashlib.sha1(args.smiles.encode()).hexdigest()[:8]
    _check_run_options(args, out)
    summary = hydration_free_energy(
        args.smiles, out, _run_settings(args), force_field=args.force_field, padding=args.padding
    )
    return _report(summary, out)


def add_binding_arguments(parser):
    """The abfe command's options."""
    parser.add_argument("--pdb", required=True, help="the complex (protein + ligand), e.g. 1hpv.pdb")
    parser.add_argument("--ligand", required=True, help="the ligand's residue name in the PDB, e.g. 478")
    parser.add_argument("--smiles", help="the ligand's SMILES (bond orders, charge state); optional for known ligands")
    parser.add_argument("--out", default=None, help="output folder (default: abfe-<pdb>-<ligand>); rerun to resume")
    parser.add_argument("--anchors", help="Boresch anchors, six indices P1,P2,P3,L1,L2,L3 (default: selected)")
    parser.add_argument(
        "--receptor-molecule",
        nargs=2,
        action="append",
        metavar=("RESIDUE", "SMILES"),
        help="another small molecule of the receptor, given GAFF2/AM1-BCC like the ligand: a cofactor, or the host "
        "of a host-guest complex (repeat for several)",
    )
    parser.add_argument("--padding", type=_number(float, 0.0, True), default=1.0, help=PADDING_HELP)
    _add_run_arguments(parser)
    _add_schedule_arguments(parser, binding=True)


def run_binding(args):
    """Run the abfe command; prints the text table. Returns the exit status."""
    import os

    from ..errors import LigandError
    from .binding import binding_free_energy

    anchors = None
    if args.anchors:
        try:
            anchors = [int(a) for a in args.anchors.split(",")]
        except ValueError:
            raise LigandError(f"--anchors takes six comma-separated integers, not {args.anchors!r}") from None
    receptor_molecules = {}
    for residue, smiles in args.receptor_molecule or []:
        if residue in receptor_molecules:
            raise LigandError(f"--receptor-molecule {residue} is given twice")
        receptor_molecules[residue] = smiles
    out = args.out or f"abfe-{os.path.splitext(os.path.basename(args.pdb))[0]}-{args.ligand}"
    _check_run_options(args, out)
    summary = binding_free_energy(
        args.pdb,
        args.ligand,
        out,
        _run_settings(args),
        smiles=args.smiles,
        anchors=anchors,
        receptor_molecules=receptor_molecules,
        padding=args.padding,
        restraints=args.restraints,
    )
    return _report(summary, out)


def add_status_arguments(parser):
    """The status command's options."""
    parser.add_argument("out", help="the output folder of a hydration or abfe run (running, stopped or finished)")


def run_status(args):
    """Print what the run in ``args.out`` has done. Returns the exit status."""
    from .status import status_text

    print(status_text(args.out))
    return 0
