"""Verifying a candidate counterexample from its stored word (spec graphs.md, section 6).

Built-in scores carry their own independent exact/high-precision ``verify``.
User scores are re-run on the object rebuilt from the saved word in a fresh
process; the candidate stands only if the value is again > tol.
"""

from __future__ import annotations

import numpy as np

from .base import Score, Verification
from .plugin import FunctionScore, call_in_child_process, rescore_in_fresh_process


def verify_word(score: Score, word) -> Verification:
    word = np.asarray(word, dtype=np.uint8)
    if isinstance(score, FunctionScore):
        value = rescore_in_fresh_process(score, word)
        return Verification(True, value > score.tol, repr(value), "user function re-run in a fresh process",
                            {"tol": score.tol})
    try:
        return score.verify(score.decode(word))
    except NotImplementedError:
        # A user's Score subclass without its own verifier: recompute away from the search process.
        value = float(call_in_child_process(score.score_word, word))
        return Verification(True, value > score.tol, repr(value), "score recomputed in a separate process",
                            {"tol": score.tol})
