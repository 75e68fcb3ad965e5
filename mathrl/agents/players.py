"""Saved agents as board-game players ``(state, rng) -> action``, whichever algorithm trained them.

The game envs take an opponent as such a callable; ``opponent="agent:PATH"`` and
``opponent="pretrained"`` come here. An AlphaZero agent file plays by search, a
PPO agent file by its greedy policy on the mover's observation, exactly as it
saw the board while it learned (same frame, same mask, same observation form).
Agent files are read with ``weights_only=True`` (:mod:`mathrl.agents.files`): an ``agent:PATH``
someone sent you cannot run code when it is loaded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mathrl.agents.files import FileFormatError, load_file
from mathrl.plugins import register_loader

GAME_ENVS = {"mathrl/TicTacToe-v0": "tictactoe", "mathrl/ConnectFour-v0": "connect4",
             "mathrl/Othello-v0": "othello", "mathrl/Hex-v0": "hex"}


class PolicyOpponent:
    """A frozen network ``net(obs (B,C,H,W) float32) -> (logits (B,A), value)`` (the AlphaZero network's signature) playing from its policy alone.

    ``greedy``: the masked argmax (ties to the lowest action); otherwise a
    sample from the softmax over the legal moves, drawn with ``rng``. A module
    is run in eval mode on its own device and then restored to its mode.
    """

    def __init__(self, net, greedy: bool = True):
        if not callable(net):
            raise ValueError(f"PolicyOpponent needs a callable network, got {net!r}")
        self.net, self.greedy = net, bool(greedy)

    def __repr__(self) -> str:
        return f"PolicyOpponent({type(self.net).__name__}, greedy={self.greedy})"

    def __call__(self, state, rng: np.random.Generator) -> int:
        import torch

        net = self.net
        params = getattr(net, "parameters", None)
        device = next(iter(params()), torch.empty(0)).device if callable(params) else torch.device("cpu")
        training = isinstance(net, torch.nn.Module) and net.training
        if training:
            net.eval()
        try:
            with torch.inference_mode():
                x = torch.as_tensor(state.observation(), dtype=torch.float32, device=device).unsqueeze(0)
                logits = net(x)[0].reshape(-1).float().cpu().numpy().astype(np.float64)
        finally:
            if training:
                net.train()
        to_actions = getattr(state, "policy_from_canonical", None)
        if to_actions is not None:
            logits = np.asarray(to_actions(logits), dtype=np.float64)
        mask = state.action_mask()
        masked = np.where(mask, logits, -np.inf)
        if self.greedy:
            return int(np.argmax(masked))
        p = np.exp(masked - masked.max())
        p /= p.sum()
        return int(rng.choice(len(p), p=p))


class PPOPlayer:
    """A PPO policy trained on a ``mathrl/<Game>-v0`` env, moving greedily for whoever is to move."""

    def __init__(self, agent, game):
        self.agent, self.game = agent, game
        self.dict_obs = bool(agent.env_kwargs.get("dict_obs", False))

    def __call__(self, state, rng=None) -> int:
        board = np.asarray(state.observation(state.current_player()), dtype=np.float32)
        mask = np.asarray(state.policy_to_canonical(state.action_mask()), dtype=bool)
        obs = {"observation": board, "action_mask": mask.astype(np.int8)} if self.dict_obs else board
        choice = self.agent.act(obs, mask, greedy=True)
        onehot = np.zeros(self.game.num_actions)
        onehot[choice] = 1.0
        return int(np.argmax(state.policy_from_canonical(onehot)))  # back from the observation's frame

    def __repr__(self) -> str:
        return f"PPOPlayer({self.agent!r})"


def load_player(spec: str, game):
    """``"pretrained"`` (the shipped AlphaZero agent for ``game``) or ``"agent:PATH"`` -> a player for ``game``.

    PATH is an ``agent.pt`` of ``mathrl train alphazero`` or ``mathrl train ppo`` (or its run folder).
    A file for another game or board size is a ``ValueError``.
    """
    from mathrl.agents.alphazero.agent import load_agent as load_alphazero

    if spec == "pretrained":
        player = load_alphazero(f"pretrained:{game.name}")
        if player.game != game:
            raise ValueError(f"opponent 'pretrained': the shipped {game.name} agent plays {player.game!r}, "
                             f"not {game!r}")
        return player
    if not spec.startswith("agent:") or not spec[6:]:
        raise ValueError(f"opponent {spec!r}: expected 'pretrained' or 'agent:PATH'")
    path = Path(spec[6:])
    if path.is_dir():
        path = path / "agent.pt"
    if not path.is_file():
        raise ValueError(f"opponent {spec!r}: no agent file at {path}")
    try:
        data = load_file(path, "agent file")  # weights_only=True: a crafted file cannot run code
    except FileFormatError as exc:  # a truncated, foreign or unsafe file: one line naming it
        raise FileFormatError(f"opponent {spec!r}: {exc}") from exc
    fmt = data.get("format", "") if isinstance(data, dict) else ""
    fmt = fmt if isinstance(fmt, str) else ""
    if fmt.startswith("mathrl-alphazero"):
        player = load_alphazero(path)
        if player.game != game:
            raise ValueError(f"opponent {spec!r}: the agent plays {player.game!r}, not {game!r}")
        return player
    if fmt.startswith("mathrl-ppo"):
        from mathrl.agents.ppo.agent import load_agent as load_ppo

        agent = load_ppo(path)
        if GAME_ENVS.get(agent.env_id) != game.name:
            raise ValueError(f"opponent {spec!r}: the PPO agent was trained on {agent.env_id}, not a {game.name} env")
        player = PPOPlayer(agent, game)
        try:
            player(game.new_initial_state())
        except (RuntimeError, ValueError) as exc:  # another board size: the shapes do not fit
            raise ValueError(f"opponent {spec!r}: the PPO agent does not fit {game!r} ({exc})") from exc
        return player
    raise FileFormatError(f"opponent {spec!r}: {path} is neither an AlphaZero nor a PPO agent file")


register_loader("opponent", "pretrained", load_player)
register_loader("opponent", "agent", load_player)
