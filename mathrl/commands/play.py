"""``mathrl play GAME``: play a board game against a shipped or trained agent."""

from __future__ import annotations

from .common import delegate


def main(argv: list[str] | None = None) -> int:
    return delegate("mathrl.agents.alphazero.cli", "CLIError", list(argv or []), "play_main")
