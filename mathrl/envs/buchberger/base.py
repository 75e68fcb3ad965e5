"""The one interface of a Buchberger state, written once over a few primitives per backend.

Two backends hold the same state -- the basis G and the queue P of S-pairs
still to process -- in different forms: :class:`~mathrl.envs.buchberger.state.BuchbergerState`
as Python polynomials (any field, any generators) and
:class:`~mathrl.envs.buchberger.binomial.BinomialState` as numpy arrays stepped
by compiled kernels (binomial ideals over GF(p) only, many times faster).
Strategies, the env and tree search must not care which one they hold, and
the two must not drift apart, so every public method that can be said in
terms of a few primitives is said here, once, and each backend supplies only
the primitives.

Primitives a backend provides (attributes or properties where marked):

* ``ctx`` (attribute) with ``ring`` and ``elimination``; ``pairs``, ``basis``,
  ``sugars``; ``num_pairs``, ``basis_size`` (properties);
* ``apply(action)``, ``clone()``, ``key()``, ``stats()``, ``reduced_basis()``,
  and the classmethod ``from_generators(F, ring, elimination, sort_input)``;
* per-pair lists in queue order: ``lcm_keys()``, ``lcm_degrees()``,
  ``pair_sugars()``, ``spoly_degrees()``;
* exponent exports: ``term_exponents(k)`` and ``write_pair_exponents(out, k)``.

Derived here: the :class:`mathrl.core.PureState` protocol (``legal_actions``,
``action_mask``, ``returns``, ``current_player`` ...), the per-pair accessors
(``pair_lcm(a)`` ...), the observation and ``render``. What the numbers *mean*
to a learner (the reward modes, the feature rows, discounted heuristic
returns) is not here but in :mod:`~mathrl.envs.buchberger.returns` and
:mod:`~mathrl.envs.buchberger.features`: the state only counts.

The reward of ``apply`` is minus the polynomial additions of the step (one
for the S-polynomial plus one per reduction step): the cost Peifer, Stillman
and Halpern-Leistner (2020, "Learning selection strategies in Buchberger's
algorithm", ICML) minimise, so ``returns()`` is minus the additions so far.
"""

from __future__ import annotations

import numpy as np

from mathrl.core import TERMINAL_PLAYER
from mathrl.envs.buchberger import features

ELIMINATIONS = ("gebauermoeller", "lcm", "none")
STAT_KEYS = ("polynomial_additions", "monomial_additions", "pairs_processed", "zero_reductions",
             "nonzero_reductions")


def check_elimination(elimination: str) -> str:
    if elimination not in ELIMINATIONS:
        raise ValueError(f"unknown elimination {elimination!r}; choose one of {', '.join(ELIMINATIONS)}")
    return elimination


class BuchbergerBase:
    """G, P and the cost counters, behind one interface; see the module docstring.

    Derived per-pair views are cached until the next ``apply`` in the backend's
    ``_cache`` slot (see :meth:`_view`), so a strategy that asks for one key per
    pair pays for the whole list once.
    """

    num_players = 1

    __slots__ = ()

    # --- configuration ------------------------------------------------------------------------
    @property
    def ring(self):
        return self.ctx.ring

    @property
    def elimination(self) -> str:
        return self.ctx.elimination

    # --- the pure-state protocol --------------------------------------------------------------
    @property
    def num_actions(self) -> int:
        """The number of pairs: Buchberger's action set is the variable-length queue."""
        return self.num_pairs

    def legal_actions(self) -> list[int]:
        return list(range(self.num_pairs))

    def action_mask(self) -> np.ndarray:
        return np.ones(self.num_pairs, dtype=bool)

    def is_terminal(self) -> bool:
        return not self.num_pairs

    def current_player(self) -> int:
        return TERMINAL_PLAYER if not self.num_pairs else 0

    def apply_action(self, action: int) -> float:
        """Alias of ``apply`` (OpenSpiel's name)."""
        return self.apply(action)

    @property
    def total_reward(self) -> float:
        """The sum of the rewards of ``apply`` so far: minus the polynomial additions."""
        return -float(self.stats()["polynomial_additions"])

    def rollout_return(self) -> float:
        """Minus the additions Degree would still spend from here (:class:`mathrl.core.Rollout`): the value
        baseline of Peifer et al. (2020), and the leaf value of a search with rollouts. Unchanged state."""
        from mathrl.envs.buchberger.returns import rollout_value

        return float(rollout_value(self, "degree", 1.0)) if not self.is_terminal() else 0.0

    def returns(self) -> np.ndarray:
        return np.array([self.total_reward])

    def observation(self) -> np.ndarray:
        """The pair feature rows with k = 2 (:func:`~mathrl.envs.buchberger.features.pair_features`)."""
        return features.pair_features(self, 2)

    def pair_features(self, k: int = 2) -> np.ndarray:
        """The observation with k terms per element: ``features.pair_features(self, k)``."""
        return features.pair_features(self, k)

    def write_features(self, out: np.ndarray, k: int = 2) -> int:
        """The observation written into a reused buffer: ``features.write_features(self, out, k)``."""
        return features.write_features(self, out, k)

    # --- what strategies see, one pair at a time ----------------------------------------------
    def pair_lcm(self, a: int) -> int:
        """The packed lcm of the lead monomials of pair a (compare with ``<``: the ring's order)."""
        return self.lcm_keys()[a]

    def pair_degree(self, a: int) -> int:
        """The total degree of pair a's lcm."""
        return self.lcm_degrees()[a]

    def pair_sugar(self, a: int) -> int:
        """The sugar degree of pair a's S-polynomial (Giovini et al. 1991)."""
        return self.pair_sugars()[a]

    def spoly_degree(self, a: int) -> float:
        """Total degree of the unreduced S-polynomial of pair a; -inf if it is zero."""
        return self.spoly_degrees()[a]

    def _view(self, name: str, compute):
        """A per-state value cached until the next ``apply`` (which resets ``_cache``); never mutate it."""
        c = self._cache
        if c is None:
            c = self._cache = {}
        v = c.get(name)
        if v is None:
            v = c[name] = compute()
        return v

    # --- results ------------------------------------------------------------------------------
    def reduced_basis_size(self) -> int:
        return len(self.reduced_basis())

    def render(self) -> str:
        ring = self.ring
        lines = [f"G ({self.basis_size} elements, {ring.field_name}, {ring.order}):"]
        lines += [f"  g{k} = {g}" for k, g in enumerate(self.basis)]
        lines.append(f"P ({self.num_pairs} pairs):")
        lines += [f"  [{a}] ({i}, {j})  lcm {ring.monomial_str(g)}"
                  for a, ((i, j), g) in enumerate(zip(self.pairs, self.lcm_keys()))]
        return "\n".join(lines)

    def __repr__(self) -> str:
        ring = self.ring
        return (f"{type(self).__name__}(|G|={self.basis_size}, |P|={self.num_pairs}, {ring.field_name}, "
                f"{ring.order})")
