#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
# Debian's libopenmm-dev leaves out headers that a GPU platform plugin needs: lepton/*.h (included by
# openmm/common/ExpressionUtilities.h, hence by OpenCLContext.h and CudaContext.h) and openmm/cuda/*.h.
# This takes them from Debian's own openmm source package, the source the installed library was built from,
# together with the CUDA platform's common.cu and vectorOps.cu (the prelude it compiles every kernel with),
# which tests/cuda/check_kernel_compiles.py uses to compile our kernels with nvcc where no GPU is present.
#
# usage: tools/install-openmm-source-headers.sh [PREFIX]   (default: $HOME/.cache/openmm-7.7-headers)
# CMake finds PREFIX/include through OPENMM_SOURCE_HEADERS_DIR (same default).
set -euo pipefail
prefix=${1:-$HOME/.cache/openmm-7.7-headers}
if [[ -f $prefix/include/lepton/CustomFunction.h && -f $prefix/include/openmm/cuda/CudaContext.h &&
      -f $prefix/share/openmm-cuda-kernels/vectorOps.cu ]]; then
  exit 0
fi
source "$(dirname "${BASH_SOURCE[0]}")/openmm-deb-source.sh"
enable_deb_src
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get source --download-only -qq openmm >/dev/null 2>&1 || apt-get source --download-only openmm
tar xf openmm_*.orig.tar.* --wildcards '*/libraries/lepton/include/*' '*/platforms/cuda/include/*' \
  '*/platforms/cuda/src/kernels/common.cu' '*/platforms/cuda/src/kernels/vectorOps.cu'
src=$(find "$work" -maxdepth 1 -type d -name 'openmm-*' | head -n1)
mkdir -p "$prefix/include/lepton" "$prefix/include/openmm/cuda"
cp "$src"/libraries/lepton/include/lepton/*.h "$prefix/include/lepton/"
cp "$src"/platforms/cuda/include/*.h "$prefix/include/openmm/cuda/"
mkdir -p "$prefix/share/openmm-cuda-kernels"
cp "$src"/platforms/cuda/src/kernels/{common,vectorOps}.cu "$prefix/share/openmm-cuda-kernels/"
echo "OpenMM lepton and CUDA headers installed in $prefix/include"
