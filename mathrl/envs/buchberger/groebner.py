"""The standalone API: a Groebner basis and its cost in one call (spec §3.6)."""

from __future__ import annotations

from mathrl.envs.buchberger.polynomial import Polynomial
from mathrl.envs.buchberger.strategies import make_strategy


def buchberger(F, strategy="degree", elimination="gebauermoeller", sort_input=False, seed=None, *, gens=None,
               field=32003, order="grevlex", rewards="additions", backend="python"):
    """Run Buchberger's algorithm on F with a selection strategy.

    F is anything ``parse_ideal`` accepts (strings, sympy expressions or Polys,
    one comma-separated string) or a list of core polynomials over one ring.
    Returns ``(reduced_basis, stats)``: the reduced Groebner basis as monic
    :class:`Polynomial` objects and the §3.5 counters
    (``polynomial_additions``, ``monomial_additions``, ``pairs_processed``,
    ``zero_reductions``, ``nonzero_reductions``).
    """
    from mathrl.envs.buchberger.env import make_state

    if isinstance(F, (list, tuple)) and F and all(isinstance(f, Polynomial) for f in F):
        ring = F[0].ring
        if any(f.ring != ring for f in F):
            raise ValueError("the polynomials are over different rings")
        polys = list(F)
    else:
        from mathrl.envs.buchberger.ideals import parse_ideal

        ring, polys = parse_ideal(F, gens=gens, field=field, order=order)
    strat = make_strategy(strategy, seed=seed)
    if seed is not None:
        strat.reseed(seed)
    state = make_state(polys, ring, elimination=elimination, sort_input=sort_input, rewards=rewards,
                       backend=backend)
    while not state.is_terminal():
        state.apply(strat.select(state))
    return state.reduced_basis(), state.stats()
