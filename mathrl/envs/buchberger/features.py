"""The feature rows a policy sees: one row of exponents per S-pair.

Peifer, Stillman and Halpern-Leistner (2020, "Learning selection strategies in
Buchberger's algorithm", ICML) feed their pair-scoring network, for each pair
(i, j) in the queue, the exponent vectors of the lead and tail terms of g_i and
g_j. Generalised to k terms per element: the row is ``[v(g_i) | v(g_j)]``,
where v(g) is the exponents of g's first k terms (in the ring's order),
zero-filled to n*k; 2nk int32 values per row, one row per pair, in queue
order. With k = 2 on binomial ideals that is exactly their encoding.

Why here and not in the state: which numbers a learner sees is a choice about
learning, not part of Buchberger's algorithm, and one definition must serve
both backends. Each backend only exports exponents, as fast as it can
(``term_exponents(k)`` per basis element, ``write_pair_exponents(out, k)`` per
pair: a compiled kernel on the binomial backend); this module checks the
arguments, allocates, and fixes the layout.
"""

from __future__ import annotations

import numpy as np

__all__ = ["row_width", "check_buffer", "element_features", "pair_features", "write_features"]


def row_width(n: int, k: int) -> int:
    """Values per pair row: k exponent vectors of n entries, for each of the two elements."""
    return 2 * n * k


def _check_k(k) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be an integer >= 1, got {k!r}")
    return int(k)


def check_buffer(out: np.ndarray, n: int, k: int) -> int:
    """``k`` as an int; ``ValueError`` unless ``out`` is a 2-D buffer of pair rows for n variables and k terms.

    Called on every env step, hence the plain-int fast path.
    """
    if type(k) is not int or k < 1:
        k = _check_k(k)
    if out.ndim != 2 or out.shape[1] != 2 * n * k:
        raise ValueError(f"out must have shape (rows, {row_width(n, k)}) for k = {k}, got {out.shape}")
    return k


def element_features(state, k: int = 2) -> list[tuple[int, ...]]:
    """Per basis element, the exponents of its first k terms, zero-filled (tuples of length n*k)."""
    return [tuple(row) for row in state.term_exponents(_check_k(k)).tolist()]


def pair_features(state, k: int = 2) -> np.ndarray:
    """int32 (|P|, 2nk): the row for pair (i, j) is [v(g_i) | v(g_j)]."""
    k = _check_k(k)
    out = np.empty((state.num_pairs, row_width(state.ring.n, k)), np.int32)
    state.write_pair_exponents(out, k)
    return out


def write_features(state, out: np.ndarray, k: int = 2) -> int:
    """Fill rows [0, min(|P|, len(out))) of ``out`` (int32, C-contiguous) with the pair rows, zero every
    later row, and return |P| (which may exceed ``len(out)``): the padded observation without allocating."""
    return state.write_pair_exponents(out, check_buffer(out, state.ring.n, k))
