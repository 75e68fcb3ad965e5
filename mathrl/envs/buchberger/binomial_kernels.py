"""Compiled kernels of the binomial backend: Buchberger's algorithm on fixed-size int64 rows.

When every generator has at most two terms, every S-polynomial and every
intermediate reduction result has at most two terms too (a binomial minus a
multiple of a binomial, after its lead cancels, is again a binomial), so a
whole step of Buchberger's algorithm works on a handful of fixed-size exponent
vectors. These kernels do that step with numba, on four arrays:
:class:`~mathrl.envs.buchberger.binomial.BinomialState` owns the arrays, grows
them, and turns them back into polynomials and Python lists.

The kernels repeat, statement for statement, the semantics of the pure core
(:mod:`~mathrl.envs.buchberger.state`): the same pair queue order, the same
Gebauer-Moeller pruning, the same first-divisor reduction, the same counters.
The lockstep tests hold them to it. numba is optional (:mod:`mathrl.compiled`):
without it these are plain (slow) Python functions and the wrapper declines
every ideal.

Layout (all int64; ``n`` variables):

* ``B`` (basis, one row per element, append-only):
  ``[nterms, sugar, tail coefficient, lead degree, tail degree, lead exps (n), tail exps (n)]``;
  elements are monic, so the lead coefficient is 1; a monomial has zero tail fields.
* ``R``: basis indices ascending by lead monomial, the order in which the
  reduction looks for a divisor.
* ``P`` (pairs, queue order): ``[i, j, lcm degree, pair sugar, lcm exps (n)]``.
* ``M``: ``[n, order, p, elimination, |G|, |P|, 5 counters]`` (the counters in
  the order of :data:`~mathrl.envs.buchberger.base.STAT_KEYS`).

Exponent vectors are stored x0 first for grevlex and x_{n-1} first otherwise
(the order of the packed keys' fields); callers never see the difference.
"""

from __future__ import annotations

import numpy as np

from mathrl.compiled import njit

# numpy's error model: integer division and modulo by zero give 0 instead of raising, so no exception
# path is built around every ``%`` of a step (the modulus p is a prime, never zero).
kernel = njit(error_model="numpy")

# order and elimination codes
GREVLEX, GRLEX, LEX = 0, 1, 2
ORDER_CODE = {"grevlex": GREVLEX, "grlex": GRLEX, "lex": LEX}
ELIM_CODE = {"gebauermoeller": 0, "lcm": 1, "none": 2}
BUILTIN_STRATEGIES = ("first", "degree", "normal", "sugar", "truedegree", "last", "codegree")
SELECT_CODE = {name: c for c, name in enumerate(BUILTIN_STRATEGIES)}

# basis row columns
B_NT, B_SUG, B_CO, B_LD, B_TD, B_LE = 0, 1, 2, 3, 4, 5
# pair row columns
P_I, P_J, P_DEG, P_SUG, P_LCM = 0, 1, 2, 3, 4
# meta slots
M_N, M_ORDER, M_P, M_ELIM, M_NB, M_NP, M_COUNTERS = 0, 1, 2, 3, 4, 5, 6


@kernel
def compare(X, r, Y, s, col, dx, dy, n, order):
    """Compare the monomials with exponents X[r, col:col + n] and Y[s, col:col + n] and total degrees dx,
    dy: 1, 0 or -1 for >, =, <.

    The rows are read in place: a slice costs an atomic reference count in numba, and the kernels
    compare monomials in their innermost loops (as they index scratch rows directly, never by views)."""
    if order != LEX and dx != dy:
        return 1 if dx > dy else -1
    if order == GREVLEX:
        for v in range(n - 1, -1, -1):
            if X[r, col + v] != Y[s, col + v]:
                return 1 if X[r, col + v] < Y[s, col + v] else -1
        return 0
    for v in range(n):
        if X[r, col + v] != Y[s, col + v]:
            return 1 if X[r, col + v] > Y[s, col + v] else -1
    return 0


