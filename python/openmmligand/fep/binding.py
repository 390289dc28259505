# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""The absolute binding free energy of a ligand in a PDB complex, in one call (``openmm-ligand abfe``).

    import openmmligand.fep
    summary = openmmligand.fep.binding_free_energy("1hpv.pdb", "478", "binding-1hpv", quick=True)

Thermodynamic cycle (ΔG_bind for P + L -> PL at 1 M):

    complex:  PL, ligand coupled, restraint off -> restraint on (lambda_restraints 0 -> 1), then electrostatics
              and sterics off (26 states; quick 24)                                          ΔG_complex
    release:  the decoupled ligand's Boresch restraint released into V° = 1.66 nm³ (1 M), analytic or numerical
              (openmmligand.fep.restraints)                                                  ΔG_restraint
    solvent:  L in water, coupled -> decoupled (20 states, quick too)                        ΔG_solvent

    ΔG_bind = −ΔG_complex − ΔG_restraint + ΔG_solvent

The complex: :func:`openmmligand.complexes.build_complex` (Amber14, GAFF2/AM1-BCC ligand, TIP3P, 0.15 M NaCl,
PME, minimized); other small molecules of the receptor (a cofactor, or the host of a host–guest complex) through
``receptor_molecules={residue: SMILES}``, parameterized as the ligand is. Boresch anchors: from a short NVT
equilibration of the coupled complex (quick 10 frames of 100 steps; default 50 frames of 500 steps): protein
backbone atoms (N, CA, C) and receptor molecules' heavy atoms within 1.0 nm of the ligand, chosen by
:func:`openmmligand.fep.restraints.select_boresch_anchors`; or ``anchors`` (six System indices: P1 P2 P3 L1 L2 L3).
The restraint sits in a force group of its own, so that the one-pass energy matrix covers ``lambda_restraints``
too (:mod:`openmmligand.samplers`): every row of both legs is one pass.
"""

import json
import os
from typing import Optional, Sequence

import numpy
import openmm
from openmm import unit

from ..errors import LigandError
from .analysis import summarize_repeats
from .pipeline import run_workflow, start_workflow
from .restraints import BoreschRestraint, select_boresch_anchors
from .schedules import binding_protocols
from .systems import _save_leg, saved_legs, solvent_leg
from .settings import PRESSURE, TEMPERATURE, RunSettings

BACKBONE = {"N", "CA", "C"}


def _equilibration_frames(system, positions, frames, steps, platform):
    integrator = openmm.LangevinMiddleIntegrator(TEMPERATURE * unit.kelvin, 1 / unit.picosecond, 0.002)
    integrator.setRandomNumberSeed(7)
    context = openmm.Context(system, integrator, *([platform] if platform else []))
    context.setPositions(positions)
    context.setVelocitiesToTemperature(TEMPERATURE * unit.kelvin, 7)
    samples = []
    for _ in range(frames):
        integrator.step(steps)
        state = context.getState(getPositions=True, enforcePeriodicBox=False)
        samples.append(state.getPositions(asNumpy=True).value_in_unit(unit.nanometer))
    return numpy.array(samples), state.getPositions()


def receptor_anchor_candidates(built, positions, receptor_molecules=None, within=1.0):
    """The receptor atoms a Boresch restraint may anchor to, sorted: protein backbone atoms (N, CA, C) and heavy atoms
    of the receptor molecules (residue names in ``receptor_molecules``: a cofactor, a host) of residues with an atom
    within ``within`` nm of the ligand. ``built``: a ProteinLigandComplex; ``positions``: (N, 3) nm;
    ``receptor_molecules``: default, the ones ``built`` was built with. Raises LigandError if there are none."""
    ligand = built.ligand_atoms
    if receptor_molecules is None:
        receptor_molecules = built.description.get("receptor_molecules", {})
    small_molecules = set(receptor_molecules)
    near = set()
    for residue in built.environment_residues():
        atoms = list(residue.atoms())
        distance = numpy.min(
            numpy.linalg.norm(positions[[a.index for a in atoms]][:, None] - positions[ligand][None], axis=2)
        )
        if distance < within:
            if residue.name in small_molecules:
                near.update(a.index for a in atoms if a.element is not None and a.element.atomic_number > 1)
            else:
                near.update(a.index for a in atoms if a.name in BACKBONE)
    if not near:
        raise LigandError(
            f"no protein backbone atoms (nor receptor molecules' heavy atoms) within {within} nm of the ligand: "
            "is it bound?"
        )
    return sorted(near)


def binding_systems(
    pdb_file: str,
    ligand_residue: str,
    folder: str,
    smiles: Optional[str] = None,
    anchors: Optional[Sequence[int]] = None,
    quick: bool = False,
    platform: Optional[openmm.Platform] = None,
    cache_dir=None,
    anchor_sampling: Optional[Sequence[int]] = None,
    receptor_molecules: Optional[dict] = None,
    charge_method: str = "bcc",
    padding: float = 1.0,
):
    """Build (or load, if ``folder`` has them) the complex and solvent legs and the Boresch restraint.
    ``anchor_sampling``: (frames, steps per frame) of the equilibration the anchors are chosen from (default:
    quick (10, 100), else (50, 500)); ``receptor_molecules``: {residue: SMILES} as for
    :func:`openmmligand.complexes.build_complex`; ``charge_method``: 'bcc' (AM1-BCC) or 'gas' (Gasteiger, for
    tests); ``padding``: water around the complex in nm as OpenMM's Modeller measures it (the cubic box's edge is the
    complex's bounding-sphere diameter plus ``padding``). Returns ({leg: LegSystem}, description, restraint)."""
    from .. import complexes

    marker = os.path.join(folder, "systems.json")
    if os.path.isfile(marker):
        from .units import read_json

        saved = read_json(marker, f"delete {folder} (or this file) to build the systems again")
        legs = saved_legs(folder, saved["legs"])
        return legs, saved["description"], BoreschRestraint(**saved["restraint"])
    built = complexes.build_complex(
        pdb_file,
        ligand_residue,
        smiles,
        cache_dir=cache_dir,
        platform=platform,
        receptor_molecules=receptor_molecules,
        charge_method=charge_method,
        padding=padding,
    )
    smiles = built.description["smiles"]  # resolved for a known ligand given without one
    molecule, template = built.ligand_parameters(cache_dir)
    legs = {"solvent": solvent_leg(molecule, template, os.path.join(folder, "solvent"))}
    ligand = built.ligand_atoms
    if anchors is not None:
        anchors = [int(a) for a in anchors]
        if len(anchors) != 6 or any(not 0 <= a < built.system.getNumParticles() for a in anchors):
            raise LigandError(f"anchors must be six particle indices (P1 P2 P3 L1 L2 L3): {anchors}")
        if not set(anchors[3:]) <= set(ligand) or set(anchors[:3]) & set(ligand):
            raise LigandError("anchors: P1 P2 P3 must be environment atoms and L1 L2 L3 ligand atoms")
    frames, steps = anchor_sampling or ((10, 100) if quick else (50, 500))
    samples, last = _equilibration_frames(built.system, built.positions, frames, steps, platform)
    if anchors is not None:
        restraint = BoreschRestraint.from_positions(anchors[:3], anchors[3:], samples.mean(axis=0))
    else:
        mean = samples.mean(axis=0)
        near = receptor_anchor_candidates(built, mean)
        heavy = [ligand[i] for i, atom in enumerate(molecule.GetAtoms()) if atom.GetAtomicNum() > 1]
        rings = [ligand[i] for i, atom in enumerate(molecule.GetAtoms()) if atom.IsInRing() and atom.GetAtomicNum() > 1]
        box = built.system.getDefaultPeriodicBoxVectors()
        edge = min(box[i][i].value_in_unit(unit.nanometer) for i in range(3))
        restraint = select_boresch_anchors(samples, near, heavy, rings, box_edge=edge)
    system = openmm.XmlSerializer.deserialize(openmm.XmlSerializer.serialize(built.system))
    # The restraint in a force group of its own: the one-pass energy matrix then covers lambda_restraints too.
    force = restraint.force()
    used = {f.getForceGroup() for f in system.getForces()}
    force.setForceGroup(max(g for g in range(32) if g not in used))
    system.addForce(force)
    legs["complex"] = _save_leg(os.path.join(folder, "complex"), system, built.topology, last, ligand, True)
    description = {
        "smiles": smiles,
        "ligand_residue": ligand_residue,
        "pdb": os.path.abspath(pdb_file),
        "force_field": "gaff2",
        "charges": template.charge_method,
        "water": "TIP3P",
        "complex_atoms": system.getNumParticles(),
        "net_charge": round(sum(template.charges)),
        "receptor_molecules": built.description.get("receptor_molecules", {}),
        "anchors": list(restraint.protein_atoms) + list(restraint.ligand_atoms),
        "anchor_source": "given" if anchors is not None else f"selected from {frames} frames x {steps} steps",
    }
    with open(marker, "w", encoding="utf-8") as stream:
        json.dump(
            {
                "legs": {k: v.to_json() for k, v in legs.items()},
                "description": description,
                "restraint": restraint.to_json(),
            },
            stream,
            indent=1,
        )
    return legs, description, restraint


