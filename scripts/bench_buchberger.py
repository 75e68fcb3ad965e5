"""Buchberger benchmarks: random-policy episodes/s on one core, and with ``--baselines``
the classical strategies' means on the paper's five distributions (docs/buchberger.md).

For each backend -- (a) the pure core ``BuchbergerState``, (b) the numba binomial core
``BinomialState`` -- a random agent plays full episodes: draw an ideal, build the initial state,
then every step write the (max_pairs, 2nk) pair-feature observation and apply a uniformly random
pair. The number reported is episodes/s, median over repeats. Also reported: the fast core on
pre-drawn ideals (the core without the sampler), microseconds per step, the sampler's cost, clone
time, compile/cache-load time, and sympy.groebner on the same ideals as the in-run reference.

    python scripts/bench_buchberger.py [--dist 3-20-10-weighted] [--repeats 5] [--json]
    python scripts/bench_buchberger.py --baselines [--samples 10000] [--out runs/bench_buchberger]

Threads are limited to one (numba, OpenMP, BLAS, torch if loaded) and the process is pinned to one
CPU unless --no-pin. The headline figure is ``env_auto``: ``gymnasium.make("mathrl/Buchberger-v0")``
played by a random agent exactly as a user would (reset, padded observation, info, every step), on
the compiled backend; ``env_python`` is the same with the pure-Python fallback.
"""

from __future__ import annotations

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402


from mathrl.sysinfo import cpu_model  # noqa: E402


def make_source(name: str):
    from mathrl.envs.buchberger.ideals import make_source as project_source

    return project_source(name), "mathrl.envs.buchberger.ideals"


# ---------------------------------------------------------------------------------------------
# episode loops
# ---------------------------------------------------------------------------------------------
def run_pure(src, ideals, episodes, seed, k, max_pairs):
    """Pure core: sample (unless ideals given), build, and per step pair_features into a padded buffer."""
    from mathrl.envs.buchberger.state import BuchbergerState

    ring = src.ring
    rng = np.random.default_rng(seed)
    rnd = random.Random(seed).random
    buf = np.zeros((max_pairs, 2 * ring.n * k), np.int32)
    steps = 0
    total = 0.0
    for e in range(episodes):
        F = ideals[e] if ideals is not None else src.sample(rng)
        s = BuchbergerState.from_generators(F, ring)
        while True:
            feats = s.pair_features(k)
            n = len(feats)
            m = min(n, max_pairs)
            buf[:m] = feats[:m]
            buf[m:] = 0
            if not n:
                break
            total += s.apply(int(rnd() * n))
            steps += 1
    return steps, total


def run_fast(src, ideals, episodes, seed, k, max_pairs, combined=False):
    """Numba core: the same loop, features written in place by ``write_features`` (or, with
    ``combined``, step and features in one compiled call, ``apply_and_write``)."""
    from mathrl.envs.buchberger.fast import BinomialState

    ring = src.ring
    rng = np.random.default_rng(seed)
    rnd = random.Random(seed).random
    buf = np.zeros((max_pairs, 2 * ring.n * k), np.int32)
    steps = 0
    total = 0.0
    from_generators = BinomialState.from_generators
    for e in range(episodes):
        F = ideals[e] if ideals is not None else src.sample(rng)
        s = from_generators(F, ring)
        n = s.write_features(buf, k)
        while n:
            if combined:
                total += s.apply_and_write(int(rnd() * n), buf, k)
                n = s.num_pairs
            else:
                total += s.apply(int(rnd() * n))
                n = s.write_features(buf, k)
            steps += 1
    return steps, total


def run_env(backend, episodes, seed, dist, k, max_pairs):
    """The Gymnasium env as a user makes it (wrappers included), random valid actions."""
    import gymnasium as gym

    import mathrl  # noqa: F401

    env = gym.make("mathrl/Buchberger-v0", ideal_dist=dist, k=k, max_pairs=max_pairs, backend=backend)
    rnd = random.Random(seed).random
    steps = 0
    total = 0.0
    _, info = env.reset(seed=seed)
    for e in range(episodes):
        if e:
            _, info = env.reset()
        done = False
        while not done:
            _, r, term, trunc, info = env.step(int(rnd() * info["num_pairs"]))
            total += r
            steps += 1
            done = term or trunc
    return steps, total


