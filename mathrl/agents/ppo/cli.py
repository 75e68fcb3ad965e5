"""``mathrl train ppo``: a thin argument layer over :func:`mathrl.agents.ppo.ppo.train`."""

from __future__ import annotations

import argparse
import json
import math
import re
from pathlib import Path

from mathrl.agents.runs import check_writable_folder


class CLIError(Exception):
    """Bad user input: one line on stderr, exit code 2."""


def train_parser() -> argparse.ArgumentParser:
    from mathrl.agents.ppo.config import PRESETS

    p = argparse.ArgumentParser(prog="mathrl train ppo", description="PPO with action masks on any Gymnasium env")
    p.add_argument("--env", default=None, help="env id, e.g. CartPole-v1 or mathrl/Buchberger-v0 (default: the "
                                               "preset's, else CartPole-v1)")
    p.add_argument("--env-kwargs", default=None, metavar="JSON",
                   help="keyword arguments for gymnasium.make, merged over the preset's")
    p.add_argument("--preset", default=None, help=f"settings to start from: {', '.join(sorted(PRESETS))} "
                                                  "(default: the env's own preset when it has one)")
    p.add_argument("--steps", type=int, default=None, help="total environment steps (>= 1)")
    p.add_argument("--out", default=None, help="run folder (default runs/ppo-ENV-seedS)")
    p.add_argument("--resume", default=None, metavar="DIR", help="continue the run checkpointed in DIR")
    p.add_argument("--seed", type=int, default=None, help="0 <= seed < 2**32")
    p.add_argument("--time-limit", type=float, default=None, help="seconds of training, total over resumes (> 0)")
    p.add_argument("--set", action="append", default=[], metavar="FIELD=JSON",
                   help="any other config field, e.g. --set lr=1e-4 --set num_envs=4 (each field's type and range: "
                        "PPOConfig.validate)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.epilog = "Bad input (flags, --set values, an unwritable --out, a foreign --resume folder) exits 2 before " \
               "anything is written."
    return p


def _read_saved_config(folder: str) -> dict:
    """A run folder's ``config.json``; a missing, unreadable or foreign one is one line naming the file."""
    saved = Path(folder) / "config.json"
    if not (Path(folder) / "checkpoint.pt").exists() or not saved.exists():
        raise ValueError(f"{folder} holds no PPO checkpoint (config.json + checkpoint.pt)")
    try:
        data = json.loads(saved.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{saved} is not a readable PPO config ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{saved} is not a PPO config (a JSON object)")
    return data


def _config(args):
    from mathrl.agents.ppo.config import PPOConfig, make_config, parse_set

    try:
        overrides = parse_set(args.set)
        if "env_kwargs" in overrides and not isinstance(overrides["env_kwargs"], dict):
            raise ValueError(f"env_kwargs must be a JSON object, got {overrides['env_kwargs']!r}")
        if args.env_kwargs is not None:
            kwargs = json.loads(args.env_kwargs)
            if not isinstance(kwargs, dict):
                raise ValueError("--env-kwargs must be a JSON object")
            overrides["env_kwargs"] = kwargs
        if args.steps is not None:
            overrides["total_steps"] = args.steps
        if args.seed is not None:
            overrides["seed"] = args.seed
        if args.resume:
            saved = _read_saved_config(args.resume)
            if args.env or args.preset or "env_kwargs" in overrides or "seed" in overrides:
                raise ValueError("--resume continues the saved run: --env, --env-kwargs, --preset and --seed "
                                 "cannot change")
            try:
                return PPOConfig.from_dict({**saved, **overrides})
            except (ValueError, TypeError) as exc:
                if set(overrides) & set(PPOConfig.__dataclass_fields__):
                    raise
                raise ValueError(f"{Path(args.resume) / 'config.json'} is not a valid PPO config ({exc})") from None
        env_id = args.env
        if env_id is None and args.preset is None:
            env_id = "CartPole-v1"
        return make_config(env_id, args.preset, **overrides)
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        raise CLIError(str(exc)) from exc


def train_main(argv=None) -> int:
    args = train_parser().parse_args(argv)
    if args.time_limit is not None and not (math.isfinite(args.time_limit) and args.time_limit > 0):
        raise CLIError(f"--time-limit must be a finite number of seconds > 0, got {args.time_limit}")
    cfg = _config(args)
    import gymnasium as gym

    import mathrl  # noqa: F401

    if cfg.env_id not in gym.registry:
        raise CLIError(f"unknown env id {cfg.env_id!r} (see `mathrl list`)")
    out = args.resume or args.out or f"runs/ppo-{re.sub(r'[^A-Za-z0-9]+', '-', cfg.env_id).strip('-')}-seed{cfg.seed}"
    if not args.resume and (Path(out) / "checkpoint.pt").exists():
        raise CLIError(f"{out} already holds a run; continue it with --resume {out} or choose another --out")
    check_writable_folder(Path(out), "--resume" if args.resume else "--out", CLIError)
    from mathrl.agents.ppo.ppo import PPOTrainer
    from mathrl.agents.runs import summary_line

    try:
        trainer = PPOTrainer(cfg, out, resume=bool(args.resume))
    except (ValueError, TypeError) as exc:  # env construction or space errors from the user's input
        raise CLIError(str(exc)) from exc
    summary = trainer.run(time_limit=args.time_limit, progress=not args.quiet)
    print(f"run folder: {out}")
    print(f"{summary['updates']} updates, {summary['global_step']} env steps, {summary['episodes']} episodes in "
          f"{summary['train_seconds']:.0f} s ({summary['steps_per_second']:.0f} steps/s)")
    print(summary_line(eval_return=round(float(summary["eval_return"]), 2), steps=summary["global_step"],
                       seconds=round(float(summary["train_seconds"]), 1), out=out))
    return 0
