"""Bad input through every command: exit code 2, one error line, no traceback, nothing written.

Each case runs in-process (``mathrl.cli.main``) in an empty working folder. The
error is the last line of stderr: ``mathrl: error: …`` from the commands, or
argparse's ``PROG: error: …`` after its usage lines. Limits hit on good input
(``groebner --timeout``) exit 1 instead, tested at the end, as is end of input in
``mathrl play``.
"""

from __future__ import annotations

import io
import re
import sys

import pytest

from mathrl.cli import main

ERROR_LINE = re.compile(r"^mathrl( [\w-]+)*: error: \S")

# [argv] (or a callable of the outside folder giving argv), and a word the error line must contain.
CASES = [
    # list
    (["list", "--bogus"], "--bogus"),
    # benchmarks: ranges, seeds, output paths (found by an independent probe)
    (["bench", "cem", "--n", "0", "--skip-hits"], "--n"),
    (["bench", "cem", "--skip-hits", "--rate-seconds", "nan"], "--rate-seconds"),
    (["bench", "cem", "--skip-rate", "--seeds", "abc"], "--seeds"),
    (["bench", "cem", "--skip-rate", "--seeds", "-5"], "--seeds"),
    (["bench", "cem", "--skip-hits", "--preset", "bogus"], "preset"),
    (["bench", "games", "speed", "--threads", "0"], "--threads"),
    (["bench", "games", "speed", "--selfplay-games", "-1"], "--selfplay-games"),
    (["bench", "games", "connect4", "--agent", "random", "--limit", "0"], "--limit"),
    (["bench", "games", "connect4", "--agent", "random", "--limit", "1", "--out", "/proc/x.json"], "/proc"),
    (["bench", "buchberger", "--ideals", "3-5-4-uniform", "--seed", "-1"], "--seed"),
    (["bench", "buchberger", "--ideals", "1000-5-4-uniform", "--samples", "2"], "number of variables"),
    (["bench", "buchberger", "--ideals", "3-5-4-uniform", "--plot", "/proc/x.png"], "/proc"),
    (["bench", "buchberger", "speed", "--max-pairs", "100000000"], "--max-pairs"),
    (["bench", "semigroups", "--family", "simpson", "--a", "3", "--b", "2", "--seed", "-1"], "--seed"),
    # groebner: polynomials, fields, orders, sizes, timeouts
    (["groebner", "x.__class__"], "unexpected character"),
    (["groebner", ""], "empty polynomial"),
    (["groebner", "x*y - 1, "], "stray comma"),
    (["groebner", "sin(x) - y"], "function"),
    (["groebner", "x^(10^9) - y"], "MAX_DEGREE"),
    (["groebner", "x^3000000000 - y, y^2 - x"], "x^3000000000"),
    (["groebner", "2^(10^9)*x - y"], "MAX_CONSTANT_BITS"),
    (["groebner", "(x + y + z)^1000"], "MAX_TERMS"),
    (["groebner", "(" * 150 + "x" + ")" * 150], "nested"),
    (["groebner", "x*y - 1", "--modulus", "4"], "not prime"),
    (["groebner", "x*y - 1", "--modulus", "abc"], "unknown field"),
    (["groebner", "x*y - 1", "--order", "revlex"], "--order"),
    (["groebner", "x*y - 1", "--strategy", "best"], "best"),
    (["groebner", "x*y - 1", "--vars", "x,x"], "repeated"),
    (["groebner", "x*y - 1", "--timeout", "0"], "--timeout"),
    (["groebner", "x*y - 1", "--timeout", "nan"], "--timeout"),
    (["groebner", "x*y - 1", "--timeout", "-3"], "--timeout"),
    (["groebner", "nan*x - y"], "'nan'"),
    (["groebner", "x - inf*y"], "'inf'"),
    (["groebner", "x² - y"], "unexpected character"),
    (["groebner", "0.5*x - y"], "'0.5'"),
    (["groebner", "1e1000000000*x - y"], "1e1000000000"),
    (["groebner", "x*y - 1", "--vars", ""], "--vars is empty"),
    (["groebner", "x*y - 1", "--vars", "   "], "--vars is empty"),
    (["groebner", "x*y - 1", "--vars", "x,,y"], "stray comma"),
    (["groebner", "x*y - 1", "--vars", "x"], "unknown variable"),
    # enumerate
    (["enumerate", "semigroups", "--n", "0"], "--n"),
    (["enumerate", "semigroups", "--n", "abc"], "--n"),
    (["enumerate", "semigroups", "--n", "10"], "--force"),
    (["enumerate", "semigroups", "--n", "7", "--nilpotent"], "--force"),
    (["enumerate", "groups", "--n", "3"], "groups"),
    # train alphazero: --set values, counts, seeds, folders
    (["train", "alphazero", "--game", "tictactoe", "--set", "lr=-1"], "lr"),
    (["train", "alphazero", "--game", "tictactoe", "--set", "lr=NaN"], "lr"),
    (["train", "alphazero", "--game", "tictactoe", "--set", "lr=abc"], "JSON"),
    (["train", "alphazero", "--game", "tictactoe", "--set", 'lr="abc"'], "lr"),
    (["train", "alphazero", "--game", "tictactoe", "--set", "blocks=1.5"], "blocks"),
    (["train", "alphazero", "--game", "tictactoe", "--set", "search.dirichlet_eps=2"], "search.dirichlet_eps"),
    (["train", "alphazero", "--game", "tictactoe", "--set", "search.bogus=1"], "search.bogus"),
    (["train", "alphazero", "--game", "tictactoe", "--set", "search=3"], "search"),
    (["train", "alphazero", "--game", "tictactoe", "--set", "game_kwargs=3"], "game_kwargs"),
    (["train", "alphazero", "--game", "tictactoe", "--set", "bogus=3"], "bogus"),
    (["train", "alphazero", "--game", "tictactoe", "--set", "selfplay_precision=\"fp8\""], "selfplay_precision"),
    (["train", "alphazero", "--game", "tictactoe", "--set", "buffer_size=10000000000000"], "buffer_size"),
    (["train", "alphazero", "--game", "tictactoe", "--set", 'game="chess"'], "chess"),
    (["train", "alphazero", "--game", "tictactoe", "--set", "novalue"], "FIELD=JSON"),
    (["train", "alphazero", "--game", "tictactoe", "--iterations", "0"], "--iterations"),
    (["train", "alphazero", "--game", "tictactoe", "--iterations", "-1"], "--iterations"),
    (["train", "alphazero", "--game", "tictactoe", "--time-limit", "nan"], "--time-limit"),
    (["train", "alphazero", "--game", "tictactoe", "--time-limit", "-5"], "--time-limit"),
    (["train", "alphazero", "--game", "tictactoe", "--seed", "-1"], "--seed"),
    (["train", "alphazero", "--game", "tictactoe", "--sims", "0"], "--sims"),
    (["train", "alphazero", "--game", "tictactoe", "--workers", "0"], "--workers"),
    (["train", "alphazero", "--game", "tictactoe", "--eval-every", "-1"], "--eval-every"),
    (["train", "alphazero", "--game", "chess"], "chess"),
    # upper bounds: a typo must not crash the machine or run for ever (found by the probe battery)
    (["train", "alphazero", "--game", "tictactoe", "--channels", "1000000"], "channels"),
    (["train", "alphazero", "--game", "tictactoe", "--workers", "100000"], "workers"),
    (["train", "alphazero", "--game", "tictactoe", "--sims", "1000000000000"], "n_sims"),
    (["train", "alphazero", "--game", "connect4", "--rows", "0"], "rows"),
    (lambda d: ["train", "alphazero", "--game", "tictactoe", "--out", str(d / "a-file" / "run")], "--out"),
    (lambda d: ["train", "alphazero", "--game", "tictactoe", "--out", str(d / "a-file")], "--out"),
    (["train", "alphazero", "--resume", "no-such-run"], "checkpoint"),
    (lambda d: ["train", "alphazero", "--resume", str(d / "bad-run")], "checkpoint.pt"),
    (["train", "bogus"], "bogus"),
    # train ppo
    (["train", "ppo", "--set", "lr=-1"], "lr"),
    (["train", "ppo", "--set", "lr=NaN"], "lr"),
    (["train", "ppo", "--set", "gamma=2"], "gamma"),
    (["train", "ppo", "--set", "ent_coef=-1"], "ent_coef"),
    (["train", "ppo", "--set", "target_kl=-1"], "target_kl"),
    (["train", "ppo", "--set", "reward_scale=0"], "reward_scale"),
    (["train", "ppo", "--set", "anneal_lr=3"], "anneal_lr"),
    (["train", "ppo", "--set", "hidden=3"], "hidden"),
    (["train", "ppo", "--set", "hidden=[1.5]"], "hidden"),
    (["train", "ppo", "--set", "num_envs=1.5"], "num_envs"),
    (["train", "ppo", "--set", "env_kwargs=3"], "env_kwargs"),
    (["train", "ppo", "--set", "bogus=1"], "bogus"),
    (["train", "ppo", "--preset", "nope"], "nope"),
    (["train", "ppo", "--set", "num_envs=10000000"], "num_envs"),
    (["train", "ppo", "--set", "hidden=[1000000]"], "hidden"),
    (["train", "ppo", "--env", "mathrl/GraphConstruction-v0", "--env-kwargs", '{"score": "wagner-2.1", "n": 100000}'],
     "max_obs_bytes"),
    (["train", "ppo", "--env", "mathrl/GraphConstruction-v0", "--env-kwargs", '{"n": 100000}'], "tabulated for n <= 40"),
    (["train", "ppo", "--env", "mathrl/GraphConstruction-v0", "--env-kwargs", '{"score": "wagner-2.1", "n": 10000}',
      "--set", "num_envs=64"],
     "GiB"),
    (["train", "ppo", "--steps", "0"], "total_steps"),
    (["train", "ppo", "--time-limit", "-1"], "--time-limit"),
    (["train", "ppo", "--seed", "-1"], "seed"),
    (["train", "ppo", "--env-kwargs", "[1]"], "--env-kwargs"),
    (["train", "ppo", "--env", "Nope-v0"], "Nope-v0"),
    (["train", "ppo", "--env", "mathrl/Buchberger-v0", "--env-kwargs", '{"k": 1000000}'], "max_obs_bytes"),
    (lambda d: ["train", "ppo", "--out", str(d / "a-file" / "run")], "--out"),
    (["train", "ppo", "--resume", "no-such-run"], "no PPO checkpoint"),
    (lambda d: ["train", "ppo", "--resume", str(d / "bad-ppo-run")], "config.json"),
    # play
    (["play", "chess"], "chess"),
    (["play", "tictactoe", "--agent", "no-such-agent.pt"], "no-such-agent.pt"),
    (lambda d: ["play", "tictactoe", "--agent", str(d / "a-file")], "a-file"),
    (["play", "tictactoe", "--sims", "-3"], "--sims"),
    (["play", "tictactoe", "--sims", "1000000000000"], "--sims"),
    (["bench", "games", "speed", "--threads", "100000"], "--threads"),
    (["bench", "games", "connect4", "--agent", "random", "--threads", "100000"], "--threads"),
    (["bench", "games", "connect4", "--agent", "random", "--sims", "1000000000000"], "--sims"),
    (["bench", "games", "curve", "no-such-run"], "metrics.jsonl"),
    (["bench", "search", "--seeds", "1000000000"], "--seeds"),
    (["bench", "search", "--out", "/proc/x"], "/proc"),
    (["bench", "cem", "hit-rate", "--sessions", "0"], "--sessions"),
    (["bench", "cem", "hit-rate", "--seconds", "nan"], "--seconds"),
    (["bench", "cem", "hit-rate", "--n", "0"], "--n"),
    (["bench", "cem", "hit-rate", "--seed", "-1"], "--seed"),
    (["bench", "cem", "train", "--n", "1"], "--n"),
    (["bench", "cem", "train", "--repeats", "0"], "--repeats"),
    (["bench", "cem", "train", "--preset", "nope"], "nope"),
    (["bench", "cem", "--skip-rate", "--skip-hits", "--out", "/proc/x"], "/proc"),
    ([], "command"),
    (["bench"], "benchmark"),
    (["train"], "agent"),
    (["play", "tictactoe", "--agent", "random", "--seed", "-1"], "--seed"),
    (["play", "connect4", "--agent", "random", "--rows", "0"], "rows"),
    # bench
    (["bench", "bogus"], "bogus"),
    (["bench", "buchberger", "--samples", "0"], "--samples"),
    (["bench", "buchberger", "--strategies", "best"], "best"),
    (["bench", "buchberger", "--ideals", "nope"], "nope"),
    (["bench", "semigroups", "--family", "all", "--n", "10"], "--force"),
    (["bench", "semigroups", "--family", "nilpotent", "--n", "7"], "--force"),
    (["bench", "semigroups", "--family", "all", "--n", "0"], "--n"),
    (["bench", "semigroups", "--sigma", "x"], "sigma"),
    (["bench", "buchberger", "--ideals", "cyclic-100"], "--force"),
    (["bench", "buchberger", "--ideals", "katsura-100"], "katsura-9"),
    (["bench", "buchberger", "--ideals", "cyclic-5", "--order", "lex"], "cyclic-4"),
    (["bench", "buchberger", "--ideals", "3-1000000000-10-weighted"], "--force"),
    (["bench", "buchberger", "--ideals", "3-20-50000-weighted"], "--force"),
    (["bench", "buchberger", "speed", "--ideals", "cyclic-100"], "--force"),
]


