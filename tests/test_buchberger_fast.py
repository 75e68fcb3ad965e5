"""The numba binomial backend (binomial.py) against the pure core (state.py), step by step.

The pure core is the oracle: on random binomial ideals, for every order x elimination and
several strategies, both backends are stepped in lockstep and must agree on every reward, the
pair queue, the lcm keys and degrees, every pair's sugar and S-polynomial degree, the pair
features for k = 1, 2, 3, the final counters and the reduced basis (identical counts on identical
inputs, whichever backend runs).
"""

import importlib.util
import itertools
import sys

import numpy as np
import pytest

pytest.importorskip("numba")

from mathrl.core import IllegalActionError  # noqa: E402
from mathrl.envs.buchberger import binomial  # noqa: E402
from mathrl.envs.buchberger.features import element_features  # noqa: E402
from mathrl.envs.buchberger.fast import BUILTIN_STRATEGIES, BinomialState, numba_available  # noqa: E402
from mathrl.envs.buchberger.polynomial import Polynomial  # noqa: E402
from mathrl.envs.buchberger.returns import check_rewards, rollout_value, step_reward  # noqa: E402
from mathrl.envs.buchberger.ring import Ring  # noqa: E402
from mathrl.envs.buchberger.state import BuchbergerState  # noqa: E402
from mathrl.envs.buchberger.strategies import make_strategy  # noqa: E402

ORDERS = ("grevlex", "grlex", "lex")
ELIMINATIONS = ("gebauermoeller", "lcm", "none")
STRATEGIES = ("first", "degree", "normal", "sugar", "random", "last", "codegree", "truedegree")
REWARDS = ("additions", "reductions", "monomials")


# ---------------------------------------------------------------------------------------------
# a tiny local sampler of binomial ideals
# ---------------------------------------------------------------------------------------------
def _monomial(rng, n, deg):
    return tuple(int(a) for a in rng.multinomial(deg, [1.0 / n] * n))


def random_binomial_ideal(rng, ring, d, s, *, homog=False, pure=False, consts=False, monomials=0.0,
                          non_monic=0.0):
    """s generators max(m1, m2) + c min(m1, m2) with degrees uniform in [1 (0 with consts), d]."""
    n, p = ring.n, ring.p
    lo = 0 if consts else 1
    out = []
    while len(out) < s:
        d1 = int(rng.integers(lo, d + 1))
        d2 = d1 if homog else int(rng.integers(lo, d + 1))
        k1, k2 = ring.pack(_monomial(rng, n, d1)), ring.pack(_monomial(rng, n, d2))
        if rng.random() < monomials:
            out.append(Polynomial(ring, (k1,), (int(rng.integers(1, p)),)))
            continue
        if k1 == k2:
            continue
        hi, lo_ = max(k1, k2), min(k1, k2)
        c = p - 1 if pure else int(rng.integers(1, p))
        lead = int(rng.integers(1, p)) if rng.random() < non_monic else 1
        out.append(Polynomial(ring, (hi, lo_), (lead, c * lead % p)))
    return out


def random_case(rng, order, p=None):
    """A random ring (n in 2..4, p mostly 32003, sometimes tiny) and ideal with random flags."""
    n = int(rng.integers(2, 5))
    if p is None:
        p = int(rng.choice([32003, 32003, 32003, 7, 2]))
    ring = Ring.make(n, field=p, order=order)
    d = int(rng.integers(2, 11 if n > 2 else 21))
    s = int(rng.integers(2, 11))
    flags = dict(homog=rng.random() < 0.25, pure=rng.random() < 0.25, consts=rng.random() < 0.2,
                 monomials=0.1 if rng.random() < 0.2 else 0.0, non_monic=0.3 if rng.random() < 0.2 else 0.0)
    return ring, random_binomial_ideal(rng, ring, d, s, **flags)


