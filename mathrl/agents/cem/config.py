"""CEM configurations: Wagner's faithful preset and our faster default.

Every field is visible here so a run is fully described by its config (it is
saved next to every checkpoint and result).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import ClassVar


@dataclass(frozen=True)
class CEMConfig:
    agent_kind: ClassVar[str] = "cem"  # its name in run files (mathrl.agents.searchers.kind_of)
    n_sessions: int = 1000          # new words sampled per iteration
    elite_percentile: float = 93.0  # learn from the top 7%
    super_percentile: float = 94.0  # carry the top 6% to the next iteration
    hidden: tuple[int, ...] = (128, 64, 4)
    init: str = "glorot"            # "glorot" (weights Glorot-uniform, biases 0) or "torch" (nn.Linear default)
    optimizer: str = "sgd"          # "sgd" or "adam"
    lr: float = 1e-4
    batch_size: int = 32
    epochs: int = 1                 # passes over the elite pairs per iteration
    unique: bool = False            # drop repeated words from the pool before selection
    restart_after: int = 0          # 0: never; else re-initialise the network after this many
                                    # iterations without a new best (a collapsed population is stuck)
    islands: int = 1                # independent populations, one process each
    migrate_every: int = 0          # 0: never; else merge islands' top sessions every k iterations
    migrate_top: int = 50
    threads: int = 1                # torch threads per island
    polish_top: int = 0             # hybrid: improve the best k distinct words of each pool by steepest ascent
    polish_steps: int = 10          # moves per polished word at most; the walk's moves without a new best
    polish_swaps: int = 64          # random swap moves per local-search step (besides every flip)
    polish_transfers: int = 0       # graphs: neighbourhood transfers tried where no flip or swap improves
    polish_tenure: int = 0          # the walk's tabu tenure (0: steepest ascent)
    polish_share: float = 0.0       # 0: no time cap; else the polish's share of each iteration's time
    polish_random: int = 0          # > 0: a tabu walk from random words goes on beside the generator
    extra: dict = field(default_factory=dict)

    @property
    def elite_budget(self) -> float:
        return self.n_sessions * (100 - self.elite_percentile) / 100

    @property
    def super_budget(self) -> float:
        return self.n_sessions * (100 - self.super_percentile) / 100

    def to_dict(self) -> dict:
        data = asdict(self)
        data["hidden"] = list(self.hidden)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "CEMConfig":
        data = dict(data)
        data["hidden"] = tuple(data.get("hidden", (128, 64, 4)))
        return cls(**data)

    def but(self, **changes) -> "CEMConfig":
        return replace(self, **changes)


PRESETS: dict[str, CEMConfig] = {
    # Wagner 2021 exactly: 1000 sessions, learn from the top 7%, keep the top 6%, Glorot init,
    # SGD lr 1e-4, minibatch 32, one epoch per iteration (docs/agents.md).
    "wagner": CEMConfig(),
}
# Faster and far more reliable on conjecture 2.1 at n = 19 (see scripts/bench_cem.py):
# Adam converges in ~100 iterations instead of thousands; duplicate words are dropped
# before selection; a population that has not improved for 20 iterations is stuck in a
# local optimum and restarts from a fresh network; one island per core.
# 400 sessions instead of 1000: an attempt (converge, stall 20 iterations, restart) costs
# ~2.2x less time and succeeds about as often, so counterexamples to conjecture 2.1 at n = 19
# come ~2x as often per core-minute (mathrl bench cem hit-rate: 5 hits in 720 core-seconds at
# 400 sessions over seeds 2, 5, 7; 1 in 240 at 1000, seed 1; 2 in 240 at 200, seed 3).
PRESETS["default"] = CEMConfig(n_sessions=400, optimizer="adam", lr=1e-4, unique=True, restart_after=20, islands=2)
# PatternBoost's loop (Charton, Ellenberg, Wagner & Williamson 2024) with the CEM network as the
# generator: the best distinct words of every pool are improved by steepest ascent before the
# elites are chosen, so the network learns from improved objects, and a tabu search walks on beside
# it: what the generator has not found yet (a dense extremal graph while it learns sparse ones),
# restarted local search may. Local search gets half of each iteration's time: with a quarter,
# one island took 2.4-30.6 s to ex(15, C4) and missed ex(18, C4) in 40 s (2 seeds); with half,
# 0.3-0.8 s and 17.6-32.4 s (2 of 3), conjecture 2.1 as fast or faster (docs/agents.md; measured
# with a first version of the walk that lost its tabu list between iterations).
PRESETS["hybrid"] = PRESETS["default"].but(polish_top=8, polish_steps=50, polish_tenure=7, polish_share=0.5,
                                            polish_random=1, polish_transfers=32)
DEFAULT_PRESET = "default"


def preset(name: str) -> CEMConfig:
    if name not in PRESETS:
        raise ValueError(f"unknown CEM preset {name!r}; presets: {', '.join(sorted(PRESETS))}")
    return PRESETS[name]
