"""Static cell orders for the cut policies: Simpson's benchmark order, his paper's order, row-major.

Pure functions returning tuples of cells encoded as ``x * N + y``. They are
cached constants shared by every policy and proof, so they are tuples: a caller
that masked unavailable cells in place would otherwise corrupt the order for
every later proof; callers that need a mask work on a copy.
"""

from __future__ import annotations

from functools import lru_cache

BENCHMARK_THRESHOLD = 4


def spiral_rank(N: int) -> dict[tuple[int, int], int]:
    """The spiral rank s(x, y) behind the benchmark order: (0,0), then for k = 1..N-1: (k,k), (k,0), (0,k), (k,1), (1,k), ..."""
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
    """Simpson's benchmark order pi: key = s(x,y) if s <= h else N*x + y + h, sorted increasingly.

    The first h + 1 cells follow the spiral, the rest row-major; with h = 4 that is
    (0,0), (1,1), (1,0), (0,1), (2,2), then row-major, which reproduces Simpson's
    benchmark proof sizes (242 cut nodes on graded(3, 2), all 13 instances; tested).
    """
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
    """The order written out in Simpson 2021 (section 10.2): (0,0), (1,1), (1,0), (0,1), then the rest row-major."""
    if N < 1:
        raise ValueError(f"N must be >= 1, got {N}")
    head = [(0, 0), (1, 1), (1, 0), (0, 1)] if N >= 2 else [(0, 0)]
    head_cells = [x * N + y for x, y in head]
    rest = [c for c in range(N * N) if c not in head_cells]
    return tuple(head_cells + rest)


@lru_cache(maxsize=None)
def lex_order(N: int) -> tuple[int, ...]:
    """Row-major order."""
    return tuple(range(N * N))
