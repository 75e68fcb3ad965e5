"""Connect Four: rules against perft and a naive grid, the mirror symmetry, the observation layout,
Pons move strings, and the solvers against known game values, a naive negamax and Pons' test set."""

from __future__ import annotations

import random
from importlib import resources

import numpy as np
import pytest

from mathrl.core import TERMINAL_PLAYER, IllegalActionError
from mathrl.envs.games import solvers
from mathrl.envs.games.connect4 import ConnectFour

GAME = ConnectFour()


def random_states(game, n, seed, stones=None):
    """``n`` reachable states from seeded random playouts: of random length, or non-terminal with ``stones`` stones."""
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        state = game.new_initial_state()
        target = rng.randrange(game.max_game_length + 1) if stones is None else stones
        while len(state.history()) < target and not state.is_terminal():
            state.apply(rng.choice(state.legal_actions()))
        if stones is None or (len(state.history()) == stones and not state.is_terminal()):
            out.append(state)
    return out


def naive_grid(game, actions):
    """The board after ``actions`` by dropping stones by hand: (rows, cols) with row 0 on top, 0/1 = player, -1 empty."""
    grid = np.full((game.rows, game.cols), -1)
    for ply, col in enumerate(actions):
        row = max(r for r in range(game.rows) if grid[r, col] == -1)
        grid[row, col] = ply % 2
    return grid


def naive_four(grid, player):
    rows, cols = grid.shape
    for r in range(rows):
        for c in range(cols):
            for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
                cells = [(r + i * dr, c + i * dc) for i in range(4)]
                if all(0 <= y < rows and 0 <= x < cols and grid[y, x] == player for y, x in cells):
                    return True
    return False


# ---- rules -----------------------------------------------------------------

def perft_counts(game, depth):
    """Number of action sequences of each length 1..depth; terminal states are not expanded."""
    counts = [0] * (depth + 1)

    def walk(state, d):
        legal = state.legal_actions()
        counts[d + 1] += len(legal)
        if d + 1 < depth:
            for a in legal:
                walk(state.child(a), d + 1)

    walk(game.new_initial_state(), 0)
    return counts[1:]


def test_perft():
    # Counting the last ply's legal moves instead of playing them makes depth 7 cheap (~0.6 s).
    assert perft_counts(GAME, 7) == [7, 49, 343, 2401, 16807, 117649, 823536]


def test_board_size_validation():
    assert ConnectFour(4, 9).observation_shape == (2, 4, 9)
    assert ConnectFour(np.int64(5), 4).rows == 5
    for rows, cols in ((3, 7), (6, 3), (0, 0), (6.0, 7), (True, 7), ("6", 7)):
        with pytest.raises(ValueError, match="must be an integer >= 4"):
            ConnectFour(rows, cols)
    assert ConnectFour() == ConnectFour(6, 7) != ConnectFour(7, 6)
    assert hash(ConnectFour()) == hash(ConnectFour(6, 7))
    assert repr(ConnectFour(5, 4)) == "ConnectFour(rows=5, cols=4)"
    assert (GAME.num_actions, GAME.max_game_length, GAME.name) == (7, 42, "connect4")


@pytest.mark.parametrize("rows, cols", [(4, 4), (4, 7), (6, 7), (7, 5), (9, 9)])
def test_rules_match_a_naive_board(rows, cols):
    """Every move of random games: the stones, the legal columns and the end of game agree with a hand-made board."""
    game = ConnectFour(rows, cols)
    rng = random.Random(rows * 100 + cols)
    endings = set()
    for _ in range(40):
        state = game.new_initial_state()
        while not state.is_terminal():
            mover = state.current_player()
            grid = naive_grid(game, state.history())
            assert state.legal_actions() == [c for c in range(cols) if grid[0, c] == -1]
            reward = state.apply(rng.choice(state.legal_actions()))
            grid = naive_grid(game, state.history())
            won = naive_four(grid, mover)
            full = not (grid == -1).any()
            assert state.is_terminal() == (won or full)
            assert reward == (1.0 if won else 0.0)
            for p in (0, 1):
                obs = state.observation(p)
                assert np.array_equal(obs[0], grid == p) and np.array_equal(obs[1], grid == 1 - p)
        endings.add(state.winner())
        assert state.current_player() == TERMINAL_PLAYER and state.legal_actions() == []
        r = state.returns()
        assert r.sum() == 0 and r.tolist() == ([0.0, 0.0] if state.winner() == -1 else
                                               [1.0, -1.0] if state.winner() == 0 else [-1.0, 1.0])
    assert {0, 1} <= endings


