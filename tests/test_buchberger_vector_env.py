"""The compiled batch of mathrl/Buchberger-v0 (gymnasium.make_vec) against SyncVectorEnv over the single env."""

from __future__ import annotations

import pickle
from functools import partial

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import ResetNeeded
from gymnasium.utils.env_checker import data_equivalence
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from gymnasium.vector.utils import batch_space

import mathrl  # noqa: F401  (registers the envs)
from mathrl.envs.buchberger import vector_env as V
from mathrl.envs.buchberger import vector_kernels as VK
from mathrl.envs.buchberger.binomial import _context
from mathrl.envs.buchberger.distributions import make_source
from mathrl.envs.buchberger.env import BuchbergerEnv
from mathrl.envs.buchberger.vector_env import BuchbergerVectorEnv, make_vector_env

CASES = [
    ({}, AutoresetMode.NEXT_STEP),
    ({}, AutoresetMode.SAME_STEP),
    ({}, AutoresetMode.DISABLED),
    ({"ideal_dist": "3-10-4-uniform", "rewards": "monomials", "max_steps": 7, "k": 3, "max_pairs": 40},
     AutoresetMode.NEXT_STEP),
    ({"ideal_dist": "2-5-6-maximum-homog-pure", "order": "lex", "sort_input": True, "elimination": "lcm", "k": 1},
     AutoresetMode.SAME_STEP),
    ({"ideal_dist": "4-8-8-weighted-consts", "order": "grlex", "elimination": "none", "max_pairs": 60,
      "max_steps": 30, "field": 101}, AutoresetMode.SAME_STEP),  # pair overflow truncates
    ({"ideal_dist": "3-20-10-weighted", "max_steps": 500, "rollout_value": "degree"}, AutoresetMode.SAME_STEP),
    ({"ideal_dist": "3-20-10-weighted", "max_steps": 40, "rollout_value": "sugar", "rollout_gamma": 0.9,
      "rewards": "reductions"}, AutoresetMode.NEXT_STEP),
    ({"ideal_dist": "3-12-8-uniform", "rollout_value": "normal", "rewards": "monomials", "sort_input": True},
     AutoresetMode.DISABLED),
]


def lockstep(kwargs, mode, num_envs=4, steps=250, seed=3, action_seed=0, prepare=None, copy=True):
    """Step the native env and SyncVectorEnv with the same actions (some outside the queue); assert that
    every output is identical. Returns the native env (``prepare`` gets it first)."""
    native = BuchbergerVectorEnv(num_envs, autoreset_mode=mode, copy=copy, **kwargs)
    if prepare is not None:
        prepare(native)
    sync = SyncVectorEnv([partial(BuchbergerEnv, **kwargs) for _ in range(num_envs)], autoreset_mode=mode)
    a, b = native.reset(seed=seed), sync.reset(seed=seed)
    assert data_equivalence(a, b, exact=True)
    info = b[1]
    rng = np.random.default_rng(action_seed)
    ended = 0
    for t in range(steps):
        actions = (rng.random(num_envs) * np.minimum(info["num_pairs"], native.max_pairs)).astype(np.int64)
        actions[rng.random(num_envs) < 0.05] = native.max_pairs + 7  # invalid: penalised, state unchanged
        a, b = native.step(actions), sync.step(actions)
        for x, y, what in zip(a, b, ("obs", "rewards", "terminated", "truncated", "info")):
            assert data_equivalence(x, y, exact=True), f"step {t}: {what} differ"
        info = b[4]
        done = b[2] | b[3]
        ended += int(done.sum())
        if mode == AutoresetMode.DISABLED and done.any():
            a, b = native.reset(options={"reset_mask": done}), sync.reset(options={"reset_mask": done.copy()})
            assert data_equivalence(a, b, exact=True), f"step {t}: partial reset differs"
            info = {**info, "num_pairs": np.where(done, b[1]["num_pairs"], info["num_pairs"])}
    assert ended >= num_envs  # the comparison went through episode ends and (auto)resets
    return native


@pytest.mark.parametrize("kwargs,mode", CASES)
def test_native_vector_env_matches_sync_vector_env_step_for_step(kwargs, mode):
    lockstep(kwargs, mode)


def test_capacity_growth_keeps_the_lockstep():
    native = lockstep({"ideal_dist": "3-20-10-weighted"}, AutoresetMode.NEXT_STEP, num_envs=3, steps=300)
    assert native._B.shape[1] > 20 and native._P.shape[1] > 100  # both grew past their first size


def test_rollout_copies_grow_and_keep_the_lockstep():
    def shrink(env):  # rollout copies far smaller than any state: every rollout asks for room at first
        env._Bc, env._Rc = np.zeros((2, env._Bc.shape[1]), np.int64), np.zeros(2, np.int64)
        env._Pc = np.zeros((2, env._Pc.shape[1]), np.int64)

    native = lockstep({"ideal_dist": "3-20-10-weighted", "rollout_value": "degree"}, AutoresetMode.SAME_STEP,
                      num_envs=3, steps=150, prepare=shrink)
    assert native._Bc.shape[0] >= 32 and native._Pc.shape[0] > native._Bc.shape[0]


