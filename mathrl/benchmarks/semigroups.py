"""``mathrl bench semigroups``: proof sizes of the cut policies, and the proof's wall time against Simpson's.

Two modes:

* ``mathrl bench semigroups [--family simpson --a 3 --b 2 --sigma all] [--strategies …]``
  -- proof size (cut nodes), done and impossible leaves and seconds per cut
  policy on one problem. The proof size is the cost Simpson 2021 compares cut
  orders by; on graded(3, 2), all 13 instances, the benchmark order gives 242
  cut nodes and 120 done leaves, and the exact minimum is 151, the sum of the
  per-instance minima Simpson proved (both tested). The generic families
  (``--family all|nilpotent --n N``) are refused above the orders known to be
  in reach (:data:`mathrl.envs.semigroups.families.IN_REACH`) unless
  ``--force``; their progress bar counts cuts.
* ``mathrl bench semigroups speed [--repeats 5] [--backend auto|numpy|numba] [--no-big] [--no-53] [--policies]``
  -- wall time of the ``benchmark``-order proof
  (:func:`mathrl.envs.semigroups.proof.prove`) of (3,2) all σ (median of
  ``--repeats`` runs), (5,3) σ = 7 and (4,5) σ = 22 (one run each). Reported
  per case: cut nodes, done and impossible leaves, seconds (building and
  propagating the roots included), cut nodes per second, and against
  Simpson's PyTorch code (3.8 s and 198 s) the speed-up ratio; the goal is a
  speed-up of >= 3x. Compile or cache-load time of the numba kernels is
  measured once, up front, and reported separately (``warmup_s``). With
  ``--policies``, also every cut policy on (3,2) all σ (random over 10 seeds)
  against the proven minimum. numba, OpenMP and BLAS are limited to one
  thread unless the environment says otherwise.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

from mathrl.benchmarks.common import add_output_options, check_out_file, emit, one_thread, progress, run_mode, summary_key
from mathrl.sysinfo import cpu_model

REFERENCE_S = {"(3,2) all": 3.8, "(4,5) sigma=22": 198.0}
TARGET_RATIO = 3.0
DEFAULT_STRATEGIES = "benchmark,paper,lex,mindomain,maxdomain,random,lookahead1"


class BenchError(ValueError):
    """Bad benchmark input (reported as a usage error, exit code 2)."""


def parse_sigma(text):
    """'all', '5', '0-12', '0,3,7-9' -> 'all' or a sorted list of ints."""
    text = str(text).strip()
    if text == "all":
        return "all"
    out = set()
    for part in text.split(","):
        part = part.strip()
        try:
            if "-" in part:
                lo, hi = part.split("-")
                lo, hi = int(lo), int(hi)
                if lo > hi:
                    raise ValueError
                out.update(range(lo, hi + 1))
            else:
                out.add(int(part))
        except ValueError:
            raise BenchError(f"bad --sigma {text!r}: use all, K, K-L or a comma list") from None
    return sorted(out)


# ---- compare: proof sizes of the cut policies on one problem --------------------------------
def compare(args) -> int:
    from mathrl.envs.semigroups.env import make_problem
    from mathrl.envs.semigroups.policies import POLICIES

    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    if not strategies:
        raise BenchError("--strategies is empty")
    if args.seed < 0:
        raise BenchError(f"--seed must be >= 0, got {args.seed}")
    for s in strategies:
        if s not in POLICIES and not s.startswith("agent:"):
            raise BenchError(f"unknown strategy {s!r}; choose from {', '.join(POLICIES)} or agent:RUN")
    for name in ("a", "b", "n", "degree"):
        v = getattr(args, name)
        if v is not None and v < 1:
            raise BenchError(f"--{name} must be >= 1, got {v}")
    if not 0 <= args.split_depth <= 64:
        raise BenchError(f"--split-depth must be in 0..64, got {args.split_depth}")
    if not 1 <= args.workers <= 1024:
        raise BenchError(f"--workers must be in 1..1024, got {args.workers}")
    if args.ray is not None:
        from mathrl.agents.executor import parse_ray

        try:
            parse_ray(args.ray)
        except ValueError as exc:
            raise BenchError(str(exc)) from None
    generic = args.family in ("all", "nilpotent")
    if generic and args.n is not None:
        from mathrl.envs.semigroups.families import check_in_reach

        try:
            check_in_reach(args.family, args.n, args.force, how="--force")
        except ValueError as exc:
            raise BenchError(str(exc)) from exc
    try:
        problem = make_problem(args.family, a=args.a, b=args.b, sigma=parse_sigma(args.sigma), n=args.n,
                               degree=args.degree, profile_filter=not args.no_profile_filter,
                               halfones_filter=not args.no_halfones_filter)
    except ValueError as exc:
        raise BenchError(str(exc)) from exc
    out = check_out_file(args.out, BenchError)
    policies = {}
    for s in strategies:  # trained agents are loaded (and refused in one line) before any proof runs
        if s.startswith("agent:"):
            from mathrl.envs.semigroups.policies import make_policy

            try:
                policies[s] = make_policy(s, problem)
            except ValueError as exc:
                raise BenchError(str(exc)) from exc
    family = {"family": args.family, "name": getattr(problem, "name", args.family)}
    if args.family in ("simpson", "graded"):
        family.update(a=args.a, b=args.b, sigma=args.sigma)
    else:
        family.update(n=args.n, degree=args.degree)
    result = {"family": family, "strategies": {}}
    parallel = args.split_depth > 0 or args.workers > 1 or args.ray is not None
    executor = _executor(args) if parallel else None
    try:
        _prove_all(args, problem, strategies, policies, generic, parallel, executor, result)
    except BaseException:
        if executor is not None:
            executor.close(abandon=True)  # Ctrl-C: running subtree proofs are killed, not waited for
        raise
    if executor is not None:
        executor.close()
        result["executor"] = {"backend": executor.backend, "workers": executor.workers,
                              "split_depth": max(args.split_depth, 1)}
    text = "\n".join(f"{s:<11} nodes {c['nodes']:>7}  done {c['done']:>6}  impossible {c['impossible']:>6}  "
                     f"{c['seconds']:8.2f} s" for s, c in result["strategies"].items())
    emit(result, text, args.json, out,
         summary={f"nodes_{summary_key(name)}": c["nodes"] for name, c in result["strategies"].items()})
    return 0


def _prove_all(args, problem, strategies, policies, generic, parallel, executor, result) -> None:
    """Every strategy's proof, into ``result["strategies"]``."""
    from mathrl.envs.semigroups.proof import prove

    with progress(len(strategies), "proofs", args.quiet, unit="policy") as bar:
        for s in strategies:
            bar.set_postfix(policy=s, refresh=True)
            if parallel:
                r = prove_in_parts(problem, s, args.seed, max(args.split_depth, 1), executor)
            elif generic:  # long proofs: a second bar counts the cuts
                with progress(None, f"{problem.name} {s}", args.quiet, unit="cut") as cuts:
                    problem.on_cut = cuts.update
                    try:
                        r = prove(problem, policies.get(s, s), seed=args.seed)
                    finally:
                        problem.on_cut = None
            else:
                r = prove(problem, policies.get(s, s), seed=args.seed)
            result["strategies"][s] = {"nodes": r.nodes, "done": r.done, "impossible": r.impossible,
                                       "seconds": round(r.seconds, 4),
                                       "per_root": {str(k): v for k, v in sorted(r.per_root.items())}}
            bar.update()


