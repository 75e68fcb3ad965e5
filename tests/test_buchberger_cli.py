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
