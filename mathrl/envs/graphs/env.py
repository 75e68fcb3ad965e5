"""Gymnasium env that builds a graph or 0-1 matrix one bit at a time (Wagner 2021; docs/graphs.md).

The dynamics live in ``WordConstructionState``; this class adds the Gymnasium
surface: spaces, seeding, info dicts, action validation and rendering.
A 1 that the score's constraint forbids is written as 0 and flagged in the
info, never raised, because ``check_env`` steps unmasked random actions.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.error import ResetNeeded

from ..pictures import cells_to_rgb
from .scores import REGISTRY, Score, ScoreError, resolve
from .state import WordConstructionState, as_bit

OBS_DTYPES = (np.dtype(np.int8), np.dtype(np.float32))


def resolve_score(score, n: int | None = None, *, object_kind: str = "graph", default_n: int = 19,
                  score_kwargs: dict | None = None) -> Score:
    """``scores.resolve`` for an env of one object kind.

    ``n=None`` means the score's own default for built-in scores, and
    ``default_n`` for plug-in functions. A ``batched`` entry in
    ``score_kwargs`` is passed on as resolve's ``batched`` flag.
    """
    kwargs = dict(score_kwargs or {})
    batched = kwargs.pop("batched", None)
    builtin = isinstance(score, Score) or (isinstance(score, str) and score in REGISTRY)
    if n is None and not builtin:
        n = default_n
    resolved = resolve(score, n, object_kind=object_kind, score_kwargs=kwargs, batched=batched)
    if resolved.object_kind != object_kind:
        raise ScoreError(f"score {resolved.name!r} scores {resolved.object_kind} objects, "
                         f"but this env builds {object_kind} objects")
    return resolved


MAX_OBS_BYTES = 1 << 30  # default cap on one observation's size (max_obs_bytes=): n = 19 takes 342 bytes


def check_binary(score: Score) -> None:
    """ValueError for a score over more than two letters: the construction envs write 0-1 words
    (bit actions, a binary mask); k-letter words are searched by ``mathrl search`` (CEM, hybrid,
    local search, NMCS) or :class:`mathrl.agents.cem.categorical.CategoricalCEM`."""
    if score.alphabet != 2:
        raise ValueError(f"score {score.name} is over {score.alphabet} letters; the construction envs build 0-1 "
                         "words (search k-letter words with mathrl search --alphabet)")


def check_observation_size(score: Score, obs_dtype, max_obs_bytes: int | None = MAX_OBS_BYTES) -> None:
    """ValueError before anything is allocated when one observation (``2L`` values) would exceed
    ``max_obs_bytes``: ``n = 100000`` asks for 10 GB per observation, which a vectorised trainer then
    multiplies by its envs and steps (``None``: no cap)."""
    if max_obs_bytes is None:
        return
    need = 2 * score.word_length * np.dtype(obs_dtype).itemsize
    if need > max_obs_bytes:
        raise ValueError(f"one observation of {score.name} at n={score.n} would take {need / 2**30:,.1f} GiB "
                         f"(2 x {score.word_length:,} bits), above the cap of {max_obs_bytes / 2**30:g} GiB: lower n "
                         f"or raise the cap with the env kwarg max_obs_bytes={need} (None: no cap)")


def make_spaces(length: int, obs_dtype) -> tuple[spaces.Space, spaces.Discrete]:
    """Observation space ``MultiBinary(2L)`` (int8) or ``Box(0, 1, (2L,), float32)``; actions ``Discrete(2)``."""
    dtype = np.dtype(obs_dtype)
    if dtype not in OBS_DTYPES:
        raise ValueError(f"obs_dtype must be np.int8 or np.float32, got {dtype}")
    if dtype == np.int8:
        return spaces.MultiBinary(2 * length), spaces.Discrete(2)
    return spaces.Box(0.0, 1.0, (2 * length,), np.float32), spaces.Discrete(2)


def mask_row(allow_one: bool) -> np.ndarray:
    """int8 ``[1, allow_one]``: writing 0 is always allowed (also at the terminal step, so
    masked samplers never see an all-zero row)."""
    return np.array([1, int(allow_one)], dtype=np.int8)


def render_text(score: Score, word: np.ndarray, t: int) -> str:
    """Text picture of a partial object: an edge list, or matrix rows with '.' for undecided entries."""
    length = score.word_length
    head = f"{score.name} n={score.n}: {t}/{length} bits decided"
    return head + score.kind.text(word, t, score.n)


def render_picture(score: Score, word: np.ndarray, t: int) -> np.ndarray:
    """The partial object's (n, n) array as an image: decided 1s black, decided 0s white, undecided grey
    (for a graph, the symmetric adjacency matrix with a white diagonal; for a word, one row)."""
    decided = np.arange(score.word_length) < t
    cells = np.where(decided, np.where(word[:score.word_length] > 0, 1, 3), 0).astype(np.int8)
    if score.kind.name == "graph":
        n = score.n
        grid = np.full((n, n), 3, dtype=np.int8)
        rows, cols = np.triu_indices(n, k=1)
        grid[rows, cols] = cells
        grid[cols, rows] = cells
        return cells_to_rgb(grid)
    if score.kind.name == "word":
        return cells_to_rgb(cells[None, :])
    return cells_to_rgb(cells.reshape(score.n, score.n))


class WordConstructionEnv(gym.Env):
    """Decide ``L`` bits, one per step; the only reward is the score of the finished word.

    ``score`` is a ``Score`` or anything ``scores.resolve`` accepts (a registry
    name, ``"file.py:function"``, ``"module:function"`` or a callable).
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(self, score, *, obs_dtype=np.int8, render_mode: str | None = None,
                 max_obs_bytes: int | None = MAX_OBS_BYTES):
        self.score: Score = resolve(score)
        check_binary(self.score)
        self.word_length = self.score.word_length
        self.obs_dtype = np.dtype(obs_dtype)
        check_observation_size(self.score, self.obs_dtype, max_obs_bytes)
        self.observation_space, self.action_space = make_spaces(self.word_length, obs_dtype)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be None or one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.render_mode = render_mode
        self.state: WordConstructionState | None = None

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self.state = WordConstructionState(self.score)
        return self._obs(), self._info(forced=False)

    def step(self, action):
        if self.state is None:
            raise ResetNeeded("call reset() before step()")
        if self.state.is_terminal():
            raise ResetNeeded("the episode has terminated (all bits are decided); call reset() before step()")
        bit = as_bit(action)
        if bit is None:
            raise ValueError(f"action must be 0 or 1 (an element of {self.action_space}), got {action!r}")
        forced = bit == 1 and not self.state.allow_one()
        reward = self.state.apply(0 if forced else bit)
        info = self._info(forced=forced)
        terminated = self.state.is_terminal()
        if terminated:
            info.update(self.terminal_info())
        return self._obs(), float(reward), terminated, False, info

    def action_masks(self) -> np.ndarray:
        """bool ``[True, allow_one]`` for the next decision (for masked policies)."""
        if self.state is None:
            raise ResetNeeded("call reset() before action_masks()")
        return mask_row(self.state.allow_one()).astype(bool)

    def terminal_info(self) -> dict:
        state = self.state
        valid = bool(self.score.is_valid(state.decoded()))
        return {"score": float(state.final_score), "word": state.word.copy(), "valid": valid,
                "counterexample": bool(valid and state.final_score > self.score.tol)}

    def render(self):
        if self.state is None:
            return None
        if self.render_mode == "rgb_array":
            return render_picture(self.score, self.state.word, self.state.t)
        if self.render_mode == "ansi":
            return render_text(self.score, self.state.word, self.state.t)
        return None

    def _obs(self) -> np.ndarray:
        return self.state.observation().astype(self.obs_dtype, copy=False)

    def _info(self, *, forced: bool) -> dict:
        return {"t": self.state.t, "action_mask": mask_row(self.state.allow_one()),
                "invalid_action": bool(forced), "forced": bool(forced)}


class GraphConstructionEnv(WordConstructionEnv):
    """``mathrl/GraphConstruction-v0``: default score ``wagner-2.1`` (n=19)."""

    def __init__(self, n: int | None = None, score="wagner-2.1", score_kwargs: dict | None = None, **kwargs):
        super().__init__(resolve_score(score, n, object_kind="graph", default_n=19, score_kwargs=score_kwargs),
                         **kwargs)


class MatrixConstructionEnv(WordConstructionEnv):
    """``mathrl/MatrixConstruction-v0``: default score ``permanent-312`` (n=8)."""

    def __init__(self, n: int | None = None, score="permanent-312", score_kwargs: dict | None = None, **kwargs):
        super().__init__(resolve_score(score, n, object_kind="matrix", default_n=8, score_kwargs=score_kwargs),
                         **kwargs)
