"""Local search over fixed-length words: steepest ascent and tabu search.

Learned generators find the right region of a search space; cheap local moves
then finish the job, which is why the searchers that now refute graph
conjectures in seconds all lean on them (nested Monte Carlo search with local
polish, Roucairol & Cazenave 2022; PatternBoost's local search plus a learned
generator, Charton, Ellenberg, Wagner & Williamson 2024).

The neighbourhood of a word is every single-bit flip plus a random sample of
*swaps* (one 1 moved to a 0 position: "move an edge"), scored in one call of
``score.score_words`` so a batched score pays one vectorised evaluation per
step. A swap is what a sparse object such as a tree needs: removing an edge
disconnects it and adding one closes a cycle, so every single flip is worse
while a move can be better. Words a hard constraint forbids (a 4-cycle in a
C4-free graph, a 312 pattern) are never visited. Over k > 2 letters (the
score's ``alphabet``) a flip becomes every change of one letter to another and a
swap exchanges two different letters.

Tabu search (Glover 1986) takes the best move that does not undo a recent one
even when it is worse, which walks across plateaus and out of shallow optima;
a tabu move is still taken when it beats the best word so far (aspiration).
With ``tenure=0`` the same loop is plain steepest ascent and stops at the first
local optimum.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import numpy as np

from mathrl.envs.graphs.encoding import words_to_adjacency

EPS = 1e-12


@dataclass
class ClimbResult:
    word: np.ndarray
    score: float
    evaluations: int
    moves: int
    stuck: bool = False  # stopped because no move was allowed (for steepest ascent: a local optimum)


def alphabet_of(score) -> int:
    """Letters per position of ``score``'s words (2 for 0-1 words)."""
    return int(getattr(score, "alphabet", 2))


