"""A proof tree under construction, as a pure state (the shared protocol of ``mathrl.core``).

This is the one place a proof is traversed. The Gymnasium env wraps a
:class:`ProofState`, :func:`~mathrl.envs.semigroups.proof.prove` drives one
with a cut policy, :func:`~mathrl.envs.semigroups.enumeration.iterate_done_leaves`
walks one for problems outside the generic families, and tree-search agents
can clone and drive it directly. Keeping the traversal in one object is what
makes the env's episode return and the runner's proof size the same number.

The state is a frontier of open (active) nodes. An action cuts the *current*
node (the top of the frontier) at one cell, i.e. splits it into one child per
candidate value of that cell. Children that are leaves (done or impossible)
are counted at once; active children join the frontier, ordered so that the
smallest value is cut next. Each cut costs -1, so the return is minus the
proof size, the cost Simpson minimises (Simpson 2021, "Learning proofs for the
classification of nilpotent semigroups", arXiv:2106.03015).

Nothing here imports gymnasium or torch: the state needs numpy and a
:class:`~mathrl.envs.semigroups.problem.Problem`.
"""

from __future__ import annotations

import copy
import math
from collections import deque

import numpy as np

from mathrl.core import TERMINAL_PLAYER, IllegalActionError, as_action
from mathrl.envs.semigroups.problem import ACTIVE, DONE, IMPOSSIBLE, Node, Problem

__all__ = ["ProofState", "TRAVERSALS", "SCALARS"]

TRAVERSALS = ("dfs", "bfs")
SCALARS = 6  # depth, open nodes below the current one, cuts so far, open cells, log10 size, root


