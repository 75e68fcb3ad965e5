"""mathrl/Buchberger-v0: the Gymnasium contract (spaces, seeding, rewards, info), and sympy as the oracle on random ideals."""

from __future__ import annotations

import zlib

import gymnasium as gym
import numpy as np
import pytest
import sympy

import mathrl  # noqa: F401  (registers the envs)
from mathrl.envs.buchberger import buchberger, make_strategy
from mathrl.benchmarks.buchberger import sample_ideals
from mathrl.envs.buchberger.ideals import make_source
from mathrl.envs.buchberger.strategies import select_from_rows

ENV_ID = "mathrl/Buchberger-v0"
BACKENDS = ["python", "auto"]


def make(**kwargs):
    return gym.make(ENV_ID, **kwargs).unwrapped


def play(env, seed, policy_seed=0, options=None):
    """A random-policy episode; returns the list of (obs, reward, terminated, truncated, info)."""
    rng = np.random.default_rng(policy_seed)
    obs, info = env.reset(seed=seed, options=options)
    out = [(obs, 0.0, False, False, info)]
    done = False
    while not done:
        a = int(rng.integers(info["num_pairs"]))
        obs, r, term, trunc, info = env.step(a)
        out.append((obs, r, term, trunc, info))
        done = term or trunc
    return out


