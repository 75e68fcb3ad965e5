"""AlphaZero configuration: every knob of search, self-play, network and training in one frozen record.

A run is fully described by its config (saved with every checkpoint). The
per-game defaults (exploration constant, Dirichlet alpha, temperature plies,
simulations, network size) are tabulated in docs/agents.md.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace


@dataclass(frozen=True)
class SearchConfig:
    n_sims: int = 200
    c_puct: float = 1.25            # constant exploration, or c_init of the AlphaZero schedule
    c_base: float = 0.0             # 0: constant c; else c(s) = c_puct + log((N(s) + c_base + 1) / c_base)
    fpu: float = 0.0                # value of an unvisited edge
    dirichlet_alpha: float = 1.0
    dirichlet_eps: float = 0.25     # self-play only; evaluation searches use none
    leaves_per_tree: int = 1        # >1: collect several leaves per tree and round, with virtual loss
    virtual_loss: float = 1.0
    normalize_q: bool = False       # min-max normalise Q per tree (single-player problems with unbounded returns)

    def but(self, **changes) -> "SearchConfig":
        return replace(self, **changes)


@dataclass(frozen=True)
class AlphaZeroConfig:
    game: str = "connect4"
    game_kwargs: tuple = ()         # e.g. (("rows", 6), ("cols", 7)) — a tuple so the config stays hashable
    # network
    blocks: int = 5
    channels: int = 64
    # search
    search: SearchConfig = SearchConfig()
    temp_moves: int = 12            # plies played with tau = 1, then tau -> 0
    # self-play
    games_per_iter: int = 256
    concurrent_games: int = 128     # trees searched together, leaves evaluated in one batch
    workers: int = 2                # self-play processes (1 torch thread each)
    selfplay_precision: str = "fp32"  # "bf16": network in bfloat16 during self-play (~2x on CPUs with native bf16)
    # training
    buffer_size: int = 500_000      # positions
    reuse: float = 4.0              # expected times each new position is sampled
    batch_size: int = 256
    lr: float = 1e-3
    weight_decay: float = 1e-4      # c in the loss c * ||theta||^2
    # evaluation (fixed baselines every eval_every iterations; 0 = never)
    eval_every: int = 5
    eval_games: int = 40
    eval_sims: int = 200
    eval_mcts_sims: int = 1000
    seed: int = 0

    def but(self, **changes) -> "AlphaZeroConfig":
        return replace(self, **changes)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["game_kwargs"] = dict(self.game_kwargs)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "AlphaZeroConfig":
        data = dict(data)
        data["search"] = SearchConfig(**data.get("search", {}))
        data["game_kwargs"] = tuple(sorted(dict(data.get("game_kwargs", {})).items()))
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown AlphaZero config fields: {sorted(unknown)}")
        return cls(**data)


def default_config(game: str, **game_kwargs) -> AlphaZeroConfig:
    """Per-game defaults: network size, simulations, c, Dirichlet alpha and temperature plies (docs/agents.md)."""
    kw = tuple(sorted(game_kwargs.items()))
    if game == "tictactoe":
        return AlphaZeroConfig(
            game=game, game_kwargs=kw, blocks=2, channels=32,
            search=SearchConfig(n_sims=50, c_puct=1.25, dirichlet_alpha=1.0), temp_moves=4,
            games_per_iter=128, concurrent_games=64, buffer_size=50_000, batch_size=128,
            eval_every=2, eval_sims=50, eval_mcts_sims=200)
    if game == "connect4":
        return AlphaZeroConfig(
            game=game, game_kwargs=kw, blocks=5, channels=64,
            search=SearchConfig(n_sims=200, c_puct=2.0, dirichlet_alpha=1.0), temp_moves=12)
    if game == "othello":
        n = game_kwargs.get("n", 8)
        return AlphaZeroConfig(
            game=game, game_kwargs=kw, blocks=5, channels=64,
            search=SearchConfig(n_sims=200, c_puct=1.25, dirichlet_alpha=0.5 if n <= 6 else 0.3),
            temp_moves=10 if n <= 6 else 20)
    if game == "hex":
        n = game_kwargs.get("n", 7)
        return AlphaZeroConfig(
            game=game, game_kwargs=kw, blocks=5, channels=64,
            search=SearchConfig(n_sims=200, c_puct=1.25, dirichlet_alpha=min(1.0, 20 / n**2)),
            temp_moves=max(1, math.floor(n * n / 4)))
    raise ValueError(f"no AlphaZero defaults for game {game!r}; choose from tictactoe, connect4, othello, hex")
