"""The value-policy networks for the mathematical domains: Simpson's semigroup networks (his parameter
counts), his input featurisation, the permutation-equivariant pair-set network, and the choice of network
by observation shape."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

import mathrl  # noqa: F401  (registers the envs)
from mathrl.agents.alphazero import networks
from mathrl.agents.alphazero.network import count_parameters
from mathrl.agents.alphazero.simpson import CutNet, ValueNet, featurise, input_channels


@pytest.mark.parametrize("a, b, n, value_params, cut_params", [
    (3, 2, 2, 9_189, 12_813), (3, 2, 3, 14_287, 17_943), (3, 2, 6, 33_901, 37_653), (4, 2, 4, 21_541, 27_049),
])
def test_simpson_networks_have_the_published_parameter_counts(a, b, n, value_params, cut_params):
    """The counts Simpson (2021) reports for N and N2; matching them pins every layer's shape."""
    value, cut = ValueNet(a, b, n), CutNet(a, b, n)
    assert (count_parameters(value), count_parameters(cut)) == (value_params, cut_params)
    x = torch.randn(4, input_channels(a, b), a, a)
    assert value(x).shape == (4,) and cut(x).shape == (4, a, a)


def test_simpson_networks_run_on_a_five_by_five_grid():
    """Circular padding 2 on a kernel of 5 covers a whole row even when a = 5 (the largest case)."""
    x = torch.randn(2, input_channels(5, 3), 5, 5)
    assert CutNet(5, 3, 2)(x).shape == (2, 5, 5)


def semigroup_observation(a=3, b=2, seed=0, steps=0):
    env = gym.make("mathrl/SemigroupProof-v0", a=a, b=b)
    obs, info = env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        obs, _, terminated, _, info = env.step(int(rng.choice(np.flatnonzero(info["action_mask"]))))
        if terminated:
            break
    return env, obs


def test_featurise_lays_out_simpsons_channels():
    a, b = 3, 2
    _, obs = semigroup_observation(a, b, steps=2)
    x = featurise(obs["cand"], obs["left"], obs["right"], obs["ternary"])
    assert x.shape == (input_channels(a, b), a, a) and x.dtype == np.float32
    cand = obs["cand"].astype(bool)
    for cx in range(a):
        for cy in range(a):
            k = cand[cx, cy].sum()
            expected = np.where(cand[cx, cy], (b + 1) / k - 1, -1.0)  # (b+1) m^ - 1
            assert np.allclose(x[: b + 1, cx, cy], expected)
    left, right, ternary = (x[b + 1: 3 * (b + 1)], x[3 * (b + 1): 5 * (b + 1)], x[5 * (b + 1):])
    assert np.allclose(left, left[:, :, :1]) and np.allclose(right, right[:, :1, :])  # rows / columns
    l_hat = obs["left"] / np.maximum(obs["left"].sum(-1, keepdims=True), 1)
    assert np.isclose(left[1 * (b + 1) + 2, 1, 0], l_hat[1, 2, 1] - 0.5)  # channel (i=1, p=2) on row x=1
    t_hat = obs["ternary"] / np.maximum(obs["ternary"].sum(-1, keepdims=True), 1)
    assert np.isclose(ternary[1 * a + 2, 0, 1], t_hat[0, 2, 1, 1] - 0.5)  # channel (i=1, y=2) at (x=0, z=1)
    assert np.all(np.abs(x) <= b + 1)


def test_featurise_keeps_the_axes_apart_when_a_and_b_plus_one_differ():
    """(a, b) = (2, 3): a != b + 1, so a swapped x/p or y/z axis would change the values (or the shape)."""
    a, b = 2, 3
    _, obs = semigroup_observation(a, b, steps=1)
    x = featurise(obs["cand"], obs["left"], obs["right"], obs["ternary"])
    assert x.shape == (input_channels(a, b), a, a)
    l_hat = obs["left"] / np.maximum(obs["left"].sum(-1, keepdims=True), 1)
    r_hat = obs["right"] / np.maximum(obs["right"].sum(-1, keepdims=True), 1)
    t_hat = obs["ternary"] / np.maximum(obs["ternary"].sum(-1, keepdims=True), 1)
    k = b + 1
    for i in range(2):
        for p in range(k):
            for u in range(a):
                for v in range(a):
                    assert np.isclose(x[k + i * k + p, u, v], l_hat[u, p, i] - 0.5)        # l at (x, any y)
                    assert np.isclose(x[3 * k + i * k + p, u, v], r_hat[p, v, i] - 0.5)    # r at (any x, y)
        for y in range(a):
            for u in range(a):
                for z in range(a):
                    assert np.isclose(x[5 * k + i * a + y, u, z], t_hat[u, y, z, i] - 0.5)  # t at (x, z)


