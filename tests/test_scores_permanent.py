"""permanent-312 (OEIS A343844): exact permanents, pattern orientation, brute-force maxima, mask mode."""

import itertools
import math

import numpy as np
import pytest
import torch

from mathrl.scores import ScoreError, make
from mathrl.envs.graphs.rollout import rollout_words
from mathrl.envs.graphs.scores.permanent import (
    BEST_KNOWN_312,
    Permanent312,
    count_312,
    find_312,
    permanent_batch,
    permanent_expansion,
    permanent_ryser,
)


def count_pattern(m, pattern):
    """Brute force: rows r1<r2<r3, columns c1<c2<c3 with m[r_i, c_pattern[i]] = 1 (pattern 0-based)."""
    n_rows, n_cols = m.shape
    return sum(all(m[rows[i], cols[pattern[i]]] for i in range(3))
               for rows in itertools.combinations(range(n_rows), 3)
               for cols in itertools.combinations(range(n_cols), 3))


def contains_batch(ms, pattern):
    """Vectorised brute force over all row/column triples: (N, n, n) -> (N,) bool."""
    n = ms.shape[-1]
    found = np.zeros(len(ms), dtype=bool)
    for rows in itertools.combinations(range(n), 3):
        for cols in itertools.combinations(range(n), 3):
            found |= ms[:, rows[0], cols[pattern[0]]].astype(bool) & ms[:, rows[1], cols[pattern[1]]].astype(bool) \
                & ms[:, rows[2], cols[pattern[2]]].astype(bool)
    return found


def all_matrices(n):
    codes = np.arange(1 << (n * n))
    return ((codes[:, None] >> np.arange(n * n)) & 1).astype(np.uint8).reshape(-1, n, n)


def permanent_by_permutations(ms):
    """Vectorised definition per(M) = sum over permutations of prod M[i, s(i)]."""
    n = ms.shape[-1]
    rows = np.arange(n)
    return sum(ms[:, rows, list(s)].astype(np.int64).prod(axis=1) for s in itertools.permutations(range(n)))


P312, P123, P132, P213, P231 = (2, 0, 1), (0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0)


def test_registry_and_best_known():
    score = make("permanent-312")
    assert isinstance(score, Permanent312) and score.n == 8 and score.best_known == 120 and score.word_length == 64
    assert [BEST_KNOWN_312[n] for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 64, 120]
    assert Permanent312(25).best_known == 5200384
    with pytest.raises(ScoreError):
        Permanent312(14)
    assert Permanent312(14, best_known=9000).best_known == 9000
    assert Permanent312(8, constraint_mode="penalty").constraint is None


def test_orientation():
    rng = np.random.default_rng(0)
    for m in (rng.random((60, 6, 6)) < 0.5).astype(np.uint8):
        per = permanent_expansion(m)
        for image in (m[::-1], m[:, ::-1], m.T):
            assert permanent_expansion(image) == per
        v = count_pattern(m, P312)
        assert v == count_312(m)
        assert count_pattern(m[::-1], P213) == v
        assert count_pattern(m[:, ::-1], P132) == v
        assert count_pattern(m.T, P231) == v


def test_brute_force_4x4_maxima():
    ms = all_matrices(4)
    per = permanent_by_permutations(ms)
    assert np.array_equal(permanent_batch(ms), per)
    free_312 = ~contains_batch(ms, P312)
    assert np.array_equal(free_312, count_312(ms) == 0)
    assert per[free_312].max() == 8
    assert per[~contains_batch(ms, P123)].max() == 9
    for pattern in (P132, P213, P231):
        assert per[~contains_batch(ms, pattern)].max() == 8


@pytest.mark.parametrize("n, expected", [(1, 1), (2, 2), (3, 4)])
def test_small_maxima(n, expected):
    ms = all_matrices(n)
    free = count_312(ms) == 0
    assert permanent_batch(ms)[free].max() == expected == BEST_KNOWN_312[n]
    if n == 3:
        assert np.array_equal(free, ~contains_batch(ms, P312))


