# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Restraints that hold a decoupled ligand in its site, and their standard-state corrections.

**Boresch restraint** (Boresch et al., J. Phys. Chem. B 107:9535, 2003): three protein atoms P1, P2, P3 and three
ligand atoms L1, L2, L3; one distance r = |L1 − P1|, two angles θA = ∠(P2, P1, L1), θB = ∠(P1, L1, L2) and three
dihedrals φA = (P3, P2, P1, L1), φB = (P2, P1, L1, L2), φC = (P1, L1, L2, L3), each harmonic in the **½k(x − x0)²
convention**, all multiplied by the Context parameter ``lambda_restraints``:

    U = lambda_restraints · [½k_r (r − r0)² + ½k_θA (θA − θA0)² + ½k_θB (θB − θB0)² + Σ ½k_φ Δφ²]

with Δφ the dihedral difference wrapped into [−π, π). Units: nm, radians, kJ/mol (k_r in kJ/mol/nm², angle force
constants in kJ/mol/rad²). It is a ``CustomCompoundBondForce`` with periodic boundary conditions (the anchors must
lie within half a box of each other; anchor selection checks that).

The **standard-state correction** ΔG_restraint (releasing the restraint on the decoupled ligand into the standard
volume V° = 1.66054 nm³, i.e. 1 M) is computed two ways: Boresch's analytic formula (eq. 32; valid when the
restraint is stiff and the angles far from 0 and π)

    ΔG = −kT ln[ 8π² V° √(k_r k_θA k_θB k_φA k_φB k_φC) / (r0² sin θA0 sin θB0 (2π kT)³) ]

and numerically, from the restraint's configurational integral (separable: r² dr, sin θ dθ, dφ), integrated on a
fine grid. The analytic value is used when the two agree to 0.01 kcal/mol; otherwise the numerical one (and the
result says which). ΔG_bind = −(ΔG_complex leg + ΔG_restraint) + ΔG_solvent leg, with the complex leg ending in the
decoupled, restrained state (see the binding workflow).

**Flat-bottom centre-of-mass restraint**: zero while the ligand's centre of mass is within ``radius`` of the
protein atoms' centre, ½k(d − radius)² beyond; its correction is the numerical integral of the same form.
"""

import math
from dataclasses import asdict, dataclass
from typing import Optional, Sequence

import numpy
import openmm
from openmm import unit

from ..errors import LigandError

STANDARD_VOLUME_NM3 = 1.0 / (6.02214076e23 * 1e-24)  # 1 mol/L -> nm^3 per molecule: 1.66054 nm^3
KCAL_TO_KJ = 4.184
LAMBDA_RESTRAINTS = "lambda_restraints"
# P1-P2-P3 and L1-L2-L3 only define dihedrals: they must not be near-collinear (30 degrees from 0 and pi).
CHAIN_LIMIT = math.radians(30)
_trapezoid = getattr(numpy, "trapezoid", None) or numpy.trapz  # numpy < 2 (Debian's) has only trapz


def kt_kj(temperature: float) -> float:
    """kT in kJ/mol at ``temperature`` (K)."""
    return (unit.MOLAR_GAS_CONSTANT_R * temperature * unit.kelvin).value_in_unit(unit.kilojoule_per_mole)


def _angle(a, b, c):
    u, v = a - b, c - b
    return math.acos(max(-1.0, min(1.0, float(numpy.dot(u, v) / numpy.linalg.norm(u) / numpy.linalg.norm(v)))))


def _dihedral(a, b, c, d):
    """The dihedral a-b-c-d in radians, with OpenMM's sign (its ``dihedral()`` in custom forces)."""
    b1, b2, b3 = b - a, c - b, d - c
    n1, n2 = numpy.cross(b1, b2), numpy.cross(b2, b3)
    return math.atan2(float(numpy.dot(numpy.cross(n1, n2), b2 / numpy.linalg.norm(b2))), float(numpy.dot(n1, n2)))


