"""User-supplied ideals: polynomials typed as text or built in sympy, read into a ring safely.

``mathrl groebner "x*y - 1, x^2 - y"``, ``gym.make(..., ideal=...)`` and
:func:`~mathrl.envs.buchberger.groebner.buchberger` all accept an ideal as
strings, sympy expressions or sympy ``Poly`` / ``PolyElement`` objects. Text
reaches sympy only after a tokenizer has rejected anything but numbers,
identifiers and arithmetic, because ``sympy.parse_expr`` evaluates Python:
``"x.__class__"`` must be an error, not an attribute access. Every identifier
is a variable (so ``E``, ``I`` or ``lambda`` are never sympy constants or
keywords), and by default the variables are ordered as ``sympy.groebner``
orders them, so results compare one to one with sympy's.

What a string may contain is deliberately narrow, so that what is computed is
what the user sees:

* ASCII only. Python and sympy read many non-ASCII characters as parts of an
  identifier: ``x² - y`` would silently be a polynomial in a variable named
  ``x²`` (of degree 1), and full-width ``ｘ`` a variable other than ``x``. Any
  other character is refused as unexpected, naming it.
* Numbers are integers, and rationals are written as quotients (``x/2``,
  ``3/10*y``). A decimal literal (``0.5``, ``1e3``) is refused naming the token:
  it is most often a binary float printed by another program (``0.1`` there is
  not 1/10), so reading it as an exact rational would guess, and reading it as a
  float has no meaning over GF(p). Refusing also keeps ``1e1000000000`` from
  being expanded to an integer of a gigabyte.
* ``nan``, ``inf`` and ``infinity`` (any case) are refused: they are what a
  program prints for non-finite floats, never a coefficient, and as variable
  names they would only hide that mistake. (sympy's own ``oo`` stays a plain
  variable, like ``E`` or ``I``.)

Sizes are bounded before sympy builds anything, because sympy's ``Poly`` is
dense in each variable and evaluates constant powers exactly:
``x^3000000000 - y`` would take gigabytes and ``2^(10^9)`` minutes. A
generator whose total degree may exceed :data:`MAX_DEGREE`, whose expansion
may have more than :data:`MAX_TERMS` terms, or that computes a constant of
more than :data:`MAX_CONSTANT_BITS` bits is refused at parse time with a
``ValueError`` naming the term (the bounds are upper estimates from the
expression's shape, e.g. ``(x+y)^3`` counts as degree 3 with 4 terms).

sympy is imported lazily, inside the functions: sampling random ideals never
needs it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from fractions import Fraction

from mathrl.envs.buchberger.polynomial import Polynomial
from mathrl.envs.buchberger.ring import Ring

__all__ = ["parse_ideal", "ideal_to_strings", "MAX_DEGREE", "MAX_TERMS", "MAX_CONSTANT_BITS"]

# Parse-time size limits (see the module docstring). Degree 10**5 parses in about 0.1 s (sympy holds
# a dense list per variable) and leaves a factor of 2**31 / 10**5 (~21000) of headroom below the
# 31-bit exponent fields of the packed monomials (ring.MAX_EXPONENT) for the degrees reached while
# reducing. Realistic inputs (the benchmark families, textbook ideals) stay below degree 100.
MAX_DEGREE = 100_000
MAX_TERMS = 100_000          # terms of a generator once expanded, e.g. (x+y+z)^n has (n+1)(n+2)/2
MAX_CONSTANT_BITS = 100_000  # a number computed by a power, e.g. 2^(10^9), is refused above this size
MAX_NESTING = 100            # parentheses / power chains deeper than this are refused (Python's own limit is 200)

# Tokens a polynomial string may contain. Anything else (".", "=", "[", "!", "'", ...) is rejected
# before sympy sees the text, so parse_expr never evaluates attribute access or calls.
_TOKEN = re.compile(
    r"(?P<ws>\s+)"
    r"|(?P<num>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<name>[^\W\d]\w*)"
    r"|(?P<op>\*\*|[-+*/^()])",
    re.ASCII,  # identifiers and digits in ASCII only (see the module docstring)
)
_INTEGER = re.compile(r"[0-9]+\Z")
# Identifiers that name non-finite floats: refused, never variables (see the module docstring).
NON_FINITE = frozenset({"nan", "inf", "infinity"})
_DIGITS_PER_BIT = math.log10(2)
_OPEN, _CLOSE = "([{", ")]}"


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside any parentheses/brackets."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            if depth < 0:
                raise ValueError(f"unbalanced parentheses in {text!r}")
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth != 0:
        raise ValueError(f"unbalanced parentheses in {text!r}")
    parts.append(text[start:])
    return parts


class _Size:
    """An upper estimate of an expression's size: total degree, number of terms once expanded, variables,
    and the exact value when the expression is a constant (None otherwise)."""

    __slots__ = ("deg", "terms", "names", "const")

    def __init__(self, deg=0, terms=1, names=frozenset(), const=None):
        self.deg, self.terms, self.names, self.const = deg, terms, names, const


def _short(obj, quote: bool = True, width: int = 80) -> str:
    """An input or a term for an error message, cut to ``width`` characters."""
    text = repr(obj) if quote and isinstance(obj, str) else format(obj, "")
    return text if len(text) <= width else text[:width - 5] + "..." + text[-2:] if quote else text[:width - 3] + "..."


def _bits(c: Fraction) -> int:
    return max(abs(c.numerator).bit_length(), c.denominator.bit_length())


def _limit_terms(size: _Size, item, term: str) -> _Size:
    bound = size.terms
    if size.names and bound > MAX_TERMS:  # at most as many as the monomials of degree <= deg
        bound = min(bound, math.comb(size.deg + len(size.names), len(size.names)))
    if bound > MAX_TERMS:
        raise ValueError(f"{_short(item)}: the term {_short(term, quote=False)} expands to up to {bound} terms, above the limit of "
                         f"{MAX_TERMS} (mathrl.envs.buchberger.parsing.MAX_TERMS)")
    size.terms = bound
    return size


def _add(a: _Size, b: _Size, sub: bool = False) -> _Size:
    const = None if a.const is None or b.const is None else (a.const - b.const if sub else a.const + b.const)
    return _Size(max(a.deg, b.deg), a.terms + b.terms, a.names | b.names, const)


def _mul(a: _Size, b: _Size, item, term: str, div: bool = False) -> _Size:
    if div:
        if b.const is None or b.const == 0:  # not a polynomial (or 1/0): sympy says so, cheaply
            return _Size(a.deg, a.terms, a.names | b.names, None)
        return _Size(a.deg, a.terms, a.names, None if a.const is None else a.const / b.const)
    const = None
    if a.const is not None and b.const is not None:
        if _bits(a.const) + _bits(b.const) > MAX_CONSTANT_BITS:
            raise ValueError(f"{_short(item)}: the term {_short(term, quote=False)} is a number of about {_bits(a.const) + _bits(b.const)} bits, "
                             f"above the limit of {MAX_CONSTANT_BITS} (mathrl.envs.buchberger.parsing.MAX_CONSTANT_BITS)")
        const = a.const * b.const
    return _limit_terms(_Size(a.deg + b.deg, a.terms * b.terms, a.names | b.names, const), item, term)


def _pow(base: _Size, exp: _Size, item, term: str) -> _Size:
    e = exp.const
    if e is None or e.denominator != 1:  # x^y, x^(1/2): not a polynomial, sympy rejects it cheaply
        return _Size(base.deg, base.terms, base.names | exp.names, None)
    e = int(e)
    if base.const is not None:
        if base.const == 0 or abs(base.const) == 1:
            return _Size(const=None if base.const == 0 and e < 0 else base.const ** e)
        bits = abs(e) * _bits(base.const)
        if bits > MAX_CONSTANT_BITS:
            raise ValueError(f"{_short(item)}: the term {_short(term, quote=False)} is a number of about {bits} bits, above the limit of "
                             f"{MAX_CONSTANT_BITS} (mathrl.envs.buchberger.parsing.MAX_CONSTANT_BITS)")
        return _Size(const=base.const ** e)
    if e < 0:  # a denominator: not a polynomial unless it cancels, which sympy decides
        return _Size(0, 1, base.names, None)
    deg = e * base.deg
    if deg > MAX_DEGREE:
        raise ValueError(f"{_short(item)}: the term {_short(term, quote=False)} has degree {deg}, above the limit of {MAX_DEGREE} "
                         f"(mathrl.envs.buchberger.parsing.MAX_DEGREE)")
    terms = 1 if base.terms == 1 else math.comb(e + base.terms - 1, base.terms - 1)
    return _limit_terms(_Size(deg, terms, base.names, None), item, term)


def _integer(text: str) -> int:
    """A decimal integer literal of any length (Python refuses more than 4300 digits in one ``int()``; the
    caller bounds the length by :data:`MAX_CONSTANT_BITS` first)."""
    if len(text) <= 4000:
        return int(text)
    half = len(text) // 2
    return _integer(text[:-half]) * 10 ** half + _integer(text[-half:])


def _check_number(val: str, item: str) -> None:
    """ValueError unless the number token ``val`` is an integer literal of at most MAX_CONSTANT_BITS bits."""
    if not _INTEGER.match(val):
        hint = ""
        _, _, exponent = val.lower().partition("e")
        if len(val) <= 30 and (not exponent or abs(int(exponent)) <= 30):  # small: say which fraction it is
            try:
                hint = f", here {Fraction(val)}"
            except ValueError:  # pragma: no cover - the token regex only passes what Fraction reads
                pass
        raise ValueError(f"{_short(item)}: the number {_short(val, width=30)} is not an integer: numbers must be "
                         f"exact, write a rational as a quotient of integers{hint}")
    bits = math.ceil((len(val.lstrip("0")) or 1) / _DIGITS_PER_BIT)
    if bits > MAX_CONSTANT_BITS + 4:  # a digit is log2(10) ~ 3.3 bits: allow for the rounding up
        raise ValueError(f"{_short(item)}: the number {_short(val, quote=False, width=20)} has {len(val)} digits, "
                         f"about {bits} bits, above the limit of {MAX_CONSTANT_BITS} "
                         f"(mathrl.envs.buchberger.parsing.MAX_CONSTANT_BITS)")


def _check_tokens(toks: list, item: str) -> None:
    """Estimate a polynomial string's size from its tokens, before sympy evaluates anything; ValueError if
    a term is too large. Python's grammar: + - (left), * / (left), unary + -, ** (right, binding tighter than
    a unary minus on its left, looser on its right). Malformed input is left to sympy's error messages."""
    pos = 0

    class _Malformed(Exception):
        pass

    def text(start, end):
        return item[toks[start][2]:toks[end - 1][3]].strip().replace("**", "^")

    def peek():
        return toks[pos][1] if pos < len(toks) and toks[pos][0] == "op" else None

    def sum_(depth):
        nonlocal pos
        start = pos
        size = product(depth)
        while peek() in ("+", "-"):
            op = toks[pos][1]
            pos += 1
            size = _add(size, product(depth), sub=op == "-")
            _limit_terms(size, item, text(start, pos))
        return size

    def product(depth):
        nonlocal pos
        start = pos
        size = unary(depth)
        while peek() in ("*", "/"):
            op = toks[pos][1]
            pos += 1
            size = _mul(size, unary(depth), item, text(start, pos), div=op == "/")
        return size

    def unary(depth):
        nonlocal pos
        if peek() in ("+", "-"):
            op = toks[pos][1]
            pos += 1
            size = unary(depth + 1)
            return _Size(size.deg, size.terms, size.names, None if size.const is None else
                         (-size.const if op == "-" else size.const))
        return power(depth)

    def power(depth):
        nonlocal pos
        if depth > MAX_NESTING:
            raise ValueError(f"{_short(item)}: nested more than {MAX_NESTING} levels deep")
        start = pos
        base = atom(depth)
        if peek() in ("^", "**"):
            pos += 1
            exp = unary(depth + 1)
            return _pow(base, exp, item, text(start, pos))
        return base

    def atom(depth):
        nonlocal pos
        if pos >= len(toks):
            raise _Malformed
        kind, val = toks[pos][0], toks[pos][1]
        pos += 1
        if kind == "name":
            return _Size(1, 1, frozenset([val]))
        if kind == "num":  # an integer literal: _parse_string refused any other before
            return _Size(const=Fraction(_integer(val)))
        if val == "(":
            size = sum_(depth + 1)
            if peek() != ")":
                raise _Malformed
            pos += 1
            return size
        raise _Malformed

    try:
        sum_(0)
    except _Malformed:
        return


