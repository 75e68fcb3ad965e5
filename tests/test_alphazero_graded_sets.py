"""The size-free graded network: the symmetry it assumes holds for the exact proof sizes, it reads Simpson's
input back exactly, relabelling A permutes its cut map and relabelling B changes nothing, and one set of
weights runs, trains and proves on every (a, b)."""

from __future__ import annotations

import itertools

import gymnasium as gym
import numpy as np
import pytest
import torch

import mathrl  # noqa: F401  (registers the envs)
from mathrl.agents.alphazero import networks
from mathrl.agents.alphazero.graded_sets import GradedSetNet, cell_inputs, unfeaturise
from mathrl.agents.alphazero.simpson import _normalised, featurise
from mathrl.envs.semigroups.env import make_problem
from mathrl.envs.semigroups.problem import ACTIVE, make_node
from mathrl.envs.semigroups.policies import MinimumSolver


def relabel(tensors, a_perm=None, b_perm=None):
    """The node's masks with generator x renamed ``a_perm[x]`` and element p of B renamed ``b_perm[p]``
    (the zero 0_B, the last index, stays)."""
    m, l, r, t = (np.asarray(v) for v in tensors)
    a, b1 = m.shape[0], m.shape[2]
    inv = np.argsort(a_perm) if a_perm is not None else np.arange(a)
    vals = np.argsort(list(b_perm) + [b1 - 1]) if b_perm is not None else np.arange(b1)
    return (m[np.ix_(inv, inv, vals)], l[np.ix_(inv, vals)], r[np.ix_(vals, inv)], t[np.ix_(inv, inv, inv)])


def nodes(a, b, steps=4, seed=0, sigma="all"):
    """Proof nodes met on the way down a random proof of graded (a, b): roots and some of their descendants."""
    env = gym.make("mathrl/SemigroupProof-v0", a=a, b=b, sigma=sigma)
    _, info = env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    out = [env.unwrapped.state.current_node]
    for _ in range(steps):
        _, _, terminated, _, info = env.step(int(rng.choice(np.flatnonzero(info["action_mask"]))))
        if terminated:
            break
        out.append(env.unwrapped.state.current_node)
    return out


def features(tensor_list):
    return torch.from_numpy(featurise(*(np.stack([np.asarray(t[k]) for t in tensor_list]) for k in range(4))))


def test_relabelling_generators_or_elements_keeps_every_minimum_proof_size():
    """The exact minimum proof size (the solver, an independent oracle) of every (3, 2) instance is the same
    after any relabelling of A or of B: the symmetry the network builds in is the problem's own."""
    problem = make_problem("simpson", 3, 2, "all")
    solver = MinimumSolver(problem)
    checked = 0
    for root in problem.roots():
        if root.status != ACTIVE:
            continue
        size = solver.value(root)
        for a_perm in itertools.permutations(range(3)):
            for b_perm in itertools.permutations(range(2)):
                moved = make_node(relabel(root.tensors, a_perm, b_perm), root.status, root.root)
                assert solver.value(moved) == size
                checked += 1
    assert checked == 12 * 13


@pytest.mark.parametrize("a, b", [(3, 2), (2, 4), (5, 3), (4, 4)])
def test_unfeaturise_gives_back_the_normalised_masks(a, b):
    found = nodes(a, b)
    back = unfeaturise(features([n.tensors for n in found]))
    for k, part in enumerate(back):
        want = np.stack([_normalised(n.tensors[k]) for n in found])
        np.testing.assert_allclose(part.numpy(), want, atol=1e-6)


@pytest.mark.parametrize("a, b, sigma", [(3, 2, [3]), (4, 3, [4])])
def test_cell_inputs_are_the_features_computed_entry_by_entry(a, b, sigma):
    """Every per-value and per-cell feature against a plain loop over the normalised masks of real nodes."""
    found = nodes(a, b, steps=6, seed=2, sigma=sigma)
    values, zero, cell = (v.numpy() for v in cell_inputs(features([n.tensors for n in found])))
    for k, node in enumerate(found):
        m, l, r, t = (_normalised(v) for v in node.tensors)
        for x in range(a):
            for y in range(a):
                count = int((m[x, y] > 0).sum())
                for p in range(b + 1):
                    right = np.mean([sum(r[p, z, i] * t[x, y, z, i] for i in (0, 1)) for z in range(a)])
                    left = np.mean([sum(l[w, p, i] * t[w, x, y, i] for i in (0, 1)) for w in range(a)])
                    want = [m[x, y, p] > 0, m[x, y, p], *l[x, p], *r[p, y], right, left]
                    got = values[k, x, y, p] if p < b else zero[k, x, y]
                    np.testing.assert_allclose(got, want, atol=1e-6)
                tau_x = [t[x, y, z] for z in range(a)]
                tau_y = [t[w, x, y] for w in range(a)]
                want = [np.log(max(count, 1)), count <= 1, *np.mean(tau_x, axis=0),
                        np.mean([abs(u[0] - u[1]) for u in tau_x]), *np.mean(tau_y, axis=0),
                        np.mean([abs(u[0] - u[1]) for u in tau_y]), x == y]
                np.testing.assert_allclose(cell[k, x, y], want, atol=1e-6)
    assert any(0 < c < 1 for c in cell[..., 4].ravel())  # some tau rows are partly decided