@pytest.fixture(scope="module")
def outside(tmp_path_factory):
    """Files the bad inputs point at, outside the working folder: a plain file, a corrupted AlphaZero run
    and a PPO run whose config.json is not JSON."""
    d = tmp_path_factory.mktemp("outside")
    (d / "a-file").write_bytes(b"not a torch file")
    (d / "bad-run").mkdir()
    (d / "bad-run" / "checkpoint.pt").write_bytes(b"\x80\x02garbage")
    (d / "bad-ppo-run").mkdir()
    (d / "bad-ppo-run" / "checkpoint.pt").write_bytes(b"garbage")
    (d / "bad-ppo-run" / "config.json").write_text("{not json")
    return d


def run_cli(capsys, argv) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors (usage + one error line, exit 2)
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("argv, word", CASES, ids=lambda v: " ".join(v)[:70] if isinstance(v, list) else None)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(capsys, tmp_path, monkeypatch, outside, argv, word):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    argv = argv(outside) if callable(argv) else argv
    before = snapshot(outside)
    code, out, err = run_cli(capsys, argv)
    lines = err.strip().splitlines()
    assert code == 2, (code, err)
    assert "Traceback" not in err and lines, err
    assert ERROR_LINE.match(lines[-1]), lines[-1]
    assert word in lines[-1], lines[-1]
    assert not lines[-1].rstrip().endswith(":"), lines[-1]  # a message, not an empty one
    if not err.startswith("usage:"):  # our own errors are exactly one line
        assert len(lines) == 1, err
    assert out == ""
    assert list(tmp_path.iterdir()) == []
    assert snapshot(outside) == before


