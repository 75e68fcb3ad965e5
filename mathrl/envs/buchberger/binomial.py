"""The compiled binomial backend: a :class:`BuchbergerBase` whose state lives in numpy arrays.

For binomial ideals over GF(p) (every generator at most two terms), a step of
Buchberger's algorithm is one call into :mod:`~mathrl.envs.buchberger.binomial_kernels`,
many times faster than the pure core. :class:`BinomialState` owns the kernels'
arrays (their layout is documented there), grows them before a step could
overflow them, and turns them back into what the shared interface promises:
Python lists of pairs and keys, :class:`Polynomial` objects, counters.

It computes exactly what :class:`~mathrl.envs.buchberger.state.BuchbergerState`
computes (same pairs, rewards, counters, features, lcm keys, reduced basis),
which the lockstep tests check step by step; ``make_state(backend="auto")``
picks it whenever it applies. numba is optional (:mod:`mathrl.compiled`):
without it this module still imports and :meth:`BinomialState.supports` says
no, so callers fall back to the pure core.
"""

from __future__ import annotations

import numpy as np

from mathrl.compiled import numba_available
from mathrl.core import IllegalActionError, as_action
from mathrl.envs.buchberger import binomial_kernels as K
from mathrl.envs.buchberger import features
from mathrl.envs.buchberger.base import STAT_KEYS, BuchbergerBase, check_elimination
from mathrl.envs.buchberger.binomial_kernels import (B_CO, B_LD, B_LE, B_NT, B_SUG, B_TD, BUILTIN_STRATEGIES,
                                                     ELIM_CODE, M_COUNTERS, M_ELIM, M_N, M_NB, M_NP, M_ORDER,
                                                     M_P, ORDER_CODE, P_DEG, P_I, P_J, P_LCM, P_SUG, SELECT_CODE)
from mathrl.envs.buchberger.polynomial import Polynomial
from mathrl.envs.buchberger.ring import Ring

__all__ = ["BinomialState", "BUILTIN_STRATEGIES", "numba_available"]


class _FastContext:
    """Per-(ring, elimination) constants, shared by all states and clones."""

    __slots__ = ("ring", "n", "p", "order", "elimination", "fields", "meta", "word",
                 "row_width", "pair_width", "pure_ctx", "exp_bytes",
                 "pack")

    CACHE_LIMIT = 1 << 16  # monomial keys remembered per context (the sampler draws from small tables)

    def __init__(self, ring: Ring, elimination: str):
        check_elimination(elimination)
        if ring.p is None:
            raise ValueError("the binomial fast path works over GF(p) only")
        self.ring = ring
        self.n = ring.n
        self.p = ring.p
        self.order = ORDER_CODE[ring.order]
        self.elimination = elimination
        self.fields = ring.fast_ops()[0]
        self.word = 4 * ring.n  # bytes of the exponent fields of one key
        self.row_width = B_LE + 2 * ring.n
        self.pair_width = P_LCM + ring.n
        meta = np.zeros(M_COUNTERS + len(STAT_KEYS), np.int64)
        meta[M_N], meta[M_ORDER], meta[M_P] = ring.n, self.order, ring.p
        meta[M_ELIM] = ELIM_CODE[elimination]
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
        K.key_digits(A, m, col, dcol, self.order, buf)
        b = buf.tobytes()
        w = 4 * (self.n + 2)
        fb = int.from_bytes
        return [fb(b[o:o + w], "little") for o in range(0, len(b), w)]


_CONTEXTS: dict = {}
_LAST_CONTEXT: list = [None, None, None]  # ring, elimination, context (identity fast path)


def _context(ring: Ring, elimination: str) -> _FastContext:
    last = _LAST_CONTEXT
    if last[0] is ring and last[1] == elimination:
        return last[2]
    key = (ring, elimination)
    ctx = _CONTEXTS.get(key)
    if ctx is None:
        ctx = _CONTEXTS[key] = _FastContext(ring, elimination)
    last[:] = ring, elimination, ctx
    return ctx



