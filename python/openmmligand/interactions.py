# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Per-residue ligand–environment interaction energies: the interaction fingerprint, computed by the force's kernel."""

import weakref

import numpy
import pandas
import openmm
from openmm import app

from typing import Optional

from ._validation import check_context, check_index, check_indices
from .decouple import find_ligand_coupling_forces
from .errors import LigandError
from .openmmligand_wrapper import LigandCouplingForce

SOLVENT_RESIDUES = {"HOH", "WAT", "SOL", "TIP3", "NA", "CL", "K", "MG", "CA", "ZN", "Na+", "Cl-"}
FIELDS = ("lj_full", "lj", "elec_full", "elec")


# residue_groups() results per Topology (a simulation asks for the same ones every report): weak keys, so a
# Topology that goes away takes its entries with it; the key includes the atom and residue counts, so an edited
# Topology is not served stale groups.
_residue_groups_cache = weakref.WeakKeyDictionary()


def residue_groups(topology, ligand_atoms, lump_solvent=True):
    """Groups for :func:`interaction_energies`: one per environment residue, waters and ions lumped into one
    "solvent" group when ``lump_solvent``. Returns (names, residue names, residue ids, group of each atom), as
    tuples and a read-only array: they are cached per Topology."""
    key = (tuple(int(i) for i in ligand_atoms), bool(lump_solvent), topology.getNumAtoms(), topology.getNumResidues())
    try:
        cached = _residue_groups_cache.setdefault(topology, {})
    except TypeError:  # a Topology-like object without weak references: no cache
        cached = {}
    if key not in cached:
        cached[key] = _make_residue_groups(topology, key[0], lump_solvent)
    return cached[key]


def _make_residue_groups(topology, ligand_atoms, lump_solvent):
    ligand = set(ligand_atoms)
    names, resnames, resids = [], [], []
    group_of = numpy.full(topology.getNumAtoms(), -1, dtype=int)
    solvent = None
    for residue in topology.residues():
        atoms = [a.index for a in residue.atoms() if a.index not in ligand]
        if not atoms:
            continue
        if lump_solvent and residue.name in SOLVENT_RESIDUES:
            if solvent is None:
                solvent = len(names)
                names.append("solvent")
                resnames.append("solvent")
                resids.append("")
            group_of[atoms] = solvent
            continue
        group_of[atoms] = len(names)
        chain = residue.chain.id if residue.chain is not None else ""
        names.append(f"{residue.name}{residue.id}{':' + chain if chain else ''}")
        resnames.append(residue.name)
        resids.append(f"{residue.id}{':' + chain if chain else ''}")
    group_of.setflags(write=False)
    return tuple(names), tuple(resnames), tuple(resids), group_of


def interaction_energies(
    context: openmm.Context,
    groups=None,
    topology: Optional[app.Topology] = None,
    force: Optional[LigandCouplingForce] = None,
    lump_solvent: bool = True,
) -> pandas.DataFrame:
    """Interaction energy between the ligand and each environment group, for the Context's current positions.

    Parameters
    ----------
    context : openmm.Context
        A Context whose System has a LigandCouplingForce (e.g. from :func:`openmmligand.decouple`).
    groups : dict {name: atom indices} or sequence of atom-index sequences, optional
        The groups; default: one per residue of ``topology`` that is not the ligand (waters and ions lumped into
        "solvent" when ``lump_solvent``). Atoms in no group are not counted.
    topology : openmm.app.Topology, optional
        Needed for the default groups.

    Returns
    -------
    pandas.DataFrame, one row per group with ``group``,
    ``residue_name``, ``residue_id`` and, in kJ/mol: ``lj_full`` (Lennard-Jones at lambda_sterics = 1), ``lj`` (at the
    current lambda_sterics, softcore), ``elec_full`` (direct-space electrostatics: erfc-screened for PME/Ewald,
    reaction field for cutoff methods, plain Coulomb without a cutoff; ligand charges at full strength), ``elec``
    (times the current lambda_electrostatics), ``total_full``, ``total``.
    """
    check_context(context)
    system = context.getSystem()
    if force is None:
        found = find_ligand_coupling_forces(system)
        if len(found) != 1:
            raise LigandError(
                f"the Context's System has {len(found)} LigandCouplingForces; pass the one to use as force="
            )
        force = found[0]
    elif not LigandCouplingForce.isinstance(force):
        raise LigandError(f"force must be a LigandCouplingForce, got {type(force).__name__}")
    ligand = list(force.getLigandParticles())
    ligand_set = set(ligand)
    n = system.getNumParticles()
    if topology is not None and not isinstance(topology, app.Topology):
        raise LigandError(f"topology must be an openmm.app.Topology, got {type(topology).__name__} {topology!r}")
    if groups is None:
        if topology is None:
            raise LigandError("interaction_energies needs groups, or a topology to make one group per residue")
        names, resnames, resids, group_of = residue_groups(topology, ligand, lump_solvent)
    else:
        if isinstance(groups, dict):
            items = list(groups.items())
        elif isinstance(groups, (str, bytes)) or not hasattr(groups, "__iter__"):
            raise LigandError(
                f"groups must be a dict {{name: atom indices}} or a sequence of atom-index sequences, got {groups!r}"
            )
        else:
            items = [(f"group {k}", g) for k, g in enumerate(groups)]
        names = [str(name) for name, _ in items]
        resnames, resids = list(names), [""] * len(names)
        group_of = numpy.full(n, -1, dtype=int)
        for index, (name, atoms) in enumerate(items):
            for atom in check_indices(atoms, f"group '{name}'", n, allow_empty=True):
                if atom in ligand_set:
                    raise LigandError(
                        f"group '{name}' has particle {atom}, which is in the ligand: groups are the ligand's partners"
                    )
                if group_of[atom] != -1:
                    raise LigandError(f"particle {atom} is in two groups ('{names[group_of[atom]]}' and '{name}')")
                group_of[atom] = index
    values = numpy.array(force.getInteractionEnergies(context, group_of.astype(int).tolist(), len(names))).reshape(
        len(names), 4
    )
    table = {"group": names, "residue_name": resnames, "residue_id": resids}
    for k, field in enumerate(FIELDS):
        table[field] = values[:, k] if len(names) else numpy.zeros(0)
    table["total_full"] = table["lj_full"] + table["elec_full"]
    table["total"] = table["lj"] + table["elec"]
    return pandas.DataFrame(table)


