"""``mathrl search``: refute a conjecture (or reach a target) by building graphs, matrices or words letter by letter.

Exit codes: 0 a verified counterexample (or target), 1 a limit was hit without
one, 2 bad input (nothing is written), 3 a claimed counterexample failed
verification, 130 interrupted by Ctrl-C, SIGTERM or SIGHUP (a checkpoint is kept;
``--resume DIR`` continues).

Resume rules: ``run.json`` (written before any work) fixes the agent, score (a
plug-in file stored as an absolute path), n, seed and target. ``--iterations`` is
a total over resumes; a resume without it keeps the run's own. ``--time-limit`` on a
resume means that many *more* seconds; a resume without it gets the run's own
per-run limit again (the one it was started with), or none if it had none.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .common import UsageError

DEFAULT_AGENT = "local"  # the suite's best on every problem: see "Which search to use" in the README


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mathrl search", description="search for a counterexample (tabu search, hybrid CEM + local search, CEM, NMCS, AlphaZero)")
    p.add_argument("--score", help="built-in score name, path/to/file.py:function or package.module:function")
    p.add_argument("--n", type=int, default=None, help="number of vertices (matrix side); default: the score's")
    p.add_argument("--object", choices=["graph", "matrix", "word"], default=None,
                   help="object kind a plug-in function takes: graph (n vertices), matrix (n x n) or word "
                        "(length n) (default graph; a built-in score fixes its own)")
    p.add_argument("--alphabet", type=int, default=None, metavar="K",
                   help="letters per position for a plug-in (default 2: 0-1 words). K > 2: the function takes "
                        "uint8 labels 0..K-1 (a graph: its symmetric (n, n) label matrix, e.g. an edge colouring; "
                        "a matrix of labels, e.g. label - 1 for a signed matrix; a word of labels)")
    p.add_argument("--batched", action="store_true",
                   help="the plug-in function takes a (B, n, n) array ((B, n) for words) and returns (B,) scores")
    p.add_argument("--score-kwargs", default=None, help="JSON dict of extra score arguments")
    p.add_argument("--agent", default=None,
                   help=f"search agent: cem, hybrid (CEM + local search), local (tabu search), nmcs[:LEVEL[:polish]], "
                        f"alphazero[:RUN] (PUCT search with a network learned as it goes; RUN: start from a "
                        f"`train alphazero --env` run) (default {DEFAULT_AGENT})")
    p.add_argument("--preset", default=None,
                   help="CEM preset (implies --agent cem): default (fast), wagner (faithful) or hybrid")
    p.add_argument("--target", type=float, default=None,
                   help="stop at the first verified object scoring >= TARGET (e.g. 0 for c4-free: ex(n, C4) edges); "
                        "without it, score > 0 (a counterexample)")
    p.add_argument("--seed", type=int, default=None,
                   help="master seed; the islands' seeds are spawned from it (default 0)")
    p.add_argument("--time-limit", type=float, default=None,
                   help="seconds of wall time for this run; with --resume, seconds more (default on --resume: "
                        "the run's own limit again, none if it had none)")
    p.add_argument("--iterations", type=int, default=None,
                   help="maximum iterations per island, in total over resumes (default on --resume: the run's own)")
    p.add_argument("--checkpoint-every", type=float, default=60.0, metavar="SEC",
                   help="seconds between checkpoints (default 60; also one after the first round, at the end and "
                        "on Ctrl-C/SIGTERM/SIGHUP)")
    p.add_argument("--islands", type=int, default=None, help="override the preset's number of islands")
    p.add_argument("--threads", type=int, default=None, help="override torch threads per island")
    p.add_argument("--ray", default=None, metavar="auto|local|HOST:PORT",
                   help="run the islands as Ray tasks: a local Ray, this machine's cluster or a head's address "
                        "(pip install 'mathrl[ray]'); the search's numbers do not depend on it")
    p.add_argument("--sessions", type=int, default=None, help="override sessions per iteration")
    p.add_argument("--out", default=None, help="output folder (default runs/search-SCORE-nN-seedS)")
    p.add_argument("--resume", default=None, metavar="DIR", help="continue the search checkpointed in DIR")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--force", action="store_true",
                   help="start even when the search's estimated memory exceeds 80%% of this machine's")
    return p


def _resolve_score(spec: str, n: int | None, object_kind: str, score_kwargs: dict, batched: bool,
                   alphabet: int | None = None, preflight: bool = True):
    from mathrl.scores import ScoreError, resolve

    try:
        score = resolve(spec, n, object_kind=object_kind, score_kwargs=score_kwargs,
                        batched=True if batched else None, alphabet=alphabet)
    except ScoreError as exc:
        raise UsageError(str(exc)) from exc
    if preflight:
        _preflight(score)
    return score


def _check_memory(config, score, force: bool) -> None:
    """Refuse, before anything is allocated, a search this machine cannot hold (``--force`` overrides)."""
    from mathrl.agents.searchers import estimate_bytes

    need = estimate_bytes(config, score)
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not every platform reports it: then do not guess
        return
    if need > 0.8 * total and not force:
        raise UsageError(f"this search needs about {need / 2**30:,.1f} GiB (word length {score.word_length}, all "
                         f"islands), more than 80% of this machine's {total / 2**30:.1f} GiB; lower --n, "
                         f"--sessions or --islands, or pass --force to try anyway")


SLOW_SCORE_SECONDS = 0.01  # per object: slower plug-ins are told how much a batched version would help


def _probe_words(score):
    """Six fixed words of rising density (0-1), or of uniformly random letters (k > 2), for pre-flight."""
    import numpy as np

    rng = np.random.default_rng(0)
    if score.alphabet > 2:
        return rng.integers(0, score.alphabet, size=(6, score.word_length)).astype(np.uint8)
    return (rng.random((6, score.word_length)) < np.linspace(0.1, 0.9, 6)[:, None]).astype(np.uint8)


def _probe_in_child(spec: str, n, object_kind: str, score_kwargs: dict, batched: bool,
                    alphabet: int | None = None) -> None:
    """Import and score a plug-in once in a forked child before this process touches it.

    A plug-in is code: one that ends its process (``os._exit``, a signal, a crash in an
    extension) would otherwise take ``mathrl search`` down with exit code 0 and nothing written,
    which reads as success. In a child, that is a one-line error naming the exit code.
    """
    from mathrl.envs.graphs.scores.plugin import call_in_child_process
    from mathrl.scores import ScoreError, resolve

    def probe():
        score = resolve(spec, n, object_kind=object_kind, score_kwargs=score_kwargs,
                        batched=True if batched else None, alphabet=alphabet)
        return [float(v) for v in score.score_words(_probe_words(score))]

    if not hasattr(os, "fork"):  # no fork (Windows): the in-process pre-flight is all there is
        return
    try:
        call_in_child_process(probe)
    except ScoreError as exc:
        message = str(exc).replace("re-running the score in a child process", f"trying score plug-in {spec}")
        raise UsageError(message) from exc


def _preflight(score) -> None:
    """Score a few words before anything is written, so a broken plug-in fails cleanly.

    Also times them: a search scores hundreds of thousands of objects, so a plug-in
    slower than 10 ms per object is reported with its rate before the search starts.
    """
    import time

    import numpy as np

    from mathrl.scores import ScoreError

    words = _probe_words(score)
    try:
        values = np.asarray(score.score_words(words), dtype=np.float64)
        clock = time.perf_counter()  # a second call, so one-off warm-up does not count as slowness
        score.score_words(words)
        per_object = (time.perf_counter() - clock) / len(words)
    except ScoreError as exc:
        raise UsageError(str(exc)) from exc
    except Exception as exc:  # a built-in or custom Score subclass that breaks
        raise UsageError(f"score {score.name} raised {type(exc).__name__}: {exc}") from exc
    if values.shape != (len(words),) or not np.isfinite(values).all():
        raise UsageError(f"score {score.name} returned non-finite or misshapen values: {values!r}")
    if per_object > SLOW_SCORE_SECONDS:
        shape = "(B, n)" if score.object_kind == "word" else "(B, n, n)"
        hint = "" if getattr(score, "batched", True) else (
            f"; a batched version (@mathrl.batched: a {shape} array in, B scores out) would help")
        print(f"mathrl: note: score {score.name} is slow: {1 / per_object:.0f} objects/s "
              f"({per_object * 1e3:.0f} ms each){hint}", file=sys.stderr)


def _check_search_numbers(args) -> None:
    """Range checks of ``mathrl search``'s numeric flags, before anything is written."""
    import math

    checks = [("--seed", args.seed, args.seed is None or args.seed >= 0, "a non-negative integer"),
              ("--islands", args.islands, args.islands is None or 1 <= args.islands <= 256, "1..256"),
              ("--threads", args.threads, args.threads is None or 1 <= args.threads <= 256, "1..256"),
              ("--alphabet", args.alphabet, args.alphabet is None or 2 <= args.alphabet <= 256, "2..256"),
              ("--sessions", args.sessions, args.sessions is None or args.sessions >= 2, ">= 2"),
              ("--iterations", args.iterations, args.iterations is None or args.iterations >= 1, ">= 1"),
              ("--time-limit", args.time_limit,
               args.time_limit is None or (math.isfinite(args.time_limit) and args.time_limit > 0), "> 0 seconds"),
              ("--checkpoint-every", args.checkpoint_every,
               math.isfinite(args.checkpoint_every) and args.checkpoint_every > 0, "> 0 seconds"),
              ("--target", args.target, args.target is None or math.isfinite(args.target), "a finite number")]
    for flag, value, ok, expected in checks:
        if not ok:
            raise UsageError(f"{flag} must be {expected}, got {value}")


