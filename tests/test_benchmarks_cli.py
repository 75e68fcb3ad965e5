"""``mathrl bench buchberger`` and ``mathrl bench semigroups``, every mode at its smallest: JSON written, exit codes."""

from __future__ import annotations

import json
import os

import pytest

from mathrl.cli import main


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_buchberger_compare_writes_its_json(capsys, tmp_path):
    path = tmp_path / "deep" / "compare.json"
    code, out, _ = run_cli(capsys, "bench", "buchberger", "--ideals", "3-10-10-weighted", "--samples", "5",
                           "--strategies", "degree,random", "--workers", "1", "--quiet", "--out", str(path))
    result = json.loads(path.read_text())
    assert code == 0 and out.startswith("3-10-10-weighted: 5 ideals")  # a table on stdout, the JSON in the file
    assert list(result["strategies"]) == ["degree", "random"] and result["samples"] == 5


def test_buchberger_baselines_writes_a_file_per_distribution(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "bench", "buchberger", "baselines", "--samples", "2", "--workers", "1",
                           "--quiet", "--json", "--out", str(tmp_path))
    summary = json.loads(out)
    assert summary == json.loads((tmp_path / "summary.json").read_text())
    assert code == (0 if summary["all_pass"] else 1)
    assert len(summary["distributions"]) == 5
    assert all((tmp_path / f"{d}.json").exists() and (tmp_path / f"{d}.png").exists() for d in summary["distributions"])


def test_buchberger_speed_writes_its_json_and_unpins(capsys, tmp_path):
    pytest.importorskip("numba")
    before = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    env_before = {var: os.environ.get(var) for var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS")}
    path = tmp_path / "speed.json"
    code, out, _ = run_cli(capsys, "bench", "buchberger", "speed", "--dist", "3-10-10-weighted", "--episodes", "4",
                           "--pure-episodes", "2", "--repeats", "1", "--sympy-ideals", "1", "--quiet", "--json",
                           "--out", str(path))
    result = json.loads(out)
    assert code == 0 and result == json.loads(path.read_text())
    assert result["dist"] == "3-10-10-weighted" and result["pure_fast_same_costs"] is True
    assert result["env_auto_episodes_per_s"] > 0 and len(result["fast_all"]) == 1
    assert result["threads_limited_before_import"] is False  # pytest imported numpy first
    if before is not None:
        assert os.sched_getaffinity(0) == before  # the in-process caller is not left pinned to one CPU
    assert {var: os.environ.get(var) for var in env_before} == env_before  # the thread limits are undone too


def test_semigroups_compare_writes_its_json(capsys, tmp_path):
    path = tmp_path / "sizes.json"
    code, out, _ = run_cli(capsys, "bench", "semigroups", "--sigma", "4", "--strategies", "benchmark,paper",
                           "--quiet", "--out", str(path))
    result = json.loads(path.read_text())
    assert code == 0 and out.startswith("benchmark   nodes      25")
    assert result["strategies"]["benchmark"]["nodes"] == 25 and result["family"]["sigma"] == "4"


def test_semigroups_speed_uses_the_proof_runner(capsys, tmp_path):
    path = tmp_path / "speed.json"
    code, out, _ = run_cli(capsys, "bench", "semigroups", "speed", "--repeats", "1", "--no-big", "--no-53",
                           "--quiet", "--out", str(path))
    result = json.loads(path.read_text())
    assert code == 0 and "(3,2) all" in out
    assert result["runner"] == "mathrl.envs.semigroups.proof.prove"
    [case] = result["cases"]
    assert (case["nodes"], case["done"], case["impossible"]) == (242, 120, 230) and case["reference_s"] == 3.8


@pytest.mark.parametrize("argv, words", [
    (["buchberger", "--ideals", "nonsense", "--samples", "2"], "nonsense"),
    (["buchberger", "speed", "--ideals", "nonsense"], "nonsense"),
    (["buchberger", "speed", "--repeats", "0"], "--repeats"),
    (["buchberger", "baselines", "--samples", "0"], "--samples"),
    (["buchberger", "--workers", "0", "--samples", "2"], "--workers"),
    (["semigroups", "speed", "--repeats", "0"], "--repeats"),
    (["semigroups", "--strategies", ","], "--strategies"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, argv, words):
    code, out, err = run_cli(capsys, "bench", *argv, "--out", str(tmp_path / "x.json"))
    assert code == 2 and err.startswith("mathrl: error:") and err.count("\n") == 1 and words in err
    assert not (tmp_path / "x.json").exists() and out == ""
