"""A conformance check for the pure-state protocol of :mod:`mathrl.core`.

Gymnasium's ``check_env`` tests an env; this tests the state behind it, the
only thing tree search relies on. It plays random legal moves and checks, at
every step, the invariants the protocol promises, so a new domain (or a
user's own) can be checked with one call before any agent touches it.
"""

from __future__ import annotations

import math

import numpy as np

from mathrl.core import TERMINAL_PLAYER, IllegalActionError, PureState

__all__ = ["ProtocolError", "check_pure_state"]


class ProtocolError(AssertionError):
    """A pure state broke the protocol; the message names the invariant and the step."""


def _fail(step: int, message: str) -> None:
    raise ProtocolError(f"step {step}: {message}")


def _snapshot(state) -> tuple:
    return (tuple(state.legal_actions()), state.current_player(), state.is_terminal(),
            tuple(np.asarray(state.returns(), dtype=np.float64).round(12)))


def _check_position(state, step: int) -> None:
    n_players = state.num_players
    player = state.current_player()
    terminal = state.is_terminal()
    legal = state.legal_actions()
    if terminal != (player == TERMINAL_PLAYER):
        _fail(step, f"is_terminal() is {terminal} but current_player() is {player}")
    if not terminal and not 0 <= player < n_players:
        _fail(step, f"current_player() {player} is outside 0..{n_players - 1}")
    if terminal != (len(legal) == 0):
        _fail(step, f"is_terminal() is {terminal} with {len(legal)} legal actions")
    if any(type(a) is not int for a in legal):
        _fail(step, f"legal_actions() must be Python ints, got {legal!r}")
    if list(legal) != sorted(set(legal)):
        _fail(step, f"legal_actions() must be ascending without repeats, got {legal!r}")
    mask = state.action_mask()
    if not isinstance(mask, np.ndarray) or mask.dtype != np.bool_ or mask.ndim != 1:
        _fail(step, f"action_mask() must be a 1-D bool array, got {type(mask).__name__} "
                    f"{getattr(mask, 'dtype', None)}")
    if mask.shape[0] != state.num_actions:
        _fail(step, f"action_mask() has length {mask.shape[0]}, num_actions is {state.num_actions}")
    if np.flatnonzero(mask).tolist() != list(legal):
        _fail(step, "action_mask() is not True exactly at legal_actions()")
    returns = np.asarray(state.returns(), dtype=np.float64)
    if returns.shape != (n_players,) or not np.all(np.isfinite(returns)):
        _fail(step, f"returns() must be {n_players} finite floats, got {returns!r}")


def check_pure_state(state, rng: np.random.Generator | int = 0, *, max_steps: int = 10_000,
                     check_clones: bool = True) -> int:
    """Play random legal moves from ``state`` (a clone; ``state`` is not changed) and check the protocol.

    Checked at every step: the :class:`~mathrl.core.PureState` attributes; the
    player/terminal/legal-action invariants; ``action_mask()`` against
    ``legal_actions()``; finite ``returns()`` of the right shape; that rewards
    add up to ``returns()`` (negated for the opponent in two-player games);
    that an action the mask forbids, one past the range, and a non-integer
    action (``TypeError``) are refused without changing the state; that
    ``observation()`` of a non-terminal state is an array; and (``check_clones``) that a clone is independent of
    its original. Returns the number of moves played; raises
    :class:`ProtocolError` on the first violation.
    """
    rng = np.random.default_rng(rng)
    if not isinstance(state, PureState):
        missing = [name for name in ("num_players", "num_actions", "legal_actions", "action_mask", "apply",
                                     "is_terminal", "returns", "current_player", "clone", "observation")
                   if not hasattr(state, name)]
        raise ProtocolError(f"{type(state).__name__} is not a PureState (missing: {', '.join(missing)})")
    state = state.clone()
    n_players = state.num_players
    if n_players not in (1, 2):
        raise ProtocolError(f"num_players must be 1 or 2, got {n_players}")
    start = np.asarray(state.returns(), dtype=np.float64).copy()
    collected = np.zeros(n_players)
    for step in range(max_steps + 1):
        _check_position(state, step)
        if state.is_terminal():
            break
        if step == max_steps:
            return step
        before = _snapshot(state)
        illegal = state.num_actions  # one past the last action is never legal
        try:
            state.apply(illegal)
        except IllegalActionError:
            pass
        else:
            _fail(step, f"apply({illegal}) with num_actions = {illegal} did not raise IllegalActionError")
        try:
            state.apply(0.5)
        except TypeError:
            pass
        except IllegalActionError:
            _fail(step, "apply(0.5) raised IllegalActionError; a non-integer action must raise TypeError")
        else:
            _fail(step, "apply(0.5) was accepted")
        masked = np.flatnonzero(~state.action_mask())
        if masked.size:  # an action inside the range that the mask forbids must be refused too
            forbidden = int(masked[rng.integers(masked.size)])
            try:
                state.apply(forbidden)
            except IllegalActionError:
                pass
            else:
                _fail(step, f"apply({forbidden}) was accepted although action_mask() forbids it")
        if _snapshot(state) != before:
            _fail(step, "a refused action changed the state")
        observation = state.observation()
        if not isinstance(observation, np.ndarray):
            _fail(step, f"observation() must be a numpy array, got {type(observation).__name__}")
        legal = state.legal_actions()
        action = legal[int(rng.integers(len(legal)))]
        player = state.current_player()
        if check_clones:
            other = state.clone()
            if _snapshot(other) != before:
                _fail(step, "clone() differs from its original")
            other.apply(action)
            if _snapshot(state) != before:
                _fail(step, "applying a move to a clone changed the original")
        reward = state.apply(action)
        if not isinstance(reward, (float, int, np.floating, np.integer)) or not math.isfinite(float(reward)):
            _fail(step, f"apply() must return a finite number, got {reward!r}")
        collected[player] += float(reward)
        if n_players == 2:
            collected[1 - player] -= float(reward)
        if check_clones and _snapshot(other) != _snapshot(state):
            _fail(step, "the same move on a clone and on its original gave different states")
        if not np.allclose(np.asarray(state.returns(), dtype=np.float64) - start, collected, atol=1e-9):
            _fail(step + 1, f"returns() {state.returns()!r} is not the rewards collected {collected + start!r}")
    else:  # pragma: no cover - the loop always breaks or returns
        pass
    try:
        state.apply(0)
    except IllegalActionError:
        pass
    else:
        _fail(step, "apply() at a terminal state did not raise IllegalActionError")
    return step