class _Text:
    """A sympy expression's text, made only when an error message needs it."""

    def __init__(self, expr):
        self.expr = expr

    def __format__(self, spec):
        return format(str(self.expr).replace("**", "^"), spec)


def _check_expr(expr, item) -> None:
    """The size estimate of :func:`_check_tokens` for a sympy expression (one built in Python, or a Poly's)."""
    import sympy

    def walk(e, depth):
        if depth > 10 * MAX_NESTING:
            raise ValueError(f"{_short(item)}: nested more than {10 * MAX_NESTING} levels deep")
        term = _Text(e)
        if isinstance(e, sympy.Symbol):
            return _Size(1, 1, frozenset([e.name]))
        if isinstance(e, sympy.Rational):
            return _Size(const=Fraction(int(e.p), int(e.q)))
        if isinstance(e, sympy.Number) or not e.args:
            return _Size()
        if isinstance(e, sympy.Pow):
            return _pow(walk(e.base, depth + 1), walk(e.exp, depth + 1), item, term)
        parts = [walk(a, depth + 1) for a in e.args]
        size = parts[0]
        for part in parts[1:]:
            size = _add(size, part) if isinstance(e, sympy.Add) else _mul(size, part, item, term)
        return _limit_terms(size, item, term) if isinstance(e, sympy.Add) else size

    walk(expr, 0)


