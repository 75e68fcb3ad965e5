"""Compiled kernels of the batched Buchberger env: draw a binomial ideal, and step B ideals at once.

Why: a Python-level ``env.step`` costs microseconds of interpreter work per
S-pair, more than the compiled step itself, and drawing one ideal of
``3-20-10-weighted`` through ``numpy.random.Generator`` calls costs about as much
as the whole episode's arithmetic. So the vector env
(:mod:`~mathrl.envs.buchberger.vector_env`) draws its ideals and advances all
its episodes in the two kernels below, over the arrays of
:mod:`~mathrl.envs.buchberger.binomial_kernels` with one more leading axis.

:func:`draw_binomials` repeats :meth:`BinomialIdealSource.sample
<mathrl.envs.buchberger.distributions.BinomialIdealSource.sample>` draw for draw
on the same ``numpy.random.Generator`` (numba calls the generator's own bit
stream with numpy's algorithms), so ``reset(seed=s)`` serves the single env's
ideals; the tests check it ideal for ideal.

Sampler tables (built by the vector env from the source): ``cdf`` the
normalised cumulative degree weights; for degree ``d``, ``counts[d]``
monomials at rows ``offsets[d] ..`` of ``exps`` (exponent fields in the
backend's key order, descending-lex index order as the source draws them) and
``ranks`` (position in the ring's monomial order, so comparing two drawn
monomials needs no packed keys).
"""

from __future__ import annotations

import numpy as np

from mathrl.envs.buchberger.binomial_kernels import (B_LE, M_COUNTERS, M_N, M_NB, M_NP, P_I, init_ws, kernel,
                                                     play_out_ws, reduced_size, step_ws)

__all__ = ["draw_binomials", "draw_ahead", "reset_batch", "rollout_values", "step_batch", "write_rows"]

MAX_MONOMIAL_ATTEMPTS = 1000  # as distributions.MAX_MONOMIAL_ATTEMPTS
DRAW_FAILED = -2  # draw_binomials: two distinct monomials could not be drawn
READY = -1  # reset_batch: every pending env has a new episode
MAX_NUM_ENVS = 1 << 16
NEEDS_ROOM = -1  # step_batch: grow the arrays and call again (nothing was stepped)
ZERO_REDUCTIONS = M_COUNTERS + 3