def test_groebner_timeout_is_a_limit_exit_1(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cyclic5 = ("a+b+c+d+e, a*b+b*c+c*d+d*e+e*a, a*b*c+b*c*d+c*d*e+d*e*a+e*a*b, "
               "a*b*c*d+b*c*d*e+c*d*e*a+d*e*a*b+e*a*b*c, a*b*c*d*e-1")
    code, out, err = run_cli(capsys, ["groebner", cyclic5, "--modulus", "QQ", "--order", "lex", "--timeout", "0.5"])
    assert code == 1 and out == "" and "Traceback" not in err
    assert err.strip().count("\n") == 0 and "--timeout" in err
    code, out, _ = run_cli(capsys, ["groebner", "x*y - 1, x^2 - y", "--timeout", "30", "--json"])
    assert code == 0 and '"basis"' in out  # the timer is disarmed afterwards
    assert list(tmp_path.iterdir()) == []


def test_groebner_accepts_degrees_up_to_the_limit(capsys):
    from mathrl.envs.buchberger.parsing import MAX_DEGREE

    code, out, _ = run_cli(capsys, ["groebner", f"x^{MAX_DEGREE} - y, y^2 - x", "--json"])
    assert code == 0 and f"x**{MAX_DEGREE} - y" in out


def test_play_batch_refuses_bytes_that_are_not_text(capsys, monkeypatch):
    stdin = io.TextIOWrapper(io.BytesIO(b"1\n\xff\xfe\n"), encoding="utf-8", errors="strict")
    monkeypatch.setattr(sys, "stdin", stdin)
    code, out, err = run_cli(capsys, ["play", "tictactoe", "--agent", "random", "--batch"])
    assert code == 2 and out == "" and "not text" in err and "Traceback" not in err


def test_play_interactive_treats_bytes_that_are_not_text_as_a_bad_move(capsys, monkeypatch):
    stdin = io.TextIOWrapper(io.BytesIO(b"\xff\xfe\nq\n"), encoding="utf-8", errors="strict")
    monkeypatch.setattr(sys, "stdin", stdin)
    code, out, err = run_cli(capsys, ["play", "tictactoe", "--agent", "random"])
    assert code == 0 and "not text" in out and "Traceback" not in err


def test_play_end_of_input_quits(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code, out, err = run_cli(capsys, ["play", "tictactoe", "--agent", "random"])
    assert code == 0 and "Traceback" not in err


def test_buchberger_env_refuses_observations_over_the_cap():
    import gymnasium as gym

    from mathrl.envs.registration import register_all

    register_all()
    with pytest.raises(ValueError, match=r"GiB.*max_obs_bytes="):
        gym.make("mathrl/Buchberger-v0", k=10**6)
    with pytest.raises(ValueError, match="max_pairs=100000000"):
        gym.make("mathrl/Buchberger-v0", max_pairs=10**8)
    env = gym.make("mathrl/Buchberger-v0", k=10**5, max_pairs=4, max_obs_bytes=None, obs_mode="sequence")
    env.close()


def test_semigroup_families_refuse_orders_out_of_reach():
    from mathrl.envs.semigroups.families import IN_REACH, check_in_reach
    from mathrl.envs.semigroups.generic import enumerate_semigroups

    with pytest.raises(ValueError, match="force=True"):
        enumerate_semigroups(IN_REACH["all"] + 1)
    with pytest.raises(ValueError, match="OEIS A023814"):
        check_in_reach("all", 6)
    check_in_reach("all", 6, force=True)
    check_in_reach("nilpotent", IN_REACH["nilpotent"])


def test_a_search_too_big_for_this_machine_is_refused_before_anything_is_written(tmp_path, capsys, monkeypatch):
    from mathrl.cli import main

    monkeypatch.chdir(tmp_path)
    code = main(["search", "--score", "wagner-2.1", "--n", "1000", "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err[-1].startswith("mathrl: error:") and "GiB" in err[-1] and "--force" in err[-1]
    assert list(tmp_path.iterdir()) == []


def test_the_memory_estimate_bounds_what_a_small_search_really_uses():
    """The estimate is an upper bound that grows with the word length (checked against one measured run:
    n = 45, cem, one island: 609 MB peak RSS, estimate 802 MiB)."""
    from mathrl.agents.searchers import estimate_bytes, parse_agent
    from mathrl.scores import make

    config = parse_agent("cem")[2].but(islands=1)
    sizes = [estimate_bytes(config, make("wagner-2.1", n=n)) for n in (19, 45, 100)]
    assert sizes == sorted(sizes) and 400 * 2**20 < sizes[0] < 2**30 and sizes[2] > 10 * sizes[1] / 3


@pytest.mark.parametrize("flag", [["--game", "connect4"], ["--seed", "5"], ["--n", "5"]])
def test_alphazero_resume_refuses_flags_the_run_folder_fixes(tmp_path, capsys, flag):
    from mathrl.cli import main

    (tmp_path / "run").mkdir()
    code = main(["train", "alphazero", "--resume", str(tmp_path / "run"), *flag])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err[-1].startswith("mathrl: error:") and flag[0] in err[-1] and "--resume" in err[-1]


@pytest.mark.parametrize("flags", [["--blocks", "100", "--channels", "1024"], ["--workers", "250"]])
def test_alphazero_refuses_a_network_or_worker_count_beyond_memory(tmp_path, capsys, monkeypatch, flags):
    """The estimate (workers x 300 MB, weights with their Adam state, one batch's activations) against a
    machine of 16 GiB, so the refusal does not depend on the machine running the test."""
    from mathrl.agents.alphazero import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "_physical_memory", lambda: 16 * 2**30)
    code, out, err = run_cli(capsys, ["train", "alphazero", "--game", "tictactoe", *flags])
    assert code == 2 and "GiB" in err and err.count("\n") == 1 and list(tmp_path.iterdir()) == []
