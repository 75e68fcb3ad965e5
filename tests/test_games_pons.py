"""Pons test sets and their derived move-score tables (docs/games.md)."""

import hashlib
import math
import random
import re
from importlib.resources import files

import pytest

from mathrl.envs.games import pons

DATA = files("mathrl.envs.games") / "data" / "connect4"

WDL_COUNTS = {  # win / draw / loss for the side to move (data README)
    "Test_L3_R1": (327, 432, 241),
    "Test_L2_R1": (548, 12, 440),
    "Test_L2_R2": (447, 170, 383),
}
RANDOM_FLOORS = {  # random mover: WDL %, exact %, trivial positions % (docs/games.md)
    "Test_L3_R1": (68.9, 51.5, 50.3),
    "Test_L2_R1": (71.4, 23.9, 54.5),
    "Test_L2_R2": (57.9, 24.5, 41.9),
}


def _readme_table():
    """{file name: (lines, bytes, md5)} read from the data README's tables."""
    text = (DATA / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (Test_L\d_R\d(?:\.moves)?) \| (\d+) \| ([\d,]+) \| ([0-9a-f]{32}) \|$", text, re.M)
    return {name: (int(lines), int(nbytes.replace(",", "")), md5) for name, lines, nbytes, md5 in rows}


def test_files_match_readme_md5():
    table = _readme_table()
    expected = set(pons.TEST_SETS) | {f"{n}.moves" for n in pons.TEST_SETS}
    assert set(table) == expected
    for name, (lines, nbytes, md5) in table.items():
        data = (DATA / name).read_bytes()
        assert hashlib.md5(data).hexdigest() == md5, name
        assert len(data) == nbytes, name
        assert data.count(b"\n") == lines and data.endswith(b"\n") and b"\r" not in data, name
    lic = (DATA / "LICENSE.AlphaZero.jl").read_text(encoding="utf-8")
    assert lic.startswith("Copyright (c) 2019 Jonathan Laurent") and "Permission is hereby granted" in lic


@pytest.mark.parametrize("name", pons.TEST_SETS)
def test_table_consistent_with_file(name):
    raw = (DATA / name).read_text(encoding="ascii").splitlines()
    positions = pons.load_set(name)
    assert len(positions) == len(raw) == 1000
    for line, p in zip(raw, positions):
        moves, score = line.split(" ")
        assert p.moves == moves and p.score == int(score)
        assert len(p.move_scores) == 7
        assert max(s for s in p.move_scores if s is not None) == p.score
        assert p.best_moves and set(p.best_moves) <= set(p.legal_moves)
    w = sum(p.score > 0 for p in positions)
    d = sum(p.score == 0 for p in positions)
    l_ = sum(p.score < 0 for p in positions)
    assert (w, d, l_) == WDL_COUNTS[name]


# --- independent tiny board simulation (no shared code with the package) ---


def _drop_all(moves):
    """Replay a Pons string on a 6x7 grid; grid[r][c] with r = 0 the bottom row; returns grid, heights."""
    grid = [[0] * 7 for _ in range(6)]
    h = [0] * 7
    for i, ch in enumerate(moves):
        c = int(ch) - 1
        assert h[c] < 6
        grid[h[c]][c] = 1 + i % 2
        h[c] += 1
    return grid, h


def _four_through(grid, r, c):
    who = grid[r][c]
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        run = 1
        for sgn in (1, -1):
            rr, cc = r + sgn * dr, c + sgn * dc
            while 0 <= rr < 6 and 0 <= cc < 7 and grid[rr][cc] == who:
                run += 1
                rr, cc = rr + sgn * dr, cc + sgn * dc
        if run >= 4:
            return True
    return False


def _has_four(grid):
    return any(grid[r][c] and _four_through(grid, r, c) for r in range(6) for c in range(7))


def test_board_simulation_sanity():
    assert _has_four(_drop_all("1212121")[0])  # vertical
    assert _has_four(_drop_all("1122334")[0])  # horizontal
    assert _has_four(_drop_all("12233434474")[0])  # diagonal
    assert not _has_four(_drop_all("121212")[0])


def _wins_at_once(grid, h, c, who):
    r = h[c]
    grid[r][c] = who
    wins = _four_through(grid, r, c)
    grid[r][c] = 0
    return wins


@pytest.mark.parametrize("name", pons.TEST_SETS)
def test_immediate_wins_and_full_columns(name):
    """Check the table's extreme scores against a separate board simulation.

    Pons' sets contain no position where the side to move can win at once. So the
    immediate-win rule is checked in both directions:

    - the mover never wins at once, and no entry equals ``(43 - n) // 2``;
    - the opponent can win at once after ``m`` iff ``s(p, m) == -((42 - n) // 2)``.
      This is the immediate-win score of the child, which has ``n + 1`` stones, negated.

    A win that comes later always scores strictly less, so both directions hold.
    """
    positions = pons.load_set(name)
    sample = random.Random(name).sample(positions, 300)
    n_reply_wins = 0
    for p in sample:
        grid, h = _drop_all(p.moves)
        assert not _has_four(grid)
        n = len(p.moves)
        mover, other = 1 + n % 2, 2 - n % 2
        for c in range(7):
            s = p.move_scores[c]
            if h[c] == 6:
                assert s is None
                continue
            assert s is not None
            assert not _wins_at_once(grid, h, c, mover)
            assert s != (43 - n) // 2
            if n + 1 == 42:  # fills the board without a win
                assert s == 0
                continue
            grid[h[c]][c] = mover
            h[c] += 1
            reply_wins = any(h[d] < 6 and _wins_at_once(grid, h, d, other) for d in range(7))
            h[c] -= 1
            grid[h[c]][c] = 0
            assert reply_wins == (s == -((42 - n) // 2)), (p.moves, c, s)
            n_reply_wins += reply_wins
    assert n_reply_wins > 0


@pytest.mark.parametrize("name", pons.TEST_SETS)
def test_random_floor_matches_spec(name):
    f = pons.random_floor(pons.load_set(name))
    wdl, exact, trivial = RANDOM_FLOORS[name]
    assert round(100 * f["wdl"], 1) == wdl
    assert round(100 * f["exact"], 1) == exact
    assert round(100 * f["trivial"], 1) == trivial
    assert f["n"] == 1000 and f["n_nontrivial"] == round(10 * (100 - trivial))
    assert 0 < f["wdl_nontrivial"] < f["wdl"]


def _pick(best_or_worst):
    """A chooser playing, in every test position, the move with the highest (max) or lowest (min) exact score."""
    def choose(moves):
        return [best_or_worst(_BY_MOVES[m].legal_moves, key=_BY_MOVES[m].move_scores.__getitem__) for m in moves]
    return choose


_argmax, _argmin = _pick(max), _pick(min)


_BY_MOVES = {p.moves: p for name in pons.TEST_SETS for p in pons.load_set(name)}


def test_perfect_and_worst_choosers():
    best = pons.evaluate(_argmax)
    assert set(best) == set(pons.TEST_SETS) | {"pooled"}
    for r in best.values():
        assert r["exact"] == r["wdl"] == r["wdl_nontrivial"] == 1.0
        assert r["n_invalid"] == 0
    assert best["pooled"]["n"] == 3000
    assert best["pooled"]["n_nontrivial"] == sum(best[n]["n_nontrivial"] for n in pons.TEST_SETS)

    worst = pons.evaluate(_argmin)
    for r in worst.values():
        assert r["wdl_nontrivial"] == 0.0 and r["n_wdl_nontrivial"] == 0
        # on trivial positions every move keeps the outcome
        assert r["n_wdl"] == r["n"] - r["n_nontrivial"]
    # pooled random floor is the position-weighted mean of the per-set floors
    pooled = worst["pooled"]["random"]
    assert math.isclose(pooled["exact"], sum(worst[n]["random"]["exact"] for n in pons.TEST_SETS) / 3)


def test_invalid_moves_count_as_wrong():
    positions = pons.load_set("Test_L3_R1")[:50]
    full = [p for p in positions if None in p.move_scores]
    assert full
    moves = [p.move_scores.index(None) for p in full]
    r = pons.evaluate_moves(full, moves)
    assert r["n_invalid"] == len(full) and r["exact"] == r["wdl"] == 0.0
    bad = [-1, 7, None, "3", 2.0]
    r = pons.evaluate_moves(positions[: len(bad)], bad)
    assert r["n_invalid"] == len(bad) and r["n_exact"] == r["n_wdl"] == 0
    with pytest.raises(ValueError):
        pons.evaluate_moves(positions, [0])
    with pytest.raises(ValueError):
        pons.evaluate(lambda ms: [], limit=3)


def test_limit_is_reproducible_and_sorted():
    seen = []

    def rec(ms):
        seen.append(list(ms))
        return [0] * len(ms)

    a = pons.evaluate(rec, limit=20, seed=1)
    pons.evaluate(rec, limit=20, seed=1)
    pons.evaluate(rec, limit=20, seed=2)
    assert seen[0] == seen[1] != seen[2]
    assert len(seen[0]) == 60 and a["pooled"]["n"] == 60
    order = {p.moves: i for i, p in enumerate(pons.load_set("Test_L3_R1"))}
    idx = [order[m] for m in seen[0][:20]]
    assert idx == sorted(idx)
    r = pons.evaluate(rec, sets=("Test_L2_R2",), limit=5)
    assert set(r) == {"Test_L2_R2", "pooled"}
    assert "Test_L2_R2" in pons.format_report(r)


def test_pons_to_actions():
    assert pons.pons_to_actions("4455") == [3, 3, 4, 4]
    assert pons.load_set("Test_L3_R1")[0].actions[:3] == [1, 1, 4]
    with pytest.raises(ValueError):
        pons.pons_to_actions("408")
    with pytest.raises(ValueError):
        pons.load_set("Test_L1_R1")


def test_no_solver_dependency():
    """bitbully (AGPL) was a development-only oracle; no package module may import it."""
    import pathlib

    root = pathlib.Path(pons.__file__).resolve().parents[3]  # the directory holding mathrl/
    pat = re.compile(r"^\s*(import|from)\s+bitbully", re.M)
    for f in (root / "mathrl").rglob("*.py"):
        assert not pat.search(f.read_text(encoding="utf-8")), f
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        assert "bitbully" not in pyproject.read_text(encoding="utf-8")
