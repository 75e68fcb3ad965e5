"""Fixed ideals: the benchmark families ``cyclic-n`` and ``katsura-n``, and any fixed list.

Random ideals measure a strategy on average; the classical families measure
it on the systems computer algebra has long been benchmarked on, where the
answer is known (e.g. cyclic-4 processes 11 pairs with the Gebauer-Moeller
criteria under normal selection). A fixed source consumes no randomness, so it
serves the same ideal every episode.
"""

from __future__ import annotations

import numpy as np

from mathrl.envs.buchberger.polynomial import Polynomial
from mathrl.envs.buchberger.ring import Ring

__all__ = ["FixedIdealSource", "cyclic", "katsura"]


class FixedIdealSource:
    """A fixed list of generators: ``sample`` returns a fresh copy and consumes no randomness."""

    def __init__(self, polys, ring: Ring, name: str | None = None):
        polys = list(polys)
        if not polys:
            raise ValueError("a fixed ideal needs at least one generator")
        for f in polys:
            if not isinstance(f, Polynomial) or f.ring != ring:
                raise ValueError(f"generator {f!r} is not a polynomial over {ring}")
        self.polys = tuple(polys)
        self.ring = ring
        self.n = ring.n
        self.gens = ring.names
        self.field = "QQ" if ring.p is None else ring.p
        self.order = ring.order
        self.s = len(polys)
        self.name = name if name is not None else "fixed"

    def sample(self, rng=None) -> list[Polynomial]:
        return list(self.polys)

    def __repr__(self) -> str:
        return f"FixedIdealSource({self.name!r}, {self.s} generators, field={self.field!r}, order={self.order!r})"


def cyclic(n: int, field=32003, order: str = "grevlex") -> FixedIdealSource:
    """cyclic-n: f_k = sum_i prod_{j<k} x_{(i+j) mod n} for k = 1..n-1, then x0*...*x{n-1} - 1."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"cyclic-n needs an integer n >= 2, got {n!r}")
    n = int(n)
    ring = Ring.make(n, field=field, order=order)
    polys = []
    for k in range(1, n):
        terms = []
        for i in range(n):
            e = [0] * n
            for j in range(k):
                e[(i + j) % n] += 1
            terms.append((tuple(e), 1))
        polys.append(Polynomial.from_terms(ring, terms))
    polys.append(Polynomial.from_terms(ring, [((1,) * n, 1), ((0,) * n, -1)]))
    return FixedIdealSource(polys, ring, name=f"cyclic-{n}")


def katsura(n: int, field=32003, order: str = "grevlex") -> FixedIdealSource:
    """katsura-n, Macaulay2 convention: n variables and n generators (PoSSo's katsura-n is our n+1).

    With u_i = x_{|i|} for |i| <= n-1 and 0 otherwise: sum_i u_i - 1, then for i = 0..n-2
    sum_j u_j u_{i-j} - u_i.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"katsura-n needs an integer n >= 2, got {n!r}")
    n = int(n)
    ring = Ring.make(n, field=field, order=order)

    def var(i):  # exponent vector of u_i, or None when u_i = 0
        if abs(i) > n - 1:
            return None
        e = [0] * n
        e[abs(i)] = 1
        return e

    rng_ = range(-(n - 1), n)
    polys = [Polynomial.from_terms(ring, [(tuple(var(i)), 1) for i in rng_] + [((0,) * n, -1)])]
    for i in range(n - 1):
        terms = []
        for j in rng_:
            a, b = var(j), var(i - j)
            if a is not None and b is not None:
                terms.append((tuple(x + y for x, y in zip(a, b)), 1))
        terms.append((tuple(var(i)), -1))
        polys.append(Polynomial.from_terms(ring, terms))
    return FixedIdealSource(polys, ring, name=f"katsura-{n}")
