"""One executor, three backends: the same calls give the same numbers inline, in a process pool and on a
local Ray of two CPUs; a Ray worker killed mid-task costs only that task, which is run again."""

from __future__ import annotations

import os
import signal
import sys

import numpy as np
import pytest

from mathrl.agents.executor import Executor, ExecutorError, ProcessExecutor, make_executor, parse_ray


def draw(seed: int, size: int) -> list[float]:
    """A plain function of its inputs (what every parallel piece of mathrl is)."""
    return np.random.default_rng(seed).normal(size=size).round(12).tolist()


def die_once(marker: str, value: int) -> int:
    """Kill the worker process running it the first time (as a SIGKILL from outside would), then work."""
    if not os.path.exists(marker):
        with open(marker, "w") as f:
            f.write(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    return value * 10


@pytest.fixture(scope="module")
def ray_executor():
    pytest.importorskip("ray")
    saved = os.environ.get("PYTHONPATH")  # Ray's workers import this module's functions by name
    os.environ["PYTHONPATH"] = os.pathsep.join([os.path.dirname(__file__)] + ([saved] if saved else []))
    try:
        executor = make_executor(2, "local")
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH")
        else:
            os.environ["PYTHONPATH"] = saved
    yield executor
    executor.close()


CALLS = [(seed, 5) for seed in range(7)]


def test_every_backend_gives_the_same_results_in_call_order(ray_executor):
    expected = [draw(*c) for c in CALLS]
    assert Executor().map(draw, CALLS) == expected
    with ProcessExecutor(2) as pool:
        assert pool.map(draw, CALLS) == expected
        assert sorted(pool.as_completed(draw, CALLS)) == list(enumerate(expected))
    assert ray_executor.backend == "ray" and ray_executor.workers == 2
    assert ray_executor.map(draw, CALLS) == expected


def test_submit_returns_at_once_and_gives_the_results_in_order(ray_executor):
    expected = [draw(*c) for c in CALLS]
    assert Executor().submit(draw, CALLS).result() == expected
    with ProcessExecutor(2) as pool:
        first, second = pool.submit(draw, CALLS), pool.submit(draw, CALLS[:2])  # two batches in flight
        assert second.result() == expected[:2] and first.result() == expected
        pool.submit(draw, CALLS).cancel()  # cancelling leaves the pool usable
        assert pool.map(draw, CALLS[:1]) == expected[:1]
    pending = ray_executor.submit(draw, CALLS)
    assert pending.result() == expected and pending.result() == expected


def test_buchberger_benchmark_numbers_do_not_depend_on_the_backend(ray_executor):
    from mathrl.benchmarks.buchberger import run

    results = {}
    for name, kw in (("inline", {"workers": 1}), ("process", {"workers": 2}), ("ray", {"workers": 2, "ray": "local"})):
        result, costs = run("3-5-4-uniform", 24, 3, ["degree", "first", "random"], progress=False, **kw)
        results[name] = costs
        assert result["executor"] == name
    assert np.array_equal(results["inline"], results["process"]) and np.array_equal(results["inline"], results["ray"])


def test_a_killed_ray_worker_costs_only_its_task(ray_executor, tmp_path):
    marker = str(tmp_path / "killed")
    assert ray_executor.map(die_once, [(marker, v) for v in range(4)]) == [0, 10, 20, 30]
    assert os.path.exists(marker)  # a worker was killed, and its task ran again


def test_bad_ray_addresses_and_a_missing_ray_are_one_line_errors(monkeypatch):
    assert parse_ray("auto") == "auto" and parse_ray(" local ") == "local" and parse_ray("10.0.0.1:6379") == "10.0.0.1:6379"
    for bad in ("", "cluster", "host:", ":6379", "host:port", "host:70000"):
        with pytest.raises(ValueError, match="--ray must be"):
            parse_ray(bad)
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ExecutorError, match=r"pip install 'mathrl\[ray\]'"):
        make_executor(2, "local")


def test_the_command_line_refuses_a_bad_ray_value_before_work(capsys, tmp_path):
    from mathrl.cli import main

    out = tmp_path / "r.json"
    assert main(["bench", "buchberger", "--ray", "nowhere", "--samples", "5", "--out", str(out)]) == 2
    assert "--ray must be auto, local or HOST:PORT" in capsys.readouterr().err and not out.exists()


