"""``mathrl bench games``: search speed, Connect Four accuracy on Pons' sets, tic-tac-toe optimality.

* ``speed``  — end-to-end simulations/s of the batched search (many trees, one
  network call per round) against a batch-1 sequential search, same 5x64
  network, same thread count, Connect Four from the empty board; also
  network positions/s and self-play games/hour.
* ``connect4`` — exact and win/draw/loss accuracy on the test sets, overall and
  where the move matters, next to the random-mover floor (docs/games.md).
* ``tictactoe`` — every reachable position: does the agent ever pick a move
  whose minimax value is below the best?

Each writes a JSON file (and prints a table); medians over repeats, with the
machine's core count.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from mathrl.agents.runs import check_writable_file, nan_to_none, summary_key, summary_line, write_json
from mathrl.agents.alphazero.config import MAX_SIMS
from mathrl.sysinfo import cpu_model


class BenchError(Exception):
    """Bad benchmark arguments: one line, exit code 2."""


def _machine(threads: int) -> dict:
    return {"cpu": cpu_model(), "cpu_count": os.cpu_count(), "torch_threads": threads, "torch": torch.__version__}


# ---- speed ------------------------------------------------------------------
def search_speed(trees: int, leaves_per_tree: int, n_sims: int, threads: int, repeats: int, seed: int = 0,
                 precision: str = "fp32") -> dict:
    """Simulations/s of ``trees`` Connect Four searches from the empty board with a fresh 5x64 network."""
    from mathrl.agents.alphazero.config import default_config
    from mathrl.agents.alphazero.evaluator import NetEvaluator
    from mathrl.agents.alphazero.mcts import search
    from mathrl.agents.alphazero.selfplay import build_net
    from mathrl.envs.games.registry import make_game

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    config = default_config("connect4")
    game = make_game("connect4")
    evaluator = NetEvaluator(build_net(config, game), precision=precision)
    cfg = config.search.but(n_sims=n_sims, leaves_per_tree=leaves_per_tree)
    rates, net_rates, batch = [], [], 0.0
    search([game.new_initial_state()], evaluator, cfg.but(n_sims=8))  # warm-up
    for _ in range(repeats):
        evaluator.calls = evaluator.positions = 0
        start = time.perf_counter()
        search([game.new_initial_state() for _ in range(trees)], evaluator, cfg)
        seconds = time.perf_counter() - start
        rates.append(trees * n_sims / seconds)
        net_rates.append(evaluator.positions / seconds)
        batch = evaluator.positions / evaluator.calls
    return {"trees": trees, "leaves_per_tree": leaves_per_tree, "n_sims": n_sims, "precision": precision,
            "sims_per_second": statistics.median(rates), "all": rates,
            "network_positions_per_second": statistics.median(net_rates), "mean_batch": batch}


def network_speed(batch: int, threads: int, repeats: int = 5, seconds: float = 1.0) -> float:
    """Positions/s of the network alone, as the search runs it (``inference_copy``, channels-last input)."""
    from mathrl.agents.alphazero.network import ResNet

    torch.set_num_threads(threads)
    net = ResNet((2, 6, 7), 7, 5, 64).eval().inference_copy()
    x = torch.zeros(batch, 2, 6, 7).contiguous(memory_format=torch.channels_last)
    rates = []
    with torch.inference_mode():
        net(x)
        for _ in range(repeats):
            n, start = 0, time.perf_counter()
            while time.perf_counter() - start < seconds:
                net(x)
                n += batch
            rates.append(n / (time.perf_counter() - start))
    return statistics.median(rates)


def selfplay_speed(games: int, n_sims: int, seed: int = 0, precision: str = "fp32") -> dict:
    """Self-play games/hour of one process with one torch thread (multiply by workers for a pool)."""
    from mathrl.agents.alphazero.config import default_config
    from mathrl.agents.alphazero.selfplay import build_net, play_games

    config = default_config("connect4")
    config = config.but(concurrent_games=games, search=config.search.but(n_sims=n_sims),
                        selfplay_precision=precision)
    torch.manual_seed(seed)
    weights = build_net(config).state_dict()
    out = play_games(weights, config, seed, games, threads=1)
    return {"games": games, "n_sims": n_sims, "precision": precision, "seconds": out["seconds"],
            "games_per_hour_per_process": games / out["seconds"] * 3600,
            "mean_length": float(out["lengths"].mean())}


def run_speed(args) -> dict:
    from mathrl.agents.alphazero.evaluator import bf16_is_native

    from tqdm import tqdm

    threads_list = [int(t) for t in args.threads.split(",")]
    rows = []
    # the measurements, in order: 6 per thread count (4 searches, 2 network speeds), then 2 self-play runs
    bar = tqdm(total=6 * len(threads_list) + 2, unit="measurement", desc="bench games speed", disable=args.quiet)

    def step(value):
        bar.update()
        return value

    for threads in threads_list:
        sequential = step(search_speed(1, 1, args.sims, threads, args.repeats))
        batched = step(search_speed(args.trees, 1, args.sims, threads, args.repeats))
        virtual = step(search_speed(1, args.leaves, args.sims, threads, args.repeats))
        bf16 = step(search_speed(args.trees, 1, args.sims, threads, args.repeats, precision="bf16"))
        rows.append({"threads": threads, "sequential": sequential, "batched": batched, "virtual_loss": virtual,
                     "batched_bf16": bf16,
                     "ratio": batched["sims_per_second"] / sequential["sims_per_second"],
                     "ratio_virtual_loss": virtual["sims_per_second"] / sequential["sims_per_second"],
                     "ratio_bf16": bf16["sims_per_second"] / sequential["sims_per_second"],
                     "network_b1": step(network_speed(1, threads, args.repeats)),
                     "network_b64": step(network_speed(64, threads, args.repeats))})
        r = rows[-1]
        bar.write(f"threads={threads}: batch-1 {sequential['sims_per_second']:.0f} sims/s | "
              f"{args.trees} trees {batched['sims_per_second']:.0f} sims/s (x{r['ratio']:.2f}, "
              f"batch {batched['mean_batch']:.0f}) | one tree, {args.leaves} leaves/round "
              f"{virtual['sims_per_second']:.0f} sims/s (x{r['ratio_virtual_loss']:.2f}) | "
              f"{args.trees} trees in bf16 {bf16['sims_per_second']:.0f} sims/s (x{r['ratio_bf16']:.2f} "
              f"vs float32 batch-1) | network alone b1 {r['network_b1']:.0f}, b64 {r['network_b64']:.0f} positions/s")
    play = step(selfplay_speed(args.selfplay_games, args.selfplay_sims))
    play_bf16 = step(selfplay_speed(args.selfplay_games, args.selfplay_sims, precision="bf16"))
    bar.close()
    print(f"self-play: {play['games_per_hour_per_process']:.0f} games/h per process, "
          f"{play_bf16['games_per_hour_per_process']:.0f} in bf16 "
          f"({args.selfplay_sims} sims/move, {args.selfplay_games} concurrent games, untrained 5x64 network)")
    return {"benchmark": "games-speed", "machine": {**_machine(threads_list[-1]), "bf16_native": bf16_is_native()},
            "rows": rows, "selfplay": play, "selfplay_bf16": play_bf16}


# ---- tic-tac-toe --------------------------------------------------------------
def reachable_tictactoe_positions() -> list:
    from mathrl.envs.games.tictactoe import TicTacToe

    start = TicTacToe().new_initial_state()
    seen, stack, out = {start.key()}, [start], []
    while stack:
        state = stack.pop()
        if state.is_terminal():
            continue
        out.append(state)
        for a in state.legal_actions():
            child = state.child(a)
            if child.key() not in seen:
                seen.add(child.key())
                stack.append(child)
    return out


def tictactoe_mistakes(choose) -> dict:
    """Positions (all reachable, non-terminal) where ``choose(states)``'s move has a lower minimax value than the best."""
    from mathrl.envs.games import solvers

    states = reachable_tictactoe_positions()
    moves = choose(states)
    mistakes = []
    for state, move in zip(states, moves):
        values = solvers.action_values(state)
        if values[move] < np.nanmax(values):
            mistakes.append("".join(str(a + 1) for a in state.history()))
    return {"positions": len(states), "mistakes": len(mistakes), "examples": mistakes[:10]}


