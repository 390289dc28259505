#!/bin/bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
# The installed C++ API works: `cmake --install` (component cxx: the library, headers, CMake package) into a fresh
# prefix, a consumer project configured with find_package(OpenMMLigand) against that prefix alone, built, run.
# Usage: check_installed_api.sh BUILD_DIR SOURCE_DIR PLUGIN_DIR
set -euo pipefail
build=$1 source=$2 plugins=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" --component cxx > "$work/install.log"
echo "installed:"; (cd "$work/prefix" && find . -type f | sort | sed 's/^/  /')
cmake -S "$source/tests/consumer" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release \
  > "$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
"$work/build/consumer" "$plugins"
