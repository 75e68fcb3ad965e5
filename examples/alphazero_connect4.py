"""Tutorial: train AlphaZero on Connect Four, then play it.

Trains with ``mathrl train alphazero --game connect4`` (self-play, a replay buffer, a residual
value-policy network; checkpointed every iteration, so ``--resume RUN`` continues it), plays the trained
agent against a uniformly random mover with colours alternated, and shows one move it chooses. To play
it yourself: ``mathrl play connect4 --agent RUN`` (or ``--agent pretrained`` for the shipped one).

``python examples/alphazero_connect4.py`` trains 10 minutes; ``--short`` trains one small tic-tac-toe
iteration (what the tests run).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from mathrl.agents.alphazero.agent import load_agent
from mathrl.agents.alphazero.arena import as_player, play_match
from mathrl.envs.games.registry import make_game


def random_mover(state, rng):
    return int(rng.choice(state.legal_actions()))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=600.0, help="seconds of training")
    parser.add_argument("--games", type=int, default=40, help="games against the random mover")
    parser.add_argument("--short", action="store_true", help="one tiny tic-tac-toe iteration (the tests)")
    args = parser.parse_args(argv)
    game_name = "tictactoe" if args.short else "connect4"
    train = ["--iterations", "1", "--games-per-iter", "8", "--sims", "8", "--blocks", "1", "--channels", "16",
             "--workers", "1", "--eval-every", "0"] if args.short else ["--time-limit", str(args.time_limit)]
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        done = subprocess.run([sys.executable, "-m", "mathrl", "train", "alphazero", "--game", game_name, *train,
                               "--out", str(run), "--quiet"], capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        print(done.stdout.strip())
        agent = load_agent(run, n_sims=16 if args.short else 200)
    game = make_game(game_name)
    result = play_match(game, as_player(agent), as_player(random_mover), n_games=8 if args.short else args.games)
    print(f"against a random mover: {result}")
    state = game.new_initial_state()
    print(f"its first move on the empty board: column/cell {agent.choose([state])[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
