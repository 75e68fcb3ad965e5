"""Semigroup proof-cut choice: classify semigroups by proof trees of cuts, and learn which cell to cut.

A family of semigroups is classified by a proof tree: a node is a partial
multiplication table with candidate sets per cell, propagation removes the
candidates associativity rules out, and a *cut* splits a node into one child
per candidate of one cell; the leaves are complete semigroups (done) or
contradictions (impossible). The proof size (cut nodes) depends only on which
cell each cut picks, which is what Simpson 2021 ("Learning proofs for the
classification of nilpotent semigroups", arXiv:2106.03015) learns to choose.

Layers, each importing only those listed before it (all but ``env`` need numpy
alone, so search code never loads gymnasium or torch):

* ``problem``: the node/problem interface every family implements;
* ``state``: :class:`~mathrl.envs.semigroups.state.ProofState`, the one proof
  traversal, a pure state (``mathrl.core.PureState``) whose action is the cell
  to cut and whose reward is -1 per cut;
* the families: ``graded`` (Simpson's graded 4-nilpotent instances) and
  ``families`` (``all(n)``, ``nilpotent(n, degree)``) with ``tables``
  (done-leaf checks), ``propagation`` (numpy and compiled), ``canonical``
  (canonical forms) and ``enumeration`` (labelled and class counts);
  ``generic`` re-exports these five under the old single name;
* ``orders``/``policies``: cut policies and the exact minimum solver;
* ``proof``: run a policy through a ProofState and count the proof;
* ``env``: ``mathrl/SemigroupProof-v0``, a thin Gymnasium adapter over a
  ProofState (``mathrl bench semigroups`` lives in ``mathrl.benchmarks.semigroups``).
"""