# ---- Connect Four ---------------------------------------------------------------
def run_connect4(args) -> dict:
    from mathrl.envs.games import pons
    from mathrl.envs.games.connect4 import ConnectFour

    game = ConnectFour()
    chooser_name, choose = _connect4_chooser(args, game)
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    result = pons.evaluate(choose, limit=args.limit, seed=args.seed)
    seconds = time.perf_counter() - start
    print(f"{chooser_name} on Pons' test sets ({seconds:.0f} s):")
    print(pons.format_report(result))
    return {"benchmark": "games-connect4", "agent": chooser_name, "seconds": seconds,
            "machine": _machine(args.threads), **result}


def run_match(args) -> dict:
    """``--games`` games of ``--agent`` against ``--opponent``, colours alternated, scored from the agent's
    side (a win 1, a draw 1/2): the measure of "beats pure MCTS" (AlphaZero against MCTS with random
    rollouts and five times its simulations)."""
    from mathrl.agents.alphazero.arena import as_player, play_match
    from mathrl.agents.alphazero.cli import CLIError, _make_game, make_player

    try:
        game = _make_game(args.game, {})
        agent = make_player(args.agent, game, args.game, args.sims, args.seed)
        opponent = make_player(args.opponent, game, args.game, args.opponent_sims, args.seed + 1)
    except (CLIError, ValueError) as exc:
        raise BenchError(str(exc)) from exc
    from tqdm import tqdm

    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    with tqdm(total=args.games, unit="game", desc=f"{args.agent} vs {args.opponent}", disable=args.quiet) as bar:
        result = play_match(game, as_player(agent), as_player(opponent), args.games, args.seed,
                            progress=lambda finished: bar.update(finished - bar.n))
    seconds = time.perf_counter() - start
    def label(name, sims):  # simulations mean something for searching players only
        return name if name in ("random", "solver", "perfect") else f"{name} ({sims} sims)"

    print(f"{label(args.agent, args.sims)} against {label(args.opponent, args.opponent_sims)}, {args.games} games "
          f"({seconds:.0f} s): score {result['score']:.3f} (wins {result['wins']}, draws {result['draws']}, "
          f"losses {result['losses']})")
    return {"benchmark": "games-match", "game": args.game, "agent": args.agent, "sims": args.sims,
            "opponent": args.opponent, "opponent_sims": args.opponent_sims, "seconds": seconds,
            "machine": _machine(args.threads), **result}


