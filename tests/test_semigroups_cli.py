"""``mathrl bench semigroups`` and ``mathrl enumerate semigroups``: formats, OEIS counts, exit codes."""

from __future__ import annotations

import json

import pytest

from mathrl.cli import main


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_bench_json_reproduces_benchmark_counts(capsys):
    code, out, _ = run_cli(capsys, "bench", "semigroups", "--family", "simpson", "--a", "3", "--b", "2",
                           "--sigma", "0-12", "--strategies", "benchmark,paper,lex,mindomain,random", "--json")
    assert code == 0
    result = json.loads(out)
    cells = result["strategies"]
    assert list(cells) == ["benchmark", "paper", "lex", "mindomain", "random"]
    assert (cells["benchmark"]["nodes"], cells["benchmark"]["done"]) == (242, 120)
    assert all(c["done"] == 120 for c in cells.values())  # the done leaves do not depend on the policy, through the CLI
    assert all({"nodes", "done", "impossible", "seconds"} <= c.keys() for c in cells.values())


def test_bench_minimum_on_one_instance(capsys):
    code, out, _ = run_cli(capsys, "bench", "semigroups", "--a", "3", "--b", "2", "--sigma", "4",
                           "--strategies", "benchmark,minimum", "--json")
    cells = json.loads(out)["strategies"]
    assert code == 0 and cells["benchmark"]["nodes"] == 25 and cells["minimum"]["nodes"] == 11


@pytest.mark.parametrize("argv, expected", [
    (["--n", "3"], {"labeled": 113, "iso": 24, "iso_anti": 18}),
    (["--n", "4"], {"labeled": 3492, "iso": 188, "iso_anti": 126}),
    (["--n", "5", "--nilpotent", "--degree", "3"], {"labeled": 11720, "iso": 118, "iso_anti": 84}),
])
def test_enumerate_matches_oeis(capsys, argv, expected):
    code, out, _ = run_cli(capsys, "enumerate", "semigroups", *argv, "--json")
    assert code == 0
    result = json.loads(out)
    assert {k: result[k] for k in expected} == expected


@pytest.mark.parametrize("argv, words", [
    (["bench", "semigroups", "--sigma", "13"], "sigma"),
    (["bench", "semigroups", "--sigma", "x"], "sigma"),
    (["bench", "semigroups", "--a", "-1"], "--a"),
    (["bench", "semigroups", "--strategies", "best"], "best"),
    (["enumerate", "semigroups", "--n", "-2"], "--n"),
    (["enumerate", "semigroups", "--n", "3", "--degree", "2"], "--degree"),
    (["enumerate", "groups", "--n", "3"], "groups"),
])
def test_bad_parameters_exit_2(capsys, argv, words):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and err.startswith("mathrl: error:") and err.count("\n") == 1 and words in err
