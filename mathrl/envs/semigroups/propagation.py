"""Propagation for the generic families: the triple-support rules A, B, C to their greatest fixpoint.

A node is a cut tensor M (B, n, n, n) bool, M[x, y, v] iff v is still a
candidate D(x, y) for the product x·y. Associativity (xy)z = x(yz) gives, for
each triple (x, y, z), the sets Lset(x, y, z) = U_{u in D(x,y)} D(u, z) (the
possible values of (xy)z) and Rset(x, y, z) = U_{v in D(y,z)} D(x, v) (those of
x(yz)), which must meet. The rules remove a candidate that no such meeting supports:

* A: u stays in D(x, y) iff for every z, D(u, z) meets Rset(x, y, z);
* B: v stays in D(y, z) iff for every x, D(x, v) meets Lset(x, y, z);
* C: if D(x, y) = {u}, then D(u, z) shrinks to its meet with Rset(x, y, z);
  if D(y, z) = {v}, then D(x, v) shrinks to its meet with Lset(x, y, z).

Every rule only removes candidates and is monotone (smaller domains never
bring a removed value back), so iterating them reaches the greatest fixpoint
below the start, whatever the order of the sweeps; a node with an empty cell is
*normalised* to the all-false tensor, so impossible nodes are identical too.
That is why the two backends give bit-identical nodes:

* ``"numpy"``: batched float matrix products (a handful of n^5 contractions per
  sweep), vectorised over all siblings of a cut at once; this is the reference;
* ``"numba"``: a compiled sweep over bitmask domains (one int64 per cell), used
  by default when numba is importable and n <= 62.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from mathrl.compiled import numba_available
from mathrl.envs.semigroups.propagation_kernels import propagate_masks_batch
from mathrl.envs.semigroups.problem import ACTIVE, DONE, IMPOSSIBLE
from mathrl.envs.semigroups.tables import _assoc_batch, _zero_ok, check_table, nilpotency_degree

__all__ = ["BACKENDS", "numba_available", "propagate_batch", "classify_batch"]

BACKENDS = ("auto", "numpy", "numba")
_MAX_NUMBA_N = 62  # bitmask domains: one bit per value in an int64


def _resolve_backend(backend: str, n: int) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    have = numba_available() and n <= _MAX_NUMBA_N
    if backend == "auto":
        return "numba" if have else "numpy"
    if backend == "numba" and not have:
        raise ValueError(f"backend='numba' needs numba installed and n <= {_MAX_NUMBA_N}")
    return backend


# ---------------------------------------------------------------------------------------------
# numpy reference (batched float contractions)
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
# numba (bitmask domains)
# ---------------------------------------------------------------------------------------------

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
    ok = propagate_masks_batch(D)
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
# statuses
# ---------------------------------------------------------------------------------------------

def classify_batch(M: np.ndarray, ok: np.ndarray, zero: bool = False, degree: int | None = None) -> list[str]:
    """Statuses of propagated nodes: impossible (ok False), done (every cell a singleton), else active.

    Done tables go through the semigroup check of :func:`~.tables.check_table`
    (a failure raises); ``degree`` then turns a done table whose nilpotency
    degree differs into an impossible leaf.
    """
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
