"""A numba-compiled core for binomial ideals over GF(p) (spec §1.3).

When every generator has at most two terms, every S-polynomial and every
intermediate reduction result has at most two terms too, so a whole step of
Buchberger's algorithm works on a handful of fixed-size exponent vectors.
:class:`BinomialState` exploits that: it has the public interface and the
exact semantics of :class:`~mathrl.envs.buchberger.state.BuchbergerState`
(same pairs, rewards, counters, features, lcm keys and reduced basis), with the
state held in four numpy arrays and each step one compiled call.

numba is optional. Without it this module still imports, :func:`numba_available`
is False and :meth:`BinomialState.supports` says no, so callers fall back to the
pure core.

Layout (all int64; ``n`` variables):

* ``B`` (basis, one row per element, append-only):
  ``[nterms, sugar, tail coefficient, lead degree, tail degree, lead exps (n), tail exps (n)]``;
  elements are monic, so the lead coefficient is 1; a monomial has zero tail fields.
* ``R``: basis indices ascending by lead monomial (the reducers, §3.1).
* ``P`` (pairs, queue order): ``[i, j, lcm degree, pair sugar, lcm exps (n)]``.
* ``M``: ``[n, order, p, elimination, reward mode, |G|, |P|, 5 counters]``.

Capacities grow by doubling before any call that could overflow them.
"""

from __future__ import annotations

import numpy as np

from mathrl.core import TERMINAL_PLAYER, IllegalActionError, as_action
from mathrl.envs.buchberger.polynomial import Polynomial
from mathrl.envs.buchberger.ring import Ring
from mathrl.envs.buchberger.state import ELIMINATIONS, REWARDS, STAT_KEYS

try:  # numba is an optional accelerator
    import numba as _numba

    _HAVE_NUMBA = True
except ImportError:  # pragma: no cover - exercised only without numba
    _numba = None
    _HAVE_NUMBA = False


def numba_available() -> bool:
    """Whether the compiled backend can run (numba importable)."""
    return _HAVE_NUMBA


def _njit(fn):
    """``numba.njit(cache=True)`` when numba is present, else the plain function (never used for speed)."""
    if _HAVE_NUMBA:
        return _numba.njit(cache=True)(fn)
    return fn


# order, elimination and reward codes
GREVLEX, GRLEX, LEX = 0, 1, 2
_ORDER_CODE = {"grevlex": GREVLEX, "grlex": GRLEX, "lex": LEX}
_ELIM_CODE = {"gebauermoeller": 0, "lcm": 1, "none": 2}
_REWARD_CODE = {"additions": 0, "reductions": 1, "monomials": 2}
BUILTIN_STRATEGIES = ("first", "degree", "normal", "sugar", "truedegree", "last", "codegree")
_SELECT_CODE = {name: c for c, name in enumerate(BUILTIN_STRATEGIES)}

# basis row columns
_NT, _SUG, _CO, _LD, _TD, _LE = 0, 1, 2, 3, 4, 5
# pair row columns
_PI, _PJ, _PD, _PS, _PL = 0, 1, 2, 3, 4
# meta slots
_MN, _MORD, _MP, _MEL, _MRW, _MNB, _MNP, _MC = 0, 1, 2, 3, 4, 5, 6, 7


# ---------------------------------------------------------------------------------------------
# compiled kernels
# ---------------------------------------------------------------------------------------------
@_njit
def _cmp(x, dx, y, dy, n, order):
    """Compare monomials x, y (exponent vectors with total degrees dx, dy): 1, 0 or -1 for >, =, <."""
    if order != LEX and dx != dy:
        return 1 if dx > dy else -1
    if order == GREVLEX:
        for v in range(n - 1, -1, -1):
            if x[v] != y[v]:
                return 1 if x[v] < y[v] else -1
        return 0
    for v in range(n):
        if x[v] != y[v]:
            return 1 if x[v] > y[v] else -1
    return 0


@_njit
def _inverse(c, p):
    """c**(p-2) mod p (p prime < 2**31, so products fit in int64)."""
    result = 1
    base = c % p
    e = p - 2
    while e > 0:
        if e & 1:
            result = result * base % p
        base = base * base % p
        e >>= 1
    return result


