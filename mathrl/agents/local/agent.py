"""Restarted tabu search as a stand-alone agent (``mathrl search --agent local``).

Each iteration starts from a fresh random word, written through the score's
hard constraint, and runs one tabu search from it. The density of a start is
drawn uniformly in (0, 1), so sparse objects (trees, for spectral conjectures)
and dense ones (extremal graphs) are both reached without tuning.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from typing import ClassVar

from ..goal import Goal
from ..searcher_base import ConfigMixin, WordSearcher
from .climb import alphabet_of, climb, random_words


@dataclass(frozen=True)
class LocalConfig(ConfigMixin):
    agent_kind: ClassVar[str] = "local"  # its name in run files (mathrl.agents.searchers.kind_of)
    uses_torch: ClassVar[bool] = False  # no network: its islands run without importing torch (run_chunk)
    legacy_values: ClassVar[dict] = {"transfers": 0, "swap_tries": 1}  # runs saved before these existed
    steps: int = 2000        # moves per restart at most
    patience: int = 200      # moves without a new best before a restart
    tenure: int = 0          # 0: chosen from the word length, max(5, L // 20)
    swaps: int = 128         # random swap moves added to the L flips of each step
    swap_tries: int = 8      # under a hard constraint: up to this many batches of swaps, until `swaps` are allowed
    transfers: int = 32      # graphs: neighbourhood transfers tried where no flip or swap improves
    kick: float = 0.0        # share of restarts from the island's best word with kick_size letters changed
    kick_size: int = 0       # letters a kick changes (0: max(2, L // 40))
    islands: int = 2         # independent searches, one process each
    threads: int = 1         # torch threads of searchers with a network; unused here, kept in run files
    migrate_every: int = 0   # islands never exchange words


class LocalSearch(WordSearcher):
    """One island of restarted tabu search."""

    def __init__(self, score, config: LocalConfig, seed: int, goal: Goal | None = None):
        super().__init__(score, config, seed, goal)
        self.tenure = config.tenure or max(5, self.length // 20)

    def start_word(self):
        """A fresh random word, or (a ``kick`` share of restarts, once there is a best word) the best word
        with ``kick_size`` random positions changed and written through the hard constraint: iterated
        local search (Lourenco, Martin & Stuetzle 2003), which searches near good optima rather than
        anywhere."""
        if self.config.kick and self.best_score > -np.inf and self.rng.random() < self.config.kick:
            size = min(self.length, self.config.kick_size or max(2, self.length // 40))
            word = self.best_word.copy()
            where = self.rng.choice(self.length, size, replace=False)
            alphabet = alphabet_of(self.score)
            word[where] = (word[where] + self.rng.integers(1, alphabet, size)) % alphabet
            return self.score.repair_words(word[None])[0], True
        return random_words(self.score, 1, self.rng)[0], False

    def step(self) -> dict:
        clock = time.perf_counter()
        start, kicked = self.start_word()
        result = climb(self.score, start, self.rng, steps=self.config.steps,
                       patience=self.config.patience, tenure=self.tenure, swaps=self.config.swaps,
                       transfers=self.config.transfers, swap_tries=self.config.swap_tries,
                       goal=self.goal.threshold, deadline=self.deadline)
        self.evaluations += result.evaluations
        self.record(result.word, result.score)
        stats = {"iteration": self.iteration, "best_score": float(self.best_score),
                 "restart_score": float(result.score), "moves": result.moves, "kicked": kicked,
                 "evaluations": self.evaluations,
                 "seconds": {"climb": time.perf_counter() - clock}}
        self.iteration += 1
        return stats