def _parse_string(item: str):
    """One polynomial string -> sympy expression in plain Symbols named as written."""
    import sympy
    from sympy.parsing.sympy_parser import convert_xor, parse_expr, standard_transformations

    if not item.strip():
        raise ValueError(f"empty polynomial {item!r}")
    toks, pos = [], 0
    while pos < len(item):
        m = _TOKEN.match(item, pos)
        if m is None:
            ch = item[pos]
            what = f"{ch!r}"
            if not ch.isascii():
                what += f" (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')}; only ASCII is read"
                what += ", write powers as x^2)" if unicodedata.category(ch) == "No" else ")"
            raise ValueError(f"cannot parse {_short(item)}: unexpected character {what} at position {pos}")
        kind, val = m.lastgroup, m.group()
        if kind == "num":
            _check_number(val, item)
        elif kind == "name" and val.lower() in NON_FINITE:
            raise ValueError(f"{_short(item)}: {val!r} is not a finite number: coefficients must be rational "
                             f"(and {', '.join(sorted(NON_FINITE))} are not accepted as variable names)")
        if kind != "ws":
            toks.append((kind, val, m.start(), m.end()))
        pos = m.end()
    _check_tokens(toks, item)  # degree, terms and constant sizes, before sympy evaluates anything
    # Every identifier becomes a placeholder bound to Symbol(identifier), so names such as E, I, S,
    # N, Q, beta, gamma or lambda are plain variables, never sympy constants/functions/keywords.
    local: dict = {}
    placeholder: dict = {}
    out = []
    for k, (kind, val, _, _) in enumerate(toks):
        if kind == "name":
            if k + 1 < len(toks) and toks[k + 1][:2] == ("op", "("):
                raise ValueError(f"not a polynomial: {item!r} calls a function {val}(...)")
            if val not in placeholder:
                placeholder[val] = f"_mathrl_v{len(placeholder)}"
                local[placeholder[val]] = sympy.Symbol(val)
            out.append(placeholder[val])
        elif kind == "num" and len(val) > 1000:  # sympy's int() stops at 4300 digits: pass the value itself
            name = f"_mathrl_c{len(local)}"
            local[name] = sympy.Integer(_integer(val))
            out.append(name)
        else:
            out.append(val)
    try:
        expr = parse_expr(" ".join(out), local_dict=local,
                          transformations=standard_transformations + (convert_xor,))
    except Exception as exc:  # SyntaxError, TokenError, SympifyError, TypeError, ...
        raise ValueError(f"cannot parse {_short(item)}: {type(exc).__name__}: {_short(str(exc), quote=False)}") from None
    return expr


