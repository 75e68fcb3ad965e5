"""``mathrl bench ppo`` and ``mathrl bench games``: damaged or foreign run folders, bad flags and undefined
statistics give one error line (exit 2, nothing written) or valid JSON, never a traceback or a NaN."""

from __future__ import annotations

import json

import pytest

from mathrl.cli import main


def run_cli(capsys, argv):
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def ppo_run_folder(folder, config="{}", summary=None, agent=b"not an agent"):
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(config)
    (folder / "agent.pt").write_bytes(agent)
    if summary is not None:
        (folder / "summary.json").write_text(summary)
    return folder


@pytest.mark.parametrize("config, summary, word", [
    ("{not json", None, "config.json"),
    ("[1, 2]", None, "config.json"),
    ('{"env_id": "CartPole-v1"}', None, "env_kwargs"),
    ('{"env_id": "CartPole-v1", "env_kwargs": {}, "baseline": "critic"}', "{not json", "summary.json"),
    ('{"env_id": "CartPole-v1", "env_kwargs": {}, "baseline": "critic"}', None, "agent.pt"),
])
def test_bench_ppo_refuses_a_damaged_run_folder_in_one_line(capsys, tmp_path, monkeypatch, config, summary, word):
    monkeypatch.chdir(tmp_path)
    run = ppo_run_folder(tmp_path / "run", config, summary)
    code, out, err = run_cli(capsys, ["bench", "ppo", str(run), "--out", str(tmp_path / "result")])
    assert code == 2 and out == "" and err.count("\n") == 1 and word in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no result folder


@pytest.mark.parametrize("flags, word", [(["--workers", "0"], "--workers"), (["--workers", "100000"], "--workers"),
                                         (["--samples", "0"], "--samples"), (["--seed", "-1"], "--seed")])
def test_bench_ppo_range_checks_its_flags_first(capsys, tmp_path, monkeypatch, flags, word):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, ["bench", "ppo", "no-such-run", *flags])
    assert code == 2 and word in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_bench_ppo_refuses_an_unwritable_out_before_evaluating(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("x")
    for out in (tmp_path / "a-file", tmp_path / "a-file" / "below"):
        code, _, err = run_cli(capsys, ["bench", "ppo", "no-such-run", "--out", str(out)])
        assert code == 2 and "--out" in err and "a-file" in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_bench_games_curve_refusal_leaves_no_folder(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "metrics.jsonl").write_text('{"iteration": 1}\n')
    (tmp_path / "run" / "config.json").write_text("{broken")
    code, _, err = run_cli(capsys, ["bench", "games", "curve", "run"])
    assert code == 2 and "config.json" in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no runs/bench_games/ left behind


def test_bench_games_writes_undefined_fractions_as_null_not_nan(capsys, tmp_path, monkeypatch):
    """One position per Pons set: a set with no non-trivial position has no ``wdl_nontrivial`` (0 / 0)."""
    monkeypatch.chdir(tmp_path)
    code, _, _ = run_cli(capsys, ["bench", "games", "connect4", "--agent", "random", "--limit", "1",
                                  "--out", "r.json"])
    text = (tmp_path / "r.json").read_text()
    assert code == 0 and "NaN" not in text
    result = json.loads(text)  # strict JSON
    values = [m.get("wdl_nontrivial") for m in result.values() if isinstance(m, dict) and "n_nontrivial" in m]
    assert None in values and all(v is None or 0 <= v <= 1 for v in values)
    assert all(m["wdl_nontrivial"] is None for m in result.values()
               if isinstance(m, dict) and m.get("n_nontrivial") == 0)


def test_bench_ppo_on_a_real_run_writes_metrics_rows_and_a_summary_line(capsys, tmp_path):
    """A run's row carries its folder under "run": the metrics log must not take that for its step (with
    tensorboard installed, the path as a TensorBoard step crashed the command after all its work)."""
    from mathrl.agents.ppo import make_config, train

    run = tmp_path / "cartpole"
    train(make_config("CartPole-v1", total_steps=256, num_envs=2, num_steps=64, eval_every=0), str(run),
          progress=False)
    code, out, err = run_cli(capsys, ["bench", "ppo", str(run), "--episodes", "2", "--out", str(tmp_path / "b"),
                                      "--quiet"])
    assert code == 0, err
    [row] = [json.loads(line) for line in (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()]
    assert row["index"] == 0 and row["run"] == str(run)
    assert out.strip().splitlines()[-1].startswith("runs=1 ")
