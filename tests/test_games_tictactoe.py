"""Tic-tac-toe: the rules against the known position and game counts (5,478 positions, 255,168 games),
symmetries commuting with the rules, the pure-state protocol, and the minimax solver."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from mathrl.core import TERMINAL_PLAYER, IllegalActionError
from mathrl.envs.games import solvers
from mathrl.envs.games.tictactoe import TicTacToe

GAME = TicTacToe()


def random_states(game, n, seed):
    """``n`` reachable states (terminal ones included) from seeded random playouts of random length."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        state = game.new_initial_state()
        for _ in range(rng.randrange(game.max_game_length + 1)):
            if state.is_terminal():
                break
            state.apply(rng.choice(state.legal_actions()))
        out.append(state)
    return out


def mapped_action(sym, action, num_actions):
    """Where ``sym`` sends ``action``: the index the policy map moves a one-hot vector to."""
    image = sym.policy(np.eye(num_actions, dtype=np.float32)[action])
    assert image.sum() == 1
    return int(np.argmax(image))


def check_symmetries(game, states):
    """Symmetries commute with the rules: ``g.obs(obs(s)) == obs(g(s))`` and ``g.policy(mask(s)) == mask(g(s))``."""
    syms = game.symmetries()
    assert np.array_equal(syms[0].policy(np.arange(game.num_actions)), np.arange(game.num_actions))  # identity first
    for state in states:
        for sym in syms:
            image = game.from_actions([mapped_action(sym, a, game.num_actions) for a in state.history()])
            assert image.is_terminal() == state.is_terminal()
            assert image.returns().tolist() == state.returns().tolist()
            for player in (0, 1):
                assert np.array_equal(sym.obs(state.observation(player)), image.observation(player))
            assert np.array_equal(sym.policy(state.action_mask()), image.action_mask())
            assert np.array_equal(sym.inverse_policy(image.action_mask()), state.action_mask())


def test_reachable_positions():
    seen = set()
    stack = [GAME.new_initial_state()]
    while stack:
        state = stack.pop()
        key = state.key()
        if key not in seen:
            seen.add(key)
            stack.extend(state.child(a) for a in state.legal_actions())
    assert len(seen) == 5478


def test_complete_games():
    outcomes = Counter()

    def walk(state):
        if state.is_terminal():
            r = state.returns()
            outcomes["first" if r[0] > 0 else "second" if r[1] > 0 else "draw"] += 1
            return
        for a in state.legal_actions():
            walk(state.child(a))

    walk(GAME.new_initial_state())
    assert sum(outcomes.values()) == 255168
    assert outcomes == {"first": 131184, "second": 77904, "draw": 46080}


def test_symmetries_commute_with_rules():
    syms = GAME.symmetries()
    assert len(syms) == 8
    images = {tuple(s.policy(np.arange(9))) for s in syms}
    assert len(images) == 8 and tuple(range(9)) in images
    check_symmetries(GAME, random_states(GAME, 150, seed=1))


def test_solver_empty_board_is_a_draw():
    empty = GAME.new_initial_state()
    assert solvers.supports(GAME)
    assert solvers.value(empty) == 0.0
    assert solvers.action_values(empty).tolist() == [0.0] * 9  # every opening draws


def test_solver_corner_opening():
    # Known theory: after a corner opening only the centre reply draws; every other reply loses.
    state = GAME.from_actions([0])
    values = solvers.action_values(state)
    assert np.isnan(values[0])
    assert values[4] == 0.0
    assert all(values[a] == -1.0 for a in (1, 2, 3, 5, 6, 7, 8))


def test_solver_consistency():
    for state in random_states(GAME, 200, seed=2):
        if state.is_terminal():
            with pytest.raises(ValueError):
                solvers.value(state)
            continue
        values = solvers.action_values(state)
        assert values.dtype == np.float32
        assert np.array_equal(~np.isnan(values), state.action_mask())
        assert solvers.value(state) == np.nanmax(values)


def test_perfect_play_draws():
    state = GAME.new_initial_state()
    while not state.is_terminal():
        state.apply(int(np.nanargmax(solvers.action_values(state))))
    assert state.returns().tolist() == [0.0, 0.0]


def test_illegal_and_non_integer_actions():
    state = GAME.from_actions([4])
    for bad in (4, -1, 9):
        with pytest.raises(IllegalActionError):
            state.apply(bad)
    for bad in (1.0, "3", None, True):
        with pytest.raises(TypeError):
            state.apply(bad)
    assert state.history() == [4]
    state.apply(np.int64(0))
    assert state.history() == [4, 0]


def test_winning_move_reward_and_terminal_protocol():
    state = GAME.from_actions([0, 3, 1, 4])
    assert state.current_player() == 0
    assert state.apply(2) == 1.0  # top row for the first player
    assert state.is_terminal() and state.legal_actions() == []
    assert state.current_player() == TERMINAL_PLAYER
    assert state.returns().tolist() == [1.0, -1.0]
    assert not state.action_mask().any()
    with pytest.raises(IllegalActionError):
        state.apply(5)
    with pytest.raises(ValueError):
        state.observation()
    assert state.observation(0).shape == (2, 3, 3)

    second = GAME.from_actions([0, 4, 1, 2, 3])
    assert second.apply(6) == 1.0  # the second player's anti-diagonal 2-4-6
    assert second.returns().tolist() == [-1.0, 1.0]


def test_draw_and_returns_zero_sum():
    draw = GAME.from_actions([0, 4, 8, 1, 7, 6, 2, 5])
    assert draw.apply(3) == 0.0
    assert draw.is_terminal() and draw.returns().tolist() == [0.0, 0.0]
    for state in random_states(GAME, 300, seed=3):
        r = state.returns()
        assert r.dtype == np.float32 and r.shape == (2,) and r.sum() == 0
        assert (state.legal_actions() == []) == state.is_terminal()
        assert np.array_equal(np.flatnonzero(state.action_mask()), state.legal_actions())
        if not state.is_terminal():
            assert not r.any()
            assert state.current_player() == len(state.history()) % 2


def test_clone_is_independent():
    state = GAME.from_actions([4, 0])
    copy = state.clone()
    copy.apply(8)
    assert state.history() == [4, 0] and copy.history() == [4, 0, 8]
    assert state.key() != copy.key()
    assert 8 in state.legal_actions() and 8 not in copy.legal_actions()
    assert state.observation(0).sum() == 2 and copy.observation(0).sum() == 3


def test_key_equal_iff_same_position():
    assert GAME.from_actions([0, 4, 8]).key() == GAME.from_actions([8, 4, 0]).key()
    assert GAME.from_actions([0, 4, 8]).key() != GAME.from_actions([0, 8, 4]).key()
    by_key = {}
    for state in random_states(GAME, 300, seed=4):
        board = (state.observation(0).tobytes(), len(state.history()) % 2)
        assert by_key.setdefault(state.key(), board) == board
    assert len(set(by_key.values())) == len(by_key)


def test_observation_planes():
    state = GAME.from_actions([0, 4, 5])  # X on 0 and 5, O on 4; O to move
    obs = state.observation()
    assert obs.dtype == np.float32 and obs.shape == GAME.observation_shape
    assert obs[0, 1, 1] == 1 and obs[1].sum() == 2 and obs[1, 0, 0] == obs[1, 1, 2] == 1
    assert np.array_equal(state.observation(0), obs[::-1])