def test_featurise_of_a_batch_is_the_featurisation_of_each():
    obs = [semigroup_observation(steps=s)[1] for s in (0, 1, 3)]
    stacked = [np.stack([o[k] for o in obs]) for k in ("cand", "left", "right", "ternary")]
    batch = featurise(*stacked)
    assert np.array_equal(batch, np.stack([featurise(o["cand"], o["left"], o["right"], o["ternary"]) for o in obs]))


def test_pair_set_network_is_permutation_equivariant_and_ignores_padding():
    torch.manual_seed(0)
    net = networks.PairSetNet(features=12, hidden=32)
    rows = torch.randn(3, 7, 12)
    valid = torch.ones(3, 7, dtype=torch.bool)
    valid[1, 5:] = False
    logits, value = net(rows, valid)
    perm = torch.randperm(7)
    p_logits, p_value = net(rows[:, perm], valid[:, perm])
    assert torch.allclose(p_logits, logits[:, perm], atol=1e-5) and torch.allclose(p_value, value, atol=1e-5)
    padded = torch.cat([rows, torch.randn(3, 4, 12)], dim=1)  # extra padding rows with garbage in them
    pad_valid = torch.cat([valid, torch.zeros(3, 4, dtype=torch.bool)], dim=1)
    q_logits, q_value = net(padded, pad_valid)
    assert torch.allclose(q_logits[:, :7][valid], logits[valid], atol=1e-5)
    assert torch.allclose(q_value, value, atol=1e-5)


def test_the_frozen_pair_set_network_computes_what_the_network_does():
    """The numpy twin a search evaluates with: the same logits and values on valid rows, any padding (an
    empty set included), and a snapshot that later weight changes do not reach."""
    torch.manual_seed(1)
    net = networks.PairSetNet(features=12, hidden=32)
    rows = torch.randn(4, 9, 12)
    valid = torch.rand(4, 9) > 0.4
    valid[0], valid[1] = False, False
    valid[1, 0] = True  # an empty set (pools to 0) and a set of one
    frozen = networks.FrozenPairSet(net)
    logits, value = frozen(rows.numpy(), valid.numpy())
    with torch.no_grad():
        t_logits, t_value = net(rows, valid)
    assert logits.dtype == value.dtype == np.float32 and value.shape == (4,)
    np.testing.assert_allclose(logits[valid.numpy()], t_logits[valid].numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(value, t_value.numpy(), rtol=1e-5, atol=1e-6)
    full = torch.ones(4, 9, dtype=torch.bool)  # no padding anywhere: the path a search's single leaf takes
    for batch in (rows[:1], rows):
        logits, value = frozen(batch.numpy(), full[:len(batch)].numpy())
        with torch.no_grad():
            t_logits, t_value = net(batch, full[:len(batch)])
        np.testing.assert_allclose(logits, t_logits.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(value, t_value.numpy(), rtol=1e-5, atol=1e-6)
    value = frozen(rows.numpy(), valid.numpy())[1]
    with torch.no_grad():
        net.value[2].bias += 1.0
    assert np.array_equal(frozen(rows.numpy(), valid.numpy())[1], value)


@pytest.mark.parametrize("env_id, kwargs, kind", [
    ("mathrl/Buchberger-v0", {}, "rows"),
    ("mathrl/SemigroupProof-v0", {"a": 3, "b": 2}, "semigroup"),
    ("mathrl/GraphConstruction-v0", {"n": 8}, "flat"),
    ("mathrl/MatrixConstruction-v0", {"n": 5}, "flat"),
])
def test_the_network_follows_the_observation_shape(env_id, kwargs, kind):
    env = gym.make(env_id, **kwargs)
    obs, _ = env.reset(seed=0)
    assert networks.observation_kind(env.observation_space) == kind
    actions = env.action_space.n
    net = networks.build(env.observation_space, actions)
    if kind == "rows":
        logits, value = net(torch.as_tensor(obs["pairs"], dtype=torch.float32)[None],
                            torch.as_tensor(obs["action_mask"], dtype=torch.bool)[None])
    elif kind == "semigroup":
        logits, value = net(torch.from_numpy(featurise(obs["cand"], obs["left"], obs["right"], obs["ternary"]))[None])
    else:
        logits, value = net(torch.as_tensor(obs, dtype=torch.float32)[None])
    assert logits.shape == (1, actions) and value.shape == (1,)


def test_unknown_observations_are_refused_by_name():
    from gymnasium import spaces

    with pytest.raises(ValueError, match="no network"):
        networks.observation_kind(spaces.Dict({"x": spaces.Discrete(3)}))
    with pytest.raises(ValueError, match="unknown network kind"):
        networks.build(spaces.Box(0, 1, (4,)), 2, kind="nope")
