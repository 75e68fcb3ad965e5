"""Connect Four evaluation on Pascal Pons' test sets (docs/games.md).

The package ships three of Pons' benchmark files in ``data/connect4/``:

- ``Test_L3_R1``: end game, easy;
- ``Test_L2_R1``: middle game, easy;
- ``Test_L2_R2``: middle game, medium.

Each file comes with a precomputed table ``Test_Lx_Ry.moves`` holding the Pons score
``s(p, m)`` of every move. The data folder's README says how the tables were made and
checked. With the tables, evaluation needs no solver, no torch and no game core.

Conventions:

- Positions are Pons move strings: digits ``'1'..'7'``, where 1 is the leftmost column.
- Agent moves are **0-based** columns ``0..6``. :func:`pons_to_actions` converts a move
  string to that form.
- Scores are for the side to move. A win scores ``22 - s``, a loss ``s - 22`` and a draw 0,
  where ``s`` is the number of stones the winner has when the game ends.

Metrics, per set:

- ``exact``: fraction of positions with ``s(p, m) == score(p)``.
- ``wdl``: fraction of positions with ``sign(s(p, m)) == sign(score(p))``.
- ``wdl_nontrivial``: the same as ``wdl``, restricted to *non-trivial* positions. A position
  is non-trivial when some legal move changes the outcome sign compared with the best
  move. In a trivial position every move preserves the outcome.
- ``random``: the exact expected value of each metric for a uniformly random legal move.

An **invalid** move counts as wrong for every metric; it never raises. Invalid means a full
column, a column outside ``0..6``, or a value that is not an integer.
"""

from __future__ import annotations

import functools
import operator
import random
from dataclasses import dataclass
from importlib.resources import files
from typing import Callable, Iterable, Sequence

__all__ = [
    "TEST_SETS",
    "Position",
    "load_set",
    "sample_set",
    "pons_to_actions",
    "evaluate_moves",
    "random_floor",
    "evaluate",
    "format_report",
]

TEST_SETS: tuple[str, ...] = ("Test_L3_R1", "Test_L2_R1", "Test_L2_R2")
COLS = 7
ROWS = 6


def _sign(x: int) -> int:
    return (x > 0) - (x < 0)


@dataclass(frozen=True)
class Position:
    """One test position.

    Attributes:
        moves: the Pons move string (1-based columns).
        score: the exact score for the side to move.
        move_scores: ``s(p, m)`` for columns 0..6, or ``None`` where the column is full.
    """

    moves: str
    score: int
    move_scores: tuple[int | None, ...]

    @property
    def n_stones(self) -> int:
        return len(self.moves)

    @property
    def legal_moves(self) -> tuple[int, ...]:
        """0-based columns that are not full."""
        return tuple(m for m, s in enumerate(self.move_scores) if s is not None)

    @property
    def best_moves(self) -> tuple[int, ...]:
        """0-based columns whose move score equals the position score."""
        return tuple(m for m, s in enumerate(self.move_scores) if s == self.score)

    @property
    def nontrivial(self) -> bool:
        """True if some legal move changes the outcome sign compared with the best move."""
        target = _sign(self.score)
        return any(_sign(s) != target for s in self.move_scores if s is not None)

    @property
    def actions(self) -> list[int]:
        """The move string as 0-based actions from the empty board."""
        return pons_to_actions(self.moves)


def pons_to_actions(moves: str) -> list[int]:
    """Convert a Pons move string ('1'..'7', 1 = leftmost) to 0-based column actions."""
    out = []
    for ch in moves:
        if ch not in "1234567":
            raise ValueError(f"invalid Pons move character {ch!r} in {moves!r}")
        out.append(int(ch) - 1)
    return out


def _data_dir():
    return files("mathrl.envs.games") / "data" / "connect4"


