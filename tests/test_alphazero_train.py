"""AlphaZero self-play samples, augmentation, training resume, agents, arena and Elo."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from mathrl.agents.alphazero import default_config
from mathrl.agents.alphazero.agent import AlphaZeroAgent, load_agent, save_agent
from mathrl.agents.alphazero.arena import as_player, bradley_terry, match_table, play_match
from mathrl.agents.alphazero.selfplay import build_net, play_games
from mathrl.agents.alphazero.train import ReplayBuffer, Trainer, augment
from mathrl.envs.games.connect4 import ConnectFour
from mathrl.envs.games.opponents import RandomOpponent
from mathrl.envs.games.tictactoe import TicTacToe

TINY = default_config("tictactoe").but(workers=1, games_per_iter=12, concurrent_games=6, batch_size=32,
                                        eval_every=0, buffer_size=500)
TINY = TINY.but(search=TINY.search.but(n_sims=12))


def weights(config=TINY, seed=0):
    torch.manual_seed(seed)
    return build_net(config).state_dict()


def test_self_play_samples_are_consistent_with_replayed_games():
    out = play_games(weights(), TINY, seed=3, n_games=6)
    n = len(out["z"])
    assert out["obs"].dtype == np.uint8 and out["obs"].shape == (n, 2, 3, 3)
    assert np.allclose(out["pi"].sum(1), 1.0)
    assert not (out["pi"][~out["mask"]]).any()                       # no visits on illegal moves
    # the legal mask is exactly the empty cells of the observed board
    empty = (out["obs"].sum(1) == 0).reshape(n, 9)
    assert (empty == out["mask"]).all()
    # every game contributes one sample per ply, in order (stone counts 0, 1, 2, ...), and z is the
    # game's final result for the player to move there (player 0 on even plies)
    assert out["lengths"].sum() == n
    stones = out["obs"].reshape(n, -1).sum(1)
    for g in range(6):
        rows = np.flatnonzero(out["game"] == g)
        assert list(stones[rows]) == list(range(out["lengths"][g]))
        assert list(out["z"][rows]) == [out["results"][g][ply % 2] for ply in range(len(rows))]


def test_self_play_is_a_function_of_its_arguments():
    a = play_games(weights(), TINY, seed=5, n_games=4)
    b = play_games(weights(), TINY, seed=5, n_games=4)
    c = play_games(weights(), TINY, seed=6, n_games=4)
    assert all(np.array_equal(a[k], b[k]) for k in ("obs", "pi", "z"))
    assert not (len(a["z"]) == len(c["z"]) and np.array_equal(a["pi"], c["pi"]))


@pytest.mark.parametrize("game", [TicTacToe(), ConnectFour()])
def test_augmentation_maps_samples_to_valid_samples(game):
    """After a random symmetry the mask still marks exactly the legal moves of the transformed board."""
    rng = np.random.default_rng(0)
    states = []
    for _ in range(40):
        s = game.new_initial_state()
        for _ in range(rng.integers(0, 6)):
            s.apply(rng.choice(s.legal_actions()))
        if not s.is_terminal():
            states.append(s)
    obs = np.stack([s.observation() for s in states]).astype(np.uint8)
    mask = np.stack([s.action_mask() for s in states])
    pi = mask / mask.sum(1, keepdims=True)
    a_obs, a_mask, a_pi = augment(game, rng, obs, mask, pi.astype(np.float32))
    assert (a_obs.sum((1, 2, 3)) == obs.sum((1, 2, 3))).all()
    if isinstance(game, TicTacToe):
        assert ((a_obs.sum(1) == 0).reshape(len(states), 9) == a_mask).all()
    else:  # a column is legal iff its top cell is empty
        assert ((a_obs[:, :, 0, :].sum(1) == 0) == a_mask).all()
    assert np.allclose(a_pi.sum(1), 1.0) and not a_pi[~a_mask].any()
    assert (a_obs != obs).any()  # some sample really was transformed


def test_replay_buffer_is_fifo():
    buf = ReplayBuffer(5, (1, 1, 1), 2)
    for start in (0, 3, 6):
        z = np.arange(start, start + 3, dtype=np.float32)
        buf.add(np.zeros((3, 1, 1, 1), np.uint8), np.ones((3, 2), bool), np.zeros((3, 2), np.float32), z)
    assert buf.size == 5 and sorted(buf.z) == [4, 5, 6, 7, 8]


def test_resume_is_exact(tmp_path):
    """Two iterations in one go == one iteration, stop, --resume, one more (weights, buffer, optimiser)."""
    straight = Trainer(TINY, tmp_path / "a")
    straight.run(iterations=2, progress=False)
    first = Trainer(TINY, tmp_path / "b")
    first.run(iterations=1, progress=False)
    resumed = Trainer(TINY, tmp_path / "b", resume=True)
    assert resumed.iteration == 1
    resumed.run(iterations=1, progress=False)
    for k, v in straight.net.state_dict().items():
        assert torch.equal(v, resumed.net.state_dict()[k]), k
    assert np.array_equal(straight.buffer.z[:straight.buffer.size], resumed.buffer.z[:resumed.buffer.size])
    assert (tmp_path / "b" / "metrics.jsonl").read_text().count("\n") == 2


def test_selfplay_ahead_plays_while_learning_with_logged_staleness_and_resumes_exactly(tmp_path, monkeypatch):
    """selfplay_ahead=1: iteration i learns from games played by the weights of iteration i - 2 (staleness 1,
    logged), started before iteration i - 1 learned; the games are a function of (weights, config, seeds),
    so a worker process and this process give the same run, and a resumed run restarts the batch in flight
    from the weights its checkpoint kept."""
    ahead = TINY.but(selfplay_ahead=1)
    straight = Trainer(ahead, tmp_path / "a")  # one worker process plays while this process learns
    straight.run(iterations=3, progress=False)
    rows = [json.loads(x) for x in (tmp_path / "a" / "metrics.jsonl").read_text().splitlines()]
    assert [r["selfplay_staleness"] for r in rows] == [0, 1, 1]
    import multiprocessing

    assert not multiprocessing.active_children()  # the worker (and its batch in flight) is gone
    assert all(r["selfplay_wait_seconds"] >= 0 for r in rows)
    first = Trainer(ahead, tmp_path / "b")
    first.run(iterations=2, progress=False)
    resumed = Trainer(ahead, tmp_path / "b", resume=True)
    assert [(t, v) for t, v, _ in resumed.ahead.state()] == [(3, 1)]  # the next games, with their weights' version
    import mathrl.agents.executor as executor

    monkeypatch.setattr(executor, "ProcessExecutor", lambda workers: executor.Executor())  # now in this process
    resumed.run(iterations=1, progress=False)
    for k, v in straight.net.state_dict().items():
        assert torch.equal(v, resumed.net.state_dict()[k]), k
    assert np.array_equal(straight.buffer.z[:straight.buffer.size], resumed.buffer.z[:resumed.buffer.size])
    with pytest.raises(ValueError, match="selfplay_ahead"):
        TINY.but(selfplay_ahead=-1)


def test_games_ahead_queue_order_staleness_and_restored_batches():
    from mathrl.agents.alphazero.ahead import GamesAhead
    from mathrl.agents.executor import Executor

    started = []

    def start(executor, weights, iteration):
        started.append((iteration, weights["v"]))
        return executor.submit(lambda it, v: (it, v), [(iteration, weights["v"])])

    queue = GamesAhead(2, start)
    version = {"v": 0}
    seen = []
    for it in range(1, 5):
        parts, played_by, _ = queue.next(Executor(), it, it - 1, lambda: dict(version))
        seen.append((parts[0], played_by))
        version["v"] = it  # the learner trains
    assert seen == [((1, 0), 0), ((2, 0), 0), ((3, 0), 0), ((4, 1), 1)]  # staleness 0, 1, 2, 2
    saved = queue.state()
    assert [(t, v) for t, v, _ in saved] == [(5, 2), (6, 3)]
    again = GamesAhead(2, start)
    again.restore(saved)  # handles are not saved: next() starts the batches again before waiting
    parts, played_by, _ = again.next(None, 5, 4, lambda: {"v": 4})
    assert parts == [(5, 2)] and played_by == 2


def test_a_new_run_can_start_from_an_agent_and_records_what_it_had_learned(tmp_path):
    first = Trainer(TINY, tmp_path / "first")
    first.run(iterations=1, progress=False)
    warm = Trainer(TINY.but(seed=5), tmp_path / "warm", init=str(tmp_path / "first"))
    for k, v in first.net.state_dict().items():
        assert torch.equal(v, warm.net.state_dict()[k]), k
    warm.run(iterations=1, progress=False)
    extra = torch.load(tmp_path / "warm" / "agent.pt", weights_only=True)["extra"]
    assert extra["init"]["from"] == str(tmp_path / "first") and extra["init"]["games_played"] == 12
    assert extra["total_games_played"] == 24 and extra["total_train_seconds"] > extra["train_seconds"]
    resumed = Trainer(None, tmp_path / "warm", resume=True)
    assert resumed.init == extra["init"]  # kept by the checkpoint
    with pytest.raises(ValueError, match="channels"):
        Trainer(TINY.but(channels=TINY.channels + 1), tmp_path / "other", init=str(tmp_path / "first"))
    assert not (tmp_path / "other").exists()
    with pytest.raises(ValueError, match="new run"):
        Trainer(None, tmp_path / "warm", resume=True, init=str(tmp_path / "first"))
    chained = Trainer(TINY.but(seed=6), tmp_path / "chained", init=str(tmp_path / "warm"))
    assert chained.init["games_played"] == 24 and chained.init["train_seconds"] == extra["total_train_seconds"]
    # a game size written out is the default size: the shipped Connect Four network fits
    sized = default_config("connect4").but(game_kwargs=(("cols", 7), ("rows", 6)), buffer_size=100, workers=1)
    assert Trainer(sized, tmp_path / "c4", init="pretrained:connect4").init["games_played"] > 0
    from mathrl.cli import main

    assert main(["train", "alphazero", "--resume", str(tmp_path / "warm"), "--ini", "pretrained"]) == 2


def test_time_limit_stops_between_iterations(tmp_path):
    trainer = Trainer(TINY, tmp_path)
    summary = trainer.run(time_limit=0.0, progress=False)
    assert summary["iterations"] == 1  # the first iteration always runs; the next would pass the limit


def test_training_lowers_the_loss_on_fixed_data(tmp_path):
    trainer = Trainer(TINY.but(reuse=1.0), tmp_path)
    out = play_games(trainer.net.state_dict(), TINY, seed=0, n_games=12)
    trainer.buffer.add(out["obs"], out["mask"], out["pi"], out["z"])
    first = trainer.learn(len(out["z"]))
    for _ in range(30):
        last = trainer.learn(len(out["z"]))
    assert last["value_loss"] < 0.75 * first["value_loss"] and last["policy_loss"] < first["policy_loss"]


def test_agent_file_round_trip(tmp_path):
    net = build_net(TINY)
    save_agent(tmp_path / "agent.pt", net, TINY)
    agent = load_agent(tmp_path, n_sims=8)
    states = [TicTacToe().from_actions(h) for h in ([], [4], [0, 4, 8])]
    direct = AlphaZeroAgent(net, TINY, n_sims=8)
    assert agent.choose(states) == direct.choose(states)
    net_only = load_agent(tmp_path / "agent.pt", n_sims=0).choose(states)
    assert all(s.action_mask()[a] for s, a in zip(states, net_only))
    for bad in (tmp_path / "nothing.pt", "pretrained:chess"):
        with pytest.raises(ValueError):
            load_agent(bad)


def test_play_match_alternates_colours():
    game = TicTacToe()
    first_mover = lambda states, rng: [s.legal_actions()[0] for s in states]   # noqa: E731
    result = play_match(game, first_mover, as_player(RandomOpponent()), 10, seed=0)
    assert result["wins"] + result["draws"] + result["losses"] == 10
    same = play_match(game, first_mover, first_mover, 4)
    # identical deterministic players: the first mover's game is replayed with colours swapped
    assert same["wins"] == same["losses"]


def test_bradley_terry_recovers_known_ratings():
    """Fit expected results generated from known Elo ratings (the model's own probabilities)."""
    truth = {"random": 0.0, "a": 300.0, "b": 500.0, "c": 650.0}
    names = list(truth)
    results = {}
    for i, x in enumerate(names):
        for y in names[i + 1:]:
            p = 1 / (1 + 10 ** ((truth[y] - truth[x]) / 400))
            results[(x, y)] = (4000 * p, 4000 * (1 - p))
    fitted = bradley_terry(results, anchor="random")
    for name, rating in truth.items():
        assert fitted[name] == pytest.approx(rating, abs=5)
    table = match_table({("a", "b"): {"wins": 3, "draws": 2, "losses": 1}})
    assert table[("a", "b")] == (4.0, 2.0)


@pytest.mark.parametrize("game", [TicTacToe(), ConnectFour()])
def test_symmetrised_evaluation_is_equivariant(game):
    """Averaged over the group, the evaluator maps g(s) to g(priors(s)) and the same value, for any network."""
    from mathrl.agents.alphazero.config import default_config
    from mathrl.agents.alphazero.evaluator import NetEvaluator

    torch.manual_seed(0)
    evaluator = NetEvaluator(build_net(default_config(game.name)), symmetries=game.symmetries())
    rng = np.random.default_rng(2)
    state = game.new_initial_state()
    for _ in range(3):
        state.apply(int(rng.choice(state.legal_actions())))
    for g in game.symmetries():
        inverse = np.argsort(g.policy(np.arange(game.num_actions)))
        image = game.from_actions([int(inverse[a]) for a in state.history()])   # the state g(s)
        (p, pg), (v, vg) = evaluator([state, image])
        assert np.allclose(g.policy(p), pg, atol=1e-5) and v == pytest.approx(vg, abs=1e-5)


def test_evaluation_ladder_rates_each_network(tmp_path):
    """Evaluations play random, pure MCTS and the previous network; the Elo fit anchors random at 0."""
    cfg = TINY.but(eval_every=1, eval_games=4, eval_sims=8, eval_mcts_sims=8)
    trainer = Trainer(cfg, tmp_path)
    trainer.run(iterations=2, progress=False)
    first, second = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert "vs_previous_score" not in first and "vs_previous_score" in second
    assert all(np.isfinite(r["elo"]) for r in (first, second))
    assert [m[:2] for m in trainer.matches] == [["iter1", "random"], ["iter1", "mcts8"], ["iter2", "random"],
                                                ["iter2", "mcts8"], ["iter2", "iter1"]]
    resumed = Trainer(cfg, tmp_path, resume=True)
    assert resumed.matches == trainer.matches and resumed.previous[0] == 2


def _positions(game, count, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < count:
        state = game.new_initial_state()
        for _ in range(int(rng.integers(0, 12))):
            if state.is_terminal():
                break
            state.apply(int(rng.choice(state.legal_actions())))
        if not state.is_terminal():
            out.append(state)
    return out


def _randomise_batch_norm(net):
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-1, 1)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)


