"""Connect Four self-play games per hour of this checkout against another commit, side by side.

The other commit is checked out into a temporary folder (``git worktree``), and the two trees play the
same self-play games in turns (one process each, one torch thread, the same seed), so both meet the
same machine load. Weights: a fresh network (``--weights fresh``, the start of training) or the shipped
agent (``--weights pretrained``, a trained policy, whose searches concentrate their visits the way
trained ones do).

    .venv/bin/python scripts/compare_selfplay.py --baseline HEAD~1 --games 64 --sims 200 --weights pretrained

Prints one JSON line per run and a last ``key=value`` line with the medians and their ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs inside each tree: only APIs that existed before tree reuse, so old commits run it too.
MEASURE = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import mathrl
assert mathrl.__file__.startswith(sys.argv[1]), mathrl.__file__
import torch
from mathrl.agents.alphazero.selfplay import build_net, play_games
games, sims, seed, weights = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
if weights == "pretrained":
    from mathrl.agents.alphazero.agent import load_agent
    agent = load_agent("pretrained:connect4")
    config, state = agent.config, agent.net.state_dict()
else:
    from mathrl.agents.alphazero.config import default_config
    config = default_config("connect4")
    torch.manual_seed(seed)
    state = build_net(config).state_dict()
config = config.but(concurrent_games=games, search=config.search.but(n_sims=sims))
out = play_games({k: v.clone() for k, v in state.items()}, config, seed, games, threads=1)
print(json.dumps({"games_per_hour": games / out["seconds"] * 3600, "seconds": out["seconds"],
                  "network_positions": out["positions_evaluated"], "mean_length": float(out["lengths"].mean())}))
"""


def measure(tree: Path, args, seed: int) -> dict:
    done = subprocess.run([sys.executable, "-c", MEASURE, str(tree), str(args.games), str(args.sims), str(seed),
                           args.weights], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="HEAD~1", help="the commit to compare with (default %(default)s)")
    parser.add_argument("--games", type=int, default=64, help="games played at once (concurrent_games)")
    parser.add_argument("--sims", type=int, default=200, help="simulations per move (Connect Four's default)")
    parser.add_argument("--weights", choices=("fresh", "pretrained"), default="pretrained")
    parser.add_argument("--repeats", type=int, default=1, help="runs per tree, alternating, seeds 0, 1, ...")
    args = parser.parse_args(argv)
    from mathrl.sysinfo import cpu_model

    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(old), args.baseline],
                       check=True)
        try:
            rates = {"baseline": [], "this": []}
            for seed in range(args.repeats):
                for name, tree in (("baseline", old), ("this", ROOT)):
                    row = measure(tree, args, seed)
                    rates[name].append(row["games_per_hour"])
                    print(json.dumps({"tree": name, "seed": seed, **row}), flush=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False)
    base, this = statistics.median(rates["baseline"]), statistics.median(rates["this"])
    print(f"cpu={cpu_model().replace(' ', '_')} games={args.games} sims={args.sims} weights={args.weights} "
          f"baseline={args.baseline} baseline_games_per_hour={base:.0f} games_per_hour={this:.0f} "
          f"ratio={this / base:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
