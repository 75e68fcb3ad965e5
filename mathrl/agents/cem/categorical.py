"""The cross-entropy method over words on an alphabet of k >= 2 letters.

Wagner's method builds a 0-1 word; many constructions are not binary: vertex
colourings (k colours), signed or {-1, 0, 1} matrices, edge labellings. The
same loop applies with a softmax head: the network sees the letters chosen so
far (one-hot, k per position) and the position, and gives k logits for the
next letter; the elites' (observation, letter) pairs are trained with
cross-entropy. Selection, super sessions, duplicate removal, restarts and the
hybrid's local-search polish are the binary agent's, unchanged. Binary words
keep the binary agent, whose sampling and training are specialised for speed.

The score is any function ``(B, L) integer words -> (B,) floats`` (wrapped in
:class:`WordScore`), or a :class:`~mathrl.scores.Score` whose ``alphabet`` is
above 2 (a labelled graph, matrix or word: ``mathrl search --alphabet K``);
higher is better and above the tolerance is a counterexample, as for graphs.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from torch import nn

from .cem import CrossEntropyMethod, build_network
from .config import CEMConfig


class WordScore:
    """A batched score on integer words of a fixed length over ``alphabet`` letters."""

    def __init__(self, func: Callable[[np.ndarray], np.ndarray], length: int, alphabet: int, tol: float = 1e-9):
        if not 2 <= alphabet <= 256 or length < 1:
            raise ValueError("need an alphabet of 2 to 256 letters (words are uint8) and a length of at least 1")
        self.func, self.word_length, self.alphabet, self.tol = func, length, alphabet, tol
        self.constraint = None

    @property
    def length(self) -> int:
        return self.word_length

    def repair_words(self, words) -> np.ndarray:
        """No hard constraint: the words themselves (a uint8 copy), as local search expects."""
        return np.array(words, dtype=np.uint8, copy=True)

    def feasible_words(self, words) -> np.ndarray:
        return np.ones(len(words), dtype=bool)

    def score_words(self, words: np.ndarray) -> np.ndarray:
        values = np.asarray(self.func(np.asarray(words)), dtype=np.float64)
        if values.shape != (len(words),) or not np.isfinite(values).all():
            raise ValueError(f"the word score returned {values.shape}-shaped or non-finite values")
        return values


class CategoricalWords:
    """The sampler CEM draws through: observations are [one-hot letters so far | one-hot position]."""

    def __init__(self, score, num_envs: int):
        self.score, self.num_envs = score, num_envs
        self.word_length, self.alphabet = score.word_length, score.alphabet
        self.observation_size = self.word_length * (self.alphabet + 1)

    def _positions(self) -> int:
        return self.word_length * self.alphabet

    def rollout(self, prob_fn, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Sample ``num_envs`` words; ``prob_fn(obs)`` returns (B, k) letter probabilities."""
        batch, length, k = self.num_envs, self.word_length, self.alphabet
        words = np.zeros((batch, length), dtype=np.uint8)
        obs = np.zeros((batch, self.observation_size), dtype=np.float32)
        for t in range(length):
            obs[:, self._positions() + t] = 1.0
            cumulative = np.cumsum(prob_fn(obs), axis=1)
            letters = (rng.random((batch, 1)) * cumulative[:, -1:] > cumulative).sum(axis=1).clip(0, k - 1)
            words[:, t] = letters
            obs[np.arange(batch), t * k + letters] = 1.0
            obs[:, self._positions() + t] = 0.0
        return words, np.zeros((batch, length), dtype=bool)

    def observations_for(self, words: np.ndarray, rows=None) -> np.ndarray:
        """(len(rows) * L, observation_size) pre-decision observations, ordered (row, t)."""
        words = np.asarray(words if rows is None else words[np.asarray(rows)], dtype=np.int64)
        n_rows, length, k = len(words), self.word_length, self.alphabet
        obs = np.zeros((n_rows, length, self.observation_size), dtype=np.float32)
        for t in range(length):
            obs[np.arange(n_rows), t + 1:, t * k + words[:, t]] = 1.0  # seen by every later position
            obs[:, t, self._positions() + t] = 1.0
        return obs.reshape(n_rows * length, self.observation_size)


class CategoricalCEM(CrossEntropyMethod):
    """CEM on k-letter words: ``CategoricalCEM(WordScore(f, L, k), config, seed)``, or any score
    with ``word_length`` and ``alphabet``."""

    def __init__(self, score, config: CEMConfig, seed: int = 0):
        if score.constraint is not None:
            raise ValueError("the categorical CEM has no hard-constraint masking; hard constraints are 0-1")
        self.sampler = CategoricalWords(score, config.n_sessions)
        super().__init__(self.sampler, config, seed)

    def word_length_of(self, env) -> int:
        return env.word_length

    def build_network(self) -> nn.Sequential:
        return build_network(self.sampler.observation_size, self.config.hidden, self.config.init,
                             outputs=self.sampler.alphabet)

    def probabilities(self, obs: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return torch.softmax(self.net(torch.from_numpy(obs)), dim=1).numpy()

    def sample(self) -> np.ndarray:
        words, _ = self.sampler.rollout(self.probabilities, self.rng)
        return words

    def train(self, words: np.ndarray, rows: np.ndarray) -> float:
        obs = torch.from_numpy(self.sampler.observations_for(words, rows))
        letters = torch.from_numpy(words[rows].reshape(-1).astype(np.int64))
        total, count = 0.0, 0
        for _ in range(self.config.epochs):
            order = torch.from_numpy(self.rng.permutation(len(obs)))
            for start in range(0, len(obs), self.config.batch_size):
                batch = order[start:start + self.config.batch_size]
                loss = nn.functional.cross_entropy(self.net(obs[batch]), letters[batch])
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                total, count = total + loss.item() * len(batch), count + len(batch)
        return total / max(count, 1)