@kernel
def inverse(c, p):
    """The inverse of c mod p (p prime; 0 when p divides c), by the extended Euclidean algorithm.

    Why not Fermat's c**(p-2): every step that adds a binomial makes it monic with one inverse, and
    square-and-multiply costs log2 p squarings plus a product per set bit of p - 2, each a dependent
    division (22 for 32003), against about 0.84 ln p divisions here (about 9)."""
    r0 = p
    r1 = c % p
    t0 = 0
    t1 = 1
    while r1 != 0:
        q = r0 // r1
        r0, r1 = r1, r0 - q * r1
        t0, t1 = t1, t0 - q * t1
    return t0 + p if t0 < 0 else t0


@kernel
def update(B, R, P, M, L, Ld, T, Td, nt, coef, sug):
    """Add the monic element (L, T) with sugar ``sug`` to G, creating its pairs with the configured
    elimination: the Gebauer-Moeller criteria (1988), only the coprime-leads (lcm) criterion, or none."""
    update_ws(B, R, P, M, L, Ld, T, Td, nt, coef, sug, np.empty((0, M[M_N] + 3), np.int64), np.empty(0, np.int64))


@kernel
def update_ws(B, R, P, M, L, Ld, T, Td, nt, coef, sug, W, I):
    """``update`` with caller-owned scratch (W: rows of n + 3, I: a flat index buffer), so that a caller
    stepping many states allocates nothing per step; scratch too small is replaced by a local array."""
    n = M[M_N]
    order = M[M_ORDER]
    elim = M[M_ELIM]
    m = M[M_NB]
    npairs = M[M_NP]
    if m > 0:
        if W.shape[0] < m:
            W = np.empty((m, n + 3), np.int64)
        # W row i: gamma_i (n), its degree (column GD), coprime (CP), a new pair (SEL); read in place
        GD = n
        CP = n + 1
        SEL = n + 2
        for i in range(m):
            d = 0
            cp = True
            for v in range(n):
                a = B[i, B_LE + v]
                b = L[v]
                c = max(a, b)
                W[i, v] = c
                d += c
                cp &= (a == 0) | (b == 0)
            W[i, GD] = d
            W[i, CP] = 1 if cp else 0
        if elim == 0:
            # 1. prune old pairs whose lcm is a strict multiple "through" L
            w = 0
            for r in range(npairs):
                drop = False
                pd = P[r, P_DEG]
                if pd >= Ld:
                    div = True
                    for v in range(n):
                        div &= L[v] <= P[r, P_LCM + v]
                    if div:
                        drop = True
                        for half in range(2):
                            ii = P[r, half]
                            if W[ii, GD] == pd:
                                same = True
                                for v in range(n):
                                    if W[ii, v] != P[r, P_LCM + v]:
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
            lo = W[0, GD]
            hi = W[0, GD]
            for t in range(1, m):
                if W[t, GD] < lo:
                    lo = W[t, GD]
                elif W[t, GD] > hi:
                    hi = W[t, GD]
            need = 2 * m + hi - lo + 2
            if I.shape[0] < need:
                I = np.empty(need, np.int64)
            # I: the visiting order (m), the kept classes (m), the counting sort's starts (from 2m)
            K0 = m
            S0 = 2 * m  # a stable counting sort by degree
            for d in range(S0, need):
                I[d] = 0
            for t in range(m):
                I[S0 + W[t, GD] - lo + 1] += 1
            for d in range(1, hi - lo + 2):
                I[S0 + d] += I[S0 + d - 1]
            for t in range(m):
                d = W[t, GD] - lo
                I[I[S0 + d]] = t
                I[S0 + d] += 1
            nkept = 0
            for t in range(m):
                i = I[t]
                W[i, SEL] = 0
                found = -1
                for u in range(nkept):
                    r = I[K0 + u]
                    div = True
                    for v in range(n):
                        div &= W[r, v] <= W[i, v]
                    if div:
                        found = r
                        break
                if found < 0:
                    I[K0 + nkept] = i
                    nkept += 1
                    W[i, SEL] = 1 - W[i, CP]
                elif W[found, GD] == W[i, GD] and W[i, CP]:  # the same class (a divisor of equal degree)
                    W[found, SEL] = 0
        for i in range(m):
            if elim == 0:
                if W[i, SEL] == 0:
                    continue
            elif elim == 1:
                if W[i, CP]:
                    continue
            P[npairs, P_I] = i
            P[npairs, P_J] = m
            P[npairs, P_DEG] = W[i, GD]
            s1 = B[i, B_SUG] + W[i, GD] - B[i, B_LD]
            s2 = sug + W[i, GD] - Ld
            P[npairs, P_SUG] = s1 if s1 >= s2 else s2
            for v in range(n):
                P[npairs, P_LCM + v] = W[i, v]
            npairs += 1
    # append to G
    B[m, B_NT] = nt
    B[m, B_SUG] = sug
    B[m, B_LD] = Ld
    if nt == 2:
        B[m, B_CO] = coef
        B[m, B_TD] = Td
    else:
        B[m, B_CO] = 0
        B[m, B_TD] = 0
    for v in range(n):
        B[m, B_LE + v] = L[v]
        B[m, B_LE + n + v] = T[v] if nt == 2 else 0
    # reducers: after every element whose lead is <= L
    pos = m
    while pos > 0:
        g = R[pos - 1]
        if compare(B, g, B, m, B_LE, B[g, B_LD], Ld, n, order) > 0:
            pos -= 1
        else:
            break
    for q in range(m, pos, -1):
        R[q] = R[q - 1]
    R[pos] = m
    M[M_NB] = m + 1
    M[M_NP] = npairs


