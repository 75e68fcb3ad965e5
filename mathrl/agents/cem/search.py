"""A counterexample search, as ``mathrl search`` runs it, with any word-search agent.

Runs the islands of one agent (CEM, hybrid, local search or NMCS:
``mathrl.agents.searchers``) until a candidate reaches the goal (score > tol,
or score >= target) or a limit is hit,
shows progress, checkpoints, re-verifies every candidate independently, and
writes results a person can open:
``counterexample.json`` + ``counterexample.png`` on success (``target.json`` +
``target.png`` when a target was asked for), ``best.json`` +
``best.png`` otherwise, ``metrics.jsonl`` with per-iteration statistics of every island
(mirrored to TensorBoard under ``tensorboard/`` when that is installed).

A run folder survives a kill at any instant (:mod:`mathrl.agents.runs`):

* ``run.json`` (agent, config, seed, target, score, limits) is written before any
  work, so even a run killed in its first second can be resumed (from scratch);
* ``checkpoint.pt`` is written after the first completed round of the islands,
  then every ``checkpoint_seconds``, at the end, and on Ctrl-C, SIGTERM, SIGHUP
  or a crash; it records how many complete rows ``metrics.jsonl`` had, and a resume
  cuts the log back to them before appending, so no row is duplicated or torn;
* every file is replaced atomically, never rewritten in place;
* island worker processes die with the main process, even after a SIGKILL.

``checkpoint.pt`` holds tensors and plain data only (numpy arrays tagged, see
:mod:`mathrl.agents.files`) and ``--resume`` reads it with ``weights_only=True``:
a crafted checkpoint cannot run code, and an unreadable one is a
:class:`ResumeError`, one line and exit code 2 from ``mathrl search``.
"""

from __future__ import annotations

import json
import math
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from mathrl.envs.graphs.scores import Score, verify_word

from ..files import FileFormatError, load_file, save_file
from ..goal import Goal
from ..runlog import MetricsLog, RunBar
from ..runs import count_jsonl_rows, interrupts_as_keyboard, save_figure, write_json
from .config import preset
from .islands import IslandPool, migrate

CHECKPOINT = "checkpoint.pt"
RUN_FILE = "run.json"
LOG = "metrics.jsonl"
LEGACY_LOG = "log.jsonl"  # the name of the same file in run folders of mathrl 0.1.0
CHECKPOINT_FORMAT = "mathrl-search-checkpoint/2"  # /2: safe (weights_only) file, numpy arrays tagged
CHECKPOINT_KEYS = ("config", "seed", "states", "elapsed", "word_length")  # "log_rows" since the kill-safe runs
FOUND, LIMIT, FAILED_VERIFICATION = "found", "limit", "verification-failed"
EXIT_CODES = {FOUND: 0, LIMIT: 1, FAILED_VERIFICATION: 3}


class ResumeError(ValueError):
    """A run folder that cannot be resumed (no, a truncated, a foreign or an unsafe checkpoint): one line.

    ``mathrl search --resume`` reports it as a usage error (exit code 2).
    """


@dataclass
class SearchResult:
    status: str
    best_score: float
    best_word: np.ndarray
    iterations: int
    seconds: float
    record_path: Path | None = None
    verification: object = None

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]


def package_versions() -> dict:
    import gymnasium
    import networkx
    import sympy

    import mathrl

    return {"mathrl": mathrl.__version__, "python": platform.python_version(), "numpy": np.__version__,
            "torch": torch.__version__, "networkx": networkx.__version__, "sympy": sympy.__version__,
            "gymnasium": gymnasium.__version__}


def object_record(score: Score, word) -> dict:
    """The decoded object in open formats (the score's object kind decides which)."""
    return score.record(word)


def draw_object(score: Score, word, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 6))
    score.draw(word, ax)
    ax.set_title(title)
    fig.tight_layout()
    try:
        save_figure(fig, path, dpi=110)  # atomic
    finally:
        plt.close(fig)


