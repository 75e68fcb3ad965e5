"""AlphaZero's search (mathrl.agents.alphazero.mcts) on any conforming pure state, not only board games.

Buchberger states have as many actions as pairs in the queue, so a batch of
states mixes action counts, and the count changes along every path; semigroup
proof states of different problems have different cut grids. The search must
size every prior by its own state.
"""

from __future__ import annotations

import numpy as np
import pytest

from mathrl.agents.alphazero.config import SearchConfig
from mathrl.agents.alphazero.mcts import best_action, search, uniform_evaluator
from mathrl.envs.buchberger.groebner import make_state
from mathrl.envs.buchberger.ideals import make_source
from mathrl.envs.semigroups.env import make_problem
from mathrl.envs.semigroups.policies import MinimumSolver
from mathrl.envs.semigroups.problem import ACTIVE
from mathrl.envs.semigroups.state import ProofState


def buchberger_states(count: int, seed: int = 0, backend: str = "auto"):
    """Initial states of random binomial ideals, with at least two distinct action counts among them."""
    source = make_source("3-5-4-uniform")
    rng = np.random.default_rng(seed)
    states = []
    while len(states) < count or len({s.num_actions for s in states}) < 2:
        state = make_state(source.sample(rng), source.ring, backend=backend)
        if not state.is_terminal():
            states.append(state)
    return states[-count:] if len({s.num_actions for s in states[-count:]}) > 1 else states


def ragged_evaluator(states):
    """Deterministic priors that depend on the state, one 1-D array per state sized by its own num_actions."""
    priors = [np.linspace(1.0, 2.0, s.num_actions) ** (1 + i % 3) for i, s in enumerate(states)]
    return priors, np.zeros(len(states))


@pytest.mark.parametrize("backend", ["python", "auto"])
@pytest.mark.parametrize("evaluator", [uniform_evaluator, ragged_evaluator])
def test_one_batch_of_buchberger_states_with_different_action_counts(backend, evaluator):
    states = buchberger_states(4, backend=backend)
    assert len({s.num_actions for s in states}) > 1
    before = [(s.num_actions, s.returns().copy()) for s in states]
    cfg = SearchConfig(n_sims=40, normalize_q=True)
    roots = search(states, evaluator, cfg)
    for state, root, (count, returns) in zip(states, roots, before):
        assert root.actions == list(range(count)) and sum(root.N) == cfg.n_sims
        assert state.num_actions == count and np.array_equal(state.returns(), returns)  # the search cloned


def test_batched_search_equals_one_tree_at_a_time_on_ragged_states():
    """Batching is an implementation detail: every tree gets the same visits as when searched alone."""
    states = buchberger_states(3, seed=1)
    cfg = SearchConfig(n_sims=30, normalize_q=True)
    together = search(states, ragged_evaluator, cfg)
    for i, state in enumerate(states):
        # the evaluator's prior depends on the position in the batch: give the lone state the same slot
        alone = search([state], lambda batch, i=i: ragged_evaluator_at(batch, i), cfg)[0]
        assert alone.N == together[i].N


def ragged_evaluator_at(batch, slot):
    priors = [np.linspace(1.0, 2.0, s.num_actions) ** (1 + slot % 3) for s in batch]
    return priors, np.zeros(len(batch))


def test_searched_buchberger_episode_still_computes_the_groebner_basis():
    """Driving the real state by search picks pairs in some order; the reduced basis must not depend on it."""
    state = buchberger_states(1, seed=2, backend="python")[0]
    reference = state.clone()
    while not reference.is_terminal():
        reference.apply(0)
    cfg = SearchConfig(n_sims=16, normalize_q=True)
    while not state.is_terminal():
        state.apply(best_action(search([state], uniform_evaluator, cfg)[0]))
    assert [str(g) for g in state.reduced_basis()] == [str(g) for g in reference.reduced_basis()]


def test_one_batch_of_semigroup_proofs_with_different_cut_grids():
    problems = [make_problem(a=2, b=2, sigma=0), make_problem(family="all", n=3)]
    states = [ProofState(p) for p in problems]
    assert len({s.num_actions for s in states}) == 2
    cfg = SearchConfig(n_sims=30, normalize_q=True)
    roots = search(states, uniform_evaluator, cfg)
    for state, root in zip(states, roots):
        assert root.actions == state.legal_actions() and sum(root.N) == cfg.n_sims


@pytest.mark.parametrize("problem_kwargs", [{"a": 2, "b": 2, "sigma": 1}, {"family": "all", "n": 3}])
def test_search_walk_builds_a_proof_no_smaller_than_the_exact_minimum(problem_kwargs):
    """A greedy walk guided by search completes a proof; its size is the negated return and is >= the optimum."""
    problem = make_problem(**problem_kwargs)
    state = ProofState(problem)
    cfg = SearchConfig(n_sims=60, normalize_q=True)
    rewards = 0.0
    while not state.is_terminal():
        rewards += state.apply(best_action(search([state], uniform_evaluator, cfg)[0]))
    solver = MinimumSolver(problem)
    minimum = sum(solver.value(root) for root in problem.roots() if root.status == ACTIVE)  # leaves cost no cut
    assert state.proof_size == -rewards == -state.returns()[0]
    assert state.proof_size >= minimum > 0
