"""Where ideals come from: one import for the three sources.

An episode needs an ideal, and there are three ways to get one, each in its
own module because each has its own reasons to change:

* :mod:`~mathrl.envs.buchberger.distributions` -- random ideals from a
  distribution name (``3-20-10-weighted``), drawn in a fixed canonical order;
* :mod:`~mathrl.envs.buchberger.families` -- fixed ideals (``cyclic-n``,
  ``katsura-n``, any list of generators);
* :mod:`~mathrl.envs.buchberger.parsing` -- a user's polynomials, as text or
  sympy objects.

This module re-exports their public names, so ``from
mathrl.envs.buchberger.ideals import make_source, parse_ideal`` keeps working.
"""

from mathrl.envs.buchberger.distributions import (DEGREE_DISTRIBUTIONS, BinomialIdealSource, DistributionSpec,
                                                  PolynomialIdealSource, degree_weights, make_source, monomial_at,
                                                  monomial_count, monomials_of_degree, parse_distribution)
from mathrl.envs.buchberger.families import FixedIdealSource, cyclic, katsura
from mathrl.envs.buchberger.parsing import ideal_to_strings, parse_ideal

__all__ = [
    "DEGREE_DISTRIBUTIONS",
    "DistributionSpec",
    "parse_distribution",
    "degree_weights",
    "monomial_count",
    "monomials_of_degree",
    "monomial_at",
    "BinomialIdealSource",
    "PolynomialIdealSource",
    "FixedIdealSource",
    "cyclic",
    "katsura",
    "make_source",
    "parse_ideal",
    "ideal_to_strings",
]
