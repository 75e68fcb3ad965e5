"""The deep cross-entropy method of Wagner (2021), one readable file.

One iteration (Wagner 2021; docs/agents.md):
  1. sample ``n_sessions`` words through the env's batched ``rollout``;
  2. score them; pool them with last iteration's super sessions;
  3. elites = top (100 - elite_percentile)% with a tie cap; supers likewise;
  4. one epoch of minibatch training on every (observation, bit) pair of the elites.

The agent only needs an env with ``rollout(prob_fn, rng)``,
``observations_for(words, rows)``, ``single_observation_space`` and a
``score`` with ``score_words``: any fixed-horizon binary-word env.
"""

from __future__ import annotations

import copy

import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from . import compiled_training
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


def build_network(input_size: int, hidden: tuple[int, ...], init: str = "glorot", outputs: int = 1) -> nn.Sequential:
    """MLP input -> hidden... -> ``outputs`` logits, ReLU between layers (sigmoid/softmax applied outside)."""
    sizes = [input_size, *hidden, outputs]
    layers: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.Linear(fan_in, fan_out)
        if init == "glorot":
            # Keras' default, as in Wagner's code; PyTorch's default init (non-zero biases) stalls in local optima.
            nn.init.xavier_uniform_(linear.weight)
            nn.init.zeros_(linear.bias)
        elif init != "torch":
            raise ValueError(f"unknown init {init!r}")
        layers.append(linear)
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def distinct(words: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first copy of each distinct word, in pool order."""
    _, first = np.unique(words, axis=0, return_index=True)
    first = np.sort(first)
    return words[first], scores[first]


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
    restarts: int
    seconds: dict


OPTIMA_MEMORY = 512  # local optima the hybrid's polish remembers (and does not climb again)


class CrossEntropyMethod:
    """State of one CEM population (an "island"): network, optimiser, RNG, super sessions."""

    train_compiled: bool = True  # train through the compiled epoch where supported (see ``train``)

    def __init__(self, env, config: CEMConfig, seed: int = 0):
        self.env = env
        self.config = config
        self.seed = seed
        self.length = self.word_length_of(env)
        torch.manual_seed(seed)
        self.rng = np.random.default_rng(seed)
        self.iteration = 0
        self.restarts = 0
        self.best_word = np.zeros(self.length, dtype=np.uint8)
        self.best_score = -np.inf
        self.evaluations = 0
        self.goal = np.inf  # score at which the local-search polish may stop early (set by the runner)
        self._walk_state = None  # the polish's tabu walk, a local.climb.Walk (kept across network restarts)
        self._rollout = None
        self._fresh_population()

    def _fresh_population(self) -> None:
        """A new network, optimiser and empty super set (at start, and at each restart)."""
        config = self.config
        self.net = self.build_network()
        if config.optimizer == "sgd":
            self.optimizer = torch.optim.SGD(self.net.parameters(), lr=config.lr)
        elif config.optimizer == "adam":
            self.optimizer = torch.optim.Adam(self.net.parameters(), lr=config.lr, fused=True)
        else:
            raise ValueError(f"unknown optimizer {config.optimizer!r}")
        self.super_words = np.zeros((0, self.length), dtype=np.uint8)
        self.super_scores = np.zeros(0, dtype=np.float64)
        self.population_best = -np.inf
        self.stale = 0
        self._optima: dict[bytes, None] = {}  # words the polish found to be local optima, oldest first

    def word_length_of(self, env) -> int:
        return env.single_observation_space.shape[0] // 2

    def build_network(self) -> nn.Sequential:
        return build_network(2 * self.length, self.config.hidden, self.config.init)

    # -- sampling -------------------------------------------------------------
    def probabilities(self, obs: np.ndarray) -> np.ndarray:
        """P(bit = 1) for a batch of observations (float32 forward pass)."""
        with torch.inference_mode():
            x = torch.from_numpy(obs)
            if self._rollout is None or self._rollout["t"] >= self.length:
                return torch.sigmoid(self.net(x)).numpy().reshape(-1)
            # Inside ``sample``: o_t = [w_<t | onehot(t)] (the env's observation), so the first layer's
            # pre-activation is b + sum_{k<t} W[:, k] w_k + W[:, L + t], updated by one column
            # per step (in float64) instead of a (B, 2L) x (2L, 128) product.
            t, weight = self._rollout["t"], self._rollout["weight"]
            if t > 0:
                self._rollout["acc"] += x[:, t - 1:t].double() * weight[:, t - 1]
            pre = self._rollout["acc"] + weight[:, self.length + t]
            self._rollout["t"] = t + 1
            return torch.sigmoid(self.net[1:](pre.float())).numpy().reshape(-1)

    def sample(self) -> np.ndarray:
        first = self.net[0]
        with torch.inference_mode():
            self._rollout = {"t": 0, "weight": first.weight.double(),
                             "acc": first.bias.double().expand(self.config.n_sessions, -1).clone()}
        try:
            words, _forced = self.env.rollout(self.probabilities, self.rng)
        finally:
            self._rollout = None
        return words

    # -- training -------------------------------------------------------------
    def train(self, words: np.ndarray, rows: np.ndarray) -> float:
        """Minibatch BCE on every (observation, bit) pair of the chosen sessions; returns the mean loss.

        The epoch runs as one compiled call (:mod:`mathrl.agents.cem.compiled_training`: the same
        minibatches and updates, ~1.5x faster on conjecture 2.1's elites, ``mathrl bench cem train``)
        where the network and optimiser allow it, else as torch steps (:meth:`gradient_step`);
        ``train_compiled = False`` forces the torch path.
        """
        obs = np.ascontiguousarray(self.env.observations_for(words, rows), dtype=np.float32)
        bits = words[rows].reshape(-1).astype(np.float32)
        if self.train_compiled and compiled_training.supported(self.net, self.optimizer):
            total = 0.0
            for _ in range(self.config.epochs):
                order = self.rng.permutation(len(obs))
                total += compiled_training.train_epoch(self.net, self.optimizer, obs, bits, order,
                                                       self.config.batch_size)
            return total / max(len(obs) * self.config.epochs, 1)
        obs, bits = torch.from_numpy(obs), torch.from_numpy(bits.reshape(-1, 1))
        total = torch.zeros((), dtype=torch.float64)
        for _ in range(self.config.epochs):
            order = torch.from_numpy(self.rng.permutation(len(obs)))
            for start in range(0, len(obs), self.config.batch_size):
                batch = order[start:start + self.config.batch_size]
                total += self.gradient_step(obs[batch], bits[batch]) * len(batch)
        return float(total) / max(len(obs) * self.config.epochs, 1)

    def gradient_step(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """One optimiser step on mean BCE-with-logits, back-propagated by hand.

        The network is a plain Linear/ReLU stack, so the backward pass is a few
        matrix products; writing it out avoids autograd's per-op bookkeeping,
        which dominates at batch 32 (tests check it equals autograd).
        """
        linears = self.net[::2]
        with torch.no_grad():
            activations = [x]
            h = x
            for i, layer in enumerate(linears):
                h = torch.addmm(layer.bias, h, layer.weight.t())
                if i < len(linears) - 1:
                    h = h.relu()
                activations.append(h)
            loss = (torch.nn.functional.softplus(h) - y * h).mean()
            grad = (torch.sigmoid(h) - y) / x.shape[0]
            for i in range(len(linears) - 1, -1, -1):
                linears[i].weight.grad = grad.t() @ activations[i]
                linears[i].bias.grad = grad.sum(0)
                if i > 0:
                    grad = (grad @ linears[i].weight) * (activations[i] > 0)
        self.optimizer.step()
        return loss

    # -- one iteration --------------------------------------------------------
    def step(self) -> IterationStats:
        cfg = self.config
        clock = time.perf_counter()
        words = self.sample()
        t_sample = time.perf_counter()
        scores = np.asarray(self.env.score.score_words(words), dtype=np.float64)
        self.evaluations += len(words)
        t_score = time.perf_counter()

        pool_words = np.concatenate([words, self.super_words])
        pool_scores = np.concatenate([scores, self.super_scores])
        if cfg.unique:
            # Copies of one word would fill the elite set and collapse the policy onto it.
            pool_words, pool_scores = distinct(pool_words, pool_scores)
        if cfg.polish_top:
            pool_words, pool_scores = self.polish(pool_words, pool_scores, spent=t_score - clock)
        t_polish = time.perf_counter()
        elites = select(pool_scores, cfg.elite_percentile, cfg.elite_budget)
        supers = select(pool_scores, cfg.super_percentile, cfg.super_budget)
        supers = supers[np.argsort(-pool_scores[supers], kind="stable")]
        self.super_words, self.super_scores = pool_words[supers], pool_scores[supers]
        top_score = float(pool_scores[supers[0]])
        if top_score > self.best_score:
            self.best_score = top_score
            self.best_word = pool_words[supers[0]].copy()
        self.stale = 0 if top_score > self.population_best + 1e-12 else self.stale + 1
        self.population_best = max(self.population_best, top_score)
        t_select = time.perf_counter()

        loss = self.train(pool_words, elites)
        t_train = time.perf_counter()
        top = np.sort(pool_scores)[-100:]
        stats = IterationStats(
            iteration=self.iteration, best_score=float(pool_scores.max()), top100_mean=float(top.mean()),
            super_mean=float(self.super_scores.mean()), elite_count=len(elites), loss=loss, restarts=self.restarts,
            seconds={"sample": t_sample - clock, "score": t_score - t_sample, "polish": t_polish - t_score,
                     "select": t_select - t_polish, "train": t_train - t_select})
        self.iteration += 1
        if cfg.restart_after and self.stale >= cfg.restart_after:
            self.restarts += 1
            self._fresh_population()
        return stats

    def polish(self, words: np.ndarray, scores: np.ndarray, spent: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Improve the best words of the pool by steepest ascent, and walk a tabu search on.

        Improved words replace their originals, so the elites the network learns from
        are locally improved (PatternBoost's local step, Charton et al. 2024). A word
        found to be a local optimum is remembered and not climbed again, so a converged
        pool does not spend every iteration re-proving its optima.

        With ``polish_random`` a tabu search (``polish_tenure``) walks on beside the
        generator, a few moves each iteration, its best word of the iteration joining the
        pool: restarted local search inside the loop, for what the generator has not
        learned to make (a dense extremal graph while it learns sparse ones). The walk
        restarts from a fresh random word after ``polish_steps`` moves without a new best.

        The polish gets a share of the iteration's time (``polish_share``, budgeted
        against the ``spent`` sampling and scoring seconds and checked between moves),
        so a slow score cannot stall the generator: the walk takes the first half of it,
        the pool's words the rest. Copies that polishing creates are dropped.
        """
        from mathrl.agents.local.climb import climb

        cfg = self.config
        score = self.env.score
        now = time.perf_counter()
        budget = spent * cfg.polish_share / (1 - cfg.polish_share) if cfg.polish_share else np.inf
        deadline = now + budget
        words, scores = words.copy(), scores.copy()
        if cfg.polish_random and scores.max() < self.goal:
            walked, walked_score = self._walk(now + budget / 2 if np.isfinite(budget) else deadline)
            words, scores = np.concatenate([words, walked[None]]), np.concatenate([scores, [walked_score]])
            # a move is checked against the deadline before it starts: the pool keeps its half
            deadline = max(deadline, time.perf_counter() + budget / 2)
        order = np.argsort(-scores, kind="stable")
        top = [i for i in order[:cfg.polish_top + len(self._optima)] if words[i].tobytes() not in self._optima]
        for i in top[:cfg.polish_top]:
            if scores[i] >= self.goal or time.perf_counter() >= deadline:
                break
            result = climb(score, words[i], self.rng, steps=cfg.polish_steps, patience=cfg.polish_steps, tenure=0,
                           swaps=cfg.polish_swaps, transfers=cfg.polish_transfers, goal=self.goal, deadline=deadline)
            self.evaluations += result.evaluations
            if result.stuck:
                self._remember_optimum(result.word)
            if result.score > scores[i]:
                words[i], scores[i] = result.word, result.score
        return distinct(words, scores)

    def _walk(self, deadline: float) -> tuple[np.ndarray, float]:
        """Advance the tabu walk until ``deadline``; returns its best word so far.

        The walk (:class:`~mathrl.agents.local.climb.Walk`: word, tabu list, best) goes on
        from call to call, a few moves at a time, and starts over from a fresh random word
        after ``polish_steps`` moves without a new best or where no move is allowed.
        """
        from mathrl.agents.local.climb import Walk, climb, random_words

        cfg = self.config
        score = self.env.score
        walk = self._walk_state
        if walk is None or walk.since_best >= cfg.polish_steps:
            word = random_words(score, 1, self.rng)[0]
            walk = self._walk_state = Walk.start(word, float(score.score_words(word[None])[0]))
            self.evaluations += 1
        result = climb(score, None, self.rng, steps=cfg.polish_steps, patience=cfg.polish_steps,
                       tenure=cfg.polish_tenure, swaps=cfg.polish_swaps, transfers=cfg.polish_transfers,
                       goal=self.goal, deadline=deadline, walk=walk)
        self.evaluations += result.evaluations
        if result.stuck:
            walk.since_best = cfg.polish_steps  # nowhere to go: a fresh word next time
        return result.word, result.score

    def _remember_optimum(self, word: np.ndarray) -> None:
        """Keep the most recently found local optima (a bounded memory, cleared at a restart).

        An optimum for one draw of random swaps and transfers (every flip is tried): another
        draw might still improve it, which is the price of not climbing it again."""
        key = word.tobytes()
        self._optima.pop(key, None)
        self._optima[key] = None
        while len(self._optima) > OPTIMA_MEMORY:
            del self._optima[next(iter(self._optima))]

    # -- checkpoints ----------------------------------------------------------
    def state_dict(self) -> dict:
        return {"net": self.net.state_dict(), "optimizer": self.optimizer.state_dict(),
                "rng": self.rng.bit_generator.state, "torch_rng": torch.get_rng_state(),
                "iteration": self.iteration, "super_words": self.super_words,
                "super_scores": self.super_scores, "best_word": self.best_word,
                "best_score": self.best_score, "seed": self.seed, "config": self.config.to_dict(),
                "restarts": self.restarts, "population_best": self.population_best, "stale": self.stale,
                "evaluations": self.evaluations, "optima": self._optima_array(),
                "walk": None if self._walk_state is None else self._walk_state.to_dict()}

    def _optima_array(self) -> np.ndarray:
        if not self._optima:
            return np.zeros((0, self.length), dtype=np.uint8)
        return np.stack([np.frombuffer(key, dtype=np.uint8) for key in self._optima])

    def load_state_dict(self, state: dict) -> None:
        self.net.load_state_dict(state["net"])
        # a copy: Adam's load_state_dict keeps the tensors it is given, and the in-process runner keeps
        # ``state`` (its checkpoint) while this searcher trains
        self.optimizer.load_state_dict(copy.deepcopy(state["optimizer"]))
        self.rng.bit_generator.state = state["rng"]
        torch.set_rng_state(state["torch_rng"])
        self.iteration = state["iteration"]
        self.super_words, self.super_scores = state["super_words"], state["super_scores"]
        self.best_word, self.best_score = state["best_word"], state["best_score"]
        self.restarts, self.population_best = state["restarts"], state["population_best"]
        self.stale = state["stale"]
        self.evaluations = state.get("evaluations", 0)
        self._optima = {np.ascontiguousarray(word, dtype=np.uint8).tobytes(): None
                        for word in state.get("optima", ())}
        from mathrl.agents.local.climb import Walk

        walk = state.get("walk")
        self._walk_state = None if walk is None else Walk.from_dict(walk)
