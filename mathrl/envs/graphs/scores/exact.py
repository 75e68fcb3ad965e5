"""Exact arithmetic for verifying spectral and invariant scores.

A float computation may put a true equality case a rounding error above 0 and
"certify" a false counterexample. These helpers decide signs exactly instead:
integer characteristic polynomials, Sturm root counting against rational
thresholds, rational root isolation, and mpmath interval arithmetic in a
private context (so the shared ``mpmath.iv`` precision is never touched).
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import networkx as nx
import sympy
from mpmath.ctx_iv import MPIntervalContext
from mpmath.libmp import to_rational

_X = sympy.Symbol("x")


def integer_charpoly(rows: list[list[int]]) -> sympy.Poly:
    """Exact characteristic polynomial det(xI - M) of an integer matrix (Berkowitz, in sympy)."""
    return sympy.Poly(sympy.Matrix(rows).charpoly(_X).as_expr(), _X)


def root_vs_threshold(poly: sympy.Poly, k: int, threshold) -> int:
    """sign(r_k - threshold), exactly; r_k is the k-th smallest *distinct* real root (k < 0 counts
    from the top) and ``threshold`` a rational. Sturm counting (``count_roots`` counts distinct roots
    in a closed interval), so no floating point is involved."""
    t = as_rational(threshold)
    total = poly.count_roots()
    if k < 0:
        k += total
    if not 0 <= k < total:
        raise ValueError(f"root index {k} out of range for {total} distinct real roots")
    is_root = poly.eval(t) == 0
    below = poly.count_roots(None, t) - int(is_root)  # distinct roots < t
    if k < below:
        return -1
    return 0 if (is_root and k == below) else 1


def isolate_root(poly: sympy.Poly, k: int, eps) -> tuple[sympy.Rational, sympy.Rational]:
    """Rational interval [lo, hi] of width <= eps holding the k-th smallest distinct real root.

    Isolation and refinement run on the square-free part (same distinct roots): refining a
    multiple root of the full polynomial is not supported by sympy."""
    squarefree = poly.sqf_part()
    intervals = [interval for interval, _ in squarefree.intervals()]
    lo, hi = intervals[k]
    if lo != hi:
        lo, hi = squarefree.refine_root(lo, hi, eps=sympy.Rational(eps))
    return sympy.Rational(lo), sympy.Rational(hi)


def as_rational(value) -> sympy.Rational:
    """int, Fraction or sympy Rational -> sympy Rational, exactly."""
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    return sympy.Rational(value)


def mp_rational(value) -> mpmath.mpf:
    """A rational as an mpf at the current mpmath precision (for reporting, not for decisions)."""
    value = as_rational(value)
    return mpmath.mpf(int(value.p)) / int(value.q)


def interval_context(dps: int) -> MPIntervalContext:
    """A private mpmath interval-arithmetic context (rigorous outward rounding) at ``dps`` digits,
    so the shared ``mpmath.iv`` precision is never touched."""
    context = MPIntervalContext()
    context.dps = dps
    return context


def interval_fractions(x) -> tuple[Fraction, Fraction]:
    """The exact endpoints of an mpmath interval as Fractions (its endpoints are binary floats)."""
    low, high = x._mpi_
    return Fraction(*to_rational(low)), Fraction(*to_rational(high))


def plain_adjacency(graph: nx.Graph, n: int) -> list[list[int]]:
    return [[1 if graph.has_edge(u, v) else 0 for v in range(n)] for u in range(n)]
