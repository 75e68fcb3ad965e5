"""Semigroup proof benchmarks: wall time of the ``benchmark``-order proof of graded cases (docs/semigroups.md).

Cases: (3,2) all 13 sigma (median of --repeats runs), (4,5) sigma = 22 and
(5,3) sigma = 7 (one run each). Reported per case: passive nodes (proof size),
done and impossible leaves, seconds, cut nodes per second, and against
Simpson's PyTorch code (3.8 s and 198 s) the speed-up ratio; the goal is a
speed-up of >= 3x. Compile or cache-load time of the numba kernels is measured once,
up front, and reported separately (``warmup_s``).

    python scripts/bench_semigroups.py [--repeats 5] [--backend auto|numpy|numba] [--no-big] [--json]

The proof runner is ``mathrl.envs.semigroups.proof.prove(problem, "benchmark")``
when importable (``--runner auto``), else a built-in depth-first counter.
"""

from __future__ import annotations

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from types import SimpleNamespace  # noqa: E402

import numpy as np  # noqa: E402

REFERENCE_S = {"(3,2) all": 3.8, "(4,5) sigma=22": 198.0}
TARGET_RATIO = 3.0


from mathrl.sysinfo import cpu_model  # noqa: E402


def own_prove(problem):
    """Depth-first benchmark-order proof; same counts as proof.prove(problem, 'benchmark')."""
    from mathrl.envs.semigroups.orders import benchmark_order
    from mathrl.envs.semigroups.problem import ACTIVE, DONE

    order = np.asarray(benchmark_order(problem.N))
    t0 = time.perf_counter()
    nodes = done = impossible = 0
    stack = list(reversed(problem.roots()))
    while stack:
        node = stack.pop()
        if node.status != ACTIVE:
            if node.status == DONE:
                done += 1
            else:
                impossible += 1
            continue
        av = problem.available(node)
        cell = int(order[av[order]][0])
        nodes += 1
        stack.extend(k for k, _ in reversed(problem.children(node, cell)))
    return SimpleNamespace(nodes=nodes, done=done, impossible=impossible, seconds=time.perf_counter() - t0)


def get_runner(which: str):
    if which in ("auto", "proof"):
        try:
            from mathrl.envs.semigroups.proof import prove

            return (lambda problem: prove(problem, "benchmark")), "mathrl.envs.semigroups.proof.prove"
        except ImportError:
            if which == "proof":
                raise
    return own_prove, "own dfs"


def run_case(label, a, b, sigma, repeats, runner, backend):
    from mathrl.envs.semigroups.graded import GradedProblem

    times, res = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        problem = GradedProblem(a, b, sigma, backend=backend)
        res = runner(problem)
        times.append(time.perf_counter() - t0)  # includes building and propagating the roots
    sec = statistics.median(times)
    row = {"case": label, "a": a, "b": b, "sigma": sigma, "backend": problem.backend,
           "nodes": int(res.nodes), "done": int(res.done), "impossible": int(res.impossible),
           "seconds": round(sec, 4), "seconds_all": [round(t, 4) for t in times],
           "nodes_per_s": round(res.nodes / sec, 1) if sec > 0 else None}
    ref = REFERENCE_S.get(label)
    if ref is not None:
        row.update(reference_s=ref, ratio=round(ref / sec, 2), target_ratio=TARGET_RATIO,
                   target_s=round(ref / TARGET_RATIO, 3), meets_target=bool(ref / sec >= TARGET_RATIO))
    return row


def policy_table(seeds: int = 10) -> dict:
    """Every cut policy on (3,2) all sigma: proof size against benchmark and the exact minimum;
    random as mean and standard deviation over ``seeds`` seeds."""
    from mathrl.envs.semigroups.graded import GradedProblem
    from mathrl.envs.semigroups.proof import prove

    problem = GradedProblem(3, 2, "all")
    table = {}
    for name in ("benchmark", "paper", "lex", "mindomain", "maxdomain", "lookahead1", "minimum"):
        r = prove(problem, name)
        table[name] = {"nodes": r.nodes, "done": r.done, "impossible": r.impossible, "seconds": round(r.seconds, 3)}
    sizes = [prove(problem, "random", seed=s).nodes for s in range(seeds)]
    table["random"] = {"nodes_mean": float(np.mean(sizes)), "nodes_std": float(np.std(sizes, ddof=1)),
                       "seeds": seeds, "nodes_min": int(min(sizes)), "nodes_max": int(max(sizes))}
    return table


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=5, help="repeats of the small case (median reported)")
    p.add_argument("--backend", default="auto", choices=["auto", "numpy", "numba"])
    p.add_argument("--runner", default="auto", choices=["auto", "proof", "own"])
    p.add_argument("--no-big", action="store_true", help="skip (4,5) sigma=22")
    p.add_argument("--no-53", action="store_true", help="skip (5,3) sigma=7")
    p.add_argument("--json", action="store_true")
    p.add_argument("--policies", action="store_true",
                   help="also every cut policy on (3,2) all sigma (random over 10 seeds) against the minimum")
    args = p.parse_args(argv)

    from mathrl.envs.semigroups.graded import GradedProblem

    runner, runner_name = get_runner(args.runner)
    t0 = time.perf_counter()
    warm = GradedProblem(2, 2, "all", backend=args.backend)  # compiles / loads the numba cache
    own_prove(warm)
    warmup = time.perf_counter() - t0

    rows = [run_case("(3,2) all", 3, 2, "all", args.repeats, runner, args.backend)]
    if not args.no_53:
        rows.append(run_case("(5,3) sigma=7", 5, 3, 7, 1, runner, args.backend))
    if not args.no_big:
        rows.append(run_case("(4,5) sigma=22", 4, 5, 22, 1, runner, args.backend))
    out = {"cpu_count": os.cpu_count(), "cpu": cpu_model(), "python": sys.version.split()[0],
           "numpy": np.__version__, "backend": warm.backend, "runner": runner_name,
           "warmup_s": round(warmup, 3), "cases": rows}
    if args.policies:
        out["policies_3_2_all"] = policy_table()
    if args.json:
        print(json.dumps(out, indent=2))
        return out
    print(f"cpu_count={out['cpu_count']}  cpu={out['cpu']}  backend={out['backend']}  runner={runner_name}  "
          f"warmup(compile/cache load)={out['warmup_s']} s")
    print(f"{'case':<16}{'nodes':>9}{'done':>8}{'imposs':>9}{'seconds':>10}{'nodes/s':>10}"
          f"{'ref s':>8}{'ratio':>8}  target")
    for r in rows:
        ref = r.get("reference_s")
        print(f"{r['case']:<16}{r['nodes']:>9}{r['done']:>8}{r['impossible']:>9}{r['seconds']:>10.3f}"
              f"{r['nodes_per_s']:>10.0f}{(ref if ref else float('nan')):>8.1f}"
              f"{r.get('ratio', float('nan')):>8.1f}  "
              + ("" if ref is None else ("ok" if r["meets_target"] else "MISSED") + f" (< {r['target_s']} s)"))
    if args.policies:
        print("cut policies on (3,2) all sigma (proof size; the proven minimum is 151):")
        for name, row in out["policies_3_2_all"].items():
            if name == "random":
                print(f"  {name:<11} {row['nodes_mean']:.1f} +- {row['nodes_std']:.1f} over {row['seeds']} seeds "
                      f"(min {row['nodes_min']}, max {row['nodes_max']})")
            else:
                print(f"  {name:<11} {row['nodes']:>5}  done {row['done']}  impossible {row['impossible']}  "
                      f"{row['seconds']:.2f} s")
    return out


if __name__ == "__main__":
    main()
