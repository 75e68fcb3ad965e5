"""Registers every mathrl environment id with Gymnasium (Gymnasium 1.x has no plug-in entry points)."""

from __future__ import annotations

import gymnasium as gym

ENV_SPECS = {
    "mathrl/GraphConstruction-v0": "mathrl.envs.graphs.env:GraphConstructionEnv",
    "mathrl/MatrixConstruction-v0": "mathrl.envs.graphs.env:MatrixConstructionEnv",
}


def register_all() -> None:
    for env_id, entry_point in ENV_SPECS.items():
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point=entry_point)
