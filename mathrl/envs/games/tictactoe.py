"""Tic-tac-toe: 3x3 board, action ``r*3 + c``, D4 symmetries."""

from __future__ import annotations

import numpy as np

from mathrl.envs.games.base import Game, GameState, Symmetry, permutation_symmetry

_LINES = [(0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8), (2, 4, 6)]
_LINE_MASKS = [sum(1 << i for i in line) for line in _LINES]
_FULL = (1 << 9) - 1


def d4_symmetries(n: int, extra_actions: int = 0) -> list[Symmetry]:
    """The 8 symmetries of an n x n board acting on (C,n,n) observations and on n*n (+ extra) action vectors.

    Actions beyond ``n*n`` (Othello's pass) are fixed points.
    """
    cells = np.arange(n * n).reshape(n, n)
    out = []
    for k in range(4):
        for flip in (False, True):
            def obs(x, k=k, flip=flip):
                y = np.rot90(x, k, axes=(-2, -1))
                return np.ascontiguousarray(np.flip(y, axis=-1) if flip else y)
            image = obs(cells)  # image[r, c] = the source cell that lands on (r, c)
            # policy(v)[dest] = v[source]: a permutation gather
            perm = np.concatenate([image.reshape(-1), np.arange(n * n, n * n + extra_actions)])
            out.append((k, flip, obs, perm))
    syms = []
    for k, flip, obs, perm in out:
        syms.append(permutation_symmetry(f"rot{90 * k}{'+flip' if flip else ''}", obs, perm))
    return syms


class TicTacToe(Game):
    name = "tictactoe"
    num_actions = 9
    observation_shape = (2, 3, 3)
    max_game_length = 9

    def new_initial_state(self) -> "TicTacToeState":
        return TicTacToeState(self)

    def symmetries(self) -> list[Symmetry]:
        return d4_symmetries(3)


class TicTacToeState(GameState):
    __slots__ = ("game", "_history", "_player", "_stones", "_result")

    def __init__(self, game: TicTacToe):
        self.game = game
        self._history = []
        self._player = 0
        self._stones = [0, 0]   # bitmask per player
        self._result = None     # None running, 0/1 winner, -1 draw

    def clone(self) -> "TicTacToeState":
        s = TicTacToeState.__new__(TicTacToeState)
        s.game = self.game
        s._history = self._history.copy()
        s._player = self._player
        s._stones = self._stones.copy()
        s._result = self._result
        return s

    def _legal(self) -> list[int]:
        if self._result is not None:
            return []
        occupied = self._stones[0] | self._stones[1]
        return [i for i in range(9) if not occupied >> i & 1]

    def _is_legal(self, a: int) -> bool:
        return not (self._stones[0] | self._stones[1]) >> a & 1

    def _do(self, a: int) -> None:
        p = self._player
        stones = self._stones[p] | (1 << a)
        self._stones[p] = stones
        if any(stones & m == m for m in _LINE_MASKS):
            self._result = p
        elif self._stones[0] | self._stones[1] == _FULL:
            self._result = -1
        self._player = 1 - p

    def _winner(self):
        return self._result

    def _observe(self, p: int) -> np.ndarray:
        obs = np.zeros((2, 9), dtype=np.float32)
        for plane, owner in enumerate((p, 1 - p)):
            bits = self._stones[owner]
            for i in range(9):
                if bits >> i & 1:
                    obs[plane, i] = 1.0
        return obs.reshape(2, 3, 3)

    def _key(self) -> bytes:
        return bytes((self._stones[0] & 0xFF, self._stones[0] >> 8, self._stones[1] & 0xFF, self._stones[1] >> 8, self._player))

    def __str__(self) -> str:
        rows = []
        for r in range(3):
            cells = []
            for c in range(3):
                i = 3 * r + c
                cells.append("X" if self._stones[0] >> i & 1 else "O" if self._stones[1] >> i & 1 else ".")
            rows.append(" ".join(cells))
        return "\n".join(rows)
