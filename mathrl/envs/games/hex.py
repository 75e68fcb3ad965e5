"""Hex: n x n rhombus, action ``r*n + c``, no swap rule.

Neighbours of ``(r, c)``: ``(r±1, c)``, ``(r, c±1)``, ``(r-1, c+1)``, ``(r+1, c-1)``.
Player 0 ("X") connects row 0 to row n-1; player 1 ("O") connects column 0 to
column n-1. Wins are found incrementally by a union-find over the cells plus
four virtual border nodes, so a move costs a few finds instead of a search.

**Canonical frame.** The observation of player 1 is *transposed*, so the
observed player always connects top to bottom (transposition preserves the
neighbour set and swaps the goal axes). A network reading the mover's
observation therefore outputs a policy in that frame too;
``Hex.action_policy(v, player)`` maps such a policy back to action indices and
``Hex.canonical_policy(v, player)`` maps action-indexed vectors (a legal mask,
a search's visit counts) into it. Transposition is an involution, so the two
are the same map; both names exist so call sites say which way they go.
``symmetries()`` act in the canonical frame; the 180° rotation commutes with
the transposition, so they act identically on action-indexed vectors.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from mathrl.envs.games.base import Game, GameState, Symmetry, bit_indices, permutation_symmetry

MAX_N = 32  # boards beyond this are outside any sensible use (the usual sizes are 5..11)


def _hex_distance(dr: float, dc: float) -> float:
    """Twice the hex distance of an offset (r, c) under this adjacency (axial coordinates)."""
    return abs(dr) + abs(dc) + abs(dr + dc)


class _Geometry:
    """Per-size tables: neighbour lists, the virtual border nodes each cell touches, and bitboard masks."""

    def __init__(self, n: int):
        self.n = n
        self.cells = n * n
        self.nbytes = (self.cells + 7) // 8
        self.top, self.bottom, self.left, self.right = range(self.cells, self.cells + 4)
        self.neighbours = []
        for r in range(n):
            for c in range(n):
                nbrs = [(r + dr) * n + (c + dc)
                        for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, 1), (1, -1))
                        if 0 <= r + dr < n and 0 <= c + dc < n]
                self.neighbours.append(tuple(nbrs))
        # borders[p][cell]: the virtual nodes of player p's two goal edges that the cell touches
        self.borders = ([], [])
        for r in range(n):
            for c in range(n):
                self.borders[0].append(tuple(v for v, on in ((self.top, r == 0), (self.bottom, r == n - 1)) if on))
                self.borders[1].append(tuple(v for v, on in ((self.left, c == 0), (self.right, c == n - 1)) if on))
        self.goals = ((self.top, self.bottom), (self.left, self.right))
        # bitboard masks for the exact solver's flood fill
        self.full = (1 << self.cells) - 1
        self.col0 = sum(1 << (r * n) for r in range(n))
        self.col_last = self.col0 << (n - 1)
        self.row0 = (1 << n) - 1
        self.row_last = self.row0 << (n * (n - 1))
        self.edges = ((self.row0, self.row_last), (self.col0, self.col_last))
        self.transpose = np.arange(self.cells).reshape(n, n).T.reshape(-1)
        # single-cell bitmasks by hex distance from the centre (the solver's move order)
        mid = (n - 1) / 2
        order = sorted(range(self.cells), key=lambda i: _hex_distance(i // n - mid, i % n - mid))
        self.centre_first = [1 << i for i in order]

    def spread(self, x: int) -> int:
        """The cells adjacent to any cell of the bitboard ``x`` (shifts masked against row wrap-around)."""
        n = self.n
        return ((x << n) | (x >> n)
                | ((x << 1) & ~self.col0) | ((x >> 1) & ~self.col_last)
                | ((x >> (n - 1)) & ~self.col0) | ((x << (n - 1)) & ~self.col_last)) & self.full

    def flood(self, stones: int, seed: int) -> int:
        """The cells of ``stones`` connected to the cells of ``seed`` (an edge mask)."""
        x = stones & seed
        while True:
            y = x | (self.spread(x) & stones)
            if y == x:
                return x
            x = y

    def winning_cells(self, stones: int, free: int, player: int) -> int:
        """The free cells that would complete a connection for ``stones``: touching both edge-connected groups."""
        start, end = self.edges[player]
        a, b = self.flood(stones, start), self.flood(stones, end)
        return free & (self.spread(a) | start) & (self.spread(b) | end)


@lru_cache(maxsize=None)
def _geometry(n: int) -> _Geometry:
    return _Geometry(n)


class Hex(Game):
    """Hex on an n x n rhombus (1 <= n <= 32), no swap rule."""

    name = "hex"

    def __init__(self, n: int = 7):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= MAX_N:
            raise ValueError(f"hex: n must be an integer in 1..{MAX_N}, got {n!r}")
        self.n = int(n)
        self.num_actions = self.n * self.n
        self.observation_shape = (2, self.n, self.n)
        self.max_game_length = self.n * self.n

    def new_initial_state(self) -> "HexState":
        return HexState(self)

    def from_board(self, board, player: int | None = None) -> "HexState":
        """A position from an (n, n) array: +1 = player 0, -1 = player 1, 0 = empty.

        The mover defaults to the one implied by the stone counts. The union-find is
        rebuilt stone by stone, so the winner (if any) is set as for a played game.
        """
        board = np.asarray(board)
        if board.shape != (self.n, self.n) or not np.isin(board, (-1, 0, 1)).all():
            raise ValueError(f"hex: board must be ({self.n}, {self.n}) with entries in {{-1, 0, 1}}")
        flat = board.reshape(-1)
        if player is None:
            player = 0 if (flat == 1).sum() <= (flat == -1).sum() else 1
        if player not in (0, 1):
            raise ValueError(f"hex: player must be 0 or 1, got {player!r}")
        state = HexState(self)
        for owner, value in ((0, 1), (1, -1)):
            for cell in np.flatnonzero(flat == value):
                state._place(int(cell), owner)
        state._player = player
        return state

    def symmetries(self) -> list[Symmetry]:
        """Identity and the 180° rotation, in the canonical frame (they also commute with its transposition)."""
        identity = permutation_symmetry("identity", lambda x: np.array(x, copy=True), np.arange(self.num_actions))
        rot180 = permutation_symmetry(
            "rot180", lambda x: np.ascontiguousarray(np.rot90(x, 2, axes=(-2, -1))), np.arange(self.num_actions)[::-1])
        return [identity, rot180]

    def canonical_policy(self, v, player: int) -> np.ndarray:
        """An action-indexed (..., A) vector in ``player``'s canonical (observation) frame."""
        v = np.asarray(v)
        return v[..., _geometry(self.n).transpose] if player == 1 else v

    def action_policy(self, v, player: int) -> np.ndarray:
        """A (..., A) policy in ``player``'s canonical frame (a network's output) indexed by actions."""
        return self.canonical_policy(v, player)  # the transposition is its own inverse

    def __repr__(self) -> str:
        return f"Hex(n={self.n})"


