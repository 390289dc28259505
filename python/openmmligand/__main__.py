# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Command line: ``openmm-ligand demo|hydration|abfe|status [options]`` (also ``python -m openmmligand ...``)."""

import argparse
import sys

from .errors import LigandError


def main(argv=None):
    """Run the command line with ``argv`` (default: sys.argv). Returns the exit status. From the command line
    (argv None) bad input is reported as one line and status 2; called with argv, LigandError propagates."""
    parser = argparse.ArgumentParser(prog="openmm-ligand", description="openmm-ligand command line")
    commands = parser.add_subparsers(dest="command", required=True)
    from . import demo

    demo.add_arguments(
        commands.add_parser(
            "demo", help="decouple a drug from its target, simulate at several lambda, report dU/dlambda and ns/day"
        )
    )
    from .fep import cli as fep_cli

    fep_cli.add_arguments(
        commands.add_parser("hydration", help="hydration free energy of a molecule (SMILES): HREX, MBAR, Dask")
    )
    fep_cli.add_binding_arguments(
        commands.add_parser(
            "abfe", help="absolute binding free energy of a ligand in a PDB complex (Boresch restraint)"
        )
    )
    fep_cli.add_status_arguments(
        commands.add_parser("status", help="what a hydration or abfe run has done so far (its output folder)")
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "demo":
            return demo.run(args)
        if args.command == "hydration":
            return fep_cli.run(args)
        if args.command == "abfe":
            return fep_cli.run_binding(args)
        if args.command == "status":
            return fep_cli.run_status(args)
    except LigandError as error:
        if argv is not None:
            raise
        print(f"openmm-ligand: error: {error}", file=sys.stderr)
        return 2
    return 1


if __name__ == "__main__":
    sys.exit(main())
