"""The agents shipped inside the package (trained by ``mathrl train alphazero`` from self-play alone)."""

from __future__ import annotations

from mathrl.agents.alphazero.agent import load_agent
from mathrl.agents.alphazero.arena import as_player, play_match
from mathrl.agents.alphazero.bench import tictactoe_mistakes
from mathrl.envs.games.connect4 import ConnectFour
from mathrl.envs.games.opponents import OneStepLookahead


def test_pretrained_tictactoe_never_plays_a_value_losing_move():
    """Every reachable position (4,520), the agent's own search settings, checked against minimax."""
    agent = load_agent("pretrained:tictactoe")
    result = tictactoe_mistakes(agent.choose)
    assert result["positions"] == 4520
    assert result["mistakes"] == 0, result["examples"]


def test_pretrained_connect4_beats_one_step_lookahead():
    agent = load_agent("pretrained:connect4", n_sims=50)
    assert agent.game == ConnectFour()
    result = play_match(agent.game, as_player(agent), as_player(OneStepLookahead()), 10, seed=0)
    assert result["wins"] >= 8, result


def test_pretrained_connect4_keeps_the_game_value_where_the_move_matters():
    """60 seeded positions from each of Pons' sets, at the agent's own settings (200 simulations), against
    the sets' exact scores: well above the random mover (about 34%) and near the 93.5% of the full benchmark."""
    from mathrl.envs.games import pons

    agent = load_agent("pretrained:connect4")
    assert agent.search_config.n_sims == 200
    game = agent.game
    result = pons.evaluate(lambda moves: agent.choose([game.from_moves(m) for m in moves]), limit=60, seed=0)
    pooled = result["pooled"]
    assert pooled["n_invalid"] == 0 and pooled["n_nontrivial"] >= 60
    assert pooled["wdl_nontrivial"] >= 0.8 > pooled["random"]["wdl_nontrivial"] + 0.3, pooled


def test_pretrained_files_are_small():
    from importlib import resources

    folder = resources.files("mathrl.agents.alphazero") / "pretrained"
    sizes = {f.name: len(f.read_bytes()) for f in folder.iterdir() if f.name.endswith(".pt")}
    assert set(sizes) == {"tictactoe.pt", "connect4.pt", "buchberger-3-20-10.pt"}  # the games' and agent:alphazero
    assert all(0 < size <= 10 * 2**20 for size in sizes.values())
