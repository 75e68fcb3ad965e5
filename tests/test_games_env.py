"""The board games' Gymnasium adapter (mathrl/TicTacToe-v0 and friends) and the fixed opponents."""

from __future__ import annotations


import gymnasium as gym
import numpy as np
import pytest
from env_helpers import strict_check

import mathrl  # noqa: F401
from mathrl.core import IllegalActionError
from mathrl.envs.games.connect4 import ConnectFour
from mathrl.envs.games.env import TicTacToeEnv, VsOpponentEnv
from mathrl.agents.players import PolicyOpponent
from mathrl.envs.games.opponents import (MCTSOpponent, OneStepLookahead, PerfectOpponent,
                                         RandomOpponent, make_opponent)
from mathrl.envs.games.tictactoe import TicTacToe

IDS = ["mathrl/TicTacToe-v0", "mathrl/ConnectFour-v0", "mathrl/Othello-v0", "mathrl/Hex-v0"]


def make(env_id, **kwargs):
    return gym.make(env_id, **kwargs).unwrapped


def play(env, seed, policy_seed=0):
    """One episode with masked uniform actions; every transition returned."""
    rng = np.random.default_rng(policy_seed)
    obs, info = env.reset(seed=seed)
    steps = [(None, obs, 0.0, False, info)]
    done = False
    while not done:
        mask = info["action_mask"]
        assert np.array_equal(mask, env.action_masks().astype(np.int8)) and mask.any()
        a = int(rng.choice(np.flatnonzero(mask)))
        obs, r, term, trunc, info = env.step(a)
        assert not trunc
        steps.append((a, obs, r, term, info))
        done = term
    return steps


def same_episode(a, b):
    return len(a) == len(b) and all(
        x[0] == y[0] and x[2] == y[2] and x[4]["opponent_action"] == y[4]["opponent_action"]
        and np.array_equal(x[1], y[1]) for x, y in zip(a, b))


# --- the Gymnasium contract (check_env on every registered id: tests/test_env_conformance.py) ---------
def test_any_game_object_and_opponent_callable():
    strict_check(VsOpponentEnv(ConnectFour(5, 4), OneStepLookahead(), learner_side="alternate", dict_obs=True))


@pytest.mark.parametrize("env_id", IDS)
def test_make_without_kwargs_and_spaces(env_id):
    env = gym.make(env_id)
    obs, info = env.reset(seed=0)
    game = env.unwrapped.game
    assert env.observation_space == gym.spaces.Box(0, 1, game.observation_shape, np.float32)
    assert env.action_space == gym.spaces.Discrete(game.num_actions)
    assert obs.dtype == np.float32 and obs.shape == game.observation_shape
    assert info["action_mask"].dtype == np.int8 and env.unwrapped.action_masks().dtype == bool
    assert {"action_mask", "learner_player", "opponent_action", "invalid_action", "illegal_action"} <= set(info)
    env.close()


def test_dict_observations_carry_the_mask():
    env = make("mathrl/ConnectFour-v0", dict_obs=True, learner_side=1)
    obs, info = env.reset(seed=3)
    assert set(obs) == {"observation", "action_mask"} and obs["action_mask"].dtype == np.int8
    assert np.array_equal(obs["action_mask"], info["action_mask"]) and obs["observation"].sum() == 1
    obs, *_ = env.step(int(np.flatnonzero(info["action_mask"])[0]))
    assert env.observation_space.contains(obs)


# --- seeding and sides ------------------------------------------------------------------------
@pytest.mark.parametrize("env_id, opponent", [("mathrl/ConnectFour-v0", "mcts:10"), ("mathrl/Othello-v0", "random"),
                                              ("mathrl/Hex-v0", "lookahead"), ("mathrl/TicTacToe-v0", "random")])
def test_same_seed_same_episode_including_the_opponent(env_id, opponent):
    env1, env2 = make(env_id, opponent=opponent), make(env_id, opponent=opponent)
    for seed in (1, 2):
        a = play(env1, seed)
        assert same_episode(a, play(env2, seed)) and same_episode(a, play(env1, seed))
    episodes = [play(env1, seed) for seed in range(4)]
    assert not all(same_episode(episodes[0], e) for e in episodes[1:])


