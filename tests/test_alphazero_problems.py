"""The single-player AlphaZero trainer: one tiny iteration on each mathematical domain, a checkpoint that
resumes exactly (bit-identical weights after resuming), and metrics kept in step with the checkpoint."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from mathrl.agents.alphazero.config import SearchConfig
from mathrl.agents.alphazero.episodes import EpisodeConfig
from mathrl.agents.alphazero.problems import ProblemConfig, ProblemTrainer
from mathrl.agents.runs import read_jsonl

PROBLEMS = [
    ("mathrl/Buchberger-v0", {"ideal_dist": "3-5-4-uniform"}, 10.0),
    ("mathrl/SemigroupProof-v0", {"a": 3, "b": 2}, 10.0),
    ("mathrl/GraphConstruction-v0", {"n": 5}, 1.0),
]


def tiny(env_id, kwargs, scale, seed=0):
    episodes = EpisodeConfig(env_id=env_id, env_kwargs=json.dumps(kwargs), network="{}",
                             search=SearchConfig(n_sims=3, normalize_q=True, dirichlet_alpha=0.3),
                             value_scale=scale, concurrent=2)
    return ProblemConfig(episodes=episodes, episodes_per_iter=2, buffer_size=200, train_steps=3, batch_size=8,
                         eval_episodes=1, seed=seed)


@pytest.mark.parametrize("env_id, kwargs, scale", PROBLEMS, ids=[p[0] for p in PROBLEMS])
def test_one_iteration_trains_checkpoints_and_logs(tmp_path, env_id, kwargs, scale):
    trainer = ProblemTrainer(tiny(env_id, kwargs, scale), tmp_path)
    before = {k: v.clone() for k, v in trainer.net.state_dict().items()}
    [row] = trainer.run(1)
    assert row["iteration"] == 1 and row["buffer"] > 0
    assert np.isfinite([row["policy_loss"], row["value_loss"], row["eval_return"]]).all()
    assert any(not torch.equal(before[k], v) for k, v in trainer.net.state_dict().items())  # it learned something
    assert read_jsonl(tmp_path / "metrics.jsonl") == [row]
    assert (tmp_path / "checkpoint.pt").exists() and json.loads((tmp_path / "config.json").read_text())["seed"] == 0


def test_a_resumed_run_equals_an_uninterrupted_one(tmp_path):
    config = tiny(*PROBLEMS[0])
    straight = ProblemTrainer(config, tmp_path / "straight")
    straight.run(2)
    first = ProblemTrainer(config, tmp_path / "resumed")
    first.run(1)
    again = ProblemTrainer(None, tmp_path / "resumed", resume=True)
    assert again.iteration == 1 and again.config == config
    again.run(1)
    for (k, a), b in zip(straight.net.state_dict().items(), again.net.state_dict().values()):
        assert torch.equal(a, b), k
    rows = [read_jsonl(tmp_path / name / "metrics.jsonl") for name in ("straight", "resumed")]
    strip = [[{k: v for k, v in r.items() if k != "train_seconds"} for r in rs] for rs in rows]
    assert strip[0] == strip[1] and len(rows[1]) == 2


def test_selfplay_ahead_learns_from_one_iteration_old_weights_and_resumes_exactly(tmp_path, monkeypatch):
    """selfplay_ahead=1 on a single-player problem: staleness 0 then 1 (logged), a worker process or this
    process give the same run, and a resumed run restarts the episodes in flight from their saved weights."""
    import mathrl.agents.executor as executor

    config = tiny(*PROBLEMS[0]).but(selfplay_ahead=1)
    straight = ProblemTrainer(config, tmp_path / "straight")
    straight.run(3)  # one worker process plays while this process learns
    rows = read_jsonl(tmp_path / "straight" / "metrics.jsonl")
    assert [r["selfplay_staleness"] for r in rows] == [0, 1, 1]
    first = ProblemTrainer(config, tmp_path / "resumed")
    first.run(2)
    again = ProblemTrainer(None, tmp_path / "resumed", resume=True)
    assert [(t, v) for t, v, _ in again.ahead.state()] == [(2, 1)]
    monkeypatch.setattr(executor, "ProcessExecutor", lambda workers: executor.Executor())  # now in this process
    again.run(1)
    for (k, a), b in zip(straight.net.state_dict().items(), again.net.state_dict().values()):
        assert torch.equal(a, b), k
    strip = [[{k: v for k, v in r.items() if k not in ("train_seconds", "selfplay_wait_seconds")} for r in rs]
             for rs in (rows, read_jsonl(tmp_path / "resumed" / "metrics.jsonl"))]
    assert strip[0] == strip[1]
    sync = read_jsonl(tmp_path / "sync" / "metrics.jsonl") if ProblemTrainer(
        config.but(selfplay_ahead=0), tmp_path / "sync").run(1) else None
    assert sync[0]["selfplay_staleness"] == 0 and "selfplay_wait_seconds" not in sync[0]


def test_resume_refuses_a_folder_without_or_with_a_foreign_checkpoint(tmp_path):
    from mathrl.agents.files import save_file

    with pytest.raises(ValueError, match="no checkpoint.pt"):
        ProblemTrainer(None, tmp_path, resume=True)
    save_file({"weights": {}}, tmp_path / "checkpoint.pt")
    with pytest.raises(ValueError, match="not a mathrl AlphaZero problem checkpoint"):
        ProblemTrainer(None, tmp_path, resume=True)


def test_the_command_line_trains_resumes_and_refuses_bad_input(tmp_path, capsys, monkeypatch):
    from mathrl.cli import main

    monkeypatch.chdir(tmp_path)
    base = ["train", "alphazero", "--env", "mathrl/GraphConstruction-v0", "--env-kwargs", '{"n": 5}',
            "--set", "episodes_per_iter=2", "--set", "train_steps=2", "--set", "eval_episodes=1", "--sims", "3",
            "--quiet"]
    assert main([*base, "--iterations", "1", "--out", "run"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("eval_return=")
    assert main(["train", "alphazero", "--resume", "run", "--iterations", "1", "--quiet"]) == 0
    assert len(read_jsonl(tmp_path / "run" / "metrics.jsonl")) == 2
    # search fields not given keep the episode defaults (min-max normalised Q), not SearchConfig's own
    search = json.loads((tmp_path / "run" / "config.json").read_text())["episodes"]["search"]
    assert search["n_sims"] == 3 and search["normalize_q"] is True
    assert search["dirichlet_alpha"] == EpisodeConfig().search.dirichlet_alpha != SearchConfig().dirichlet_alpha
    for argv, word in ((["train", "alphazero", "--env", "mathrl/ConnectFour-v0", "--iterations", "1"], "2-player"),
                       ([*base, "--iterations", "1", "--set", "lr=-1"], "lr"),
                       ([*base, "--iterations", "1", "--set", "episodes.bogus=1"], "episodes.bogus"),
                       ([*base], "--iterations or --time-limit"),
                       (["train", "alphazero", "--resume", "run", "--seed", "3", "--iterations", "1"], "--seed")):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and word in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_new_run_starts_from_an_agent_and_records_it_but_refuses_another_problem(tmp_path, capsys):
    """``init``: the source's weights exactly (not the seed's), its record kept through checkpoint, resume and
    agent file; an agent of another env or network, or init on a resume, is refused before anything is written."""
    from mathrl.agents.alphazero.problem_agent import ProblemAgent
    from mathrl.cli import main

    config = tiny(*PROBLEMS[0])
    ProblemTrainer(config, tmp_path / "source").run(1)
    source = ProblemAgent.load(tmp_path / "source")
    fresh = ProblemTrainer(config.but(seed=5), tmp_path / "fresh")
    started = ProblemTrainer(config.but(seed=5), tmp_path / "started", init=str(tmp_path / "source"))
    for (k, a), b, c in zip(source.net.state_dict().items(), started.net.state_dict().values(),
                            fresh.net.state_dict().values()):
        assert torch.equal(a, b) and not torch.equal(b, c), k
    assert started.init["from"] == str(tmp_path / "source") and started.init["iteration"] == 1
    started.run(1)
    assert ProblemTrainer(None, tmp_path / "started", resume=True).init == started.init
    again = ProblemAgent.load(tmp_path / "started")
    assert again.extra["init"]["total_iterations"] == 1 and again.extra["iteration"] == 1
    assert again.extra["total_train_seconds"] == pytest.approx(again.extra["train_seconds"]
                                                               + source.extra["train_seconds"])
    chained = ProblemTrainer(config, tmp_path / "chained", init=str(tmp_path / "started"))
    assert chained.init["total_iterations"] == 2  # the source's own iteration and the one it began from
    assert chained.init["init"] == again.extra["init"]  # the whole chain, each start inside the next
    chained.run(1)
    total = ProblemAgent.load(tmp_path / "chained").extra
    assert total["total_train_seconds"] == pytest.approx(total["train_seconds"] + again.extra["train_seconds"]
                                                         + source.extra["train_seconds"])
    # a start whose file did not record its time: the record says so by having no total, never a short one
    from mathrl.agents.files import load_file, save_file

    data = load_file(tmp_path / "source" / "agent.pt", "agent")
    save_file({k: v for k, v in data.items() if k != "train_seconds"}, tmp_path / "untimed.pt")
    untimed = ProblemTrainer(config, tmp_path / "from-untimed", init=str(tmp_path / "untimed.pt"))
    untimed.run(1)
    assert "total_train_seconds" not in ProblemAgent.load(tmp_path / "from-untimed").extra
    save_file({**data, "init": "bogus"}, tmp_path / "bogus.pt")
    with pytest.raises(ValueError, match="init record"):
        ProblemTrainer(config, tmp_path / "from-bogus", init=str(tmp_path / "bogus.pt"))
    other = tiny(*PROBLEMS[2])
    with pytest.raises(ValueError, match="env_id"):
        ProblemTrainer(other, tmp_path / "other", init=str(tmp_path / "source"))
    wider = config.but(episodes=config.episodes.but(network='{"hidden": 16}'))
    with pytest.raises(ValueError, match="network"):
        ProblemTrainer(wider, tmp_path / "wider", init=str(tmp_path / "source"))
    with pytest.raises(ValueError, match="new run"):
        ProblemTrainer(None, tmp_path / "started", resume=True, init=str(tmp_path / "source"))
    assert not any((tmp_path / name).exists() for name in ("other", "wider", "from-bogus"))
    for argv, word in ((["train", "alphazero", "--resume", str(tmp_path / "started"), "--init", "pretrained",
                         "--iterations", "1"], "--init"),
                       (["train", "alphazero", "--env", "mathrl/GraphConstruction-v0", "--init", "pretrained",
                         "--iterations", "1", "--out", str(tmp_path / "g")], "no AlphaZero agent is shipped"),
                       (["train", "alphazero", "--env", "mathrl/GraphConstruction-v0", "--env-kwargs", '{"n": 5}',
                         "--init", str(tmp_path / "source"), "--iterations", "1", "--out", str(tmp_path / "g")],
                        "env_id"),
                       (["train", "alphazero", "--env", "mathrl/Buchberger-v0", "--env-kwargs",
                         '{"ideal_dist": "3-5-4-uniform"}', "--init", str(tmp_path / "bogus.pt"), "--iterations", "1",
                         "--out", str(tmp_path / "g")], "init record")):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and word in err, err
    assert not (tmp_path / "g").exists()
    from mathrl.agents.alphazero.cli import _shipped_for

    assert _shipped_for("mathrl/Buchberger-v0") == "pretrained:buchberger"  # --init pretrained on Buchberger


@pytest.fixture(scope="module")
def trained_runs(tmp_path_factory):
    """One tiny iteration on Buchberger pairs and on semigroup proofs: an agent each, however weak."""
    root = tmp_path_factory.mktemp("runs")
    for name, (env_id, kwargs, scale) in (("buchberger", PROBLEMS[0]), ("semigroups", PROBLEMS[1])):
        ProblemTrainer(tiny(env_id, kwargs, scale), root / name).run(1)
    return root


def test_a_learned_agent_is_a_buchberger_strategy_with_and_without_search(trained_runs):
    from mathrl.envs.buchberger.distributions import make_source
    from mathrl.envs.buchberger.groebner import buchberger
    from mathrl.envs.buchberger.strategies import make_strategy

    source = make_source("3-5-4-uniform")
    rng = np.random.default_rng(0)
    ideals = [source.sample(rng) for _ in range(3)]
    for spec in (f"agent:{trained_runs / 'buchberger'}", f"agent:{trained_runs / 'buchberger'}:sims=4"):
        strategy = make_strategy(spec, seed=0)
        assert type(strategy).__name__ == "AlphaZeroStrategy"
        for ideal in ideals:  # any selection order gives the same reduced basis (the oracle: Degree's)
            basis, stats = buchberger(ideal, strategy)
            assert basis == buchberger(ideal, "degree")[0] and stats["polynomial_additions"] >= 0
    with pytest.raises(ValueError, match="not Buchberger pairs"):
        make_strategy(f"agent:{trained_runs / 'semigroups'}")


def test_the_policy_alone_evaluation_plays_as_the_saved_agent_does(tmp_path, monkeypatch):
    """``eval_sims = 0`` scores the policy alone, which picks the agent file a benchmark loads, so it must be
    the return ``agent:RUN`` gets on the same held-out ideals (seeds from 10**9), episode by episode."""
    import gymnasium as gym

    from mathrl.agents.alphazero.episodes import play_greedy
    from mathrl.agents.alphazero.problem_agent import ProblemAgent

    config = tiny(*PROBLEMS[0]).but(eval_sims=0, eval_episodes=5)
    trainer = ProblemTrainer(config, tmp_path)
    trainer.run(1)
    agent = ProblemAgent.load(tmp_path)
    returns = play_greedy(agent.net, config.episodes, 10**9, 5)
    env = gym.make(config.episodes.env_id, **config.episodes.kwargs)
    by_agent = []
    for e in range(5):
        env.reset(seed=10**9 + e)
        state, total = env.unwrapped.state.clone(), 0.0
        while not state.is_terminal():
            total += state.apply(agent.act(state))
        by_agent.append(total)
    assert returns.tolist() == by_agent and all(r < 0 for r in by_agent)
    import mathrl.agents.alphazero.problems as problems

    def no_search(*args, **kwargs):
        raise AssertionError("eval_sims = 0 must not search")

    monkeypatch.setattr(problems, "play_episodes", no_search)
    assert trainer.evaluate() == pytest.approx(np.mean(by_agent))
    with pytest.raises(ValueError, match="eval_sims"):
        config.but(eval_sims=-2)


def test_the_shipped_alphazero_agent_is_a_buchberger_strategy_and_records_its_command():
    from mathrl.agents.alphazero.problem_agent import pretrained_path
    from mathrl.agents.files import load_file
    from mathrl.envs.buchberger.distributions import make_source
    from mathrl.envs.buchberger.groebner import buchberger
    from mathrl.envs.buchberger.strategies import make_strategy

    data = load_file(pretrained_path("buchberger"), "AlphaZero agent file")  # weights only: no code runs
    assert data["command"].startswith("mathrl train alphazero --env mathrl/Buchberger-v0")
    source = make_source("3-20-10-weighted")
    rng = np.random.default_rng(7)
    ideals = [source.sample(rng) for _ in range(3)]
    for spec in ("agent:alphazero", "agent:alphazero:sims=3"):
        strategy = make_strategy(spec, seed=0)
        assert type(strategy).__name__ == "AlphaZeroStrategy" and strategy.name == spec
        for ideal in ideals:  # any selection order gives the same reduced basis (the oracle: Degree's)
            assert buchberger(ideal, strategy)[0] == buchberger(ideal, "degree")[0]
    # it learned something: on fresh ideals the policy alone spends fewer additions than Degree
    fresh = [source.sample(rng) for _ in range(12)]
    learned = sum(buchberger(i, make_strategy("agent:alphazero"))[1]["polynomial_additions"] for i in fresh)
    assert learned < sum(buchberger(i, "degree")[1]["polynomial_additions"] for i in fresh)
    with pytest.raises(ValueError, match="sims=N needs an integer"):
        make_strategy("agent:alphazero:sims=many")
    with pytest.raises(ValueError, match="no shipped AlphaZero agent"):
        pretrained_path("connect4")


def test_a_learned_agent_is_a_semigroup_cut_policy_and_leaves_the_done_leaves_alone(trained_runs):
    from mathrl.envs.semigroups.env import make_problem
    from mathrl.envs.semigroups.policies import make_policy
    from mathrl.envs.semigroups.proof import prove

    problem = make_problem("simpson", a=3, b=2, sigma=list(range(13)))
    benchmark = prove(problem, "benchmark")
    for spec in ("", ":depth=1"):  # the network alone, and a one-level AND-OR lookahead with its value
        learned = prove(problem, make_policy(f"agent:{trained_runs / 'semigroups'}{spec}", problem))
        assert learned.done == benchmark.done  # the classification does not depend on the cut order
    for bad in (":depth=4", ":depth=x", ":sims=3"):
        with pytest.raises(ValueError, match="depth"):
            make_policy(f"agent:{trained_runs / 'semigroups'}{bad}", problem)
    with pytest.raises(ValueError, match=r"trained on graded \(a, b\) = \(3, 2\)"):
        make_policy(f"agent:{trained_runs / 'semigroups'}", make_problem("simpson", a=4, b=2, sigma=[5]))
    with pytest.raises(ValueError, match="not semigroup proofs"):
        make_policy(f"agent:{trained_runs / 'buchberger'}", problem)


def test_an_agent_refuses_ideals_in_another_number_of_variables(trained_runs, capsys):
    from mathrl.cli import main

    code = main(["bench", "buchberger", "--ideals", "4-5-4-uniform", "--samples", "2", "--workers", "1", "--quiet",
                 "--strategies", f"degree,agent:{trained_runs / 'buchberger'}"])
    err = capsys.readouterr().err
    assert code == 2 and "another number of variables" in err and err.count("\n") == 1


def test_run_files_that_would_run_code_are_refused(trained_runs, tmp_path):
    """A checkpoint or agent file whose config names a plug-in score or a foreign env: loading it must not
    build that env (which would import the plug-in), and says so in one line."""
    from mathrl.agents.alphazero.problem_agent import ProblemAgent
    from mathrl.agents.files import load_file, save_file

    marker = tmp_path / "ran"
    plugin = tmp_path / "evil.py"
    plugin.write_text(f"open({str(marker)!r}, 'w').write('x')\ndef f(g):\n    return 0.0\n")
    for env_id, kwargs in (("mathrl/GraphConstruction-v0", {"n": 5, "score": f"{plugin}:f"}),
                           ("evil_module:Env", {})):
        run = tmp_path / env_id.replace("/", "-").replace(":", "-")
        run.mkdir()
        for name in ("checkpoint.pt", "agent.pt"):
            data = load_file(trained_runs / "buchberger" / name, "x")
            config = json.loads(data["config"])
            config["episodes"].update(env_id=env_id, env_kwargs=json.dumps(kwargs))
            data["config"] = json.dumps(config)
            save_file(data, run / name)
        with pytest.raises(ValueError, match="plug-in|not one of mathrl's envs"):
            ProblemAgent.load(run)
        with pytest.raises(ValueError, match="plug-in|not one of mathrl's envs"):
            ProblemTrainer(None, run, resume=True)
    assert not marker.exists()


def test_packed_buffers_round_trip_ragged_arrays_and_refuse_a_bad_count():
    from mathrl.agents.alphazero.problems import (pack_ragged, pack_ragged_tuples, unpack_ragged,
                                                  unpack_ragged_tuples)

    rng = np.random.default_rng(0)
    rows = [(rng.normal(size=(1, n, 3)).astype(np.float32), rng.random((1, n)) < 0.5) for n in (4, 1, 7, 0, 2)]
    back = unpack_ragged_tuples(pack_ragged_tuples(rows))
    assert len(back) == len(rows)
    for (a, b), (c, d) in zip(rows, back):
        assert a.shape == c.shape and np.array_equal(a, c) and d.dtype == bool and np.array_equal(b, d)
    masks = [rng.random(n) < 0.5 for n in (9, 3, 0)]
    assert all(np.array_equal(m, u) for m, u in zip(masks, unpack_ragged(pack_ragged(masks, bool))))
    assert [a.tolist() for a in unpack_ragged([np.arange(3)])] == [[0, 1, 2]]  # an older checkpoint's list
    packed = pack_ragged(masks, bool)
    packed["shapes"][0, 0] += 1
    with pytest.raises(ValueError):
        unpack_ragged(packed)
    # what a crafted file could hold instead: each a ValueError (the loader's one-line error), no traceback
    bad = [np.zeros(3), {"flat": np.float64(1.0), "shapes": np.ones((1, 1), dtype=np.int64)},
           {"flat": np.zeros(2), "shapes": np.array([[2**62]])}, {"flat": np.zeros(2, dtype=object),
                                                                  "shapes": np.array([[2]])}]
    for packed in bad:
        with pytest.raises(ValueError):
            unpack_ragged(packed)
    for packed in ({"parts": [], "count": 10**12}, {"parts": [pack_ragged(masks, bool)], "count": 2},
                   {"parts": [pack_ragged(masks, bool)], "count": float("inf")}):
        with pytest.raises(ValueError):
            unpack_ragged_tuples(packed)


def test_a_checkpoint_whose_buffer_parts_disagree_is_refused_in_one_line(tmp_path):
    from mathrl.agents.files import FileFormatError, load_file, save_file

    trainer = ProblemTrainer(tiny(*PROBLEMS[1]), tmp_path)
    trainer.run(1)
    data = load_file(tmp_path / "checkpoint.pt")
    data["z"] = data["z"][:-1]
    save_file(data, tmp_path / "checkpoint.pt")
    with pytest.raises(FileFormatError, match="replay buffer is malformed"):
        ProblemTrainer(None, tmp_path, resume=True)


@pytest.mark.parametrize("env_id, kwargs, scale", PROBLEMS[:2], ids=[p[0] for p in PROBLEMS[:2]])
def test_a_resumed_run_reads_back_the_same_replay_buffer(tmp_path, env_id, kwargs, scale):
    trainer = ProblemTrainer(tiny(env_id, kwargs, scale), tmp_path)
    trainer.run(1)
    from mathrl.agents.files import load_file

    saved = load_file(tmp_path / "checkpoint.pt")
    assert set(saved["pi"]) == {"flat", "shapes"} and set(saved["inputs"]) == {"parts", "count"}  # packed
    again = ProblemTrainer(None, tmp_path, resume=True)
    assert len(again.buffer["z"]) == len(trainer.buffer["z"]) > 0
    assert again.buffer["z"] == trainer.buffer["z"]
    for key in ("pi", "mask"):
        assert all(np.array_equal(a, b) for a, b in zip(trainer.buffer[key], again.buffer[key]))
    for x, y in zip(trainer.buffer["inputs"], again.buffer["inputs"]):
        assert len(x) == len(y) and all(torch.equal(a, b) for a, b in zip(x, y))


def test_the_time_limit_counts_evaluation_too(tmp_path, monkeypatch):
    """--time-limit is seconds on the clock: an iteration's evaluation counts towards it."""
    trainer = ProblemTrainer(tiny(*PROBLEMS[1]), tmp_path)
    evaluate = trainer.evaluate

    def slow_evaluation():
        import time

        time.sleep(1.0)
        return evaluate()

    monkeypatch.setattr(trainer, "evaluate", slow_evaluation)
    rows = trainer.run(time_limit=0.5)
    assert len(rows) == 1 and trainer.elapsed >= 1.0


