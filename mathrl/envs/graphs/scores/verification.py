"""Verifying a candidate counterexample from its stored word, independently of the search's scoring code.

Built-in scores carry their own independent exact/high-precision ``verify``;
user functions re-run in a fresh process (``FunctionScore.verify``). A user's
``Score`` subclass without a verifier is recomputed in a separate process.
The candidate stands only if the re-checked value is again > tol.
"""

from __future__ import annotations

import numpy as np

from .base import Score, Verification
from .plugin import call_in_child_process


def verify_word(score: Score, word) -> Verification:
    word = np.asarray(word, dtype=np.uint8)
    try:
        return score.verify(score.decode(word))
    except NotImplementedError:
        value = float(call_in_child_process(score.score_word, word))
        return Verification(True, value > score.tol, repr(value), "score recomputed in a separate process",
                            {"tol": score.tol})
