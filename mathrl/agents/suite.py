"""``mathrl bench search``: every search agent on a suite of problems with known answers.

A problem is a (score, n, target) triple. Without a target the problem is a
conjecture to refute (success: a verified score > 0); with one it is an
extremal problem whose optimum is known (success: a verified score >= target,
e.g. 0 for ``c4-free``, i.e. ex(n, C4) edges, OEIS A006855). Problems whose
answer is unknown (``wagner-2.3`` at n = 30: no counterexample is known below
n = 203) report the best score reached, not success.

Every agent runs on every problem over K seeds, each run capped in wall-clock
time, one after another on the same machine in one invocation, so the rows are
comparable. Each run is a real ``mathrl search`` (islands, verification) in a
temporary folder; its time includes starting the island processes and
verifying the result, as a user's would. A run counts as a success only if that
time is within the cap: the search stops at its time limit between iterations,
so a hit in the last iteration, with its verification, can end a little after
the cap, and such a run is a miss of the capped suite (its ``status`` stays
``found``).

The whole suite is hours long (5 agents, 24 problems, 5 seeds, 2 minutes each),
so it runs in pieces: every finished run is a row of ``metrics.jsonl`` at once,
and ``--resume DIR`` runs only the runs that have no row yet (a kill loses the
runs in flight, nothing else). The suite's definition is fixed by
``bench_search_run.json``, written before the first run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mathrl.agents.runlog import MetricsLog
from mathrl.agents.runs import summary_key, summary_line


class BenchError(ValueError):
    """Bad benchmark arguments (reported as a one-line usage error)."""


@dataclass(frozen=True)
class Problem:
    score: str
    n: int
    target: float | None = None
    note: str = ""          # e.g. "target is a lower bound" or "progress only"
    scored: bool = True     # False: no success is possible, report the best score only

    @property
    def label(self) -> str:
        return f"{self.score}:{self.n}" + (f":{self.target:g}" if self.target is not None else "")


# Conjectures with no known counterexample in reach: a run reports progress, never success.
UNSOLVED = {"wagner-2.3": "no counterexample known below n = 203: progress only"}


def default_suite() -> list[Problem]:
    from mathrl.envs.graphs.scores.permanent import BEST_KNOWN_312
    from mathrl.scores import REGISTRY

    problems = [Problem("wagner-2.1", 19)]
    problems += [Problem("c4-free", n, 0.0) for n in range(10, 26)]
    problems += [Problem("permanent-312", n, 0.0, "" if n <= 8 else "best known lower bound (A343844)")
                 for n in range(5, 11) if n in BEST_KNOWN_312]
    problems.append(Problem("wagner-2.3", 30, None, UNSOLVED["wagner-2.3"], scored=False))
    known = {"wagner-2.1", "wagner-2.3", "c4-free", "permanent-312"}
    problems += [Problem(name, cls.default_n) for name, cls in sorted(REGISTRY.items()) if name not in known]
    return problems


def parse_problems(spec: str | None) -> list[Problem]:
    """``SCORE:n[:target],...``; extremal scores default to target 0 (the known optimum)."""
    from mathrl.envs.graphs.scores.base import ExtremalScore
    from mathrl.scores import REGISTRY, ScoreError, make

    if spec is None or spec == "suite":
        return default_suite()
    problems = []
    for item in (s.strip() for s in spec.split(",") if s.strip()):
        parts = item.split(":")
        if len(parts) not in (2, 3) or parts[0] not in REGISTRY:
            raise BenchError(f"problem {item!r}: expected SCORE:n[:target] with a built-in score "
                             f"({', '.join(sorted(REGISTRY))})")
        try:
            n = int(parts[1])
            target = float(parts[2]) if len(parts) == 3 else None
        except ValueError as exc:
            raise BenchError(f"problem {item!r}: {exc}") from exc
        if n < 2 or n > 200:
            raise BenchError(f"problem {item!r}: n must be in 2..200")
        if target is not None and not np.isfinite(target):
            raise BenchError(f"problem {item!r}: the target must be a finite number")
        try:
            make(parts[0], n=n)
        except (ScoreError, ValueError) as exc:
            raise BenchError(f"problem {item!r}: {exc}") from exc
        if target is None and issubclass(REGISTRY[parts[0]], ExtremalScore):
            target = 0.0
        note = UNSOLVED.get(parts[0], "") if target is None else ""
        problem = Problem(parts[0], n, target, note, scored=not note)
        if problem not in problems:
            problems.append(problem)
    if not problems:
        raise BenchError("--problems names no problem")
    return problems


def run_one(agent: str, problem: Problem, seed: int, cap: float) -> dict:
    """One capped search; the row a benchmark table is made of."""
    from mathrl.agents.cem.search import Search
    from mathrl.agents.searchers import parse_agent
    from mathrl.scores import make

    score = make(problem.score, n=problem.n)
    _, label, config = parse_agent(agent)
    with tempfile.TemporaryDirectory() as tmp:
        search = Search(score, tmp, config=config, preset_name=label, seed=seed, target=problem.target)
        clock = time.perf_counter()
        result = search.run(time_limit=cap, progress=False)
        seconds = time.perf_counter() - clock
    success = result.status == "found" and problem.scored and seconds <= cap
    return {"agent": agent, "problem": problem.label, "seed": seed, "success": success,
            "status": result.status, "seconds": round(seconds, 3), "evaluations": search.evaluations,
            "iterations": result.iterations, "best_score": float(result.best_score)}


def summarise(rows: list[dict], agents: list[str], problems: list[Problem]) -> list[dict]:
    table = []
    for problem in problems:
        for agent in agents:
            runs = [r for r in rows if r["agent"] == agent and r["problem"] == problem.label]
            if not runs:
                continue
            hits = [r for r in runs if r["success"]]
            table.append({
                "agent": agent, "problem": problem.label, "note": problem.note, "scored": problem.scored,
                "successes": len(hits), "runs": len(runs),
                "median_seconds": statistics.median(r["seconds"] for r in hits) if hits else None,
                "max_seconds": max(r["seconds"] for r in hits) if hits else None,
                "median_evaluations": statistics.median(r["evaluations"] for r in hits) if hits else None,
                "best_score": max(r["best_score"] for r in runs),
                "median_best_score": statistics.median(r["best_score"] for r in runs)})
    return table


def plot(rows: list[dict], agents: list[str], cap: float, path: Path) -> None:
    """Fraction of scored runs solved within t seconds, one curve per agent."""
    import matplotlib

    from mathrl.agents.runs import save_figure

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    grid = np.linspace(0, cap, 400)
    for agent in agents:
        runs = [r for r in rows if r["agent"] == agent and r.get("scored", True)]
        if not runs:
            continue
        times = np.array([r["seconds"] if r["success"] else np.inf for r in runs])
        ax.plot(grid, [(times <= t).mean() for t in grid], label=agent)
    ax.set_xlabel("seconds")
    ax.set_ylabel("fraction of runs at target")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("mathrl bench search: success against time")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    save_figure(fig, path, dpi=110)
    plt.close(fig)


def score_rates(problems: list[Problem], batch: int = 256) -> dict:
    """Score evaluations per second of each problem's built-in score on random words (batched)."""
    from mathrl.agents.local.climb import random_words
    from mathrl.scores import make

    rates = {}
    for problem in problems:
        score = make(problem.score, n=problem.n)
        rng = np.random.default_rng(0)
        words = random_words(score, batch, rng)
        score.score_words(words[:8])
        clock, calls = time.perf_counter(), 0
        while time.perf_counter() - clock < 0.3:
            score.score_words(words)
            calls += 1
        rates[problem.label] = round(calls * batch / (time.perf_counter() - clock))
    return rates


