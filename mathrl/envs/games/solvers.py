"""Exact solvers: test oracles and the "perfect" opponent.

* Tic-tac-toe: memoised minimax over all 5,478 positions, computed once.
* Connect Four: Pascal Pons' negamax on bitboards (alpha-beta, null windows,
  centre-first and threat-count move ordering, a transposition table of upper
  bounds). The same search gives the win/draw/loss value (a weak solve, window
  [-1, 1]) and the exact Pons score (a strong solve).

Values are from the mover's view: +1 win, 0 draw, -1 loss under perfect play.
Only positions that solve in about a second are accepted by ``value`` and
``action_values`` (``supports``), so a perfect opponent never stalls; ``pons_score``
takes any Connect Four position and may take long on early ones.
"""

from __future__ import annotations

import functools

import numpy as np

from mathrl.envs.games.base import Game, GameState
from mathrl.envs.games.connect4 import ConnectFour, ConnectFourState
from mathrl.envs.games.tictactoe import TicTacToe, TicTacToeState

# Connect Four boards up to this many cells solve from the empty board in about a second.
MAX_C4_CELLS = 20
# Positions on larger boards are accepted once this few cells are left empty.
MAX_C4_EMPTY = 16
# The transposition table is dropped when it grows past this many entries (memory bound).
MAX_TABLE_ENTRIES = 1 << 21


def supports(game: Game) -> bool:
    """True for the games whose empty board solves fast: tic-tac-toe, Connect Four with rows*cols <= 20."""
    if isinstance(game, TicTacToe):
        return True
    return isinstance(game, ConnectFour) and game.rows * game.cols <= MAX_C4_CELLS


def value(state: GameState) -> float:
    """The mover's game value (+1/0/-1); ValueError for a terminal or unsupported state."""
    _check(state)
    if isinstance(state, TicTacToeState):
        return float(tictactoe_table()[state.key()])
    return float(_c4_solver(state.game).wdl(*state.bitboards(), state.num_stones()))


def action_values(state: GameState) -> np.ndarray:
    """float32 (A,): the mover's value after each legal action, NaN for illegal ones."""
    _check(state)
    mover = state.current_player()
    out = np.full(state.num_actions, np.nan, dtype=np.float32)
    for a in state.legal_actions():
        child = state.child(a)
        # 0.0 - v rather than -v: a draw reads 0.0, not -0.0
        out[a] = child.returns()[mover] if child.is_terminal() else 0.0 - value(child)
    return out


def pons_score(state: ConnectFourState) -> int:
    """Pons' score of a Connect Four position for the mover (his 6 x 7 convention, generalised to rows x cols).

    A win scores ``(rows*cols + 1 - n) // 2`` for a winning stone played onto ``n``
    stones: the faster the win, the higher; a loss is the negation; a draw 0.
    """
    if not isinstance(state, ConnectFourState):
        raise ValueError(f"pons_score is for Connect Four, got {state.game.name}")
    if state.is_terminal():
        raise ValueError("pons_score: the game is over")
    return _c4_solver(state.game).score(*state.bitboards(), state.num_stones())


def pons_action_scores(state: ConnectFourState) -> np.ndarray:
    """float32 (A,): Pons' move scores ``s(p, m)`` (the score of playing m in p), NaN for illegal moves; their max is ``pons_score``."""
    game = state.game
    out = np.full(state.num_actions, np.nan, dtype=np.float32)
    n = state.num_stones()
    for a in state.legal_actions():
        child = state.child(a)
        if child.is_terminal():
            out[a] = (game.rows * game.cols + 1 - n) // 2 if child.winner() >= 0 else 0
        else:
            out[a] = -pons_score(child)
    return out


def _check(state: GameState) -> None:
    if state.is_terminal():
        raise ValueError(f"{state.game.name}: the game is over; use returns() for its value")
    if supports(state.game):
        return
    if isinstance(state, ConnectFourState):
        game = state.game
        if game.rows * game.cols - state.num_stones() <= MAX_C4_EMPTY:
            return
        raise ValueError(f"no fast exact solver for {game!r} with more than {MAX_C4_EMPTY} empty cells "
                         f"(boards up to {MAX_C4_CELLS} cells are solved from the start)")
    raise ValueError(f"no exact solver for {state.game.name}")


# ---- tic-tac-toe -----------------------------------------------------------

