"""Connect Four: ``rows`` x ``cols`` board (both >= 4), action = column, 4 in a row wins.

Pascal Pons' bitboard layout on Python ints: column ``c`` owns bits
``c*(rows+1) .. c*(rows+1)+rows-1`` from the bottom up, plus one always-empty
sentinel bit on top that stops line shifts from wrapping into the next column.
A position is two ints: ``mask`` (all stones) and ``position`` (the mover's
stones), so a move is one xor, one add and one or, and a win test is four
shift-and pairs. The solvers (``solvers.py``) search on the same two ints.
"""

from __future__ import annotations

import numpy as np

from mathrl.core import IllegalActionError
from mathrl.envs.games.base import Game, GameState, Symmetry, permutation_symmetry


def has_four(stones: int, height: int) -> bool:
    """Whether ``stones`` (one player's bitboard, columns of ``height`` = rows+1 bits) hold 4 in a row."""
    for shift in (height, height - 1, height + 1, 1):  # horizontal, both diagonals, vertical
        pairs = stones & (stones >> shift)
        if pairs & (pairs >> (2 * shift)):
            return True
    return False


MAX_SIDE = 32  # the standard board is 6 x 7; a side beyond this only exhausts memory


class ConnectFour(Game):
    name = "connect4"

    def __init__(self, rows: int = 6, cols: int = 7):
        for label, value in (("rows", rows), ("cols", cols)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 4 <= value <= MAX_SIDE:
                raise ValueError(f"connect4: {label} must be an integer >= 4 (four in a row must fit) and <= "
                                 f"{MAX_SIDE} (larger boards are outside any sensible use), got {value!r}")
        self.rows = rows = int(rows)
        self.cols = cols = int(cols)
        self.num_actions = cols
        self.observation_shape = (2, rows, cols)
        self.max_game_length = rows * cols
        height = rows + 1
        # Tuples, not lists: Game.__hash__ hashes the instance dict.
        self._bottom = tuple(1 << (c * height) for c in range(cols))
        self._top = tuple(1 << (c * height + rows - 1) for c in range(cols))

    def __repr__(self) -> str:
        return f"ConnectFour(rows={self.rows}, cols={self.cols})"

    def new_initial_state(self) -> "ConnectFourState":
        return ConnectFourState(self)

    def symmetries(self) -> list[Symmetry]:
        mirror = np.arange(self.cols)[::-1].copy()
        return [
            permutation_symmetry("identity", lambda x: np.array(x, copy=True), np.arange(self.cols)),
            permutation_symmetry("mirror", lambda x: np.ascontiguousarray(np.asarray(x)[..., ::-1]), mirror),
        ]

    def from_moves(self, moves: str) -> "ConnectFourState":
        """The state after a Pons move string such as ``"4455"`` (digit ``d`` = column ``d-1``)."""
        if self.cols > 9:
            raise ValueError(f"connect4: Pons move strings need cols <= 9, this board has {self.cols}")
        state = self.new_initial_state()
        for i, ch in enumerate(moves):
            if not ("1" <= ch <= "9" and int(ch) <= self.cols):
                raise ValueError(f"connect4: bad move {ch!r} at index {i} of {moves!r} (expected a digit 1..{self.cols})")
            try:
                state.apply(int(ch) - 1)
            except IllegalActionError as err:
                raise ValueError(f"connect4: move {ch!r} at index {i} of {moves!r} is illegal ({err})") from None
        return state


class ConnectFourState(GameState):
    __slots__ = ("game", "_history", "_player", "_position", "_mask", "_result")

    def __init__(self, game: ConnectFour):
        self.game = game
        self._history = []
        self._player = 0
        self._position = 0      # the mover's stones
        self._mask = 0          # all stones
        self._result = None     # None running, 0/1 winner, -1 draw

    def clone(self) -> "ConnectFourState":
        s = ConnectFourState.__new__(ConnectFourState)
        s.game = self.game
        s._history = self._history.copy()
        s._player = self._player
        s._position = self._position
        s._mask = self._mask
        s._result = self._result
        return s

    def bitboards(self) -> tuple[int, int]:
        """``(mover's stones, all stones)`` in Pons' layout, for solvers."""
        return self._position, self._mask

    def num_stones(self) -> int:
        return len(self._history)

    def _legal(self) -> list[int]:
        if self._result is not None:
            return []
        mask = self._mask
        return [c for c, top in enumerate(self.game._top) if not mask & top]

    def _is_legal(self, a: int) -> bool:
        return not self._mask & self.game._top[a]

    def _do(self, a: int) -> None:
        game = self.game
        mask = self._mask
        self._position ^= mask
        self._mask = mask = mask | (mask + game._bottom[a])
        # self._position is now the opponent's stones; the mover's are the rest of the mask.
        if has_four(self._position ^ mask, game.rows + 1):
            self._result = self._player
        elif len(self._history) + 1 == game.max_game_length:
            self._result = -1
        self._player = 1 - self._player

    def _winner(self):
        return self._result

    def _stones(self, p: int) -> int:
        return self._position if p == self._player else self._position ^ self._mask

    def _observe(self, p: int) -> np.ndarray:
        game = self.game
        height = game.rows + 1
        nbytes = (height * game.cols + 7) // 8
        planes = []
        for bits in (self._stones(p), self._stones(1 - p)):
            flat = np.unpackbits(np.frombuffer(bits.to_bytes(nbytes, "little"), dtype=np.uint8), bitorder="little")
            # (cols, height) bottom-up -> drop the sentinel -> (rows, cols) with row 0 on top
            planes.append(flat[: height * game.cols].reshape(game.cols, height)[:, game.rows - 1::-1].T)
        return np.stack(planes).astype(np.float32)

    def _key(self) -> bytes:
        # position + mask sets the bit above each column's top stone: unique per (board, mover).
        game = self.game
        return (self._position + self._mask).to_bytes(((game.rows + 1) * game.cols + 7) // 8, "little")

    def __str__(self) -> str:
        game = self.game
        width = len(str(game.cols))
        first, second = self._stones(0), self._stones(1)
        lines = []
        for r in range(game.rows - 1, -1, -1):
            cells = []
            for c in range(game.cols):
                bit = 1 << (c * (game.rows + 1) + r)
                cells.append(("X" if first & bit else "O" if second & bit else ".").rjust(width))
            lines.append(" ".join(cells))
        lines.append(" ".join(str(c + 1).rjust(width) for c in range(game.cols)))
        return "\n".join(lines)