@_njit
def _update(B, R, P, M, L, Ld, T, Td, nt, coef, sug):
    """Add the monic element (L, T) with sugar ``sug`` to G with the configured elimination (§3.2)."""
    n = M[_MN]
    order = M[_MORD]
    elim = M[_MEL]
    m = M[_MNB]
    npairs = M[_MNP]
    if m > 0:
        # gamma_i, then its degree, whether L_i is coprime to L, and whether (i, m) is a new pair
        G = np.empty((m, n + 3), np.int64)
        gd = G[:, n]
        cop = G[:, n + 1]
        sel = G[:, n + 2]
        for i in range(m):
            d = 0
            cp = True
            for v in range(n):
                a = B[i, _LE + v]
                b = L[v]
                if a >= b:
                    G[i, v] = a
                    d += a
                else:
                    G[i, v] = b
                    d += b
                if a > 0 and b > 0:
                    cp = False
            gd[i] = d
            cop[i] = 1 if cp else 0
        if elim == 0:
            # 1. prune old pairs whose lcm is a strict multiple "through" L
            w = 0
            for r in range(npairs):
                drop = False
                pd = P[r, _PD]
                if pd >= Ld:
                    div = True
                    for v in range(n):
                        if L[v] > P[r, _PL + v]:
                            div = False
                            break
                    if div:
                        drop = True
                        for half in range(2):
                            ii = P[r, half]
                            if gd[ii] == pd:
                                same = True
                                for v in range(n):
                                    if G[ii, v] != P[r, _PL + v]:
                                        same = False
                                        break
                                if same:
                                    drop = False
                                    break
                if not drop:
                    if w != r:
                        for c in range(P.shape[1]):
                            P[w, c] = P[r, c]
                    w += 1
            npairs = w
            # 2. visit the gammas by degree (a linear extension of divisibility; stable, so the
            # first member of a class met is its smallest index) and keep those no kept value
            # divides: the divisibility-minimal classes. 3. a kept class gives (first member, m)
            # unless one of its members is coprime to L.
            lo = gd[0]
            hi = gd[0]
            for t in range(1, m):
                if gd[t] < lo:
                    lo = gd[t]
                elif gd[t] > hi:
                    hi = gd[t]
            start = np.zeros(hi - lo + 2, np.int64)  # a stable counting sort by degree
            for t in range(m):
                start[gd[t] - lo + 1] += 1
            for d in range(1, hi - lo + 2):
                start[d] += start[d - 1]
            visit = np.empty(m, np.int64)
            for t in range(m):
                d = gd[t] - lo
                visit[start[d]] = t
                start[d] += 1
            kept = np.empty(m, np.int64)
            nkept = 0
            for t in range(m):
                i = visit[t]
                sel[i] = 0
                found = -1
                for u in range(nkept):
                    r = kept[u]
                    div = True
                    for v in range(n):
                        if G[r, v] > G[i, v]:
                            div = False
                            break
                    if div:
                        found = r
                        break
                if found < 0:
                    kept[nkept] = i
                    nkept += 1
                    sel[i] = 1 - cop[i]
                elif gd[found] == gd[i] and cop[i]:  # the same class (a divisor of equal degree)
                    sel[found] = 0
        for i in range(m):
            if elim == 0:
                if sel[i] == 0:
                    continue
            elif elim == 1:
                if cop[i]:
                    continue
            P[npairs, _PI] = i
            P[npairs, _PJ] = m
            P[npairs, _PD] = gd[i]
            s1 = B[i, _SUG] + gd[i] - B[i, _LD]
            s2 = sug + gd[i] - Ld
            P[npairs, _PS] = s1 if s1 >= s2 else s2
            for v in range(n):
                P[npairs, _PL + v] = G[i, v]
            npairs += 1
    # append to G
    B[m, _NT] = nt
    B[m, _SUG] = sug
    B[m, _LD] = Ld
    if nt == 2:
        B[m, _CO] = coef
        B[m, _TD] = Td
    else:
        B[m, _CO] = 0
        B[m, _TD] = 0
    for v in range(n):
        B[m, _LE + v] = L[v]
        B[m, _LE + n + v] = T[v] if nt == 2 else 0
    # reducers: after every element whose lead is <= L
    pos = m
    while pos > 0:
        g = R[pos - 1]
        if _cmp(B[g, _LE:_LE + n], B[g, _LD], L, Ld, n, order) > 0:
            pos -= 1
        else:
            break
    for q in range(m, pos, -1):
        R[q] = R[q - 1]
    R[pos] = m
    M[_MNB] = m + 1
    M[_MNP] = npairs


@_njit
def _init(B, R, P, M, E, C):
    """``update`` with each generator, made monic: E (s, 2, n) holds the exponent fields of the two
    terms (x_{n-1} first unless grevlex; the second term is ignored for a monomial), C (s, 3) the
    lead and tail coefficients and the term count."""
    n = M[_MN]
    p = M[_MP]
    rev = M[_MORD] != GREVLEX
    L = np.empty(n, np.int64)
    T = np.empty(n, np.int64)
    for k in range(E.shape[0]):
        nt = C[k, 2]
        Ld = 0
        Td = 0
        for v in range(n):
            u = n - 1 - v if rev else v
            L[v] = E[k, 0, u]
            Ld += L[v]
            T[v] = E[k, 1, u] if nt == 2 else 0
            Td += T[v]
        coef = 0
        if nt == 2:
            coef = (C[k, 1] % p) * _inverse(C[k, 0] % p, p) % p
        sug = Ld if Ld >= Td else Td
        _update(B, R, P, M, L, Ld, T, Td, nt, coef, sug)
    return M[_MNP]


