"""wagner-2.3 (Aouchiche-Hansen, in Wagner 2021): test vectors, D == 1 rule, batched == per-object, verifier."""

import math

import mpmath
import networkx as nx
import numpy as np
import pytest
import torch

from mathrl.scores import ScoreError, make
from mathrl.envs.graphs.encoding import words_to_adjacency
from mathrl.envs.graphs.scores.wagner23 import Wagner23, distance_batch


def adjacency(graph, n=None):
    n = graph.number_of_nodes() if n is None else n
    return nx.to_numpy_array(graph, nodelist=range(n), dtype=np.uint8)


def star_with_tails(leaves, tails=(7, 5)):
    """Centre 0 with ``leaves`` pendant leaves and one path per tail length, each starting at 0."""
    graph = nx.star_graph(leaves)
    v = leaves + 1
    for length in tails:
        prev = 0
        for _ in range(length):
            graph.add_edge(prev, v)
            prev, v = v, v + 1
    return graph


def random_graphs(rng, n, count):
    """Densities from very sparse (mostly disconnected) to complete, so every branch is hit."""
    p = rng.uniform(0.0, 1.0, size=(count, 1)) ** 2
    p[: count // 10] = 1.0  # complete graphs: the D == 1 rule
    words = (rng.random((count, n * (n - 1) // 2)) < p).astype(np.uint8)
    return words_to_adjacency(words, n)


def test_registry_and_small_n():
    score = make("wagner-2.3")
    assert isinstance(score, Wagner23) and score.n == 30 and score.word_length == 435
    with pytest.raises(ScoreError):
        Wagner23(3)


def test_p4():
    score = Wagner23(4)
    expected = 2 / 3 - math.sqrt(2)
    assert score.score(nx.path_graph(4)) == pytest.approx(expected, abs=1e-12)
    assert score.score_batch(adjacency(nx.path_graph(4))[None])[0] == pytest.approx(expected, abs=1e-12)
    result = score.verify(nx.path_graph(4))
    assert result.valid and not result.is_counterexample
    assert result.details["D"] == 3 and result.details["k"] == 2 and result.details["pi"] == "4/3"
    with mpmath.workdps(40):
        assert abs(mpmath.mpf(result.value) - (mpmath.mpf(2) / 3 - mpmath.sqrt(2))) < mpmath.mpf(10) ** -35
        assert abs(mpmath.mpf(result.details["eigenvalue_k"]) - (mpmath.sqrt(2) - 2)) < mpmath.mpf(10) ** -35


@pytest.mark.parametrize("n", [4, 5, 9, 30, 50])
def test_complete_graph_scores_exactly_zero(n):
    score = Wagner23(n)
    graph = nx.complete_graph(n)
    assert score.score(graph) == 0.0 and score.is_valid(graph)
    assert score.score_batch(adjacency(graph)[None])[0] == 0.0
    result = score.verify(graph)
    assert result.valid and not result.is_counterexample and result.value == "0" and result.details["D"] == 1


def test_diameter_two_is_always_negative():
    rng = np.random.default_rng(3)
    graphs = [nx.star_graph(9), nx.wheel_graph(10), nx.complete_bipartite_graph(4, 6), nx.petersen_graph()]
    graphs += [nx.gnp_random_graph(10, 0.7, seed=int(s)) for s in rng.integers(0, 10**6, 30)]
    graphs = [g for g in graphs if nx.is_connected(g) and nx.diameter(g) == 2]
    assert len(graphs) > 10
    score = Wagner23(10)
    values = score.score_batch(np.stack([adjacency(g) for g in graphs]))
    assert (values < 0).all()
    assert all(score.score(g) < 0 for g in graphs)


def test_disconnected_is_invalid():
    score = Wagner23(6)
    graph = nx.disjoint_union(nx.path_graph(3), nx.path_graph(3))
    assert not score.is_valid(graph)
    assert score.score(graph) == score.invalid_score
    assert score.score_batch(adjacency(graph)[None])[0] == score.invalid_score
    assert not score.verify(graph).valid


def test_distance_batch_matches_networkx():
    rng = np.random.default_rng(0)
    adj = random_graphs(rng, 9, 200)
    dist = distance_batch(adj)
    for a, d in zip(adj, dist):
        lengths = dict(nx.all_pairs_shortest_path_length(nx.from_numpy_array(a)))
        expected = [[lengths[u].get(v, -1) for v in range(9)] for u in range(9)]
        assert (d == np.array(expected)).all()


def test_two_tailed_counterexamples_float():
    graph = star_with_tails(190)
    score = Wagner23(203)
    assert score.score(graph) == pytest.approx(0.000284962699087, abs=1e-13)
    assert score.score_batch(adjacency(graph)[None])[0] == pytest.approx(0.000284962699087, abs=1e-13)
    assert Wagner23(208).score(star_with_tails(195)) == pytest.approx(0.0039906, abs=1e-7)


@pytest.mark.slow
def test_n203_counterexample_verifies():
    result = Wagner23(203).verify(star_with_tails(190))
    assert result.valid and result.is_counterexample
    assert result.value.startswith("0.000284962699087")
    assert result.details["D"] == 12 and result.details["k"] == 8 and result.details["pi"] == "233/202"
    assert result.details["eigenvalue_k"].startswith("-1.15375030923374")
    assert float(result.details["error_bound"]) < 1e-8


def test_verify_agrees_with_score():
    rng = np.random.default_rng(5)
    score = Wagner23(10)
    checked = 0
    for a in random_graphs(rng, 10, 40):
        graph = nx.from_numpy_array(a)
        if not nx.is_connected(graph) or nx.diameter(graph) == 1:
            continue
        result = score.verify(graph)
        assert result.valid and float(result.details["error_bound"]) < 1e-10
        assert float(result.value) == pytest.approx(score.score(graph), abs=1e-10)
        checked += 1
    assert checked >= 5


@pytest.mark.parametrize("n", [4, 7, 12, 30])
def test_score_batch_matches_score(n):
    rng = np.random.default_rng(n)
    score = Wagner23(n)
    adj = random_graphs(rng, n, 250)  # 4 x 250 = 1000 objects over the parametrisation
    batch = score.score_batch(adj)
    single = np.array([score.score(nx.from_numpy_array(a)) for a in adj])
    assert np.abs(batch - single).max() <= 1e-9
    assert (batch == score.invalid_score).any() and (batch == 0.0).any() and (batch > score.invalid_score).sum() > 50
    assert np.isfinite(batch).all() and batch.dtype == np.float64
    assert np.array_equal(score.score_batch(torch.from_numpy(adj)), batch)
