"""Public home of the score registry: ``mathrl.scores.make("wagner-2.1", n=19)``."""

from mathrl.envs.graphs.scores import (  # noqa: F401
    REGISTRY,
    Constraint,
    FunctionScore,
    Score,
    ScoreError,
    Verification,
    batched,
    load_function,
    make,
    resolve,
)

__all__ = ["REGISTRY", "Constraint", "FunctionScore", "Score", "ScoreError", "Verification", "batched",
           "load_function", "make", "resolve"]
