"""The semigroup proof as a pure state: protocol, clones, and agreement with the env and the proof runner."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from mathrl.checks import check_pure_state
from mathrl.core import TERMINAL_PLAYER, IllegalActionError, PureState
from mathrl.envs.semigroups.env import SemigroupProofEnv, make_problem
from mathrl.envs.semigroups.policies import make_policy
from mathrl.envs.semigroups.problem import ACTIVE, DONE, IMPOSSIBLE
from mathrl.envs.semigroups.proof import prove
from mathrl.envs.semigroups.state import ProofState

SMALL = [{"family": "simpson", "a": 3, "b": 2, "sigma": [1, 4, 9]},
         {"family": "all", "n": 3},
         {"family": "nilpotent", "n": 4, "degree": 3}]


def drive(state: ProofState, policy):
    """Play ``state`` to the end with ``policy``; returns the rewards."""
    rewards = []
    while not state.is_terminal():
        rewards.append(state.apply(policy.choose(state.problem, state.current_node)))
    return rewards


def recursive_size(problem, policy, node) -> tuple[int, int, int]:
    """(cut nodes, done, impossible) below ``node`` by plain recursion: an oracle independent of ProofState."""
    if node.status == DONE:
        return 0, 1, 0
    if node.status == IMPOSSIBLE:
        return 0, 0, 1
    total = [1, 0, 0]
    for kid, _ in problem.children(node, policy.choose(problem, node)):
        for i, v in enumerate(recursive_size(problem, policy, kid)):
            total[i] += v
    return tuple(total)


def snapshot(state: ProofState):
    """Everything observable about a state, as plain comparable values."""
    return (state.proof_size, state.done_leaves, state.impossible_leaves, state.open_nodes,
            state.is_terminal(), state.current_player(), state.legal_actions(), state.action_mask().tolist(),
            state.returns().tolist(), state.observation().tobytes(), state.decisions(), state.last_cut,
            [s for _, s in state.last_children],
            None if state.current_node is None else state.current_node.key)


@pytest.mark.parametrize("kwargs", SMALL)
def test_conforms_to_pure_state_protocol(kwargs):
    problem = make_problem(**kwargs)
    state = ProofState(problem)
    assert isinstance(state, PureState) and isinstance(state.clone(), PureState)
    assert state.num_players == 1 and state.num_actions == problem.N ** 2
    assert check_pure_state(state, rng=1) > 0  # random legal play on a clone, clones checked at every step
    pol = make_policy("benchmark", problem)
    obs_size = state.observation().size
    total = 0.0
    while not state.is_terminal():
        mask = state.action_mask()
        assert mask.dtype == bool and mask.shape == (state.num_actions,)
        assert mask.any(), "a non-terminal state must have a legal action"
        assert np.flatnonzero(mask).tolist() == state.legal_actions()
        assert state.current_player() == 0 and state.current_node.status == ACTIVE
        assert state.observation().shape == (obs_size,)
        r = state.apply(pol.choose(problem, state.current_node))
        assert r == -1.0
        total += r
        assert state.returns().shape == (1,) and state.returns()[0] == total
        assert state.num_actions == problem.N ** 2
    assert state.current_player() == TERMINAL_PLAYER and state.legal_actions() == []
    assert not state.action_mask().any() and state.action_mask().shape == (problem.N ** 2,)
    assert state.observation().shape == (obs_size,) and not state.observation().any()
    assert -total == state.proof_size > 0
    with pytest.raises(IllegalActionError):
        state.apply(0)


def test_illegal_actions_raise_and_leave_the_state_unchanged():
    problem = make_problem(a=3, b=2, sigma=[4])
    state = ProofState(problem)
    before = snapshot(state)
    unavailable = np.flatnonzero(~state.action_mask())
    for bad in [-1, state.num_actions] + unavailable[:2].tolist():
        with pytest.raises(IllegalActionError):
            state.apply(bad)
        assert snapshot(state) == before
    # the same check without a mask computed first (the problem's own availability check)
    fresh = ProofState(problem)
    if len(unavailable):
        with pytest.raises(IllegalActionError):
            fresh.apply(int(unavailable[0]))
        assert snapshot(fresh) == before
    for bad in (0.5, None, True):
        with pytest.raises(TypeError):
            state.apply(bad)


@pytest.mark.parametrize("kwargs", SMALL)
def test_clone_is_independent(kwargs):
    problem = make_problem(**kwargs)
    pol = make_policy("mindomain", problem)
    state = ProofState(problem)
    for _ in range(3):
        state.apply(pol.choose(problem, state.current_node))
    before = snapshot(state)
    records = state.tree_records()
    twin = state.clone()
    assert snapshot(twin) == before
    drive(twin, pol)  # play the clone to the end
    assert twin.is_terminal() and twin.proof_size > before[0]
    assert snapshot(state) == before and state.tree_records() == records
    # and the other way round: the original moving on leaves a clone alone
    twin2 = state.clone()
    drive(state, pol)
    assert snapshot(twin2) == before
    assert snapshot(state) == snapshot(twin)  # same moves from the same state, same proof


@pytest.mark.parametrize("policy", ["benchmark", "mindomain", "lookahead1"])
@pytest.mark.parametrize("kwargs", SMALL)
def test_prove_counts_equal_a_traversal_of_the_pure_state(kwargs, policy):
    problem = make_problem(**kwargs)
    result = prove(problem, policy)
    pol = make_policy(policy, problem)
    state = ProofState(problem)
    rewards = drive(state, pol)
    assert (result.nodes, result.done, result.impossible) == (state.proof_size, state.done_leaves,
                                                              state.impossible_leaves)
    assert -sum(rewards) == result.nodes
    oracle = [recursive_size(problem, pol, r) for r in problem.roots()]
    assert tuple(map(sum, zip(*oracle))) == (result.nodes, result.done, result.impossible)
    assert [result.per_root[r.root]["nodes"] for r in problem.roots()] == [o[0] for o in oracle]
    bfs = ProofState(problem, traversal="bfs")
    drive(bfs, pol)
    assert (bfs.proof_size, bfs.done_leaves, bfs.impossible_leaves) == (result.nodes, result.done, result.impossible)


@pytest.mark.parametrize("env_kwargs", [{"sigma": [2, 3]}, {"family": "all", "n": 3},
                                        {"family": "nilpotent", "n": 5, "max_nodes": 7}])
def test_env_episode_equals_the_pure_state(env_kwargs):
    """Same actions (invalid ones included) give the same rewards, counts, observations and end step."""
    env = SemigroupProofEnv(**env_kwargs)
    pol = make_policy("random", env.problem, rng=3)
    rng = np.random.default_rng(0)
    obs, info = env.reset(seed=0)
    state = ProofState(env.problem)
    t, done = 0, False
    while not done:
        t += 1
        obs_state = state.observation_dict()
        assert all(np.array_equal(obs[k], obs_state[k]) for k in obs) and obs.keys() == obs_state.keys()
        assert np.array_equal(info["action_mask"].astype(bool), state.action_mask())
        if t % 3 == 0:
            a = int(rng.choice(np.flatnonzero(~state.action_mask()))) if (~state.action_mask()).any() else -1
        else:
            a = pol.choose(env.problem, state.current_node)
        obs, r, term, trunc, info = env.step(a)
        if info["invalid_action"]:
            with pytest.raises(IllegalActionError):
                state.apply(a)
            assert r == env.invalid_action_penalty
        else:
            assert r == state.apply(a) == -1.0
        assert (info["passive"], info["done_leaves"], info["impossible_leaves"]) == (
            state.proof_size, state.done_leaves, state.impossible_leaves)
        assert term == state.is_terminal()
        done = term or trunc
    assert info["proof_size"] == state.proof_size
    assert {k: info[k] for k in state.tree_records()} == state.tree_records()
    if trunc:
        assert not state.is_terminal() and state.proof_size == env.max_nodes
        assert info["proof_size_lower_bound"] == state.proof_size + state.open_nodes
    else:
        assert env.max_nodes > state.proof_size and state.is_terminal()


def test_traversal_order():
    """dfs cuts the smallest value's active child next (the env's order); bfs finishes a level first."""
    problem = make_problem(family="all", n=3)
    pol = make_policy("benchmark", problem)
    dfs = ProofState(problem)
    dfs.apply(pol.choose(problem, dfs.current_node))
    active = [k for k, s in dfs.last_children if s == ACTIVE]
    assert len(active) >= 2 and dfs.open_nodes == len(active)
    assert dfs.current_node is active[0]
    dfs.apply(pol.choose(problem, dfs.current_node))
    assert dfs.current_node is [k for k, s in dfs.last_children if s == ACTIVE][0]
    bfs = ProofState(problem, traversal="bfs")
    bfs.apply(pol.choose(problem, bfs.current_node))
    level = [k for k, s in bfs.last_children if s == ACTIVE]
    for k in level:
        assert bfs.current_node is k and k.depth == 1
        bfs.apply(pol.choose(problem, k))
    assert bfs.current_node.depth == 2
    with pytest.raises(ValueError, match="traversal"):
        ProofState(problem, traversal="random")


def test_tree_records_of_a_finished_proof():
    problem = make_problem(a=3, b=2, sigma=[1])
    state = ProofState(problem)
    drive(state, make_policy("benchmark", problem))
    rec = state.tree_records()
    assert rec["proof_size"] == len(rec["decision_nodes"]) == state.proof_size == 45
    assert all(rec["subtree_complete"])
    roots = [t for t, (_, parent) in enumerate(rec["decision_nodes"]) if parent == -1]
    assert sum(rec["subtree_sizes"][t] for t in roots) == 45


def test_empty_proof_is_terminal_from_the_start():
    problem = make_problem(family="nilpotent", n=1)  # the trivial semigroup: the root is already done
    state = ProofState(problem)
    assert state.is_terminal() and state.done_leaves == 1 and state.proof_size == 0
    assert state.current_player() == TERMINAL_PLAYER and not state.action_mask().any()


def test_pure_state_imports_without_gymnasium_or_torch():
    code = ("import sys; import mathrl.envs.semigroups.state, mathrl.envs.semigroups.proof, "
            "mathrl.envs.semigroups.generic, mathrl.envs.semigroups.graded; "
            "heavy = [m for m in ('gymnasium', 'torch', 'networkx', 'matplotlib') if m in sys.modules]; "
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_clones_share_history_but_not_its_future_and_pickle_deep_proofs():
    import copy
    import pickle

    problem = make_problem(a=4, b=2, sigma=[5])
    pol = make_policy("benchmark", problem)
    state = ProofState(problem)
    for _ in range(5):
        state.apply(pol.choose(problem, state.current_node))
    a, b = state.clone(), state.clone()
    drive(a, pol)
    b.apply(int(np.flatnonzero(b.action_mask())[-1]))  # a different cut than a's
    assert state.decisions() == a.decisions()[:5] == b.decisions()[:5] and len(state.decisions()) == 5
    assert a.decisions()[5] != b.decisions()[5] and len(b.decisions()) == 6
    state.apply(pol.choose(problem, state.current_node))
    assert state.decisions() == a.decisions()[:6]
    assert state.decisions()[:5] == b.decisions()[:5] and len(b.decisions()) == 6
    big = make_problem(a=5, b=3, sigma=[7])
    long = ProofState(big)
    drive(long, make_policy("benchmark", big))
    assert long.proof_size > 4000  # a long history must pickle and copy without deep recursion
    for copied in (pickle.loads(pickle.dumps(long)), copy.deepcopy(long)):
        assert copied.decisions() == long.decisions() and copied.proof_size == long.proof_size


@pytest.mark.parametrize("kwargs", SMALL + [{"family": "simpson", "a": 3, "b": 4, "sigma": [4]}])
def test_child_cache_batch_equals_cell_by_cell(kwargs):
    """``ChildCache.children_many`` (one batched call per node, what lookahead1 uses) gives every cell the
    children that ``Problem.children`` gives it alone; a repeated cell and a stored one come back too."""
    from mathrl.envs.semigroups.policies import ChildCache

    problem = make_problem(**kwargs)
    nodes = list(problem.roots())
    cache = ChildCache()
    seen = 0
    while nodes and seen < 12:
        node = nodes.pop()
        if node.status != ACTIVE:
            continue
        seen += 1
        cells = [int(c) for c in np.flatnonzero(problem.available(node))]
        cache.children(problem, node, cells[-1])  # one already stored
        batch = cache.children_many(problem, node, cells + cells[:1])
        assert len(batch) == len(cells) + 1
        for cell, kids in zip(cells + cells[:1], batch):
            alone = problem.children(node, cell)
            assert [(k.key, s) for k, s in kids] == [(k.key, s) for k, s in alone]
        nodes.extend(k for k, _ in batch[0])
    assert seen >= 3
