"""Run folders that survive a kill: atomic result files, logs that resume cleanly, signals, workers.

A long run (a search, a training) may be killed at any instant: Ctrl-C,
``kill``, a closed terminal, an out-of-memory killer, a machine going down. The
promise is that the run folder then holds the last checkpoint intact and a
resume loses at most the work since it. Four rules make that true:

* **Every file is replaced, never rewritten in place** (:func:`write_json`,
  :func:`save_figure`, and :func:`mathrl.agents.files.save_file` for
  checkpoints): a reader sees the old file or the new one, never half of one.
* **A state made of several files is committed by a manifest written last**
  (:func:`write_manifest`), naming each part with its SHA-256; resume checks
  it (:func:`verify_manifest`), so a kill between two parts is noticed rather
  than loading a checkpoint with another iteration's buffer.
* **Logs are append-only JSONL, cut back to the checkpoint on resume**
  (:func:`truncate_jsonl`): rows written after the last checkpoint are
  dropped and written again, so none is duplicated, and a row torn by the
  kill disappears; :func:`read_jsonl` skips a torn final line with a warning.
* **SIGTERM and SIGHUP are handled like Ctrl-C** (:func:`interrupts_as_keyboard`):
  the run checkpoints and stops. Worker processes die with their parent
  (:func:`die_with_parent`) instead of running on as orphans after a SIGKILL.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
import warnings
from pathlib import Path

from mathrl.agents.files import FileFormatError, save_bytes, sha256_of

__all__ = ["write_json", "save_figure", "append_jsonl", "read_jsonl", "truncate_jsonl", "count_jsonl_rows",
           "write_manifest", "verify_manifest", "interrupts_as_keyboard", "die_with_parent", "MANIFEST"]

MANIFEST = "manifest.json"


def _json_default(obj):
    import numpy as np

    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def write_json(path, data) -> None:
    """``data`` as indented JSON, replacing ``path`` atomically. NaN/inf are refused (not JSON)."""
    text = json.dumps(data, indent=2, default=_json_default, allow_nan=False) + "\n"
    save_bytes(text.encode(), path)


def save_figure(fig, path, **kwargs) -> None:
    """``fig.savefig`` to ``path`` atomically (the format from ``path``'s suffix)."""
    path = Path(path)
    fmt = kwargs.pop("format", path.suffix.lstrip(".") or "png")
    save_bytes(lambda f: fig.savefig(f, format=fmt, **kwargs), path)


def append_jsonl(file, row: dict) -> None:
    """Append one row to an open text log and flush it (one line per row, so a kill tears at most the last)."""
    file.write(json.dumps(row, default=_json_default) + "\n")
    file.flush()


def read_jsonl(path) -> list[dict]:
    """The rows of a JSONL log; a torn *final* line (a kill mid-write) is skipped with a warning.

    A malformed line anywhere else is not a kill's doing: :class:`FileFormatError` naming the line.
    """
    path = Path(path)
    if not path.exists():
        return []
    lines = path.read_bytes().split(b"\n")
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            if number == len(lines):  # no newline after it: the last write was cut short
                warnings.warn(f"{path}: skipped a torn last line (the run was killed while writing it)",
                              stacklevel=2)
                break
            raise FileFormatError(f"{path}: line {number} is not JSON ({exc})") from exc
    return rows


def count_jsonl_rows(path) -> int:
    """The number of complete rows (newline-terminated) in a JSONL log."""
    path = Path(path)
    return path.read_bytes().count(b"\n") if path.exists() else 0


def truncate_jsonl(path, rows: int) -> None:
    """Cut a log back to its first ``rows`` complete lines (what the checkpoint had seen), atomically."""
    path = Path(path)
    if not path.exists():
        if rows:
            raise FileFormatError(f"{path} is missing but the checkpoint recorded {rows} rows in it")
        return
    data = path.read_bytes()
    lines = data.split(b"\n")
    complete = len(lines) - 1  # the part after the last newline is torn or empty
    if complete < rows:
        raise FileFormatError(f"{path} has {complete} complete rows but the checkpoint recorded {rows}")
    if complete == rows and not lines[-1]:
        return
    save_bytes(b"".join(line + b"\n" for line in lines[:rows]), path)


def write_manifest(folder, parts: list[str], **extra) -> None:
    """Commit a multi-file state: the SHA-256 of each part (names relative to ``folder``), written last."""
    folder = Path(folder)
    entry = {"parts": {name: sha256_of(folder / name) for name in parts}, **extra}
    write_json(folder / MANIFEST, entry)


def verify_manifest(folder, required: bool = True) -> dict:
    """Check every part against the manifest; :class:`FileFormatError` naming the first mismatch.

    Returns the manifest (``{}`` when there is none and ``required`` is False: an older run folder).
    """
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.exists():
        if required:
            raise FileFormatError(f"{folder}: no {MANIFEST}: the checkpoint was never committed")
        return {}
    try:
        manifest = json.loads(path.read_text())
        parts = manifest["parts"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise FileFormatError(f"{path} is not a readable manifest ({exc})") from exc
    for name, digest in parts.items():
        part = folder / name
        if not part.exists():
            raise FileFormatError(f"{folder}: {name} is missing (named in {MANIFEST})")
        if sha256_of(part) != digest:
            raise FileFormatError(f"{folder}: {name} does not match {MANIFEST} (written by another checkpoint "
                                  f"or damaged)")
    return manifest


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


@contextlib.contextmanager
def interrupts_as_keyboard():
    """Inside the block, SIGTERM and SIGHUP raise ``KeyboardInterrupt`` like Ctrl-C (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = [name for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {name: signal.signal(getattr(signal, name), _raise_interrupt) for name in names}
    try:
        yield
    finally:
        for name, handler in previous.items():
            signal.signal(getattr(signal, name), handler)


def _watch_parent(parent: int, interval: float) -> None:
    while True:
        time.sleep(interval)
        if os.getppid() != parent:
            os._exit(1)  # the parent is gone (killed): an orphan must not keep computing


def die_with_parent(interval: float = 1.0) -> None:
    """Call in a worker process (e.g. a pool initializer): it exits within ``interval`` s of its parent's death.

    A daemon thread compares the parent pid with the one at start; when the parent
    dies the worker is re-parented and the thread ends the process. Works for any
    start method and needs no platform-specific call.
    """
    parent = os.getppid()
    threading.Thread(target=_watch_parent, args=(parent, interval), daemon=True,
                     name="mathrl-die-with-parent").start()
