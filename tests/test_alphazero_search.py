"""PUCT search: values and signs against exact solvers, batching invariance, virtual loss, single-player use."""

from __future__ import annotations

import numpy as np
import pytest

from mathrl.agents.alphazero.config import SearchConfig
from mathrl.agents.alphazero.mcts import best_action, sample_action, search, uniform_evaluator
from mathrl.core import TERMINAL_PLAYER, IllegalActionError
from mathrl.envs.games import solvers
from mathrl.envs.games.connect4 import ConnectFour
from mathrl.envs.games.tictactoe import TicTacToe


def random_positions(game, n, rng, min_empty=1, max_plies=None):
    out = []
    while len(out) < n:
        state = game.new_initial_state()
        plies = rng.integers(0, (max_plies or game.max_game_length) + 1)
        for _ in range(plies):
            if state.is_terminal():
                break
            legal = state.legal_actions()
            state.apply(legal[rng.integers(len(legal))])
        if not state.is_terminal() and len(state.legal_actions()) >= min_empty:
            out.append(state)
    return out


def test_uniform_search_solves_late_tictactoe_positions():
    """With enough simulations the search's move is minimax-optimal (oracle: the exact solver)."""
    rng = np.random.default_rng(0)
    states = [s for s in random_positions(TicTacToe(), 60, rng) if len(s.legal_actions()) <= 5]
    roots = search(states, uniform_evaluator, SearchConfig(n_sims=800))
    for state, root in zip(states, roots):
        values = solvers.action_values(state)
        assert values[best_action(root)] == np.nanmax(values), (str(state), values)


def test_root_q_signs_from_the_movers_view():
    """An immediate win has Q = +1 for the mover; moves that let the opponent win at once score below 0."""
    game = TicTacToe()
    state = game.from_actions([0, 3, 1, 4])       # X: 0,1 ; O: 3,4 ; X to move, 2 wins, else O wins at 5
    root = search([state], uniform_evaluator, SearchConfig(n_sims=400))[0]
    q = root.q_values(game.num_actions)
    assert best_action(root) == 2
    assert q[2] == pytest.approx(1.0)
    others = [a for a in state.legal_actions() if a not in (2, 5)]
    assert all(q[a] < 0 for a in others if not np.isnan(q[a]))


def test_batched_search_equals_one_tree_at_a_time():
    """Searching G trees in lock-step changes nothing but the batch size (deterministic evaluator, no noise)."""
    rng = np.random.default_rng(1)
    states = random_positions(ConnectFour(), 8, rng, max_plies=20)
    cfg = SearchConfig(n_sims=60, c_puct=2.0)

    def evaluator(batch):  # deterministic, position-dependent priors and values
        priors, values = [], []
        for s in batch:
            h = np.frombuffer(s.key(), dtype=np.uint8).astype(np.float64)
            p = np.cos(np.arange(s.num_actions) + h.sum()) + 1.5
            priors.append(p / p.sum())
            values.append(np.sin(h.sum()) * 0.5)
        return np.array(priors), np.array(values)

    together = search(states, evaluator, cfg)
    for state, root in zip(states, together):
        alone = search([state], evaluator, cfg)[0]
        assert alone.N == root.N and alone.W == pytest.approx(root.W)


@pytest.mark.parametrize("k", [2, 8])
def test_virtual_loss_keeps_counts_and_finds_wins(k):
    game = ConnectFour()
    state = game.from_moves("112233")              # first player wins at once in column 4
    cfg = SearchConfig(n_sims=200, c_puct=2.0, leaves_per_tree=k)
    root = search([state], uniform_evaluator, cfg)[0]
    assert sum(root.N) == 200 and root.n_total == pytest.approx(200)  # virtual losses fully undone
    assert best_action(root) == 3
    assert all(w <= n + 1e-9 for w, n in zip(root.W, root.N))


def test_noise_needs_rng_and_changes_priors_only_at_the_root():
    state = TicTacToe().new_initial_state()
    with pytest.raises(ValueError):
        search([state], uniform_evaluator, SearchConfig(n_sims=4), noise=True)
    root = search([state], uniform_evaluator, SearchConfig(n_sims=50), rng=np.random.default_rng(0), noise=True)[0]
    assert sum(root.P) == pytest.approx(1.0) and len(set(root.P)) > 1
    child = next(c for c in root.children if c is not None and c.expanded)
    assert len(set(child.P)) == 1


def test_terminal_root_is_refused():
    state = TicTacToe().from_actions([0, 3, 1, 4, 2])
    assert state.current_player() == TERMINAL_PLAYER
    with pytest.raises(ValueError):
        search([state], uniform_evaluator, SearchConfig(n_sims=4))


def test_sample_action_temperature():
    root = search([TicTacToe().new_initial_state()], uniform_evaluator, SearchConfig(n_sims=100))[0]
    rng = np.random.default_rng(0)
    top = max(root.N)
    greedy = {sample_action(root, 0.0, rng) for _ in range(50)}
    assert all(root.N[root.actions.index(a)] == top for a in greedy)
    sampled = {sample_action(root, 1.0, rng) for _ in range(400)}
    assert len(sampled) > len(greedy)