class HexState(GameState):
    __slots__ = ("game", "_history", "_player", "_stones", "_parent", "_result", "_geo")

    def __init__(self, game: Hex):
        self.game = game
        self._geo = _geometry(game.n)
        self._history = []
        self._player = 0
        self._stones = [0, 0]  # bitmask per player
        self._parent = list(range(game.n * game.n + 4))  # union-find over cells + 4 border nodes
        self._result = None

    def clone(self) -> "HexState":
        s = HexState.__new__(HexState)
        s.game = self.game
        s._geo = self._geo
        s._history = self._history.copy()
        s._player = self._player
        s._stones = self._stones.copy()
        s._parent = self._parent.copy()
        s._result = self._result
        return s

    def _find(self, x: int) -> int:
        parent = self._parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]  # path halving
            x = parent[x]
        return x

    def _place(self, a: int, p: int) -> None:
        """Put p's stone on cell a, join it to p's neighbouring stones and edges, and record a win."""
        geo, parent, find = self._geo, self._parent, self._find
        stones = self._stones[p] | (1 << a)
        self._stones[p] = stones
        root = a  # a fresh cell is its own root
        for b in geo.neighbours[a]:
            if stones >> b & 1:
                rb = find(b)
                if rb != root:
                    parent[rb] = root
        for v in geo.borders[p][a]:
            rv = find(v)
            if rv != root:
                parent[rv] = root
        start, end = geo.goals[p]
        if self._result is None and find(start) == find(end):
            self._result = p

    # ---- hooks -------------------------------------------------------------
    def _legal(self) -> list[int]:
        if self._result is not None:
            return []
        return bit_indices(self._geo.full & ~(self._stones[0] | self._stones[1]))

    def _is_legal(self, a: int) -> bool:
        return not (self._stones[0] | self._stones[1]) >> a & 1

    def _do(self, a: int) -> None:
        self._place(a, self._player)
        self._player = 1 - self._player

    def _winner(self):
        return self._result

    def _observe(self, p: int) -> np.ndarray:
        geo = self._geo
        obs = np.zeros((2, geo.cells), dtype=np.float32)
        for plane, owner in enumerate((p, 1 - p)):
            raw = np.frombuffer(self._stones[owner].to_bytes(geo.nbytes, "little"), dtype=np.uint8)
            obs[plane] = np.unpackbits(raw, count=geo.cells, bitorder="little")
        obs = obs.reshape(2, geo.n, geo.n)
        return np.ascontiguousarray(obs.transpose(0, 2, 1)) if p == 1 else obs

    # The mover's observation is transposed for player 1, so the network's policy is too.
    def policy_to_canonical(self, v: np.ndarray) -> np.ndarray:
        return self.game.canonical_policy(v, self._player)

    def policy_from_canonical(self, v: np.ndarray) -> np.ndarray:
        return self.game.action_policy(v, self._player)

    def _key(self) -> bytes:
        nb = self._geo.nbytes
        mover = 2 if self._result is not None else self._player
        return self._stones[0].to_bytes(nb, "little") + self._stones[1].to_bytes(nb, "little") + bytes((mover,))

    # ---- Hex extras ----------------------------------------------------------
    def board(self) -> np.ndarray:
        """(n, n) int8 array: +1 player 0, -1 player 1, 0 empty (the convention of ``Hex.from_board``)."""
        n = self.game.n
        out = np.zeros(n * n, dtype=np.int8)
        for owner, value in ((0, 1), (1, -1)):
            bits = self._stones[owner]
            out[[i for i in range(n * n) if bits >> i & 1]] = value
        return out.reshape(n, n)

    def __str__(self) -> str:
        """The rhombus with each row shifted right by one more space, so hex neighbours look adjacent."""
        n = self.game.n
        rows = ["  " + " ".join(chr(ord("a") + c) for c in range(n))]
        for r in range(n):
            cells = []
            for c in range(n):
                i = r * n + c
                cells.append("X" if self._stones[0] >> i & 1 else "O" if self._stones[1] >> i & 1 else ".")
            rows.append(f"{r + 1:<2}" + " " * r + " ".join(cells))
        return "\n".join(rows)


