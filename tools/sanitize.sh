#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
#
# Build with AddressSanitizer + UndefinedBehaviorSanitizer (OPENMMLIGAND_SANITIZE) in ./build-sanitize against the
# .venv's OpenMM 8.6.1 and run the C++ and Python tests there (ctest arguments pass through, e.g. -R TestLigand).
# Needs ./run build first (the .venv). The OpenCL tests run too: PoCL's JIT-compiled kernels are not instrumented,
# but everything on the host side is.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=$root/build-sanitize
cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOPENMMLIGAND_SANITIZE=ON \
      -DPython3_EXECUTABLE="$root/.venv/bin/python" -DSWIG_EXECUTABLE="$root/.venv/bin/swig" \
      -DOPENMMLIGAND_BUILD_CUDA=OFF >/dev/null
cmake --build "$dir" -j "${JOBS:-$(nproc)}"
ctest --test-dir "$dir" --output-on-failure -E PipWheel "$@"
