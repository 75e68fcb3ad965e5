"""Ship a single-player AlphaZero run's agent with mathrl: its agent.pt plus the command that trained it.

    python scripts/ship_alphazero.py RUN --name buchberger --command "mathrl train alphazero --env ..."

writes ``mathrl/agents/alphazero/pretrained/<file of NAME>`` (see ``PRETRAINED`` in
``mathrl.agents.alphazero.problem_agent``), which ``agent:alphazero`` names in ``mathrl bench buchberger``.
The file holds the run's config, weights, iteration and held-out score, and ``command``: a run folder does
not remember the command line, so the person shipping it states it (checked to start as a training command).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mathrl.agents.alphazero.problem_agent import PRETRAINED, ProblemAgent, pretrained_path
from mathrl.agents.alphazero.problems import AGENT, WHAT, chain_seconds
from mathrl.agents.files import load_file, save_file

SHIPS = {"buchberger": ("mathrl/Buchberger-v0", "3-20-10-weighted")}  # what each shipped name was trained on


def _seconds_at(run: Path, iteration: int) -> float | None:
    """The training seconds the run's metrics.jsonl records at ``iteration`` (None when it has no such row)."""
    from mathrl.agents.runs import read_jsonl

    try:
        rows = read_jsonl(run / "metrics.jsonl")
    except (OSError, ValueError):
        return None
    seconds = next((r.get("train_seconds") for r in rows if r.get("iteration") == iteration), None)
    return float(seconds) if isinstance(seconds, (int, float)) else None


def _without_paths(record: dict) -> dict:
    """An init record (and the records nested in it) without the ``from`` paths."""
    out = {k: v for k, v in record.items() if k not in ("from", "init")}
    if "init" in record:
        out["init"] = _without_paths(record["init"])
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run", help="a run folder of mathrl train alphazero --env ... (its agent.pt), or an agent file")
    p.add_argument("--name", default="buchberger", choices=sorted(PRETRAINED))
    p.add_argument("--command", required=True, help="the training command, as a user would type it")
    args = p.parse_args(argv)
    if not args.command.startswith("mathrl train alphazero --env "):
        print("error: --command must be the training command (mathrl train alphazero --env ...)", file=sys.stderr)
        return 2
    run = Path(args.run)
    file = run / AGENT if run.is_dir() else run
    try:
        agent = ProblemAgent.load(file)  # refuses a foreign, damaged or unsafe run
        data = load_file(file, WHAT)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    env_id, dist = agent.config.episodes.env_id, agent.trained_on.get("ideal_dist", "3-20-10-weighted")
    if (env_id, dist) != SHIPS[args.name]:
        print(f"error: {file} was trained on {env_id} {dist}; the shipped {args.name} agent is one of "
              f"{SHIPS[args.name][0]} {SHIPS[args.name][1]}", file=sys.stderr)
        return 2
    record = {k: data[k] for k in ("train_seconds", "init") if k in data}
    if "train_seconds" not in record:  # an agent file saved before agents recorded their time
        seconds = _seconds_at(file.parent, data["iteration"])
        if seconds is not None:
            record["train_seconds"] = seconds
    if "init" in record:
        # paths on the shipper's machine mean nothing to a user (the command names the runs)
        record["init"] = _without_paths(record["init"])
        earlier = chain_seconds(record["init"])
        if earlier is not None and "train_seconds" in record:  # only a total that misses no run of the chain
            record["total_train_seconds"] = record["train_seconds"] + earlier
    out = pretrained_path(args.name)
    save_file({"config": data["config"], "weights": agent.net.state_dict(), "iteration": data["iteration"],
               "eval_return": data["eval_return"], "command": args.command, **record}, out)
    print(f"{out}: iteration {data['iteration']}, eval_return {data['eval_return']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
