"""What a word *is*: the object kinds a construction builds, each owning its encoding, records and drawing.

Wagner (2021) builds every object as a 0-1 word: a graph on ``n`` vertices as
its ``n(n-1)/2`` upper-triangle adjacency bits, an ``n x n`` 0-1 matrix as its
``n^2`` entries row by row. Everything that depends on which of the two a word
encodes lives here, behind one small interface, so a searcher (CEM, local
search, …) handles words and scores only, and a new kind of object is one
new class rather than an ``if`` in every agent.
"""

from __future__ import annotations

import numpy as np

from .encoding import (adjacency_to_graph, graph_to_graph6, graph_to_word, graph_word_length, matrix_to_word,
                       words_to_adjacency, words_to_matrices)

__all__ = ["ObjectKind", "GraphKind", "MatrixKind", "OBJECT_KINDS", "object_kind"]


class ObjectKind:
    """The encoding of one kind of object as 0-1 words, and how to show it to a person."""

    name: str
    min_n: int = 1

    def word_length(self, n: int) -> int:
        raise NotImplementedError

    def arrays(self, words, n: int) -> np.ndarray:
        """(B, L) words -> (B, n, n) uint8 arrays (adjacency or the matrix itself)."""
        raise NotImplementedError

    def from_array(self, array: np.ndarray):
        """One (n, n) array -> the object a per-object score takes."""
        raise NotImplementedError

    def to_array(self, obj, n: int) -> np.ndarray:
        """The object -> its (n, n) uint8 array (inverse of :meth:`from_array`)."""
        raise NotImplementedError

    def to_word(self, obj) -> np.ndarray:
        """The object -> its 0-1 word."""
        raise NotImplementedError

    def record(self, obj) -> dict:
        """The object in open formats for a JSON result file."""
        raise NotImplementedError

    def text(self, word: np.ndarray, t: int, n: int) -> str:
        """A text picture of a partial word whose first ``t`` letters are decided."""
        raise NotImplementedError

    def draw(self, obj, ax) -> None:
        """Draw the object on a matplotlib axis."""
        raise NotImplementedError


class GraphKind(ObjectKind):
    """Simple graphs on ``n`` vertices: networkx graphs, recorded as an edge list and graph6."""

    name = "graph"
    min_n = 2

    def word_length(self, n: int) -> int:
        return graph_word_length(n)

    def arrays(self, words, n: int) -> np.ndarray:
        return words_to_adjacency(words, n)

    def from_array(self, array: np.ndarray):
        return adjacency_to_graph(array)

    def to_array(self, obj, n: int) -> np.ndarray:
        import networkx as nx

        return nx.to_numpy_array(obj, nodelist=range(n), dtype=np.uint8)

    def to_word(self, obj) -> np.ndarray:
        return graph_to_word(obj)

    def record(self, obj) -> dict:
        return {"edges": [[int(u), int(v)] for u, v in sorted(obj.edges)], "graph6": graph_to_graph6(obj)}

    def text(self, word: np.ndarray, t: int, n: int) -> str:
        rows, cols = np.triu_indices(n, k=1)
        edges = [f"{i}-{j}" for k, (i, j) in enumerate(zip(rows.tolist(), cols.tolist())) if k < t and word[k]]
        return f", {len(edges)} edges\n" + (" ".join(edges) if edges else "(no edges)")

    def draw(self, obj, ax) -> None:
        import networkx as nx

        layout = nx.spring_layout(obj, seed=0, iterations=200)  # seeded: the same picture every time
        nx.draw_networkx(obj, layout, ax=ax, node_color="#8fb8de", node_size=260, font_size=8)
        ax.axis("off")


class MatrixKind(ObjectKind):
    """Square 0-1 matrices: (n, n) uint8 arrays, recorded as rows and drawn as a grid."""

    name = "matrix"

    def word_length(self, n: int) -> int:
        return n * n

    def arrays(self, words, n: int) -> np.ndarray:
        return words_to_matrices(words, n)

    def from_array(self, array: np.ndarray):
        return np.asarray(array, dtype=np.uint8)

    def to_array(self, obj, n: int) -> np.ndarray:
        return np.asarray(obj, dtype=np.uint8)

    def to_word(self, obj) -> np.ndarray:
        return matrix_to_word(obj)

    def record(self, obj) -> dict:
        return {"matrix": np.asarray(obj).tolist()}

    def text(self, word: np.ndarray, t: int, n: int) -> str:
        cells = np.where(np.arange(n * n) < t, np.char.mod("%d", word), ".").reshape(n, n)
        return "\n" + "\n".join(" ".join(row) for row in cells)

    def draw(self, obj, ax) -> None:
        n = np.asarray(obj).shape[0]
        ax.imshow(obj, cmap="Greys", vmin=0, vmax=1)
        ax.set_xticks(range(n))
        ax.set_yticks(range(n))


OBJECT_KINDS: dict[str, ObjectKind] = {kind.name: kind for kind in (GraphKind(), MatrixKind())}


def object_kind(name: str) -> ObjectKind:
    """The kind registered as ``name`` ("graph" or "matrix"); ``ValueError`` otherwise."""
    try:
        return OBJECT_KINDS[name]
    except KeyError:
        raise ValueError(f"unknown object kind {name!r}; known: {', '.join(OBJECT_KINDS)}") from None
