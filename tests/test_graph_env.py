"""Word-construction envs (Wagner 2021's bit-by-bit construction): single env, pure state, vector env, plug-in scores."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import ResetNeeded
from env_helpers import strict_check
from gymnasium.vector import AutoresetMode

import mathrl
from mathrl.core import TERMINAL_PLAYER, IllegalActionError, PureState
from mathrl.envs.graphs import (
    GraphConstructionEnv,
    MatrixConstructionEnv,
    WordConstructionEnv,
    WordConstructionState,
    WordConstructionVectorEnv,
)
from mathrl.envs.graphs.encoding import words_to_adjacency
from mathrl.scores import REGISTRY, Score, ScoreError, make

GSTAR_ONES = [*range(1, 10), 18, *range(27, 35)]
GSTAR_SCORE = 3 * math.sqrt(2) - math.sqrt(10) - 1


# -- a small masked score, so the mask logic is tested whatever built-ins exist --------
class NoThirdsAtMost:
    """Constraint: no 1 at positions divisible by 3, and at most ``cap`` ones in all."""

    def __init__(self, cap: int):
        self.cap = cap

    def init(self, batch: int) -> dict:
        return {"ones": np.zeros(batch, dtype=np.int64)}

    def allowed_one(self, state: dict, k: int) -> np.ndarray:
        return (state["ones"] < self.cap) & (k % 3 != 0)

    def commit(self, state: dict, k: int, bits: np.ndarray) -> None:
        state["ones"] += np.asarray(bits, dtype=np.int64)


class CappedEdges(Score):
    name = "capped-edges"
    object_kind = "graph"
    default_n = 5

    def __init__(self, n=None, cap: int = 3, **kwargs):
        super().__init__(n, **kwargs)
        self.cap = cap
        self.constraint = NoThirdsAtMost(cap)

    def score(self, graph) -> float:
        return float(graph.number_of_edges() - self.cap)


def gstar_word() -> np.ndarray:
    word = np.zeros(171, dtype=np.uint8)
    word[GSTAR_ONES] = 1
    return word


def run_word(env, word):
    env.reset(seed=0)
    for bit in word:
        obs, reward, terminated, truncated, info = env.step(int(bit))
    return obs, reward, terminated, truncated, info


# -- check_env on every registered id and its variants: tests/test_env_conformance.py --------------
def test_default_envs_and_spaces():
    env = gym.make("mathrl/GraphConstruction-v0")
    assert env.unwrapped.score.name == "wagner-2.1" and env.unwrapped.score.n == 19
    assert env.observation_space == gym.spaces.MultiBinary(342)
    env = gym.make("mathrl/MatrixConstruction-v0")
    assert env.unwrapped.score.name == "permanent-312" and env.unwrapped.score.n == 8
    assert env.observation_space.shape == (128,)
    env = gym.make("mathrl/GraphConstruction-v0", n=5, obs_dtype=np.float32)
    assert env.observation_space == gym.spaces.Box(0, 1, (20,), np.float32)
    assert gym.make("mathrl/GraphConstruction-v0", n=6, score="c4-free").unwrapped.score.constraint is not None


def test_check_env_masked_plugin_score():
    strict_check(WordConstructionEnv(CappedEdges(5, cap=2)))
    strict_check(WordConstructionEnv(CappedEdges(5, cap=2), obs_dtype=np.float32))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="obs_dtype"):
        GraphConstructionEnv(n=4, obs_dtype=np.float64)
    with pytest.raises(ValueError, match="render_mode"):
        GraphConstructionEnv(n=4, render_mode="human")
    with pytest.raises(ScoreError, match="builds matrix objects"):
        MatrixConstructionEnv(n=4, score="wagner-2.1")


# -- episode mechanics ----------------------------------------------------------------------
def test_observations_rewards_and_terminal_info():
    env = GraphConstructionEnv(n=4)  # L = 6
    obs, info = env.reset(seed=1)
    assert obs.dtype == np.int8 and obs.tolist() == [0] * 6 + [1, 0, 0, 0, 0, 0]
    assert info["t"] == 0 and info["action_mask"].dtype == np.int8 and info["invalid_action"] is False
    word = [1, 1, 1, 0, 0, 0]  # the star K_{1,3}
    for t, bit in enumerate(word):
        obs, reward, terminated, truncated, info = env.step(bit)
        assert truncated is False and info["t"] == t + 1 and info["invalid_action"] is False
        if t < 5:
            expected = word[: t + 1] + [0] * (5 - t) + [0] * 6
            expected[6 + t + 1] = 1
            assert obs.tolist() == expected and reward == 0.0 and not terminated
            assert "score" not in info
    assert terminated and obs.tolist() == word + [0] * 6
    assert abs(reward) < 1e-12 and reward == info["score"]
    assert info["word"].dtype == np.uint8 and info["word"].tolist() == word
    assert info["valid"] is True and info["counterexample"] is False  # a star is the equality case


def test_gstar_through_the_env():
    env = gym.make("mathrl/GraphConstruction-v0")
    _, reward, terminated, _, info = run_word(env, gstar_word())
    assert terminated and reward == pytest.approx(GSTAR_SCORE, abs=1e-12)
    assert info["valid"] and info["counterexample"]


def test_disconnected_graph_is_invalid():
    env = GraphConstructionEnv(n=4)
    _, reward, _, _, info = run_word(env, [0] * 6)
    assert reward == -1e6 and info["valid"] is False and info["counterexample"] is False


@pytest.mark.parametrize("action", [2, -1, 0.5, 1.0, "1", None, np.array([1])])
def test_action_outside_the_space_raises_value_error(action):
    env = GraphConstructionEnv(n=4)
    env.reset()
    with pytest.raises(ValueError, match="action must be 0 or 1"):
        env.step(action)


def test_numpy_integer_actions_are_accepted():
    env = GraphConstructionEnv(n=4)
    env.reset()
    env.step(np.int64(1))
    env.step(np.array(0, dtype=np.int32))
    assert env.state.word[:2].tolist() == [1, 0]


def test_step_after_termination_and_before_reset_raise():
    env = GraphConstructionEnv(n=3)
    with pytest.raises(ResetNeeded):
        env.step(0)
    run_word(env, [1, 1, 0])
    with pytest.raises(ResetNeeded, match="terminated"):
        env.step(0)
    env.reset()
    env.step(0)  # usable again


def test_forced_zero_for_a_forbidden_one():
    env = WordConstructionEnv(CappedEdges(5, cap=2))
    obs, info = env.reset()
    assert info["action_mask"].tolist() == [1, 0]  # position 0 is divisible by 3
    assert env.action_masks().dtype == bool and env.action_masks().tolist() == [True, False]
    obs, _, _, _, info = env.step(1)
    assert info["forced"] is True and info["invalid_action"] is True and obs[0] == 0
    obs, _, _, _, info = env.step(1)  # position 1 is allowed
    assert info["invalid_action"] is False and obs[1] == 1
    rewards = []
    for _ in range(8):
        _, reward, terminated, _, info = env.step(1)
        assert info["action_mask"].tolist() == env.action_masks().astype(np.int8).tolist()
        rewards.append(reward)
    assert terminated and env.state.word.sum() == 2 and rewards[-1] == 0.0  # 2 edges - cap 2


def test_render_ansi():
    env = GraphConstructionEnv(n=4, render_mode="ansi")
    env.reset()
    for bit in [1, 0, 1]:
        env.step(bit)
    text = env.render()
    assert "0-1" in text and "0-3" in text and "0-2" not in text and "3/6" in text
    assert GraphConstructionEnv(n=4).render() is None
    menv = MatrixConstructionEnv(n=2, score=lambda m: 0.0, render_mode="ansi")
    menv.reset()
    menv.step(1)
    assert menv.render().splitlines()[1:] == ["1 .", ". ."]
    assert "ansi" in WordConstructionEnv.metadata["render_modes"]


def test_seeding_reproducibility():
    def episode(seed):
        env = gym.make("mathrl/GraphConstruction-v0", n=6)
        obs, _ = env.reset(seed=seed)
        env.action_space.seed(seed)
        trace = [obs.copy()]
        terminated = False
        while not terminated:
            obs, reward, terminated, _, _ = env.step(env.action_space.sample())
            trace += [obs.copy(), reward]
        return trace, env.unwrapped.np_random.random()

    (a, ra), (b, rb) = episode(3), episode(3)
    assert ra == rb and len(a) == len(b)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))


# -- pure state -----------------------------------------------------------------------------
def test_pure_state_protocol():
    state = WordConstructionState(make("wagner-2.1", n=4))
    assert isinstance(state, PureState) and state.num_players == 1 and state.num_actions == 2
    assert state.current_player() == 0 and state.returns().shape == (1,)
    assert state.legal_actions() == [0, 1] and state.action_mask().tolist() == [True, True]
    for bit in [1, 1, 1, 0, 0]:
        assert state.apply(bit) == 0.0
    branch = state.clone()
    reward = branch.apply(1)  # triangle 0-2-3 plus the pendant 1: mu = 2
    assert reward == pytest.approx(math.sqrt(3) + 1 - branch_lambda1(branch) - 2)
    assert branch.returns().tolist() == [reward] and branch.is_terminal()
    assert not state.is_terminal() and state.t == 5 and state.word[5] == 0
    assert state.apply(0) == pytest.approx(0.0, abs=1e-12)  # star K_{1,3}
    assert state.is_terminal() and state.current_player() == TERMINAL_PLAYER
    assert state.legal_actions() == [] and not state.action_mask().any()
    assert state.returns().tolist() == pytest.approx([0.0], abs=1e-12)
    assert branch.word[5] == 1 and state.word[5] == 0
    assert state.observation().dtype == np.int8 and state.observation().tolist() == [1, 1, 1, 0, 0, 0] + [0] * 6
    with pytest.raises(IllegalActionError):
        state.apply(0)


def branch_lambda1(state) -> float:
    return float(np.linalg.eigvalsh(words_to_adjacency(state.word, 4).astype(float))[-1])


def test_pure_state_constraint_clone_and_illegal_actions():
    state = WordConstructionState(CappedEdges(5, cap=1))
    assert state.legal_actions() == [0] and state.action_mask().tolist() == [True, False]
    with pytest.raises(IllegalActionError):
        state.apply(1)
    with pytest.raises(IllegalActionError):
        state.apply(2)
    state.apply(0)
    assert state.legal_actions() == [0, 1]
    branch = state.clone()
    branch.apply(1)  # uses up the cap in the clone only
    for _ in range(3):
        state.apply(0)
    branch.apply(0)
    branch.apply(0)
    assert branch.t == state.t == 4
    assert state.legal_actions() == [0, 1] and branch.legal_actions() == [0]
    while not state.is_terminal():  # mask and legal actions agree all the way
        assert state.action_mask().tolist() == [a in state.legal_actions() for a in (0, 1)]
        state.apply(state.legal_actions()[-1])
    assert state.word.sum() == 1


# -- vector env -------------------------------------------------------------------------------
def single_envs_trace(score, actions):
    """Run B single envs on the same actions, resetting after termination (NEXT_STEP style)."""
    batch = actions.shape[1]
    envs = [WordConstructionEnv(score) for _ in range(batch)]
    obs = np.stack([env.reset()[0] for env in envs])
    trace = [(obs, np.zeros(batch))]
    done = False
    for step_actions in actions:
        if done:
            obs = np.stack([env.reset()[0] for env in envs])
            trace.append((obs, np.zeros(batch)))
            done = False
            continue
        results = [env.step(int(a)) for env, a in zip(envs, step_actions)]
        obs = np.stack([r[0] for r in results])
        done = results[0][2]
        trace.append((obs, np.array([r[1] for r in results])))
    return trace


@pytest.mark.parametrize("score", [make("wagner-2.1", n=5), CappedEdges(5, cap=3)])
def test_vector_env_matches_single_envs(score):
    batch, length = 7, score.word_length
    rng = np.random.default_rng(0)
    actions = rng.integers(0, 2, size=(2 * length + 1, batch))
    actions[:length, 0] = [1, 1, 1, 1] + [0] * (length - 4)  # a star: connected
    venv = WordConstructionVectorEnv(score, num_envs=batch)
    obs, info = venv.reset(seed=0)
    trace = [(obs, np.zeros(batch))]
    for step_actions in actions:
        obs, rewards, terminated, truncated, info = venv.step(step_actions)
        assert not truncated.any()
        trace.append((obs, rewards))
    expected = single_envs_trace(score, actions)
    assert len(trace) == len(expected)
    for (o, r), (eo, er) in zip(trace, expected):
        np.testing.assert_array_equal(o, eo)
        np.testing.assert_allclose(r, er, atol=1e-9, rtol=0)


def test_vector_env_spaces_infos_and_next_step_autoreset():
    venv = WordConstructionVectorEnv("wagner-2.1", num_envs=3)
    assert venv.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    assert venv.single_observation_space == gym.spaces.MultiBinary(342)
    assert venv.observation_space.shape == (3, 342) and venv.action_space == gym.spaces.MultiDiscrete([2, 2, 2])
    obs, info = venv.reset(seed=0)
    assert obs.shape == (3, 342) and obs.dtype == np.int8
    assert info["action_mask"].shape == (3, 2) and info["_action_mask"].all()
    assert venv.action_masks().dtype == bool and venv.action_masks().shape == (3, 2)
    words = np.stack([gstar_word(), np.zeros(171, np.uint8), gstar_word()])
    for t in range(171):
        obs, rewards, terminated, truncated, info = venv.step(words[:, t])
        assert terminated.all() == (t == 170)
    assert rewards.dtype == np.float64 and rewards[1] == -1e6
    assert rewards[0] == pytest.approx(GSTAR_SCORE, abs=1e-12)
    assert info["counterexample"].tolist() == [True, False, True] and info["_counterexample"].all()
    assert info["valid"].tolist() == [True, False, True]
    np.testing.assert_array_equal(info["word"], words)
    np.testing.assert_array_equal(obs[:, :171], words)
    assert not obs[:, 171:].any()
    obs, rewards, terminated, truncated, info = venv.step(np.ones(3, dtype=np.int64))  # ignored
    assert not obs[:, :171].any() and obs[:, 171].all() and not rewards.any() and not terminated.any()
    assert info["t"].tolist() == [0, 0, 0]
    obs, *_ = venv.step(np.array([1, 0, 1]))
    assert obs[:, 0].tolist() == [1, 0, 1]


def test_vector_env_same_step_autoreset():
    score = make("wagner-2.1", n=4)
    venv = WordConstructionVectorEnv(score, num_envs=2, autoreset_mode=AutoresetMode.SAME_STEP,
                                     obs_dtype=np.float32)
    assert venv.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
    venv.reset(seed=0)
    words = np.array([[1, 1, 1, 0, 0, 0], [1, 0, 0, 0, 0, 1]])
    for t in range(6):
        obs, rewards, terminated, truncated, info = venv.step(words[:, t])
    assert terminated.all() and obs.dtype == np.float32
    assert obs[:, :6].sum() == 0 and obs[:, 6].all()  # already reset
    assert info["_final_obs"].all() and info["final_obs"].dtype == object
    np.testing.assert_array_equal(np.stack(info["final_obs"]), np.hstack([words, np.zeros((2, 6))]))
    final = info["final_info"]
    assert final["score"].tolist() == pytest.approx(rewards.tolist())
    assert final["valid"].tolist() == [True, False] and final["_valid"].all()
    assert info["t"].tolist() == [0, 0]
    obs, rewards, terminated, *_ = venv.step(np.array([1, 1]))  # no lost step
    assert obs[:, 0].tolist() == [1, 1] and not terminated.any()


def test_vector_env_disabled_autoreset_and_bad_actions():
    venv = WordConstructionVectorEnv("wagner-2.1", num_envs=2, autoreset_mode=AutoresetMode.DISABLED)
    with pytest.raises(ResetNeeded):
        venv.step(np.zeros(2, dtype=int))
    venv.reset()
    for bad in (np.array([0, 2]), np.array([0, 1, 1]), np.array([0.5, 1.0]), np.array([-1, 0])):
        with pytest.raises(ValueError, match="actions must be"):
            venv.step(bad)
    small = WordConstructionVectorEnv(make("wagner-2.1", n=2), num_envs=2, autoreset_mode="Disabled")
    small.reset()
    small.step(np.array([1, 0]))
    with pytest.raises(ResetNeeded):
        small.step(np.array([1, 0]))


def test_vector_env_forced_mask():
    venv = WordConstructionVectorEnv(CappedEdges(5, cap=1), num_envs=2)
    _, info = venv.reset()
    assert venv.action_masks().tolist() == [[True, False]] * 2
    _, _, _, _, info = venv.step(np.array([1, 0]))
    assert info["forced"].tolist() == [True, False] and info["invalid_action"].tolist() == [True, False]
    _, _, _, _, info = venv.step(np.array([1, 0]))
    assert info["action_mask"].tolist() == [[1, 0], [1, 1]] and venv.words[:, :2].tolist() == [[0, 1], [0, 0]]


def test_rollout_respects_constraint_and_reports_forced():
    score = CappedEdges(6, cap=4)
    venv = WordConstructionVectorEnv(score, num_envs=50)
    words, forced = venv.rollout(lambda o: np.full(o.shape[0], 0.9, np.float32), np.random.default_rng(0))
    assert words.shape == forced.shape == (50, 15) and words.dtype == np.uint8 and forced.dtype == bool
    assert (words.sum(axis=1) <= 4).all() and not words[:, ::3].any()
    assert forced[:, ::3].sum() > 0 and not (words.astype(bool) & forced).any()
    for word, row_forced in zip(words, forced):  # replay: a forced bit is exactly a forbidden 1
        state = WordConstructionState(score)
        for t, bit in enumerate(word):
            assert not (row_forced[t] and state.allow_one())
            state.apply(int(bit))
    always_one, _ = venv.rollout(lambda o: np.ones(o.shape[0], np.float32), np.random.default_rng(1))
    assert always_one.sum(axis=1).tolist() == [4] * 50


@pytest.mark.skipif("c4-free" not in REGISTRY, reason="c4-free not written yet")
def test_rollout_c4_free_gives_c4_free_graphs():
    score = make("c4-free", n=8)
    venv = WordConstructionVectorEnv(score, num_envs=64)
    words, forced = venv.rollout(lambda o: np.full(o.shape[0], 0.7, np.float32), np.random.default_rng(0))
    adjacency = words_to_adjacency(words, 8).astype(np.int64)
    codegree = adjacency @ adjacency
    off_diagonal = ~np.eye(8, dtype=bool)
    assert (codegree[:, off_diagonal] <= 1).all() and forced.any()


def test_observations_for_matches_the_env():
    venv = WordConstructionVectorEnv(make("wagner-2.1", n=4), num_envs=3, obs_dtype=np.float32)
    words = np.array([[1, 0, 1, 1, 0, 1], [0, 1, 1, 0, 0, 1], [1, 1, 1, 1, 1, 1]], dtype=np.uint8)
    venv.reset()
    seen = []
    for t in range(6):
        seen.append(venv._obs().copy())
        venv.step(words[:, t])
    rebuilt = venv.observations_for(words, [2, 0]).reshape(2, 6, 12)
    np.testing.assert_array_equal(rebuilt[0], np.stack(seen)[:, 2])
    np.testing.assert_array_equal(rebuilt[1], np.stack(seen)[:, 0])


def test_make_vec_uses_the_native_vector_env():
    venv = gym.make_vec("mathrl/GraphConstruction-v0", num_envs=4, n=5)
    assert isinstance(venv.unwrapped, WordConstructionVectorEnv) and venv.num_envs == 4
    assert venv.unwrapped.score.n == 5
    obs, _ = venv.reset(seed=0)
    assert obs.shape == (4, 20)
    sync = gym.make_vec("mathrl/GraphConstruction-v0", num_envs=2, vectorization_mode="sync", n=4)
    assert sync.reset(seed=0)[0].shape == (2, 12)
    mvec = gym.make_vec("mathrl/MatrixConstruction-v0", num_envs=2, n=3, score=lambda m: float(m.trace()))
    assert mvec.reset()[0].shape == (2, 18)


# -- plug-in scores through the env's score kwarg ----------------------------------------------
def test_plugin_per_object_callable():
    env = gym.make("mathrl/GraphConstruction-v0", n=4, score=lambda g: float(g.number_of_edges()))
    _, reward, _, _, info = run_word(env, [1, 0, 1, 1, 0, 0])
    assert reward == 3.0 and info["counterexample"]


def test_plugin_batched_function():
    @mathrl.batched
    def edges(adjacency):
        return adjacency.sum(axis=(1, 2)) / 2.0

    env = GraphConstructionEnv(n=4, score=edges)
    assert env.score.batched
    _, reward, *_ = run_word(env, [1, 1, 0, 0, 0, 0])
    assert reward == 2.0
    venv = WordConstructionVectorEnv(edges, num_envs=2)
    assert venv.score.n == 19


def test_plugin_from_file(tmp_path):
    path = tmp_path / "my_score.py"
    path.write_text("def ones(m):\n    return float(m.sum())\n\n"
                    "def boom(m):\n    raise RuntimeError('kaput')\n\n"
                    "def nan(m):\n    return float('nan')\n\n"
                    "def text(m):\n    return 'high'\n")
    env = gym.make("mathrl/MatrixConstruction-v0", n=2, score=f"{path}:ones")
    _, reward, *_ = run_word(env, [1, 0, 1, 1])
    assert reward == 3.0
    for func, message in [("boom", "kaput"), ("nan", "non-finite"), ("text", "non-numeric")]:
        env = MatrixConstructionEnv(n=2, score=f"{path}:{func}")
        with pytest.raises(ScoreError, match=message) as excinfo:
            run_word(env, [1, 0, 1, 1])
        assert func in str(excinfo.value) and "my_score.py" in str(excinfo.value)


def test_plugin_errors_name_the_file_and_function(tmp_path):
    path = tmp_path / "scores_here.py"
    path.write_text("def ok(g):\n    return 0.0\n")
    with pytest.raises(ScoreError, match="not found") as excinfo:
        GraphConstructionEnv(n=4, score=f"{tmp_path / 'missing.py'}:ok")
    assert "missing.py" in str(excinfo.value)
    with pytest.raises(ScoreError, match="absent") as excinfo:
        GraphConstructionEnv(n=4, score=f"{path}:absent")
    assert "scores_here.py" in str(excinfo.value)
    with pytest.raises(ScoreError, match="unknown score|expected"):
        GraphConstructionEnv(n=4, score="no-such-score")
