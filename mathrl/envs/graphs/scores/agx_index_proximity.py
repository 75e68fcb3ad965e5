"""AutoGraphiX conjecture: the index times the proximity is at most n - 1.

Conjecture (AutoGraphiX, M. Aouchiche, "Comparaison automatisée d'invariants en
théorie des graphes", PhD thesis, École Polytechnique de Montréal, 2006). For
every connected graph G on n vertices,

    lambda1(G) * pi(G) <= n - 1,

where lambda1 is the largest adjacency eigenvalue (the index) and
pi(G) = min_v sum_u d(u, v) / (n - 1) is the proximity (the smallest average
distance from one vertex to all others). The complete graph attains equality
(lambda1 = n - 1, pi = 1).

Refuted by V. Vito and L. Y. Stefanus, "Adaptive Monte Carlo search for
conjecture refutation in graph theory" (arXiv:2306.07956, 2023), with the
adaptive Monte Carlo search; their score function is exactly
lambda1 * pi - n + 1, which is the score here:

    S = lambda1(G) * pi(G) - (n - 1)    (connected), else ``invalid_score``.

Why it fails: a clique keeps lambda1 near its order, while a long pendant
path pushes every vertex away from the others and so raises pi. The lollipop
K_6 + P_5 (K_6 with a 5-vertex path hung from one clique vertex, n = 11) has
lambda1 * pi = 10.0711... > 10, so ``default_n = 11`` is refutable. No
connected graph on at most 7 vertices is a counterexample (checked over the
graph atlas in the tests); that is a computation of ours, not a claim of the
paper.

``verify`` decides the inequality exactly: pi = T / (n - 1) with T the
integer minimum transmission (plain BFS), so S > 0 iff lambda1 > (n - 1)^2 / T,
a rational threshold compared with the largest root of the exact integer
characteristic polynomial by Sturm root counting. Equality (K_n) is detected
exactly and is never reported as a counterexample.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import networkx as nx
import numpy as np
import sympy

from .base import Verification
from .connected import ConnectedGraphScore, least_transmission, proximity, proximity_batch
from .exact import integer_charpoly, isolate_root, mp_rational, plain_adjacency, root_vs_threshold

class AGXIndexProximity(ConnectedGraphScore):
    name = "agx-index-proximity"
    summary = "AutoGraphiX: lambda1(G) * proximity(G) <= n - 1 for connected graphs (false; n = 11)"
    default_n = 11
    uses_distances = True

    def connected_score(self, graph: nx.Graph) -> float:
        lambda1 = np.linalg.eigvalsh(nx.to_numpy_array(graph, nodelist=range(self.n)))[-1]
        return lambda1 * proximity(graph, self.n) - (self.n - 1)

    def connected_score_batch(self, adjacency: np.ndarray, distances: np.ndarray) -> np.ndarray:
        lambda1 = np.linalg.eigvalsh(adjacency.astype(np.float64))[:, -1]
        return lambda1 * proximity_batch(distances) - (self.n - 1)

    def verify(self, graph: nx.Graph, digits: int = 40) -> Verification:
        """Exact: integer BFS transmissions, exact characteristic polynomial, Sturm comparison of
        lambda1 with the rational threshold (n-1)^2 / T; a high-precision value for the report."""
        n = self.n
        transmission = least_transmission(graph, n)
        if transmission is None:
            return Verification(False, False, "invalid", "bfs-distances", {"connected": False})
        proximity = Fraction(transmission, n - 1)
        threshold = Fraction((n - 1) ** 2, transmission)  # S > 0  <=>  lambda1 > threshold
        poly = integer_charpoly(plain_adjacency(graph, n))
        sign = root_vs_threshold(poly, -1, threshold)
        low, high = isolate_root(poly, -1, sympy.Rational(1, 10 ** (digits + 5)))
        with mpmath.workdps(digits + 10):
            pi = mpmath.mpf(proximity.numerator) / proximity.denominator
            lambda1 = (mp_rational(low) + mp_rational(high)) / 2
            value = "0" if sign == 0 else mpmath.nstr(lambda1 * pi - (n - 1), digits)
            details = {
                "lambda1": mpmath.nstr(lambda1, digits),
                "lambda1_interval": [str(low), str(high)],
                "min_transmission": transmission,
                "proximity": str(proximity),
                "threshold": str(threshold),
                "sign_lambda1_minus_threshold": sign,
                "charpoly": str(poly.as_expr()),
            }
        return Verification(True, sign > 0, value,
                            "integer BFS + exact charpoly + Sturm root count vs rational threshold", details)
