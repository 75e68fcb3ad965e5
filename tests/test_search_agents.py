"""Local search, NMCS, the hybrid, targets, seeds, resume budgets and the search suite."""

import itertools
import json
import time

import networkx as nx
import numpy as np
import pytest
import torch

import mathrl
from mathrl.agents.cem.cem import CrossEntropyMethod
from mathrl.agents.cem.config import preset
from mathrl.agents.cem.search import Search, island_seeds
from mathrl.agents.goal import Goal
from mathrl.agents.local import LocalConfig, LocalSearch, climb, neighbours
from mathrl.agents.nmcs import NestedMonteCarlo, NMCSConfig
from mathrl.agents.searchers import AgentSpecError, parse_agent
from mathrl.envs.graphs.scores.base import Score
from mathrl.envs.graphs.vector_env import WordConstructionVectorEnv
from mathrl.scores import make, resolve

A006855 = {6: 7, 7: 9, 8: 11, 9: 13, 10: 16}   # ex(n, C4), OEIS
A343844 = {3: 4, 4: 8, 5: 16}                   # max permanent of a 312-avoiding n x n 0-1 matrix, OEIS


def brute_force_ex_c4(n: int) -> int:
    """ex(n, C4) by exhaustive search over edge sets, largest first (n <= 6)."""
    pairs = list(itertools.combinations(range(n), 2))
    for m in range(len(pairs), 0, -1):
        for edges in itertools.combinations(pairs, m):
            g = nx.Graph(edges)
            if not any(len(set(g[u]) & set(g[v])) > 1 for u, v in itertools.combinations(g.nodes, 2)):
                return m
    return 0


def test_oracle_table_matches_brute_force_at_n6():
    assert brute_force_ex_c4(6) == A006855[6]


def run_until(agent, goal: Goal, seconds: float):
    agent.deadline = time.perf_counter() + seconds
    while not goal.reached(agent.best_score) and time.perf_counter() < agent.deadline:
        agent.step()
    return agent


@pytest.mark.parametrize("n", [8, 9, 10])
def test_local_search_reaches_ex_c4(n):
    score = make("c4-free", n=n)
    goal = Goal(score.tol, 0.0)
    agent = run_until(LocalSearch(score, LocalConfig(), seed=n, goal=goal), goal, 30)
    graph = score.decode(agent.best_word)
    assert graph.number_of_edges() == A006855[n]
    verdict = score.verify(graph)
    assert verdict.valid and verdict.details["four_cycles"] == 0


@pytest.mark.parametrize("n", [4, 5])
def test_local_search_reaches_the_312_avoiding_permanent_maximum(n):
    from mathrl.envs.graphs.scores.permanent import find_312, permanent_expansion

    score = make("permanent-312", n=n)
    goal = Goal(score.tol, 0.0)
    agent = run_until(LocalSearch(score, LocalConfig(), seed=n, goal=goal), goal, 30)
    matrix = score.decode(agent.best_word)
    assert find_312(matrix) is None
    assert permanent_expansion(matrix) == A343844[n]


def test_a_kicked_restart_is_the_best_word_a_few_changes_away_and_still_feasible():
    score = make("c4-free", n=12)
    agent = LocalSearch(score, LocalConfig(kick=1.0, kick_size=4), seed=0, goal=Goal(score.tol, 0.0))
    start, kicked = agent.start_word()
    assert not kicked  # no best word yet: a fresh start
    agent.step()
    for _ in range(20):
        start, kicked = agent.start_word()
        # at most 4 new edges; the constraint may drop old ones that a new edge would close a C4 with
        assert kicked and np.count_nonzero(start != agent.best_word) >= 1
        assert np.count_nonzero(start > agent.best_word) <= 4
        assert score.feasible_words(start[None])[0]
    plain = LocalSearch(score, LocalConfig(), seed=0)
    again = LocalSearch(score, LocalConfig(kick=0.0), seed=0)
    plain.step(), again.step()
    assert np.array_equal(plain.start_word()[0], again.start_word()[0])  # no kick: the stream as before


def test_neighbourhood_is_every_flip_plus_swaps():
    rng = np.random.default_rng(0)
    word = (rng.random(15) < 0.4).astype(np.uint8)
    words, moved = neighbours(word, swaps=10, rng=rng)
    assert len(words) == 15 + 10
    distance = (words != word).sum(axis=1)
    assert (distance[:15] == 1).all() and (distance[15:] == 2).all()
    assert (words.sum(axis=1)[15:] == word.sum()).all()  # a swap moves a 1, it keeps the count
    for row, (a, b) in zip(words[15:], moved[15:]):
        assert word[a] == 1 and row[a] == 0 and word[b] == 0 and row[b] == 1


