"""``mathrl list``: the registered environments, built-in scores and agents."""

from __future__ import annotations

import argparse

from .common import print_json


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mathrl list", description="list environments, built-in scores and agents")
    parser.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    import gymnasium as gym

    from mathrl.agents.cem.config import PRESETS
    from mathrl.envs.registration import register_all
    from mathrl.scores import REGISTRY

    register_all()
    envs = sorted(k for k in gym.registry if k.startswith("mathrl/"))
    scores = {name: {"object_kind": cls.object_kind, "default_n": cls.default_n, "summary": cls.summary}
              for name, cls in sorted(REGISTRY.items())}
    agents = {"cem": sorted(PRESETS), "search": ["cem", "hybrid", "local", "nmcs"],
              "alphazero": ["tictactoe", "connect4", "othello", "hex"]}
    if args.json:
        print_json({"envs": envs, "scores": scores, "agents": agents})
        return 0
    print("Environments:")
    for env_id in envs:
        print(f"  {env_id}")
    print("Scores (score > 0 means a counterexample):")
    for name, info in scores.items():
        print(f"  {name:<15} {info['object_kind']:<7} default n={info['default_n']:<3} {info['summary']}")
    print("Agents:")
    for name, presets in agents.items():
        kind = {"alphazero": "games", "search": "mathrl search --agent"}.get(name, "presets")
        print(f"  {name:<15} {kind}: {', '.join(presets)}")
    return 0
