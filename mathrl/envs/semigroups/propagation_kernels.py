"""Compiled (numba) propagation over bitmask domains, for the generic semigroup families.

Each cell's domain is one int64 with a bit per candidate value, so n <= 62.
The kernels apply the same associativity rules as the numpy path in
:mod:`.propagation` (which wraps them and converts domains to and from
bitmasks) until nothing changes; the rules for the left and right factors are
deliberate mirror images of each other. Without numba they stay plain Python
and :mod:`.propagation` uses numpy instead.
"""

from __future__ import annotations

import numpy as np

from mathrl.compiled import njit


@njit
def propagate_masks_one(D, L, R):  # pragma: no cover - compiled
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


@njit
def propagate_masks_batch(D):  # pragma: no cover - compiled
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
            ok[b] = propagate_masks_one(D[b], L, R)
        if not ok[b]:
            for x in range(n):
                for y in range(n):
                    D[b, x, y] = 0
    return ok
