"""AutoGraphiX conjecture: Randić index plus independence number is at most n - 1 + sqrt(n - 1).

Conjecture (AutoGraphiX, M. Aouchiche, "Comparaison automatisée d'invariants en
théorie des graphes", PhD thesis, École Polytechnique de Montréal, 2006). For
every connected graph G on n vertices,

    R(G) + alpha(G) <= n - 1 + sqrt(n - 1),

with R(G) = sum over edges uv of 1 / sqrt(d(u) d(v)) the Randić index and
alpha(G) the independence number. The star K_{1,n-1} attains equality
(R = sqrt(n - 1), alpha = n - 1).

Refuted by V. Vito and L. Y. Stefanus, "Adaptive Monte Carlo search for
conjecture refutation in graph theory" (arXiv:2306.07956, 2023), with the
adaptive Monte Carlo search. Score (their score function):

    S = R(G) + alpha(G) - (n - 1) - sqrt(n - 1)    (connected), else ``invalid_score``.

Why it fails: the star's Randić index is only sqrt(n - 1). Two stars K_{1,k}
whose centres are both joined to one middle vertex (n = 2k + 3) give up one
unit of alpha (alpha = 2k + 1 = n - 2: the leaves and the middle vertex) but
have R = (2k + sqrt 2) / sqrt(k + 1), about sqrt(2n) instead of sqrt(n); the
inequality fails iff (2 - sqrt 2) k > sqrt(k + 1), i.e. for k >= 4. At k = 4
(n = 11): R + alpha = 9 + 8/sqrt 5 + 2/sqrt 10 = 13.2102... > 10 + sqrt 10
= 13.1623..., S = 0.0479 > 0. Exhaustive search over all trees finds no
counterexample on at most 10 vertices, and the graph atlas none among all
connected graphs on at most 7, so this double star is the smallest tree
counterexample and ``default_n = 11``
(our own computation, rechecked in the tests; the paper's figures are not
quoted here).

``verify`` is independent of ``score_batch``: alpha from networkx's exact
maximum-clique search on the complement (its witness set is rechecked to be
independent), then R + alpha - (n - 1) - sqrt(n - 1) in rigorous mpmath
interval arithmetic; a counterexample needs the whole interval above 0, so
the star (exact equality) is never one.
"""

from __future__ import annotations

import mpmath
import networkx as nx
import numpy as np

from .exact import interval_context, interval_fractions, mp_rational
from .base import Verification
from .connected import ConnectedGraphScore
from .wagner21 import bfs_connected


def _alpha(neighbours: list[int], candidates: int) -> int:
    """Independence number of the subgraph induced by the bit set ``candidates``.

    A vertex with at most one neighbour among the candidates lies in some maximum
    independent set, so it is taken without branching (this alone solves forests);
    otherwise branch on a vertex of maximum degree: take it, or drop it.
    """
    size = 0
    while candidates:
        pick, branch, branch_degree = -1, -1, -1
        rest = candidates
        while rest:
            low = rest & -rest
            rest ^= low
            v = low.bit_length() - 1
            degree = (neighbours[v] & candidates).bit_count()
            if degree <= 1:
                pick = v
                break
            if degree > branch_degree:
                branch, branch_degree = v, degree
        if pick >= 0:
            candidates &= ~(neighbours[pick] | (1 << pick))
            size += 1
            continue
        take = 1 + _alpha(neighbours, candidates & ~(neighbours[branch] | (1 << branch)))
        drop = _alpha(neighbours, candidates & ~(1 << branch))
        return size + max(take, drop)
    return size


def independence_numbers(adjacency: np.ndarray) -> np.ndarray:
    """(B, n, n) 0-1 -> (B,) int64 independence numbers (exact; bit-set branch and bound, n <= 62)."""
    adjacency = np.asarray(adjacency) != 0
    b, n, _ = adjacency.shape
    if n > 62:
        raise ValueError("independence_numbers packs rows into int64 bit sets: n <= 62")
    masks = (adjacency.astype(np.int64) << np.arange(n, dtype=np.int64)).sum(axis=2)
    full = (1 << n) - 1
    return np.array([_alpha([int(m) for m in row], full) for row in masks], dtype=np.int64)


def randic_batch(adjacency: np.ndarray) -> np.ndarray:
    """(B, n, n) 0-1 without isolated vertices -> (B,) Randić indices."""
    a = (np.asarray(adjacency) != 0).astype(np.float64)
    inv_sqrt = 1.0 / np.sqrt(a.sum(axis=2))
    return 0.5 * np.einsum("bi,bij,bj->b", inv_sqrt, a, inv_sqrt)


class AGXRandicIndependence(ConnectedGraphScore):
    name = "agx-randic-independence"
    summary = "AutoGraphiX: Randic(G) + alpha(G) <= n - 1 + sqrt(n - 1) for connected graphs (false; n = 11)"
    default_n = 11

    @property
    def bound(self) -> float:
        return self.n - 1 + float(np.sqrt(self.n - 1))

    def connected_score(self, graph: nx.Graph) -> float:
        degree = dict(graph.degree)
        randic = sum(1.0 / np.sqrt(degree[u] * degree[v]) for u, v in graph.edges)
        _, alpha = nx.max_weight_clique(nx.complement(graph), weight=None)
        return randic + alpha - self.bound

    def connected_score_batch(self, adjacency: np.ndarray, distances=None) -> np.ndarray:
        return randic_batch(adjacency) + independence_numbers(adjacency) - self.bound

    def verify(self, graph: nx.Graph, digits: int = 40) -> Verification:
        """alpha by networkx's exact clique search on the complement (witness rechecked), then the
        value in rigorous interval arithmetic; counterexample iff the whole interval is > 0."""
        n = self.n
        if graph.number_of_nodes() != n or set(graph.nodes) != set(range(n)) or not bfs_connected(graph):
            return Verification(False, False, "invalid", "bfs-connectivity", {"connected": False})
        witness, alpha = nx.max_weight_clique(nx.complement(graph), weight=None)
        witness = sorted(witness)
        if len(witness) != alpha or any(graph.has_edge(u, v) for u in witness for v in witness):
            return Verification(True, False, "uncertified", "independent-set witness check failed",
                                {"alpha": alpha, "independent_set": witness})
        degree = {v: len(graph.adj[v]) for v in range(n)}
        iv = interval_context(digits + 10)
        randic = iv.mpf(0)
        for u, v in graph.edges:
            randic += 1 / iv.sqrt(degree[u] * degree[v])
        value = randic + alpha - (n - 1) - iv.sqrt(n - 1)
        low, high = interval_fractions(value)
        r_low, r_high = interval_fractions(randic)
        with mpmath.workdps(digits + 10):
            details = {
                "alpha": alpha,
                "independent_set": witness,
                "randic": mpmath.nstr(mp_rational((r_low + r_high) / 2), digits),
                "value_interval": [mpmath.nstr(mp_rational(low), digits + 5),
                                   mpmath.nstr(mp_rational(high), digits + 5)],
                "decided": bool(low > 0 or high < 0),
            }
            text = mpmath.nstr(mp_rational((low + high) / 2), digits)
        method = "networkx exact max clique of the complement + mpmath interval arithmetic"
        return Verification(True, bool(low > 0), text, method, details)
