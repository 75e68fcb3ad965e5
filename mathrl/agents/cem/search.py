"""A counterexample search with the cross-entropy method, as ``mathrl search`` runs it.

Runs the islands until a candidate with score > tol appears or a limit is hit,
shows progress, checkpoints (also on Ctrl-C or a crash), re-verifies every
candidate independently, and writes results a person can open:
``counterexample.json`` + ``counterexample.png`` on success, ``best.json`` +
``best.png`` otherwise, ``log.jsonl`` with per-iteration statistics.
"""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from mathrl.envs.graphs.encoding import graph_to_graph6
from mathrl.envs.graphs.scores import Score, verify_word

from .config import CEMConfig, preset
from .islands import IslandPool, migrate

CHECKPOINT = "checkpoint.pt"
FOUND, LIMIT, FAILED_VERIFICATION = "found", "limit", "verification-failed"
EXIT_CODES = {FOUND: 0, LIMIT: 1, FAILED_VERIFICATION: 3}


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
    """The decoded object in open formats: edge list + graph6, or matrix rows."""
    word = np.asarray(word, dtype=np.uint8)
    record = {"n": score.n, "object_kind": score.object_kind, "word": "".join(map(str, word.tolist()))}
    if score.object_kind == "graph":
        graph = score.decode(word)
        record["edges"] = [[int(u), int(v)] for u, v in sorted(graph.edges)]
        record["graph6"] = graph_to_graph6(graph)
    else:
        record["matrix"] = score.decode(word).tolist()
    return record


def draw_object(score: Score, word, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import networkx as nx

    fig, ax = plt.subplots(figsize=(6, 6))
    obj = score.decode(np.asarray(word, dtype=np.uint8))
    if score.object_kind == "graph":
        layout = nx.spring_layout(obj, seed=0, iterations=200)
        nx.draw_networkx(obj, layout, ax=ax, node_color="#8fb8de", node_size=260, font_size=8)
        ax.axis("off")
    else:
        ax.imshow(obj, cmap="Greys", vmin=0, vmax=1)
        ax.set_xticks(range(score.n))
        ax.set_yticks(range(score.n))
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=_json_default) + "\n")
    os.replace(tmp, path)


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