def _poly_terms(expr, item, names: tuple[str, ...]):
    """A sympy expression -> [(exponents, Fraction)] in the variables ``names``; ValueError otherwise."""
    import sympy

    if not isinstance(expr, sympy.Expr):
        raise ValueError(f"not a polynomial: {item!r}")
    if expr.atoms(sympy.Float):
        raise ValueError(f"not a polynomial with rational coefficients: {item!r} contains a float")
    by_name: dict = {}
    for sym in expr.free_symbols:
        nm = getattr(sym, "name", str(sym))
        if nm not in names:
            raise ValueError(f"{item!r}: unknown variable {nm!r} (variables are {', '.join(names)})")
        if by_name.setdefault(nm, sym) != sym:
            raise ValueError(f"{item!r}: two different symbols are named {nm!r}")
    syms = [by_name.get(nm, sympy.Symbol(nm)) for nm in names]
    try:
        poly = sympy.Poly(expr, *syms)
    except Exception as exc:
        raise ValueError(f"not a polynomial: {item!r} ({exc})") from None
    dom = poly.get_domain()
    if not (dom.is_ZZ or dom.is_QQ):
        raise ValueError(f"not a polynomial with rational coefficients: {item!r} (coefficient domain {dom})")
    out = []
    for monom, c in poly.terms():
        c = sympy.Rational(c)
        out.append((tuple(int(a) for a in monom), Fraction(int(c.p), int(c.q))))
    return out


