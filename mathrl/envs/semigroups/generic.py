"""The generic families of spec §2.1 (``all(n)``) and §2.2 (``nilpotent(n, degree)``).

A node holds one tensor, the cut tensor M (n, n, n) bool: M[x, y, v] iff v is still a
candidate for the product x·y. Propagation is the normative *triple support* rule set of
§2.1 (rules A, B and C) iterated to its greatest fixpoint. Two backends compute it:

* ``"numpy"``: batched float matrix products (a handful of n^5 contractions per sweep),
  vectorised over all siblings of a cut at once; this is the reference;
* ``"numba"``: a compiled sweep over bitmask domains (one int64 per cell), used by default
  when numba is importable and n <= 62.

Both give the same node: for a node that stays non-impossible the greatest fixpoint of the
rules does not depend on the schedule (§1.3), and a node with an empty cell is *normalised*
to the all-false tensor, so impossible nodes are identical too whatever the schedule.

Done leaves (all cells singletons) are checked to be associative, and for the nilpotent
family to have 0 as a zero; a failure is a propagation bug and raises ``RuntimeError``
(§1.4). The optional nilpotency degree is a leaf filter applied after that check.

Class counting (§2.1, §2.2): :func:`canonical_form`, :func:`automorphism_count`, the batched
:func:`canonical_codes`, and :func:`enumerate_semigroups`, which runs a depth-first proof
(:func:`iterate_done_leaves`) and counts labelled semigroups and classes up to isomorphism
and up to isomorphism or anti-isomorphism.
"""

from __future__ import annotations

import itertools
import math
import time
from functools import lru_cache

import numpy as np

from mathrl.envs.semigroups.problem import ACTIVE, DONE, IMPOSSIBLE, Node, Problem, make_node

try:  # numba is an optional accelerator
    import numba as _numba

    _HAVE_NUMBA = True
except ImportError:  # pragma: no cover - exercised only without numba
    _numba = None
    _HAVE_NUMBA = False

__all__ = [
    "AllSemigroups", "NilpotentSemigroups", "propagate_batch", "expand", "classify_batch",
    "is_associative", "check_table", "nilpotency_degree", "table_of", "canonical_form",
    "canonical_codes", "automorphism_count", "iterate_done_leaves", "enumerate_semigroups",
    "numba_available", "BACKENDS",
]

BACKENDS = ("auto", "numpy", "numba")
_MAX_NUMBA_N = 62


def numba_available() -> bool:
    """Whether the compiled propagation backend can run (numba importable)."""
    return _HAVE_NUMBA


def _resolve_backend(backend: str, n: int) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if backend == "auto":
        return "numba" if (_HAVE_NUMBA and n <= _MAX_NUMBA_N) else "numpy"
    if backend == "numba" and not (_HAVE_NUMBA and n <= _MAX_NUMBA_N):
        raise ValueError(f"backend='numba' needs numba installed and n <= {_MAX_NUMBA_N}")
    return backend


# ---------------------------------------------------------------------------------------------
# propagation: numpy reference (batched float contractions)
# ---------------------------------------------------------------------------------------------

