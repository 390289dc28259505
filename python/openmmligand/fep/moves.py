# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
"""openmmtools' Langevin move with a fixed integrator seed, serializable into (and restored from) a reporter."""

from openmmtools import mcmc


class SeededLangevinDynamicsMove(mcmc.LangevinDynamicsMove):
    """``LangevinDynamicsMove`` whose integrator gets ``random_seed`` (0: OpenMM picks one), stored with the move
    in openmmtools' checkpoint so that a resumed run keeps it."""

    def __init__(self, random_seed: int = 0, **kwargs):
        """``random_seed``: the integrator's random number seed; ``kwargs``: LangevinDynamicsMove's."""
        super().__init__(**kwargs)
        self.random_seed = int(random_seed)

    def _get_integrator(self, thermodynamic_state):
        integrator = super()._get_integrator(thermodynamic_state)
        integrator.setRandomNumberSeed(self.random_seed)
        return integrator

    def __getstate__(self):
        state = super().__getstate__()
        state["random_seed"] = self.random_seed
        return state

    def __setstate__(self, state):
        self.random_seed = int(state.pop("random_seed", 0))
        super().__setstate__(state)
