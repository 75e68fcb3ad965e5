"""What the non-learning word searchers (local search, NMCS) share: their bookkeeping.

A searcher keeps its own RNG, its best word, and counters, and checkpoints them
as plain arrays and numbers; the search itself is each subclass's ``step``.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import ClassVar

import numpy as np

from .goal import Goal


class ConfigMixin:
    """``to_dict`` / ``from_dict`` / ``but`` for a frozen dataclass config."""

    def to_dict(self) -> dict:
        return asdict(self)

    # fields added after runs were saved, with the value such a run ran with, so that a resumed run
    # keeps that field's behaviour (set on each config class; from_dict of a partial dict gets them too)
    legacy_values: ClassVar[dict] = {}

    @classmethod
    def from_dict(cls, data: dict):
        return cls(**{**cls.legacy_values, **data})

    def but(self, **changes):
        return replace(self, **changes)


class WordSearcher:
    """RNG, best word, iteration and evaluation counters, ``goal`` and ``deadline`` of one island."""

    def __init__(self, score, config, seed: int, goal: Goal | None = None):
        if getattr(score, "alphabet", 2) > 2 and getattr(score, "constraint", None) is not None:
            raise ValueError("hard constraints are written bit by bit; a score over more than two letters "
                             "cannot have one")
        self.score, self.config, self.seed = score, config, seed
        self.goal = goal or Goal(score.tol)
        self.rng = np.random.default_rng(seed)
        self.length = score.word_length
        self.iteration = 0
        self.evaluations = 0
        self.best_word = np.zeros(self.length, dtype=np.uint8)
        self.best_score = -np.inf
        self.deadline = np.inf  # perf_counter time at which a step returns early (set by the runner)

    def record(self, word: np.ndarray, value: float) -> None:
        """Keep ``word`` if it beats the best so far."""
        if value > self.best_score:
            self.best_word, self.best_score = np.array(word, dtype=np.uint8, copy=True), float(value)

    def state_dict(self) -> dict:
        return {"rng": self.rng.bit_generator.state, "iteration": self.iteration,
                "evaluations": self.evaluations, "best_word": self.best_word, "best_score": self.best_score,
                "seed": self.seed, "config": self.config.to_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.rng.bit_generator.state = state["rng"]
        self.iteration, self.evaluations = state["iteration"], state["evaluations"]
        self.best_word, self.best_score = state["best_word"], state["best_score"]