def _plain(obj):
    """``obj`` as plain JSON data: numpy to Python, a non-finite number to its name ("-inf"), anything else
    unknown to its ``str`` (a record must never fail to be written at the end of a long search)."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, np.generic):
        return _plain(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    if obj is None or isinstance(obj, (str, int, float)):
        return obj
    return str(obj)


def _write_json(path: Path, data: dict) -> None:
    write_json(path, _plain(data))  # atomic: a reader sees the old file or the new one


def island_seeds(seed: int, islands: int) -> list[int]:
    """Independent seeds for the islands of master ``seed``.

    ``SeedSequence.spawn`` mixes the master seed through a hash, so nearby master
    seeds (0 and 1) share no island, as ``seed + island`` made them do.
    """
    return [int(child.generate_state(1)[0]) for child in np.random.SeedSequence(seed).spawn(islands)]


class Search:
    """One search: the islands' states plus the bookkeeping to checkpoint and resume them.

    ``config`` is any agent's config (``CEMConfig``, ``LocalConfig``, ``NMCSConfig``);
    ``preset_name`` labels it in the records. ``target`` None: stop at score > tol
    (a counterexample); a number: stop at the first word scoring at least that.
    ``run.json`` is written here, before any work. ``resume``: continue the run in
    ``out_dir`` from its checkpoint, or from the start when it was killed before its
    first checkpoint (``run.json`` alone says what to run).
    """

    def __init__(self, score: Score, out_dir, *, config=None, preset_name: str = "default",
                 seed: int = 0, resume: bool = False, run_info: dict | None = None, target: float | None = None):
        self.score = score
        self.out = Path(out_dir)
        self.preset_name = preset_name
        self.seed = seed
        self.target = target
        self.elapsed = 0.0
        self.run_info = dict(run_info or {})
        if resume:  # the checkpoint (or run.json) says which agent, config, seed and target
            self._load_checkpoint()
            self._remove_stale_temporaries()
        else:
            self.config = config or preset(preset_name.removeprefix("cem:"))
            self._commit([None] * self.config.islands, 0)
        self.goal = Goal(score.tol, self.target)
        self.out.mkdir(parents=True, exist_ok=True)
        if not resume:  # an earlier search's checkpoint in this folder must not be resumed with this run.json
            (self.out / CHECKPOINT).unlink(missing_ok=True)
        self.write_run_file()

    # -- progress that a checkpoint records -------------------------------------------
    def _commit(self, states: list, log_rows: int | None) -> None:
        """The islands' states and the number of log rows they wrote, in one assignment: a Ctrl-C or
        SIGTERM between two statements can never pair one round's states with another's row count."""
        self._progress = (states, log_rows)

    @property
    def states(self) -> list:
        return self._progress[0]

    @property
    def log_rows(self) -> int | None:
        """Complete rows of ``metrics.jsonl`` that belong to :attr:`states` (None: an older checkpoint's log)."""
        return self._progress[1]

    # -- checkpoints ------------------------------------------------------------
    def run_record(self) -> dict:
        from ..searchers import kind_of

        return {**self.run_info, "agent": kind_of(self.config), "config": self.config.to_dict(),
                "preset": self.preset_name, "seed": self.seed, "target": self.target}

    def write_run_file(self) -> None:
        """``run.json``: what this run is (enough to start it again), written atomically."""
        _write_json(self.out / RUN_FILE, self.run_record())

    def _load_checkpoint(self) -> None:
        path = self.out / CHECKPOINT
        if not path.exists():
            self._load_run_file()
            return
        from ..searchers import config_from_dict

        try:
            data = load_file(path, "search checkpoint")  # weights_only=True: a crafted file cannot run code
        except FileFormatError as exc:
            raise ResumeError(str(exc)) from exc
        if not isinstance(data, dict) or any(key not in data for key in CHECKPOINT_KEYS):
            raise ResumeError(f"{path} is not a readable mathrl search checkpoint (not a search checkpoint)")
        try:
            self.config = config_from_dict(data.get("agent", "cem"), data["config"])
            self.seed, self.elapsed = int(data["seed"]), float(data["elapsed"])
            states = list(data["states"])
            if len(states) != self.config.islands or not all(s is None or isinstance(s, dict) for s in states):
                raise ValueError(f"{len(states)} island states for {self.config.islands} islands")
            rows = data.get("log_rows")
            if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 0):
                raise ValueError(f"log_rows {rows!r}")
            self._commit(states, rows)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ResumeError(f"{path} is not a readable mathrl search checkpoint ({type(exc).__name__}: "
                              f"{exc})") from exc
        self.preset_name = data.get("preset", self.preset_name)
        self.target = data.get("target")
        if isinstance(data.get("run"), dict):
            self.run_info = {**data["run"], **self.run_info}
        if data["word_length"] != self.score.word_length:
            raise ResumeError(f"checkpoint in {self.out} is for words of length {data['word_length']}, "
                              f"but the score has {self.score.word_length}")
        alphabet = data["run"].get("alphabet", 2) if isinstance(data.get("run"), dict) else 2
        if (alphabet or 2) != self.score.alphabet:
            raise ResumeError(f"checkpoint in {self.out} is for words over {alphabet} letters, "
                              f"but the score has {self.score.alphabet}")

    def _load_run_file(self) -> None:
        """No checkpoint yet (killed before the first round ended): start again from ``run.json``."""
        from ..searchers import config_from_dict

        path = self.out / RUN_FILE
        if not path.exists():
            raise ResumeError(f"no checkpoint to resume in {self.out}")
        try:
            data = json.loads(path.read_text())
            self.config = config_from_dict(data.get("agent", "cem"), data["config"])
            self.seed = int(data["seed"])
            self.preset_name = str(data.get("preset", self.preset_name))
            self.target = None if data.get("target") is None else float(data["target"])
        except (OSError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ResumeError(f"{path} is not a readable mathrl run file ({type(exc).__name__}: {exc})") from exc
        saved = {k: v for k, v in data.items() if k not in ("agent", "config", "preset", "seed", "target")}
        self.run_info = {**saved, **self.run_info}
        self._commit([None] * self.config.islands, 0)

    def _remove_stale_temporaries(self) -> None:
        """Temporary files of atomic writes a kill interrupted (``.checkpoint.pt.PID.HEX.tmp``): never read."""
        for name in (CHECKPOINT, RUN_FILE, LOG, "best.json", "best.png", "counterexample.json",
                     "counterexample.png", "target.json", "target.png", "failed_verification.json"):
            for stale in self.out.glob(f".{name}.*.tmp"):
                stale.unlink(missing_ok=True)

    def save_checkpoint(self) -> None:
        from ..searchers import kind_of

        states, log_rows = self._progress
        data = {"format": CHECKPOINT_FORMAT, "agent": kind_of(self.config), "config": self.config.to_dict(),
                "seed": self.seed, "states": states, "log_rows": log_rows, "elapsed": self.elapsed,
                "preset": self.preset_name, "word_length": self.score.word_length, "target": self.target,
                "run": self.run_info}
        save_file(data, self.out / CHECKPOINT)  # atomic; numpy arrays and scalars stored as safe types

    @property
    def evaluations(self) -> int:
        """Score evaluations over all islands so far."""
        return sum(int(s.get("evaluations", 0)) for s in self.states if s)

    # -- progress -----------------------------------------------------------------
    @property
    def iteration(self) -> int:
        """Iterations every island has done (what ``max_iterations`` counts)."""
        return min((s["iteration"] if s else 0) for s in self.states)

    @property
    def furthest_iteration(self) -> int:
        """Iterations of the island furthest on (the one that reached the goal, when a round ended early)."""
        return max((s["iteration"] if s else 0) for s in self.states)

    def best(self) -> tuple[float, np.ndarray, int]:
        best = (-np.inf, np.zeros(self.score.word_length, dtype=np.uint8), 0)
        for island, s in enumerate(self.states):
            if s and s["best_score"] > best[0]:
                best = (float(s["best_score"]), s["best_word"], island)
        return best

    # -- the loop -------------------------------------------------------------------
    def _open_log(self) -> MetricsLog:
        """``metrics.jsonl`` cut back to the rows the checkpoint saw (a fresh run: none), open for appending."""
        path, legacy = self.out / LOG, self.out / LEGACY_LOG
        try:
            if legacy.exists() and not path.exists():
                os.replace(legacy, path)
            if self.log_rows is None:  # an older checkpoint did not count them: drop only a torn last row
                self._commit(self.states, count_jsonl_rows(path))
            # islands reach the checkpoint at different iterations: no single step to purge TensorBoard from
            return MetricsLog(self.out, "iteration", self.log_rows, group_key="island", monotonic=False)
        except (FileFormatError, OSError) as exc:
            raise ResumeError(f"cannot resume: {exc}") from exc

    def run(self, *, time_limit: float | None = None, max_iterations: int | None = None,
            progress: bool = True, chunk_seconds: float = 5.0, checkpoint_seconds: float = 60.0,
            ray: str | None = None) -> SearchResult:
        """Search until the goal, ``time_limit`` more seconds (this call's budget, also on a
        resumed search) or ``max_iterations`` iterations per island in all.

        The first island runs in this process, the others as worker processes, or as Ray tasks when
        ``ray`` is given (``auto``, ``local`` or an address); a chunk's result depends only on its inputs,
        so each island's course is the same on every backend (which island's hit ends the search may
        depend on timing: :class:`~mathrl.agents.cem.islands.IslandPool`).

        Checkpoints after the first round of chunks, then every ``checkpoint_seconds``
        (chunks are no longer than that), at the end, and when interrupted: Ctrl-C,
        SIGTERM and SIGHUP raise ``KeyboardInterrupt`` after the checkpoint.
        """
        with interrupts_as_keyboard():
            return self._run(time_limit, max_iterations, progress, min(chunk_seconds, checkpoint_seconds),
                             checkpoint_seconds, ray)

    def _run(self, time_limit, max_iterations, progress, chunk_seconds, checkpoint_seconds, ray) -> SearchResult:
        cfg = self.config
        log = self._open_log()
        started = time.perf_counter() - self.elapsed
        session_start = time.perf_counter()
        last_checkpoint = None  # the first round is checkpointed as soon as it ends
        seeds = island_seeds(self.seed, cfg.islands)
        candidate = None
        pool = bar = None
        try:
            pool = IslandPool(cfg.islands, self.score, ray)
            bar = RunBar(iterations=max_iterations, time_limit=time_limit, done_iterations=self.iteration,
                         disable=not progress, desc=f"{self.preset_name} {self.score.name} n={self.score.n}")
            while candidate is None:
                self.elapsed = time.perf_counter() - started
                left = None if time_limit is None else time_limit - (time.perf_counter() - session_start)
                if max_iterations is not None and self.iteration >= max_iterations:
                    break
                if left is not None and left <= 0:
                    break
                calls = []
                for island, state in enumerate(self.states):
                    done = state["iteration"] if state else 0
                    target = max_iterations if max_iterations is not None else 1 << 62
                    if cfg.migrate_every and cfg.islands > 1:
                        target = min(target, (done // cfg.migrate_every + 1) * cfg.migrate_every)
                    seconds = chunk_seconds if left is None else min(chunk_seconds, left)
                    calls.append((island, state, cfg, self.score, seeds[island], target, max(seconds, 0.0),
                                  self.goal, float("inf") if left is None else max(left, 0.0)))
                before = self.iteration
                states, rows, found = list(self.states), self.log_rows, None
                for result in pool.map(calls):
                    states[result.island] = result.state
                    for stats in result.stats:
                        log.write({"island": result.island, **stats})
                        rows += 1
                    if result.candidate is not None and found is None:
                        found = {**result.candidate, "island": result.island}
                if cfg.migrate_every and cfg.islands > 1:
                    its = {s["iteration"] for s in states}
                    if len(its) == 1 and its.pop() % cfg.migrate_every == 0:
                        migrate(states, cfg.migrate_top)  # the new round's dicts, not the committed ones
                self._commit(states, rows)  # rows written past the last commit are cut on resume
                candidate = found
                bar.advance(self.iteration - before, time.perf_counter() - session_start)
                bar.set_postfix(best=f"{self.best()[0]:+.6f}")
                self.elapsed = time.perf_counter() - started
                if last_checkpoint is None or time.perf_counter() - last_checkpoint > checkpoint_seconds:
                    self.save_checkpoint()
                    last_checkpoint = time.perf_counter()
        except BaseException:
            # Ctrl-C, SIGTERM/SIGHUP or a crash: keep what the last completed round produced.
            self.elapsed = time.perf_counter() - started
            self.save_checkpoint()
            if pool is not None:
                pool.close(abandon=True)  # workers mid-chunk are killed, not waited for
            raise
        finally:
            if bar is not None:
                bar.close()
            log.close()
            if pool is not None:
                pool.close()
        self.elapsed = time.perf_counter() - started
        self.save_checkpoint()
        return self._finish(candidate)

    def _finish(self, candidate: dict | None) -> SearchResult:
        from ..searchers import kind_of

        base = {**self.run_info, "score_name": self.score.name, "seed": self.seed, "agent": kind_of(self.config),
                "preset": self.preset_name, "config": self.config.to_dict(), "target": self.target,
                "wall_seconds": round(self.elapsed, 3), "iterations": self.furthest_iteration,
                "evaluations": self.evaluations, "versions": package_versions()}
        if candidate is None:
            best_score, best_word, island = self.best()
            record = {**object_record(self.score, best_word), "score": best_score, "island": island,
                      "counterexample": False, **base}
            path = self.out / "best.json"
            _write_json(path, record)
            draw_object(self.score, best_word, self.out / "best.png",
                        f"best {self.score.name}, n={self.score.n}: {best_score:+.6f}")
            return SearchResult(LIMIT, best_score, best_word, self.furthest_iteration, self.elapsed, path)
        word = candidate["word"]
        verification = verify_word(self.score, word)
        if self.target is None:
            kind, stands = "counterexample", verification.valid and verification.is_counterexample
            title = f"counterexample to {self.score.name}, n={self.score.n}: {verification.value[:12]}"
            error = "the search score claimed a counterexample that failed verification (a scoring bug)"
        else:
            try:
                checked = float(verification.value)
            except ValueError:
                checked = -np.inf
            kind, stands = "target", verification.valid and self.goal.reached(checked)
            title = f"{self.score.name}, n={self.score.n}: {verification.value[:12]} >= target {self.target:g}"
            error = "the search score claimed the target but the independent re-check disagrees (a scoring bug)"
        record = {**object_record(self.score, word), "score": candidate["score"],
                  "verified_value": verification.value, "verification": {
                      "valid": verification.valid, "is_counterexample": verification.is_counterexample,
                      "method": verification.method, "details": verification.details},
                  "island": candidate["island"], "iteration": candidate["iteration"], **base}
        flag = "counterexample" if self.target is None else "target_reached"
        if stands:
            path = self.out / f"{kind}.json"
            _write_json(path, {**record, flag: True})
            draw_object(self.score, word, self.out / f"{kind}.png", title)
            status = FOUND
        else:
            path = self.out / "failed_verification.json"
            _write_json(path, {**record, flag: False, "error": error})
            status = FAILED_VERIFICATION
        return SearchResult(status, float(candidate["score"]), word, self.furthest_iteration, self.elapsed, path,
                            verification)
