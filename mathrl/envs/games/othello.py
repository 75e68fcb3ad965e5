"""Othello: n x n board (even n >= 4), action ``r*n + c``, action ``n*n`` is pass.

The board is two bitboards on Python ints (bit ``r*n + c``), so legal-move
generation and flipping are whole-board shift-and-mask floods in the 8
directions rather than loops over cells. Edge masks stop a shift from wrapping
a stone from one row's end to the next row's start.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from mathrl.envs.games.base import Game, GameState, Symmetry, bit_indices
from mathrl.envs.games.tictactoe import d4_symmetries

BLACK, WHITE = 0, 1  # player ids; Black moves first


class _Geometry:
    """Per-size constants: the full-board mask and, per direction, a shift and the mask of cells it may land on."""

    def __init__(self, n: int):
        self.n = n
        self.cells = n * n
        self.nbytes = (self.cells + 7) // 8
        self.full = (1 << self.cells) - 1
        col0 = sum(1 << (r * n) for r in range(n))
        col_last = col0 << (n - 1)
        self.left, self.right = [], []  # (shift, landing mask) for shifts towards higher / lower bits
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                if dr == dc == 0:
                    continue
                mask = self.full
                if dc == 1:
                    mask &= ~col0      # moving right must not land in column 0 (that is a wrap)
                elif dc == -1:
                    mask &= ~col_last  # moving left must not land in the last column
                shift = dr * n + dc
                if shift > 0:
                    self.left.append((shift, mask))
                else:
                    self.right.append((-shift, mask))
        self.runs = n - 3  # extra flood steps: a bracketed run is 1 .. n-2 stones long

    def moves(self, own: int, opp: int) -> int:
        """Bitmask of the empty cells where ``own`` brackets at least one line of ``opp``."""
        empty = self.full & ~(own | opp)
        moves = 0
        runs = range(self.runs)
        for s, mask in self.left:
            o = opp & mask
            x = (own << s) & o
            for _ in runs:
                x |= (x << s) & o
            moves |= (x << s) & mask
        for s, mask in self.right:
            o = opp & mask
            x = (own >> s) & o
            for _ in runs:
                x |= (x >> s) & o
            moves |= (x >> s) & mask
        return moves & empty

    def flips(self, move: int, own: int, opp: int) -> int:
        """The opponent stones flipped by placing the single bit ``move``: ray walks that end on an own stone."""
        flips = 0
        for s, mask in self.left:
            x = (move << s) & mask
            run = 0
            while x & opp:
                run |= x
                x = (x << s) & mask
            if x & own:
                flips |= run
        for s, mask in self.right:
            x = (move >> s) & mask
            run = 0
            while x & opp:
                run |= x
                x = (x >> s) & mask
            if x & own:
                flips |= run
        return flips

    def plane(self, bits: int) -> np.ndarray:
        """The bitboard as an (n, n) float32 array."""
        raw = np.frombuffer(bits.to_bytes(self.nbytes, "little"), dtype=np.uint8)
        return np.unpackbits(raw, count=self.cells, bitorder="little").astype(np.float32).reshape(self.n, self.n)


@lru_cache(maxsize=None)
def _geometry(n: int) -> _Geometry:
    return _Geometry(n)


class Othello(Game):
    """Othello on an n x n board (n even, n >= 4). ``legal_plane=True`` adds a third plane marking the mover's placements."""

    name = "othello"

    def __init__(self, n: int = 8, legal_plane: bool = False):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 4 <= n <= 32 or n % 2:
            raise ValueError(f"othello: n must be an even integer >= 4 and <= 32 (the standard board is 8), got {n!r}")
        self.n = int(n)
        self.legal_plane = bool(legal_plane)
        self.num_actions = self.n * self.n + 1
        self.pass_action = self.n * self.n
        self.observation_shape = (3 if self.legal_plane else 2, self.n, self.n)
        self.max_game_length = 2 * (self.n * self.n - 4)

    def new_initial_state(self) -> "OthelloState":
        n, h = self.n, self.n // 2
        white = (1 << ((h - 1) * n + h - 1)) | (1 << (h * n + h))
        black = (1 << ((h - 1) * n + h)) | (1 << (h * n + h - 1))
        return OthelloState(self, black, white, BLACK)

    def from_bitboards(self, black: int, white: int, player: int = BLACK) -> "OthelloState":
        """A position from two bitmasks (bit ``r*n + c``) and the mover; it need not be reachable from the start."""
        geo = _geometry(self.n)
        black, white = int(black), int(white)
        if black < 0 or white < 0 or (black | white) & ~geo.full or black & white:
            raise ValueError("othello: bitboards must be disjoint masks of the board's cells")
        if player not in (0, 1):
            raise ValueError(f"othello: player must be 0 or 1, got {player!r}")
        return OthelloState(self, black, white, player)

    def from_board(self, board, player: int = BLACK) -> "OthelloState":
        """A position from an (n, n) array: +1 = Black (player 0), -1 = White (player 1), 0 = empty.

        Rotated or reflected positions are valid under the rules but not reachable
        from the standard start; tests build them this way.
        """
        board = np.asarray(board)
        if board.shape != (self.n, self.n) or not np.isin(board, (-1, 0, 1)).all():
            raise ValueError(f"othello: board must be ({self.n}, {self.n}) with entries in {{-1, 0, 1}}")
        flat = board.reshape(-1)
        black = sum(1 << int(i) for i in np.flatnonzero(flat == 1))
        white = sum(1 << int(i) for i in np.flatnonzero(flat == -1))
        return self.from_bitboards(black, white, player)

    def symmetries(self) -> list[Symmetry]:
        return d4_symmetries(self.n, extra_actions=1)

    def __repr__(self) -> str:
        extra = ", legal_plane=True" if self.legal_plane else ""
        return f"Othello(n={self.n}{extra})"