def test_search_islands_give_the_same_run_on_processes_and_on_ray(ray_executor, tmp_path, capsys):
    """CEM islands (no time-shared polish, so the run is a function of its seed) on two worker processes
    and as Ray tasks: the same best word and the same log."""
    import json

    from mathrl.cli import main

    base = ["search", "--score", "wagner-2.1", "--n", "9", "--agent", "cem", "--islands", "2", "--sessions", "60",
            "--iterations", "4", "--seed", "5", "--quiet"]
    assert main([*base, "--out", str(tmp_path / "process")]) == 1  # 1: no counterexample within the limit
    assert main([*base, "--out", str(tmp_path / "ray"), "--ray", "local"]) == 1
    best = [json.loads((tmp_path / name / "best.json").read_text()) for name in ("process", "ray")]
    assert best[0]["word"] == best[1]["word"] and best[0]["score"] == best[1]["score"]
    logs = [[{k: v for k, v in json.loads(line).items() if k != "seconds"}
             for line in (tmp_path / name / "metrics.jsonl").read_text().splitlines()] for name in ("process", "ray")]
    assert logs[0] == logs[1] and len(logs[0]) == 8


def test_single_player_self_play_gives_the_same_training_on_processes_and_on_ray(ray_executor, tmp_path):
    import json

    import torch

    from mathrl.agents.alphazero.episodes import EpisodeConfig
    from mathrl.agents.alphazero.problems import ProblemConfig, ProblemTrainer

    episodes = EpisodeConfig(env_id="mathrl/SemigroupProof-v0", env_kwargs=json.dumps({"a": 3, "b": 2, "sigma": [4, 9]}),
                             width=40)
    config = ProblemConfig(episodes=episodes, episodes_per_iter=3, buffer_size=400, train_steps=3, batch_size=16,
                           eval_episodes=1, workers=2, seed=2)
    trainers = {}
    for name, ray in (("process", None), ("ray", "local")):
        trainers[name] = ProblemTrainer(config, tmp_path / name)
        trainers[name].run(1, ray=ray)
    for (key, a), b in zip(trainers["process"].net.state_dict().items(), trainers["ray"].net.state_dict().values()):
        assert torch.equal(a, b), key
    assert len(trainers["process"].buffer["z"]) == len(trainers["ray"].buffer["z"]) > 0


def test_a_proof_split_into_independent_subtrees_adds_up_to_the_whole_on_every_backend(ray_executor):
    from mathrl.benchmarks.semigroups import prove_in_parts
    from mathrl.envs.semigroups.env import make_problem
    from mathrl.envs.semigroups.proof import prove

    for (a, b, sigma), policy in (((3, 2, "all"), "benchmark"), ((4, 2, [5]), "lookahead1")):
        problem = make_problem("simpson", a=a, b=b, sigma=sigma)
        whole = prove(problem, policy)
        with ProcessExecutor(2) as pool:
            for depth, executor in ((1, Executor()), (3, pool), (2, ray_executor)):
                parts = prove_in_parts(problem, policy, 0, depth, executor)
                assert (parts.nodes, parts.done, parts.impossible) == (whole.nodes, whole.done, whole.impossible)
                assert parts.per_root == whole.per_root


@pytest.mark.parametrize("finder", [0, 1])
def test_an_island_round_ends_when_either_island_reaches_the_goal(finder):
    """The first island runs in the main process beside the workers; the round ends at the first island's
    or a worker's goal instead of waiting out the other's chunk (60 s here): an easy problem is solved in
    the time it takes, not in a chunk's."""
    import time

    from mathrl.agents.cem.islands import IslandPool
    from mathrl.agents.goal import Goal
    from mathrl.agents.local import LocalConfig
    from mathrl.envs.graphs.scores import make

    score, config = make("c4-free", n=8), LocalConfig(islands=2, steps=20)
    never, at_once = Goal(score.tol, target=1e9), Goal(score.tol, target=-1e9)
    calls = [(island, None, config, score, 10 + island, 1 << 40, 60.0, at_once if island == finder else never,
              float("inf")) for island in range(2)]
    pool = IslandPool(2, score)
    started = time.perf_counter()
    try:
        results = pool.map(calls)
    finally:
        pool.close()
    assert time.perf_counter() - started < 30  # neither 60 s chunk ran out (a worker starts in a few s)
    found = [r for r in results if r.candidate is not None]
    assert [r.island for r in found] == [finder]
    assert results[0].island == 0 and results[0].state["iteration"] >= (1 if finder == 0 else 0)
    assert pool.abandoned == (finder == 0)  # a worker still in its chunk is killed, not waited for
