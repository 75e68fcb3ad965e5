"""The deep cross-entropy method of Wagner (2021), one readable file.

One iteration (spec graphs.md, section 5.2):
  1. sample ``n_sessions`` words through the env's batched ``rollout``;
  2. score them; pool them with last iteration's super sessions;
  3. elites = top (100 - elite_percentile)% with a tie cap; supers likewise;
  4. one epoch of minibatch training on every (observation, bit) pair of the elites.

The agent only needs an env with ``rollout(prob_fn, rng)``,
``observations_for(words, rows)``, ``single_observation_space`` and a
``score`` with ``score_words``: any fixed-horizon binary-word env.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .config import CEMConfig


def select(scores: np.ndarray, q: float, budget: float) -> np.ndarray:
    """Indices admitted by Wagner's percentile rule with a cap on ties.

    Everything strictly above the q-th percentile is taken; sessions tied with
    it are taken in pool order only while the budget lasts. Without the cap a
    converged population (many exact ties) balloons the elite set.
    """
    scores = np.asarray(scores, dtype=np.float64)
    threshold = np.percentile(scores, q)
    at_or_above = scores >= threshold - 1e-7
    strictly_above = scores >= threshold + 1e-7
    # counter before session i = budget - (number of at-or-above sessions before i)
    seen_before = np.cumsum(at_or_above) - at_or_above
    admitted = at_or_above & ((budget - seen_before > 0) | strictly_above)
    return np.flatnonzero(admitted)


def build_network(input_size: int, hidden: tuple[int, ...], init: str = "glorot") -> nn.Sequential:
    """MLP input -> hidden... -> 1 logit, ReLU between layers (sigmoid applied outside)."""
    sizes = [input_size, *hidden, 1]
    layers: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.Linear(fan_in, fan_out)
        if init == "glorot":
            # Keras' default; PyTorch's default init stalls in local optima (spec 5.4).
            nn.init.xavier_uniform_(linear.weight)
            nn.init.zeros_(linear.bias)
        elif init != "torch":
            raise ValueError(f"unknown init {init!r}")
        layers.append(linear)
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def merge_supers(words: np.ndarray, scores: np.ndarray, extra_words: np.ndarray,
                 extra_scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Migration: fold foreign sessions into a super set of unchanged size, best first, no duplicates."""
    all_words = np.concatenate([words, extra_words])
    all_scores = np.concatenate([scores, extra_scores])
    _, first = np.unique(all_words, axis=0, return_index=True)
    first = np.sort(first)
    keep = first[np.argsort(-all_scores[first], kind="stable")][: len(words)]
    return all_words[keep], all_scores[keep]


@dataclass
class IterationStats:
    iteration: int
    best_score: float
    top100_mean: float
    super_mean: float
    elite_count: int
    loss: float
    seconds: dict


class CrossEntropyMethod:
    """State of one CEM population (an "island"): network, optimiser, RNG, super sessions."""

    def __init__(self, env, config: CEMConfig, seed: int = 0):
        self.env = env
        self.config = config
        self.seed = seed
        self.length = env.single_observation_space.shape[0] // 2
        torch.manual_seed(seed)
        self.rng = np.random.default_rng(seed)
        self.net = build_network(2 * self.length, config.hidden, config.init)
        if config.optimizer == "sgd":
            self.optimizer = torch.optim.SGD(self.net.parameters(), lr=config.lr)
        elif config.optimizer == "adam":
            self.optimizer = torch.optim.Adam(self.net.parameters(), lr=config.lr)
        else:
            raise ValueError(f"unknown optimizer {config.optimizer!r}")
        self.loss_fn = nn.BCEWithLogitsLoss()
        self.iteration = 0
        self.super_words = np.zeros((0, self.length), dtype=np.uint8)
        self.super_scores = np.zeros(0, dtype=np.float64)
        self.best_word = np.zeros(self.length, dtype=np.uint8)
        self.best_score = -np.inf

    # -- sampling -------------------------------------------------------------
    def probabilities(self, obs: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            p = torch.sigmoid(self.net(torch.from_numpy(obs))).numpy().reshape(-1)
        if self.config.explore:
            # Noisy CEM: a probability floor keeps the population from collapsing onto one word,
            # so coordinated few-bit moves (e.g. moving a leaf between two centres) stay reachable.
            p = (1 - 2 * self.config.explore) * p + self.config.explore
        return p

    def sample(self) -> np.ndarray:
        words, _forced = self.env.rollout(self.probabilities, self.rng)
        return words

    # -- training -------------------------------------------------------------
    def train(self, words: np.ndarray, rows: np.ndarray) -> float:
        obs = torch.from_numpy(self.env.observations_for(words, rows))
        bits = torch.from_numpy(words[rows].reshape(-1, 1).astype(np.float32))
        total, count = 0.0, 0
        for _ in range(self.config.epochs):
            order = torch.from_numpy(self.rng.permutation(len(obs)))
            for start in range(0, len(obs), self.config.batch_size):
                batch = order[start:start + self.config.batch_size]
                loss = self.loss_fn(self.net(obs[batch]), bits[batch])
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                self.optimizer.step()
                total += loss.item() * len(batch)
                count += len(batch)
        return total / max(count, 1)

    # -- one iteration --------------------------------------------------------
    def step(self) -> IterationStats:
        cfg = self.config
        clock = time.perf_counter()
        words = self.sample()
        t_sample = time.perf_counter()
        scores = np.asarray(self.env.score.score_words(words), dtype=np.float64)
        t_score = time.perf_counter()

        pool_words = np.concatenate([words, self.super_words])
        pool_scores = np.concatenate([scores, self.super_scores])
        elites = select(pool_scores, cfg.elite_percentile, cfg.elite_budget)
        supers = select(pool_scores, cfg.super_percentile, cfg.super_budget)
        supers = supers[np.argsort(-pool_scores[supers], kind="stable")]
        self.super_words, self.super_scores = pool_words[supers], pool_scores[supers]
        if pool_scores[supers[0]] > self.best_score:
            self.best_score = float(pool_scores[supers[0]])
            self.best_word = pool_words[supers[0]].copy()
        t_select = time.perf_counter()

        loss = self.train(pool_words, elites)
        t_train = time.perf_counter()
        top = np.sort(pool_scores)[-100:]
        stats = IterationStats(
            iteration=self.iteration, best_score=float(pool_scores.max()), top100_mean=float(top.mean()),
            super_mean=float(self.super_scores.mean()), elite_count=len(elites), loss=loss,
            seconds={"sample": t_sample - clock, "score": t_score - t_sample,
                     "select": t_select - t_score, "train": t_train - t_select})
        self.iteration += 1
        return stats

    # -- checkpoints ----------------------------------------------------------
    def state_dict(self) -> dict:
        return {"net": self.net.state_dict(), "optimizer": self.optimizer.state_dict(),
                "rng": self.rng.bit_generator.state, "torch_rng": torch.get_rng_state(),
                "iteration": self.iteration, "super_words": self.super_words,
                "super_scores": self.super_scores, "best_word": self.best_word,
                "best_score": self.best_score, "seed": self.seed, "config": self.config.to_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.net.load_state_dict(state["net"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.rng.bit_generator.state = state["rng"]
        torch.set_rng_state(state["torch_rng"])
        self.iteration = state["iteration"]
        self.super_words, self.super_scores = state["super_words"], state["super_scores"]
        self.best_word, self.best_score = state["best_word"], state["best_score"]
