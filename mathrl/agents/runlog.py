"""One place where training runs write their metrics: ``metrics.jsonl`` (always), kept in step with the
checkpoints, and TensorBoard (when the optional ``tensorboard`` extra is installed)."""

from __future__ import annotations

from pathlib import Path

from mathrl.agents.runs import append_jsonl, count_jsonl_rows, truncate_jsonl

METRICS = "metrics.jsonl"


def cut_metrics(out, rows: int | None) -> int:
    """Cut ``metrics.jsonl`` back to the ``rows`` a checkpoint recorded (None: an older checkpoint that did
    not count them, so only a torn last row goes); returns the row count. Fewer rows than recorded is a
    one-line :class:`FileFormatError`."""
    path = Path(out) / METRICS
    rows = count_jsonl_rows(path) if rows is None else int(rows)
    truncate_jsonl(path, rows)
    return rows


class MetricsLog:
    """``metrics.jsonl`` kept in step with the checkpoints, mirrored to TensorBoard when that is installed.

    Opening cuts the log back to ``rows`` complete rows, the ones the checkpoint had seen (None: an
    older checkpoint that did not count them, so only a torn last row goes); :meth:`write` appends one
    row (:func:`mathrl.agents.runs.append_jsonl`) and counts it in :attr:`rows`, which the next
    checkpoint records. Rows written after the last checkpoint are thus dropped and written again on
    resume: none is duplicated, and one torn by a kill disappears.

    ``group_key`` names a field that tells apart rows of the same step (the island of a search): their
    TensorBoard tags become ``<group_key><value>/<field>``, one curve per group.

    TensorBoard's events are cut back too: a resumed log opens its writer with ``purge_step`` at the
    step of its first new row, so the events written after the checkpoint by the killed run are hidden
    instead of drawn twice. That needs steps that grow row by row (``monotonic``); a log whose rows come
    in any order (a benchmark's runs finishing out of order) passes ``monotonic=False`` and purges nothing.
    """

    def __init__(self, out, step_key: str, rows: int | None, group_key: str | None = None,
                 monotonic: bool = True):
        self.out, self.step_key, self.group_key = Path(out), step_key, group_key
        self.rows = cut_metrics(self.out, rows)
        self.purge = monotonic and self.rows > 0  # a resumed log: later events of the killed run are stale
        self.file = open(self.out / METRICS, "a")
        self._writer = None

    def write(self, record: dict) -> None:
        append_jsonl(self.file, record)
        self.rows += 1
        if self._writer is None:
            try:
                from torch.utils.tensorboard import SummaryWriter

                purge_step = record[self.step_key] if self.purge else None
                self._writer = SummaryWriter(str(self.out / "tensorboard"), purge_step=purge_step)
            except ImportError:  # the tensorboard extra is optional; metrics.jsonl has everything
                self._writer = False
        if self._writer:
            prefix = f"{self.group_key}{record[self.group_key]}/" if self.group_key else ""
            for key, value in record.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool) \
                        and key not in (self.step_key, self.group_key):
                    self._writer.add_scalar(prefix + key, value, record[self.step_key])
            self._writer.flush()

    def close(self) -> None:
        self.file.close()
        if self._writer:
            self._writer.close()
        self._writer = None


class RunBar:
    """The progress bar of a long run, with an ETA whenever the run's end is known.

    With an iteration count the bar counts iterations. With only a time limit it counts the seconds of
    that limit (so its ETA is the time left) and shows the iterations done beside it; with neither
    there is no end to show, and it counts iterations. :meth:`advance` takes the iterations just
    finished and the run's seconds so far, measured on the clock the time limit is checked against.
    """

    def __init__(self, *, iterations: int | None, time_limit: float | None, desc: str, disable: bool,
                 done_iterations: int = 0, done_seconds: float = 0.0, unit: str = "it"):
        from tqdm import tqdm

        self.by_time = iterations is None and time_limit is not None
        self.unit, self.count = unit, int(done_iterations)
        if self.by_time:
            total = float(time_limit)
            self.bar = tqdm(total=total, initial=min(float(done_seconds), total), unit="s", desc=desc,
                            disable=disable, dynamic_ncols=True,
                            bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} s [{elapsed}<{remaining}{postfix}]")
        else:
            self.bar = tqdm(total=iterations, initial=int(done_iterations), unit=unit, desc=desc, disable=disable,
                            dynamic_ncols=True)

    def advance(self, iterations: int, seconds: float) -> None:
        self.count += int(iterations)
        if self.by_time:
            self.bar.update(max(0.0, min(float(seconds), self.bar.total) - self.bar.n))
        else:
            self.bar.update(int(iterations))

    def set_postfix(self, **values) -> None:
        if self.by_time:
            values = {self.unit: self.count, **values}
        self.bar.set_postfix(values, refresh=False)

    def close(self) -> None:
        self.bar.close()