class Search:
    """One search: the islands' states plus the bookkeeping to checkpoint and resume them."""

    def __init__(self, score: Score, out_dir, *, config: CEMConfig | None = None, preset_name: str = "default",
                 seed: int = 0, resume: bool = False, run_info: dict | None = None):
        self.score = score
        self.out = Path(out_dir)
        self.out.mkdir(parents=True, exist_ok=True)
        self.config = config or preset(preset_name)
        self.preset_name = preset_name
        self.seed = seed
        self.states: list = [None] * self.config.islands
        self.elapsed = 0.0
        self.run_info = dict(run_info or {})
        if resume:
            self._load_checkpoint()

    # -- checkpoints ------------------------------------------------------------
    def _load_checkpoint(self) -> None:
        path = self.out / CHECKPOINT
        if not path.exists():
            raise FileNotFoundError(f"no checkpoint to resume in {self.out}")
        data = torch.load(path, weights_only=False)
        self.config = CEMConfig.from_dict(data["config"])
        self.seed, self.states, self.elapsed = data["seed"], data["states"], data["elapsed"]
        self.preset_name = data.get("preset", self.preset_name)
        if data["word_length"] != self.score.word_length:
            raise ValueError(f"checkpoint in {self.out} is for words of length {data['word_length']}, "
                             f"but the score has {self.score.word_length}")

    def save_checkpoint(self) -> None:
        data = {"config": self.config.to_dict(), "seed": self.seed, "states": self.states,
                "elapsed": self.elapsed, "preset": self.preset_name, "word_length": self.score.word_length,
                "run": self.run_info}
        tmp = self.out / (CHECKPOINT + ".tmp")
        torch.save(data, tmp)
        os.replace(tmp, self.out / CHECKPOINT)
        _write_json(self.out / "run.json", {**self.run_info, "config": self.config.to_dict(),
                                            "preset": self.preset_name, "seed": self.seed})

    # -- progress -----------------------------------------------------------------
    @property
    def iteration(self) -> int:
        return min((s["iteration"] if s else 0) for s in self.states)

    def best(self) -> tuple[float, np.ndarray, int]:
        best = (-np.inf, np.zeros(self.score.word_length, dtype=np.uint8), 0)
        for island, s in enumerate(self.states):
            if s and s["best_score"] > best[0]:
                best = (float(s["best_score"]), s["best_word"], island)
        return best

    # -- the loop -------------------------------------------------------------------
    def run(self, *, time_limit: float | None = None, max_iterations: int | None = None,
            progress: bool = True, chunk_seconds: float = 5.0, checkpoint_seconds: float = 60.0) -> SearchResult:
        cfg = self.config
        pool = IslandPool(cfg.islands, self.score)
        bar = tqdm(total=max_iterations, initial=self.iteration, unit="it", disable=not progress,
                   dynamic_ncols=True, desc=f"CEM {self.score.name} n={self.score.n}")
        log = open(self.out / "log.jsonl", "a")
        started = time.perf_counter() - self.elapsed
        last_checkpoint = time.perf_counter()
        candidate = None
        try:
            while candidate is None:
                self.elapsed = time.perf_counter() - started
                if max_iterations is not None and self.iteration >= max_iterations:
                    break
                if time_limit is not None and self.elapsed >= time_limit:
                    break
                calls = []
                for island, state in enumerate(self.states):
                    done = state["iteration"] if state else 0
                    target = max_iterations if max_iterations is not None else 1 << 62
                    if cfg.migrate_every and cfg.islands > 1:
                        target = min(target, (done // cfg.migrate_every + 1) * cfg.migrate_every)
                    seconds = chunk_seconds if time_limit is None else min(chunk_seconds, time_limit - self.elapsed)
                    calls.append((island, state, cfg, self.score, self.seed + island, target, max(seconds, 0.0)))
                before = self.iteration
                for result in pool.map(calls):
                    self.states[result.island] = result.state
                    for stats in result.stats:
                        log.write(json.dumps({"island": result.island, **stats}, default=_json_default) + "\n")
                    if result.candidate is not None and candidate is None:
                        candidate = {**result.candidate, "island": result.island}
                log.flush()
                if cfg.migrate_every and cfg.islands > 1:
                    its = {s["iteration"] for s in self.states}
                    if len(its) == 1 and its.pop() % cfg.migrate_every == 0:
                        migrate(self.states, cfg.migrate_top)
                best_score = self.best()[0]
                bar.update(self.iteration - before)
                bar.set_postfix(best=f"{best_score:+.6f}", refresh=False)
                self.elapsed = time.perf_counter() - started
                if time.perf_counter() - last_checkpoint > checkpoint_seconds:
                    self.save_checkpoint()
                    last_checkpoint = time.perf_counter()
        except BaseException:
            # Ctrl-C or a crash: keep what the last completed round produced.
            self.elapsed = time.perf_counter() - started
            self.save_checkpoint()
            raise
        finally:
            bar.close()
            log.close()
            pool.close()
        self.elapsed = time.perf_counter() - started
        self.save_checkpoint()
        return self._finish(candidate)

    def _finish(self, candidate: dict | None) -> SearchResult:
        base = {"score_name": self.score.name, "seed": self.seed, "preset": self.preset_name,
                "config": self.config.to_dict(), "wall_seconds": round(self.elapsed, 3),
                "iterations": self.iteration, "versions": package_versions(), **self.run_info}
        if candidate is None:
            best_score, best_word, island = self.best()
            record = {**object_record(self.score, best_word), "score": best_score, "island": island,
                      "counterexample": False, **base}
            path = self.out / "best.json"
            _write_json(path, record)
            draw_object(self.score, best_word, self.out / "best.png",
                        f"best {self.score.name}, n={self.score.n}: {best_score:+.6f}")
            return SearchResult(LIMIT, best_score, best_word, self.iteration, self.elapsed, path)
        word = candidate["word"]
        verification = verify_word(self.score, word)
        record = {**object_record(self.score, word), "score": candidate["score"],
                  "verified_value": verification.value, "verification": {
                      "valid": verification.valid, "is_counterexample": verification.is_counterexample,
                      "method": verification.method, "details": verification.details},
                  "island": candidate["island"], "iteration": candidate["iteration"], **base}
        if verification.valid and verification.is_counterexample:
            path = self.out / "counterexample.json"
            _write_json(path, {**record, "counterexample": True})
            draw_object(self.score, word, self.out / "counterexample.png",
                        f"counterexample to {self.score.name}, n={self.score.n}: {verification.value[:12]}")
            status = FOUND
        else:
            path = self.out / "failed_verification.json"
            _write_json(path, {**record, "counterexample": False,
                               "error": "the search score claimed a counterexample that failed verification "
                                        "(a scoring bug)"})
            status = FAILED_VERIFICATION
        return SearchResult(status, float(candidate["score"]), word, self.iteration, self.elapsed, path,
                            verification)
