"""``mathrl groebner`` and ``mathrl bench buchberger``: output formats, sympy agreement, exit codes."""

from __future__ import annotations

import json

import pytest
import sympy

from mathrl.cli import main


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("order", ["grevlex", "lex"])
@pytest.mark.parametrize("modulus", ["32003", "QQ"])
def test_groebner_json_equals_sympy(capsys, order, modulus):
    text = "x^2*y - z, x*z^2 - y + 1, y^2 - x*z"
    code, out, _ = run_cli(capsys, "groebner", text, "--vars", "x,y,z", "--order", order, "--modulus", modulus, "--strategy", "normal",
                           "--json")
    assert code == 0
    result = json.loads(out)
    assert {"basis", "additions", "pairs", "zero_reductions"} <= result.keys()
    assert result["additions"] >= result["pairs"] >= 1
    x, y, z = sympy.symbols("x y z")
    kwargs = {} if modulus == "QQ" else {"modulus": int(modulus)}
    G = sympy.groebner([x**2 * y - z, x * z**2 - y + 1, y**2 - x * z], x, y, z, order=order, **kwargs)

    def monic(e):
        P = sympy.Poly(e, x, y, z, **kwargs)
        return P.monic() if modulus == "QQ" else P.monic()

    ours = {monic(sympy.sympify(g)).as_expr() for g in result["basis"]}
    theirs = {monic(g).as_expr() for g in G.exprs}
    assert ours == theirs


def test_groebner_text_output(capsys):
    code, out, _ = run_cli(capsys, "groebner", "x*y - 1, x^2 - y")
    assert code == 0 and "reduced Groebner basis (3 elements" in out and "polynomial additions" in out


