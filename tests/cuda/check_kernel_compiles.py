# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Compile the common kernels as OpenMM's CUDA platform would, with nvcc, in every precision and for both box
shapes, where no GPU is present to do it at run time.

The source handed to nvcc is built like OpenMM 7.7's CudaContext::createModule: its compilation defines for
the precision and box, the real/mixed typedefs, common.cu, our kernel's defines (representative values), then
vectorOps.cu and the kernel. A compile error fails the test; this is what a GPU user would otherwise hit first.

usage: check_kernel_compiles.py KERNEL_FILE CUDA_KERNELS_DIR [NVCC]
       (KERNEL_FILE: ligandCoupling.cc, nonbondedQuadratic.cc or ani.cc; the plugin compiles positionCheck.cc in
       front of the first two, and so does this)
"""

import itertools
import os
import subprocess
import sys
import tempfile


def compilation_defines(precision, triclinic):
    double = precision == "double"
    f = "" if double else "f"
    real = "double" if double else "float"
    mixed = "double" if precision in ("double", "mixed") else "float"
    defines = {
        "SYNC_WARPS": "__syncwarp();",
        "SHFL(var, srcLane)": "__shfl_sync(0xffffffff, var, srcLane);",
        "BALLOT(var)": "__ballot_sync(0xffffffff, var);",
    }
    if double:
        defines["USE_DOUBLE_PRECISION"] = "1"
    elif precision == "mixed":
        defines["USE_MIXED_PRECISION"] = "1"
    for n in (2, 3, 4):
        defines[f"make_real{n}"] = f"make_{real}{n}"
        defines[f"make_mixed{n}"] = f"make_{mixed}{n}"
    for name in ("sqrt", "rsqrt", "exp", "log", "pow", "cos", "sin", "tan", "acos", "asin", "atan", "erf", "erfc"):
        defines[name.upper()] = name + f
    defines["RECIP"] = "1.0/" if double else "1.0f/"
    if triclinic:
        defines["APPLY_PERIODIC_TO_DELTA(delta)"] = (
            "{real scale3 = floor(delta.z*invPeriodicBoxSize.z+0.5f); delta.x -= scale3*periodicBoxVecZ.x; "
            "delta.y -= scale3*periodicBoxVecZ.y; delta.z -= scale3*periodicBoxVecZ.z; "
            "real scale2 = floor(delta.y*invPeriodicBoxSize.y+0.5f); delta.x -= scale2*periodicBoxVecY.x; "
            "delta.y -= scale2*periodicBoxVecY.y; real scale1 = floor(delta.x*invPeriodicBoxSize.x+0.5f); "
            "delta.x -= scale1*periodicBoxVecX.x;}"
        )
    else:
        defines["APPLY_PERIODIC_TO_DELTA(delta)"] = (
            "{delta.x -= floor(delta.x*invPeriodicBoxSize.x+0.5f)*periodicBoxSize.x; "
            "delta.y -= floor(delta.y*invPeriodicBoxSize.y+0.5f)*periodicBoxSize.y; "
            "delta.z -= floor(delta.z*invPeriodicBoxSize.z+0.5f)*periodicBoxSize.z;}"
        )
    return defines, real, mixed


# What CommonCalcLigandCouplingForceKernel::createKernels() defines, with representative values; the flags
# take both settings across the variants below.
def kernel_defines(variant):
    periodic, switching, electrostatics, softcore = variant
    return {
        "BLOCK_SIZE": "64",
        "REDUCTION_WIDTH": "8",
        "NUM_ATOMS": "5000",
        "PADDED_NUM_ATOMS": "5024",
        "NUM_LIGAND": "45",
        "NUM_INTERNAL_PAIRS": "700",
        "USE_CUTOFF": "1",
        "USE_PERIODIC": str(int(periodic)),
        "CUTOFF": "0.9",
        "MAX_COORDINATE": "100000.0",
        "CUTOFF_SQUARED": "0.81",
        "USE_SWITCH": str(int(switching)),
        "SWITCH_DISTANCE": "0.75",
        "SWITCH_WIDTH": "0.15",
        "USE_ELECTROSTATICS": str(int(electrostatics)),
        "KRF": "0.68",
        "CRF": "1.66",
        "SOFTCORE_C": "6" if not softcore else "4",
        "IS_C6": "0" if softcore else "1",
        "SOFTCORE_F": "2",
        "HAS_ELEC_SOFTCORE": str(int(softcore)),
        "NUM_DERIVS": "2",
        "STERICS_DERIV": "0",
        "ELEC_DERIV": "1",
    }


# What CommonCalcAniForceKernel::createKernels() defines for ANI-2x and a 70-atom ligand; the variant is periodic
# or not.
def ani_kernel_defines(variant):
    (periodic,) = variant
    return {
        "NUM_ML": "70",
        "NUM_SPECIES": "7",
        "NUM_PAIRS": "28",
        "RADIAL_TERMS": "16",
        "ANGULAR_TERMS": "32",
        "AEV_LENGTH": "1008",
        "RADIAL_CUTOFF": "5.1",
        "ANGULAR_CUTOFF": "3.5",
        "MAX_NEIGHBOURS": "69",
        "SUMS_SIZE": "3584",
        "FORCE_THREADS": "128",
        "USE_PERIODIC": str(int(periodic)),
        "NUM_MEMBERS": "8",
        "NUM_LAYERS": "4",
        "NUM_TILES": "12",
        "TILE": "8",
        "MAX_WIDTH": "256",
        "HIDDEN_TOTAL": "608",
        "CELU_ALPHA": "0.1",
        "PI": "3.141592653589793",
        "HARTREE": "2625.4996394799",
        "PADDED_NUM_ATOMS": "5024",
    }


# What CommonNonbondedLambdaQuadratic::createKernels() defines; the variant is (PME, cutoff, periodic).
def quadratic_kernel_defines(variant):
    ewald, cutoff, periodic = variant
    return {
        "NUM_ATOMS": "5000",
        "MAX_COORDINATE": "100000.0",
        "USE_CUTOFF": str(int(cutoff)),
        "USE_PERIODIC": str(int(periodic)),
        "PERIODIC_EXCEPTIONS": "false",
        "USE_EWALD": str(int(ewald)),
        "CUTOFF_SQUARED": "0.81",
        "KRF": "0.0" if ewald else "0.68",
        "CRF": "0.0" if ewald else "1.66",
        "COULOMB": "138.935456",
        "PI": "3.141592653589793",
        "TWO_OVER_SQRT_PI": "1.1283791670955126",
        "GRID_X": "48",
        "GRID_Y": "50",
        "GRID_Z": "45",
    }


#: Per kernel file: its defines and the variants compiled, and whether positionCheck.cc goes in front.
KINDS = {
    "ani.cc": (ani_kernel_defines, [(True,), (False,)], False),
    "ligandCoupling.cc": (kernel_defines, [(True, True, True, False), (False, False, False, True)], True),
    "nonbondedQuadratic.cc": (
        quadratic_kernel_defines,
        [(True, True, True), (False, True, False), (False, False, False)],
        True,
    ),
}


def source(kernel, kernels_dir, precision, triclinic, variant, defines_of):
    defines, real, mixed = compilation_defines(precision, triclinic)
    lines = [f"#define {k} {v}" for k, v in defines.items()]
    for suffix in ("", "2", "3", "4"):
        lines.append(f"typedef {real}{suffix} real{suffix};")
    for suffix in ("", "2", "3", "4"):
        lines.append(f"typedef {mixed}{suffix} mixed{suffix};")
    lines.append("typedef unsigned int tileflags;")
    with open(os.path.join(kernels_dir, "common.cu")) as f:
        lines.append(f.read())
    lines += [f"#define {k} {v}" for k, v in defines_of(variant).items()]
    with open(os.path.join(kernels_dir, "vectorOps.cu")) as f:
        lines.append(f.read())
    lines.append(kernel)
    return "\n".join(lines)


def main():
    kernel_file, kernels_dir = sys.argv[1], sys.argv[2]
    nvcc = sys.argv[3] if len(sys.argv) > 3 else "/usr/local/cuda/bin/nvcc"
    defines_of, variants, with_position_check = KINDS[os.path.basename(kernel_file)]
    with open(kernel_file) as f:
        kernel = f.read()
    if with_position_check:
        with open(os.path.join(os.path.dirname(kernel_file), "positionCheck.cc")) as f:
            kernel = f.read() + kernel
    failures = 0
    passed = 0
    with tempfile.TemporaryDirectory() as work:
        for precision, triclinic, variant in itertools.product(("single", "mixed", "double"), (False, True), variants):
            path = os.path.join(work, "kernel.cu")
            with open(path, "w") as f:
                f.write(source(kernel, kernels_dir, precision, triclinic, variant, defines_of))
            result = subprocess.run(
                [nvcc, "-arch=sm_90", "--ptx", "-o", os.path.join(work, "kernel.ptx"), path],
                capture_output=True,
                text=True,
            )
            label = f"{precision}, {'triclinic' if triclinic else 'rectangular'}, variant {variant}"
            if result.returncode != 0:
                failures += 1
                print(f"FAILED: {label}\n{result.stderr[-3000:]}")
            else:
                passed += 1
                print(f"compiled: {label}")
    print(f"{passed} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
