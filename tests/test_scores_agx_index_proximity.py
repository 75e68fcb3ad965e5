"""agx-index-proximity: lambda1 * pi <= n - 1 (AutoGraphiX, refuted by Vito-Stefanus 2023)."""

import math

import networkx as nx
import numpy as np
import pytest
import sympy

from mathrl.envs.graphs.encoding import graph_to_word
from mathrl.envs.graphs.scores.agx_index_proximity import AGXIndexProximity
from mathrl.envs.graphs.scores.exact import root_vs_threshold
from mathrl.scores import make

from graph_helpers import adjacency, check_atlas, check_batch_agrees


def lollipop(clique, tail):
    """K_clique on 0..clique-1, then the path clique-1, clique, ..., clique+tail-1."""
    graph = nx.complete_graph(clique)
    nx.add_path(graph, range(clique - 1, clique + tail))
    return graph


def independent_value(graph):
    """lambda1 * pi - (n - 1) from a general (non-symmetric) eigen-solver and closeness centrality."""
    n = graph.number_of_nodes()
    lambda1 = max(np.linalg.eigvals(nx.to_numpy_array(graph, nodelist=range(n))).real)
    proximity = 1 / max(nx.closeness_centrality(graph).values())  # closeness = (n - 1) / transmission
    return lambda1 * proximity - (n - 1)


def test_registry():
    score = make("agx-index-proximity")
    assert isinstance(score, AGXIndexProximity) and score.n == 11 and score.word_length == 55
    assert make("agx-index-proximity", n=7).n == 7


def test_lollipop_k6_p5_is_a_counterexample():
    graph = lollipop(6, 5)
    assert sorted(graph.edges) == [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (1, 2), (1, 3), (1, 4), (1, 5),
                                   (2, 3), (2, 4), (2, 5), (3, 4), (3, 5), (4, 5),
                                   (5, 6), (6, 7), (7, 8), (8, 9), (9, 10)]
    score = make("agx-index-proximity")
    # the clique vertex carrying the path has the least transmission: 5 * 1 + (1 + ... + 5) = 20
    assert min(sum(d.values()) for _, d in nx.all_pairs_shortest_path_length(graph)) == 20
    lambda1 = max(np.linalg.eigvals(nx.to_numpy_array(graph)).real)
    assert lambda1 > 5  # pi = 20 / 10 = 2, so S = 2 lambda1 - 10
    value = score.score(graph)
    assert value == pytest.approx(2 * lambda1 - 10, abs=1e-10) and value > 0.07
    assert score.score_word(graph_to_word(graph)) == pytest.approx(value, abs=1e-12)
    assert score.is_counterexample(graph)
    check = score.verify(graph)
    assert check.valid and check.is_counterexample
    assert check.details["proximity"] == "2" and check.details["threshold"] == "5"
    assert check.details["sign_lambda1_minus_threshold"] == 1
    assert float(check.value) == pytest.approx(value, abs=1e-10)
    # the exact characteristic polynomial is sympy's, computed here a second way
    x = sympy.Symbol("x")
    poly = sympy.Poly(sympy.Matrix(nx.to_numpy_array(graph, dtype=int).tolist()).charpoly(x).as_expr(), x)
    assert max(root.evalf(30) for root in poly.real_roots()) > 5


@pytest.mark.parametrize("n", [2, 4, 7, 11, 16])
def test_complete_graph_is_exact_equality(n):
    score = make("agx-index-proximity", n=n)
    graph = nx.complete_graph(n)
    assert abs(score.score(graph)) < 1e-12 and not score.is_counterexample(graph)
    assert abs(score.score_batch(adjacency(graph)[None])[0]) < 1e-12
    check = score.verify(graph)
    assert check.valid and not check.is_counterexample and check.value == "0"
    assert check.details["sign_lambda1_minus_threshold"] == 0


@pytest.mark.parametrize("n", [4, 6, 11, 14])
def test_closed_forms_hold(n):
    score = make("agx-index-proximity", n=n)
    cases = [
        (nx.star_graph(n - 1), math.sqrt(n - 1) * 1 - (n - 1)),  # centre transmission n - 1
        (nx.path_graph(n), 2 * math.cos(math.pi / (n + 1)) * (n * n // 4) / (n - 1) - (n - 1)),
        (nx.cycle_graph(n), 2 * (n * n // 4) / (n - 1) - (n - 1)),
    ]
    p = n // 3
    q = n - p
    cases.append((nx.complete_bipartite_graph(p, q),
                  math.sqrt(p * q) * min(q + 2 * (p - 1), p + 2 * (q - 1)) / (n - 1) - (n - 1)))
    for graph, expected in cases:
        assert expected < 0
        assert score.score(graph) == pytest.approx(expected, abs=1e-10)
        assert score.score_batch(adjacency(graph)[None])[0] == pytest.approx(expected, abs=1e-10)
        check = score.verify(graph)
        assert check.valid and not check.is_counterexample
        assert float(check.value) == pytest.approx(expected, abs=1e-10)


@pytest.mark.parametrize("n", [8, 11])
def test_score_batch_agrees_with_score(n):
    check_batch_agrees("agx-index-proximity", n)


def test_atlas_brute_force_matches_independent_computation():
    check_atlas("agx-index-proximity", independent_value)


def test_invalid_graphs():
    score = make("agx-index-proximity", n=6)
    graph = nx.disjoint_union(nx.complete_graph(3), nx.complete_graph(3))
    assert score.score(graph) == score.invalid_score == -1e6
    assert score.score_batch(adjacency(graph)[None]).tolist() == [-1e6]
    assert not score.verify(graph).valid
    assert not score.verify(nx.complete_graph(5)).valid  # wrong order


def test_root_vs_threshold_is_exact():
    x = sympy.Symbol("x")
    poly = sympy.Poly((x - 1) ** 3 * (x - 3) * (x**2 - 2), x)  # distinct roots -sqrt2, 1, sqrt2, 3
    assert root_vs_threshold(poly, 0, -2) == 1 and root_vs_threshold(poly, 0, -1) == -1
    assert root_vs_threshold(poly, 1, 1) == 0 and root_vs_threshold(poly, 0, 1) == -1
    assert root_vs_threshold(poly, 2, 1) == 1 and root_vs_threshold(poly, 2, sympy.Rational(141, 100)) == 1
    assert root_vs_threshold(poly, 2, sympy.Rational(142, 100)) == -1
    assert root_vs_threshold(poly, -1, 3) == 0 and root_vs_threshold(poly, -1, sympy.Rational(299, 100)) == 1
    with pytest.raises(ValueError):
        root_vs_threshold(poly, 4, 0)