# ---------------------------------------------------------------------------------------------
# lockstep comparison
# ---------------------------------------------------------------------------------------------
def assert_same_state(a: BuchbergerState, b: BinomialState, ks=(1, 2, 3)):
    assert b.pairs == a.pairs
    pairs = b.pairs
    assert all((j, i) < (j2, i2) for (i, j), (i2, j2) in zip(pairs, pairs[1:]))  # queue order
    assert b.num_actions == a.num_actions == len(pairs)
    assert b.legal_actions() == a.legal_actions()
    assert np.array_equal(b.action_mask(), a.action_mask())
    assert b.is_terminal() == a.is_terminal()
    assert b.current_player() == a.current_player()
    assert b.lcm_keys() == a.lcm_keys()
    assert b.lcm_degrees() == a.lcm_degrees()
    for x in range(len(pairs)):
        assert b.pair_lcm(x) == a.pair_lcm(x)
        assert b.pair_degree(x) == a.pair_degree(x)
        assert b.pair_sugar(x) == a.pair_sugar(x)
        assert b.spoly_degree(x) == a.spoly_degree(x)
    for k in ks:
        fa, fb = a.pair_features(k), b.pair_features(k)
        assert fb.dtype == np.int32 and fb.shape == fa.shape
        assert np.array_equal(fa, fb)
    assert b.basis_size == len(a.basis)
    assert b.stats() == a.stats()
    assert b.total_reward == a.total_reward


def lockstep(F, ring, elimination, strategy, *, seed=0, rewards="additions", sort_input=False,
             check_every_step=True, max_steps=100):
    """Step both cores with the strategy's choices (at most ``max_steps``: the bad strategies can run
    for thousands of steps under lex); compare everything, and the reduced bases at the end. Each step's
    reward in the ``rewards`` mode (returns.step_reward on the counters) is compared too."""
    a = BuchbergerState.from_generators(F, ring, elimination=elimination, sort_input=sort_input)
    b = BinomialState.from_generators(F, ring, elimination=elimination, sort_input=sort_input)
    sa, sb = make_strategy(strategy, seed), make_strategy(strategy, seed)
    steps = 0
    while True:
        if check_every_step or steps == 0:
            assert_same_state(a, b)
        if a.is_terminal() or steps >= max_steps:
            break
        x = sa.select(a)
        assert sb.select(b) == x
        if strategy in BUILTIN_STRATEGIES:
            assert b.select_builtin(strategy) == x
        before_a, before_b = a.stats(), b.stats()
        assert b.apply(x) == a.apply(x)
        assert step_reward(before_b, b.stats(), rewards) == step_reward(before_a, a.stats(), rewards)
        steps += 1
    assert b.is_terminal() == a.is_terminal()
    assert b.stats() == a.stats()
    assert b.total_reward == a.total_reward
    assert np.array_equal(b.returns(), a.returns())
    assert tuple(b.basis) == tuple(a.basis)
    assert b.sugars == a.sugars
    red = a.reduced_basis()
    assert b.reduced_basis() == red
    assert b.reduced_basis_size() == len(red)
    return a, b


def test_inverse_matches_pythons_modular_inverse():
    """The kernels' inverse against Python's pow(c, -1, p) (an independent oracle): primes from 2 to
    2**31 - 1, coefficients of either sign and multiples of p (which have none: 0)."""
    from mathrl.envs.buchberger.binomial_kernels import inverse

    rng = np.random.default_rng(7)
    for p in (2, 3, 5, 7919, 32003, 65521, 2**31 - 1):
        cs = [0, 1, -1, p - 1, p, -p, 2 * p + 3] + [int(c) for c in rng.integers(-10**12, 10**12, 300)]
        for c in cs:
            assert inverse(c, p) == (pow(c, -1, p) if c % p else 0), (c, p)


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("elimination", ELIMINATIONS)
def test_lockstep_random_ideals(order, elimination):
    """8 strategies x 4 ideals per (order, elimination): 288 episodes in all, every step compared."""
    rng = np.random.default_rng([ORDERS.index(order), ELIMINATIONS.index(elimination)])
    for t, strategy in enumerate(STRATEGIES * 4):
        ring, F = random_case(rng, order)
        lockstep(F, ring, elimination, strategy, seed=t, rewards=REWARDS[t % 3], sort_input=t % 5 == 0)


