"""c4-free (ex(n, C4), OEIS A006855): table, test graphs, both C4 counts, exhaustive ex(n, C4), mask mode."""

import networkx as nx
import numpy as np
import pytest
import torch

from mathrl.scores import ScoreError, make
from mathrl.envs.graphs.encoding import adjacency_to_words, words_to_adjacency
from mathrl.envs.graphs.rollout import rollout_words
from mathrl.envs.graphs.scores.c4free import EX_C4, C4Free, c4_count_codegree, c4_count_trace


def adjacency(graph):
    return nx.to_numpy_array(graph, nodelist=range(graph.number_of_nodes()), dtype=np.uint8)


def random_graphs(rng, n, count):
    p = rng.uniform(0.0, 1.0, size=(count, 1)) ** 3  # many sparse (C4-free) graphs, some dense
    return words_to_adjacency((rng.random((count, n * (n - 1) // 2)) < p).astype(np.uint8), n)


def test_table_and_best_known():
    assert len(EX_C4) == 40
    for n, target in {12: 21, 19: 42, 20: 46, 30: 85, 33: 96, 40: 127}.items():
        assert C4Free(n).best_known == target
    score = make("c4-free")
    assert score.n == 19 and score.word_length == 171 and score.constraint is not None
    with pytest.raises(ScoreError):
        C4Free(41)
    assert C4Free(41, best_known=132).best_known == 132
    with pytest.raises(ScoreError):
        C4Free(10, constraint_mode="soft")
    assert C4Free(10, constraint_mode="penalty").constraint is None


@pytest.mark.parametrize("graph, cycles, expected_score", [
    (nx.complete_graph(3), 0, 0.0),
    (nx.complete_graph(4), 3, None),
    (nx.complete_bipartite_graph(3, 3), 9, None),
    (nx.windmill_graph(3, 3), 0, 0.0),  # friendship graph F3: n=7, 9 edges
    (nx.petersen_graph(), 0, -1.0),
])
def test_spec_graphs(graph, cycles, expected_score):
    n = graph.number_of_nodes()
    a = adjacency(graph)
    assert c4_count_codegree(a) == cycles and c4_count_trace(a) == cycles
    for mode in ("mask", "penalty"):
        score = C4Free(n, constraint_mode=mode)
        value = score.score(graph)
        assert score.score_batch(a[None])[0] == value
        assert score.is_valid(graph) == (cycles == 0)
        if expected_score is not None:
            assert value == expected_score
        else:  # constraint penalty: min(e - ex - v, -v)
            assert value == min(graph.number_of_edges() - score.best_known - cycles, -cycles)
        result = score.verify(graph)
        assert result.valid == (cycles == 0) and result.details["four_cycles"] == cycles
        assert result.details["edges"] == graph.number_of_edges() and not result.is_counterexample
        assert int(result.value) == graph.number_of_edges() - score.best_known


def test_two_counts_agree_and_match_brute_force():
    rng = np.random.default_rng(0)
    for n in (5, 9, 19):
        adj = random_graphs(rng, n, 300)
        assert np.array_equal(c4_count_codegree(adj), c4_count_trace(adj))
    score = C4Free(9)
    for a in random_graphs(rng, 9, 40):  # the verifier's brute-force search agrees too
        assert score.verify(nx.from_numpy_array(a)).details["four_cycles"] == c4_count_codegree(a)


def test_atlas_reproduces_ex_up_to_7():
    """Exhaustive: every graph on <= 7 vertices up to isomorphism (networkx atlas)."""
    best = {}
    for graph in nx.graph_atlas_g()[1:]:
        n = graph.number_of_nodes()
        if c4_count_codegree(adjacency(graph)) == 0:
            best[n] = max(best.get(n, 0), graph.number_of_edges())
    assert [best[n] for n in range(1, 8)] == list(EX_C4[:7])


def ex_c4_branch_and_bound(n, smaller):
    """Max edges of a C4-free graph on n vertices. Pairs are decided in word order; when
    deciding (i, j) the vertices i+1..n-1 are untouched, so their edges are <= smaller[n-i-1]."""
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    adj = [0] * n  # neighbourhood bitmasks
    best = [0]

    def closes_c4(i, j):
        rest = adj[i]
        while rest:
            a = (rest & -rest).bit_length() - 1
            rest &= rest - 1
            if adj[a] & adj[j]:
                return True
        return False

    def search(k, edges):
        best[0] = max(best[0], edges)
        if k == len(pairs):
            return
        i, j = pairs[k]
        if edges + (n - j) + smaller[n - i - 1] <= best[0]:
            return
        if not closes_c4(i, j):
            adj[i] |= 1 << j
            adj[j] |= 1 << i
            search(k + 1, edges + 1)
            adj[i] &= ~(1 << j)
            adj[j] &= ~(1 << i)
        search(k + 1, edges)

    search(0, 0)
    return best[0]


def test_branch_and_bound_reproduces_ex_up_to_8():
    ex = [0, 0]
    for n in range(2, 9):
        ex.append(ex_c4_branch_and_bound(n, ex))
    assert ex[1:] == list(EX_C4[:8])


def test_mask_allowed_one_is_exact():
    """allowed_one(k) is True exactly when adding pair k keeps the partial graph C4-free."""
    rng = np.random.default_rng(1)
    n, batch = 8, 64
    constraint = C4Free(n).constraint
    rows, cols = np.triu_indices(n, 1)
    state = constraint.init(batch)
    current = np.zeros((batch, n, n), dtype=np.uint8)
    for k in range(len(rows)):
        allowed = constraint.allowed_one(state, k)
        trial = current.copy()
        trial[:, rows[k], cols[k]] = trial[:, cols[k], rows[k]] = 1
        assert np.array_equal(allowed, c4_count_codegree(trial) == 0)
        bits = (rng.random(batch) < 0.7) & allowed
        constraint.commit(state, k, bits.astype(np.uint8))
        current[:, rows[k], cols[k]] = current[:, cols[k], rows[k]] = bits


@pytest.mark.parametrize("n", [7, 12, 19])
def test_mask_rollouts_are_c4_free(n):
    rng = np.random.default_rng(n)
    score = C4Free(n)
    length = score.word_length
    words, forced = rollout_words(lambda obs: rng.random(len(obs)), 300, length, rng, score.constraint)
    assert forced.any()
    adj = score.decode_batch(words)
    assert (c4_count_codegree(adj) == 0).all()
    values = score.score_words(words)
    assert (values <= 0).all() and np.array_equal(values, adj.sum(axis=(1, 2)) / 2 - score.best_known)
    for word in words[:5]:
        assert score.verify(score.decode(word)).valid


@pytest.mark.parametrize("mode", ["mask", "penalty"])
def test_score_batch_matches_score(mode):
    rng = np.random.default_rng(7)
    for n in (6, 19):
        score = C4Free(n, constraint_mode=mode, penalty_weight=1.5)
        adj = random_graphs(rng, n, 500)
        batch = score.score_batch(adj)
        single = np.array([score.score(nx.from_numpy_array(a)) for a in adj])
        assert np.abs(batch - single).max() <= 1e-9
        valid = c4_count_codegree(adj) == 0
        assert valid.any() and (~valid).any()
        assert (batch[~valid] < 0).all()  # invalid objects never score above 0
        assert np.isfinite(batch).all() and batch.dtype == np.float64
        assert np.array_equal(score.score_batch(torch.from_numpy(adj)), batch)


def test_round_trip_word():
    graph = nx.petersen_graph()
    score = C4Free(10)
    assert score.score_word(adjacency_to_words(adjacency(graph))) == -1.0


@pytest.mark.parametrize("n", [4, 9, 21, 40])
def test_compiled_word_count_equals_the_trace_formula_and_networkx(n):
    """The popcount kernel local search scores with, against the trace formula (another identity) and, on a
    few graphs, networkx's cycle enumeration; the score's word paths equal its adjacency path."""
    from mathrl.compiled import numba_available
    from mathrl.envs.graphs.scores.c4free import c4_counts_of_words

    if not numba_available():
        pytest.skip("numba not available (MATHRL_PURE): the numpy count is used")
    rng = np.random.default_rng(n)
    adj = random_graphs(rng, n, 200)
    words = adjacency_to_words(adj)
    edges, cycles = c4_counts_of_words(words, n)
    assert np.array_equal(cycles, c4_count_trace(adj)) and np.array_equal(edges, adj.sum(axis=(1, 2)) // 2)
    for a, c in zip(adj[:5], cycles[:5]):
        g = nx.from_numpy_array(a)
        assert c == sum(1 for cycle in nx.simple_cycles(g, length_bound=4) if len(cycle) == 4)
    score = C4Free(n)
    reference = np.asarray(score.score_batch(score.decode_batch(words)), dtype=np.float64)
    assert np.array_equal(score.score_words(words), reference)
    assert np.array_equal(score.feasible_words(words), cycles == 0)
    assert np.array_equal(score.feasible_scores(words), np.where(cycles == 0, reference, -np.inf))
    assert c4_counts_of_words(np.zeros((1, 65 * 64 // 2), dtype=np.uint8), 65) is None  # beyond 64-bit masks
    assert c4_counts_of_words(np.full((1, n * (n - 1) // 2), 2), n) is None  # not 0-1


@pytest.mark.parametrize("n", [63, 64])
def test_compiled_word_count_uses_every_bit_of_the_masks(n):
    from mathrl.compiled import numba_available
    from mathrl.envs.graphs.scores.c4free import c4_counts_of_words

    if not numba_available():
        pytest.skip("numba not available (MATHRL_PURE)")
    adj = random_graphs(np.random.default_rng(n), n, 50)
    adj[0] = 1 - np.eye(n, dtype=adj.dtype)  # the complete graph: every bit set, 3 * C(n, 4) four-cycles
    edges, cycles = c4_counts_of_words(adjacency_to_words(adj), n)
    assert np.array_equal(cycles, c4_count_trace(adj)) and np.array_equal(edges, adj.sum(axis=(1, 2)) // 2)
    assert cycles[0] == 3 * (n * (n - 1) * (n - 2) * (n - 3) // 24)