def test_learner_side_alternate_random_and_fixed():
    env = make("mathrl/TicTacToe-v0", learner_side="alternate")
    sides = [env.reset()[1]["learner_player"] for _ in range(5)]
    assert sides == [0, 1, 0, 1, 0]
    assert env.reset(seed=7)[1]["learner_player"] == 0  # a seeded reset restarts the alternation
    env = make("mathrl/TicTacToe-v0")
    assert {env.reset(seed=s)[1]["learner_player"] for s in range(20)} == {0, 1}
    for side in (0, 1):
        env = make("mathrl/TicTacToe-v0", learner_side=side)
        assert all(env.reset(seed=s)[1]["learner_player"] == side for s in range(5))


@pytest.mark.parametrize("env_id", IDS)
def test_learner_as_player_one_sees_the_opponents_first_move(env_id):
    env = make(env_id, learner_side=1)
    obs, info = env.reset(seed=0)
    assert info["learner_player"] == 1 and env.state.history() == [info["opponent_action"]]
    assert env.state.current_player() == 1
    start = env.game.new_initial_state().observation(1)
    assert obs[1].sum() > start[1].sum()  # the opponent's stone (plane 1: the other player's)
    _, info0 = make(env_id, learner_side=0).reset(seed=0)
    assert info0["opponent_action"] == -1


# --- steps, rewards and illegal moves ---------------------------------------------------------
@pytest.mark.parametrize("env_id, kwargs", [(IDS[0], {}), (IDS[1], {"opponent": "lookahead"}),
                                            (IDS[2], {"n": 6}), (IDS[3], {"n": 5})])
def test_rewards_are_the_learners_final_returns(env_id, kwargs):
    env = make(env_id, **kwargs)
    results = set()
    for seed in range(12):
        steps = play(env, seed, policy_seed=seed)
        *middle, last = steps
        assert all(r == 0.0 and not term for _, _, r, term, _ in middle)
        _, obs, reward, term, info = last
        learner = info["learner_player"]
        assert term and env.state.is_terminal() and reward == env.state.returns()[learner]
        assert info["winner"] == env.state.winner() and not info["invalid_action"]
        assert reward == (0.0 if info["winner"] == -1 else 1.0 if info["winner"] == learner else -1.0)
        assert env.observation_space.contains(obs) and np.array_equal(obs, env.state.observation(learner))
        assert not info["action_mask"].any() and not env.action_masks().any()
        if env.game.name == "othello":
            assert np.sign(info["disc_difference"]) == reward
        results.add(reward)
    assert len(results) > 1


def test_illegal_actions_end_the_episode_with_a_loss():
    env = make("mathrl/ConnectFour-v0", rows=4, cols=4, learner_side=0)
    for bad in (-1, 4, 99):
        env.reset(seed=0)
        obs, r, term, trunc, info = env.step(bad)
        assert (r, term, trunc) == (-1.0, True, False) and info["illegal_action"] and info["invalid_action"]
        assert info["winner"] == 1 and info["opponent_action"] == -1 and env.observation_space.contains(obs)
    env.reset(seed=0)
    for _ in range(4):  # fill column 0; the opponent may also play there
        if not env.action_masks()[0]:
            break
        _, _, term, _, info = env.step(0)
        assert not term
    _, r, term, _, info = env.step(0)
    assert r == -1.0 and term and info["invalid_action"]
    with pytest.raises(RuntimeError, match="reset"):
        env.step(1)
    env.reset()
    for bad in (0.5, None, True, "1"):
        with pytest.raises(TypeError):
            env.step(bad)
    assert env.step(np.int64(1))[4]["invalid_action"] is False  # numpy integers are fine
    strict = make("mathrl/TicTacToe-v0", illegal_action="raise", learner_side=0)
    strict.reset()
    strict.step(4)
    with pytest.raises(IllegalActionError):
        strict.step(4)


@pytest.mark.parametrize("kwargs, match", [
    ({"learner_side": "x"}, "learner_side"), ({"learner_side": 2}, "learner_side"),
    ({"learner_side": True}, "learner_side"), ({"illegal_action": "x"}, "illegal_action"),
    ({"opponent": "nobody"}, "random, lookahead"), ({"opponent": "mcts:0"}, "mcts:N"),
    ({"opponent": "mcts:x"}, "mcts:N"), ({"opponent": 3}, "callable"), ({"opponent": "agent:"}, "agent:PATH"),
    ({"opponent": "agent:/some/where.pt"}, "no agent file"), ({"render_mode": "rgb"}, "render_mode"),
])
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TicTacToeEnv(**kwargs)