class OthelloState(GameState):
    __slots__ = ("game", "_history", "_player", "_stones", "_moves", "_over", "_geo")

    def __init__(self, game: Othello, black: int, white: int, player: int):
        self.game = game
        self._geo = _geometry(game.n)
        self._history = []
        self._stones = [black, white]
        self._player = player
        self._update()

    def _update(self) -> None:
        """Cache the mover's placements; the game is over when neither side can place."""
        own, opp = self._stones[self._player], self._stones[1 - self._player]
        self._moves = self._geo.moves(own, opp)
        self._over = not self._moves and not self._geo.moves(opp, own)

    def clone(self) -> "OthelloState":
        s = OthelloState.__new__(OthelloState)
        s.game = self.game
        s._geo = self._geo
        s._history = self._history.copy()
        s._stones = self._stones.copy()
        s._player = self._player
        s._moves = self._moves
        s._over = self._over
        return s

    # ---- hooks -------------------------------------------------------------
    def _legal(self) -> list[int]:
        if self._over:
            return []
        if not self._moves:
            return [self.game.pass_action]
        return bit_indices(self._moves)

    def _is_legal(self, a: int) -> bool:
        if a == self.game.pass_action:
            return not self._moves
        return bool(self._moves >> a & 1)

    def _do(self, a: int) -> None:
        p = self._player
        if a != self.game.pass_action:
            own, opp = self._stones[p], self._stones[1 - p]
            move = 1 << a
            flips = self._geo.flips(move, own, opp)
            self._stones[p] = own | move | flips
            self._stones[1 - p] = opp & ~flips
        self._player = 1 - p
        self._update()

    def _winner(self):
        if not self._over:
            return None
        diff = self.disc_difference()
        return BLACK if diff > 0 else WHITE if diff < 0 else -1

    def _observe(self, p: int) -> np.ndarray:
        geo = self._geo
        planes = [geo.plane(self._stones[p]), geo.plane(self._stones[1 - p])]
        if self.game.legal_plane:
            planes.append(geo.plane(0 if self._over else self._moves))
        return np.stack(planes)

    def _key(self) -> bytes:
        nb = self._geo.nbytes
        mover = 2 if self._over else self._player
        return self._stones[0].to_bytes(nb, "little") + self._stones[1].to_bytes(nb, "little") + bytes((mover,))

    # ---- Othello extras ----------------------------------------------------
    def disc_counts(self) -> tuple[int, int]:
        """(Black stones, White stones)."""
        return self._stones[0].bit_count(), self._stones[1].bit_count()

    def disc_difference(self) -> int:
        """Black stones minus White stones (player 0's view); the final margin once the game is over."""
        return self._stones[0].bit_count() - self._stones[1].bit_count()

    def bitboards(self) -> tuple[int, int]:
        """(Black, White) as bitmasks, bit ``r*n + c``."""
        return self._stones[0], self._stones[1]

    def board(self) -> np.ndarray:
        """(n, n) int8 array: +1 Black, -1 White, 0 empty (the convention of ``Othello.from_board``)."""
        geo = self._geo
        return (geo.plane(self._stones[0]) - geo.plane(self._stones[1])).astype(np.int8)

    def __str__(self) -> str:
        n = self.game.n
        black, white = self._stones
        rows = ["  " + " ".join(chr(ord("a") + c) for c in range(n))]
        for r in range(n):
            cells = []
            for c in range(n):
                i = r * n + c
                cells.append("X" if black >> i & 1 else "O" if white >> i & 1 else ".")
            rows.append(f"{r + 1:<2}" + " ".join(cells))
        return "\n".join(rows)
