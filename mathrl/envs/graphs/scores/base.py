"""The score (conjecture) contract: what a plug-in must provide to judge a finished object.

A score maps a finished object (a networkx graph, or a 0-1 matrix) to a
finite float; **score > tol means a counterexample** (or a new record for
extremal problems). ``score`` is the simple per-object definition;
``score_batch`` may be a vectorised override that must agree with it.
Scores are pure: no printing, no global state, no exits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from ..objects import ObjectKind as _Kind
from ..objects import object_kind as _object_kind
from ..objects import word_text

ObjectKind = Literal["graph", "matrix", "word"]


class ScoreError(ValueError):
    """A score could not be built, or a user's score function misbehaved."""


@dataclass
class Verification:
    """Outcome of an independent, exact or high-precision re-check, kept with every claimed counterexample."""

    valid: bool
    is_counterexample: bool
    value: str
    method: str
    details: dict = field(default_factory=dict)


class Constraint(Protocol):
    """Batched hard constraint for ``constraint_mode="mask"``.

    Words are filled position by position; ``allowed_one`` says, for each of B
    partial words, whether writing a 1 at position k keeps the object valid.
    ``state`` must be a dict of numpy arrays (so it can be copied and cloned).
    """

    def init(self, batch: int) -> dict: ...

    def allowed_one(self, state: dict, k: int) -> np.ndarray: ...

    def commit(self, state: dict, k: int, bits: np.ndarray) -> None: ...


def to_numpy(objs) -> np.ndarray:
    """Accept numpy arrays, nested lists or torch tensors (moved to CPU)."""
    if hasattr(objs, "detach"):
        objs = objs.detach().cpu().numpy()
    return np.asarray(objs)


class Score:
    """Base class: subclasses set ``name``/``object_kind`` and implement ``score``.

    ``score_batch`` defaults to a loop over ``score``; override it with a
    vectorised version where it pays (a property test checks they agree).
    """

    name: str = "custom"
    summary: str = ""
    object_kind: ObjectKind = "graph"
    alphabet: int = 2  # letters per position: 2 for 0-1 words; more for labelled objects (colourings, signs)
    default_n: int = 19
    best_known: float | None = None
    constraint: Constraint | None = None

    def __init__(self, n: int | None = None, *, tol: float = 1e-9, invalid_score: float = -1e6):
        n = self.default_n if n is None else n
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
            raise ScoreError(f"n must be an integer, got {n!r}")
        n = int(n)
        if n < self.kind.min_n:
            raise ScoreError(f"{self.name}: n={n} is too small")
        if not (math.isfinite(tol) and tol >= 0):
            raise ScoreError("tol must be a finite non-negative float")
        if not math.isfinite(invalid_score):
            raise ScoreError("invalid_score must be finite (percentiles and means break on inf)")
        self.n = n
        self.tol = float(tol)
        self.invalid_score = float(invalid_score)

    # -- the object: sizes, decoding, records, drawing ------------------------------
    @property
    def kind(self) -> _Kind:
        """The :class:`~mathrl.envs.graphs.objects.ObjectKind` named by ``object_kind``."""
        return _object_kind(self.object_kind, self.alphabet)

    @property
    def word_length(self) -> int:
        return self.kind.word_length(self.n)

    def decode_batch(self, words) -> np.ndarray:
        """(B, L) words -> (B, n, n) uint8 adjacency (or label) matrices or matrices; (B, n) for words."""
        return self.kind.arrays(to_numpy(words), self.n)

    def decode(self, word):
        """One word -> the object ``score`` takes (nx.Graph, or a uint8 array: matrix, word or labels)."""
        return self._object_from_array(self.decode_batch(word))

    def _object_from_array(self, array: np.ndarray):
        return self.kind.from_array(array)

    def record(self, word) -> dict:
        """The word's object in open formats (edge list + graph6, matrix rows, letters or labels), for a
        result file."""
        word = np.asarray(word, dtype=np.uint8)
        record = {"n": self.n, "object_kind": self.object_kind, "word": word_text(word)}
        if self.alphabet != 2:
            record["alphabet"] = self.alphabet
        record.update(self.kind.record(self.decode(word)))
        return record

    def draw(self, word, ax) -> None:
        """Draw the word's object on a matplotlib axis."""
        self.kind.draw(self.decode(np.asarray(word, dtype=np.uint8)), ax)

    # -- scoring --------------------------------------------------------------
    def score(self, obj) -> float:
        raise NotImplementedError

    def is_valid(self, obj) -> bool:
        return True

    def score_batch(self, objs) -> np.ndarray:
        objs = to_numpy(objs)
        return np.array([self.score(self._object_from_array(o)) for o in objs], dtype=np.float64)

    def is_valid_batch(self, objs) -> np.ndarray:
        """(B, n, n) arrays -> (B,) bool; override with a vectorised version where it pays."""
        return np.array([self.is_valid(self._object_from_array(o)) for o in to_numpy(objs)], dtype=bool)

    def score_word(self, word) -> float:
        return float(self.score(self.decode(word)))

    def score_words(self, words) -> np.ndarray:
        return np.asarray(self.score_batch(self.decode_batch(words)), dtype=np.float64)

    # -- hard constraints -----------------------------------------------------------
    def repair_words(self, words, start: int = 0, state: dict | None = None) -> np.ndarray:
        """Write each word through the hard constraint position by position, as construction does.

        A 1 that the constraint forbids at its position (given the earlier bits) becomes a 0,
        so the result is what an env would have built from the same choices. Without a
        constraint the words come back unchanged (as a uint8 copy). ``start`` and ``state``
        resume from a constraint state already holding positions ``< start`` (it is updated).
        """
        words = np.array(to_numpy(words), dtype=np.uint8, copy=True)
        if self.constraint is None:
            return words
        if state is None:
            state = self.constraint.init(len(words))
        for k in range(start, words.shape[1]):
            bits = words[:, k] & self.constraint.allowed_one(state, k)
            words[:, k] = bits
            self.constraint.commit(state, k, bits)
        return words

    def feasible_words(self, words) -> np.ndarray:
        """(B, L) words -> (B,) bool: whether each satisfies the hard constraint (all True without one).

        Local search needs this for words it did not build position by position; the
        generic answer replays the constraint, subclasses override it with a direct count.
        """
        words = to_numpy(words)
        if self.constraint is None:
            return np.ones(len(words), dtype=bool)
        return (self.repair_words(words) == words).all(axis=1)

    def is_counterexample(self, obj) -> bool:
        return bool(self.is_valid(obj) and self.score(obj) > self.tol)

    def verify(self, obj) -> Verification:
        """Independent re-check; built-in scores override this with exact arithmetic."""
        raise NotImplementedError(f"{self.name} has no independent verifier")


    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, n={self.n})"


