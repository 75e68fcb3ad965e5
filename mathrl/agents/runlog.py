"""One place where training runs write their metrics: ``metrics.jsonl`` (always) and TensorBoard
(when the optional ``tensorboard`` extra is installed)."""

from __future__ import annotations

import json
from pathlib import Path


class RunLog:
    """Append one JSON record per line and mirror its numbers to TensorBoard against ``record[step_key]``."""

    def __init__(self, out, step_key: str):
        self.out, self.step_key = Path(out), step_key
        self._writer = None

    def write(self, record: dict) -> None:
        with open(self.out / "metrics.jsonl", "a") as f:
            f.write(json.dumps(record) + "\n")
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
        if self._writer:
            self._writer.close()
        self._writer = None