@functools.lru_cache(maxsize=None)
def tictactoe_table() -> dict[bytes, int]:
    """The mover's minimax value of every reachable non-terminal position, keyed by ``state.key()`` (do not mutate)."""
    table: dict[bytes, int] = {}

    def solve(state: TicTacToeState) -> int:
        key = state.key()
        if key not in table:
            mover = state.current_player()
            best = -1
            for a in state.legal_actions():
                child = state.child(a)
                best = max(best, int(child.returns()[mover]) if child.is_terminal() else -solve(child))
            table[key] = best
        return table[key]

    solve(TicTacToe().new_initial_state())
    return table


# ---- Connect Four ----------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _c4_solver(game: ConnectFour) -> "_ConnectFourSolver":
    return _ConnectFourSolver(game.rows, game.cols)


class _ConnectFourSolver:
    """Pons' negamax for one board size; the transposition table persists across calls (its bounds are exact facts)."""

    def __init__(self, rows: int, cols: int):
        height = rows + 1
        size = rows * cols
        bottom = sum(1 << (c * height) for c in range(cols))
        board = bottom * ((1 << rows) - 1)
        centre_first = sorted(range(cols), key=lambda c: abs(2 * c - (cols - 1)))
        columns = [((1 << rows) - 1) << (c * height) for c in centre_first]
        self.size = size
        self.table: dict[int, int] = {}
        table = self.table

        def winning_cells(pos: int, mask: int) -> int:
            """Empty cells that would complete four for the owner of ``pos``."""
            r = (pos << 1) & (pos << 2) & (pos << 3)  # vertical
            for s in (height, height - 1, height + 1):  # horizontal, both diagonals
                p = (pos << s) & (pos << 2 * s)
                r |= p & (pos << 3 * s)
                r |= p & (pos >> s)
                p = (pos >> s) & (pos >> 2 * s)
                r |= p & (pos << s)
                r |= p & (pos >> 3 * s)
            return r & (board ^ mask)

        def negamax(pos: int, mask: int, moves: int, alpha: int, beta: int) -> int:
            # Precondition: the mover cannot win with the next stone.
            possible = (mask + bottom) & board
            threats = winning_cells(pos ^ mask, mask)
            forced = possible & threats
            if forced:
                if forced & (forced - 1):
                    return -((size - moves) // 2)  # two threats: the opponent wins next
                possible = forced
            possible &= ~(threats >> 1)  # never play just below an opponent's threat
            if not possible:
                return -((size - moves) // 2)
            if moves >= size - 2:
                return 0
            low = -((size - 2 - moves) // 2)
            if alpha < low:
                alpha = low
                if alpha >= beta:
                    return alpha
            high = (size - 1 - moves) // 2
            bound = table.get(pos + mask)
            if bound is not None and bound < high:
                high = bound
            if beta > high:
                beta = high
                if alpha >= beta:
                    return beta
            candidates = []
            for column in columns:
                move = possible & column
                if move:
                    candidates.append((winning_cells(pos | move, mask).bit_count(), move))
            candidates.sort(key=lambda t: t[0], reverse=True)  # stable: centre first among ties
            child_pos = pos ^ mask
            for _, move in candidates:
                score = -negamax(child_pos, mask | move, moves + 1, -beta, -alpha)
                if score >= beta:
                    return score
                if score > alpha:
                    alpha = score
            if len(table) >= MAX_TABLE_ENTRIES:
                table.clear()
            table[pos + mask] = alpha  # an upper bound of the score
            return alpha

        def solve(pos: int, mask: int, moves: int, weak: bool) -> int:
            if winning_cells(pos, mask) & (mask + bottom) & board:
                return (size + 1 - moves) // 2
            low, high = (-1, 1) if weak else (-((size - moves) // 2), (size + 1 - moves) // 2)
            while low < high:  # null-window searches narrow [low, high]
                med = low + (high - low) // 2
                if med <= 0 and int(low / 2) < med:
                    med = int(low / 2)
                elif med >= 0 and int(high / 2) > med:
                    med = int(high / 2)
                r = negamax(pos, mask, moves, med, med + 1)
                if r <= med:
                    high = r
                else:
                    low = r
            return low

        self._solve = solve

    def score(self, pos: int, mask: int, moves: int) -> int:
        return self._solve(pos, mask, moves, False)

    def wdl(self, pos: int, mask: int, moves: int) -> int:
        s = self._solve(pos, mask, moves, True)
        return (s > 0) - (s < 0)
