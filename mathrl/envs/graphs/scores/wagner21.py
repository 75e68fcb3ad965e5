"""Conjecture 2.1 of Wagner's paper (AutoGraphiX; Aouchiche-Hansen).

For every connected graph on n >= 2 vertices, lambda1(G) + mu(G) >= sqrt(n-1) + 1,
where lambda1 is the adjacency spectral radius and mu the matching number.
Score: S = sqrt(n-1) + 1 - lambda1 - mu (connected), else ``invalid_score``.
Stars are the equality case (S = 0 exactly).
"""

from __future__ import annotations

import math
from collections import deque

import mpmath
import networkx as nx
import numpy as np
import sympy

from ..matching import matching_numbers, tutte_berge_witness
from .base import Verification
from .connected import ConnectedGraphScore


def bfs_connected(graph: nx.Graph) -> bool:
    """Connectivity by a plain BFS (kept apart from the search's code path)."""
    nodes = list(graph.nodes)
    if not nodes:
        return False
    seen = {nodes[0]}
    queue = deque([nodes[0]])
    while queue:
        v = queue.popleft()
        for u in graph.adj[v]:
            if u not in seen:
                seen.add(u)
                queue.append(u)
    return len(seen) == len(nodes)


class Wagner21(ConnectedGraphScore):
    name = "wagner-2.1"
    summary = "conjecture 2.1: lambda1 + mu >= sqrt(n-1) + 1 for connected graphs"
    default_n = 19

    @property
    def bound(self) -> float:
        return math.sqrt(self.n - 1) + 1

    def connected_score(self, graph: nx.Graph) -> float:
        adjacency = nx.to_numpy_array(graph, nodelist=range(self.n))
        lambda1 = np.linalg.eigvalsh(adjacency)[-1]
        mu = len(nx.max_weight_matching(graph, maxcardinality=True))
        return self.bound - lambda1 - mu

    def connected_score_batch(self, adjacency: np.ndarray, distances=None) -> np.ndarray:
        lambda1 = np.linalg.eigvalsh(adjacency.astype(np.float64))[:, -1]
        return self.bound - lambda1 - matching_numbers(adjacency)

    def verify(self, graph: nx.Graph, digits: int = 40) -> Verification:
        """Exact certificate: BFS connectivity, mu certified from both sides,
        lambda1 isolated in a rational interval from the exact characteristic polynomial."""
        n = self.n
        if graph.number_of_nodes() != n or not bfs_connected(graph):
            return Verification(False, False, "invalid", "bfs-connectivity", {"connected": False})
        matching = nx.max_weight_matching(graph, maxcardinality=True)
        edges = sorted(tuple(sorted(e)) for e in matching)
        covered = [v for e in edges for v in e]
        assert len(covered) == len(set(covered)) and all(graph.has_edge(u, v) for u, v in edges)
        mu = len(edges)
        witness = tutte_berge_witness(graph, mu)
        if witness is None:
            return Verification(True, False, "uncertified", "tutte-berge", {"mu_lower": mu})
        adjacency = sympy.Matrix(nx.to_numpy_array(graph, nodelist=range(n), dtype=int).tolist())
        x = sympy.Symbol("x")
        poly = sympy.Poly(adjacency.charpoly(x).as_expr(), x)
        eps = sympy.Rational(1, 10 ** (digits + 5))
        low, high = max(poly.intervals(eps=eps), key=lambda iv: iv[0][1])[0]
        with mpmath.workdps(digits + 10):
            root = mpmath.sqrt(n - 1)
            s_high = root + 1 - mpmath.mpf(low.p) / low.q - mu
            s_low = root + 1 - mpmath.mpf(high.p) / high.q - mu
            value = (s_high + s_low) / 2
            error = (s_high - s_low) / 2 + mpmath.mpf(10) ** (-(digits + 5))
            details = {
                "lambda1": mpmath.nstr((mpmath.mpf(low.p) / low.q + mpmath.mpf(high.p) / high.q) / 2, digits),
                "lambda1_interval": [str(low), str(high)],
                "mu": mu,
                "matching": [list(e) for e in edges],
                "tutte_berge_set": sorted(witness),
                "error_bound": mpmath.nstr(error, 5),
                "charpoly": str(poly.as_expr()),
            }
            return Verification(True, bool(value - error > 0), mpmath.nstr(value, digits),
                                "exact charpoly root isolation + networkx blossom + Tutte-Berge", details)
