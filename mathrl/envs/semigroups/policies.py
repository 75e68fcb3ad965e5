"""Cut policies: which available cell of an active node to split on.

A policy is anything with ``choose(problem, node) -> cell`` (cell = x * N + y).
They use only the pure :class:`~mathrl.envs.semigroups.problem.Problem`
interface, so they work on every family. The benchmark order pi
(:func:`~mathrl.envs.semigroups.orders.benchmark_order`) is the universal
tie-breaker, so a deterministic policy's choice depends on the node alone.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from mathrl.envs.semigroups.orders import benchmark_order, paper_order
from mathrl.envs.semigroups.problem import ACTIVE, Node, Problem


class ChildCache:
    """Children of (node key, cell), so lookahead and the exact solver expand each cut once."""

    def __init__(self, max_entries: int = 200_000):
        self.store: dict = {}
        self.max_entries = max_entries

    def children(self, problem: Problem, node: Node, cell: int):
        return self.children_many(problem, node, [cell])[0]

    def children_many(self, problem: Problem, node: Node, cells) -> list:
        """:meth:`children` of several cells of one node; the cuts not stored are made in one
        :meth:`Problem.children_many` call (which propagates a repeated cut once, and which a family may
        propagate as one batch)."""
        keys = [(node.key, int(c)) for c in cells]
        missing = [k for k in keys if k not in self.store]
        made = dict(zip(missing, problem.children_many([(node, cell) for _, cell in missing]))) if missing else {}
        out = [made[k] if k in made else self.store[k] for k in keys]
        for k, kids in made.items():
            if len(self.store) >= self.max_entries:
                self.store.clear()
            self.store[k] = kids
        return out


class Policy:
    name = "policy"

    def choose(self, problem: Problem, node: Node) -> int:
        raise NotImplementedError


class StaticOrder(Policy):
    """Cut the first available cell in a fixed order (never mutated: it is a tuple)."""

    def __init__(self, order, name="static"):
        self.order = tuple(int(c) for c in order)
        self.name = name

    def choose(self, problem, node):
        avail = problem.available(node)
        for c in self.order:
            if avail[c]:
                return c
        raise ValueError("no available cell: the node is not active")


def _rank(problem: Problem) -> np.ndarray:
    """Each cell's position in the benchmark order pi (the tie-breaker), read-only."""
    return _rank_of(problem.N)


@functools.lru_cache(maxsize=None)
def _rank_of(N: int) -> np.ndarray:
    pi = benchmark_order(N)
    rank = np.empty(N * N, dtype=np.int64)
    rank[list(pi)] = np.arange(len(pi))
    rank.setflags(write=False)
    return rank


class DomainSize(Policy):
    """``mindomain`` (fewest candidates) or ``maxdomain`` (most); ties by the benchmark order."""

    def __init__(self, largest: bool = False):
        self.largest = largest
        self.name = "maxdomain" if largest else "mindomain"

    def choose(self, problem, node):
        avail = problem.available(node)
        if not avail.any():
            raise ValueError("no available cell: the node is not active")
        sizes = node.cand.sum(axis=2).reshape(-1).astype(np.int64)
        rank = _rank(problem)
        primary = -sizes if self.largest else sizes
        key = np.where(avail, primary * (len(rank) + 1) + rank, np.iinfo(np.int64).max)
        return int(np.argmin(key))


class RandomCell(Policy):
    name = "random"

    def __init__(self, rng=None):
        self.rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)

    def choose(self, problem, node):
        cells = np.flatnonzero(problem.available(node))
        if not len(cells):
            raise ValueError("no available cell: the node is not active")
        return int(cells[self.rng.integers(len(cells))])


class Lookahead1(Policy):
    """Expand every available cell; pick the smallest (active children, their remaining freedom, pi rank)."""

    name = "lookahead1"

    def __init__(self, cache: ChildCache | None = None):
        self.cache = cache or ChildCache()

    def choose(self, problem, node):
        avail = np.flatnonzero(problem.available(node))
        if not len(avail):
            raise ValueError("no available cell: the node is not active")
        rank = _rank(problem)
        best, best_score = None, None
        for c, kids in zip(avail, self.cache.children_many(problem, node, avail)):
            active = [k for k, s in kids if s == ACTIVE]
            freedom = sum(int(k.cand.sum()) - k.cand.shape[0] * k.cand.shape[1] for k in active)
            score = (len(active), freedom, int(rank[c]))
            if best_score is None or score < best_score:
                best, best_score = int(c), score
        return best