def FIXED_ON_RESUME(args) -> list[tuple[str, object]]:
    """The flags a run folder fixes: given with ``--resume`` they are refused rather than silently ignored."""
    return [("--agent", args.agent), ("--preset", args.preset), ("--target", args.target), ("--seed", args.seed),
            ("--object", args.object), ("--alphabet", args.alphabet), ("--batched", args.batched), ("--score-kwargs", args.score_kwargs),
            ("--islands", args.islands), ("--threads", args.threads), ("--sessions", args.sessions),
            ("--out", args.out)]


RUN_KEYS = ("score_spec", "n", "object_kind", "alphabet", "score_kwargs", "batched", "time_limit", "max_iterations")


def absolute_spec(spec: str) -> str:
    """A plug-in file spec (``path/to/file.py:func``) with an absolute path, so a resume from another
    working directory finds it; built-in names and ``package.module:func`` are kept as they are."""
    from mathrl.scores import REGISTRY

    if spec in REGISTRY or ":" not in spec:
        return spec
    target, _, func = spec.rpartition(":")
    if target and (target.endswith(".py") or os.sep in target or "/" in target):  # as load_function reads it
        return f"{os.path.abspath(target)}:{func}"
    return spec


def is_plugin(spec: str) -> bool:
    from mathrl.scores import REGISTRY

    return spec not in REGISTRY