def _gens_names(gens) -> tuple[str, ...]:
    import sympy

    if isinstance(gens, str):
        gens = [g for g in re.split(r"[,\s]+", gens.strip()) if g]
    try:
        gens = list(gens)
    except TypeError:
        raise ValueError(f"gens must be a list of variable names or symbols, got {gens!r}") from None
    names = []
    for g in gens:
        if isinstance(g, str):
            nm = g.strip()
        elif isinstance(g, sympy.Symbol):
            nm = g.name
        else:
            raise ValueError(f"gens must be variable names or sympy symbols, got {g!r}")
        if not nm:
            raise ValueError(f"empty variable name in gens {gens!r}")
        names.append(nm)
    if not names:
        raise ValueError("gens is empty")
    if len(set(names)) != len(names):
        raise ValueError(f"repeated variable in gens {names}")
    return tuple(names)


def _default_gens(exprs) -> tuple[str, ...]:
    """The free symbols in the order sympy.groebner picks when no gens are given."""
    syms = set()
    for e in exprs:
        syms |= e.free_symbols
    try:
        from sympy.polys.polyutils import _sort_gens
        ordered = _sort_gens(list(syms))
    except Exception:  # pragma: no cover - private sympy helper moved
        from sympy import default_sort_key
        ordered = sorted(syms, key=default_sort_key)
    names = [getattr(s, "name", str(s)) for s in ordered]
    if len(set(names)) != len(names):
        raise ValueError(f"two different symbols share a name among {names}; pass gens explicitly")
    return tuple(names)


