"""Stable-Baselines3's MaskablePPO (sb3-contrib) on every registered mathrl env, through ``gymnasium.make``
unchanged: it finds ``action_masks()`` through the wrappers and never takes an illegal action."""

from __future__ import annotations

import gymnasium as gym
import pytest

import mathrl  # noqa: F401  (registers the envs)

sb3_contrib = pytest.importorskip("sb3_contrib")

IDS = sorted(i for i in gym.registry if i.startswith("mathrl/"))
# every id with its defaults, plus a proof with nothing to prove (each episode is one step, any action)
CASES = [(i, {}) for i in IDS] + [("mathrl/SemigroupProof-v0", {"family": "nilpotent", "n": 1})]


class CountIllegal(gym.Wrapper):
    """Counts the steps whose ``info["invalid_action"]`` is set (and checks each action against the mask). It
    does not define ``action_masks``: MaskablePPO must reach the env's own through the wrappers."""

    def __init__(self, env):
        super().__init__(env)
        self.illegal = self.steps = 0
        self.mask = None

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        self.mask = info["action_mask"].astype(bool)
        return obs, info

    def step(self, action):
        legal = bool(self.mask[int(action)])
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.steps += 1
        self.illegal += int(bool(info.get("invalid_action")) or not legal)
        self.mask = info["action_mask"].astype(bool)
        assert self.mask.any() or terminated or truncated  # never an all-False mask before the end
        return obs, reward, terminated, truncated, info


@pytest.mark.parametrize("env_id, kwargs", CASES, ids=[f"{i}{'-' if k else ''}{'-'.join(map(str, k.values()))}"
                                                       for i, k in CASES])
def test_maskable_ppo_trains_on_every_env_and_honours_the_masks(env_id, kwargs):
    env = CountIllegal(gym.make(env_id, **kwargs))
    policy = "MultiInputPolicy" if isinstance(env.observation_space, gym.spaces.Dict) else "MlpPolicy"
    model = sb3_contrib.MaskablePPO(policy, env, n_steps=64, batch_size=32, n_epochs=2, seed=0, verbose=0,
                                    device="cpu")
    model.learn(256)
    assert env.steps >= 256 and env.illegal == 0
    obs, info = env.reset(seed=1)
    action, _ = model.predict(obs, action_masks=env.get_wrapper_attr("action_masks")(), deterministic=True)
    assert info["action_mask"][int(action)] == 1


@pytest.mark.parametrize("env_id", IDS)
def test_make_vec_env_builds_every_env(env_id):
    """SB3's ``make_vec_env`` asks every env for ``render_mode="rgb_array"`` and only forgives a TypeError."""
    from stable_baselines3.common.env_util import make_vec_env

    venv = make_vec_env(env_id, n_envs=2, seed=0)
    venv.reset()
    frames = venv.get_images()
    assert len(frames) == 2 and all(f.dtype.name == "uint8" and f.ndim == 3 for f in frames)
    venv.close()


def _pair_obs(rows, present, row_len=12):
    import numpy as np

    pairs = np.zeros((rows, row_len), dtype=np.float32)
    mask = np.zeros(rows, dtype=np.float32)
    rng = np.random.default_rng(present)
    pairs[:present] = rng.integers(0, 20, size=(present, row_len))
    mask[:present] = 1
    return pairs, mask


def test_pair_set_policy_is_permutation_equivariant_and_ignores_padding():
    import numpy as np
    import torch

    from mathrl.integrations.sb3 import PairSetPolicy

    env = gym.make("mathrl/Buchberger-v0")
    model = sb3_contrib.MaskablePPO(PairSetPolicy, env, policy_kwargs={"hidden": 16}, seed=0, device="cpu")
    policy = model.policy
    rows = env.observation_space["pairs"].shape[0]
    pairs, mask = _pair_obs(rows, 9)
    perm = np.concatenate([np.random.default_rng(1).permutation(9), np.arange(9, rows)])

    def logits_and_value(p, m):
        obs = {"pairs": torch.as_tensor(p)[None], "action_mask": torch.as_tensor(m)[None]}
        with torch.no_grad():
            features = policy.extract_features(obs)
            latent_pi, latent_vf = policy.mlp_extractor(features)
            return policy.action_net(latent_pi)[0].numpy(), float(policy.value_net(latent_vf)[0, 0])

    logits, value = logits_and_value(pairs, mask)
    p_logits, p_value = logits_and_value(pairs[perm], mask[perm])
    np.testing.assert_allclose(p_logits[:9], logits[perm[:9]], rtol=1e-5, atol=1e-6)
    assert abs(p_value - value) < 1e-5
    garbage = pairs.copy()
    garbage[9:] = 7  # whatever sits in the padded rows, the critic does not see it
    assert abs(logits_and_value(garbage, mask)[1] - value) < 1e-5
    assert sum(p.numel() for p in policy.parameters()) < 10_000  # its size does not grow with max_pairs


def test_pair_set_policy_trains_on_buchberger_within_the_masks():
    from mathrl.integrations.sb3 import PairSetPolicy

    env = CountIllegal(gym.make("mathrl/Buchberger-v0"))
    model = sb3_contrib.MaskablePPO(PairSetPolicy, env, n_steps=128, batch_size=64, n_epochs=2, seed=0, verbose=0,
                                    policy_kwargs={"hidden": 32}, device="cpu")
    before = [p.detach().clone() for p in model.policy.parameters()]
    model.learn(256)
    assert env.steps >= 256 and env.illegal == 0
    assert any(not (a == b.detach()).all() for a, b in zip(before, model.policy.parameters()))


def test_pair_set_policy_refuses_an_observation_without_pairs():
    from mathrl.integrations.sb3 import PairSetPolicy

    with pytest.raises(ValueError, match="PairSetPolicy needs"):
        sb3_contrib.MaskablePPO(PairSetPolicy, gym.make("mathrl/TicTacToe-v0"), device="cpu")
