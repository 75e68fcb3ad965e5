"""Reproduce the Connect Four figures of the README and docs/games.md.

1. accuracy on Pons' three test sets at 200 simulations per move for the
   shipped agent (or --agent PATH), next to the random floor;
2. the pure-MCTS (random rollouts) baseline at 200 and 1,000 simulations;
3. the batched-vs-batch-1 search speed with the 5x64 network (1 and 2 threads)
   and self-play games per hour.

Every part writes JSON under runs/bench_games/ (see ``mathrl bench games --help``).

    python scripts/eval_connect4.py [--agent pretrained] [--limit N] [--skip-mcts] [--skip-speed]
"""

from __future__ import annotations

import argparse
import sys

from mathrl.agents.alphazero.bench import main as bench


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--agent", default="pretrained")
    p.add_argument("--limit", default=None, help="positions per set (default: all 1000)")
    p.add_argument("--skip-mcts", action="store_true")
    p.add_argument("--skip-speed", action="store_true")
    args = p.parse_args()
    limit = ["--limit", args.limit] if args.limit else []
    code = bench(["connect4", "--agent", args.agent, "--sims", "200", *limit,
                  "--out", "runs/bench_games/connect4_agent.json"])
    if not args.skip_mcts:
        for sims in ("200", "1000"):
            code |= bench(["connect4", "--agent", "mcts", "--sims", sims, *limit,
                           "--out", f"runs/bench_games/connect4_mcts{sims}.json"])
    if not args.skip_speed:
        code |= bench(["speed", "--out", "runs/bench_games/speed.json"])
    return code


if __name__ == "__main__":
    sys.exit(main())