def test_count_matches_brute_force():
    rng = np.random.default_rng(1)
    for n in (3, 5, 7):
        ms = (rng.random((100, n, n)) < rng.uniform(0.1, 0.9, (100, 1, 1))).astype(np.uint8)
        counts = count_312(ms)
        assert counts.max() > 0
        for m, c in zip(ms, counts):
            assert c == count_pattern(m, P312)
            assert (find_312(m) is None) == (c == 0)


def test_ryser_is_exact():
    rng = np.random.default_rng(2)
    for n in (1, 2, 5, 8, 11, 13):
        ms = (rng.random((12, n, n)) < 0.6).astype(np.uint8)
        batch = permanent_batch(ms)
        assert batch.tolist() == [permanent_ryser(m) for m in ms] == [permanent_expansion(m) for m in ms]
        if n <= 6:
            assert np.array_equal(batch, permanent_by_permutations(ms))
    ones = np.ones((1, 20, 20), dtype=np.uint8)  # Ryser terms wrap int64; the result is still exact
    assert permanent_batch(ones)[0] == math.factorial(20)


def test_allowed_one_is_exact():
    """allowed_one is True exactly when placing a 1 keeps the partial matrix 312-free."""
    rng = np.random.default_rng(3)
    n, batch = 6, 64
    constraint = Permanent312(n).constraint
    state = constraint.init(batch)
    current = np.zeros((batch, n, n), dtype=np.uint8)
    for k in range(n * n):
        r, c = divmod(k, n)
        allowed = constraint.allowed_one(state, k)
        trial = current.copy()
        trial[:, r, c] = 1
        assert np.array_equal(allowed, count_312(trial) == 0)
        bits = (rng.random(batch) < 0.6) & allowed
        constraint.commit(state, k, bits.astype(np.uint8))
        current[:, r, c] = bits


@pytest.mark.parametrize("n", [4, 8, 12])
def test_mask_rollouts_are_312_free(n):
    rng = np.random.default_rng(n)
    score = Permanent312(n)
    words, forced = rollout_words(lambda obs: rng.random(len(obs)), 300, n * n, rng, score.constraint)
    assert forced.any()
    ms = score.decode_batch(words)
    assert (count_312(ms) == 0).all()
    assert (score.score_words(words) <= 0).all()
    for m in ms[:5]:
        result = score.verify(m)
        assert result.valid and result.details["occurrence_312"] is None


def test_verify():
    score = Permanent312(4)
    identity = np.eye(4, dtype=np.uint8)
    result = score.verify(identity)
    assert result.valid and result.value == "-7" and result.details["permanent"] == 1
    bad = np.zeros((4, 4), dtype=np.uint8)
    bad[0, 2] = bad[1, 0] = bad[2, 1] = bad[3, 3] = 1  # a permutation matrix containing 312
    result = score.verify(bad)
    assert not result.valid and result.details["occurrence_312"] == [[0, 2], [1, 0], [2, 1]]
    assert score.score(bad) == min(1 - 8 - 1, -1) == score.score_batch(bad[None])[0]


@pytest.mark.parametrize("mode", ["mask", "penalty"])
def test_score_batch_matches_score(mode):
    rng = np.random.default_rng(4)
    for n in (4, 8):
        score = Permanent312(n, constraint_mode=mode, penalty_weight=0.5)
        ms = (rng.random((500, n, n)) < rng.uniform(0.0, 1.0, (500, 1, 1)) ** 2).astype(np.uint8)
        batch = score.score_batch(ms)
        single = np.array([score.score(m) for m in ms])
        assert np.abs(batch - single).max() <= 1e-9
        valid = count_312(ms) == 0
        assert valid.any() and (~valid).any()
        assert (batch[~valid] < 0).all()  # invalid objects never score above 0
        assert np.isfinite(batch).all() and batch.dtype == np.float64
        assert np.array_equal(score.score_batch(torch.from_numpy(ms)), batch)
