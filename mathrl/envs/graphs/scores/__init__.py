"""Built-in scores, the registry, and resolution of user scores (docs/graphs.md)."""

from __future__ import annotations

from typing import Callable

from .agx_connectivity_proximity import AGXConnectivityProximity
from .agx_index_proximity import AGXIndexProximity
from .agx_randic_independence import AGXRandicIndependence
from .base import Constraint, Score, ScoreError, Verification
from .c4free import C4Free
from .permanent import Permanent312
from .plugin import FunctionScore, batched, load_function
from .verification import verify_word
from .wagner21 import Wagner21
from .wagner23 import Wagner23

REGISTRY: dict[str, type[Score]] = {
    Wagner21.name: Wagner21,
    Wagner23.name: Wagner23,
    Permanent312.name: Permanent312,
    C4Free.name: C4Free,
    AGXIndexProximity.name: AGXIndexProximity,
    AGXConnectivityProximity.name: AGXConnectivityProximity,
    AGXRandicIndependence.name: AGXRandicIndependence,
}


def make(name: str, **kwargs) -> Score:
    """Build a built-in score by registry name, e.g. ``make("wagner-2.1", n=19)``."""
    if name not in REGISTRY:
        raise ScoreError(f"unknown score {name!r}; built-in scores: {', '.join(sorted(REGISTRY))}")
    try:
        return REGISTRY[name](**kwargs)
    except TypeError as exc:
        raise ScoreError(f"score {name!r}: bad arguments {kwargs}: {exc}") from exc


def resolve(score: "str | Callable | Score", n: int | None = None, *, object_kind: str | None = None,
            score_kwargs: dict | None = None, batched: bool | None = None, alphabet: int | None = None) -> Score:
    """Turn anything the ``score`` kwarg accepts into a ``Score``.

    Accepts a registry name, ``"path/to/file.py:function"``, ``"package.module:function"``,
    a callable (per-object unless marked batched) or a ``Score`` instance. ``alphabet``
    (letters per position, default 2) applies to functions; a built-in score fixes its own.
    """
    kwargs = dict(score_kwargs or {})
    if isinstance(score, Score):
        if n is not None and n != score.n:
            raise ScoreError(f"score {score.name} was built for n={score.n}, but n={n} was asked for")
        if alphabet is not None and alphabet != score.alphabet:
            raise ScoreError(f"score {score.name} is over {score.alphabet} letters, but {alphabet} were asked for")
        return score
    if isinstance(score, str) and score in REGISTRY:
        if alphabet is not None and alphabet != 2:
            raise ScoreError(f"the built-in score {score} is over 0-1 words; an alphabet of {alphabet} letters "
                             f"applies to plug-in functions")
        if n is not None:
            kwargs["n"] = n
        return make(score, **kwargs)
    if isinstance(score, str):
        func, source = load_function(score), score
    elif callable(score):
        func, source = score, None
    else:
        raise ScoreError(f"score must be a name, 'file.py:function', a callable or a Score, got {score!r}")
    return FunctionScore(func, n, object_kind=object_kind or "graph", batched=batched, source=source,
                         alphabet=2 if alphabet is None else alphabet, **kwargs)


__all__ = ["Constraint", "FunctionScore", "REGISTRY", "Score", "ScoreError", "Verification",
           "batched", "load_function", "make", "resolve", "verify_word"]