def random_letters(count: int, length: int, alphabet: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` random words over ``alphabet`` letters, each with its own letter frequencies drawn
    uniformly from the simplex: for 0-1 words, a density uniform in (0, 1). Starts and playouts so
    reach sparse and dense objects (or nearly one-coloured and balanced ones) alike."""
    if alphabet == 2:
        density = rng.random((count, 1))
        return (rng.random((count, length)) < density).astype(np.uint8)
    cumulative = rng.dirichlet(np.ones(alphabet), size=count).cumsum(axis=1)
    draws = rng.random((count, length))
    # one search for all rows: row i's table and draws are shifted by i, so rows never mix
    shift = np.arange(count)[:, None]
    found = np.searchsorted((cumulative + shift).ravel(), (draws + shift).ravel(), side="right")
    letters = found.reshape(count, length) - alphabet * shift
    return np.clip(letters, 0, alphabet - 1).astype(np.uint8)


def random_words(score, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` random words (:func:`random_letters`) written through the score's hard constraint."""
    return score.repair_words(random_letters(count, score.word_length, alphabet_of(score), rng))


def neighbours(word: np.ndarray, swaps: int, rng: np.random.Generator,
               alphabet: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """All single flips of ``word`` followed by up to ``swaps`` random swaps.

    Returns the (M, L) neighbour words and an (M, 2) array of the positions each
    move changes (-1 in the second column for a flip). Over ``alphabet`` > 2 letters
    a flip is each change of one letter to another (L * (k - 1) of them) and a swap
    exchanges the letters of two positions that differ.
    """
    if alphabet > 2:
        return _letter_neighbours(word, swaps, rng, alphabet)
    length = len(word)
    ones, zeros = np.flatnonzero(word), np.flatnonzero(word == 0)
    k = min(swaps, len(ones) * len(zeros))
    moved = np.full((length + k, 2), -1, dtype=np.int64)
    moved[:length, 0] = np.arange(length)
    if k:
        moved[length:, 0] = rng.choice(ones, k)
        moved[length:, 1] = rng.choice(zeros, k)
    return _apply_moves(word, moved), moved


def swap_moves(word: np.ndarray, swaps: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``swaps`` random swaps of the 0-1 ``word`` alone (fewer when it has no 1 or no 0), as
    :func:`neighbours` returns them."""
    ones, zeros = np.flatnonzero(word), np.flatnonzero(word == 0)
    k = min(swaps, len(ones) * len(zeros))
    moved = np.empty((k, 2), dtype=np.int64)
    if k:
        moved[:, 0], moved[:, 1] = rng.choice(ones, k), rng.choice(zeros, k)
    return _apply_moves(word, moved), moved


def _apply_moves(word: np.ndarray, moved: np.ndarray) -> np.ndarray:
    """Neighbour words of a 0-1 word: row i flips ``moved[i, 0]`` and, for a swap, sets ``moved[i, 1]``."""
    words = np.repeat(word[None, :], len(moved), axis=0)
    rows = np.arange(len(moved))
    words[rows, moved[:, 0]] ^= 1
    swap_rows = rows[moved[:, 1] >= 0]
    words[swap_rows, moved[swap_rows, 1]] = 1
    return words


def graph_order(score) -> int:
    """The vertex count when ``score``'s words are 0-1 graphs (upper triangles, row by row), else 0."""
    if getattr(score, "object_kind", None) != "graph" or alphabet_of(score) != 2:
        return 0
    return int(score.n)


@functools.lru_cache(maxsize=16)
def _pair_positions(n: int) -> np.ndarray:
    """(n, n) word position of each vertex pair, as :func:`~mathrl.envs.graphs.encoding.pair_index`
    numbers them, -1 on the diagonal; computed once per n (read-only)."""
    position = np.full((n, n), -1, dtype=np.int64)
    rows, cols = np.triu_indices(n, k=1)
    position[rows, cols] = position[cols, rows] = np.arange(len(rows))
    position.flags.writeable = False
    return position


def transfer_moves(word: np.ndarray, n: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` random *neighbourhood transfers* of the graph ``word`` on ``n`` vertices (none when
    no vertex has two neighbours).

    A transfer (u -> v) moves every edge u-w (w != v) to v-w and joins u to v: u's neighbours
    become v's and u hangs from v, so a connected graph stays connected. It merges a star into
    another one, or turns three joined stars into two, in one move where edge moves need as many
    steps as u has neighbours, each of them worse
    (vertex-level moves, as in variable neighbourhood search on graphs, Hansen & Mladenovic 2001;
    Caporossi & Hansen's AutoGraphiX 2000). u is drawn among vertices with two or more
    neighbours, weighted by their degree; the result's duplicates are not removed.
    """
    position = _pair_positions(n)
    adjacency = words_to_adjacency(word, n).astype(bool)
    degree = adjacency.sum(axis=1)
    weight = np.where(degree >= 2, degree, 0).astype(np.float64)
    if count <= 0 or weight.sum() == 0:
        return np.zeros((0, len(word)), dtype=word.dtype)
    sources = rng.choice(n, count, p=weight / weight.sum())
    targets = (sources + rng.integers(1, n, count)) % n  # any other vertex
    moving = adjacency[sources].copy()
    moving[np.arange(count), targets] = False
    rows, others = np.nonzero(moving)
    words = np.repeat(word[None, :], count, axis=0)
    words[rows, position[sources[rows], others]] = 0
    words[rows, position[targets[rows], others]] = 1
    words[np.arange(count), position[sources, targets]] = 1
    return words


def _letter_neighbours(word: np.ndarray, swaps: int, rng: np.random.Generator,
                       alphabet: int) -> tuple[np.ndarray, np.ndarray]:
    length = len(word)
    positions = np.repeat(np.arange(length), alphabet - 1)
    offsets = np.tile(np.arange(1, alphabet), length)  # every other letter, as word[i] + 1..k-1 mod k
    letters = ((word[positions].astype(np.int64) + offsets) % alphabet).astype(np.uint8)
    first, second = rng.integers(length, size=swaps), rng.integers(length, size=swaps)
    differ = word[first] != word[second]
    first, second = first[differ], second[differ]
    changes = len(positions)
    moved = np.full((changes + len(first), 2), -1, dtype=np.int64)
    moved[:changes, 0] = positions
    moved[changes:, 0], moved[changes:, 1] = first, second
    words = np.repeat(word[None, :], len(moved), axis=0)
    words[np.arange(changes), positions] = letters
    swap_rows = np.arange(changes, len(moved))
    words[swap_rows, first], words[swap_rows, second] = word[second], word[first]
    return words, moved


def score_neighbours(score, words: np.ndarray) -> tuple[np.ndarray, int]:
    """Scores of the neighbour words (-inf where the hard constraint forbids one), and how many were scored."""
    one_pass = getattr(score, "feasible_scores", None)  # a score that counts violations anyway does both at once
    values = one_pass(words) if one_pass is not None else None
    if values is None:
        values = np.full(len(words), -np.inf)
        feasible = score.feasible_words(words) if score.constraint is not None else np.ones(len(words), dtype=bool)
        if feasible.any():
            values[feasible] = score.score_words(words[feasible])
    return values, int(np.isfinite(values).sum())


def scored_neighbourhood(score, word: np.ndarray, swaps: int, rng: np.random.Generator,
                         swap_tries: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """The scored neighbourhood of one step: (words, moves as :func:`neighbours` gives them, scores
    with ``-inf`` for forbidden words, words scored).

    ``swap_tries`` > 1 (0-1 words under a hard constraint): further batches of ``swaps`` random
    swaps, up to ``swap_tries`` batches in all, of which the allowed ones join, until ``swaps``
    allowed swaps are in (or as many as the word has swaps). Without a constraint every drawn swap
    is allowed, so one batch is all there is and ``swap_tries`` is ignored."""
    alphabet = alphabet_of(score)
    words, moved = neighbours(word, swaps, rng, alphabet)
    values, scored = score_neighbours(score, words)
    if swap_tries > 1 and swaps > 0 and alphabet == 2 and getattr(score, "constraint", None) is not None:
        wanted = min(swaps, int(word.sum()) * int(len(word) - word.sum()))
        allowed_swaps, tries = int(np.isfinite(values[len(word):]).sum()), 1
        while allowed_swaps < wanted and tries < swap_tries:
            more, more_moved = swap_moves(word, swaps, rng)
            more_values, more_scored = score_neighbours(score, more)
            scored += more_scored
            keep = np.isfinite(more_values)
            words, moved = np.concatenate([words, more[keep]]), np.concatenate([moved, more_moved[keep]])
            values = np.concatenate([values, more_values[keep]])
            allowed_swaps, tries = allowed_swaps + int(keep.sum()), tries + 1
    return words, moved, values, scored


@dataclass
class Walk:
    """Where a local search stands, so that it can go on in a later call: current word, best
    word, tabu list (the move index until which each position is fixed), moves made and moves
    since the best was found."""

    word: np.ndarray
    score: float
    best: np.ndarray
    best_score: float
    tabu_until: np.ndarray
    moves: int = 0
    since_best: int = 0

    @classmethod
    def start(cls, word: np.ndarray, value: float) -> "Walk":
        word = np.array(word, dtype=np.uint8, copy=True)
        return cls(word, float(value), word.copy(), float(value), np.zeros(len(word), dtype=np.int64))

    def to_dict(self) -> dict:
        return {"word": self.word, "score": self.score, "best": self.best, "best_score": self.best_score,
                "tabu_until": self.tabu_until, "moves": self.moves, "since_best": self.since_best}

    @classmethod
    def from_dict(cls, data: dict) -> "Walk":
        return cls(np.asarray(data["word"], dtype=np.uint8).copy(), float(data["score"]),
                   np.asarray(data["best"], dtype=np.uint8).copy(), float(data["best_score"]),
                   np.asarray(data["tabu_until"], dtype=np.int64).copy(), int(data["moves"]),
                   int(data["since_best"]))


def climb(score, word, rng: np.random.Generator, *, steps: int = 1000, patience: int = 100, tenure: int = 0,
          swaps: int = 64, transfers: int = 0, goal: float = np.inf, deadline: float = np.inf,
          walk: Walk | None = None, swap_tries: int = 1) -> ClimbResult:
    """Improve ``word`` by local moves; returns the best word seen.

    ``tenure=0``: steepest ascent, stopping at a local optimum. ``tenure>0``:
    tabu search, a changed position stays fixed for ``tenure`` (+0..2 random) moves;
    it stops after ``steps`` moves, ``patience`` moves without a new best, or
    once the best reaches ``goal`` or ``time.perf_counter()`` passes ``deadline``.
    With ``walk`` (a :class:`Walk`) the search goes on from where that walk stopped,
    with its tabu list, best word and counters, and updates it in place (``word`` is
    ignored): one tabu search spread over many short calls.

    On graphs, ``transfers`` > 0 adds a second neighbourhood, as variable
    neighbourhood descent does (Hansen & Mladenovic 2001): when no flip or swap
    improves the current word, that many random neighbourhood transfers
    (:func:`transfer_moves`) are scored and the best one is taken if it improves
    (tabu or not). Only then: used as sideways or worse tabu steps, or in
    competition with improving flips, transfers would re-shape whole neighbourhoods
    and pull the walk into their own optima.

    Under a hard constraint most random swaps of a dense word are forbidden (at an
    extremal C4-free graph nearly every added edge closes a 4-cycle that the removed
    one does not break), so the walk would see almost no sideways moves across its
    plateau. ``swap_tries`` > 1 (0-1 words with a constraint only) draws further
    batches of ``swaps`` swaps, up to ``swap_tries`` batches in all, until ``swaps``
    allowed ones are in the neighbourhood.
    """
    evaluations = 0
    if walk is None:
        start = np.array(word, dtype=np.uint8, copy=True)
        walk = Walk.start(start, float(score.score_words(start[None])[0]))
        evaluations = 1
    moves, stuck = 0, False
    vertices = graph_order(score) if transfers > 0 else 0
    for _ in range(steps):
        if walk.best_score >= goal or walk.since_best >= patience or time.perf_counter() >= deadline:
            break
        words, moved, values, scored = scored_neighbourhood(score, walk.word, swaps, rng, swap_tries)
        evaluations += scored
        by_transfer = False
        if vertices and not (values > walk.score + EPS).any():
            compound = transfer_moves(walk.word, vertices, transfers, rng)
            if len(compound):
                compound_values, scored = score_neighbours(score, compound)
                evaluations += scored
                if (compound_values > walk.score + EPS).any():
                    words, values, by_transfer = compound, compound_values, True
        if by_transfer or not tenure:
            allowed = values > walk.score + EPS
        else:
            tabu = walk.tabu_until > walk.moves
            free = ~tabu[moved[:, 0]] & ((moved[:, 1] < 0) | ~tabu[moved[:, 1]])
            allowed = np.isfinite(values) & (free | (values > walk.best_score + EPS))
        if not allowed.any():
            stuck = True
            break
        candidates = np.where(allowed, values, -np.inf)
        top = np.flatnonzero(candidates >= candidates.max() - EPS)
        choice = top[rng.integers(len(top))] if len(top) > 1 else top[0]
        changed = np.flatnonzero(words[choice] != walk.word)
        walk.word, walk.score = words[choice].copy(), float(values[choice])
        walk.moves += 1
        moves += 1
        if tenure:
            walk.tabu_until[changed] = walk.moves + tenure + rng.integers(0, 3)
        if walk.score > walk.best_score + EPS:
            walk.best, walk.best_score, walk.since_best = walk.word.copy(), walk.score, 0
        else:
            walk.since_best += 1
    return ClimbResult(walk.best.copy(), walk.best_score, evaluations, moves, stuck)