def _sweep_numpy(X: np.ndarray) -> np.ndarray:
    """One Jacobi sweep of rules A, B, C on a batch X (B, n, n, n) bool; returns X minus removals.

    Every removal is justified by the rules evaluated on X itself, so the result is a subset
    of X that contains every fixpoint below X; X is a fixpoint iff the result equals X.
    """
    B, n = X.shape[0], X.shape[1]
    n2 = n * n
    Xf = X.astype(np.float32)
    # Lset[b,x,y,z,w] = exists u: X[x,y,u] & X[u,z,w]          -> layout [b,(x,y),(z,w)]
    L = (Xf.reshape(B, n2, n) @ Xf.reshape(B, n, n2)) > 0.5
    # Rset[b,x,y,z,w] = exists v: X[y,z,v] & X[x,v,w]          -> layout [b,(y,z),(x,w)]
    Ryz = (Xf.reshape(B, n2, n) @ Xf.transpose(0, 2, 1, 3).reshape(B, n, n2)) > 0.5
    R5 = Ryz.reshape(B, n, n, n, n).transpose(0, 3, 1, 2, 4)  # [b,x,y,z,w]
    L5 = L.reshape(B, n, n, n, n)  # [b,x,y,z,w]

    # rule A: keep u in D(x,y) iff for all z: D(u,z) meets Rset(x,y,z)
    Rz = np.ascontiguousarray(R5.transpose(0, 3, 1, 2, 4)).reshape(B, n, n2, n).astype(np.float32)  # [b,z,(x,y),w]
    Xzwu = Xf.transpose(0, 2, 3, 1)  # [b,z,w,u]
    keepA = ((Rz @ Xzwu) > 0.5).all(axis=1).reshape(B, n, n, n)  # [b,x,y,u]
    # rule B: keep v in D(y,z) iff for all x: D(x,v) meets Lset(x,y,z)
    Lx = L5.reshape(B, n, n2, n).astype(np.float32)  # [b,x,(y,z),w]
    Xxwv = Xf.transpose(0, 1, 3, 2)  # [b,x,w,v]
    keepB = ((Lx @ Xxwv) > 0.5).all(axis=1).reshape(B, n, n, n)  # [b,y,z,v]
    # rule C: singleton cells restrict the outer cells
    sing = (X & (X.sum(axis=3, keepdims=True) == 1)).astype(np.float32)  # [b,x,y,u]
    notR = (~R5).reshape(B, n2, n2).astype(np.float32)  # [b,(x,y),(z,w)]
    viol1 = sing.reshape(B, n2, n).transpose(0, 2, 1) @ notR  # [b,u,(z,w)]
    keepC1 = (viol1 < 0.5).reshape(B, n, n, n)  # [b,u,z,w]
    notL = np.ascontiguousarray((~L5).transpose(0, 2, 3, 1, 4)).reshape(B, n2, n2).astype(np.float32)  # [b,(y,z),(x,w)]
    viol2 = sing.reshape(B, n2, n).transpose(0, 2, 1) @ notL  # [b,v,(x,w)]
    keepC2 = (viol2 < 0.5).reshape(B, n, n, n).transpose(0, 2, 1, 3)  # [b,x,v,w]
    return X & keepA & keepB & keepC1 & keepC2


