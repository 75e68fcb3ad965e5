"""Conjecture 2.3 of Wagner's paper (Aouchiche-Hansen).

For every connected graph on n >= 4 vertices with diameter D, proximity pi and
distance eigenvalues d_1 >= ... >= d_n: pi + d_k > 0 with k = floor(2D/3).
Score: S = -(pi + d_k) (connected), else ``invalid_score``.

D == 1 (the complete graph) makes k = 0 and the term undefined; Wagner's code
read the smallest eigenvalue (-1), giving S = 0, which float64 turns into a
spurious +1e-15. Rule: D == 1 scores exactly 0.0 and is valid (never a counterexample).
"""

from __future__ import annotations

import math
from collections import deque
from fractions import Fraction

import mpmath
import networkx as nx
import numpy as np

from .base import Score, ScoreError, Verification, to_numpy


def distance_batch(adjacency: np.ndarray) -> np.ndarray:
    """(B, n, n) 0-1 -> (B, n, n) int64 shortest-path distances, -1 where unreachable.

    Batched BFS from all n sources of all B graphs at once: one float32 matmul
    expands every frontier by one step (exact: entries are small counts).
    """
    b, n, _ = adjacency.shape
    step_matrix = (adjacency != 0).astype(np.float32)
    reached = np.broadcast_to(np.eye(n, dtype=bool), (b, n, n)).copy()
    frontier = reached.astype(np.float32)
    dist = np.zeros((b, n, n), dtype=np.int64)
    for step in range(1, n):
        new = ((frontier @ step_matrix) > 0) & ~reached
        if not new.any():
            break
        dist[new] = step
        reached |= new
        frontier = new.astype(np.float32)
    dist[~reached] = -1
    return dist


def bfs_distances(graph: nx.Graph, n: int) -> list[list[int]] | None:
    """Integer distances by plain BFS from each vertex; None if disconnected."""
    rows = []
    for source in range(n):
        dist = {source: 0}
        queue = deque([source])
        while queue:
            v = queue.popleft()
            for u in graph.adj[v]:
                if u not in dist:
                    dist[u] = dist[v] + 1
                    queue.append(u)
        if len(dist) != n:
            return None
        rows.append([dist[u] for u in range(n)])
    return rows


def _isqrt_up(value: int) -> int:
    """An integer >= sqrt(value)."""
    root = math.isqrt(value)
    return root if root * root == value else root + 1


def eigenvalue_error_bound(dist: list[list[int]]) -> tuple[np.ndarray, Fraction]:
    """Rigorous bound on |d_i - lam_i| for all i, lam from a float64 eigendecomposition.

    Q, lam (descending) are rounded to the grid 2^-50, so every product below is
    an exact Python integer. With F = Q^T Q - I and R = D Q - Q diag(lam):
    Ostrowski gives |lam_i(Q L Q^T) - lam_i| <= |lam|_max ||F||, and Weyl with
    D - Q L Q^T = D (I - Q Q^T) + R Q^T gives the rest:
    bound = ||D|| ||F|| + ||R|| sqrt(1 + ||F||) + |lam|_max ||F||  (Frobenius norms).
    Returns (lam as exact-on-grid float64, descending; bound as a Fraction).
    """
    scale = 1 << 50
    matrix = np.array(dist, dtype=np.float64)
    lam, vectors = np.linalg.eigh(matrix)
    lam, vectors = lam[::-1], vectors[:, ::-1]
    lam_i = [int(round(x * scale)) for x in lam]
    q = np.array([[int(round(x * scale)) for x in row] for row in vectors], dtype=object)
    d = np.array(dist, dtype=object)
    residual = d.dot(q) * scale - q * np.array(lam_i, dtype=object)[None, :]  # R * scale^2
    gram = q.T.dot(q) - np.eye(len(dist), dtype=object) * scale * scale  # F * scale^2
    f = Fraction(_isqrt_up(int((gram * gram).sum())), scale * scale)
    r = Fraction(_isqrt_up(int((residual * residual).sum())), scale * scale)
    d_norm = _isqrt_up(int((d * d).sum()))
    lam_max = Fraction(max(abs(x) for x in lam_i), scale)
    bound = d_norm * f + r * (1 + f / 2) + lam_max * f  # sqrt(1 + f) <= 1 + f/2
    return np.array(lam_i, dtype=np.float64) / scale, bound