@_njit
def _step(B, R, P, M, a):
    """Process pair a (§3.3); returns (cost in the reward mode, |P|, |G|)."""
    n = M[_MN]
    order = M[_MORD]
    p = M[_MP]
    nb = M[_MNB]
    npairs = M[_MNP]
    i = P[a, _PI]
    j = P[a, _PJ]
    gdeg = P[a, _PD]
    sugar = P[a, _PS]
    S = np.empty((4, n + 2), np.int64)  # rows 0-1: h, rows 2-3: the remainder; then coefficient, degree
    H = S[0:2]
    hc = S[0:2, n]
    hd = S[0:2, n + 1]
    X = S[2:4]  # the remainder, descending
    xc = S[2:4, n]
    xd = S[2:4, n + 1]
    hn = 0
    # S-polynomial: c_i (gamma/L_i) T_i - c_j (gamma/L_j) T_j
    if B[i, _NT] == 2:
        for v in range(n):
            H[0, v] = P[a, _PL + v] - B[i, _LE + v] + B[i, _LE + n + v]
        hc[0] = B[i, _CO]
        hd[0] = gdeg - B[i, _LD] + B[i, _TD]
        hn = 1
    if B[j, _NT] == 2:
        c2 = (p - B[j, _CO]) % p
        same = hn == 1
        if same:
            for v in range(n):
                if H[0, v] != P[a, _PL + v] - B[j, _LE + v] + B[j, _LE + n + v]:
                    same = False
                    break
        if same:
            cc = (hc[0] + c2) % p
            if cc == 0:
                hn = 0
            else:
                hc[0] = cc
        else:
            for v in range(n):
                H[hn, v] = P[a, _PL + v] - B[j, _LE + v] + B[j, _LE + n + v]
            hc[hn] = c2
            hd[hn] = gdeg - B[j, _LD] + B[j, _TD]
            hn += 1
    # remove pair a, keeping the order of the others
    width = P.shape[1]
    for r in range(a, npairs - 1):
        for c in range(width):
            P[r, c] = P[r + 1, c]
    npairs -= 1
    M[_MNP] = npairs
    # full reduction (head and tail), first divisor in ascending-lead order
    xn = 0
    steps = 0
    madds = 0
    while hn > 0:
        t = 0
        if hn == 2 and _cmp(H[1], hd[1], H[0], hd[0], n, order) > 0:
            t = 1
        md = hd[t]
        c = hc[t]
        g = -1
        for idx in range(nb):
            gg = R[idx]
            if B[gg, _LD] > md:
                if order != LEX:
                    break  # graded: the remaining leads are no smaller in degree
                continue
            ok = True
            for v in range(n):
                if B[gg, _LE + v] > H[t, v]:
                    ok = False
                    break
            if ok:
                g = gg
                break
        if g < 0:
            for v in range(n):
                X[xn, v] = H[t, v]
            xc[xn] = c
            xd[xn] = md
            xn += 1
            if t == 0 and hn == 2:
                for v in range(n):
                    H[0, v] = H[1, v]
                hc[0] = hc[1]
                hd[0] = hd[1]
            hn -= 1
            continue
        steps += 1
        gnt = B[g, _NT]
        madds += gnt
        s = md - B[g, _LD] + B[g, _SUG]
        if s > sugar:
            sugar = s
        if gnt == 2:
            prod = c * B[g, _CO] % p
            newd = md - B[g, _LD] + B[g, _TD]
            o = 1 - t
            merged = False
            if hn == 2 and hd[o] == newd:
                merged = True
                for v in range(n):
                    if H[o, v] != H[t, v] - B[g, _LE + v] + B[g, _LE + n + v]:
                        merged = False
                        break
            if merged:
                v2 = (hc[o] - prod + p) % p
                if v2 == 0:
                    hn = 0
                else:
                    if o == 1:
                        for v in range(n):
                            H[0, v] = H[1, v]
                        hd[0] = hd[1]
                    hc[0] = v2
                    hn = 1
            else:
                for v in range(n):
                    H[t, v] = H[t, v] - B[g, _LE + v] + B[g, _LE + n + v]
                hc[t] = (p - prod) % p
                hd[t] = newd
        else:
            if t == 0 and hn == 2:
                for v in range(n):
                    H[0, v] = H[1, v]
                hc[0] = hc[1]
                hd[0] = hd[1]
            hn -= 1
    nti = B[i, _NT]
    ntj = B[j, _NT]
    madds += nti if nti <= ntj else ntj
    cost = 1 + steps
    M[_MC] += cost
    M[_MC + 1] += madds
    M[_MC + 2] += 1
    if xn > 0:
        M[_MC + 4] += 1
        coef = 0
        if xn == 2:
            coef = xc[1] * _inverse(xc[0], p) % p
        _update(B, R, P, M, X[0], xd[0], X[1], xd[1], xn, coef, sugar)
    else:
        M[_MC + 3] += 1
    mode = M[_MRW]
    if mode == 1:
        cost = 1
    elif mode == 2:
        cost = madds
    return cost, M[_MNP], M[_MNB]


@_njit
def _features(out, B, P, M, k):
    """Rows [v(g_i) | v(g_j)] for the first min(|P|, len(out)) pairs; zero the rest of ``out``."""
    n = M[_MN]
    npairs = M[_MNP]
    rows = npairs if npairs < out.shape[0] else out.shape[0]
    nk = n * k
    for r in range(rows):
        for half in range(2):
            g = P[r, half]
            base = half * nk
            for v in range(n):
                out[r, base + v] = B[g, _LE + v]
            if k >= 2:
                if B[g, _NT] == 2:
                    for v in range(n):
                        out[r, base + n + v] = B[g, _LE + n + v]
                else:
                    for v in range(n):
                        out[r, base + n + v] = 0
                for c in range(base + 2 * n, base + nk):
                    out[r, c] = 0
    out[rows:, :] = 0  # a slice assignment vectorises; a nested loop is ~3x slower here
    return npairs


@_njit
def _step_features(B, R, P, M, a, out, k):
    """``_step`` then ``_features``."""
    res = _step(B, R, P, M, a)
    _features(out, B, P, M, k)
    return res


