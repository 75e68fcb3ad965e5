"""Buchberger's algorithm as a pure, cloneable state (spec §3, §5.1).

The state is (G, P): the basis so far and the queue of S-pairs still to
process. An action picks a pair; the state forms its S-polynomial, fully
reduces it by the current basis, and adds a non-zero remainder with the
Gebauer-Moller update. The cost of a step is 1 + the number of reduction
subtractions (the "polynomial additions" of Peifer et al.).

Nothing here knows about RL: the Gymnasium env wraps this class, and tree
search clones it.
"""

from __future__ import annotations

import heapq

import numpy as np

from mathrl.core import TERMINAL_PLAYER, IllegalActionError, as_action
from mathrl.envs.buchberger.polynomial import Polynomial
from mathrl.envs.buchberger.ring import Ring

ELIMINATIONS = ("gebauermoeller", "lcm", "none")
REWARDS = ("additions", "reductions", "monomials")
STAT_KEYS = ("polynomial_additions", "monomial_additions", "pairs_processed", "zero_reductions",
             "nonzero_reductions")


class _Context:
    """Per-(ring, elimination) constants and bound helpers, shared by all clones."""

    __slots__ = ("ring", "p", "guard", "fields", "from_fields", "degree", "w1", "allfields", "elimination",
                 "rewards")

    def __init__(self, ring: Ring, elimination: str, rewards: str):
        if elimination not in ELIMINATIONS:
            raise ValueError(f"unknown elimination {elimination!r}; choose one of {', '.join(ELIMINATIONS)}")
        if rewards not in REWARDS:
            raise ValueError(f"unknown rewards {rewards!r}; choose one of {', '.join(REWARDS)}")
        self.ring = ring
        self.p = ring.p
        self.guard = ring._layout[2]
        self.fields, self.from_fields, self.degree = ring.fast_ops()
        _, w, _, _, self.allfields = ring._layout
        self.w1 = w - 1
        self.elimination = elimination
        self.rewards = rewards