class Wagner23(Score):
    name = "wagner-2.3"
    summary = "conjecture 2.3: proximity + distance eigenvalue d_{floor(2D/3)} > 0"
    object_kind = "graph"
    default_n = 30

    def __init__(self, n: int | None = None, **kwargs):
        super().__init__(n, **kwargs)
        if self.n < 4:
            raise ScoreError(f"{self.name}: the conjecture needs n >= 4, got n={self.n}")

    def is_valid(self, graph: nx.Graph) -> bool:
        return graph.number_of_nodes() == self.n and nx.is_connected(graph)

    def score(self, graph: nx.Graph) -> float:
        if not self.is_valid(graph):
            return self.invalid_score
        n = self.n
        lengths = dict(nx.all_pairs_shortest_path_length(graph))
        dist = np.array([[lengths[u][v] for v in range(n)] for u in range(n)], dtype=np.float64)
        diameter = int(dist.max())
        if diameter == 1:
            return 0.0
        k = 2 * diameter // 3
        proximity = dist.sum(axis=1).min() / (n - 1)
        return float(-(proximity + np.linalg.eigvalsh(dist)[::-1][k - 1]))

    def score_batch(self, objs) -> np.ndarray:
        adjacency = to_numpy(objs)
        n = self.n
        out = np.full(adjacency.shape[0], self.invalid_score, dtype=np.float64)
        dist = distance_batch(adjacency)
        connected = (dist >= 0).all(axis=(1, 2))
        diameter = dist.max(axis=(1, 2))
        todo = connected & (diameter > 1)
        out[connected & (diameter == 1)] = 0.0
        if todo.any():
            good = dist[todo]
            k = 2 * diameter[todo] // 3
            proximity = good.sum(axis=2).min(axis=1) / (n - 1)
            eigenvalues = np.linalg.eigvalsh(good.astype(np.float64))  # ascending
            d_k = eigenvalues[np.arange(len(k)), n - k]  # k-th largest
            out[todo] = -(proximity + d_k)
        return out

    def verify(self, graph: nx.Graph, digits: int = 40) -> Verification:
        """Integer BFS distances, exact proximity, d_k by mpmath ``eigsy`` at ``digits``
        digits, and a rigorous error bound (exact-integer Weyl/Ostrowski check)."""
        n = self.n
        dist = bfs_distances(graph, n) if set(graph.nodes) == set(range(n)) else None
        if dist is None:
            return Verification(False, False, "invalid", "bfs-distances", {"connected": False})
        diameter = max(max(row) for row in dist)
        k = 2 * diameter // 3
        proximity = Fraction(min(sum(row) for row in dist), n - 1)
        details = {"D": diameter, "k": k, "pi": str(proximity)}
        if diameter == 1:
            details["rule"] = "D == 1: k = 0, term undefined; scored exactly 0 (the complete graph K_n)"
            return Verification(True, False, "0", "D == 1 rule", details)
        lam, bound = eigenvalue_error_bound(dist)
        with mpmath.workdps(digits + 10):
            eigenvalues = sorted(mpmath.eigsy(mpmath.matrix(dist), eigvals_only=True), reverse=True)
            d_k = eigenvalues[k - 1]
            pi = mpmath.mpf(proximity.numerator) / proximity.denominator
            value = -(pi + d_k)
            # |true d_k - mp d_k| <= |true d_k - lam_k| + |lam_k - mp d_k|; slack for mp rounding.
            error = (mpmath.mpf(bound.numerator) / bound.denominator + abs(mpmath.mpf(lam[k - 1]) - d_k)
                     + mpmath.mpf(10) ** (-digits))
            details.update({
                "eigenvalue_k": mpmath.nstr(d_k, digits),
                "error_bound": mpmath.nstr(error, 5),
                "weyl_ostrowski_bound": mpmath.nstr(mpmath.mpf(bound.numerator) / bound.denominator, 5),
                "dps": digits + 10,
            })
            return Verification(True, bool(value - error > 0), mpmath.nstr(value, digits),
                                "integer BFS + exact proximity + mpmath eigsy + exact Weyl/Ostrowski bound",
                                details)
