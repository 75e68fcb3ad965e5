"""Graph fixtures shared by the tests of the conjecture scores."""

import networkx as nx
import numpy as np
import pytest

from mathrl.envs.graphs.encoding import words_to_adjacency
from mathrl.scores import make

CONNECTED_GRAPHS_2_TO_7 = 1 + 2 + 6 + 21 + 112 + 853  # connected graphs on 2..7 vertices (OEIS A001349)


def adjacency(graph, n=None):
    n = graph.number_of_nodes() if n is None else n
    return nx.to_numpy_array(graph, nodelist=range(n), dtype=np.uint8)


def random_graphs(rng, n, count):
    """``count`` random graphs of random density, plus 5 random trees and 5 trees less an edge."""
    p = rng.uniform(0.0, 1.0, size=(count, 1)) ** 2
    words = (rng.random((count, n * (n - 1) // 2)) < p).astype(np.uint8)
    batch = words_to_adjacency(words, n)
    trees = [nx.random_labeled_tree(n, seed=int(s)) for s in rng.integers(0, 2**31, 10)]
    for tree in trees[5:]:
        tree.remove_edge(*next(iter(tree.edges)))
    return np.concatenate([batch, np.stack([adjacency(t, n) for t in trees])])


def check_atlas(score_name, independent_value):
    """Every graph on 2..7 vertices (networkx's atlas): the batched score equals the independently
    computed value on connected graphs, none of them is a counterexample, disconnected ones are invalid."""
    by_order = {}
    for graph in nx.graph_atlas_g()[1:]:
        by_order.setdefault(graph.number_of_nodes(), []).append(graph)
    checked = 0
    for n, graphs in by_order.items():
        if n < 2:
            continue
        score = make(score_name, n=n)
        values = score.score_batch(np.stack([adjacency(g) for g in graphs]))
        for graph, value in zip(graphs, values):
            if nx.is_connected(graph):
                assert value == pytest.approx(independent_value(graph), abs=1e-9)
                assert value <= score.tol
                checked += 1
            else:
                assert value == score.invalid_score
    assert checked == CONNECTED_GRAPHS_2_TO_7


def check_batch_agrees(score_name, n, seed=None):
    """``score_batch`` equals the per-graph ``score`` on random graphs, connected and not."""
    score = make(score_name, n=n)
    batch = random_graphs(np.random.default_rng(n if seed is None else seed), n, 50)
    fast = score.score_batch(batch)
    slow = np.array([score.score(nx.from_numpy_array(a)) for a in batch])
    invalid = slow == score.invalid_score
    assert 5 < invalid.sum() < len(batch) - 5  # connected and disconnected graphs both present
    np.testing.assert_allclose(fast, slow, atol=1e-9, rtol=0)
    np.testing.assert_array_equal(score.is_valid_batch(batch), ~invalid)