def _propagate_numpy(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    M = np.array(M, dtype=bool, copy=True)
    ok = ~(~M.any(axis=3)).any(axis=(1, 2))
    active = np.flatnonzero(ok)
    while active.size:
        X = M[active]
        Y = _sweep_numpy(X)
        empty = (~Y.any(axis=3)).any(axis=(1, 2))
        changed = (Y != X).any(axis=(1, 2, 3))
        M[active] = Y
        ok[active[empty]] = False
        active = active[changed & ~empty]
    M[~ok] = False
    return M, ok


# ---------------------------------------------------------------------------------------------
# propagation: numba (bitmask domains)
# ---------------------------------------------------------------------------------------------

def _njit(fn):
    if _HAVE_NUMBA:
        return _numba.njit(cache=True)(fn)
    return fn


@_njit
def _prop_one_masks(D, L, R):  # pragma: no cover - compiled
    """Greatest fixpoint of rules A, B, C on bitmask domains D (n, n) int64, in place.

    Returns False as soon as a cell is empty. L and R are (n, n, n) scratch arrays.
    """
    n = D.shape[0]
    while True:
        changed = False
        for x in range(n):
            for y in range(n):
                dxy = D[x, y]
                for z in range(n):
                    acc = 0
                    dyz = D[y, z]
                    for u in range(n):
                        if (dxy >> u) & 1:
                            acc |= D[u, z]
                    L[x, y, z] = acc
                    acc = 0
                    for v in range(n):
                        if (dyz >> v) & 1:
                            acc |= D[x, v]
                    R[x, y, z] = acc
        # rule A: delete u from D(x,y) if some z has D(u,z) & Rset(x,y,z) empty
        for x in range(n):
            for y in range(n):
                d = D[x, y]
                nd = d
                for u in range(n):
                    if (d >> u) & 1:
                        for z in range(n):
                            if (D[u, z] & R[x, y, z]) == 0:
                                nd &= ~(1 << u)
                                break
                if nd != d:
                    if nd == 0:
                        return False
                    D[x, y] = nd
                    changed = True
        # rule B: delete v from D(y,z) if some x has D(x,v) & Lset(x,y,z) empty
        for y in range(n):
            for z in range(n):
                d = D[y, z]
                nd = d
                for v in range(n):
                    if (d >> v) & 1:
                        for x in range(n):
                            if (D[x, v] & L[x, y, z]) == 0:
                                nd &= ~(1 << v)
                                break
                if nd != d:
                    if nd == 0:
                        return False
                    D[y, z] = nd
                    changed = True
        # rule C: singleton cells restrict the outer cells
        for x in range(n):
            for y in range(n):
                d = D[x, y]
                if d != 0 and (d & (d - 1)) == 0:
                    u = 0
                    while (d >> u) & 1 == 0:
                        u += 1
                    for z in range(n):
                        old = D[u, z]
                        nd = old & R[x, y, z]
                        if nd != old:
                            if nd == 0:
                                return False
                            D[u, z] = nd
                            changed = True
        for y in range(n):
            for z in range(n):
                d = D[y, z]
                if d != 0 and (d & (d - 1)) == 0:
                    v = 0
                    while (d >> v) & 1 == 0:
                        v += 1
                    for x in range(n):
                        old = D[x, v]
                        nd = old & L[x, y, z]
                        if nd != old:
                            if nd == 0:
                                return False
                            D[x, v] = nd
                            changed = True
        if not changed:
            return True


@_njit
def _prop_batch_masks(D):  # pragma: no cover - compiled
    B = D.shape[0]
    n = D.shape[1]
    ok = np.zeros(B, dtype=np.bool_)
    L = np.empty((n, n, n), dtype=np.int64)
    R = np.empty((n, n, n), dtype=np.int64)
    for b in range(B):
        empty = False
        for x in range(n):
            for y in range(n):
                if D[b, x, y] == 0:
                    empty = True
        if empty:
            ok[b] = False
        else:
            ok[b] = _prop_one_masks(D[b], L, R)
        if not ok[b]:
            for x in range(n):
                for y in range(n):
                    D[b, x, y] = 0
    return ok


@lru_cache(maxsize=None)
def _bits(n: int) -> np.ndarray:
    return (np.int64(1) << np.arange(n, dtype=np.int64)).astype(np.int64)


def _to_masks(M: np.ndarray) -> np.ndarray:
    n = M.shape[-1]
    return M.astype(np.int64) @ _bits(n)


def _from_masks(D: np.ndarray, n: int) -> np.ndarray:
    return ((D[..., None] >> np.arange(n, dtype=np.int64)) & 1).astype(bool)


def _propagate_numba(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = M.shape[-1]
    D = np.ascontiguousarray(_to_masks(M))
    ok = _prop_batch_masks(D)
    return _from_masks(D, n), ok


def propagate_batch(M: np.ndarray, backend: str = "auto") -> tuple[np.ndarray, np.ndarray]:
    """Propagate a batch of nodes M (B, n, n, n) bool to the greatest fixpoint of rules A, B, C.

    Returns ``(M', ok)``: the propagated tensors (a new array) and ok[b] = False iff some cell
    of node b became empty, in which case M'[b] is all false (normalised impossible node).
    """
    M = np.asarray(M, dtype=bool)
    if M.ndim != 4 or not (M.shape[1] == M.shape[2] == M.shape[3]):
        raise ValueError(f"expected a batch of shape (B, n, n, n), got {M.shape}")
    if M.shape[0] == 0:
        return M.copy(), np.zeros(0, dtype=bool)
    if _resolve_backend(backend, M.shape[1]) == "numba":
        return _propagate_numba(M)
    return _propagate_numpy(M)


# ---------------------------------------------------------------------------------------------
# tables: associativity, zero, degree
# ---------------------------------------------------------------------------------------------

def _assoc_batch(T: np.ndarray) -> np.ndarray:
    """bool (B,): whether each table T[b] (n, n) int is associative."""
    B, n = T.shape[0], T.shape[1]
    bi = np.arange(B)[:, None, None, None]
    x = np.arange(n)[None, :, None, None]
    y = np.arange(n)[None, None, :, None]
    z = np.arange(n)[None, None, None, :]
    xy = T[bi, x, y]  # (B,n,n,1)
    yz = T[bi, y, z]  # (B,1,n,n)
    left = T[bi, xy, z]
    right = T[bi, x, yz]
    return (left == right).all(axis=(1, 2, 3))


def is_associative(table) -> bool:
    T = np.asarray(table, dtype=np.int64)
    return bool(_assoc_batch(T[None])[0])


def _zero_ok(T: np.ndarray) -> np.ndarray:
    return (T[:, 0, :] == 0).all(axis=1) & (T[:, :, 0] == 0).all(axis=1)


def check_table(table, zero: bool = False) -> None:
    """Raise ``RuntimeError`` unless the complete table is a semigroup (and, with ``zero``, 0 is a zero).

    This is the §1.4 check run on every done leaf: a failure means propagation let a
    non-semigroup through, which is a bug, never a status.
    """
    T = np.asarray(table, dtype=np.int64)
    n = T.shape[0]
    if T.shape != (n, n) or (T < 0).any() or (T >= n).any():
        raise RuntimeError(f"done leaf is not a valid table of order {n}: {T.tolist()}")
    if not is_associative(T):
        raise RuntimeError(f"propagation bug: done leaf is not associative: {T.tolist()}")
    if zero and not bool(_zero_ok(T[None])[0]):
        raise RuntimeError(f"propagation bug: 0 is not a zero of the done leaf: {T.tolist()}")


def nilpotency_degree(table) -> int | None:
    """The least k with S^k = {0} (S^1 = S, S^{k+1} = S^k·S); None if S is not nilpotent with zero 0."""
    T = np.asarray(table, dtype=np.int64)
    n = T.shape[0]
    cur = np.ones(n, dtype=bool)
    zero_only = np.zeros(n, dtype=bool)
    zero_only[0] = True
    for k in range(1, n + 2):
        if (cur == zero_only).all():
            return k
        nxt = np.zeros(n, dtype=bool)
        nxt[np.unique(T[cur, :])] = True
        if (nxt == cur).all():
            return None
        cur = nxt
    return None  # pragma: no cover - the chain strictly decreases, so this is unreachable


def table_of(node) -> np.ndarray:
    """The (n, n) int table of a done node (every cell a singleton)."""
    M = node.cand if isinstance(node, Node) else np.asarray(node, dtype=bool)
    if not (M.sum(axis=2) == 1).all():
        raise ValueError("table_of needs a node whose cells are all singletons")
    return M.argmax(axis=2).astype(np.int64)


# ---------------------------------------------------------------------------------------------
# statuses
# ---------------------------------------------------------------------------------------------

def classify_batch(M: np.ndarray, ok: np.ndarray, zero: bool = False, degree: int | None = None) -> list[str]:
    """Statuses of propagated nodes (§1.4): impossible / done (after the check and the degree filter) / active."""
    B = M.shape[0]
    status = [IMPOSSIBLE] * B
    if B == 0:
        return status
    single = (M.sum(axis=3) == 1).all(axis=(1, 2)) & ok
    for b in np.flatnonzero(ok & ~single):
        status[b] = ACTIVE
    idx = np.flatnonzero(single)
    if idx.size:
        T = M[idx].argmax(axis=3)
        good = _assoc_batch(T)
        if zero:
            good &= _zero_ok(T)
        if not good.all():
            bad = idx[np.flatnonzero(~good)[0]]
            check_table(M[bad].argmax(axis=2), zero=zero)  # raises with a message
            raise RuntimeError("propagation bug: done leaf failed the semigroup check")  # pragma: no cover
        for j, b in enumerate(idx):
            if degree is not None and nilpotency_degree(T[j]) != degree:
                status[b] = IMPOSSIBLE
            else:
                status[b] = DONE
    return status


# ---------------------------------------------------------------------------------------------
# the two problem families
# ---------------------------------------------------------------------------------------------

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
    """``all(n)`` (§2.1): every cell starts with D = V; done leaves are the labelled semigroups."""

    def __init__(self, n: int, backend: str = "auto"):
        super().__init__(n, backend)
        self.name = f"all({self.n})"

    def _root_tensor(self) -> np.ndarray:
        return np.ones((self.n, self.n, self.n), dtype=bool)


class NilpotentSemigroups(_GenericProblem):
    """``nilpotent(n, degree=None)`` (§2.2) with the sound symmetry breaking of the zero and the labels.

    Row and column 0 are {0}; for x, y >= 1, D(x,y) = {0} ∪ {z : z > max(x,y)}. ``degree``
    is a leaf filter: a complete table whose nilpotency degree differs becomes impossible.
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


# ---------------------------------------------------------------------------------------------
# canonical forms and automorphisms
# ---------------------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _perms(n: int, fix_zero: bool) -> tuple[np.ndarray, np.ndarray]:
    """(perms, inverses), each (P, n) int64, identity first."""
    if fix_zero:
        ps = [(0,) + p for p in itertools.permutations(range(1, n))] if n >= 1 else [()]
    else:
        ps = list(itertools.permutations(range(n)))
    g = np.array(ps, dtype=np.int64).reshape(len(ps), n)
    inv = np.argsort(g, axis=1)
    g.setflags(write=False)
    inv.setflags(write=False)
    return g, inv


@lru_cache(maxsize=None)
def _chunks(n: int) -> tuple[int, np.ndarray]:
    """Digits per int64 chunk (base n) and the place values of one chunk, most significant first."""
    base = max(n, 2)
    k = 1
    while base ** (k + 1) < 2 ** 62:
        k += 1
    k = min(k, n * n) if n > 0 else 1
    pw = np.array([base ** (k - 1 - i) for i in range(k)], dtype=np.int64)
    return k, pw


def _encode(flat: np.ndarray, n: int) -> np.ndarray:
    """(..., n*n) digits -> (..., C) int64 codes whose lexicographic order is that of the digits."""
    k, pw = _chunks(n)
    L = flat.shape[-1]
    C = -(-L // k)
    pad = C * k - L
    if pad:
        # pad with zeros at the end: the same padding everywhere keeps the order exact
        flat = np.concatenate([flat, np.zeros(flat.shape[:-1] + (pad,), dtype=flat.dtype)], axis=-1)
    return (flat.reshape(flat.shape[:-1] + (C, k)).astype(np.int64) * pw).sum(axis=-1)


def _lexmin_rows(codes: np.ndarray) -> np.ndarray:
    """codes (B, P, C): for each b the lexicographically smallest row over P, shape (B, C)."""
    B, P, C = codes.shape
    alive = np.ones((B, P), dtype=bool)
    out = np.empty((B, C), dtype=np.int64)
    big = np.iinfo(np.int64).max
    for c in range(C):
        col = np.where(alive, codes[:, :, c], big)
        m = col.min(axis=1)
        out[:, c] = m
        alive &= codes[:, :, c] == m[:, None]
    return out


def _images(T: np.ndarray, g: np.ndarray, inv: np.ndarray) -> np.ndarray:
    """g(T) for every table and permutation: (B, P, n*n), g(T)[i, j] = g(T[g^-1 i, g^-1 j])."""
    B, n = T.shape[0], T.shape[1]
    P = g.shape[0]
    sub = T[:, inv[:, :, None], inv[:, None, :]]  # (B, P, n, n)
    out = g[np.arange(P)[None, :, None, None], sub]
    return out.reshape(B, P, n * n)


def canonical_codes(tables, group: str = "iso", fix_zero: bool = False, batch: int | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Batched canonical forms: ``(codes (B, C) int64, aut (B,) int64)``.

    codes[b] encodes the lexicographically smallest row-major flattening of g(T_b) over the
    group (S_n, or the permutations fixing 0 with ``fix_zero``; ``iso_anti`` also minimises
    over the transpose); equal codes <=> equal canonical forms. aut[b] is the number of group
    elements g (never transposes) with g(T_b) = T_b.
    """
    if group not in ("iso", "iso_anti"):
        raise ValueError(f"group must be 'iso' or 'iso_anti', got {group!r}")
    T = np.asarray(tables, dtype=np.int64)
    if T.ndim == 2:
        T = T[None]
    B, n = T.shape[0], T.shape[1]
    g, inv = _perms(n, fix_zero)
    P = g.shape[0]
    if batch is None:
        batch = max(1, 2_000_000 // max(1, P * n * n))
    k, _ = _chunks(n)
    C = -(-(n * n) // k)
    codes = np.empty((B, C), dtype=np.int64)
    aut = np.empty(B, dtype=np.int64)
    for s in range(0, B, batch):
        Tb = T[s:s + batch]
        img = _images(Tb, g, inv)
        aut[s:s + batch] = (img == Tb.reshape(len(Tb), 1, n * n)).all(axis=2).sum(axis=1)
        cod = _encode(img, n)
        if group == "iso_anti":
            cod = np.concatenate([cod, _encode(_images(Tb.transpose(0, 2, 1), g, inv), n)], axis=1)
        codes[s:s + batch] = _lexmin_rows(cod)
    return codes, aut


def canonical_form(table, group: str = "iso", fix_zero: bool = False) -> bytes:
    """Lexicographically smallest row-major flattening of g(T) over the group, as bytes (one per entry)."""
    if group not in ("iso", "iso_anti"):
        raise ValueError(f"group must be 'iso' or 'iso_anti', got {group!r}")
    T = np.asarray(table, dtype=np.int64)
    n = T.shape[0]
    g, inv = _perms(n, fix_zero)
    imgs = _images(T[None], g, inv)[0]
    if group == "iso_anti":
        imgs = np.concatenate([imgs, _images(T.T[None], g, inv)[0]], axis=0)
    order = np.lexsort(imgs.T[::-1])
    return imgs[order[0]].astype(np.uint8).tobytes()


def automorphism_count(table, fix_zero: bool = False) -> int:
    """|Aut(T)| inside S_n (or inside the permutations fixing 0 with ``fix_zero``)."""
    T = np.asarray(table, dtype=np.int64)
    n = T.shape[0]
    g, inv = _perms(n, fix_zero)
    return int((_images(T[None], g, inv)[0] == T.reshape(1, -1)).all(axis=1).sum())


# ---------------------------------------------------------------------------------------------
# depth-first enumeration of done leaves
# ---------------------------------------------------------------------------------------------

def _first_available(M: np.ndarray, order: np.ndarray) -> int:
    avail = (M.sum(axis=2) >= 2).reshape(-1)[order]
    return int(order[int(np.argmax(avail))])


def iterate_done_leaves(problem: Problem, order=None, stats: dict | None = None):
    """Yield the table (n, n) int of every done leaf of a depth-first proof of ``problem``.

    The cut policy is "first available cell in ``order``" (a permutation of the N*N cells;
    default row-major). For the generic families the search runs on raw tensors (no Node
    objects); any other :class:`Problem` is walked through its public interface. ``stats``,
    if given, receives ``nodes`` (passive nodes), ``done`` and ``impossible`` leaf counts.
    """
    N = problem.N
    order = np.arange(N * N) if order is None else np.asarray(order, dtype=np.int64)
    if sorted(order.tolist()) != list(range(N * N)):
        raise ValueError("order must be a permutation of the cells 0..N*N-1")
    st = stats if stats is not None else {}
    st.setdefault("nodes", 0)
    st.setdefault("done", 0)
    st.setdefault("impossible", 0)
    if isinstance(problem, _GenericProblem):
        root = problem.roots()[0]
        stack = [(root.cand, root.status)]
        while stack:
            M, s = stack.pop()
            if s == DONE:
                st["done"] += 1
                yield M.argmax(axis=2).astype(np.int64)
                continue
            if s == IMPOSSIBLE:
                st["impossible"] += 1
                continue
            st["nodes"] += 1
            x, y = divmod(_first_available(M, order), N)
            kids, kst = problem.expand(M, x, y)
            for i in range(len(kst) - 1, -1, -1):
                stack.append((kids[i], kst[i]))
        return
    stack = [(r, problem.status(r)) for r in reversed(problem.roots())]
    while stack:
        node, s = stack.pop()
        if s == DONE:
            st["done"] += 1
            yield table_of(node)
            continue
        if s == IMPOSSIBLE:
            st["impossible"] += 1
            continue
        st["nodes"] += 1
        avail = problem.available(node)[order]
        cell = int(order[int(np.argmax(avail))])
        kids = problem.children(node, cell)
        stack.extend(reversed(kids))


def enumerate_semigroups(n: int, nilpotent: bool = False, degree: int | None = None, progress: bool = False,
                         order=None, backend: str = "auto") -> dict:
    """Enumerate the done leaves of ``all(n)`` or ``nilpotent(n, degree)`` and count classes.

    Returns ``{"labeled", "iso", "iso_anti", "done_leaves", "nodes", "seconds"}``:

    * ``labeled``: for ``all(n)`` the number of done leaves (= labelled semigroups); for the
      nilpotent family Σ n!/|Aut(T)| over isomorphism classes, Aut taken inside S_n, i.e. the
      number of labelled semigroups with the zero anywhere;
    * ``iso`` / ``iso_anti``: number of classes up to isomorphism / isomorphism or anti-isomorphism
      (permutations fixing 0 for the nilpotent family);
    * ``nodes``: passive nodes of the depth-first proof (first available cell in ``order``).
    """
    t0 = time.perf_counter()
    if degree is not None and not nilpotent:
        raise ValueError("degree is only meaningful for the nilpotent family")
    problem = NilpotentSemigroups(n, degree, backend=backend) if nilpotent else AllSemigroups(n, backend=backend)
    stats: dict = {}
    tables = []
    last = time.perf_counter()
    for T in iterate_done_leaves(problem, order=order, stats=stats):
        tables.append(T)
        if progress and time.perf_counter() - last > 5.0:
            last = time.perf_counter()
            print(f"[{problem.name}] {stats['done']} done, {stats['nodes']} passive, "
                  f"{last - t0:.1f}s", flush=True)
    n = problem.n
    T = np.stack(tables) if tables else np.zeros((0, n, n), dtype=np.int64)
    fz = bool(nilpotent)
    if len(T):
        iso_codes, _ = canonical_codes(T, "iso", fix_zero=fz)
        uniq, first = np.unique(iso_codes, axis=0, return_index=True)
        n_iso = len(uniq)
        anti_codes, _ = canonical_codes(T[first], "iso_anti", fix_zero=fz)
        n_anti = len(np.unique(anti_codes, axis=0))
        if nilpotent:
            _, aut = canonical_codes(T[first], "iso", fix_zero=False)  # Aut inside S_n
            labeled = int(sum(math.factorial(n) // int(a) for a in aut))
        else:
            labeled = len(T)
    else:
        n_iso = n_anti = labeled = 0
    return {"labeled": labeled, "iso": int(n_iso), "iso_anti": int(n_anti), "done_leaves": int(stats["done"]),
            "nodes": int(stats["nodes"]), "seconds": time.perf_counter() - t0}
