"""The generic semigroup families ``all(n)`` and ``nilpotent(n, degree)``: one import for all their parts.

The families, their propagation, the table checks, canonical forms and the
enumeration live in their own modules; this module re-exports their public
names (and ``_assoc_batch``, which the tests use as a brute-force oracle) so
``from mathrl.envs.semigroups.generic import ...`` keeps working:

* :mod:`~mathrl.envs.semigroups.families`: :class:`AllSemigroups`,
  :class:`NilpotentSemigroups` and :func:`expand` (a cut of a bare tensor);
* :mod:`~mathrl.envs.semigroups.propagation`: :func:`propagate_batch` (numpy or
  compiled backend, :data:`BACKENDS`, :func:`numba_available`) and
  :func:`classify_batch`;
* :mod:`~mathrl.envs.semigroups.tables`: :func:`is_associative`,
  :func:`check_table`, :func:`nilpotency_degree`, :func:`table_of`;
* :mod:`~mathrl.envs.semigroups.canonical`: :func:`canonical_form`,
  :func:`canonical_codes`, :func:`automorphism_count`;
* :mod:`~mathrl.envs.semigroups.enumeration`: :func:`iterate_done_leaves` and
  :func:`enumerate_semigroups` (labelled and class counts, checked against
  OEIS A023814, A027851, A001423 and A383871, A383885, A383886).
"""

from __future__ import annotations

from mathrl.envs.semigroups.canonical import automorphism_count, canonical_codes, canonical_form
from mathrl.envs.semigroups.enumeration import enumerate_semigroups, iterate_done_leaves
from mathrl.envs.semigroups.families import AllSemigroups, NilpotentSemigroups, expand
from mathrl.envs.semigroups.propagation import BACKENDS, classify_batch, numba_available, propagate_batch
from mathrl.envs.semigroups.tables import _assoc_batch, check_table, is_associative, nilpotency_degree, table_of

__all__ = [
    "AllSemigroups", "NilpotentSemigroups", "propagate_batch", "expand", "classify_batch",
    "is_associative", "check_table", "nilpotency_degree", "table_of", "canonical_form",
    "canonical_codes", "automorphism_count", "iterate_done_leaves", "enumerate_semigroups",
    "numba_available", "BACKENDS",
]

_assoc_batch = _assoc_batch  # re-exported for the tests' brute-force oracle