def test_wins_in_every_direction_and_no_wrapping():
    for moves in ("1122334",        # horizontal, bottom row
                  "1212121",        # vertical
                  "12233434474",    # rising diagonal 1-2-3-4
                  "76655454414"):   # falling diagonal (its mirror image)
        state = GAME.from_moves(moves)
        assert state.winner() == 0 and len(state.history()) == len(moves), moves
    # The first player's three stones on top of column 1 and one at the bottom of column 2 are no line
    # (in a bitboard without the sentinel row they would be four consecutive bits).
    state = GAME.from_moves("21717116161")
    assert not state.is_terminal()
    assert state.observation(0)[0, :3, 0].tolist() == [1, 1, 1] and state.observation(0)[0, 5, 1] == 1


def test_full_board_draw():
    game = ConnectFour(4, 4)
    state = game.from_moves("1212343421214343")  # columns of XXOO / OOXX stripes
    assert state.is_terminal() and state.winner() == -1
    assert state.returns().tolist() == [0.0, 0.0]
    grid = naive_grid(game, state.history())
    assert not (grid == -1).any() and not naive_four(grid, 0) and not naive_four(grid, 1)


def test_observation_top_row_and_planes():
    state = GAME.from_moves("11")
    obs = state.observation()  # first player to move
    assert obs.dtype == np.float32 and obs.shape == (2, 6, 7)
    assert obs[0, 5, 0] == 1 and obs[1, 4, 0] == 1 and obs.sum() == 2  # row 0 is the top
    assert np.array_equal(state.observation(1), obs[::-1])
    with pytest.raises(ValueError):
        GAME.from_moves("1212121").observation()


def test_str_board():
    text = str(GAME.from_moves("4453"))
    lines = text.splitlines()
    assert len(lines) == 7
    assert lines[-1] == "1 2 3 4 5 6 7"
    assert lines[-2] == ". . O X X . ."
    assert lines[-3] == ". . . O . . ."
    assert set("".join(lines[:-3])) <= {".", " "}
    assert str(ConnectFour(4, 10).new_initial_state()).splitlines()[-1].split() == [str(c) for c in range(1, 11)]


def test_from_moves():
    state = GAME.from_moves("4455")
    assert state.history() == [3, 3, 4, 4]
    assert GAME.from_moves("").key() == GAME.new_initial_state().key()
    for bad in ("0", "8", "4a", "4 5", "-1"):
        with pytest.raises(ValueError, match="bad move"):
            GAME.from_moves(bad)
    with pytest.raises(ValueError, match="illegal"):
        GAME.from_moves("1111111")  # a seventh stone in a 6-high column
    with pytest.raises(ValueError, match="illegal"):
        GAME.from_moves("12121212")  # a move after the first player's vertical win
    with pytest.raises(ValueError, match="cols <= 9"):
        ConnectFour(6, 10).from_moves("1")
    assert GAME.parse_move("7") == 6 and GAME.format_move(0) == "1"


def test_protocol():
    state = GAME.from_moves("44")
    for bad in (-1, 7):
        with pytest.raises(IllegalActionError):
            state.apply(bad)
    for bad in (3.0, "4", None, False):
        with pytest.raises(TypeError):
            state.apply(bad)
    full = GAME.from_moves("111111")
    with pytest.raises(IllegalActionError):
        full.apply(0)
    assert 0 not in full.legal_actions() and not full.action_mask()[0]
    copy = state.clone()
    copy.apply(0)
    assert state.history() == [3, 3] and copy.history() == [3, 3, 0]
    assert state.observation(0).sum() == 2 and copy.observation(0).sum() == 3
    assert state.key() != copy.key()
    assert GAME.from_moves("1234").key() == GAME.from_moves("3214").key()
    assert GAME.from_moves("12").key() != GAME.from_moves("21").key()


def test_key_equal_iff_same_position():
    by_key = {}
    for state in random_states(GAME, 400, seed=3):
        board = (state.observation(0).tobytes(), len(state.history()) % 2)
        assert by_key.setdefault(state.key(), board) == board
    assert len(set(by_key.values())) == len(by_key)