class BuchbergerState:
    """G, P and the running cost counters. See spec §3 for the exact semantics.

    Immutable parts (polynomials, the tuples holding them) are shared between
    clones; only the pair queue and counters are copied, so ``clone`` costs
    O(|G| + |P|).
    """

    num_players = 1

    __slots__ = ("ctx", "basis", "leads", "lead_fields", "sugars", "reducers", "pairs", "pair_lcms",
                 "pair_lcm_fields",
                 "counters", "total_reward", "_features")

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
        self.total_reward = 0.0
        self._features: tuple = ()  # per basis element: exponents of its first k terms (cached per k)

    @classmethod
    def from_generators(cls, F, ring: Ring, elimination: str = "gebauermoeller", sort_input: bool = False,
                        rewards: str = "additions") -> "BuchbergerState":
        """The initial state: ``update`` with each non-zero generator, made monic, in order (§3.2)."""
        state = cls(_Context(ring, elimination, rewards))
        polys = [f for f in F if f]
        for f in polys:
            if f.ring != ring:
                raise ValueError(f"generator {f} is over {f.ring}, expected {ring}")
        if sort_input:
            polys = sorted(polys, key=lambda f: f.lm)  # stable
        for f in polys:
            state._update(f.monic(), f.degree())
        return state

    @property
    def ring(self) -> Ring:
        return self.ctx.ring

    def clone(self) -> "BuchbergerState":
        other = BuchbergerState.__new__(BuchbergerState)
        other.ctx = self.ctx
        other.basis, other.leads, other.lead_fields = self.basis, self.leads, self.lead_fields
        other.sugars, other.reducers, other._features = self.sugars, self.reducers, self._features
        other.pairs = self.pairs.copy()
        other.pair_lcms = self.pair_lcms.copy()
        other.pair_lcm_fields = self.pair_lcm_fields.copy()
        other.counters = self.counters.copy()
        other.total_reward = self.total_reward
        return other

    # --- the update (§3.2) --------------------------------------------------------------------
    def _update(self, f: Polynomial, sugar: int) -> None:
        """Add monic f to G with the configured pair elimination.

        Works on the exponent *fields* of the lead monomials (see ring.py), where
        lcm is a SWAR max and divisibility one subtraction; packed order keys are
        only made for the pairs that survive. Sorting fields as integers is a
        linear extension of divisibility, which is all step 2 needs to find the
        divisibility-minimal lcms.
        """
        ctx = self.ctx
        guard, fields, w1, allf = ctx.guard, ctx.fields, ctx.w1, ctx.allfields
        L = f.lm
        Lf = fields(L)
        m = len(self.basis)
        lf = self.lead_fields
        gammas = []
        coprime = []
        for Li in lf:
            t = ((Lf | guard) - Li) & guard  # guard set where L's field >= Li's
            msk = t - (t >> w1)
            g = (Lf & msk) | (Li & ~msk & allf)
            gammas.append(g)
            coprime.append(g == Li + Lf)
        if ctx.elimination == "none":
            new = list(range(m))
        elif ctx.elimination == "lcm":
            new = [i for i in range(m) if not coprime[i]]
        else:
            # 1. prune old pairs whose lcm is a strict multiple "through" the new lead
            pairs, lcmf = self.pairs, self.pair_lcm_fields
            drop = [a for a, ((i, j), g) in enumerate(zip(pairs, lcmf))
                    if ((g - Lf) & guard) == 0 and g != gammas[i] and g != gammas[j]]
            if drop:
                dropped = set(drop)
                keep = [a for a in range(len(pairs)) if a not in dropped]
                self.pairs = [pairs[a] for a in keep]
                self.pair_lcm_fields = [lcmf[a] for a in keep]
                self.pair_lcms = [self.pair_lcms[a] for a in keep]
            # 2. divisibility-minimal lcm classes, 3. one pair per class unless a member is coprime
            classes: dict = {}
            for i, g in enumerate(gammas):
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
            self.pair_lcm_fields.append(gammas[i])
            self.pair_lcms.append(from_fields(gammas[i]))
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

    # --- one step (§3.3) ----------------------------------------------------------------------
    def apply(self, action: int) -> float:
        """Process pair ``pairs[action]``; return the reward (minus its cost in the reward mode)."""
        a = as_action(action)
        if not 0 <= a < len(self.pairs):
            raise IllegalActionError(f"action {a} is not a pair index: there are {len(self.pairs)} pairs")
        i, j = self.pairs.pop(a)
        gamma = self.pair_lcms.pop(a)
        del self.pair_lcm_fields[a]
        ctx = self.ctx
        gi, gj = self.basis[i], self.basis[j]
        qi, qj = gamma - gi.monos[0], gamma - gj.monos[0]
        sugar = self._pair_sugar(i, j, gamma)
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
        mode = ctx.rewards
        reward = -float(cost if mode == "additions" else 1 if mode == "reductions"
                        else min(len(gi), len(gj)) + mono_adds)
        self.total_reward += reward
        return reward

    apply_action = apply

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

    def _pair_sugar(self, i: int, j: int, gamma: int) -> int:
        degree, leads, sugars = self.ctx.degree, self.leads, self.sugars
        return max(sugars[i] + degree(gamma - leads[i]), sugars[j] + degree(gamma - leads[j]))

    # --- protocol -----------------------------------------------------------------------------
    @property
    def num_actions(self) -> int:
        """The number of pairs: Buchberger's action set is the variable-length queue."""
        return len(self.pairs)

    @property
    def num_pairs(self) -> int:
        return len(self.pairs)

    @property
    def basis_size(self) -> int:
        return len(self.basis)

    def legal_actions(self) -> list[int]:
        return list(range(len(self.pairs)))

    def action_mask(self) -> np.ndarray:
        return np.ones(len(self.pairs), dtype=bool)

    def is_terminal(self) -> bool:
        return not self.pairs

    def returns(self) -> np.ndarray:
        return np.array([self.total_reward])

    def current_player(self) -> int:
        return TERMINAL_PLAYER if not self.pairs else 0

    def observation(self) -> np.ndarray:
        return self.pair_features()

    def stats(self) -> dict:
        return dict(self.counters)

    def key(self) -> bytes:
        """Equal iff G (as term lists) and P are equal: for transposition tables."""
        return repr(([(g.monos, g.coeffs) for g in self.basis], self.pairs)).encode()

    # --- what strategies and policies see -----------------------------------------------------
    def pair_lcm(self, a: int) -> int:
        """The packed lcm of the lead monomials of pair a (compare with ``<``: the ring's order)."""
        return self.pair_lcms[a]

    def lcm_keys(self) -> list[int]:
        """``pair_lcm`` for every pair, in queue order."""
        return self.pair_lcms

    def lcm_degrees(self) -> list[int]:
        """``pair_degree`` for every pair, in queue order."""
        degree = self.ctx.degree
        return [degree(g) for g in self.pair_lcms]

    def pair_sugar(self, a: int) -> int:
        i, j = self.pairs[a]
        return self._pair_sugar(i, j, self.pair_lcms[a])

    def pair_degree(self, a: int) -> int:
        return self.ctx.degree(self.pair_lcms[a])

    def spoly_degree(self, a: int) -> float:
        """Total degree of the unreduced S-polynomial of pair a; -inf if it is zero."""
        i, j = self.pairs[a]
        gamma = self.pair_lcms[a]
        gi, gj = self.basis[i], self.basis[j]
        h = self._spoly(gi, gj, gamma - gi.monos[0], gamma - gj.monos[0])
        if not h:
            return float("-inf")
        degree = self.ctx.degree
        return max(degree(m) for m in h)

    def element_features(self, k: int = 2) -> list[tuple[int, ...]]:
        """Per basis element, the exponents of its first k terms, zero-filled (length n*k)."""
        feats = self._features
        if len(feats) != len(self.basis) or (feats and len(feats[0]) != self.ring.n * k):
            n = self.ring.n
            start = len(feats) if feats and len(feats[0]) == n * k else 0
            new = list(feats[:start])
            for g in self.basis[start:]:
                row: list = []
                for e in g.exponents(k):
                    row.extend(e)
                row.extend([0] * (n * k - len(row)))
                new.append(tuple(row))
            self._features = feats = tuple(new)
        return list(feats)

    def pair_features(self, k: int = 2) -> np.ndarray:
        """int32 (|P|, 2nk): row for (i, j) is [v(g_i) | v(g_j)] (§5.3)."""
        feats = self.element_features(k)
        if not self.pairs:
            return np.zeros((0, 2 * self.ring.n * k), dtype=np.int32)
        return np.array([feats[i] + feats[j] for i, j in self.pairs], dtype=np.int32)

    def write_features(self, out: np.ndarray, k: int = 2) -> int:
        """Fill ``out`` (int32, (rows, 2nk)) with the first rows of ``pair_features(k)``, zero the rest; return |P|."""
        rows = self.pair_features(k)
        m = min(len(rows), len(out))
        out[:m] = rows[:m]
        out[m:] = 0
        return len(rows)

    # --- results ------------------------------------------------------------------------------
    def reduced_basis(self) -> list[Polynomial]:
        """The reduced Groebner basis of G (§3.4): minimalise, then interreduce. Costs are not counted."""
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

    def reduced_basis_size(self) -> int:
        return len(self.reduced_basis())

    def value(self, strategy="degree", gamma: float = 0.99) -> float:
        """Discounted return of finishing the episode from a clone with a heuristic (state unchanged)."""
        from mathrl.envs.buchberger.strategies import make_strategy

        strat = make_strategy(strategy)
        s = self.clone()
        total, discount = 0.0, 1.0
        while s.pairs:
            total += discount * s.apply(strat.select(s))
            discount *= gamma
        return total

    def render(self) -> str:
        ring = self.ring
        lines = [f"G ({len(self.basis)} elements, {ring.field_name}, {ring.order}):"]
        lines += [f"  g{k} = {g}" for k, g in enumerate(self.basis)]
        lines.append(f"P ({len(self.pairs)} pairs):")
        lines += [f"  [{a}] ({i}, {j})  lcm {ring.monomial_str(g)}"
                  for a, ((i, j), g) in enumerate(zip(self.pairs, self.pair_lcms))]
        return "\n".join(lines)
