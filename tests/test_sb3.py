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
