#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
#
# What a user of pip sees: `pip wheel .` in an environment that has only openmm gives a wheel that installs in a
# fresh virtual environment with only openmm, `import openmmligand` loads its plugins from inside the package and
# a decoupled System runs; the same wheel under another OpenMM release refuses to import, naming both versions;
# `pip uninstall` leaves nothing behind.
#
# usage: tests/packaging/check_wheel.sh SOURCE_DIR OPENMM_VERSION OTHER_OPENMM_VERSION   (needs PyPI)
set -euo pipefail
source_dir=$1 openmm_version=$2 other_version=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
pip=("$work/venv/bin/python" -m pip -q --disable-pip-version-check)
"${pip[@]}" install "openmm==$openmm_version"
echo "building the wheel against OpenMM $openmm_version"
"${pip[@]}" wheel --no-deps -w "$work/wheels" "$source_dir" --config-settings=build-dir="$work/build"
wheel=$(ls "$work"/wheels/openmm_ligand-*.whl)
echo "wheel: $(basename "$wheel")"
"${pip[@]}" install "$wheel"
site=$("$work/venv/bin/python" -c "import sysconfig; print(sysconfig.get_path('platlib'))")
cd "$work"  # not the source tree: import the installed package
"$work/venv/bin/python" - <<'PY'
import openmm, openmmligand
from openmm import app, unit
from openmmligand import _build_config
print("openmmligand", openmmligand.__version__, "built for OpenMM", _build_config.OPENMM_VERSION, "plugins in", _build_config.PLUGIN_DIR)
assert _build_config.PLUGIN_DIR.startswith(openmmligand.__path__[0]), "the plugins must be loaded from inside the package"
with_kernel = [openmm.Platform.getPlatform(i).getName() for i in range(openmm.Platform.getNumPlatforms())
               if openmm.Platform.getPlatform(i).supportsKernels(["CalcLigandCouplingForce"])]
print("platforms with the kernel:", with_kernel)
assert "Reference" in with_kernel and "CPU" in with_kernel
test = openmmligand.testsystems.ligand_in_water(nonbonded_method=app.PME)
energies = []
for system in (test.system, openmmligand.decouple(test.system, test.ligand_atoms)):
    context = openmm.Context(system, openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName("Reference"))
    context.setPositions(test.positions)
    energies.append(context.getState(getEnergy=True).getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole))
print("plain and decoupled at lambda = 1:", energies)
assert abs(energies[0] - energies[1]) <= 1e-9 * abs(energies[0])
PY
echo "the same wheel under OpenMM $other_version:"
"${pip[@]}" install "openmm==$other_version"
if message=$("$work/venv/bin/python" -c "import openmmligand" 2>&1); then
  echo "FAILED: openmmligand built for OpenMM $openmm_version imported under OpenMM $other_version" >&2; exit 1
fi
echo "$message" | tail -1
other_release=$(echo "$other_version" | cut -d. -f1,2)  # OpenMM reports 8.4.0.post2 as 8.4
echo "$message" | grep -q "built for OpenMM $openmm_version but this Python runs OpenMM $other_release" ||
  { echo "FAILED: the error does not name both versions" >&2; exit 1; }
"${pip[@]}" uninstall -y openmm-ligand
left=$(ls -d "$site"/openmmligand* "$site"/openmm_ligand* "$work/venv/bin/openmm-ligand" 2>/dev/null || true)
[[ -z $left ]] || { echo "FAILED: pip uninstall left $left" >&2; exit 1; }
echo "pip uninstall removed everything"
