"""The cross-entropy method: selection rule, initialisation, determinism, and small searches."""

import math

import numpy as np
import pytest
import torch

from mathrl.agents.cem import CEMConfig, CrossEntropyMethod, Search, build_network, preset, select
from mathrl.agents.cem.cem import merge_supers
from mathrl.envs.graphs.vector_env import WordConstructionVectorEnv
from mathrl.scores import make, resolve


def test_select_spec_vectors():
    assert np.percentile([3, 1, 3, 3, 2, 3, 3, 3, 0, 3], 50) == 3.0
    assert select([3, 1, 3, 3, 2, 3, 3, 3, 0, 3], q=50, budget=5).tolist() == [0, 2, 3, 5, 6]
    assert np.percentile([4, 9, 4, 9, 4, 0], 50) == 4.0
    assert select([4, 9, 4, 9, 4, 0], q=50, budget=2).tolist() == [0, 1, 3]


def test_select_matches_wagner_loop_on_random_pools():
    """The vectorised rule equals Wagner's scan with a float counter."""
    rng = np.random.default_rng(0)
    for _ in range(200):
        scores = rng.integers(0, 5, size=rng.integers(5, 60)).astype(float)
        q, budget = rng.uniform(50, 99), rng.uniform(1, 10)
        thr = np.percentile(scores, q)
        counter, expected = budget, []
        for i, s in enumerate(scores):
            if s >= thr - 1e-7:
                if counter > 0 or s >= thr + 1e-7:
                    expected.append(i)
                counter -= 1
        assert select(scores, q, budget).tolist() == expected


def test_tie_cap_keeps_elites_small_on_a_converged_population():
    scores = np.zeros(1060)
    scores[:5] = 1.0
    elites = select(scores, 93, 70)
    assert len(elites) == 70  # a plain >= percentile filter would take all 1060


def test_glorot_init_bounds_and_zero_biases():
    torch.manual_seed(0)
    net = build_network(342, (128, 64, 4), "glorot")
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    bounds = [0.113, 0.177, 0.297, 1.095]  # sqrt(6 / (fan_in + fan_out)) per layer at L = 171
    for layer, bound in zip(linears, bounds):
        fan_out, fan_in = layer.weight.shape
        a = math.sqrt(6 / (fan_in + fan_out))
        assert a == pytest.approx(bound, abs=1e-3)
        assert layer.weight.abs().max().item() <= a
        assert layer.weight.abs().max().item() > 0.9 * a  # really uniform on the full range
        assert torch.count_nonzero(layer.bias) == 0
    assert [(m.in_features, m.out_features) for m in linears] == [(342, 128), (128, 64), (64, 4), (4, 1)]


def _agent(score_name="wagner-2.1", n=8, sessions=200, seed=0, **cfg):
    score = make(score_name, n=n)
    config = CEMConfig(n_sessions=sessions, **cfg)
    return CrossEntropyMethod(WordConstructionVectorEnv(score, num_envs=sessions), config, seed)


def test_one_iteration_is_deterministic():
    a, b = _agent(seed=3), _agent(seed=3)
    sa, sb = a.step(), b.step()
    assert sa.best_score == sb.best_score and sa.elite_count == sb.elite_count
    assert np.array_equal(a.super_words, b.super_words)
    for pa, pb in zip(a.net.parameters(), b.net.parameters()):
        assert torch.equal(pa, pb)
    c = _agent(seed=4)
    c.step()
    assert not np.array_equal(a.super_words, c.super_words)


def test_state_dict_round_trip_continues_identically():
    a = _agent(seed=1)
    for _ in range(2):
        a.step()
    b = _agent(seed=99)
    b.load_state_dict(a.state_dict())
    sa, sb = a.step(), b.step()
    assert sa.best_score == sb.best_score
    assert np.array_equal(a.super_words, b.super_words)


def test_supers_are_sorted_and_sized():
    a = _agent(sessions=300)
    a.step()
    s = a.step()
    assert np.all(np.diff(a.super_scores) <= 0)
    assert 18 <= len(a.super_scores) <= 30 and 21 <= s.elite_count <= 40


def test_merge_supers_keeps_size_order_and_drops_duplicates():
    words = np.eye(4, dtype=np.uint8)
    scores = np.array([4.0, 3.0, 2.0, 1.0])
    merged_w, merged_s = merge_supers(words, scores, words[[0, 1]] * 0 + np.array([1, 1, 0, 0], np.uint8),
                                      np.array([3.5, 3.5]))
    assert merged_s.tolist() == [4.0, 3.5, 3.0, 2.0]
    assert len({w.tobytes() for w in merged_w}) == 4


