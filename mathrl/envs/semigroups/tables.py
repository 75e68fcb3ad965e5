"""Complete multiplication tables: associativity, a zero, the nilpotency degree.

These are the checks run on every done leaf of the generic families. Propagation
only removes candidates that no associative completion can use, so a complete
table it produces must be a semigroup (and, in the nilpotent family, have 0 as
a zero); a failure is a propagation bug, which is why :func:`check_table`
raises instead of returning a status.
"""

from __future__ import annotations

import numpy as np

from mathrl.envs.semigroups.problem import Node

__all__ = ["is_associative", "check_table", "nilpotency_degree", "table_of"]


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

    Run on every done leaf: a failure means propagation let a non-semigroup
    through, which is a bug, never a status.
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