def test_a_neighbourhood_transfer_moves_every_other_edge_of_one_vertex_to_another():
    from mathrl.agents.local.climb import transfer_moves
    from mathrl.envs.graphs.encoding import graph_to_word, word_to_graph

    def transferred(graph, u, v):  # the oracle: networkx edits
        result = graph.copy()
        for w in set(graph.neighbors(u)) - {v}:
            result.remove_edge(u, w)
            result.add_edge(v, w)
        result.add_edge(u, v)
        return {frozenset(e) for e in result.edges}

    rng = np.random.default_rng(5)
    n = 9
    graph = nx.gnp_random_graph(n, 0.35, seed=2)
    moves = transfer_moves(graph_to_word(graph), n, 200, rng)
    assert len(moves) == 200
    sources = set()
    for move in moves:
        after = {frozenset(e) for e in word_to_graph(move, n).edges}
        matches = [(u, v) for u in range(n) for v in range(n)
                   if u != v and graph.degree(u) >= 2 and transferred(graph, u, v) == after]
        assert matches, "not a transfer of one vertex's edges to another vertex"
        sources.update(u for u, _ in matches)
    assert sources == {u for u in range(n) if graph.degree(u) >= 2}  # every candidate source is drawn


def test_transfers_lift_tabu_search_out_of_three_joined_stars():
    """Three stars hung on a path are a local optimum of conjecture 2.1's score for single edge
    flips; a transfer merges one star into another in one move."""
    from mathrl.envs.graphs.encoding import graph_to_word

    n = 13
    graph = nx.Graph([(0, 1), (1, 2)] + [(hub, leaf) for hub, leaves in ((0, range(3, 6)), (1, range(6, 9)),
                                                                         (2, range(9, 13))) for leaf in leaves])
    score = make("wagner-2.1", n=n)
    word = graph_to_word(graph)
    start = float(score.score_words(word[None])[0])
    plain = climb(score, word, np.random.default_rng(0), steps=40, patience=40, tenure=0, swaps=0)
    assert plain.score == start  # no single edge flip improves it
    moved = climb(score, word, np.random.default_rng(0), steps=40, patience=40, tenure=0, swaps=0, transfers=64)
    assert moved.score > start + 0.1


@pytest.mark.parametrize("name,n", [("c4-free", 7), ("permanent-312", 4)])
def test_fast_feasibility_equals_replaying_the_constraint(name, n):
    score = make(name, n=n)
    rng = np.random.default_rng(1)
    words = (rng.random((300, score.word_length)) < rng.random((300, 1))).astype(np.uint8)
    replayed = Score.feasible_words(score, words)  # the generic path: write through the constraint
    assert 0 < replayed.sum() < len(words)
    assert np.array_equal(score.feasible_words(words), replayed)
    assert score.feasible_words(score.repair_words(words)).all()


def record_scored_words(score) -> list:
    """Make ``score`` append every batch of words it scores to the returned list."""
    seen, original = [], score.score_words

    def spy(words):
        seen.append(np.array(words))
        return original(words)

    score.score_words = spy
    return seen


def test_tabu_search_never_visits_a_forbidden_word():
    score = make("c4-free", n=9)
    visited = record_scored_words(score)
    rng = np.random.default_rng(3)
    result = climb(score, np.zeros(score.word_length, np.uint8), rng, steps=60, patience=60, tenure=5)
    assert result.moves > 0
    everything = np.concatenate(visited)
    assert (score.violations(score.decode_batch(everything)) == 0).all()
    assert score.verify(score.decode(result.word)).details["four_cycles"] == 0  # brute-force search


def test_steepest_ascent_stops_at_a_local_optimum():
    score = make("c4-free", n=8)
    rng = np.random.default_rng(0)
    result = climb(score, np.zeros(score.word_length, np.uint8), rng, steps=1000, patience=1000, tenure=0, swaps=0)
    words, _ = neighbours(result.word, 0, rng)
    feasible = score.feasible_words(words)
    assert (score.score_words(words[feasible]) <= result.score).all()


def few_triangle_free_edges(adjacency):
    """'Every triangle-free graph on 8 vertices has at most 12 edges' (false: K4,4 has 16)."""
    a = adjacency.astype(np.float64)
    triangles = np.einsum("bij,bjk,bki->b", a, a, a) / 6
    return np.where(triangles > 0, -1.0 - triangles, a.sum(axis=(1, 2)) / 2 - 12.0)