class BinomialState(BuchbergerBase):
    """G, P and the counters of a binomial ideal over GF(p), stepped by compiled code.

    The interface of :class:`BuchbergerBase` with the semantics of
    :class:`~mathrl.envs.buchberger.state.BuchbergerState`. Derived views
    (``pairs``, ``lcm_keys()``, ``stats()`` ...) are computed on demand and
    cached until the next ``apply``. Extras of this backend: ``supports``,
    ``select_builtin`` (a builtin strategy in one compiled call),
    ``apply_and_write`` (a step and the next feature rows in one call) and
    ``to_pure``.
    """

    __slots__ = ("ctx", "B", "R", "P", "M", "_np", "_nb", "_capb", "_capp", "_cache", "_pairs", "_stats",
                 "_basis")

    # --- construction -------------------------------------------------------------------------
    @staticmethod
    def supports(F, ring: Ring) -> bool:
        """True iff this backend can run F: numba present, GF(p), every generator <= 2 terms over ``ring``."""
        if ring.p is None or not numba_available():
            return False
        return all(len(f.monos) <= 2 and (f.ring is ring or f.ring == ring) for f in F)

    @classmethod
    def from_generators(cls, F, ring: Ring, elimination: str = "gebauermoeller",
                        sort_input: bool = False) -> "BinomialState":
        """The initial state: ``update`` with each non-zero generator, made monic, in order (sorted by
        lead monomial first with ``sort_input``), as in the pure core."""
        if not numba_available():
            raise RuntimeError("the binomial fast path needs numba; use BuchbergerState")
        ctx = _context(ring, elimination)
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
            self._np = int(K.init(self.B, self.R, self.P, self.M, E, C))
        else:
            self._np = 0
        self._nb = s
        return self

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
        # derived views of an identical state: replaced, never mutated, on apply
        other._cache, other._pairs, other._stats = self._cache, self._pairs, self._stats
        other._basis = self._basis
        return other

    def __reduce__(self):
        """Pickle as (ring, elimination) and the arrays: the context holds closures."""
        ctx = self.ctx
        return (_restore, (ctx.ring, ctx.elimination, self.B[:self._nb].copy(), self.R[:self._nb].copy(),
                           self.P[:self._np].copy(), self.M.copy()))

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

    # --- one step -----------------------------------------------------------------------------
    def _check_action(self, action) -> int:
        action = as_action(action)
        if not 0 <= action < self._np:
            raise IllegalActionError(f"action {action} is not a pair index: there are {self._np} pairs")
        return action

    def _reserve(self) -> None:
        if self._nb >= self._capb or self._np + self._nb > self._capp:
            self._grow()

    def apply(self, action: int) -> float:
        """Process pair ``pairs[action]``; return minus its polynomial additions (1 + reduction steps)."""
        action = self._check_action(action)
        self._reserve()
        cost, self._np, self._nb = K.step(self.B, self.R, self.P, self.M, action)
        self._cache = self._pairs = self._stats = None
        return -float(cost)

    def apply_and_write(self, action: int, out: np.ndarray, k: int = 2) -> float:
        """``apply(action)`` then ``features.write_features(self, out, k)`` in one compiled call; returns the
        reward (the new |P| is ``num_pairs``). ``out`` is checked as ``write_features`` checks it."""
        action = self._check_action(action)
        features.check_buffer(out, self.ctx.n, k)
        self._reserve()
        cost, self._np, self._nb = K.step_and_write(self.B, self.R, self.P, self.M, action, out, k)
        self._cache = self._pairs = self._stats = None
        return -float(cost)

    # --- primitives of BuchbergerBase -------------------------------------------------------
    @property
    def num_pairs(self) -> int:
        return self._np

    @property
    def basis_size(self) -> int:
        """|G| without building the polynomials."""
        return self._nb

    def stats(self) -> dict:
        st = self._stats
        if st is None:
            st = self._stats = dict(zip(STAT_KEYS, self.M[M_COUNTERS:M_COUNTERS + len(STAT_KEYS)].tolist()))
        return dict(st)

    @property
    def counters(self) -> dict:
        return self.stats()

    def key(self) -> bytes:
        """Equal iff G (terms and coefficients) and P are equal (not the pure core's bytes)."""
        nb = self._nb
        head = np.array([nb, self._np], np.int64).tobytes()
        body = np.ascontiguousarray(self.B[:nb, B_CO:]).tobytes() + self.B[:nb, B_NT].tobytes()
        return head + body + np.ascontiguousarray(self.P[:self._np, :2]).tobytes()

    @property
    def pairs(self) -> list[tuple[int, int]]:
        """P in queue order, as (i, j) tuples: a list cached until the next ``apply`` (do not mutate it)."""
        v = self._pairs
        if v is None:
            P = self.P[:self._np]
            v = self._pairs = list(zip(P[:, P_I].tolist(), P[:, P_J].tolist()))
        return v

    def lcm_keys(self) -> list[int]:
        """The packed lcm of every pair's lead monomials, in queue order."""
        return self._view("keys", lambda: self.ctx.keys(self.P, self._np, P_LCM, P_DEG))

    def lcm_degrees(self) -> list[int]:
        """The total degree of every pair's lcm, in queue order."""
        return self._view("degs", lambda: self.P[:self._np, P_DEG].tolist())

    def pair_sugars(self) -> list[int]:
        """The sugar of every pair, in queue order (kept in the pair rows)."""
        return self._view("sugars", lambda: self.P[:self._np, P_SUG].tolist())

    def spoly_degrees(self) -> list:
        """The total degree of every pair's unreduced S-polynomial (-inf if zero), in queue order."""
        def compute():
            out = np.empty(self._np, np.int64)
            K.spoly_degrees(self.B, self.P, self.M, out)
            return [d if d >= 0 else float("-inf") for d in out.tolist()]

        return self._view("sdegs", compute)

    def term_exponents(self, k: int = 2) -> np.ndarray:
        """int64 (|G|, n*k): per basis element, the exponents of its first k terms, zero-filled."""
        n, nb = self.ctx.n, self._nb
        out = np.zeros((nb, n * max(k, 2)), np.int64)
        out[:, :2 * n] = self.B[:nb, B_LE:B_LE + 2 * n]  # the tail fields are zero for monomials
        return out[:, :n * k]

    def write_pair_exponents(self, out: np.ndarray, k: int = 2) -> int:
        """The pair rows of ``features``, written by the compiled kernel (``out``: int32, C-contiguous)."""
        return K.pair_exponents(out, self.B, self.P, self.M, k)

    def select_builtin(self, name: str) -> int:
        """``make_strategy(name).select(self)`` for first/degree/normal/sugar/truedegree/last/codegree."""
        code = _builtin_code(name)
        if not self._np:
            raise ValueError("no pairs to select from: the state is terminal")
        return int(K.select(self.B, self.P, self.M, code))

    def play_out(self, strategy: str, gamma: float = 1.0, counter: str = "polynomial_additions") -> float:
        """Finish the episode in place with builtin ``strategy``; return the discounted sum of minus each
        step's increase of ``counter`` (one of STAT_KEYS). The same steps, state and float sum as a loop
        of ``apply(select_builtin(strategy))``, in one compiled call instead of two per pair."""
        code = _builtin_code(strategy)
        if counter not in STAT_KEYS:
            raise ValueError(f"unknown counter {counter!r}; choose one of {', '.join(STAT_KEYS)}")
        acc = np.array([0.0, 1.0])
        self._cache = self._pairs = self._stats = None
        while not K.play_out(self.B, self.R, self.P, self.M, code, float(gamma), STAT_KEYS.index(counter), acc):
            self._np, self._nb = int(self.M[M_NP]), int(self.M[M_NB])
            self._grow()
        self._np, self._nb = int(self.M[M_NP]), int(self.M[M_NB])
        return float(acc[0])

    # --- polynomials --------------------------------------------------------------------------
    def _rows_to_polys(self, rows: np.ndarray) -> list[Polynomial]:
        ctx, n = self.ctx, self.ctx.n
        m = len(rows)
        ring = ctx.ring
        if m <= 4:  # typically one new element per step: plain Python
            pack = ctx.pack
            t0, t1 = B_LE + n, B_LE + 2 * n
            return [Polynomial(ring, (pack(r[B_LE:t0], r[B_LD]), pack(r[t0:t1], r[B_TD])), (1, r[B_CO]))
                    if r[B_NT] == 2 else Polynomial(ring, (pack(r[B_LE:t0], r[B_LD]),), (1,))
                    for r in rows.tolist()]
        leads = ctx.keys(rows, m, B_LE, B_LD)
        tails = ctx.keys(rows, m, B_LE + n, B_TD)
        out = []
        for (nt, co), lm, tm in zip(rows[:, [B_NT, B_CO]].tolist(), leads, tails):
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
        return tuple(self.B[:self._nb, B_SUG].tolist())

    def reduced_basis(self) -> list[Polynomial]:
        """The reduced Groebner basis of G, as the pure core computes it. Costs are not counted."""
        return self._rows_to_polys(K.reduced_rows(self.B, self.R, self.M))

    def reduced_basis_size(self) -> int:
        """``len(reduced_basis())`` without building the polynomials."""
        return int(K.reduced_size(self.B, self.R, self.M, np.empty(self._nb, np.int64)))

    def to_pure(self):
        """An equivalent :class:`~mathrl.envs.buchberger.state.BuchbergerState` (same G, sugars, P, counters)."""
        from mathrl.envs.buchberger.state import BuchbergerState, _Context

        ctx = self.ctx
        if ctx.pure_ctx is None:
            ctx.pure_ctx = _Context(ctx.ring, ctx.elimination)
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
        return st


def _builtin_code(name: str) -> int:
    """The kernels' code of builtin strategy ``name``; a one-line ValueError for any other name."""
    code = SELECT_CODE.get(name)
    if code is None:
        raise ValueError(f"no builtin strategy {name!r}; builtins: {', '.join(BUILTIN_STRATEGIES)}")
    return code


def _restore(ring, elimination, B, R, P, M) -> BinomialState:
    """Unpickle a :class:`BinomialState` (capacities are re-grown on the next ``apply``)."""
    self = BinomialState.__new__(BinomialState)
    self.ctx = _context(ring, elimination)
    nb, npairs = int(M[M_NB]), int(M[M_NP])
    self.B = np.empty((max(16, 2 * nb), self.ctx.row_width), np.int64)
    self.B[:nb] = B
    self.R = np.empty(self.B.shape[0], np.int64)
    self.R[:nb] = R
    self.P = np.empty((max(64, 2 * npairs), self.ctx.pair_width), np.int64)
    self.P[:npairs] = P
    self.M = M
    self._nb, self._np = nb, npairs
    self._capb, self._capp = self.B.shape[0], self.P.shape[0]
    self._cache = self._pairs = self._stats = None
    self._basis = ()
    return self
