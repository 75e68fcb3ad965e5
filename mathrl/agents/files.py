"""The one way agents write and read their files (``agent.pt``, ``checkpoint.pt``): safely.

``torch.save`` writes a pickle, and unpickling runs code: a pickle may name any
importable callable with arguments (``__reduce__``), so a full ``torch.load``
(``weights_only`` off) of a crafted ``agent.pt`` executes whatever its author
chose. ``weights_only=True`` restricts unpickling to tensors and plain
containers (dict, list, tuple, set, str, numbers, None, torch dtypes and
sizes): nothing else can be named, so nothing else can run. Every mathrl agent
and checkpoint file is therefore written from those types only and read back
with ``weights_only=True``:

* :func:`save_file` converts what ``weights_only`` would refuse into safe types
  first (numpy arrays -> tagged tensors, numpy scalars -> Python numbers), refuses
  anything else (a ``TypeError`` naming where it sits: configs go in as
  ``to_dict()``), and writes atomically (a temporary file in the same folder,
  flushed and fsynced, then ``os.replace``), so a crash never leaves half a file;
* :func:`load_file` reads with ``weights_only=True`` on the CPU, gives the numpy
  arrays back (:func:`from_safe`), and turns any failure (missing, truncated,
  foreign, or unsafe pickle content) into one :class:`FileFormatError` with a
  one-line message naming the file.

PPO's ``envs.pkl`` (environment snapshots: arbitrary Python objects) is the one
exception: it stays a pickle, read only on ``--resume`` of a run folder, after
its SHA-256 matched the one recorded in the (safe) checkpoint. See
:mod:`mathrl.agents.ppo.ppo`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import secrets
import warnings
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch

__all__ = ["FileFormatError", "save_file", "load_file", "to_safe", "from_safe", "save_bytes", "sha256_of"]

NDARRAY = "__mathrl_ndarray__"  # {NDARRAY: tensor or nested list, "dtype": "<f8", "shape": [...]}
_LEAVES = (type(None), bool, int, float, complex, str, bytes, torch.dtype, torch.device, torch.Size, torch.Tensor)
_ARRAY_KINDS = "biufc"  # bool, signed, unsigned, float, complex: what an array may hold in a file


class FileFormatError(ValueError):
    """A file that is not a readable mathrl agent / checkpoint file (one line, naming the file)."""


# ---- conversion ---------------------------------------------------------------------------------
def to_safe(obj, where: str = "data"):
    """``obj`` with numpy arrays and scalars replaced by types ``torch.load(weights_only=True)`` accepts.

    Arrays become ``{NDARRAY: tensor, "dtype", "shape"}`` (a nested list where torch has no such dtype),
    so :func:`from_safe` gives the same array back. Anything else outside the safe types is a TypeError
    naming its place (``where``), raised at save time rather than discovered at load time.
    """
    if isinstance(obj, np.ndarray):
        return _array_to_safe(obj, where)
    if isinstance(obj, np.generic):
        return to_safe(obj.item(), where)
    if isinstance(obj, _LEAVES):
        return obj
    if type(obj) in (dict, OrderedDict):
        out = type(obj)()
        changed = False
        for key, value in obj.items():
            k, v = to_safe(key, f"{where} (a key)"), to_safe(value, f"{where}[{key!r}]")
            changed |= k is not key or v is not value
            out[k] = v
        if not changed:
            return obj  # keeps an nn state_dict's _metadata as it is
        if hasattr(obj, "_metadata"):
            out._metadata = obj._metadata
        return out
    if type(obj) in (list, tuple, set):
        items = [to_safe(v, f"{where}[{i}]") for i, v in enumerate(obj)]
        if all(a is b for a, b in zip(items, obj)):
            return obj
        return type(obj)(items)
    hint = " (save its .to_dict())" if dataclasses.is_dataclass(obj) or hasattr(obj, "to_dict") else ""
    raise TypeError(f"{where}: cannot save a {type(obj).__module__}.{type(obj).__qualname__} in an agent "
                    f"file{hint}; only tensors, numpy arrays, numbers, strings and plain containers")


def _array_to_safe(a: np.ndarray, where: str) -> dict:
    if a.dtype.kind not in _ARRAY_KINDS:
        raise TypeError(f"{where}: cannot save a numpy array of dtype {a.dtype} in an agent file")
    native = np.ascontiguousarray(a.astype(a.dtype.newbyteorder("="), copy=False))
    try:
        payload = torch.from_numpy(native.copy())
    except TypeError:  # a dtype torch has no tensor for
        payload = native.tolist()
    return {NDARRAY: payload, "dtype": a.dtype.str, "shape": list(a.shape)}


def from_safe(obj):
    """The inverse of :func:`to_safe`: tagged arrays back to numpy (everything else as it is)."""
    if isinstance(obj, dict):
        if NDARRAY in obj:
            return _array_from_safe(obj)
        values = {key: from_safe(value) for key, value in obj.items()}
        if all(values[key] is value for key, value in obj.items()):
            return obj  # keeps an nn state_dict's _metadata as it is
        out = type(obj)(values)
        if hasattr(obj, "_metadata"):
            out._metadata = obj._metadata
        return out
    if type(obj) in (list, tuple):
        items = [from_safe(v) for v in obj]
        return obj if all(a is b for a, b in zip(items, obj)) else type(obj)(items)
    return obj


def _array_from_safe(tagged: dict) -> np.ndarray:
    dtype = np.dtype(str(tagged["dtype"]))
    if dtype.kind not in _ARRAY_KINDS:
        raise ValueError(f"array of dtype {dtype} in the file")
    payload = tagged[NDARRAY]
    if isinstance(payload, torch.Tensor):
        a = payload.numpy()
    elif isinstance(payload, list):
        a = np.array(payload)
    else:
        raise ValueError(f"array stored as {type(payload).__name__}")
    return a.astype(dtype, copy=False).reshape([int(n) for n in tagged["shape"]])


# ---- files ----------------------------------------------------------------------------------------
def save_bytes(data, path) -> None:
    """Write ``data`` (bytes, or a callable writing to a binary file) to ``path`` atomically: a temporary
    file in the same folder, flushed and fsynced, then ``os.replace``d over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)  # output checks create nothing; the first write does
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # 0o666 less the umask, as open() makes
    try:
        with os.fdopen(fd, "wb") as f:
            if callable(data):  # a writer (save_file passes torch.save)
                data(f)
            else:
                f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        interrupt = _interrupt_in(exc)
        if interrupt is not None and interrupt is not exc:
            # Ctrl-C or SIGTERM landed inside the writer (torch.save), whose clean-up then failed with an error
            # of its own: the interrupt is what happened, and the caller handles it (checkpoint kept, exit 130)
            raise interrupt from None
        raise
    try:  # make the rename itself durable (best effort: not every platform can open a folder)
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def _interrupt_in(exc: BaseException) -> "KeyboardInterrupt | None":
    """The KeyboardInterrupt among ``exc`` and the exceptions it was raised while handling, if any."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return exc
        seen.add(id(exc))
        exc = exc.__context__
    return None


def save_file(data, path) -> None:
    """Save ``data`` (made safe by :func:`to_safe`) with ``torch.save``, atomically; :func:`load_file` reads it."""
    safe = to_safe(data)
    save_bytes(lambda f: torch.save(safe, f), path)


def load_file(path, what: str = "agent file", numpy: bool = True):
    """``torch.load(path, map_location="cpu", weights_only=True)``, arrays back to numpy (``numpy=True``).

    Any failure is a :class:`FileFormatError`: "PATH is not a readable mathrl WHAT (reason)".
    """
    path = Path(path)
    try:
        with warnings.catch_warnings():  # torch warns about unusual pickle protocols: the error says enough
            warnings.simplefilter("ignore")
            data = torch.load(path, map_location="cpu", weights_only=True)
        return from_safe(data) if numpy else data
    except Exception as exc:
        raise FileFormatError(f"{path} is not a readable mathrl {what} ({_reason(exc, path)})") from exc


def not_readable(path, what: str, exc: BaseException | str) -> FileFormatError:
    """The error for a file that loaded but does not hold what a ``what`` holds (wrong keys, shapes...)."""
    reason = exc if isinstance(exc, str) else _reason(exc)
    return FileFormatError(f"{path} is not a readable mathrl {what} ({reason})")


def _reason(exc: BaseException, path: Path | None = None) -> str:
    """One short line for any loading error (torch's weights-only errors run over a dozen lines)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    if "WeightsUnpickler error:" in text:
        detail = text.split("WeightsUnpickler error:", 1)[1]
        detail = re.split(r"Please use|Check the documentation", detail)[0]
        detail = " ".join(detail.split()).rstrip(". ")
        return f"refused unsafe pickle content: {detail[:160]}"
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, IsADirectoryError):
        return "a folder, not a file"
    if isinstance(exc, KeyError):
        text = f"missing {text}"
    line = " ".join(text.split())
    line = line.split(". ")[0] if ". " in line else line  # torch adds paragraphs of advice after the first
    if len(line) > 160:
        line = line[:157] + "..."
    line = f"{type(exc).__name__}: {line}" if line else type(exc).__name__
    if path is not None and not isinstance(exc, ValueError):  # the file itself is broken: say how
        try:
            with open(path, "rb") as f:
                head = f.read(4)
        except OSError:
            return line
        if not head:
            return "empty file"
        return f"{'truncated or damaged' if head == b'PK' + bytes([3, 4]) else 'not a PyTorch file'}: {line}"
    return line


