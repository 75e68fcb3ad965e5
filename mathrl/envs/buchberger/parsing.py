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

sympy is imported lazily, inside the functions: sampling random ideals never
needs it.
"""

from __future__ import annotations

import re
from fractions import Fraction

from mathrl.envs.buchberger.polynomial import Polynomial
from mathrl.envs.buchberger.ring import Ring

__all__ = ["parse_ideal", "ideal_to_strings"]

# Tokens a polynomial string may contain. Anything else (".", "=", "[", "!", "'", ...) is rejected
# before sympy sees the text, so parse_expr never evaluates attribute access or calls.
_TOKEN = re.compile(
    r"(?P<ws>\s+)"
    r"|(?P<num>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<name>[^\W\d]\w*)"
    r"|(?P<op>\*\*|[-+*/^()])"
)
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
            raise ValueError(f"cannot parse {item!r}: unexpected character {item[pos]!r} at position {pos}")
        if m.lastgroup != "ws":
            toks.append((m.lastgroup, m.group()))
        pos = m.end()
    # Every identifier becomes a placeholder bound to Symbol(identifier), so names such as E, I, S,
    # N, Q, beta, gamma or lambda are plain variables, never sympy constants/functions/keywords.
    local: dict = {}
    placeholder: dict = {}
    out = []
    for k, (kind, val) in enumerate(toks):
        if kind == "name":
            if k + 1 < len(toks) and toks[k + 1] == ("op", "("):
                raise ValueError(f"not a polynomial: {item!r} calls a function {val}(...)")
            if val not in placeholder:
                placeholder[val] = f"_mathrl_v{len(placeholder)}"
                local[placeholder[val]] = sympy.Symbol(val)
            out.append(placeholder[val])
        else:
            out.append(val)
    try:
        expr = parse_expr(" ".join(out), local_dict=local,
                          transformations=standard_transformations + (convert_xor,))
    except Exception as exc:  # SyntaxError, TokenError, SympifyError, TypeError, ...
        raise ValueError(f"cannot parse {item!r}: {type(exc).__name__}: {exc}") from None
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
    ``name(`` is rejected as a function call. Variables come from ``gens`` or, by default, are the
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

    for x, e in zip(items, exprs):
        if not isinstance(e, sympy.Expr):
            raise ValueError(f"not a polynomial: {x!r}")
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
