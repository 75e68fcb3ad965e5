"""Hex: solver vectors, union-find against a graph search, canonical frame, symmetries, protocol."""

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from mathrl.core import TERMINAL_PLAYER, IllegalActionError
from mathrl.envs.games.hex import Hex, hex_winning_first_moves, solve
from game_helpers import random_state

OFFSETS = ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, 1), (1, -1))


def connected(board, value):
    """Independent check: does ``value`` (+1 player 0 top-bottom, -1 player 1 left-right) join its edges?"""
    n = len(board)
    graph = nx.Graph()
    graph.add_nodes_from(["start", "end"])
    for r in range(n):
        for c in range(n):
            if board[r, c] != value:
                continue
            graph.add_node((r, c))
            line = r if value == 1 else c
            if line == 0:
                graph.add_edge("start", (r, c))
            if line == n - 1:
                graph.add_edge("end", (r, c))
            for dr, dc in OFFSETS:
                if 0 <= r + dr < n and 0 <= c + dc < n and board[r + dr, c + dc] == value:
                    graph.add_edge((r, c), (r + dr, c + dc))
    return nx.has_path(graph, "start", "end")


# ---- solver vectors -------------------------------------------------------------
@pytest.mark.parametrize("n,moves", [
    (1, [(0, 0)]),
    (2, [(0, 1), (1, 0)]),
    (3, [(0, 2), (1, 0), (1, 1), (1, 2), (2, 0)]),
    # a plain exhaustive search takes ~45 s for 4x4; centre-first ordering and forced
    # blocks make it ~1 s, so it runs by default
    (4, [(0, 3), (1, 2), (2, 1), (3, 0)]),
])
def test_winning_first_moves(n, moves):
    assert hex_winning_first_moves(n) == moves


def test_solver_agrees_with_one_ply_lookahead():
    game = Hex(3)
    for seed in range(20):
        state = random_state(game, seed, 3)
        if state.is_terminal():
            continue
        memo = {}
        wins = any(c.is_terminal() or not solve(c, memo) for c in map(state.child, state.legal_actions()))
        assert solve(state, memo) == wins
    with pytest.raises(ValueError):
        solve(game.from_actions([0, 1, 3, 2, 6]))  # terminal (player 0's column 0 chain)


# ---- union-find against a graph search ---------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3, 5, 7, 11])
def test_random_full_boards_have_exactly_one_winner(n):
    game = Hex(n)
    rng = np.random.default_rng(n)
    for _ in range(30):
        board = rng.choice([-1, 1], size=(n, n))
        state = game.from_board(board)
        top_bottom, left_right = connected(board, 1), connected(board, -1)
        assert top_bottom != left_right
        assert state.winner() == (0 if top_bottom else 1)


@pytest.mark.parametrize("n", [2, 5, 7])
def test_random_games_stop_at_the_first_connection(n):
    game = Hex(n)
    rng = np.random.default_rng(100 + n)
    for _ in range(40):
        state = game.new_initial_state()
        while not state.is_terminal():
            board = state.board()
            assert not connected(board, 1) and not connected(board, -1)
            mover = state.current_player()
            reward = state.apply(int(rng.choice(state.legal_actions())))
            assert reward in (0.0, 1.0)  # in Hex only the mover's own stone can complete a chain
        board = state.board()
        winner = state.winner()
        assert winner == mover and connected(board, 1 if winner == 0 else -1)
        assert not connected(board, -1 if winner == 0 else 1)
        assert state.returns()[winner] == 1.0 and state.returns().sum() == 0
        assert len(state.history()) <= game.max_game_length


def test_clone_copies_the_union_find():
    game = Hex(3)
    state = game.from_actions([0, 4])
    clone = state.clone()
    clone.apply(3)
    clone.apply(5)
    clone.apply(6)  # player 0 completes column 0: (0,0), (1,0), (2,0)
    assert clone.winner() == 0
    assert not state.is_terminal() and state.history() == [0, 4]
    state.apply(3)
    state.apply(8)
    assert not state.is_terminal()  # the clone's unions did not leak back


# ---- canonical frame ------------------------------------------------------------
def test_observation_is_transposed_for_player_1():
    game = Hex(4)
    state = game.from_actions([1, 7])  # player 0 on (0,1), player 1 on (1,3)
    board = state.board()
    obs0 = state.observation(0)
    assert np.array_equal(obs0[0], board == 1) and np.array_equal(obs0[1], board == -1)
    assert np.array_equal(state.observation(), obs0)  # two plies: player 0 to move
    obs1 = state.observation(1)
    assert np.array_equal(obs1[0], (board == -1).T) and np.array_equal(obs1[1], (board == 1).T)
    assert obs1[0, 3, 1] == 1.0 and obs1[1, 1, 0] == 1.0


