"""Binary words <-> graphs and 0-1 matrices (docs/graphs.md).

Graph words list the upper-triangle pairs in row-major order, which is exactly
the order of ``numpy.triu_indices(n, k=1)``:
``k(i, j) = i*n - i*(i+1)/2 + (j - i - 1)``. Matrix words are row-major.
All functions are batched over leading axes.
"""

from __future__ import annotations

import networkx as nx
import numpy as np


def graph_word_length(n: int) -> int:
    if n < 2:
        raise ValueError(f"a graph needs n >= 2 vertices, got n={n}")
    return n * (n - 1) // 2


def pair_index(i: int, j: int, n: int) -> int:
    """Word position of the unordered pair {i, j}."""
    if i == j:
        raise ValueError("loops have no word position")
    i, j = min(i, j), max(i, j)
    return i * n - i * (i + 1) // 2 + (j - i - 1)


def words_to_adjacency(words, n: int) -> np.ndarray:
    """(..., L) words -> (..., n, n) uint8 symmetric adjacency, zero diagonal."""
    words = np.asarray(words, dtype=np.uint8)
    length = graph_word_length(n)
    if words.shape[-1] != length:
        raise ValueError(f"graph words for n={n} have length {length}, got {words.shape[-1]}")
    rows, cols = np.triu_indices(n, k=1)
    adjacency = np.zeros(words.shape[:-1] + (n, n), dtype=np.uint8)
    adjacency[..., rows, cols] = words
    adjacency[..., cols, rows] = words
    return adjacency


def adjacency_to_words(adjacency) -> np.ndarray:
    adjacency = np.asarray(adjacency)
    n = adjacency.shape[-1]
    rows, cols = np.triu_indices(n, k=1)
    return (adjacency[..., rows, cols] != 0).astype(np.uint8)


def adjacency_to_graph(adjacency) -> nx.Graph:
    adjacency = np.asarray(adjacency)
    graph = nx.Graph()
    graph.add_nodes_from(range(adjacency.shape[-1]))
    rows, cols = np.nonzero(np.triu(adjacency, 1))
    graph.add_edges_from(zip(rows.tolist(), cols.tolist()))
    return graph


def word_to_graph(word, n: int) -> nx.Graph:
    """A networkx graph with all n nodes, isolated ones included."""
    return adjacency_to_graph(words_to_adjacency(word, n))


def graph_to_word(graph: nx.Graph) -> np.ndarray:
    n = graph.number_of_nodes()
    if set(graph.nodes) != set(range(n)):
        raise ValueError("graph nodes must be exactly 0..n-1; relabel with nx.convert_node_labels_to_integers")
    word = np.zeros(graph_word_length(n), dtype=np.uint8)
    for u, v in graph.edges:
        if u == v:
            raise ValueError("simple graphs only: found a loop")
        word[pair_index(u, v, n)] = 1
    return word


def words_to_matrices(words, r: int, c: int | None = None) -> np.ndarray:
    """(..., r*c) words -> (..., r, c) uint8 matrices, row-major."""
    c = r if c is None else c
    words = np.asarray(words, dtype=np.uint8)
    if words.shape[-1] != r * c:
        raise ValueError(f"matrix words for {r}x{c} have length {r * c}, got {words.shape[-1]}")
    return words.reshape(words.shape[:-1] + (r, c))


def matrix_to_word(matrix) -> np.ndarray:
    matrix = np.asarray(matrix)
    if matrix.ndim < 2:
        raise ValueError("a matrix needs two axes")
    if not np.isin(matrix, (0, 1)).all():
        raise ValueError("0-1 matrices only")
    return matrix.reshape(matrix.shape[:-2] + (-1,)).astype(np.uint8)


def graph_to_graph6(graph: nx.Graph) -> str:
    return nx.to_graph6_bytes(graph, header=False).decode().strip()
