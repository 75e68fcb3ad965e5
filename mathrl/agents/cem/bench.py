"""CEM benchmark: iteration rate, and time to the conjecture 2.1 counterexample at n = 19.

Part 1 (rate): iterations per second of a search run as a user runs it
(default preset, every island), against Wagner's faithful preset measured in
the same run. Part 2 (hits): ``mathrl search`` as a subprocess, one per seed,
each capped, reporting success, wall time and iteration of the verified hit.
Results go to ``OUT/bench_cem.json`` and ``OUT/bench_cem.png``.

``mathrl bench cem train``: seconds per training epoch, torch steps against the
compiled epoch, on the same elites (medians, their ratio, the CPU).

``mathrl bench cem hit-rate``: counterexamples per core-minute of one CEM
island on conjecture 2.1, restarting from a fresh network after every hit as
well as when stuck, so one long run counts independent attempts (the
measurement behind the default preset's session count). One process, one
torch thread; prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from mathrl.agents.runs import check_writable_folder, save_figure, summary_line, write_json


class BenchError(ValueError):
    """Bad input to ``mathrl bench cem``: one line, exit code 2, nothing written."""


def _positive(name: str, value: float) -> float:
    if not (math.isfinite(value) and value > 0):
        raise BenchError(f"{name} must be a finite number of seconds > 0, got {value}")
    return value


def check_args(args) -> list[int]:
    """Range-check the flags before anything runs or is written; returns the seeds."""
    from mathrl.agents.cem.config import PRESETS

    if args.n < 2:
        raise BenchError(f"--n must be >= 2 vertices, got {args.n}")
    if args.n > 40:
        raise BenchError(f"--n {args.n} is far beyond this benchmark (conjecture 2.1 at n = 19); use mathrl search")
    _positive("--rate-seconds", args.rate_seconds)
    _positive("--cap", args.cap)
    if args.preset not in PRESETS:
        raise BenchError(f"unknown preset {args.preset!r}; choose one of {', '.join(sorted(PRESETS))}")
    try:
        seeds = [int(s) for s in args.seeds.split(",")]
    except ValueError:
        raise BenchError(f"--seeds must be comma-separated integers >= 0, got {args.seeds!r}") from None
    if not seeds or min(seeds) < 0:
        raise BenchError(f"--seeds must be comma-separated integers >= 0, got {args.seeds!r}")
    check_writable_folder(args.out, "--out", BenchError)
    return seeds


def measure_rate(preset_name: str, seconds: float, n: int, seed: int = 0) -> dict:
    """Run a search for ``seconds`` and report per-island iteration rates from its log."""
    from mathrl.agents.cem.config import preset
    from mathrl.agents.cem.search import Search
    from mathrl.scores import make

    config = preset(preset_name)
    with tempfile.TemporaryDirectory() as tmp:
        search = Search(make("wagner-2.1", n=n), tmp, config=config, preset_name=preset_name, seed=seed)
        start = time.perf_counter()
        result = search.run(time_limit=seconds, progress=False, chunk_seconds=min(5.0, seconds))
        wall = time.perf_counter() - start
        rows = [json.loads(line) for line in open(Path(tmp) / "metrics.jsonl")]
    per_iteration = [sum(r["seconds"].values()) for r in rows[config.islands:]] or [float("nan")]
    island_iterations = len(rows)
    return {"preset": preset_name, "islands": config.islands, "sessions": config.n_sessions,
            "wall_seconds": wall, "island_iterations": island_iterations,
            "iterations_per_second": island_iterations / wall / config.islands,
            "island_iterations_per_second": island_iterations / wall,
            "median_seconds_per_iteration": statistics.median(per_iteration),
            "best_score": result.best_score}


def time_to_counterexample(seeds: list[int], cap: float, n: int, preset_name: str, out: Path) -> list[dict]:
    """One ``mathrl search`` per seed, capped; a row each, also logged to ``OUT/metrics.jsonl`` (TensorBoard)."""
    from tqdm import tqdm

    from mathrl.agents.runlog import MetricsLog

    out.mkdir(parents=True, exist_ok=True)
    log = MetricsLog(out, "seed", 0)
    try:
        with tqdm(total=len(seeds), unit="seed", desc=f"time to counterexample (cap {cap:.0f} s each)") as bar:
            rows = [_one_hit(seed, cap, n, preset_name, out, log, bar) for seed in seeds]
    finally:
        log.close()
    return rows


def _one_hit(seed: int, cap: float, n: int, preset_name: str, out: Path, log, bar) -> dict:
    """One capped search of the 2.1 counterexample in its own process, reported and logged."""
    run_dir = out / f"hit-{preset_name}-seed{seed}"
    if run_dir.exists():
        import shutil

        shutil.rmtree(run_dir)
    cmd = [sys.executable, "-m", "mathrl.cli", "search", "--score", "wagner-2.1", "--n", str(n),
           "--preset", preset_name, "--seed", str(seed), "--time-limit", str(cap), "--out", str(run_dir),
           "--quiet"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    row = {"seed": seed, "exit_code": proc.returncode, "success": proc.returncode == 0,
           "wall_seconds": round(wall, 1)}
    record = run_dir / ("counterexample.json" if proc.returncode == 0 else "best.json")
    if record.exists():
        data = json.loads(record.read_text())
        row.update(iteration=data.get("iteration", data.get("iterations")), score=data["score"],
                   search_seconds=data["wall_seconds"])
    bar.write(f"  seed {seed}: {'hit' if row['success'] else 'miss'} exit={proc.returncode} "
              f"wall={wall:.1f}s iteration={row.get('iteration')} score={row.get('score')}")
    bar.update()
    log.write(row)
    return row


def plot(rates: list[dict], hits: list[dict], cap: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    a.bar([r["preset"] for r in rates], [r["iterations_per_second"] for r in rates], color="#5b8bd0")
    a.set_ylabel("iterations / s (per island)")
    a.set_title("CEM rate, wagner-2.1 n=19 (each preset's sessions)")
    times = [h["wall_seconds"] if h["success"] else cap for h in hits]
    b.bar([str(h["seed"]) for h in hits], times, color=["#4caf50" if h["success"] else "#d9534f" for h in hits])
    b.axhline(cap, color="grey", ls="--", lw=1)
    b.set_xlabel("seed")
    b.set_ylabel("seconds to verified counterexample")
    b.set_title("time to hit (red: capped)")
    fig.tight_layout()
    save_figure(fig, path, dpi=110)
    plt.close(fig)


def hit_rate(preset_name: str, sessions: int | None, seed: int, seconds: float, n: int = 19) -> dict:
    """Hits per minute of one island that restarts after every hit (see the module docstring)."""
    import torch

    from mathrl.agents.cem.cem import CrossEntropyMethod
    from mathrl.agents.cem.config import preset
    from mathrl.envs.graphs.vector_env import WordConstructionVectorEnv
    from mathrl.scores import make

    torch.set_num_threads(1)
    config = preset(preset_name).but(islands=1)
    if sessions:
        config = config.but(n_sessions=sessions)
    score = make("wagner-2.1", n=n)
    agent = CrossEntropyMethod(WordConstructionVectorEnv(score, num_envs=config.n_sessions), config, seed)
    start, hits, iterations = time.perf_counter(), [], 0
    while time.perf_counter() - start < seconds:
        agent.step()
        iterations += 1
        if agent.population_best > score.tol:
            hits.append(round(time.perf_counter() - start, 1))
            agent.restarts += 1
            agent._fresh_population()
    return {"preset": preset_name, "sessions": config.n_sessions, "seed": seed, "seconds": seconds,
            "iterations": iterations, "attempts": agent.restarts + 1, "hits": hits,
            "hits_per_minute": len(hits) / seconds * 60}


def hit_rate_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="mathrl bench cem hit-rate",
                                     description="counterexamples per core-minute of one restarting CEM island")
    parser.add_argument("--preset", default="default")
    parser.add_argument("--sessions", type=int, default=None, help="override the preset's sessions")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=240.0)
    parser.add_argument("--n", type=int, default=19)
    args = parser.parse_args(argv)
    from mathrl.agents.cem.config import PRESETS

    if not 2 <= args.n <= 40:
        raise BenchError(f"--n must be in 2..40 vertices, got {args.n}")
    _positive("--seconds", args.seconds)
    if args.preset not in PRESETS:
        raise BenchError(f"unknown preset {args.preset!r}; choose one of {', '.join(sorted(PRESETS))}")
    if args.sessions is not None and not 2 <= args.sessions <= 10**6:
        raise BenchError(f"--sessions must be in 2..1000000, got {args.sessions}")
    if not 0 <= args.seed < 2**63:
        raise BenchError(f"--seed must be in 0..2**63 - 1, got {args.seed}")
    print(json.dumps(hit_rate(args.preset, args.sessions, args.seed, args.seconds, args.n)))
    return 0


def training_speed(preset_name: str, n: int, iterations: int, repeats: int, seed: int = 0) -> dict:
    """Seconds per training epoch on the same elites, torch steps against the compiled epoch.

    A search of conjecture 2.1 runs ``iterations`` iterations to get realistic elites (the
    pool of a search under way); both paths then train copies of the same network on them
    ``repeats`` times each, alternating, one torch thread. Medians and their ratio.
    """
    import copy

    import torch

    from mathrl.agents.cem import compiled_training
    from mathrl.agents.cem.cem import CrossEntropyMethod, select
    from mathrl.agents.cem.config import preset
    from mathrl.envs.graphs.vector_env import WordConstructionVectorEnv
    from mathrl.scores import make

    if not compiled_training.numba_available():
        raise BenchError("numba is not available (or MATHRL_PURE is set): there is no compiled epoch to time")
    torch.set_num_threads(1)
    config = preset(preset_name).but(islands=1)
    agent = CrossEntropyMethod(WordConstructionVectorEnv(make("wagner-2.1", n=n), num_envs=config.n_sessions),
                               config, seed)
    for _ in range(iterations):
        agent.step()
    while not len(agent.super_words):  # a restart on the last iteration empties the super set
        agent.step()
    words, scores = agent.super_words, agent.super_scores
    rows = select(scores, 0.0, len(scores))  # every super word: about the elite set's size
    times: dict[str, list[float]] = {"torch": [], "compiled": []}
    for warm_up in (True,) + (False,) * repeats:  # an untimed first call each: numba's compile or cache load
        for path in ("torch", "compiled"):
            trainer = copy.deepcopy(agent)
            trainer.train_compiled = path == "compiled"
            start = time.perf_counter()
            trainer.train(words, rows)
            if not warm_up:
                times[path].append(time.perf_counter() - start)
    torch_s, compiled_s = statistics.median(times["torch"]), statistics.median(times["compiled"])
    return {"preset": preset_name, "n": n, "pairs": int(len(rows) * agent.length), "repeats": repeats,
            "torch_seconds": torch_s, "compiled_seconds": compiled_s, "speedup": torch_s / compiled_s,
            "word_density": float(words[rows].mean())}


def train_main(argv: list[str]) -> int:
    from mathrl.agents.cem.config import PRESETS
    from mathrl.sysinfo import cpu_model, describe_isa

    parser = argparse.ArgumentParser(prog="mathrl bench cem train",
                                     description="seconds per CEM training epoch: torch steps against the compiled "
                                                 "epoch, on the same elites")
    parser.add_argument("--preset", default="default")
    parser.add_argument("--n", type=int, default=19)
    parser.add_argument("--iterations", type=int, default=30, help="search iterations before timing (the elites)")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    if args.preset not in PRESETS:
        raise BenchError(f"unknown preset {args.preset!r}; choose one of {', '.join(sorted(PRESETS))}")
    if not 2 <= args.n <= 40:
        raise BenchError(f"--n must be in 2..40 vertices, got {args.n}")
    if not 1 <= args.iterations <= 10_000 or not 1 <= args.repeats <= 10_000:
        raise BenchError("--iterations and --repeats must be in 1..10000")
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores, {describe_isa()}", flush=True)
    print(json.dumps(training_speed(args.preset, args.n, args.iterations, args.repeats)))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["hit-rate"]:
        return hit_rate_main(argv[1:])
    if argv[:1] == ["train"]:
        return train_main(argv[1:])
    parser = argparse.ArgumentParser(prog="mathrl bench cem", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=19)
    parser.add_argument("--rate-seconds", type=float, default=60.0)
    parser.add_argument("--seeds", default="0,100,200,300,400",
                        help="master seeds (the islands' seeds are spawned from each)")
    parser.add_argument("--cap", type=float, default=900.0, help="seconds per seed")
    parser.add_argument("--preset", default="default")
    parser.add_argument("--skip-rate", action="store_true")
    parser.add_argument("--skip-hits", action="store_true")
    parser.add_argument("--out", default="runs/bench_cem")
    args = parser.parse_args(argv)
    seeds = check_args(args)
    out = Path(args.out)
    report: dict = {"cores": os.cpu_count(), "n": args.n}
    rates = []
    if not args.skip_rate:
        for name in dict.fromkeys([args.preset, "wagner"]):
            print(f"rate: preset {name}, {args.rate_seconds:.0f} s ...", flush=True)
            rates.append(measure_rate(name, args.rate_seconds, args.n))
            print("  " + json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in rates[-1].items()}))
        report["rates"] = rates
        if len(rates) == 2:
            report["rate_ratio_vs_wagner"] = rates[0]["iterations_per_second"] / rates[1]["iterations_per_second"]
    hits = []
    if not args.skip_hits:
        print(f"time to counterexample: preset {args.preset}, seeds {seeds}, cap {args.cap:.0f} s", flush=True)
        hits = time_to_counterexample(seeds, args.cap, args.n, args.preset, out)
        times = [h["wall_seconds"] if h["success"] else float("inf") for h in hits]
        report["hits"] = hits
        report["successes"] = sum(h["success"] for h in hits)
        median = float(np.median(times))  # inf when half the seeds or more missed: JSON has no inf
        report["median_seconds_to_counterexample"] = median if np.isfinite(median) else None
    write_json(out / "bench_cem.json", report)
    plot(rates, hits, args.cap, out / "bench_cem.png")
    print(json.dumps({k: v for k, v in report.items() if k not in ("rates", "hits")}, indent=2))
    print(f"wrote {out / 'bench_cem.json'} and {out / 'bench_cem.png'}")
    print(summary_line(successes=report.get("successes"), seeds=len(hits),
                       median_seconds=report.get("median_seconds_to_counterexample"), files=out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
