"""mathrl/SemigroupProof-v0 and the generic proof machinery (policies, runner, exact solver)."""

from __future__ import annotations


import gymnasium as gym
import numpy as np
import pytest

import mathrl  # noqa: F401
from mathrl.envs.semigroups.env import make_problem
from mathrl.envs.semigroups.policies import POLICIES, MinimumSolver, make_policy
from mathrl.envs.semigroups.proof import prove

ENV_ID = "mathrl/SemigroupProof-v0"
PASSIVE_32 = [9, 45, 47, 53, 25, 5, 4, 5, 4, 15, 3, 10, 17]
DONE_32 = [1, 15, 21, 26, 11, 9, 5, 9, 5, 7, 3, 5, 3]
MIN_32 = [9, 21, 23, 37, 11, 5, 3, 5, 3, 11, 3, 3, 17]


def make(**kwargs):
    return gym.make(ENV_ID, **kwargs).unwrapped


def play(env, policy="benchmark", seed=None, options=None):
    """Play the env with a policy on the pure problem; return (total reward, last info, steps)."""
    pol = make_policy(policy, env.problem, rng=np.random.default_rng(0))
    obs, info = env.reset(seed=seed, options=options)
    total, steps, done = 0.0, [(obs, 0.0, False, False, info)], False
    while not done:
        a = pol.choose(env.problem, env.current_node)
        assert info["action_mask"][a] == 1
        obs, r, term, trunc, info = env.step(a)
        total += r
        steps.append((obs, r, term, trunc, info))
        done = term or trunc
    return total, info, steps


# check_env with warnings as errors, seeding, copies and the pure state: tests/test_env_conformance.py


def test_default_env_reproduces_simpson_benchmark_counts_and_value_targets():
    env = gym.make(ENV_ID)
    total, info, steps = play(env.unwrapped)
    assert total == -242 and info["proof_size"] == 242 and info["done_leaves"] == 120
    sizes, kids = info["subtree_sizes"], info["children_sizes"]
    assert all(s == 1 + sum(c) for s, c in zip(sizes, kids)) and all(info["subtree_complete"])
    roots = [t for t, (_, parent) in enumerate(info["decision_nodes"]) if parent == -1]
    assert sum(sizes[t] for t in roots) == 242
    assert info["value_targets"][roots[0]] == pytest.approx(np.log10(sizes[roots[0]]))
    last_obs = steps[-1][0]
    assert all(not v.any() for v in last_obs.values())
    # the env's depth-first counts equal the runner's
    r = prove(env.unwrapped.problem, "benchmark")
    assert (r.nodes, r.done) == (242, 120)
    assert [r.per_root[s]["nodes"] for s in range(13)] == PASSIVE_32
    assert [r.per_root[s]["done"] for s in range(13)] == DONE_32


def test_reset_sigma_option_and_sampling_seeded():
    env = make()
    total, info, _ = play(env, options={"sigma": 3})
    assert total == -PASSIVE_32[3] and info["done_leaves"] == DONE_32[3]
    with pytest.raises(ValueError, match="sigma"):
        env.reset(options={"sigma": 13})
    a, b = make(instance_sampling="sample"), make(instance_sampling="sample")
    seen = set()
    for seed in range(6):
        oa, ia = a.reset(seed=seed)
        ob, ib = b.reset(seed=seed)
        assert ia["sigma"] == ib["sigma"] and all(np.array_equal(oa[k], ob[k]) for k in oa)
        seen.add(ia["sigma"])
    assert len(seen) > 1


def test_invalid_actions_and_truncation():
    env = make(sigma=3, max_nodes=5)
    obs, info = env.reset()
    unavailable = int(np.flatnonzero(info["action_mask"] == 0)[0]) if (info["action_mask"] == 0).any() else None
    for bad in [-1, env.N * env.N] + ([unavailable] if unavailable is not None else []):
        obs2, r, term, trunc, info2 = env.step(bad)
        assert r == -1.0 and info2["invalid_action"] and info2["passive"] == 0
        assert all(np.array_equal(obs[k], obs2[k]) for k in obs)
    for bad in (0.5, None, True):
        with pytest.raises(TypeError):
            env.step(bad)
    strict = make(sigma=3, invalid_action="raise")
    strict.reset()
    with pytest.raises(ValueError):
        strict.step(-1)
    # truncation at the node budget
    pol = make_policy("benchmark", env.problem)
    env.reset()
    for _ in range(5):
        _, _, term, trunc, info = env.step(pol.choose(env.problem, env.current_node))
    assert trunc and not term and info["proof_size"] == 5
    assert info["proof_size_lower_bound"] == 5 + info["stack_size"] + 1
    assert not all(info["subtree_complete"])


