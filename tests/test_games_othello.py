"""Othello: perft vectors, a cell-by-cell reference for moves and flips, D4 symmetries, protocol."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from mathrl.core import TERMINAL_PLAYER, IllegalActionError
from mathrl.envs.games.othello import Othello
from game_helpers import random_state

DIRECTIONS = [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0)]


def perft(state, depth):
    """Action sequences of length ``depth`` (terminal states are not expanded; a pass is a move)."""
    if depth == 0:
        return 1
    if state.is_terminal():
        return 0
    actions = state.legal_actions()
    if depth == 1:
        return len(actions)
    return sum(perft(state.child(a), depth - 1) for a in actions)


# ---- an independent cell-by-cell reference ------------------------------------
def reference_flips(board, r, c, colour):
    """Cells flipped by ``colour`` (+1/-1) playing on empty (r, c) of a {-1,0,1} board, walking each direction."""
    n = len(board)
    flipped = []
    for dr, dc in DIRECTIONS:
        run, rr, cc = [], r + dr, c + dc
        while 0 <= rr < n and 0 <= cc < n and board[rr, cc] == -colour:
            run.append((rr, cc))
            rr, cc = rr + dr, cc + dc
        if run and 0 <= rr < n and 0 <= cc < n and board[rr, cc] == colour:
            flipped += run
    return flipped


def reference_placements(board, colour):
    n = len(board)
    return [r * n + c for r in range(n) for c in range(n)
            if board[r, c] == 0 and reference_flips(board, r, c, colour)]


# ---- perft ----------------------------------------------------------------------
PERFT_8 = [4, 12, 56, 244, 1396, 8200, 55092]
PERFT_6 = [4, 12, 56, 244, 1364, 7604, 47740, 308716]


@pytest.mark.parametrize("depth", range(1, 8))
def test_perft_8x8(depth):
    # d = 6, 7 would be slow in a naive core; the bitboard core does d = 7 in ~0.1 s, so all run by default
    assert perft(Othello(8).new_initial_state(), depth) == PERFT_8[depth - 1]


@pytest.mark.parametrize("depth", range(1, 9))
def test_perft_6x6(depth):
    assert perft(Othello(6).new_initial_state(), depth) == PERFT_6[depth - 1]


@pytest.mark.slow
@pytest.mark.parametrize("depth,count", [(8, 390216), (9, 3005288)])
def test_perft_8x8_deep(depth, count):
    # deeper: the widely published Othello perft values (passes counted as moves)
    assert perft(Othello(8).new_initial_state(), depth) == count


# ---- rules against the reference ---------------------------------------------------
@pytest.mark.parametrize("n", [4, 6, 8])
def test_random_games_match_reference_and_end_correctly(n):
    game = Othello(n)
    rng = np.random.default_rng(n)
    passes = 0
    for _ in range(12 if n == 8 else 25):
        state = game.new_initial_state()
        placements = 0
        while not state.is_terminal():
            board, colour = state.board(), 1 if state.current_player() == 0 else -1
            expected = reference_placements(board, colour)
            if expected:
                assert state.legal_actions() == expected
            else:
                assert state.legal_actions() == [game.pass_action]
                assert reference_placements(board, -colour), "a pass needs the opponent to have a placement"
            a = int(rng.choice(state.legal_actions()))
            mover = state.current_player()
            state.apply(a)
            if a == game.pass_action:
                passes += 1
            else:
                placements += 1
                r, c = divmod(a, n)
                after = board.copy()
                after[r, c] = colour
                for rr, cc in reference_flips(board, r, c, colour):
                    after[rr, cc] = colour
                assert np.array_equal(state.board(), after)
            if not state.is_terminal():
                assert state.current_player() == 1 - mover  # a pass is a ply too
        history = state.history()
        assert len(history) <= game.max_game_length
        assert all(not (a == b == game.pass_action) for a, b in zip(history, history[1:]))
        board = state.board()
        assert not reference_placements(board, 1) and not reference_placements(board, -1)
        black, white = state.disc_counts()
        assert (black, white) == (int((board == 1).sum()), int((board == -1).sum()))
        assert black + white == 4 + placements
        assert state.disc_difference() == black - white
        expected = np.sign(black - white)
        assert state.returns().tolist() == [expected, -expected]
        assert state.winner() == (0 if black > white else 1 if white > black else -1)
    if n == 4:
        assert passes > 0  # small boards exercise the pass rule


def test_pass_and_end_on_a_constructed_position():
    game = Othello(4)
    board = np.zeros((4, 4), dtype=int)
    board[0, 0], board[0, 1] = 1, -1  # X O . .  : White cannot bracket, Black can at (0, 2)
    state = game.from_board(board, player=1)
    assert state.legal_actions() == [game.pass_action] and not state.is_terminal()
    with pytest.raises(IllegalActionError):
        state.apply(2)
    state.apply(game.pass_action)
    assert state.current_player() == 0 and state.legal_actions() == [2]
    with pytest.raises(IllegalActionError):
        state.apply(game.pass_action)
    assert state.apply(2) == 1.0  # Black's move ends the game (White has no stones) with a win
    assert state.is_terminal() and state.disc_difference() == 3
    assert state.current_player() == TERMINAL_PLAYER and state.legal_actions() == []


def test_full_board_is_terminal():
    board = np.ones((4, 4), dtype=int)
    board[:2] = -1
    state = Othello(4).from_board(board, player=0)
    assert state.is_terminal() and state.winner() == -1 and state.returns().tolist() == [0.0, 0.0]


# ---- symmetries -------------------------------------------------------------------
def transformed_action(sym, a, num_actions):
    onehot = np.zeros(num_actions)
    onehot[a] = 1.0
    return int(np.argmax(sym.policy(onehot)))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), plies=st.integers(0, 40), n=st.sampled_from([4, 6, 8]),
       legal_plane=st.booleans())
def test_symmetries_commute_with_the_rules(seed, plies, n, legal_plane):
    game = Othello(n, legal_plane=legal_plane)
    state = random_state(game, seed, plies)
    syms = game.symmetries()
    assert len(syms) == 8 and syms[0].name == "rot0"
    player = state.current_player() if not state.is_terminal() else 0
    for g in syms:
        image = game.from_board(g.obs(state.board()), player=player)
        assert np.array_equal(g.obs(state.observation(player)), image.observation(player))
        assert np.array_equal(g.policy(state.action_mask()), image.action_mask())
        assert np.array_equal(g.inverse_policy(g.policy(state.action_mask())), state.action_mask())
        assert transformed_action(g, game.pass_action, game.num_actions) == game.pass_action
        for a in state.legal_actions():
            child = state.child(a)
            expected = game.from_board(g.obs(child.board()), player=1 - player)
            assert image.child(transformed_action(g, a, game.num_actions)).key() == expected.key()


def test_rotated_start_is_the_mirrored_start():
    # rot90 of the start swaps the diagonals: the colours of the centre stones swap
    game = Othello(8)
    start = game.new_initial_state()
    rot90 = game.symmetries()[2]
    assert rot90.name == "rot90"
    assert np.array_equal(rot90.obs(start.board()), -start.board())


# ---- protocol ---------------------------------------------------------------------
def test_game_config():
    game = Othello()
    assert (game.name, game.n, game.num_actions, game.pass_action) == ("othello", 8, 65, 64)
    assert game.observation_shape == (2, 8, 8) and game.max_game_length == 120
    assert Othello(6, legal_plane=True).observation_shape == (3, 6, 6)
    assert Othello(6) == Othello(6) and hash(Othello(6)) == hash(Othello(6)) and Othello(6) != Othello(8)
    for bad in (3, 5, 2, 0, -4, True, 6.0, "8"):
        with pytest.raises(ValueError):
            Othello(bad)


def test_start_position_and_observation():
    game = Othello(8, legal_plane=True)
    state = game.new_initial_state()
    assert state.current_player() == 0 and state.legal_actions() == [19, 26, 37, 44]
    assert state.disc_counts() == (2, 2) and state.disc_difference() == 0
    board = state.board()
    assert board[3, 3] == board[4, 4] == -1 and board[3, 4] == board[4, 3] == 1
    obs = state.observation()
    assert obs.dtype == np.float32 and obs.shape == (3, 8, 8)
    assert np.array_equal(obs[0], board == 1) and np.array_equal(obs[1], board == -1)
    assert np.array_equal(obs[2].reshape(-1), state.action_mask()[:64])
    white_view = state.observation(1)
    assert np.array_equal(white_view[0], obs[1]) and np.array_equal(white_view[1], obs[0])
    assert str(state).splitlines()[4].split()[1:] == [".", ".", ".", "O", "X", ".", ".", "."]


def test_illegal_actions_and_types():
    game = Othello(8)
    state = game.new_initial_state()
    for bad in (27, 0, 20, game.pass_action, -1, game.num_actions):  # occupied, no bracket, pass with moves, range
        with pytest.raises(IllegalActionError):
            state.apply(bad)
    for bad in (19.0, "19", True, None):
        with pytest.raises(TypeError):
            state.apply(bad)
    state.apply(np.int64(19))
    assert state.history() == [19] and state.current_player() == 1


def test_terminal_protocol_and_keys():
    game = Othello(6)
    for seed in range(5):
        state = random_state(game, seed, 10_000)
        assert state.is_terminal() and state.legal_actions() == [] and not state.action_mask().any()
        assert state.current_player() == TERMINAL_PLAYER
        assert state.returns().sum() == 0 and state.returns().dtype == np.float32
        with pytest.raises(IllegalActionError):
            state.apply(0)
        with pytest.raises(ValueError):
            state.observation()
        assert game.from_actions(state.history()).key() == state.key()
    start = game.new_initial_state()
    # a key is the stones plus the mover
    a = game.from_actions([8, 9])
    assert start.child(8).key() != start.key()
    assert game.from_bitboards(*a.bitboards(), player=0).key() == a.key()
    assert game.from_bitboards(*a.bitboards(), player=1).key() != a.key()
    clone = a.clone()
    clone.apply(clone.legal_actions()[0])
    assert a.key() == game.from_actions([8, 9]).key() and len(a.history()) == 2


def test_from_board_validation():
    game = Othello(4)
    with pytest.raises(ValueError):
        game.from_board(np.zeros((6, 6)))
    with pytest.raises(ValueError):
        game.from_board(np.full((4, 4), 2))
    with pytest.raises(ValueError):
        game.from_bitboards(1, 1)
    with pytest.raises(ValueError):
        game.from_bitboards(1 << 16, 0)
