"""Buchberger's algorithm as a pure, cloneable state: the reference backend.

The state is (G, P): the basis so far and the queue of S-pairs still to
process. An action picks a pair; the state forms its S-polynomial, fully
reduces it by the current basis (head and tail, always by the first divisor in
ascending-lead order), and adds a non-zero remainder, made monic, with the
Gebauer-Moeller (1988) update. The cost of a step is 1 + the number of
reduction subtractions: the "polynomial additions" of Peifer, Stillman and
Halpern-Leistner (2020).

This backend takes any field and any generators, and is the oracle the
compiled binomial backend (:mod:`~mathrl.envs.buchberger.binomial`) is tested
against. Its public interface is :class:`~mathrl.envs.buchberger.base.BuchbergerBase`;
nothing here knows about RL: the Gymnasium env wraps it, tree search clones
it, and the reward modes and features live in ``returns`` and ``features``.
"""

from __future__ import annotations

import heapq

import numpy as np

from mathrl.core import IllegalActionError, as_action
from mathrl.envs.buchberger.base import ELIMINATIONS, STAT_KEYS, BuchbergerBase, check_elimination
from mathrl.envs.buchberger.polynomial import Polynomial
from mathrl.envs.buchberger.ring import Ring

__all__ = ["BuchbergerState", "ELIMINATIONS", "STAT_KEYS"]


class _Context:
    """Per-(ring, elimination) constants and bound helpers, shared by all clones."""

    __slots__ = ("ring", "p", "guard", "fields", "from_fields", "degree", "w1", "allfields", "elimination")

    def __init__(self, ring: Ring, elimination: str):
        check_elimination(elimination)
        self.ring = ring
        self.p = ring.p
        self.guard = ring._layout[2]
        self.fields, self.from_fields, self.degree = ring.fast_ops()
        _, w, _, _, self.allfields = ring._layout
        self.w1 = w - 1
        self.elimination = elimination

    def __reduce__(self):
        """Pickle as (ring, elimination): the bound helpers are closures, rebuilt on load."""
        return (_Context, (self.ring, self.elimination))