@kernel
def init(B, R, P, M, E, C):
    """``init_ws`` allocating its own scratch."""
    return init_ws(B, R, P, M, E, C, np.empty((0, M[M_N] + 3), np.int64), np.empty(0, np.int64))


@kernel
def init_ws(B, R, P, M, E, C, W, I):
    """``update`` with each generator, made monic: E (s, 2, n) holds the exponent fields of the two
    terms (x_{n-1} first unless grevlex; the second term is ignored for a monomial), C (s, 3) the
    lead and tail coefficients and the term count."""
    n = M[M_N]
    p = M[M_P]
    rev = M[M_ORDER] != GREVLEX
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
            coef = (C[k, 1] % p) * inverse(C[k, 0] % p, p) % p
        sug = Ld if Ld >= Td else Td
        update_ws(B, R, P, M, L, Ld, T, Td, nt, coef, sug, W, I)
    return M[M_NP]



@kernel
def _drop_term(S, t, hn, n):
    """Remove term ``t`` from the (at most two-term) working polynomial in rows 0-1 of S (exponents,
    coefficient, degree); returns the new term count."""
    if t == 0 and hn == 2:
        for v in range(n + 2):
            S[0, v] = S[1, v]
    return hn - 1

@kernel
def step(B, R, P, M, a):
    """Process pair a: its S-polynomial, fully reduced, joins G if non-zero; returns (polynomial
    additions of the step, that is 1 + reduction steps, then |P| and |G|)."""
    n = M[M_N]
    return step_ws(B, R, P, M, a, np.empty((4, n + 2), np.int64), np.empty((0, n + 3), np.int64),
                   np.empty(0, np.int64))


