"""Random ideal distributions: the names ``n-d-s-...`` and the sources that draw from them.

Peifer, Stillman and Halpern-Leistner (2020, "Learning selection strategies in
Buchberger's algorithm", ICML) train and evaluate on random binomial ideals
named ``n-d-s-<degs>``: s generators in n variables, each a difference of two
monomials of degree at most d, with degrees drawn ``uniform`` (every monomial
of degree <= d equally likely), ``weighted`` (every degree equally likely) or
``maximum`` (degree d only). Their benchmark numbers (``mathrl.benchmarks.buchberger.REFERENCE``) are
means over such ideals, so the draw is fixed exactly:

* :class:`BinomialIdealSource` -- ``n-d-s-<degs>[-consts][-homog][-pure]``,
  drawn in a fixed canonical order from one ``numpy.random.Generator`` (the
  class docstring lists it), so a seed names the same ideals everywhere;
* :class:`PolynomialIdealSource` -- ``n-d-s-<lam>-<degs>[-consts][-homog]``:
  generators with 2 + Poisson(lam) terms, the same paper's general family;
* :func:`make_source` -- a source from any name, the fixed families
  ``cyclic-n`` and ``katsura-n`` (:mod:`~mathrl.envs.buchberger.families`)
  included.

An *ideal source* yields, once per episode, the list of generators of an ideal
over a fixed ring. Every source has the attributes ``n``, ``gens`` (variable
names), ``field`` (a prime int or ``"QQ"``), ``order``, ``ring`` and ``name``,
and a method ``sample(rng) -> list[Polynomial]``; any object with those
(duck-typed) can stand in for one. An ideal with no S-pair to process is not
redrawn here: the env and the benchmark draw again from the same stream.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import numpy as np

from mathrl.envs.buchberger.families import cyclic, katsura
from mathrl.envs.buchberger.polynomial import Polynomial
from mathrl.envs.buchberger.ring import Ring

__all__ = [
    "DEGREE_DISTRIBUTIONS",
    "DistributionSpec",
    "parse_distribution",
    "degree_weights",
    "monomial_count",
    "monomials_of_degree",
    "monomial_at",
    "BinomialIdealSource",
    "PolynomialIdealSource",
    "make_source",
]

DEGREE_DISTRIBUTIONS = ("uniform", "weighted", "maximum")
FLAGS = ("consts", "homog", "pure")
QQ_COEFF_BOUND = 32003  # over QQ a random coefficient is uniform on {1, ..., 32002}
MAX_MONOMIAL_ATTEMPTS = 1000  # redraws of a binomial whose two monomials coincide, before giving up
MAX_GENERATOR_ATTEMPTS = 100_000  # polynomial family: redraws of a generator that summed to zero
TABLE_LIMIT = 1 << 16  # degrees with more monomials than this are unranked on the fly, not tabulated


# ---------------------------------------------------------------------------------------------
# Distribution names
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DistributionSpec:
    """A parsed distribution name.

    ``kind`` is ``"binomial"``, ``"polynomial"``, ``"cyclic"`` or ``"katsura"``. For the fixed
    kinds only ``n`` is meaningful; ``s`` is set to ``n`` (both families have n generators) and
    ``d``, ``degs`` and ``lam`` are None.
    """

    kind: str
    n: int
    d: int | None = None
    s: int | None = None
    degs: str | None = None
    lam: float | None = None
    consts: bool = False
    homog: bool = False
    pure: bool = False

    @property
    def name(self) -> str:
        """The canonical name (flags in the order consts, homog, pure)."""
        if self.kind in ("cyclic", "katsura"):
            return f"{self.kind}-{self.n}"
        fields = [str(self.n), str(self.d), str(self.s)]
        if self.kind == "polynomial":
            fields.append(_format_lam(self.lam))
        fields.append(self.degs)
        fields += [f for f in FLAGS if getattr(self, f)]
        return "-".join(fields)

    def __str__(self) -> str:
        return self.name


def _format_lam(lam: float) -> str:
    return str(int(lam)) if float(lam).is_integer() else repr(float(lam))


_INT = re.compile(r"[0-9]+\Z")
_FLOAT = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE]\+?[0-9]+)?\Z")


MAX_VARIABLES = 64  # random families: beyond this the monomial tables alone outgrow memory (and recursion)
MAX_GENERATORS = 100_000


def _parse_int(tok: str, what: str, name: str, minimum: int, maximum: int | None = None) -> int:
    if tok.startswith("-") and _INT.match(tok[1:]):
        raise ValueError(f"distribution {name!r}: {what} must be >= {minimum}, got {tok!r}")
    if not _INT.match(tok):
        raise ValueError(f"distribution {name!r}: {what} must be an integer, got {tok!r}")
    v = int(tok)
    if v < minimum:
        raise ValueError(f"distribution {name!r}: {what} must be >= {minimum}, got {tok!r}")
    if maximum is not None and v > maximum:
        raise ValueError(f"distribution {name!r}: {what} must be <= {maximum:,}, got {tok!r}")
    return v


def parse_distribution(name: str) -> DistributionSpec:
    """Parse an ideal distribution name.

    ``n-d-s-<degs>[-flags]`` is a binomial family, ``n-d-s-<lam>-<degs>[-flags]`` a polynomial
    family (a fourth field that is not ``uniform``/``weighted``/``maximum`` is read as ``lam``),
    ``cyclic-<n>`` and ``katsura-<n>`` fixed ideals (n >= 2). Flags (``consts``, ``homog``,
    ``pure``) may come in any order; ``pure`` is binomial-only. Every malformed name raises
    ``ValueError`` naming the offending token.
    """
    if isinstance(name, DistributionSpec):
        return name
    if not isinstance(name, str):
        raise ValueError(f"a distribution name must be a string, got {name!r}")
    raw = name.strip().split("-")
    if raw == [""]:
        raise ValueError("empty distribution name")
    # an empty token followed by another one is a minus sign ("3-20-10--1-weighted"): glue them
    # back together, so that the error names '-1' rather than ''
    toks: list[str] = []
    i = 0
    while i < len(raw):
        if raw[i] == "" and i + 1 < len(raw):
            toks.append("-" + raw[i + 1])
            i += 2
        else:
            toks.append(raw[i])
            i += 1

    if toks[0] in ("cyclic", "katsura"):
        if len(toks) < 2:
            raise ValueError(f"distribution {name!r}: {toks[0]} needs a size, e.g. '{toks[0]}-4'")
        n = _parse_int(toks[1], "n", name, 2)
        if len(toks) > 2:
            raise ValueError(f"distribution {name!r}: unexpected token {toks[2]!r} after {toks[0]}-{toks[1]}")
        return DistributionSpec(kind=toks[0], n=n, s=n)

    if len(toks) < 4:
        missing = ("n", "d", "s", "<degs>")[len(toks)]
        raise ValueError(f"distribution {name!r}: missing field {missing} "
                         "(expected n-d-s-<degs> or n-d-s-<lam>-<degs>, or cyclic-n / katsura-n)")
    n = _parse_int(toks[0], "n (number of variables)", name, 1, MAX_VARIABLES)
    d = _parse_int(toks[1], "d (maximum degree)", name, 1)
    s = _parse_int(toks[2], "s (number of generators)", name, 1, MAX_GENERATORS)

    lam = None
    rest = toks[3:]
    if rest[0] not in DEGREE_DISTRIBUTIONS:
        tok = rest[0]
        if tok.startswith("-") and _FLOAT.match(tok[1:]):
            raise ValueError(f"distribution {name!r}: lam must be >= 0, got {tok!r}")
        if not _FLOAT.match(tok):
            raise ValueError(f"distribution {name!r}: unknown token {tok!r}: the fourth field must be one of "
                             f"{', '.join(DEGREE_DISTRIBUTIONS)} or a number lam >= 0")
        lam = float(tok)
        if not math.isfinite(lam) or lam < 0:  # the regex already excludes signs, inf and nan
            raise ValueError(f"distribution {name!r}: lam must be a finite number >= 0, got {tok!r}")
        rest = rest[1:]
        if not rest:
            raise ValueError(f"distribution {name!r}: missing <degs> after lam {tok!r} "
                             f"(one of {', '.join(DEGREE_DISTRIBUTIONS)})")
        if rest[0] not in DEGREE_DISTRIBUTIONS:
            raise ValueError(f"distribution {name!r}: unknown token {rest[0]!r}: expected one of "
                             f"{', '.join(DEGREE_DISTRIBUTIONS)} after lam")
    degs = rest[0]

    flags: dict[str, bool] = {}
    for tok in rest[1:]:
        if tok not in FLAGS:
            raise ValueError(f"distribution {name!r}: unknown token {tok!r} (flags are {', '.join(FLAGS)})")
        if tok in flags:
            raise ValueError(f"distribution {name!r}: repeated flag {tok!r}")
        flags[tok] = True
    if lam is not None and flags.get("pure"):
        raise ValueError(f"distribution {name!r}: flag 'pure' is only allowed for binomial ideals")
    return DistributionSpec(kind="binomial" if lam is None else "polynomial", n=n, d=d, s=s, degs=degs,
                            lam=lam, consts=flags.get("consts", False), homog=flags.get("homog", False),
                            pure=flags.get("pure", False))


# ---------------------------------------------------------------------------------------------
# Degree distribution and monomials of one degree
# ---------------------------------------------------------------------------------------------
def degree_weights(n: int, d: int, degs: str, consts: bool = False) -> np.ndarray:
    """The normalised degree distribution w_0..w_d (float64, length d+1)."""
    if degs not in DEGREE_DISTRIBUTIONS:
        raise ValueError(f"unknown degree distribution {degs!r}; choose one of {', '.join(DEGREE_DISTRIBUTIONS)}")
    if n < 1 or d < 1:
        raise ValueError(f"need n >= 1 and d >= 1, got n={n}, d={d}")
    w = np.zeros(d + 1, dtype=np.float64)
    if degs == "uniform":
        w[1:] = [math.comb(n + i - 1, n - 1) for i in range(1, d + 1)]
    elif degs == "weighted":
        w[1:] = 1.0
    else:
        w[d] = 1.0
    if consts:
        w[0] = 1.0
    return w / w.sum()


def monomial_count(n: int, k: int) -> int:
    """The number of monomials of degree k in n variables."""
    return math.comb(n + k - 1, n - 1)


@lru_cache(maxsize=None)
def monomials_of_degree(n: int, k: int) -> tuple[tuple[int, ...], ...]:
    """All exponent vectors of degree k in n variables, in descending lex order (x0^k first).

    Cached, hence returned as an (immutable) tuple of tuples; index i is the monomial that
    ``integers(0, count)`` = i selects in the canonical draw order.
    """
    if n < 1 or k < 0:
        raise ValueError(f"need n >= 1 and k >= 0, got n={n}, k={k}")
    if n == 1:
        return ((k,),)
    return tuple((a,) + rest for a in range(k, -1, -1) for rest in monomials_of_degree(n - 1, k - a))


def monomial_at(n: int, k: int, idx: int) -> tuple[int, ...]:
    """``monomials_of_degree(n, k)[idx]`` without building the list (unranking)."""
    idx = int(idx)
    if not 0 <= idx < monomial_count(n, k):
        raise IndexError(f"monomial index {idx} out of range for n={n}, k={k}")
    out = []
    for m in range(n, 1, -1):  # m variables left, the first of which we fix
        a = k
        while True:
            block = math.comb(k - a + m - 2, m - 2)  # monomials with this first exponent
            if idx < block:
                break
            idx -= block
            a -= 1
        out.append(a)
        k -= a
    out.append(k)
    return tuple(out)


class _DegreeTables:
    """Packed keys of every monomial of each degree, built lazily; huge degrees are unranked."""

    __slots__ = ("ring", "n", "counts", "tables")

    def __init__(self, ring: Ring, d: int, eager_degrees=()):
        self.ring, self.n = ring, ring.n
        self.counts = [monomial_count(ring.n, k) for k in range(d + 1)]
        self.tables: list = [None] * (d + 1)
        for k in eager_degrees:
            self.table(k)

    def table(self, k: int):
        t = self.tables[k]
        if t is None and self.counts[k] <= TABLE_LIMIT:
            pack = self.ring.pack
            t = self.tables[k] = [pack(e) for e in monomials_of_degree(self.n, k)]
        return t

    def key(self, k: int, idx) -> int:
        t = self.tables[k] or self.table(k)
        return t[idx] if t is not None else self.ring.pack(monomial_at(self.n, k, idx))


# ---------------------------------------------------------------------------------------------
# Random sources
# ---------------------------------------------------------------------------------------------
class _RandomSource:
    def _setup(self, n, d, s, degs, consts, homog, field, order):
        for what, v in (("n", n), ("d", d), ("s", s)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{what} must be an integer >= 1, got {v!r}")
        self.n, self.d, self.s = int(n), int(d), int(s)
        self.degs, self.consts, self.homog = degs, bool(consts), bool(homog)
        self.weights = degree_weights(self.n, self.d, degs, self.consts)
        # exactly what Generator.choice(d+1, p=w) does: cdf = cumsum(p) / cdf[-1], then
        # searchsorted(random(), side="right") -- a Python bisect on the same float64 values
        cdf = self.weights.cumsum()
        cdf /= cdf[-1]
        self._cdf = cdf.tolist()
        self.ring = Ring.make(self.n, field=field, order=order)
        self.gens = self.ring.names
        self.field = "QQ" if self.ring.p is None else self.ring.p
        self.order = self.ring.order
        self._cbound = QQ_COEFF_BOUND if self.ring.p is None else self.ring.p
        self._tables = _DegreeTables(self.ring, self.d, [k for k in range(self.d + 1) if self.weights[k] > 0])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, field={self.field!r}, order={self.order!r})"


class BinomialIdealSource(_RandomSource):
    """Random binomial ideals ``n-d-s-<degs>[-consts][-homog][-pure]`` (Peifer et al. 2020).

    Canonical draw order, from the one generator passed to :meth:`sample`; for each of the s
    generators in turn:

    1. c = ``rng.integers(1, p)`` (``integers(1, 32003)`` over QQ); skipped with ``pure``, where c = -1;
    2. the degrees d1, d2 via ``rng.choice(d+1, p=w)`` (``size=2``; one draw, d1 = d2, with ``homog``).
       If d1 = d2 = 0 (only possible with ``consts``) the degrees are drawn again (repeat step 2,
       c is kept) -- a documented deviation from the reference, whose monomials could never differ;
    3. per attempt, the index of m1 then of m2 via ``rng.integers(0, count)`` (descending-lex
       indexing); if m1 = m2 both are redrawn with the same degrees, and after 1000 failed
       attempts ``RuntimeError`` is raised (e.g. n = 1 with ``maximum`` or ``homog``).

    The generator is max(m1, m2) + c*min(m1, m2) in the ring order: monic, two terms.
    ``choice`` is evaluated as numpy does it (``random()`` then a search in the normalised
    cdf), which consumes and returns exactly what ``rng.choice`` would.
    """

    def __init__(self, n: int, d: int, s: int, degs: str, consts: bool = False, homog: bool = False,
                 pure: bool = False, field=32003, order: str = "grevlex"):
        self._setup(n, d, s, degs, consts, homog, field, order)
        self.pure = bool(pure)
        self.lam = None
        p = self.ring.p
        self._one = self.ring.coeff(1)
        self._minus_one = self.ring.coeff(-1)
        self._qq = p is None
        self.name = DistributionSpec("binomial", self.n, self.d, self.s, degs, None, self.consts, self.homog,
                                     self.pure).name

    def sample(self, rng: np.random.Generator) -> list[Polynomial]:
        integers, random = rng.integers, rng.random
        cdf, tables, counts = self._cdf, self._tables, self._tables.counts
        ring, one, pure, homog, qq, cbound = self.ring, self._one, self.pure, self.homog, self._qq, self._cbound
        out = []
        for _ in range(self.s):
            if pure:
                c = self._minus_one
            else:
                c = int(integers(1, cbound))
                if qq:
                    c = Fraction(c)
            while True:
                d1 = bisect_right(cdf, random())
                d2 = d1 if homog else bisect_right(cdf, random())
                if d1 or d2:
                    break
            t1, t2 = tables.tables[d1], tables.tables[d2]
            c1, c2 = counts[d1], counts[d2]
            for _attempt in range(MAX_MONOMIAL_ATTEMPTS):
                i1, i2 = integers(0, c1), integers(0, c2)
                m1 = t1[i1] if t1 is not None else tables.key(d1, i1)
                m2 = t2[i2] if t2 is not None else tables.key(d2, i2)
                if m1 != m2:
                    break
            else:
                raise RuntimeError(f"{self.name}: could not draw two distinct monomials of degrees {d1} and {d2} "
                                   f"in {MAX_MONOMIAL_ATTEMPTS} attempts")
            if m1 > m2:
                out.append(Polynomial(ring, (m1, m2), (one, c)))
            else:
                out.append(Polynomial(ring, (m2, m1), (one, c)))
        return out


class PolynomialIdealSource(_RandomSource):
    """Random polynomial ideals ``n-d-s-<lam>-<degs>[-consts][-homog]`` (Peifer et al. 2020).

    Canonical draw order, for each of the s generators in turn:

    1. t = 2 + ``rng.poisson(lam)`` terms;
    2. for each term j = 0..t-1: its degree via ``rng.choice(d+1, p=w)`` (for j = 0 always; for
       j > 0 only without ``homog`` -- with ``homog`` every term keeps the first degree), then its
       coefficient c = ``rng.integers(1, p)`` (``integers(1, 32003)`` over QQ), then its monomial
       index via ``rng.integers(0, count)`` (descending-lex indexing, as for binomials).
       No degree is drawn after the last term.

    Coinciding monomials merge and may cancel. The sum is made monic; if it is zero the whole
    generator (steps 1 and 2) is drawn again from the same stream.
    """

    def __init__(self, n: int, d: int, s: int, lam: float, degs: str, consts: bool = False,
                 homog: bool = False, field=32003, order: str = "grevlex"):
        self._setup(n, d, s, degs, consts, homog, field, order)
        lam = float(lam)
        if not math.isfinite(lam) or lam < 0:
            raise ValueError(f"lam must be a finite number >= 0, got {lam!r}")
        self.lam = lam
        self.pure = False
        self.name = DistributionSpec("polynomial", self.n, self.d, self.s, degs, lam, self.consts,
                                     self.homog).name

    def sample(self, rng: np.random.Generator) -> list[Polynomial]:
        integers, random = rng.integers, rng.random
        cdf, tables, counts = self._cdf, self._tables, self._tables.counts
        ring, homog, p, cbound = self.ring, self.homog, self.ring.p, self._cbound
        out = []
        for _ in range(self.s):
            for _attempt in range(MAX_GENERATOR_ATTEMPTS):
                t = 2 + int(rng.poisson(self.lam))
                acc: dict = {}
                deg = 0
                for j in range(t):
                    if j == 0 or not homog:
                        deg = bisect_right(cdf, random())
                    c = int(integers(1, cbound))
                    key = tables.key(deg, integers(0, counts[deg]))
                    if p is None:
                        acc[key] = acc.get(key, 0) + Fraction(c)
                    else:
                        acc[key] = (acc.get(key, 0) + c) % p
                f = Polynomial.from_dict(ring, acc)
                if f:
                    out.append(f.monic())
                    break
            else:
                raise RuntimeError(f"{self.name}: every generator drawn summed to zero")
        return out


# ---------------------------------------------------------------------------------------------
# Any name
# ---------------------------------------------------------------------------------------------
def make_source(ideal_dist, field=32003, order: str = "grevlex"):
    """A source from a distribution name or :class:`DistributionSpec`; a source object is returned as is."""
    if hasattr(ideal_dist, "sample") and not isinstance(ideal_dist, (str, DistributionSpec)):
        return ideal_dist
    dist = parse_distribution(ideal_dist)
    if dist.kind == "cyclic":
        return cyclic(dist.n, field=field, order=order)
    if dist.kind == "katsura":
        return katsura(dist.n, field=field, order=order)
    if dist.kind == "binomial":
        return BinomialIdealSource(dist.n, dist.d, dist.s, dist.degs, consts=dist.consts, homog=dist.homog,
                                   pure=dist.pure, field=field, order=order)
    return PolynomialIdealSource(dist.n, dist.d, dist.s, dist.lam, dist.degs, consts=dist.consts,
                                 homog=dist.homog, field=field, order=order)