@pytest.mark.parametrize("a, b", [(3, 2), (4, 3), (5, 3)])
def test_relabelling_a_permutes_the_cut_map_and_relabelling_b_changes_nothing(a, b):
    torch.manual_seed(0)
    net = GradedSetNet(width=16, layers=2).eval()
    rng = np.random.default_rng(1)
    found = nodes(a, b, steps=3)
    with torch.no_grad():
        logits, value = net(features([n.tensors for n in found]))
        for _ in range(3):
            a_perm, b_perm = rng.permutation(a), rng.permutation(b)
            moved_logits, moved_value = net(features([relabel(n.tensors, a_perm) for n in found]))
            want = np.empty_like(logits.numpy().reshape(-1, a, a))
            want[:, a_perm[:, None], a_perm[None, :]] = logits.numpy().reshape(-1, a, a)
            np.testing.assert_allclose(moved_logits.numpy().reshape(-1, a, a), want, atol=1e-5)
            np.testing.assert_allclose(moved_value.numpy(), value.numpy(), atol=1e-5)
            same_logits, same_value = net(features([relabel(n.tensors, b_perm=b_perm) for n in found]))
            np.testing.assert_allclose(same_logits.numpy(), logits.numpy(), atol=1e-5)
            np.testing.assert_allclose(same_value.numpy(), value.numpy(), atol=1e-5)


def test_one_set_of_weights_reads_and_learns_on_every_size():
    """Built by name from any graded env; the same weights run on other (a, b), and a step on one size
    moves the outputs the weights give on another."""
    env = gym.make("mathrl/SemigroupProof-v0", a=3, b=2)
    net = networks.build(env.observation_space, env.action_space.n, kind="graded-sets", width=16, layers=2)
    assert isinstance(net, GradedSetNet)
    small, large = features([n.tensors for n in nodes(3, 2)]), features([n.tensors for n in nodes(4, 5)])
    before = net(large)[1].detach().clone()
    assert net(large)[0].shape == (len(large), 16)
    optimiser = torch.optim.SGD(net.parameters(), lr=0.1)
    loss = (net(small)[1] - 3.0).pow(2).mean() + net(small)[0].pow(2).mean()
    loss.backward()
    optimiser.step()
    assert not torch.allclose(net(large)[1], before)
    with pytest.raises(ValueError, match="graded semigroup"):
        networks.build(gym.make("mathrl/Buchberger-v0").observation_space, 10, kind="graded-sets")


def test_a_non_graded_input_is_refused_by_name():
    with pytest.raises(ValueError, match="graded node"):
        unfeaturise(torch.zeros(1, 9, 3, 3))


def test_a_size_free_run_trained_on_one_size_proves_another_through_the_cli(tmp_path, capsys):
    """``episodes.network = {"kind": "graded-sets"}`` from the command line; the run, trained on (3, 2),
    proves (4, 2) and (2, 4) as a cut policy with the done leaves of the benchmark order (the classification
    does not depend on the cuts), while Simpson's network is still refused on another size."""
    from mathrl.cli import main
    from mathrl.envs.semigroups.policies import make_policy
    from mathrl.envs.semigroups.proof import prove

    out = tmp_path / "run"
    assert main(["train", "alphazero", "--env", "mathrl/SemigroupProof-v0", "--env-kwargs",
                 '{"a": 3, "b": 2, "sigma": [3, 9]}', "--iterations", "1", "--set", "episodes_per_iter=1",
                 "--set", "train_steps=2", "--set", "batch_size=8", "--set", "eval_episodes=1",
                 "--set", 'episodes.network="{\\"kind\\": \\"graded-sets\\", \\"width\\": 8, \\"layers\\": 1}"',
                 "--out", str(out), "--quiet"]) == 0
    for a, b, sigma in ((4, 2, [5, 12]), (2, 4, [3])):
        problem = make_problem("simpson", a=a, b=b, sigma=sigma)
        policy = make_policy(f"agent:{out}", problem)
        learned = prove(problem, policy)  # level by level, the network batched (choose_many)

        class OneByOne:  # the same policy node by node, depth first
            choose = staticmethod(policy.choose)

        depth_first = prove(problem, OneByOne())
        assert (learned.nodes, learned.done, learned.impossible, learned.per_root) == \
            (depth_first.nodes, depth_first.done, depth_first.impossible, depth_first.per_root)
        assert learned.done == prove(problem, "benchmark").done and learned.nodes >= 1
    simpson = tmp_path / "simpson"
    assert main(["train", "alphazero", "--env", "mathrl/SemigroupProof-v0", "--env-kwargs",
                 '{"a": 3, "b": 2, "sigma": [3]}', "--iterations", "1", "--set", "episodes_per_iter=1",
                 "--set", "train_steps=1", "--set", "eval_episodes=1", "--out", str(simpson), "--quiet"]) == 0
    with pytest.raises(ValueError, match="graded-sets"):
        make_policy(f"agent:{simpson}", make_problem("simpson", a=4, b=2, sigma=[5]))


