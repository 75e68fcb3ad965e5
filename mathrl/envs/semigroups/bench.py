"""``mathrl bench semigroups``: proof sizes of the cut policies on one problem.

The proof size (cut nodes) is the cost Simpson 2021 compares cut orders by; on
graded(3, 2), all 13 instances, the benchmark order gives 242 cut nodes and
120 done leaves, and the exact minimum is 151, the sum of the per-instance minima
Simpson proved (both tested).
"""

from __future__ import annotations

import argparse
import json


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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mathrl bench semigroups",
                                description="proof sizes of cut policies on a semigroup classification problem")
    p.add_argument("--family", default="simpson", choices=["simpson", "graded", "all", "nilpotent"])
    p.add_argument("--a", type=int, default=3)
    p.add_argument("--b", type=int, default=2)
    p.add_argument("--sigma", default="all", help="instances: all, K, K-L or a comma list (graded family)")
    p.add_argument("--n", type=int, default=None, help="order (all / nilpotent families)")
    p.add_argument("--degree", type=int, default=None, help="nilpotency degree (nilpotent family)")
    p.add_argument("--strategies", default="benchmark,paper,lex,mindomain,maxdomain,random,lookahead1",
                   help="comma-separated cut policies (add minimum for the exact solver on small cases)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random policy")
    p.add_argument("--no-profile-filter", action="store_true")
    p.add_argument("--no-halfones-filter", action="store_true")
    p.add_argument("--json", action="store_true")
    return p


def main(argv=None) -> int:
    from mathrl.envs.semigroups.env import make_problem
    from mathrl.envs.semigroups.policies import POLICIES
    from mathrl.envs.semigroups.proof import prove

    args = build_parser().parse_args(argv)
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    for s in strategies:
        if s not in POLICIES:
            raise BenchError(f"unknown strategy {s!r}; choose from {', '.join(POLICIES)}")
    for name in ("a", "b", "n", "degree"):
        v = getattr(args, name)
        if v is not None and v < 1:
            raise BenchError(f"--{name} must be >= 1, got {v}")
    try:
        problem = make_problem(args.family, a=args.a, b=args.b, sigma=parse_sigma(args.sigma), n=args.n,
                               degree=args.degree, profile_filter=not args.no_profile_filter,
                               halfones_filter=not args.no_halfones_filter)
    except ValueError as exc:
        raise BenchError(str(exc)) from exc
    family = {"family": args.family, "name": getattr(problem, "name", args.family)}
    if args.family in ("simpson", "graded"):
        family.update(a=args.a, b=args.b, sigma=args.sigma)
    else:
        family.update(n=args.n, degree=args.degree)
    result = {"family": family, "strategies": {}}
    for s in strategies:
        r = prove(problem, s, seed=args.seed)
        result["strategies"][s] = {"nodes": r.nodes, "done": r.done, "impossible": r.impossible,
                                   "seconds": round(r.seconds, 4),
                                   "per_root": {str(k): v for k, v in sorted(r.per_root.items())}}
        if not args.json:
            print(f"{s:<11} nodes {r.nodes:>7}  done {r.done:>6}  impossible {r.impossible:>6}  "
                  f"{r.seconds:8.2f} s", flush=True)
    if args.json:
        print(json.dumps(result, indent=2))
    return 0
