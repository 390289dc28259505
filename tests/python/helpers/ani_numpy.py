# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""ANI's energy in NumPy, from the NeuroChem files, written from the method's definition (Smith et al., Chem. Sci.
2017, 8, 3192; TorchANI's conventions for the AEV's layout and its 0.95 angle factor): an independent formulation
for the kernel tests, with a loader of its own. Plain loops over atoms; for molecules of up to ~100 atoms."""

import bz2
import glob
import os
import re

import numpy

# CODATA 2018: the Hartree energy times Avogadro's number, in kJ/mol.
HARTREE_IN_KJ_PER_MOL = 4.3597447222071e-18 * 6.02214076e23 / 1000.0
ATOMIC_NUMBERS = {"H": 1, "C": 6, "N": 7, "O": 8, "F": 9, "S": 16, "Cl": 17}


def _float32(values):
    """Parameters as float32 holds them (NeuroChem trained, and TorchANI holds, the parameters in float32)."""
    return numpy.asarray(values, dtype=numpy.float32).astype(numpy.float64)


def _parse_list(text):
    return [item.strip() for item in text.strip().strip("[]").split(",") if item.strip()]


def load(directory):
    """The model in ``directory``: a dict of AEV parameters, self energies (Hartree) and each member's networks."""
    (params_file,) = glob.glob(os.path.join(directory, "*.params"))
    params = {}
    for line in open(params_file):
        if "=" in line:
            key, value = line.split("=", 1)
            params[key.strip()] = value.strip()
    elements = _parse_list(params["Atyp"])
    model = {
        "elements": elements,
        "Rcr": float(params["Rcr"]),
        "Rca": float(params["Rca"]),
        **{
            key: _float32([float(v) for v in _parse_list(params[key])])
            for key in ("EtaR", "ShfR", "Zeta", "ShfZ", "EtaA", "ShfA")
        },
    }
    self_energies = {}
    for line in open(os.path.join(directory, "sae_linfit.dat")):
        if "," in line and "=" in line:
            self_energies[line.split(",")[0].strip()] = float(_float32([float(line.split("=")[1])])[0])
    model["self_energies"] = [self_energies[e] for e in elements]
    members = sorted(glob.glob(os.path.join(directory, "train[0-9]*")), key=lambda p: int(p.rsplit("train", 1)[1]))
    model["members"] = [[_network(os.path.join(m, "networks", f"ANN-{e}.nnf")) for e in elements] for m in members]
    return model


def _network(path):
    """[(weights [out][in], biases, activation code)] of one .nnf file."""
    raw = open(path, "rb").read()
    text = bz2.decompress(raw[raw.index(b"=\n") + 2 :]).decode()
    layers = []
    folder = os.path.dirname(path)
    for block in re.findall(r"layer \[(.*?)\n\]", text, re.S):
        fields = dict(re.findall(r"(\w+)=([^;]*);", block))
        nodes, inputs = int(fields["nodes"]), int(fields["blocksize"])
        weights_file = re.match(r"FILE:(.*)\[", fields["weights"]).group(1)
        biases_file = re.match(r"FILE:(.*)\[", fields["biases"]).group(1)
        w = numpy.fromfile(os.path.join(folder, weights_file), dtype=numpy.float32).astype(numpy.float64)
        b = numpy.fromfile(os.path.join(folder, biases_file), dtype=numpy.float32).astype(numpy.float64)
        layers.append((w.reshape(nodes, inputs), b, int(fields["activation"])))
    return layers


def _cutoff(r, rc):
    return numpy.where(r < rc, 0.5 * numpy.cos(numpy.pi * r / rc) + 0.5, 0.0)


def _displacements(positions, box):
    """d[i, j] = position j - position i (minimum image where there is a box), Angstrom."""
    d = positions[None, :, :] - positions[:, None, :]
    if box is None:
        return d
    inverse = numpy.linalg.inv(box)
    fractional = d @ inverse
    d = (fractional - numpy.round(fractional)) @ box
    # The rounding above is the minimum image only for a rectangular box: take the shortest of the neighbouring images.
    best = d.copy()
    for shift in numpy.array(numpy.meshgrid([-1, 0, 1], [-1, 0, 1], [-1, 0, 1])).T.reshape(-1, 3):
        candidate = d + shift @ box
        shorter = (candidate**2).sum(-1) < (best**2).sum(-1)
        best[shorter] = candidate[shorter]
    return best