class InteractionEnergyReporter:
    """An ``openmm.app.Simulation`` reporter that records the ligand's interaction energy with each group every
    ``reportInterval`` steps to a CSV file (long format: step, group, residue_name, residue_id, lj_full, lj,
    elec_full, elec, total_full, total; kJ/mol). Groups as for :func:`interaction_energies` (default: one per
    residue of ``topology``, solvent lumped)."""

    def __init__(
        self, file, reportInterval: int, topology: Optional[app.Topology] = None, groups=None, lump_solvent: bool = True
    ):
        """Open (or take) ``file`` and write the CSV header; report every ``reportInterval`` (> 0) steps."""
        self._interval = check_index(reportInterval, "reportInterval")
        if self._interval <= 0:
            raise LigandError(f"reportInterval must be positive, got {reportInterval}")
        if not isinstance(file, str) and not hasattr(file, "write"):
            raise LigandError(f"file must be a path or a writable file object, got {type(file).__name__}")
        self._topology, self._groups, self._lump = topology, groups, lump_solvent
        self._own = isinstance(file, str)
        self._out = open(file, "w") if self._own else file
        self._out.write("step,group,residue_name,residue_id," + ",".join(FIELDS + ("total_full", "total")) + "\n")

    def describeNextReport(self, simulation):
        """OpenMM's reporter protocol: steps to the next report; no positions, velocities, forces or energies."""
        steps = self._interval - simulation.currentStep % self._interval
        return (steps, False, False, False, False)

    def report(self, simulation, state):
        """Write one row per group for the current configuration."""
        table = interaction_energies(
            simulation.context, self._groups, self._topology or simulation.topology, lump_solvent=self._lump
        )
        labels = [list(numpy.asarray(table[c], dtype=object)) for c in ("group", "residue_name", "residue_id")]
        values = [numpy.asarray(table[c], dtype=float) for c in FIELDS + ("total_full", "total")]
        for k in range(len(labels[0])):
            row = [str(column[k]) for column in labels] + [f"{column[k]:.6f}" for column in values]
            self._out.write(f"{simulation.currentStep}," + ",".join(row) + "\n")
        self._out.flush()

    def __del__(self):
        if getattr(self, "_own", False):
            self._out.close()


def fingerprint(csv_file: str, field: str = "total_full") -> list:
    """Mean and standard deviation over the reports of a CSV written by :class:`InteractionEnergyReporter`, per
    group, most strongly interacting first: a list of (group, mean, std) in kJ/mol."""
    import csv

    values = {}
    with open(csv_file) as stream:
        for row in csv.DictReader(stream):
            values.setdefault(row["group"], []).append(float(row[field]))
    summary = [(g, float(numpy.mean(v)), float(numpy.std(v))) for g, v in values.items()]
    return sorted(summary, key=lambda item: item[1])


def plot_fingerprint(
    csv_file: str, path: str, top: int = 15, field: str = "total_full", title: str = "Ligand interaction fingerprint"
) -> None:
    """Bar chart of the ``top`` most strongly interacting groups (mean ± std over the reports) from a reporter's
    CSV; the solvent group is left out (its magnitude would dwarf the residues). Written with matplotlib's
    object API: the caller's pyplot state and backend are left alone."""
    from matplotlib.figure import Figure

    top = check_index(top, "top")
    if top <= 0:
        raise LigandError(f"top must be positive, got {top}")
    if field not in FIELDS + ("total_full", "total"):
        raise LigandError(f"field must be one of {FIELDS + ('total_full', 'total')}, got {field!r}")
    summary = [item for item in fingerprint(csv_file, field) if item[0] != "solvent"][:top]
    fig = Figure(figsize=(max(6, 0.45 * len(summary) + 2), 4))
    ax = fig.subplots()
    names = [item[0] for item in summary]
    means = [item[1] for item in summary]
    ax.bar(
        range(len(summary)),
        means,
        yerr=[item[2] for item in summary],
        capsize=3,
        color=["#d62728" if m < 0 else "#1f77b4" for m in means],
    )
    ax.set_xticks(range(len(summary)))
    ax.set_xticklabels(names, rotation=60, ha="right", fontsize=8)
    ax.axhline(0, color="grey", lw=0.6)
    ax.set_ylabel("kJ/mol (LJ + direct-space elec.)")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
