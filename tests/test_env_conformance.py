"""Every registered ``mathrl/`` environment against one contract, in the style of Gymnasium's own env tests.

For each id (with no kwargs, and with the variants that change its spaces or
its dynamics): ``check_env`` with warnings as errors; the same seed gives the
same trajectory, in the same env and in a fresh one; a pickled or deep-copied
env continues exactly as the original does; ``info["action_mask"]`` (int8)
agrees with ``action_masks()`` (bool) and is never all False before the end;
and the pure state behind the env passes :func:`mathrl.checks.check_pure_state`.
"""

from __future__ import annotations

import copy
import pickle

import gymnasium as gym
import numpy as np
import pytest
from env_helpers import strict_check

import mathrl.core
import mathrl  # noqa: F401  (registers the ids)
from mathrl.checks import ProtocolError, check_pure_state
from mathrl.envs.registration import ENV_SPECS

def ones_in_matrix(m) -> float:
    """A user's per-object plug-in score (module-level, so envs using it pickle)."""
    return float(m.sum())


# Per id: the kwargs variants checked besides the default (each one changes spaces, sources or dynamics).
VARIANTS: dict[str, list[dict]] = {
    "mathrl/GraphConstruction-v0": [
        {"n": 4}, {"n": 5, "obs_dtype": np.float32}, {"n": 3, "score": "wagner-2.1", "score_kwargs": {"tol": 1e-6}},
        {"n": 6, "score": "c4-free"},
    ],
    "mathrl/MatrixConstruction-v0": [{"n": 3, "score": ones_in_matrix}, {"n": 5}],
    "mathrl/Buchberger-v0": [
        {"obs_mode": "sequence"}, {"ideal_dist": "cyclic-4"}, {"ideal_dist": "katsura-4", "obs_mode": "sequence"},
        {"ideal": "x*y - 1, x^2 - y, y^3 - x*y"}, {"ideal_dist": "2-5-4-1-weighted", "field": "QQ"},
        {"backend": "python", "k": 1, "max_pairs": 64}, {"order": "lex", "ideal_dist": "3-5-5-maximum-pure"},
    ],
    "mathrl/SemigroupProof-v0": [
        {"sigma": 4}, {"a": 2, "b": 2, "instance_sampling": "sample"}, {"family": "all", "n": 3},
        {"n": 4, "nilpotent": True, "degree": 3},
    ],
    # every opponent kind, learner side and observation form appears at least once
    "mathrl/TicTacToe-v0": [{"dict_obs": True, "learner_side": 0}, {"learner_side": 1, "opponent": "perfect"},
                            {"opponent": "mcts:20", "learner_side": "alternate"}],
    "mathrl/ConnectFour-v0": [{"learner_side": "alternate", "opponent": "lookahead"},
                              {"rows": 4, "cols": 4, "opponent": "perfect", "learner_side": 1},
                              {"dict_obs": True, "opponent": "mcts:20", "learner_side": 1}],
    "mathrl/Othello-v0": [{"n": 6, "opponent": "mcts:20", "learner_side": 1}, {"dict_obs": True, "learner_side": 0},
                          {"n": 6, "opponent": "lookahead", "learner_side": "alternate"}],
    "mathrl/Hex-v0": [{"n": 5, "opponent": "lookahead", "learner_side": "alternate"},
                      {"n": 5, "opponent": "mcts:20", "learner_side": 1, "dict_obs": True},
                      {"n": 4, "opponent": "random", "learner_side": 0}],
}

CASES = [(env_id, {}) for env_id in ENV_SPECS] + [(env_id, kw) for env_id, kws in VARIANTS.items() for kw in kws]
CASE_IDS = [f"{env_id.split('/')[1]}-{i}" for i, (env_id, _) in enumerate(CASES)]
MAX_STEPS = 400


def test_every_registered_mathrl_id_is_covered():
    registered = {env_id for env_id in gym.registry if env_id.startswith("mathrl/")}
    assert registered == set(ENV_SPECS) == set(VARIANTS)


def _legal_action(info: dict, env, rng: np.random.Generator) -> int:
    mask = info["action_mask"]
    assert mask.dtype == np.int8
    bool_mask = env.unwrapped.action_masks()
    assert bool_mask.dtype == np.bool_ and np.array_equal(bool_mask, mask.astype(bool))
    legal = np.flatnonzero(mask)
    assert legal.size, "an all-False action mask in a non-terminal state"
    return int(legal[rng.integers(legal.size)])


def _record(obs, reward, terminated, truncated, info) -> tuple:
    flat = obs if not isinstance(obs, dict) else tuple(obs[k] for k in sorted(obs))
    flat = tuple(np.asarray(x).copy() for x in (flat if isinstance(flat, tuple) else (flat,)))
    return flat, float(reward), bool(terminated), bool(truncated), info["action_mask"].copy(), \
        bool(info.get("invalid_action", False))


def _play(env, seed: int, policy_seed: int, max_steps: int = MAX_STEPS, start=None) -> list[tuple]:
    """A seeded random-legal episode (or its continuation from ``start = (obs, info)``)."""
    rng = np.random.default_rng(policy_seed)
    if start is None:
        obs, info = env.reset(seed=seed)
        out = [_record(obs, 0.0, False, False, info)]
    else:
        obs, info = start
        out = []
    for _ in range(max_steps):
        obs, reward, terminated, truncated, info = env.step(_legal_action(info, env, rng))
        assert "invalid_action" in info and not info["invalid_action"]
        out.append(_record(obs, reward, terminated, truncated, info))
        if terminated or truncated:
            break
    return out