def combine_binding(results, restraint_kcal):
    """ΔG_bind per repeat and over repeats (kcal/mol) with every term; ``results``: {(leg, repeat): result}."""
    per_repeat = []
    for repeat in sorted({r for _, r in results}):
        complex_leg, solvent = results[("complex", repeat)], results[("solvent", repeat)]
        value = -complex_leg["delta_g_kcal"] - restraint_kcal + solvent["delta_g_kcal"]
        per_repeat.append(
            {
                "repeat": repeat,
                "dG_kcal": value,
                "uncertainty_kcal": float(numpy.hypot(complex_leg["d_delta_g_kcal"], solvent["d_delta_g_kcal"])),
                "terms_kcal": {
                    "complex leg (coupled -> decoupled, restrained)": complex_leg["delta_g_kcal"],
                    "restraint release to 1 M (standard state)": restraint_kcal,
                    "solvent leg (coupled -> decoupled)": solvent["delta_g_kcal"],
                },
            }
        )
    return summarize_repeats(per_repeat, "dG_bind_kcal")


def binding_free_energy(
    pdb_file: str,
    ligand_residue: str,
    out: str,
    settings: Optional[RunSettings] = None,
    *,
    smiles: Optional[str] = None,
    anchors: Optional[Sequence[int]] = None,
    receptor_molecules: Optional[dict] = None,
    padding: float = 1.0,
    restraints: Optional[Sequence[float]] = None,
    **run_settings,
) -> dict:
    """Compute (or resume, or read back) the absolute binding free energy; results in ``out`` (summary.json,
    summary.txt, report.png).

    Parameters
    ----------
    pdb_file : str
        The complex (receptor + ligand).
    ligand_residue : str
        The ligand's residue name in it.
    out : str
        The output folder; calling again with it resumes (or reads back) the run.
    settings : RunSettings, optional
        How the run goes (:class:`openmmligand.fep.RunSettings`); ``electrostatics`` and ``sterics`` apply to both
        legs.
    smiles : str, optional
        The ligand's SMILES (optional for ligands in :data:`openmmligand.complexes.KNOWN_LIGANDS`).
    anchors : sequence of int, optional
        Boresch anchors P1 P2 P3 L1 L2 L3 (default: selected), as in :func:`binding_systems`.
    receptor_molecules : dict, optional
        {residue: SMILES} of other small molecules of the receptor (a cofactor, the host of a host–guest complex).
    padding : float
        Water around the complex, nm.
    restraints : sequence of float, optional
        The complex leg's ``lambda_restraints`` from 0, replacing the default
        (:func:`openmmligand.fep.schedules.binding_protocols`).
    **run_settings
        RunSettings fields, replacing those of ``settings``.

    Returns
    -------
    dict
        The summary (ΔG_bind and uncertainty in kcal/mol, every term, the restraint and its correction).

    Raises
    ------
    LigandError
        For a missing PDB or ligand, an unknown run setting, a SMILES that does not match, no valid anchors (naming the
        failed criteria), a schedule that does not run from coupled to decoupled or a scheduler that does not answer —
        before the sampling starts.
    """
    if not os.path.isfile(pdb_file):
        raise LigandError(f"PDB file not found: {pdb_file}")
    settings = RunSettings.of(settings, **run_settings)
    protocols = binding_protocols(settings.electrostatics, settings.sterics, restraints, settings.quick)
    out, _ = start_workflow(out, settings)
    openmm_platform = openmm.Platform.getPlatformByName(settings.platform)
    legs, description, restraint = binding_systems(
        pdb_file,
        ligand_residue,
        os.path.join(out, "systems"),
        smiles,
        anchors,
        settings.quick,
        openmm_platform,
        receptor_molecules=receptor_molecules,
        padding=padding,
    )
    correction = restraint.standard_state_correction(TEMPERATURE)
    return run_workflow(
        "absolute binding",
        out,
        legs,
        protocols,
        {"complex": PRESSURE, "solvent": PRESSURE},
        settings,
        description,
        lambda by_key: combine_binding(by_key, correction["dG_kcal"]),
        extra={"restraint": {**restraint.to_json(), "standard_state_correction": correction}},
    )
