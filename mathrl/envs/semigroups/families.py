"""The generic problem families ``all(n)`` and ``nilpotent(n, degree)`` behind the :class:`Problem` interface.

A node holds one tensor, the cut tensor M (n, n, n) bool: M[x, y, v] iff v is
still a candidate for the product x·y. Children of a cut are propagated in one
batch (:mod:`~mathrl.envs.semigroups.propagation`) and classified, done leaves
being checked to be semigroups (:mod:`~mathrl.envs.semigroups.tables`).
"""

from __future__ import annotations

import numpy as np

from mathrl.envs.semigroups.problem import Node, Problem, make_node
from mathrl.envs.semigroups.propagation import _resolve_backend, classify_batch, propagate_batch

__all__ = ["AllSemigroups", "NilpotentSemigroups", "expand"]


def _check_int(name: str, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    return int(value)


class _GenericProblem(Problem):
    """Shared machinery: one root, cut tensor M (n, n, n), triple-support propagation."""

    _zero = False
    degree: int | None = None

    def __init__(self, n: int, backend: str = "auto"):
        self.n = _check_int("n", n, 1)
        self.N = self.K = self.n
        self.backend = _resolve_backend(backend, self.n)
        self._root_cache: Node | None = None

    # -- construction ----------------------------------------------------------------------
    def _root_tensor(self) -> np.ndarray:
        raise NotImplementedError

    def propagate(self, M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Batch entry point: propagate (B, n, n, n) candidate tensors; see :func:`propagate_batch`."""
        return propagate_batch(M, self.backend)

    def classify(self, M: np.ndarray, ok: np.ndarray) -> list[str]:
        return classify_batch(M, ok, zero=self._zero, degree=self.degree)

    def expand(self, M: np.ndarray, x: int, y: int) -> tuple[np.ndarray, list[str]]:
        """Children tensors and statuses of a cut of M (n, n, n) at cell (x, y), values increasing."""
        return expand(M, x, y, self)

    def roots(self) -> list[Node]:
        if self._root_cache is None:
            M, ok = self.propagate(self._root_tensor()[None])
            st = self.classify(M, ok)
            self._root_cache = make_node((M[0],), st[0], 0, 0)
        return [self._root_cache]

    def _children(self, node: Node, x: int, y: int) -> list[Node]:
        kids, st = self.expand(node.cand, x, y)
        return [make_node((kids[i],), st[i], node.root, node.depth + 1) for i in range(len(st))]

    def observe(self, node: Node) -> dict:
        return {"cand": node.cand.astype(np.int8)}


def expand(M: np.ndarray, x: int, y: int, problem: _GenericProblem) -> tuple[np.ndarray, list[str]]:
    """Cut M at (x, y): one child per candidate value (increasing), all siblings propagated in one batch."""
    vals = np.flatnonzero(M[x, y])
    kids = np.repeat(np.asarray(M, dtype=bool)[None], len(vals), axis=0)
    kids[:, x, y, :] = False
    kids[np.arange(len(vals)), x, y, vals] = True
    P, ok = problem.propagate(kids)
    return P, problem.classify(P, ok)


class AllSemigroups(_GenericProblem):
    """``all(n)``: every cell starts with all n values; the done leaves are the labelled semigroups.

    Their number is OEIS A023814 (1, 8, 113, 3492, 183732 for n = 1..5; tested).
    """

    def __init__(self, n: int, backend: str = "auto"):
        super().__init__(n, backend)
        self.name = f"all({self.n})"

    def _root_tensor(self) -> np.ndarray:
        return np.ones((self.n, self.n, self.n), dtype=bool)


class NilpotentSemigroups(_GenericProblem):
    """``nilpotent(n, degree=None)``: nilpotent semigroups with the zero labelled 0 and the labels ordered.

    Row and column 0 are {0}; for x, y >= 1, D(x,y) = {0} ∪ {z : z > max(x,y)}.
    This symmetry breaking is sound: label the zero 0 and the other elements
    layer by layer along S ⊃ S² ⊃ ... ⊃ {0}; as x ∈ S^a and y ∈ S^b give
    xy ∈ S^(a+b), a nonzero product lies in a deeper layer than both factors,
    hence gets a larger label, so every class keeps a representative. ``degree`` is a leaf filter: a
    complete table whose nilpotency degree differs becomes impossible (for
    degree 3 the classes are OEIS A383885 up to isomorphism, A383886 up to
    isomorphism or anti-isomorphism; tested for n <= 5).
    """

    _zero = True

    def __init__(self, n: int, degree: int | None = None, backend: str = "auto"):
        super().__init__(n, backend)
        self.degree = None if degree is None else _check_int("degree", degree, 1)
        self.name = f"nilpotent({self.n})" if self.degree is None else f"nilpotent({self.n}, degree={self.degree})"

    def _root_tensor(self) -> np.ndarray:
        n = self.n
        M = np.zeros((n, n, n), dtype=bool)
        M[:, :, 0] = True
        for x in range(1, n):
            for y in range(1, n):
                M[x, y, max(x, y) + 1:] = True
        return M