def test_mirror_symmetry_commutes_with_rules():
    syms = GAME.symmetries()
    assert len(syms) == 2
    assert syms[0].policy(np.arange(7)).tolist() == list(range(7))
    assert syms[1].policy(np.arange(7)).tolist() == list(range(6, -1, -1))
    for game, seed in ((GAME, 4), (ConnectFour(5, 4), 5)):
        for state in random_states(game, 100, seed=seed):
            for sym in game.symmetries():
                moved = [int(np.argmax(sym.policy(np.eye(game.cols)[a]))) for a in state.history()]
                image = game.from_actions(moved)
                assert image.returns().tolist() == state.returns().tolist()
                for p in (0, 1):
                    assert np.array_equal(sym.obs(state.observation(p)), image.observation(p))
                assert np.array_equal(sym.policy(state.action_mask()), image.action_mask())


# ---- solvers ---------------------------------------------------------------

def naive_scores(state, memo):
    """Pons' score by plain memoised negamax over the public API (Pons' move scores, no pruning)."""
    key = state.key()
    if key not in memo:
        game = state.game
        mover = state.current_player()
        n = len(state.history())
        best = None
        for a in state.legal_actions():
            child = state.child(a)
            if child.is_terminal():
                s = (game.rows * game.cols + 1 - n) // 2 if child.returns()[mover] > 0 else 0
            else:
                s = -naive_scores(child, memo)
            best = s if best is None else max(best, s)
        memo[key] = best
    return memo[key]


def test_supports():
    from mathrl.envs.games.tictactoe import TicTacToe
    assert solvers.supports(TicTacToe())
    assert all(solvers.supports(ConnectFour(r, c)) for r, c in ((4, 4), (4, 5), (5, 4)))
    assert not solvers.supports(GAME) and not solvers.supports(ConnectFour(4, 6))


@pytest.mark.parametrize("rows, cols", [(4, 4), (4, 5), (5, 4)])
def test_small_boards_are_draws(rows, cols):
    # Known values (John Tromp): 4x4, 4x5 and 5x4 are draws.
    state = ConnectFour(rows, cols).new_initial_state()
    assert solvers.value(state) == 0.0
    assert np.nanmax(solvers.action_values(state)) == 0.0


@pytest.mark.slow
def test_4x6_is_a_second_player_win():
    # Known value (John Tromp): the second player wins 4x6 on ply 24, i.e. with its 12th stone: score -(25 - 23) // 2.
    assert solvers.pons_score(ConnectFour(4, 6).new_initial_state()) == -1


@pytest.mark.parametrize("rows, cols, stones", [(4, 5, 9), (5, 4, 11), (6, 7, 32), (7, 6, 33)])
def test_solvers_match_naive_negamax(rows, cols, stones):
    game = ConnectFour(rows, cols)
    memo = {}
    for state in random_states(game, 15, seed=rows * cols + stones, stones=stones):
        expected = naive_scores(state, memo)
        assert solvers.pons_score(state) == expected
        assert solvers.value(state) == np.sign(expected)
        values = solvers.action_values(state)
        assert np.array_equal(~np.isnan(values), state.action_mask())
        assert np.nanmax(values) == solvers.value(state)
        scores = solvers.pons_action_scores(state)
        assert np.nanmax(scores) == expected
        assert np.array_equal(np.sign(scores), values, equal_nan=True)


def test_solver_refusals():
    with pytest.raises(ValueError, match="empty cells"):
        solvers.value(GAME.from_moves("4455"))
    with pytest.raises(ValueError, match="over"):
        solvers.action_values(ConnectFour(4, 4).from_moves("1212121"))
    with pytest.raises(ValueError, match="over"):
        solvers.pons_score(GAME.from_moves("1212121"))


def test_spec_score_examples():
    assert solvers.pons_score(GAME.from_moves("4455")) == 18
    assert solvers.pons_score(GAME.from_moves("44455554221")) == -15


def pons_test_set(name):
    path = resources.files("mathrl.envs.games") / "data" / "connect4" / name
    if not path.is_file():
        pytest.skip(f"package data {name} is not installed")
    return [(moves, int(score)) for moves, score in (line.split() for line in path.read_text().splitlines() if line)]


def test_pons_test_set_L3_R1():
    """Pons' end-game set: every score, and the identity score(p) = max_m s(p, m) on a sample."""
    positions = pons_test_set("Test_L3_R1")
    assert len(positions) == 1000
    for moves, score in positions:
        assert solvers.pons_score(GAME.from_moves(moves)) == score, moves
    for moves, score in random.Random(6).sample(positions, 200):
        assert np.nanmax(solvers.pons_action_scores(GAME.from_moves(moves))) == score, moves
