"""Counterexamples per core-minute of one CEM island on conjecture 2.1 at n = 19.

The island restarts from a fresh network after every hit as well as when stuck,
so one long run counts independent attempts: the rate behind the choice of the
default preset's session count. One process, one torch thread.

    python scripts/cem_hit_rate.py --sessions 400 --seed 1 --seconds 240
"""

from __future__ import annotations

import argparse
import json
import time


def main() -> None:
    import torch

    from mathrl.agents.cem.cem import CrossEntropyMethod
    from mathrl.agents.cem.config import preset
    from mathrl.envs.graphs.vector_env import WordConstructionVectorEnv
    from mathrl.scores import make

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="default")
    parser.add_argument("--sessions", type=int, default=None, help="override the preset's sessions")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=240.0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    config = preset(args.preset).but(islands=1)
    if args.sessions:
        config = config.but(n_sessions=args.sessions)
    score = make("wagner-2.1", n=19)
    agent = CrossEntropyMethod(WordConstructionVectorEnv(score, num_envs=config.n_sessions), config, args.seed)
    start, hits, iterations = time.perf_counter(), [], 0
    while time.perf_counter() - start < args.seconds:
        agent.step()
        iterations += 1
        if agent.population_best > score.tol:
            hits.append(round(time.perf_counter() - start, 1))
            agent.restarts += 1
            agent._fresh_population()
    print(json.dumps({"preset": args.preset, "sessions": config.n_sessions, "seed": args.seed,
                      "seconds": args.seconds, "iterations": iterations, "attempts": agent.restarts + 1,
                      "hits": hits, "hits_per_minute": len(hits) / args.seconds * 60}))


if __name__ == "__main__":
    main()
