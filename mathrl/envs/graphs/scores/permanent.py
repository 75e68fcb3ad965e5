"""Extremal problem (Brualdi-Cao, in Wagner's paper): the largest permanent of an
n x n 0-1 matrix avoiding the pattern 312 (OEIS A343844).

M contains 312 when rows r1 < r2 < r3 and columns c1 < c2 < c3 have
M[r1,c3] = M[r2,c1] = M[r3,c2] = 1. Score: per(M) - best_known(n).

Invalid objects (v > 0 occurrences of 312) get the constraint penalty
``min(per - best - w*v, -w*v)``, in *both* modes (finite, never above 0).
In mask mode (default) ``constraint`` forbids every 1 that would complete an
occurrence while the word fills the matrix row by row; in penalty mode it is None.

Permanents are exact: the batched Ryser runs in int64 with wrap-around, which
is exact mod 2^64 and so exact whenever the true permanent is below 2^63
(always for n <= 20, since per <= n! < 2^63 there; the n^n-sized Ryser terms
may wrap, the sum does not care). Vectorised NumPy suits n <= 16; n = 25 needs
compiled code.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .base import ExtremalScore, ScoreError, Verification, to_numpy

# OEIS A343844: exact maxima for n = 1..8, then best known lower bounds.
BEST_KNOWN_312 = {1: 1, 2: 2, 3: 4, 4: 8, 5: 16, 6: 32, 7: 64, 8: 120, 9: 225, 10: 424, 11: 795, 12: 1484,
                  13: 2809, 16: 18488, 19: 122256, 20: 227264, 22: 794910, 25: 5200384}


def count_312(matrices) -> np.ndarray:
    """Occurrences of 312, O(n^2) per matrix, batched over leading axes (int64).

    Each occurrence is keyed by its middle row and middle column (r, c):
    sum over cells of Lft (ones left in row r) * Bel (ones below in column c)
    * UR (ones strictly above-right).
    """
    m = (np.asarray(matrices) != 0).astype(np.int64)
    left = np.cumsum(m, axis=-1) - m
    below = np.flip(np.cumsum(np.flip(m, axis=-2), axis=-2), axis=-2) - m
    above = np.cumsum(m, axis=-2) - m  # ones in the same column, earlier rows
    upper_right = np.flip(np.cumsum(np.flip(above, axis=-1), axis=-1), axis=-1) - above
    return (left * below * upper_right).sum(axis=(-2, -1))


def permanent_ryser(matrix) -> int:
    """Ryser's formula with Gray code in Python integers (exact, O(2^n n))."""
    m = [[int(x != 0) for x in row] for row in np.asarray(matrix)]
    n = len(m)
    row_sums = [0] * n
    total, subset = 0, 0
    for step in range(1, 1 << n):
        j = (step & -step).bit_length() - 1  # the column the Gray code flips
        subset ^= 1 << j
        sign = 1 if subset >> j & 1 else -1
        for i in range(n):
            row_sums[i] += sign * m[i][j]
        term = math.prod(row_sums)
        total += -term if bin(subset).count("1") % 2 else term
    return (-1) ** n * total


