"""The pure-state protocol shared by every mathrl domain.

A *pure state* is a small, cloneable object with no RL in it: the Gymnasium
adapters wrap one, and tree-search agents (MCTS) drive it directly, cloning it
to explore. The shape follows OpenSpiel's game/state API.

Conventions:

* Actions are integers ``0 .. num_actions - 1``; ``action_mask()`` is a bool
  array of length ``num_actions`` with True exactly at ``legal_actions()``.
* ``apply(action)`` mutates the state and returns the immediate reward of the
  player who acted (single-player domains: the only player).
* ``returns()`` is a float array of shape ``(num_players,)``: the total reward
  each player has collected so far (at a terminal state, the final outcome).
* ``current_player()`` is ``0 .. num_players - 1``, or ``TERMINAL_PLAYER`` once
  the state is terminal.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

TERMINAL_PLAYER = -4  # as in OpenSpiel


@runtime_checkable
class PureState(Protocol):
    num_players: int
    num_actions: int

    def legal_actions(self) -> list[int]: ...

    def action_mask(self) -> np.ndarray: ...

    def apply(self, action: int) -> float: ...

    def is_terminal(self) -> bool: ...

    def returns(self) -> np.ndarray: ...

    def current_player(self) -> int: ...

    def clone(self) -> "PureState": ...

    def observation(self) -> np.ndarray: ...


def as_action(action) -> int:
    """An integer action as a Python int (numpy integers and 0-d arrays too); ``TypeError`` otherwise.

    Booleans are refused: ``True`` as "action 1" is almost always a bug.
    """
    if type(action) is int:
        return action
    if isinstance(action, np.ndarray) and action.shape == ():
        action = action.item()
    if isinstance(action, (bool, np.bool_)) or not isinstance(action, (int, np.integer)):
        raise TypeError(f"action must be an integer, got {action!r} ({type(action).__name__})")
    return int(action)


class IllegalActionError(ValueError):
    """Raised by ``PureState.apply`` for an action that is not legal in the state."""
