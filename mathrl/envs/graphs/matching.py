"""Maximum matchings of small graphs, and certificates for them.

Conjecture 2.1 needs the matching number mu(G) of a *maximum* matching; a
greedy *maximal* matching can be smaller, which inflates the score and yields
false counterexamples. This module holds

* ``matching_number`` / ``matching_numbers``: Edmonds' blossom algorithm
  (cardinality version, O(n^3)) on adjacency lists. It is written for the
  small graphs (n <= ~50) the search produces by the thousand, and is far
  faster there than networkx's weighted implementation.
* ``tutte_berge_witness``: a Gallai-Edmonds set U for which the Tutte-Berge
  bound (n + |U| - odd(G - U)) / 2 equals the matching number, so the value can
  be certified from above as well as from below.
"""

from __future__ import annotations

from collections import deque

import networkx as nx
import numpy as np


def _adjacency_lists(adjacency: np.ndarray) -> list[list[int]]:
    return [np.flatnonzero(row).tolist() for row in adjacency]


def maximum_matching(adj: list[list[int]]) -> list[int]:
    """Return ``mate`` with ``mate[v]`` the partner of v or -1 (Edmonds' blossom algorithm)."""
    n = len(adj)
    mate = [-1] * n
    # A greedy start leaves few free vertices; each then costs one search.
    for v in range(n):
        if mate[v] == -1:
            for u in adj[v]:
                if mate[u] == -1:
                    mate[u] = v
                    mate[v] = u
                    break
    for root in range(n):
        if mate[root] == -1:
            _augment_from(root, adj, mate)
    return mate


def _augment_from(root: int, adj: list[list[int]], mate: list[int]) -> bool:
    """Search an augmenting path from the free vertex ``root``; flip it if found."""
    n = len(adj)
    parent = [-1] * n
    base = list(range(n))
    in_tree = [False] * n
    in_tree[root] = True
    queue = deque([root])

    def lca(a: int, b: int) -> int:
        seen = [False] * n
        while True:
            a = base[a]
            seen[a] = True
            if mate[a] == -1:
                break
            a = parent[mate[a]]
        while True:
            b = base[b]
            if seen[b]:
                return b
            b = parent[mate[b]]

    def mark_path(v: int, b: int, child: int, in_blossom: list[bool]) -> None:
        while base[v] != b:
            in_blossom[base[v]] = in_blossom[base[mate[v]]] = True
            parent[v] = child
            child = mate[v]
            v = parent[mate[v]]

    while queue:
        v = queue.popleft()
        for u in adj[v]:
            if base[v] == base[u] or mate[v] == u:
                continue
            if u == root or (mate[u] != -1 and parent[mate[u]] != -1):
                # An odd cycle: contract the blossom onto its base.
                b = lca(v, u)
                in_blossom = [False] * n
                mark_path(v, b, u, in_blossom)
                mark_path(u, b, v, in_blossom)
                for i in range(n):
                    if in_blossom[base[i]]:
                        base[i] = b
                        if not in_tree[i]:
                            in_tree[i] = True
                            queue.append(i)
            elif parent[u] == -1:
                parent[u] = v
                if mate[u] == -1:
                    # Augment along the alternating path ending at u.
                    while u != -1:
                        pv = parent[u]
                        ppv = mate[pv]
                        mate[u] = pv
                        mate[pv] = u
                        u = ppv
                    return True
                in_tree[mate[u]] = True
                queue.append(mate[u])
    return False


def matching_number(adjacency: np.ndarray) -> int:
    """Size of a maximum matching of one graph given as an (n, n) 0-1 matrix."""
    mate = maximum_matching(_adjacency_lists(np.asarray(adjacency)))
    return sum(1 for m in mate if m != -1) // 2


def matching_numbers(adjacency: np.ndarray) -> np.ndarray:
    """Matching numbers of a batch of graphs, (B, n, n) -> (B,) int64."""
    adjacency = np.asarray(adjacency)
    out = np.empty(adjacency.shape[0], dtype=np.int64)
    for b in range(adjacency.shape[0]):
        out[b] = matching_number(adjacency[b])
    return out


def odd_components(graph: nx.Graph, removed: set) -> int:
    """Number of components with an odd number of vertices in graph - removed."""
    rest = graph.subgraph(v for v in graph.nodes if v not in removed)
    return sum(1 for c in nx.connected_components(rest) if len(c) % 2 == 1)


def tutte_berge_bound(graph: nx.Graph, removed: set) -> int:
    """(n + |U| - odd(G - U)) / 2, an upper bound on the matching number for any U."""
    return (graph.number_of_nodes() + len(removed) - odd_components(graph, removed)) // 2


def tutte_berge_witness(graph: nx.Graph, nu: int) -> set | None:
    """Return a set U whose Tutte-Berge bound equals ``nu``, or None if none is found.

    By the Gallai-Edmonds theorem U = A(G), the neighbours of D(G) outside D(G)
    (D(G): vertices missed by some maximum matching), makes the bound tight.
    D(G) is computed as {v : nu(G - v) = nu}, with networkx's blossom.
    """
    def nu_of(g: nx.Graph) -> int:
        return len(nx.max_weight_matching(g, maxcardinality=True))

    d_set = {v for v in graph.nodes if nu_of(graph.subgraph(set(graph.nodes) - {v})) == nu}
    a_set = {u for v in d_set for u in graph.neighbors(v) if u not in d_set}
    if tutte_berge_bound(graph, a_set) == nu:
        return a_set
    return None