def permanent_batch(matrices, low_bits: int = 10) -> np.ndarray:
    """Ryser with Gray code, vectorised over B matrices, int64 (see module note on exactness).

    The first ``l`` columns' 2^l subsets are done at once (one matmul); the other
    columns are walked in Gray-code order, adding or removing one column per step.
    """
    m = (to_numpy(matrices) != 0).astype(np.int64)
    b, n, _ = m.shape
    low = min(n, low_bits)
    subsets = (np.arange(1 << low)[:, None] >> np.arange(low)) & 1  # (2^l, l)
    low_sign = 1 - 2 * (subsets.sum(axis=1) % 2)
    out = np.zeros(b, dtype=np.int64)
    chunk = max(1, (1 << 21) // (n << low))  # bounds the (chunk, n, 2^l) temporaries
    for start in range(0, b, chunk):
        part = m[start:start + chunk]
        low_sums = np.rint(part[:, :, :low].astype(np.float64) @ subsets.T).astype(np.int64)
        base = np.zeros(part.shape[:2], dtype=np.int64)
        total = np.zeros(len(part), dtype=np.int64)
        high_subset = 0
        for step in range(1 << (n - low)):
            if step:
                j = (step & -step).bit_length() - 1
                high_subset ^= 1 << j
                base += part[:, :, low + j] if high_subset >> j & 1 else -part[:, :, low + j]
            terms = np.prod(base[:, :, None] + low_sums, axis=1)  # (chunk, 2^l), wraps mod 2^64
            high_sign = -1 if bin(high_subset).count("1") % 2 else 1
            total += high_sign * (terms * low_sign).sum(axis=1)
        out[start:start + chunk] = total
    return out if n % 2 == 0 else -out


def permanent_expansion(matrix) -> int:
    """Exact permanent by row-by-row expansion over sets of used columns (Python ints).

    Independent of Ryser: counts the ways to place rows 0..r-1 on each column set.
    """
    ways = {0: 1}
    for row in np.asarray(matrix):
        columns = [c for c, x in enumerate(row) if x]
        nxt: dict[int, int] = {}
        for used, count in ways.items():
            for c in columns:
                if not used >> c & 1:
                    nxt[used | 1 << c] = nxt.get(used | 1 << c, 0) + count
        ways = nxt
    return sum(ways.values())


def find_312(matrix) -> tuple | None:
    """Brute force over triples of ones; returns one occurrence ((r1,c3), (r2,c1), (r3,c2)) or None."""
    ones = sorted((int(r), int(c)) for r, c in zip(*np.nonzero(np.asarray(matrix))))
    for top, mid, bottom in itertools.combinations(ones, 3):  # sorted, so rows are non-decreasing
        if top[0] < mid[0] < bottom[0] and mid[1] < bottom[1] < top[1]:
            return top, mid, bottom
    return None


class Pattern312Constraint:
    """Mask mode for row-major filling. A 1 at (r, c) can only be the bottom cell
    of an occurrence, which exists iff some earlier row r2 has a 1 left of c while a
    row above r2 has a 1 right of c. Those columns are fixed once row r starts, so
    the state keeps them as ``forbidden`` and refreshes it at the end of each row.
    Positions must be committed in order 0..n*n-1 (as rollouts and envs do)."""

    def __init__(self, n: int):
        self.n = n

    def init(self, batch: int) -> dict:
        n = self.n
        return {"row": np.zeros((batch, n), dtype=bool),  # the row being filled
                "max_col": np.full(batch, -1, dtype=np.int64),  # rightmost 1 in finished rows
                "forbidden": np.zeros((batch, n), dtype=bool)}  # columns barred for the current row

    def allowed_one(self, state: dict, k: int) -> np.ndarray:
        return ~state["forbidden"][:, k % self.n]

    def commit(self, state: dict, k: int, bits: np.ndarray) -> None:
        n, c = self.n, k % self.n
        state["row"][:, c] = np.asarray(bits, dtype=bool)
        if c < n - 1:
            return
        row, columns = state["row"], np.arange(n)
        has_one = row.any(axis=1)
        first = np.where(has_one, row.argmax(axis=1), n)
        last = np.where(has_one, n - 1 - row[:, ::-1].argmax(axis=1), -1)
        state["forbidden"] |= (columns > first[:, None]) & (columns < state["max_col"][:, None])
        state["max_col"] = np.maximum(state["max_col"], last)
        row[:] = False


class Permanent312(ExtremalScore):
    name = "permanent-312"
    summary = "permanent of a 312-avoiding 0-1 matrix minus the best known (A343844)"
    object_kind = "matrix"
    default_n = 8

    def tabulated_best(self, n: int) -> float:
        if n not in BEST_KNOWN_312:
            raise ScoreError(f"{self.name}: no tabulated best known value for n={n}; pass best_known "
                             f"(tabulated n: {sorted(BEST_KNOWN_312)})")
        return BEST_KNOWN_312[n]

    def make_constraint(self) -> "Pattern312Constraint":
        return Pattern312Constraint(self.n)

    def violations(self, objs) -> np.ndarray:
        return count_312(to_numpy(objs))

    def is_valid(self, matrix) -> bool:
        matrix = np.asarray(matrix)
        return matrix.shape == (self.n, self.n) and bool(count_312(matrix) == 0)

    def score(self, matrix) -> float:
        matrix = np.asarray(matrix)
        if matrix.shape != (self.n, self.n):
            return self.invalid_score
        return float(self.penalised(permanent_ryser(matrix), count_312(matrix)))

    def score_batch(self, objs) -> np.ndarray:
        m = to_numpy(objs)
        return self.penalised(permanent_batch(m), count_312(m)).astype(np.float64)

    def verify(self, matrix) -> Verification:
        """Python-integer permanent by expansion (not Ryser) and 312-freeness by brute force."""
        matrix = np.asarray(matrix)
        if matrix.shape != (self.n, self.n) or not np.isin(matrix, (0, 1)).all():
            return Verification(False, False, "invalid", "shape check", {"shape": list(matrix.shape)})
        permanent = permanent_expansion(matrix)
        occurrence = find_312(matrix)
        best = self.best_known
        value = permanent - (int(best) if float(best).is_integer() else best)
        details = {"permanent": permanent, "best_known": best, "ones": int(matrix.sum()),
                   "occurrence_312": None if occurrence is None else [list(cell) for cell in occurrence]}
        valid = occurrence is None
        return Verification(valid, bool(valid and value > 0), str(value),
                            "exact column-set expansion + brute-force 312 search", details)