class ProofState:
    """A partial proof of ``problem``: the open nodes, the counts so far and the tree's decisions.

    ``ProofState(problem, roots=None, traversal="dfs")``: ``roots`` defaults to
    ``problem.roots()`` (pass a sublist to prove some instances only; callers
    that already hold the roots pass them to avoid propagating them again).
    Roots that are already leaves are counted, active ones are opened and
    cut in the order given.

    Actions are the cells ``x * N + y`` of the N x N cut grid, so
    ``num_actions = N * N`` for every state of a problem; the legal ones are
    the current node's cells with at least two candidates. An active node
    always has one (a node with every cell a singleton is done, one with an
    empty cell impossible), so a non-terminal state never has an empty mask.
    ``apply`` returns -1.0 (one more cut node) and ``returns()`` is
    ``[-proof_size]``.

    ``traversal="dfs"`` (the env's order) cuts the most recently opened node
    next; ``"bfs"`` cuts level by level. For a policy that looks only at the
    node, the proof, hence every count, is the same either way.

    Nodes are immutable and shared, and clones share the decision log until
    one of them appends (copy on write), so :meth:`clone` copies only the frontier.
    """

    num_players = 1

    def __init__(self, problem: Problem, roots=None, traversal: str = "dfs"):
        if traversal not in TRAVERSALS:
            raise ValueError(f"traversal must be 'dfs' or 'bfs', got {traversal!r}")
        roots = list(problem.roots() if roots is None else roots)
        self.problem = problem
        self.N = int(problem.N)
        self.num_actions = self.N * self.N
        self.traversal = traversal
        self._dfs = traversal == "dfs"
        self._template = _ObsTemplate(problem, roots[0] if roots else None)  # shared by clones
        self._frontier: deque = deque()  # (node, node id, parent id); the current node at the end (dfs) or front
        self._next_id = 0
        self.proof_size = self.done_leaves = self.impossible_leaves = 0
        # one decision per cut, (node id, parent id, ((child id, status), ...)), in an append-only
        # list that clones share: each state owns its first proof_size entries and copies them
        # before appending if another state has appended past them (copy on write)
        self._log: list = []
        self.last_cut: tuple[int, int] | None = None
        self.last_children: list = []  # [(node, status)] of the last cut
        self._avail_node, self._avail = None, None
        active = []
        for r in roots:
            nid = self._new_id()
            if r.status == ACTIVE:
                active.append((r, nid, -1))
            else:
                self._count_leaf(r.status)
        self._frontier.extend(reversed(active) if self._dfs else active)

    # --- the pure-state protocol --------------------------------------------------------------
    def legal_actions(self) -> list[int]:
        return np.flatnonzero(self._available()).tolist() if self._frontier else []

    def action_mask(self) -> np.ndarray:
        """bool[N*N]: the current node's cells with two or more candidates (all False once terminal)."""
        if not self._frontier:
            return np.zeros(self.num_actions, dtype=bool)
        return self._available().copy()

    def apply(self, action) -> float:
        """Cut the current node at cell ``action``; returns -1.0 (the cut node's cost).

        An unavailable cell raises :class:`~mathrl.core.IllegalActionError` and
        leaves the state unchanged. The check reads the mask when one was
        computed for this node; otherwise it is :meth:`Problem.children`'s own
        (the cell must have two or more candidates, the mask's rule), so a
        driver that never asks for the mask, such as ``prove`` behind a policy,
        pays for no whole-grid mask per cut.
        """
        a = as_action(action)
        frontier = self._frontier
        if not frontier:
            raise IllegalActionError("the proof is complete; no cell is left to cut")
        node, nid, parent = frontier[-1] if self._dfs else frontier[0]
        if not 0 <= a < self.num_actions or (self._avail_node is node and not self._avail[a]):
            raise IllegalActionError(f"cell {a} is not available in the current node")
        try:
            kids = self.problem.children(node, a)
        except ValueError as exc:  # the problem's availability check
            raise IllegalActionError(str(exc)) from exc
        if self._dfs:
            frontier.pop()
        else:
            frontier.popleft()
        record, active = [], []
        next_id = self._next_id
        for k, status in kids:
            record.append((next_id, status))
            if status == ACTIVE:
                active.append((k, next_id, nid))
            elif status == DONE:
                self.done_leaves += 1
            elif status == IMPOSSIBLE:
                self.impossible_leaves += 1
            next_id += 1
        self._next_id = next_id
        if len(self._log) != self.proof_size:
            self._log = self._log[:self.proof_size]
        self._log.append((nid, parent, tuple(record)))
        self.proof_size += 1
        frontier.extend(reversed(active) if self._dfs else active)  # dfs: the smallest value on top
        self.last_cut = divmod(a, self.N)
        self.last_children = kids
        return -1.0

    def is_terminal(self) -> bool:
        return not self._frontier

    def returns(self) -> np.ndarray:
        return np.array([-float(self.proof_size)])

    def current_player(self) -> int:
        return 0 if self._frontier else TERMINAL_PLAYER

    def clone(self) -> "ProofState":
        other = copy.copy(self)  # shares the problem, the immutable nodes and the decision log
        other._frontier = deque(self._frontier)
        return other

    def observation(self) -> np.ndarray:
        """float32 vector: the :meth:`observation_dict` arrays flattened in order (zeros once terminal)."""
        return np.concatenate([np.asarray(v, dtype=np.float32).reshape(-1)
                               for v in self.observation_dict().values()])

    # --- independent parts (mathrl.core.Decomposable) ---------------------------------------
    def subproblems(self) -> list["ProofState"]:
        """The open nodes as one-node proofs, the current one first: the sizes of their proofs add up to
        the cuts this proof still needs, so a search can cost each apart (an AND node)."""
        nodes = [entry[0] for entry in self._frontier]
        return [self._one_node(n) for n in (reversed(nodes) if self._dfs else nodes)]

    def split(self, action) -> list["ProofState"]:
        """The active children of a cut of the current node at ``action``, each as a one-node proof (done
        and impossible children need no cut, so they are not parts); this state is unchanged. The cut's
        proof size is 1 + the sum of the parts' (an OR node chooses the cell minimising it)."""
        a = as_action(action)
        node = self.current_node
        if node is None:
            raise IllegalActionError("the proof is complete; no cell is left to cut")
        if not 0 <= a < self.num_actions:
            raise IllegalActionError(f"cell {a} is not available in the current node")
        try:
            kids = self.problem.children(node, a, remember=True)  # a search splits the same node again and again
        except ValueError as exc:
            raise IllegalActionError(str(exc)) from exc
        return [self._one_node(k) for k, status in kids if status == ACTIVE]

    @staticmethod
    def split_many(states: list["ProofState"]) -> list[dict[int, list["ProofState"]]]:
        """``{action: state.split(action)}`` for every legal action of every state (states of one problem),
        their cuts propagated in one batch: a learner that sizes every cut of a proof level pays one
        propagation call for the level instead of one per cut."""
        if not states:
            return []
        problem = states[0].problem
        if any(s.problem is not problem for s in states):
            raise ValueError("split_many needs states of one problem")
        actions = [s.legal_actions() for s in states]
        cuts = [(s.current_node, a) for s, acts in zip(states, actions) for a in acts]
        kids = iter(problem.children_many(cuts, remember=True))
        return [{a: [s._one_node(k) for k, status in next(kids) if status == ACTIVE] for a in acts}
                for s, acts in zip(states, actions)]

    def _one_node(self, node: Node) -> "ProofState":
        other = copy.copy(self)  # shares the problem and the observation template
        other._frontier = deque([(node, 0, -1)])
        other._next_id, other._log = 1, []
        other.proof_size = other.done_leaves = other.impossible_leaves = 0
        other.last_cut, other.last_children = None, []
        other._avail_node, other._avail = None, None
        return other

    # --- views ------------------------------------------------------------------------------
    @property
    def current_node(self) -> Node | None:
        """The node the next action cuts (None once terminal)."""
        if not self._frontier:
            return None
        return self._frontier[-1][0] if self._dfs else self._frontier[0][0]

    @property
    def open_nodes(self) -> int:
        """Active nodes not cut yet, the current one included."""
        return len(self._frontier)

    def key(self) -> bytes:
        """Bytes naming the work left: the open nodes' keys in cutting order. Two states with one key need
        the same cuts to finish, so a cache of proof sizes (or network outputs) may share them."""
        nodes = [entry[0] for entry in self._frontier]
        return b"#".join(n.key for n in (reversed(nodes) if self._dfs else nodes))

    def observation_dict(self) -> dict:
        """The problem's ``observe`` arrays (int8) plus ``scalars`` (float32, :data:`SCALARS`).

        The scalars are what the tensors cannot show: the node's depth, the
        open nodes besides it, the cuts so far, its cells with a choice left,
        log10 of the product of its candidate-set sizes (how many fillings of
        the cut tensor remain, before propagation) and its root index (sigma
        in the graded family, 0 in the generic ones).
        """
        node = self.current_node
        if node is None:
            return self._template.zeros()
        obs = {k: np.asarray(v, dtype=np.int8) for k, v in self.problem.observe(node).items()}
        sizes = node.cand.sum(axis=2)
        obs["scalars"] = np.array([
            node.depth, len(self._frontier) - 1, self.proof_size, int((sizes >= 2).sum()),
            float(np.log10(sizes.clip(min=1)).sum()), node.root,
        ], dtype=np.float32)
        return obs

    def observation_shapes(self) -> dict:
        """name -> shape of every :meth:`observation_dict` array."""
        return dict(self._template.shapes)

    def decisions(self) -> list[tuple]:
        """Every cut so far, in order: ``(node id, parent id, ((child id, status), ...))``; roots' parent is -1."""
        return self._log[:self.proof_size]

    def tree_records(self) -> dict:
        """The proof tree's per-decision records, the value targets of a learner.

        ``subtree_sizes[t]`` is S_t = 1 + the sizes of the children of the t-th
        cut (leaves 0, children not cut yet 1, so a partial proof gives lower
        bounds flagged by ``subtree_complete``); ``value_targets`` is log10 S_t.
        """
        decisions = self.decisions()
        cut_step = {d[0]: t for t, d in enumerate(decisions)}
        T = len(decisions)
        sizes = [0] * T
        complete = [True] * T
        children_sizes: list = [None] * T
        for t in range(T - 1, -1, -1):
            kids = []
            for kid, status in decisions[t][2]:
                if status != ACTIVE:
                    kids.append(0)
                elif kid in cut_step:
                    s = cut_step[kid]
                    kids.append(sizes[s])
                    complete[t] = complete[t] and complete[s]
                else:  # not cut yet
                    kids.append(1)
                    complete[t] = False
            children_sizes[t] = kids
            sizes[t] = 1 + sum(kids)
        return {
            "proof_size": self.proof_size,
            "decision_nodes": [(d[0], d[1]) for d in decisions],
            "subtree_sizes": sizes,
            "subtree_complete": complete,
            "children_sizes": children_sizes,
            "value_targets": [math.log10(s) for s in sizes],
        }

    def __repr__(self) -> str:
        return (f"ProofState({getattr(self.problem, 'name', type(self.problem).__name__)}, cuts={self.proof_size}, "
                f"open={len(self._frontier)}, done={self.done_leaves}, impossible={self.impossible_leaves})")

    # --- helpers ------------------------------------------------------------------------------
    def _available(self) -> np.ndarray:
        """The current node's available cells, computed once per node (mask, legality and views share it)."""
        node = self.current_node
        if self._avail_node is not node:
            self._avail_node, self._avail = node, self.problem.available(node)
        return self._avail

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def _count_leaf(self, status) -> None:
        if status == DONE:
            self.done_leaves += 1
        elif status == IMPOSSIBLE:
            self.impossible_leaves += 1


class _ObsTemplate:
    """The observation's array shapes, read from a root on first use (every node of a problem has the same).

    Lazy, so a problem without ``observe`` (a bare proof-tree problem) can still be walked.
    """

    def __init__(self, problem: Problem, node: Node | None):
        self._problem, self._node, self._shapes = problem, node, None

    @property
    def shapes(self) -> dict:
        if self._shapes is None:
            node = self._node
            shapes = {k: np.shape(v) for k, v in self._problem.observe(node).items()} if node is not None else {}
            shapes["scalars"] = (SCALARS,)
            self._shapes = shapes
        return self._shapes

    def zeros(self) -> dict:
        return {k: np.zeros(s, np.float32 if k == "scalars" else np.int8) for k, s in self.shapes.items()}