@_njit
def _key_digits(A, m, col, dcol, order, out):
    """Little-endian 32-bit digits of ``Ring.pack`` for each exponent row of E (degrees D); n + 2
    digits, the top two holding the (possibly > 32-bit) degree part.

    lex: sum a_i B**(n-1-i); grlex: deg B**n + that; grevlex: deg B**n - sum a_i B**i, written
    with non-negative digits as (deg - 1) B**n + (B**n - E).
    """
    n = out.shape[1] - 2
    for r in range(m):
        if order == GREVLEX:
            if A[r, dcol] == 0:
                for v in range(n + 2):
                    out[r, v] = 0
                continue
            borrow = False
            for v in range(n):
                a = A[r, col + v]
                if borrow:
                    out[r, v] = 4294967295 - a
                elif a == 0:
                    out[r, v] = 0
                else:
                    out[r, v] = 4294967296 - a
                    borrow = True
            top = A[r, dcol] - 1
        else:
            for v in range(n):
                out[r, v] = A[r, col + n - 1 - v]
            top = A[r, dcol] if order == GRLEX else 0
        out[r, n] = top & 4294967295
        out[r, n + 1] = top >> 32


@_njit
def _spoly_degrees(B, P, M, out):
    """Total degree of each pair's unreduced S-polynomial, -1 where it is zero."""
    n = M[_MN]
    p = M[_MP]
    for a in range(M[_MNP]):
        i = P[a, _PI]
        j = P[a, _PJ]
        gdeg = P[a, _PD]
        best = -1
        hi = B[i, _NT] == 2
        hj = B[j, _NT] == 2
        di = gdeg - B[i, _LD] + B[i, _TD]
        dj = gdeg - B[j, _LD] + B[j, _TD]
        if hi and hj and di == dj:
            same = True
            for v in range(n):
                if B[i, _LE + n + v] - B[i, _LE + v] != B[j, _LE + n + v] - B[j, _LE + v]:
                    same = False
                    break
            if same and (B[i, _CO] - B[j, _CO]) % p == 0:
                hi = False
                hj = False
        if hi:
            best = di
        if hj and dj > best:
            best = dj
        out[a] = best


@_njit
def _select(B, P, M, code):
    """The builtin strategies of §4.1 with the reference tie-breaks; -1 if there are no pairs."""
    npairs = M[_MNP]
    if npairs == 0:
        return -1
    n = M[_MN]
    order = M[_MORD]
    if code == 0:  # first
        return 0
    if code == 5:  # last
        return npairs - 1
    best = 0
    if code == 1:  # degree
        for a in range(1, npairs):
            if P[a, _PD] < P[best, _PD]:
                best = a
    elif code == 6:  # codegree: largest degree, ties to the latest
        for a in range(1, npairs):
            if P[a, _PD] >= P[best, _PD]:
                best = a
    elif code == 2:  # normal
        for a in range(1, npairs):
            if _cmp(P[a, _PL:_PL + n], P[a, _PD], P[best, _PL:_PL + n], P[best, _PD], n, order) < 0:
                best = a
    elif code == 3:  # sugar, then normal
        for a in range(1, npairs):
            if P[a, _PS] < P[best, _PS] or (P[a, _PS] == P[best, _PS] and _cmp(
                    P[a, _PL:_PL + n], P[a, _PD], P[best, _PL:_PL + n], P[best, _PD], n, order) < 0):
                best = a
    elif code == 4:  # truedegree
        degs = np.empty(npairs, np.int64)
        _spoly_degrees(B, P, M, degs)
        for a in range(1, npairs):
            if degs[a] < degs[best]:
                best = a
    return best


@_njit
def _reduced(B, R, M):
    """Rows of the reduced basis (§3.4): minimalise in ascending-lead order, then tail-reduce."""
    n = M[_MN]
    p = M[_MP]
    nb = M[_MNB]
    kept = np.empty(nb, np.int64)
    nk = 0
    for idx in range(nb):
        g = R[idx]
        ok = True
        for t in range(nk):
            h = kept[t]
            if B[h, _LD] > B[g, _LD]:
                continue
            div = True
            for v in range(n):
                if B[h, _LE + v] > B[g, _LE + v]:
                    div = False
                    break
            if div:
                ok = False
                break
        if ok:
            kept[nk] = g
            nk += 1
    out = np.zeros((nk, B.shape[1]), np.int64)
    X = np.empty(n, np.int64)
    for t in range(nk):
        g = kept[t]
        for c in range(_LE + n):
            out[t, c] = B[g, c]
        out[t, _NT] = 1
        out[t, _CO] = 0
        out[t, _TD] = 0
        if B[g, _NT] != 2:
            continue
        for v in range(n):
            X[v] = B[g, _LE + n + v]
        xd = B[g, _TD]
        c = B[g, _CO]
        while True:
            f = -1
            for u in range(nk):
                h = kept[u]
                if h == g or B[h, _LD] > xd:
                    continue
                div = True
                for v in range(n):
                    if B[h, _LE + v] > X[v]:
                        div = False
                        break
                if div:
                    f = h
                    break
            if f < 0:
                out[t, _NT] = 2
                out[t, _CO] = c
                out[t, _TD] = xd
                for v in range(n):
                    out[t, _LE + n + v] = X[v]
                break
            if B[f, _NT] != 2:
                break  # reduced to zero
            for v in range(n):
                X[v] = X[v] - B[f, _LE + v] + B[f, _LE + n + v]
            xd = xd - B[f, _LD] + B[f, _TD]
            c = (p - c * B[f, _CO] % p) % p
    return out


