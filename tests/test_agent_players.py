"""Saved agents as game-env opponents: ``opponent="pretrained"`` and ``opponent="agent:PATH"`` (AlphaZero or PPO)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

import mathrl  # noqa: F401  (registers the envs)
from mathrl.agents.alphazero import default_config
from mathrl.agents.alphazero.agent import AlphaZeroAgent, save_agent
from mathrl.agents.alphazero.selfplay import build_net
from mathrl.agents.players import PPOPlayer, load_player
from mathrl.agents.ppo.config import make_config
from mathrl.agents.ppo.ppo import PPOTrainer
from mathrl.envs.games.connect4 import ConnectFour
from mathrl.envs.games.hex import Hex
from mathrl.envs.games.tictactoe import TicTacToe


def test_pretrained_tictactoe_opponent_never_loses_to_a_random_learner():
    env = gym.make("mathrl/TicTacToe-v0", opponent="pretrained")
    rng = np.random.default_rng(0)
    for episode in range(6):
        obs, info = env.reset(seed=episode)
        done = False
        while not done:
            action = int(rng.choice(np.flatnonzero(info["action_mask"])))
            obs, reward, terminated, truncated, info = env.step(action)
            done = terminated or truncated
        assert reward <= 0, f"episode {episode}: the random learner beat the shipped agent"


def test_alphazero_agent_file_plays_its_own_search_move(tmp_path):
    config = default_config("connect4").but(blocks=1, channels=8)
    config = config.but(search=config.search.but(n_sims=8))
    torch.manual_seed(0)
    net = build_net(config)
    save_agent(tmp_path / "agent.pt", net, config)
    env = gym.make("mathrl/ConnectFour-v0", opponent=f"agent:{tmp_path}", learner_side=0)
    env.reset(seed=0)
    before = env.unwrapped.state.clone()
    _, _, _, _, info = env.step(3)
    before.apply(3)
    assert info["opponent_action"] == AlphaZeroAgent(net, config, n_sims=8).choose([before])[0]


@pytest.fixture(scope="module")
def hex_ppo_agent(tmp_path_factory):
    out = tmp_path_factory.mktemp("hexppo")
    cfg = make_config("mathrl/Hex-v0", env_kwargs={"n": 4}, num_envs=2, num_steps=16, total_steps=32,
                      eval_episodes=1, eval_every=0)
    PPOTrainer(cfg, out).run(progress=False)
    return out


def test_ppo_opponent_sees_the_board_as_the_learner_did(hex_ppo_agent):
    """As Hex's second player the env shows a transposed board; the PPO opponent maps its move back the same way."""
    player = load_player(f"agent:{hex_ppo_agent}", Hex(n=4))
    assert isinstance(player, PPOPlayer)
    env = gym.make("mathrl/Hex-v0", n=4, learner_side=1, opponent="random")
    for seed in range(4):
        obs, info = env.reset(seed=seed)
        state = env.unwrapped.state.clone()
        expected = player(state)
        env.step(player.agent.act(obs, info["action_mask"].astype(bool), greedy=True))
        assert env.unwrapped.state.history()[len(state.history())] == expected


def test_agent_opponents_refuse_what_does_not_fit(tmp_path, hex_ppo_agent):
    save_agent(tmp_path / "ttt.pt", build_net(default_config("tictactoe")), default_config("tictactoe"))
    torch.save({"something": 1}, tmp_path / "foreign.pt")
    (tmp_path / "garbage.pt").write_bytes(b"not a torch file")
    cases = [("agent:" + str(tmp_path / "ttt.pt"), ConnectFour(), "plays"),
             ("agent:" + str(tmp_path / "foreign.pt"), ConnectFour(), "neither"),
             ("agent:" + str(tmp_path / "garbage.pt"), ConnectFour(), "readable"),
             ("agent:" + str(tmp_path / "missing.pt"), ConnectFour(), "no agent file"),
             (f"agent:{hex_ppo_agent}", TicTacToe(), "trained on"),
             (f"agent:{hex_ppo_agent}", Hex(n=5), "does not fit"),
             ("pretrained", Hex(n=5), "no pretrained"),
             ("pretrained", ConnectFour(rows=5, cols=6), "plays")]
    for spec, game, match in cases:
        with pytest.raises(ValueError, match=match):
            load_player(spec, game)
