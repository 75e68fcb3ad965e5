"""Tutorial: Stable-Baselines3's MaskablePPO learns an S-pair selection strategy that beats Degree.

The Buchberger env's observation is the queue of S-pairs, a set of rows padded to ``max_pairs``. SB3's
default policies would flatten it; ``mathrl.integrations.sb3.PairSetPolicy`` scores every row with one
shared network instead (Peifer, Stillman and Halpern-Leistner 2020), so the policy does not depend on the
order of the queue. Rewards are -1 per polynomial addition, scaled by 0.01 for the critic. After
training, the greedy policy and the Degree strategy run on the same fresh ideals (seeds never used in
training) and the mean additions are compared. Install the extra first: ``pip install 'mathrl[sb3]'``.

``python examples/sb3_buchberger.py`` (``--short`` for the quick check the tests run; ``--json FILE``
saves the numbers).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import gymnasium as gym
import numpy as np

import mathrl  # noqa: F401  (registers the envs)
from mathrl.envs.buchberger.strategies import make_strategy

EVAL_SEED = 10**6  # evaluation ideals come from seeds EVAL_SEED, EVAL_SEED + 1, ...: never a training seed


def additions(env, choose, seed: int) -> float:
    """Polynomial additions of one episode on the ideal that ``reset(seed)`` draws (minus its return)."""
    obs, info = env.reset(seed=seed)
    total, done = 0.0, False
    while not done:
        obs, reward, terminated, truncated, info = env.step(choose(obs, info))
        total += reward
        done = terminated or truncated
    return -total


def progress_callback(total: int):
    """A tqdm bar with an ETA over the training steps (SB3's own needs the ``rich`` package)."""
    from stable_baselines3.common.callbacks import BaseCallback
    from tqdm import tqdm

    class Progress(BaseCallback):
        def _on_training_start(self) -> None:
            self.bar = tqdm(total=total, unit="step", desc="MaskablePPO")

        def _on_step(self) -> bool:
            self.bar.update(self.training_env.num_envs)
            return True

        def _on_training_end(self) -> None:
            self.bar.close()

    return Progress()


def main(argv=None) -> int:
    from sb3_contrib import MaskablePPO
    from stable_baselines3.common.env_util import make_vec_env

    from mathrl.integrations.sb3 import PairSetPolicy

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ideals", default="3-20-10-weighted", help="ideal distribution (default %(default)s)")
    parser.add_argument("--steps", type=int, default=300_000, help="environment steps of training")
    parser.add_argument("--eval", type=int, default=500, help="fresh ideals to compare on")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None, help="write the results to this JSON file")
    parser.add_argument("--short", action="store_true", help="2,048 steps, 20 ideals (what the tests run)")
    args = parser.parse_args(argv)
    if args.short:
        args.steps, args.eval = 2_048, 20
    env_kwargs = {"ideal_dist": args.ideals, "max_steps": 500}

    def scaled(env):
        return gym.wrappers.TransformReward(env, lambda r: 0.01 * r)

    train_env = make_vec_env("mathrl/Buchberger-v0", n_envs=16, seed=args.seed, env_kwargs=env_kwargs,
                             wrapper_class=scaled)
    model = MaskablePPO(PairSetPolicy, train_env, n_steps=128, batch_size=512, n_epochs=10, learning_rate=1e-3,
                        gamma=0.99, gae_lambda=0.97, ent_coef=0.0, policy_kwargs={"hidden": 128}, seed=args.seed,
                        verbose=0, device="cpu")
    start = time.perf_counter()
    rollout = 16 * 128  # SB3 trains in whole rollouts of n_envs x n_steps
    model.learn(args.steps, callback=None if args.short else progress_callback(-(-args.steps // rollout) * rollout))
    train_s = time.perf_counter() - start

    env = gym.make("mathrl/Buchberger-v0", **env_kwargs)
    degree = make_strategy("degree")

    def greedy(obs, info):
        return int(model.predict(obs, action_masks=info["action_mask"].astype(bool), deterministic=True)[0])

    seeds = range(EVAL_SEED, EVAL_SEED + args.eval)
    learned = [additions(env, greedy, s) for s in seeds]
    baseline = [additions(env, lambda o, i: degree.select(env.unwrapped.state), s) for s in seeds]
    result = {"ideals": args.ideals, "steps": args.steps, "train_seconds": round(train_s, 1), "eval_ideals": args.eval,
              "maskable_ppo": float(np.mean(learned)), "degree": float(np.mean(baseline)),
              "wins": int(np.sum(np.array(learned) < np.array(baseline))),
              "losses": int(np.sum(np.array(learned) > np.array(baseline)))}
    print(f"{args.ideals}: mean polynomial additions on {args.eval} fresh ideals after {args.steps:,} steps "
          f"({train_s:.0f} s of training)")
    print(f"  MaskablePPO + PairSetPolicy  {result['maskable_ppo']:.1f}")
    print(f"  Degree                       {result['degree']:.1f}")
    print(f"  fewer additions than Degree on {result['wins']} ideals, more on {result['losses']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