def aevs(model, atomic_numbers, positions_angstrom, box_angstrom=None):
    """The atomic environment vector of every atom: [radial blocks per species, angular blocks per species pair]."""
    species = [model["elements"].index(next(e for e, z in ATOMIC_NUMBERS.items() if z == n)) for n in atomic_numbers]
    s = len(model["elements"])
    eta_r, shf_r = model["EtaR"][:, None], model["ShfR"][None, :]
    eta_a = model["EtaA"][:, None, None, None]
    zeta = model["Zeta"][None, :, None, None]
    shf_a = model["ShfA"][None, None, :, None]
    shf_z = model["ShfZ"][None, None, None, :]
    radial_terms = eta_r.size * shf_r.size
    angular_terms = eta_a.size * zeta.size * shf_a.size * shf_z.size
    pair_index = {}  # species pairs in upper-triangle order: (0,0), (0,1), ..., (1,1), ...
    for a in range(s):
        for b in range(a, s):
            pair_index[(a, b)] = pair_index[(b, a)] = a * s - a * (a - 1) // 2 + (b - a)
    d = _displacements(numpy.asarray(positions_angstrom, dtype=float), box_angstrom)
    r = numpy.sqrt((d**2).sum(-1))
    n = len(species)
    result = numpy.zeros((n, s * radial_terms + s * (s + 1) // 2 * angular_terms))
    for i in range(n):
        for j in range(n):
            if j != i and r[i, j] < model["Rcr"]:
                term = 0.25 * numpy.exp(-eta_r * (r[i, j] - shf_r) ** 2) * _cutoff(r[i, j], model["Rcr"])
                result[i, species[j] * radial_terms : (species[j] + 1) * radial_terms] += term.ravel()
        close = [j for j in range(n) if j != i and r[i, j] < model["Rca"]]
        for a, j in enumerate(close):
            for k in close[a + 1 :]:
                cosine = numpy.dot(d[i, j], d[i, k]) / (r[i, j] * r[i, k])
                theta = numpy.arccos(0.95 * cosine)
                term = (
                    2.0
                    * ((1.0 + numpy.cos(theta - shf_z)) / 2.0) ** zeta
                    * numpy.exp(-eta_a * ((r[i, j] + r[i, k]) / 2.0 - shf_a) ** 2)
                    * _cutoff(r[i, j], model["Rca"])
                    * _cutoff(r[i, k], model["Rca"])
                )
                start = s * radial_terms + pair_index[(species[j], species[k])] * angular_terms
                result[i, start : start + angular_terms] += term.ravel()
    return species, result


def _celu(x, alpha=0.1):
    return numpy.where(x > 0, x, alpha * (numpy.exp(numpy.minimum(x, 0) / alpha) - 1))


def network_energy(model, atomic_numbers, positions_nm, box_nm=None):
    """The networks' share of the energy in kJ/mol: the ensemble mean of the summed atomic network outputs."""
    box = None if box_nm is None else numpy.asarray(box_nm, dtype=float) * 10.0
    species, aev = aevs(model, atomic_numbers, numpy.asarray(positions_nm, dtype=float) * 10.0, box)
    total = 0.0
    for member in model["members"]:
        for atom, s in enumerate(species):
            x = aev[atom]
            for weights, biases, activation in member[s]:
                x = weights @ x + biases
                if activation == 9:
                    x = _celu(x)
            total += x[0] / len(model["members"])
    return total * HARTREE_IN_KJ_PER_MOL


def self_energy(model, atomic_numbers):
    """The summed self energies of the atoms in kJ/mol."""
    symbols = {z: e for e, z in ATOMIC_NUMBERS.items()}
    return (
        sum(model["self_energies"][model["elements"].index(symbols[z])] for z in atomic_numbers) * HARTREE_IN_KJ_PER_MOL
    )
