# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""Small, self-contained test systems built from OpenMM's own force fields.

The ligand is ethanol with GAFF atom types and parameters (bonds, angles, torsions and Lennard-Jones from
GAFF 1.8; charges chosen by hand to be neutral and GAFF-like) written as an OpenMM ForceField XML, so the
systems need nothing beyond OpenMM itself. They are for tests, examples and benchmarks, not production.
"""

import io

import openmm
from openmm import app, unit

LIGAND_RESIDUE = "LIG"

ETHANOL_XML = """<ForceField>
 <AtomTypes>
  <Type name="lig-c3" class="c3" element="C" mass="12.011"/>
  <Type name="lig-hc" class="hc" element="H" mass="1.008"/>
  <Type name="lig-h1" class="h1" element="H" mass="1.008"/>
  <Type name="lig-oh" class="oh" element="O" mass="15.999"/>
  <Type name="lig-ho" class="ho" element="H" mass="1.008"/>
 </AtomTypes>
 <Residues>
  <Residue name="LIG">
   <Atom name="C1" type="lig-c3" charge="-0.18"/>
   <Atom name="C2" type="lig-c3" charge="0.145"/>
   <Atom name="O" type="lig-oh" charge="-0.683"/>
   <Atom name="HO" type="lig-ho" charge="0.478"/>
   <Atom name="H11" type="lig-hc" charge="0.06"/>
   <Atom name="H12" type="lig-hc" charge="0.06"/>
   <Atom name="H13" type="lig-hc" charge="0.06"/>
   <Atom name="H21" type="lig-h1" charge="0.03"/>
   <Atom name="H22" type="lig-h1" charge="0.03"/>
   <Bond atomName1="C1" atomName2="C2"/>
   <Bond atomName1="C2" atomName2="O"/>
   <Bond atomName1="O" atomName2="HO"/>
   <Bond atomName1="C1" atomName2="H11"/>
   <Bond atomName1="C1" atomName2="H12"/>
   <Bond atomName1="C1" atomName2="H13"/>
   <Bond atomName1="C2" atomName2="H21"/>
   <Bond atomName1="C2" atomName2="H22"/>
  </Residue>
 </Residues>
 <HarmonicBondForce>
  <Bond class1="c3" class2="c3" length="0.1535" k="253634.3"/>
  <Bond class1="c3" class2="oh" length="0.1426" k="262838.7"/>
  <Bond class1="oh" class2="ho" length="0.0974" k="309281.1"/>
  <Bond class1="c3" class2="hc" length="0.1092" k="282001.6"/>
  <Bond class1="c3" class2="h1" length="0.1093" k="281080.6"/>
 </HarmonicBondForce>
 <HarmonicAngleForce>
  <Angle class1="hc" class2="c3" class3="hc" angle="1.8911" k="329.95"/>
  <Angle class1="hc" class2="c3" class3="c3" angle="1.9213" k="388.02"/>
  <Angle class1="c3" class2="c3" class3="h1" angle="1.9226" k="387.94"/>
  <Angle class1="c3" class2="c3" class3="oh" angle="1.9165" k="566.51"/>
  <Angle class1="h1" class2="c3" class3="h1" angle="1.8934" k="327.86"/>
  <Angle class1="h1" class2="c3" class3="oh" angle="1.9115" k="426.77"/>
  <Angle class1="c3" class2="oh" class3="ho" angle="1.8875" k="396.22"/>
 </HarmonicAngleForce>
 <PeriodicTorsionForce>
  <Proper class1="" class2="c3" class3="c3" class4="" periodicity1="3" phase1="0.0" k1="0.6508"/>
  <Proper class1="" class2="c3" class3="oh" class4="" periodicity1="3" phase1="0.0" k1="0.6974"/>
 </PeriodicTorsionForce>
 <NonbondedForce coulomb14scale="0.8333333333333334" lj14scale="0.5">
  <UseAttributeFromResidue name="charge"/>
  <Atom type="lig-c3" sigma="0.339967" epsilon="0.457730"/>
  <Atom type="lig-hc" sigma="0.264953" epsilon="0.0656888"/>
  <Atom type="lig-h1" sigma="0.247135" epsilon="0.0656888"/>
  <Atom type="lig-oh" sigma="0.306647" epsilon="0.880314"/>
  <Atom type="lig-ho" sigma="0.0" epsilon="0.0"/>
 </NonbondedForce>