def test_families_of_several_sizes_train_together_and_resume_exactly(tmp_path, capsys):
    """``--env-kwargs`` as a list: self-play proves each family in turn (samples of both shapes), a
    minibatch of mixed shapes trains, evaluation proves both, and a resumed run matches a straight one;
    without a size-free network the list is refused in one line with nothing written."""
    from mathrl.agents.alphazero.andor import play_proofs
    from mathrl.agents.alphazero.problems import ProblemTrainer
    from mathrl.agents.runs import read_jsonl
    from mathrl.cli import main

    families = '[{"a": 3, "b": 2, "sigma": [3]}, {"a": 4, "b": 2, "sigma": [5]}, {"a": 2, "b": 3, "sigma": [4]}]'
    args = ["train", "alphazero", "--env", "mathrl/SemigroupProof-v0", "--env-kwargs", families,
            "--set", "episodes_per_iter=3", "--set", "train_steps=3", "--set", "batch_size=16",
            "--set", "eval_episodes=3", "--set", "episodes.width=10", "--set", "episodes.rollout=0",
            "--set", 'episodes.network="{\\"kind\\": \\"graded-sets\\", \\"width\\": 8, \\"layers\\": 1}"', "--quiet"]
    assert main(args + ["--iterations", "2", "--out", str(tmp_path / "straight")]) == 0
    assert main(args + ["--iterations", "1", "--out", str(tmp_path / "resumed")]) == 0
    assert main(["train", "alphazero", "--resume", str(tmp_path / "resumed"), "--iterations", "1", "--quiet"]) == 0
    straight = ProblemTrainer(None, tmp_path / "straight", resume=True)
    resumed = ProblemTrainer(None, tmp_path / "resumed", resume=True)
    for (k, x), y in zip(straight.net.state_dict().items(), resumed.net.state_dict().values()):
        assert torch.equal(x, y), k
    rows = [[{k: v for k, v in r.items() if k != "train_seconds"} for r in read_jsonl(tmp_path / f / "metrics.jsonl")]
            for f in ("straight", "resumed")]
    assert rows[0] == rows[1]
    assert {x[0].shape[-1] for x in straight.buffer["inputs"]} == {3, 4, 2}  # a = 3, 4 and 2 grids
    games = play_proofs(straight.net.state_dict(), straight.config.episodes, 7, 3)
    assert (games["returns"] < 0).all() and {x[0].shape[-1] for x in games["inputs"]} == {3, 4, 2}
    assert len(games["inputs"]) == len(games["z"]) == len(games["episode"])
    # the episode of seed s proves family s mod 3 (seeds 7, 8, 9: families 1, 2, 0), at least its minimum
    minimum = [MinimumSolver(make_problem("simpson", a=a, b=b, sigma=s)) for a, b, s in
               ((3, 2, [3]), (4, 2, [5]), (2, 3, [4]))]
    for e, family in enumerate((1, 2, 0)):
        solver = minimum[family]
        smallest = sum(solver.value(r) for r in solver.problem.roots() if r.status == ACTIVE)
        assert -games["returns"][e] >= smallest
        grid = {0: 3, 1: 4, 2: 2}[family]
        assert {x[0].shape[-1] for x, ep in zip(games["inputs"], games["episode"]) if ep == e} == {grid}
    # two workers' shares of one iteration (seeds 7-8 and 9) cover the families between them
    halves = [play_proofs(straight.net.state_dict(), straight.config.episodes, s, n) for s, n in ((7, 2), (9, 1))]
    assert set().union(*({x[0].shape[-1] for x in h["inputs"]} for h in halves)) == {3, 4, 2}
    row = read_jsonl(tmp_path / "straight" / "metrics.jsonl")[-1]
    assert len(row["eval_return_by_family"]) == 3 and all(v < 0 for v in row["eval_return_by_family"])
    # refused in one line, nothing written: Simpson's network, a family of another kind (the generic
    # all(n) proofs observe only the table), too few evaluations for the families, a malformed list
    bad_generic = '[{"a": 3, "b": 2, "sigma": [3]}, {"family": "all", "n": 3}]'
    for name, kwargs, extra, words in (
            ("simpson", families, [], "graded-sets"),
            ("generic", bad_generic, args[6:-1], "network"),
            ("evals", families, args[6:-1] + ["--set", "eval_episodes=2"], "eval_episodes"),
            ("malformed", '[{"a": 3}, 4]', [], "list of them")):
        capsys.readouterr()
        code = main(["train", "alphazero", "--env", "mathrl/SemigroupProof-v0", "--env-kwargs", kwargs, *extra,
                     "--iterations", "1", "--out", str(tmp_path / name), "--quiet"])
        err = capsys.readouterr().err
        assert code == 2 and words in err and err.count("\n") == 1 and not (tmp_path / name).exists(), (name, err)