# ---------------------------------------------------------------------------------------------
# Python side
# ---------------------------------------------------------------------------------------------
class _FastContext:
    """Per-(ring, elimination, rewards) constants, shared by all states and clones."""

    __slots__ = ("ring", "n", "p", "order", "elimination", "rewards", "fields", "meta", "word",
                 "row_width", "pair_width", "pure_ctx", "exp_bytes",
                 "pack")

    CACHE_LIMIT = 1 << 16  # monomial keys remembered per context (the sampler draws from small tables)

    def __init__(self, ring: Ring, elimination: str, rewards: str):
        if elimination not in ELIMINATIONS:
            raise ValueError(f"unknown elimination {elimination!r}; choose one of {', '.join(ELIMINATIONS)}")
        if rewards not in REWARDS:
            raise ValueError(f"unknown rewards {rewards!r}; choose one of {', '.join(REWARDS)}")
        if ring.p is None:
            raise ValueError("the binomial fast path works over GF(p) only")
        self.ring = ring
        self.n = ring.n
        self.p = ring.p
        self.order = _ORDER_CODE[ring.order]
        self.elimination = elimination
        self.rewards = rewards
        self.fields = ring.fast_ops()[0]
        self.word = 4 * ring.n  # bytes of the exponent fields of one key
        self.row_width = _LE + 2 * ring.n
        self.pair_width = _PL + ring.n
        meta = np.zeros(_MC + len(STAT_KEYS), np.int64)
        meta[_MN], meta[_MORD], meta[_MP] = ring.n, self.order, ring.p
        meta[_MEL], meta[_MRW] = _ELIM_CODE[elimination], _REWARD_CODE[rewards]
        self.meta = meta
        self.pure_ctx = None
        self.exp_bytes: dict = {}
        wn = 32 * ring.n
        if ring.order == "grevlex":
            low = [32 * i for i in range(ring.n)]
            self.pack = lambda e, d: (d << wn) - sum([x << s for x, s in zip(e, low)])
        else:
            high = [32 * (ring.n - 1 - i) for i in range(ring.n)]
            if ring.order == "grlex":
                self.pack = lambda e, d: (d << wn) + sum([x << s for x, s in zip(e, high)])
            else:
                self.pack = lambda e, d: sum([x << s for x, s in zip(e, high)])

    def exponent_bytes(self, key: int) -> bytes:
        """The exponent fields of a monomial key as 32-bit little-endian words (memoised)."""
        b = self.exp_bytes.get(key)
        if b is None:
            if len(self.exp_bytes) >= self.CACHE_LIMIT:
                self.exp_bytes.clear()
            b = self.exp_bytes[key] = self.fields(key).to_bytes(self.word, "little")
        return b

    def keys(self, A: np.ndarray, m: int, col: int, dcol: int) -> list[int]:
        """``ring.pack`` of the exponents in columns [col, col + n) of rows [0, m) of A, whose
        degrees are in column ``dcol``, as Python ints."""
        if m == 0:
            return []
        if m <= 4:  # a few rows (a new basis element): Python arithmetic beats a compiled call
            pack = self.pack
            n = self.n
            return [pack(row[col:col + n], row[dcol]) for row in A[:m].tolist()]
        buf = np.empty((m, self.n + 2), np.uint32)
        _key_digits(A, m, col, dcol, self.order, buf)
        b = buf.tobytes()
        w = 4 * (self.n + 2)
        fb = int.from_bytes
        return [fb(b[o:o + w], "little") for o in range(0, len(b), w)]


_CONTEXTS: dict = {}
_LAST_CONTEXT: list = [None, None, None, None]  # ring, elimination, rewards, context (identity fast path)


def _context(ring: Ring, elimination: str, rewards: str) -> _FastContext:
    last = _LAST_CONTEXT
    if last[0] is ring and last[1] == elimination and last[2] == rewards:
        return last[3]
    key = (ring, elimination, rewards)
    ctx = _CONTEXTS.get(key)
    if ctx is None:
        ctx = _CONTEXTS[key] = _FastContext(ring, elimination, rewards)
    last[:] = ring, elimination, rewards, ctx
    return ctx


