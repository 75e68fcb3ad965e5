"""Compiled (numba) kernels of the graded problem: the propagation fixpoint and the leaf classification.

Kept apart from :mod:`.graded`, which wraps them, so the Python API reads
without the element-by-element loops that only exist to be compiled. The
kernels compute exactly what the numpy path in :mod:`.graded` computes (the
same sweeps T, LR, M, in the same order); tests compare the two backends.
Without numba they stay plain Python and :mod:`.graded` uses numpy instead.
"""

from __future__ import annotations

import numpy as np

from mathrl.compiled import njit


@njit(nogil=True)
def propagate_kernel(m, l, r, t):  # pragma: no cover - compiled
    B, a, _, P = m.shape
    fixed = np.empty((a, a), dtype=np.int64)
    for k in range(B):
        while True:
            changed = False
            # Rule T
            for x in range(a):
                for y in range(a):
                    for z in range(a):
                        for i in range(2):
                            if t[k, x, y, z, i]:
                                okl = False
                                for p in range(P):
                                    if m[k, y, z, p] and l[k, x, p, i]:
                                        okl = True
                                        break
                                okr = False
                                if okl:
                                    for p in range(P):
                                        if m[k, x, y, p] and r[k, p, z, i]:
                                            okr = True
                                            break
                                if not okr:
                                    t[k, x, y, z, i] = False
                                    changed = True
            # Rule LR: fixed[y,z] = p if D(y,z) = {p}; -2 if D(y,z) is empty (contained in every {p}); -1 else
            for y in range(a):
                for z in range(a):
                    c = 0
                    q = -1
                    for p in range(P):
                        if m[k, y, z, p]:
                            c += 1
                            q = p
                    fixed[y, z] = q if c == 1 else (-2 if c == 0 else -1)
            for y in range(a):
                for z in range(a):
                    f = fixed[y, z]
                    if f == -1:
                        continue
                    for x in range(a):
                        for i in range(2):
                            if not t[k, x, y, z, i]:
                                # left map: cell (y,z) fixed to f
                                if f >= 0:
                                    if l[k, x, f, i]:
                                        l[k, x, f, i] = False
                                        changed = True
                                else:
                                    for p in range(P):
                                        if l[k, x, p, i]:
                                            l[k, x, p, i] = False
                                            changed = True
            for x in range(a):
                for y in range(a):
                    f = fixed[x, y]
                    if f == -1:
                        continue
                    for z in range(a):
                        for i in range(2):
                            if not t[k, x, y, z, i]:
                                if f >= 0:
                                    if r[k, f, z, i]:
                                        r[k, f, z, i] = False
                                        changed = True
                                else:
                                    for p in range(P):
                                        if r[k, p, z, i]:
                                            r[k, p, z, i] = False
                                            changed = True
            # Rule M (both kills read l, r, t only)
            for y in range(a):
                for z in range(a):
                    for p in range(P):
                        if m[k, y, z, p]:
                            kill = False
                            for x in range(a):
                                for i in range(2):
                                    if (not l[k, x, p, i]) and (not t[k, x, y, z, 1 - i]):
                                        kill = True
                                        break
                                if kill:
                                    break
                            if not kill:
                                # as the second index pair (x, y) = (y, z) of rule M's second half
                                for zz in range(a):
                                    for i in range(2):
                                        if (not r[k, p, zz, i]) and (not t[k, y, z, zz, 1 - i]):
                                            kill = True
                                            break
                                    if kill:
                                        break
                            if kill:
                                m[k, y, z, p] = False
                                changed = True
            if not changed:
                break


@njit(nogil=True)
def classify_kernel(m, l, r, t, phi_ones, profile_filter, halfones_filter, out):  # pragma: no cover
    """out[k] = 0 active, 1 done, 2 impossible; the same statuses as :func:`classify_batch`."""
    B, a, _, P = m.shape
    prof = np.empty(P, dtype=np.int64)
    for k in range(B):
        bad = False
        for x in range(a):
            for y in range(a):
                e = True
                for p in range(P):
                    if m[k, x, y, p]:
                        e = False
                if e:
                    bad = True
        for x in range(a):
            for p in range(P):
                if not (l[k, x, p, 0] or l[k, x, p, 1]):
                    bad = True
                if not (r[k, p, x, 0] or r[k, p, x, 1]):
                    bad = True
        for x in range(a):
            for y in range(a):
                for z in range(a):
                    if not (t[k, x, y, z, 0] or t[k, x, y, z, 1]):
                        bad = True
        if not bad and profile_filter:
            for p in range(P):
                code = 0
                ok = True
                for x in range(a):
                    if l[k, x, p, 0] == l[k, x, p, 1] or r[k, p, x, 0] == r[k, p, x, 1]:
                        ok = False
                    if l[k, x, p, 1]:
                        code |= 1 << x
                    if r[k, p, x, 1]:
                        code |= 1 << (a + x)
                prof[p] = code if ok else -1 - p
            for p in range(P):
                for q in range(p + 1, P):
                    if prof[p] == prof[q]:
                        bad = True
        if not bad and halfones_filter:
            r1 = 0
            for p in range(P):
                for z in range(a):
                    if r[k, p, z, 1] and not r[k, p, z, 0]:
                        r1 += 1
            if r1 > phi_ones[k]:
                bad = True
        if bad:
            out[k] = 2
            continue
        done = True
        for x in range(a):
            for y in range(a):
                c = 0
                for p in range(P):
                    if m[k, x, y, p]:
                        c += 1
                if c != 1:
                    done = False
        out[k] = 1 if done else 0