@kernel
def step_ws(B, R, P, M, a, S, W, I):
    """``step`` with caller-owned scratch: S (4, n + 2), and W and I as ``update_ws`` takes them."""
    n = M[M_N]
    order = M[M_ORDER]
    p = M[M_P]
    nb = M[M_NB]
    npairs = M[M_NP]
    i = P[a, P_I]
    j = P[a, P_J]
    gdeg = P[a, P_DEG]
    sugar = P[a, P_SUG]
    # S rows 0-1: the terms of h, rows 2-3: the remainder's (descending); a row holds the exponents,
    # then the coefficient (column CO) and the degree (DG). Indexed in place, never through views.
    CO = n
    DG = n + 1
    hn = 0
    # S-polynomial: c_i (gamma/L_i) T_i - c_j (gamma/L_j) T_j
    if B[i, B_NT] == 2:
        for v in range(n):
            S[0, v] = P[a, P_LCM + v] - B[i, B_LE + v] + B[i, B_LE + n + v]
        S[0, CO] = B[i, B_CO]
        S[0, DG] = gdeg - B[i, B_LD] + B[i, B_TD]
        hn = 1
    if B[j, B_NT] == 2:
        c2 = p - B[j, B_CO] if B[j, B_CO] else 0  # -c_j mod p (coefficients lie in [0, p))
        same = hn == 1
        if same:
            for v in range(n):
                if S[0, v] != P[a, P_LCM + v] - B[j, B_LE + v] + B[j, B_LE + n + v]:
                    same = False
                    break
        if same:
            cc = S[0, CO] + c2
            if cc >= p:
                cc -= p
            if cc == 0:
                hn = 0
            else:
                S[0, CO] = cc
        else:
            for v in range(n):
                S[hn, v] = P[a, P_LCM + v] - B[j, B_LE + v] + B[j, B_LE + n + v]
            S[hn, CO] = c2
            S[hn, DG] = gdeg - B[j, B_LD] + B[j, B_TD]
            hn += 1
    # remove pair a, keeping the order of the others
    width = P.shape[1]
    for r in range(a, npairs - 1):
        for c in range(width):
            P[r, c] = P[r + 1, c]
    npairs -= 1
    M[M_NP] = npairs
    # full reduction (head and tail), first divisor in ascending-lead order
    xn = 0
    steps = 0
    madds = 0
    while hn > 0:
        t = 0
        if hn == 2 and compare(S, 1, S, 0, 0, S[1, DG], S[0, DG], n, order) > 0:
            t = 1
        md = S[t, DG]
        c = S[t, CO]
        g = -1
        for idx in range(nb):
            gg = R[idx]
            if B[gg, B_LD] > md:
                if order != LEX:
                    break  # graded: the remaining leads are no smaller in degree
                continue
            ok = True
            for v in range(n):
                ok &= B[gg, B_LE + v] <= S[t, v]
            if ok:
                g = gg
                break
        if g < 0:
            for v in range(n):
                S[2 + xn, v] = S[t, v]
            S[2 + xn, CO] = c
            S[2 + xn, DG] = md
            xn += 1
            hn = _drop_term(S, t, hn, n)
            continue
        steps += 1
        gnt = B[g, B_NT]
        madds += gnt
        s = md - B[g, B_LD] + B[g, B_SUG]
        if s > sugar:
            sugar = s
        if gnt == 2:
            prod = c * B[g, B_CO] % p
            newd = md - B[g, B_LD] + B[g, B_TD]
            o = 1 - t
            merged = False
            if hn == 2 and S[o, DG] == newd:
                merged = True
                for v in range(n):
                    if S[o, v] != S[t, v] - B[g, B_LE + v] + B[g, B_LE + n + v]:
                        merged = False
                        break
            if merged:
                v2 = S[o, CO] - prod
                if v2 < 0:
                    v2 += p
                if v2 == 0:
                    hn = 0
                else:
                    if o == 1:
                        for v in range(n):
                            S[0, v] = S[1, v]
                        S[0, DG] = S[1, DG]
                    S[0, CO] = v2
                    hn = 1
            else:
                for v in range(n):
                    S[t, v] = S[t, v] - B[g, B_LE + v] + B[g, B_LE + n + v]
                S[t, CO] = p - prod if prod else 0
                S[t, DG] = newd
        else:
            hn = _drop_term(S, t, hn, n)
    nti = B[i, B_NT]
    ntj = B[j, B_NT]
    madds += nti if nti <= ntj else ntj
    cost = 1 + steps
    M[M_COUNTERS] += cost
    M[M_COUNTERS + 1] += madds
    M[M_COUNTERS + 2] += 1
    if xn > 0:
        M[M_COUNTERS + 4] += 1
        coef = 0
        if xn == 2:
            coef = S[3, CO] * inverse(S[2, CO], p) % p
        update_ws(B, R, P, M, S[2], S[2, DG], S[3], S[3, DG], xn, coef, sugar, W, I)
    else:
        M[M_COUNTERS + 3] += 1
    return cost, M[M_NP], M[M_NB]


