"""``mathrl bench ppo``: evaluate finished PPO runs against each domain's references, plot their curves.

For each run folder (from ``mathrl train ppo``) the evaluation fits its env:

* **Buchberger**: the agent (greedy and sampled) against Degree and Normal on the same fresh ideals,
  through ``mathrl bench buchberger`` (so the numbers are the ones that command prints);
* **semigroup proofs**: the greedy policy's proof size (one deterministic episode) and the mean over
  sampled episodes, against the benchmark order's size for the same instances;
* **board games**: win/draw/loss against a random and a one-step-lookahead opponent;
* anything else: the mean greedy return.

Every row also reports the run's wall time, environment steps and steps per second. The result is
written as JSON and the learning curves as PNG (with the reference lines drawn).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np


class BenchError(ValueError):
    """Bad benchmark input (reported as a usage error)."""


MAX_WORKERS = 1024  # more processes than any one machine here holds: a typo, not a plan


def _read_json(path: Path, required: tuple[str, ...] = ()) -> dict:
    """A run's JSON file as a dict; unreadable, not JSON, not an object or missing ``required`` keys is one
    :class:`BenchError` naming the file."""
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BenchError(f"{path} is not readable JSON ({type(exc).__name__}: {exc})") from None
    missing = [key for key in required if not isinstance(data, dict) or key not in data]
    if not isinstance(data, dict) or missing:
        raise BenchError(f"{path} is not a PPO run's file (missing {', '.join(missing) or 'a JSON object'})")
    return data


def _summary(run: Path) -> dict:
    from mathrl.agents.ppo.agent import load_agent

    cfg = _read_json(run / "config.json", ("env_id", "env_kwargs", "baseline"))
    if not isinstance(cfg["env_kwargs"], dict) or not isinstance(cfg["env_id"], str):
        raise BenchError(f"{run / 'config.json'} is not a PPO run's config (env_id, env_kwargs)")
    summary = _read_json(run / "summary.json") if (run / "summary.json").exists() else {}
    try:
        spec = load_agent(run).policy.spec  # the safe loader: a crafted agent.pt cannot run code
    except ValueError as exc:  # missing, truncated, foreign or unsafe: one line, exit code 2
        raise BenchError(str(exc)) from exc
    return {"run": str(run), "env_id": cfg["env_id"], "env_kwargs": cfg["env_kwargs"], "baseline": cfg["baseline"],
            "policy": spec["kind"] + (f"/{spec['encoder']}" if spec["kind"] == "pairs" else ""), "train_seconds": summary.get("train_seconds"),
            "global_step": summary.get("global_step"), "episodes": summary.get("episodes"),
            "steps_per_second": summary.get("steps_per_second"), "cpu_count": os.cpu_count()}


def bench_buchberger(run: Path, samples: int, seed: int, workers: int | None, progress: bool) -> dict:
    from mathrl.benchmarks.buchberger import run as bench_run

    cfg = _read_json(run / "config.json", ("env_kwargs",))
    dist = cfg["env_kwargs"].get("ideal_dist", "3-20-10-weighted")
    strategies = ["degree", "normal", f"agent:{run}", f"agent:{run}:sample"]
    result, _ = bench_run(dist, samples, seed, strategies, workers=workers, progress=progress)
    cells = result["strategies"]
    out = {"ideals": dist, "samples": samples, "seed": seed, "seconds": result["seconds"],
           "degree": cells["degree"]["mean"], "normal": cells["normal"]["mean"],
           "agent_greedy": cells[strategies[2]]["mean"], "agent_sampled": cells[strategies[3]]["mean"],
           "agent_greedy_stderr": cells[strategies[2]]["stderr"], "agent_sampled_stderr": cells[strategies[3]]["stderr"]}
    out["greedy_vs_degree"] = out["agent_greedy"] / out["degree"] - 1
    out["sampled_vs_degree"] = out["agent_sampled"] / out["degree"] - 1
    return out


def bench_semigroups(run: Path, episodes: int, seed: int, progress: bool = False) -> dict:
    import gymnasium as gym

    from mathrl.agents.ppo.agent import evaluate, load_agent
    from mathrl.envs.semigroups.policies import make_policy

    agent = load_agent(run)
    greedy = evaluate(agent, episodes=1, seed=seed, greedy=True)
    sampled = evaluate(agent, episodes=episodes, seed=seed, greedy=False, progress=progress)
    env = gym.make(agent.env_id, **agent.env_kwargs).unwrapped
    benchmark = make_policy("benchmark", env.problem)
    obs, info = env.reset(seed=seed)
    size, done = 0, False
    while not done:
        obs, r, term, trunc, info = env.step(benchmark.choose(env.problem, env.current_node))
        size, done = size - r, term or trunc
    return {"greedy_proof_size": -greedy["mean_return"], "sampled_proof_size_mean": -sampled["mean_return"],
            "sampled_proof_size_min": -max(sampled["returns"]), "sampled_episodes": episodes,
            "benchmark_proof_size": size}


def bench_game(run: Path, episodes: int, seed: int, progress: bool = False) -> dict:
    from mathrl.agents.ppo.agent import evaluate, load_agent

    agent = load_agent(run)
    out = {}
    for opponent in ("random", "lookahead"):
        kwargs = {**agent.env_kwargs, "opponent": opponent}
        played = evaluate(agent, env_kwargs=kwargs, episodes=episodes, seed=seed, progress=progress)
        returns = np.array(played["returns"])
        out[f"vs_{opponent}"] = {"win": float((returns > 0).mean()), "draw": float((returns == 0).mean()),
                                 "loss": float((returns < 0).mean()), "games": episodes}
    return out


def run_bench(runs, samples: int = 10_000, episodes: int = 200, seed: int = 12345, workers=None,
              progress: bool = True) -> list[dict]:
    rows = []
    for r in runs:  # every folder checked before any evaluation, so a bad one fails in seconds
        run = Path(r)
        if not (run / "config.json").is_file() or not (run / "agent.pt").is_file():
            raise BenchError(f"{run} is not a PPO run folder (config.json and agent.pt)")
        rows.append(_summary(run))
    for row in rows:
        run = Path(row["run"])
        env_id = row["env_id"]
        if env_id == "mathrl/Buchberger-v0":
            row["buchberger"] = bench_buchberger(run, samples, seed, workers, progress)
        elif env_id == "mathrl/SemigroupProof-v0":
            row["semigroups"] = bench_semigroups(run, min(episodes, 20), seed, progress)
        elif env_id in ("mathrl/TicTacToe-v0", "mathrl/ConnectFour-v0", "mathrl/Othello-v0", "mathrl/Hex-v0"):
            row["games"] = bench_game(run, episodes, seed, progress)
        else:
            from mathrl.agents.ppo.agent import evaluate, load_agent

            row["eval_return"] = evaluate(load_agent(run), episodes=min(episodes, 20), seed=seed,
                                          progress=progress)["mean_return"]
    return rows


REFERENCES = {"mathrl/Buchberger-v0": {"Degree (136.2)": -136.2, "transformer agents (about 85)": -85.0},
              "mathrl/SemigroupProof-v0": {"benchmark order (242)": -242.0, "minimum (151)": -151.0}}


def plot(rows: list[dict], out: Path) -> list[str]:
    from mathrl.agents.files import FileFormatError
    from mathrl.agents.ppo.ppo import plot_curves

    paths = []
    for env_id in sorted({r["env_id"] for r in rows}):
        mine = [r for r in rows if r["env_id"] == env_id]
        runs = {Path(r["run"]).name: Path(r["run"]) / "metrics.jsonl" for r in mine}
        path = out / f"curve-{env_id.replace('/', '-')}.png"
        reference = REFERENCES.get(env_id)
        if env_id == "mathrl/Buchberger-v0" and any(
                r["env_kwargs"].get("ideal_dist", "3-20-10-weighted") != "3-20-10-weighted" for r in mine):
            reference = None  # the reference levels are for 3-20-10-weighted only
        try:  # the run logs, read with read_jsonl: a torn last row (a kill mid-write) is skipped
            plot_curves(runs, path, reference=reference)
        except FileFormatError as exc:  # a damaged metrics.jsonl: one line
            raise BenchError(str(exc)) from exc
        paths.append(str(path))
    return paths


def format_table(rows: list[dict]) -> str:
    lines = []
    for r in rows:
        speed = f"{r['steps_per_second']:.0f} steps/s" if r.get("steps_per_second") else "?"
        head = (f"{r['run']}: {r['env_id']} ({r['policy']}, baseline {r['baseline']}), {r['global_step']} steps in "
                f"{(r['train_seconds'] or 0) / 60:.1f} min, {speed} on {r['cpu_count']} cores")
        lines.append(head)
        if "buchberger" in r:
            b = r["buchberger"]
            lines.append(f"  {b['ideals']}, {b['samples']} fresh ideals: Degree {b['degree']:.1f}, Normal "
                         f"{b['normal']:.1f}, agent greedy {b['agent_greedy']:.1f} ({100 * b['greedy_vs_degree']:+.1f}%)"
                         f", sampled {b['agent_sampled']:.1f} ({100 * b['sampled_vs_degree']:+.1f}%)")
        if "semigroups" in r:
            s = r["semigroups"]
            lines.append(f"  proof size: greedy {s['greedy_proof_size']:.0f}, sampled mean "
                         f"{s['sampled_proof_size_mean']:.1f} (best {s['sampled_proof_size_min']:.0f}), benchmark "
                         f"order {s['benchmark_proof_size']:.0f}")
        if "games" in r:
            for opp, g in r["games"].items():
                lines.append(f"  {opp}: win {g['win']:.3f} draw {g['draw']:.3f} loss {g['loss']:.3f} "
                             f"({g['games']} games)")
        if "eval_return" in r:
            lines.append(f"  eval_return={r['eval_return']:.2f}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mathrl bench ppo", description="evaluate PPO run folders and plot their curves")
    p.add_argument("runs", nargs="+", help="run folders written by mathrl train ppo")
    p.add_argument("--samples", type=int, default=10_000, help="Buchberger: fresh ideals per strategy")
    p.add_argument("--episodes", type=int, default=200, help="games per opponent (sampled semigroup proofs: 20)")
    p.add_argument("--seed", type=int, default=12345, help="evaluation seed (the training envs use 0..)")
    p.add_argument("--workers", type=int, default=None, help="processes for the Buchberger benchmark")
    p.add_argument("--out", default="bench-ppo", help="folder for result.json and the curve PNGs")
    p.add_argument("--quiet", action="store_true")
    return p


def main(argv=None) -> int:
    from mathrl.benchmarks.common import check_out_dir, write_json

    args = build_parser().parse_args(argv)
    for flag, value, low, high in (("--samples", args.samples, 1, 10**7), ("--episodes", args.episodes, 1, 10**6),
                                   ("--seed", args.seed, 0, 2**63 - 1), ("--workers", args.workers, 1, MAX_WORKERS)):
        if value is not None and not low <= value <= high:
            raise BenchError(f"{flag} must be in {low}..{high}, got {value}")
    out = check_out_dir(args.out, BenchError)
    rows = run_bench(args.runs, args.samples, args.episodes, args.seed, args.workers, progress=not args.quiet)
    pictures = plot(rows, out)
    write_json(out / "result.json", {"runs": rows, "curves": pictures})
    from mathrl.agents.runlog import MetricsLog

    log = MetricsLog(out, "index", 0)  # one row per run folder (TensorBoard: its top-level numbers)
    try:
        for i, row in enumerate(rows):
            log.write({"index": i, **row})  # the row's own "run" is the folder
    finally:
        log.close()
    print(format_table(rows))
    print(f"wrote {out / 'result.json'} and {', '.join(pictures)}")
    from mathrl.agents.runs import summary_line

    print(summary_line(runs=len(rows), files=out))
    return 0