@functools.lru_cache(maxsize=None)
def _load(name: str) -> tuple[Position, ...]:
    if name not in TEST_SETS:
        raise ValueError(f"unknown test set {name!r}; expected one of {TEST_SETS}")
    d = _data_dir()
    test_lines = (d / name).read_text(encoding="ascii").splitlines()
    table_lines = (d / f"{name}.moves").read_text(encoding="ascii").splitlines()
    if len(test_lines) != len(table_lines):
        raise ValueError(f"{name}: {len(test_lines)} positions but {len(table_lines)} table lines")
    out = []
    for i, (tl, ml) in enumerate(zip(test_lines, table_lines), start=1):
        moves, score_s = tl.split(" ")
        fields = ml.split(" ")
        if len(fields) != 1 + COLS or fields[0] != moves:
            raise ValueError(f"{name}.moves line {i} does not match the test file: {ml!r}")
        ms = tuple(None if f == "x" else int(f) for f in fields[1:])
        score = int(score_s)
        if max(s for s in ms if s is not None) != score:
            raise ValueError(f"{name} line {i}: max move score {ms} != file score {score}")
        out.append(Position(moves, score, ms))
    return tuple(out)


def load_set(name: str) -> list[Position]:
    """Load one test set with its move-score table.

    ``name`` must be one of :data:`TEST_SETS`. The positions keep the file's order.
    The table is checked on load: its moves must match the test file, and its maximum
    move score must equal the file score.
    """
    return list(_load(name))


def _as_move(m) -> int | None:
    try:
        m = operator.index(m)
    except TypeError:
        return None
    return m if 0 <= m < COLS else None


def evaluate_moves(positions: Sequence[Position], moves: Sequence) -> dict:
    """Score the agent's chosen moves (0-based columns) on ``positions``.

    Args:
        positions: the positions that were evaluated.
        moves: the chosen move for each position, in the same order.

    Returns:
        A dict with these keys:

        - ``n``, ``n_nontrivial``, ``n_invalid``: counts of positions.
        - ``n_exact``, ``n_wdl``, ``n_wdl_nontrivial``: counts of correct moves.
        - ``exact``, ``wdl``: fractions over all positions.
        - ``wdl_nontrivial``: fraction over the non-trivial positions.
        - ``trivial``: the fraction of trivial positions.

        A fraction is ``nan`` when its denominator is 0. An invalid move counts as
        wrong for every metric.
    """
    if len(positions) != len(moves):
        raise ValueError(f"{len(positions)} positions but {len(moves)} moves")
    n_exact = n_wdl = n_nt = n_wdl_nt = n_invalid = 0
    for p, m in zip(positions, moves):
        m = _as_move(m)
        s = None if m is None else p.move_scores[m]
        nt = p.nontrivial
        n_nt += nt
        if s is None:
            n_invalid += 1
            continue
        n_exact += s == p.score
        ok = _sign(s) == _sign(p.score)
        n_wdl += ok
        n_wdl_nt += ok and nt
    n = len(positions)
    return {
        "n": n,
        "n_nontrivial": n_nt,
        "n_invalid": n_invalid,
        "n_exact": n_exact,
        "n_wdl": n_wdl,
        "n_wdl_nontrivial": n_wdl_nt,
        "exact": _frac(n_exact, n),
        "wdl": _frac(n_wdl, n),
        "wdl_nontrivial": _frac(n_wdl_nt, n_nt),
        "trivial": _frac(n - n_nt, n),
    }


def _frac(a: float, b: int) -> float:
    return a / b if b else float("nan")