@kernel
def play_out(B, R, P, M, code, gamma, counter, acc):
    """Finish the episode in place with builtin strategy ``code``, adding each step's discounted cost
    (the increase of counter ``counter``) to ``acc`` = [return so far, discount]: one call for what a
    Python loop of ``select`` and ``step`` does in two per pair (a search's leaf rollouts spend most of
    their time in that loop's calls). Returns True when the episode has ended, False as soon as one
    more step could overflow B, R or P: grow them and call again (acc carries the sum over)."""
    n = M[M_N]
    return play_out_ws(B, R, P, M, code, gamma, counter, acc, np.empty((4, n + 2), np.int64),
                       np.empty((4 * B.shape[0], n + 3), np.int64), np.empty(8 * B.shape[0] + 256, np.int64))


@kernel
def play_out_ws(B, R, P, M, code, gamma, counter, acc, S, W, I):
    """``play_out`` with caller-owned scratch, as ``step_ws`` takes it."""
    total = acc[0]
    discount = acc[1]
    done = True
    while M[M_NP] > 0:
        if M[M_NB] + 1 > B.shape[0] or M[M_NP] + M[M_NB] > P.shape[0]:
            done = False
            break
        a = select(B, P, M, code)
        before = M[M_COUNTERS + counter]
        step_ws(B, R, P, M, a, S, W, I)
        total += discount * -float(M[M_COUNTERS + counter] - before)
        discount *= gamma
    acc[0] = total
    acc[1] = discount
    return done


@kernel
def pair_exponents(out, B, P, M, k):
    """Rows [v(g_i) | v(g_j)] (v(g): the exponents of g's first k terms, zero-filled to n*k) for the
    first min(|P|, len(out)) pairs; zero the rest of ``out``; return |P|."""
    n = M[M_N]
    npairs = M[M_NP]
    rows = npairs if npairs < out.shape[0] else out.shape[0]
    nk = n * k
    for r in range(rows):
        for half in range(2):
            g = P[r, half]
            base = half * nk
            for v in range(n):
                out[r, base + v] = B[g, B_LE + v]
            if k >= 2:
                if B[g, B_NT] == 2:
                    for v in range(n):
                        out[r, base + n + v] = B[g, B_LE + n + v]
                else:
                    for v in range(n):
                        out[r, base + n + v] = 0
                for c in range(base + 2 * n, base + nk):
                    out[r, c] = 0
    out[rows:, :] = 0  # a slice assignment vectorises; a nested loop is ~3x slower here
    return npairs


@kernel
def step_and_write(B, R, P, M, a, out, k):
    """``step`` then ``pair_exponents``."""
    res = step(B, R, P, M, a)
    pair_exponents(out, B, P, M, k)
    return res


@kernel
def key_digits(A, m, col, dcol, order, out):
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


@kernel
def spoly_degrees(B, P, M, out):
    """Total degree of each pair's unreduced S-polynomial, -1 where it is zero."""
    n = M[M_N]
    p = M[M_P]
    for a in range(M[M_NP]):
        i = P[a, P_I]
        j = P[a, P_J]
        gdeg = P[a, P_DEG]
        best = -1
        hi = B[i, B_NT] == 2
        hj = B[j, B_NT] == 2
        di = gdeg - B[i, B_LD] + B[i, B_TD]
        dj = gdeg - B[j, B_LD] + B[j, B_TD]
        if hi and hj and di == dj:
            same = True
            for v in range(n):
                if B[i, B_LE + n + v] - B[i, B_LE + v] != B[j, B_LE + n + v] - B[j, B_LE + v]:
                    same = False
                    break
            if same and (B[i, B_CO] - B[j, B_CO]) % p == 0:
                hi = False
                hj = False
        if hi:
            best = di
        if hj and dj > best:
            best = dj
        out[a] = best


