"""AutoGraphiX conjecture: the path minimises algebraic connectivity times proximity.

Conjecture (AutoGraphiX, M. Aouchiche, "Comparaison automatisée d'invariants en
théorie des graphes", PhD thesis, École Polytechnique de Montréal, 2006). For
every connected graph G on n vertices,

    a(G) * pi(G) >= a(P_n) * pi(P_n),

with a the algebraic connectivity (second smallest Laplacian eigenvalue),
pi(G) = min_v sum_u d(u, v) / (n - 1) the proximity, and P_n the path, which
attains equality. With a(P_n) = 2 (1 - cos(pi/n)) and pi(P_n) = floor(n^2/4) / (n - 1)
the right-hand side is n^2 (1 - cos(pi/n)) / (2 (n - 1)) for even n and
(n + 1) (1 - cos(pi/n)) / 2 for odd n, the form in which the refuting paper
states it.

Refuted by V. Vito and L. Y. Stefanus, "Adaptive Monte Carlo search for
conjecture refutation in graph theory" (arXiv:2306.07956, 2023), with the
adaptive Monte Carlo search. Score (their score function):

    S = a(P_n) * pi(P_n) - a(G) * pi(G)    (connected), else ``invalid_score``.

Why it fails: moving the far leaf of the path onto the penultimate vertex (a
fork at one end) shortens the diameter by one. That lowers pi by about as much,
relatively, as it raises a, and from n = 13 on the drop in pi wins: the fork on
13 vertices (path 0-1-...-11 plus a second leaf 12 on vertex 10) has
a * pi = 0.2033931... < 0.2034073... = a(P_13) pi(P_13), so S = 1.4e-5 > 0.
Exhaustive search over all trees shows it is the smallest tree counterexample
(no tree on at most 12 vertices, and no connected graph on at most 7 vertices,
is one); the margin grows with n (3.3e-4 at n = 14). Hence ``default_n = 13``.
These orders are our own computation (the tests recheck them), not figures
quoted from the paper.

``verify`` is exact where it matters: integer BFS distances give pi exactly;
a(G) is the second distinct root of the exact integer Laplacian characteristic
polynomial; the threshold a(P_n) pi(P_n) / pi(G) is enclosed in a rational
interval by mpmath interval arithmetic, and a(G) is compared with both of its
ends by Sturm root counting. A graph is a counterexample only if a(G) lies
strictly below the lower end, so the path (exact equality) never is one.
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import networkx as nx
import numpy as np
import sympy

from .base import Verification
from .connected import ConnectedGraphScore, least_transmission, proximity, proximity_batch
from .exact import (
    integer_charpoly,
    interval_context,
    interval_fractions,
    isolate_root,
    mp_rational,
    root_vs_threshold,
)


def path_bound(n: int) -> float:
    """a(P_n) * pi(P_n) in float64; 1 - cos(x) = 2 sin^2(x/2) avoids the cancellation."""
    return 4 * math.sin(math.pi / (2 * n)) ** 2 * (n * n // 4) / (n - 1)


def path_bound_interval(n: int, dps: int):
    """A rigorous mpmath interval holding a(P_n) * pi(P_n)."""
    iv = interval_context(dps)
    return 4 * iv.sin(iv.pi / (2 * n)) ** 2 * (n * n // 4) / (n - 1)


class AGXConnectivityProximity(ConnectedGraphScore):
    name = "agx-algebraic-connectivity-proximity"
    summary = "AutoGraphiX: a(G) * proximity(G) >= a(P_n) * proximity(P_n), G connected (false; n = 13)"
    default_n = 13
    uses_distances = True

    @property
    def bound(self) -> float:
        return path_bound(self.n)

    def connected_score(self, graph: nx.Graph) -> float:
        adjacency = nx.to_numpy_array(graph, nodelist=range(self.n))
        laplacian = np.diag(adjacency.sum(axis=1)) - adjacency
        connectivity = np.linalg.eigvalsh(laplacian)[1]
        return self.bound - connectivity * proximity(graph, self.n)

    def connected_score_batch(self, adjacency: np.ndarray, distances: np.ndarray) -> np.ndarray:
        good = adjacency.astype(np.float64)
        laplacian = -good
        idx = np.arange(self.n)
        laplacian[:, idx, idx] = good.sum(axis=2)
        connectivity = np.linalg.eigvalsh(laplacian)[:, 1]
        return self.bound - connectivity * proximity_batch(distances)

    def verify(self, graph: nx.Graph, digits: int = 40) -> Verification:
        """Exact pi, exact Laplacian charpoly, Sturm comparison of a(G) with a rational enclosure of
        the threshold a(P_n) pi(P_n) / pi(G); S > 0 is certified only when a(G) < its lower end."""
        n = self.n
        transmission = least_transmission(graph, n)
        if transmission is None:
            return Verification(False, False, "invalid", "bfs-distances", {"connected": False})
        proximity = Fraction(transmission, n - 1)
        degrees = [sum(1 for v in range(n) if graph.has_edge(u, v)) for u in range(n)]
        laplacian = [[degrees[u] if u == v else -int(graph.has_edge(u, v)) for v in range(n)]
                     for u in range(n)]
        poly = integer_charpoly(laplacian)
        dps = digits + 10
        bound = path_bound_interval(n, dps)
        b_low, b_high = interval_fractions(bound)
        # S > 0  <=>  a(G) < a(P_n) pi(P_n) / pi(G), which lies in [t_low, t_high]
        t_low, t_high = b_low / proximity, b_high / proximity
        # distinct roots ascending: 0 (simple, G connected), then a(G)
        below_low = root_vs_threshold(poly, 1, t_low) < 0
        above_high = root_vs_threshold(poly, 1, t_high) > 0
        low, high = isolate_root(poly, 1, sympy.Rational(1, 10 ** (digits + 5)))
        with mpmath.workdps(dps):
            pi = mpmath.mpf(proximity.numerator) / proximity.denominator
            connectivity = (mp_rational(low) + mp_rational(high)) / 2
            bound_mid = mp_rational((b_low + b_high) / 2)
            value = bound_mid - connectivity * pi
            details = {
                "algebraic_connectivity": mpmath.nstr(connectivity, digits),
                "connectivity_interval": [str(low), str(high)],
                "min_transmission": transmission,
                "proximity": str(proximity),
                "path_bound": mpmath.nstr(bound_mid, digits),
                "threshold_interval": [mpmath.nstr(mp_rational(t_low), digits + 5),
                                       mpmath.nstr(mp_rational(t_high), digits + 5)],
                "decided": bool(below_low or above_high),
                "charpoly": str(poly.as_expr()),
            }
            return Verification(True, bool(below_low), mpmath.nstr(value, digits),
                                "integer BFS + exact Laplacian charpoly + Sturm counts vs interval threshold",
                                details)
