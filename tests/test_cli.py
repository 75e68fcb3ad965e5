"""The mathrl command: listing, search outcomes and exit codes, plug-in errors."""

import json
import subprocess
import sys

import numpy as np
import pytest

from mathrl.cli import main
from mathrl.scores import Score, Verification, make


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "mathrl.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def test_list_names_envs_scores_and_agents(capsys):
    assert main(["list", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"mathrl/GraphConstruction-v0", "mathrl/MatrixConstruction-v0"} <= set(data["envs"])
    assert set(data["vector_envs"]) == {"mathrl/GraphConstruction-v0", "mathrl/MatrixConstruction-v0",
                                        "mathrl/Buchberger-v0"}
    assert {"wagner-2.1", "wagner-2.3", "c4-free", "permanent-312"} <= set(data["scores"])
    assert {"default", "wagner"} <= set(data["agents"]["cem"])


def test_search_finds_and_saves_a_verified_counterexample(tmp_path):
    plugin = tmp_path / "conj.py"
    plugin.write_text("import mathrl\n\n@mathrl.batched\ndef few(adj):\n"
                      "    return 2.5 - adj.sum(axis=(1, 2)) / 2  # 'every graph has >= 3 edges'\n")
    out = tmp_path / "out"
    proc = run_cli("search", "--score", f"{plugin}:few", "--n", "6", "--agent", "hybrid", "--sessions", "100", "--islands", "1",
                   "--iterations", "300", "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    record = json.loads((out / "counterexample.json").read_text())
    assert record["n"] == 6 and record["score"] > 0 and record["verification"]["is_counterexample"]
    assert len(record["edges"]) <= 2 and record["graph6"]
    assert "fresh process" in record["verification"]["method"]
    assert (out / "counterexample.png").stat().st_size > 0


def test_search_hitting_the_limit_exits_1_and_saves_best(tmp_path):
    proc = run_cli("search", "--score", "wagner-2.1", "--n", "6", "--agent", "hybrid", "--sessions", "50", "--islands", "1",
                   "--iterations", "2", "--out", str(tmp_path), "--quiet")
    assert proc.returncode == 1, proc.stderr
    record = json.loads((tmp_path / "best.json").read_text())
    assert record["counterexample"] is False and record["n"] == 6


def test_matrix_search_writes_matrix_rows(tmp_path):
    proc = run_cli("search", "--score", "permanent-312", "--n", "4", "--agent", "hybrid", "--sessions", "50", "--islands", "1",
                   "--iterations", "2", "--out", str(tmp_path), "--quiet")
    assert proc.returncode == 1, proc.stderr
    record = json.loads((tmp_path / "best.json").read_text())
    assert np.array(record["matrix"]).shape == (4, 4)


@pytest.mark.parametrize("body, needle", [
    (None, "not found"),                                              # missing file
    ("def other(g):\n    return 0.0\n", "'score' not found"),        # missing function
    ("def score(g):\n    raise RuntimeError('boom')\n", "boom"),     # raises
    ("def score(g):\n    return float('nan')\n", "non-finite"),      # NaN
    ("def score(g):\n    return 'high'\n", "non-numeric"),           # not a number
    ("import nosuchmodule\ndef score(g):\n    return 0.0\n", "failed to import"),
])
def test_broken_plugins_exit_2_with_a_clear_message_and_write_nothing(tmp_path, body, needle):
    plugin = tmp_path / "plug.py"
    if body is not None:
        plugin.write_text(body)
    out = tmp_path / "out"
    proc = run_cli("search", "--score", f"{plugin}:score", "--n", "5", "--out", str(out), "--quiet")
    assert proc.returncode == 2
    assert needle in proc.stderr
    assert "plug.py" in proc.stderr  # the message names the file
    assert proc.stderr.count("\n") == 1  # one line, no traceback
    assert not out.exists()


def test_unknown_score_and_preset_exit_2(tmp_path):
    assert run_cli("search", "--score", "no-such-score", "--out", str(tmp_path / "a")).returncode == 2
    proc = run_cli("search", "--score", "wagner-2.1", "--preset", "nope", "--out", str(tmp_path / "b"))
    assert proc.returncode == 2 and "preset" in proc.stderr


class LyingScore(Score):
    """Claims every graph is a counterexample; its verifier disagrees (a scoring bug)."""

    name = "lying"
    default_n = 5

    def score(self, graph):
        return 1.0

    def verify(self, graph):
        return Verification(True, False, "-1", "test oracle")


def test_failed_verification_is_reported_with_exit_3(tmp_path):
    from mathrl.agents.cem import CEMConfig, Search

    result = Search(LyingScore(), tmp_path, config=CEMConfig(n_sessions=20), seed=0).run(
        max_iterations=5, progress=False)
    assert result.status == "verification-failed" and result.exit_code == 3
    record = json.loads((tmp_path / "failed_verification.json").read_text())
    assert record["counterexample"] is False and "scoring bug" in record["error"]
    assert not (tmp_path / "counterexample.json").exists()


def test_resume_from_the_cli(tmp_path):
    args = ["search", "--score", "wagner-2.1", "--n", "6", "--agent", "hybrid", "--sessions", "50", "--islands", "1", "--quiet"]
    assert run_cli(*args, "--iterations", "2", "--out", str(tmp_path)).returncode == 1
    proc = run_cli("search", "--resume", str(tmp_path), "--iterations", "4", "--quiet")
    assert proc.returncode == 1, proc.stderr
    assert json.loads((tmp_path / "best.json").read_text())["iterations"] == 4
    assert len((tmp_path / "metrics.jsonl").read_text().splitlines()) == 4


def test_resume_continues_the_log_of_a_run_folder_from_before_metrics_jsonl(tmp_path):
    """Run folders of mathrl 0.1.0 named the search's log ``log.jsonl``: a resume carries it on as
    ``metrics.jsonl``, with the rows it already had and none twice."""
    args = ["search", "--score", "wagner-2.1", "--n", "6", "--agent", "hybrid", "--sessions", "50", "--islands", "1", "--quiet"]
    assert run_cli(*args, "--iterations", "2", "--out", str(tmp_path)).returncode == 1
    (tmp_path / "metrics.jsonl").rename(tmp_path / "log.jsonl")
    assert run_cli("search", "--resume", str(tmp_path), "--iterations", "3", "--quiet").returncode == 1
    rows = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [row["iteration"] for row in rows] == [0, 1, 2] and not (tmp_path / "log.jsonl").exists()


def test_wagner21_star_is_not_reported(tmp_path):
    """The equality case (a star, S = -8.9e-16) must never count as a counterexample."""
    score = make("wagner-2.1", n=19)
    import networkx as nx

    star = nx.star_graph(18)
    assert score.score(star) <= score.tol
    assert not score.verify(star).is_counterexample


def test_plugin_with_hidden_state_fails_fresh_process_verification(tmp_path):
    """A score that only turns positive after many calls in one process must not be reported."""
    plugin = tmp_path / "stateful.py"
    plugin.write_text("CALLS = [0]\n\ndef score(g):\n    CALLS[0] += 1\n"
                      "    return 1.0 if CALLS[0] > 50 else -1.0\n")
    out = tmp_path / "out"
    proc = run_cli("search", "--score", f"{plugin}:score", "--n", "5", "--agent", "hybrid", "--sessions", "100", "--islands", "1",
                   "--iterations", "3", "--out", str(out), "--quiet")
    assert proc.returncode == 3, proc.stderr
    assert (out / "failed_verification.json").exists() and not (out / "counterexample.json").exists()
