"""Rewards and heuristic returns: what the state's counters are worth to a learner.

The state only counts (:data:`~mathrl.envs.buchberger.base.STAT_KEYS`); a
reward mode picks the counter whose increase a step costs:

* ``additions`` -- polynomial additions, 1 for the S-polynomial plus 1 per
  reduction step: the cost Peifer, Stillman and Halpern-Leistner (2020,
  "Learning selection strategies in Buchberger's algorithm", ICML) minimise,
  and the reward ``apply`` itself returns;
* ``reductions`` -- pairs processed, i.e. -1 per step (fewest reductions);
* ``monomials`` -- monomial additions, a finer measure of the arithmetic.

Keeping the choice here, not in the state, means one state serves every
mode: the env turns counter increases into rewards, and a tree search over the
bare state sees the paper's cost.
"""

from __future__ import annotations

from mathrl.envs.buchberger.binomial_kernels import BUILTIN_STRATEGIES
from mathrl.envs.buchberger.strategies import make_strategy

REWARDS = {"additions": "polynomial_additions", "reductions": "pairs_processed",
           "monomials": "monomial_additions"}

__all__ = ["REWARDS", "check_rewards", "step_reward", "rollout_value"]


def check_rewards(rewards: str) -> str:
    """The counter a reward mode charges; ``ValueError`` for an unknown mode."""
    if rewards not in REWARDS:
        raise ValueError(f"unknown rewards {rewards!r}; choose one of {', '.join(REWARDS)}")
    return REWARDS[rewards]


def step_reward(before: dict, after: dict, rewards: str = "additions") -> float:
    """The reward of a step from the counters (``state.stats()``) before and after it: minus the increase."""
    counter = check_rewards(rewards)
    return -float(after[counter] - before[counter])


def rollout_value(state, strategy="degree", gamma: float = 0.99, rewards: str = "additions") -> float:
    """The discounted return of finishing the episode from a clone of ``state`` with a heuristic strategy.

    ``state`` is left unchanged. With ``strategy="degree"`` this is the value
    baseline of Peifer et al. (2020): what the best classical strategy would
    still pay from here.
    """
    counter = check_rewards(rewards)
    s = state.clone()
    if isinstance(strategy, str) and hasattr(s, "play_out") and strategy in BUILTIN_STRATEGIES:
        return s.play_out(strategy, gamma, counter)  # the compiled backend: the same sum in one call
    strat = make_strategy(strategy)
    total, discount = 0.0, 1.0
    if counter == "polynomial_additions":  # the reward apply returns: no counters needed
        while not s.is_terminal():
            total += discount * s.apply(strat.select(s))
            discount *= gamma
        return total
    before = s.stats()[counter]
    while not s.is_terminal():
        s.apply(strat.select(s))
        after = s.stats()[counter]
        total += discount * -float(after - before)
        before = after
        discount *= gamma
    return total