class BuchbergerState(BuchbergerBase):
    """G, P and the running cost counters, as Python polynomials (see the module docstring).

    Immutable parts (polynomials, the tuples holding them) are shared between
    clones; only the pair queue and counters are copied, so ``clone`` costs
    O(|G| + |P|).
    """

    __slots__ = ("ctx", "basis", "leads", "lead_fields", "sugars", "reducers", "pairs", "pair_lcms",
                 "pair_lcm_fields", "counters", "_terms", "_cache")

    # --- construction -------------------------------------------------------------------------
    def __init__(self, ctx: _Context):
        self.ctx = ctx
        self.basis: tuple = ()
        self.leads: tuple = ()
        self.lead_fields: tuple = ()
        self.sugars: tuple = ()
        self.reducers: tuple = ()  # basis indices, ascending by lead monomial (stable)
        self.pairs: list = []
        self.pair_lcms: list = []  # packed order keys of the pair lcms (compare with <)
        self.pair_lcm_fields: list = []  # the same lcms as exponent fields (for divisibility)
        self.counters = dict.fromkeys(STAT_KEYS, 0)
        self._terms = None  # (k, int64 array): exponents of the first k terms of each basis element
        self._cache = None  # per-pair views, until the next apply (BuchbergerBase._view)

    @classmethod
    def from_generators(cls, F, ring: Ring, elimination: str = "gebauermoeller",
                        sort_input: bool = False) -> "BuchbergerState":
        """The initial state: ``_update`` with each non-zero generator, made monic, in order (sorted by
        lead monomial first with ``sort_input``). A generator's sugar is its total degree."""
        state = cls(_Context(ring, elimination))
        polys = [f for f in F if f]
        for f in polys:
            if f.ring != ring:
                raise ValueError(f"generator {f} is over {f.ring}, expected {ring}")
        if sort_input:
            polys = sorted(polys, key=lambda f: f.lm)  # stable
        for f in polys:
            state._update(f.monic(), f.degree())
        return state

    def clone(self) -> "BuchbergerState":
        other = BuchbergerState.__new__(BuchbergerState)
        other.ctx = self.ctx
        other.basis, other.leads, other.lead_fields = self.basis, self.leads, self.lead_fields
        other.sugars, other.reducers, other._terms = self.sugars, self.reducers, self._terms
        other.pairs = self.pairs.copy()
        other.pair_lcms = self.pair_lcms.copy()
        other.pair_lcm_fields = self.pair_lcm_fields.copy()
        other.counters = self.counters.copy()
        other._cache = self._cache  # views of an identical state: replaced, never mutated, on apply
        return other

    # --- the update ---------------------------------------------------------------------------
    def _update(self, f: Polynomial, sugar: int) -> None:
        """Add monic f to G, creating its pairs with the configured elimination.

        ``gebauermoeller`` is the Gebauer-Moeller (1988) update: (1) drop every
        old pair (i, j) whose lcm the new lead divides, unless that lcm equals
        the lcm of g_i's or g_j's lead with the new lead; (2) group the new
        pairs by lcm and keep only the divisibility-minimal groups; (3) keep one
        pair per group, or none if a member's lead is coprime to the new lead
        (Buchberger's first criterion). ``lcm`` applies only the coprime
        criterion, ``none`` nothing.

        Works on the exponent *fields* of the lead monomials (see ring.py), where
        lcm is a SWAR max and divisibility one subtraction; packed order keys are
        only made for the pairs that survive. Sorting fields as integers is a
        linear extension of divisibility, which is all step (2) needs to find
        the divisibility-minimal lcms.
        """
        ctx = self.ctx
        guard, fields, w1, allf = ctx.guard, ctx.fields, ctx.w1, ctx.allfields
        L = f.lm
        Lf = fields(L)
        m = len(self.basis)
        lf = self.lead_fields
        lcms = []
        coprime = []
        for Li in lf:
            t = ((Lf | guard) - Li) & guard  # guard set where L's field >= Li's
            msk = t - (t >> w1)
            g = (Lf & msk) | (Li & ~msk & allf)
            lcms.append(g)
            coprime.append(g == Li + Lf)
        if ctx.elimination == "none":
            new = list(range(m))
        elif ctx.elimination == "lcm":
            new = [i for i in range(m) if not coprime[i]]
        else:
            # 1. prune old pairs whose lcm is a strict multiple "through" the new lead
            pairs, lcmf = self.pairs, self.pair_lcm_fields
            drop = [a for a, ((i, j), g) in enumerate(zip(pairs, lcmf))
                    if ((g - Lf) & guard) == 0 and g != lcms[i] and g != lcms[j]]
            if drop:
                dropped = set(drop)
                keep = [a for a in range(len(pairs)) if a not in dropped]
                self.pairs = [pairs[a] for a in keep]
                self.pair_lcm_fields = [lcmf[a] for a in keep]
                self.pair_lcms = [self.pair_lcms[a] for a in keep]
            # 2. divisibility-minimal lcm classes, 3. one pair per class unless a member is coprime
            classes: dict = {}
            for i, g in enumerate(lcms):
                if g in classes:
                    classes[g].append(i)
                else:
                    classes[g] = [i]
            kept: list = []
            new = []
            for g in sorted(classes):
                for kf in kept:
                    if ((g - kf) & guard) == 0:
                        break
                else:
                    kept.append(g)
                    members = classes[g]
                    for i in members:
                        if coprime[i]:
                            break
                    else:
                        new.append(members[0])
            new.sort()
        from_fields = ctx.from_fields
        for i in new:
            self.pairs.append((i, m))
            self.pair_lcm_fields.append(lcms[i])
            self.pair_lcms.append(from_fields(lcms[i]))
        # append f to G and insert it into the reducers after every lead <= L
        self.basis = self.basis + (f,)
        leads = self.leads
        self.leads = leads + (L,)
        self.lead_fields = lf + (Lf,)
        self.sugars = self.sugars + (sugar,)
        red = self.reducers
        pos = len(red)
        while pos > 0 and leads[red[pos - 1]] > L:
            pos -= 1
        self.reducers = red[:pos] + (m,) + red[pos:]

    # --- one step ---------------------------------------------------------------------------
    def apply(self, action: int) -> float:
        """Process pair ``pairs[action]``; return minus its polynomial additions (1 + reduction steps)."""
        a = as_action(action)
        if not 0 <= a < len(self.pairs):
            raise IllegalActionError(f"action {a} is not a pair index: there are {len(self.pairs)} pairs")
        self._cache = None
        i, j = self.pairs.pop(a)
        lcm = self.pair_lcms.pop(a)
        del self.pair_lcm_fields[a]
        gi, gj = self.basis[i], self.basis[j]
        qi, qj = lcm - gi.monos[0], lcm - gj.monos[0]
        sugar = self._pair_sugar(i, j, lcm)
        h = self._spoly(gi, gj, qi, qj)
        r, sugar, steps, mono_adds = self._reduce(h, sugar)
        c = self.counters
        cost = 1 + steps
        c["polynomial_additions"] += cost
        c["monomial_additions"] += min(len(gi), len(gj)) + mono_adds
        c["pairs_processed"] += 1
        if r:
            c["nonzero_reductions"] += 1
            self._update(r.monic(), sugar)
        else:
            c["zero_reductions"] += 1
        return -float(cost)

    def _spoly(self, gi: Polynomial, gj: Polynomial, qi: int, qj: int) -> dict:
        p = self.ctx.p
        h = {m + qi: c for m, c in zip(gi.monos[1:], gi.coeffs[1:])}
        for m, c in zip(gj.monos[1:], gj.coeffs[1:]):
            k = m + qj
            v = h.get(k, 0) - c
            if p is not None:
                v %= p
            if v:
                h[k] = v
            else:
                h.pop(k, None)
        return h

    def _reduce(self, h: dict, sugar: int, reducer_ids=None):
        """Full (head and tail) reduction of h by the reducers, first divisor in ascending-lead order.

        Returns (remainder polynomial, sugar, steps, monomial additions of the steps).
        """
        ctx = self.ctx
        p, guard, fields, degree = ctx.p, ctx.guard, ctx.fields, ctx.degree
        basis = self.basis
        ids = self.reducers if reducer_ids is None else reducer_ids
        reducers = [(self.lead_fields[k], basis[k], self.sugars[k]) for k in ids]
        heap = [-m for m in h]
        heapq.heapify(heap)
        r_monos, r_coeffs = [], []
        steps = mono_adds = 0
        while heap:
            m = -heapq.heappop(heap)
            c = h.pop(m, None)
            if c is None:  # stale heap entry (cancelled term)
                continue
            while heap and -heap[0] == m:  # drop duplicates of this key
                heapq.heappop(heap)
            fm = fields(m)
            for gf, g, gs in reducers:
                if ((fm - gf) & guard) == 0:
                    break
            else:
                r_monos.append(m)
                r_coeffs.append(c)
                continue
            q = m - g.monos[0]
            for gm, gc in zip(g.monos[1:], g.coeffs[1:]):
                k = gm + q
                old = h.get(k)
                if old is None:
                    v = -c * gc
                    if p is not None:
                        v %= p
                    h[k] = v
                    heapq.heappush(heap, -k)
                else:
                    v = old - c * gc
                    if p is not None:
                        v %= p
                    if v:
                        h[k] = v
                    else:
                        del h[k]
            steps += 1
            mono_adds += len(g)
            s = degree(q) + gs
            if s > sugar:
                sugar = s
        return Polynomial(ctx.ring, tuple(r_monos), tuple(r_coeffs)), sugar, steps, mono_adds

    def _pair_sugar(self, i: int, j: int, lcm: int) -> int:
        """The sugar of the S-polynomial of (i, j) with lead-monomial lcm ``lcm`` (Giovini et al. 1991):
        the larger of sugar(g) + deg(lcm / LM(g)) over its two elements."""
        degree, leads, sugars = self.ctx.degree, self.leads, self.sugars
        return max(sugars[i] + degree(lcm - leads[i]), sugars[j] + degree(lcm - leads[j]))

    def _spoly_degree(self, i: int, j: int, lcm: int) -> float:
        gi, gj = self.basis[i], self.basis[j]
        h = self._spoly(gi, gj, lcm - gi.monos[0], lcm - gj.monos[0])
        if not h:
            return float("-inf")
        degree = self.ctx.degree
        return max(degree(m) for m in h)

    # --- primitives of BuchbergerBase -------------------------------------------------------
    @property
    def num_pairs(self) -> int:
        return len(self.pairs)

    @property
    def basis_size(self) -> int:
        return len(self.basis)

    def stats(self) -> dict:
        return dict(self.counters)

    def key(self) -> bytes:
        """Equal iff G (as term lists) and P are equal: for transposition tables."""
        return repr(([(g.monos, g.coeffs) for g in self.basis], self.pairs)).encode()

    def lcm_keys(self) -> list[int]:
        """The packed lcm of every pair's lead monomials, in queue order (the live list: do not mutate)."""
        return self.pair_lcms

    def lcm_degrees(self) -> list[int]:
        """The total degree of every pair's lcm, in queue order."""
        degree = self.ctx.degree
        return self._view("degs", lambda: [degree(g) for g in self.pair_lcms])

    def pair_sugars(self) -> list[int]:
        """The sugar of every pair, in queue order."""
        return self._view("sugars", lambda: [self._pair_sugar(i, j, g) for (i, j), g in
                                             zip(self.pairs, self.pair_lcms)])

    def spoly_degrees(self) -> list:
        """The total degree of every pair's unreduced S-polynomial (-inf if zero), in queue order."""
        return self._view("sdegs", lambda: [self._spoly_degree(i, j, g) for (i, j), g in
                                            zip(self.pairs, self.pair_lcms)])

    def term_exponents(self, k: int = 2) -> np.ndarray:
        """int64 (|G|, n*k): per basis element, the exponents of its first k terms, zero-filled.

        Cached and extended as G grows (elements never change), shared with clones.
        """
        n = self.ring.n
        cached = self._terms
        have = cached[1] if cached is not None and cached[0] == k else np.zeros((0, n * k), np.int64)
        if len(have) < len(self.basis):
            rows = []
            for g in self.basis[len(have):]:
                row: list = []
                for e in g.exponents(k):
                    row.extend(e)
                row.extend([0] * (n * k - len(row)))
                rows.append(row)
            have = np.concatenate([have, np.array(rows, np.int64).reshape(len(rows), n * k)])
            self._terms = (k, have)
        return have

    def write_pair_exponents(self, out: np.ndarray, k: int = 2) -> int:
        """Rows [term_exponents(k)[i] | term_exponents(k)[j]] for the first min(|P|, len(out)) pairs
        (i, j); zero the rest of ``out``; return |P|."""
        pairs = self.pairs
        m = min(len(pairs), len(out))
        if m:
            terms = self.term_exponents(k)
            out[:m] = terms[np.array(pairs[:m])].reshape(m, -1)
        out[m:] = 0
        return len(pairs)

    # --- results ------------------------------------------------------------------------------
    def reduced_basis(self) -> list[Polynomial]:
        """The reduced Groebner basis of G: drop elements whose lead another (earlier, in ascending-lead
        order) divides, then tail-reduce each by the others. Costs are not counted."""
        ctx = self.ctx
        order = sorted(range(len(self.basis)), key=lambda k: self.leads[k])
        kept: list[int] = []
        for k in order:
            if not any(((self.lead_fields[k] - self.lead_fields[t]) & ctx.guard) == 0 for t in kept):
                kept.append(k)
        out = []
        for k in kept:
            g = self.basis[k]
            others = tuple(t for t in kept if t != k)
            h = dict(zip(g.monos[1:], g.coeffs[1:]))
            r, _, _, _ = self._reduce(h, 0, reducer_ids=others)
            out.append(Polynomial(ctx.ring, (g.monos[0],) + r.monos, (g.coeffs[0],) + r.coeffs).monic())
        return out
