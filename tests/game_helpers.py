"""Helpers shared by the game tests (imported as a plain module: pytest puts tests/ on sys.path)."""

from __future__ import annotations

import numpy as np


def random_state(game, seed, plies):
    """The state after up to ``plies`` uniformly random moves from the start (stops early at a terminal state)."""
    rng = np.random.default_rng(seed)
    state = game.new_initial_state()
    for _ in range(plies):
        if state.is_terminal():
            break
        state.apply(rng.choice(state.legal_actions()))
    return state