def writable_folder(path: Path, flag: str) -> None:
    """``path`` is (or can become) a run folder; else a one-line :class:`UsageError` (nothing is created)."""
    from mathrl.agents.runs import check_writable_folder

    check_writable_folder(path, flag, UsageError)


def _read_run_file(folder: Path) -> dict:
    run_file = folder / "run.json"
    if not run_file.is_file():
        raise UsageError(f"nothing to resume in {folder}: no run.json")
    try:
        run_info = json.loads(run_file.read_text())
        if not isinstance(run_info, dict) or not isinstance(run_info.get("score_spec"), str):
            raise ValueError("no score_spec")
        limit, iterations = run_info.get("time_limit"), run_info.get("max_iterations")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, float)) or not limit > 0):
            raise ValueError(f"time_limit {limit!r}")
        if iterations is not None and (isinstance(iterations, bool) or not isinstance(iterations, int)
                                       or iterations < 1):
            raise ValueError(f"max_iterations {iterations!r}")
    except (OSError, ValueError) as exc:
        raise UsageError(f"{run_file} is not a readable mathrl run file ({exc})") from exc
    return run_info


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from mathrl.agents.cem.search import ResumeError, Search
    from mathrl.agents.runs import summary_line
    from mathrl.agents.searchers import AgentSpecError, check_agent, parse_agent
    from mathrl.scores import ScoreError

    _check_search_numbers(args)
    run_info: dict
    if args.resume:
        fixed = [flag for flag, value in FIXED_ON_RESUME(args) if value is not None and value is not False]
        if fixed:
            raise UsageError(f"{', '.join(fixed)} cannot be given with --resume: the run folder fixes "
                             f"{'them' if len(fixed) > 1 else 'it'} (only --time-limit, --iterations, "
                             f"--checkpoint-every and --quiet apply to a resume)")
        out = Path(args.resume)
        saved = _read_run_file(out)
        for flag, given, value in (("--score", args.score and absolute_spec(args.score), saved.get("score_spec")),
                                   ("--n", args.n, saved.get("n"))):
            if given is not None and given != value:
                raise UsageError(f"{flag} {given} conflicts with the run in {args.resume} ({flag} {value})")
        writable_folder(out, "--resume")
        run_info = {key: saved.get(key) for key in RUN_KEYS}
        spec = run_info["score_spec"]
        if is_plugin(spec):  # importing it runs its code: say which file before that happens
            print(f"resuming: will run score plug-in {spec}", file=sys.stderr)
        run_info["alphabet"] = run_info["alphabet"] or 2  # run files from before k-letter words
        score = _resolve_score(spec, run_info["n"], run_info["object_kind"], run_info["score_kwargs"] or {},
                               run_info["batched"], run_info["alphabet"])
        if args.iterations is not None:
            run_info["max_iterations"] = args.iterations  # a new total for this and later resumes
        time_limit = args.time_limit if args.time_limit is not None else run_info["time_limit"]
        max_iterations = run_info["max_iterations"]
        config, label = None, saved.get("preset", "default")
    else:
        if args.score is None:
            raise UsageError("--score is required (a built-in name, FILE.py:FUNC or module:FUNC)")
        try:
            score_kwargs = json.loads(args.score_kwargs) if args.score_kwargs else {}
        except json.JSONDecodeError as exc:
            raise UsageError(f"--score-kwargs is not valid JSON: {exc}") from exc
        if not isinstance(score_kwargs, dict):
            raise UsageError(f"--score-kwargs must be a JSON object ({{\"name\": value, ...}}), got {args.score_kwargs}")
        if args.batched and not is_plugin(args.score):
            raise UsageError(f"--batched applies to plug-in functions, not the built-in score {args.score}")
        args.seed = 0 if args.seed is None else args.seed
        explicit_object, args.object = args.object, args.object or "graph"
        if is_plugin(args.score):
            _probe_in_child(absolute_spec(args.score), args.n, args.object, score_kwargs, args.batched, args.alphabet)
        score = _resolve_score(args.score, args.n, args.object, score_kwargs, args.batched, args.alphabet,
                               preflight=False)
        if explicit_object is not None and not is_plugin(args.score) and score.object_kind != explicit_object:
            raise UsageError(f"--object {args.object}: the built-in score {args.score} takes a {score.object_kind}; "
                             f"--object applies to plug-in functions")
        try:
            if args.agent is not None and not args.agent.strip():
                raise UsageError(f"--agent is empty; choose cem, hybrid, local, nmcs or alphazero (default {DEFAULT_AGENT})")
            agent = args.agent or ("cem" if args.preset is not None else DEFAULT_AGENT)
            if args.preset is not None and agent.split(":")[0] != "cem":
                raise UsageError(f"--preset chooses a CEM preset; it does not apply to --agent {agent}")
            _, label, config = parse_agent(agent, args.preset)
        except (AgentSpecError, ValueError) as exc:
            raise UsageError(str(exc)) from exc
        overrides = {k: v for k, v in {"islands": args.islands, "threads": args.threads,
                                        "n_sessions": args.sessions}.items() if v is not None}
        if "n_sessions" in overrides and not hasattr(config, "n_sessions"):
            raise UsageError(f"--sessions applies to the cem and hybrid agents, not {label}")
        config = config.but(**overrides)
        try:
            check_agent(score, config)
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
        _check_memory(config, score, args.force)
        _preflight(score)
        time_limit, max_iterations = args.time_limit, args.iterations
        run_info = {"score_spec": absolute_spec(args.score), "n": score.n, "object_kind": score.object_kind,
                    "alphabet": score.alphabet,
                    "score_kwargs": score_kwargs, "batched": bool(args.batched), "time_limit": time_limit,
                    "max_iterations": max_iterations}
        out = Path(args.out or f"runs/search-{score.name.replace('/', '_').replace(':', '_')}-n{score.n}"
                                f"-seed{args.seed}")
        if (out / "run.json").is_file():  # a new search would replace its checkpoint: its work would be lost
            raise UsageError(f"{out} already holds a search: continue it with --resume {out}, or choose another "
                             f"--out (or delete the folder)")
        writable_folder(out, "--out")
    from mathrl.agents.executor import start_ray

    start_ray(args.ray, getattr(config, "islands", 1), UsageError)  # before anything is written
    try:
        search = Search(score, out, config=config, preset_name=label, seed=args.seed or 0, resume=bool(args.resume),
                        run_info=run_info, target=args.target)
        if args.resume and not args.quiet:
            limits = [f"{time_limit:g} s more" if time_limit is not None else "no time limit",
                      f"{max_iterations} iterations in all" if max_iterations is not None else "no iteration limit"]
            print(f"resuming {out} at iteration {search.iteration}: {', '.join(limits)}", file=sys.stderr)
        result = search.run(time_limit=time_limit, max_iterations=max_iterations, progress=not args.quiet,
                            checkpoint_seconds=args.checkpoint_every, ray=args.ray)
    except ResumeError as exc:
        raise UsageError(str(exc)) from exc
    except ScoreError as exc:  # the plug-in failed after pre-flight (a timeout, a bad value): bad input, kept
        raise UsageError(f"{exc} (the search stopped; its last checkpoint is in {out})") from exc
    if result.status == "found" and search.target is not None:
        print(f"target reached: score {result.best_score:+.10f} >= {search.target:g} (verified "
              f"{result.verification.value[:20]}) at iteration {result.iterations}, {result.seconds:.1f} s "
              f"-> {result.record_path}")
    elif result.status == "found":
        print(f"counterexample: score {result.best_score:+.10f} (verified {result.verification.value[:20]}) "
              f"at iteration {result.iterations}, {result.seconds:.1f} s -> {result.record_path}")
    elif result.status == "limit":
        print(f"no counterexample within the limit; best score {result.best_score:+.10f} after "
              f"{result.iterations} iterations -> {result.record_path}")
    else:
        print(f"SCORING BUG: a claimed counterexample (score {result.best_score:+.10f}) failed verification "
              f"-> {result.record_path}", file=sys.stderr)
    outcome = {"found": "target" if search.target is not None else "counterexample", "limit": "none"}
    print(summary_line(result=outcome.get(result.status, result.status), score=float(result.best_score),
                       iterations=result.iterations, evaluations=search.evaluations,
                       seconds=round(float(result.seconds), 1), file=result.record_path))
    return result.exit_code