def _executor(args):
    from mathrl.agents.executor import ExecutorError, make_executor

    try:
        return make_executor(args.workers, args.ray)
    except (ExecutorError, ValueError) as exc:
        raise BenchError(str(exc)) from None


def prove_part(problem, policy: str, nodes: list, seed: int):
    """A plain function for an executor: the proof of ``nodes`` (independent subtrees) with ``policy``."""
    from mathrl.envs.semigroups.proof import prove

    return prove(problem, policy, seed=seed, roots=nodes)


def prove_in_parts(problem, policy: str, seed: int, depth: int, executor):
    """The whole proof's counts, its subtrees below ``depth`` levels proved as independent tasks (chunks of
    nodes, about four per worker) and added to the counts of the levels above (Simpson's proofs are
    AND-OR trees: the subtrees of a level share nothing)."""
    from mathrl.envs.semigroups.proof import add_results, split_proof

    head, nodes = split_proof(problem, policy, depth, seed)
    chunk = max(1, -(-len(nodes) // (4 * max(1, executor.workers))))
    calls = [(problem, policy, nodes[i:i + chunk], seed) for i in range(0, len(nodes), chunk)]
    return add_results([head, *executor.map(prove_part, calls)])


# ---- speed: the benchmark-order proof against Simpson's times -------------------------------
def run_case(label, a, b, sigma, repeats, backend):
    from mathrl.envs.semigroups.graded import GradedProblem
    from mathrl.envs.semigroups.proof import prove

    times, res = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        problem = GradedProblem(a, b, sigma, backend=backend)
        res = prove(problem, "benchmark")
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
    import numpy as np

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


def speed(args) -> int:
    if args.repeats < 1:
        raise BenchError(f"--repeats must be >= 1, got {args.repeats}")
    path = check_out_file(args.out, BenchError)
    with one_thread(force=False):  # before numpy and numba load; values the user set are kept
        out = measure_speed(args)
    emit(out, format_speed(out), args.json, path)
    return 0


def measure_speed(args) -> dict:
    import numpy as np

    from mathrl.envs.semigroups.graded import GradedProblem
    from mathrl.envs.semigroups.proof import prove

    try:
        t0 = time.perf_counter()
        warm = GradedProblem(2, 2, "all", backend=args.backend)  # compiles / loads the numba cache
        prove(warm, "benchmark")
        warmup = time.perf_counter() - t0
    except (ValueError, ImportError) as exc:  # e.g. --backend numba without numba
        raise BenchError(f"--backend {args.backend}: {exc}") from exc
    cases = [("(3,2) all", 3, 2, "all", args.repeats)]
    if not args.no_53:
        cases.append(("(5,3) sigma=7", 5, 3, 7, 1))
    if not args.no_big:
        cases.append(("(4,5) sigma=22", 4, 5, 22, 1))
    rows = []
    with progress(len(cases), "proofs", args.quiet, unit="case") as bar:
        for label, a, b, sigma, repeats in cases:
            bar.set_postfix(case=label, refresh=True)
            rows.append(run_case(label, a, b, sigma, repeats, args.backend))
            bar.update()
    out = {"cpu_count": os.cpu_count(), "cpu": cpu_model(), "python": sys.version.split()[0],
           "numpy": np.__version__, "backend": warm.backend, "runner": "mathrl.envs.semigroups.proof.prove",
           "warmup_s": round(warmup, 3), "cases": rows}
    if args.policies:
        out["policies_3_2_all"] = policy_table()
    return out


def format_speed(out: dict) -> str:
    lines = [f"cpu_count={out['cpu_count']}  cpu={out['cpu']}  backend={out['backend']}  runner={out['runner']}  "
             f"warmup(compile/cache load)={out['warmup_s']} s",
             f"{'case':<16}{'nodes':>9}{'done':>8}{'imposs':>9}{'seconds':>10}{'nodes/s':>10}"
             f"{'ref s':>8}{'ratio':>8}  target"]
    for r in out["cases"]:
        ref = r.get("reference_s")
        lines.append(f"{r['case']:<16}{r['nodes']:>9}{r['done']:>8}{r['impossible']:>9}{r['seconds']:>10.3f}"
                     f"{r['nodes_per_s']:>10.0f}{(ref if ref else float('nan')):>8.1f}"
                     f"{r.get('ratio', float('nan')):>8.1f}  "
                     + ("" if ref is None else ("ok" if r["meets_target"] else "MISSED") + f" (< {r['target_s']} s)"))
    if "policies_3_2_all" in out:
        lines.append("cut policies on (3,2) all sigma (proof size; the proven minimum is 151):")
        for name, row in out["policies_3_2_all"].items():
            if name == "random":
                lines.append(f"  {name:<11} {row['nodes_mean']:.1f} +- {row['nodes_std']:.1f} over {row['seeds']} "
                             f"seeds (min {row['nodes_min']}, max {row['nodes_max']})")
            else:
                lines.append(f"  {name:<11} {row['nodes']:>5}  done {row['done']}  impossible {row['impossible']}  "
                             f"{row['seconds']:.2f} s")
    return "\n".join(lines)


# ---- command line --------------------------------------------------------------------------
def build_parser(mode: str = "compare") -> argparse.ArgumentParser:
    if mode == "compare":
        p = argparse.ArgumentParser(prog="mathrl bench semigroups",
                                    description="proof sizes of cut policies on a semigroup classification problem",
                                    epilog="other mode: mathrl bench semigroups speed --help (proof wall time "
                                           "against Simpson's published times)")
        p.add_argument("--family", default="simpson", choices=["simpson", "graded", "all", "nilpotent"])
        p.add_argument("--a", type=int, default=3)
        p.add_argument("--b", type=int, default=2)
        p.add_argument("--sigma", default="all", help="instances: all, K, K-L or a comma list (graded family)")
        p.add_argument("--n", type=int, default=None, help="order (all / nilpotent families)")
        p.add_argument("--degree", type=int, default=None, help="nilpotency degree (nilpotent family)")
        p.add_argument("--strategies", default=DEFAULT_STRATEGIES,
                       help="comma-separated cut policies (add minimum for the exact solver on small cases)")
        p.add_argument("--seed", type=int, default=0, help="seed of the random policy")
        p.add_argument("--no-profile-filter", action="store_true")
        p.add_argument("--no-halfones-filter", action="store_true")
        p.add_argument("--force", action="store_true",
                       help="run all / nilpotent orders known to be out of reach (all above 5, nilpotent above 6)")
        p.add_argument("--split-depth", type=int, default=0, metavar="D",
                       help="prove the subtrees below D levels as independent tasks (default: one sequential proof; "
                            "1 with --workers or --ray); the counts are the same for every policy but random")
        p.add_argument("--workers", type=int, default=1, help="processes for the subtrees (default 1)")
        p.add_argument("--ray", default=None, metavar="auto|local|HOST:PORT",
                       help="prove the subtrees as Ray tasks (pip install 'mathrl[ray]')")
    else:
        p = argparse.ArgumentParser(prog="mathrl bench semigroups speed",
                                    description="wall time of the benchmark-order proofs of graded cases against "
                                                "Simpson's PyTorch code")
        p.add_argument("--repeats", type=int, default=5, help="repeats of the small case (median reported)")
        p.add_argument("--backend", default="auto", choices=["auto", "numpy", "numba"])
        p.add_argument("--no-big", action="store_true", help="skip (4,5) sigma=22")
        p.add_argument("--no-53", action="store_true", help="skip (5,3) sigma=7")
        p.add_argument("--policies", action="store_true",
                       help="also every cut policy on (3,2) all sigma (random over 10 seeds) against the minimum")
    add_output_options(p)
    return p


def main(argv: list[str] | None = None) -> int:
    return run_mode(argv, {"compare": compare, "speed": speed}, build_parser)
