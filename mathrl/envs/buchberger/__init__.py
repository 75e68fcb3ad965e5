"""Buchberger S-pair selection (Peifer, Stillman and Halpern-Leistner 2020): exact core and env.

Layers, bottom up; each imports only those above it in this list, so the
algebra runs without gymnasium, torch or the agents:

* ``ring``, ``polynomial`` -- fields, monomial orders, packed monomials,
  immutable polynomials;
* ``distributions``, ``families``, ``parsing`` (re-exported together by
  ``ideals``) -- where ideals come from: random distributions, fixed families
  (cyclic, katsura), user input;
* ``features`` -- the pair feature rows a policy sees; ``base`` -- the one
  interface of a Buchberger state, written once over a few primitives per
  backend;
* ``state`` -- the pure backend (any field, any generators; the oracle);
  ``binomial_kernels`` and ``binomial`` -- the compiled backend for binomial
  ideals over GF(p) (``fast`` is its old name);
* ``strategies`` -- selection heuristics, and the plugin hook through which
  trained agents become strategies (``agent:PATH``);
* ``returns`` -- reward modes and discounted heuristic returns: the state's
  counters as a learner sees them;
* ``groebner`` -- ``make_state`` (the backend choice) and the one-call
  ``buchberger`` (the benchmark against the paper's numbers is ``mathrl.benchmarks.buchberger``);
* ``env`` -- the Gymnasium adapter, the only module that imports gymnasium.
"""

from mathrl.envs.buchberger.groebner import buchberger, make_state
from mathrl.envs.buchberger.polynomial import Polynomial
from mathrl.envs.buchberger.ring import Ring
from mathrl.envs.buchberger.state import BuchbergerState
from mathrl.envs.buchberger.strategies import (STRATEGIES, HeuristicAgent, KeyStrategy, Strategy, make_strategy,
                                               register_strategy)

__all__ = ["Ring", "Polynomial", "BuchbergerState", "buchberger", "make_state", "Strategy", "KeyStrategy",
           "STRATEGIES", "HeuristicAgent", "make_strategy", "register_strategy"]
