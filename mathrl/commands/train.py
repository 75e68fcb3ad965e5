"""``mathrl train WHAT``: train an agent (AlphaZero on the board games, PPO on any env)."""

from __future__ import annotations

from .common import dispatch

# agent -> (module, its input-error class, its training entry point)
TRAINERS = {"alphazero": ("mathrl.agents.alphazero.cli", "CLIError", "train_main"),
            "ppo": ("mathrl.agents.ppo.cli", "CLIError", "train_main")}


def main(argv: list[str] | None = None) -> int:
    return dispatch("mathrl train", TRAINERS, argv, "agent")
