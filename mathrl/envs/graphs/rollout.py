"""Batched sampling of binary words, the hot loop of the cross-entropy method.

Kept as plain functions so the vector env's ``rollout`` / ``observations_for``
methods and any other batched sampler share one implementation. Observations
are ``o_t = [w_<t, 0... | onehot(t)]``, as in the env (docs/graphs.md); they are
updated in place, one column per step, and never materialised as (B, L, 2L).
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def rollout_words(prob_fn: Callable[[np.ndarray], np.ndarray], batch: int, length: int,
                  rng: np.random.Generator, constraint=None) -> tuple[np.ndarray, np.ndarray]:
    """Sample ``batch`` words of ``length`` bits in lockstep.

    ``prob_fn(o_t)`` gets the (batch, 2*length) float32 observation before
    decision t and returns P(bit = 1) per row. A bit is 1 iff u < p with
    u ~ U[0, 1) from ``rng``; a 1 the constraint forbids is forced to 0.
    Returns ``(words uint8 (B, L), forced bool (B, L))``.
    """
    words = np.zeros((batch, length), dtype=np.uint8)
    forced = np.zeros((batch, length), dtype=bool)
    obs = np.zeros((batch, 2 * length), dtype=np.float32)
    state = constraint.init(batch) if constraint is not None else None
    for t in range(length):
        obs[:, length + t] = 1.0
        p = np.asarray(prob_fn(obs), dtype=np.float32).reshape(batch)
        bits = rng.random(batch) < p
        if constraint is not None:
            allowed = np.asarray(constraint.allowed_one(state, t), dtype=bool)
            forced[:, t] = bits & ~allowed
            bits &= allowed
            constraint.commit(state, t, bits.astype(np.uint8))
        words[:, t] = bits
        obs[:, t] = bits
        obs[:, length + t] = 0.0
    return words, forced


def observations_for(words: np.ndarray, rows=None) -> np.ndarray:
    """Pre-decision observations of the chosen rows: float32 (len(rows) * L, 2L), ordered (row, t).

    The matching actions are ``words[rows].reshape(-1)``.
    """
    words = np.asarray(words, dtype=np.uint8)
    if rows is not None:
        words = words[np.asarray(rows)]
    n_rows, length = words.shape
    obs = np.zeros((n_rows, length, 2 * length), dtype=np.float32)
    prefix = np.tril(np.ones((length, length), dtype=bool), k=-1)  # [t, k] = k < t
    obs[:, :, :length] = words[:, None, :] * prefix[None]
    obs[:, np.arange(length), length + np.arange(length)] = 1.0
    return obs.reshape(n_rows * length, 2 * length)