@dataclass
class BoreschRestraint:
    """A Boresch restraint: anchors (System indices), equilibrium values (nm, rad) and force constants
    (kJ/mol/nm², kJ/mol/rad²). See the module text for the geometry and the ½k convention."""

    protein_atoms: Sequence[int]
    ligand_atoms: Sequence[int]
    r0: float
    theta_a0: float
    theta_b0: float
    phi_a0: float
    phi_b0: float
    phi_c0: float
    k_r: float = 4184.0  # kJ/mol/nm^2 (10 kcal/mol/Å^2)
    k_theta_a: float = 41.84  # kJ/mol/rad^2 (10 kcal/mol/rad^2), as are the others
    k_theta_b: float = 41.84
    k_phi_a: float = 41.84
    k_phi_b: float = 41.84
    k_phi_c: float = 41.84

    def __post_init__(self):
        self.protein_atoms = [int(i) for i in self.protein_atoms]
        self.ligand_atoms = [int(i) for i in self.ligand_atoms]
        if len(self.protein_atoms) != 3 or len(self.ligand_atoms) != 3:
            raise LigandError("a Boresch restraint needs three protein atoms and three ligand atoms")
        if len(set(self.protein_atoms + self.ligand_atoms)) != 6:
            raise LigandError(
                f"the Boresch anchors must be six different atoms: {self.protein_atoms + self.ligand_atoms}"
            )
        for name in ("k_r", "k_theta_a", "k_theta_b", "k_phi_a", "k_phi_b", "k_phi_c"):
            if not getattr(self, name) > 0:
                raise LigandError(f"Boresch force constant {name} must be positive")

    @classmethod
    def from_positions(cls, protein_atoms, ligand_atoms, positions, **constants):
        """Equilibrium values measured at ``positions`` (nm, an (N, 3) array or Quantity)."""
        x = numpy.asarray(getattr(positions, "value_in_unit", lambda u: positions)(unit.nanometer), dtype=float)
        p1, p2, p3 = (x[i] for i in protein_atoms)
        l1, l2, l3 = (x[i] for i in ligand_atoms)
        return cls(
            protein_atoms,
            ligand_atoms,
            r0=float(numpy.linalg.norm(l1 - p1)),
            theta_a0=_angle(p2, p1, l1),
            theta_b0=_angle(p1, l1, l2),
            phi_a0=_dihedral(p3, p2, p1, l1),
            phi_b0=_dihedral(p2, p1, l1, l2),
            phi_c0=_dihedral(p1, l1, l2, l3),
            **constants,
        )

    def energy(self, positions) -> float:
        """The restraint's energy (kJ/mol, at lambda_restraints = 1) at ``positions`` (nm), in numpy."""
        x = numpy.asarray(positions, dtype=float)
        p1, p2, p3 = (x[i] for i in self.protein_atoms)
        l1, l2, l3 = (x[i] for i in self.ligand_atoms)

        def wrapped(value, reference):
            delta = value - reference
            return delta - 2 * math.pi * math.floor(delta / (2 * math.pi) + 0.5)

        return 0.5 * (
            self.k_r * (numpy.linalg.norm(l1 - p1) - self.r0) ** 2
            + self.k_theta_a * (_angle(p2, p1, l1) - self.theta_a0) ** 2
            + self.k_theta_b * (_angle(p1, l1, l2) - self.theta_b0) ** 2
            + self.k_phi_a * wrapped(_dihedral(p3, p2, p1, l1), self.phi_a0) ** 2
            + self.k_phi_b * wrapped(_dihedral(p2, p1, l1, l2), self.phi_b0) ** 2
            + self.k_phi_c * wrapped(_dihedral(p1, l1, l2, l3), self.phi_c0) ** 2
        )

    def force(self, periodic: bool = True, parameter: str = LAMBDA_RESTRAINTS) -> openmm.CustomCompoundBondForce:
        """The restraint as a CustomCompoundBondForce scaled by the global parameter ``parameter`` (default
        lambda_restraints, initially 1)."""
        wrap = "{0} - 6.283185307179586*floor({0}/6.283185307179586 + 0.5)"
        expression = (
            f"{parameter} * 0.5 * (k_r*(distance(p4,p1) - r0)^2 + k_ta*(angle(p2,p1,p4) - ta0)^2"
            f" + k_tb*(angle(p1,p4,p5) - tb0)^2 + k_pa*dpa^2 + k_pb*dpb^2 + k_pc*dpc^2);"
            f" dpa = {wrap.format('(dihedral(p3,p2,p1,p4) - pa0)')};"
            f" dpb = {wrap.format('(dihedral(p2,p1,p4,p5) - pb0)')};"
            f" dpc = {wrap.format('(dihedral(p1,p4,p5,p6) - pc0)')}"
        )
        force = openmm.CustomCompoundBondForce(6, expression)
        force.addGlobalParameter(parameter, 1.0)
        values = [
            ("k_r", self.k_r), ("r0", self.r0), ("k_ta", self.k_theta_a), ("ta0", self.theta_a0),
            ("k_tb", self.k_theta_b), ("tb0", self.theta_b0), ("k_pa", self.k_phi_a), ("pa0", self.phi_a0),
            ("k_pb", self.k_phi_b), ("pb0", self.phi_b0), ("k_pc", self.k_phi_c), ("pc0", self.phi_c0),
        ]  # fmt: skip
        for name, _ in values:
            force.addPerBondParameter(name)
        force.addBond(list(self.protein_atoms) + list(self.ligand_atoms), [v for _, v in values])
        force.setUsesPeriodicBoundaryConditions(periodic)
        force.setName("BoreschRestraint")
        return force

    def analytic_correction(self, temperature: float) -> float:
        """Boresch's analytic ΔG (kJ/mol) of releasing the restraint into the standard volume (module text)."""
        kt = kt_kj(temperature)
        product = self.k_r * self.k_theta_a * self.k_theta_b * self.k_phi_a * self.k_phi_b * self.k_phi_c
        numerator = 8 * math.pi**2 * STANDARD_VOLUME_NM3 * math.sqrt(product)
        denominator = self.r0**2 * math.sin(self.theta_a0) * math.sin(self.theta_b0) * (2 * math.pi * kt) ** 3
        return -kt * math.log(numerator / denominator)

    def numerical_correction(self, temperature: float, points: int = 200001) -> float:
        """ΔG (kJ/mol) of releasing the restraint, from its configurational integral on a grid (module text)."""
        kt = kt_kj(temperature)
        r_max = self.r0 + 12 * math.sqrt(kt / self.k_r)
        r = numpy.linspace(0.0, r_max, points)
        z_r = _trapezoid(r**2 * numpy.exp(-0.5 * self.k_r * (r - self.r0) ** 2 / kt), r)
        theta = numpy.linspace(0.0, math.pi, points)
        z_theta = [
            _trapezoid(numpy.sin(theta) * numpy.exp(-0.5 * k * (theta - t0) ** 2 / kt), theta)
            for k, t0 in ((self.k_theta_a, self.theta_a0), (self.k_theta_b, self.theta_b0))
        ]
        delta = numpy.linspace(-math.pi, math.pi, points)
        z_phi = [
            _trapezoid(numpy.exp(-0.5 * k * delta**2 / kt), delta) for k in (self.k_phi_a, self.k_phi_b, self.k_phi_c)
        ]
        z = z_r * z_theta[0] * z_theta[1] * z_phi[0] * z_phi[1] * z_phi[2]
        return -kt * math.log(8 * math.pi**2 * STANDARD_VOLUME_NM3 / z)

    def standard_state_correction(self, temperature: float) -> dict:
        """Both values (kJ/mol and kcal/mol) and the one used: analytic where it agrees with the numerical
        integral to 0.01 kcal/mol, numerical otherwise."""
        analytic = self.analytic_correction(temperature)
        numerical = self.numerical_correction(temperature)
        agree = abs(analytic - numerical) <= 0.01 * KCAL_TO_KJ
        used = analytic if agree else numerical
        return {
            "analytic_kj": analytic,
            "numerical_kj": numerical,
            "used": "analytic" if agree else "numerical",
            "dG_kj": used,
            "dG_kcal": used / KCAL_TO_KJ,
        }

    def to_json(self):
        """The restraint as a JSON-serializable dict (the constructor's keyword arguments)."""
        return asdict(self)


