"""Trained agents as domain strategies: the loaders behind ``agent:PATH`` in the benchmarks.

The domains resolve ``agent:...`` through :mod:`mathrl.plugins` without importing agents; importing
this module registers the loaders. ``agent:PATH`` is whichever agent PATH holds: a single-player
AlphaZero run (:mod:`mathrl.agents.alphazero.problem_agent`) or a PPO agent
(:mod:`mathrl.agents.ppo.strategy`).
"""

from __future__ import annotations

from mathrl.plugins import register_loader

BUCHBERGER = "buchberger-strategy"  # mathrl.envs.buchberger.strategies.PLUGIN_KIND
SEMIGROUP = "semigroup-policy"      # mathrl.envs.semigroups.policies.PLUGIN_KIND


def buchberger_agent(spec: str, seed=None):
    """``agent:PATH[:sims=N]`` for an AlphaZero run (its folder or one of its files), ``agent:PATH[:greedy|:sample]``
    for a PPO agent; ``agent:alphazero[:sims=N]`` and ``agent:pretrained`` name the agents shipped with mathrl
    (a run folder of either name is ``agent:./NAME``)."""
    from pathlib import Path

    from mathrl.agents.alphazero.problem_agent import AlphaZeroStrategy, parse_spec
    from mathrl.agents.alphazero.problems import is_problem_run

    body = parse_spec(spec)[0]
    if body == "alphazero":
        return AlphaZeroStrategy(spec, seed, path="pretrained:buchberger")
    path = Path(body)
    if is_problem_run(path) or (path.suffix == ".pt" and is_problem_run(path.parent)):
        return AlphaZeroStrategy(spec, seed)
    from mathrl.agents.ppo.strategy import AgentStrategy

    return AgentStrategy(spec, seed)


def semigroup_agent(spec: str, problem=None):
    from mathrl.agents.alphazero.problem_agent import AlphaZeroCutPolicy

    return AlphaZeroCutPolicy(spec, problem)


register_loader(BUCHBERGER, "agent", buchberger_agent)
register_loader(SEMIGROUP, "agent", semigroup_agent)