def parse_ideal(items, gens=None, field=32003, order: str = "grevlex") -> tuple[Ring, list[Polynomial]]:
    """User-supplied generators -> (ring, non-zero polynomials in the given order).

    ``items`` is a list of strings, of sympy expressions, or of sympy ``Poly``/``PolyElement``
    objects (one kind throughout), or a single string of comma-separated polynomials (split on
    top-level commas only). Strings accept ``^`` and ``**``; every identifier is a variable and
    ``name(`` is rejected as a function call; they are ASCII, with integer literals only (no ``0.5``:
    write ``1/2``) and no ``nan`` / ``inf`` (see the module docstring). Variables come from ``gens`` or, by default, are the
    free symbols in the order ``sympy.groebner`` uses. Coefficients must be rational; over GF(p)
    they are reduced mod p. Zero generators are dropped. Every problem raises ``ValueError``.
    """
    import sympy
    from sympy.polys.rings import PolyElement

    if isinstance(items, str):
        pieces = _split_top_level(items)
        if any(not piece.strip() for piece in pieces):
            raise ValueError(f"empty polynomial in {items!r} (stray comma?)")
        items = pieces
    elif isinstance(items, (sympy.Basic, sympy.Poly, PolyElement)):
        items = [items]
    try:
        items = list(items)
    except TypeError:
        raise ValueError(f"an ideal must be a list of polynomials or a string, got {items!r}") from None
    if not items:
        raise ValueError("an ideal needs at least one generator")

    def kind(x):
        if isinstance(x, str):
            return "string"
        if isinstance(x, (sympy.Poly, PolyElement)):
            return "Poly"
        if isinstance(x, sympy.Basic) or (isinstance(x, (int, float, Fraction)) and not isinstance(x, bool)):
            return "expression"
        raise ValueError(f"unsupported ideal item {x!r} of type {type(x).__name__}")

    kinds = {kind(x) for x in items}
    if len(kinds) > 1:
        raise ValueError(f"ideal items must be all strings, all sympy expressions or all sympy Poly objects; "
                         f"got a mix of {', '.join(sorted(kinds))}")
    (k,) = kinds
    exprs = []
    for x in items:
        if k == "string":
            exprs.append(_parse_string(x))
        elif k == "Poly":
            try:
                exprs.append(x.as_expr())
            except Exception as exc:
                raise ValueError(f"cannot convert {x!r} to an expression: {exc}") from None
        else:
            try:
                exprs.append(sympy.sympify(x, strict=True))
            except Exception as exc:
                raise ValueError(f"cannot read {x!r} as a sympy expression: {exc}") from None

    non_finite = (sympy.S.NaN, sympy.S.Infinity, sympy.S.NegativeInfinity, sympy.S.ComplexInfinity)
    for x, e in zip(items, exprs):
        if not isinstance(e, sympy.Expr):
            raise ValueError(f"not a polynomial: {x!r}")
        if e.has(*non_finite):  # sympy.nan * x is nan, with no variable left: say what is wrong
            raise ValueError(f"{_short(x)}: not a finite number ({_short(str(e), quote=False)}): coefficients must "
                             "be rational")
        _check_expr(e, x)  # what sympy.Poly would expand: bounded before it does
    names = _gens_names(gens) if gens is not None else _default_gens(exprs)
    if not names:
        raise ValueError(f"no variables in the ideal {items!r}; pass gens")
    ring = Ring.make(names, field=field, order=order)

    polys = []
    for x, e in zip(items, exprs):
        terms = _poly_terms(e, x, names)
        try:
            f = Polynomial.from_terms(ring, terms)
        except ValueError as exc:
            raise ValueError(f"{x!r}: {exc} (field {ring.field_name})") from None
        if f:
            polys.append(f)
    if not polys:
        raise ValueError(f"every generator of {items!r} is zero (over {ring.field_name})")
    return ring, polys


def ideal_to_strings(polys) -> list[str]:
    """Generators as sympy-parsable strings (coefficients mod p in (-p/2, p/2])."""
    return [f.to_str() for f in polys]
