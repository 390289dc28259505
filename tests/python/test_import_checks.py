# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""What `import openmmligand` says when its plugins do not fit: a copy of the package whose build record says
another OpenMM, or whose plugin directory lacks a plugin it built, imported in a child process (OpenMM loads
plugins once per process)."""

import os
import re
import shutil
import subprocess
import sys

import openmm
import pytest

import openmmligand
from openmmligand import _build_config


def import_copy(tmp_path, **config):
    """Import a copy of the package whose _build_config.py has the given values replaced; return the result."""
    package = os.path.dirname(openmmligand.__file__)
    copy = tmp_path / "site" / "openmmligand"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    text = (copy / "_build_config.py").read_text()
    for name, value in config.items():
        text, count = re.subn(rf"^{name} = .*$", f"{name} = {value!r}", text, flags=re.M)
        assert count == 1, name
    (copy / "_build_config.py").write_text(text)
    environment = dict(os.environ, PYTHONPATH=str(tmp_path / "site"))
    environment.pop("OPENMM_PLUGIN_DIR", None)
    return subprocess.run(
        [sys.executable, "-c", "import openmmligand"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=300,
    )


def test_another_openmm_release_is_refused_naming_both(tmp_path):
    running = openmm.Platform.getOpenMMVersion()
    other = "7.7.0" if not running.startswith("7.") else "8.6.1"
    result = import_copy(tmp_path, OPENMM_VERSION=other)
    assert result.returncode != 0
    assert f"built for OpenMM {other} but this Python runs OpenMM {running}" in result.stderr


def test_a_built_plugin_that_does_not_load_is_an_import_error(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    for name in os.listdir(_build_config.PLUGIN_DIR):
        if "CPU" not in name:
            shutil.copy(os.path.join(_build_config.PLUGIN_DIR, name), plugins)
    result = import_copy(tmp_path, PLUGIN_DIR=str(plugins))
    assert result.returncode != 0
    assert "ImportError" in result.stderr and "kernel plugins for CPU did not load" in result.stderr


def test_the_package_imports_from_its_own_plugin_directory(tmp_path):
    result = import_copy(tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("platform", _build_config.BUILT_PLATFORMS)
def test_every_built_plugin_loaded_where_openmm_has_the_platform(platform):
    names = [openmm.Platform.getPlatform(i).getName() for i in range(openmm.Platform.getNumPlatforms())]
    if platform not in names:
        pytest.skip(f"OpenMM has no {platform} platform here: {openmm.Platform.getPluginLoadFailures()}")
    assert openmm.Platform.getPlatformByName(platform).supportsKernels(["CalcLigandCouplingForce"])
