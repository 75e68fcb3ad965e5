"""Fields, monomial orders and packed monomials."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy.polys.orderings import grevlex as sym_grevlex
from sympy.polys.orderings import grlex as sym_grlex
from sympy.polys.orderings import lex as sym_lex

from mathrl.envs.buchberger.polynomial import Polynomial
from mathrl.envs.buchberger.ring import MAX_EXPONENT, Ring, check_field

SYMPY_KEY = {"grevlex": sym_grevlex, "grlex": sym_grlex, "lex": sym_lex}
ORDERS = list(SYMPY_KEY)


@st.composite
def exponent_pair(draw, max_exp=40):
    n = draw(st.integers(1, 6))
    vec = st.lists(st.integers(0, max_exp), min_size=n, max_size=n).map(tuple)
    return n, draw(vec), draw(vec)


big_exponents = st.integers(0, 2**20) | st.integers(0, 3)


@st.composite
def big_exponent_pair(draw):
    n = draw(st.integers(1, 5))
    vec = st.lists(big_exponents, min_size=n, max_size=n).map(tuple)
    return n, draw(vec), draw(vec)


def _sign(v):
    return (v > 0) - (v < 0)


@settings(max_examples=300, deadline=None)
@given(exponent_pair(), st.sampled_from(ORDERS))
def test_packed_order_agrees_with_sympy(pair, order):
    n, a, b = pair
    ring = Ring.make(n, order=order)
    ka, kb = ring.pack(a), ring.pack(b)
    key = SYMPY_KEY[order]
    assert _sign(ka - kb) == _sign((key(a) > key(b)) - (key(a) < key(b)))
    assert (ka == kb) == (a == b)


@settings(max_examples=300, deadline=None)
@given(big_exponent_pair(), st.sampled_from(ORDERS))
def test_pack_roundtrip_lcm_divides_big(pair, order):
    n, a, b = pair
    ring = Ring.make(n, order=order)
    ka, kb = ring.pack(a), ring.pack(b)
    key = SYMPY_KEY[order]
    assert _sign(ka - kb) == _sign((key(a) > key(b)) - (key(a) < key(b)))
    assert ring.unpack(ka) == a and ring.unpack(kb) == b
    assert ring.degree(ka) == sum(a)
    assert ring.divides(ka, kb) == all(x <= y for x, y in zip(a, b))
    assert ring.divides(kb, ka) == all(y <= x for x, y in zip(a, b))
    assert ring.unpack(ring.lcm(ka, kb)) == tuple(max(x, y) for x, y in zip(a, b))
    assert ring.lcm(ka, kb) == ring.lcm(kb, ka)
    assert ring.coprime(ka, kb) == all(x == 0 or y == 0 for x, y in zip(a, b))
    # multiplication and exact division are key addition and subtraction
    assert ka + kb == ring.pack(tuple(x + y for x, y in zip(a, b)))
    assert ring.unpack(ring.lcm(ka, kb) - ka) == tuple(max(x, y) - x for x, y in zip(a, b))


@settings(max_examples=200, deadline=None)
@given(exponent_pair(max_exp=6), st.sampled_from(ORDERS))
def test_lcm_divides_small(pair, order):
    n, a, b = pair
    ring = Ring.make(n, order=order)
    ka, kb = ring.pack(a), ring.pack(b)
    m = ring.lcm(ka, kb)
    assert ring.divides(ka, m) and ring.divides(kb, m)
    assert ring.divides(ka, kb) == (m == kb)


def test_extreme_exponents():
    for order in ORDERS:
        ring = Ring.make(3, order=order)
        a = (MAX_EXPONENT, 0, 1)
        assert ring.unpack(ring.pack(a)) == a
        with pytest.raises(ValueError):
            ring.pack((MAX_EXPONENT + 1, 0, 0))
        with pytest.raises(ValueError):
            ring.pack((-1, 0, 0))
        with pytest.raises(ValueError):
            ring.pack((1, 0))


def test_spec_grevlex_example():
    # n = 3, x > y > z, degree 3, descending: x^3, x^2y, xy^2, y^3, x^2z, xyz, y^2z, xz^2, yz^2, z^3
    ring = Ring.make(["x", "y", "z"])
    mons = [e for e in itertools.product(range(4), repeat=3) if sum(e) == 3]
    got = sorted(mons, key=ring.pack, reverse=True)
    assert got == [(3, 0, 0), (2, 1, 0), (1, 2, 0), (0, 3, 0), (2, 0, 1), (1, 1, 1), (0, 2, 1), (1, 0, 2),
                   (0, 1, 2), (0, 0, 3)]
    y3, xz2 = (0, 3, 0), (1, 0, 2)
    assert Ring.make(3).pack(y3) > Ring.make(3).pack(xz2)
    for order in ("grlex", "lex"):
        r = Ring.make(3, order=order)
        assert r.pack(xz2) > r.pack(y3)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.lists(st.integers(0, 5), min_size=n, max_size=n).map(tuple),
                                   st.integers(-5, 5)), min_size=1, max_size=8))),
       st.sampled_from(ORDERS))
def test_polynomial_term_order_matches_sympy(data, order):
    n, terms = data
    ring = Ring.make(n, field="QQ", order=order)
    f = Polynomial.from_terms(ring, terms)
    gens = sympy.symbols(f"x0:{n}")
    expr = sum(c * sympy.Mul(*[g**a for g, a in zip(gens, e)]) for e, c in terms)
    expected = sympy.Poly(expr, *gens, domain="QQ").terms(order=order) if expr != 0 else []
    assert f.terms() == [(tuple(m), Fraction(int(c.p), int(c.q))) for m, c in expected]
    assert sympy.expand(f.to_sympy() - expr) == 0


def test_fields():
    assert check_field(32003) == 32003 and check_field("QQ") is None
    for bad in (32002, 1, 0, -7, 2**31 + 11, "foo", 2.5):
        with pytest.raises(ValueError):
            check_field(bad)
    r = Ring.make(2, field=7)
    assert r.coeff(Fraction(1, 2)) == 4 and r.coeff(-1) == 6
    with pytest.raises(ValueError):
        r.coeff(Fraction(1, 7))
    assert Ring.make(2, field="QQ").coeff(Fraction(1, 2)) == Fraction(1, 2)