def _connect4_chooser(args, game):
    from mathrl.agents.alphazero.arena import as_player
    from mathrl.agents.alphazero.cli import CLIError, make_player

    try:
        player = make_player(args.agent, game, "connect4", args.sims, args.seed, args.symmetrize, args.precision)
    except CLIError as exc:
        raise BenchError(str(exc)) from exc
    batched = as_player(player)
    rng = np.random.default_rng(args.seed)

    def choose(move_strings):
        from tqdm import tqdm

        moves = []  # in chunks, for a progress bar with an ETA; each chunk is still one batch of searches
        with tqdm(total=len(move_strings), unit="position", desc="Pons' sets", disable=args.quiet) as bar:
            for start in range(0, len(move_strings), CHUNK):
                chunk = move_strings[start:start + CHUNK]
                moves.extend(batched([game.from_moves(m) for m in chunk], rng))
                bar.update(len(chunk))
        return moves

    if args.agent in ("random", "solver", "perfect"):
        return args.agent, choose
    if args.agent == "mcts":
        return f"mcts with random rollouts ({player.n_sims} sims)", choose
    symmetrised = ", symmetrised" if player.evaluator.symmetries else ""
    bf16 = ", bf16" if args.precision == "bf16" else ""
    return f"{args.agent} ({player.search_config.n_sims} sims{symmetrised}{bf16})", choose


