"""Tutorial: benchmark a new S-pair selection heuristic against Degree (and the shipped PPO agent).

A strategy is any object with ``select(state) -> index into state.pairs``; subclassing
``KeyStrategy`` and giving a ``key`` is enough (the pair with the smallest key is chosen, ties to the
oldest pair). Here: the smallest lcm degree, ties broken by the *newest* pair instead of the oldest.
Every strategy runs on the same sampled ideals, and each reduced basis is checked against sympy's.

``python examples/spair_heuristic.py`` (``--short`` for the quick check the tests run).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import sympy

from mathrl.envs.buchberger.distributions import make_source
from mathrl.envs.buchberger.groebner import buchberger
from mathrl.envs.buchberger.strategies import KeyStrategy, make_strategy


class DegreeNewestFirst(KeyStrategy):
    name = "degree-newest"
    description = "smallest lcm degree, ties to the newest pair"

    def key(self, state, a):
        return (state.pair_degree(a), -a)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ideals", default="3-20-10-weighted", help="ideal distribution")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--short", action="store_true", help="30 ideals of 3-10-4-weighted (what the tests run)")
    args = parser.parse_args(argv)
    if args.short:
        args.ideals, args.samples = "3-10-4-weighted", 30
    source = make_source(args.ideals)
    rng = np.random.default_rng(0)
    ideals = [source.sample(rng) for _ in range(args.samples)]
    strategies = {"degree": make_strategy("degree"), "first": make_strategy("first"),
                  "degree-newest": DegreeNewestFirst(), "agent:pretrained": make_strategy("agent:pretrained")}
    costs = {name: [] for name in strategies}
    for k, ideal in enumerate(ideals):
        bases = []
        for name, strategy in strategies.items():
            basis, stats = buchberger(ideal, strategy)
            costs[name].append(stats["polynomial_additions"])
            bases.append(basis)
        assert all(b == bases[0] for b in bases), "strategies disagree on the reduced basis"
        if k < 5:  # an independent oracle for a few: sympy's reduced basis over the same field and order
            ring = ideal[0].ring
            gens = sympy.symbols(ring.names)
            reference = sympy.groebner([p.to_sympy() for p in ideal], *gens, modulus=ring.p, order=ring.order)
            assert {g.to_sympy() for g in bases[0]} == set(reference.exprs), "the basis differs from sympy's"
    print(f"{args.samples} ideals of {args.ideals}: mean polynomial additions (lower is better)")
    for name, c in sorted(costs.items(), key=lambda kv: np.mean(kv[1])):
        c = np.asarray(c, dtype=float)
        print(f"  {name:<18} {c.mean():8.2f}  (s.e. {c.std(ddof=1) / np.sqrt(len(c)):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
