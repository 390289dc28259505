# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Write the demo ligand's GAFF2/AM1-BCC parameters into the package (python/openmmligand/data/ligand-parameters),
named by the cache's key, so that a fresh machine's first demo skips minutes of sqm. Run it again whenever the pinned
AmberTools or RDKit (tools/requirements.txt) changes; tests/python/test_gaff.py fails until then.

    ./run shell python tools/ship_ligand_parameters.py [--from-cache]

--from-cache copies this machine's cache entry when it has one (the key guarantees the same input and programs);
otherwise antechamber runs (5-10 min for amprenavir on 2 cores)."""

import argparse
import json
import os
import sys

from openmmligand import complexes, gaff, ligands

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.path.join(HERE, "..", "python", "openmmligand", "data", "ligand-parameters")


def demo_ligand_molecule(pdb_file):
    """Amprenavir as the demo builds it from 1HPV (residue 478), hydrogens and coordinates included."""
    return ligands.ligand_molecule(pdb_file, "478", complexes.KNOWN_LIGANDS["478"][1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pdb", default=os.environ.get(complexes.HIV_PROTEASE_PDB_VARIABLE))
    parser.add_argument("--from-cache", action="store_true")
    args = parser.parse_args()
    if not args.pdb:
        sys.exit(f"no 1HPV PDB: pass --pdb or set ${complexes.HIV_PROTEASE_PDB_VARIABLE}")
    molecule = demo_ligand_molecule(args.pdb)
    result = gaff.run_antechamber(molecule, cache_dir=None if args.from_cache else False, log=print)
    key = gaff.parameter_key(molecule)
    os.makedirs(TARGET, exist_ok=True)
    for old in os.listdir(TARGET):
        os.remove(os.path.join(TARGET, old))
    path = os.path.join(TARGET, key + ".json")
    with open(path, "w") as stream:
        json.dump(result.to_json(), stream, indent=1)
        stream.write("\n")
    print(f"wrote {os.path.relpath(path)} ({result.source})")


if __name__ == "__main__":
    main()
