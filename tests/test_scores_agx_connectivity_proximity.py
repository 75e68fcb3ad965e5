"""agx-algebraic-connectivity-proximity: a * pi >= a(P_n) * pi(P_n) (AutoGraphiX; refuted 2023)."""

import math

import networkx as nx
import numpy as np
import pytest

from mathrl.envs.graphs.encoding import graph_to_word
from mathrl.envs.graphs.scores.agx_connectivity_proximity import AGXConnectivityProximity
from mathrl.scores import make

from graph_helpers import adjacency, check_atlas, check_batch_agrees


def paper_bound(n):
    """The right-hand side in the parity form the refuting paper uses."""
    c = 1 - math.cos(math.pi / n)
    return 0.5 * n * n / (n - 1) * c if n % 2 == 0 else 0.5 * (n + 1) * c


def fork(n):
    """Path 0-1-...-(n-2) with a second leaf n-1 on vertex n-3."""
    graph = nx.path_graph(n - 1)
    graph.add_edge(n - 3, n - 1)
    return graph


def independent_invariants(graph):
    """(a, pi) from a general eigen-solver on D - A and from closeness centrality."""
    n = graph.number_of_nodes()
    a = nx.to_numpy_array(graph, nodelist=range(n))
    eigenvalues = np.sort(np.linalg.eigvals(np.diag(a.sum(axis=1)) - a).real)
    return eigenvalues[1], 1 / max(nx.closeness_centrality(graph).values())


def connectivity_value(graph):
    a, pi = independent_invariants(graph)
    return paper_bound(graph.number_of_nodes()) - a * pi


def test_registry():
    score = make("agx-algebraic-connectivity-proximity")
    assert isinstance(score, AGXConnectivityProximity) and score.n == 13 and score.word_length == 78


@pytest.mark.parametrize("n", [2, 3, 8, 13, 14, 19])
def test_bound_is_the_path_value(n):
    score = make("agx-algebraic-connectivity-proximity", n=n)
    assert score.bound == pytest.approx(paper_bound(n), rel=1e-13)
    a, pi = independent_invariants(nx.path_graph(n))
    assert a * pi == pytest.approx(paper_bound(n), rel=1e-9)
    value = score.score(nx.path_graph(n))
    assert abs(value) < 1e-12 and not score.is_counterexample(nx.path_graph(n))
    check = score.verify(nx.path_graph(n))
    assert check.valid and not check.is_counterexample and not check.details["decided"]
    assert abs(float(check.value)) < 1e-30


def test_fork_on_13_vertices_is_a_counterexample():
    graph = fork(13)
    assert sorted(graph.edges) == [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 7), (7, 8), (8, 9),
                                   (9, 10), (10, 11), (10, 12)]
    score = make("agx-algebraic-connectivity-proximity")
    a, pi = independent_invariants(graph)
    assert pi == pytest.approx(41 / 12, abs=1e-12)  # vertex 6: 2 (1 + ... + 5) + 6 + 5 = 41
    expected = paper_bound(13) - a * pi
    value = score.score(graph)
    assert value == pytest.approx(expected, abs=1e-10) and value > 1e-5
    assert score.score_word(graph_to_word(graph)) == pytest.approx(value, abs=1e-12)
    check = score.verify(graph)
    assert check.valid and check.is_counterexample and check.details["decided"]
    assert check.details["proximity"] == "41/12"
    assert float(check.value) == pytest.approx(value, abs=1e-10)
    assert float(check.details["algebraic_connectivity"]) == pytest.approx(a, abs=1e-10)


def test_smallest_tree_counterexample_has_13_vertices():
    """Exhaustively over trees: none on 4..12 vertices, and the best on 13 is the fork."""
    for n in range(4, 14):
        score = make("agx-algebraic-connectivity-proximity", n=n)
        trees = list(nx.nonisomorphic_trees(n))
        values = score.score_batch(np.stack([adjacency(t, n) for t in trees]))
        if n < 13:
            assert values.max() <= score.tol
        else:
            assert (values > score.tol).sum() == 1
            assert nx.is_isomorphic(trees[int(values.argmax())], fork(13))


@pytest.mark.parametrize("n", [5, 8, 13])
def test_closed_forms_hold(n):
    score = make("agx-algebraic-connectivity-proximity", n=n)
    bound = paper_bound(n)
    cases = [
        (nx.complete_graph(n), bound - n * 1),  # a(K_n) = n, pi = 1
        (nx.star_graph(n - 1), bound - 1 * 1),  # a(K_{1,n-1}) = 1, pi = 1
        (nx.cycle_graph(n), bound - 2 * (1 - math.cos(2 * math.pi / n)) * (n * n // 4) / (n - 1)),
    ]
    for graph, expected in cases:
        assert expected < 0
        assert score.score(graph) == pytest.approx(expected, abs=1e-10)
        assert score.score_batch(adjacency(graph)[None])[0] == pytest.approx(expected, abs=1e-10)
        check = score.verify(graph)
        assert check.valid and not check.is_counterexample and check.details["decided"]
        assert float(check.value) == pytest.approx(expected, abs=1e-10)


@pytest.mark.parametrize("n", [7, 13])
def test_score_batch_agrees_with_score(n):
    check_batch_agrees("agx-algebraic-connectivity-proximity", n)


def test_atlas_brute_force_matches_independent_computation():
    check_atlas("agx-algebraic-connectivity-proximity", connectivity_value)


def test_invalid_graphs():
    score = make("agx-algebraic-connectivity-proximity", n=6)
    graph = nx.disjoint_union(nx.path_graph(3), nx.path_graph(3))
    assert score.score(graph) == score.invalid_score
    assert score.score_batch(adjacency(graph)[None]).tolist() == [score.invalid_score]
    assert not score.verify(graph).valid and not score.verify(nx.path_graph(5)).valid
