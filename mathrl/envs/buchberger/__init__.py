"""Buchberger S-pair selection (Peifer, Stillman and Halpern-Leistner 2020): exact core and env.

Layers, bottom up: ``ring`` (fields, orders, packed monomials), ``polynomial``,
``ideals`` (random families, cyclic/katsura, user input), ``state`` (the pure
Buchberger state), ``fast`` (compiled binomial backend), ``strategies``
(selection heuristics), ``groebner`` (one-call API) and ``env`` (Gymnasium).
"""

from mathrl.envs.buchberger.groebner import buchberger
from mathrl.envs.buchberger.polynomial import Polynomial
from mathrl.envs.buchberger.ring import Ring
from mathrl.envs.buchberger.state import BuchbergerState
from mathrl.envs.buchberger.strategies import (STRATEGIES, HeuristicAgent, KeyStrategy, Strategy, make_strategy,
                                               register_strategy)

__all__ = ["Ring", "Polynomial", "BuchbergerState", "buchberger", "Strategy", "KeyStrategy", "STRATEGIES",
           "HeuristicAgent", "make_strategy", "register_strategy"]