def test_a_colour_swapped_transposed_position_has_the_same_canonical_input():
    game = Hex(5)
    for seed in range(10):
        state = random_state(game, seed, 2 * int(np.random.default_rng(seed).integers(0, 8)))
        if state.is_terminal():
            continue
        twin = game.from_board(-state.board().T, player=1)  # the same game with the roles swapped
        assert np.array_equal(state.observation(), twin.observation())
        assert np.array_equal(game.canonical_policy(twin.action_mask(), 1), state.action_mask())


def test_policy_frame_maps():
    game = Hex(3)
    v = np.arange(9.0)
    assert np.array_equal(game.action_policy(v, 0), v) and np.array_equal(game.canonical_policy(v, 0), v)
    t = game.action_policy(v, 1)
    assert np.array_equal(t.reshape(3, 3), v.reshape(3, 3).T)
    assert np.array_equal(game.canonical_policy(t, 1), v)
    batch = np.stack([v, v + 1])
    assert np.array_equal(game.action_policy(batch, 1)[1], t + 1)
    # a network's argmax in player 1's frame is the action on the transposed cell
    state = game.from_actions([4])
    logits = np.zeros(9)
    logits[1] = 1.0  # canonical cell (0, 1) for player 1 is action cell (1, 0)
    assert int(np.argmax(game.action_policy(logits, state.current_player()))) == 3
    mask = state.action_mask()
    assert np.array_equal(game.canonical_policy(mask, 1).reshape(3, 3), mask.reshape(3, 3).T)


# ---- symmetries -------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), plies=st.integers(0, 30), n=st.sampled_from([2, 3, 4, 5, 7]))
def test_symmetries_commute_with_the_rules(seed, plies, n):
    game = Hex(n)
    state = random_state(game, seed, plies)
    syms = game.symmetries()
    assert [g.name for g in syms] == ["identity", "rot180"]
    mover = state.current_player() if not state.is_terminal() else len(state.history()) % 2
    for g in syms:
        image = game.from_board(g.obs(state.board()), player=mover)
        assert image.winner() == state.winner()
        for p in (0, 1):
            assert np.array_equal(g.obs(state.observation(p)), image.observation(p))
        assert np.array_equal(g.policy(state.action_mask()), image.action_mask())
        # the same identities in the canonical frame (the rotation commutes with the transposition)
        canonical_mask = game.canonical_policy(state.action_mask(), mover)
        assert np.array_equal(g.policy(canonical_mask), game.canonical_policy(image.action_mask(), mover))
        for a in state.legal_actions():
            onehot = np.zeros(game.num_actions)
            onehot[a] = 1.0
            ga = int(np.argmax(g.policy(onehot)))
            expected = game.from_board(g.obs(state.child(a).board()), player=1 - mover)
            assert image.child(ga).key() == expected.key()


# ---- protocol ---------------------------------------------------------------------
def test_game_config():
    game = Hex()
    assert (game.name, game.n, game.num_actions, game.observation_shape, game.max_game_length) == (
        "hex", 7, 49, (2, 7, 7), 49)
    assert Hex(5) == Hex(5) and hash(Hex(5)) == hash(Hex(5)) and Hex(5) != Hex(7)
    for bad in (0, -1, 33, 10**6, True, 7.0, "7"):
        with pytest.raises(ValueError):
            Hex(bad)


def test_illegal_actions_types_and_terminal():
    game = Hex(3)
    state = game.new_initial_state()
    state.apply(4)
    for bad in (4, -1, 9):
        with pytest.raises(IllegalActionError):
            state.apply(bad)
    for bad in (1.0, "1", True, None):
        with pytest.raises(TypeError):
            state.apply(bad)
    assert state.legal_actions() == [0, 1, 2, 3, 5, 6, 7, 8]
    state = game.from_actions([1, 0, 4, 3])
    assert state.apply(7) == 1.0  # (0,1), (1,1), (2,1): top to bottom
    assert state.is_terminal() and state.current_player() == TERMINAL_PLAYER
    assert state.legal_actions() == [] and not state.action_mask().any()
    assert state.returns().tolist() == [1.0, -1.0]
    with pytest.raises(IllegalActionError):
        state.apply(2)
    with pytest.raises(ValueError):
        state.observation()
    assert Hex(1).new_initial_state().apply(0) == 1.0


def test_keys_and_ascii():
    game = Hex(3)
    a, b = game.from_actions([0, 4, 8]), game.from_actions([8, 4, 0])
    assert a.key() == b.key() and a == b and a.history() != b.history()
    assert game.from_board(a.board(), player=0).key() != a.key()  # different mover
    assert game.from_actions([0, 4]).key() != game.from_actions([4, 0]).key()
    lines = str(a).splitlines()
    assert lines[1].split()[1:] == ["X", ".", "."]
    assert lines[2].startswith("2  .") and lines[2].split()[1:] == [".", "O", "."]
    assert lines[3].startswith("3   .")  # each row one space further right: a rhombus