def test_shipping_a_run_keeps_its_command_its_start_and_its_time(tmp_path, monkeypatch, capsys):
    """scripts/ship_alphazero.py: the file a user gets names the command, the agent the run began from (without
    the shipper's paths) and the seconds: the run's own, and the total over the chain where every run of it
    recorded its time; a command that is not a training one is refused."""
    import importlib.util
    from pathlib import Path

    from mathrl.agents.alphazero.problem_agent import ProblemAgent
    from mathrl.agents.files import load_file, save_file

    spec = importlib.util.spec_from_file_location(
        "ship_alphazero", Path(__file__).resolve().parents[1] / "scripts" / "ship_alphazero.py")
    ship = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ship)
    config = tiny(*PROBLEMS[0]).but(eval_episodes=0)  # nothing evaluated: agent.pt is the last iteration's
    ProblemTrainer(config, tmp_path / "source").run(1)
    ProblemTrainer(config, tmp_path / "run", init=str(tmp_path / "source")).run(3)
    out = tmp_path / "shipped.pt"
    monkeypatch.setattr(ship, "pretrained_path", lambda name: out)
    monkeypatch.setitem(ship.SHIPS, "buchberger", ("mathrl/Buchberger-v0", "3-5-4-uniform"))
    command = "mathrl train alphazero --env mathrl/Buchberger-v0 --init RUN --iterations 3"
    assert ship.main([str(tmp_path / "run"), "--command", "train it"]) == 2 and not out.exists()
    assert ship.main([str(tmp_path / "run"), "--command", command]) == 0
    shipped = ProblemAgent.load(out).extra
    own = ProblemAgent.load(tmp_path / "run").extra
    assert shipped["command"] == command and shipped["iteration"] == 3 and "from" not in shipped["init"]
    assert shipped["init"]["iteration"] == 1 and shipped["train_seconds"] == own["train_seconds"] > 0
    assert shipped["total_train_seconds"] == pytest.approx(own["train_seconds"] + shipped["init"]["train_seconds"])
    # an agent file saved before agents recorded their time: the seconds of its iteration's metrics row
    data = load_file(tmp_path / "run" / "agent.pt", "agent")
    save_file({k: v for k, v in data.items() if k not in ("train_seconds", "total_train_seconds")},
              tmp_path / "run" / "agent.pt")
    rows = read_jsonl(tmp_path / "run" / "metrics.jsonl")
    assert ship.main([str(tmp_path / "run" / "agent.pt"), "--command", command]) == 0
    assert ProblemAgent.load(out).extra["train_seconds"] == rows[2]["train_seconds"] != rows[1]["train_seconds"]
    # a chain with a run of unknown time gets no total
    save_file({**data, "init": {**data["init"], "total_iterations": 5}}, tmp_path / "run" / "agent.pt")
    assert ship.main([str(tmp_path / "run"), "--command", command]) == 0
    assert "total_train_seconds" not in ProblemAgent.load(out).extra
    capsys.readouterr()
