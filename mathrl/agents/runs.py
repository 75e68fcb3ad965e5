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
  :func:`commit_checkpoint` writes the parts under staged names first, so a
  kill at any instant leaves one complete checkpoint (:func:`finish_commit`
  completes a commit cut off half way).
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
import re
import shutil
import signal
import tempfile
import threading
import time
import warnings
from pathlib import Path

from mathrl.agents.files import FileFormatError, save_bytes, sha256_of

__all__ = ["write_json", "save_figure", "append_jsonl", "read_jsonl", "truncate_jsonl", "count_jsonl_rows",
           "write_manifest", "verify_manifest", "commit_checkpoint", "finish_commit", "staged_name", "interrupts_as_keyboard", "die_with_parent", "MANIFEST",
           "check_writable_folder", "check_writable_file", "nan_to_none"]

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


def check_writable_folder(path, flag: str, error: type[Exception] = ValueError, shown=None) -> Path:
    """Refuse, before any work, an output folder that cannot be written: ``error`` with one line naming
    ``flag`` and ``path``. Nothing is created: a probe folder is made and removed in ``path`` or its nearest
    existing parent (``os.access`` says yes to root even in ``/proc``), and the first real write creates
    the missing folders, so a refused command leaves nothing behind."""
    path = Path(path)
    shown = path if shown is None else shown
    target = path
    while not target.exists() and target != target.parent:
        target = target.parent
    if not target.is_dir():
        raise error(f"{flag} {shown}: " + ("a file, not a folder" if target == shown else f"{target} is not a folder"))
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".mathrl-write-test-", dir=target))
    except OSError as exc:
        raise error(f"{flag} {shown}: cannot write in {target} ({exc.strerror or exc})") from None
    return path


def check_writable_file(path, flag: str, error: type[Exception] = ValueError) -> Path:
    """Like :func:`check_writable_folder` for an output *file*: its folder must be writable (or creatable)
    and ``path`` must not be a folder."""
    path = Path(path)
    if path.is_dir():
        raise error(f"{flag} {path} is a folder; give a file name")
    check_writable_folder(path.parent, flag, error, shown=path)
    return path