def format_table(table: list[dict]) -> str:
    lines = [f"{'problem':<22} {'agent':<14} {'success':>8} {'median s':>9} {'max s':>8} {'median evals':>13} "
             f"{'best':>12}"]
    for row in table:
        def num(v, fmt):
            return "-" if v is None else format(v, fmt)
        success = f"{row['successes']}/{row['runs']}" if row["scored"] else "n/a"
        lines.append(f"{row['problem']:<22} {row['agent']:<14} {success:>8} {num(row['median_seconds'], '.1f'):>9} "
                     f"{num(row['max_seconds'], '.1f'):>8} {num(row['median_evaluations'], '.0f'):>13} "
                     f"{row['best_score']:>+12.4f}" + (f"  ({row['note']})" if row["note"] else ""))
    return "\n".join(lines)


RUN_FILE = "bench_search_run.json"  # the suite's definition: problems, agents, seeds, cap
SUITE_DEFAULTS = {"problems": None, "agents": "cem,cem:wagner,hybrid,local,nmcs", "seeds": 5, "seed_base": 0,
                  "cap": 120.0}


def _read_suite(out: Path) -> dict:
    """The suite definition a run folder fixes (``--resume``); one-line :class:`BenchError` otherwise."""
    path = out / RUN_FILE
    if not path.is_file():
        raise BenchError(f"nothing to resume in {out}: no {RUN_FILE}")
    try:
        suite = json.loads(path.read_text())
        if not isinstance(suite, dict) or set(SUITE_DEFAULTS) - set(suite):
            raise ValueError(f"it lacks {sorted(set(SUITE_DEFAULTS) - set(suite or {}))}")
    except (OSError, ValueError) as exc:
        raise BenchError(f"{path} is not a readable bench search file ({exc})") from None
    return suite


