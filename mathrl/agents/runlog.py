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
    """

    def __init__(self, out, step_key: str, rows: int | None):
        self.out, self.step_key = Path(out), step_key
        self.rows = cut_metrics(self.out, rows)
        self.file = open(self.out / METRICS, "a")
        self._writer = None

    def write(self, record: dict) -> None:
        append_jsonl(self.file, record)
        self.rows += 1
        if self._writer is None:
            try:
                from torch.utils.tensorboard import SummaryWriter

                self._writer = SummaryWriter(str(self.out / "tensorboard"))
            except ImportError:  # the tensorboard extra is optional; metrics.jsonl has everything
                self._writer = False
        if self._writer:
            for key, value in record.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool) and key != self.step_key:
                    self._writer.add_scalar(key, value, record[self.step_key])
            self._writer.flush()

    def close(self) -> None:
        self.file.close()
        if self._writer:
            self._writer.close()
        self._writer = None
