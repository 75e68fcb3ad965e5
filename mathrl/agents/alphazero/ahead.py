"""Self-play started ahead of the learner: asynchronous actors with a bounded staleness.

Why: in a synchronous AlphaZero iteration the learner waits while the workers
play, and the workers wait while the learner trains. Starting the next
iteration's games before training on this one's (as the actor-learner systems
after Silver et al. 2018 do) keeps both busy; the price is that iteration ``i``
learns from games played by slightly older weights. Here the age is bounded
(at most ``ahead`` iterations) and reported, and every batch stays a plain
function of (weights, config, seeds): the numbers do not depend on timing or
on the executor, and a checkpoint that keeps the weights of the batches in
flight lets a resumed run start them again and continue exactly.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Callable

from mathrl.agents.executor import Executor

__all__ = ["GamesAhead"]

_INLINE = Executor()  # without workers, submit() plays at once, in this process


class GamesAhead:
    """The batches of self-play in flight, oldest first: ``[iteration, weights version, weights, handle]``.

    ``start(executor, weights, iteration)`` is the trainer's: it submits that iteration's self-play calls
    with those weights and returns the :class:`~mathrl.agents.executor.Pending` handle.
    """

    def __init__(self, ahead: int, start: Callable):
        self.ahead, self.start = int(ahead), start
        self.pending: deque = deque()

    def next(self, executor, iteration: int, version: int, weights: Callable[[], dict]) -> tuple[list, int, float]:
        """The results of ``iteration``'s batch, after topping the queue up to ``ahead`` more iterations with
        the current weights (``weights()``, whose version is ``version``); also the version that played
        them and the seconds spent waiting for them."""
        current = None
        while len(self.pending) < self.ahead + 1:
            target = iteration + len(self.pending)
            current = current or weights()
            self.pending.append([target, version, current, self.start(executor or _INLINE, current, target)])
        self.restart(executor)  # batches restored from a checkpoint or cancelled by an earlier run
        target, played_by, _, handle = self.pending.popleft()
        if target != iteration:  # cannot happen: batches are queued in iteration order
            raise RuntimeError(f"self-play batch for iteration {target} reached iteration {iteration}")
        t0 = time.perf_counter()
        parts = handle.result()
        return parts, played_by, time.perf_counter() - t0

    def state(self) -> list:
        """What a checkpoint keeps: ``[iteration, version, weights]`` of each batch in flight."""
        return [[target, version, weights] for target, version, weights, _ in self.pending]

    def restore(self, saved) -> None:
        """The batches a checkpoint kept; :meth:`restart` starts them again."""
        self.pending = deque([int(t), int(v), dict(w), None] for t, v, w in saved or [])

    def restart(self, executor) -> None:
        for entry in self.pending:
            if entry[3] is None:
                entry[3] = self.start(executor or _INLINE, entry[2], entry[0])

    def cancel(self) -> None:
        """Stop waiting for the batches in flight (their weights stay for the checkpoint)."""
        for entry in self.pending:
            if entry[3] is not None:
                entry[3].cancel()
                entry[3] = None
