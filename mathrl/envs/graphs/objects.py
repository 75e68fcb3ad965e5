"""What a word *is*: the object kinds a construction builds, each owning its encoding, records and drawing.

Wagner (2021) builds every object as a 0-1 word: a graph on ``n`` vertices as
its ``n(n-1)/2`` upper-triangle adjacency bits, an ``n x n`` 0-1 matrix as its
``n^2`` entries row by row, or the word itself (a 0-1 sequence of length ``n``).
Everything that depends on which of these a word encodes lives here, behind one
small interface, so a searcher (CEM, local search, …) handles words and scores
only, and a new kind of object is one new class rather than an ``if`` in every
agent.

Many constructions are not 0-1: edge colourings of a complete graph (Ramsey
colourings), signed or {-1, 0, 1} matrices, colourings of a sequence. Over an
alphabet of k > 2 letters the same three layouts hold labels ``0..k-1`` instead
of bits (:class:`LabelledKind`): an edge-labelled complete graph as its
symmetric ``(n, n)`` label matrix, a matrix of labels, a word of labels. What a
label means (a colour, ``label - 1`` for a signed entry) is the score's business.
"""

from __future__ import annotations

import numpy as np

from .encoding import (adjacency_to_graph, graph_to_graph6, graph_to_word, graph_word_length, matrix_to_word,
                       words_to_adjacency, words_to_matrices)

__all__ = ["ObjectKind", "GraphKind", "MatrixKind", "WordKind", "LabelledKind", "OBJECT_KINDS", "object_kind",
           "word_text"]


def word_text(word) -> str:
    """A word as text: its letters as digits when all are below 10 (a 0-1 word reads as its bits),
    else numbers each followed by a comma (``"12,0,3,"``: never read as digits)."""
    letters = np.asarray(word).reshape(-1).tolist()
    if all(0 <= v < 10 for v in letters):
        return "".join(map(str, letters))
    return "".join(f"{v}," for v in letters)


def word_from_text(text: str) -> np.ndarray:
    """The inverse of :func:`word_text`."""
    parts = [v for v in text.split(",") if v] if "," in text else list(text)
    return np.array([int(v) for v in parts], dtype=np.uint8)


class ObjectKind:
    """The encoding of one kind of object as 0-1 words, and how to show it to a person."""

    name: str
    min_n: int = 1
    alphabet: int = 2

    def word_length(self, n: int) -> int:
        raise NotImplementedError

    def array_size(self, n: int) -> int:
        """Entries of one decoded object's array: n * n, or n for a word."""
        return n * n

    def arrays(self, words, n: int) -> np.ndarray:
        """(B, L) words -> (B, n, n) uint8 arrays (adjacency or the matrix itself; (B, n) for words)."""
        raise NotImplementedError

    def from_array(self, array: np.ndarray):
        """One array -> the object a per-object score takes."""
        raise NotImplementedError

    def to_array(self, obj, n: int) -> np.ndarray:
        """The object -> its uint8 array (inverse of :meth:`from_array`)."""
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


class WordKind(ObjectKind):
    """The word itself: a 0-1 sequence of length ``n``, as a (n,) uint8 array."""

    name = "word"

    def word_length(self, n: int) -> int:
        return n

    def array_size(self, n: int) -> int:
        return n

    def arrays(self, words, n: int) -> np.ndarray:
        words = np.asarray(words, dtype=np.uint8)
        if words.shape[-1] != n:
            raise ValueError(f"words for n={n} have length {n}, got {words.shape[-1]}")
        return words

    def from_array(self, array: np.ndarray):
        return np.asarray(array, dtype=np.uint8)

    def to_array(self, obj, n: int) -> np.ndarray:
        return np.asarray(obj, dtype=np.uint8)

    def to_word(self, obj) -> np.ndarray:
        return np.asarray(obj, dtype=np.uint8).reshape(-1)

    def record(self, obj) -> dict:
        return {"labels": np.asarray(obj).tolist()}

    def text(self, word: np.ndarray, t: int, n: int) -> str:
        return "\n" + " ".join(str(int(v)) if i < t else "." for i, v in enumerate(np.asarray(word).tolist()))

    def draw(self, obj, ax) -> None:
        _draw_labels(np.asarray(obj)[None, :], ax, self.alphabet)


def _draw_labels(array: np.ndarray, ax, alphabet: int) -> None:
    """A grid of letters, one colour per letter (and the letter written in each cell when it is small)."""
    if alphabet <= 10:  # one tab10 colour per letter, the same as in edge drawings
        ax.imshow(array, cmap="tab10", vmin=-0.5, vmax=9.5, interpolation="nearest")
    else:
        ax.imshow(array, cmap="viridis", vmin=0, vmax=alphabet - 1, interpolation="nearest")
    rows, cols = array.shape
    if rows * cols <= 400:
        for (i, j), v in np.ndenumerate(array):
            ax.text(j, i, str(int(v)), ha="center", va="center", fontsize=7)
    ax.set_xticks(range(cols))
    ax.set_yticks(range(rows))


