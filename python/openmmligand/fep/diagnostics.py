# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""What tells a free-energy run that it is not yet right: energy gaps and stuck neighbours while it runs, low MBAR
overlap and unmixed replicas in its results. Units (while sampling), the status, and the report all read these; none
of them is imported here."""

import numpy

#: Neighbouring states whose MBAR overlap is below this are named in the text table (the usual rule of thumb).
LOW_OVERLAP = 0.03


def state_changes(protocol, i):
    """What changes from state ``i`` to ``i + 1`` of ``protocol`` (a dict of per-state lists), e.g.
    "lambda_sterics 0.75 -> 0.5"."""
    changes = ", ".join(
        f"{name} {values[i]:g} -> {values[i + 1]:g}"
        for name, values in protocol.items()
        if isinstance(values, list) and len(values) > i + 1 and values[i] != values[i + 1]
    )
    return changes or "same λ"


def low_overlap_warnings(summary):
    """One line per unit with neighbouring states of MBAR overlap below :data:`LOW_OVERLAP`: which states, the λ
    that change between them, and the overlap."""
    legs = summary.get("protocol", {}).get("legs", {})
    lines = []
    for unit in summary["units"]:
        overlap = numpy.asarray(unit["overlap_matrix"])
        protocol = legs.get(unit.get("leg"), {})  # results before the leg was recorded: no λ names
        pairs = [
            f"{i} and {i + 1} ({state_changes(protocol, i) + ': ' if protocol else ''}{overlap[i, i + 1]:.3f})"
            for i in range(len(overlap) - 1)
            if overlap[i, i + 1] < LOW_OVERLAP
        ]
        if pairs:
            lines.append(
                f"  warning: {unit['unit']}: MBAR overlap below {LOW_OVERLAP} between states {'; '.join(pairs)}"
                " -- add states there or sample longer"
            )
    return lines


def mixing_warnings(summary):
    """One line per unit whose replicas have not travelled across its states within the run: the relaxation time of
    the replicas' state-to-state transition matrix, 1/(1 − λ₂) iterations (λ₂ its subdominant eigenvalue), is
    longer than the production iterations run, or infinite (λ₂ = 1: some neighbours exchanged no replica in the
    transition counts). Each state is then sampled from where its replica started, and MBAR's uncertainty, from
    the samples' own statistics, does not include that. (Validated hydration runs: λ₂ 0.95-0.97 in water,
    relaxation 21-34 of 60-100 iterations.)"""
    lines = []
    for unit in summary["units"]:
        eigenvalue, iterations = unit["subdominant_eigenvalue"], unit["iterations"]
        if eigenvalue >= 1.0 - 1e-9:
            why = "some neighbouring states exchanged no replica"
        elif 1.0 / (1.0 - eigenvalue) > iterations:
            why = f"replicas relax across the states in about {1.0 / (1.0 - eigenvalue):.0f} iterations"
        else:
            continue
        lines.append(
            f"  warning: {unit['unit']}: replicas have not mixed across the states in {iterations} iterations "
            f"(mixing eigenvalue {eigenvalue:.3f}: {why}); the uncertainty above underestimates the error -- "
            "sample longer"
        )
    return lines


def min_neighbour_overlap(overlap):
    """The smallest overlap between neighbouring states (MBAR's overlap matrix): 1 for a single state."""
    overlap = numpy.asarray(overlap)
    return float(min(overlap[i, i + 1] for i in range(len(overlap) - 1))) if len(overlap) > 1 else 1.0


#: Production iterations after which neighbouring states that have never exchanged replicas are reported (a gap in
#: the schedule shows this early: for amprenavir in HIV-1 protease at --quick, three sterics steps accepted no swap in
#: the first 8 iterations, and MBAR's overlap there was 0.000-0.004 — hours before the unit would have finished).
NO_EXCHANGE_AFTER = 5

#: Energy gap (kT) above which neighbours that have not exchanged are reported: the gap ⟨u_j − u_i⟩_i + ⟨u_i − u_j⟩_j
#: is the variance σ² of ΔU where ΔU is Gaussian, and MBAR's neighbour overlap then about ½ erfc(σ / 2√2): the
#: report's LOW_OVERLAP (0.03) at σ² ≈ 14 kT. Measured on 1HPV: steps of 21-34 kT had overlap 0.000-0.012, steps of
#: 3-10 kT 0.07-0.2. Rare swaps come in bursts (swap-all proposes ~100 swaps of the same two configurations per
#: iteration), so in 5 iterations a step of 6 kT (electrostatics 0.75 -> 0.5) can have accepted none: not a gap.
GAP_KT = 15.0


def neighbour_gaps(energies, replica_states):
    """⟨u_{i+1} − u_i⟩_i + ⟨u_i − u_{i+1}⟩_{i+1} for each pair of neighbouring states (kT; about 0 where they
    overlap well, growing as the square of the λ step), averaged over the samples of each state.

    ``energies``: reduced potentials (iterations, replicas, states) as the storage holds them; ``replica_states``:
    the state of each replica (iterations, replicas)."""
    u, at = numpy.asarray(energies, dtype=float), numpy.asarray(replica_states)
    gaps = []
    for i in range(u.shape[2] - 1):
        forward = (u[..., i + 1] - u[..., i])[at == i]
        backward = (u[..., i] - u[..., i + 1])[at == i + 1]
        gaps.append(forward.mean() + backward.mean() if forward.size and backward.size else numpy.nan)
    return numpy.array(gaps)


def stuck_neighbours(reporter, protocol, iteration):
    """Neighbouring states between which no replica swap was accepted in production iterations 1..``iteration``
    and whose energy gap (:func:`neighbour_gaps`) is above :data:`GAP_KT` (none before :data:`NO_EXCHANGE_AFTER`
    iterations): a list of {"states": [i, i + 1], "changes": what λ change there, "proposed": swaps proposed,
    "gap_kT": the gap, "text": the warning}."""
    if iteration < NO_EXCHANGE_AFTER:
        return []
    production = slice(1, iteration + 1)
    accepted, proposed = (numpy.asarray(m).sum(axis=0) for m in reporter.read_mixing_statistics(production))
    gaps = neighbour_gaps(reporter.read_energies(production)[0], reporter.read_replica_thermodynamic_states(production))
    stuck = []
    for i, gap in enumerate(gaps):
        tried = int(proposed[i, i + 1] + proposed[i + 1, i])
        if tried and accepted[i, i + 1] + accepted[i + 1, i] == 0 and gap > GAP_KT:  # (none proposed: no mixing)
            changes = state_changes(protocol, i)
            stuck.append(
                {
                    "states": [i, i + 1],
                    "changes": changes,
                    "proposed": tried,
                    "gap_kT": round(float(gap), 1),
                    "text": f"no replica exchange accepted between states {i} and {i + 1} ({changes}) in {iteration} "
                    f"iterations ({tried} swaps proposed), energy gap {gap:.1f} kT (neighbours that overlap: a few "
                    "kT): the schedule has a gap there and MBAR will report little or no overlap; stop and add "
                    "states there (--electrostatics, --sterics, --restraints) or sample much longer",
                }
            )
    return stuck
