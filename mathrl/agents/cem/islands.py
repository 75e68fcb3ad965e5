"""Running search islands in chunks: a plain function of (state, config, seed) -> data.

``run_chunk`` advances one island of any word-search agent (CEM, hybrid, local
search, NMCS: ``mathrl.agents.searchers``) by up to ``iterations`` iterations
(or until ``seconds`` pass, or a word reaches the goal) and returns its new
state. It needs nothing but its arguments, so the same call runs in-process,
in a process pool or on Ray (:mod:`mathrl.agents.executor`). Islands only meet at migration
points, at fixed iteration numbers, so each island's course is the same whatever
the chunk boundaries, the scheduling or the backend. Which island's hit is
reported when several reach the goal in one round can depend on timing (a round
ends at the first hit the main process sees), as can the evaluations counted:
the last chunk of a worker abandoned at the end is not counted.

Worker processes die with the main process (:func:`mathrl.agents.runs.die_with_parent`):
a SIGKILL of ``mathrl search`` leaves no orphan computing on. They ignore Ctrl-C
(the terminal sends it to the whole process group): the main process checkpoints
and then kills them.
"""

from __future__ import annotations

import contextlib
import pickle
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from ..goal import Goal

_ENV_CACHE: dict = {}  # the last env built in this process, reused while score and size match


@dataclass
class ChunkResult:
    island: int
    state: dict
    stats: list = field(default_factory=list)
    candidate: dict | None = None  # {"word", "score", "iteration"} once the goal is reached


def env_for(score, n_sessions: int):
    from mathrl.envs.graphs.vector_env import WordConstructionVectorEnv

    if _ENV_CACHE.get("score") is not score or _ENV_CACHE.get("n_sessions") != n_sessions:
        _ENV_CACHE.update(score=score, n_sessions=n_sessions,
                          env=WordConstructionVectorEnv(score, num_envs=n_sessions))
    return _ENV_CACHE["env"]


def run_chunk(island: int, state: dict | None, config, score, seed: int,
              until_iteration: int, seconds: float, goal: Goal | None = None,
              budget: float = float("inf"), stop=None) -> ChunkResult:
    """Advance one island; ``state`` None starts it fresh from ``seed``.

    The chunk ends between iterations once ``seconds`` have passed, or when ``stop()``
    (optional, for a chunk run in the main process) says another island reached the goal; an iteration
    itself (a whole tabu restart, a whole nested search) is only cut short when the
    run's own time ``budget`` (seconds from now) runs out, so long iterations are
    never restarted at every chunk boundary.
    """
    with _torch_threads(config):
        return _advance(island, state, config, score, seed, until_iteration, seconds, goal, budget, stop)


@contextlib.contextmanager
def _torch_threads(config):
    """torch's thread count set to ``config.threads``, restored after (the first island runs in the caller's
    process). A searcher without a network (``uses_torch = False`` on its config) skips it: its worker then
    never imports torch, about 2 s of a spawned worker's start."""
    if not getattr(type(config), "uses_torch", True):
        yield
        return
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(config.threads)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _advance(island, state, config, score, seed, until_iteration, seconds, goal, budget, stop) -> ChunkResult:
    from ..searchers import build_searcher

    goal = goal or Goal(score.tol)
    agent = build_searcher(score, config, seed, goal)
    if state is not None:
        agent.load_state_dict(state)
    result = ChunkResult(island=island, state={})
    deadline = time.perf_counter() + seconds
    agent.deadline = time.perf_counter() + budget
    while agent.iteration < until_iteration:
        stats = agent.step()
        row = stats if isinstance(stats, dict) else asdict(stats)
        row["evaluations"] = agent.evaluations
        if hasattr(agent, "super_words") and row["iteration"] % 20 == 0:  # CEM: the super set every 20
            row["supers"] = [[float(v), _bits(w)] for v, w in zip(agent.super_scores, agent.super_words)]
        if row["iteration"] % 200 == 0:  # and the best word as a timeline every 200
            row["best_word"] = _bits(agent.best_word)
        result.stats.append(row)
        if goal.reached(agent.best_score):
            result.candidate = {"word": agent.best_word.copy(), "score": agent.best_score,
                                "iteration": row["iteration"]}
            break
        if time.perf_counter() >= deadline or (stop is not None and stop()):
            break
    result.state = agent.state_dict()
    return result


def _bits(word: np.ndarray) -> str:
    from mathrl.envs.graphs.objects import word_text

    return word_text(word)


def migrate(states: list[dict], top: int) -> None:
    """Merge every island's best sessions and hand each island the global top ``top``."""
    from .cem import merge_supers

    words = np.concatenate([s["super_words"][:top] for s in states])
    scores = np.concatenate([s["super_scores"][:top] for s in states])
    order = np.argsort(-scores, kind="stable")[:top]
    for s in states:
        s["super_words"], s["super_scores"] = merge_supers(
            s["super_words"], s["super_scores"], words[order], scores[order])


def can_send(score) -> bool:
    """Whether the score survives pickling (islands in other processes need that)."""
    try:
        pickle.loads(pickle.dumps(score))
        return True
    except Exception:
        return False


class IslandPool:
    """Runs island chunks on an :mod:`~mathrl.agents.executor` backend: worker processes or Ray tasks
    (``ray``: ``auto``, ``local`` or an address) for all islands but the first, which runs in the main
    process meanwhile (it starts at once, while the workers are still starting: an easy problem is solved
    before they are up); in-process alone when there is one island or the score cannot be sent to another
    process. Islands only meet at fixed migration iterations, so the backend never changes an island's course.

    A round ends early once an island reaches the goal: the first island stops between iterations when a
    worker's result has it, and workers still running are abandoned (killed at :meth:`close`) when the
    first island or a finished worker has it; their chunk of that round is lost, the run being over."""

    POLL_SECONDS = 0.05  # how often the main process's island looks at the workers' results

    def __init__(self, islands: int, score, ray: str | None = None):
        from ..executor import Executor, ProcessExecutor, make_executor

        if islands > 1 and can_send(score):
            self.executor = ProcessExecutor(islands - 1) if ray is None else make_executor(islands - 1, ray)
        else:
            self.executor = Executor()
        self.abandoned = False

    def map(self, calls: list[tuple]) -> list[ChunkResult]:
        """One round: every island's chunk, in island order; fewer when the round ended early (above)."""
        if self.executor.backend == "inline" or len(calls) == 1:
            return [run_chunk(*call) for call in calls]
        pending = self.executor.submit(run_chunk, calls[1:])
        seen = {"at": 0.0, "found": False}

        def worker_found() -> bool:
            now = time.perf_counter()
            if not seen["found"] and now - seen["at"] >= self.POLL_SECONDS:
                seen["at"] = now
                seen["found"] = any(r.candidate is not None for r in pending.ready().values())
            return seen["found"]

        first = run_chunk(*calls[0], stop=worker_found)
        done = pending.ready()
        if first.candidate is None and not any(r.candidate is not None for r in done.values()):
            return [first, *pending.result()]
        if len(done) < len(calls) - 1:
            pending.cancel()
            self.abandoned = True  # the run is over: don't wait for the rest at close
        return [first, *(done[i] for i in sorted(done))]

    def close(self, abandon: bool = False) -> None:
        """Shut the workers down; ``abandon`` (an interrupt or a crash): kill them mid-chunk, don't wait."""
        self.executor.close(abandon or self.abandoned)
