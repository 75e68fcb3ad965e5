"""Matches between players, and Bradley-Terry (Elo) ratings from their results.

A *player* is ``choose(states, rng) -> actions`` over a batch of positions, so
an AlphaZero agent searches all concurrent games together. Plain opponents of
the game envs (``(state, rng) -> action``) are wrapped by :func:`as_player`.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

Player = Callable[[Sequence, np.random.Generator], list[int]]


def as_player(opponent) -> Player:
    """Batched player from an agent (``.choose(states)``) or a per-state opponent ``(state, rng) -> action``."""
    if hasattr(opponent, "choose"):
        return lambda states, rng: opponent.choose(states)
    return lambda states, rng: [int(opponent(s, rng)) for s in states]


def play_match(game, first: Player, second: Player, n_games: int, seed: int = 0, progress=None) -> dict:
    """``n_games`` games, colours alternated (``first`` is player 0 in even games); results from ``first``'s view.
    ``progress(finished)``, if given, hears the number of finished games after every round of moves."""
    rng = np.random.default_rng(seed)
    states = [game.new_initial_state() for _ in range(n_games)]
    seats = [(first, second) if g % 2 == 0 else (second, first) for g in range(n_games)]
    live = list(range(n_games))
    while live:
        for who in (first, second):
            idx = [g for g in live if not states[g].is_terminal() and seats[g][states[g].current_player()] is who]
            if idx:
                for g, a in zip(idx, who([states[g] for g in idx], rng)):
                    states[g].apply(a)
        live = [g for g in live if not states[g].is_terminal()]
        if progress is not None:
            progress(n_games - len(live))
    wins = draws = losses = 0
    for g, state in enumerate(states):
        r = state.returns()[0 if g % 2 == 0 else 1]
        wins += r > 0
        draws += r == 0
        losses += r < 0
    return {"games": n_games, "wins": int(wins), "draws": int(draws), "losses": int(losses),
            "score": (wins + 0.5 * draws) / n_games}


def bradley_terry(results: dict[tuple[str, str], tuple[float, float]], anchor: str | None = None,
                  iterations: int = 1000, tol: float = 1e-10) -> dict[str, float]:
    """Elo ratings R = 400 log10(gamma) by the MM algorithm (Hunter 2004); draws count half a win each.

    ``results[(i, j)] = (wins of i, wins of j)`` with draws already split. The
    anchor (e.g. the random player) is pinned at 0.
    """
    names = sorted({n for pair in results for n in pair})
    index = {n: k for k, n in enumerate(names)}
    m = len(names)
    wins = np.zeros((m, m))
    for (i, j), (wi, wj) in results.items():
        wins[index[i], index[j]] += wi
        wins[index[j], index[i]] += wj
    games = wins + wins.T
    gamma = np.ones(m)
    # a tiny prior draw against a virtual average player keeps undefeated or winless players finite
    for _ in range(iterations):
        total_wins = wins.sum(1) + 0.5
        denom = (games / (gamma[:, None] + gamma[None, :])).sum(1) + 1.0 / (gamma + 1.0)
        new = total_wins / denom
        new /= np.exp(np.mean(np.log(new)))
        if np.max(np.abs(np.log(new) - np.log(gamma))) < tol:
            gamma = new
            break
        gamma = new
    ratings = 400 * np.log10(gamma)
    if anchor is not None:
        ratings -= ratings[index[anchor]]
    return {n: float(ratings[index[n]]) for n in names}


def match_table(pairs: dict[tuple[str, str], dict]) -> dict[tuple[str, str], tuple[float, float]]:
    """``play_match`` results keyed by (first, second) -> (wins, losses) with draws split, for :func:`bradley_terry`."""
    return {k: (r["wins"] + 0.5 * r["draws"], r["losses"] + 0.5 * r["draws"]) for k, r in pairs.items()}
