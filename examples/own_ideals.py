"""Tutorial: S-pair selection on your own ideals, a fixed ideal or a distribution you write.

1. **A fixed ideal.** ``gymnasium.make("mathrl/Buchberger-v0", ideal="...")`` runs every episode on the same
   generators (a string, a list of strings, sympy expressions or ``Poly`` objects). Here: the twisted cubic
   written in an unusual basis, and ``reset(options={"ideal": ...})`` swaps the ideal for one episode.
2. **Your own distribution.** Anything with ``ring`` and ``sample(rng) -> list of generators`` can be passed
   as ``ideal_dist``. ``ToricCurves`` below draws the binomials that cut out a random monomial curve
   (t -> (t^a, t^b, t^c)): sparse, geometric, and unlike the paper's uniform families.

For both, every strategy's reduced Gröbner basis is checked against ``sympy.groebner`` (an independent
implementation), and the strategies are compared by polynomial additions, the cost the env rewards.

``python examples/own_ideals.py`` (``--short`` for the quick check the tests run).
"""

from __future__ import annotations

import argparse
import sys

import gymnasium as gym
import numpy as np
import sympy

import mathrl  # noqa: F401  (registers the envs)
from mathrl.envs.buchberger.groebner import buchberger
from mathrl.envs.buchberger.parsing import parse_ideal
from mathrl.envs.buchberger.strategies import make_strategy

GENS = ("x", "y", "z", "w")
STRATEGIES = ("degree", "normal", "first", "sugar")


class ToricCurves:
    """Binomial generators of random monomial curves in 4 variables over GF(32003).

    Each sample picks exponents 1 <= a < b < c <= ``top`` and returns the binomials
    x^b - y^a, x^c - z^a, y^c - z^b and w*x - y (a hyperplane section, so the ideal is not only toric).
    """

    def __init__(self, top: int = 6, field=32003, order: str = "grevlex"):
        self.top, self.field, self.order = int(top), field, order
        self.ring, _ = parse_ideal(["x"], gens=GENS, field=field, order=order)

    def sample(self, rng) -> list:
        a, b, c = sorted(rng.choice(np.arange(1, self.top + 1), size=3, replace=False).tolist())
        text = [f"x^{b} - y^{a}", f"x^{c} - z^{a}", f"y^{c} - z^{b}", "w*x - y"]
        return parse_ideal(text, gens=GENS, field=self.field, order=self.order)[1]


def check_with_sympy(ideal, basis) -> None:
    """Our reduced basis must be sympy's (same field, same order)."""
    ring = ideal[0].ring
    gens = sympy.symbols(ring.names)
    reference = sympy.groebner([p.to_sympy() for p in ideal], *gens, modulus=ring.p, order=ring.order)
    if {g.to_sympy() for g in basis} != set(reference.exprs):
        raise AssertionError("the reduced basis differs from sympy's")


def compare(ideals, label: str, sympy_checks: int) -> dict:
    """Run each strategy on the same ideals; check the bases agree (and, for the first few, with sympy)."""
    costs = {name: [] for name in STRATEGIES}
    for k, ideal in enumerate(ideals):
        bases = []
        for name in STRATEGIES:
            basis, stats = buchberger(ideal, make_strategy(name))
            costs[name].append(stats["polynomial_additions"])
            bases.append(basis)
        if any(b != bases[0] for b in bases):
            raise AssertionError("strategies disagree on the reduced basis")
        if k < sympy_checks:
            check_with_sympy(ideal, bases[0])
    print(f"{label}: mean polynomial additions over {len(ideals)} ideal(s) (lower is better)")
    for name in sorted(costs, key=lambda n: np.mean(costs[n])):
        print(f"  {name:<8} {np.mean(costs[name]):7.2f}")
    return costs


def episode_additions(env, strategy, **reset_kwargs) -> float:
    """One env episode driven by a strategy: the additions are minus the return."""
    env.reset(**reset_kwargs)
    total, done = 0.0, False
    while not done:
        _, reward, terminated, truncated, _ = env.step(strategy.select(env.unwrapped.state))
        total += reward
        done = terminated or truncated
    return -total


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200, help="ideals drawn from the distribution")
    parser.add_argument("--short", action="store_true", help="20 ideals (what the tests run)")
    args = parser.parse_args(argv)
    if args.short:
        args.samples = 20

    # 1. a fixed ideal: the twisted cubic (t, t^2, t^3), generators mixed together
    cubic = "x^2 - y + x*z - x*y, x*y - z, x*z - y^2"
    env = gym.make("mathrl/Buchberger-v0", ideal=cubic)
    degree = make_strategy("degree")
    print(f"fixed ideal <{cubic}>: Degree needs {episode_additions(env, degree, seed=0):.0f} additions; "
          f"the same env on <x^3 - y, x*y - z^2>: {episode_additions(env, degree, options={'ideal': 'x^3 - y, x*y - z^2'}):.0f}")
    _, fixed = parse_ideal(cubic)
    compare([fixed], "the fixed ideal", sympy_checks=1)

    # 2. a distribution of your own: the env takes it as ideal_dist, and samples it with its seeded generator
    source = ToricCurves()
    env = gym.make("mathrl/Buchberger-v0", ideal_dist=source)
    env_cost = episode_additions(env, degree, seed=1)
    print(f"an env episode on a sampled toric curve (seed 1), Degree: {env_cost:.0f} additions")
    rng = np.random.default_rng(0)
    compare([source.sample(rng) for _ in range(args.samples)], "ToricCurves", sympy_checks=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