def test_perfect_opponent_needs_a_solver():
    with pytest.raises(ValueError, match="solver"):
        make("mathrl/ConnectFour-v0", opponent="perfect")
    with pytest.raises(ValueError, match="solver"):
        make("mathrl/Hex-v0", opponent="solver")
    late = PerfectOpponent()  # no game given: checked at the first move
    with pytest.raises(ValueError, match="solver"):
        late(ConnectFour().new_initial_state(), np.random.default_rng(0))


def test_render_modes(capsys):
    env = make("mathrl/TicTacToe-v0", render_mode="ansi", learner_side=0)
    env.reset(seed=0)
    env.step(4)
    assert env.render() == str(env.state) and "X" in env.render()
    env = make("mathrl/TicTacToe-v0", render_mode="human", learner_side=0)
    env.reset(seed=0)
    env.step(4)
    assert str(env.state) in capsys.readouterr().out


def test_frames_of_observation_and_mask_agree():
    """Every cell the mask allows is empty in the learner's observation (Hex transposes player 1's board)."""
    for env_id, kwargs in [(IDS[0], {}), (IDS[2], {"n": 6}), (IDS[3], {"n": 5})]:
        for side in (0, 1):
            env = make(env_id, learner_side=side, **kwargs)
            rng = np.random.default_rng(side)
            obs, info = env.reset(seed=side)
            done = False
            while not done:
                n = obs.shape[-1]
                cells = np.flatnonzero(info["action_mask"][: n * n])
                assert not obs[:2].reshape(2, -1)[:, cells].any(), "the state's policy_to_canonical must match its board"
                obs, _, done, _, info = env.step(int(rng.choice(np.flatnonzero(info["action_mask"]))))
                assert not info["invalid_action"]


# --- opponents --------------------------------------------------------------------------------
def duel(game, first, second, rng):
    """Play one game between two opponents; the final returns."""
    state = game.new_initial_state()
    players = (first, second)
    while not state.is_terminal():
        state.apply(players[state.current_player()](state.clone(), rng))
    return state.returns()


def test_random_never_beats_perfect_and_perfect_draws_itself():
    env = make("mathrl/TicTacToe-v0", opponent="perfect")
    rewards = [play(env, seed, policy_seed=seed)[-1][2] for seed in range(200)]
    assert max(rewards) <= 0.0 and min(rewards) == -1.0
    for game, n in ((TicTacToe(), 20), (ConnectFour(4, 4), 4)):
        perfect = make_opponent("solver", game)
        for seed in range(n):
            assert not duel(game, perfect, perfect, np.random.default_rng(seed)).any()


def test_one_step_lookahead_wins_and_blocks():
    game = ConnectFour()
    win = game.from_moves("112233")    # player 0 has columns 0-2 of the bottom row: column 3 wins
    block = game.from_moves("11223")   # player 1 must stop that
    vertical = game.from_moves("12121")  # player 0 has three in column 0: player 1 must cap it
    ttt = TicTacToe().from_actions([0, 4, 1])  # O must block at 2
    for seed in range(10):
        rng = np.random.default_rng(seed)
        assert OneStepLookahead()(win, rng) == 3 and OneStepLookahead()(block, rng) == 3
        assert OneStepLookahead()(vertical, rng) == 0 and OneStepLookahead()(ttt, rng) == 2


def _wins_at_once(state, a):
    child = state.child(a)
    return child.is_terminal() and child.returns()[state.current_player()] > 0


