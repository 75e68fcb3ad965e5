"""Verifying a candidate counterexample from its stored word, independently of the search's scoring code.

Built-in scores carry their own independent exact/high-precision ``verify``;
user functions re-run in a fresh process (``FunctionScore.verify``). A user's
``Score`` subclass without a verifier is recomputed in a separate (forked)
process. The candidate stands only if the re-checked value is again > tol.

A re-check that cannot finish (the child raises, exits, is killed, prints no
readable result or outlives its time limit: ``child_timeout`` of the score's
``call_timeout``, default ``MATHRL_SCORE_TIMEOUT`` or 60 s) is an invalid
``Verification`` whose value and ``details["error"]`` name the cause and the
child's exit code; it never hangs and never confirms a counterexample.
"""

from __future__ import annotations

import numpy as np

from .base import Score, ScoreError, Verification
from .plugin import call_in_child_process, child_timeout, default_call_timeout


def verify_word(score: Score, word) -> Verification:
    word = np.asarray(word, dtype=np.uint8)
    try:
        return score.verify(score.decode(word))
    except NotImplementedError:
        pass
    method = "score recomputed in a separate process"
    call_timeout = getattr(score, "call_timeout", "default")  # a Score subclass may set its own (None: no limit)
    timeout = child_timeout(default_call_timeout() if call_timeout == "default" else call_timeout)
    try:
        value = float(call_in_child_process(score.score_word, word, timeout=timeout))
    except (ScoreError, TypeError, ValueError) as exc:
        return Verification(False, False, f"error: {exc}", method, {"tol": score.tol, "error": str(exc)})
    if not np.isfinite(value):
        return Verification(False, False, repr(value), method, {"tol": score.tol, "error": "not a finite value"})
    return Verification(True, value > score.tol, repr(value), method, {"tol": score.tol})
