"""Run a whole proof with a cut policy and count it (spec §1.5): passive nodes, done and impossible leaves.

``prove(problem, policy)`` is a plain function of (problem, policy, seed) ->
counts, so benchmark samples can run in a process pool.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from dataclasses import dataclass, field

from mathrl.envs.semigroups.policies import make_policy
from mathrl.envs.semigroups.problem import ACTIVE, DONE, IMPOSSIBLE, Problem


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
          max_nodes: int | None = None) -> ProofResult:
    """Cut every active node with ``policy`` until only leaves remain.

    ``traversal="dfs"`` uses a stack (children pushed so the smallest value is
    processed next, as the env does); ``"bfs"`` processes level by level. For
    a policy that depends only on the node, the counts do not depend on it
    (invariant I2).
    """
    import numpy as np

    if traversal not in ("dfs", "bfs"):
        raise ValueError(f"traversal must be 'dfs' or 'bfs', got {traversal!r}")
    pol = make_policy(policy, problem, rng=np.random.default_rng(seed))
    t0 = time.perf_counter()
    res = ProofResult(done_leaves=Counter() if collect_done else None)

    def record(node, status):
        row = res.per_root.setdefault(node.root, {"nodes": 0, "done": 0, "impossible": 0})
        if status == DONE:
            res.done += 1
            row["done"] += 1
            if collect_done:
                res.done_leaves[node.key] += 1
        elif status == IMPOSSIBLE:
            res.impossible += 1
            row["impossible"] += 1

    frontier: deque = deque()
    for root in problem.roots():
        res.per_root.setdefault(root.root, {"nodes": 0, "done": 0, "impossible": 0})
        if root.status == ACTIVE:
            frontier.append(root)
        else:
            record(root, root.status)
    if traversal == "dfs":
        frontier.reverse()  # lowest root on top (the right end)
    while frontier:
        if max_nodes is not None and res.nodes >= max_nodes:
            res.complete = False
            break
        node = frontier.pop() if traversal == "dfs" else frontier.popleft()
        kids = problem.children(node, pol.choose(problem, node))
        res.nodes += 1
        res.per_root[node.root]["nodes"] += 1
        active = []
        for k, status in kids:
            if status == ACTIVE:
                active.append(k)
            else:
                record(k, status)
        if traversal == "dfs":
            frontier.extend(reversed(active))
        else:
            frontier.extend(active)
    res.seconds = time.perf_counter() - t0
    return res
