#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
#
# The GPU check: openmm-ligand built and tested on CUDA, and benchmarked there, on a machine with an NVIDIA GPU
# and no network (Python 3.12, nvcc 13, CMake, ninja, numpy, pandas, pytest and NVIDIA's cu13 runtime wheels
# already installed; nothing else). Two halves:
#
#   tools/gpu-check.sh prepare   here, with network: the cp312 wheels (openmm 8.6.1, openmm-cuda-13 8.6.1, SWIG 4.5)
#                                and the Debian packages the build needs (GoogleTest, FFTW) into .gpu-check/
#   tools/gpu-check.sh run       there, from the repository root with .gpu-check/ beside it: installs them, builds
#                                the plugin with nvcc against that OpenMM, runs the C++ and Python tests on CUDA in
#                                every precision, then the decoupling-cost and state-energy benchmarks on CUDA at
#                                1HPV's size (ethanol in ~40k atoms of water). Results and logs go to $OUT (the
#                                device tool's folder) or ./gpu-check-results. About 6 minutes on an H200.
#
# With the project's device tool: `tools/gpu-check.sh prepare` here, then
#   run(command="bash tools/gpu-check.sh run", carry=[".gpu-check"], timeout_s=540)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
stash=$root/.gpu-check

prepare() {
  rm -rf "$stash"
  mkdir -p "$stash/wheels" "$stash/debs"
  local platforms=()
  for tag in manylinux_2_34_x86_64 manylinux_2_28_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64; do
    platforms+=(--platform "$tag")
  done
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp "${platforms[@]}" \
    -d "$stash/wheels" openmm==8.6.1 openmm-cuda-13==8.6.1 swig==4.5.0
  (cd "$stash/debs" && apt-get download -qq libgtest-dev googletest libfftw3-dev libfftw3-double3 libfftw3-bin 2>/dev/null ||
     apt-get download libgtest-dev libfftw3-dev libfftw3-double3)
  du -sh "$stash"
}

run() {
  local out=${OUT:-$root/gpu-check-results}
  mkdir -p "$out"
  exec > >(tee "$out/gpu-check.log") 2>&1
  local start=$SECONDS
  echo "== machine"; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
  python3 --version; nvcc --version | tail -1
  # OpenMM goes into the interpreter's own site-packages: libOpenMMCUDA.so finds NVIDIA's runtime wheels through
  # its RUNPATH ($ORIGIN/../../../nvidia/cu13/lib), i.e. in the same site-packages.
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade "$stash"/wheels/*.whl
  local debs=/tmp/gpu-check-debs
  mkdir -p "$debs"
  for deb in "$stash"/debs/*.deb; do dpkg -x "$deb" "$debs"; done
  local multiarch=$debs/usr/lib/x86_64-linux-gnu
  sed -i "s|^prefix=.*|prefix=$debs/usr|" "$multiarch"/pkgconfig/fftw3*.pc
  export PKG_CONFIG_PATH=$multiarch/pkgconfig LD_LIBRARY_PATH=$multiarch${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  python3 -c "import openmm; print('OpenMM', openmm.__version__, [openmm.Platform.getPlatform(i).getName() for i in range(openmm.Platform.getNumPlatforms())]); print('load failures:', openmm.Platform.getPluginLoadFailures())"

  echo "== build (nvcc: OpenMM compiles the kernels at run time with nvrtc; the plugin links libOpenMMCUDA.so)"
  local build=/tmp/gpu-check-build swig
  swig=$(python3 -c "import os, swig; print(os.path.join(os.path.dirname(swig.__file__), 'data', 'bin', 'swig'))" 2>/dev/null || true)
  [[ -x $swig ]] || swig=$(command -v swig)
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPython3_EXECUTABLE="$(command -v python3)" \
    -DSWIG_EXECUTABLE="$swig" -DGTest_DIR="$multiarch/cmake/GTest" -DOPENMMLIGAND_BUILD_OPENCL=OFF
  cmake --build "$build"
  echo "build done at $((SECONDS - start)) s"

  echo "== C++ tests on CUDA (every precision)"
  local status=0
  (cd "$build" && OPENMM_PLUGIN_DIR="$(python3 -c 'import openmm.version as v; print(v.openmm_library_path)')/plugins:$build/plugins" \
     timeout 150 ./bin/TestLigandCouplingForce --gtest_filter='*CUDA*' && ./bin/TestLigandSerialization &&
     timeout 60 ./bin/TestAniForce --gtest_filter='*CUDA*') || status=1  # skips without $OPENMMLIGAND_ANI2X_MODEL
  echo "== Python tests on CUDA"
  (cd "$build" && PYTHONPATH="$build/python" OPENMMLIGAND_CACHE="$build/complex-cache" \
     timeout 200 python3 -m pytest -q -p no:cacheprovider "$root/tests/python" -k "CUDA" -x) || status=1
  echo "tests done at $((SECONDS - start)) s"

  echo "== benchmarks on CUDA (1HPV-sized: ethanol in ~40k atoms of water)"
  export PYTHONPATH=$build/python
  timeout 120 python3 "$root/bench/run_benchmarks.py" --systems water --sizes 40000 --platforms CUDA --steps 200 \
    --switching-steps 200 --repeats 5 --name gpu_cuda_40k || status=1
  timeout 90 python3 "$root/bench/state_energies.py" --systems water-pme-40k water-rf --platforms CUDA --repeats 5 \
    --name gpu_state_energies || status=1
  cp "$root"/bench/results/gpu_*.json "$root"/bench/results/gpu_*.png "$out"/ 2>/dev/null || true
  echo "== done in $((SECONDS - start)) s, status $status"
  return $status
}

case ${1:-} in
  prepare) prepare ;;
  run) run ;;
  *) sed -n '5,19p' "$0"; exit 1 ;;
esac
