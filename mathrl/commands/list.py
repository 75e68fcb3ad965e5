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
    vector_envs = [k for k in envs if gym.spec(k).vector_entry_point is not None]
    scores = {name: {"object_kind": cls.object_kind, "default_n": cls.default_n, "summary": cls.summary}
              for name, cls in sorted(REGISTRY.items())}
    from mathrl.agents.alphazero.agent import PRETRAINED as ALPHAZERO_PRETRAINED
    from mathrl.agents.alphazero.problem_agent import PRETRAINED as ALPHAZERO_PROBLEMS
    from mathrl.agents.ppo.agent import PRETRAINED as PPO_PRETRAINED
    from mathrl.agents.ppo.config import PRESETS as PPO_PRESETS
    from mathrl.envs.buchberger.strategies import STRATEGIES
    from mathrl.envs.games.registry import GAME_NAMES
    from mathrl.envs.semigroups.policies import POLICIES

    single_player = [e for e in envs if ".games." not in str(gym.spec(e).entry_point)]
    agents = {"search": ["hybrid", "cem", "local", "nmcs", "alphazero"], "cem": sorted(PRESETS), "ppo": sorted(PPO_PRESETS),
              "alphazero": list(GAME_NAMES), "alphazero-env": single_player}
    pretrained = {"alphazero": [f"pretrained:{g}" for g in ALPHAZERO_PRETRAINED]
                  + (["agent:alphazero (bench buchberger)"] if "buchberger" in ALPHAZERO_PROBLEMS else []),
                  "ppo": [f"pretrained:{name}" for name in PPO_PRETRAINED]}
    heuristics = {"buchberger strategies": sorted(STRATEGIES) + ["agent:PATH", "agent:RUN:sims=N", "agent:pretrained",
                                                                "agent:alphazero", "agent:alphazero:sims=N"],
                  "semigroup cut policies": list(POLICIES) + ["agent:RUN"]}
    integrations = {"stable-baselines3": ["mathrl.integrations.sb3.PairSetPolicy (Buchberger's pair set)"]}
    if args.json:
        print_json({"envs": envs, "vector_envs": vector_envs, "scores": scores, "agents": agents, "pretrained": pretrained,
                    "heuristics": heuristics, "integrations": integrations})
        return 0
    print("Environments (* gymnasium.make_vec gives a natively batched env):")
    for env_id in envs:
        print(f"  {env_id}{' *' if env_id in vector_envs else ''}")
    print("Scores (score > 0 means a counterexample):")
    for name, info in scores.items():
        print(f"  {name:<15} {info['object_kind']:<7} default n={info['default_n']:<3} {info['summary']}")
    print("Agents:")
    kinds = {"search": "mathrl search --agent", "cem": "presets", "ppo": "mathrl train ppo --preset",
             "alphazero": "mathrl train alphazero --game", "alphazero-env": "mathrl train alphazero --env"}
    for name, values in agents.items():
        print(f"  {name:<15} {kinds[name]}: {', '.join(values)}")
    print("Pretrained agents:")
    for name, values in pretrained.items():
        print(f"  {name:<15} {', '.join(values)}")
    print("Heuristics:")
    for name, values in heuristics.items():
        print(f"  {name:<23} {', '.join(values)}")
    print("Integrations:")
    for name, values in integrations.items():
        print(f"  {name:<23} {', '.join(values)}")
    return 0