@kernel
def select(B, P, M, code):
    """The builtin strategies with the Python strategies' tie-breaks (the earliest pair in queue
    order; codegree the latest); -1 if there are no pairs."""
    npairs = M[M_NP]
    if npairs == 0:
        return -1
    n = M[M_N]
    order = M[M_ORDER]
    if code == 0:  # first
        return 0
    if code == 5:  # last
        return npairs - 1
    best = 0
    if code == 1:  # degree
        for a in range(1, npairs):
            if P[a, P_DEG] < P[best, P_DEG]:
                best = a
    elif code == 6:  # codegree: largest degree, ties to the latest
        for a in range(1, npairs):
            if P[a, P_DEG] >= P[best, P_DEG]:
                best = a
    elif code == 2:  # normal
        for a in range(1, npairs):
            if compare(P, a, P, best, P_LCM, P[a, P_DEG], P[best, P_DEG], n, order) < 0:
                best = a
    elif code == 3:  # sugar, then normal
        for a in range(1, npairs):
            if P[a, P_SUG] < P[best, P_SUG] or (P[a, P_SUG] == P[best, P_SUG] and compare(
                    P, a, P, best, P_LCM, P[a, P_DEG], P[best, P_DEG], n, order) < 0):
                best = a
    elif code == 4:  # truedegree
        degs = np.empty(npairs, np.int64)
        spoly_degrees(B, P, M, degs)
        for a in range(1, npairs):
            if degs[a] < degs[best]:
                best = a
    return best


@kernel
def minimal_leads(B, R, M, kept):
    """Write into ``kept`` the elements whose lead no earlier kept lead divides (in ascending-lead order):
    one per element of the reduced basis; return how many."""
    n = M[M_N]
    nb = M[M_NB]
    nk = 0
    for idx in range(nb):
        g = R[idx]
        ok = True
        for t in range(nk):
            h = kept[t]
            if B[h, B_LD] > B[g, B_LD]:
                continue
            div = True
            for v in range(n):
                if B[h, B_LE + v] > B[g, B_LE + v]:
                    div = False
                    break
            if div:
                ok = False
                break
        if ok:
            kept[nk] = g
            nk += 1
    return nk


@kernel
def reduced_size(B, R, M, kept):
    """The size of the reduced basis without building it (``kept``: scratch, replaced when under |G|)."""
    if kept.shape[0] < M[M_NB]:
        kept = np.empty(M[M_NB], np.int64)
    return minimal_leads(B, R, M, kept)


@kernel
def reduced_rows(B, R, M):
    """Rows of the reduced basis: keep the elements whose lead no earlier kept lead divides (in
    ascending-lead order), then tail-reduce each by the others."""
    n = M[M_N]
    p = M[M_P]
    nb = M[M_NB]
    kept = np.empty(nb, np.int64)
    nk = minimal_leads(B, R, M, kept)
    out = np.zeros((nk, B.shape[1]), np.int64)
    X = np.empty(n, np.int64)
    for t in range(nk):
        g = kept[t]
        for c in range(B_LE + n):
            out[t, c] = B[g, c]
        out[t, B_NT] = 1
        out[t, B_CO] = 0
        out[t, B_TD] = 0
        if B[g, B_NT] != 2:
            continue
        for v in range(n):
            X[v] = B[g, B_LE + n + v]
        xd = B[g, B_TD]
        c = B[g, B_CO]
        while True:
            f = -1
            for u in range(nk):
                h = kept[u]
                if h == g or B[h, B_LD] > xd:
                    continue
                div = True
                for v in range(n):
                    if B[h, B_LE + v] > X[v]:
                        div = False
                        break
                if div:
                    f = h
                    break
            if f < 0:
                out[t, B_NT] = 2
                out[t, B_CO] = c
                out[t, B_TD] = xd
                for v in range(n):
                    out[t, B_LE + n + v] = X[v]
                break
            if B[f, B_NT] != 2:
                break  # reduced to zero
            for v in range(n):
                X[v] = X[v] - B[f, B_LE + v] + B[f, B_LE + n + v]
            xd = xd - B[f, B_LD] + B[f, B_TD]
            c = (p - c * B[f, B_CO] % p) % p
    return out

