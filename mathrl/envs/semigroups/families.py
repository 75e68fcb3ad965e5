"""The generic problem families ``all(n)`` and ``nilpotent(n, degree)`` behind the :class:`Problem` interface.

A node holds one tensor, the cut tensor M (n, n, n) bool: M[x, y, v] iff v is
still a candidate for the product x·y. Children of a cut are propagated in one
batch (:mod:`~mathrl.envs.semigroups.propagation`) and classified, done leaves
being checked to be semigroups (:mod:`~mathrl.envs.semigroups.tables`).

What is in reach: a whole proof or enumeration of ``all(n)`` visits every
labelled semigroup of order n, so its size is known in advance (OEIS
A023814); :data:`IN_REACH` tabulates the largest orders that finish in
seconds, measured, and :func:`check_in_reach` refuses larger ones unless
forced (``mathrl enumerate --force``, ``mathrl bench semigroups --force``).
A step-limited episode of the env is not a whole proof and is never refused.
A problem's ``on_cut`` callback, when set, is called once per cut (progress bars).
"""

from __future__ import annotations

import numpy as np

from mathrl.envs.semigroups.problem import Node, Problem, make_node
from mathrl.envs.semigroups.propagation import _resolve_backend, classify_batch, propagate_batch

__all__ = ["AllSemigroups", "NilpotentSemigroups", "expand", "IN_REACH", "WALK_NODES", "check_in_reach"]

# Whole proofs / enumerations, measured on a 2-core x86 machine (numba backend):
#   all(4)        3,492 done leaves      0.2 s
#   all(5)      183,732 done leaves     10.5 s proof, 12.6 s enumeration (0.3 GiB)
#   all(6)   17,061,118 done leaves     ~13 min proof at ~22,000 leaves/s; the enumeration also keeps
#                                       every table (~10 GiB)
#   nilpotent(5)    612 done leaves      0.04 s
#   nilpotent(6) 89,251 done leaves      5.4 s proof, 14.3 s enumeration (any degree filter)
#   nilpotent(7)  the leaves grew x34 from order 4 to 5 and x146 from 5 to 6: at least ~13 million
#                 more, at ~15,700 leaves/s upwards of 15 minutes, likely hours
IN_REACH = {"all": 5, "nilpotent": 6}
# Labelled semigroups of order n (OEIS A023814) = done leaves of all(n).
ALL_LEAVES = {1: 1, 2: 8, 3: 113, 4: 3_492, 5: 183_732, 6: 17_061_118, 7: 7_743_056_064}
LEAVES_PER_SECOND = {"all": 22_000, "nilpotent": 15_700}  # measured on the sizes just out of reach
# Cuts of the enumeration's depth-first walk (row-major first available cell), for progress bars.
WALK_NODES = {("all", 1): 0, ("all", 2): 7, ("all", 3): 91, ("all", 4): 2_841, ("all", 5): 157_338,
              ("nilpotent", 1): 0, ("nilpotent", 2): 0, ("nilpotent", 3): 1, ("nilpotent", 4): 16,
              ("nilpotent", 5): 569, ("nilpotent", 6): 79_083}


def check_in_reach(family: str, n: int, force: bool = False, how: str = "force=True") -> None:
    """ValueError when a whole proof or enumeration of ``family(n)`` is known to be out of reach (see
    :data:`IN_REACH`) and ``force`` is false; ``how`` names the override in the message."""
    limit = IN_REACH.get(family)
    if limit is None or n <= limit or force:
        return
    if family == "all":
        leaves = ALL_LEAVES.get(n)
        size = (f"it has {leaves:,} labelled semigroups (OEIS A023814), about "
                f"{_duration(leaves / LEAVES_PER_SECOND['all'])} at ~{LEAVES_PER_SECOND['all']:,} per second"
                if leaves else f"it has more than {ALL_LEAVES[7]:,} labelled semigroups (OEIS A023814)")
    else:
        size = ("nilpotent(6) has 89,251 done leaves, 146 times nilpotent(5)'s; the same growth gives at least "
                f"13 million for nilpotent(7), upwards of 15 minutes at ~{LEAVES_PER_SECOND['nilpotent']:,} per "
                "second (likely hours)" if n == 7 else "it is far larger than nilpotent(7), likely hours already")
    raise ValueError(f"{family}({n}) is out of reach for a whole proof or enumeration: {size}; orders up to "
                     f"{limit} finish in seconds. Pass {how} to run it anyway")


def _duration(seconds: float) -> str:
    for unit, size in (("years", 365 * 86400), ("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= size:
            return f"{seconds / size:,.0f} {unit}"
    return f"{seconds:.0f} seconds"


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
    family = ""
    on_cut = None  # optional callable, called once per cut (progress)

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
        out = expand(M, x, y, self)
        if self.on_cut is not None:
            self.on_cut()
        return out

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

    family = "all"

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
    family = "nilpotent"

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