class LabelledKind(ObjectKind):
    """A kind's layout over ``alphabet`` > 2 letters: every object is its uint8 array of labels.

    A graph becomes an edge-labelled complete graph, given to a score as its symmetric
    (n, n) label matrix with a zero diagonal (label 0 is a label like any other: a
    colour, or "no edge"); a matrix and a word hold labels where the 0-1 kinds hold bits.
    """

    def __init__(self, base: ObjectKind, alphabet: int):
        if not 3 <= alphabet <= 256:
            raise ValueError(f"a labelled kind needs 3 to 256 letters (words are uint8), got {alphabet}")
        self.base, self.alphabet = base, int(alphabet)
        self.name, self.min_n = base.name, base.min_n

    def word_length(self, n: int) -> int:
        return self.base.word_length(n)

    def array_size(self, n: int) -> int:
        return self.base.array_size(n)

    def arrays(self, words, n: int) -> np.ndarray:
        return self.base.arrays(words, n)  # the layouts copy values, so labels pass through unchanged

    def from_array(self, array: np.ndarray):
        return np.asarray(array, dtype=np.uint8)

    def to_array(self, obj, n: int) -> np.ndarray:
        return np.asarray(obj, dtype=np.uint8)

    def to_word(self, obj) -> np.ndarray:
        array = np.asarray(obj)
        if array.size and (array.min() < 0 or array.max() >= self.alphabet):
            raise ValueError(f"labels must lie in 0..{self.alphabet - 1}")
        if self.base.name == "graph":
            rows, cols = np.triu_indices(array.shape[-1], k=1)
            return array[rows, cols].astype(np.uint8)
        return array.reshape(-1).astype(np.uint8)

    def record(self, obj) -> dict:
        return {"labels": np.asarray(obj).tolist(), "alphabet": self.alphabet}

    def text(self, word: np.ndarray, t: int, n: int) -> str:
        letters = np.where(np.arange(len(word)) < t, np.asarray(word).astype(str), ".")
        return "\n" + " ".join(letters.tolist())

    def draw(self, obj, ax) -> None:
        array = np.asarray(obj)
        if self.base.name == "graph" and array.shape[0] <= 20:
            _draw_edge_labels(array, ax, self.alphabet)
        else:
            _draw_labels(array if array.ndim == 2 else array[None, :], ax, self.alphabet)


def _draw_edge_labels(labels: np.ndarray, ax, alphabet: int) -> None:
    """The complete graph on a circle, each edge in its label's colour (a legend names the labels)."""
    import matplotlib.pyplot as plt

    n = labels.shape[0]
    angles = 2 * np.pi * np.arange(n) / n
    xy = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    cmap = plt.get_cmap("tab10" if alphabet <= 10 else "viridis")
    colour = (lambda v: cmap(v % 10)) if alphabet <= 10 else (lambda v: cmap(v / (alphabet - 1)))
    for label in range(alphabet):
        rows, cols = np.nonzero(np.triu(labels == label, 1))
        for k, (i, j) in enumerate(zip(rows.tolist(), cols.tolist())):
            ax.plot(xy[[i, j], 0], xy[[i, j], 1], color=colour(label), linewidth=1.2,
                    label=f"label {label}" if k == 0 else None)
    ax.scatter(xy[:, 0], xy[:, 1], s=160, color="white", edgecolors="black", zorder=3)
    for v in range(n):
        ax.text(xy[v, 0], xy[v, 1], str(v), ha="center", va="center", fontsize=7, zorder=4)
    if alphabet <= 10:
        ax.legend(loc="upper right", fontsize=7, frameon=False)
    ax.set_aspect("equal")
    ax.axis("off")


OBJECT_KINDS: dict[str, ObjectKind] = {kind.name: kind for kind in (GraphKind(), MatrixKind(), WordKind())}


def object_kind(name: str, alphabet: int = 2) -> ObjectKind:
    """The kind registered as ``name`` ("graph", "matrix" or "word") over ``alphabet`` letters
    (2: the 0-1 kind itself; more: its :class:`LabelledKind`); ``ValueError`` otherwise."""
    try:
        base = OBJECT_KINDS[name]
    except KeyError:
        raise ValueError(f"unknown object kind {name!r}; known: {', '.join(OBJECT_KINDS)}") from None
    return base if alphabet == 2 else LabelledKind(base, alphabet)