@pytest.mark.parametrize("level", [1, 2])
def test_nmcs_refutes_an_easy_false_statement(level):
    score = resolve(mathrl.batched(few_triangle_free_edges), n=8)
    goal = Goal(score.tol)
    agent = run_until(NestedMonteCarlo(score, NMCSConfig(level=level), seed=0, goal=goal), goal, 60)
    graph = score.decode(agent.best_word)
    assert agent.best_score > 0
    assert sum(nx.triangles(graph).values()) == 0 and graph.number_of_edges() > 12


def test_nmcs_playouts_respect_the_hard_constraint():
    score = make("c4-free", n=7)
    scored = record_scored_words(score)
    goal = Goal(score.tol, 1.0)  # above the optimum: the search runs its whole second
    agent = run_until(NestedMonteCarlo(score, NMCSConfig(level=1), seed=2, goal=goal), goal, 1.0)
    everything = np.concatenate(scored)
    assert len(everything) > 100
    for word in everything[:: max(1, len(everything) // 200)]:  # an independent check: networkx 4-cycles
        graph = score.decode(word)
        assert not any(len(set(graph[u]) & set(graph[v])) > 1 for u, v in itertools.combinations(graph, 2))
    assert agent.best_score > -3


def test_hybrid_polishes_the_best_pool_words_into_local_optima():
    score = make("c4-free", n=9)
    config = preset("hybrid").but(n_sessions=100, islands=1, polish_top=5, polish_steps=50, polish_tenure=0,
                                  polish_share=0.0)
    agent = CrossEntropyMethod(WordConstructionVectorEnv(score, num_envs=100), config, seed=0)
    agent.step()
    rng = np.random.default_rng(0)
    best = agent.super_words[0]
    words, _ = neighbours(best, 0, rng)
    feasible = score.feasible_words(words)
    assert (score.score_words(words[feasible]) <= agent.super_scores[0]).all()
    assert agent.evaluations > 100  # the polish was paid for in score calls


def test_hybrid_remembers_its_local_optima_and_does_not_climb_them_again(monkeypatch):
    import importlib

    climb_module = importlib.import_module("mathrl.agents.local.climb")
    starts, original = [], climb_module.climb

    def spy(score, word, *args, **kwargs):
        starts.append(word.tobytes())
        return original(score, word, *args, **kwargs)

    monkeypatch.setattr(climb_module, "climb", spy)
    score = make("c4-free", n=9)
    config = preset("hybrid").but(n_sessions=100, islands=1, polish_top=5, polish_share=0.0, polish_random=0)
    agent = CrossEntropyMethod(WordConstructionVectorEnv(score, num_envs=100), config, seed=0)
    words = agent.sample()
    values = score.score_words(words)
    polished, polished_values = agent.polish(words, values)
    assert len(starts) == 5 and 1 <= len(agent._optima) <= 5  # steepest ascent ends at an optimum
    remembered = set(agent._optima)
    for _ in range(3):
        starts.clear()
        polished, polished_values = agent.polish(polished, polished_values)
        assert starts and not remembered & set(starts)  # five climbs, none from a known optimum
        remembered |= set(agent._optima)
    state = agent.state_dict()
    resumed = CrossEntropyMethod(WordConstructionVectorEnv(score, num_envs=100), config, seed=0)
    resumed.load_state_dict(state)
    assert list(resumed._optima) == list(agent._optima)
    resumed._fresh_population()  # a restart forgets them
    assert not resumed._optima


def test_hybrid_walk_goes_on_across_iterations_and_resumes_exactly():
    from mathrl.agents.files import load_file, save_file

    score = make("c4-free", n=8)
    config = preset("hybrid").but(n_sessions=60, islands=1, polish_share=0.0, polish_steps=12)
    agent = CrossEntropyMethod(WordConstructionVectorEnv(score, num_envs=60), config, seed=2)
    agent.step()
    first = agent._walk_state
    moves, tabu = first.moves, first.tabu_until.copy()
    assert moves > 0 and tabu.max() > moves  # a tabu list, still in force at the next iteration
    agent.step()
    if agent._walk_state is first:  # the same walk went on: its moves and tabu list carried over
        assert first.moves > moves
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:  # through the checkpoint format, as a resumed run reads it
        save_file(agent.state_dict(), Path(tmp) / "state.pt")
        state = load_file(Path(tmp) / "state.pt", "state", numpy=True)
    resumed = CrossEntropyMethod(WordConstructionVectorEnv(score, num_envs=60), config, seed=2)
    resumed.load_state_dict(state)
    for _ in range(3):
        a, b = agent.step(), resumed.step()
        assert a.best_score == b.best_score
        assert np.array_equal(agent.super_words, resumed.super_words)
        assert agent._walk_state.to_dict().keys() == resumed._walk_state.to_dict().keys()
        for key, value in agent._walk_state.to_dict().items():
            assert np.array_equal(value, resumed._walk_state.to_dict()[key]), key


def test_a_walk_split_over_calls_is_one_tabu_search():
    """Ten calls of one move each on a Walk make the moves one call of ten makes."""
    from mathrl.agents.local.climb import Walk

    score = make("wagner-2.1", n=10)
    start = (np.random.default_rng(3).random(score.word_length) < 0.3).astype(np.uint8)
    value = float(score.score_words(start[None])[0])
    whole_walk, split_walk = Walk.start(start, value), Walk.start(start, value)
    whole = climb(score, None, np.random.default_rng(4), steps=10, patience=100, tenure=4, transfers=8,
                  walk=whole_walk)
    rng = np.random.default_rng(4)
    for _ in range(10):
        part = climb(score, None, rng, steps=1, patience=100, tenure=4, transfers=8, walk=split_walk)
    assert split_walk.moves == whole.moves == 10
    assert np.array_equal(split_walk.word, whole_walk.word) and np.array_equal(part.word, whole.word)
    assert np.array_equal(split_walk.tabu_until, whole_walk.tabu_until) and part.score == whole.score
    # and a walk from scratch is what climb does from a word
    plain = climb(score, start, np.random.default_rng(4), steps=10, patience=100, tenure=4, transfers=8)
    assert np.array_equal(plain.word, whole.word)


def test_configs_saved_before_transfers_resume_without_them():
    from mathrl.agents.local import LocalConfig
    from mathrl.agents.nmcs import NMCSConfig

    old_local = {k: v for k, v in LocalConfig().to_dict().items() if k != "transfers"}
    old_nmcs = {k: v for k, v in NMCSConfig(polish_steps=100).to_dict().items() if k != "polish_transfers"}
    assert LocalConfig.from_dict(old_local).transfers == 0
    assert NMCSConfig.from_dict(old_nmcs).polish_transfers == 0
    assert LocalConfig.from_dict(LocalConfig().to_dict()).transfers == LocalConfig().transfers == 32
    assert NMCSConfig.from_dict(NMCSConfig().to_dict()).polish_transfers == 32


def test_hybrid_polish_keeps_to_its_time_share():
    """With almost no time the pool's words are not climbed (or found optimal); with time they improve."""
    score = make("wagner-2.1", n=12)
    config = preset("hybrid").but(n_sessions=50, islands=1)
    agent = CrossEntropyMethod(WordConstructionVectorEnv(score, num_envs=50), config, seed=1)
    words = agent.sample()
    values = score.score_words(words)
    agent.polish(words, values, spent=1e-9)  # almost no time: the first climb is cut at once
    assert len(agent._optima) == 0
    polished, polished_values = agent.polish(words, values, spent=1e3)
    assert polished_values.max() > values.max()


def test_nearby_master_seeds_share_no_island():
    seeds = [set(island_seeds(s, 4)) for s in range(5)]
    for a, b in itertools.combinations(seeds, 2):
        assert not a & b
    assert island_seeds(7, 3) == island_seeds(7, 3)


def test_parse_agent_names():
    assert parse_agent("cem")[1] == "cem:default"
    assert parse_agent("cem:wagner")[2] == preset("wagner")
    assert parse_agent("hybrid")[2].polish_top > 0
    assert parse_agent("nmcs:3")[2].level == 3
    assert parse_agent("nmcs:2:polish")[2].polish_steps > 0
    assert parse_agent("alphazero")[2].init == ""
    for bad in ("nope", "nmcs:9", "local:3", "cem:nope", "nmcs:2:x", "alphazero:no/such/run"):
        with pytest.raises(AgentSpecError):
            parse_agent(bad)


def test_alphazero_search_reaches_ex_c4_and_its_state_resumes_exactly():
    """AlphaZero as a suite agent: PUCT search with a network it trains as it goes reaches ex(7, C4) = 9; a
    searcher rebuilt from its state_dict (what the island runner does every chunk) continues identically."""
    from mathrl.agents.alphazero.word_search import AlphaZeroSearchConfig, AlphaZeroWordSearch

    score = make("c4-free", n=7)
    config = AlphaZeroSearchConfig(episodes=16, n_sims=16, train_steps=4, batch_size=64)
    agent = AlphaZeroWordSearch(score, config, seed=0, goal=Goal(score.tol, target=0.0))
    for _ in range(30):
        stats = agent.step()
        if agent.goal.reached(agent.best_score):
            break
    assert agent.best_score == 0 and score.score_word(agent.best_word) == 0
    assert agent.evaluations >= 16 * (stats["iteration"] + 1)  # every finished word, and the search's leaves
    saved = agent.state_dict()  # what the in-process runner keeps (its checkpoint) while the next searcher trains
    moments = saved["optimizer"]["state"][0]["exp_avg"].clone()
    twin = AlphaZeroWordSearch(score, config, seed=123)
    twin.load_state_dict(saved)
    b = twin.step()
    assert torch.equal(saved["optimizer"]["state"][0]["exp_avg"], moments)  # the twin trained on a copy
    a = agent.step()
    a.pop("seconds"), b.pop("seconds")
    assert a == b and np.array_equal(agent.best_word, twin.best_word)


def test_alphazero_search_keeps_invalid_scores_out_of_its_values_but_reports_them():
    """wagner-2.1 gives disconnected graphs -10**6: the search and the value targets see them just below the
    worst valid score, while the best score reported is the score's own."""
    from mathrl.agents.alphazero.word_search import AlphaZeroSearchConfig, AlphaZeroWordSearch

    score = make("wagner-2.1", n=6)
    agent = AlphaZeroWordSearch(score, AlphaZeroSearchConfig(episodes=16, n_sims=8, train_steps=1), seed=0)
    for _ in range(3):
        agent.step()
    assert agent.z.min() > -100 and score.score_word(agent.best_word) == agent.best_score
    assert agent.evaluations <= 3 * 16 * 8 + 3 * 16  # each distinct word of a step is scored once

def test_alphazero_search_starts_from_a_trained_run_of_the_same_word_length(tmp_path):
    import shutil

    from mathrl.agents.alphazero.episodes import EpisodeConfig
    from mathrl.agents.alphazero.problems import ProblemConfig, ProblemTrainer
    from mathrl.agents.alphazero.word_search import AlphaZeroSearchConfig, AlphaZeroWordSearch

    episodes = EpisodeConfig(env_id="mathrl/GraphConstruction-v0", env_kwargs=json.dumps({"score": "c4-free", "n": 6}),
                             network=json.dumps({"layers": [64, 32]}), value_scale=4.0)
    trainer = ProblemTrainer(ProblemConfig(episodes=episodes, episodes_per_iter=2, train_steps=2, batch_size=8,
                                           eval_episodes=0), tmp_path / "run")
    trainer.run(1)
    _, _, config = parse_agent(f"alphazero:{tmp_path / 'run'}")
    assert config.layers == (64, 32) and config.value_scale == 4.0 and config.init.startswith("/")
    agent = AlphaZeroWordSearch(make("c4-free", n=6), config, seed=0)
    state = agent.state_dict()  # a fresh search takes the run's weights before anything else
    for key, value in trainer.net.state_dict().items():
        assert torch.equal(value, state["net"][key]), key
    shutil.rmtree(tmp_path / "run")  # a resumed search never reads the run again: its weights are in its state
    resumed = AlphaZeroWordSearch(make("c4-free", n=6), AlphaZeroSearchConfig.from_dict(config.to_dict()), seed=0)
    resumed.load_state_dict(state)
    resumed.step()
    with pytest.raises(AgentSpecError, match="no agent file"):
        parse_agent(f"alphazero:{tmp_path / 'run'}")
    with pytest.raises(ValueError, match="episodes"):
        AlphaZeroSearchConfig(episodes=0)


def test_alphazero_run_of_another_word_length_is_refused(tmp_path):
    from mathrl.agents.alphazero.episodes import EpisodeConfig
    from mathrl.agents.alphazero.problems import ProblemConfig, ProblemTrainer
    from mathrl.agents.searchers import check_agent

    episodes = EpisodeConfig(env_id="mathrl/GraphConstruction-v0", env_kwargs=json.dumps({"score": "c4-free", "n": 6}))
    ProblemTrainer(ProblemConfig(episodes=episodes, episodes_per_iter=1, train_steps=1, batch_size=4,
                                 eval_episodes=0), tmp_path / "run").run(1)
    _, _, config = parse_agent(f"alphazero:{tmp_path / 'run'}")
    check_agent(make("c4-free", n=6), config)  # its own length: accepted
    with pytest.raises(ValueError, match="not the network of a word env of this length"):
        check_agent(make("c4-free", n=7), config)


def always_negative(adjacency):
    return -1.0 - adjacency.sum(axis=(1, 2)) * 0.0


def test_resume_time_limit_means_more_seconds(tmp_path):
    score = resolve(mathrl.batched(always_negative), n=12)
    first = Search(score, tmp_path, config=LocalConfig(islands=1, steps=5), seed=0)
    first.run(time_limit=1.0, progress=False, chunk_seconds=0.2)
    done = first.iteration
    assert done > 0
    resumed = Search(score, tmp_path, resume=True)
    resumed.run(time_limit=1.0, progress=False, chunk_seconds=0.2)
    assert resumed.iteration > done
    assert resumed.elapsed >= first.elapsed + 0.9


@pytest.mark.parametrize("agent", ["local", "nmcs", "hybrid", "alphazero"])
def test_search_with_a_target_writes_target_json(tmp_path, agent):
    from mathrl.cli import main

    code = main(["search", "--score", "c4-free", "--n", "7", "--agent", agent, "--target", "0", "--islands", "1",
                 "--time-limit", "60", "--out", str(tmp_path), "--quiet"])
    assert code == 0
    record = json.loads((tmp_path / "target.json").read_text())
    assert record["target_reached"] and len(record["edges"]) == A006855[7]
    assert (tmp_path / "target.png").exists()


def test_slow_plugin_is_reported_at_preflight(tmp_path, capsys):
    from mathrl.cli import main

    plugin = tmp_path / "slow.py"
    plugin.write_text("import time\n\ndef slow(g):\n    time.sleep(0.02)\n    return -1.0\n")
    code = main(["search", "--score", f"{plugin}:slow", "--n", "5", "--iterations", "1", "--agent", "hybrid", "--sessions", "4",
                 "--islands", "1", "--out", str(tmp_path / "run"), "--quiet"])
    assert code == 1
    err = capsys.readouterr().err
    assert "slow" in err and "objects/s" in err and "batched" in err


def test_suite_runner_writes_json_and_png(tmp_path):
    from mathrl.agents.suite import main

    out = tmp_path / "bench"
    assert main(["--problems", "c4-free:6,permanent-312:4", "--agents", "local", "--seeds", "1", "--cap", "30",
                 "--out", str(out)]) == 0
    result = json.loads((out / "bench_search.json").read_text())
    assert {row["problem"] for row in result["summary"]} == {"c4-free:6:0", "permanent-312:4:0"}
    assert all(row["successes"] == 1 for row in result["summary"])
    assert (out / "bench_search.png").stat().st_size > 0
    assert "avx512f" in result["machine"] and result["machine"]["cores"] >= 1


def test_suite_resumes_only_the_runs_a_kill_left_unfinished(tmp_path, monkeypatch, capsys):
    from mathrl.agents import suite

    out = tmp_path / "bench"
    args = ["--problems", "c4-free:6,permanent-312:4", "--agents", "local", "--seeds", "2", "--cap", "30",
            "--quiet", "--out", str(out)]
    assert suite.main(args) == 0
    first = json.loads((out / "bench_search.json").read_text())["runs"]
    assert main_refuses(suite, ["--resume", str(out), "--seeds", "3"], capsys)
    assert main_refuses(suite, args, capsys)  # a fresh suite would drop the finished runs
    # as a kill would leave it: two finished rows, a torn third, no summary yet
    lines = (out / "metrics.jsonl").read_text().splitlines()
    (out / "metrics.jsonl").write_text("\n".join(lines[:2]) + "\n" + lines[2][:15])
    (out / "bench_search.json").unlink()
    calls = []
    real = suite.run_one
    monkeypatch.setattr(suite, "run_one", lambda *a: calls.append(a[:3]) or real(*a))
    assert suite.main(["--resume", str(out), "--quiet"]) == 0
    assert [(agent, problem.label, seed) for agent, problem, seed in calls] == [
        ("local", "permanent-312:4:0", 0), ("local", "permanent-312:4:0", 1)]
    again = json.loads((out / "bench_search.json").read_text())["runs"]
    assert again[:2] == first[:2] and [r["seed"] for r in again] == [0, 1, 0, 1]
    assert len((out / "metrics.jsonl").read_text().splitlines()) == 4
    (out / "metrics.jsonl").write_text(json.dumps({"run": 0, "agent": "nmcs", "problem": "x", "seed": 0}) + "\n")
    assert main_refuses(suite, ["--resume", str(out)], capsys)


def test_a_hit_that_ends_after_the_cap_is_a_miss_of_the_suite(monkeypatch):
    """The search stops at its limit between iterations and then verifies its result, so a run can end after
    its cap; the suite then reports it found but not a success. The run's clock is made to read
    100 s (c4-free at n = 5 is found at once) against a 60 s cap."""
    from types import SimpleNamespace

    from mathrl.agents import suite

    [problem] = suite.parse_problems("c4-free:5")
    on_time = suite.run_one("local", problem, 0, 60.0)
    assert on_time["status"] == "found" and on_time["success"] and on_time["seconds"] <= 60.0
    readings = iter([0.0, 100.0])
    monkeypatch.setattr(suite, "time", SimpleNamespace(perf_counter=lambda: next(readings)))
    late = suite.run_one("local", problem, 0, 60.0)
    assert late["status"] == "found" and late["seconds"] == 100.0 and not late["success"]
    assert late["best_score"] >= 0


def main_refuses(suite, argv, capsys) -> bool:
    """``bench search`` refuses ``argv`` with one line (BenchError), writing nothing new."""
    try:
        suite.main(argv)
    except suite.BenchError as exc:
        return "\n" not in str(exc)
    return False


def test_suite_rejects_bad_problems():
    from mathrl.agents.suite import BenchError, parse_problems

    assert parse_problems("c4-free:12")[0].target == 0.0
    assert parse_problems("wagner-2.1:19")[0].target is None
    for bad in ("nope:3", "c4-free", "c4-free:x", "c4-free:1000"):
        with pytest.raises(BenchError):
            parse_problems(bad)


def test_categorical_observations_match_the_rollout():
    from mathrl.agents.cem.categorical import CategoricalWords, WordScore

    sampler = CategoricalWords(WordScore(lambda w: np.zeros(len(w)), length=5, alphabet=3), num_envs=4)
    seen = []

    def uniform(obs):
        seen.append(obs.copy())
        return np.full((len(obs), 3), 1 / 3)

    words, _ = sampler.rollout(uniform, np.random.default_rng(0))
    assert words.max() <= 2
    replayed = sampler.observations_for(words).reshape(4, 5, -1)
    for t in range(5):
        assert np.array_equal(replayed[:, t], seen[t])


def test_categorical_cem_learns_a_three_letter_target():
    from mathrl.agents.cem.categorical import CategoricalCEM, WordScore

    hidden = np.random.default_rng(5).integers(0, 3, size=20)

    def matches(words):
        return (words == hidden).sum(axis=1) - 20.0 + 0.5   # > 0 only for the hidden word itself

    config = preset("default").but(n_sessions=200, islands=1, restart_after=0, lr=1e-3)
    agent = CategoricalCEM(WordScore(matches, length=20, alphabet=3), config, seed=0)
    first = agent.step().best_score
    for _ in range(60):
        if agent.best_score > 0:
            break
        agent.step()
    assert first < 0 < agent.best_score
    assert np.array_equal(agent.best_word, hidden)


def test_a_long_iteration_is_not_cut_at_chunk_boundaries(tmp_path):
    """A whole nested search is one iteration: chunks end between iterations, not inside them."""
    score = resolve(mathrl.batched(few_triangle_free_edges), n=7)
    config = NMCSConfig(level=2, islands=1)
    search = Search(score, tmp_path, config=config, preset_name="nmcs", seed=3, target=1e9)
    search.run(max_iterations=1, progress=False, chunk_seconds=0.0)
    direct = NestedMonteCarlo(score, config, island_seeds(3, 1)[0], Goal(score.tol, 1e9))
    direct.step()
    assert search.states[0]["evaluations"] == direct.evaluations
    assert search.states[0]["best_score"] == direct.best_score


@pytest.mark.parametrize("flags", [
    ["--seed", "-1"], ["--islands", "0"], ["--threads", "0"], ["--sessions", "1"], ["--iterations", "0"],
    ["--time-limit", "-5"], ["--target", "nan"], ["--agent", "nope"], ["--agent", "nmcs:9"],
    ["--agent", "local", "--preset", "wagner"], ["--agent", "local", "--sessions", "50"],
    ["--threads", "100000"], ["--islands", "100000"], ["--object", "matrix"], ["--batched"], ["--agent", ""],
])
def test_search_rejects_bad_input_with_exit_2_and_writes_nothing(tmp_path, flags, capsys):
    from mathrl.cli import main

    out = tmp_path / "run"
    assert main(["search", "--score", "c4-free", "--n", "6", "--out", str(out), "--quiet", *flags]) == 2
    assert not out.exists()
    assert capsys.readouterr().err.count("\n") == 1


def test_resume_refuses_flags_the_run_fixes(tmp_path, capsys):
    from mathrl.cli import main

    out = tmp_path / "run"
    assert main(["search", "--score", "c4-free", "--n", "6", "--agent", "local", "--islands", "1",
                 "--iterations", "1", "--out", str(out), "--quiet"]) in (0, 1)
    for flags in (["--agent", "nmcs"], ["--target", "0"], ["--preset", "wagner"], ["--n", "7"],
                  ["--score", "wagner-2.1"], ["--seed", "0"], ["--seed", "3"], ["--object", "graph"], ["--batched"],
                  ["--score-kwargs", "{}"], ["--islands", "2"], ["--threads", "1"], ["--sessions", "50"],
                  ["--out", str(tmp_path / "elsewhere")]):
        assert main(["search", "--resume", str(out), "--quiet", *flags]) == 2, flags
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and (f"{flags[0]} cannot be given with --resume" in err
                                          or "conflicts with the run" in err), err
    assert not (tmp_path / "elsewhere").exists()
    # the same score and n, as scripts/search.sh passes them, are fine
    assert main(["search", "--resume", str(out), "--score", "c4-free", "--n", "6", "--iterations", "2",
                 "--quiet"]) in (0, 1)


@pytest.mark.parametrize("problems,agents", [
    ("c4-free:41", "local"), ("permanent-312:14", "local"), ("c4-free:10:nan", "local"), ("c4-free:6", ","),
    ("c4-free:6", "hybrid:x"),
])
def test_bench_search_rejects_bad_input(tmp_path, problems, agents):
    from mathrl.cli import main

    out = tmp_path / "bench"
    assert main(["bench", "search", "--problems", problems, "--agents", agents, "--out", str(out)]) == 2
    assert not out.exists()


def test_hybrid_climbs_fresh_random_words_too():
    """The triangle-free statement on 10 vertices (K5,5 has 25 > 22 edges): the generator alone
    drifts to sparse graphs, the hybrid's restarted climbs refute it within a few iterations."""
    def triangle_free_edges(adjacency):
        a = adjacency.astype(np.float64)
        triangles = np.einsum("bij,bjk,bki->b", a, a, a) / 6
        return np.where(triangles > 0, -1.0 - triangles, a.sum(axis=(1, 2)) / 2 - 22.0)

    score = resolve(mathrl.batched(triangle_free_edges), n=10)
    config = preset("hybrid").but(n_sessions=100, islands=1, polish_share=0.0)
    agent = CrossEntropyMethod(WordConstructionVectorEnv(score, num_envs=100), config, seed=0)
    for _ in range(30):
        if agent.best_score > 0:
            break
        agent.step()
    graph = score.decode(agent.best_word)
    assert agent.best_score > 0 and graph.number_of_edges() > 22
    assert sum(nx.triangles(graph).values()) == 0


def test_swaps_are_topped_up_only_under_a_hard_constraint():
    """At a dense C4-free graph most random swaps close a 4-cycle; ``swap_tries`` draws more batches until
    ``swaps`` allowed ones are in the neighbourhood. Each swap changes one 1 to 0 and one 0 to 1; every row of
    the topped-up neighbourhood is its move applied to the word, scored as the score scores it alone. A score
    without a constraint climbs the same way either way."""
    from mathrl.agents.local.climb import _apply_moves, scored_neighbourhood, swap_moves

    rng = np.random.default_rng(0)
    c4 = make("c4-free", n=16)
    dense = c4.repair_words(np.ones((1, c4.word_length), dtype=np.uint8))[0]
    words, moved = swap_moves(dense, 64, rng)
    assert (dense[moved[:, 0]] == 1).all() and (dense[moved[:, 1]] == 0).all()
    assert ((words != dense).sum(axis=1) == 2).all() and (words.sum(axis=1) == dense.sum()).all()
    assert c4.feasible_words(words).mean() < 0.5  # the situation the top-up is for
    length = c4.word_length
    counts = {}
    for tries in (1, 8):
        words, moved, values, scored = scored_neighbourhood(c4, dense, 64, np.random.default_rng(1), tries)
        assert np.array_equal(words, _apply_moves(dense, moved))
        reference = np.where(c4.feasible_words(words), c4.score_words(words), -np.inf)
        assert np.array_equal(values, reference) and scored == int(np.isfinite(values).sum())
        counts[tries] = int(np.isfinite(values[length:]).sum())
    assert counts[8] > counts[1]
    tiny = make("c4-free", n=3)  # one edge, two non-edges: 2 swaps in all, never a 4-cycle
    words, moved, values, scored = scored_neighbourhood(tiny, np.array([1, 0, 0], dtype=np.uint8), 64,
                                                        np.random.default_rng(2), 8)
    assert len(words) == 3 + 2  # no further batch once every swap the word has is in
    free = make("wagner-2.1", n=8)
    word = np.random.default_rng(2).integers(0, 2, free.word_length).astype(np.uint8)
    plain = scored_neighbourhood(free, word, 16, np.random.default_rng(4), 1)
    asked = scored_neighbourhood(free, word, 16, np.random.default_rng(4), 8)
    assert all(np.array_equal(a, b) for a, b in zip(plain[:3], asked[:3])) and plain[3] == asked[3]
    one = climb(free, word, np.random.default_rng(3), steps=3, tenure=5, swaps=16)
    eight = climb(free, word, np.random.default_rng(3), steps=3, tenure=5, swaps=16, swap_tries=8)
    assert one.evaluations == eight.evaluations and np.array_equal(one.word, eight.word)
