"""Word construction as a pure state (the shared protocol of ``mathrl.core``).

One bit of the word is decided per move, in position order. The Gymnasium env
wraps this object, and tree-search agents can drive and clone it directly.
A score's mask-mode ``Constraint`` (a forbidden 1 is written as 0) is run with a
batch of one, so the rules are the same as in the batched vector env.
"""

from __future__ import annotations

import copy

import numpy as np

from mathrl.core import TERMINAL_PLAYER, IllegalActionError, as_action

from .scores import Score, resolve


def as_bit(action) -> int | None:
    """0 or 1 for an integer action (Python or NumPy, 0-d arrays too); None for anything else."""
    if isinstance(action, np.ndarray) and action.shape == ():
        action = action[()]
    if not isinstance(action, (int, np.integer, np.bool_)):
        return None
    return int(action) if action in (0, 1) else None


class WordConstructionState:
    """A partial binary word ``word[:t]`` plus the score that judges the finished word.

    Legal moves: 0 always, 1 unless the score's constraint forbids a 1 at
    position ``t``. ``apply`` returns 0.0 until the last bit, whose reward is
    the score of the whole word (an undiscounted, terminal-only return).
    """

    num_players = 1
    num_actions = 2

    def __init__(self, score: Score | str | object = "wagner-2.1"):
        self.score: Score = resolve(score)
        self.length = self.score.word_length
        self.word = np.zeros(self.length, dtype=np.uint8)
        self.t = 0
        self.final_score: float | None = None
        constraint = self.score.constraint
        self._cstate = constraint.init(1) if constraint is not None else None
        self._allow_one = self._compute_allow_one()

    # -- protocol -------------------------------------------------------------
    def legal_actions(self) -> list[int]:
        if self.is_terminal():
            return []
        return [0, 1] if self._allow_one else [0]

    def action_mask(self) -> np.ndarray:
        return np.array([not self.is_terminal(), self._allow_one and not self.is_terminal()], dtype=bool)

    def allow_one(self) -> bool:
        """Whether a 1 may be written at the current position (False once terminal)."""
        return self._allow_one and not self.is_terminal()

    def apply(self, action) -> float:
        if self.is_terminal():
            raise IllegalActionError("the word is complete; no further actions are legal")
        bit = as_action(action)  # TypeError for a non-integer (booleans too), as the protocol says
        if bit not in (0, 1):
            raise IllegalActionError(f"actions are the integers 0 or 1, got {action!r}")
        if bit == 1 and not self._allow_one:
            raise IllegalActionError(f"the score's constraint forbids a 1 at position {self.t}")
        self.word[self.t] = bit
        if self._cstate is not None:
            self.score.constraint.commit(self._cstate, self.t, np.array([bit], dtype=np.uint8))
        self.t += 1
        if self.t == self.length:
            self.final_score = float(self.score.score_word(self.word))
            return self.final_score
        self._allow_one = self._compute_allow_one()
        return 0.0

    def is_terminal(self) -> bool:
        return self.t >= self.length

    def returns(self) -> np.ndarray:
        return np.array([self.final_score or 0.0], dtype=np.float64)

    def current_player(self) -> int:
        return TERMINAL_PLAYER if self.is_terminal() else 0

    def clone(self) -> "WordConstructionState":
        other = copy.copy(self)  # shares the (pure, stateless) score
        other.word = self.word.copy()
        other._cstate = copy.deepcopy(self._cstate)
        return other

    def observation(self) -> np.ndarray:
        """int8 ``[w_<t, 0... | onehot(t)]``; terminal: ``[w | 0...]``."""
        obs = np.zeros(2 * self.length, dtype=np.int8)
        obs[: self.t] = self.word[: self.t]
        if not self.is_terminal():
            obs[self.length + self.t] = 1
        return obs

    # -- helpers ------------------------------------------------------------------
    def _compute_allow_one(self) -> bool:
        if self._cstate is None or self.t >= self.length:
            return True
        return bool(np.asarray(self.score.constraint.allowed_one(self._cstate, self.t)).reshape(-1)[0])

    def decoded(self):
        """The object built so far (undecided positions read 0)."""
        return self.score.decode(self.word)

    def __repr__(self) -> str:
        return f"WordConstructionState(score={self.score.name!r}, t={self.t}/{self.length})"
