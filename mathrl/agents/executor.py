"""One way to run plain functions in parallel: in this process, in a local process pool, or on Ray.

Every parallel piece of mathrl is a plain function of its inputs (weights, config, seed, a chunk of
ideals) to data, so *where* it runs is a choice made once, here, and never changes the numbers: the same
calls give the same results on every backend (tested). Nothing here schedules work itself:

* ``inline``: the calls run one after another in this process (one worker, or a score that cannot be
  sent to another process);
* ``process``: :class:`concurrent.futures.ProcessPoolExecutor` with spawned workers that pin BLAS and
  OpenMP to one thread each, leave Ctrl-C to the main process and die with it
  (:func:`~mathrl.agents.runs.die_with_parent`);
* ``ray``: Ray tasks (Moritz et al. 2018, "Ray: a distributed framework for emerging AI applications"),
  on a local Ray started for the run (``--ray local``), the cluster this machine belongs to
  (``--ray auto``) or one at an address (``--ray HOST:PORT``). A task whose worker dies is retried by
  Ray, so a killed worker costs at most its unfinished task.

``Executor.map(fn, calls)`` returns the results in the order of the calls; ``Executor.as_completed``
yields ``(index, result)`` as they finish, for progress bars; ``Executor.submit`` starts them and returns
at once (a :class:`Pending`), so the caller can work (a learner train) while they run.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Callable, Iterator, Sequence

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS")
BACKENDS = ("inline", "process", "ray")
RAY_TASK_RETRIES = 3  # a task whose worker process dies is run again, up to this many times


@contextlib.contextmanager
def thread_vars(value: str = "1", force: bool = True):
    """Set numba's, OpenMP's and BLAS's thread-count variables (``force`` False keeps values the user set)
    and restore them on exit. They act when a process first imports numpy or numba, so worker processes
    started inside the block get one thread each."""
    saved = {var: os.environ.get(var) for var in THREAD_VARS}
    for var in THREAD_VARS:
        if force:
            os.environ[var] = value
        else:
            os.environ.setdefault(var, value)
    try:
        yield
    finally:
        for var, old in saved.items():
            if old is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = old


class ExecutorError(ValueError):
    """A backend that cannot be used as asked (Ray not installed, a cluster not reachable)."""


def parse_ray(value: str | None) -> str | None:
    """``--ray`` as given (``auto``, ``local`` or ``HOST:PORT``) or None; ValueError for an empty or odd value."""
    if value is None:
        return None
    value = value.strip()
    if value in ("auto", "local"):
        return value
    host, colon, port = value.rpartition(":")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--ray must be auto, local or HOST:PORT (a Ray head's address), got {value!r}")
    return value


class Executor:
    """The interface every backend offers (see the module docstring)."""

    backend = "inline"
    workers = 1

    def map(self, fn: Callable, calls: Sequence[tuple]) -> list:
        results: list = [None] * len(calls)
        for i, result in self.as_completed(fn, calls):
            results[i] = result
        return results

    def as_completed(self, fn: Callable, calls: Sequence[tuple]) -> Iterator[tuple[int, object]]:
        for i, call in enumerate(calls):
            yield i, fn(*call)

    def submit(self, fn: Callable, calls: Sequence[tuple]) -> "Pending":
        """Start the calls and return at once (inline: run them now); ``Pending.result()`` waits for them
        and returns their results in order. What lets a learner train while the workers play."""
        return Pending([fn(*call) for call in calls])

    def close(self, abandon: bool = False) -> None:
        """Release the workers; ``abandon`` (an interrupt or a crash) kills running calls instead of waiting."""

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, kind, exc, tb) -> None:
        self.close(abandon=exc is not None)


class Pending:
    """Calls started by :meth:`Executor.submit`: ``result()`` (their results, in order), ``ready()`` (those
    finished so far, without waiting) or ``cancel()``."""

    def __init__(self, results: list | None = None, wait: Callable | None = None, cancel: Callable | None = None,
                 poll: Callable | None = None):
        self._results, self._wait, self._cancel, self._poll = results, wait, cancel, poll

    def result(self) -> list:
        if self._results is None:
            self._results = self._wait()
        return self._results

    def ready(self) -> dict[int, object]:
        """The results of the calls that have finished (a call that raised is left out: ``result()`` raises
        it), by their index in the calls; what lets the caller stop early when one call found what it
        looks for."""
        if self._results is not None:
            return dict(enumerate(self._results))
        return self._poll() if self._poll is not None else {}

    def cancel(self) -> None:
        if self._results is None and self._cancel is not None:
            self._cancel()


def _init_worker(owner: int) -> None:
    for var in THREAD_VARS:
        os.environ[var] = "1"
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    from mathrl.agents.runs import die_with_parent

    die_with_parent(0.5, owner)  # no orphans when the main process is killed


class ProcessExecutor(Executor):
    """A local pool of spawned worker processes, one thread each."""

    backend = "process"

    def __init__(self, workers: int):
        self.workers = workers
        self.pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(os.getpid(),),
                                        mp_context=multiprocessing.get_context("spawn"))

    def as_completed(self, fn, calls):
        with thread_vars():  # workers are spawned on demand, at submit: they read thread limits at start
            futures = {self.pool.submit(fn, *call): i for i, call in enumerate(calls)}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            for future in futures:
                future.cancel()

    def submit(self, fn, calls):
        with thread_vars():
            futures = [self.pool.submit(fn, *call) for call in calls]

        def poll():
            return {i: f.result() for i, f in enumerate(futures)
                    if f.done() and not f.cancelled() and f.exception() is None}

        return Pending(wait=lambda: [f.result() for f in futures], cancel=lambda: [f.cancel() for f in futures],
                       poll=poll)

    def close(self, abandon: bool = False) -> None:
        pool, self.pool = getattr(self, "pool", None), None
        if pool is None:
            return
        processes = list((getattr(pool, "_processes", None) or {}).values()) if abandon else []
        pool.shutdown(wait=not abandon, cancel_futures=True)
        for process in processes:
            try:
                process.kill()
            except (OSError, ValueError, AttributeError):
                pass  # already gone
        for process in processes:  # reaped, so that no killed worker lingers as a zombie
            try:
                process.join(timeout=5)
            except (OSError, ValueError, AttributeError, AssertionError):
                pass


class RayExecutor(Executor):
    """Ray tasks, one CPU each, retried when their worker dies."""

    backend = "ray"

    def __init__(self, address: str = "local", workers: int | None = None):
        try:
            import ray
        except ImportError:
            raise ExecutorError("--ray needs Ray: pip install 'mathrl[ray]'") from None
        self.ray, self.started = ray, False
        env = {"env_vars": {var: "1" for var in THREAD_VARS}}
        if not ray.is_initialized():
            # ray.init installs a SIGTERM handler that exits at once; a run's own handler (checkpoint, then
            # stop: mathrl.agents.runs.interrupts_as_keyboard) must stay in charge
            handlers = _signal_handlers()
            try:
                if address == "local":  # as many CPUs as workers asked for (more than one), else all of them
                    ray.init(num_cpus=workers if workers and workers > 1 else os.cpu_count(), include_dashboard=False, log_to_driver=False,
                             runtime_env=env, configure_logging=False)
                else:
                    ray.init(address=address, include_dashboard=False, log_to_driver=False, runtime_env=env,
                             configure_logging=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise ExecutorError(f"--ray {address}: {str(exc).splitlines()[0] if str(exc) else exc}") from None
            finally:
                _restore_signal_handlers(handlers)
            self.started = True
        self.workers = int(ray.cluster_resources().get("CPU", 1))
        self._remote: dict = {}

    def _remote_of(self, fn):
        remote = self._remote.get(fn)
        if remote is None:
            remote = self._remote[fn] = self.ray.remote(num_cpus=1, max_retries=RAY_TASK_RETRIES)(fn)
        return remote

    def submit(self, fn, calls):
        ray = self.ray
        remote = self._remote_of(fn)
        refs = [remote.remote(*call) for call in calls]

        def cancel():
            for ref in refs:
                ray.cancel(ref, force=True)

        fetched: dict[int, object] = {}  # finished results are fetched (deserialised) once

        def poll():
            waiting = [ref for i, ref in enumerate(refs) if i not in fetched]
            done, _ = ray.wait(waiting, num_returns=len(waiting), timeout=0) if waiting else ([], [])
            for ref in done:
                try:
                    fetched[refs.index(ref)] = ray.get(ref)
                except Exception:  # noqa: BLE001 - result() raises it
                    pass
            return dict(fetched)

        return Pending(wait=lambda: ray.get(refs), cancel=cancel, poll=poll)

    def as_completed(self, fn, calls):
        ray = self.ray
        remote = self._remote_of(fn)
        refs = {remote.remote(*call): i for i, call in enumerate(calls)}
        pending = list(refs)
        try:
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                for ref in done:
                    yield refs[ref], ray.get(ref)
        finally:
            for ref in pending:
                ray.cancel(ref, force=True)

    def close(self, abandon: bool = False) -> None:
        if self.started and self.ray.is_initialized():
            self.ray.shutdown()
        self.started = False


def _signal_handlers() -> dict:
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT) if signal.getsignal(sig) is not None}


def _restore_signal_handlers(handlers: dict) -> None:
    for sig, handler in handlers.items():
        signal.signal(sig, handler)


def start_ray(ray: str | None, workers: int | None = None, error: type[Exception] | None = None) -> None:
    """Connect to (or start) Ray now, so that a command refuses a bad ``--ray`` in one line before it writes
    anything; the executors made later share this connection (and leave it to the process's exit).

    ``ray`` None does nothing (the command runs without Ray). ``error``: the command's own one-line error
    type, raised with the message when Ray cannot be reached or the address is malformed."""
    if ray is None:
        return
    try:
        RayExecutor(parse_ray(ray), workers if ray.strip() == "local" else None).started = False
    except (ExecutorError, ValueError) as exc:
        if error is None:
            raise
        raise error(str(exc)) from None


def make_executor(workers: int = 1, ray: str | None = None) -> Executor:
    """The executor a command asked for: Ray when ``ray`` is given (``auto``, ``local`` or an address),
    else a process pool of ``workers`` processes, or inline for one worker."""
    if ray is not None:
        return RayExecutor(parse_ray(ray), workers if ray == "local" else None)
    if workers <= 1:
        return Executor()
    return ProcessExecutor(workers)
