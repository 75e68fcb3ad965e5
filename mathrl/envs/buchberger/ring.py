"""Coefficient fields, monomial orders and packed monomials.

Why packed integers: Buchberger's algorithm spends its time comparing,
multiplying and divisibility-testing monomials. We encode a monomial as one
Python int whose integer order *is* the monomial order and which is *linear*
in the exponent vector, so that

* ``a > b`` (monomial order) is ``key(a) > key(b)`` (int compare),
* ``a * b`` is ``key(a) + key(b)`` and ``a / b`` is ``key(a) - key(b)``,
* divisibility and lcm are a few bit operations on the unpacked exponent
  fields (each field has a guard bit, as in SWAR arithmetic).

Layout, with ``W`` bits per exponent field and ``B = 2**W``:

* lex:     ``key = sum a_i * B**(n-1-i)``                 (x0 most significant)
* grlex:   ``key = deg * B**n + sum a_i * B**(n-1-i)``
* grevlex: ``key = deg * B**n - sum a_i * B**i``         (x_{n-1} most significant,
  with negative "digits": comparing (deg, -a_{n-1}, ..., -a_0) lexicographically)

The grevlex digits are negative, but each has magnitude below ``B/2``, so the
sign of a difference is still decided by its most significant non-zero digit.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

ORDERS = ("grevlex", "grlex", "lex")
FIELD_BITS = 32  # an exponent can reach 2**31 - 1; no Buchberger run gets near that
MAX_EXPONENT = (1 << (FIELD_BITS - 1)) - 1


def check_field(field) -> int | None:
    """Normalise a field argument: a prime p < 2**31 -> p, ``"QQ"`` -> None."""
    if isinstance(field, str):
        if field.upper() in ("QQ", "Q"):
            return None
        try:
            field = int(field)
        except ValueError:
            raise ValueError(f"unknown field {field!r}: give a prime or 'QQ'") from None
    if isinstance(field, bool) or not isinstance(field, int):
        raise ValueError(f"field must be a prime int or 'QQ', got {field!r}")
    if not 2 <= field < 2**31:
        raise ValueError(f"modulus {field} out of range: need a prime 2 <= p < 2**31")
    from sympy import isprime

    if not isprime(field):
        raise ValueError(f"modulus {field} is not prime")
    return field


@dataclass(frozen=True)
class Ring:
    """A polynomial ring k[x0..x{n-1}] with a monomial order.

    ``p`` is the characteristic (a prime) or None for QQ. Two rings are equal
    iff variables, field and order agree.
    """

    names: tuple[str, ...]
    p: int | None = 32003
    order: str = "grevlex"

    def __post_init__(self):
        if self.order not in ORDERS:
            raise ValueError(f"unknown monomial order {self.order!r}; choose one of {', '.join(ORDERS)}")
        if len(self.names) < 1:
            raise ValueError("a ring needs at least one variable")
        if len(set(self.names)) != len(self.names):
            raise ValueError(f"repeated variable names: {self.names}")
        object.__setattr__(self, "names", tuple(str(v) for v in self.names))
        object.__setattr__(self, "p", check_field("QQ" if self.p is None else self.p))

    @classmethod
    def make(cls, n_or_names, field=32003, order="grevlex") -> "Ring":
        names = [f"x{i}" for i in range(n_or_names)] if isinstance(n_or_names, int) else list(n_or_names)
        return cls(tuple(names), None if (isinstance(field, str) and field.upper() in ("QQ", "Q")) else field,
                   order)

    @property
    def n(self) -> int:
        return len(self.names)

    @property
    def field_name(self) -> str:
        return "QQ" if self.p is None else f"GF({self.p})"

    # --- coefficients -------------------------------------------------------------------------
    def coeff(self, c):
        """A rational number as a field element (ValueError if p divides a denominator)."""
        if self.p is None:
            return Fraction(c)
        c = Fraction(c)
        if c.denominator % self.p == 0:
            raise ValueError(f"coefficient {c} has a denominator divisible by {self.p}")
        return c.numerator * pow(c.denominator, -1, self.p) % self.p

    def inverse(self, c):
        return Fraction(1) / c if self.p is None else pow(c, -1, self.p)

    def symmetric(self, c):
        """The representative in (-p/2, p/2] (what sympy prints), or c itself over QQ."""
        if self.p is None:
            return c
        return c - self.p if c > self.p // 2 else c

    # --- packed monomials ---------------------------------------------------------------------
    @cached_property
    def _layout(self):
        n, w = self.n, FIELD_BITS
        guard = sum(1 << (w * i + w - 1) for i in range(n))
        low = sum(1 << (w * i) for i in range(n))  # lowest bit of each field
        fields = (1 << (w * n)) - 1
        return n, w, guard, low, fields

    def pack(self, exps) -> int:
        """Exponent tuple -> monomial key (see module docstring)."""
        n, w = self.n, FIELD_BITS
        if len(exps) != n:
            raise ValueError(f"expected {n} exponents, got {len(exps)}")
        if any(int(a) < 0 or int(a) > MAX_EXPONENT for a in exps):
            raise ValueError(f"exponents out of range: {tuple(exps)} (each must be in [0, {MAX_EXPONENT}], the "
                             "packed monomial's field; typed ideals stop at parsing.MAX_DEGREE well before)")
        deg = sum(int(a) for a in exps)
        if self.order == "grevlex":
            return (deg << (w * n)) - sum(int(a) << (w * i) for i, a in enumerate(exps))
        e = sum(int(a) << (w * (n - 1 - i)) for i, a in enumerate(exps))
        return (deg << (w * n)) + e if self.order == "grlex" else e

    def fast_ops(self):
        """Closures (fields, from_fields, degree) tailored to this ring's order.

        ``fields(key)`` gives the exponent fields (x_i in field i for grevlex,
        x_{n-1-i} for lex/grlex); ``from_fields`` inverts it; ``degree(key)`` is
        the total degree. Closures, not methods, because the algorithm calls
        them millions of times.
        """
        n, w, _, low, _ = self._layout
        wn, top, mask = w * n, w * (n - 1), (1 << w) - 1

        def field_sum(e):  # sum of the fields lands in the top field
            return ((e * low) >> top) & mask

        if self.order == "lex":
            return (lambda key: key), (lambda e: e), field_sum
        if self.order == "grlex":
            return ((lambda key: key - ((key >> wn) << wn)),
                    (lambda e: (field_sum(e) << wn) + e),
                    (lambda key: key >> wn))

        def degree(key):
            return -((-key) >> wn)  # ceil(key / B**n)

        return ((lambda key: (degree(key) << wn) - key),
                (lambda e: (field_sum(e) << wn) - e),
                degree)

    def fields(self, key: int) -> int:
        """The plain exponent fields of a key (each a W-bit field, guard bits clear)."""
        return self.fast_ops()[0](key)

    def from_fields(self, e: int) -> int:
        return self.fast_ops()[1](e)

    def degree(self, key: int) -> int:
        return self.fast_ops()[2](key)

    def unpack(self, key: int) -> tuple[int, ...]:
        n, w = self.n, FIELD_BITS
        e = self.fields(key)
        mask = (1 << w) - 1
        out = [(e >> (w * i)) & mask for i in range(n)]
        return tuple(out) if self.order == "grevlex" else tuple(reversed(out))

    def divides(self, a: int, b: int) -> bool:
        """Does monomial a divide monomial b?"""
        return ((self.fields(b) - self.fields(a)) & self._layout[2]) == 0

    def lcm(self, a: int, b: int) -> int:
        _, w, guard, low, fields = self._layout
        ea, eb = self.fields(a), self.fields(b)
        t = ((eb | guard) - ea) & guard  # guard bit set where b_i >= a_i
        m = t - (t >> (w - 1))  # those fields all ones below the guard
        return self.from_fields((eb & m) | (ea & ~m & fields))

    def coprime(self, a: int, b: int) -> bool:
        return self.lcm(a, b) == a + b

    def monomial_str(self, key: int) -> str:
        parts = []
        for name, a in zip(self.names, self.unpack(key)):
            if a == 1:
                parts.append(name)
            elif a > 1:
                parts.append(f"{name}**{a}")
        return "*".join(parts) or "1"
