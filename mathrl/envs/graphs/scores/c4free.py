"""Extremal problem: the most edges in an n-vertex graph with no 4-cycle (ex(n, C4), OEIS A006855).

Score: |E| - ex(n, C4) for a C4-free graph; ex is exact for n <= 40, so a
positive score there is a bug and 0 means optimal. Triangles are allowed.

Invalid objects (graphs with v > 0 four-cycles) get the constraint penalty
``min(|E| - ex - w*v, -w*v)`` with w = ``penalty_weight``, in *both* modes:
it is finite, never above 0, and still ranks "fewer C4s, more edges" higher.
In mask mode (default) ``constraint`` forbids every 1 that would close a C4,
so sampled words never reach that branch; in penalty mode ``constraint`` is None.
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np

from mathrl.compiled import njit, numba_available

from .base import ExtremalScore, ScoreError, Verification, to_numpy

# ex(n, C4) for n = 1..40 (OEIS A006855).
EX_C4 = (0, 1, 3, 4, 6, 7, 9, 11, 13, 16, 18, 21, 24, 27, 30, 33, 36, 39, 42, 46,
         50, 52, 56, 59, 63, 67, 71, 76, 80, 85, 90, 92, 96, 102, 106, 110, 113, 117, 122, 127)


def c4_count_codegree(adjacency) -> np.ndarray:
    """#C4 = 1/2 sum_{u<v} C((A^2)_uv, 2), batched over leading axes (int64)."""
    a = np.asarray(adjacency, dtype=np.float64)
    common = np.rint(a @ a).astype(np.int64)  # exact: entries <= n
    n = common.shape[-1]
    rows, cols = np.triu_indices(n, k=1)
    c = common[..., rows, cols]
    return (c * (c - 1) // 2).sum(axis=-1) // 2


def c4_count_trace(adjacency) -> np.ndarray:
    """#C4 = (tr A^4 - 2 sum_v d_v^2 + 2m) / 8, batched over leading axes (int64)."""
    a = np.asarray(adjacency, dtype=np.int64)
    a2 = a @ a
    degree = np.diagonal(a2, axis1=-2, axis2=-1)
    trace_a4 = (a2 * a2).sum(axis=(-2, -1))  # tr(A^2 A^2) with A^2 symmetric
    return (trace_a4 - 2 * (degree * degree).sum(axis=-1) + degree.sum(axis=-1)) // 8


@njit
def _popcount(x):
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


@njit(nogil=True)
def _c4_counts_of_words(words, n, edges, cycles):  # pragma: no cover - compiled; checked against the numpy count
    rows = np.zeros(n, dtype=np.uint64)
    for b in range(words.shape[0]):
        rows[:] = 0
        k, m = 0, 0
        for i in range(n):
            for j in range(i + 1, n):
                if words[b, k]:
                    rows[i] |= np.uint64(1) << np.uint64(j)
                    rows[j] |= np.uint64(1) << np.uint64(i)
                    m += 1
                k += 1
        total = 0
        for u in range(n):
            for v in range(u + 1, n):
                c = _popcount(rows[u] & rows[v])
                total += c * (c - 1) // 2
        edges[b] = m
        cycles[b] = total // 2


def c4_counts_of_words(words: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(edges, 4-cycles) of each 0-1 graph word (B, n(n-1)/2), as int64 arrays, by the co-degree
    count on 64-bit neighbourhood masks (one popcount per vertex pair instead of a matrix product:
    the score local search calls thousands of times a second). None where it does not apply
    (n > 64, numba missing, words not 0-1)."""
    if n > 64 or not numba_available():
        return None
    words = np.asarray(words)
    if words.ndim != 2 or words.shape[1] != n * (n - 1) // 2 or words.max(initial=0) > 1 or words.min(initial=0) < 0:
        return None
    words = np.ascontiguousarray(words, dtype=np.uint8)
    edges, cycles = np.zeros(len(words), dtype=np.int64), np.zeros(len(words), dtype=np.int64)
    _c4_counts_of_words(words, n, edges, cycles)
    return edges, cycles


class C4Constraint:
    """Mask mode: a 1 at pair {i, j} is allowed unless a path i-a-b-j of length 3
    already exists, i.e. unless (A^3)_ij > 0 (with A_ij = 0 every such walk is a path).
    Positions follow the graph word order, ``numpy.triu_indices(n, 1)``."""

    def __init__(self, n: int):
        self.n = n
        self.rows, self.cols = np.triu_indices(n, k=1)

    def init(self, batch: int) -> dict:
        return {"adjacency": np.zeros((batch, self.n, self.n), dtype=np.float32)}

    def allowed_one(self, state: dict, k: int) -> np.ndarray:
        a = state["adjacency"]
        i, j = self.rows[k], self.cols[k]
        walks = (a[:, i, None, :] @ a)[:, 0, :]  # (B, n): walks i-a-b of length 2
        return (walks * a[:, j, :]).sum(axis=1) == 0

    def commit(self, state: dict, k: int, bits: np.ndarray) -> None:
        a = state["adjacency"]
        i, j = self.rows[k], self.cols[k]
        a[:, i, j] = a[:, j, i] = np.asarray(bits, dtype=np.float32)


class C4Free(ExtremalScore):
    name = "c4-free"
    summary = "edges of a C4-free graph minus ex(n, C4)"
    object_kind = "graph"
    default_n = 19

    def tabulated_best(self, n: int) -> float:
        if n > len(EX_C4):
            raise ScoreError(f"{self.name}: ex(n, C4) is tabulated for n <= {len(EX_C4)}; pass best_known for n={n}")
        return EX_C4[n - 1]

    def make_constraint(self) -> "C4Constraint":
        return C4Constraint(self.n)

    def violations(self, objs) -> np.ndarray:
        return c4_count_codegree((to_numpy(objs) != 0).astype(np.float64))

    def is_valid(self, graph: nx.Graph) -> bool:
        if graph.number_of_nodes() != self.n:
            return False
        a = nx.to_numpy_array(graph, nodelist=range(self.n))
        return bool(c4_count_codegree(a) == 0)

    def score(self, graph: nx.Graph) -> float:
        if graph.number_of_nodes() != self.n:
            return self.invalid_score
        a = nx.to_numpy_array(graph, nodelist=range(self.n), dtype=np.int64)
        return float(self.penalised(graph.number_of_edges(), c4_count_trace(a)))

    def score_batch(self, objs) -> np.ndarray:
        a = (to_numpy(objs) != 0).astype(np.float64)
        edges = a.sum(axis=(1, 2)) / 2
        return self.penalised(edges, c4_count_codegree(a)).astype(np.float64)

    def score_words(self, words) -> np.ndarray:
        counts = c4_counts_of_words(to_numpy(words), self.n)
        if counts is None:
            return super().score_words(words)
        return self.penalised(counts[0].astype(np.float64), counts[1]).astype(np.float64)

    def feasible_words(self, words) -> np.ndarray:
        counts = None if self.constraint is None else c4_counts_of_words(to_numpy(words), self.n)
        if counts is None:
            return super().feasible_words(words)
        return counts[1] == 0

    def feasible_scores(self, words) -> np.ndarray | None:
        """Scores, ``-inf`` where a word has a 4-cycle, in one pass (what local search asks of a
        neighbourhood: :func:`mathrl.agents.local.climb.score_neighbours`); None where the compiled
        count does not apply or there is no hard constraint."""
        counts = None if self.constraint is None else c4_counts_of_words(to_numpy(words), self.n)
        if counts is None:
            return None
        return np.where(counts[1] == 0, counts[0] - self.best_known, -np.inf).astype(np.float64)

    def verify(self, graph: nx.Graph) -> Verification:
        """Exact integers: co-degree check, brute-force 4-cycle search over pairs of edges, edge count."""
        n = self.n
        if graph.number_of_nodes() != n or set(graph.nodes) != set(range(n)):
            return Verification(False, False, "invalid", "node check", {"nodes": graph.number_of_nodes()})
        neighbours = {v: set(graph.adj[v]) - {v} for v in range(n)}
        max_codegree = max((len(neighbours[u] & neighbours[v]) for u, v in itertools.combinations(range(n), 2)),
                           default=0)
        edges = sorted({(min(u, v), max(u, v)) for u, v in graph.edges if u != v})
        # Each 4-cycle a-b-d-c has two pairs of opposite edges; each pair is seen once below.
        found = 0
        for (a, b), (c, d) in itertools.combinations(edges, 2):
            if len({a, b, c, d}) == 4:
                found += (c in neighbours[a] and d in neighbours[b]) + (d in neighbours[a] and c in neighbours[b])
        four_cycles = found // 2
        valid = max_codegree <= 1 and four_cycles == 0
        best = self.best_known
        value = len(edges) - (int(best) if float(best).is_integer() else best)
        details = {"edges": len(edges), "best_known": best, "four_cycles": four_cycles,
                   "max_codegree": max_codegree, "codegree_check": max_codegree <= 1}
        return Verification(valid, bool(valid and value > 0), str(value),
                            "integer co-degrees + brute-force 4-cycle search + edge count", details)

