"""PUCT search over any pure state with one or two players, batched across trees.

PUCT as in AlphaZero (Silver et al. 2018): each simulation descends by
argmax Q + c(s) P sqrt(N(s)) / (1 + N(s, a)), with AlphaZero's growing
exploration c(s) when ``c_base`` is set, and backs the leaf's value up the path.

The search knows nothing about networks (as in mctx): it calls an
``evaluator(states) -> (priors, values)`` on a *list* of leaf states and gets
back, per state, a prior over that state's ``num_actions`` actions and the value
for the player to move there. States in one batch may have different action
counts (two Buchberger states with 9 and 11 pairs): the priors are then a
sequence of 1-D arrays, one per state, rather than one (B, A) array. Many trees are searched in lock-step so each round sends one batch
of leaves (one per tree, or ``leaves_per_tree`` with virtual loss) to the
evaluator: the network never sees batch size 1 unless you ask for it.

Values and rewards. ``state.apply(a)`` returns the acting player's reward;
two-player games are zero-sum, so the other player's reward is its negation.
Edge statistics ``W(s,a)`` are from the view of the player to move at ``s``,
and the backed-up value of an edge is the sum of the rewards below it plus the
leaf's value (the network's for a non-terminal leaf, zero for a terminal one,
whose result arrived as the reward of the move into it). For the board games
this is AlphaZero's backup (the value negated at each ply); for single-player problems it is the usual
return-to-go, with ``normalize_q`` to keep Q on the prior's scale.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from mathrl.agents.alphazero.config import SearchConfig

# evaluator(states) -> (priors, values): priors a (B, A) array, or B 1-D arrays each of its state's
# num_actions; values (B,), each for its state's player to move

Evaluator = Callable[[Sequence], tuple[np.ndarray, np.ndarray]]


class Node:
    """One state in the tree; edge statistics live in parallel lists over its legal actions."""

    __slots__ = ("state", "player", "terminal", "reward", "actor", "actions", "P", "N", "W", "children", "n_total")

    def __init__(self, state, reward: float = 0.0, actor: int = 0):
        self.state = state
        self.terminal = state.is_terminal()
        self.player = -1 if self.terminal else state.current_player()
        self.reward = reward        # reward of the move into this node, for ``actor`` (the player who made it)
        self.actor = actor
        self.actions = None         # legal actions once expanded
        self.P = self.N = self.W = self.children = None
        self.n_total = 0.0

    @property
    def expanded(self) -> bool:
        return self.actions is not None

    def expand(self, prior: np.ndarray) -> None:
        actions = self.state.legal_actions()
        prior = np.asarray(prior, dtype=np.float64).reshape(-1)
        if actions and prior.shape[0] <= max(actions):
            raise ValueError(f"the evaluator's prior has {prior.shape[0]} entries, but the state has legal "
                             f"action {max(actions)} (num_actions = {self.state.num_actions})")
        p = prior[actions]
        total = p.sum()
        p = p / total if total > 0 else np.full(len(actions), 1.0 / len(actions))
        self.actions = actions
        self.P = p.tolist()
        self.N = [0.0] * len(actions)
        self.W = [0.0] * len(actions)
        self.children = [None] * len(actions)

    def visit_counts(self, num_actions: int) -> np.ndarray:
        counts = np.zeros(num_actions, dtype=np.float32)
        counts[self.actions] = self.N
        return counts

    def q_values(self, num_actions: int) -> np.ndarray:
        """Mean value of each visited edge for the player to move here (NaN where unvisited)."""
        q = np.full(num_actions, np.nan, dtype=np.float32)
        for a, n, w in zip(self.actions, self.N, self.W):
            if n:
                q[a] = w / n
        return q


def _value_for(player: int, value0: float) -> float:
    """A value expressed for player 0, seen by ``player`` (zero-sum for two players; identity for one)."""
    return value0 if player == 0 else -value0


class _MinMax:
    """Running range of Q in one tree (MuZero's normalisation) for single-player returns of any scale."""

    __slots__ = ("lo", "hi")

    def __init__(self):
        self.lo, self.hi = math.inf, -math.inf

    def update(self, q: float) -> None:
        if q < self.lo:
            self.lo = q
        if q > self.hi:
            self.hi = q

    def scale(self, q: float) -> float:
        return (q - self.lo) / (self.hi - self.lo) if self.hi > self.lo else q


def select_child(node: Node, cfg: SearchConfig, minmax: _MinMax | None) -> int:
    """PUCT: argmax Q + c(s) P sqrt(N(s)) / (1 + N(s,a)); unvisited edges use ``fpu``; ties to the lowest index."""
    n_total = node.n_total
    c = cfg.c_puct
    if cfg.c_base:
        c += math.log((n_total + cfg.c_base + 1) / cfg.c_base)
    c *= math.sqrt(n_total + 1e-8)  # N(s) = 0 still ranks by P (ties to the lowest index), not all zeros
    fpu = cfg.fpu
    best, best_i = -math.inf, 0
    N, W = node.N, node.W
    for i, p in enumerate(node.P):
        n = N[i]
        if n:
            q = W[i] / n
            if minmax is not None:
                q = minmax.scale(q)
        else:
            q = fpu
        u = q + c * p / (1.0 + n)
        if u > best:
            best, best_i = u, i
    return best_i


def add_dirichlet_noise(node: Node, alpha: float, eps: float, rng: np.random.Generator) -> None:
    """P' = (1 - eps) P + eps Dir(alpha) over the legal actions, once per search at the root."""
    if eps <= 0 or len(node.P) < 2:
        return
    noise = rng.dirichlet([alpha] * len(node.P))
    node.P = [(1 - eps) * p + eps * float(x) for p, x in zip(node.P, noise)]


def _descend(root: Node, cfg: SearchConfig, minmax) -> tuple[list[tuple[Node, int]], Node]:
    """Walk from the root to a leaf (unexpanded or terminal), creating the leaf's node on first visit."""
    node, path = root, []
    while node.expanded and not node.terminal:
        i = select_child(node, cfg, minmax)
        path.append((node, i))
        child = node.children[i]
        if child is None:
            state = node.state.clone()
            reward = state.apply(node.actions[i])
            child = Node(state, reward, node.player)
            node.children[i] = child
            return path, child
        node = child
    return path, node


def _backup(path, leaf: Node, leaf_value: float, minmax) -> None:
    """Propagate a leaf's value (for its mover; ignored at terminal leaves) and the rewards on the path."""
    g0 = 0.0 if leaf.terminal else _value_for(leaf.player, leaf_value)
    child = leaf
    for node, i in reversed(path):
        g0 += _value_for(child.actor, child.reward)
        node.N[i] += 1
        node.W[i] += _value_for(node.player, g0)
        node.n_total += 1
        if minmax is not None:
            minmax.update(node.W[i] / node.N[i])
        child = node


def _virtual_loss(path, amount: float) -> None:
    for node, i in path:
        node.N[i] += amount
        node.W[i] -= amount
        node.n_total += amount


def expand_roots(states: Sequence, evaluator: Evaluator, with_evaluation: bool = False):
    """Root nodes for ``states`` (none terminal), expanded with one evaluator call; with ``with_evaluation``,
    ``(roots, priors, values)``: the evaluator's output too, before any root noise."""
    roots = [Node(s) for s in states]
    if any(r.terminal for r in roots):
        raise ValueError("cannot search from a terminal state")
    priors, values = evaluator([r.state for r in roots])
    for root, prior in zip(roots, priors):
        root.expand(prior)
    return (roots, priors, values) if with_evaluation else roots


def search(states: Sequence, evaluator: Evaluator, cfg: SearchConfig,
           rng: np.random.Generator | None = None, noise: bool = False,
           roots: list[Node] | None = None, count_existing: int = 0) -> list[Node]:
    """Run ``cfg.n_sims`` simulations in each of ``len(states)`` trees; returns the roots.

    Each round, every tree descends to ``cfg.leaves_per_tree`` leaves (with
    virtual loss when more than one); all non-terminal leaves of the round go
    to the evaluator in one call. A leaf reached twice in a round is evaluated
    once. Pass ``roots`` to continue searching existing trees: ``cfg.n_sims`` more
    simulations each, less the root's existing visits up to ``count_existing`` of
    them (tree reuse: the subtree of the move just played already holds visits, as
    in AlphaGo Zero, where "the subtree below this child is retained along with all
    its statistics").
    """
    if roots is None:
        roots = expand_roots(states, evaluator)
        if noise:
            if rng is None:
                raise ValueError("Dirichlet noise needs an rng")
            for root in roots:
                add_dirichlet_noise(root, cfg.dirichlet_alpha, cfg.dirichlet_eps, rng)
    minmaxes = [_MinMax() if cfg.normalize_q else None for _ in roots]
    k = max(1, cfg.leaves_per_tree)
    vl = cfg.virtual_loss if k > 1 else 0.0
    done = [min(cfg.n_sims, int(count_existing), int(root.n_total)) for root in roots]
    while True:
        pending: dict[int, Node] = {}          # id(leaf) -> leaf, each evaluated once
        waiting: list[tuple[list, Node, int]] = []  # (path, leaf, tree) to back up after the call
        for t, root in enumerate(roots):
            for _ in range(min(k, cfg.n_sims - done[t])):
                path, leaf = _descend(root, cfg, minmaxes[t])
                done[t] += 1
                if leaf.terminal:
                    _backup(path, leaf, 0.0, minmaxes[t])
                    continue
                pending[id(leaf)] = leaf
                waiting.append((path, leaf, t))
                if vl:
                    _virtual_loss(path, vl)
        if not waiting:
            if all(d >= cfg.n_sims for d in done):
                return roots
            continue
        leaves = list(pending.values())
        priors, values = evaluator([leaf.state for leaf in leaves])
        value_of = {}
        for leaf, prior, value in zip(leaves, priors, values):
            leaf.expand(prior)
            value_of[id(leaf)] = float(value)
        for path, leaf, t in waiting:
            if vl:
                _virtual_loss(path, -vl)
            _backup(path, leaf, value_of[id(leaf)], minmaxes[t])


def best_action(root: Node) -> int:
    """Deterministic choice for evaluation: most visits, then higher prior, then lowest action."""
    best = max(range(len(root.actions)), key=lambda i: (root.N[i], root.P[i], -root.actions[i]))
    return root.actions[best]


def sample_action(root: Node, temperature: float, rng: np.random.Generator) -> int:
    """Self-play choice: pi(a) ~ N^(1/tau); tau = 0 is argmax N with seeded random ties."""
    counts = np.asarray(root.N, dtype=np.float64)
    if temperature <= 0:
        top = np.flatnonzero(counts == counts.max())
        return root.actions[int(top[rng.integers(len(top))]) if len(top) > 1 else int(top[0])]
    weights = counts ** (1.0 / temperature)
    total = weights.sum()
    if total <= 0:
        return root.actions[int(rng.integers(len(counts)))]
    return root.actions[int(rng.choice(len(counts), p=weights / total))]


def uniform_evaluator(states: Sequence) -> tuple[list[np.ndarray], np.ndarray]:
    """Uniform priors and zero values: the pure tree overhead, and a network-free baseline.

    One prior per state, sized by that state's own ``num_actions``, so a batch may mix action counts.
    """
    priors = [np.full(s.num_actions, 1.0 / max(1, s.num_actions)) for s in states]
    return priors, np.zeros(len(states))