@pytest.mark.parametrize("argv, words", [
    (["groebner", "x*y - , x"], "parse"),
    (["groebner", "x*y - 1", "--vars", "x"], "unknown variable"),
    (["groebner", "x - 1", "--modulus", "32004"], "not prime"),
    (["groebner", "x - 1", "--strategy", "nope"], "unknown strategy"),
    (["groebner", "sin(x) - 1"], "sin"),
    (["groebner", "x^-1 - y"], "x^-1"),
    (["bench", "buchberger", "--ideals", "3-20-10-wieghted", "--samples", "3"], "wieghted"),
    (["bench", "buchberger", "--strategies", "degree,nope", "--samples", "3"], "nope"),
    (["bench", "buchberger", "--strategies", "agent:model.pt", "--samples", "3"], "agent"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, words):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert err.startswith("mathrl: error:") and err.count("\n") == 1 and words in err


def test_bench_json_and_plot(capsys, tmp_path):
    png = tmp_path / "bench.png"
    code, out, _ = run_cli(capsys, "bench", "buchberger", "--ideals", "3-10-10-weighted", "--samples", "60",
                           "--seed", "3", "--strategies", "first,degree,normal,sugar,random,last", "--json",
                           "--plot", str(png), "--workers", "1", "--quiet")
    assert code == 0
    result = json.loads(out)
    assert result["ideals"] == "3-10-10-weighted" and result["samples"] == 60
    cells = result["strategies"]
    assert list(cells) == ["first", "degree", "normal", "sugar", "random", "last"]
    for name, c in cells.items():
        assert c["std"] > 0 and c["stderr"] == pytest.approx(c["std"] / 60**0.5)
        assert ("reference" in c) == (name != "last")
    assert cells["degree"]["mean"] < min(cells["first"]["mean"], cells["random"]["mean"])
    assert png.stat().st_size > 10_000
    # the same seed gives the same numbers, whatever the number of workers
    code, out2, _ = run_cli(capsys, "bench", "buchberger", "--ideals", "3-10-10-weighted", "--samples", "60",
                            "--seed", "3", "--strategies", "first,degree,normal,sugar,random,last", "--json",
                            "--workers", "2", "--quiet")
    again = json.loads(out2)["strategies"]
    assert all(again[k]["mean"] == cells[k]["mean"] for k in cells)


# ---- bad numbers, characters and --vars in groebner ------------------------------------------
@pytest.mark.parametrize("text, words", [
    ("nan*x - y", "'nan' is not a finite number"),
    ("NaN*x - y", "'NaN' is not a finite number"),
    ("x - inf*y", "'inf' is not a finite number"),
    ("Infinity + x", "'Infinity' is not a finite number"),
    ("x² - y", "unexpected character '²' (U+00B2 SUPERSCRIPT TWO"),
    ("ｘ*y - 1", "unexpected character 'ｘ'"),
    ("x\u00a0- y", "U+00A0 NO-BREAK SPACE"),
    ("0.5*x - y", "the number '0.5' is not an integer"),
    ("1e3*x - y", "here 1000"),
    ("x^1.5 - y", "here 3/2"),
    ("1e1000000000*x - y", "'1e1000000000' is not an integer"),
    ("1" * 40_000 + "*x - y", "MAX_CONSTANT_BITS"),
])
def test_groebner_refuses_non_finite_decimal_and_non_ascii_input(capsys, text, words):
    code, out, err = run_cli(capsys, "groebner", text)
    assert code == 2 and out == ""
    assert err.startswith("mathrl: error:") and err.count("\n") == 1 and words in err, err
    assert len(err) < 400  # the input is quoted shortened, not whole


def test_groebner_keeps_exact_fractions_and_oo_as_a_variable(capsys):
    code, out, _ = run_cli(capsys, "groebner", "1/2*x - 3/10*y", "--modulus", "QQ", "--json")
    assert code == 0 and json.loads(out)["basis"] == ["x - 3/5*y"]
    code, out, _ = run_cli(capsys, "groebner", "oo*x - 1", "--json")  # sympy's infinity stays a plain name
    assert code == 0 and "oo" in json.loads(out)["variables"]


def test_groebner_prints_coefficients_beyond_pythons_digit_limit(capsys):
    import sys

    limit = sys.get_int_max_str_digits()
    big = "1" * 5000  # over 4300 digits: int() and str() refuse it by default
    code, out, err = run_cli(capsys, "groebner", f"2^15000*x - y, {big}*y - x*z", "--vars", "x,y,z",
                             "--modulus", "QQ", "--json")
    assert code == 0, err
    assert any(len(g) > 4300 for g in json.loads(out)["basis"])
    assert sys.get_int_max_str_digits() == limit  # restored


def test_sympy_non_finite_coefficients_are_refused():
    from mathrl.envs.buchberger.parsing import parse_ideal

    x, y = sympy.symbols("x y")
    for item in (sympy.nan * x - y, sympy.oo * x - y, sympy.zoo * x, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="not a finite number"):
            parse_ideal([item], gens=[x, y])


@pytest.mark.parametrize("value, words", [
    ("", "--vars is empty"), ("  ", "--vars is empty"), ("x,,y", "stray comma"), (",x,y", "stray comma"),
    ("x,y²", "'y²' is not a variable name"), ("x,nan", "'nan' is not a variable name"),
    ("x", "unknown variable 'y'"), ("x,z", "unknown variable 'y'"),
])
def test_groebner_vars_empty_malformed_or_missing_a_variable(capsys, value, words):
    code, out, err = run_cli(capsys, "groebner", "x*y - 1, x^2 - y", "--vars", value)
    assert code == 2 and out == "" and err.startswith("mathrl: error:") and words in err, err


@pytest.mark.parametrize("value", ["y,x", "y x", " y , x ", "y,x,z"])
def test_groebner_vars_separators_and_extra_variables(capsys, value):
    code, out, _ = run_cli(capsys, "groebner", "x*y - 1, x^2 - y", "--vars", value, "--json")
    assert code == 0 and json.loads(out)["variables"][:2] == ["y", "x"]


# ---- bench buchberger: what is in reach, and what a comparison may claim ----------------------
def test_named_families_out_of_reach_are_refused_unless_forced():
    from mathrl.benchmarks.buchberger import IN_REACH, BenchError, check_in_reach

    for (family, order, elimination), n in IN_REACH.items():
        check_in_reach(f"{family}-{n}", order, elimination)
        with pytest.raises(BenchError, match=rf"largest {family}-n in reach .* is {family}-{n} .*--force"):
            check_in_reach(f"{family}-{n + 1}", order, elimination)
        check_in_reach(f"{family}-{n + 1}", order, elimination, force=True)
    assert IN_REACH["cyclic", "grevlex", "gebauermoeller"] >= IN_REACH["cyclic", "lex", "gebauermoeller"]
    check_in_reach("cyclic-100000", force=True)
    with pytest.raises(BenchError, match="'nonsense-4'"):  # malformed, even with --force
        check_in_reach("nonsense-4", force=True)


def test_random_families_out_of_reach_are_refused_unless_forced():
    from mathrl.benchmarks.buchberger import MAX_RANDOM, BenchError, check_in_reach

    check_in_reach(f"3-{MAX_RANDOM['d']}-10-weighted")
    check_in_reach(f"3-20-{MAX_RANDOM['s']}-1-uniform-homog")
    with pytest.raises(BenchError, match="d = .* --force"):
        check_in_reach(f"3-{MAX_RANDOM['d'] + 1}-10-weighted")
    with pytest.raises(BenchError, match="s = .* --force"):
        check_in_reach(f"3-20-{MAX_RANDOM['s'] + 1}-weighted")
    check_in_reach(f"3-{MAX_RANDOM['d'] + 1}-10-weighted", force=True)


@pytest.mark.parametrize("samples", ["1", "2"])
def test_bench_with_too_few_samples_claims_no_pass(capsys, samples):
    argv = ["bench", "buchberger", "--ideals", "3-10-10-weighted", "--samples", samples, "--strategies",
            "degree,last", "--workers", "1", "--quiet"]
    code, out, _ = run_cli(capsys, *argv, "--json")
    assert code == 0
    result = json.loads(out)
    degree, last = result["strategies"]["degree"], result["strategies"]["last"]
    assert degree["verdict"] == "too few samples" and "pass" not in degree and "z" in degree
    assert last["verdict"] == "no reference" and "pass" not in last
    assert "too few samples to judge" in result["judgement"]
    code, out, _ = run_cli(capsys, *argv)
    rows = {line.split()[0]: line for line in out.splitlines()[2:4]}
    assert rows["degree"].endswith("too few samples") and rows["last"].endswith("no reference")
    assert " yes" not in out and "too few samples to judge" in out


@pytest.mark.parametrize("ideals, extra, why", [
    ("3-5-4-weighted", [], "no numbers for 3-5-4-weighted"),
    ("cyclic-4", [], "no numbers for cyclic-4"),
    ("3-10-10-weighted", ["--order", "lex"], "numbers are for --order grevlex"),
    ("3-10-10-weighted", ["--elimination", "lcm"], "numbers are for --order grevlex"),
])
def test_bench_without_a_reference_says_so(capsys, ideals, extra, why):
    code, out, _ = run_cli(capsys, "bench", "buchberger", "--ideals", ideals, "--samples", "2", "--strategies",
                           "normal", "--workers", "1", "--quiet", *extra)
    assert code == 0
    row = out.splitlines()[2]
    assert row.split()[0] == "normal" and row.endswith("no reference") and " yes" not in out
    assert f"no reference: the paper's {why}" in out or f"no reference: the paper has {why}" in out


def test_summarise_judges_only_with_enough_samples():
    import numpy as np

    from mathrl.benchmarks.buchberger import MIN_JUDGED_SAMPLES, REFERENCE, summarise

    mean, sd = REFERENCE["3-20-10-weighted"]["degree"]
    rng = np.random.default_rng(0)
    close = np.round(rng.normal(mean, sd, (1, 400))).astype(np.int64)
    far = close + int(sd)  # one reference standard deviation off
    assert summarise("3-20-10-weighted", ["degree"], close)["degree"]["verdict"] == "pass"
    assert summarise("3-20-10-weighted", ["degree"], far)["degree"]["verdict"] == "FAIL"
    few = far[:, :MIN_JUDGED_SAMPLES - 1]
    cell = summarise("3-20-10-weighted", ["degree"], few)["degree"]
    assert cell["verdict"] == "too few samples" and "pass" not in cell
    cell = summarise("3-20-10-weighted", ["degree"], close, settings={"order": "lex"})["degree"]
    assert cell["verdict"] == "no reference" and "reference" not in cell


def test_baselines_with_too_few_samples_is_not_judged(capsys, tmp_path, monkeypatch):
    from mathrl.benchmarks import buchberger as bench

    monkeypatch.setattr(bench, "REFERENCE", {"3-10-10-weighted": bench.REFERENCE["3-10-10-weighted"]})
    monkeypatch.setattr(bench, "plot", lambda *a, **k: None)
    code, out, _ = run_cli(capsys, "bench", "buchberger", "baselines", "--samples", "2", "--workers", "1",
                           "--quiet", "--out", str(tmp_path / "b"), "--json")
    summary = json.loads(out)
    assert code == 1 and summary["all_pass"] is False and summary["judged"] is False
    cells = summary["distributions"]["3-10-10-weighted"]["strategies"].values()
    assert all(c["verdict"] == "too few samples" for c in cells)
    code, out, _ = run_cli(capsys, "bench", "buchberger", "baselines", "--samples", "2", "--workers", "1",
                           "--quiet", "--out", str(tmp_path / "c"))
    assert code == 1 and "not judged" in out and "no pass is claimed" in out


def test_bench_checkpoint_resumes_with_the_numbers_of_one_run(capsys, tmp_path):
    """--checkpoint: every finished chunk is saved; a rerun skips them and gives the uninterrupted numbers;
    a checkpoint of other settings or a damaged one is one line and exit 2, and is left as it was."""
    args = ["bench", "buchberger", "--ideals", "3-10-10-weighted", "--samples", "60", "--seed", "5",
            "--strategies", "degree,normal,random", "--json", "--workers", "1", "--quiet"]
    code, out, _ = run_cli(capsys, *args)
    assert code == 0
    whole = json.loads(out)["strategies"]
    ck = tmp_path / "bench.ckpt.json"
    code, out, _ = run_cli(capsys, *args, "--checkpoint", str(ck))
    assert code == 0
    first = json.loads(out)
    assert first["checkpoint"] == {"file": str(ck), "chunks_resumed": 0, "chunks": 4}
    saved = json.loads(ck.read_text())
    assert sorted(int(k) for k in saved["chunks"]) == [0, 15, 30, 45]
    # as if killed after two chunks: the rerun computes the other two, and the numbers are the same
    saved["chunks"] = {k: v for k, v in saved["chunks"].items() if k in ("0", "30")}
    ck.write_text(json.dumps(saved))
    code, out, _ = run_cli(capsys, *args, "--checkpoint", str(ck))
    assert code == 0
    resumed = json.loads(out)
    assert resumed["checkpoint"]["chunks_resumed"] == 2
    for name in whole:
        for key in ("mean", "std", "median", "min", "max", "mean_pairs"):
            assert resumed["strategies"][name][key] == first["strategies"][name][key] == whole[name][key]
    # other settings, or a damaged file: one line, exit 2, the file untouched
    before = ck.read_text()
    for extra, words in ((["--seed", "6"], "other settings (seed"), (["--strategies", "degree"], "other settings")):
        argv = [a for a in args]
        i = argv.index(extra[0])
        argv[i + 1] = extra[1]
        code, out, err = run_cli(capsys, *argv, "--checkpoint", str(ck))
        assert code == 2 and words in err and len(err.strip().splitlines()) == 1
        assert ck.read_text() == before
    bad = json.loads(before)
    bad["chunks"]["0"]["costs"][0][3] = -1
    ck.write_text(json.dumps(bad))
    code, _, err = run_cli(capsys, *args, "--checkpoint", str(ck))
    assert code == 2 and "damaged chunk '0'" in err
    ck.write_text("{not json")
    code, _, err = run_cli(capsys, *args, "--checkpoint", str(ck))
    assert code == 2 and "not a readable checkpoint" in err
    code, _, err = run_cli(capsys, *args, "--checkpoint", str(ck), "--out", str(ck))
    assert code == 2 and "a file of its own" in err and ck.read_text() == "{not json"


def test_bench_checkpoint_fingerprints_agent_files():
    import hashlib

    from mathrl.agents.alphazero.problem_agent import pretrained_path
    from mathrl.benchmarks.buchberger import agent_fingerprints

    want = hashlib.sha256(pretrained_path("buchberger").read_bytes()).hexdigest()
    from mathrl.agents.ppo.agent import resolve_path

    ppo = hashlib.sha256(resolve_path("pretrained").read_bytes()).hexdigest()
    got = agent_fingerprints(["degree", "agent:alphazero:sims=8", "agent:alphazero", "agent:pretrained:sample",
                              "agent:no/such/run"])
    assert got == {"agent:alphazero:sims=8": want, "agent:alphazero": want, "agent:pretrained:sample": ppo,
                   "agent:no/such/run": None}
    assert want != ppo
