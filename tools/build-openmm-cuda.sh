#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
# Debian does not package OpenMM's CUDA platform. This builds libOpenMMCUDA.so (7.7, the version Debian
# ships) from Debian's openmm source package, so that our CUDA plugin compiles and links here and runs on a
# machine with an NVIDIA GPU. About 10 minutes on 2 cores; a finished PREFIX is reused.
#
# usage: tools/build-openmm-cuda.sh [PREFIX]   (default: $HOME/.cache/openmm-cuda-7.7; CMake's OPENMM_CUDA_DIR)
# result: PREFIX/lib/plugins/libOpenMMCUDA.so, PREFIX/include/openmm/cuda/*.h, PREFIX/include/lepton/*.h
# needs: the CUDA toolkit in /usr/local/cuda (or CUDA_HOME).
#
# The 7.7 source needs two changes for CUDA 13 and g++ 12: cuCtxCreate takes a CUctxCreateParams* before
# the flags since CUDA 13 (NULL keeps the old behaviour), and g++ 12 crashes vectorizing CommonKernels.cpp at
# -O3, so build at -O2 as Debian's own package does.
set -euo pipefail
prefix=${1:-$HOME/.cache/openmm-cuda-7.7}
cuda=${CUDA_HOME:-/usr/local/cuda}
if [[ -f $prefix/lib/plugins/libOpenMMCUDA.so && -f $prefix/include/openmm/cuda/CudaContext.h ]]; then
  echo "OpenMM CUDA platform: reusing $prefix"; exit 0
fi
[[ -x $cuda/bin/nvcc ]] || { echo "no CUDA toolkit in $cuda: cannot build OpenMM's CUDA platform" >&2; exit 1; }
source "$(dirname "${BASH_SOURCE[0]}")/openmm-deb-source.sh"
enable_deb_src
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get source -qq openmm >/dev/null 2>&1 || apt-get source openmm
src=$(find "$work" -maxdepth 1 -type d -name 'openmm-*' | head -n1)
if grep -q 'define CUDA_VERSION 1[3-9]' "$cuda/include/cuda.h" 2>/dev/null || "$cuda/bin/nvcc" --version | grep -q 'release 1[3-9]'; then
  sed -i 's/cuCtxCreate(&context, flags, device)/cuCtxCreate(\&context, NULL, flags, device)/' "$src/platforms/cuda/src/CudaContext.cpp"
fi
mkdir build && cd build
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
cmake "$src" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-O2 -DCMAKE_C_FLAGS_RELEASE=-O2 \
  -DCMAKE_CXX_FLAGS="-DDEB_HOST_MULTIARCH=\\\"$multiarch\\\"" \
  -DOPENMM_BUILD_CUDA_LIB=ON -DOPENMM_BUILD_OPENCL_LIB=OFF -DOPENMM_BUILD_PYTHON_WRAPPERS=OFF \
  -DOPENMM_BUILD_C_AND_FORTRAN_WRAPPERS=OFF -DBUILD_TESTING=OFF -DOPENMM_BUILD_EXAMPLES=OFF \
  -DOPENMM_BUILD_AMOEBA_PLUGIN=OFF -DOPENMM_BUILD_RPMD_PLUGIN=OFF -DOPENMM_BUILD_DRUDE_PLUGIN=OFF \
  -DCUDA_TOOLKIT_ROOT_DIR="$cuda" >cmake.log
make -j"$(nproc)" OpenMMCUDA >make.log 2>&1 || { tail -n 30 make.log; exit 1; }
mkdir -p "$prefix/lib/plugins" "$prefix/include/openmm/cuda" "$prefix/include/lepton"
cp libOpenMMCUDA.so "$prefix/lib/plugins/"
cp "$src"/platforms/cuda/include/*.h "$prefix/include/openmm/cuda/"
cp "$src"/libraries/lepton/include/lepton/*.h "$prefix/include/lepton/"
echo "built $prefix/lib/plugins/libOpenMMCUDA.so"
