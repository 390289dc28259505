"""Command line: ``python -m openmmligand demo [options]`` (also installed as ``openmm-ligand``)."""
import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="openmm-ligand", description="openmm-ligand command line")
    commands = parser.add_subparsers(dest="command", required=True)
    from . import demo
    demo.add_arguments(commands.add_parser("demo", help="decouple a ligand, simulate it at several lambda, report"))
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo.run(args)
    return 1


if __name__ == "__main__":
    sys.exit(main())