class BinomialState:
    """G, P and the counters of a binomial ideal over GF(p), stepped by compiled code.

    Same public interface and semantics as :class:`BuchbergerState`; see the module docstring
    for the array layout. Derived views (``pairs``, ``lcm_keys()``, ...) are computed on demand
    and cached until the next ``apply``.
    """

    num_players = 1

    __slots__ = ("ctx", "B", "R", "P", "M", "_np", "_nb", "_capb", "_capp", "total_reward", "_cache", "_pairs",
                 "_stats", "_basis")

    # --- construction -------------------------------------------------------------------------
    @staticmethod
    def supports(F, ring: Ring) -> bool:
        """True iff this backend can run F: numba present, GF(p), every generator <= 2 terms over ``ring``."""
        if not _HAVE_NUMBA or ring.p is None:
            return False
        return all(len(f.monos) <= 2 and (f.ring is ring or f.ring == ring) for f in F)

    @classmethod
    def from_generators(cls, F, ring: Ring, elimination: str = "gebauermoeller", sort_input: bool = False,
                        rewards: str = "additions") -> "BinomialState":
        """The initial state: ``update`` with each non-zero generator, made monic, in order (§3.2)."""
        if not _HAVE_NUMBA:
            raise RuntimeError("the binomial fast path needs numba; use BuchbergerState")
        ctx = _context(ring, elimination, rewards)
        polys = [f for f in F if f]
        for f in polys:
            if f.ring is not ring and f.ring != ring:
                raise ValueError(f"generator {f} is over {f.ring}, expected {ring}")
            if len(f.monos) > 2:
                raise ValueError(f"generator {f} has {len(f)} terms; the binomial fast path takes at most 2")
        if sort_input:
            polys = sorted(polys, key=lambda f: f.lm)  # stable
        s = len(polys)
        n = ctx.n
        self = cls.__new__(cls)
        self.ctx = ctx
        self._capb = cap_b = max(16, 2 * s)
        self._capp = cap_p = max(64, s * s)
        self.B = np.empty((cap_b, ctx.row_width), np.int64)
        self.R = np.empty(cap_b, np.int64)
        self.P = np.empty((cap_p, ctx.pair_width), np.int64)
        self.M = ctx.meta.copy()
        self.total_reward = 0.0
        self._cache = self._pairs = self._stats = None
        self._basis = ()
        if s:
            keys = []
            coeffs = []
            for f in polys:
                ms, cs = f.monos, f.coeffs
                if len(ms) == 2:
                    keys += ms
                    coeffs += (cs[0], cs[1], 2)
                else:
                    keys += (ms[0], ms[0])
                    coeffs += (cs[0], 0, 1)
            cache = ctx.exp_bytes
            try:
                raw = b"".join([cache[k] for k in keys])
            except KeyError:
                raw = b"".join([ctx.exponent_bytes(k) for k in keys])
            E = np.frombuffer(raw, np.uint32).reshape(s, 2, n)
            C = np.array(coeffs, np.int64).reshape(s, 3)
            self._np = int(_init(self.B, self.R, self.P, self.M, E, C))
        else:
            self._np = 0
        self._nb = s
        return self

    @property
    def ring(self) -> Ring:
        return self.ctx.ring

    @property
    def elimination(self) -> str:
        return self.ctx.elimination

    @property
    def rewards(self) -> str:
        return self.ctx.rewards

    def clone(self) -> "BinomialState":
        other = BinomialState.__new__(BinomialState)
        other.ctx = self.ctx
        other.B = self.B.copy()
        other.R = self.R.copy()
        other.P = self.P.copy()
        other.M = self.M.copy()
        other._np = self._np
        other._nb = self._nb
        other._capb = self._capb
        other._capp = self._capp
        other.total_reward = self.total_reward
        # derived views of an identical state: replaced, never mutated, on apply
        other._cache, other._pairs, other._stats = self._cache, self._pairs, self._stats
        other._basis = self._basis
        return other

    def __reduce__(self):
        """Pickle as (ring, elimination, rewards) and the arrays: the context holds closures."""
        ctx = self.ctx
        return (_restore, (ctx.ring, ctx.elimination, ctx.rewards, self.B[:self._nb].copy(),
                           self.R[:self._nb].copy(), self.P[:self._np].copy(), self.M.copy(), self.total_reward))

    def _grow(self) -> None:
        """Double the capacities so that one more step cannot overflow them."""
        nb, npairs = self._nb, self._np
        cap_b = self.B.shape[0]
        if nb + 1 > cap_b:
            cap = max(2 * cap_b, nb + 1)
            B = np.empty((cap, self.B.shape[1]), np.int64)
            B[:nb] = self.B[:nb]
            R = np.empty(cap, np.int64)
            R[:nb] = self.R[:nb]
            self.B, self.R = B, R
            self._capb = cap
        need = npairs + nb  # one pair leaves, at most |G| arrive
        cap_p = self.P.shape[0]
        if need > cap_p:
            cap = max(2 * cap_p, need)
            P = np.empty((cap, self.P.shape[1]), np.int64)
            P[:npairs] = self.P[:npairs]
            self.P = P
            self._capp = cap

    # --- one step (§3.3) ----------------------------------------------------------------------
    def apply(self, action: int) -> float:
        """Process pair ``pairs[action]``; return the reward (minus its cost in the reward mode)."""
        action = as_action(action)
        npairs = self._np
        if not 0 <= action < npairs:
            raise IllegalActionError(f"action {action} is not a pair index: there are {npairs} pairs")
        if self._nb >= self._capb or npairs + self._nb > self._capp:
            self._grow()
        cost, self._np, self._nb = _step(self.B, self.R, self.P, self.M, action)
        reward = -float(cost)
        self.total_reward += reward
        self._cache = self._pairs = self._stats = None
        return reward

    apply_action = apply

    def apply_and_write(self, action: int, out: np.ndarray, k: int = 2) -> float:
        """``apply(action)`` then ``write_features(out, k)`` in one compiled call; returns the reward
        (the new |P| is ``num_pairs``). ``out`` is checked as in :meth:`write_features`."""
        action = as_action(action)
        npairs = self._np
        if not 0 <= action < npairs:
            raise IllegalActionError(f"action {action} is not a pair index: there are {npairs} pairs")
        if out.ndim != 2 or out.shape[1] != 2 * self.ctx.n * k or k < 1:
            raise ValueError(f"out must have shape (rows, {2 * self.ctx.n * k}) for k = {k}, got {out.shape}")
        if self._nb >= self._capb or npairs + self._nb > self._capp:
            self._grow()
        cost, self._np, self._nb = _step_features(self.B, self.R, self.P, self.M, action, out, k)
        reward = -float(cost)
        self.total_reward += reward
        self._cache = self._pairs = self._stats = None
        return reward

    # --- protocol -----------------------------------------------------------------------------
    @property
    def num_actions(self) -> int:
        return self._np

    @property
    def num_pairs(self) -> int:
        return self._np

    @property
    def basis_size(self) -> int:
        """|G| without building the polynomials."""
        return self._nb

    def legal_actions(self) -> list[int]:
        return list(range(self._np))

    def action_mask(self) -> np.ndarray:
        return np.ones(self._np, dtype=bool)

    def is_terminal(self) -> bool:
        return not self._np

    def returns(self) -> np.ndarray:
        return np.array([self.total_reward])

    def current_player(self) -> int:
        return TERMINAL_PLAYER if not self._np else 0

    def observation(self) -> np.ndarray:
        return self.pair_features()

    def stats(self) -> dict:
        st = self._stats
        if st is None:
            st = self._stats = dict(zip(STAT_KEYS, self.M[_MC:_MC + len(STAT_KEYS)].tolist()))
        return dict(st)

    @property
    def counters(self) -> dict:
        return self.stats()

    def key(self) -> bytes:
        """Equal iff G (terms and coefficients) and P are equal (not the reference's bytes)."""
        nb = self._nb
        head = np.array([nb, self._np], np.int64).tobytes()
        body = np.ascontiguousarray(self.B[:nb, _CO:]).tobytes() + self.B[:nb, _NT].tobytes()
        return head + body + np.ascontiguousarray(self.P[:self._np, :2]).tobytes()

    # --- cached derived views -----------------------------------------------------------------
    def _view(self, name: str, compute):
        """A per-state value cached until the next ``apply`` (which resets ``_cache``)."""
        c = self._cache
        if c is None:
            c = self._cache = {}
        v = c.get(name)
        if v is None:
            v = c[name] = compute()
        return v

    @property
    def pairs(self) -> list[tuple[int, int]]:
        """P in queue order, as (i, j) tuples: a list cached until the next ``apply`` (do not mutate it)."""
        v = self._pairs
        if v is None:
            P = self.P[:self._np]
            v = self._pairs = list(zip(P[:, _PI].tolist(), P[:, _PJ].tolist()))
        return v

    def lcm_keys(self) -> list[int]:
        """``pair_lcm`` for every pair, in queue order."""
        return self._view("keys", lambda: self.ctx.keys(self.P, self._np, _PL, _PD))

    def lcm_degrees(self) -> list[int]:
        """``pair_degree`` for every pair, in queue order."""
        return self._view("degs", lambda: self.P[:self._np, _PD].tolist())

    def pair_sugars(self) -> list[int]:
        """``pair_sugar`` for every pair, in queue order."""
        return self._view("sugars", lambda: self.P[:self._np, _PS].tolist())

    def spoly_degrees(self) -> list:
        """``spoly_degree`` for every pair, in queue order."""
        def compute():
            out = np.empty(self._np, np.int64)
            _spoly_degrees(self.B, self.P, self.M, out)
            return [d if d >= 0 else float("-inf") for d in out.tolist()]

        return self._view("sdegs", compute)

    def pair_lcm(self, a: int) -> int:
        """The packed lcm of the lead monomials of pair a (compare with ``<``: the ring's order)."""
        return self.lcm_keys()[a]

    def pair_degree(self, a: int) -> int:
        return self.lcm_degrees()[a]

    def pair_sugar(self, a: int) -> int:
        return self.pair_sugars()[a]

    def spoly_degree(self, a: int) -> float:
        """Total degree of the unreduced S-polynomial of pair a; -inf if it is zero."""
        return self.spoly_degrees()[a]

    def select_builtin(self, name: str) -> int:
        """``make_strategy(name).select(self)`` for first/degree/normal/sugar/truedegree/last/codegree."""
        code = _SELECT_CODE.get(name)
        if code is None:
            raise ValueError(f"no builtin strategy {name!r}; builtins: {', '.join(BUILTIN_STRATEGIES)}")
        if not self._np:
            raise ValueError("no pairs to select from: the state is terminal")
        return int(_select(self.B, self.P, self.M, code))

    # --- observations -------------------------------------------------------------------------
    def write_features(self, out: np.ndarray, k: int = 2) -> int:
        """Fill rows [0, min(|P|, len(out))) of ``out`` (int32, C-contiguous, width 2nk) with the
        pair features and zero every later row; return |P| (which may exceed len(out))."""
        if out.ndim != 2 or out.shape[1] != 2 * self.ctx.n * k or k < 1:
            raise ValueError(f"out must have shape (rows, {2 * self.ctx.n * k}) for k = {k}, got {out.shape}")
        return _features(out, self.B, self.P, self.M, k)

    def pair_features(self, k: int = 2) -> np.ndarray:
        """int32 (|P|, 2nk): row for (i, j) is [v(g_i) | v(g_j)] (§5.3)."""
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        out = np.empty((self._np, 2 * self.ctx.n * k), np.int32)
        _features(out, self.B, self.P, self.M, k)
        return out

    def element_features(self, k: int = 2) -> list[tuple[int, ...]]:
        """Per basis element, the exponents of its first k terms, zero-filled (length n*k)."""
        n, nb = self.ctx.n, self._nb
        B = self.B[:nb]
        out = np.zeros((nb, n * max(k, 2)), np.int64)
        out[:, :n] = B[:, _LE:_LE + n]
        out[:, n:2 * n] = B[:, _LE + n:_LE + 2 * n]  # zero for monomials
        return [tuple(row) for row in out[:, :n * k].tolist()]

    # --- polynomials --------------------------------------------------------------------------
    def _rows_to_polys(self, rows: np.ndarray) -> list[Polynomial]:
        ctx, n = self.ctx, self.ctx.n
        m = len(rows)
        ring = ctx.ring
        if m <= 4:  # typically one new element per step: plain Python
            pack = ctx.pack
            t0, t1 = _LE + n, _LE + 2 * n
            return [Polynomial(ring, (pack(r[_LE:t0], r[_LD]), pack(r[t0:t1], r[_TD])), (1, r[_CO])) if r[_NT] == 2
                    else Polynomial(ring, (pack(r[_LE:t0], r[_LD]),), (1,)) for r in rows.tolist()]
        leads = ctx.keys(rows, m, _LE, _LD)
        tails = ctx.keys(rows, m, _LE + n, _TD)
        out = []
        for (nt, co), lm, tm in zip(rows[:, [_NT, _CO]].tolist(), leads, tails):
            if nt == 2:
                out.append(Polynomial(ring, (lm, tm), (1, co)))
            else:
                out.append(Polynomial(ring, (lm,), (1,)))
        return out

    @property
    def basis(self) -> tuple:
        """G as monic :class:`Polynomial` objects (built on demand, cached incrementally)."""
        have = len(self._basis)
        if have < self._nb:
            self._basis = self._basis + tuple(self._rows_to_polys(self.B[have:self._nb]))
        return self._basis

    @property
    def sugars(self) -> tuple:
        return tuple(self.B[:self._nb, _SUG].tolist())

    def reduced_basis(self) -> list[Polynomial]:
        """The reduced Groebner basis of G (§3.4): minimalise, then interreduce. Costs are not counted."""
        return self._rows_to_polys(_reduced(self.B, self.R, self.M))

    def reduced_basis_size(self) -> int:
        """``len(reduced_basis())`` without building the polynomials."""
        return int(_reduced(self.B, self.R, self.M).shape[0])

    def to_pure(self):
        """An equivalent :class:`BuchbergerState` (same G, sugars, P and counters)."""
        from mathrl.envs.buchberger.state import BuchbergerState, _Context

        ctx = self.ctx
        if ctx.pure_ctx is None:
            ctx.pure_ctx = _Context(ctx.ring, ctx.elimination, ctx.rewards)
        st = BuchbergerState(ctx.pure_ctx)
        basis = self.basis
        fields = ctx.pure_ctx.fields
        st.basis = basis
        st.leads = tuple(g.monos[0] for g in basis)
        st.lead_fields = tuple(fields(L) for L in st.leads)
        st.sugars = self.sugars
        st.reducers = tuple(self.R[:self._nb].tolist())
        st.pairs = list(self.pairs)
        st.pair_lcms = list(self.lcm_keys())
        st.pair_lcm_fields = [fields(g) for g in st.pair_lcms]
        st.counters = self.stats()
        st.total_reward = self.total_reward
        return st

    # --- evaluation ---------------------------------------------------------------------------
    def value(self, strategy="degree", gamma: float = 0.99) -> float:
        """Discounted return of finishing the episode from a clone with a heuristic (state unchanged)."""
        s = self.clone()
        total, discount = 0.0, 1.0
        if isinstance(strategy, str) and strategy.strip().lower() in _SELECT_CODE:
            code = _SELECT_CODE[strategy.strip().lower()]
            while s._np:
                total += discount * s.apply(int(_select(s.B, s.P, s.M, code)))
                discount *= gamma
            return total
        from mathrl.envs.buchberger.strategies import make_strategy

        strat = make_strategy(strategy)
        while s._np:
            total += discount * s.apply(strat.select(s))
            discount *= gamma
        return total

    def render(self) -> str:
        ring = self.ring
        lines = [f"G ({self._nb} elements, {ring.field_name}, {ring.order}):"]
        lines += [f"  g{k} = {g}" for k, g in enumerate(self.basis)]
        lines.append(f"P ({self._np} pairs):")
        lines += [f"  [{a}] ({i}, {j})  lcm {ring.monomial_str(g)}"
                  for a, ((i, j), g) in enumerate(zip(self.pairs, self.lcm_keys()))]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"BinomialState(|G|={self._nb}, |P|={self._np}, {self.ring.field_name}, {self.ring.order})"


def _restore(ring, elimination, rewards, B, R, P, M, total_reward) -> BinomialState:
    """Unpickle a :class:`BinomialState` (capacities are re-grown on the next ``apply``)."""
    self = BinomialState.__new__(BinomialState)
    self.ctx = _context(ring, elimination, rewards)
    nb, npairs = int(M[_MNB]), int(M[_MNP])
    self.B = np.empty((max(16, 2 * nb), self.ctx.row_width), np.int64)
    self.B[:nb] = B
    self.R = np.empty(self.B.shape[0], np.int64)
    self.R[:nb] = R
    self.P = np.empty((max(64, 2 * npairs), self.ctx.pair_width), np.int64)
    self.P[:npairs] = P
    self.M = M
    self._nb, self._np = nb, npairs
    self._capb, self._capp = self.B.shape[0], self.P.shape[0]
    self.total_reward = total_reward
    self._cache = self._pairs = self._stats = None
    self._basis = ()
    return self
