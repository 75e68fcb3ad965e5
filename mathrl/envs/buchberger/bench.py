"""``mathrl bench buchberger``: every strategy on the same sampled ideals, against the paper's numbers.

The ideals are exactly the ones ``mathrl/Buchberger-v0`` would serve after
``reset(seed=S)`` and N-1 further resets (same generator, same redraw rule), so
a benchmark row and an env run with the same seed see the same ideals. The
work is split into chunks evaluated by a plain function of
(ideals, strategies, seed) -> costs, in a process pool.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

# Mean (sample sd) of polynomial additions over 10,000 ideals with the authors' implementation: Peifer,
# Stillman and Halpern-Leistner (2020), "Learning selection strategies in Buchberger's algorithm", ICML.
REFERENCE = {
    "3-20-10-uniform": {"first": (353.3, 116), "degree": (196.9, 57), "normal": (197.5, 58),
                        "sugar": (266.7, 88), "random": (318.3, 104)},
    "3-20-10-weighted": {"first": (189.3, 75), "degree": (136.2, 51), "normal": (136.4, 52),
                         "sugar": (160.4, 65), "random": (178.8, 69)},
    "3-20-10-maximum": {"first": (402.9, 107), "degree": (301.7, 75), "normal": (295.2, 74),
                        "sugar": (295.2, 74), "random": (567.7, 168)},
    "2-20-10-weighted": {"first": (85.0, 31), "degree": (54.7, 17), "normal": (54.2, 16),
                         "sugar": (68.4, 30), "random": (77.5, 28)},
    "3-10-10-weighted": {"first": (97.9, 38), "degree": (74.4, 27), "normal": (74.7, 28),
                         "sugar": (82.0, 34), "random": (94.1, 36)},
}
REFERENCE_SAMPLES = 10_000
DEFAULT_STRATEGIES = "first,degree,normal,sugar,random"


class BenchError(ValueError):
    """Bad benchmark input (reported as a usage error)."""


def sample_ideals(ideal_dist: str, samples: int, seed: int, field=32003, order="grevlex",
                  elimination="gebauermoeller"):
    """The N ideals an env with this distribution serves after ``reset(seed=seed)`` (redraws included)."""
    from gymnasium.utils import seeding

    from mathrl.envs.buchberger.ideals import FixedIdealSource, make_source
    from mathrl.envs.buchberger.state import BuchbergerState

    source = make_source(ideal_dist, field=field, order=order)
    rng, _ = seeding.np_random(seed)
    out, redraws = [], 0
    while len(out) < samples:
        polys = source.sample(rng)
        if BuchbergerState.from_generators(polys, source.ring, elimination=elimination).is_terminal():
            redraws += 1
            if isinstance(source, FixedIdealSource):
                raise BenchError(f"{ideal_dist} has no S-pairs to process")
            continue
        out.append(polys)
    return source.ring, out, redraws


def evaluate_chunk(ring, ideals, strategies, seed, start, elimination="gebauermoeller", backend="auto"):
    """Polynomial additions of every strategy on every ideal: array (len(strategies), len(ideals)).

    Random strategies are reseeded per ideal from (seed, ideal index), so the
    result does not depend on how the work was chunked.
    """
    from mathrl.envs.buchberger.groebner import make_state
    from mathrl.envs.buchberger.strategies import make_strategy

    strats = [make_strategy(s) for s in strategies]
    if any(":" in s for s in strategies) and "torch" in sys.modules:
        # a plugin strategy (a trained agent, which imported torch): one small forward pass per step,
        # where threads only add overhead per worker
        sys.modules["torch"].set_num_threads(1)
    costs = np.zeros((len(strats), len(ideals)), dtype=np.int64)
    pairs = np.zeros_like(costs)
    for t, polys in enumerate(ideals):
        for s, strat in enumerate(strats):
            strat.reseed(np.random.SeedSequence([seed, start + t, s]))
            state = make_state(polys, ring, elimination=elimination, backend=backend)
            while not state.is_terminal():
                state.apply(strat.select(state))
            st = state.stats()
            costs[s, t] = st["polynomial_additions"]
            pairs[s, t] = st["pairs_processed"]
    return costs, pairs


def summarise(ideal_dist: str, strategies, costs: np.ndarray, reference=REFERENCE) -> dict:
    n = costs.shape[1]
    out = {}
    ref_row = reference.get(ideal_dist, {})
    for name, row in zip(strategies, costs):
        mean, std = float(row.mean()), float(row.std(ddof=1)) if n > 1 else 0.0
        cell = {"mean": mean, "std": std, "stderr": std / math.sqrt(n), "median": float(np.median(row)),
                "min": int(row.min()), "max": int(row.max())}
        if name in ref_row:
            ref_mean, ref_sd = ref_row[name]
            tol = ref_sd * math.sqrt(1 / n + 1 / REFERENCE_SAMPLES)
            z = (mean - ref_mean) / tol
            cell.update({"reference": ref_mean, "reference_std": ref_sd, "z": z, "pass": bool(abs(z) <= 3)})
        out[name] = cell
    return out


def plot(result: dict, costs: np.ndarray, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(result["strategies"])
    cells = [result["strategies"][k] for k in names]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    x = np.arange(len(names))
    ax1.bar(x, [c["mean"] for c in cells], yerr=[3 * c["stderr"] for c in cells], capsize=4,
            color="#4c72b0", label="mathrl mean (±3 s.e.)")
    refs = [(i, c["reference"]) for i, c in enumerate(cells) if "reference" in c]
    if refs:
        ax1.scatter([i for i, _ in refs], [r for _, r in refs], marker="_", s=600, color="#c44e52", zorder=3,
                    linewidths=2.5, label="reference [P]")
    ax1.set_xticks(x, names)
    ax1.set_ylabel("polynomial additions per ideal")
    ax1.set_title(f"{result['ideals']}: means over {result['samples']} ideals")
    ax1.legend(loc="lower right", fontsize=8, framealpha=0.95)
    ax2.violinplot([row for row in costs], showmedians=True)
    ax2.set_xticks(np.arange(1, len(names) + 1), names)
    ax2.set_yscale("log")
    ax2.set_title("distribution per ideal")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run(ideal_dist: str, samples: int, seed: int, strategies, workers: int | None = None, progress=True,
        elimination="gebauermoeller", field=32003, order="grevlex", backend="auto") -> tuple[dict, np.ndarray]:
    from tqdm import tqdm

    from mathrl.envs.buchberger.strategies import make_strategy

    for s in strategies:
        try:
            make_strategy(s)
        except ValueError as exc:
            raise BenchError(str(exc)) from exc
    try:
        ring, ideals, redraws = sample_ideals(ideal_dist, samples, seed, field=field, order=order,
                                              elimination=elimination)
    except ValueError as exc:
        raise BenchError(str(exc)) from exc
    workers = workers or os.cpu_count() or 1
    chunk = max(1, min(250, math.ceil(samples / (4 * workers))))
    starts = list(range(0, samples, chunk))
    costs = np.zeros((len(strategies), samples), dtype=np.int64)
    pairs = np.zeros_like(costs)
    t0 = time.perf_counter()
    bar = tqdm(total=samples, desc=f"{ideal_dist}", unit="ideal", disable=not progress, file=sys.stderr)
    if workers == 1:
        for s0 in starts:
            c, p = evaluate_chunk(ring, ideals[s0:s0 + chunk], strategies, seed, s0, elimination, backend)
            costs[:, s0:s0 + chunk], pairs[:, s0:s0 + chunk] = c, p
            bar.update(c.shape[1])
    else:
        import multiprocessing as mp

        with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
            futures = {pool.submit(evaluate_chunk, ring, ideals[s0:s0 + chunk], strategies, seed, s0,
                                   elimination, backend): s0 for s0 in starts}
            from concurrent.futures import as_completed

            for fut in as_completed(futures):
                s0 = futures[fut]
                c, p = fut.result()
                costs[:, s0:s0 + chunk], pairs[:, s0:s0 + chunk] = c, p
                bar.update(c.shape[1])
    bar.close()
    seconds = time.perf_counter() - t0
    result = {"ideals": ideal_dist, "samples": samples, "seed": seed, "field": field, "order": order,
              "elimination": elimination, "backend": backend, "redraws": redraws, "seconds": seconds, "workers": workers,
              "cpu_count": os.cpu_count(), "strategies": summarise(ideal_dist, strategies, costs)}
    for name, row in zip(strategies, pairs):
        result["strategies"][name]["mean_pairs"] = float(row.mean())
    return result, costs


def format_table(result: dict) -> str:
    w = max(12, 2 + max(len(name) for name in result["strategies"]))
    lines = [f"{result['ideals']}: {result['samples']} ideals (seed {result['seed']}), "
             f"{result['seconds']:.1f} s on {result['workers']} worker(s) of {result['cpu_count']} cores",
             f"{'strategy':<{w}}{'mean':>9}{'std':>8}{'s.e.':>7}{'median':>8}{'pairs':>8}{'ref':>8}{'z':>7}  ok"]
    for name, c in result["strategies"].items():
        ref = f"{c['reference']:>8.1f}{c['z']:>7.2f}  {'yes' if c['pass'] else 'NO'}" if "reference" in c else ""
        lines.append(f"{name:<{w}}{c['mean']:>9.1f}{c['std']:>8.1f}{c['stderr']:>7.2f}{c['median']:>8.0f}"
                     f"{c['mean_pairs']:>8.1f}{ref}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mathrl bench buchberger",
                                description="evaluate S-pair selection strategies on the same sampled ideals")
    p.add_argument("--ideals", default="3-20-10-weighted",
                   help="ideal distribution: n-d-s-<degs> (e.g. 3-20-10-weighted), cyclic-N or katsura-N")
    p.add_argument("--samples", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--strategies", default=DEFAULT_STRATEGIES,
                   help=f"comma-separated strategy names (default {DEFAULT_STRATEGIES}); agent:PATH is a trained "
                        "PPO agent (greedy; agent:PATH:sample samples its policy), agent:pretrained the shipped one")
    p.add_argument("--elimination", default="gebauermoeller", choices=["gebauermoeller", "lcm", "none"])
    p.add_argument("--order", default="grevlex", choices=["grevlex", "grlex", "lex"])
    p.add_argument("--backend", default="auto", choices=["auto", "python", "numba"],
                   help="core backend (auto: compiled binomial path when it applies; counts are identical)")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--out", default=None, help="also write the JSON result to this file")
    p.add_argument("--plot", default=None, metavar="FILE.png", help="save a chart of the distributions")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.samples < 1:
        raise BenchError("--samples must be >= 1")
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    if not strategies:
        raise BenchError("--strategies is empty")
    result, costs = run(args.ideals, args.samples, args.seed, strategies, workers=args.workers,
                        progress=not args.quiet, elimination=args.elimination, order=args.order,
                        backend=args.backend)
    if args.plot:
        plot(result, costs, args.plot)
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(result, fh, indent=2)
    print(json.dumps(result, indent=2) if args.json else format_table(result))
    return 0
