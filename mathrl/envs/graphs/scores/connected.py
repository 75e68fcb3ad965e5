"""Conjectures about connected graphs: the shared part of their scores.

Many Graffiti/AutoGraphiX inequalities (and Wagner's conjecture 2.1) speak only
of connected graphs, so a disconnected object is *invalid* (it scores
``invalid_score``, never a counterexample) and only connected ones are scored.
:class:`ConnectedGraphScore` does that once: a subclass writes the per-graph
formula (``connected_score``) and, where it pays, a vectorised one over a batch
of connected adjacency matrices (``connected_score_batch``). Scores built on
distances (transmission, proximity) set ``uses_distances`` and receive the
all-pairs distance matrices of the batch, computed once, with connectivity read
off them.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np

from ..encoding import adjacency_to_graph
from .base import Score, to_numpy
from .wagner23 import bfs_distances, distance_batch

__all__ = ["ConnectedGraphScore", "connected_batch", "least_transmission", "proximity", "proximity_batch"]


def connected_batch(adjacency: np.ndarray) -> np.ndarray:
    """(B, n, n) 0-1 -> (B,) bool, by squaring the reachability matrix I + A."""
    b, n, _ = adjacency.shape
    reach = (adjacency != 0) | np.eye(n, dtype=bool)
    for _ in range(max(1, math.ceil(math.log2(max(n - 1, 1))))):
        r = reach.astype(np.float32)
        reach = (r @ r) > 0
    return reach.all(axis=(1, 2))


def proximity(graph: nx.Graph, n: int) -> float:
    """Proximity (Aouchiche–Hansen): the least average distance from one vertex to all the others."""
    lengths = dict(nx.all_pairs_shortest_path_length(graph))
    return min(sum(lengths[v].values()) for v in range(n)) / (n - 1)


def least_transmission(graph: nx.Graph, n: int) -> int | None:
    """The least transmission (sum of distances from one vertex to all others) by integer BFS, for exact
    verification; None unless the graph is connected on the vertices 0..n-1."""
    distances = bfs_distances(graph, n) if set(graph.nodes) == set(range(n)) else None
    return None if distances is None else min(sum(row) for row in distances)


def proximity_batch(distances: np.ndarray) -> np.ndarray:
    """(B, n, n) distance matrices of connected graphs -> (B,) proximities."""
    n = distances.shape[1]
    return distances.sum(axis=2).min(axis=1) / (n - 1)


class ConnectedGraphScore(Score):
    """A score defined on connected graphs on ``n`` vertices; anything else is invalid."""

    object_kind = "graph"
    uses_distances = False  # True: connected_score_batch gets the batch's distance matrices too

    def is_valid(self, graph: nx.Graph) -> bool:
        return graph.number_of_nodes() == self.n and nx.is_connected(graph)

    def is_valid_batch(self, objs) -> np.ndarray:
        return connected_batch(to_numpy(objs))

    def score(self, graph: nx.Graph) -> float:
        if not self.is_valid(graph):
            return self.invalid_score
        return float(self.connected_score(graph))

    def score_batch(self, objs) -> np.ndarray:
        adjacency = to_numpy(objs).astype(np.uint8)
        out = np.full(adjacency.shape[0], self.invalid_score, dtype=np.float64)
        if self.uses_distances:
            distances = distance_batch(adjacency)
            connected = (distances >= 0).all(axis=(1, 2))
        else:
            distances, connected = None, connected_batch(adjacency)
        if connected.any():
            out[connected] = self.connected_score_batch(
                adjacency[connected], None if distances is None else distances[connected])
        return out

    def connected_score(self, graph: nx.Graph) -> float:
        """The score of one connected graph: the conjecture's definition, as plainly as possible."""
        raise NotImplementedError

    def connected_score_batch(self, adjacency: np.ndarray, distances: np.ndarray | None) -> np.ndarray:
        """Scores of a batch of connected graphs (B, n, n); override with a vectorised version where it pays."""
        return np.array([self.connected_score(adjacency_to_graph(a)) for a in adjacency], dtype=np.float64)