@pytest.mark.slow
def test_c4_free_n12_reaches_the_optimum_in_mask_mode():
    """Faithful CEM (Wagner's preset) reaches ex(12, C4) = 21 within 200 iterations in >= 2 of 3 seeds."""
    hits = 0
    for seed in range(3):
        score = make("c4-free", n=12)
        agent = CrossEntropyMethod(WordConstructionVectorEnv(score, num_envs=1000), preset("wagner"), seed)
        for _ in range(200):
            agent.step()
            if agent.best_score >= 0:
                break
        hits += agent.best_score == 0
        if hits == 2:
            break
    assert hits >= 2


def test_search_refutes_an_easy_false_statement(tmp_path):
    """'Every graph on 7 vertices has a triangle' is false: the search must say so, verified."""
    def no_triangle(graph):
        import networkx as nx

        return 0.5 - sum(nx.triangles(graph).values()) / 3

    score = resolve(no_triangle, n=7)
    result = Search(score, tmp_path, config=preset("default").but(n_sessions=200, islands=1), seed=0).run(
        max_iterations=100, progress=False)
    assert result.status == "found"
    assert result.verification.is_counterexample
    graph = score.decode(result.best_word)
    import networkx as nx

    assert sum(nx.triangles(graph).values()) == 0
    assert (tmp_path / "counterexample.json").exists() and (tmp_path / "counterexample.png").exists()


def test_limit_saves_best_object(tmp_path):
    result = Search(make("wagner-2.1", n=6), tmp_path, config=CEMConfig(n_sessions=50), seed=0).run(
        max_iterations=3, progress=False)
    assert result.status == "limit" and result.exit_code == 1
    assert result.iterations == 3
    assert (tmp_path / "best.json").exists() and (tmp_path / "best.png").exists()


def test_resume_continues_exactly_where_it_stopped(tmp_path):
    config = CEMConfig(n_sessions=100)
    straight = Search(make("wagner-2.1", n=7), tmp_path / "a", config=config, seed=5)
    straight.run(max_iterations=6, progress=False)
    first = Search(make("wagner-2.1", n=7), tmp_path / "b", config=config, seed=5)
    first.run(max_iterations=3, progress=False)
    resumed = Search(make("wagner-2.1", n=7), tmp_path / "b", seed=0, resume=True)
    assert resumed.seed == 5 and resumed.iteration == 3
    resumed.run(max_iterations=6, progress=False)
    assert np.array_equal(straight.states[0]["super_words"], resumed.states[0]["super_words"])
    assert straight.best()[0] == resumed.best()[0]


def test_interrupt_leaves_a_checkpoint(tmp_path, monkeypatch):
    calls = {"n": 0}
    original = CrossEntropyMethod.step

    def step_then_interrupt(self):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return original(self)

    monkeypatch.setattr(CrossEntropyMethod, "step", step_then_interrupt)
    search = Search(make("wagner-2.1", n=6), tmp_path, config=CEMConfig(n_sessions=50), seed=0)
    with pytest.raises(KeyboardInterrupt):
        search.run(max_iterations=10, progress=False, chunk_seconds=0.0)
    monkeypatch.setattr(CrossEntropyMethod, "step", original)
    resumed = Search(make("wagner-2.1", n=6), tmp_path, resume=True)
    assert resumed.iteration == 2  # the two completed chunks survived
    assert resumed.run(max_iterations=4, progress=False).iterations == 4


def test_two_islands_with_migration_are_reproducible(tmp_path):
    config = CEMConfig(n_sessions=60, islands=2, migrate_every=2, migrate_top=5)
    runs = []
    for name in ("a", "b"):
        search = Search(make("wagner-2.1", n=6), tmp_path / name, config=config, seed=1)
        search.run(max_iterations=4, progress=False)
        runs.append(search)
    for i in range(2):
        assert np.array_equal(runs[0].states[i]["super_words"], runs[1].states[i]["super_words"])


