"""What long commands report: a last ``key=value`` line a script can parse, logs in ``metrics.jsonl`` (and
TensorBoard), and a progress bar whose end is known whenever the run's limit is."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys

import pytest

from mathrl.agents.runlog import RunBar
from mathrl.agents.runs import summary_key, summary_line


def parse(line: str) -> dict:
    return dict(token.split("=", 1) for token in shlex.split(line))


def test_summary_line_round_trips_through_a_shell_style_split():
    line = summary_line(result="none", score=-0.4803, iterations=96, ok=True, missing=None, out="runs/a b=c")
    assert parse(line) == {"result": "none", "score": "-0.4803", "iterations": "96", "ok": "true",
                           "missing": "none", "out": "runs/a b=c"}
    with pytest.raises(ValueError):
        summary_line(**{"not a key": 1})


def test_summary_key_turns_any_strategy_name_into_a_key():
    assert summary_key("agent:runs/x:sims=32") == "agent_runs_x_sims_32"
    assert summary_key("3-20-10").isidentifier() and summary_key("").isidentifier()


def test_run_bar_counts_seconds_of_a_time_limit_and_iterations_otherwise(capsys):
    timed = RunBar(iterations=None, time_limit=60, done_seconds=10, desc="t", disable=False)
    timed.advance(3, 25.0)
    timed.advance(2, 70.0)  # past the limit: the bar stops at its end
    assert timed.by_time and timed.bar.n == 60 and timed.count == 5
    counted = RunBar(iterations=10, time_limit=60, done_iterations=4, desc="c", disable=False)
    counted.advance(2, 1.0)
    assert not counted.by_time and counted.bar.n == 6 and counted.bar.total == 10
    endless = RunBar(iterations=None, time_limit=None, desc="e", disable=False)
    endless.advance(1, 1.0)
    assert endless.bar.total is None and endless.bar.n == 1


def mathrl(*args, cwd):
    return subprocess.run([sys.executable, "-m", "mathrl", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


COMMANDS = {  # command -> keys its last line must have
    "search": (["search", "--score", "c4-free", "--n", "6", "--agent", "local", "--iterations", "2", "--quiet",
                "--out", "run"], {"result", "score", "iterations", "evaluations", "seconds", "file"}),
    "bench buchberger": (["bench", "buchberger", "--ideals", "3-5-4-weighted", "--samples", "20", "--strategies",
                          "degree,first", "--quiet"], {"ideals", "samples", "mean_degree", "mean_first"}),
    "bench semigroups": (["bench", "semigroups", "--family", "simpson", "--a", "2", "--b", "2", "--sigma", "0-1",
                          "--strategies", "benchmark,lookahead1", "--quiet"], {"nodes_benchmark", "nodes_lookahead1"}),
    "bench search": (["bench", "search", "--problems", "c4-free:6", "--agents", "local", "--seeds", "1", "--cap", "5",
                      "--quiet", "--out", "bench"], {"runs", "solved_local", "files"}),
    "bench games": (["bench", "games", "tictactoe", "--agent", "pretrained", "--out", "games.json"],
                    {"mistakes", "positions", "file"}),
    "bench games speed": (["bench", "games", "speed", "--threads", "1", "--trees", "4", "--leaves", "2", "--sims",
                           "16", "--repeats", "1", "--selfplay-games", "2", "--selfplay-sims", "8", "--quiet",
                           "--out", "speed.json"], {"benchmark", "file"}),
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_long_commands_end_with_a_key_value_line(name, tmp_path):
    argv, keys = COMMANDS[name]
    done = mathrl(*argv, cwd=tmp_path)
    assert done.returncode in (0, 1), done.stderr
    assert keys <= set(parse(done.stdout.strip().splitlines()[-1]))


def test_search_logs_to_metrics_jsonl_and_tensorboard(tmp_path):
    pytest.importorskip("tensorboard")
    done = mathrl("search", "--score", "wagner-2.1", "--n", "6", "--agent", "hybrid", "--sessions", "50", "--islands", "2",
                  "--iterations", "3", "--quiet", "--out", "run", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert sorted((r["island"], r["iteration"]) for r in rows) == [(i, t) for i in range(2) for t in range(3)]
    assert any((tmp_path / "run" / "tensorboard").glob("events.out.tfevents.*"))


def test_bench_search_json_is_the_only_thing_on_stdout(tmp_path):
    done = mathrl("bench", "search", "--problems", "c4-free:6", "--agents", "local", "--seeds", "1", "--cap", "5",
                  "--json", "--quiet", "--out", "bench", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    table = json.loads(done.stdout)
    assert table[0]["agent"] == "local" and table[0]["runs"] == 1
    assert len((tmp_path / "bench" / "metrics.jsonl").read_text().splitlines()) == 1


def test_bench_search_fans_runs_out_to_workers_in_the_same_order(tmp_path):
    argv = ["bench", "search", "--problems", "c4-free:6", "--agents", "local", "--seeds", "2", "--cap", "10",
            "--quiet"]
    one = mathrl(*argv, "--out", "one", cwd=tmp_path)
    two = mathrl(*argv, "--out", "two", "--workers", "2", cwd=tmp_path)
    assert one.returncode == two.returncode == 0, one.stderr + two.stderr
    rows = [json.loads((tmp_path / name / "bench_search.json").read_text())["runs"] for name in ("one", "two")]
    key = [[(r["agent"], r["problem"], r["seed"], r["success"], r["best_score"]) for r in runs] for runs in rows]
    assert key[0] == key[1] and all(k[3] for k in key[0])
    assert json.loads((tmp_path / "two" / "bench_search.json").read_text())["backend"] == "process"


def test_bench_cem_with_no_hit_reports_no_median_and_logs_each_seed(tmp_path):
    """Every seed missing its counterexample (n = 8 has none) made the median infinite, which JSON refuses:
    the benchmark crashed after all its work. Now the median is null, and each seed is a metrics row."""
    done = mathrl("bench", "cem", "--n", "8", "--skip-rate", "--seeds", "0", "--cap", "2", "--out", "out",
                  cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "out" / "bench_cem.json").read_text())
    assert report["successes"] == 0 and report["median_seconds_to_counterexample"] is None
    [row] = [json.loads(line) for line in (tmp_path / "out" / "metrics.jsonl").read_text().splitlines()]
    assert row["seed"] == 0 and row["success"] is False
    assert parse(done.stdout.strip().splitlines()[-1])["median_seconds"] == "none"


def _tensorboard_steps(folder, tag: str) -> dict[int, float]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(folder / "tensorboard"))
    events.Reload()
    return {e.step: e.value for e in events.Scalars(tag)}


def test_a_resumed_log_hides_the_killed_runs_later_tensorboard_events(tmp_path):
    from mathrl.agents.runlog import MetricsLog

    log = MetricsLog(tmp_path, "iteration", 0)
    for step in range(5):  # the killed run got to step 4; its checkpoint had seen 2 rows
        log.write({"iteration": step, "loss": float(step)})
    log.close()
    log = MetricsLog(tmp_path, "iteration", 2)
    for step in (2, 3):
        log.write({"iteration": step, "loss": 10.0 + step})
    log.close()
    assert [json.loads(line)["loss"] for line in (tmp_path / "metrics.jsonl").read_text().splitlines()] == \
        [0.0, 1.0, 12.0, 13.0]
    assert _tensorboard_steps(tmp_path, "loss") == {0: 0.0, 1: 1.0, 2: 12.0, 3: 13.0}  # no stale step 4


def test_a_log_of_unordered_rows_purges_nothing(tmp_path):
    from mathrl.agents.runlog import MetricsLog

    log = MetricsLog(tmp_path, "run", 0, monotonic=False)
    for run in (3, 0):
        log.write({"run": run, "seconds": float(run)})
    log.close()
    log = MetricsLog(tmp_path, "run", 2, monotonic=False)
    log.write({"run": 1, "seconds": 1.0})
    log.close()
    assert _tensorboard_steps(tmp_path, "seconds") == {0: 0.0, 1: 1.0, 3: 3.0}
