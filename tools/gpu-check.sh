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
#
# The free-energy half (issue 14: the hydration benchmark and amprenavir's abfe --quick on a GPU):
#
#   tools/gpu-check.sh prepare-fep [ABFE_SYSTEMS]   here: the same wheels and debs, the free-energy stack's cp312
#                                wheels (openmmtools, pymbar, Dask, mdtraj, netCDF4, ...; openmmtools without its
#                                test data) and the Systems, built here with AmberTools (tools/gpu_fep.py prepare;
#                                ABFE_SYSTEMS: an abfe output's systems/ folder to take instead), ~55 MB in all
#   tools/gpu-check.sh run-fep   there: installs, builds (unless the `run` half built it on this machine), then
#                                tools/gpu_fep.py run: bench/hydration.py on CUDA, then 1HPV's abfe --quick on CUDA
#   run(command="bash tools/gpu-check.sh run-fep", carry=[".gpu-check"], timeout_s=590)
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

# The free-energy stack for cp312 (versions as tools/requirements.txt and the .venv it makes pin them).
FEP_WHEELS=(openmmtools==0.27.0 pymbar==4.0.3 dask==2026.8.0 distributed==2026.8.0 mdtraj==1.11.1.post2 netCDF4==1.7.5.1.post1
  cftime==1.6.6.1 mpiplus==0.0.3 numexpr==2.14.2 cloudpickle==3.1.3 toolz==1.2.0 partd==1.4.2 fsspec==2026.9.0
  msgpack==1.2.4 sortedcontainers==2.4.0 tblib==3.2.2 zict==3.0.0 locket==1.0.0 tornado==6.6.1 certifi==2026.10.19.post1)

prepare_fep() {
  prepare
  local platforms=()
  for tag in manylinux_2_34_x86_64 manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_24_x86_64 manylinux_2_17_x86_64 \
             manylinux2014_x86_64 manylinux1_x86_64; do
    platforms+=(--platform "$tag")
  done
  mkdir -p "$stash/fep-wheels"
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp "${platforms[@]}" \
    -d "$stash/fep-wheels" "${FEP_WHEELS[@]}"
  # openmmtools' test systems' data (12 MB of 12.2) are not used by the pipeline; the device tool carries 64 MiB.
  python3 - "$stash"/fep-wheels/openmmtools-*.whl <<'EOF'
import os, sys, zipfile
path = sys.argv[1]
with zipfile.ZipFile(path) as old, zipfile.ZipFile(path + ".new", "w", zipfile.ZIP_DEFLATED) as new:
    for item in old.infolist():
        if not item.filename.startswith("openmmtools/data/"):
            new.writestr(item, old.read(item))
os.replace(path + ".new", path)
EOF
  ./run shell python "$root/tools/gpu_fep.py" prepare "$stash/fep" ${1:+--abfe-systems "$1"}
  du -sh "$stash"
}

setup() {
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
  local swig data
  data=$(python3 -c "import os, swig; print(os.path.join(os.path.dirname(swig.__file__), 'data'))" 2>/dev/null || true)
  swig=$data/bin/swig
  if [[ -x $swig ]]; then
    # The wheel's binary knows its library by the path it was built in; pip's console script would tell it.
    SWIG_LIB=$(echo "$data"/share/swig/*)
    export SWIG_LIB
  else
    swig=$(command -v swig)
  fi
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPython3_EXECUTABLE="$(command -v python3)" \
    -DSWIG_EXECUTABLE="$swig" -DGTest_DIR="$multiarch/cmake/GTest" -DOPENMMLIGAND_BUILD_OPENCL=OFF
  cmake --build "$build"
  echo "build done at $((SECONDS - start)) s"
}

build=/tmp/gpu-check-build

run() {
  local out=${OUT:-$root/gpu-check-results}
  mkdir -p "$out"
  exec > >(tee "$out/gpu-check.log") 2>&1
  local start=$SECONDS
  setup
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
  # The K-state row on the device route in every precision, beside openmmtools' per-state loop and the host route.
  timeout 150 python3 "$root/bench/state_energies.py" --systems water-pme-40k water-rf --platforms CUDA --repeats 5 \
    --precisions single mixed double --name gpu_state_energies || status=1
  cp "$root"/bench/results/gpu_*.json "$root"/bench/results/gpu_*.png "$out"/ 2>/dev/null || true
  echo "== done in $((SECONDS - start)) s, status $status"
  return $status
}

run_fep() {
  local out=${OUT:-$root/gpu-check-results}
  mkdir -p "$out"
  exec > >(tee "$out/gpu-fep.log") 2>&1
  setup
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/gpu-fep-site \
    "$stash"/fep-wheels/*.whl
  export PYTHONPATH=$build/python:/tmp/gpu-fep-site PYTHONUNBUFFERED=1
  # What is left of the device tool's 600 s per call (SECONDS counts from this script's start), less time to copy.
  local status=0
  timeout $(( ${FEP_BUDGET:-585} - SECONDS )) python3 "$root/tools/gpu_fep.py" run "$stash/fep" "$out" ${FEP_ARGS:-} ||
    status=$?
  # A run stopped by the time limit: how far each unit got (calling run-fep again resumes it on this machine).
  for unit in /tmp/gpu-abfe/units/*/; do
    [[ -d $unit ]] || continue
    for file in progress.json equilibration.json; do
      [[ -f $unit/$file ]] && echo "$(basename "$unit") $file: $(cat "$unit/$file")"
    done
  done
  return $status
}

case ${1:-} in
  prepare) prepare ;;
  prepare-fep) prepare_fep "${2:-}" ;;
  run) run ;;
  run-fep) run_fep ;;
  *) sed -n '5,19p' "$0"; exit 1 ;;
esac