def test_hand_written_backward_equals_autograd():
    agent = _agent(n=6, sessions=20, optimizer="sgd", lr=0.1)
    x = torch.rand(32, 2 * agent.length).round()
    y = (torch.rand(32, 1) < 0.5).float()
    reference = build_network(2 * agent.length, (128, 64, 4))
    reference.load_state_dict(agent.net.state_dict())
    loss = torch.nn.functional.binary_cross_entropy_with_logits(reference(x), y)
    loss.backward()
    before = {k: v.clone() for k, v in agent.net.state_dict().items()}
    step_loss = agent.gradient_step(x, y)
    assert step_loss.item() == pytest.approx(loss.item(), rel=1e-5)
    for (name, param), ref in zip(agent.net.named_parameters(), reference.parameters()):
        expected = before[name] - 0.1 * ref.grad
        assert torch.allclose(param.detach(), expected, atol=1e-6), name


@pytest.mark.parametrize("optimizer,lr", [("adam", 1e-3), ("sgd", 0.05)])
def test_compiled_epoch_equals_torch_steps(optimizer, lr):
    """The compiled epoch takes the torch path's minibatches and updates (to float32 rounding),
    and leaves an optimiser state the torch path continues from."""
    from mathrl.agents.cem import compiled_training

    if not compiled_training.numba_available():
        pytest.skip("numba is not available")
    compiled = _agent(n=7, sessions=60, seed=4, optimizer=optimizer, lr=lr, epochs=2)
    reference = _agent(n=7, sessions=60, seed=4, optimizer=optimizer, lr=lr, epochs=2)
    reference.train_compiled = False
    assert compiled_training.supported(compiled.net, compiled.optimizer)
    for round_ in range(4):
        if round_ == 3:  # the torch path continues from the compiled path's optimiser state
            compiled.train_compiled = False
        sa, sb = compiled.step(), reference.step()
        assert sa.loss == pytest.approx(sb.loss, rel=1e-5)
        for pa, pb in zip(compiled.net.parameters(), reference.net.parameters()):
            assert torch.allclose(pa, pb, atol=1e-5), round_
        assert np.array_equal(compiled.super_words, reference.super_words)
    if optimizer == "adam":
        for pa, pb in zip(compiled.net.parameters(), reference.net.parameters()):
            sa, sb = compiled.optimizer.state[pa], reference.optimizer.state[pb]
            assert float(sa["step"]) == float(sb["step"]) > 0
            assert torch.allclose(sa["exp_avg"], sb["exp_avg"], atol=1e-6)
            assert torch.allclose(sa["exp_avg_sq"], sb["exp_avg_sq"], atol=1e-7)


def test_training_benchmark_times_both_paths_on_the_same_elites():
    from mathrl.agents.cem import compiled_training
    from mathrl.agents.cem.bench import training_speed

    if not compiled_training.numba_available():
        pytest.skip("numba is not available")
    result = training_speed("default", n=6, iterations=2, repeats=2)
    assert result["pairs"] > 0 and result["torch_seconds"] > 0 and result["compiled_seconds"] > 0
    assert result["speedup"] == pytest.approx(result["torch_seconds"] / result["compiled_seconds"])


def test_compiled_epoch_declines_what_it_does_not_reproduce():
    from mathrl.agents.cem import compiled_training

    net = build_network(10, (8, 4))
    assert compiled_training.supported(net, torch.optim.Adam(net.parameters(), lr=1e-3)) == \
        compiled_training.numba_available()
    assert not compiled_training.supported(net, torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9))
    assert not compiled_training.supported(net, torch.optim.Adam(net.parameters(), weight_decay=0.1))
    assert not compiled_training.supported(net, torch.optim.AdamW(net.parameters()))
    two_outputs = build_network(10, (8,), outputs=2)
    assert not compiled_training.supported(two_outputs, torch.optim.Adam(two_outputs.parameters()))
    tanh = torch.nn.Sequential(torch.nn.Linear(10, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    assert not compiled_training.supported(tanh, torch.optim.Adam(tanh.parameters()))


def test_incremental_sampling_equals_full_forward_pass():
    agent = _agent(n=9, sessions=64)
    agent.step()
    gaps = []
    incremental = agent.probabilities

    def checked(obs):
        with torch.inference_mode():
            full = torch.sigmoid(agent.net(torch.from_numpy(obs))).numpy().reshape(-1)
        p = incremental(obs)
        gaps.append(np.abs(p - full).max())
        return p

    agent.probabilities = checked
    agent.sample()
    assert len(gaps) == agent.length and max(gaps) < 1e-5