def _finished_runs(out: Path, calls: list[tuple]) -> tuple[dict[int, dict], int]:
    """The runs of ``calls`` that ``metrics.jsonl`` holds a complete row for, and the number of rows.

    A row that does not match its call (another suite's folder, an edited file) is a one-line error."""
    from mathrl.agents.files import FileFormatError
    from mathrl.agents.runs import read_jsonl

    import warnings

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            rows = read_jsonl(out / "metrics.jsonl")
    except FileFormatError as exc:
        raise BenchError(str(exc)) from None
    for warning in caught:  # a torn last row: the run it belonged to runs again
        print(f"mathrl: note: {warning.message}", file=sys.stderr)
    done: dict[int, dict] = {}
    for row in rows:
        i = row.get("run") if isinstance(row, dict) else None
        if (isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(calls)
                or (row.get("agent"), row.get("problem"), row.get("seed")) != (calls[i][0], calls[i][1].label,
                                                                                calls[i][2])):
            raise BenchError(f"{out / 'metrics.jsonl'}: a row does not belong to the suite of {RUN_FILE} "
                             f"({str(row)[:80]})")
        done[i] = {k: v for k, v in row.items() if k != "run"}
    return done, len(rows)


MAX_WORKERS = 256  # runs at once on one machine: more is a typo, not a plan
MAX_SEEDS = 1000  # runs per (agent, problem): beyond this the suite is days long (each run up to --cap seconds)


