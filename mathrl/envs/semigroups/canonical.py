"""Canonical forms and automorphism counts of multiplication tables, for counting classes.

A permutation g of the elements acts on a table T by g(T)[g(x), g(y)] =
g(T[x, y]); two tables are isomorphic iff one is the image of the other, and
anti-isomorphic iff one is the image of the other's transpose. The canonical
form of T is the lexicographically smallest row-major flattening of its images
over the group (S_n, or the permutations fixing 0 when the zero is labelled 0,
as in the nilpotent family), so equal canonical forms <=> same class.
Listing all n! images is affordable at the small orders whose tables can be
enumerated at all (n <= 6 here).

:func:`canonical_codes` is the batched workhorse: it packs each flattening
into a few int64 words whose lexicographic order is the table's, so a whole
batch of tables is canonicalised with array operations.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np

__all__ = ["canonical_form", "canonical_codes", "automorphism_count"]


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
