# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""The ANI-2x reference values tests/python/test_ani_force.py compares AniForce with, from the real peer: TorchANI
(pip torchani with torch) loading the same NeuroChem files, in float64.

    python tools/ani_reference_values.py MODEL_DIR [--output tests/python/data/ani2x_reference.json]

Needs torchani, torch and rdkit. The molecules (3D conformers by RDKit's ETKDG with a fixed seed) cover all seven
elements of ANI-2x, amprenavir among them; two are periodic (a box small enough that the minimum image matters).
Energies in kJ/mol, forces in kJ/mol/nm, positions in nm. The test regenerates the values with this module's
torchani_energy_and_forces() whenever torchani is installed.
"""

import argparse
import json
import os

import numpy

HARTREE_IN_KJ_PER_MOL = 2625.4996394799

MOLECULES = {
    "ethanol": "CCO",
    "amprenavir": "CC(C)CN(C[C@@H](O)[C@H](Cc1ccccc1)NC(=O)O[C@H]1CCOC1)S(=O)(=O)c1ccc(N)cc1",
    "chlorotrifluoromethylbenzene": "FC(F)(F)c1ccc(Cl)cc1",
    "sulfanilamide": "NS(=O)(=O)c1ccc(N)cc1",
    "methanethiol_water": "CS.O",
}


def conformer(smiles, seed=20261202):
    from rdkit import Chem
    from rdkit.Chem import AllChem

    molecule = Chem.AddHs(Chem.MolFromSmiles(smiles))
    parameters = AllChem.ETKDGv3()
    parameters.randomSeed = seed
    if AllChem.EmbedMolecule(molecule, parameters) != 0:
        raise RuntimeError(f"RDKit could not embed {smiles}")
    AllChem.MMFFOptimizeMolecule(molecule)
    positions = molecule.GetConformer().GetPositions() / 10.0  # Angstrom -> nm
    return [a.GetAtomicNum() for a in molecule.GetAtoms()], positions


def torchani_model(model_directory):
    """TorchANI's own ensemble model built from the NeuroChem files (TorchANI 2.9's loader), in float64."""
    from pathlib import Path

    import torch
    from torchani import neurochem

    directory = Path(model_directory)
    params = sorted(directory.glob("*.params"))
    members = len(sorted(directory.glob("train[0-9]*")))
    info = neurochem.NeurochemInfo(
        sae=directory / "sae_linfit.dat", const=params[0], ensemble_prefix=directory / "train", ensemble_size=members
    )
    aev, networks, self_energies, symbols = neurochem.modules_from_info(info)
    model = neurochem.ANI(symbols, aev, networks, self_energies, periodic_table_index=True)
    return model.to(torch.float64)


def torchani_energy_and_forces(model_directory, atomic_numbers, positions_nm, box_nm=None, model=None):
    """TorchANI's energy (kJ/mol) and forces (kJ/mol/nm) for one molecule."""
    import torch

    model = model or torchani_model(model_directory)
    species = torch.tensor([list(atomic_numbers)])
    coordinates = torch.tensor(numpy.asarray(positions_nm)[None] * 10.0, dtype=torch.float64, requires_grad=True)
    if box_nm is None:
        energy = model((species, coordinates)).energies
    else:
        cell = torch.tensor(numpy.asarray(box_nm) * 10.0, dtype=torch.float64)
        energy = model((species, coordinates), cell=cell, pbc=torch.tensor([True, True, True])).energies
    (gradient,) = torch.autograd.grad(energy.sum(), coordinates)
    energy_kj = float(energy.item()) * HARTREE_IN_KJ_PER_MOL
    forces = -gradient[0].numpy() * 10.0 * HARTREE_IN_KJ_PER_MOL
    return energy_kj, forces


def cases():
    """Every test molecule: name, atomic numbers, positions (nm), box (nm) or None."""
    result = []
    for name, smiles in MOLECULES.items():
        numbers, positions = conformer(smiles)
        result.append((name, numbers, positions, None))
    # Periodic. Ethanol across a corner of a 1.1 nm box, its atoms wrapped into the box (split across the faces:
    # the minimum image must put it back together); 36 waters in a 1.05 nm box (liquid density), wrapped, where
    # many pairs interact only through an image.
    numbers, positions = conformer(MOLECULES["ethanol"])
    box = numpy.eye(3) * 1.1
    result.append(("ethanol_periodic", numbers, (positions - positions.mean(axis=0) + 1.08) % 1.1, box))
    water_numbers, water = conformer("O")
    rng = numpy.random.default_rng(7)
    numbers, positions = [], []
    edge = 1.05
    for x in range(3):
        for y in range(3):
            for z in range(4):
                q = rng.normal(size=4)
                q /= numpy.linalg.norm(q)
                a, b, c, d = q
                rotation = numpy.array(
                    [
                        [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
                        [2 * (b * c + a * d), a * a - b * b + c * c - d * d, 2 * (c * d - a * b)],
                        [2 * (b * d - a * c), 2 * (c * d + a * b), a * a - b * b - c * c + d * d],
                    ]
                )
                # Jittered: on the bare grid the O-O distances are exactly 0.35 nm, the angular cutoff, where the
                # energy's second derivative jumps (finite differences would see a kink).
                centre = numpy.array([(x + 0.5) * edge / 3, (y + 0.5) * edge / 3, (z + 0.5) * edge / 4])
                centre += rng.uniform(-0.02, 0.02, size=3)
                numbers += water_numbers
                positions += list((water - water[0]) @ rotation.T + centre)
    result.append(("water_box_periodic", numbers, numpy.array(positions) % edge, numpy.eye(3) * edge))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_directory")
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--output", default=os.path.join(here, "..", "tests", "python", "data", "ani2x_reference.json"))
    args = parser.parse_args()
    import torchani

    model = torchani_model(args.model_directory)
    molecules = []
    for name, numbers, positions, box in cases():
        energy, forces = torchani_energy_and_forces(args.model_directory, numbers, positions, box, model)
        molecules.append(
            {
                "name": name,
                "atomic_numbers": numbers,
                "positions_nm": numpy.asarray(positions).tolist(),
                "box_nm": None if box is None else numpy.asarray(box).tolist(),
                "energy_kj_per_mol": energy,
                "forces_kj_per_mol_nm": forces.tolist(),
            }
        )
        print(f"{name}: {len(numbers)} atoms, {energy:.6f} kJ/mol")
    with open(args.output, "w") as out:
        json.dump({"peer": f"torchani {torchani.__version__}, float64", "molecules": molecules}, out, indent=1)


if __name__ == "__main__":
    main()
