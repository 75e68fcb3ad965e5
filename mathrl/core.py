"""The pure-state protocol shared by every mathrl domain.

A *pure state* is a small, cloneable object with no RL in it: the Gymnasium
adapters wrap one, and tree-search agents (MCTS, nested Monte Carlo) drive it
directly, cloning it to explore. The shape follows OpenSpiel's game/state API
(Lanctot et al. 2019), reduced to what search needs. The contract:

Players
    ``num_players`` is 1 (graphs, Buchberger, semigroups) or 2 (board games).
    ``current_player()`` is the player to move, ``0 .. num_players - 1``, or
    ``TERMINAL_PLAYER`` exactly when ``is_terminal()``. There are no chance
    nodes: randomness lives in how a state is *made* (a random ideal), never in
    ``apply``.

Actions
    Integers ``0 .. num_actions - 1``. ``num_actions`` belongs to the *state*
    and may change from state to state, even within one episode (Buchberger's
    actions index the current pair queue, whose length changes with every
    step); fixed-size domains simply return a constant. ``legal_actions()`` is
    ascending and empty exactly when the state is terminal; ``action_mask()``
    is a bool array of length ``num_actions`` that is True exactly at
    ``legal_actions()``. A search must size per-state arrays from each
    state's own ``num_actions``, never from another state in its batch.

Moves and rewards
    ``apply(action)`` mutates the state and returns the immediate reward of
    the player who acted. A non-integer action raises ``TypeError``; an illegal
    one (or any action at a terminal state) raises :class:`IllegalActionError`
    and leaves the state unchanged. Two-player games are zero-sum: the other
    player's reward for the move is the negation.

Returns
    ``returns()`` is a float array of shape ``(num_players,)``: each player's
    total reward so far, counting the negated rewards of the opponent's moves
    in two-player games. At a terminal state it is the final outcome.

Copies and observations
    ``clone()`` is an independent copy: applying moves to it never changes the
    original (and vice versa). ``observation()`` is a numpy array describing the
    state for a learner; it is a convenience for adapters, not part of the
    search contract.

Independent subproblems (optional, :class:`Decomposable`)
    Some single-player problems split: cutting a proof node at a cell leaves
    one independent subproof per candidate value, and the proof's size is one
    plus the sum of theirs. Such a state offers ``subproblems()`` (its open
    parts as one-part states, whose costs add up to what is left of it) and
    ``split(action)`` (the one-part states a move at the current part leaves,
    without changing this state). Search then works on the AND-OR tree: an OR
    node chooses the move with the smallest ``-reward + sum of the parts'
    costs``, an AND node adds its parts (Simpson 2021, arXiv:2106.03015).

:func:`mathrl.checks.check_pure_state` verifies all of this on random playouts.
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


@runtime_checkable
class Decomposable(Protocol):
    """A single-player state whose open work is a sum of independent parts (see the module docstring)."""

    def subproblems(self) -> list: ...

    def split(self, action: int) -> list: ...


@runtime_checkable
class Rollout(Protocol):
    """A state that can finish its own episode cheaply with a domain heuristic, for search.

    AlphaGo (Silver et al. 2016) valued a leaf by mixing the value network with the result of a fast
    rollout; a domain with a good cheap heuristic (Buchberger: Degree, the best classical selection) offers
    that rollout here, so a search can use it without knowing the domain.
    """

    def rollout_return(self) -> float:
        """The return of finishing the episode from here with the heuristic; the state is left unchanged."""
        ...


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
