"""User score functions: loading ``file.py:func`` / ``pkg.module:func`` and wrapping callables.

A plain function is *per-object* (nx.Graph, (n, n) uint8 matrix or (n,) uint8
word -> float). A *batched* one takes the (B, n, n) or (B, n) uint8 array and
returns (B,) floats; mark it with ``@mathrl.batched`` or pass ``batched=True``.
Over ``alphabet`` = k > 2 letters every object is its uint8 array of labels
0..k-1 (a graph: the symmetric label matrix of the complete graph), per object
or batched.

A plug-in is guarded, and every misbehaviour becomes a ``ScoreError`` naming
the function (so ``mathrl search`` stops with one line, exit 2):

* results must be real numbers: an int, float, numpy integer/float (or a
  size-1 array of one) per object; a numeric real array of shape (B,) when
  batched. bool, str, complex, object and NaN/inf values are refused.
* ``SystemExit``, ``GeneratorExit`` and any other ``BaseException`` raised
  by the plug-in are refused like ordinary exceptions. ``KeyboardInterrupt``
  propagates: in-process it cannot be told apart from Ctrl-C, which must
  still interrupt (and checkpoint) a search.
* each call has a time limit (``call_timeout`` seconds; default
  ``MATHRL_SCORE_TIMEOUT`` from the environment, else 60; ``None``/0 turns it
  off). It uses ``SIGALRM``, so it works on Unix in a process's main thread
  (the CLI, island workers, verification children) and is off elsewhere
  (Windows, other threads). A C extension that never returns to the
  interpreter cannot be interrupted by a signal; the verification child is
  still killed by its parent's timeout.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import numbers
import os
import signal
import sys
import threading
import time
from typing import Callable

import numpy as np

from .base import Score, ScoreError, Verification, to_numpy

BATCHED_ATTR = "__mathrl_batched__"

DEFAULT_CALL_TIMEOUT = 60.0  # seconds per call of a plug-in score function
TIMEOUT_ENV = "MATHRL_SCORE_TIMEOUT"  # overrides DEFAULT_CALL_TIMEOUT: seconds, or 0/"none"/"off" for no limit
CHILD_MARGIN = 2.0  # a verification child gets CHILD_MARGIN * call_timeout ...
FORK_STARTUP = 10.0  # ... plus this for a forked child
FRESH_STARTUP = 30.0  # ... or this for a fresh interpreter (imports)
_REPEAT = 1.0  # after the first alarm, re-raise every second in case the plug-in swallows it


def batched(func: Callable) -> Callable:
    """Mark a score function as batched: (B, n, n) uint8 array -> (B,) floats."""
    setattr(func, BATCHED_ATTR, True)
    return func


def load_function(spec: str) -> Callable:
    """Import ``path/to/file.py:function`` or ``package.module:function``."""
    if ":" not in spec:
        raise ScoreError(f"score {spec!r}: expected a built-in name, 'file.py:function' or 'module:function'")
    target, _, func_name = spec.rpartition(":")
    if not target or not func_name:
        raise ScoreError(f"score {spec!r}: expected 'file.py:function' or 'module:function'")
    if target.endswith(".py") or os.sep in target or "/" in target:
        path = os.path.abspath(target)
        if not os.path.isfile(path):
            raise ScoreError(f"score file not found: {target}")
        module_name = f"mathrl_user_score_{abs(hash(path))}"
        try:
            module_spec = importlib.util.spec_from_file_location(module_name, path)
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[module_name] = module
            module_spec.loader.exec_module(module)
        except KeyboardInterrupt:
            sys.modules.pop(module_name, None)
            raise
        except BaseException as exc:  # the user's file failed (or exited) while importing
            sys.modules.pop(module_name, None)
            raise ScoreError(f"score file {target} failed to import: {type(exc).__name__}: {exc}") from exc
    else:
        try:
            module = importlib.import_module(target)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # failed, or exited, while importing
            raise ScoreError(f"score module {target} could not be imported: {type(exc).__name__}: {exc}") from exc
    func = getattr(module, func_name, None)
    if func is None:
        raise ScoreError(f"score function {func_name!r} not found in {target}")
    if not callable(func):
        raise ScoreError(f"{func_name!r} in {target} is not callable")
    return func


def _parse_timeout(value, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("", "none", "off", "0"):
            return None
        try:
            value = float(text)
        except ValueError:
            raise ScoreError(f"{what} must be a number of seconds (or 'none'), got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value) or value < 0:
        raise ScoreError(f"{what} must be a non-negative number of seconds or None, got {value!r}")
    return None if value == 0 or math.isinf(value) else float(value)


def default_call_timeout() -> float | None:
    """``MATHRL_SCORE_TIMEOUT`` seconds if set (0/none/off: no limit), else ``DEFAULT_CALL_TIMEOUT``."""
    env = os.environ.get(TIMEOUT_ENV)
    if env is None:
        return DEFAULT_CALL_TIMEOUT
    return _parse_timeout(env, TIMEOUT_ENV)


def child_timeout(call_timeout: float | None, startup: float = FORK_STARTUP) -> float | None:
    """How long a verification child may take for one call limited to ``call_timeout`` seconds."""
    return None if call_timeout is None else CHILD_MARGIN * call_timeout + startup


class _CallTimeout(BaseException):
    """Raised by the SIGALRM handler inside a timed call (a BaseException: ``except Exception`` in a
    plug-in does not swallow it)."""


def _alarm_usable() -> bool:
    return (hasattr(signal, "setitimer") and hasattr(signal, "SIGALRM")
            and threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGALRM) is not None)  # None: a handler not set from Python


class CallTimer:
    """A block in which each ``call(func, arg)`` may run for at most ``timeout`` seconds.

    ITIMER_REAL/SIGALRM, installed once for the block (a batch of per-object calls pays one
    handler swap, plus two ``setitimer`` per call). Where SIGALRM is unusable (Windows, a thread
    other than the main one, a handler not set from Python) or ``timeout`` is None, calls are
    plain. A timer already armed by someone else is respected: if it is due before ``timeout`` the
    block runs untimed under it; otherwise its handler and remaining time come back at the end
    (if it fell due meanwhile, it fires then).
    """

    def __init__(self, timeout: float | None):
        self.timeout = timeout
        self.active = False
        self.armed = False
        self.fired = False

    def __enter__(self) -> "CallTimer":
        if self.timeout is None or not _alarm_usable():
            return self
        self.outer = signal.getitimer(signal.ITIMER_REAL)
        if 0 < self.outer[0] <= self.timeout:
            return self
        self.previous = signal.signal(signal.SIGALRM, self._on_alarm)
        self.started = time.monotonic()
        self.active = True
        return self

    def _on_alarm(self, signum, frame) -> None:
        if self.armed:
            self.fired = True
            raise _CallTimeout()

    def call(self, func: Callable, arg):
        """``func(arg)``; ``_CallTimeout`` if it takes longer than ``timeout``."""
        if not self.active:
            return func(arg)
        self.fired = False
        self.armed = True
        try:
            signal.setitimer(signal.ITIMER_REAL, self.timeout, _REPEAT)
            value = func(arg)
        except BaseException as exc:
            # whatever the plug-in turned the alarm into, it ran out of time
            if self.fired and not isinstance(exc, KeyboardInterrupt):
                raise _CallTimeout() from None
            raise
        finally:
            self.armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
        if self.fired:  # the plug-in caught the alarm and returned anyway
            raise _CallTimeout()
        return value

    def __exit__(self, *exc_info) -> None:
        if not self.active:
            return
        self.active = self.armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.previous)
        delay, interval = self.outer
        if delay > 0:  # give the outer timer back what is left of it (at least a tick, so it fires)
            signal.setitimer(signal.ITIMER_REAL, max(delay - (time.monotonic() - self.started), 1e-6), interval)


def call_with_timeout(func: Callable, arg, timeout: float | None):
    """``func(arg)``, raising ``_CallTimeout`` if it runs for more than ``timeout`` seconds."""
    with CallTimer(timeout) as timer:
        return timer.call(func, arg)


def _short(value, limit: int = 80) -> str:
    """repr(value), cut to ``limit`` characters (and never raising)."""
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__} object>"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


_DTYPE_WORDS = {"b": "a bool array", "c": "a complex array", "O": "an object array", "U": "a string array",
                "S": "a bytes array", "M": "a datetime array", "m": "a timedelta array", "V": "a structured array"}


def _source_of(func: Callable) -> str | None:
    """'module:qualname' when the function can be re-imported in a fresh process."""
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", "")
    if not module or module == "__main__" or "<" in qualname or module.startswith("mathrl_user_score_"):
        return None
    return f"{module}:{qualname}"


class FunctionScore(Score):
    """Wraps a user function into the ``Score`` contract.

    ``call_timeout``: seconds one call of ``func`` may take (a whole batch for batched functions);
    default ``default_call_timeout()`` (``MATHRL_SCORE_TIMEOUT`` or 60 s); ``None`` or 0: no limit.
    """

    def __init__(self, func: Callable, n: int | None = None, *, object_kind: str = "graph",
                 batched: bool | None = None, source: str | None = None, name: str | None = None,
                 default_n: int = 19, call_timeout: float | None | str = "default", alphabet: int = 2, **kwargs):
        if object_kind not in ("graph", "matrix", "word"):
            raise ScoreError(f"object_kind must be 'graph', 'matrix' or 'word', got {object_kind!r}")
        if isinstance(alphabet, bool) or not isinstance(alphabet, (int, np.integer)) or not 2 <= alphabet <= 256:
            raise ScoreError(f"alphabet must be an integer from 2 to 256 (letters are uint8), got {alphabet!r}")
        self.object_kind = object_kind
        self.alphabet = int(alphabet)
        self.default_n = default_n
        super().__init__(n, **kwargs)
        self.func = func
        self.batched = bool(getattr(func, BATCHED_ATTR, False) if batched is None else batched)
        self.source = source or _source_of(func)
        self.name = name or self.source or getattr(func, "__name__", "custom")
        self.call_timeout = (default_call_timeout() if isinstance(call_timeout, str) and call_timeout == "default"
                             else _parse_timeout(call_timeout, "call_timeout"))

    def _refuse(self, value, why: str) -> ScoreError:
        return ScoreError(f"score function {self.name} returned {why}: {_short(value)}; "
                          + ("a batched score returns an array of B real numbers" if self.batched
                             else "a score returns one real number (int, float or numpy real)"))

    def _check_one(self, value) -> float:
        """A per-object result -> float, or ScoreError."""
        if isinstance(value, (bool, np.bool_)):
            raise self._refuse(value, "a bool")
        if isinstance(value, numbers.Real) and not isinstance(value, np.ndarray):
            try:
                number = float(value)
            except Exception as exc:
                raise self._refuse(value, f"a number that float() refuses ({type(exc).__name__})") from exc
        else:
            array = self._as_array(value)
            if array.size != 1:
                raise ScoreError(f"score function {self.name} returned {array.shape}-shaped output; "
                                 f"a per-object score returns one float")
            number = float(array.reshape(-1)[0])
        if not math.isfinite(number):
            raise self._refuse(value, "a non-finite value (NaN or inf)")
        return number

    def _as_array(self, value) -> np.ndarray:
        """An array-like result -> a real numeric numpy array, or ScoreError."""
        if isinstance(value, complex) or isinstance(value, np.complexfloating):
            raise self._refuse(value, "a complex number")
        if isinstance(value, (str, bytes)) or not (isinstance(value, (np.ndarray, list, tuple))
                                                   or hasattr(value, "detach") or hasattr(value, "__array__")):
            raise self._refuse(value, f"a non-numeric value ({type(value).__name__})")
        try:
            array = to_numpy(value)
        except Exception as exc:
            raise self._refuse(value, f"a non-numeric value ({type(value).__name__})") from exc
        kind = array.dtype.kind
        if kind not in "iuf":
            raise self._refuse(value, _DTYPE_WORDS.get(kind, f"a non-numeric array ({array.dtype})"))
        return array

    def _check_batch(self, value, count: int) -> np.ndarray:
        """A batched result -> (count,) float64, or ScoreError."""
        if isinstance(value, (bool, np.bool_)):
            raise self._refuse(value, "a bool")
        if isinstance(value, numbers.Number) and not isinstance(value, np.ndarray):
            raise self._refuse(value, "a single number" if isinstance(value, numbers.Real) else
                               "a complex number" if isinstance(value, numbers.Complex) else "a non-numeric value")
        array = self._as_array(value)
        if array.shape != (count,):
            raise ScoreError(f"score function {self.name} (batched) returned shape {array.shape}, "
                             f"expected ({count},)")
        array = array.astype(np.float64)
        bad = ~np.isfinite(array)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ScoreError(f"score function {self.name} (batched) returned a non-finite value (NaN or inf): "
                             f"{array[i]} at index {i}")
        return array

    def _call(self, arg, timer: CallTimer | None = None):
        """``self.func(arg)``: its exceptions, exits and hangs become ScoreError; Ctrl-C propagates."""
        where = f"score function {self.name}"
        try:
            if timer is None:
                with CallTimer(self.call_timeout) as timer:
                    return timer.call(self.func, arg)
            return timer.call(self.func, arg)
        except _CallTimeout:
            raise ScoreError(f"{where} did not return within {self.call_timeout:g} s (call_timeout; set "
                             f"{TIMEOUT_ENV} or call_timeout to change it)") from None
        except KeyboardInterrupt:
            raise  # indistinguishable from Ctrl-C, which must stop (and checkpoint) a search
        except Exception as exc:
            raise ScoreError(f"{where} raised {type(exc).__name__}: {exc}") from exc
        except BaseException as exc:  # SystemExit, GeneratorExit, ...: a score may not end the program
            raise ScoreError(f"{where} raised {_short(exc, 60)}; a score must return a number, "
                             f"not exit") from None

    def score(self, obj) -> float:
        if self.batched:
            array = self.kind.to_array(obj, self.n)
            return float(self._check_batch(self._call(np.asarray(array, dtype=np.uint8)[None]), 1)[0])
        return self._check_one(self._call(obj))

    def score_batch(self, objs) -> np.ndarray:
        objs = to_numpy(objs).astype(np.uint8)
        if self.batched:
            return self._check_batch(self._call(objs), objs.shape[0])
        with CallTimer(self.call_timeout) as timer:  # one handler for the batch, one time limit per object
            return np.array([self._check_one(self._call(self._object_from_array(o), timer)) for o in objs],
                            dtype=np.float64)

    def verify(self, obj) -> Verification:
        """Re-run the user's function on the object rebuilt from its word, in a fresh process.

        A re-run that fails (raises, exits, dies, times out) is an invalid verification carrying
        the error, never a confirmed counterexample.
        """
        word = self.kind.to_word(obj)
        method = "user function re-run in a fresh process"
        try:
            value = rescore_in_fresh_process(self, word)
        except ScoreError as exc:
            return Verification(False, False, f"error: {exc}", method, {"tol": self.tol, "error": str(exc)})
        return Verification(True, value > self.tol, repr(value), method, {"tol": self.tol})

    def spec(self) -> dict:
        """What a fresh process needs to rebuild this score from its source."""
        return {"source": self.source, "n": self.n, "object_kind": self.object_kind, "alphabet": self.alphabet,
                "batched": self.batched, "tol": self.tol, "invalid_score": self.invalid_score,
                "call_timeout": self.call_timeout}

    def __reduce__(self):
        # Functions loaded from a file live in a module only this process knows: rebuild from source.
        if self.source is not None:
            return (from_spec, (self.spec(),))
        return super().__reduce__()


def from_spec(spec: dict) -> FunctionScore:
    return FunctionScore(load_function(spec["source"]), spec["n"], object_kind=spec["object_kind"],
                         batched=spec["batched"], source=spec["source"], tol=spec["tol"],
                         invalid_score=spec["invalid_score"],
                         call_timeout=spec.get("call_timeout", "default"), alphabet=spec.get("alphabet", 2))


def _describe_exit(code) -> str:
    if code is None:
        return "no exit code"
    if code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}, exit code {code}"
        except ValueError:
            return f"killed by signal {-code}, exit code {code}"
    return f"exit code {code}"


RESULT_PREFIX = "mathrl-result: "


def rescore_in_fresh_process(score: FunctionScore, word) -> float:
    """Call the user's function again on the object rebuilt from ``word``, in a new interpreter.

    A fresh process shares no state with the search, so a score that depends on
    hidden global state is caught. Functions without an importable source
    (lambdas, ``__main__``) are re-run in a forked child instead. A child that
    fails, dies, prints no readable result or outlives ``child_timeout`` raises
    ``ScoreError`` naming its exit code.
    """
    import json
    import subprocess

    if score.source is None:
        return _real_result(score, call_in_child_process(score.score_word, np.asarray(word, dtype=np.uint8),
                                                         timeout=child_timeout(score.call_timeout)))
    where = f"re-running score function {score.name} in a fresh process"
    limit = child_timeout(score.call_timeout, FRESH_STARTUP)
    payload = json.dumps({"spec": score.spec(), "word": [int(v) for v in np.asarray(word).reshape(-1)]})
    try:
        proc = subprocess.run([sys.executable, "-m", "mathrl.envs.graphs.scores.plugin"], input=payload,
                              capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        raise ScoreError(f"{where}: no result within {limit:g} s; the child was killed") from None
    stderr = proc.stderr.strip()
    tail = f": {stderr[-1000:]}" if stderr else ""
    if proc.returncode != 0:
        raise ScoreError(f"{where} failed ({_describe_exit(proc.returncode)}){tail}")
    lines = [line for line in proc.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    try:
        value = json.loads(lines[-1][len(RESULT_PREFIX):])["value"]
    except (IndexError, ValueError, KeyError, TypeError):
        raise ScoreError(f"{where}: the child ({_describe_exit(proc.returncode)}) printed no readable result"
                         f"{tail}") from None
    return _real_result(score, value)


def _real_result(score: Score, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
        raise ScoreError(f"re-running score {score.name} in a child process gave {_short(value)}, "
                         f"not a finite real number")
    return float(value)


_DEFAULT = object()


def call_in_child_process(func: Callable, *args, timeout=_DEFAULT):
    """``func(*args)`` in a forked child: nothing is pickled but the result, so closures work.

    ``timeout`` (seconds; default ``child_timeout(default_call_timeout())``; None: no limit) bounds
    the wait: a child still running then is killed. A child that raises, exits, dies or sends
    nothing readable raises ``ScoreError`` naming its exit code; nothing here blocks forever.
    """
    import multiprocessing
    from multiprocessing.connection import wait

    if timeout is _DEFAULT:
        timeout = child_timeout(default_call_timeout())
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child() -> None:
        receive.close()
        try:
            result = ("ok", func(*args))
        except BaseException as exc:  # report, never hang the parent
            result = ("error", f"{type(exc).__name__}: {exc}")
        try:
            send.send(result)
        except Exception as exc:  # e.g. a result that cannot be pickled
            send.send(("error", f"the result could not be sent back: {type(exc).__name__}: {exc}"))

    process = ctx.Process(target=child)
    process.start()
    send.close()  # the child holds the only writer: its death closes the pipe
    deadline = None if timeout is None else time.monotonic() + timeout
    message = None
    try:
        while message is None:
            left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            ready = wait([receive, process.sentinel], timeout=left)
            if not ready:
                raise ScoreError(f"re-running the score in a child process: no result within {timeout:g} s; "
                                 f"the child was killed")
            if receive in ready or receive.poll():
                try:
                    message = receive.recv()
                except EOFError:
                    message = ("dead", None)
                except Exception as exc:  # half-written or unreadable
                    message = ("dead", f"{type(exc).__name__}: {exc}")
            elif process.sentinel in ready:
                message = ("dead", None)
        process.join(timeout=5.0 if timeout is None else min(5.0, timeout))
    finally:
        if process.is_alive():
            process.kill()
            process.join()
        receive.close()
    status, value = message if isinstance(message, tuple) and len(message) == 2 else ("dead", repr(message))
    if status == "error":
        raise ScoreError(f"re-running the score in a child process failed: {value}")
    if status != "ok" or process.exitcode != 0:
        detail = f": {value}" if status == "dead" and value else ""
        raise ScoreError(f"re-running the score in a child process failed: the child died without a result "
                         f"({_describe_exit(process.exitcode)}){detail}")
    return value


def _fresh_process_main() -> None:
    import json

    request = json.loads(sys.stdin.read())
    out, sys.stdout = sys.stdout, sys.stderr  # the plug-in's prints must not garble the result line
    try:
        score = from_spec(request["spec"])
        word = np.array(request["word"], dtype=np.uint8)
        value = score.score_word(word)
    except ScoreError as exc:
        print(f"mathrl: error: {exc}", file=sys.stderr)
        sys.exit(1)
    out.write("\n" + RESULT_PREFIX + json.dumps({"value": value}) + "\n")
    out.flush()


if __name__ == "__main__":
    _fresh_process_main()