# ---- exact solver (tests and a small-board oracle) ----------------------------
def _mover_wins(stones: tuple[int, int], mover: int, geo: _Geometry, memo: dict) -> bool:
    key = (stones[0], stones[1], mover)
    hit = memo.get(key)
    if hit is not None:
        return hit
    own, opp = stones[mover], stones[1 - mover]
    free = geo.full & ~(own | opp)
    if geo.winning_cells(own, free, mover):
        result = True
    else:
        # a cell that completes the opponent's connection must be taken now; two of them lose
        threats = geo.winning_cells(opp, free, 1 - mover)
        result = False
        if not threats & (threats - 1):
            candidates = threats or free
            for m in geo.centre_first:  # central cells first: wins are found sooner (~15x fewer nodes on 4x4)
                if candidates & m:
                    child = (own | m, opp) if mover == 0 else (opp, own | m)
                    if not _mover_wins(child, 1 - mover, geo, memo):
                        result = True
                        break
    memo[key] = result
    return result


def solve(state: HexState, memo: dict | None = None) -> bool:
    """Whether the mover of a non-terminal Hex state wins under perfect play (exhaustive, memoised; n <= 4 takes ~1 s)."""
    if state.is_terminal():
        raise ValueError("hex: solve() needs a non-terminal state")
    return _mover_wins(tuple(state._stones), state._player, state._geo, {} if memo is None else memo)


def hex_winning_first_moves(n: int) -> list[tuple[int, int]]:
    """The cells (r, c) where player 0's first stone wins on an empty n x n board (exhaustive; n <= 4 is practical)."""
    game, memo = Hex(n), {}
    root = game.new_initial_state()
    wins = []
    for a in root.legal_actions():
        child = root.child(a)
        if child.is_terminal() or not solve(child, memo):
            wins.append(divmod(a, n))
    return wins
