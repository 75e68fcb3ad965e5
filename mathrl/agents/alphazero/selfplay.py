"""Self-play: a plain function of (weights, config, seed) -> training samples.

It runs ``concurrent_games`` games at once, searching all their trees in
lock-step so every network call is a batch (never batch size 1), and needs
nothing but its arguments: it runs in a process pool today and could run on
Ray tomorrow.

A sample is ``(obs uint8 (C,H,W), legal mask bool (A,), pi float32 (A,), z float32)``,
all in the observation's frame; ``pi`` is the normalised root visit counts and
``z`` the final result (+1/0/-1) for the player to move.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from mathrl.agents.alphazero.config import AlphaZeroConfig
from mathrl.agents.alphazero.evaluator import NetEvaluator
from mathrl.agents.alphazero.mcts import add_dirichlet_noise, expand_roots, sample_action, search
from mathrl.agents.alphazero.network import ResNet
from mathrl.envs.games.registry import make_game


def build_net(config: AlphaZeroConfig, game=None) -> ResNet:
    game = game or make_game(config.game, **dict(config.game_kwargs))
    return ResNet(game.observation_shape, game.num_actions, config.blocks, config.channels)


def reused_visits(config: AlphaZeroConfig) -> int:
    """How many of a kept subtree's visits count towards ``n_sims``: at most half. Those visits were made
    before the node was the root, without Dirichlet noise on its moves; counting at most half keeps at
    least half of every self-play search under the noisy root prior, so exploration of the moves the
    network underrates is not traded away for speed."""
    return config.search.n_sims // 2 if config.reuse_tree else 0


def next_roots(states: list, kept: list, evaluator, config: AlphaZeroConfig, rng: np.random.Generator) -> list:
    """The roots of this move's searches: the kept subtree where there is one (up to
    :func:`reused_visits` of its visits count towards ``n_sims``), else a new root, expanded with one
    evaluator call for all of them; each gets fresh Dirichlet noise, as every self-play search does."""
    fresh = [i for i, node in enumerate(kept) if node is None]
    roots = list(kept)
    for i, root in zip(fresh, expand_roots([states[i] for i in fresh], evaluator) if fresh else []):
        roots[i] = root
    for root in roots:
        add_dirichlet_noise(root, config.search.dirichlet_alpha, config.search.dirichlet_eps, rng)
    return roots


def play_games(weights: dict, config: AlphaZeroConfig, seed: int, n_games: int,
               threads: int = 1) -> dict:
    """Play ``n_games`` self-play games; returns stacked samples and per-game stats."""
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    game = make_game(config.game, **dict(config.game_kwargs))
    net = build_net(config, game)
    net.load_state_dict(weights)
    evaluator = NetEvaluator(net, precision=config.selfplay_precision, cache_size=config.eval_cache)
    rng = np.random.default_rng(seed)
    obs, masks, pis, players, game_ids = [], [], [], [], []
    results, lengths = [], []
    start = time.perf_counter()
    game_base = 0
    while game_base < n_games:
        batch = min(config.concurrent_games, n_games - game_base)
        states = [game.new_initial_state() for _ in range(batch)]
        kept: list = [None] * batch  # per game, the subtree of the move just played (tree reuse)
        live = list(range(batch))
        ply = 0
        while live:
            roots = next_roots([states[g] for g in live], [kept[g] for g in live], evaluator, config, rng)
            roots = search([states[g] for g in live], evaluator, config.search, rng, roots=roots,
                           count_existing=reused_visits(config))
            temperature = 1.0 if ply < config.temp_moves else 0.0
            for g, root in zip(live, roots):
                state = states[g]
                visits = root.visit_counts(game.num_actions)
                obs.append(state.observation().astype(np.uint8))
                masks.append(state.policy_to_canonical(state.action_mask()))
                pis.append(state.policy_to_canonical(visits / visits.sum()))
                players.append(state.current_player())
                game_ids.append(game_base + g)
                action = sample_action(root, temperature, rng)
                state.apply(action)
                child = root.children[root.actions.index(action)]
                kept[g] = child if config.reuse_tree and child is not None and child.expanded else None
            live = [g for g in live if not states[g].is_terminal()]
            ply += 1
        for state in states:
            results.append(state.returns())
            lengths.append(len(state.history()))
        game_base += batch
    results = np.asarray(results, dtype=np.float32).reshape(-1, 2)
    z = results[np.asarray(game_ids, dtype=np.int64), np.asarray(players, dtype=np.int64)]
    return {
        "obs": np.stack(obs), "mask": np.stack(masks).astype(bool),
        "pi": np.stack(pis).astype(np.float32), "z": z.astype(np.float32),
        "game": np.asarray(game_ids), "player": np.asarray(players),
        "results": results, "lengths": np.asarray(lengths), "seconds": time.perf_counter() - start,
        "positions_evaluated": evaluator.positions, "network_calls": evaluator.calls,
    }