def sha256_of(path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- signing what must stay a pickle --------------------------------------------------------------
KEY_ENV = "MATHRL_KEY_FILE"


def _key_path() -> Path:
    if os.environ.get(KEY_ENV):
        return Path(os.environ[KEY_ENV])
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "mathrl" / "run-key"


def local_key() -> bytes:
    """This user's secret key (32 random bytes, created with mode 0600 on first use).

    Files that must remain pickles (PPO's environment snapshots) are signed with it when
    written and unpickled only when the signature verifies, so a run folder crafted
    elsewhere, even one whose checkpoint records a matching SHA-256, never runs code here.
    ``MATHRL_KEY_FILE`` names another key file."""
    path = _key_path()
    try:
        key = path.read_bytes()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    fd = os.open(path.with_name(f".{path.name}.{os.getpid()}.tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    try:
        os.link(path.with_name(f".{path.name}.{os.getpid()}.tmp"), path)  # first writer wins
    except FileExistsError:
        pass
    finally:
        path.with_name(f".{path.name}.{os.getpid()}.tmp").unlink(missing_ok=True)
    return path.read_bytes()


def sign(data: bytes) -> str:
    """HMAC-SHA256 of ``data`` under :func:`local_key`, hex."""
    import hmac

    return hmac.new(local_key(), data, hashlib.sha256).hexdigest()


def signed_here(data: bytes, signature) -> bool:
    """Whether ``signature`` is this user's :func:`sign` of ``data`` (constant-time comparison)."""
    import hmac

    return isinstance(signature, str) and hmac.compare_digest(sign(data), signature)
