"""Graphs and 0-1 matrices built one bit at a time, scored by conjectures (Wagner 2021).

The pure state (:mod:`.state`) and the scores need no RL stack; the Gymnasium
adapters below are imported lazily, on first use of their names, so that
``import mathrl.envs.graphs.state`` does not load gymnasium.
"""

import importlib

_LAZY = {
    "GraphConstructionEnv": ".env",
    "MatrixConstructionEnv": ".env",
    "WordConstructionEnv": ".env",
    "WordConstructionState": ".state",
    "GraphConstructionVectorEnv": ".vector_env",
    "MatrixConstructionVectorEnv": ".vector_env",
    "WordConstructionVectorEnv": ".vector_env",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