@kernel
def _bisect_right(cdf, x):
    lo = 0
    hi = cdf.shape[0]
    while lo < hi:
        mid = (lo + hi) // 2
        if x < cdf[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


@kernel
def draw_binomials(rng, cdf, counts, offsets, exps, ranks, homog, pure, cbound, p, E, C, lead_rank):
    """Draw the s = len(E) generators of one ideal into E (s, 2, n) (lead, tail exponent fields) and C (s,)
    (tail coefficients; leads are monic), in the source's canonical order: coefficient, degrees, then
    monomial indices until the two differ. lead_rank[g] is the lead's rank. Returns 0, or DRAW_FAILED."""
    s = E.shape[0]
    n = E.shape[2]
    for g in range(s):
        if pure:
            c = p - 1
        else:
            c = rng.integers(1, cbound)
        while True:
            d1 = _bisect_right(cdf, rng.random())
            d2 = d1
            if not homog:
                d2 = _bisect_right(cdf, rng.random())
            if d1 or d2:
                break
        i1 = 0
        i2 = 0
        ok = False
        for _attempt in range(MAX_MONOMIAL_ATTEMPTS):
            i1 = rng.integers(0, counts[d1])
            i2 = rng.integers(0, counts[d2])
            if d1 != d2 or i1 != i2:
                ok = True
                break
        if not ok:
            return DRAW_FAILED
        r1 = offsets[d1] + i1
        r2 = offsets[d2] + i2
        if ranks[r1] < ranks[r2]:
            r1, r2 = r2, r1
        for v in range(n):
            E[g, 0, v] = exps[r1, v]
            E[g, 1, v] = exps[r2, v]
        C[g] = c
        lead_rank[g] = ranks[r1]
    return 0


@kernel
def _sort_by_lead(E, C, lead_rank):
    """Stable insertion sort of the generators by lead monomial, ascending (``sort_input=True``)."""
    s = E.shape[0]
    for a in range(1, s):
        b = a
        while b > 0 and lead_rank[b - 1] > lead_rank[b]:
            lead_rank[b - 1], lead_rank[b] = lead_rank[b], lead_rank[b - 1]
            for t in range(2):
                for v in range(E.shape[2]):
                    E[b - 1, t, v], E[b, t, v] = E[b, t, v], E[b - 1, t, v]
            C[b - 1], C[b] = C[b], C[b - 1]
            b -= 1


@kernel
def draw_ahead(rng, cdf, counts, offsets, exps, ranks, homog, pure, cbound, p, sort_input, IE, IC, status,
               lead_rank):
    """Fill one env's ideal buffer: IE (K, s, 2, n), IC (K, s), status (K,) = 0 or DRAW_FAILED.

    Drawing K ideals in one call costs one unboxing of the generator instead of K, and consumes the
    stream exactly as K one-by-one draws would (whether an ideal is kept never changes what is drawn),
    so the episodes are the single env's. A failed draw is recorded, and raised when it is reached."""
    for q in range(IE.shape[0]):
        status[q] = draw_binomials(rng, cdf, counts, offsets, exps, ranks, homog, pure, cbound, p, IE[q], IC[q],
                                   lead_rank)
        if status[q] != 0:
            return q + 1
        if sort_input:
            _sort_by_lead(IE[q], IC[q], lead_rank)
    return IE.shape[0]


@kernel
def reset_batch(pending, IE, IC, status, cursor, filled, meta, Bs, Rs, Ps, Ms, max_redraws, redraws,
                obs, masks, written, ids, k, C, W, I):
    """Start a new episode in every env with ``pending[e]``: take buffered ideals until one has an S-pair
    (``redraws[e]`` counts the others), then write its first observation, and clear ``pending[e]``.

    Returns READY when all are done; an env index >= 0 whose buffer ran dry (refill it and call again:
    the finished envs are no longer pending); or ``-(e + 10)`` for a failed draw in env e, and
    ``-(e + 10) - MAX_NUM_ENVS`` when e drew ``max_redraws`` ideals in a row without an S-pair."""
    nenv = Bs.shape[0]
    s = IE.shape[2]
    for e in range(nenv):
        if not pending[e]:
            continue
        M = Ms[e]
        while True:
            q = cursor[e]
            if q >= filled[e]:
                return e
            cursor[e] = q + 1  # a failed draw is used up too: the next reset draws on, as the single env's does
            if status[e, q] != 0:
                return -(e + 10)
            for g in range(s):
                C[g, 0] = 1
                C[g, 1] = IC[e, q, g]
                C[g, 2] = 2
            for c in range(M.shape[0]):
                M[c] = meta[c]
            init_ws(Bs[e], Rs[e], Ps[e], M, IE[e, q], C, W, I)
            if M[M_NP] > 0:
                break
            redraws[e] += 1
            if redraws[e] >= max_redraws:
                return -(e + 10) - MAX_NUM_ENVS
        rows = written[e]
        for r in range(rows):  # a new basis: every row is rewritten, and the old rows beyond it cleared
            ids[e, r] = -1
        written[e] = write_rows(obs[e], masks[e], Bs[e], Ps[e], M, k, rows, ids[e])
        pending[e] = 0
    return READY


@kernel
def write_rows(out, mask, B, P, M, k, written, ids):
    """The padded observation of one env: pair rows [v(g_i) | v(g_j)] (v: the exponents of the first k terms)
    and mask ones for the first min(|P|, len(out)) pairs.

    A row depends only on its pair (i, j), since basis elements never change once added; ``ids[r]`` keeps
    the pair row r shows, so a step rewrites only the rows whose pair changed (from the chosen one on, as
    the queue closes up) and clears rows up to ``written`` (what the last call wrote). Returns the rows
    written. After the basis is replaced (a new episode), pass ``written = 0``."""
    n = M[M_N]
    npairs = M[M_NP]
    rows = npairs if npairs < out.shape[0] else out.shape[0]
    nk = n * k
    for r in range(rows):
        key = (P[r, P_I] << 32) | P[r, P_I + 1]
        if r < written and ids[r] == key:
            continue
        ids[r] = key
        for half in range(2):
            g = P[r, P_I + half]
            base = half * nk
            for v in range(n):
                out[r, base + v] = B[g, B_LE + v]
            if k >= 2:
                for v in range(n):
                    out[r, base + n + v] = B[g, B_LE + n + v]  # zero for a monomial (its tail fields are 0)
                for c in range(base + 2 * n, base + nk):
                    out[r, c] = 0
        mask[r] = 1
    for r in range(rows, written):
        for c in range(out.shape[1]):
            out[r, c] = 0
        mask[r] = 0
    return rows


@kernel
def step_batch(Bs, Rs, Ps, Ms, actions, run, counter, k, max_pairs, max_steps, penalty, obs, masks, written, ids,
               steps, reward, cost, flags, reduced, S, W, I):
    """Process pair ``actions[e]`` in every env with ``run[e]``, write its next observation, and fill the
    step's outputs, as :meth:`BuchbergerEnv.step <mathrl.envs.buchberger.env.BuchbergerEnv.step>` computes them.

    ``reward[e]``: minus the increase of counter ``counter`` (a :data:`~mathrl.envs.buchberger.base.STAT_KEYS`
    index), or ``penalty`` for an action outside the pair queue (which changes nothing); ``cost[e]``: the
    step's polynomial additions; ``flags`` rows: zero reduction, invalid action, pair overflow (more than
    ``max_pairs`` pairs), terminated, truncated (overflow, or ``max_steps`` steps; < 0: no limit); on
    termination ``reduced[e]`` is the size of the reduced basis. Envs not run get zeros. S, W and I
    are scratch (``binomial_kernels.step_ws``). Returns NEEDS_ROOM, before stepping anything, when some env
    could outgrow the arrays."""
    nenv = Bs.shape[0]
    capb = Bs.shape[1]
    capp = Ps.shape[1]
    for e in range(nenv):
        if run[e] and (Ms[e, M_NB] + 1 > capb or Ms[e, M_NP] + Ms[e, M_NB] > capp):
            return NEEDS_ROOM
    for e in range(nenv):
        for f in range(5):
            flags[f, e] = False
        reward[e] = 0.0
        cost[e] = 0
        if not run[e]:
            continue
        M = Ms[e]
        steps[e] += 1
        a = actions[e]
        if a < 0 or a >= M[M_NP]:
            flags[1, e] = True
            reward[e] = penalty
        else:
            before = M[M_COUNTERS + counter]
            zeros = M[ZERO_REDUCTIONS]
            B = Bs[e]  # each view costs an atomic reference count: take them once
            R = Rs[e]
            P = Ps[e]
            c, npairs, _nb = step_ws(B, R, P, M, a, S, W, I)
            reward[e] = -float(M[M_COUNTERS + counter] - before)
            cost[e] = c
            flags[0, e] = M[ZERO_REDUCTIONS] > zeros
            written[e] = write_rows(obs[e], masks[e], B, P, M, k, written[e], ids[e])
            if npairs == 0:
                flags[3, e] = True
                reduced[e] = reduced_size(B, R, M, I)
        overflow = M[M_NP] > max_pairs
        flags[2, e] = overflow
        if not flags[3, e] and (overflow or (max_steps >= 0 and steps[e] >= max_steps)):
            flags[4, e] = True
    return 0


@kernel
def rollout_values(Bs, Rs, Ps, Ms, which, code, gamma, counter, out, Bc, Rc, Pc, Mc, S, W, I, start):
    """``out[e]``: the discounted return of finishing env e's episode with builtin strategy ``code`` from a
    copy of its state (0 when it has ended), for each e >= ``start`` with ``which[e]``: the heuristic value
    baseline of Peifer et al. (2020), as :func:`~mathrl.envs.buchberger.returns.rollout_value` computes it.

    Bc, Rc, Pc, Mc hold the copy. Returns READY, or the env whose rollout outgrew them: grow them and call
    again from that env (a rollout changes nothing but the copy)."""
    nenv = Bs.shape[0]
    acc = np.empty(2)
    for e in range(start, nenv):
        if not which[e]:
            continue
        M = Ms[e]
        if M[M_NP] == 0:
            out[e] = 0.0
            continue
        nb = M[M_NB]
        npairs = M[M_NP]
        if nb + 1 > Bc.shape[0] or npairs + nb > Pc.shape[0]:
            return e
        for r in range(nb):
            Rc[r] = Rs[e, r]
            for c in range(Bs.shape[2]):
                Bc[r, c] = Bs[e, r, c]
        for r in range(npairs):
            for c in range(Ps.shape[2]):
                Pc[r, c] = Ps[e, r, c]
        for c in range(M.shape[0]):
            Mc[c] = M[c]
        acc[0] = 0.0
        acc[1] = 1.0
        if not play_out_ws(Bc, Rc, Pc, Mc, code, gamma, counter, acc, S, W, I):
            return e
        out[e] = acc[0]
    return READY
