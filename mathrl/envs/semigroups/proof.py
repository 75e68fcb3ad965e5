"""Run a whole proof with a cut policy and count it: cut (passive) nodes, done and impossible leaves.

The proof size (cut nodes) is the cost Simpson compares cut policies by
(Simpson 2021, "Learning proofs for the classification of nilpotent
semigroups", arXiv:2106.03015). ``prove(problem, policy)`` drives the same
:class:`~mathrl.envs.semigroups.state.ProofState` as the Gymnasium env, so its
counts are the env's episode, and it is a plain function of
(problem, policy, seed) -> counts, so benchmark samples can run in a process pool.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from mathrl.envs.semigroups.policies import make_policy
from mathrl.envs.semigroups.problem import ACTIVE, DONE, IMPOSSIBLE, Problem
from mathrl.envs.semigroups.state import ProofState


@dataclass
class ProofResult:
    nodes: int = 0  # passive (cut) nodes: the proof size
    done: int = 0
    impossible: int = 0
    seconds: float = 0.0
    per_root: dict = field(default_factory=dict)  # root index -> {"nodes", "done", "impossible"}
    done_leaves: Counter | None = None  # node key -> multiplicity (collect_done=True)
    complete: bool = True  # False if max_nodes stopped the proof


def prove(problem: Problem, policy="benchmark", seed=None, traversal: str = "dfs", collect_done: bool = False,
          max_nodes: int | None = None, roots=None) -> ProofResult:
    """Cut every active node with ``policy`` until only leaves remain.

    ``traversal="dfs"`` cuts the most recently opened node next, children
    ordered so the smallest value goes first (the env's order); ``"bfs"``
    cuts level by level. A policy that looks only at the node makes the same
    cut at a node whichever traversal reaches it, so the counts do not depend
    on the traversal (tested); a stateful one (``random``) may differ.
    ``max_nodes`` stops after that many cuts (``complete=False``). ``roots`` proves those nodes instead of
    the problem's roots (a part of a larger proof, see :func:`split_proof`).
    """
    if traversal not in ("dfs", "bfs"):
        raise ValueError(f"traversal must be 'dfs' or 'bfs', got {traversal!r}")
    pol = make_policy(policy, problem, rng=np.random.default_rng(seed))
    t0 = time.perf_counter()
    res = ProofResult(done_leaves=Counter() if collect_done else None)

    def record(node, status):
        _count(res, node, status)
        if collect_done and status == DONE:
            res.done_leaves[node.key] += 1

    roots = problem.roots() if roots is None else list(roots)
    for root in roots:
        res.per_root.setdefault(root.root, {"nodes": 0, "done": 0, "impossible": 0})
        if root.status != ACTIVE:
            record(root, root.status)
    if getattr(pol, "choose_many", None) is not None and max_nodes is None:
        _cut_levels(problem, pol, [r for r in roots if r.status == ACTIVE], res, record)
        res.seconds = time.perf_counter() - t0
        return res
    state = ProofState(problem, roots, traversal=traversal)
    while not state.is_terminal():
        if max_nodes is not None and res.nodes >= max_nodes:
            res.complete = False
            break
        node = state.current_node
        state.apply(pol.choose(problem, node))
        res.nodes += 1
        res.per_root[node.root]["nodes"] += 1
        for k, status in state.last_children:
            if status != ACTIVE:
                record(k, status)
    res.seconds = time.perf_counter() - t0
    return res


def _cut_levels(problem: Problem, pol, level: list, res: ProofResult, record, depth: int | None = None) -> list:
    """Cut the active nodes ``level`` and those below them breadth first, ``depth`` levels (None: until only
    leaves remain), counting into ``res`` (leaves through ``record``); returns the active nodes left.

    A level's cells are chosen in one call when the policy batches its work (``choose_many(problem,
    nodes)``, e.g. a network), and its cuts are propagated in one ``children_many`` batch. A policy that
    looks only at the node makes the cuts of any traversal, so the counts are the depth-first proof's
    (tested)."""
    many = getattr(pol, "choose_many", None)
    while level and (depth is None or depth > 0):
        cells = many(problem, level) if many is not None else [pol.choose(problem, node) for node in level]
        following = []
        for node, kids in zip(level, problem.children_many(list(zip(level, cells)))):
            res.nodes += 1
            res.per_root[node.root]["nodes"] += 1
            for kid, status in kids:
                if status == ACTIVE:
                    following.append(kid)
                else:
                    record(kid, status)
        level = following
        depth = None if depth is None else depth - 1
    return level


def split_proof(problem: Problem, policy="benchmark", depth: int = 2, seed=None) -> tuple[ProofResult, list]:
    """The first ``depth`` levels of the proof, cut breadth first with ``policy``: (their counts, the active
    nodes left below them). The subtrees of those nodes are independent proofs, so proving them apart (in
    other processes, on other machines) and adding their counts to these gives the whole proof's counts,
    for any policy that looks only at the node (every built-in one but ``random``)."""
    pol = make_policy(policy, problem, rng=np.random.default_rng(seed))
    t0 = time.perf_counter()
    res = ProofResult()
    level = []
    for root in problem.roots():
        res.per_root.setdefault(root.root, {"nodes": 0, "done": 0, "impossible": 0})
        if root.status == ACTIVE:
            level.append(root)
        else:
            _count(res, root, root.status)
    level = _cut_levels(problem, pol, level, res, lambda kid, status: _count(res, kid, status), depth)
    res.seconds = time.perf_counter() - t0
    return res, level


def _count(res: ProofResult, node, status) -> None:
    """Count a leaf (done or impossible) in the totals and in its root's row."""
    row = res.per_root.setdefault(node.root, {"nodes": 0, "done": 0, "impossible": 0})
    if status == DONE:
        res.done += 1
        row["done"] += 1
    elif status == IMPOSSIBLE:
        res.impossible += 1
        row["impossible"] += 1


def add_results(results) -> ProofResult:
    """The counts of several parts of one proof added up (per root too); seconds are summed (CPU time)."""
    total = ProofResult()
    for r in results:
        total.nodes += r.nodes
        total.done += r.done
        total.impossible += r.impossible
        total.seconds += r.seconds
        total.complete = total.complete and r.complete
        for root, row in r.per_root.items():
            mine = total.per_root.setdefault(root, {"nodes": 0, "done": 0, "impossible": 0})
            for k in mine:
                mine[k] += row[k]
    return total
