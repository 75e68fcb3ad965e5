"""Graphs and 0-1 matrices built one bit at a time, scored by conjectures (spec graphs.md)."""

from .env import GraphConstructionEnv, MatrixConstructionEnv, WordConstructionEnv
from .state import WordConstructionState
from .vector_env import GraphConstructionVectorEnv, MatrixConstructionVectorEnv, WordConstructionVectorEnv

__all__ = [
    "GraphConstructionEnv",
    "GraphConstructionVectorEnv",
    "MatrixConstructionEnv",
    "MatrixConstructionVectorEnv",
    "WordConstructionEnv",
    "WordConstructionState",
    "WordConstructionVectorEnv",
]
