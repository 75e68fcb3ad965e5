"""Words over k > 2 letters: labelled object kinds, k-letter moves, and ``mathrl search --alphabet K``.

The oracles are independent of the search code: squares in a word are found by a
regular expression, monochromatic triangles and determinants by brute force and
numpy, and every claimed object is re-checked here from its JSON record.
"""

import itertools
import json
import pickle
import re

import numpy as np
import pytest

from mathrl.agents.cem.categorical import CategoricalCEM
from mathrl.agents.cem.config import preset
from mathrl.agents.goal import Goal
from mathrl.agents.local import LocalConfig, LocalSearch, neighbours
from mathrl.agents.local.climb import random_letters
from mathrl.agents.nmcs import NestedMonteCarlo, NMCSConfig
from mathrl.agents.searchers import build_searcher, check_agent, estimate_bytes, parse_agent
from mathrl.envs.graphs.objects import object_kind, word_from_text, word_text
from mathrl.scores import ScoreError, make, resolve

PLUGIN = '''
import itertools

import numpy as np


def squares(word):
    w = [int(v) for v in word]
    return sum(w[i:i + m] == w[i + m:i + 2 * m] for i in range(len(w)) for m in range(1, (len(w) - i) // 2 + 1))


def square_free(word):
    """False statement: every ternary word of this length contains a square (Thue: square-free ones exist)."""
    return 0.5 - squares(word)


def rainbowless(labels):
    """False statement: every 3-colouring of the edges of K_n has a monochromatic triangle (n < 17)."""
    n = len(labels)
    triangles = itertools.combinations(range(n), 3)
    return 0.5 - sum(labels[a, b] == labels[b, c] == labels[a, c] for a, b, c in triangles)


def never(word):
    """A true statement: no word has a negative letter sum."""
    return -1.0 - float(np.abs(word.astype(float) - 1.5).sum())


def signed_det(m):
    """False statement: a 3 x 3 matrix with entries in {-1, 0, 1} has |det| <= 3 (the maximum is 4)."""
    return abs(np.linalg.det(m.astype(float) - 1)) - 3.5
'''


def has_square(word) -> bool:
    """An independent oracle: some factor xx with x non-empty."""
    return re.search(r"(.+)\1", "".join(map(str, word))) is not None


def mono_triangles(labels) -> int:
    n = len(labels)
    return sum(labels[a][b] == labels[b][c] == labels[a][c] for a, b, c in itertools.combinations(range(n), 3))


