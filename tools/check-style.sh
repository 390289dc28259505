#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
#
# The code passes its formatters and linter: clang-format (.clang-format) on the C++ sources, ruff (pyproject.toml)
# on the Python. Usage: tools/check-style.sh [RUFF]   (RUFF: the ruff executable; default: ruff on PATH)
# To fix instead of check: clang-format -i $(git ls-files '*.cpp' '*.h'); ruff format .; ruff check --fix .
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ruff=${1:-ruff}
status=0
mapfile -t sources < <(git ls-files '*.cpp' '*.h' 2>/dev/null || find openmmapi platforms serialization tests -name '*.cpp' -o -name '*.h')
clang-format --dry-run -Werror "${sources[@]}" || { echo "clang-format: run clang-format -i on the files above"; status=1; }
"$ruff" format --check . || { echo "ruff format: run ruff format ."; status=1; }
"$ruff" check . || status=1
[[ $status == 0 ]] && echo "style: ${#sources[@]} C++ files pass clang-format; Python passes ruff format and ruff check"
exit $status