def random_floor(positions: Iterable[Position]) -> dict:
    """Exact expected metrics of a uniformly random legal mover.

    Returns a dict with ``exact``, ``wdl``, ``wdl_nontrivial`` and ``trivial``, with the
    same meanings as in :func:`evaluate_moves`, plus the counts ``n`` and ``n_nontrivial``.
    """
    exact = wdl = wdl_nt = 0.0
    n = n_nt = 0
    for p in positions:
        legal = [s for s in p.move_scores if s is not None]
        target = _sign(p.score)
        e = sum(s == p.score for s in legal) / len(legal)
        w = sum(_sign(s) == target for s in legal) / len(legal)
        n += 1
        exact += e
        wdl += w
        if w < 1.0:  # some legal move changes the outcome sign
            n_nt += 1
            wdl_nt += w
    return {
        "n": n,
        "n_nontrivial": n_nt,
        "exact": _frac(exact, n),
        "wdl": _frac(wdl, n),
        "wdl_nontrivial": _frac(wdl_nt, n_nt),
        "trivial": _frac(n - n_nt, n),
    }


def sample_set(name: str, limit: int | None = None, seed: int = 0) -> list[Position]:
    """Return ``limit`` positions of a set, or all of them if ``limit`` is None.

    The sample is reproducible: it depends only on ``(name, seed, limit)``, and it keeps
    the file's order.
    """
    pos = load_set(name)
    if limit is None or limit >= len(pos):
        return pos
    rng = random.Random(f"{name}:{seed}")
    idx = sorted(rng.sample(range(len(pos)), limit))
    return [pos[i] for i in idx]


def evaluate(
    choose: Callable[[list[str]], Sequence[int]],
    sets: Sequence[str] = TEST_SETS,
    limit: int | None = None,
    seed: int = 0,
) -> dict:
    """Evaluate an agent on Pons' test sets.

    Args:
        choose: called **once** with the list of Pons move strings for every selected
            position, all sets concatenated in ``sets`` order. It must return one 0-based
            column per string. Batching and chunking are up to the caller.
            :func:`pons_to_actions` turns a string into actions to replay on a game core.
        sets: the names of the sets to use, from :data:`TEST_SETS`.
        limit: if given, a reproducible sample of at most ``limit`` positions per set.
        seed: the seed for that sample.

    Returns:
        ``{set_name: metrics, ..., "pooled": metrics}``, where each ``metrics`` dict
        comes from :func:`evaluate_moves`, with the added key ``"random"`` holding the
        :func:`random_floor` of the same positions. "pooled" covers all positions of
        the chosen sets; its ``wdl_nontrivial`` covers all their non-trivial positions.
    """
    per_set = {name: sample_set(name, limit, seed) for name in sets}
    all_pos = [p for name in sets for p in per_set[name]]
    chosen = list(choose([p.moves for p in all_pos]))
    if len(chosen) != len(all_pos):
        raise ValueError(f"choose returned {len(chosen)} moves for {len(all_pos)} positions")
    out: dict = {}
    i = 0
    for name in sets:
        k = len(per_set[name])
        r = evaluate_moves(per_set[name], chosen[i : i + k])
        r["random"] = random_floor(per_set[name])
        out[name] = r
        i += k
    pooled = evaluate_moves(all_pos, chosen)
    pooled["random"] = random_floor(all_pos)
    out["pooled"] = pooled
    return out


def format_report(result: dict) -> str:
    """Format the output of :func:`evaluate` as a plain-text table, with random floors in brackets."""
    hdr = f"{'set':<12} {'n':>5} {'exact %':>15} {'WDL %':>15} {'WDL non-triv %':>17} {'n_nt':>5} {'inv':>4}"
    lines = [hdr]
    for name, r in result.items():
        f = r["random"]
        lines.append(
            f"{name:<12} {r['n']:>5} "
            f"{100 * r['exact']:>6.1f} ({100 * f['exact']:>5.1f}) "
            f"{100 * r['wdl']:>6.1f} ({100 * f['wdl']:>5.1f}) "
            f"{100 * r['wdl_nontrivial']:>8.1f} ({100 * f['wdl_nontrivial']:>5.1f}) "
            f"{r['n_nontrivial']:>5} {r['n_invalid']:>4}"
        )
    return "\n".join(lines)
