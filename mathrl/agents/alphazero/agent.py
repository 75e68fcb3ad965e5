"""A trained AlphaZero player: a network plus a deterministic search, saved as one small file.

``AlphaZeroAgent.choose(states)`` searches all given positions together (one
batched network call per round), so evaluating a thousand test positions costs
about as many network calls as one position does.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from mathrl.agents.alphazero.config import AlphaZeroConfig
from mathrl.agents.alphazero.evaluator import NetEvaluator
from mathrl.agents.alphazero.mcts import best_action, search
from mathrl.agents.alphazero.selfplay import build_net
from mathrl.agents.files import load_file, not_readable, save_file
from mathrl.envs.games.registry import make_game

PRETRAINED = {"tictactoe": "tictactoe.pt", "connect4": "connect4.pt"}
FORMAT = "mathrl-alphazero-1"  # unchanged: these files always held tensors and plain data only
WHAT = "AlphaZero agent file"


class AlphaZeroAgent:
    """Network + PUCT search with no noise; ``n_sims=0`` plays the network's masked argmax ("net-only")."""

    def __init__(self, net: torch.nn.Module, config: AlphaZeroConfig, n_sims: int | None = None,
                 leaves_per_tree: int | None = None, symmetrize: bool = False, precision: str = "fp32"):
        self.config = config
        self.game = make_game(config.game, **dict(config.game_kwargs))
        self.net = net.eval()
        # the cache carries the network's answers from one move's search to the next (a game's searches
        # overlap: the next position's tree is mostly below this one's)
        self.evaluator = NetEvaluator(self.net, symmetries=self.game.symmetries() if symmetrize else None,
                                      precision=precision, cache_size=config.eval_cache)
        changes = {"dirichlet_eps": 0.0}
        if n_sims is not None:
            changes["n_sims"] = n_sims
        if leaves_per_tree is not None:
            changes["leaves_per_tree"] = leaves_per_tree
        self.search_config = config.search.but(**changes)

    def choose(self, states: Sequence) -> list[int]:
        """The deterministic evaluation move for every state (most visits, then higher prior, then lowest index)."""
        if not states:
            return []
        if self.search_config.n_sims <= 0:
            priors, _ = self.evaluator(states)
            # masked argmax, ties to the lowest action index
            return [int(np.argmax(np.where(s.action_mask(), p, -1.0))) for s, p in zip(states, priors)]
        roots = search(states, self.evaluator, self.search_config)
        return [best_action(root) for root in roots]

    def __call__(self, state, rng=None) -> int:
        """The opponent protocol of the game envs: ``(state, rng) -> action``."""
        return self.choose([state])[0]

    # ---- files -----------------------------------------------------------
    def save(self, path: str | Path) -> None:
        save_agent(path, self.net, self.config)


def save_agent(path: str | Path, net: torch.nn.Module, config: AlphaZeroConfig, extra: dict | None = None) -> None:
    """Weights (float32) and config only: a few MB, loadable without the training state.

    Written with :func:`mathrl.agents.files.save_file` (atomic, tensors and plain data only), so
    :func:`load_agent` reads it with ``weights_only=True`` and a shared file cannot run code.
    """
    save_file({"format": FORMAT, "config": config.to_dict(),
               "weights": {k: v.detach().cpu() for k, v in net.state_dict().items()},
               "extra": dict(extra or {})}, Path(path))


def load_agent(path: str | Path, n_sims: int | None = None, leaves_per_tree: int | None = None,
               symmetrize: bool | None = None, precision: str = "fp32") -> AlphaZeroAgent:
    """An agent from a saved file, a training run folder (its ``agent.pt``), or ``pretrained:GAME``.

    Unset options come from the file: its config's simulations, and ``extra["symmetrize"]``
    (the play setting a shipped agent was evaluated with).
    """
    config, net, extra, p = read_agent(path)
    try:
        if symmetrize is None:
            symmetrize = bool(extra.get("symmetrize", False))
        return AlphaZeroAgent(net, config, n_sims, leaves_per_tree, symmetrize, precision)
    except (KeyError, TypeError, ValueError, AttributeError, RuntimeError) as exc:  # wrong config or shapes
        raise not_readable(p, WHAT, exc) from exc


def read_agent(path: str | Path):
    """(config, network with the file's weights, extra, file path) of an agent file, a run folder or
    ``pretrained:GAME``; one-line errors as :func:`load_agent` gives them."""
    path = str(path)
    if path.startswith("pretrained:"):
        game = path.split(":", 1)[1]
        if game not in PRETRAINED:
            raise ValueError(f"no pretrained agent for {game!r}; available: {', '.join(PRETRAINED)}")
        with resources.as_file(resources.files("mathrl.agents.alphazero") / "pretrained" / PRETRAINED[game]) as f:
            return read_agent(f)
    p = Path(path)
    if p.is_dir():
        for name in ("agent.pt",):
            if (p / name).exists():
                p = p / name
                break
        else:
            raise ValueError(f"{path}: no agent.pt in this directory")
    if not p.exists():
        raise ValueError(f"{path}: no such agent file")
    data = load_file(p, WHAT)  # weights_only=True: a crafted file cannot run code; any failure is one line
    if not isinstance(data, dict) or "config" not in data or "weights" not in data:
        raise not_readable(p, WHAT, "not a mathrl AlphaZero agent or checkpoint")
    try:
        config = AlphaZeroConfig.from_dict(data["config"])
        net = build_net(config)
        net.load_state_dict(data["weights"])
        extra = data.get("extra") or {}
        if not isinstance(extra, dict):
            raise TypeError(f"extra must be a dict, got {type(extra).__name__}")
        return config, net, extra, p
    except (KeyError, TypeError, ValueError, AttributeError, RuntimeError) as exc:  # wrong config or shapes
        raise not_readable(p, WHAT, exc) from exc
