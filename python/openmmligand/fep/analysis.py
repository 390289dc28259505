# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""MBAR analysis of one leg's storage (pymbar 4 through openmmtools' analyzer) and the combination of legs.

Per leg: ΔG (first state -> last) with MBAR's uncertainty, after openmmtools' automatic equilibration detection
and decorrelation; the free energy of every state; the overlap matrix; replica mixing (the state-to-state
transition matrix and its subdominant eigenvalue); forward and reverse convergence (MBAR on the first and on the
last 10%, 20%, ..., 100% of the iterations).
"""

import math

import numpy
from openmm import unit

KCAL = unit.kilocalorie_per_mole


def kt_in_kcal(temperature):
    """kT in kcal/mol at ``temperature`` (K)."""
    return (unit.MOLAR_GAS_CONSTANT_R * temperature * unit.kelvin).value_in_unit(KCAL)


def _mbar_delta(energies, states, first, last):
    """ΔG (kT) and its uncertainty, last state minus first, from the iterations first..last-1 (all samples)."""
    from pymbar import MBAR

    n_replicas, n_states, _ = energies.shape
    u = energies[:, :, first:last]
    s = states[:, first:last]
    u_kn = u.transpose(1, 0, 2).reshape(n_states, -1)
    n_k = numpy.bincount(s.reshape(-1), minlength=n_states)
    mbar = MBAR(u_kn, n_k, solver_protocol="robust")
    result = mbar.compute_free_energy_differences()
    return float(result["Delta_f"][0, -1]), float(result["dDelta_f"][0, -1])


def convergence(energies, states, fractions=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)):
    """Forward and reverse ΔG (kT) with uncertainty for each fraction of the iterations (iteration 0, the
    minimized start, left out)."""
    total = energies.shape[2]
    forward, reverse = [], []
    for fraction in fractions:
        count = max(2, int(round(fraction * (total - 1))))
        forward.append((fraction, *_mbar_delta(energies, states, 1, 1 + count)))
        reverse.append((fraction, *_mbar_delta(energies, states, total - count, total)))
    return {"forward": forward, "reverse": reverse}


def analyze_storage(path, temperature):
    """Everything the report needs from one leg's openmmtools storage (see the module text)."""
    from openmmtools import multistate

    reporter = multistate.MultiStateReporter(path, open_mode="r")
    try:
        analyzer = multistate.MultiStateSamplerAnalyzer(reporter)
        delta_f, d_delta_f = analyzer.get_free_energy()
        overlap = analyzer.mbar.compute_overlap()
        mixing = analyzer.generate_mixing_statistics()
        energies, _, _, states = analyzer.read_energies()
        equilibration = analyzer._get_equilibration_data()  # (n_equilibration, g_t, n_effective_max)
    finally:
        reporter.close()
    kt = kt_in_kcal(temperature)
    eigenvalues = numpy.sort(numpy.abs(numpy.linalg.eigvals(mixing.transition_matrix)))[::-1]
    return {
        "delta_f_kT": float(delta_f[0, -1]),
        "d_delta_f_kT": float(d_delta_f[0, -1]),
        "delta_g_kcal": float(delta_f[0, -1]) * kt,
        "d_delta_g_kcal": float(d_delta_f[0, -1]) * kt,
        "state_free_energies_kT": [float(x) for x in delta_f[0]],
        "state_uncertainties_kT": [float(x) for x in d_delta_f[0]],
        "overlap_matrix": numpy.asarray(overlap["matrix"]).tolist(),
        "overlap_scalar": float(numpy.real(overlap["scalar"])),  # 1 - an eigenvalue numpy may return as complex
        "transition_matrix": numpy.asarray(mixing.transition_matrix).tolist(),
        "subdominant_eigenvalue": float(eigenvalues[1]) if len(eigenvalues) > 1 else 0.0,
        "equilibration_iterations": int(equilibration[0]),
        "statistical_inefficiency": float(equilibration[1]),
        "effective_samples": float(equilibration[2]),
        "convergence_kT": convergence(numpy.asarray(energies), numpy.asarray(states)),
        "kT_kcal": kt,
    }


def combine_hydration(results):
    """ΔG_hydration from the legs of each repeat: ΔG_vacuum(coupled -> decoupled) − ΔG_solvent(...).

    ``results``: {(leg, repeat): unit result}. Returns a dict with each repeat's terms, the mean over repeats,
    its uncertainty (MBAR's propagated through the repeats, and the standard error of the repeats when there are
    several; the larger is reported) in kcal/mol.
    """
    repeats = sorted({repeat for _, repeat in results})
    per_repeat = []
    for repeat in repeats:
        solvent, vacuum = results[("solvent", repeat)], results[("vacuum", repeat)]
        value = vacuum["delta_g_kcal"] - solvent["delta_g_kcal"]
        error = math.hypot(vacuum["d_delta_g_kcal"], solvent["d_delta_g_kcal"])
        per_repeat.append(
            {
                "repeat": repeat,
                "dG_kcal": value,
                "uncertainty_kcal": error,
                "terms_kcal": {
                    "solvent leg (coupled -> decoupled)": solvent["delta_g_kcal"],
                    "vacuum leg (coupled -> decoupled)": vacuum["delta_g_kcal"],
                },
            }
        )
    return summarize_repeats(per_repeat, "dG_hydration_kcal")


def summarize_repeats(per_repeat, name):
    """Mean over repeats (``dG_kcal`` and ``name``), and its uncertainty: the larger of MBAR's propagated one and
    the standard error over repeats (kcal/mol)."""
    values = numpy.array([r["dG_kcal"] for r in per_repeat])
    mbar_error = math.sqrt(sum(r["uncertainty_kcal"] ** 2 for r in per_repeat)) / len(per_repeat)
    spread = float(numpy.std(values, ddof=1) / math.sqrt(len(values))) if len(values) > 1 else 0.0
    return {
        "dG_kcal": float(values.mean()),
        name: float(values.mean()),
        "uncertainty_kcal": max(mbar_error, spread),
        "mbar_uncertainty_kcal": mbar_error,
        "repeat_standard_error_kcal": spread,
        "repeats": per_repeat,
    }
