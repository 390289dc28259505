# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""A small ANI model with random weights in the NeuroChem format the ANI-2x files use, written by the tests.

The kernel tests must not depend on files that only some machines hold (../shared/models/ani-2x): every loader,
kernel and platform test runs on this model, which any checkout can write. It is ANI-2x's layout made small: the
same seven elements, an AEV with two radial and two angular widths (so that the order of every AEV term is tested),
two ensemble members, CELU hidden layers and a linear output. Its energies are compared with an independent NumPy
formulation (ani_numpy.py) and, where TorchANI is installed, with TorchANI loading the same files.

Run as a script, it writes the model into the directory given (the C++ tests' ctest fixture does so)."""

import atexit
import bz2
import functools
import os
import shutil
import sys
import tempfile

import numpy

ELEMENTS = ("H", "C", "N", "O", "S", "F", "Cl")
# Self energies in Hartree (ANI-2x's, rounded: any numbers would do).
SELF_ENERGIES = (-0.5979, -38.0893, -54.7120, -75.1911, -398.1577, -99.8035, -460.1682)
AEV_PARAMETERS = {
    "Rcr": "5.2000e+00",
    "Rca": "3.5000e+00",
    "EtaR": [16.0, 8.0],
    "ShfR": [0.9, 2.0, 3.1, 4.2],
    "Zeta": [8.0, 14.1],
    "ShfZ": [0.6, 2.2],
    "EtaA": [8.0],
    "ShfA": [0.9, 1.55, 2.2, 2.85],
}
# 8 radial and 16 angular terms: the GPU kernels need counts that divide their 128-thread work groups.
HIDDEN = (24, 16)
MEMBERS = 2
# Not the published ANI-2x file name: the loader requires eight members only for that one.
PARAMS_FILE = "rHCNOSFCl-random-test.params"


def aev_length(p=AEV_PARAMETERS):
    """The AEV's length: radial terms per species plus angular terms per species pair."""
    radial = len(p["EtaR"]) * len(p["ShfR"])
    angular = len(p["EtaA"]) * len(p["Zeta"]) * len(p["ShfA"]) * len(p["ShfZ"])
    s = len(ELEMENTS)
    return s * radial + s * (s + 1) // 2 * angular


def _network_text(element, inputs):
    sizes = (*HIDDEN, 1)
    text = f"inputsize={inputs};\natom_net {element} $\n"
    previous = inputs
    for layer, nodes in enumerate(sizes, start=1):
        activation = 6 if layer == len(sizes) else 9  # identity output, CELU(0.1) hidden
        name = f"ANN-{element}.nnf-l{layer}"
        text += (
            f"layer [\nnodes={nodes};\nactivation={activation};\ntype=0;\nblocksize={previous};\n"
            f"weights=FILE:{name}.wparam[{nodes * previous}];\nbiases=FILE:{name}.bparam[{nodes}];\n]\n"
        )
        previous = nodes
    return text + "\n $\n"


def write(directory, seed=0, aev_parameters=AEV_PARAMETERS):
    """Write the model into ``directory`` (absent or empty) and return its path.

    The same seed gives the same bytes; ``aev_parameters`` replaces AEV_PARAMETERS (same keys). Weights are normal
    with variance 1/inputs (so each layer's outputs stay of order one), biases of order 0.1: per-atom energies of
    order 0.1-1 Hartree, forces of order 10^3-10^4 kJ/mol/nm.
    """
    if os.path.isdir(directory) and os.listdir(directory):
        raise ValueError(f"{directory} is not empty: the model is written into an empty directory")
    rng = numpy.random.default_rng(seed)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, PARAMS_FILE), "w") as out:
        for key, value in aev_parameters.items():
            if isinstance(value, list):
                value = "[" + ",".join(f"{v:.7e}" for v in value) + "]"
            out.write(f"{key} = {value}\n")
        out.write("Atyp = [" + ",".join(ELEMENTS) + "]\n")
    with open(os.path.join(directory, "sae_linfit.dat"), "w") as out:
        for k, (element, energy) in enumerate(zip(ELEMENTS, SELF_ENERGIES)):
            out.write(f"{element},{k}={energy!r}\n")
    inputs = aev_length(aev_parameters)
    for member in range(MEMBERS):
        networks = os.path.join(directory, f"train{member}", "networks")
        os.makedirs(networks, exist_ok=True)
        for element in ELEMENTS:
            compressed = bz2.compress(_network_text(element, inputs).encode())
            with open(os.path.join(networks, f"ANN-{element}.nnf"), "wb") as out:
                out.write(f"{len(compressed)}=\n".encode() + compressed)
            previous = inputs
            for layer, nodes in enumerate((*HIDDEN, 1), start=1):
                weights = rng.normal(0.0, 1.0 / numpy.sqrt(previous), size=(nodes, previous)).astype(numpy.float32)
                biases = rng.normal(0.0, 0.1, size=nodes).astype(numpy.float32)
                name = os.path.join(networks, f"ANN-{element}.nnf-l{layer}")
                weights.tofile(name + ".wparam")  # row-major [out][in], as NeuroChem writes them
                biases.tofile(name + ".bparam")
                previous = nodes
    return directory


@functools.cache
def shared_copy():
    """The model, written once per test process into a temporary directory that is removed at exit."""
    directory = tempfile.mkdtemp(prefix="openmmligand-random-ani-")
    atexit.register(shutil.rmtree, directory, True)
    return write(directory)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: random_ani_model.py DIRECTORY (replaced if it exists)")
    shutil.rmtree(sys.argv[1], ignore_errors=True)
    print(write(sys.argv[1]))
