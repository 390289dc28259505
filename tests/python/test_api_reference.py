# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""The Python API reference is generated from the docstrings (pdoc; `./run api-reference` writes it to
build/api-reference), so it cannot rot: every public module, function, class and method of the package has a
docstring, and pdoc renders the whole package, the SWIG-wrapped forces included."""

import importlib
import inspect
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import api_reference  # noqa: E402


#: What some modules import and a machine may lack (the fep extra, ``pip install openmm-ligand[fep]``; Debian's
#: Python for the OpenMM 7.7 tests has none of them): such a module is skipped, naming what it needs.
OPTIONAL_DEPENDENCIES = {"openmmtools", "pymbar", "dask", "distributed", "netCDF4", "rdkit", "pdbfixer", "pdoc"}


def undocumented(module_name):
    """The public things defined in the module that have no docstring."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name and error.name.split(".")[0] in OPTIONAL_DEPENDENCIES:
            pytest.skip(f"{module_name} needs {error.name}, not installed here")
        raise
    missing = [] if module.__doc__ else [module_name]
    for name, value in vars(module).items():
        if name.startswith("_") or getattr(value, "__module__", None) != module_name:
            continue
        if not (inspect.isfunction(value) or inspect.isclass(value)):
            continue
        if not inspect.getdoc(value):
            missing.append(f"{module_name}.{name}")
        if inspect.isclass(value):
            for member, item in vars(value).items():
                if member.startswith("_"):
                    continue
                if isinstance(item, property):
                    documented = bool(item.__doc__)
                elif inspect.isfunction(item) or isinstance(item, (staticmethod, classmethod)):
                    documented = bool(inspect.getdoc(getattr(value, member)))
                else:
                    continue
                if not documented:
                    missing.append(f"{module_name}.{name}.{member}")
    return missing


@pytest.mark.parametrize("module_name", api_reference.public_modules())
def test_every_public_name_has_a_docstring(module_name):
    assert undocumented(module_name) == []


def test_the_checker_finds_a_missing_docstring(tmp_path, monkeypatch):
    """The check above can fail: a module with an undocumented function and method is reported."""
    (tmp_path / "probe_module.py").write_text(
        '"""A probe."""\n\ndef documented():\n    """Yes."""\n\ndef bare():\n    pass\n\n'
        'class Thing:\n    """A thing."""\n\n    def method(self):\n        pass\n'
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert undocumented("probe_module") == ["probe_module.bare", "probe_module.Thing.method"]


def test_pdoc_renders_the_package(tmp_path):
    pytest.importorskip("pdoc", reason="pdoc (tools/requirements.txt) renders the API reference")
    api_reference.write(str(tmp_path))
    index = tmp_path / "openmmligand.html"
    assert index.is_file()
    html = index.read_text()
    for name in ("decouple", "state_energies", "LigandCouplingForce", "AniForce"):
        assert name in html, name
    assert (tmp_path / "openmmligand" / "fep.html").is_file()