@dataclass
class FlatBottomRestraint:
    """The ligand's centre of mass held within ``radius`` (nm) of the centre of ``protein_atoms``: U = 0 inside,
    ½k(d − radius)² beyond (k in kJ/mol/nm²), times lambda_restraints."""

    protein_atoms: Sequence[int]
    ligand_atoms: Sequence[int]
    radius: float = 0.5
    k: float = 4184.0

    def force(self, system: openmm.System, parameter: str = LAMBDA_RESTRAINTS) -> openmm.CustomCentroidBondForce:
        """The restraint as a mass-weighted CustomCentroidBondForce for ``system``."""
        force = openmm.CustomCentroidBondForce(
            2, f"{parameter} * step(d - radius) * 0.5 * k * (d - radius)^2; d = distance(g1, g2)"
        )
        force.addGlobalParameter(parameter, 1.0)
        force.addPerBondParameter("k")
        force.addPerBondParameter("radius")
        force.addGroup([int(i) for i in self.protein_atoms])
        force.addGroup([int(i) for i in self.ligand_atoms])
        force.addBond([0, 1], [self.k, self.radius])
        force.setUsesPeriodicBoundaryConditions(system.usesPeriodicBoundaryConditions())
        force.setName("FlatBottomRestraint")
        return force

    def standard_state_correction(self, temperature: float, points: int = 200001) -> dict:
        """ΔG (kJ/mol, kcal/mol) of releasing the restraint into V°: −kT ln(V° / ∫ 4πd² exp(−U/kT) dd)."""
        kt = kt_kj(temperature)
        d = numpy.linspace(0.0, self.radius + 12 * math.sqrt(kt / self.k), points)
        u = numpy.where(d > self.radius, 0.5 * self.k * (d - self.radius) ** 2, 0.0)
        volume = _trapezoid(4 * math.pi * d**2 * numpy.exp(-u / kt), d)
        value = -kt * math.log(STANDARD_VOLUME_NM3 / volume)
        return {"numerical_kj": value, "used": "numerical", "dG_kj": value, "dG_kcal": value / KCAL_TO_KJ}


