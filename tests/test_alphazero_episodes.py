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
    # the samples cross process boundaries: numpy pickles as bytes, while a torch tensor would be sent as a
    # file descriptor each (a long iteration ran out of them and broke the process pool)
    assert all(isinstance(t, np.ndarray) for x in out["inputs"] for t in x)


def test_episodes_are_reproducible_from_their_seed():
    config = small_config(*PROBLEMS[1])
    torch.manual_seed(0)
    weights = build_network(config).state_dict()
    a, b = (play_episodes(weights, config, seed=3, n_episodes=2) for _ in range(2))
    assert np.array_equal(a["action"], b["action"]) and np.array_equal(a["z"], b["z"])
    assert all(np.array_equal(p, q) for p, q in zip(a["pi"], b["pi"]))


class _Root:
    """A searched root as completed_q_target reads it: legal actions, visits N and summed returns W."""

    def __init__(self, actions, n, w):
        self.actions, self.N, self.W = list(actions), list(n), list(w)


def test_completed_q_target_moves_the_prior_towards_the_better_returns():
    from mathrl.agents.alphazero.episodes import completed_q_target

    prior = np.array([0.1, 0.0, 0.3, 0.3, 0.3])  # action 1 is illegal
    actions = [0, 2, 3, 4]
    even = completed_q_target(_Root(actions, [2, 2, 2, 2], [-20, -20, -20, -20]), prior, -10.0, 5)
    np.testing.assert_allclose(even, prior, rtol=1e-6)  # equal Q: nothing to learn beyond the prior
    # action 0 returned -5 a visit, the others -10; action 4 was never visited (completed by v_mix)
    root = _Root(actions, [3, 2, 2, 0], [-15, -20, -20, 0])
    target = completed_q_target(root, prior, -12.0, 5)
    assert target[1] == 0 and np.isclose(target.sum(), 1) and target.dtype == np.float32
    assert target[0] > 0.5 > prior[0] and np.isclose(target[2], target[3]) and target[2] < prior[2]
    # Q is min-max normalised: a constant shift of every return (and the value) changes nothing
    shifted = _Root(actions, root.N, [w - 100 * n for w, n in zip(root.W, root.N)])
    np.testing.assert_allclose(completed_q_target(shifted, prior, -112.0, 5), target, rtol=1e-5)
    # more search trusts Q more: the same means from ten times the visits move the prior further
    more = _Root(actions, [30, 20, 20, 0], [-150, -200, -200, 0])
    assert completed_q_target(more, prior, -12.0, 5)[0] > target[0]


def test_completed_q_episodes_learn_from_improved_priors():
    config = small_config(*PROBLEMS[0]).but(policy_target="completed_q")
    torch.manual_seed(0)
    weights = build_network(config).state_dict()
    out = play_episodes(weights, config, seed=5, n_episodes=2)
    visits = play_episodes(weights, config.but(policy_target="visits"), seed=5, n_episodes=2)
    assert out["action"].tolist() == visits["action"].tolist()  # the same search and moves; other targets
    assert any(not np.allclose(a, b) for a, b in zip(out["pi"], visits["pi"]))
    for pi, mask in zip(out["pi"], out["mask"]):
        assert np.isclose(pi.sum(), 1.0) and not pi[~mask].any()
    with pytest.raises(ValueError, match="policy_target"):
        config.but(policy_target="gumbel")


def test_leaf_rollouts_value_a_leaf_by_the_domains_heuristic():
    """A Buchberger state's rollout return is what Degree spends from there (the oracle: the whole Degree
    run on the same ideal); a leaf's value mixes it with the network's, and a state without a heuristic
    rollout is refused by name."""
    from mathrl.agents.alphazero.episodes import ProblemEvaluator
    from mathrl.envs.buchberger.groebner import buchberger

    from mathrl.envs.buchberger.distributions import make_source

    config = small_config(*PROBLEMS[0])
    env = gym.make(config.env_id, **config.kwargs)
    ideal = make_source("3-5-4-uniform").sample(np.random.default_rng(3))
    env.reset(seed=3, options={"ideal": [str(f) for f in ideal]})
    state = env.unwrapped.state
    degree = buchberger(ideal, "degree")[1]["polynomial_additions"]  # the python core, from the generators
    assert state.rollout_return() == -degree and not state.is_terminal()
    assert state.rollout_return() == -degree  # the state is left as it was
    torch.manual_seed(0)
    net = build_network(config, env)
    plain = ProblemEvaluator(net, "rows", 10.0)([state])[1][0]
    mixed = ProblemEvaluator(net, "rows", 10.0, leaf_rollout=0.25)([state])[1][0]
    assert mixed == pytest.approx(0.75 * plain + 0.25 * -degree, rel=1e-6)
    # self-play searches with the config's mix: the same network and seed, other visit counts
    weights = net.state_dict()
    with_rollouts = play_episodes(weights, config.but(leaf_rollout=1.0), seed=4, n_episodes=1)["pi"]
    without = play_episodes(weights, config, seed=4, n_episodes=1)["pi"]
    assert any(a.shape != b.shape or not np.array_equal(a, b) for a, b in zip(with_rollouts, without))
    with pytest.raises(ValueError, match="leaf_rollout"):
        config.but(leaf_rollout=1.5)
    words = small_config(*PROBLEMS[2])
    word_env = gym.make(words.env_id, **words.kwargs)
    word_env.reset(seed=0)
    with pytest.raises(ValueError, match="cannot"):
        ProblemEvaluator(build_network(words, word_env), "flat", 1.0, 0.5)([word_env.unwrapped.state])


def test_legal_softmax_puts_the_prior_on_legal_actions_only():
    """With every action legal (a Buchberger queue) and with some illegal: the softmax of the legal logits,
    0 elsewhere, summing to 1; extra logits past num_actions (padding) are ignored."""
    from types import SimpleNamespace

    from mathrl.agents.alphazero.episodes import legal_softmax

    row = np.array([0.5, -1.0, 2.0, 0.0, 9.0], dtype=np.float32)  # the last logit is padding
    for legal in ([0, 1, 2, 3], [1, 3], [2]):
        state = SimpleNamespace(num_actions=4, legal_actions=lambda legal=legal: legal)
        p = legal_softmax(state, row)
        want = np.zeros(4)
        want[legal] = np.exp(row[legal] - row[legal].max())
        want /= want.sum()
        assert p.shape == (4,) and p.sum() == pytest.approx(1.0)
        np.testing.assert_allclose(p, want, rtol=1e-6)