# ---- learning curves ----------------------------------------------------------------
def learning_curve(run_dirs: list[str], png: Path) -> dict:
    """Score vs random and vs pure MCTS over self-play games, from each run's ``metrics.jsonl``; one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mathrl.agents.files import FileFormatError
    from mathrl.agents.runs import read_jsonl

    curves = {}
    fig, ax = plt.subplots(figsize=(7, 4))
    for run in run_dirs:
        path = Path(run) / "metrics.jsonl"
        if not path.exists():
            raise BenchError(f"{run}: no metrics.jsonl (is it a training run folder?)")
        try:  # a torn last row (a kill mid-write) is skipped with a warning
            records = read_jsonl(path)
        except FileFormatError as exc:
            raise BenchError(str(exc)) from exc
        # an older run folder may repeat the iterations a resume redid: the last row of each
        records = sorted({r["iteration"]: r for r in records if "iteration" in r}.values(),
                         key=lambda r: r["iteration"])
        try:
            config = json.loads((Path(run) / "config.json").read_text())
            size = ",".join(f"{k}={v}" for k, v in config.get("game_kwargs", {}).items())
            label = f"{config['game']}{f' ({size})' if size else ''}"
            evals = [r for r in records if "vs_random_score" in r]
            curves[label] = [{k: r[k] for k in ("iteration", "games", "train_seconds", "vs_random_score",
                                                "vs_random_wdl", "vs_mcts_score", "vs_mcts_wdl")} for r in evals]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BenchError(f"{run} is not an AlphaZero training run folder (config.json or metrics.jsonl: "
                             f"{type(exc).__name__}: {exc})") from exc
        games = [r["games"] for r in evals]
        line = ax.plot(games, [r["vs_random_score"] for r in evals], "o-", label=f"{label} vs random")[0]
        ax.plot(games, [r["vs_mcts_score"] for r in evals], "s--", color=line.get_color(),
                label=f"{label} vs MCTS-{config['eval_mcts_sims']} (rollouts)")
    ax.set_xlabel("self-play games")
    ax.set_ylabel("score (win = 1, draw = 1/2)")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=120)
    plt.close(fig)
    return curves


# ---- command line -------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mathrl bench games", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="what", required=True)
    s = sub.add_parser("speed", help="batched vs batch-1 search, network and self-play throughput")
    s.add_argument("--threads", default="1,2", help="comma-separated torch thread counts (default 1,2)")
    s.add_argument("--trees", type=int, default=64, help="concurrent trees of the batched search")
    s.add_argument("--leaves", type=int, default=8, help="leaves per round of the one-tree virtual-loss search")
    s.add_argument("--sims", type=int, default=200)
    s.add_argument("--repeats", type=int, default=3)
    s.add_argument("--selfplay-games", type=int, default=64)
    s.add_argument("--selfplay-sims", type=int, default=100)
    c = sub.add_parser("connect4", help="accuracy on Pascal Pons' test sets")
    c.add_argument("--agent", default="pretrained", help="PATH, pretrained, mcts or random")
    c.add_argument("--sims", type=int, default=200, help="simulations per move (default 200, as in the README's table)")
    c.add_argument("--limit", type=int, default=None, help="positions per set (seeded sample; default all 1000)")
    c.add_argument("--threads", type=int, default=2)
    c.add_argument("--precision", choices=["fp32", "bf16"], default="fp32",
                   help="network precision in the search (bf16: faster on CPUs with native bf16)")
    c.add_argument("--symmetrize", action="store_true", default=None,
                   help="average the network over the board's symmetries (default: the agent file's setting)")
    c.add_argument("--seed", type=int, default=0)
    t = sub.add_parser("tictactoe", help="the agent's moves in every reachable position against minimax")
    t.add_argument("--agent", default="pretrained")
    t.add_argument("--sims", type=int, default=None)
    t.add_argument("--symmetrize", action="store_true", default=None,
                   help="average the network over the board's symmetries (default: the agent file's setting)")
    m = sub.add_parser("match", help="an agent against an opponent, colours alternated (e.g. against pure MCTS "
                                     "with 1,000 simulations)")
    m.add_argument("--game", default="connect4", help="tictactoe, connect4, othello or hex")
    m.add_argument("--agent", default="pretrained", help="PATH, pretrained, mcts, random or solver")
    m.add_argument("--sims", type=int, default=200, help="the agent's simulations per move")
    m.add_argument("--opponent", default="mcts", help="PATH, pretrained, mcts, random or solver")
    m.add_argument("--opponent-sims", type=int, default=1000, help="the opponent's simulations per move")
    m.add_argument("--games", type=int, default=200)
    m.add_argument("--threads", type=int, default=2)
    m.add_argument("--seed", type=int, default=0)
    k = sub.add_parser("curve", help="learning curves (score vs random and vs pure MCTS) of training runs")
    k.add_argument("runs", nargs="+", help="run folders of mathrl train alphazero")
    k.add_argument("--png", default="runs/bench_games/curve.png")
    for q in (s, c, t, m, k):
        q.add_argument("--out", default=None, help="JSON file (default runs/bench_games/WHAT.json)")
        q.add_argument("--quiet", action="store_true", help="no progress bar (stderr)")
    return p


CHUNK = 256  # Pons positions searched together: big enough batches, small enough steps for the bar
MAX_THREADS = 256  # torch's thread pool: more is a typo (100000 threads crash the process)
MAXIMUM = {"trees": 65536, "leaves": 1024, "sims": MAX_SIMS, "repeats": 1000, "selfplay_games": 65536,
           "selfplay_sims": MAX_SIMS, "opponent_sims": MAX_SIMS, "games": 100_000}


def check_args(args) -> None:
    """Range-check every numeric flag and the output paths before anything runs or is written."""
    minimum = {"trees": 1, "leaves": 1, "sims": 1, "repeats": 1, "selfplay_games": 1, "selfplay_sims": 1,
               "limit": 1, "seed": 0, "opponent_sims": 1, "games": 1}
    if args.what == "tictactoe":
        minimum["sims"] = 0
    for name, low in minimum.items():
        value, high = getattr(args, name, None), MAXIMUM.get(name)
        if value is not None and value < low:
            raise BenchError(f"--{name.replace('_', '-')} must be >= {low}, got {value}")
        if value is not None and high is not None and value > high:
            raise BenchError(f"--{name.replace('_', '-')} must be <= {high:,}, got {value:,}")
    if args.what == "speed":
        try:
            threads = [int(t) for t in args.threads.split(",")]
        except ValueError:
            threads = []
        if not threads or min(threads) < 1 or max(threads) > MAX_THREADS:
            raise BenchError(f"--threads must be comma-separated integers in 1..{MAX_THREADS}, got {args.threads!r}")
    elif getattr(args, "threads", None) is not None and not 1 <= args.threads <= MAX_THREADS:
        raise BenchError(f"--threads must be in 1..{MAX_THREADS}, got {args.threads}")
    check_writable_file(Path(args.out or f"runs/bench_games/{args.what}.json"), "--out", BenchError)
    if args.what == "curve":
        check_writable_file(Path(args.png), "--png", BenchError)


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    check_args(args)
    if args.what == "speed":
        result = run_speed(args)
    elif args.what == "curve":
        result = {"benchmark": "games-curve", "curves": learning_curve(args.runs, Path(args.png)), "png": args.png}
        for label, points in result["curves"].items():
            print(label + ": " + ", ".join(f"{p['games']} games {p['vs_random_score']:.2f}/{p['vs_mcts_score']:.2f}"
                                           for p in points))
    elif args.what == "connect4":
        result = run_connect4(args)
    elif args.what == "match":
        result = run_match(args)
    else:
        from mathrl.agents.alphazero.cli import CLIError, make_player
        from mathrl.envs.games.tictactoe import TicTacToe

        try:
            agent = make_player(args.agent, TicTacToe(), "tictactoe", args.sims, 0, args.symmetrize)
        except CLIError as exc:
            raise BenchError(str(exc)) from exc
        from mathrl.agents.alphazero.arena import as_player

        batched, rng = as_player(agent), np.random.default_rng(0)
        result = {"benchmark": "games-tictactoe", "agent": args.agent,
                  **tictactoe_mistakes(lambda states: batched(states, rng))}
        print(f"{args.agent}: {result['mistakes']} value-losing moves in {result['positions']} reachable positions")
    out = Path(args.out or f"runs/bench_games/{args.what}.json")
    result = nan_to_none(result)  # a fraction over no positions (0 / 0) is null, not NaN
    write_json(out, result)
    print(f"-> {out}")
    print(summary_line(**{summary_key(k): v for k, v in result.items() if v is None or isinstance(v, (int, float, str))},
                       file=out))
    return 0
