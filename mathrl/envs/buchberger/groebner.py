"""The standalone API: a Groebner basis and its cost in one call, and the state factory behind it.

:func:`make_state` is the one place a backend is chosen, so the env, the
benchmark and :func:`buchberger` all build their states the same way without
going through the Gymnasium adapter.
"""

from __future__ import annotations

from mathrl.envs.buchberger.polynomial import Polynomial
from mathrl.envs.buchberger.state import BuchbergerState
from mathrl.envs.buchberger.strategies import make_strategy

BACKENDS = ("auto", "python", "numba")

__all__ = ["BACKENDS", "make_state", "buchberger"]


def make_state(polys, ring, elimination="gebauermoeller", sort_input=False, backend="auto"):
    """The initial state for generators ``polys`` over ``ring``.

    ``backend="auto"`` picks the compiled binomial backend whenever it applies
    (numba installed, a prime field, at most two terms per generator) and the
    pure core otherwise; both give identical counts. ``"python"`` forces the
    pure core, ``"numba"`` the compiled one (``ValueError`` where it cannot run).
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if backend != "python":
        from mathrl.envs.buchberger.binomial import BinomialState  # numba is imported only when asked for

        if BinomialState.supports(polys, ring):
            return BinomialState.from_generators(polys, ring, elimination=elimination, sort_input=sort_input)
        if backend == "numba":
            raise ValueError("backend='numba' needs numba installed, a prime field and generators with at "
                             "most two terms")
    return BuchbergerState.from_generators(polys, ring, elimination=elimination, sort_input=sort_input)


def buchberger(F, strategy="degree", elimination="gebauermoeller", sort_input=False, seed=None, *, gens=None,
               field=32003, order="grevlex", backend="python"):
    """Run Buchberger's algorithm on F with a selection strategy.

    F is anything ``parse_ideal`` accepts (strings, sympy expressions or Polys,
    one comma-separated string) or a list of core polynomials over one ring.
    Returns ``(reduced_basis, stats)``: the reduced Groebner basis as monic
    :class:`Polynomial` objects and the cost counters of the run
    (``polynomial_additions``, ``monomial_additions``, ``pairs_processed``,
    ``zero_reductions``, ``nonzero_reductions``).
    """
    if isinstance(F, (list, tuple)) and F and all(isinstance(f, Polynomial) for f in F):
        ring = F[0].ring
        if any(f.ring != ring for f in F):
            raise ValueError("the polynomials are over different rings")
        polys = list(F)
    else:
        from mathrl.envs.buchberger.parsing import parse_ideal  # sympy is imported only for text input

        ring, polys = parse_ideal(F, gens=gens, field=field, order=order)
    strat = make_strategy(strategy, seed=seed)
    if seed is not None:
        strat.reseed(seed)
    state = make_state(polys, ring, elimination=elimination, sort_input=sort_input, backend=backend)
    while not state.is_terminal():
        state.apply(strat.select(state))
    return state.reduced_basis(), state.stats()