def _unit_vector(v):
    return v / numpy.linalg.norm(v)


def select_boresch_anchors(
    positions_frames,
    protein_candidates: Sequence[int],
    ligand_heavy_atoms: Sequence[int],
    ligand_ring_atoms: Optional[Sequence[int]] = None,
    box_edge: Optional[float] = None,
    temperature: float = 298.15,
    k_theta: float = 41.84,
    r_range=(0.3, 1.2),
    **constants,
) -> BoreschRestraint:
    """Choose Boresch anchors from a short equilibration and return the restraint (equilibria at the mean).

    ``positions_frames``: (frames, N, 3) nm; ``protein_candidates``: receptor atoms to choose from (protein
    backbone N, CA, C; a host's or cofactor's heavy atoms); ``ligand_heavy_atoms`` (and its ring atoms,
    preferred). Rules: protein anchors of low fluctuation (RMSF over the frames); L1 the ligand ring/heavy atom nearest the ligand's centre, L2 and L3 heavy atoms bonded-near
    (0.12–0.3 nm) in a chain; r0 within ``r_range`` nm; no near-collinear anchors: both restrained angles θA, θB
    more than 10 kT (in ½k_θ(θ − 0)² and ½k_θ(θ − π)²) from 0 and π, and P1-P2-P3, L1-L2-L3 (which only define
    dihedrals) 30° away from collinear; every anchor distance below half the box edge. Raises
    LigandError saying which criteria failed, and how to pass anchors yourself (BoreschRestraint.from_positions).
    """
    frames = numpy.asarray(positions_frames, dtype=float)
    if frames.ndim == 2:
        frames = frames[None]
    mean = frames.mean(axis=0)
    kt = kt_kj(temperature)
    limit = math.sqrt(2 * 10 * kt / k_theta)  # angles closer than this to 0 or pi are within 10 kT
    heavy = [int(i) for i in ligand_heavy_atoms]
    if len(heavy) < 3:
        raise LigandError(f"a Boresch restraint needs three ligand heavy atoms; the ligand has {len(heavy)}")
    rings = [int(i) for i in (ligand_ring_atoms or [])] or heavy
    centre = mean[heavy].mean(axis=0)
    from_centre = lambda i: numpy.linalg.norm(mean[i] - centre)  # noqa: E731
    near = lambda a, pool: sorted(  # noqa: E731
        (i for i in pool if 0.12 <= numpy.linalg.norm(mean[i] - mean[a]) <= 0.3), key=from_centre
    )
    failures = {"ligand chain L1-L2-L3": 0, "distance r0": 0, "collinear (angles near 0 or pi)": 0, "half box": 0}
    # L1 near the ligand's centre (ring atoms first), L2 and L3 a bent chain of near neighbours from it.
    ligand_choices = []
    for l1 in sorted(rings, key=from_centre) + sorted(set(heavy) - set(rings), key=from_centre):
        for l2 in near(l1, [i for i in heavy if i != l1]):
            for l3 in near(l2, [i for i in heavy if i not in (l1, l2)]):
                if CHAIN_LIMIT < _angle(mean[l1], mean[l2], mean[l3]) < math.pi - CHAIN_LIMIT:
                    ligand_choices.append((l1, l2, l3))
                else:
                    failures["ligand chain L1-L2-L3"] += 1
    ligand_choices = ligand_choices[:6]
    if not ligand_choices and not failures["ligand chain L1-L2-L3"]:
        failures["ligand chain L1-L2-L3"] += 1
    rmsf = numpy.sqrt(((frames - mean) ** 2).sum(axis=2).mean(axis=0))
    protein = sorted((int(i) for i in protein_candidates), key=lambda i: rmsf[i])
    stable = protein[: max(30, len(protein) // 4)]
    best, best_score = None, None
    for l1, l2, l3 in ligand_choices:
        for p1 in stable:
            r0 = numpy.linalg.norm(mean[l1] - mean[p1])
            if not r_range[0] <= r0 <= r_range[1]:
                failures["distance r0"] += 1
                continue
            theta_b = _angle(mean[p1], mean[l1], mean[l2])
            if not limit < theta_b < math.pi - limit:
                failures["collinear (angles near 0 or pi)"] += 1
                continue
            for p2 in stable:
                if p2 == p1 or not 0.3 <= numpy.linalg.norm(mean[p2] - mean[p1]) <= 1.0:
                    continue
                theta_a = _angle(mean[p2], mean[p1], mean[l1])
                if not limit < theta_a < math.pi - limit:
                    failures["collinear (angles near 0 or pi)"] += 1
                    continue
                for p3 in stable:
                    if p3 in (p1, p2) or not 0.3 <= numpy.linalg.norm(mean[p3] - mean[p2]) <= 1.0:
                        continue
                    if not CHAIN_LIMIT < _angle(mean[p3], mean[p2], mean[p1]) < math.pi - CHAIN_LIMIT:
                        failures["collinear (angles near 0 or pi)"] += 1
                        continue
                    anchors = [p1, p2, p3, l1, l2, l3]
                    span = max(numpy.linalg.norm(mean[a] - mean[b]) for a in anchors for b in anchors)
                    if box_edge is not None and span >= box_edge / 2:
                        failures["half box"] += 1
                        continue
                    # Prefer angles near 90 degrees and steady protein atoms.
                    score = (
                        abs(theta_a - math.pi / 2) + abs(theta_b - math.pi / 2) + 5 * (rmsf[p1] + rmsf[p2] + rmsf[p3])
                    )
                    if best_score is None or score < best_score:
                        best, best_score = (p1, p2, p3, l1, l2, l3), score
    if best is None:
        failed = ", ".join(f"{name} ({count} rejected)" for name, count in failures.items() if count)
        raise LigandError(
            "no valid Boresch anchors: "
            + (failed or "no protein candidates")
            + "; pass anchors yourself: BoreschRestraint.from_positions((p1, p2, p3), (l1, l2, l3), positions)"
        )
    return BoreschRestraint.from_positions(best[:3], best[3:], mean, k_theta_a=k_theta, k_theta_b=k_theta, **constants)
