"""Natively batched word construction, and the batched sampling CEM uses (docs/graphs.md).

One ``(B, L)`` word array and one shared counter ``t``: every episode has
exactly ``L`` steps, so all B run in lockstep and terminate together, and the
finished words are scored with one ``score_batch`` call. Observations are
built on the fly from the words, never as a ``(B, L, 2L)`` tensor.
"""

from __future__ import annotations

import numpy as np
from gymnasium.error import ResetNeeded
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from . import rollout as _rollout
from .env import check_binary, make_spaces, resolve_score
from .scores import Score, resolve


def _batched_info(num_envs: int, values: dict) -> dict:
    """Gymnasium's batched-info convention; every key is present for every env (lockstep)."""
    info = {}
    for key, value in values.items():
        info[key] = value
        info[f"_{key}"] = np.ones(num_envs, dtype=bool)
    return info


class WordConstructionVectorEnv(VectorEnv):
    """B word-construction episodes in one object (not a SyncVectorEnv of B copies).

    ``autoreset_mode``: ``NEXT_STEP`` (default; the call after termination ignores
    its actions and returns fresh observations), ``SAME_STEP`` (the reset happens in
    the terminal call; terminal observations and infos go to ``info["final_obs"]`` /
    ``info["final_info"]``) or ``DISABLED`` (step after termination raises).
    ``copy`` is accepted as Gymnasium's vector envs take it; observations are always fresh arrays here.
    """

    metadata = {"render_modes": [], "autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(self, score, num_envs: int = 1, *, obs_dtype=np.int8,
                 autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP, copy: bool = True):
        if not isinstance(num_envs, (int, np.integer)) or isinstance(num_envs, bool) or num_envs < 1:
            raise ValueError(f"num_envs must be a positive integer, got {num_envs!r}")
        self.score: Score = resolve(score)
        check_binary(self.score)
        self.num_envs = int(num_envs)
        self.word_length = self.score.word_length
        self.obs_dtype = np.dtype(obs_dtype)
        self.single_observation_space, self.single_action_space = make_spaces(self.word_length, obs_dtype)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.autoreset_mode = AutoresetMode(autoreset_mode)
        self.metadata = {**type(self).metadata, "autoreset_mode": self.autoreset_mode}
        self.render_mode = None
        self.words: np.ndarray | None = None
        self.t = 0
        self._cstate = None
        self._needs_reset = False

    # -- Gymnasium API -------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        reset_mask = (options or {}).get("reset_mask")
        if reset_mask is not None and not np.all(reset_mask):
            raise ValueError("the episodes run in lockstep and can only be reset together (reset_mask must be all True)")
        self._clear()
        return self._obs(), self._info(np.zeros(self.num_envs, dtype=bool))

    def step(self, actions):
        if self.words is None:
            raise ResetNeeded("call reset() before step()")
        bits = self._check_actions(actions)
        if self._needs_reset:
            if self.autoreset_mode != AutoresetMode.NEXT_STEP:
                raise ResetNeeded("the episodes have terminated; call reset() before step()")
            self._clear()  # NEXT_STEP autoreset: the actions are ignored
            zeros = np.zeros(self.num_envs, dtype=bool)
            return self._obs(), np.zeros(self.num_envs), zeros, zeros.copy(), self._info(zeros)

        allowed = self._allowed_one()
        forced = bits & ~allowed
        bits &= allowed
        if self._cstate is not None:
            self.score.constraint.commit(self._cstate, self.t, bits.astype(np.uint8))
        self.words[:, self.t] = bits
        self.t += 1
        terminated = np.full(self.num_envs, self.t == self.word_length)
        truncated = np.zeros(self.num_envs, dtype=bool)
        info = self._info(forced)
        if self.t < self.word_length:
            return self._obs(), np.zeros(self.num_envs), terminated, truncated, info

        rewards = self.score.score_words(self.words)
        info.update(_batched_info(self.num_envs, self._terminal_values(rewards)))
        obs = self._obs()
        if self.autoreset_mode == AutoresetMode.SAME_STEP:
            final_obs = np.empty(self.num_envs, dtype=object)
            final_obs[:] = list(obs)
            self._clear()
            obs = self._obs()
            info = {"final_obs": final_obs, "_final_obs": np.ones(self.num_envs, dtype=bool),
                    "final_info": info, "_final_info": np.ones(self.num_envs, dtype=bool),
                    **self._info(np.zeros(self.num_envs, dtype=bool))}
        else:
            self._needs_reset = True
        return obs, rewards, terminated, truncated, info

    def action_masks(self) -> np.ndarray:
        """(B, 2) bool ``[True, allow_one]`` for the next decision."""
        if self.words is None:
            raise ResetNeeded("call reset() before action_masks()")
        return self._mask().astype(bool)

    # -- CEM sampling ---------------------------------------------------------------
    def rollout(self, prob_fn, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Sample ``num_envs`` words with P(bit=1) = ``prob_fn(o_t)``; returns (words, forced).

        Independent of the env's step state: it is the fast path the CEM agent uses.
        """
        return _rollout.rollout_words(prob_fn, self.num_envs, self.word_length, rng, self.score.constraint)

    def observations_for(self, words: np.ndarray, rows=None) -> np.ndarray:
        """float32 (len(rows) * L, 2L) pre-decision observations of the chosen words, ordered (row, t)."""
        return _rollout.observations_for(words, rows)

    # -- internals --------------------------------------------------------------------
    def _clear(self) -> None:
        self.words = np.zeros((self.num_envs, self.word_length), dtype=np.uint8)
        self.t = 0
        constraint = self.score.constraint
        self._cstate = constraint.init(self.num_envs) if constraint is not None else None
        self._needs_reset = False

    def _check_actions(self, actions) -> np.ndarray:
        array = np.asarray(actions)
        if array.shape != (self.num_envs,) or not (np.issubdtype(array.dtype, np.integer) or array.dtype == bool):
            raise ValueError(f"actions must be {self.num_envs} integers 0 or 1, shape ({self.num_envs},); "
                             f"got {array.dtype} array of shape {array.shape}")
        if not np.isin(array, (0, 1)).all():
            raise ValueError(f"actions must be 0 or 1, got values {np.unique(array).tolist()}")
        return array.astype(bool)

    def _allowed_one(self) -> np.ndarray:
        if self.t >= self.word_length or self._needs_reset:
            return np.zeros(self.num_envs, dtype=bool)
        if self._cstate is None:
            return np.ones(self.num_envs, dtype=bool)
        return np.asarray(self.score.constraint.allowed_one(self._cstate, self.t), dtype=bool).reshape(self.num_envs)

    def _mask(self) -> np.ndarray:
        mask = np.ones((self.num_envs, 2), dtype=np.int8)
        mask[:, 1] = self._allowed_one()
        return mask

    def _obs(self) -> np.ndarray:
        obs = np.zeros((self.num_envs, 2 * self.word_length), dtype=self.obs_dtype)
        obs[:, : self.word_length] = self.words  # positions >= t are still 0
        if self.t < self.word_length:
            obs[:, self.word_length + self.t] = 1
        return obs

    def _info(self, forced: np.ndarray) -> dict:
        return _batched_info(self.num_envs, {
            "t": np.full(self.num_envs, self.t, dtype=np.int64),
            "action_mask": self._mask(),
            "invalid_action": forced.copy(),
            "forced": forced.copy(),
        })

    def _terminal_values(self, rewards: np.ndarray) -> dict:
        valid = np.asarray(self.score.is_valid_batch(self.score.decode_batch(self.words)), dtype=bool)
        return {"score": rewards.copy(), "word": self.words.copy(), "valid": valid,
                "counterexample": valid & (rewards > self.score.tol)}


class GraphConstructionVectorEnv(WordConstructionVectorEnv):
    """Vector entry point of ``mathrl/GraphConstruction-v0`` (for ``gymnasium.make_vec``)."""

    def __init__(self, num_envs: int = 1, n: int | None = None, score="wagner-2.1",
                 score_kwargs: dict | None = None, **kwargs):
        super().__init__(resolve_score(score, n, object_kind="graph", default_n=19, score_kwargs=score_kwargs),
                         num_envs, **kwargs)


class MatrixConstructionVectorEnv(WordConstructionVectorEnv):
    """Vector entry point of ``mathrl/MatrixConstruction-v0`` (for ``gymnasium.make_vec``)."""

    def __init__(self, num_envs: int = 1, n: int | None = None, score="permanent-312",
                 score_kwargs: dict | None = None, **kwargs):
        super().__init__(resolve_score(score, n, object_kind="matrix", default_n=8, score_kwargs=score_kwargs),
                         num_envs, **kwargs)
