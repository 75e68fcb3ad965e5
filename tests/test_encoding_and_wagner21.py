"""Word encodings (docs/graphs.md), the wagner-2.1 score and the blossom matching."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from mathrl.envs.graphs.encoding import (
    adjacency_to_words,
    graph_to_word,
    graph_word_length,
    matrix_to_word,
    pair_index,
    word_to_graph,
    words_to_adjacency,
    words_to_matrices,
)
from mathrl.envs.graphs.matching import matching_number
from mathrl.scores import make

GSTAR_ONES = {*range(1, 10), 18, *range(27, 35)}
GSTAR_SCORE = 3 * math.sqrt(2) - math.sqrt(10) - 1


def two_stars(left: int, right: int) -> nx.Graph:
    """Centres 0 and 1, bridge 2 joined to both, then ``left`` leaves on 0 and ``right`` on 1."""
    graph = nx.Graph([(0, 2), (1, 2)])
    leaves = iter(range(3, 3 + left + right))
    graph.add_edges_from((0, next(leaves)) for _ in range(left))
    graph.add_edges_from((1, next(leaves)) for _ in range(right))
    return graph


def random_tree(n: int, rng) -> nx.Graph:
    order = rng.permutation(n)
    graph = nx.empty_graph(n)
    graph.add_edges_from((int(order[v]), int(order[rng.integers(v)])) for v in range(1, n))
    return graph


# -- encoding -------------------------------------------------------------------------------
@pytest.mark.parametrize("n", range(2, 14))
def test_pair_index_agrees_with_triu_indices(n):
    rows, cols = np.triu_indices(n, k=1)
    assert len(rows) == graph_word_length(n)
    for k, (i, j) in enumerate(zip(rows.tolist(), cols.tolist())):
        assert pair_index(i, j, n) == k == i * n - i * (i + 1) // 2 + (j - i - 1)
        assert pair_index(j, i, n) == k


@pytest.mark.parametrize("n, length", [(19, 171), (20, 190), (30, 435), (33, 528)])
def test_word_lengths(n, length):
    assert graph_word_length(n) == length
    assert make("wagner-2.1", n=n).word_length == length


def test_word_graph_round_trips():
    rng = np.random.default_rng(0)
    for n in (2, 3, 7, 19):
        words = rng.integers(0, 2, size=(5, graph_word_length(n)), dtype=np.uint8)
        adjacency = words_to_adjacency(words, n)
        assert adjacency.shape == (5, n, n) and adjacency.dtype == np.uint8
        assert (adjacency == adjacency.transpose(0, 2, 1)).all()
        assert not np.diagonal(adjacency, axis1=1, axis2=2).any()
        np.testing.assert_array_equal(adjacency_to_words(adjacency), words)
        for word in words:
            graph = word_to_graph(word, n)
            assert sorted(graph.nodes) == list(range(n)) and graph.number_of_edges() == word.sum()
            np.testing.assert_array_equal(graph_to_word(graph), word)
    batch = rng.integers(0, 2, size=(2, 3, 6), dtype=np.uint8)
    assert words_to_adjacency(batch, 4).shape == (2, 3, 4, 4)


def test_word_to_graph_keeps_isolated_vertices():
    graph = word_to_graph(np.zeros(10, np.uint8), 5)
    assert graph.number_of_nodes() == 5 and graph.number_of_edges() == 0


def test_encoding_errors():
    with pytest.raises(ValueError):
        graph_to_word(nx.relabel_nodes(nx.path_graph(4), {v: v + 1 for v in range(4)}))
    with pytest.raises(ValueError):
        graph_to_word(nx.Graph([("a", "b")]))
    with pytest.raises(ValueError):
        words_to_adjacency(np.zeros(5, np.uint8), 4)
    with pytest.raises(ValueError):
        graph_word_length(1)


def test_matrix_round_trip():
    rng = np.random.default_rng(1)
    words = rng.integers(0, 2, size=(4, 12), dtype=np.uint8)
    matrices = words_to_matrices(words, 3, 4)
    assert matrices.shape == (4, 3, 4) and matrices[0, 1, 2] == words[0, 1 * 4 + 2]
    np.testing.assert_array_equal(matrix_to_word(matrices), words)
    assert words_to_matrices(words[:, :9], 3).shape == (4, 3, 3)


# -- wagner-2.1 -----------------------------------------------------------------------------
def test_gstar_word_score_and_verification():
    score = make("wagner-2.1")
    word = np.zeros(171, np.uint8)
    word[sorted(GSTAR_ONES)] = 1
    graph = word_to_graph(word, 19)
    assert nx.is_isomorphic(graph, two_stars(8, 8))
    np.testing.assert_array_equal(graph_to_word(two_stars(8, 8)), word)  # centres 0, 1, bridge 2, leaves 3-18
    assert score.score_word(word) == pytest.approx(GSTAR_SCORE, abs=1e-12)
    assert score.score_word(word) == pytest.approx(0.0803630269509, abs=1e-12)
    assert score.is_counterexample(graph)
    check = score.verify(graph)
    assert check.valid and check.is_counterexample
    assert check.value.startswith("0.080363026950905")
    assert check.details["mu"] == 2 and check.details["tutte_berge_set"] == [0, 1]
    assert float(check.details["lambda1"]) == pytest.approx(math.sqrt(10), abs=1e-14)


@pytest.mark.parametrize("left, right, lambda1, expected", [
    (8, 8, math.sqrt(10), 0.0803630),
    (7, 9, 3.2271060662, 0.0155346),
    (6, 10, 3.3520244596, -0.1093838),
])
def test_two_star_family(left, right, lambda1, expected):
    score = make("wagner-2.1")
    graph = two_stars(left, right)
    adjacency = nx.to_numpy_array(graph, nodelist=range(19))
    assert np.linalg.eigvalsh(adjacency)[-1] == pytest.approx(lambda1, abs=1e-9)
    assert score.score(graph) == pytest.approx(expected, abs=1e-7)
    assert score.is_counterexample(graph) == (expected > 0)


@pytest.mark.parametrize("n", [2, 5, 10, 19])
def test_stars_are_the_equality_case(n):
    score = make("wagner-2.1", n=n)
    star = nx.star_graph(n - 1)
    value = score.score(star)
    assert abs(value) < 1e-12 and value <= score.tol
    assert not score.is_counterexample(star)
    assert not score.verify(star).is_counterexample


@pytest.mark.parametrize("n", range(2, 13))
def test_complete_graphs_and_paths(n):
    score = make("wagner-2.1", n=n)
    complete = math.sqrt(n - 1) + 1 - (n - 1) - n // 2
    path = math.sqrt(n - 1) + 1 - 2 * math.cos(math.pi / (n + 1)) - n // 2
    assert score.score(nx.complete_graph(n)) == pytest.approx(complete, abs=1e-12)
    assert score.score(nx.path_graph(n)) == pytest.approx(path, abs=1e-12)


def test_empty_graph_is_invalid():
    score = make("wagner-2.1", n=7)
    empty = nx.empty_graph(7)
    assert score.score(empty) == score.invalid_score == -1e6
    assert not score.is_valid(empty) and not score.verify(empty).valid
    assert score.score_word(np.zeros(21, np.uint8)) == -1e6
    assert score.score_batch(np.zeros((2, 7, 7), np.uint8)).tolist() == [-1e6, -1e6]


def random_graph_batch(n: int, count: int, rng) -> np.ndarray:
    """G(n, p) over a wide range of p, random trees, and forests (trees minus an edge)."""
    graphs = []
    for i in range(count):
        kind = i % 4
        if kind == 0:
            graph = random_tree(n, rng)
        elif kind == 1:
            graph = random_tree(n, rng)
            graph.remove_edge(*list(graph.edges)[rng.integers(n - 1)])
        else:
            graph = nx.gnp_random_graph(n, float(rng.uniform(0.03, 0.9)), seed=int(rng.integers(2**31)))
        graphs.append(nx.to_numpy_array(graph, nodelist=range(n), dtype=np.uint8))
    return np.stack(graphs)


@pytest.mark.parametrize("n, count", [(19, 600), (9, 500)])
def test_score_batch_agrees_with_score(n, count):
    score = make("wagner-2.1", n=n)
    adjacency = random_graph_batch(n, count, np.random.default_rng(n))
    batch = score.score_batch(adjacency)
    single = np.array([score.score(nx.from_numpy_array(a)) for a in adjacency])
    invalid = single == score.invalid_score
    assert 0.1 * count < invalid.sum() < 0.9 * count  # both connected and disconnected graphs
    assert batch.dtype == np.float64 and batch.shape == (count,)
    np.testing.assert_allclose(batch, single, atol=1e-9, rtol=0)


def test_score_batch_accepts_torch_tensors():
    torch = pytest.importorskip("torch")
    score = make("wagner-2.1", n=9)
    adjacency = random_graph_batch(9, 20, np.random.default_rng(5))
    np.testing.assert_array_equal(score.score_batch(torch.tensor(adjacency)), score.score_batch(adjacency))
    words = adjacency_to_words(adjacency)
    np.testing.assert_array_equal(score.score_words(torch.tensor(words)), score.score_batch(adjacency))


def test_matching_number_agrees_with_networkx():
    rng = np.random.default_rng(7)
    for _ in range(400):
        n = int(rng.integers(2, 22))
        graph = nx.gnp_random_graph(n, float(rng.uniform(0.02, 0.7)), seed=int(rng.integers(2**31)))
        adjacency = nx.to_numpy_array(graph, nodelist=range(n), dtype=np.uint8)
        assert matching_number(adjacency) == len(nx.max_weight_matching(graph, maxcardinality=True))
    # odd cycles need blossom contraction; a greedy maximal matching can be smaller
    for graph, mu in [(nx.cycle_graph(5), 2), (nx.petersen_graph(), 5), (two_stars(8, 8), 2)]:
        assert matching_number(nx.to_numpy_array(graph, dtype=np.uint8)) == mu
