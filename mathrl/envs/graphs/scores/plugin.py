"""User score functions: loading ``file.py:func`` / ``pkg.module:func`` and wrapping callables.

A plain function is *per-object* (nx.Graph or (n, n) uint8 matrix -> float).
A *batched* one takes (B, n, n) uint8 and returns (B,) floats; mark it with
``@mathrl.batched`` or pass ``batched=True``. Every value is checked to be a
finite number; anything else raises ``ScoreError`` naming the source.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from typing import Callable

import numpy as np

from .base import Score, ScoreError, Verification, to_numpy

BATCHED_ATTR = "__mathrl_batched__"


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
        except Exception as exc:  # the user's file failed while importing
            sys.modules.pop(module_name, None)
            raise ScoreError(f"score file {target} failed to import: {type(exc).__name__}: {exc}") from exc
    else:
        try:
            module = importlib.import_module(target)
        except Exception as exc:
            raise ScoreError(f"score module {target} could not be imported: {type(exc).__name__}: {exc}") from exc
    func = getattr(module, func_name, None)
    if func is None:
        raise ScoreError(f"score function {func_name!r} not found in {target}")
    if not callable(func):
        raise ScoreError(f"{func_name!r} in {target} is not callable")
    return func


def _source_of(func: Callable) -> str | None:
    """'module:qualname' when the function can be re-imported in a fresh process."""
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", "")
    if not module or module == "__main__" or "<" in qualname or module.startswith("mathrl_user_score_"):
        return None
    return f"{module}:{qualname}"


class FunctionScore(Score):
    """Wraps a user function into the ``Score`` contract."""

    def __init__(self, func: Callable, n: int | None = None, *, object_kind: str = "graph",
                 batched: bool | None = None, source: str | None = None, name: str | None = None,
                 default_n: int = 19, **kwargs):
        if object_kind not in ("graph", "matrix"):
            raise ScoreError(f"object_kind must be 'graph' or 'matrix', got {object_kind!r}")
        self.object_kind = object_kind
        self.default_n = default_n
        super().__init__(n, **kwargs)
        self.func = func
        self.batched = bool(getattr(func, BATCHED_ATTR, False) if batched is None else batched)
        self.source = source or _source_of(func)
        self.name = name or self.source or getattr(func, "__name__", "custom")

    def _check(self, value, count: int | None) -> np.ndarray:
        where = f"score function {self.name}"
        try:
            array = np.asarray(to_numpy(value), dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ScoreError(f"{where} returned a non-numeric value: {value!r}") from exc
        if count is None:
            if array.ndim != 0 and array.size != 1:
                raise ScoreError(f"{where} returned {array.shape}-shaped output; a per-object score returns one float")
            array = array.reshape(())
        elif array.shape != (count,):
            raise ScoreError(f"{where} (batched) returned shape {array.shape}, expected ({count},)")
        if not np.isfinite(array).all():
            raise ScoreError(f"{where} returned a non-finite value (NaN or inf)")
        return array

    def _call(self, arg):
        try:
            return self.func(arg)
        except Exception as exc:
            raise ScoreError(f"score function {self.name} raised {type(exc).__name__}: {exc}") from exc

    def score(self, obj) -> float:
        if self.batched:
            array = self.kind.to_array(obj, self.n)
            return float(self._check(self._call(np.asarray(array, dtype=np.uint8)[None]), 1)[0])
        return float(self._check(self._call(obj), None))

    def score_batch(self, objs) -> np.ndarray:
        objs = to_numpy(objs).astype(np.uint8)
        if self.batched:
            return self._check(self._call(objs), objs.shape[0])
        return np.array([self.score(self._object_from_array(o)) for o in objs], dtype=np.float64)

    def verify(self, obj) -> Verification:
        """Re-run the user's function on the object rebuilt from its word, in a fresh process."""
        word = self.kind.to_word(obj)
        value = rescore_in_fresh_process(self, word)
        return Verification(True, value > self.tol, repr(value), "user function re-run in a fresh process",
                            {"tol": self.tol})

    def spec(self) -> dict:
        """What a fresh process needs to rebuild this score from its source."""
        return {"source": self.source, "n": self.n, "object_kind": self.object_kind,
                "batched": self.batched, "tol": self.tol, "invalid_score": self.invalid_score}

    def __reduce__(self):
        # Functions loaded from a file live in a module only this process knows: rebuild from source.
        if self.source is not None:
            return (from_spec, (self.spec(),))
        return super().__reduce__()


def from_spec(spec: dict) -> FunctionScore:
    return FunctionScore(load_function(spec["source"]), spec["n"], object_kind=spec["object_kind"],
                         batched=spec["batched"], source=spec["source"], tol=spec["tol"],
                         invalid_score=spec["invalid_score"])


def rescore_in_fresh_process(score: FunctionScore, word) -> float:
    """Call the user's function again on the object rebuilt from ``word``, in a new interpreter.

    A fresh process shares no state with the search, so a score that depends on
    hidden global state is caught. Functions without an importable source
    (lambdas, ``__main__``) are re-run in a forked child instead.
    """
    import json
    import subprocess

    bits = "".join(str(int(b)) for b in np.asarray(word).reshape(-1))
    if score.source is not None:
        payload = json.dumps({"spec": score.spec(), "word": bits})
        proc = subprocess.run([sys.executable, "-m", "mathrl.envs.graphs.scores.plugin"], input=payload,
                              capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise ScoreError(f"re-running score function {score.name} in a fresh process failed:\n"
                             f"{proc.stderr.strip()[-2000:]}")
        return float(json.loads(proc.stdout.strip().splitlines()[-1])["value"])
    return float(call_in_child_process(score.score_word, np.asarray(word, dtype=np.uint8)))


def call_in_child_process(func: Callable, *args):
    """``func(*args)`` in a forked child: nothing is pickled but the result, so closures work."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child() -> None:
        try:
            send.send(("ok", func(*args)))
        except BaseException as exc:  # report, never hang the parent
            send.send(("error", f"{type(exc).__name__}: {exc}"))

    process = ctx.Process(target=child)
    process.start()
    status, value = receive.recv()
    process.join()
    if status != "ok":
        raise ScoreError(f"re-running the score in a child process failed: {value}")
    return value


def _fresh_process_main() -> None:
    import json

    request = json.loads(sys.stdin.read())
    score = from_spec(request["spec"])
    word = np.array([int(c) for c in request["word"]], dtype=np.uint8)
    print(json.dumps({"value": score.score_word(word)}))




if __name__ == "__main__":
    _fresh_process_main()
