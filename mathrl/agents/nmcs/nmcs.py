"""Nested Monte Carlo search (Cazenave 2009) over fixed-length words.

A level-0 search is a random completion of the word (a playout). A level-l
search walks the word left to right: at each position it runs a level-(l-1)
search from each choice of the next bit (or letter, over k > 2 letters),
remembers the best complete word found so far, and fixes the next bit as that
word has it. No learning, few
parameters, and strong on construction problems: Roucairol & Cazenave (2022,
"Refutation of spectral graph theory conjectures with Monte Carlo search")
refuted several graph conjectures with it.

Here the level-1 search, where almost all the work is, scores the playouts of
both children of a position in one batched ``score_words`` call. Playouts draw
their own density uniformly in (0, 1), so they reach sparse and dense objects
alike, and are written through the score's hard constraint exactly as an env
builds words. With ``polish_steps`` the best word of each top-level search is
improved by steepest ascent (the leaf polish of Roucairol & Cazenave 2024).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..goal import Goal
from ..local.climb import alphabet_of, climb, random_letters
from ..searcher_base import ConfigMixin, WordSearcher


@dataclass(frozen=True)
class NMCSConfig(ConfigMixin):
    agent_kind: ClassVar[str] = "nmcs"  # its name in run files (mathrl.agents.searchers.kind_of)
    uses_torch: ClassVar[bool] = False  # no network: its islands run without importing torch (run_chunk)
    legacy_values: ClassVar[dict] = {"polish_transfers": 0}  # runs saved before transfers existed
    level: int = 2           # nesting level of each top-level search (1-4)
    playouts: int = 1        # random completions per child at level 1
    polish_steps: int = 0    # steepest-ascent moves on each top-level result (0: no polish)
    polish_swaps: int = 64
    polish_transfers: int = 32  # graphs: neighbourhood transfers tried where no flip or swap improves
    islands: int = 2         # independent searches, one process each
    threads: int = 1         # torch threads of searchers with a network; unused here, kept in run files
    migrate_every: int = 0


def _copy(state: dict | None) -> dict | None:
    return None if state is None else {k: v.copy() for k, v in state.items()}


def _repeat(state: dict | None, count: int) -> dict | None:
    return None if state is None else {k: np.repeat(v, count, axis=0) for k, v in state.items()}


class NestedMonteCarlo(WordSearcher):
    """One island: repeated top-level nested searches from the empty word."""

    def __init__(self, score, config: NMCSConfig, seed: int, goal: Goal | None = None):
        if not 1 <= config.level <= 4:
            raise ValueError(f"NMCS level must be 1..4, got {config.level}")
        super().__init__(score, config, seed, goal)
        self.constraint = score.constraint
        self.alphabet = alphabet_of(score)

    # -- playouts -----------------------------------------------------------------
    def _complete(self, prefix: np.ndarray, pos: int, state: dict | None, bits_at_pos: np.ndarray) -> np.ndarray:
        """Random completions of ``prefix[:pos]``, row i with bit ``bits_at_pos[i]`` at ``pos``."""
        count = len(bits_at_pos)
        words = np.repeat(prefix[None, :], count, axis=0)
        words[:, pos + 1:] = random_letters(count, self.length - pos - 1, self.alphabet, self.rng)
        words[:, pos] = bits_at_pos
        if self.constraint is None:
            return words
        return self.score.repair_words(words, start=pos, state=_repeat(state, count))

    def _evaluate(self, words: np.ndarray) -> np.ndarray:
        self.evaluations += len(words)
        return np.asarray(self.score.score_words(words), dtype=np.float64)

    def _options(self, state: dict | None, pos: int) -> list[int]:
        if self.constraint is None or bool(self.constraint.allowed_one(state, pos)[0]):
            return list(range(self.alphabet))
        return [0]

    def _advance(self, state: dict | None, pos: int, bit: int) -> dict | None:
        if self.constraint is None:
            return None
        state = _copy(state)
        self.constraint.commit(state, pos, np.array([bit], dtype=np.uint8))
        return state

    # -- the nested search -----------------------------------------------------------
    def search(self, prefix: np.ndarray, start: int, state: dict | None, level: int) -> tuple[np.ndarray, float]:
        """Best complete word found by a level-``level`` search below ``prefix[:start]``."""
        word = prefix.copy()
        best_word, best_value = None, -np.inf
        for pos in range(start, self.length):
            options = self._options(state, pos)
            if level == 1:
                bits = np.repeat(np.array(options, dtype=np.uint8), self.config.playouts)
                words = self._complete(word, pos, state, bits)
                values = self._evaluate(words)
                i = int(np.argmax(values))
                if values[i] > best_value:
                    best_word, best_value = words[i].copy(), float(values[i])
            else:
                for bit in options:
                    child = word.copy()
                    child[pos] = bit
                    w, v = self.search(child, pos + 1, self._advance(state, pos, bit), level - 1)
                    if v > best_value:
                        best_word, best_value = w, v
                    if self._should_stop(best_value):
                        return best_word, best_value
            if self._should_stop(best_value):
                return best_word, best_value
            word[pos] = best_word[pos]
            state = self._advance(state, pos, int(word[pos]))
        if best_word is None:  # started at the end: the word is complete
            best_word, best_value = word, float(self._evaluate(word[None])[0])
        return best_word, best_value

    def _should_stop(self, value: float) -> bool:
        return value >= self.goal.threshold or time.perf_counter() >= self.deadline

    def step(self) -> dict:
        clock = time.perf_counter()
        empty = np.zeros(self.length, dtype=np.uint8)
        state = self.constraint.init(1) if self.constraint is not None else None
        word, value = self.search(empty, 0, state, self.config.level)
        if self.config.polish_steps and value < self.goal.threshold:
            result = climb(self.score, word, self.rng, steps=self.config.polish_steps,
                           patience=self.config.polish_steps, tenure=0, swaps=self.config.polish_swaps,
                           transfers=self.config.polish_transfers,
                           goal=self.goal.threshold, deadline=self.deadline)
            self.evaluations += result.evaluations
            word, value = result.word, result.score
        self.record(word, value)
        stats = {"iteration": self.iteration, "best_score": float(self.best_score), "run_score": float(value),
                 "evaluations": self.evaluations, "seconds": {"search": time.perf_counter() - clock}}
        self.iteration += 1
        return stats