class MinimumSolver:
    """Exact minimum proof size by memoised depth-first branch and bound on the AND-OR recursion.

    C(leaf) = 0 and C(node) = 1 + min over available cells of the sum of the
    children's C: a node is an OR over cuts, a cut an AND over its children.
    This is a search over every cut at every node, not one proof's traversal,
    so it recurses on its own rather than driving a ProofState.
    """

    def __init__(self, problem: Problem, cache: ChildCache | None = None):
        self.problem = problem
        self.cache = cache or ChildCache(max_entries=10**7)
        self.exact: dict = {}
        self.lower: dict = {}
        self.rank = _rank(problem)

    def bound(self, node: Node) -> int:
        if node.status != ACTIVE:
            return 0
        v = self.exact.get(node.key)
        return v if v is not None else self.lower.get(node.key, 1)

    def value(self, node: Node) -> int:
        """C(node): 0 for leaves, else the minimum proof size (node included)."""
        if node.status != ACTIVE:
            return 0
        v, ok = self.solve(node, math.inf)
        assert ok
        return v

    def solve(self, node: Node, budget):
        key = node.key
        if key in self.exact:
            return self.exact[key], True
        low = self.lower.get(key, 1)
        if low > budget:
            return low, False
        problem = self.problem
        cells = np.flatnonzero(problem.available(node))
        options = []
        for c in cells:
            kids = [k for k, s in self.cache.children(problem, node, c) if s == ACTIVE]
            options.append((sum(self.bound(k) for k in kids), int(self.rank[c]), int(c), kids))
        options.sort(key=lambda o: (o[0], o[1]))
        best, fail = math.inf, math.inf
        for _, _, _, kids in options:
            cap = min(budget, best - 1)
            lbs = [self.bound(k) for k in kids]
            if 1 + sum(lbs) > cap:
                fail = min(fail, 1 + sum(lbs))
                continue
            s, complete = 0, True
            for i, k in enumerate(kids):
                rest = sum(lbs[i + 1:])
                v, ok = self.solve(k, cap - 1 - s - rest)
                if not ok:
                    fail = min(fail, 1 + s + v + rest)
                    complete = False
                    break
                s += v
            if complete:
                best = 1 + s
        if best <= budget:
            self.exact[key] = best
            return best, True
        self.lower[key] = max(low, fail)
        return self.lower[key], False

    def cut_costs(self, node: Node) -> np.ndarray:
        """The first-cut matrix: C(node; x, y) = sum of the children's minima, -1 where unavailable."""
        N = self.problem.N
        out = -np.ones(N * N, dtype=np.int64)
        for c in np.flatnonzero(self.problem.available(node)):
            out[c] = sum(self.value(k) for k, _ in self.cache.children(self.problem, node, c))
        return out.reshape(N, N)


class Minimum(Policy):
    """Cut a cell attaining the exact minimum; among several, the first in the benchmark order."""

    name = "minimum"

    def __init__(self, solver: MinimumSolver | None = None):
        self.solver = solver

    def choose(self, problem, node):
        if self.solver is None or self.solver.problem is not problem:
            self.solver = MinimumSolver(problem)
        costs = self.solver.cut_costs(node).reshape(-1)
        rank = _rank(problem)
        avail = np.flatnonzero(costs >= 0)
        if not len(avail):
            raise ValueError("no available cell: the node is not active")
        return int(min(avail, key=lambda c: (costs[c], rank[c])))


PLUGIN_KIND, AGENT_PREFIX = "semigroup-policy", "agent"  # agent:RUN, registered by mathrl.agents.strategies
POLICIES = ("benchmark", "paper", "lex", "mindomain", "maxdomain", "random", "lookahead1", "minimum")


def make_policy(policy, problem: Problem, rng=None) -> Policy:
    """A Policy from a name (see POLICIES) or a Policy object (anything with ``choose``, returned as is)."""
    if isinstance(policy, Policy) or hasattr(policy, "choose"):
        return policy
    if str(policy).strip().startswith(f"{AGENT_PREFIX}:"):  # a trained agent, found through mathrl.plugins
        from mathrl.plugins import get_loader

        return get_loader(PLUGIN_KIND, AGENT_PREFIX)(str(policy).strip(), problem)
    name = str(policy).strip().lower()
    N = problem.N
    if name == "benchmark":
        return StaticOrder(benchmark_order(N), "benchmark")
    if name == "paper":
        return StaticOrder(paper_order(N), "paper")
    if name == "lex":
        return StaticOrder(range(N * N), "lex")
    if name == "mindomain":
        return DomainSize(largest=False)
    if name == "maxdomain":
        return DomainSize(largest=True)
    if name == "random":
        return RandomCell(rng)
    if name == "lookahead1":
        return Lookahead1()
    if name == "minimum":
        return Minimum()
    raise ValueError(f"unknown cut policy {policy!r}; choose one of {', '.join(POLICIES)}")
