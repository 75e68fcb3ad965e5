"""The PettingZoo AEC adapter of the board games; skipped without pettingzoo."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pettingzoo")
from pettingzoo.test import api_test, seed_test  # noqa: E402

from mathrl.envs.games.connect4 import ConnectFour  # noqa: E402
from mathrl.envs.games.hex import Hex  # noqa: E402
from mathrl.envs.games.othello import Othello  # noqa: E402
from mathrl.envs.games.pettingzoo_env import to_pettingzoo  # noqa: E402
from mathrl.envs.games.tictactoe import TicTacToe  # noqa: E402

GAMES = [TicTacToe(), ConnectFour(), Othello(n=6), Hex(n=5)]


@pytest.mark.filterwarnings("ignore:Observation")  # api_test's notes on dict observations, as for its classic envs
@pytest.mark.parametrize("game", GAMES, ids=lambda g: g.name)
def test_api_test(game):
    api_test(to_pettingzoo(game), num_cycles=1000)


@pytest.mark.filterwarnings("ignore:Observation")
@pytest.mark.parametrize("game", GAMES, ids=lambda g: g.name)
def test_seed_test(game):
    """PettingZoo's seed test: two envs reset with the same seed give the same observations and masks."""
    seed_test(lambda: to_pettingzoo(type(game)(**({"n": game.n} if hasattr(game, "n") else {}))), num_cycles=200)


def test_observations_rewards_and_dead_steps():
    env = to_pettingzoo(ConnectFour())
    env.reset(seed=0)
    assert env.possible_agents == ["player_0", "player_1"] and env.agent_selection == "player_0"
    obs = env.observe("player_0")
    assert obs["observation"].shape == (6, 7, 2) and obs["observation"].dtype == np.int8
    assert obs["action_mask"].tolist() == [1] * 7 and not env.observe("player_1")["action_mask"].any()
    for a in [0, 1, 0, 1, 0, 1, 0]:  # player 0 wins in column 0
        env.step(a)
    assert env.observe("player_1")["observation"][:, 0, 1].sum() == 4  # the winner's stones, as the loser sees them
    finished = []
    for agent in env.agent_iter():
        _, reward, term, trunc, _ = env.last()
        assert term and not trunc
        finished.append((agent, reward))
        env.step(None)
    assert dict(finished) == {"player_0": 1.0, "player_1": -1.0}


def test_illegal_move_loses_for_the_offender_only():
    env = to_pettingzoo(TicTacToe())
    env.reset()
    env.step(4)
    env.step(4)  # taken: PettingZoo logs a warning and ends the game
    rewards = {}
    for agent in env.agent_iter():
        _, reward, term, _, _ = env.last()
        rewards[agent] = reward
        env.step(None)
    assert rewards == {"player_1": -1.0, "player_0": 0.0}


def test_draw_gives_zero_to_both():
    env = to_pettingzoo(TicTacToe())
    env.reset()
    for a in [0, 1, 2, 4, 3, 5, 7, 6, 8]:  # X O X / X O O / O X X: a draw
        env.step(a)
    totals = {}
    for agent in env.agent_iter():
        totals[agent] = env.last()[1]
        env.step(None)
    assert totals == {"player_0": 0.0, "player_1": 0.0}


@pytest.mark.parametrize("game", [Othello(n=6), Hex(n=5)], ids=lambda g: g.name)
def test_mask_and_board_share_a_frame(game):
    """Each agent's allowed cells are empty on its own board (Hex shows player 1 a transposed board)."""
    env = to_pettingzoo(game)
    env.reset()
    rng = np.random.default_rng(0)
    n = game.observation_shape[-1]
    for agent in env.agent_iter():
        obs, _, term, trunc, _ = env.last()
        if term or trunc:
            env.step(None)
            continue
        mask = obs["action_mask"]
        cells = np.flatnonzero(mask[: n * n])
        assert not obs["observation"][..., :2].reshape(-1, 2)[cells].any(), "policy_to_canonical must match the board"
        env.step(int(rng.choice(np.flatnonzero(mask))))
