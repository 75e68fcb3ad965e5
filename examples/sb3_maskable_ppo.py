"""Tutorial: train Stable-Baselines3's MaskablePPO (sb3-contrib) on a mathrl env.

Every mathrl env works with ``gymnasium.make`` unchanged: MaskablePPO finds ``action_masks()`` through
the wrappers, so it never proposes an illegal action. Here it builds C4-free graphs edge by edge (the
env masks every edge that would close a 4-cycle) and is rewarded by the number of edges minus the
known maximum ex(n, C4) (OEIS A006855), so 0 is optimal. The trained policy is compared with the
random masked policy on the same seeds. Install the extra first: ``pip install 'mathrl[sb3]'``.

``python examples/sb3_maskable_ppo.py`` (``--short`` for the quick check the tests run).
"""

from __future__ import annotations

import argparse
import sys

import gymnasium as gym
import numpy as np

import mathrl  # noqa: F401  (registers the envs)


def episode_return(env, choose, seed: int) -> float:
    obs, info = env.reset(seed=seed)
    total, done = 0.0, False
    while not done:
        obs, reward, terminated, truncated, info = env.step(choose(obs, info))
        total += reward
        done = terminated or truncated
    return total


def main(argv=None) -> int:
    from sb3_contrib import MaskablePPO

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10, help="vertices")
    parser.add_argument("--steps", type=int, default=100_000, help="environment steps of training")
    parser.add_argument("--short", action="store_true", help="n = 7, 2,000 steps (what the tests run)")
    args = parser.parse_args(argv)
    if args.short:
        args.n, args.steps = 7, 2_000
    env = gym.make("mathrl/GraphConstruction-v0", score="c4-free", n=args.n)
    model = MaskablePPO("MlpPolicy", env, n_steps=512, batch_size=128, seed=0, verbose=0, device="cpu")
    model.learn(args.steps)
    rng = np.random.default_rng(0)
    learned = [episode_return(env, lambda o, i: int(model.predict(o, action_masks=i["action_mask"].astype(bool),
                                                                   deterministic=True)[0]), s) for s in range(20)]
    uniform = [episode_return(env, lambda o, i: int(rng.choice(np.flatnonzero(i["action_mask"]))), s)
               for s in range(20)]
    print(f"c4-free, n = {args.n}: mean final score (edges - ex(n, C4); 0 is optimal) after {args.steps:,} steps")
    print(f"  MaskablePPO  {np.mean(learned):+.2f}")
    print(f"  random       {np.mean(uniform):+.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