def main(argv: list[str] | None = None) -> int:
    from mathrl.agents.runs import check_writable_folder, write_json
    from mathrl.agents.searchers import AgentSpecError, check_agent, parse_agent
    from mathrl.scores import make
    from mathrl.sysinfo import cpu_flags, cpu_model, describe_isa, isa_limits

    parser = argparse.ArgumentParser(prog="mathrl bench search", description=__doc__.splitlines()[0])
    parser.add_argument("--problems", default=None,
                        help="SCORE:n[:target],... (extremal scores default to target 0); default: the whole suite")
    parser.add_argument("--agents", default=None,
                        help="comma-separated agents: cem[:PRESET], hybrid, local, nmcs[:LEVEL[:polish]], "
                             f"alphazero[:RUN] (default {SUITE_DEFAULTS['agents']})")
    parser.add_argument("--seeds", type=int, default=None,
                        help="seeds per (agent, problem): 0..K-1 (plus --seed-base) (default 5)")
    parser.add_argument("--seed-base", type=int, default=None, help="first seed (default 0)")
    parser.add_argument("--cap", type=float, default=None, help="wall-clock seconds per run (default 120)")
    parser.add_argument("--out", default=None, help="folder for bench_search.json and .png (default runs/bench_search)")
    parser.add_argument("--resume", default=None, metavar="DIR",
                        help="run the runs of the suite in DIR that have not finished (its problems, agents, seeds "
                             "and cap; --workers, --ray, --json and --quiet may change)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON (nothing else on stdout)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar (stderr)")
    parser.add_argument("--workers", type=int, default=1,
                        help="runs at once, in worker processes (default 1: one after another). Runs that share "
                             "cores take longer each: compare times only between suites run alike")
    parser.add_argument("--ray", default=None, metavar="auto|local|HOST:PORT",
                        help="run the runs as Ray tasks (a cluster's address, or local)")
    args = parser.parse_args(argv)
    from mathrl.agents.executor import make_executor, start_ray

    if args.resume is not None:
        given = [f"--{name.replace('_', '-')}" for name in (*SUITE_DEFAULTS, "out") if getattr(args, name) is not None]
        if given:
            raise BenchError(f"{', '.join(given)} cannot be given with --resume: the folder fixes the suite")
        out = check_writable_folder(args.resume, "--resume", BenchError)
        suite = _read_suite(out)
        for name in SUITE_DEFAULTS:
            setattr(args, name, suite[name])
    else:
        for name, value in SUITE_DEFAULTS.items():
            if getattr(args, name) is None:
                setattr(args, name, value)
        args.out = args.out or "runs/bench_search"

    if not 1 <= args.workers <= MAX_WORKERS:
        raise BenchError(f"--workers must be in 1..{MAX_WORKERS}, got {args.workers}")
    if not 1 <= args.seeds <= MAX_SEEDS or args.seed_base < 0:
        raise BenchError(f"--seeds must be in 1..{MAX_SEEDS} and --seed-base >= 0, got {args.seeds} and "
                         f"{args.seed_base}")
    if not (args.cap > 0 and np.isfinite(args.cap)):
        raise BenchError("--cap must be a positive number of seconds")
    problems = parse_problems(args.problems)
    agents = list(dict.fromkeys(a.strip() for a in args.agents.split(",") if a.strip()))
    if not agents:
        raise BenchError("--agents names no agent")
    try:
        for agent in agents:
            _, _, config = parse_agent(agent)
            for problem in problems:  # alphazero:RUN: a network trained on words of this length
                check_agent(make(problem.score, n=problem.n), config)
    except (AgentSpecError, ValueError) as exc:
        raise BenchError(str(exc)) from exc
    if args.resume is None:
        out = check_writable_folder(args.out, "--out", BenchError)
        if (out / RUN_FILE).exists():  # starting afresh would drop its finished runs
            raise BenchError(f"{out} already holds a bench search: continue it with --resume {out}, or choose "
                             f"another --out")
    seeds = list(range(args.seed_base, args.seed_base + args.seeds))
    calls = [(agent, problem, seed, args.cap) for problem in problems for agent in agents for seed in seeds]
    done, rows_done = _finished_runs(out, calls) if args.resume is not None else ({}, 0)
    start_ray(args.ray, args.workers, BenchError)  # connect first: a bad address is one line, nothing written
    machine = {"cpu": cpu_model(), "cores": os.cpu_count(), **cpu_flags(), "isa_limits": isa_limits()}
    notes = sys.stderr if args.json else sys.stdout  # with --json, stdout holds the JSON alone
    print(f"CPU: {machine['cpu']}, {machine['cores']} cores, {describe_isa()} "
          f"(absolute times differ ~2x between machines of one kind)", file=notes)
    rates = score_rates([p for p in problems if p.score in ("wagner-2.1", "c4-free")])
    for label, rate in rates.items():
        print(f"score rate {label}: {rate:,} evaluations/s (batched)", file=notes)
    from tqdm import tqdm

    out.mkdir(parents=True, exist_ok=True)
    if args.resume is None:
        write_json(out / RUN_FILE, {name: getattr(args, name) for name in SUITE_DEFAULTS})
    # one row per finished run, at once; TensorBoard shows time and score against the run index
    log = MetricsLog(out, "run", rows_done, monotonic=False)
    todo = [i for i in range(len(calls)) if i not in done]
    if args.resume is not None and not args.quiet:
        print(f"resuming {out}: {len(done)} of {len(calls)} runs finished", file=notes)
    executor = make_executor(args.workers, args.ray)  # each run is a plain function of its arguments
    try:
        with tqdm(total=len(calls), initial=len(done), unit="run", desc="bench search", disable=args.quiet) as bar:
            for k, row in executor.as_completed(run_one, [calls[i] for i in todo]):
                i = todo[k]
                row["scored"] = calls[i][1].scored
                row["machine"] = machine["cpu"] + (" (ISA limited)" if machine["isa_limits"] else "")
                done[i] = row
                log.write({"run": i, **row})
                bar.set_postfix(problem=row["problem"], agent=row["agent"], refresh=False)
                bar.update()
    except BaseException:
        executor.close(abandon=True)
        raise
    finally:
        log.close()
    executor.close()
    rows = [done[i] for i in range(len(calls))]
    table = summarise(rows, agents, problems)
    result = {"machine": machine, "cap_seconds": args.cap, "seeds": seeds, "agents": agents,
              "workers": args.workers, "backend": executor.backend,
              "problems": [p.label for p in problems], "score_rates": rates, "summary": table, "runs": rows}
    write_json(out / "bench_search.json", result)
    plot(rows, agents, args.cap, out / "bench_search.png")
    if args.json:
        print(json.dumps(table, indent=2))
        return 0
    print(format_table(table))
    print(f"-> {out / 'bench_search.json'}, {out / 'bench_search.png'}")
    solved = {f"solved_{summary_key(a)}": sum(r["success"] for r in rows if r["agent"] == a and r["scored"])
              for a in agents}
    print(summary_line(runs=len(rows), scored_runs_per_agent=sum(r["scored"] for r in rows) // len(agents),
                       **solved, files=out))
    return 0