class ExtremalScore(Score):
    """``value - best_known`` under a hard constraint (C4-free, 312-avoiding).

    0 means the best known value is reached, > 0 a new record.

    ``constraint_mode="mask"`` (default) exposes ``self.constraint`` so envs and
    rollouts never write a forbidden 1; ``"penalty"`` leaves construction free.
    In both modes an object with v > 0 violations scores
    ``min(value - best - w*v, -w*v)``: finite, never above 0, fewer violations rank higher.
    Subclasses implement ``tabulated_best(n)`` and ``make_constraint()``.
    """

    def __init__(self, n: int | None = None, *, constraint_mode: str = "mask", penalty_weight: float = 1.0,
                 best_known: float | None = None, **kwargs):
        super().__init__(n, **kwargs)
        if constraint_mode not in ("mask", "penalty"):
            raise ScoreError(f"constraint_mode must be 'mask' or 'penalty', got {constraint_mode!r}")
        if not (math.isfinite(penalty_weight) and penalty_weight > 0):
            raise ScoreError("penalty_weight must be a finite positive number")
        self.best_known = self.tabulated_best(self.n) if best_known is None else best_known
        self.constraint_mode = constraint_mode
        self.penalty_weight = float(penalty_weight)
        self.constraint = self.make_constraint() if constraint_mode == "mask" else None

    def tabulated_best(self, n: int) -> float:
        raise NotImplementedError

    def violations(self, objs) -> np.ndarray:
        """(B, n, n) objects -> (B,) number of forbidden patterns (4-cycles, 312 occurrences)."""
        raise NotImplementedError

    def feasible_words(self, words) -> np.ndarray:
        words = to_numpy(words)
        if self.constraint is None:
            return np.ones(len(words), dtype=bool)
        return self.violations(self.decode_batch(words)) == 0

    def make_constraint(self) -> Constraint:
        raise NotImplementedError

    def penalised(self, value, violations) -> np.ndarray:
        gap = value - self.best_known
        w = self.penalty_weight
        return np.where(violations == 0, gap, np.minimum(gap - w * violations, -w * violations))