</ForceField>
"""

# Ethanol (angstrom), staggered, from standard bond lengths and tetrahedral angles.
_ETHANOL_ATOMS = [
    ("C1", "C", (0.000, 0.000, 0.000)),
    ("C2", "C", (1.520, 0.000, 0.000)),
    ("O", "O", (2.000, 1.350, 0.000)),
    ("HO", "H", (2.960, 1.330, 0.000)),
    ("H11", "H", (-0.370, -1.030, 0.000)),
    ("H12", "H", (-0.370, 0.515, 0.892)),
    ("H13", "H", (-0.370, 0.515, -0.892)),
    ("H21", "H", (1.890, -0.515, 0.892)),
    ("H22", "H", (1.890, -0.515, -0.892)),
]
_ETHANOL_BONDS = [
    ("C1", "C2"),
    ("C2", "O"),
    ("O", "HO"),
    ("C1", "H11"),
    ("C1", "H12"),
    ("C1", "H13"),
    ("C2", "H21"),
    ("C2", "H22"),
]


def ligand_forcefield(water: str = "amber14/tip3p.xml") -> app.ForceField:
    """A ForceField with the ethanol ligand template and a water model (TIP3P by default)."""
    return app.ForceField(water, io.StringIO(ETHANOL_XML))


def ethanol():
    """Topology and positions (nm) of one ethanol molecule, residue name LIG."""
    topology = app.Topology()
    chain = topology.addChain()
    residue = topology.addResidue(LIGAND_RESIDUE, chain)
    atoms = {}
    positions = []
    for name, element, xyz in _ETHANOL_ATOMS:
        atoms[name] = topology.addAtom(name, app.Element.getBySymbol(element), residue)
        positions.append(openmm.Vec3(*xyz) * 0.1)
    for a, b in _ETHANOL_BONDS:
        topology.addBond(atoms[a], atoms[b])
    return topology, positions * unit.nanometer


class LigandInWater:
    """A ligand in a box of water: ``system``, ``topology``, ``positions`` and ``ligand_atoms``."""

    def __init__(self, system, topology, positions, ligand_atoms):
        self.system = system
        self.topology = topology
        self.positions = positions
        self.ligand_atoms = ligand_atoms


def ligand_in_water(
    box_edge=2.4,
    nonbonded_method=app.PME,
    cutoff=0.9,
    switch_distance=None,
    dispersion_correction: bool = True,
    constraints=None,
    water: str = "amber14/tip3p.xml",
    rigid_water: bool = True,
) -> "LigandInWater":
    """Ethanol solvated in a cubic water box.

    Parameters
    ----------
    box_edge : float or Quantity
        Edge of the cubic box (nm); 2.4 nm gives about 450 waters.
    nonbonded_method : openmm.app method
        app.PME, app.Ewald, app.CutoffPeriodic, app.CutoffNonPeriodic or app.NoCutoff.
    cutoff : float or Quantity
        Nonbonded cutoff (nm), for the cutoff methods.
    switch_distance : float, Quantity or None
        Lennard-Jones switching distance (nm), or None for no switching function.
    dispersion_correction : bool
        Whether the NonbondedForce applies the long-range dispersion correction.
    constraints, rigid_water :
        As for ForceField.createSystem.
    """
    from ._units import in_nm

    forcefield = ligand_forcefield(water)
    topology, positions = ethanol()
    modeller = app.Modeller(topology, positions)
    edge = in_nm(box_edge)
    centre = openmm.Vec3(edge, edge, edge) * 0.5
    shift = centre - sum((p for p in modeller.positions.value_in_unit(unit.nanometer)), openmm.Vec3(0, 0, 0)) / len(
        positions
    )
    modeller.positions = [p + shift for p in modeller.positions.value_in_unit(unit.nanometer)] * unit.nanometer
    modeller.addSolvent(forcefield, model="tip3p", boxSize=openmm.Vec3(edge, edge, edge) * unit.nanometer)
    kwargs = dict(nonbondedMethod=nonbonded_method, constraints=constraints, rigidWater=rigid_water)
    if nonbonded_method != app.NoCutoff:
        kwargs["nonbondedCutoff"] = in_nm(cutoff) * unit.nanometer
    if switch_distance is not None:
        kwargs["switchDistance"] = in_nm(switch_distance) * unit.nanometer
    system = forcefield.createSystem(modeller.topology, **kwargs)
    for force in system.getForces():
        if isinstance(force, openmm.NonbondedForce):
            force.setUseDispersionCorrection(dispersion_correction)
    ligand_atoms = [atom.index for atom in modeller.topology.atoms() if atom.residue.name == LIGAND_RESIDUE]
    return LigandInWater(system, modeller.topology, modeller.positions, ligand_atoms)
