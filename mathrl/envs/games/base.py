"""The pure game-state core shared by every board game.

A ``Game`` is a small immutable config; a ``GameState`` is a mutable position
with value semantics through ``clone()``. Nothing here knows about Gymnasium,
PettingZoo or torch: the adapters and AlphaZero drive these objects directly.

The method names follow the project's shared pure-state protocol
(``mathrl.core.PureState``); the OpenSpiel-style names (``apply_action``,
``legal_actions_mask``, ``observation_tensor``) are kept as aliases.
Subclasses implement only the ``_``-prefixed hooks; validation, history and
rewards live here once.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from mathrl.core import TERMINAL_PLAYER, IllegalActionError, as_action


class Symmetry:
    """A rule-preserving map of the board: ``obs`` maps (..., C, H, W) arrays, ``policy`` (..., A) vectors.

    Both act on the trailing axes, so a whole batch of samples is mapped in one call.

    ``inverse`` maps a policy in the transformed frame back (used when a network
    is queried on a transformed position).
    """

    __slots__ = ("name", "obs", "policy", "inverse_policy")

    def __init__(self, name: str, obs: Callable[[np.ndarray], np.ndarray],
                 policy: Callable[[np.ndarray], np.ndarray],
                 inverse_policy: Callable[[np.ndarray], np.ndarray] | None = None):
        self.name = name
        self.obs = obs
        self.policy = policy
        self.inverse_policy = inverse_policy or policy

    def __repr__(self) -> str:
        return f"Symmetry({self.name})"


def bit_indices(bits: int) -> list[int]:
    """Indices of the set bits of a bitboard, lowest first (the legal-move lists of Othello and Hex)."""
    out = []
    while bits:
        low = bits & -bits
        out.append(low.bit_length() - 1)
        bits ^= low
    return out


def permutation_symmetry(name: str, obs: Callable[[np.ndarray], np.ndarray], perm: np.ndarray) -> Symmetry:
    """A symmetry whose policy map is ``v -> v[perm]`` (cell/action permutations)."""
    perm = np.asarray(perm, dtype=np.int64)
    inv = np.empty_like(perm)
    inv[perm] = np.arange(len(perm))
    return Symmetry(name, obs, lambda v: np.asarray(v)[..., perm], lambda v: np.asarray(v)[..., inv])


class Game:
    """Immutable description of a game instance (size, action count, observation shape)."""

    name: str = "game"
    num_players: int = 2
    num_actions: int
    observation_shape: tuple[int, int, int]
    max_game_length: int

    def new_initial_state(self) -> "GameState":
        raise NotImplementedError

    def symmetries(self) -> list[Symmetry]:
        """All board symmetries, the identity first."""
        raise NotImplementedError

    def from_actions(self, actions: Sequence[int]) -> "GameState":
        """The state reached by playing ``actions`` from the start (IllegalActionError if one is illegal)."""
        state = self.new_initial_state()
        for a in actions:
            state.apply(a)
        return state

    # Move strings as a person types them (``mathrl play --batch``): 1-based action numbers by default.
    def parse_move(self, token: str) -> int:
        try:
            number = int(token)
        except ValueError:
            raise ValueError(f"{self.name}: move {token!r} is not a number") from None
        if not 1 <= number <= self.num_actions:
            raise ValueError(f"{self.name}: move {token!r} out of range 1..{self.num_actions}")
        return number - 1

    def format_move(self, action: int) -> str:
        return str(action + 1)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted(self.__dict__.items()))))


class GameState:
    """A position. Subclasses implement ``_legal``, ``_is_legal``, ``_do``, ``_winner``, ``_observe``, ``_key``, ``__str__``, ``clone``.

    Contract of the hooks:

    * ``_legal()`` -> ascending list of legal actions, ``[]`` iff terminal;
    * ``_is_legal(a)`` -> bool for ``0 <= a < A`` (fast path for ``apply``);
    * ``_do(a)`` plays a legal action in place, updating the mover;
    * ``_winner()`` -> ``None`` while the game runs, else 0/1 for a win or -1 for a draw;
    * ``_observe(p)`` -> (C,H,W) float32 from player ``p``'s side;
    * ``_key()`` -> bytes, equal iff same position and mover.
    """

    game: Game
    num_players = 2
    _history: list[int]
    _player: int  # the mover (meaningless once terminal)

    # ---- shared protocol -------------------------------------------------
    @property
    def num_actions(self) -> int:
        return self.game.num_actions

    def current_player(self) -> int:
        return TERMINAL_PLAYER if self._winner() is not None else self._player

    def legal_actions(self) -> list[int]:
        return self._legal()

    def action_mask(self) -> np.ndarray:
        mask = np.zeros(self.game.num_actions, dtype=bool)
        mask[self._legal()] = True
        return mask

    def is_terminal(self) -> bool:
        return self._winner() is not None

    def returns(self) -> np.ndarray:
        out = np.zeros(2, dtype=np.float32)
        winner = self._winner()
        if winner is not None and winner >= 0:
            out[winner] = 1.0
            out[1 - winner] = -1.0
        return out

    def winner(self) -> int | None:
        """``None`` while the game runs; 0 or 1 for a win; -1 for a draw."""
        return self._winner()

    def apply(self, action) -> float:
        """Play ``action`` for the mover; the reward is the mover's final result if the move ends the game, else 0."""
        a = as_action(action)
        if self._winner() is not None:
            raise IllegalActionError(f"{self.game.name}: the game is over")
        if not (0 <= a < self.game.num_actions and self._is_legal(a)):
            raise IllegalActionError(f"{self.game.name}: action {a} is illegal here (legal: {self._legal()})")
        mover = self._player
        self._do(a)
        self._history.append(a)
        winner = self._winner()
        if winner is None or winner < 0:
            return 0.0
        return 1.0 if winner == mover else -1.0

    def observation(self, player: int | None = None) -> np.ndarray:
        if player is None:
            if self._winner() is not None:
                raise ValueError(f"{self.game.name}: pass the player to observe a terminal state")
            player = self._player
        if player not in (0, 1):
            raise ValueError(f"player must be 0 or 1, got {player!r}")
        return self._observe(player)

    def history(self) -> list[int]:
        return list(self._history)

    def key(self) -> bytes:
        return self._key()

    def child(self, action) -> "GameState":
        state = self.clone()
        state.apply(action)
        return state

    # ---- the network's frame ---------------------------------------------
    # ``observation()`` may show the board in a canonical frame (Hex transposes
    # it for player 1 so the mover always connects top to bottom). A network's
    # policy lives in that frame; these two maps convert (A,) vectors between
    # it and real action indices. Most games use the identity.
    def policy_to_canonical(self, v: np.ndarray) -> np.ndarray:
        return v

    def policy_from_canonical(self, v: np.ndarray) -> np.ndarray:
        return v

    # ---- OpenSpiel-style aliases ------------------------------------------
    def apply_action(self, action) -> None:
        self.apply(action)

    def legal_actions_mask(self) -> np.ndarray:
        return self.action_mask()

    def observation_tensor(self, player: int | None = None) -> np.ndarray:
        return self.observation(player)

    def __eq__(self, other) -> bool:
        return isinstance(other, GameState) and self.game == other.game and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"<{self.game.name} after {self._history}>"