@pytest.mark.parametrize("game", [ConnectFour(), TicTacToe()], ids=["connect4", "tictactoe"])
def test_lookahead_on_random_positions(game):
    """Takes a win when there is one; otherwise never hands the opponent an immediate win if it can avoid it."""
    rng = np.random.default_rng(0)
    avoided = 0
    for _ in range(150):
        state = game.new_initial_state()
        for _ in range(int(rng.integers(game.max_game_length))):
            if state.is_terminal():
                break
            state.apply(int(rng.choice(state.legal_actions())))
        if state.is_terminal():
            continue
        a = OneStepLookahead()(state, rng)
        wins = [b for b in state.legal_actions() if _wins_at_once(state, b)]
        if wins:
            assert a in wins
            continue
        safe = [b for b in state.legal_actions()
                if state.child(b).is_terminal() or not any(_wins_at_once(state.child(b), c)
                                                           for c in state.child(b).legal_actions())]
        if safe:
            assert a in safe
            avoided += len(safe) < len(state.legal_actions())
    assert avoided > 0


def test_mcts_finds_immediate_wins_and_is_reproducible():
    win = ConnectFour().from_moves("112233")
    for seed in range(3):
        assert MCTSOpponent(300)(win, np.random.default_rng(seed)) == 3
    ttt = TicTacToe().from_actions([0, 3, 1, 4])  # X wins at 2
    assert MCTSOpponent(300)(ttt, np.random.default_rng(0)) == 2
    start = ConnectFour().new_initial_state()
    moves = {MCTSOpponent(200)(start, np.random.default_rng(5)) for _ in range(3)}
    assert len(moves) == 1
    root = MCTSOpponent(200).search(start, np.random.default_rng(0))
    assert root.n == 200 and sum(ch.n for ch in root.children) == 200
    for bad in ({"n_sims": 0}, {"c": -1}, {"rollouts": "heavy"}):
        with pytest.raises(ValueError):
            MCTSOpponent(**bad)


@pytest.mark.parametrize("game", [TicTacToe(), ConnectFour()], ids=["tictactoe", "connect4"])
def test_mcts_beats_random(game):
    wins = 0
    for i in range(30):
        rng = np.random.default_rng(i)
        mcts, rand = MCTSOpponent(300), RandomOpponent()
        if i % 2 == 0:
            wins += duel(game, mcts, rand, rng)[0] > 0
        else:
            wins += duel(game, rand, mcts, rng)[1] > 0
    assert wins >= 27


def test_policy_opponent_masks_and_breaks_ties_low():
    torch = pytest.importorskip("torch")
    state = TicTacToe().from_actions([4])  # cell 4 taken
    seen = []

    def net(x):
        seen.append((x.dtype, tuple(x.shape)))
        logits = torch.tensor([[0.0, 1.0, 0.0, 3.0, 9.0, 3.0, 0.0, 0.0, 0.0]])
        return logits, torch.zeros(1, 1)

    assert PolicyOpponent(net)(state, np.random.default_rng(0)) == 3  # 4 is illegal; 3 and 5 tie
    assert seen[0] == (torch.float32, (1, 2, 3, 3))
    sampler = PolicyOpponent(net, greedy=False)
    picks = [sampler(state, np.random.default_rng(s)) for s in range(200)]
    assert set(picks) <= set(state.legal_actions()) and 4 not in picks
    assert picks.count(3) + picks.count(5) > 150

    module = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(18, 9), torch.nn.BatchNorm1d(9))
    module.train()

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.body = module

        def forward(self, x):
            return self.body(x), torch.zeros(x.shape[0])

    net_module = Net().train()
    a = PolicyOpponent(net_module)(state, np.random.default_rng(0))  # BatchNorm on a batch of 1 needs eval mode
    assert a in state.legal_actions() and net_module.training


def test_make_opponent_names():
    game = TicTacToe()
    assert isinstance(make_opponent("random", game), RandomOpponent)
    assert isinstance(make_opponent(" Lookahead ", game), OneStepLookahead)
    assert make_opponent("mcts", game).n_sims == 1000 and make_opponent("MCTS:50", game).n_sims == 50
    assert isinstance(make_opponent("perfect", game), PerfectOpponent)

    def mine(state, rng):
        return state.legal_actions()[-1]

    assert make_opponent(mine, game) is mine
    env = make("mathrl/TicTacToe-v0", opponent=mine, learner_side=1)
    assert env.reset(seed=0)[1]["opponent_action"] == 8
    cheat = make("mathrl/TicTacToe-v0", opponent=lambda s, rng: 4, learner_side=0)
    cheat.reset(seed=0)
    with pytest.raises(RuntimeError, match="illegal"):
        cheat.step(4)