def count_squares(word) -> int:
    w = [int(v) for v in word]
    return sum(w[i:i + m] == w[i + m:i + 2 * m] for i in range(len(w)) for m in range(1, (len(w) - i) // 2 + 1))


def square_free_score(length: int):
    """0.5 minus the number of squares: > 0 exactly for a square-free word."""
    return resolve(lambda w: 0.5 - count_squares(w), length, object_kind="word", alphabet=3)


@pytest.fixture
def plugin(tmp_path):
    path = tmp_path / "letters.py"
    path.write_text(PLUGIN)
    return path


# -- object kinds --------------------------------------------------------------------------------
@pytest.mark.parametrize("name,n", [("graph", 6), ("matrix", 4), ("word", 9)])
def test_labelled_kinds_round_trip_words(name, n):
    kind = object_kind(name, 3)
    words = np.random.default_rng(0).integers(0, 3, size=(5, kind.word_length(n))).astype(np.uint8)
    arrays = kind.arrays(words, n)
    for word, array in zip(words, arrays):
        assert np.array_equal(kind.to_word(kind.from_array(array)), word)
        assert array.max() <= 2
    if name == "graph":
        assert np.array_equal(arrays, arrays.transpose(0, 2, 1))
        assert not arrays[:, np.arange(n), np.arange(n)].any()
    with pytest.raises(ValueError):
        kind.to_word(np.full(arrays.shape[1:], 3, dtype=np.uint8))


def test_two_letters_keep_the_0_1_kinds_and_words_read_back_from_text():
    assert object_kind("graph", 2) is object_kind("graph")
    for word in (np.array([0, 1, 1, 0]), np.array([2, 0, 9]), np.array([12, 0, 255]), np.array([12]),
                 np.array([255]), np.array([3])):
        assert np.array_equal(word_from_text(word_text(word)), word), word
    assert word_text(np.array([1, 0, 1])) == "101"


def test_plugin_scores_carry_their_alphabet_through_pickling(plugin):
    score = resolve(f"{plugin}:square_free", 6, object_kind="word", alphabet=3)
    assert score.alphabet == 3 and score.word_length == 6 and score.kind.alphabet == 3
    again = pickle.loads(pickle.dumps(score))
    assert again.alphabet == 3 and again.spec()["alphabet"] == 3
    with pytest.raises(ScoreError, match="0-1 words"):
        resolve("wagner-2.1", 19, alphabet=3)
    with pytest.raises(ScoreError, match="alphabet"):
        resolve(lambda w: 0.0, 5, object_kind="word", alphabet=1)


def test_a_0_1_word_object_renders_as_one_row():
    from mathrl.envs.graphs.env import WordConstructionEnv

    env = WordConstructionEnv(resolve(lambda w: 0.0, 6, object_kind="word"), render_mode="rgb_array")
    env.reset(seed=0)
    env.step(1)
    picture = env.render()
    assert picture.ndim == 3 and picture.shape[1] > picture.shape[0]  # one row of 6 cells


def test_local_search_refuses_a_hard_constraint_over_more_letters():
    score = square_free_score(6)
    score.constraint = make("c4-free", n=4).constraint
    with pytest.raises(ValueError, match="two letters"):
        LocalSearch(score, LocalConfig(), seed=0)


def test_the_construction_envs_refuse_k_letter_scores():
    from mathrl.envs.graphs.env import WordConstructionEnv
    from mathrl.envs.graphs.vector_env import WordConstructionVectorEnv

    score = square_free_score(6)
    for build in (lambda: WordConstructionEnv(score), lambda: WordConstructionVectorEnv(score, num_envs=2)):
        with pytest.raises(ValueError, match="3 letters"):
            build()


# -- moves and random words -----------------------------------------------------------------------
def test_letter_neighbourhood_is_every_single_change_plus_true_swaps():
    rng = np.random.default_rng(1)
    word = np.array([0, 2, 1, 1, 0, 2, 2], dtype=np.uint8)
    words, moved = neighbours(word, 40, rng, alphabet=3)
    changes = moved[:, 1] < 0
    expected = {(i, c) for i in range(len(word)) for c in range(3) if c != word[i]}
    seen = set()
    for w, m in zip(words[changes], moved[changes]):
        diff = np.flatnonzero(w != word)
        assert diff.tolist() == [m[0]]
        seen.add((int(m[0]), int(w[m[0]])))
    assert seen == expected and changes.sum() == len(expected)
    for w, (i, j) in zip(words[~changes], moved[~changes]):
        assert sorted(np.flatnonzero(w != word).tolist()) == sorted([i, j])
        assert w[i] == word[j] and w[j] == word[i]
    assert words.max() <= 2


def test_random_letters_keep_the_0_1_stream_and_spread_letters():
    a, b = np.random.default_rng(5), np.random.default_rng(5)
    density = b.random((4, 1))
    assert np.array_equal(random_letters(4, 30, 2, a), (b.random((4, 30)) < density).astype(np.uint8))
    words = random_letters(200, 50, 4, np.random.default_rng(0))
    assert words.max() == 3 and words.min() == 0
    counts = np.stack([(words == c).mean(axis=1) for c in range(4)], axis=1)
    assert counts.max(axis=1).mean() > 0.4  # letter frequencies vary from word to word (not all uniform)


# -- the agents on k-letter words -----------------------------------------------------------------
def test_local_search_finds_a_square_free_ternary_word():
    score = square_free_score(24)
    agent = LocalSearch(score, LocalConfig(), seed=0, goal=Goal(score.tol))
    for _ in range(20):
        agent.step()
        if agent.best_score > 0:
            break
    assert agent.best_score > 0 and not has_square(agent.best_word) and agent.best_word.max() <= 2


def test_nmcs_tries_every_letter_and_finds_a_square_free_word():
    score = square_free_score(12)
    agent = NestedMonteCarlo(score, NMCSConfig(level=1), seed=0, goal=Goal(score.tol))
    for _ in range(30):
        agent.step()
        if agent.best_score > 0:
            break
    assert agent.best_score > 0 and not has_square(agent.best_word)
    assert set(agent.best_word.tolist()) == {0, 1, 2}  # a square-free word of length >= 4 needs all three


def test_hybrid_runs_the_categorical_cem_with_letter_polish():
    score = square_free_score(12)
    kind, label, config = parse_agent("hybrid")
    agent = build_searcher(score, config.but(n_sessions=64), seed=0, goal=Goal(score.tol))
    assert isinstance(agent, CategoricalCEM) and config.polish_top > 0
    for _ in range(60):  # the polish has a share of each iteration's time, so how soon it hits varies with load
        agent.step()
        if agent.best_score > 0:
            break
    assert agent.best_score > 0 and not has_square(agent.best_word)


def test_the_hybrid_polish_moves_to_letters_the_start_lacks():
    """From 0-1 words with squares, the polish (no time limit) reaches square-free words, which over
    three letters need the letter 2: 0-1 moves alone could never get there."""
    score = square_free_score(12)
    _, _, config = parse_agent("hybrid")
    agent = build_searcher(score, config.but(n_sessions=64, polish_share=0.0, polish_random=0, polish_top=4),
                           seed=0, goal=Goal(score.tol))
    words = np.array([[0, 1] * 6, [0, 0, 1] * 4, [1, 0, 0] * 4, [0, 1, 1] * 4], dtype=np.uint8)
    values = score.score_words(words)
    better, improved = agent.polish(words, values)
    assert improved.max() > 0 and improved.max() > values.max()
    best = better[int(np.argmax(improved))]
    assert not has_square(best) and 2 in best and best.max() <= 2


def test_alphazero_refuses_and_memory_estimate_grows_with_the_alphabet():
    _, _, config = parse_agent("alphazero")
    with pytest.raises(ValueError, match="3 letters"):
        check_agent(square_free_score(6), config)
    cem = preset("default")
    small = estimate_bytes(cem, resolve(lambda w: 0.0, 30, object_kind="word"))
    large = estimate_bytes(cem, resolve(lambda w: 0.0, 30, object_kind="word", alphabet=8))
    assert large > small
    # a word decodes to n entries, a graph to n^2: a long word costs about what a graph of its length does
    _, _, local = parse_agent("local")
    word = estimate_bytes(local, resolve(lambda w: 0.0, 990, object_kind="word"))
    graph = estimate_bytes(local, resolve(lambda g: 0.0, 45))  # 45 * 44 / 2 = 990 positions
    assert word < 2 * graph


# -- the command ---------------------------------------------------------------------------------
def test_search_command_refutes_a_word_statement_and_records_the_letters(tmp_path, plugin):
    from mathrl.cli import main

    out = tmp_path / "run"
    code = main(["search", "--score", f"{plugin}:square_free", "--object", "word", "--alphabet", "3", "--n", "20",
                 "--agent", "local", "--islands", "1", "--time-limit", "60", "--out", str(out), "--quiet"])
    assert code == 0
    record = json.loads((out / "counterexample.json").read_text())
    word = word_from_text(record["word"])
    assert record["alphabet"] == 3 and record["labels"] == word.tolist() and len(word) == 20
    assert not has_square(word)
    assert record["verification"]["valid"] and record["verification"]["method"].startswith("user function")
    assert json.loads((out / "run.json").read_text())["alphabet"] == 3
    assert (out / "counterexample.png").exists()
    assert main(["search", "--resume", str(out), "--alphabet", "3", "--quiet"]) == 2


def test_search_command_colours_edges_and_fills_signed_matrices(tmp_path, plugin):
    from mathrl.cli import main

    out = tmp_path / "colouring"
    assert main(["search", "--score", f"{plugin}:rainbowless", "--alphabet", "3", "--n", "7", "--islands", "1",
                 "--time-limit", "60", "--out", str(out), "--quiet"]) == 0
    labels = np.array(json.loads((out / "counterexample.json").read_text())["labels"])
    assert labels.shape == (7, 7) and (labels == labels.T).all() and mono_triangles(labels) == 0
    out = tmp_path / "signed"
    assert main(["search", "--score", f"{plugin}:signed_det", "--object", "matrix", "--alphabet", "3", "--n", "3",
                 "--agent", "nmcs", "--islands", "1", "--time-limit", "60", "--out", str(out), "--quiet"]) == 0
    matrix = np.array(json.loads((out / "counterexample.json").read_text())["labels"]) - 1
    assert set(np.unique(matrix)) <= {-1, 0, 1} and round(abs(np.linalg.det(matrix))) == 4


def test_a_k_letter_search_on_two_islands_resumes_where_it_stopped(tmp_path, plugin):
    from mathrl.cli import main

    out = tmp_path / "run"
    base = ["search", "--score", f"{plugin}:never", "--object", "word", "--alphabet", "4", "--n", "10",
            "--islands", "2", "--agent", "hybrid", "--sessions", "16", "--iterations", "2", "--out", str(out), "--quiet"]
    assert main(base) == 1  # a true statement: the limit is hit
    first = json.loads((out / "best.json").read_text())
    assert main(["search", "--resume", str(out), "--iterations", "4", "--quiet"]) == 1
    second = json.loads((out / "best.json").read_text())
    assert second["iterations"] > first["iterations"] and second["alphabet"] == 4
    assert max(second["labels"]) <= 3 and second["score"] >= first["score"]
    run = json.loads((out / "run.json").read_text())
    run["alphabet"] = 3  # a run folder edited to another alphabet is refused in one line, not a traceback
    (out / "run.json").write_text(json.dumps(run))
    assert main(["search", "--resume", str(out), "--iterations", "6", "--quiet"]) == 2


@pytest.mark.parametrize("flags", [
    ["--alphabet", "1"], ["--alphabet", "257"], ["--agent", "alphazero"],
])
def test_search_command_refuses_bad_alphabets_with_exit_2(tmp_path, plugin, flags, capsys):
    from mathrl.cli import main

    out = tmp_path / "run"
    args = ["search", "--score", f"{plugin}:square_free", "--object", "word", "--n", "8", "--out", str(out),
            "--quiet", *flags]
    if "--alphabet" not in flags:
        args += ["--alphabet", "3"]
    assert main(args) == 2
    assert not out.exists() and capsys.readouterr().err.count("\n") == 1


def test_search_command_refuses_an_alphabet_for_a_built_in_score(tmp_path, capsys):
    from mathrl.cli import main

    out = tmp_path / "run"
    assert main(["search", "--score", "c4-free", "--n", "6", "--alphabet", "3", "--out", str(out), "--quiet"]) == 2
    assert not out.exists() and "0-1 words" in capsys.readouterr().err