def test_a_failed_draw_is_used_up_as_in_the_single_env():
    """1-6-3-uniform sometimes cannot draw two distinct monomials (degree 0 has only 1): that reset fails,
    and the next one draws on from the same stream, as the single env does."""
    native = BuchbergerVectorEnv(1, ideal_dist="1-6-3-uniform")
    sync = SyncVectorEnv([partial(BuchbergerEnv, ideal_dist="1-6-3-uniform")])
    outcomes = {"native": [], "sync": []}
    for name, env in (("native", native), ("sync", sync)):
        for r in range(12):
            try:
                obs, _ = env.reset(seed=0) if r == 0 else env.reset()
                outcomes[name].append(obs["pairs"].tobytes())
            except RuntimeError:
                outcomes[name].append("failed")
    assert outcomes["native"] == outcomes["sync"]
    assert 0 < outcomes["sync"].count("failed") < 12  # both kinds of reset were compared


def test_sampler_repeats_the_source_draw_for_draw():
    for dist, field, order in (("3-20-10-weighted", 32003, "grevlex"), ("2-7-5-uniform-consts", 101, "lex"),
                               ("4-6-6-maximum-homog", 32003, "grlex"), ("3-5-4-weighted-pure", 7, "grevlex")):
        env = BuchbergerEnv(ideal_dist=dist, field=field, order=order)
        src = make_source(dist, field=field, order=order)
        ctx = _context(src.ring, "gebauermoeller")
        tables = BuchbergerVectorEnv._sampler_tables(env)
        s, n = src.s, src.n
        E, C, lead = np.zeros((s, 2, n), np.int64), np.zeros(s, np.int64), np.zeros(s, np.int64)
        for seed in range(30):
            r1, r2 = np.random.default_rng(seed), np.random.default_rng(seed)
            for _ in range(3):
                polys = src.sample(r1)
                assert VK.draw_binomials(r2, *tables[:9], E, C, lead) == 0
                for g, f in enumerate(polys):
                    assert f.monos[0] != f.monos[1]
                    want = [np.frombuffer(ctx.exponent_bytes(m), np.uint32).tolist() for m in f.monos]
                    assert E[g].tolist() == want and C[g] == f.coeffs[1] % src.ring.p
            assert r1.random() == r2.random()  # and both streams stand at the same place


def test_make_vec_gives_the_native_env_and_falls_back_to_sync():
    env = gym.make_vec("mathrl/Buchberger-v0", num_envs=3)
    assert isinstance(env, BuchbergerVectorEnv)
    assert env.observation_space == batch_space(env.single_observation_space, 3)
    assert env.action_space == batch_space(env.single_action_space, 3)
    sync = gym.make_vec("mathrl/Buchberger-v0", num_envs=2, vectorization_mode="sync")
    assert isinstance(sync, SyncVectorEnv)
    for kwargs in ({"ideal_dist": "cyclic-4"}, {"ideal_dist": "3-5-4-1-weighted"}, {"obs_mode": "sequence"},
                   {"field": "QQ"}, {"rollout_value": "random"}, {"backend": "python"},
                   {"ideal": "x*y - z, y^2 - x", "gens": ["x", "y", "z"]}):
        fallback = gym.make_vec("mathrl/Buchberger-v0", num_envs=2, **kwargs)
        assert isinstance(fallback, SyncVectorEnv), kwargs
        with pytest.raises(ValueError, match="no compiled vector env"):
            BuchbergerVectorEnv(2, **kwargs)
        fallback.reset(seed=0)
        fallback.close()


def test_without_numba_make_vec_falls_back(monkeypatch):
    monkeypatch.setattr(V, "numba_available", lambda: False)
    assert isinstance(make_vector_env(2), SyncVectorEnv)


def test_vector_env_checks():
    env = gym.make_vec("mathrl/Buchberger-v0", num_envs=5, max_steps=50)
    obs, info = env.reset(seed=11)
    rng = np.random.default_rng(1)
    restarting = terminated = np.zeros(5, bool)
    for _ in range(120):
        assert env.observation_space.contains(obs)
        assert obs["action_mask"].dtype == np.int8 and info["action_mask"].dtype == np.int8
        masks = env.action_masks()
        assert masks.dtype == bool and np.array_equal(masks, info["action_mask"].astype(bool))
        assert masks.any(axis=1)[~terminated].all()  # all-False only in a terminal state (restarted next step)
        actions = np.array([rng.choice(np.flatnonzero(m)) if m.any() else 0 for m in masks])
        obs, rewards, terminated, truncated, info = env.step(actions)
        assert rewards.dtype == np.float64 and terminated.dtype == bool and truncated.dtype == bool
        assert (rewards[~restarting] <= -1).all()  # a pair costs at least its S-polynomial
        assert (rewards[restarting] == 0).all() and not (terminated | truncated)[restarting].any()  # autoreset
        restarting = terminated | truncated
    # same seed, same episodes; a list of seeds is seed + i
    a = gym.make_vec("mathrl/Buchberger-v0", num_envs=3)
    b = gym.make_vec("mathrl/Buchberger-v0", num_envs=3)
    assert data_equivalence(a.reset(seed=5), b.reset(seed=[5, 6, 7]), exact=True)
    a.reset(seed=None)  # reseeded from entropy: works, and nothing is shared with b
    env.close()


