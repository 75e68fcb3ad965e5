"""``mathrl play``, ``mathrl train alphazero`` and ``mathrl bench games`` from the command line."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from mathrl.cli import main
from mathrl.envs.games import solvers
from mathrl.envs.games.connect4 import ConnectFour
from mathrl.envs.games.tictactoe import TicTacToe


def run(argv, stdin="", monkeypatch=None, capsys=None):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_play_batch_tictactoe_solver_answers_every_line(monkeypatch, capsys):
    lines = ["", "-", "5", "15 trailing words are ignored", "1524"]
    code, out, err = run(["play", "tictactoe", "--agent", "solver", "--batch"], "\n".join(lines) + "\n",
                         monkeypatch, capsys)
    assert code == 0, err
    answers = out.splitlines()
    assert len(answers) == len(lines)
    game = TicTacToe()
    for line, answer in zip(lines, answers):
        text = line.split(" ")[0].strip("-")
        state = game.from_actions([int(c) - 1 for c in text])
        values = solvers.action_values(state)
        assert values[int(answer) - 1] == np.nanmax(values)   # 1-based cells, an optimal move


def test_play_batch_connect4_prints_legal_one_based_columns(monkeypatch, capsys):
    lines = ["4455", "1111112", "-"]
    code, out, err = run(["play", "connect4", "--agent", "random", "--batch"], "\n".join(lines), monkeypatch, capsys)
    assert code == 0, err
    game = ConnectFour()
    for line, answer in zip(lines, out.splitlines()):
        state = game.from_moves(line.strip("-"))
        assert state.action_mask()[int(answer) - 1]
    assert len(out.splitlines()) == 3


@pytest.mark.parametrize("stdin, message", [("4x\n", "line 1"), ("1\n1111111\n", "line 2"),
                                            ("1213141\n", "over")])
def test_play_batch_bad_lines_exit_2_and_print_nothing(monkeypatch, capsys, stdin, message):
    code, out, err = run(["play", "connect4", "--agent", "random", "--batch"], stdin, monkeypatch, capsys)
    assert code == 2 and out == "" and message in err


def test_play_unknown_game_and_unsupported_solver(monkeypatch, capsys):
    assert run(["play", "chess", "--batch"], "", monkeypatch, capsys)[0] == 2
    code, _, err = run(["play", "connect4", "--agent", "solver", "--batch"], "", monkeypatch, capsys)
    assert code == 2 and ("solver" in err.lower() or "support" in err.lower())


def test_train_resume_and_play_with_the_result(tmp_path, monkeypatch, capsys):
    out_dir = tmp_path / "run"
    argv = ["train", "alphazero", "--game", "tictactoe", "--iterations", "1", "--workers", "1",
            "--games-per-iter", "4", "--sims", "4", "--eval-every", "0", "--out", str(out_dir), "--quiet"]
    code, out, err = run(argv, "", monkeypatch, capsys)
    assert code == 0, err
    assert run(argv, "", monkeypatch, capsys)[0] == 2           # refuses to overwrite a run
    code, out, err = run(["train", "alphazero", "--resume", str(out_dir), "--iterations", "1", "--quiet"], "",
                         monkeypatch, capsys)
    assert code == 0, err
    records = [json.loads(line) for line in (out_dir / "metrics.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in records] == [1, 2] and records[-1]["games"] == 8
    code, out, err = run(["play", "tictactoe", "--agent", str(out_dir), "--sims", "8", "--batch"], "5\n",
                         monkeypatch, capsys)
    assert code == 0 and out.strip() in {str(c) for c in range(1, 10)} - {"5"}


def test_resume_may_change_training_knobs_but_not_the_network(tmp_path, monkeypatch, capsys):
    """A learning-rate drop on resume takes effect and is logged; a different network size is refused."""
    import torch

    out_dir = tmp_path / "run"
    argv = ["train", "alphazero", "--game", "tictactoe", "--iterations", "1", "--workers", "1",
            "--games-per-iter", "4", "--sims", "4", "--eval-every", "0", "--out", str(out_dir), "--quiet"]
    assert run(argv, "", monkeypatch, capsys)[0] == 0
    resume = ["train", "alphazero", "--resume", str(out_dir), "--iterations", "1", "--quiet"]
    for bad in (["--channels", "16"], ["--set", "buffer_size=10"], ["--set", "selfplay_precision=\"fp8\""]):
        code, _, err = run(resume + bad, "", monkeypatch, capsys)
        assert code == 2 and err.startswith("mathrl: error:"), bad
    code, _, err = run(resume + ["--set", "lr=1e-4", "--sims", "6"], "", monkeypatch, capsys)
    assert code == 0, err
    records = [json.loads(line) for line in (out_dir / "metrics.jsonl").read_text().splitlines()]
    assert records[-1]["config_changes"] == {"lr": [1e-3, 1e-4], "search.n_sims": [4, 6]}
    ckpt = torch.load(out_dir / "checkpoint.pt", weights_only=False)
    assert ckpt["config"]["lr"] == 1e-4 and ckpt["config"]["search"]["n_sims"] == 6
    assert all(group["lr"] == 1e-4 for group in ckpt["optimizer"]["param_groups"])
    assert json.loads((out_dir / "config.json").read_text())["lr"] == 1e-4


@pytest.mark.parametrize("argv", [["--set", "lr"], ["--set", "nonsense=1"], ["--sims", "0"], ["--game", "go"],
                                  ["--resume", "no/such/dir"]])
def test_train_bad_arguments_exit_2(tmp_path, monkeypatch, capsys, argv):
    code, _, err = run(["train", "alphazero", "--out", str(tmp_path / "x"), "--iterations", "0", *argv], "",
                       monkeypatch, capsys)
    assert code == 2 and err.startswith("mathrl: error:")


def test_bench_tictactoe_counts_mistakes_against_minimax(tmp_path, monkeypatch, capsys):
    code, out, _ = run(["bench", "games", "tictactoe", "--agent", "solver", "--out", str(tmp_path / "s.json")], "",
                       monkeypatch, capsys)
    assert code == 0 and json.loads((tmp_path / "s.json").read_text())["mistakes"] == 0
    run(["bench", "games", "tictactoe", "--agent", "random", "--out", str(tmp_path / "r.json")], "",
        monkeypatch, capsys)
    result = json.loads((tmp_path / "r.json").read_text())
    assert result["positions"] == 4520 and result["mistakes"] > 500


def test_bench_match_scores_the_agent_with_colours_alternated(tmp_path, monkeypatch, capsys):
    code, out, _ = run(["bench", "games", "match", "--game", "tictactoe", "--agent", "solver", "--opponent", "random",
                        "--games", "10", "--out", str(tmp_path / "m.json")], "", monkeypatch, capsys)
    result = json.loads((tmp_path / "m.json").read_text())
    assert code == 0 and result["games"] == 10 and result["losses"] == 0 and result["wins"] >= 5  # perfect play
    assert result["score"] == (result["wins"] + 0.5 * result["draws"]) / 10
    code, _, err = run(["bench", "games", "match", "--games", "0", "--out", str(tmp_path / "x.json")], "",
                       monkeypatch, capsys)
    assert code == 2 and not (tmp_path / "x.json").exists()


@pytest.mark.parametrize("agent", ["random", "mcts"])
def test_bench_connect4_runs_on_a_sample(tmp_path, monkeypatch, capsys, agent):
    code, out, err = run(["bench", "games", "connect4", "--agent", agent, "--sims", "20", "--limit", "5",
                          "--out", str(tmp_path / "c.json")], "", monkeypatch, capsys)
    assert code == 0, err
    result = json.loads((tmp_path / "c.json").read_text())
    assert result["pooled"]["n"] == 15 and "random" in result["pooled"]


def test_bench_speed_reports_every_search_against_the_same_batch_1_baseline(tmp_path, monkeypatch, capsys):
    out = tmp_path / "speed.json"
    code, text, err = run(["bench", "games", "speed", "--threads", "1", "--trees", "4", "--leaves", "2", "--sims", "8",
                           "--repeats", "1", "--selfplay-games", "2", "--selfplay-sims", "4", "--out", str(out)], "",
                          monkeypatch, capsys)
    assert code == 0, err
    result = json.loads(out.read_text())
    (row,) = result["rows"]
    base = row["sequential"]["sims_per_second"]
    for key, ratio in (("batched", "ratio"), ("virtual_loss", "ratio_virtual_loss"), ("batched_bf16", "ratio_bf16")):
        assert row[ratio] == pytest.approx(row[key]["sims_per_second"] / base)
    assert row["batched"]["mean_batch"] == 4 and row["sequential"]["mean_batch"] == 1
    assert row["batched_bf16"]["precision"] == "bf16" and isinstance(result["machine"]["bf16_native"], bool)
    assert result["selfplay"]["games"] == result["selfplay_bf16"]["games"] == 2
