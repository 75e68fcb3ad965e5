"""Game names (the CLI's GAME argument) to constructors, with their size kwargs."""

from __future__ import annotations

from mathrl.envs.games.base import Game

GAME_NAMES = ("tictactoe", "connect4", "othello", "hex")


def make_game(name: str, **kwargs) -> Game:
    """``make_game("connect4", rows=6, cols=7)``; a ValueError names the choices."""
    if name == "tictactoe":
        from mathrl.envs.games.tictactoe import TicTacToe
        if kwargs:
            raise ValueError(f"tictactoe takes no size arguments, got {sorted(kwargs)}")
        return TicTacToe()
    if name == "connect4":
        from mathrl.envs.games.connect4 import ConnectFour
        return ConnectFour(**kwargs)
    if name == "othello":
        from mathrl.envs.games.othello import Othello
        return Othello(**kwargs)
    if name == "hex":
        from mathrl.envs.games.hex import Hex
        return Hex(**kwargs)
    raise ValueError(f"unknown game {name!r}; choose from {', '.join(GAME_NAMES)}")
