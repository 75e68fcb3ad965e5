"""Single-player self-play on the mathematical domains: valid visit distributions, return-to-go targets
that match the Gymnasium env's own rewards for the same moves, and seeded reproducibility."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest
import torch

from mathrl.agents.alphazero.config import SearchConfig
from mathrl.agents.alphazero.episodes import EpisodeConfig, build_network, play_episodes

PROBLEMS = [
    ("mathrl/Buchberger-v0", {"ideal_dist": "3-5-4-uniform"}),
    ("mathrl/SemigroupProof-v0", {"a": 3, "b": 2}),
    ("mathrl/GraphConstruction-v0", {"n": 5}),
]


def small_config(env_id, kwargs):
    return EpisodeConfig(env_id=env_id, env_kwargs=json.dumps(kwargs), network=json.dumps({}),
                         search=SearchConfig(n_sims=4, normalize_q=True, dirichlet_alpha=0.3), concurrent=2)


@pytest.mark.parametrize("env_id, kwargs", PROBLEMS, ids=[p[0] for p in PROBLEMS])
def test_episodes_give_visit_distributions_and_returns_the_env_agrees_with(env_id, kwargs):
    config = small_config(env_id, kwargs)
    torch.manual_seed(0)
    weights = build_network(config).state_dict()
    out = play_episodes(weights, config, seed=7, n_episodes=3)
    moves = len(out["pi"])
    assert moves == out["lengths"].sum() == len(out["z"]) == len(out["action"]) and len(out["returns"]) == 3
    for pi, action in zip(out["pi"], out["action"]):
        assert np.isclose(pi.sum(), 1.0) and (pi >= 0).all() and pi[action] > 0  # played actions were visited
    for e in range(3):  # the same moves through the Gymnasium env (its own step and rewards)
        env = gym.make(env_id, **kwargs)
        _, info = env.reset(seed=7 + e)
        total, first = 0.0, np.flatnonzero(out["episode"] == e)
        for t, action in zip(first, out["action"][first]):
            pi, mask = out["pi"][t], np.asarray(info["action_mask"])
            assert mask[action] == 1 and not pi[mask[:len(pi)] == 0].any() and mask[len(pi):].sum() == 0
            _, reward, terminated, truncated, info = env.step(int(action))
            total += reward
        assert terminated and np.isclose(total, out["returns"][e])
        assert np.isclose(out["z"][first[0]], out["returns"][e], rtol=1e-5, atol=1e-5)  # return-to-go at move 0


def test_episodes_are_reproducible_from_their_seed():
    config = small_config(*PROBLEMS[1])
    torch.manual_seed(0)
    weights = build_network(config).state_dict()
    a, b = (play_episodes(weights, config, seed=3, n_episodes=2) for _ in range(2))
    assert np.array_equal(a["action"], b["action"]) and np.array_equal(a["z"], b["z"])
    assert all(np.array_equal(p, q) for p, q in zip(a["pi"], b["pi"]))