def same(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    return a == b


# check_env with warnings as errors, seeding, copies and the pure state: tests/test_env_conformance.py


def test_make_with_no_kwargs_and_spaces():
    env = gym.make(ENV_ID)
    obs, info = env.reset(seed=1)
    u = env.unwrapped
    assert u.action_space == gym.spaces.Discrete(256)
    assert obs["pairs"].shape == (256, 12) and obs["pairs"].dtype == np.int32
    assert info["action_mask"].dtype == np.int8
    assert np.array_equal(u.action_masks(), info["action_mask"].astype(bool))
    assert np.array_equal(obs["action_mask"], info["action_mask"])
    n = info["num_pairs"]
    assert info["action_mask"][:n].all() and not info["action_mask"][n:].any()
    assert np.array_equal(obs["pairs"][:n], u.pair_features()) and not obs["pairs"][n:].any()


@pytest.mark.parametrize("backend", BACKENDS)
def test_same_seed_same_episode_and_return_is_minus_additions(backend):
    a, b = make(backend=backend), make(backend=backend)
    ep1, ep2 = play(a, seed=7), play(b, seed=7)
    assert same(ep1, ep2)
    total = sum(step[1] for step in ep1)
    assert ep1[-1][2] and total == -ep1[-1][4]["polynomial_additions"]
    last_obs, last_info = ep1[-1][0], ep1[-1][4]
    assert not last_obs["pairs"].any() and not last_obs["action_mask"].any()
    assert last_info["reduced_basis_size"] >= 1 and last_info["num_pairs"] == 0


def test_seeded_reset_stream_is_the_benchmark_sample():
    env = make(ideal_dist="3-10-6-weighted")
    env.reset(seed=11)
    keys = [env.state.key()]
    for _ in range(4):
        env.reset()
        keys.append(env.state.key())
    ring, ideals, _ = sample_ideals("3-10-6-weighted", 5, 11)
    from mathrl.envs.buchberger.env import make_state

    assert keys == [make_state(F, ring).key() for F in ideals]


@pytest.mark.parametrize("backend", BACKENDS)
def test_invalid_actions(backend):
    env = make(backend=backend, max_steps=50)
    obs, info = env.reset(seed=3)
    key = env.state.key()
    for bad in (-1, info["num_pairs"], 255):
        obs2, r, term, trunc, info2 = env.step(bad)
        assert r == -10.0 and info2["invalid_action"] and not term and env.state.key() == key
        assert same(obs2, obs)
    for bad in (1.5, "0", None, True):
        with pytest.raises(TypeError):
            env.step(bad)
    assert env.state.key() == key
    strict = make(backend=backend, invalid_action="raise")
    _, info = strict.reset(seed=3)
    with pytest.raises(ValueError, match="invalid action"):
        strict.step(info["num_pairs"])
    # invalid steps count toward max_steps
    short = make(backend=backend, max_steps=3)
    short.reset(seed=3)
    results = [short.step(-1) for _ in range(3)]
    assert [r[3] for r in results] == [False, False, True]


def test_numpy_integer_actions_are_accepted():
    env = make()
    _, info = env.reset(seed=0)
    for a in (np.int64(0), np.int32(0), np.array(0)):
        _, _, term, _, info = env.step(a)
        assert not info["invalid_action"]
        if term:
            break


@pytest.mark.parametrize("backend", BACKENDS)
def test_snapshot_restore_replays_bit_for_bit(backend):
    env = make(backend=backend)
    _, info = env.reset(seed=5)
    env.step(0)
    snap = env.get_state()
    rng = np.random.default_rng(1)
    first = []
    done = False
    while not done:
        a = int(rng.integers(env.state.num_actions))
        step = env.step(a)
        first.append((a, step))
        done = step[2] or step[3]
    for _ in range(2):  # a snapshot can be restored any number of times
        env.set_state(snap)
        again = [(a, env.step(a)) for a, _ in first]
        assert same([s for _, s in again], [s for _, s in first])


def test_truncation_by_max_steps_and_pair_overflow():
    env = make(max_steps=2)
    env.reset(seed=0)
    assert env.step(0)[3] is False
    assert env.step(0)[3] is True
    # overflow: an ideal whose queue outgrows max_pairs
    env = make(ideal_dist="cyclic-5", max_pairs=12)
    _, info = env.reset()
    overflow = False
    for _ in range(200):
        obs, r, term, trunc, info = env.step(0)
        if info["pair_overflow"]:
            overflow = True
            assert trunc and not term and info["num_pairs"] > 12
            assert obs["action_mask"].all() and obs["pairs"].shape == (12, 2 * 5 * 2)
            break
        assert not trunc
    assert overflow
    with pytest.raises(ValueError, match="max_pairs"):
        make(ideal_dist="cyclic-5", max_pairs=2).reset()


@pytest.mark.parametrize("kwargs, match", [
    ({"ideal_dist": "3-20-10-wieghted"}, "wieghted"), ({"k": 0}, "k"), ({"max_pairs": 0}, "max_pairs"),
    ({"field": 32004}, "not prime"), ({"order": "revlex"}, "revlex"), ({"elimination": "buchberger"}, "buchberger"),
    ({"ideal": "x - 1", "ideal_dist": "cyclic-3"}, "either"), ({"obs_mode": "flat"}, "flat"),
    ({"invalid_action": "ignore"}, "penalize"), ({"rewards": "time"}, "time"),
])
def test_bad_constructor_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make(**kwargs)


def test_user_ideal_in_reset_options():
    env = make(ideal_dist="3-5-4-weighted")
    obs, info = env.reset(options={"ideal": "x0^2 - x1, x1*x2 - 1, x0*x2 - x1^2"})
    done = False
    while not done:
        _, _, done, _, info = env.step(0)
    basis, _ = buchberger("x0^2 - x1, x1*x2 - 1, x0*x2 - x1^2", gens=["x0", "x1", "x2"])
    assert info["reduced_basis_size"] == len(basis)
    with pytest.raises(ValueError, match="variables"):  # two variables, the env has three
        env.reset(options={"ideal": "a*b - 1, a^2 - b", "gens": ["a", "b"]})
    with pytest.raises(ValueError, match="'a"):  # not one of the env's variables
        env.reset(options={"ideal": "a*b - 1, a^2 - b"})
    with pytest.raises(ValueError):
        env.reset(options={"ideal": "x0^2 - "})


@pytest.mark.parametrize("backend", BACKENDS)
def test_observation_alone_gives_degree_and_normal(backend):
    env = make(backend=backend)
    ring = env.ring
    for name in ("degree", "normal"):
        strat = make_strategy(name)
        obs, info = env.reset(seed=21)
        done = False
        while not done:
            rows = obs["pairs"][:info["num_pairs"]]
            a = strat.select(env.state)
            assert select_from_rows(rows, ring.n, env.k, name, order_key=ring.pack) == a
            obs, _, done, _, info = env.step(a)


def test_sugar_equals_normal_step_by_step_on_homogeneous_ideals():
    source = make_source("3-8-6-maximum")
    rng = np.random.default_rng(0)
    from mathrl.envs.buchberger.env import make_state

    for _ in range(40):
        F = source.sample(rng)
        s1, s2 = make_state(F, source.ring), make_state(F, source.ring)
        sugar, normal = make_strategy("sugar"), make_strategy("normal")
        while not s1.is_terminal():
            a = sugar.select(s1)
            assert a == normal.select(s2)
            assert s1.apply(a) == s2.apply(a)
        assert s2.is_terminal()


def test_ansi_render_lists_basis_and_pairs():
    env = make(ideal_dist="cyclic-3", render_mode="ansi")
    env.reset()
    text = env.render()
    assert "g0 =" in text and "lcm" in text


FAMILIES = ["3-20-10-weighted", "3-20-10-uniform", "3-20-10-maximum", "2-20-10-weighted-pure",
            "3-10-10-weighted-consts-homog", "3-4-4-1-weighted", "2-5-3-2-uniform-consts"]


def check_reduced_bases_against_sympy(dist: str, count: int, stream: int = 0) -> None:
    """``count`` ideals of one family, each under a different strategy, against sympy.groebner. The ideals
    are fixed by the family's name and ``stream`` (crc32, not ``hash``, which changes from process to
    process), so a failure can be rerun."""
    source = make_source(dist)
    rng = np.random.default_rng([zlib.crc32(dist.encode()), stream])
    xs = sympy.symbols(source.ring.names)
    strategies = ["first", "degree", "normal", "sugar", "random", "truedegree"]
    for t in range(count):
        F = source.sample(rng)
        basis, _ = buchberger(F, strategy=strategies[t % len(strategies)], seed=t, backend="auto")
        G = sympy.groebner([f.to_sympy() for f in F], *xs, order="grevlex", modulus=32003)
        ours = {(g.monos, g.coeffs) for g in basis}
        theirs = set()
        for e in G.exprs:
            from mathrl.envs.buchberger.ideals import parse_ideal

            _, (g,) = parse_ideal([e], gens=list(source.ring.names))
            g = g.monic()
            theirs.add((g.monos, g.coeffs))
        assert ours == theirs, [str(f) for f in F]


@pytest.mark.parametrize("dist", FAMILIES)
def test_reduced_basis_equals_sympy_on_random_ideals(dist):
    """Sixty ideals per family (every strategy ten times) against sympy.groebner."""
    check_reduced_bases_against_sympy(dist, 60)


@pytest.mark.slow
@pytest.mark.parametrize("dist", FAMILIES)
def test_reduced_basis_equals_sympy_on_several_hundred_ideals(dist):
    """The long form: 120-300 ideals per family, other ideals than the quick test's."""
    check_reduced_bases_against_sympy(dist, {"3-20-10-maximum": 120, "3-20-10-uniform": 200}.get(dist, 300), stream=1)
