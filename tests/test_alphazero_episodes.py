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


def test_moves_drawn_from_the_target_follow_the_improved_policy():
    """play_from = "target": greedy moves (tau = 0) are the argmax of the recorded completed-Q target, and
    sampled moves stay within its support; drawing by visits often plays something else."""
    config = small_config(*PROBLEMS[0]).but(policy_target="completed_q", play_from="target", temp_moves=0)
    torch.manual_seed(0)
    weights = build_network(config).state_dict()
    out = play_episodes(weights, config, seed=5, n_episodes=4)
    assert all(pi[a] == pi.max() for pi, a in zip(out["pi"], out["action"]))
    by_visits = play_episodes(weights, config.but(play_from="visits"), seed=5, n_episodes=4)
    assert any(pi[a] < pi.max() for pi, a in zip(by_visits["pi"], by_visits["action"]))
    with pytest.raises(ValueError, match="play_from"):
        config.but(play_from="prior")


def test_sample_target_draws_by_the_target_and_breaks_ties_by_the_seed():
    from mathrl.agents.alphazero.episodes import sample_target

    pi = np.array([0.0, 0.5, 0.3, 0.2])
    rng = np.random.default_rng(0)
    counts = np.bincount([sample_target(pi, 1.0, rng) for _ in range(20000)], minlength=4) / 20000
    np.testing.assert_allclose(counts, pi, atol=0.015)  # 4 standard errors of the largest share
    sharp = np.bincount([sample_target(pi, 0.5, rng) for _ in range(20000)], minlength=4) / 20000
    np.testing.assert_allclose(sharp, pi**2 / (pi**2).sum(), atol=0.015)  # tau = 1/2: pi squared
    tie = np.array([0.4, 0.1, 0.4, 0.1])
    greedy = [sample_target(tie, 0.0, np.random.default_rng(seed)) for seed in range(200)]
    assert set(greedy) == {0, 2} and greedy == [sample_target(tie, 0.0, np.random.default_rng(seed))
                                                for seed in range(200)]
    with pytest.raises(ValueError, match="no mass"):
        sample_target(np.zeros(3), 1.0, rng)


def test_self_play_and_a_saved_agents_search_roll_out_with_the_policy_when_asked(monkeypatch):
    """rollout_with reaches the evaluator that self-play and agent:RUN:sims=N search with."""
    from mathrl.agents.alphazero.episodes import ProblemEvaluator
    from mathrl.agents.alphazero.problem_agent import ProblemAgent
    from mathrl.agents.alphazero.problems import ProblemConfig

    calls = []
    original = ProblemEvaluator.policy_returns
    monkeypatch.setattr(ProblemEvaluator, "policy_returns",
                        lambda self, states: calls.append(len(states)) or original(self, states))
    config = small_config(*PROBLEMS[0]).but(leaf_rollout=1.0, rollout_with="policy")
    torch.manual_seed(0)
    net = build_network(config)
    play_episodes(net.state_dict(), config, seed=1, n_episodes=1)
    assert calls
    calls.clear()
    play_episodes(net.state_dict(), config.but(rollout_with="heuristic"), seed=1, n_episodes=1)
    assert not calls
    env = gym.make(config.env_id, **config.kwargs)
    env.reset(seed=2)
    agent = ProblemAgent(ProblemConfig(episodes=config), net)
    agent.act(env.unwrapped.state.clone(), sims=4)
    assert calls


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


@pytest.mark.parametrize("env_id, kwargs", [PROBLEMS[0], PROBLEMS[2]], ids=["buchberger", "words"])
def test_policy_rollouts_value_a_leaf_by_the_networks_own_greedy_play(env_id, kwargs):
    """rollout_with = "policy": a leaf's rollout return is what the network's greedy policy (as agent:RUN plays,
    through torch) collects from that state to the end, one state at a time; a batch of states at different
    depths gives each its own, and the states are left as they were."""
    from mathrl.agents.alphazero.episodes import ProblemEvaluator, greedy_actions
    from mathrl.agents.alphazero.networks import observation_kind

    config = small_config(env_id, kwargs)
    env = gym.make(env_id, **kwargs)
    kind = observation_kind(env.observation_space)
    torch.manual_seed(1)
    net = build_network(config, env)
    rng = np.random.default_rng(0)
    states = []
    for seed in range(4):  # roots and states a few random moves in
        env.reset(seed=seed)
        state = env.unwrapped.state.clone()
        for _ in range(seed):
            if not state.is_terminal():
                state.apply(int(rng.choice(state.legal_actions())))
        states.append(state)
    expected = []
    for state in states:
        alone, total = state.clone(), 0.0
        while not alone.is_terminal():
            total += float(alone.apply(greedy_actions(net, [alone], kind)[0]))
        expected.append(total)
    keys = [s.observation().tobytes() for s in states]
    evaluator = ProblemEvaluator(net, kind, 10.0, leaf_rollout=1.0, rollout_with="policy")
    np.testing.assert_allclose(evaluator.policy_returns(states), expected)
    np.testing.assert_allclose(evaluator(states)[1], expected)
    assert [s.observation().tobytes() for s in states] == keys
    half = ProblemEvaluator(net, kind, 10.0, leaf_rollout=0.5, rollout_with="policy")(states)[1]
    plain = ProblemEvaluator(net, kind, 10.0)(states)[1]
    np.testing.assert_allclose(half, 0.5 * plain + 0.5 * np.asarray(expected), rtol=1e-6)
    with pytest.raises(ValueError, match="rollout_with"):
        config.but(rollout_with="degree")


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