@pytest.mark.parametrize("mode", [AutoresetMode.SAME_STEP, AutoresetMode.NEXT_STEP])
def test_copy_false_keeps_the_lockstep(mode):
    """PPO's setting: the buffers themselves, the same values as SyncVectorEnv's at every step."""
    lockstep({}, mode, copy=False)


def test_copy_false_returns_the_buffers_and_copy_true_fresh_arrays():
    env = gym.make_vec("mathrl/Buchberger-v0", num_envs=2, copy=False)
    obs, _ = env.reset(seed=0)
    obs2, _, _, _, info = env.step(np.zeros(2, np.int64))
    assert obs2["pairs"] is obs["pairs"]
    assert info["action_mask"] is obs2["action_mask"]  # the info's mask is the same buffer, not a copy
    with pytest.raises(ValueError, match="read-only"):  # an edit would survive the next step's partial rewrite
        obs["action_mask"][:] = 0
    with pytest.raises(ValueError, match="read-only"):
        info["action_mask"][:] = 0
    twin = pickle.loads(pickle.dumps(env))  # the read-only views are remade on unpickling
    assert data_equivalence(twin.step(np.ones(2, np.int64)), env.step(np.ones(2, np.int64)), exact=True)
    env = gym.make_vec("mathrl/Buchberger-v0", num_envs=2)
    obs, _ = env.reset(seed=0)
    before = obs["pairs"].copy()
    env.step(np.zeros(2, np.int64))
    assert np.array_equal(obs["pairs"], before)


def test_pickled_mid_episode_continues_identically():
    env = gym.make_vec("mathrl/Buchberger-v0", num_envs=3, rollout_value="degree")
    env.reset(seed=2)
    for _ in range(30):
        env.step(np.zeros(3, np.int64))
    twin = pickle.loads(pickle.dumps(env))
    rng = np.random.default_rng(0)
    for _ in range(150):
        actions = rng.integers(0, 4, 3)
        assert data_equivalence(env.step(actions), twin.step(actions), exact=True)


def test_bad_input_is_one_clear_error():
    env = BuchbergerVectorEnv(2)
    with pytest.raises(ResetNeeded):
        env.step(np.zeros(2, np.int64))
    env.reset(seed=0)
    with pytest.raises(ValueError, match="actions must be 2 integers"):
        env.step(np.zeros(3, np.int64))
    with pytest.raises(ValueError, match="actions must be 2 integers"):
        env.step(np.zeros(2))
    with pytest.raises(ValueError, match="reset_mask"):
        env.reset(options={"reset_mask": np.zeros(2, bool)})
    with pytest.raises(ValueError, match="unsupported reset options"):
        env.reset(options={"ideal": "x - y"})
    for n in (0, -1, True, 2.0, 1 << 20):
        with pytest.raises(ValueError, match="num_envs"):
            BuchbergerVectorEnv(n)
    with pytest.raises(ValueError, match="max_pairs"):
        BuchbergerVectorEnv(2, ideal_dist="3-20-30-weighted", max_pairs=5).reset(seed=0)
    with pytest.raises(ValueError, match="cap"):
        BuchbergerVectorEnv(4096, max_pairs=4096, max_obs_bytes=1 << 20)
    with pytest.raises(ValueError, match="for their states"):  # 10,000 generators: room for 5 * 10**7 pairs each
        BuchbergerVectorEnv(64, ideal_dist="3-20-10000-weighted")
    strict = BuchbergerVectorEnv(2, invalid_action="raise")
    strict.reset(seed=0)
    with pytest.raises(ValueError, match="invalid action"):
        strict.step(np.array([0, 10_000]))
    with pytest.raises(RuntimeError, match="distinct monomials"):  # as the single env: one monomial of degree 3
        BuchbergerVectorEnv(2, ideal_dist="1-3-2-maximum").reset(seed=0)
    with pytest.raises(RuntimeError, match="distinct monomials"):
        BuchbergerEnv(ideal_dist="1-3-2-maximum").reset(seed=0)
    disabled = BuchbergerVectorEnv(1, autoreset_mode=AutoresetMode.DISABLED)
    disabled.reset(seed=0)
    done = False
    while not done:
        _, _, term, trunc, _ = disabled.step(np.zeros(1, np.int64))
        done = bool(term[0] or trunc[0])
    with pytest.raises(ResetNeeded):
        disabled.step(np.zeros(1, np.int64))