def _same(a: list[tuple], b: list[tuple]) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if len(x[0]) != len(y[0]) or not all(np.array_equal(p, q) for p, q in zip(x[0], y[0])):
            return False
        if x[1:4] != y[1:4] or not np.array_equal(x[4], y[4]) or x[5] != y[5]:
            return False
    return True


def _make(env_id: str, kwargs: dict):
    return gym.make(env_id, **kwargs)


@pytest.mark.parametrize("env_id, kwargs", CASES, ids=CASE_IDS)
def test_check_env_with_warnings_as_errors(env_id, kwargs):
    strict_check(_make(env_id, kwargs))


@pytest.mark.parametrize("env_id, kwargs", CASES, ids=CASE_IDS)
def test_same_seed_same_trajectory(env_id, kwargs):
    env, fresh = _make(env_id, kwargs), _make(env_id, kwargs)
    first = _play(env, seed=3, policy_seed=5)
    assert len(first) > 1
    assert _same(first, _play(env, seed=3, policy_seed=5))     # the same env, reset again
    assert _same(first, _play(fresh, seed=3, policy_seed=5))   # a new env


@pytest.mark.parametrize("env_id, kwargs", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("clone", ["pickle", "deepcopy"])
def test_copies_mid_episode_continue_like_the_original(env_id, kwargs, clone):
    env = _make(env_id, kwargs).unwrapped
    rng = np.random.default_rng(1)
    obs, info = env.reset(seed=2)
    for _ in range(3):
        obs, _, terminated, truncated, info = env.step(_legal_action(info, env, rng))
        if terminated or truncated:
            obs, info = env.reset(seed=2)
            break
    copied = pickle.loads(pickle.dumps(env)) if clone == "pickle" else copy.deepcopy(env)
    original_rest = _play(env, seed=None, policy_seed=9, start=(obs, info))
    copied_rest = _play(copied, seed=None, policy_seed=9, start=(obs, info))
    assert _same(original_rest, copied_rest)


@pytest.mark.parametrize("env_id, kwargs", CASES, ids=CASE_IDS)
def test_the_pure_state_behind_the_env_conforms(env_id, kwargs):
    env = _make(env_id, kwargs).unwrapped
    env.reset(seed=4)
    state = env.state
    legal, returns = state.legal_actions(), np.asarray(state.returns()).copy()
    assert check_pure_state(state, rng=0, max_steps=MAX_STEPS) > 0
    assert state.legal_actions() == legal and np.array_equal(state.returns(), returns)  # it checked a clone


class Countdown:
    """A toy pure state: take 1 or 2 from a pile; taking the last one scores 1. Correct unless a flag breaks it."""

    num_players = 1
    num_actions = 2

    def __init__(self, pile=5, lying_mask=False, shared_clone=False, lost_reward=False, lax_rules=False):
        self.pile, self.total = pile, 0.0
        self.flags = (lying_mask, shared_clone, lost_reward, lax_rules)

    def legal_actions(self):
        return [a for a in (0, 1) if a + 1 <= self.pile]

    def action_mask(self):
        mask = np.zeros(2, dtype=bool)
        mask[self.legal_actions()] = True
        if self.flags[0]:
            mask[:] = True
        return mask

    def apply(self, action):
        if type(action) is not int and not isinstance(action, np.integer):
            raise TypeError("integer actions only")
        if action not in (self.legal_actions() if not self.flags[3] else (0, 1)):
            raise mathrl.core.IllegalActionError(f"{action} is illegal")
        self.pile -= action + 1
        reward = 1.0 if self.pile == 0 else 0.0
        if not self.flags[2]:
            self.total += reward
        return reward

    def is_terminal(self):
        return self.pile == 0

    def returns(self):
        return np.array([self.total])

    def current_player(self):
        return mathrl.core.TERMINAL_PLAYER if self.pile == 0 else 0

    def clone(self):
        if self.flags[1]:
            return self
        other = Countdown(self.pile)
        other.total, other.flags = self.total, self.flags
        return other

    def observation(self):
        return np.array([self.pile])


@pytest.mark.parametrize("flag, message", [("lying_mask", "action_mask"), ("shared_clone", "clone"),
                                           ("lost_reward", "returns"), ("lax_rules", "forbids")])
def test_the_conformance_check_can_fail(flag, message):
    """The toy state passes as written, and each planted bug is caught and named."""
    assert check_pure_state(Countdown(7), rng=1) >= 4
    with pytest.raises(ProtocolError, match=message):
        for seed in range(5):
            check_pure_state(Countdown(7, **{flag: True}), rng=seed)


@pytest.mark.parametrize("env_id, kwargs", CASES, ids=CASE_IDS)
def test_rgb_array_frames_have_one_shape_and_follow_the_state(env_id, kwargs):
    """``rgb_array`` (what video recorders and SB3's ``make_vec_env`` ask for): a uint8 (H, W, 3) frame after
    reset and after every step, the same shape all episode, and not the same picture throughout."""
    env = gym.make(env_id, render_mode="rgb_array", **kwargs)
    rng = np.random.default_rng(5)
    obs, info = env.reset(seed=3)  # the episode the other tests play (seed 0's over QQ is far longer)
    frames = [env.render()]
    for _ in range(MAX_STEPS):
        obs, reward, terminated, truncated, info = env.step(_legal_action(info, env, rng))
        frames.append(env.render())
        if terminated or truncated:
            break
    assert all(f.dtype == np.uint8 and f.ndim == 3 and f.shape[2] == 3 for f in frames)
    assert len({f.shape for f in frames}) == 1
    if len(frames) > 2:
        assert any(not np.array_equal(frames[0], f) for f in frames[1:])