def test_counts_many_ideals():
    """Final counters and reduced bases on 300 more ideals (checked only at the end)."""
    rng = np.random.default_rng(12345)
    for t in range(300):
        order = ORDERS[t % 3]
        ring, F = random_case(rng, order)
        lockstep(F, ring, ELIMINATIONS[(t // 3) % 3], ("degree", "normal", "random", "first")[t % 4], seed=t,
                 check_every_step=False, max_steps=3000)


def test_tiny_degrees_many_equal_lcms():
    """Low degrees and duplicates: many equal lcm classes, coprime members and pruned pairs (Gebauer-Moeller)."""
    rng = np.random.default_rng(21)
    for t in range(150):
        ring = Ring.make(int(rng.integers(2, 4)), field=int(rng.choice([32003, 3])), order=ORDERS[t % 3])
        F = random_binomial_ideal(rng, ring, int(rng.integers(1, 4)), int(rng.integers(3, 9)), consts=t % 4 == 0,
                                  monomials=0.2 if t % 5 == 0 else 0.0)
        F = F + F[: int(rng.integers(0, 3))]  # duplicate generators
        lockstep(F, ring, ELIMINATIONS[t % 3], STRATEGIES[t % 8], seed=t)


def test_paper_distribution_lockstep():
    """A few ideals of 3-20-10-weighted shape (3 variables, degree <= 20, 10 generators)."""
    rng = np.random.default_rng(7)
    ring = Ring.make(3)
    for t, strategy in enumerate(("degree", "normal", "sugar", "random")):
        F = random_binomial_ideal(rng, ring, 20, 10)
        lockstep(F, ring, "gebauermoeller", strategy, seed=t)


def test_pure_coefficients_and_homogeneous():
    rng = np.random.default_rng(3)
    for order in ORDERS:
        ring = Ring.make(3, order=order)
        for flags in (dict(pure=True), dict(homog=True), dict(homog=True, pure=True), dict(consts=True)):
            F = random_binomial_ideal(rng, ring, 6, 6, **flags)
            lockstep(F, ring, "gebauermoeller", "normal")


def test_sugar_equals_normal_on_homogeneous_graded():
    rng = np.random.default_rng(5)
    for order in ("grevlex", "grlex"):
        ring = Ring.make(3, order=order)
        for _ in range(10):
            F = random_binomial_ideal(rng, ring, 5, 6, homog=True)
            b = BinomialState.from_generators(F, ring)
            while not b.is_terminal():
                x = b.select_builtin("normal")
                assert b.select_builtin("sugar") == x
                b.apply(x)


# ---------------------------------------------------------------------------------------------
# monomials, constants, small cases
# ---------------------------------------------------------------------------------------------
def test_monomial_generators():
    rng = np.random.default_rng(11)
    for order in ORDERS:
        ring = Ring.make(3, order=order)
        # all monomials
        F = [Polynomial(ring, (ring.pack(_monomial(rng, 3, int(rng.integers(1, 5)))),), (1,)) for _ in range(6)]
        for elim in ELIMINATIONS:
            lockstep(F, ring, elim, "first")
        # mixed, with a constant and duplicates
        F = random_binomial_ideal(rng, ring, 5, 5, monomials=0.4)
        F = F + [F[0], Polynomial(ring, (ring.pack((0, 0, 0)),), (5,))]
        for elim in ELIMINATIONS:
            lockstep(F, ring, elim, "degree")


def test_empty_and_single_generator():
    ring = Ring.make(2)
    for F in ([], [Polynomial(ring, (), ())], [Polynomial(ring, (ring.pack((2, 1)), ring.pack((0, 1))), (1, 3))]):
        a, b = lockstep(F, ring, "gebauermoeller", "first")
        assert b.is_terminal() and b.pair_features().shape == (0, 8)


def test_rejects_and_supports():
    ring = Ring.make(2)
    x2, xy, y = ring.pack((2, 0)), ring.pack((1, 1)), ring.pack((0, 1))
    tri = Polynomial(ring, (x2, xy, y), (1, 1, 1))
    bi = Polynomial(ring, (x2, y), (1, 1))
    assert numba_available()
    assert BinomialState.supports([bi], ring)
    assert not BinomialState.supports([bi, tri], ring)
    with pytest.raises(ValueError, match="terms"):
        BinomialState.from_generators([bi, tri], ring)
    other = Ring.make(2, order="lex")
    assert not BinomialState.supports([bi], other)
    with pytest.raises(ValueError):
        BinomialState.from_generators([bi], other)
    qq = Ring.make(2, field="QQ")
    assert not BinomialState.supports([Polynomial(qq, (x2, y), (1, 1))], qq)
    with pytest.raises(ValueError):
        BinomialState.from_generators([bi], ring, elimination="bogus")
    with pytest.raises(ValueError):
        check_rewards("bogus")


def test_imports_without_numba(monkeypatch):
    """With numba missing the modules still import and decline every ideal (the pure path is the fallback)."""
    import mathrl
    import mathrl.envs.buchberger as package

    monkeypatch.setitem(sys.modules, "numba", None)
    # fresh copies of the shim, the kernels and the wrapper (restored afterwards, package attributes too)
    for name in ("mathrl.compiled", "mathrl.envs.buchberger.binomial_kernels", "mathrl.envs.buchberger.binomial",
                 "mathrl.envs.buchberger.fast"):
        parent, _, attr = name.rpartition(".")
        monkeypatch.setattr(mathrl if parent == "mathrl" else package, attr, sys.modules[name], raising=False)
        monkeypatch.delitem(sys.modules, name)
    mod = importlib.import_module("mathrl.envs.buchberger.fast")
    assert mod.BinomialState is not BinomialState
    ring = Ring.make(2)
    bi = Polynomial(ring, (ring.pack((2, 0)), ring.pack((0, 1))), (1, 1))
    assert not mod.numba_available()
    assert not mod.BinomialState.supports([bi], ring)
    with pytest.raises(RuntimeError):
        mod.BinomialState.from_generators([bi], ring)


# ---------------------------------------------------------------------------------------------
# clone, invalid actions, features buffer, growth, misc
# ---------------------------------------------------------------------------------------------
def _episode_state(seed, order="grevlex", steps=5, elimination="gebauermoeller"):
    rng = np.random.default_rng(seed)
    ring = Ring.make(3, order=order)
    while True:
        F = random_binomial_ideal(rng, ring, 10, 8)
        b = BinomialState.from_generators(F, ring, elimination=elimination)
        a = BuchbergerState.from_generators(F, ring, elimination=elimination)
        for _ in range(steps):
            if b.is_terminal():
                break
            x = b.select_builtin("degree")
            a.apply(x)
            b.apply(x)
        if len(b.pairs) >= 3:
            return a, b


def test_clone_independence():
    for seed in range(5):
        _, b = _episode_state(seed)
        key, pairs, stats, feats = b.key(), list(b.pairs), b.stats(), b.pair_features(2)
        keys, reward = list(b.lcm_keys()), b.total_reward
        c = b.clone()
        assert c.key() == key
        c.apply(len(c.pairs) - 1)  # mutate the clone only
        c.apply(0)
        assert c.key() != key
        assert b.key() == key and b.pairs == pairs and b.stats() == stats and b.total_reward == reward
        assert b.lcm_keys() == keys and np.array_equal(b.pair_features(2), feats)
        # continuing two clones of the same state gives identical trajectories
        d, e = b.clone(), b.clone()
        rng = np.random.default_rng(seed)
        while not d.is_terminal():
            x = int(rng.integers(len(d.pairs)))
            assert d.apply(x) == e.apply(x)
            assert d.key() == e.key() and d.pairs == e.pairs
            assert np.array_equal(d.pair_features(3), e.pair_features(3))
        assert e.is_terminal() and d.stats() == e.stats() and d.reduced_basis() == e.reduced_basis()
        assert b.key() == key  # still untouched


def test_invalid_actions_leave_state_unchanged():
    a, b = _episode_state(1)
    key, stats, reward = b.key(), b.stats(), b.total_reward
    n = len(b.pairs)
    for bad, exc in ((-1, IllegalActionError), (n, IllegalActionError), (n + 7, IllegalActionError),
                     (np.int64(n), IllegalActionError), (1.5, TypeError), (True, TypeError),
                     (np.bool_(False), TypeError), ("0", TypeError), (None, TypeError)):
        with pytest.raises(exc):
            a.apply(bad)
        with pytest.raises(exc):
            b.apply(bad)
        with pytest.raises(exc):
            b.apply_action(bad)
        assert b.key() == key and b.stats() == stats and b.total_reward == reward
    assert_same_state(a, b)
    # numpy integers are accepted
    assert b.apply(np.int64(0)) == a.apply(0)
    assert_same_state(a, b)
    # terminal: every action is illegal
    while not b.is_terminal():
        b.apply(0)
    with pytest.raises(IllegalActionError):
        b.apply(0)


def test_apply_and_write():
    a, b = _episode_state(12, steps=1)
    c = b.clone()
    buf = np.full((64, 12), 3, np.int32)
    key = c.key()
    for bad, exc in ((-1, IllegalActionError), (len(c.pairs), IllegalActionError), (0.0, TypeError)):
        with pytest.raises(exc):
            c.apply_and_write(bad, buf, 2)
        assert c.key() == key
    with pytest.raises(ValueError):
        c.apply_and_write(0, np.zeros((4, 5), np.int32), 2)
    assert c.key() == key
    rng = np.random.default_rng(0)
    while not b.is_terminal():
        x = int(rng.integers(len(b.pairs)))
        assert c.apply_and_write(x, buf, 2) == b.apply(x) == a.apply(x)
        assert c.num_pairs == len(b.pairs) and c.key() == b.key()
        m = len(b.pairs)
        assert np.array_equal(buf[:m], b.pair_features(2)) and not buf[m:].any()
    assert c.stats() == b.stats() == a.stats() and c.total_reward == a.total_reward


def test_write_features_buffer():
    a, b = _episode_state(2, steps=2)
    n_pairs = len(b.pairs)
    full = b.pair_features(2)
    # a buffer smaller than |P|: only its rows are filled, |P| is returned
    small = np.full((n_pairs - 1, full.shape[1]), -5, np.int32)
    assert b.write_features(small, 2) == n_pairs
    assert np.array_equal(small, full[:n_pairs - 1])
    # a bigger buffer with junk: rows >= |P| are zeroed
    big = np.full((n_pairs + 40, full.shape[1]), 77, np.int32)
    assert b.write_features(big, 2) == n_pairs
    assert np.array_equal(big[:n_pairs], full) and not big[n_pairs:].any()
    # stale rows after the queue shrinks
    while len(b.pairs) > 1:
        b.apply(0)
        m = b.write_features(big, 2)
        assert m == len(b.pairs)
        assert np.array_equal(big[:m], b.pair_features(2)) and not big[m:].any()
    for k in (1, 3):
        buf = np.full((50, 2 * 3 * k), 9, np.int32)
        m = b.write_features(buf, k)
        assert np.array_equal(buf[:m], b.pair_features(k)) and not buf[m:].any()
    with pytest.raises(ValueError):
        b.write_features(np.zeros((5, 7), np.int32), 2)


def test_capacity_growth():
    """Basis and pair arrays double as needed (no silent cap)."""
    rng = np.random.default_rng(4)
    ring = Ring.make(3)
    F = random_binomial_ideal(rng, ring, 12, 10)
    a, b = lockstep(F, ring, "none", "last", check_every_step=False, max_steps=10**6)
    assert b.basis_size > 16 and b.B.shape[0] >= b.basis_size
    grew_pairs = False
    c = BinomialState.from_generators(F, ring, elimination="none")
    cap = c.P.shape[0]
    while not c.is_terminal():
        c.apply(len(c.pairs) - 1)
        grew_pairs |= c.P.shape[0] > cap
    assert grew_pairs


def test_rollout_value_render_key_to_pure():
    a, b = _episode_state(6)
    for strategy in ("degree", "first", "normal", ["degree", "normal"]):
        assert rollout_value(b, strategy) == rollout_value(a, strategy)
        assert rollout_value(b, strategy, gamma=0.9) == rollout_value(a, strategy, gamma=0.9)
        assert rollout_value(b, strategy, rewards="monomials") == rollout_value(a, strategy, rewards="monomials")
    assert b.render() == a.render()
    assert b.observation().shape == a.observation().shape
    assert element_features(b, 2) == element_features(a, 2)
    assert element_features(b, 1) == element_features(a, 1)
    assert element_features(b, 3) == element_features(a, 3)
    assert b.num_players == 1 and b.ring == a.ring
    p = b.to_pure()
    assert p.pairs == a.pairs and p.basis == a.basis and p.reducers == a.reducers
    while not a.is_terminal():
        x = make_strategy("normal").select(a)
        assert p.apply(x) == a.apply(x) == b.apply(x)
    assert p.stats() == a.stats() == b.stats()


@pytest.mark.parametrize("order", ORDERS)
def test_play_out_matches_the_pure_cores_rollout(order):
    """The compiled rollout (one kernel call) against the pure core finishing the same episode step by step
    in Python: the same return, to the last bit, for every builtin strategy, discount and counter, the
    same final basis and counters; the arrays grow mid-rollout and the state's own copy is untouched."""
    rng = np.random.default_rng(ORDERS.index(order))
    ring = Ring.make(3, order=order)
    settings = ((1.0, "additions"), (0.97, "additions"), (0.9, "monomials"), (1.0, "reductions"))
    grown = 0
    for case in range(28):
        F = random_binomial_ideal(rng, ring, int(rng.integers(3, 9)), int(rng.integers(3, 8)))
        elimination = ELIMINATIONS[case % 3]
        b = BinomialState.from_generators(F, ring, elimination=elimination)
        a = BuchbergerState.from_generators(F, ring, elimination=elimination)
        for _ in range(int(rng.integers(0, 4))):
            if b.is_terminal():
                break
            x = int(rng.integers(len(b.pairs)))
            a.apply(x)
            b.apply(x)
        key = b.key()
        for k, strategy in enumerate(BUILTIN_STRATEGIES):
            gamma, rewards = settings[(case + k) % len(settings)]
            counter = check_rewards(rewards)
            pure, fast = a.clone(), b.clone()
            shape = fast.B.shape[0], fast.P.shape[0]
            got = fast.play_out(strategy, gamma, counter)
            want, discount, before = 0.0, 1.0, pure.stats()[counter]
            pick = make_strategy(strategy)
            while not pure.is_terminal():
                pure.apply(pick.select(pure))
                after = pure.stats()[counter]
                want += discount * -float(after - before)
                before, discount = after, discount * gamma
            assert got == want, (case, strategy, gamma, rewards)
            assert fast.is_terminal() and fast.stats() == pure.stats()
            assert fast.reduced_basis() == pure.reduced_basis()
            grown += (fast.B.shape[0], fast.P.shape[0]) != shape
        assert b.key() == key
    assert grown > 0
    with pytest.raises(ValueError, match="builtin"):
        b.play_out("random")
    with pytest.raises(ValueError, match="counter"):
        b.play_out("degree", 1.0, "cuts")


def test_pickle_roundtrip():
    import copy
    import pickle

    _, b = _episode_state(10)
    for c in (pickle.loads(pickle.dumps(b)), copy.deepcopy(b)):
        assert c.key() == b.key() and c.stats() == b.stats() and c.total_reward == b.total_reward
        assert c.lcm_keys() == b.lcm_keys() and np.array_equal(c.pair_features(2), b.pair_features(2))
        d = b.clone()
        while not d.is_terminal():
            x = d.select_builtin("normal")
            assert c.apply(x) == d.apply(x)
        assert c.key() == d.key() and c.reduced_basis() == d.reduced_basis()


def test_builtin_select_rejects():
    _, b = _episode_state(8)
    with pytest.raises(ValueError):
        b.select_builtin("random")
    while not b.is_terminal():
        b.apply(0)
    with pytest.raises(ValueError):
        b.select_builtin("degree")


def test_key_digits_match_ring_pack():
    """Packed keys (compiled digits, or Python arithmetic for a few rows) equal Ring.pack."""
    rng = np.random.default_rng(9)
    for order, n in itertools.product(ORDERS, (1, 2, 3, 5)):
        ring = Ring.make(n, order=order)
        ctx = binomial._context(ring, "gebauermoeller")
        E = rng.integers(0, 40, size=(200, n))
        E[:20] = 0
        E[20:40] = rng.integers(0, 2, size=(20, n)) * (2**31 - 1)
        E = E.astype(np.int64)
        A = np.concatenate([E.sum(axis=1)[:, None], E], axis=1)  # degree column, then exponents
        want = [ring.pack(tuple(e)) for e in E.tolist()]
        assert ctx.keys(A, len(A), 1, 0) == want  # compiled digits
        for m in (1, 3):  # Python arithmetic for a few rows
            assert ctx.keys(A[20:], m, 1, 0) == want[20:20 + m]
            assert ctx.keys(A, m, 1, 0) == want[:m]


def test_mathrl_pure_forces_the_pure_cores_with_identical_counts():
    """numba is a dependency; ``MATHRL_PURE=1`` switches it off (the pure cores are the reference), and the
    same seeded episodes then cost exactly the same additions."""
    import os
    import subprocess

    script = (
        "import gymnasium as gym, numpy as np, mathrl\n"
        "from mathrl.compiled import numba_available\n"
        "env = gym.make('mathrl/Buchberger-v0', ideal_dist='3-10-4-weighted')\n"
        "total = []\n"
        "for seed in range(6):\n"
        "    obs, info = env.reset(seed=seed)\n"
        "    done, ret = False, 0.0\n"
        "    while not done:\n"
        "        obs, r, term, trunc, info = env.step(int(np.argmax(info['action_mask'])))\n"
        "        ret += r; done = term or trunc\n"
        "    total.append(ret)\n"
        "print(numba_available(), type(env.unwrapped.state).__name__, total)\n")
    outputs = {}
    for pure in ("0", "1"):
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                              env={**os.environ, "MATHRL_PURE": pure})
        assert done.returncode == 0, done.stderr
        outputs[pure] = done.stdout.split(" ", 2)
    assert outputs["0"][:2] == ["True", "BinomialState"] and outputs["1"][:2] == ["False", "BuchbergerState"]
    assert outputs["0"][2] == outputs["1"][2]