def test_snapshot_restore_replays():
    env = make(sigma=2)
    env.reset()
    pol = make_policy("mindomain", env.problem)
    for _ in range(3):
        env.step(pol.choose(env.problem, env.current_node))
    snap = env.get_state()
    first = []
    done = False
    while not done:
        a = pol.choose(env.problem, env.current_node)
        out = env.step(a)
        first.append((a, out[1], out[4]["passive"], out[4]["done_leaves"]))
        done = out[2] or out[3]
    for _ in range(2):
        env.set_state(snap)
        again = []
        for a, *_ in first:
            out = env.step(a)
            again.append((a, out[1], out[4]["passive"], out[4]["done_leaves"]))
        assert again == first


def test_flatten_observation_works():
    env = gym.wrappers.FlattenObservation(gym.make(ENV_ID))
    obs, _ = env.reset()
    assert obs.ndim == 1 and env.observation_space.contains(obs)


@pytest.mark.parametrize("kwargs, match", [
    ({"sigma": 13}, "sigma"), ({"a": 1, "b": 9}, "supported range"), ({"family": "all"}, "n"), ({"family": "all", "n": 0}, "n"),
    ({"degree": 3}, "degree"), ({"family": "tables"}, "tables"), ({"max_nodes": 0}, "max_nodes"),
])
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make(**kwargs)


@pytest.mark.parametrize("problem_kwargs", [{"family": "simpson", "a": 3, "b": 2, "sigma": [1, 2, 3, 9]},
                                            {"family": "all", "n": 3},
                                            {"family": "nilpotent", "n": 4}])
def test_done_leaves_do_not_depend_on_the_policy_or_traversal(problem_kwargs):
    """I1: the done leaves do not depend on the policy; I2: the counts do not depend on the traversal."""
    problem = make_problem(**problem_kwargs)
    reference = prove(problem, "benchmark", collect_done=True)
    for policy, seed in [("lex", None), ("paper", None), ("mindomain", None), ("maxdomain", None),
                         ("lookahead1", None), ("random", 1), ("random", 2), ("random", 3)]:
        r = prove(problem, policy, seed=seed, collect_done=True)
        assert r.done_leaves == reference.done_leaves, policy
    for policy in ("benchmark", "mindomain"):
        dfs, bfs = prove(problem, policy), prove(problem, policy, traversal="bfs")
        assert (dfs.nodes, dfs.done, dfs.impossible) == (bfs.nodes, bfs.done, bfs.impossible)


@pytest.mark.parametrize("sigma", [0, 4, 6, 11])
def test_minimum_solver_reproduces_simpson_minima(sigma):
    problem = make_problem(a=3, b=2, sigma=[sigma])
    solver = MinimumSolver(problem)
    (root,) = problem.roots()
    assert solver.value(root) == MIN_32[sigma]
    # the minimum policy plays a proof of exactly that size; no policy does better
    assert prove(problem, "minimum").nodes == MIN_32[sigma]
    for policy in ("benchmark", "lookahead1", "mindomain"):
        assert prove(problem, policy).nodes >= MIN_32[sigma]
    costs = solver.cut_costs(root)
    assert costs.max() >= 0 and 1 + costs[costs >= 0].min() == MIN_32[sigma]


def test_minimum_solver_all_of_sigma_3_2():
    problem = make_problem(a=3, b=2, sigma="all")
    solver = MinimumSolver(problem)
    assert [solver.value(r) for r in problem.roots()] == MIN_32 and sum(MIN_32) == 151


def test_policy_names():
    problem = make_problem()
    root = problem.roots()[1]
    avail = problem.available(root)
    choices = {name: make_policy(name, problem, rng=0).choose(problem, root) for name in POLICIES}
    assert all(avail[c] for c in choices.values())
    sizes = root.cand.sum(axis=2).reshape(-1)
    assert sizes[choices["mindomain"]] == sizes[avail].min()
    assert sizes[choices["maxdomain"]] == sizes[avail].max()
    assert choices["lex"] == int(np.flatnonzero(avail)[0])
    with pytest.raises(ValueError, match="unknown cut policy"):
        make_policy("best", problem)


def test_empty_episode_when_no_root_is_active():
    env = make(family="nilpotent", n=1)  # the trivial semigroup: the root is already done
    for action in range(env.action_space.n):
        obs, info = env.reset()
        # one step ends it; until then any action is allowed (an all-False mask breaks masked sampling)
        assert info["empty_episode"] and info["action_mask"].all() and env.unwrapped.action_masks().all()
        obs, r, term, trunc, info = env.step(action)
        assert term and not trunc and r == 0.0 and info["proof_size"] == 0 and not info["invalid_action"]
        assert not info["action_mask"].any()


def test_larger_graded_case_completes_with_policy_independent_leaves():
    problem = make_problem(a=5, b=3, sigma=[7])
    bench = prove(problem, "benchmark", collect_done=True)
    lex = prove(problem, "lex", collect_done=True)
    assert bench.complete and bench.nodes > 1000 and bench.done_leaves == lex.done_leaves