def test_inference_copy_computes_the_same_function():
    """BatchNorm folded into the convolutions, channels-last: the same outputs up to float rounding."""
    torch.manual_seed(0)
    net = build_net(default_config("connect4")).eval()
    _randomise_batch_norm(net)
    fast = net.inference_copy()
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in fast.modules())
    x = (torch.rand(33, 2, 6, 7) < 0.3).float()
    with torch.inference_mode():
        (la, va), (lb, vb) = net(x), fast(x.contiguous(memory_format=torch.channels_last))
    assert torch.allclose(la, lb, atol=1e-4) and torch.allclose(va, vb, atol=1e-5)


def test_evaluator_follows_weight_changes_and_bf16_stays_close():
    """The evaluator's inference copy is rebuilt after load_state_dict and after an optimiser step."""
    from mathrl.agents.alphazero.evaluator import NetEvaluator

    game = ConnectFour()
    states = _positions(game, 20)
    torch.manual_seed(0)
    net = build_net(default_config("connect4"))
    _randomise_batch_norm(net)
    fast, plain, bf16 = NetEvaluator(net), NetEvaluator(net, fast=False), NetEvaluator(net, precision="bf16")

    def agree():
        (p1, v1), (p2, v2), (p3, v3) = fast(states), plain(states), bf16(states)
        assert np.allclose(p1, p2, atol=1e-5) and np.allclose(v1, v2, atol=1e-5)
        assert np.allclose(p1, p3, atol=0.03) and np.allclose(v1, v3, atol=0.03)
        assert not np.array_equal(p1, p3)  # bf16 really ran: its rounding shows
        assert np.allclose(p3.sum(1), 1.0, atol=1e-5) and not p3[~np.stack([s.action_mask() for s in states])].any()
        return np.concatenate([p1.ravel(), v1])

    before = agree()
    torch.manual_seed(1)
    other = build_net(default_config("connect4"))
    _randomise_batch_norm(other)
    net.load_state_dict(other.state_dict())
    after_load = agree()
    assert not np.allclose(before, after_load)
    net.train()
    opt = torch.optim.SGD(net.parameters(), lr=1e-3)
    logits, v = net(torch.from_numpy(np.stack([s.observation() for s in states])))
    (v.sum() + logits.sum()).backward()
    opt.step()
    net.eval()
    assert not np.allclose(after_load, agree())
    with pytest.raises(ValueError, match="precision"):
        NetEvaluator(net, precision="fp8")
    with pytest.raises(ValueError, match="inference_copy"):
        NetEvaluator(torch.nn.Linear(2, 2), precision="bf16")
