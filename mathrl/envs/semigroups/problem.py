"""The pure proof-tree interface shared by every semigroup family.

A *problem* builds propagated root nodes and cuts nodes into children. Nodes
are immutable: a tuple of read-only boolean numpy tensors (the first is the
*cut tensor*, shape (N, N, K): candidates per cell) plus a little metadata.
Immutability is what lets proof states, caches and search trees share nodes
instead of copying them. Policies, the exact solver and
:class:`~mathrl.envs.semigroups.state.ProofState` (hence the proof runner and
the env) use only the methods of :class:`Problem`; nothing here knows about RL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ACTIVE, DONE, IMPOSSIBLE = "active", "done", "impossible"


@dataclass(frozen=True, eq=False)
class Node:
    """A propagated node. ``tensors[0]`` is the cut tensor (N, N, K) bool; others are family extras.

    ``status`` is set by the problem when the node is made (after propagation
    and filters). ``root`` is the index of the root (e.g. the instance sigma)
    it descends from; ``depth`` the number of cuts on its path.
    """

    tensors: tuple
    status: str
    root: int = 0
    depth: int = 0
    _key: bytes = field(default=b"", repr=False)

    @property
    def cand(self) -> np.ndarray:
        return self.tensors[0]

    @property
    def key(self) -> bytes:
        return self._key


def make_node(tensors, status: str, root: int = 0, depth: int = 0) -> Node:
    """Freeze the tensors (read-only, bool) and compute the key from their bytes."""
    frozen = []
    for t in tensors:
        t = np.ascontiguousarray(t, dtype=bool)
        t.setflags(write=False)
        frozen.append(t)
    key = b"|".join(np.packbits(t).tobytes() for t in frozen)
    return Node(tuple(frozen), status, root, depth, key)


class Problem:
    """Base class. Subclasses set ``N`` (cut grid side), ``K`` (values per cell) and implement
    ``roots``, ``_children`` and ``observe``; ``name`` describes the instance list."""

    N: int
    K: int
    name: str = "problem"
    MEMO_ENTRIES = 100_000  # cuts remembered by :meth:`children` (``remember=True``)

    def roots(self) -> list[Node]:
        raise NotImplementedError

    def __getstate__(self) -> dict:
        """Sent to another process without its memo of cuts (rebuilt there as needed) or a progress callback."""
        state = dict(self.__dict__)
        state.pop("_children_memo", None)
        if "on_cut" in state:
            state["on_cut"] = None
        return state

    def status(self, node: Node) -> str:
        return node.status

    def available(self, node: Node) -> np.ndarray:
        """bool[N*N]: cells with at least two candidates (only meaningful for active nodes)."""
        if node.status != ACTIVE:
            return np.zeros(self.N * self.N, dtype=bool)
        return (node.cand.sum(axis=2) >= 2).reshape(-1)

    def children(self, node: Node, cell: int, remember: bool = False) -> list[tuple[Node, str]]:
        """Children of a cut at ``cell`` (= x * N + y), one per candidate value in increasing order.

        ``remember=True`` keeps the cut in a memo (up to :attr:`MEMO_ENTRIES`, then forgotten all at once):
        a search or a learner cuts the same node at the same cell many times, and propagation is the
        expensive part. A proof cuts each node once, so proofs (and their timings) do not use it. Nodes are
        immutable, so sharing them is safe (the key includes the root and depth the children inherit); the
        list returned is the caller's own.
        """
        return self.children_many([(node, cell)], remember)[0]

    def children_many(self, cuts, remember: bool = False) -> list[list[tuple[Node, str]]]:
        """:meth:`children` of several cuts ``[(node, cell), ...]``, one list per cut. Cuts not remembered
        are made by :meth:`_children_batch`, which a family may override to propagate them all at once (a
        learner sizes every cut of a whole proof level: one batch instead of thousands of small ones)."""
        memo = self.__dict__.setdefault("_children_memo", {}) if remember else {}
        keys = [(node.key, node.root, node.depth, int(cell)) for node, cell in cuts]
        out: list = [memo.get(k) for k in keys]
        todo, parsed, first = [], [], {}
        for i, ((node, cell), kids) in enumerate(zip(cuts, out)):
            if kids is not None or first.setdefault(keys[i], i) != i:  # remembered, or a repeat in this call
                continue
            if node.status != ACTIVE:
                raise ValueError(f"cannot cut a {node.status} node")
            x, y = divmod(int(cell), self.N)
            if not 0 <= x < self.N or int(node.cand[x, y].sum()) < 2:
                raise ValueError(f"cell {cell} = ({x}, {y}) is not available")
            todo.append(i)
            parsed.append((node, x, y))
        if parsed:
            for i, kids in zip(todo, self._children_batch(parsed)):
                out[i] = tuple((k, k.status) for k in kids)
                if remember:
                    if len(memo) >= self.MEMO_ENTRIES:
                        memo.clear()
                    memo[keys[i]] = out[i]
        return [list(kids if kids is not None else out[first[key]]) for kids, key in zip(out, keys)]

    def _children_batch(self, cuts) -> list[list[Node]]:
        """Children of several cuts ``[(node, x, y), ...]``; one list per cut (a family may batch them)."""
        return [self._children(node, x, y) for node, x, y in cuts]

    def _children(self, node: Node, x: int, y: int) -> list[Node]:
        raise NotImplementedError

    def key(self, node: Node) -> bytes:
        return node.key

    def observe(self, node: Node) -> dict:
        raise NotImplementedError