def baselines(args) -> int:
    """`mathrl bench buchberger` on every reference row; JSON + PNG per distribution and a summary."""
    from pathlib import Path

    from mathrl.envs.buchberger.bench import REFERENCE, format_table, plot, run

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    summary = {"samples": args.samples, "seed": args.seed, "cpu_count": os.cpu_count(), "cpu": cpu_model(),
               "distributions": {}}
    all_pass = True
    for dist in REFERENCE:
        result, costs = run(dist, args.samples, args.seed, ["first", "degree", "normal", "sugar", "random"])
        (out / f"{dist}.json").write_text(json.dumps(result, indent=2))
        plot(result, costs, str(out / f"{dist}.png"))
        print(format_table(result), flush=True)
        summary["distributions"][dist] = result
        all_pass &= all(c.get("pass", True) for c in result["strategies"].values())
    summary["all_pass"] = bool(all_pass)
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    print(f"all within 3 standard errors of the reference: {all_pass}; files in {out}")
    return 0 if all_pass else 1


def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dist", default="3-20-10-weighted")
    ap.add_argument("--episodes", type=int, default=2000, help="episodes per repeat for the fast core")
    ap.add_argument("--pure-episodes", type=int, default=300, help="episodes per repeat for the pure core")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--k", type=int, default=2)
    ap.add_argument("--max-pairs", type=int, default=256)
    ap.add_argument("--sympy-ideals", type=int, default=20, help="ideals for the sympy.groebner reference (0: skip)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-pin", action="store_true", help="do not pin the process to one CPU")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    ap.add_argument("--baselines", action="store_true",
                    help="instead: every classical strategy on the paper's five distributions (all cores)")
    ap.add_argument("--samples", type=int, default=10_000, help="ideals per distribution for --baselines")
    ap.add_argument("--out", default="runs/bench_buchberger", help="folder for --baselines JSON and PNG files")
    args = ap.parse_args(argv)
    if args.baselines:
        return baselines(args)

    pinned = None
    if not args.no_pin and hasattr(os, "sched_setaffinity"):
        pinned = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {pinned})
    if "torch" in sys.modules:  # not imported here, but keep the one-core promise if a caller did
        sys.modules["torch"].set_num_threads(1)

    from mathrl.envs.buchberger.fast import BinomialState, numba_available

    src, sampler = make_source(args.dist)
    ring = src.ring
    out = {"dist": args.dist, "sampler": sampler, "cpu_count": os.cpu_count(), "cpu": cpu_model(),
           "pinned_cpu": pinned, "python": platform.python_version(), "numpy": np.__version__,
           "k": args.k, "max_pairs": args.max_pairs, "policy": "uniform random pair (random.Random)",
           "repeats": args.repeats}
    if not numba_available():
        print("numba is not installed: only the pure core can be measured", file=sys.stderr)
        return 1
    import numba

    out["numba"] = numba.__version__

    # compile (or load from the on-disk cache) before timing
    warm = src.sample(np.random.default_rng(12345))
    t0 = time.perf_counter()
    st = BinomialState.from_generators(warm, ring)
    buf = np.zeros((args.max_pairs, 2 * ring.n * args.k), np.int32)
    while st.write_features(buf, args.k):
        st.apply(0)
    out["first_episode_s"] = time.perf_counter() - t0  # compile time on a cold cache, load time on a warm one

    # the sampler alone, and a fixed list of ideals for the core-only figure
    rng = np.random.default_rng(args.seed + 1)
    dt, ideals = timed(lambda: [src.sample(rng) for _ in range(args.episodes)])
    out["sampler_us_per_ideal"] = 1e6 * dt / args.episodes

    res = {"env_auto": [], "env_python": [], "pure": [], "fast": [], "fast_combined": [], "fast_core_only": []}
    steps = {}
    totals = {}
    for r in range(args.repeats):
        seed = args.seed + 1000 * r
        dt, (n_steps, _) = timed(run_env, "auto", args.episodes, seed, args.dist, args.k, args.max_pairs)
        res["env_auto"].append(args.episodes / dt)
        steps["env"] = n_steps / args.episodes
        dt, _ = timed(run_env, "python", args.pure_episodes, seed, args.dist, args.k, args.max_pairs)
        res["env_python"].append(args.pure_episodes / dt)
        dt, (n_steps, tot) = timed(run_pure, src, None, args.pure_episodes, seed, args.k, args.max_pairs)
        res["pure"].append(args.pure_episodes / dt)
        steps["pure"] = n_steps / args.pure_episodes
        dt2, (n_steps2, tot2) = timed(run_fast, src, None, args.pure_episodes, seed, args.k, args.max_pairs)
        totals.setdefault("agree", True)
        totals["agree"] &= (n_steps2, tot2) == (n_steps, tot)  # same ideals and actions: same costs
        dt, (n_steps, _) = timed(run_fast, src, None, args.episodes, seed, args.k, args.max_pairs)
        res["fast"].append(args.episodes / dt)
        steps["fast"] = n_steps / args.episodes
        dt, _ = timed(run_fast, src, None, args.episodes, seed, args.k, args.max_pairs, True)
        res["fast_combined"].append(args.episodes / dt)
        dt, (n_steps, _) = timed(run_fast, src, ideals, args.episodes, seed, args.k, args.max_pairs)
        res["fast_core_only"].append(args.episodes / dt)
        out["us_per_step_fast_core_only"] = 1e6 * dt / n_steps
    for name, vals in res.items():
        out[f"{name}_episodes_per_s"] = statistics.median(vals)
        out[f"{name}_all"] = [round(v, 1) for v in vals]
    out["steps_per_episode"] = steps["fast"]
    out["pure_fast_same_costs"] = bool(totals["agree"])
    out["speedup"] = out["fast_episodes_per_s"] / out["pure_episodes_per_s"]

    # clone cost mid-episode
    st = BinomialState.from_generators(ideals[0], ring)
    for _ in range(min(5, len(st.pairs))):
        st.apply(0)
    reps = 20000
    clone = st.clone
    t = time.perf_counter()
    for _ in range(reps):
        clone()
    out["clone_us"] = 1e6 * (time.perf_counter() - t) / reps

    if args.sympy_ideals > 0:
        import sympy

        gens = sympy.symbols(ring.names)
        exprs = [[f.to_sympy() for f in F] for F in ideals[:args.sympy_ideals]]
        t = time.perf_counter()
        for E in exprs:
            sympy.groebner(E, *gens, order=ring.order, modulus=ring.p)
        out["sympy_groebner_ideals_per_s"] = len(exprs) / (time.perf_counter() - t)

    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"{args.dist}: random policy, k={args.k}, max_pairs={args.max_pairs}, sampler={sampler}")
    print(f"CPU: {out['cpu']} (os.cpu_count() = {out['cpu_count']}, pinned to cpu {pinned})")
    print(f"steps/episode: {out['steps_per_episode']:.1f}; sampler {out['sampler_us_per_ideal']:.1f} us/ideal")
    print(f"ENV (gym.make, numba): {out['env_auto_episodes_per_s']:8.0f} episodes/s  {out['env_auto_all']}")
    print(f"env, pure Python:      {out['env_python_episodes_per_s']:8.0f} episodes/s  {out['env_python_all']}")
    print(f"pure core:             {out['pure_episodes_per_s']:8.0f} episodes/s  {out['pure_all']}")
    print(f"fast core:             {out['fast_episodes_per_s']:8.0f} episodes/s  {out['fast_all']}")
    print(f"fast, apply_and_write: {out['fast_combined_episodes_per_s']:8.0f} episodes/s  {out['fast_combined_all']}")
    print(f"fast core, no sampler: {out['fast_core_only_episodes_per_s']:8.0f} episodes/s  "
          f"({out['us_per_step_fast_core_only']:.2f} us/step)")
    print(f"speedup {out['speedup']:.1f}x; same costs on the same ideals and actions: {out['pure_fast_same_costs']}")
    print(f"clone {out['clone_us']:.2f} us; first episode (compile or cache load) {out['first_episode_s']:.2f} s")
    if "sympy_groebner_ideals_per_s" in out:
        print(f"sympy.groebner reference: {out['sympy_groebner_ideals_per_s']:.1f} ideals/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
