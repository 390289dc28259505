# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Write the Python API reference (HTML, from the docstrings, with pdoc) of every public module of openmmligand.

    ./run api-reference            # into build/api-reference
    python tools/api_reference.py DIRECTORY

tests/python/test_api_reference.py renders the same modules, so the reference cannot rot."""

import pkgutil
import sys

import openmmligand


def public_modules():
    """openmmligand and its modules whose names have no part starting with an underscore (the SWIG module aside)."""
    names = ["openmmligand"]
    for info in pkgutil.walk_packages(openmmligand.__path__, "openmmligand."):
        parts = info.name.split(".")[1:]
        if not any(part.startswith("_") for part in parts) and info.name != "openmmligand.openmmligand_wrapper":
            names.append(info.name)
    return names


def write(directory):
    """Render every public module into ``directory`` (numpydoc docstrings)."""
    import pathlib
    import warnings

    import pdoc

    pdoc.render.configure(docformat="numpy")
    with warnings.catch_warnings():
        # Modules the package's __init__ imports come once through "openmmligand" and once by name: one page each.
        warnings.filterwarnings("ignore", message="The module specification .* has already been added")
        pdoc.pdoc(*public_modules(), output_directory=pathlib.Path(directory))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: api_reference.py DIRECTORY")
    write(sys.argv[1])
    print(f"API reference: {sys.argv[1]}/index.html")
