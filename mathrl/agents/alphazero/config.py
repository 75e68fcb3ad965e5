"""AlphaZero configuration: every knob of search, self-play, network and training in one frozen record.

A run is fully described by its config (saved with every checkpoint). The
per-game defaults (exploration constant, Dirichlet alpha, temperature plies,
simulations, network size) are tabulated in docs/agents.md.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

PRECISIONS = ("fp32", "bf16")  # self-play network precision (mirrors mathrl.agents.alphazero.evaluator)
MAX_SEED = 2**63 - 1           # torch.manual_seed and numpy's default_rng both accept 0..2**63-1
# Upper bounds: far above any useful setting, low enough that a typo (10**6 workers, 10**12 simulations)
# is refused at once instead of crashing the machine or running for ever.
MAX_SIMS = 10**6               # simulations per move (AlphaZero used 800; 10**6 is hours per move on a CPU)
MAX_WORKERS = 256              # self-play processes on one machine (100000 crash the process table)
MAX_BLOCKS, MAX_CHANNELS = 100, 1024   # a 100 x 1024 residual net already has ~2 * 10**9 weights
MAX_COUNT = 10**7              # games per iteration, concurrent games, batch size, evaluation games
MAX_AHEAD = 4                  # selfplay_ahead: each iteration ahead keeps one more copy of the weights


def _int(obj, name: str, low: int, high: int | None = None) -> None:
    """``obj.name`` must be an int (not a bool) in [low, high]; ValueError naming the field otherwise."""
    value = getattr(obj, name)
    bound = f">= {low}" if high is None else f"in [{low}, {high}]"
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        raise ValueError(f"{name} must be an integer {bound}, got {value!r}")


def _real(obj, name: str, low: float | None = None, high: float | None = None, low_open: bool = False) -> None:
    """``obj.name`` must be a finite number (not a bool) in the given range; ValueError naming the field otherwise."""
    value = getattr(obj, name)
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        if low is not None and high is not None:
            bound = f" in {'(' if low_open else '['}{low:g}, {high:g}]"
        elif low is not None:
            bound = f" {'>' if low_open else '>='} {low:g}"
        else:
            bound = ""
        raise ValueError(f"{name} must be a finite number{bound}, got {value!r}")


def _flag(obj, name: str) -> None:
    if not isinstance(getattr(obj, name), bool):
        raise ValueError(f"{name} must be true or false, got {getattr(obj, name)!r}")


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

    def __post_init__(self):
        self.validate()

    def validate(self) -> None:
        """Each field's rule (ValueError naming the field): n_sims >= 0 (0 = the network alone, for play),
        c_puct, c_base, virtual_loss >= 0, fpu any finite number, dirichlet_alpha > 0, dirichlet_eps a
        probability, leaves_per_tree >= 1, normalize_q a bool."""
        _int(self, "n_sims", 0, MAX_SIMS)
        _real(self, "c_puct", 0.0)
        _real(self, "c_base", 0.0)
        _real(self, "fpu")
        _real(self, "dirichlet_alpha", 0.0, low_open=True)
        _real(self, "dirichlet_eps", 0.0, 1.0)
        _int(self, "leaves_per_tree", 1, 4096)
        _real(self, "virtual_loss", 0.0)
        _flag(self, "normalize_q")

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
    reuse_tree: bool = True         # keep the played move's subtree; n_sims counts up to half of it from its visits
    eval_cache: int = 100_000       # positions whose network output self-play and play remember (LRU; 0 = none)
    selfplay_ahead: int = 0         # iterations of games started ahead of the learner (0: play, then learn;
                                    # 1: the workers play the next games, on weights one iteration old, while
                                    # the learner trains: staleness <= 1, logged)
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

    def __post_init__(self):
        self.validate()

    def validate(self) -> None:
        """Each field's rule (ValueError naming the field), checked whenever a config is made or changed:

        * counts >= 1: blocks, channels, games_per_iter, concurrent_games, workers, buffer_size,
          batch_size, eval_games, eval_sims, eval_mcts_sims, and search.n_sims (self-play needs a search),
          each at most its ``MAX_*`` bound (the buffer is bounded by memory, checked by the CLI);
        * >= 0: temp_moves, eval_every (0 = never), weight_decay, eval_cache (at most 10**6 positions, a few
          hundred MB per process), selfplay_ahead (at most MAX_AHEAD); seed in [0, 2**63 - 1]; reuse_tree a bool;
        * lr and reuse finite and > 0; selfplay_precision one of fp32, bf16;
        * game a non-empty name, game_kwargs (name, integer) pairs; the search fields as in SearchConfig.
        """
        if not isinstance(self.game, str) or not self.game:
            raise ValueError(f"game must be a game name, got {self.game!r}")
        if not isinstance(self.game_kwargs, tuple) or not all(
                isinstance(kv, tuple) and len(kv) == 2 and isinstance(kv[0], str) and isinstance(kv[1], int)
                and not isinstance(kv[1], bool) for kv in self.game_kwargs):
            raise ValueError(f"game_kwargs must map names to integers, got {self.game_kwargs!r}")
        if not isinstance(self.search, SearchConfig):
            raise ValueError(f"search must be a SearchConfig, got {self.search!r}")
        if self.search.n_sims < 1:
            raise ValueError(f"search.n_sims must be an integer >= 1 for training, got {self.search.n_sims!r}")
        for name, high in (("blocks", MAX_BLOCKS), ("channels", MAX_CHANNELS), ("games_per_iter", MAX_COUNT),
                           ("concurrent_games", MAX_COUNT), ("workers", MAX_WORKERS), ("buffer_size", None),
                           ("batch_size", MAX_COUNT), ("eval_games", MAX_COUNT), ("eval_sims", MAX_SIMS),
                           ("eval_mcts_sims", MAX_SIMS)):
            _int(self, name, 1, high)
        _int(self, "temp_moves", 0)
        _int(self, "eval_every", 0)
        _int(self, "eval_cache", 0, 1_000_000)
        _int(self, "selfplay_ahead", 0, MAX_AHEAD)
        _flag(self, "reuse_tree")
        _int(self, "seed", 0, MAX_SEED)
        _real(self, "lr", 0.0, low_open=True)
        _real(self, "reuse", 0.0, low_open=True)
        _real(self, "weight_decay", 0.0)
        if self.selfplay_precision not in PRECISIONS:
            raise ValueError(f"selfplay_precision must be one of {', '.join(PRECISIONS)}, "
                             f"got {self.selfplay_precision!r}")

    def but(self, **changes) -> "AlphaZeroConfig":
        return replace(self, **changes)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["game_kwargs"] = dict(self.game_kwargs)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "AlphaZeroConfig":
        if not isinstance(data, dict):
            raise ValueError(f"an AlphaZero config must be a JSON object, got {type(data).__name__}")
        data = dict(data)
        search = data.get("search", {})
        if isinstance(search, SearchConfig):
            search = asdict(search)
        if not isinstance(search, dict):
            raise ValueError(f"search must be an object of search fields, got {search!r}")
        unknown = set(search) - {f.name for f in fields(SearchConfig)}
        if unknown:
            raise ValueError(f"unknown AlphaZero config fields: {sorted('search.' + k for k in unknown)}")
        try:
            data["search"] = SearchConfig(**search)
        except ValueError as exc:
            raise ValueError(f"search.{exc}") from None
        kwargs = data.get("game_kwargs", {})
        if isinstance(kwargs, (list, tuple)):
            try:
                kwargs = dict(kwargs)
            except (TypeError, ValueError):
                pass
        if not isinstance(kwargs, dict):
            raise ValueError(f"game_kwargs must be an object of integers, got {kwargs!r}")
        data["game_kwargs"] = tuple(sorted(kwargs.items()))
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
