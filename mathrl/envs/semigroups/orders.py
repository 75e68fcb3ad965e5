"""Static cell orders for the cut policies (spec §3.1, §3.2).

Pure functions returning tuples of cells encoded as ``x * N + y``. They are
constants: callers that mask unavailable cells must work on a copy (tuples
cannot be mutated in place, which is the point, spec §3.1).
"""

from __future__ import annotations

from functools import lru_cache

BENCHMARK_THRESHOLD = 4


def spiral_rank(N: int) -> dict[tuple[int, int], int]:
    """The spiral rank s(x, y) of spec §3.1: (0,0), then for k = 1..N-1: (k,k), (k,0), (0,k), (k,1), (1,k), ..."""
    rank = {(0, 0): 0}
    s = 1
    for k in range(1, N):
        rank[(k, k)] = s
        s += 1
        for j in range(k):
            rank[(k, j)] = s
            rank[(j, k)] = s + 1
            s += 2
    return rank


@lru_cache(maxsize=None)
def benchmark_order(N: int, h: int = BENCHMARK_THRESHOLD) -> tuple[int, ...]:
    """Simpson's benchmark order pi (spec §3.1): key = s(x,y) if s <= h else N*x + y + h, sorted increasingly."""
    if N < 1:
        raise ValueError(f"N must be >= 1, got {N}")
    s = spiral_rank(N)
    keys = {}
    for x in range(N):
        for y in range(N):
            r = s[(x, y)]
            keys[(x, y)] = r if r <= h else N * x + y + h
    cells = sorted(keys, key=lambda c: keys[c])
    assert len(set(keys.values())) == N * N, "benchmark keys must be distinct"
    return tuple(x * N + y for x, y in cells)


@lru_cache(maxsize=None)
def paper_order(N: int) -> tuple[int, ...]:
    """The order written in [S] §10.2 (spec §3.2): (0,0), (1,1), (1,0), (0,1), then the rest row-major."""
    if N < 1:
        raise ValueError(f"N must be >= 1, got {N}")
    head = [(0, 0), (1, 1), (1, 0), (0, 1)] if N >= 2 else [(0, 0)]
    head_cells = [x * N + y for x, y in head]
    rest = [c for c in range(N * N) if c not in head_cells]
    return tuple(head_cells + rest)


@lru_cache(maxsize=None)
def lex_order(N: int) -> tuple[int, ...]:
    """Row-major order (spec §3.3)."""
    return tuple(range(N * N))
