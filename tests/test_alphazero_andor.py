"""AlphaZero on AND-OR problems: proof states split into independent parts, the lookahead search with an exact
size oracle (the exact solver) gives the proven minimum, and self-play's targets are the sizes the proofs had."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from mathrl.agents.alphazero.andor import (PartsNetwork, _with_rank, is_decomposable, lookahead, play_proofs, prove,
                                          split_all)
from mathrl.agents.alphazero.episodes import EpisodeConfig, build_network, make_env
from mathrl.agents.alphazero.problems import ProblemConfig, ProblemTrainer
from mathrl.core import IllegalActionError
from mathrl.envs.semigroups.graded import GradedProblem
from mathrl.envs.semigroups.policies import MinimumSolver
from mathrl.envs.semigroups.state import ProofState
from mathrl.agents.runs import read_jsonl

# Simpson's Theorem 11.1: the minimum proof sizes of the graded (3, 2) instances, per sigma
MINIMUM_32 = [9, 21, 23, 37, 11, 5, 3, 5, 3, 11, 3, 3, 17]


def oracle(problem):
    solver = MinimumSolver(problem)
    return solver, (lambda states: np.array([solver.value(s.current_node) for s in states], dtype=float))


def test_a_proof_state_splits_into_parts_whose_minimum_sizes_add_up():
    problem = GradedProblem(a=3, b=2, sigma=[1, 3, 9])
    state = ProofState(problem)
    assert is_decomposable(state)
    solver, _ = oracle(problem)
    parts = state.subproblems()
    assert [p.current_node.root for p in parts] == [1, 3, 9]  # the current node first, in cutting order
    assert [solver.value(p.current_node) for p in parts] == [MINIMUM_32[i] for i in (1, 3, 9)]
    before = state.clone()
    node = state.current_node
    for a in state.legal_actions():
        kids = problem.children(node, a)
        split = state.split(a)
        assert [p.current_node.key for p in split] == [k.key for k, status in kids if status == "active"]
        assert all(p.open_nodes == 1 and p.proof_size == 0 for p in split)
    assert state.proof_size == before.proof_size and state.open_nodes == before.open_nodes  # unchanged
    assert min(1 + sum(solver.value(p.current_node) for p in state.split(a)) for a in state.legal_actions()) \
        == MINIMUM_32[1]  # the AND-OR recursion
    unavailable = int(np.flatnonzero(~state.action_mask())[0]) if (~state.action_mask()).any() else None
    if unavailable is not None:
        with pytest.raises(IllegalActionError):
            state.split(unavailable)


def test_splitting_a_whole_level_at_once_gives_each_states_own_splits():
    """split_all (one batched propagation for every cut of every state) equals split state by state, on a
    fresh problem (nothing remembered) and on nodes of mixed depths and roots; a terminal state has none."""
    problem = GradedProblem(a=4, b=3, sigma=[5, 9, 12])
    states = ProofState(problem).subproblems()
    deeper = [p for p in states[0].split(states[0].legal_actions()[0])][:2]
    level = states + deeper + [ProofState(GradedProblem(a=3, b=2, sigma=[6]))]  # another problem: refused
    with pytest.raises(ValueError, match="one problem"):
        split_all(level)
    level = level[:-1]
    fresh = GradedProblem(a=4, b=3, sigma=[5, 9, 12])
    batched = split_all([s for s in ProofState(fresh).subproblems()])
    one_by_one = [{a: s.split(a) for a in s.legal_actions()} for s in states]
    key = lambda splits: [{a: [p.key() for p in ps] for a, ps in d.items()} for d in splits]  # noqa: E731
    assert key(batched) == key(one_by_one) and sum(len(d) for d in batched) > 10
    assert key(split_all(level)) == key([{a: s.split(a) for a in s.legal_actions()} for s in level])
    # a cut repeated within one call (every episode's copy of a fixed instance) is propagated once
    again = GradedProblem(a=4, b=3, sigma=[5])
    root = again.roots()[0]
    cell = int(np.flatnonzero(again.available(root))[0])
    batches = []
    real = again._children_batch
    again._children_batch = lambda cuts: batches.append(len(cuts)) or real(cuts)
    twice = again.children_many([(root, cell), (root, cell)])
    assert batches == [1] and [k.key for k, _ in twice[0]] == [k.key for k, _ in twice[1]] \
        == [k.key for k, _ in problem.children(root, cell)]
    done = states[0].clone()
    while not done.is_terminal():
        done.apply(done.legal_actions()[0])
    assert split_all([done]) == [{}]


@pytest.mark.parametrize("depth", [1, 2])
def test_lookahead_with_an_exact_size_oracle_proves_the_minimum(depth):
    sigmas = list(range(13)) if depth == 1 else [0, 4, 5, 9, 11]
    problem = GradedProblem(a=3, b=2, sigma=sigmas)
    _, sizes = oracle(problem)
    total = prove(ProofState(problem).subproblems(), lambda states: [a for a, _ in lookahead(states, sizes, depth)])
    assert total == sum(MINIMUM_32[s] for s in sigmas)  # 151 for all 13


def test_lookahead_reports_its_estimate_and_follows_the_oracle_it_is_given():
    problem = GradedProblem(a=3, b=2, sigma=[3])
    parts = ProofState(problem).subproblems()
    [(action, estimate)] = lookahead(parts, lambda states: np.ones(len(states)))  # every part costs one cut
    fewest = min(len(parts[0].split(a)) for a in parts[0].legal_actions())
    assert estimate == 1 + fewest and len(parts[0].split(action)) == fewest


def test_the_rank_term_orders_the_available_cells():
    y = np.array([0.0, 2.0, 1.0, 5.0, 1.0])
    legal = np.array([False, True, True, False, True])
    out = _with_rank(y, legal)
    assert out[0] == out[3] == 0.0
    assert out[2] == 1.0 + 0.0 and out[4] == 1.0 + 0.5 and out[1] == 2.0 + 1.0  # ties by cell


def config(explore=0.0, width=10**6, **kw):
    return EpisodeConfig(env_id="mathrl/SemigroupProof-v0", env_kwargs=json.dumps({"a": 3, "b": 2, "sigma": [1, 4]}),
                         explore=explore, width=width, **kw)


def test_self_play_targets_are_the_sizes_of_the_proofs_it_played():
    cfg = config()
    torch.manual_seed(0)
    net = build_network(cfg)
    out = play_proofs(net.state_dict(), cfg, seed=3, n_episodes=1)
    n = out["cut_nodes"]
    assert out["returns"].tolist() == [-n]
    assert len(out["pi"]) == len(out["mask"]) == len(out["inputs"]) == len(out["z"]) > n  # side parts too
    assert all(isinstance(t, np.ndarray) for x in out["inputs"] for t in x)  # crosses processes as bytes
    # the played proof is the network's own greedy proof (no exploration, no dropout)
    env = make_env(cfg)
    env.reset(seed=3)
    assert prove(env.unwrapped.state.subproblems(), PartsNetwork(net, "semigroup").choose) == n
    # and every value target is log10 of the size a subtree had: the two roots (the first level) add up to it
    assert np.isclose(10.0 ** float(out["z"][0]) + 10.0 ** float(out["z"][1]), n, rtol=1e-5)
    assert np.all(out["z"] >= 0)
    for pi, mask in zip(out["pi"], out["mask"]):  # cut targets on the available cells only
        assert mask.any() and np.all(pi[~mask] == 0) and np.all(pi[mask] >= 0)
    # a side part's value target is its one-step backup: the cut value Y (the target less its rank term) at
    # the cell the cut network picks, so at least the smallest Y; with backup="min", the smallest
    for pi, mask, z in list(zip(out["pi"], out["mask"], out["z"]))[n:]:
        y = _without_rank(pi, mask)
        assert np.isclose(y, z, atol=1e-5).any() and z >= y.min() - 1e-5
    low = play_proofs(net.state_dict(), cfg.but(backup="min"), seed=3, n_episodes=1)
    for pi, mask, z in list(zip(low["pi"], low["mask"], low["z"]))[n:]:
        assert np.isclose(z, _without_rank(pi, mask).min(), atol=1e-5)


def _without_rank(pi, mask):
    """The cut values Y on the available cells from the targets Y + rank / (k - 1) (ranks follow Y)."""
    cells = np.flatnonzero(mask)
    order = cells[np.argsort(pi[cells], kind="stable")]
    return pi[order] - np.arange(len(order)) / max(1, len(order) - 1)


def test_the_policy_backup_values_the_cut_the_network_picks_and_the_min_backup_is_biased_low():
    from mathrl.agents.alphazero.andor import _backup

    y, legal = np.array([0.5, 0.9, 0.0, 0.7]), np.array([True, True, False, True])
    scores = np.array([2.0, 1.0, np.inf, 3.0])
    assert _backup(y, legal, scores, "policy") == 0.9 and _backup(y, legal, scores, "min") == 0.5
    # unbiased noisy estimates of eight equal cuts: the smallest is biased low, the one chosen by an
    # independent estimate is not
    rng = np.random.default_rng(0)
    truth, legal = 1.0, np.ones(8, dtype=bool)
    low, chosen = [], []
    for _ in range(2000):
        y, scores = truth + rng.normal(0, 0.1, 8), truth + rng.normal(0, 0.1, 8)
        low.append(_backup(y, legal, None, "min"))
        chosen.append(_backup(y, legal, scores, "policy"))
    assert np.mean(low) < truth - 0.1 and abs(np.mean(chosen) - truth) < 0.01
    with pytest.raises(ValueError, match="backup"):
        config().but(backup="max")


def test_self_play_is_reproducible_and_dropout_bounds_each_level():
    cfg = config(explore=0.3, width=4)
    net = build_network(cfg)
    a = play_proofs(net.state_dict(), cfg, seed=5, n_episodes=2)
    b = play_proofs(net.state_dict(), cfg, seed=5, n_episodes=2)
    assert np.array_equal(a["z"], b["z"]) and all(np.array_equal(x, y) for x, y in zip(a["pi"], b["pi"]))
    full = play_proofs(net.state_dict(), config(explore=0.3), seed=5, n_episodes=2)
    assert len(a["z"]) < len(full["z"])


def test_the_trainer_learns_parts_on_proofs_and_resumes_exactly(tmp_path):
    cfg = ProblemConfig(episodes=config(explore=0.2, width=50), episodes_per_iter=2, buffer_size=500,
                        train_steps=4, batch_size=16, eval_episodes=2, seed=1)
    straight = ProblemTrainer(cfg, tmp_path / "straight")
    assert straight.targets == "parts"
    rows = straight.run(2)
    assert all(r["eval_return"] <= -(MINIMUM_32[1] + MINIMUM_32[4]) for r in rows)  # never below the minimum
    first = ProblemTrainer(cfg, tmp_path / "resumed")
    first.run(1)
    again = ProblemTrainer(None, tmp_path / "resumed", resume=True)
    again.run(1)
    for (k, x), y in zip(straight.net.state_dict().items(), again.net.state_dict().values()):
        assert torch.equal(x, y), k
    strip = [[{k: v for k, v in r.items() if k != "train_seconds"} for r in read_jsonl(tmp_path / f / "metrics.jsonl")]
             for f in ("straight", "resumed")]
    assert strip[0] == strip[1]
    best = max(r["eval_return"] for r in rows)
    assert rows[-1]["best_eval_return"] == best


def test_parts_targets_are_refused_where_states_do_not_split(tmp_path):
    with pytest.raises(ValueError, match="independent parts"):
        ProblemTrainer(ProblemConfig(episodes=EpisodeConfig(env_id="mathrl/GraphConstruction-v0",
                                                            env_kwargs='{"n": 5}', targets="parts")), tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_cut_policy_search_uses_the_learned_sizes_and_needs_parts_targets(tmp_path):
    from mathrl.agents.alphazero.problem_agent import AlphaZeroCutPolicy

    parts = ProblemConfig(episodes=config(width=30), episodes_per_iter=1, buffer_size=200, train_steps=2,
                          batch_size=8, eval_episodes=1, seed=3)
    ProblemTrainer(parts, tmp_path / "parts").run(1)
    problem = GradedProblem(a=3, b=2, sigma=[3])
    policy = AlphaZeroCutPolicy(f"agent:{tmp_path / 'parts'}:depth=1", problem)
    model = PartsNetwork(policy.agent.net, "semigroup")
    state = ProofState(problem).subproblems()[0]
    estimated = {a: 1 + model.sizes(state.split(a)).sum() for a in state.legal_actions()}
    assert estimated[policy.choose(problem, state.current_node)] == min(estimated.values())
    # a run that learned returns-to-go has no size to search with: refused in one line
    returns = parts.but(episodes=config(targets="returns", search=parts.episodes.search.but(n_sims=2)))
    ProblemTrainer(returns, tmp_path / "returns").run(1)
    with pytest.raises(ValueError, match="returns-to-go"):
        AlphaZeroCutPolicy(f"agent:{tmp_path / 'returns'}:depth=1", problem)
    AlphaZeroCutPolicy(f"agent:{tmp_path / 'returns'}", problem)  # the network alone is fine


def test_a_run_saved_before_parts_targets_existed_resumes_as_it_was(tmp_path, capsys):
    data = ProblemConfig(episodes=config()).to_dict()
    del data["episodes"]["targets"], data["episodes"]["backup"]
    assert ProblemConfig.from_saved(data).episodes.targets == "returns"
    assert ProblemConfig.from_saved(data).episodes.backup == "min"  # the one backup it knew
    assert ProblemConfig.from_dict(data).episodes.targets == "auto"  # a new config learns by parts where it can
    # and the command line's new runs do too, with and without --set (the command)
    from mathrl.cli import main

    for extra in ([], ["--set", "episodes.explore=0.2"]):
        out = tmp_path / f"run{len(extra)}"
        assert main(["train", "alphazero", "--env", "mathrl/SemigroupProof-v0", "--env-kwargs",
                     '{"a": 3, "b": 2, "sigma": [5]}', "--iterations", "1", "--set", "episodes_per_iter=1",
                     "--set", "train_steps=1", *extra, "--out", str(out), "--quiet"]) == 0
        trainer = ProblemTrainer(None, out, resume=True)
        assert trainer.targets == "parts" and trainer.config.episodes.targets == "auto"


def test_rollout_sizes_are_the_cut_networks_own_greedy_proofs_and_respect_cap_and_budget():
    from mathrl.agents.alphazero.andor import GreedySizes

    cfg = config()
    torch.manual_seed(1)
    model = PartsNetwork(build_network(cfg), "semigroup")
    problem = GradedProblem(a=3, b=2, sigma=list(range(13)))
    parts = [p for s in ProofState(problem).subproblems() for a in s.legal_actions()[:3] for p in s.split(a)]
    greedy = np.array([prove([p], model.choose) for p in parts], dtype=float)
    rollouts = GreedySizes(model, cap=1e8, budget=10**6)
    assert np.array_equal(rollouts(parts), greedy)
    assert rollouts.exact and rollouts(parts).tolist() == greedy.tolist()  # remembered, the same
    estimates = model.sizes(parts)
    assert np.array_equal(GreedySizes(model, cap=0.0, budget=10**6)(parts), estimates)  # none small enough
    assert np.array_equal(GreedySizes(model, cap=1e8, budget=0)(parts), estimates)  # no cuts to spend
    # a budget that runs out part way: the nodes left count their estimates, and nothing inexact is kept
    partial = GreedySizes(model, cap=1e8, budget=len(parts) + 5)
    sizes = partial(parts)
    assert partial.expanded <= len(parts) + 5 and np.all(sizes > 0)
    assert all(v == float(prove([p], model.choose)) for p in parts for v in [partial.exact.get(p.key())] if v)


def test_a_proof_states_key_names_the_work_left():
    problem = GradedProblem(a=3, b=2, sigma=[1, 3])
    state = ProofState(problem)
    one, three = state.subproblems()
    assert one.key() != three.key() and ProofState(problem, roots=[one.current_node]).key() == one.key()
    assert state.key() == ProofState(GradedProblem(a=3, b=2, sigma=[1, 3])).key()
    before = state.key()
    state.apply(state.legal_actions()[0])
    assert state.key() != before


def test_self_play_evaluates_each_node_once_and_plays_as_without_the_memory(monkeypatch):
    from mathrl.agents.alphazero import andor

    cfg = config(explore=0.1)
    torch.manual_seed(2)
    weights = build_network(cfg).state_dict()
    remembered = play_proofs(weights, cfg, seed=5, n_episodes=3)
    monkeypatch.setattr(andor.PartsNetwork, "_keys", staticmethod(lambda states: None))
    plain = play_proofs(weights, cfg, seed=5, n_episodes=3)
    assert remembered["returns"].tolist() == plain["returns"].tolist()
    assert np.allclose(remembered["z"], plain["z"], atol=1e-6)
    assert all(np.allclose(a, b, atol=1e-6) for a, b in zip(remembered["pi"], plain["pi"]))
    assert remembered["positions_evaluated"] < plain["positions_evaluated"] / 2  # three copies of one problem


def test_self_play_cut_targets_use_the_cut_networks_greedy_proofs_of_small_parts():
    """With rollouts the root's cut values are log10(1 + the greedy proof sizes of each cut's parts), exactly;
    without them they are the value network's estimates, which differ."""
    torch.manual_seed(3)
    cfg = config(rollout=1e8)
    net = build_network(cfg)
    model = PartsNetwork(net, "semigroup")
    env = make_env(cfg)
    env.reset(seed=4)
    root = env.unwrapped.state.subproblems()[0]
    exact = sorted(np.log10(1.0 + sum(prove([p], model.choose) for p in root.split(a))) for a in root.legal_actions())
    estimated = sorted(np.log10(1.0 + model.sizes(root.split(a)).sum()) for a in root.legal_actions())
    for rollout, expected in ((1e8, exact), (0.0, estimated)):
        out = play_proofs(net.state_dict(), cfg.but(rollout=rollout), seed=4, n_episodes=1)
        assert np.allclose(_without_rank(out["pi"][0], out["mask"][0]), expected, atol=1e-5)
    assert not np.allclose(exact, estimated, atol=1e-3)
