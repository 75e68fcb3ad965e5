"""What a construction search is looking for, shared by every word-search agent.

Without a target the rule is the conjecture's: a score above the score's
tolerance is a counterexample. With a target (``mathrl search --target``) the
search stops at the first word scoring at least that much, e.g. 0 for an
extremal score ``edges - ex(n, C4)`` means "reach the known optimum".
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Goal:
    tol: float = 1e-9
    target: float | None = None

    @property
    def threshold(self) -> float:
        """The smallest score that counts: agents stop as soon as their best reaches it."""
        if self.target is None:
            return math.nextafter(self.tol, math.inf)
        return self.target - 1e-9

    def reached(self, value: float) -> bool:
        return value >= self.threshold
