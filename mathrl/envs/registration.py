"""Registers every mathrl environment id with Gymnasium (Gymnasium 1.x has no plug-in entry points).

Ids with a ``vector_entry_point`` get a natively batched env from
``gymnasium.make_vec(id, num_envs=B)``; ``vectorization_mode="sync"`` still works.
"""

from __future__ import annotations

import gymnasium as gym

ENV_SPECS = {
    "mathrl/GraphConstruction-v0": {
        "entry_point": "mathrl.envs.graphs.env:GraphConstructionEnv",
        "vector_entry_point": "mathrl.envs.graphs.vector_env:GraphConstructionVectorEnv",
    },
    "mathrl/MatrixConstruction-v0": {
        "entry_point": "mathrl.envs.graphs.env:MatrixConstructionEnv",
        "vector_entry_point": "mathrl.envs.graphs.vector_env:MatrixConstructionVectorEnv",
    },
    "mathrl/Buchberger-v0": {"entry_point": "mathrl.envs.buchberger.env:BuchbergerEnv"},
    "mathrl/SemigroupProof-v0": {"entry_point": "mathrl.envs.semigroups.env:SemigroupProofEnv"},
    "mathrl/TicTacToe-v0": {"entry_point": "mathrl.envs.games.env:TicTacToeEnv"},
    "mathrl/ConnectFour-v0": {"entry_point": "mathrl.envs.games.env:ConnectFourEnv"},
    "mathrl/Othello-v0": {"entry_point": "mathrl.envs.games.env:OthelloEnv"},
    "mathrl/Hex-v0": {"entry_point": "mathrl.envs.games.env:HexEnv"},
}


def register_all() -> None:
    for env_id, spec in ENV_SPECS.items():
        if isinstance(spec, str):
            spec = {"entry_point": spec}
        if env_id not in gym.registry:
            gym.register(id=env_id, **spec)
