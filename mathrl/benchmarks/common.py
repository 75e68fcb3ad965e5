"""What the benchmarks share: output options, progress bars, one thread on one CPU.

The convention, the same for every mode: a table on stdout, or the result as
indented JSON on stdout and nothing else with ``--json``; ``--out`` also
writes the JSON (a file, or a folder where a mode writes several); progress
bars on stderr, none with ``--quiet``. Standard library only at import time.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path


def add_output_options(parser: argparse.ArgumentParser, out_default: str | None = None,
                       out_help: str = "also write the JSON result to this file") -> None:
    parser.add_argument("--json", action="store_true", help="print the result as JSON (nothing else on stdout)")
    parser.add_argument("--out", default=out_default, help=out_help)
    parser.add_argument("--quiet", action="store_true", help="no progress bar (stderr)")


def check_out_file(path: str | None, error: type[Exception], flag: str = "--out") -> Path | None:
    """The ``--out`` file, checked writable before anything runs (nothing is created by the check)."""
    from mathrl.agents.runs import check_writable_file

    return None if path is None else check_writable_file(path, flag, error)


def check_out_dir(path: str, error: type[Exception], flag: str = "--out") -> Path:
    """The ``--out`` folder of a mode that writes several files, checked the same way."""
    from mathrl.agents.runs import check_writable_folder

    return check_writable_folder(path, flag, error)


def write_json(path: Path, data) -> None:
    """Atomically, NaN refused (see :func:`mathrl.agents.runs.write_json`)."""
    from mathrl.agents.runs import write_json as write_atomically

    write_atomically(path, data)


def summary_key(name: str) -> str:
    """:func:`mathrl.agents.runs.summary_key`, imported when called (this module loads no numpy)."""
    from mathrl.agents.runs import summary_key as key

    return key(name)


def emit(result: dict, text: str, as_json: bool, out: Path | None = None, summary: dict | None = None) -> None:
    """Write ``result`` to ``out`` (if given), then print it as JSON, or print ``text`` and a last
    ``key=value`` line (:func:`mathrl.agents.runs.summary_line`) of ``summary``, by default the result's
    top-level numbers, flags and short strings."""
    from mathrl.agents.runs import summary_key, summary_line

    if out is not None:
        write_json(out, result)
    if as_json:
        print(json.dumps(result, indent=2), flush=True)
        return
    if summary is None:
        summary = {key: value for key, value in result.items()
                   if isinstance(value, (int, float, bool)) or (isinstance(value, str) and len(value) <= 80)}
    print(text, flush=True)
    print(summary_line(**{summary_key(k): v for k, v in summary.items()}), flush=True)


def progress(total: int, desc: str, quiet: bool, unit: str = "it", initial: int = 0):
    """A tqdm bar on stderr (disabled by ``--quiet``); ``initial``: work a resumed run already holds, shown
    from the start (its rate and ETA count only this run's work)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=quiet, file=sys.stderr, initial=initial)


@contextmanager
def one_thread(force: bool = True):
    """Limit numba, OpenMP and BLAS to one thread (``NUMBA_NUM_THREADS``, ``OMP_NUM_THREADS``, …) and torch
    if it is loaded; the variables and torch's thread count are restored on exit.

    The variables act when numpy or numba is first imported, so a benchmark
    enters this before importing them (``mathrl bench …`` and the scripts do:
    the command line loads neither before a benchmark's ``main``). Yields
    whether that held; when it did not (a caller had imported numpy), the
    pools keep their size, and the speed benchmarks still run on one CPU.
    Processes started inside (a spawn pool) inherit the variables. ``force``
    False keeps values the user set.
    """
    from mathrl.agents.executor import thread_vars

    in_time = not any(name in sys.modules for name in ("numpy", "numba"))
    torch = sys.modules.get("torch")
    torch_threads = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(1)
    try:
        with thread_vars("1", force):
            yield in_time
    finally:
        if torch is not None:
            torch.set_num_threads(torch_threads)


@contextmanager
def one_cpu(enabled: bool = True):
    """Pin this process to its lowest allowed CPU (where the OS can); yields that CPU or None.
    The previous affinity is restored on exit, so an in-process caller is not left pinned."""
    if not enabled or not hasattr(os, "sched_setaffinity"):
        yield None
        return
    before = os.sched_getaffinity(0)
    cpu = min(before)
    os.sched_setaffinity(0, {cpu})
    try:
        yield cpu
    finally:
        os.sched_setaffinity(0, before)


def run_mode(argv: list[str] | None, modes: dict, build_parser) -> int:
    """``[MODE] ARGS…`` -> ``modes[MODE](build_parser(MODE).parse_args(ARGS))``; the first mode is the default."""
    argv = list(sys.argv[1:] if argv is None else argv)
    mode = argv.pop(0) if argv and argv[0] in modes else next(iter(modes))
    return modes[mode](build_parser(mode).parse_args(argv))