# ---- single-player search problems ------------------------------------------------
class ShortestPath:
    """A one-player pure state: walk a weighted DAG from node 0 to the last node; reward = -edge cost.

    Returns are unbounded (costs up to ~40), the case ``normalize_q`` exists for.
    """

    num_players = 1

    def __init__(self, costs, node=0, total=0.0):
        self.costs, self.node, self.total = costs, node, total
        self.num_actions = costs.shape[1]

    def legal_actions(self):
        return [] if self.is_terminal() else [a for a in range(self.num_actions) if self.node + 1 + a < len(self.costs)]

    def action_mask(self):
        m = np.zeros(self.num_actions, bool)
        m[self.legal_actions()] = True
        return m

    def apply(self, a):
        if a not in self.legal_actions():
            raise IllegalActionError(a)
        r = -float(self.costs[self.node, a])
        self.node += 1 + a
        self.total += r
        return r

    def is_terminal(self):
        return self.node == len(self.costs) - 1

    def returns(self):
        return np.array([self.total])

    def current_player(self):
        return TERMINAL_PLAYER if self.is_terminal() else 0

    def clone(self):
        return ShortestPath(self.costs, self.node, self.total)

    def observation(self):
        return np.array([self.node], dtype=np.float32)


def best_cost(costs, node=0):
    if node == len(costs) - 1:
        return 0.0
    return min(costs[node, a] + best_cost(costs, node + 1 + a)
               for a in range(costs.shape[1]) if node + 1 + a < len(costs))


@pytest.mark.parametrize("seed", range(4))
def test_single_player_search_finds_the_shortest_path(seed):
    """Rewards along the path are summed into Q; with min-max normalisation the greedy walk is optimal."""
    rng = np.random.default_rng(seed)
    costs = rng.integers(1, 10, size=(8, 3)).astype(float)
    state = ShortestPath(costs)
    cfg = SearchConfig(n_sims=600, normalize_q=True, c_puct=1.25)
    while not state.is_terminal():
        root = search([state], uniform_evaluator, cfg)[0]
        state.apply(best_action(root))
    assert -state.returns()[0] == best_cost(costs)


class CountingEvaluator:
    """The uniform evaluator, counting the positions it is asked about."""

    def __init__(self):
        self.positions = 0

    def __call__(self, states):
        self.positions += len(states)
        return uniform_evaluator(states)


def test_a_kept_subtree_counts_towards_the_simulations():
    """Tree reuse: searching a kept child with count_existing runs only n_sims minus its visits."""
    from mathrl.agents.alphazero.mcts import expand_roots

    game = ConnectFour()
    [root] = search([game.new_initial_state()], uniform_evaluator, SearchConfig(n_sims=400))
    i = int(np.argmax(root.N))
    child = root.children[i]
    kept = int(child.n_total)
    assert 0 < kept < 400
    evaluator = CountingEvaluator()
    [again] = search([child.state], evaluator, SearchConfig(n_sims=400), roots=[child], count_existing=400)
    assert again is child and child.n_total == 400 and evaluator.positions <= 400 - kept
    [capped] = search([child.state], CountingEvaluator(), SearchConfig(n_sims=400), roots=[child],
                      count_existing=100)  # at most 100 of its 400 visits count: 300 more
    assert capped.n_total == 700
    evaluator = CountingEvaluator()
    [fresh] = search([child.state], evaluator, SearchConfig(n_sims=400),
                     roots=expand_roots([child.state], evaluator))
    assert fresh.n_total == 400 and evaluator.positions > 400 - kept


def test_the_evaluation_cache_answers_as_the_network_does_and_forgets_old_weights():
    import torch

    from mathrl.agents.alphazero.evaluator import NetEvaluator
    from mathrl.agents.alphazero.network import ResNet

    torch.manual_seed(0)
    game = ConnectFour()
    net = ResNet(game.observation_shape, game.num_actions, 1, 8)
    plain, cached = NetEvaluator(net), NetEvaluator(net, cache_size=8)
    states = random_positions(game, 6, np.random.default_rng(1), max_plies=10)
    states = states + [states[0].clone()]  # a repeat inside one batch is evaluated once
    p0, v0 = plain(states)
    p1, v1 = cached(states)
    p2, v2 = cached(states[::-1])
    np.testing.assert_allclose(p1, p0, atol=1e-5)
    np.testing.assert_allclose(v1, v0, atol=1e-5)
    np.testing.assert_allclose(p2, p1[::-1], atol=0)
    assert cached.positions == len({s.key() for s in states}) and cached.cache_hits == len(states)
    with torch.no_grad():  # new weights: the remembered answers are stale
        next(net.parameters()).add_(0.5)
    p3, _ = cached(states[:1])
    np.testing.assert_allclose(p3, plain(states[:1])[0], atol=1e-5)
    assert not np.allclose(p3, p1[:1])
    cached(random_positions(game, 20, np.random.default_rng(2), max_plies=10))
    assert len(cached.cache) <= 8


def test_self_play_with_tree_reuse_and_the_cache_needs_fewer_network_positions():
    from mathrl.agents.alphazero.config import default_config
    from mathrl.agents.alphazero.selfplay import build_net, play_games

    base = default_config("tictactoe").but(search=SearchConfig(n_sims=32, dirichlet_alpha=1.0), concurrent_games=8)
    weights = build_net(base).state_dict()
    plain = play_games(weights, base.but(reuse_tree=False, eval_cache=0), 0, 8)
    reused = play_games(weights, base, 0, 8)
    assert reused["positions_evaluated"] < 0.7 * plain["positions_evaluated"]
    for out in (plain, reused):
        np.testing.assert_allclose(out["pi"].sum(axis=1), 1.0, rtol=1e-5)
        assert not (out["pi"] * ~out["mask"]).any()  # visits only on legal moves
