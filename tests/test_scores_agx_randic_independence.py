"""agx-randic-independence: R + alpha <= n - 1 + sqrt(n - 1) (AutoGraphiX, refuted by Vito-Stefanus 2023)."""

import math

import networkx as nx
import numpy as np
import pytest

from mathrl.envs.graphs.encoding import graph_to_word
from mathrl.envs.graphs.scores.agx_randic_independence import AGXRandicIndependence, independence_numbers
from mathrl.scores import make

from graph_helpers import adjacency, check_atlas, check_batch_agrees, random_graphs


def double_star(k):
    """Centres 0 and 1, each with k leaves, both joined to the middle vertex 2 (n = 2k + 3)."""
    graph = nx.Graph([(0, 2), (1, 2)])
    graph.add_edges_from((0, 3 + i) for i in range(k))
    graph.add_edges_from((1, 3 + k + i) for i in range(k))
    return graph


def brute_alpha(a):
    """Independence number by enumerating all 2^n vertex subsets (small n only)."""
    n = len(a)
    subsets = ((np.arange(1 << n)[:, None] >> np.arange(n)) & 1).astype(bool)
    us, vs = np.nonzero(np.triu(a))
    independent = ~(subsets[:, us] & subsets[:, vs]).any(axis=1)
    return int(subsets[independent].sum(axis=1).max())


def direct_value(graph):
    n = graph.number_of_nodes()
    randic = sum((graph.degree(u) * graph.degree(v)) ** -0.5 for u, v in graph.edges)
    return randic + brute_alpha(adjacency(graph)) - (n - 1) - math.sqrt(n - 1)


def test_registry():
    score = make("agx-randic-independence")
    assert isinstance(score, AGXRandicIndependence) and score.n == 11 and score.word_length == 55


def test_double_star_on_11_vertices_is_a_counterexample():
    graph = double_star(4)
    edges = sorted(tuple(sorted(e)) for e in graph.edges)
    assert edges == [(0, 2), (0, 3), (0, 4), (0, 5), (0, 6), (1, 2), (1, 7), (1, 8), (1, 9), (1, 10)]
    score = make("agx-randic-independence")
    # alpha = 9 (8 leaves + middle), R = 8 / sqrt(5) + 2 / sqrt(10)
    expected = 9 + 8 / math.sqrt(5) + 2 / math.sqrt(10) - 10 - math.sqrt(10)
    assert brute_alpha(adjacency(graph)) == 9 and expected > 0.04
    assert score.score(graph) == pytest.approx(expected, abs=1e-12)
    assert score.score_word(graph_to_word(graph)) == pytest.approx(expected, abs=1e-12)
    check = score.verify(graph)
    assert check.valid and check.is_counterexample and check.details["decided"]
    assert check.details["alpha"] == 9 and check.details["independent_set"] == [2, *range(3, 11)]
    assert float(check.value) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("k", [2, 3, 4, 5, 7])
def test_double_star_family(k):
    """n = 2k + 3, alpha = 2k + 1, R = (2k + sqrt 2) / sqrt(k + 1): fails iff (2 - sqrt 2) k > sqrt(k + 1)."""
    n = 2 * k + 3
    score = make("agx-randic-independence", n=n)
    expected = 2 * k + 1 + (2 * k + math.sqrt(2)) / math.sqrt(k + 1) - (n - 1) - math.sqrt(n - 1)
    value = score.score_batch(adjacency(double_star(k))[None])[0]
    assert value == pytest.approx(expected, abs=1e-12)
    refuted = (2 - math.sqrt(2)) * k > math.sqrt(k + 1)
    assert (value > score.tol) == refuted == (k >= 4)
    assert score.verify(double_star(k)).is_counterexample == refuted


def test_smallest_tree_counterexample_has_11_vertices():
    """Exhaustively over trees: none on 4..10 vertices; on 11 the best is the double star."""
    for n in range(4, 12):
        score = make("agx-randic-independence", n=n)
        trees = list(nx.nonisomorphic_trees(n))
        values = score.score_batch(np.stack([adjacency(t, n) for t in trees]))
        if n < 11:
            assert values.max() <= score.tol
        else:
            assert values.max() > score.tol
            assert nx.is_isomorphic(trees[int(values.argmax())], double_star(4))


@pytest.mark.parametrize("n", [4, 6, 11, 15])
def test_star_is_exact_equality_and_closed_forms(n):
    score = make("agx-randic-independence", n=n)
    star = nx.star_graph(n - 1)
    assert abs(score.score(star)) < 1e-12 and not score.is_counterexample(star)
    check = score.verify(star)
    assert check.valid and not check.is_counterexample and not check.details["decided"]
    bound = n - 1 + math.sqrt(n - 1)
    cases = [
        (nx.complete_graph(n), n / 2 + 1 - bound),
        (nx.path_graph(n), (n - 3) / 2 + math.sqrt(2) + (n + 1) // 2 - bound),
        (nx.cycle_graph(n), n / 2 + n // 2 - bound),
    ]
    for graph, expected in cases:
        assert expected < 0
        assert score.score(graph) == pytest.approx(expected, abs=1e-12)
        assert score.score_batch(adjacency(graph)[None])[0] == pytest.approx(expected, abs=1e-12)
        check = score.verify(graph)
        assert check.valid and not check.is_counterexample and check.details["decided"]


@pytest.mark.parametrize("n", [8, 11])
def test_score_batch_agrees_with_score(n):
    check_batch_agrees("agx-randic-independence", n)


def test_independence_numbers_match_brute_force():
    rng = np.random.default_rng(3)
    for n in (1, 2, 5, 9, 12):
        batch = random_graphs(rng, n, 30) if n >= 2 else np.zeros((1, 1, 1), np.uint8)
        np.testing.assert_array_equal(independence_numbers(batch), [brute_alpha(a) for a in batch])


def test_atlas_brute_force_matches_independent_computation():
    check_atlas("agx-randic-independence", direct_value)


def test_invalid_graphs():
    score = make("agx-randic-independence", n=6)
    graph = nx.disjoint_union(nx.star_graph(2), nx.star_graph(2))
    assert score.score(graph) == score.invalid_score
    assert score.score_batch(adjacency(graph)[None]).tolist() == [score.invalid_score]
    assert not score.verify(graph).valid and not score.verify(nx.star_graph(4)).valid
