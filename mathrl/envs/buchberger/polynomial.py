"""Immutable sparse polynomials over a :class:`~mathrl.envs.buchberger.ring.Ring`.

A polynomial is two parallel tuples: packed monomial keys in descending
monomial order and their non-zero coefficients. Immutable, so the basis can be
shared between cloned states.
"""

from __future__ import annotations

from mathrl.envs.buchberger.ring import Ring


class Polynomial:
    __slots__ = ("ring", "monos", "coeffs")

    def __init__(self, ring: Ring, monos: tuple, coeffs: tuple):
        self.ring = ring
        self.monos = monos
        self.coeffs = coeffs

    # --- construction -------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, ring: Ring, terms: dict) -> "Polynomial":
        """From {monomial key: coefficient}; zero coefficients are dropped."""
        items = sorted(((m, c) for m, c in terms.items() if c), reverse=True)
        return cls(ring, tuple(m for m, _ in items), tuple(c for _, c in items))

    @classmethod
    def from_terms(cls, ring: Ring, terms) -> "Polynomial":
        """From (exponent tuple, rational coefficient) pairs; equal monomials add up."""
        acc: dict = {}
        p = ring.p
        for exps, c in terms:
            key = ring.pack(exps)
            v = acc.get(key, 0) + ring.coeff(c)
            acc[key] = v % p if p is not None else v
        return cls.from_dict(ring, acc)

    # --- basic properties ---------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.monos)

    def __bool__(self) -> bool:
        return bool(self.monos)

    @property
    def lm(self) -> int:
        return self.monos[0]

    @property
    def lc(self):
        return self.coeffs[0]

    def degree(self) -> int:
        """Total degree: the largest degree of any term (the sugar of an input generator)."""
        return max(self.ring.degree(m) for m in self.monos)

    def monic(self) -> "Polynomial":
        if not self.monos:
            raise ZeroDivisionError("the zero polynomial has no leading coefficient")
        if self.coeffs[0] == 1:
            return self
        inv = self.ring.inverse(self.coeffs[0])
        p = self.ring.p
        if p is None:
            coeffs = tuple(c * inv for c in self.coeffs)
        else:
            coeffs = tuple(c * inv % p for c in self.coeffs)
        return Polynomial(self.ring, self.monos, coeffs)

    def terms(self):
        """(exponent tuple, coefficient) pairs in descending order."""
        return [(self.ring.unpack(m), c) for m, c in zip(self.monos, self.coeffs)]

    def exponents(self, k: int | None = None) -> list[tuple[int, ...]]:
        monos = self.monos if k is None else self.monos[:k]
        return [self.ring.unpack(m) for m in monos]

    def __eq__(self, other) -> bool:
        return (isinstance(other, Polynomial) and self.ring == other.ring and self.monos == other.monos
                and self.coeffs == other.coeffs)

    def __hash__(self) -> int:
        return hash((self.monos, self.coeffs))

    # --- printing and sympy -------------------------------------------------------------------
    def to_str(self, symmetric: bool = True) -> str:
        """A sympy-parsable string, coefficients in (-p/2, p/2] by default."""
        if not self.monos:
            return "0"
        out = []
        for m, c in zip(self.monos, self.coeffs):
            c = self.ring.symmetric(c) if symmetric else c
            mono = self.ring.monomial_str(m)
            neg = c < 0
            a = -c if neg else c
            if mono == "1":
                body = str(a)
            elif a == 1:
                body = mono
            else:
                body = f"{a}*{mono}"
            out.append(("- " if neg else "+ ") + body)
        s = " ".join(out)
        return s[2:] if s.startswith("+ ") else "-" + s[2:]

    def __str__(self) -> str:
        return self.to_str()

    def __repr__(self) -> str:
        return f"Polynomial({self.to_str()!r}, {self.ring.field_name}, {self.ring.order})"

    def to_sympy(self):
        """As a sympy expression in the ring's variables (symmetric residues mod p)."""
        import sympy

        syms = sympy.symbols(self.ring.names)
        if not isinstance(syms, tuple):
            syms = (syms,)
        expr = sympy.Integer(0)
        for exps, c in self.terms():
            term = sympy.Rational(self.ring.symmetric(c)) if self.ring.p is not None else sympy.Rational(
                c.numerator, c.denominator)
            for s, a in zip(syms, exps):
                term *= s**a
            expr += term
        return expr