def nan_to_none(data):
    """``data`` with every NaN or infinite float (nested in dicts, lists and tuples) replaced by ``None``, for
    results whose undefined fractions (0 / 0) are NaN in Python but must be valid JSON (``null``) on disk."""
    import math

    if isinstance(data, dict):
        return {key: nan_to_none(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [nan_to_none(value) for value in data]
    if isinstance(data, float) and not math.isfinite(data):
        return None
    return data


def summary_key(name: str) -> str:
    """A strategy or agent name (``agent:runs/x:sims=32``) as a ``key=value`` key (``agent_runs_x_sims_32``)."""
    key = re.sub(r"\W+", "_", str(name)).strip("_") or "value"
    return key if key.isidentifier() else f"_{key}"


def summary_line(**fields) -> str:
    """The last line every long command prints: ``key=value`` pairs separated by spaces, in the order
    given, so a script can read a run's outcome with
    ``dict(t.split("=", 1) for t in shlex.split(line))``.
    Floats get 6 significant digits, booleans are ``true``/``false``, None is ``none``; a value with a
    space or an ``=`` is quoted (``shlex.quote``)."""
    import shlex

    def text(value) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if value is None:
            return "none"
        if isinstance(value, float):
            return f"{value:.6g}"
        value = str(value)
        return shlex.quote(value) if not value or any(c in value for c in " =\t\n'\"") else value

    for key in fields:
        if not key.isidentifier():
            raise ValueError(f"summary key {key!r} is not an identifier")
    return " ".join(f"{key}={text(value)}" for key, value in fields.items())


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


_received: list[str] = []  # the signals that arrived inside the current interrupts_as_keyboard block


def _raise_interrupt(signum, frame):
    name = signal.Signals(signum).name
    _received.append(name)
    raise KeyboardInterrupt(f"signal {name}")


@contextlib.contextmanager
def interrupts_as_keyboard():
    """Inside the block, SIGTERM and SIGHUP raise ``KeyboardInterrupt`` like Ctrl-C (main thread only).

    An interrupt may land inside a library's C code, which can turn the ``KeyboardInterrupt`` raised there into
    an error of its own: numpy's comparison of structured arrays (``np.unique(..., axis=0)``) reports it as a
    ``TypeError``. The block remembers every signal it received, and an error that leaves it after one is
    reported as the interrupt it was, so the caller stops with its checkpoint instead of a traceback.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = [name for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # a handler of the caller's own is kept
        names.append("SIGINT")
    _received.clear()
    previous = {name: signal.signal(getattr(signal, name), _raise_interrupt) for name in names}
    try:
        yield
    except Exception as exc:
        if _received:
            raise KeyboardInterrupt(f"signal {_received[0]}") from exc
        raise
    finally:
        for name, handler in previous.items():
            signal.signal(getattr(signal, name), handler)


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs: it exists and (where ``/proc`` tells) is not a zombie, which a killed parent is
    until its own parent reaps it."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def _watch_parent(parent: int, first_ppid: int, interval: float) -> None:
    while True:
        time.sleep(interval)
        if os.getppid() != first_ppid or not _alive(parent):
            os._exit(1)  # the parent is gone (killed): an orphan must not keep computing


def die_with_parent(interval: float = 1.0, parent: int | None = None) -> None:
    """Call in a worker process (e.g. a pool initializer): it exits within ``interval`` s of its parent's death.

    ``parent`` is the pid of the process that owns the worker, best passed from that process
    (``initargs=(interval, os.getpid())``); by default the spawning process multiprocessing recorded, else
    ``os.getppid()``. A daemon thread ends the worker when it is re-parented or the owner no longer runs.
    The owner is checked at once too: one killed while this worker was still starting (importing torch
    takes seconds) would otherwise leave an orphan that never saw its parent. Works for any start method
    (under a fork server the direct parent is the server, so the owner's liveness is what counts) and
    needs no platform-specific call.
    """
    import multiprocessing

    if parent is None:
        spawner = multiprocessing.parent_process()
        parent = spawner.pid if spawner is not None and spawner.pid else os.getppid()
    first_ppid = os.getppid()
    if not _alive(parent):
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent, first_ppid, interval), daemon=True,
                     name="mathrl-die-with-parent").start()


# -- multi-file checkpoints: committed by a manifest, so a kill at any instant leaves a complete one --
_TEMPORARY = re.compile(r"^\..+\.[0-9]+\.([0-9a-f]{8}|link)\.tmp$")  # .NAME.PID.HEX.tmp (save_bytes), .link.tmp


def staged_name(name: str) -> str:
    """Where a part is written before it is committed: ``checkpoint.pt`` -> ``checkpoint.next.pt``."""
    path = Path(name)
    return f"{path.stem}.next{path.suffix}"


def _promote(out: Path, names: list[str], extra: dict) -> None:
    """The committed staged parts to their final names, a manifest naming those, the staged names removed.

    Hard links (a copy where the file system has none) replace each final name atomically; until the
    second manifest is written the first one, naming the staged files, is the commit."""
    for name in names:
        staged, final = out / staged_name(name), out / name
        tmp = final.with_name(f".{final.name}.{os.getpid()}.link.tmp")
        tmp.unlink(missing_ok=True)
        try:
            os.link(staged, tmp)
            os.replace(tmp, final)
        except OSError:
            tmp.unlink(missing_ok=True)
            with open(staged, "rb") as src:
                save_bytes(lambda f: shutil.copyfileobj(src, f), final)
    write_manifest(out, names, **extra)
    for name in names:
        (out / staged_name(name)).unlink(missing_ok=True)


def finish_commit(out, names) -> None:
    """Complete a commit that a kill interrupted between its two manifests; drop uncommitted staged parts.

    ``names``: every part name the trainer may write. Afterwards the manifest (if any) names final files;
    whether they match it is for the caller to check (:func:`~mathrl.agents.runs.verify_manifest`).
    Staged parts that the manifest names but that do not match it are a one-line :class:`FileFormatError`."""
    out = Path(out)
    for tmp in out.glob(".*.tmp"):  # temporary files of writes a kill cut short (save_bytes, _promote)
        if _TEMPORARY.match(tmp.name):
            tmp.unlink(missing_ok=True)
    if not any((out / staged_name(name)).exists() for name in names):
        return
    staged = {staged_name(name): name for name in names}
    try:
        parts = list(json.loads((out / MANIFEST).read_text())["parts"])
    except (OSError, ValueError, KeyError, TypeError):
        parts = []  # no (readable) manifest: nothing staged was committed
    if parts and all(part in staged for part in parts):  # killed between the two manifests: finish it
        manifest = verify_manifest(out)
        _promote(out, [staged[part] for part in parts], {k: v for k, v in manifest.items() if k != "parts"})
        return
    for name in names:  # staged parts no manifest names: a commit killed before its manifest
        (out / staged_name(name)).unlink(missing_ok=True)


def commit_checkpoint(out, writers: dict, all_names=None, **extra) -> None:
    """Write a checkpoint of several files (``{name: writer(path)}``, each writer atomic) as one commit.

    1. finish any commit a kill interrupted (:func:`finish_commit`);
    2. write every part under its staged name (the committed checkpoint is untouched);
    3. ``manifest.json`` naming the staged parts: the commit;
    4. hard-link them to their final names, ``manifest.json`` naming those, remove the staged names.

    A kill at any instant leaves a manifest naming a complete set of parts: the previous checkpoint
    before step 3, the new one after it. ``extra`` goes into the manifest (for people reading it)."""
    out = Path(out)
    names = list(writers)
    finish_commit(out, list(all_names or names))
    for name, write in writers.items():
        write(out / staged_name(name))
    write_manifest(out, [staged_name(name) for name in names], **extra)
    _promote(out, names, extra)
