#!/usr/bin/env python3
"""Probe battery: run the ``mathrl`` command line with bad, hostile and edge-case input and classify each outcome.

Why it exists
-------------
``mathrl`` promises that bad input exits with code 2, one ``mathrl …: error: …``
line on stderr, no traceback and nothing written (README, "exit codes"). Unit
tests check that in-process for hand-picked cases; this battery checks it from
the outside, the way a user meets it: a real ``python -m mathrl`` process per
probe, in its own empty working folder, with a wall-clock limit, against
fixtures that are garbage, truncated, foreign or hostile (pickles that run
code, plug-in scores that exit, hang or return nonsense). It turns "is the CLI
reliable?" into numbers that can be compared from one revision to the next.

How to run it
-------------
With the project's interpreter (the one that can ``import mathrl``)::

    .venv/bin/python scripts/probe_cli.py                    # every probe, 2 at a time
    .venv/bin/python scripts/probe_cli.py --jobs 2 --out probe-report.json
    .venv/bin/python scripts/probe_cli.py --only search-resume # probes whose id contains the text
    .venv/bin/python scripts/probe_cli.py --only play-,groebner-empty # ids containing any of these
    .venv/bin/python scripts/probe_cli.py --list               # the probe ids, nothing run

Each probe is ``[sys.executable, "-m", "mathrl", *argv]`` in a fresh temporary
folder: ``work/`` (the current directory, empty), ``fx/`` (a private copy of the
fixtures, so a probe that damages one cannot disturb another) and a private
``MATHRL_KEY_FILE`` (a copy of the key the fixture runs were signed with, or a
fresh one for probes marked ``fresh_key``). ``PYTHONDONTWRITEBYTECODE=1`` keeps
Python's own ``__pycache__`` out of the fixture folder when a plug-in is
imported. The battery lowers its own address-space limit (``--memory-limit``,
inherited by every probe) so that a size the CLI fails to refuse dies with a
MemoryError instead of taking the machine down.

Expected classes: ``error`` (bad input: exit 2, last stderr line starts with
``mathrl`` and contains ``error:``, no "Traceback" in stderr, the working folder
still empty and the fixtures byte-for-byte unchanged) and ``ok`` (good input:
exit 0 or 1, no traceback). Outcomes, checked in this order:

========================  =====================================================
hang                      still running at the probe's time limit (its whole
                          process group is then killed)
crash                     killed by a signal (negative return code)
traceback                 "Traceback" anywhere in stderr
ok                        an ``ok`` probe that exited 0 or 1
false success             an ``error`` probe that exited 0
wrote on refusal          exit 2, but files appeared in the working folder or
                          a fixture changed
clear error               exit 2 with the one-line error, nothing written
wrong code                anything else (exit 1 or 3 on bad input, exit 2
                          without an error line, an ``ok`` probe exiting 2…)
========================  =====================================================

Processes a probe leaves behind (found by a per-probe token in their
environment, ``/proc`` on Linux, after a 3 s grace) are reported as
``stray_processes`` and killed; no child outlives the battery.

Exit code: 0 when every probe is in its expected class, 1 otherwise, 2 when
the battery itself cannot run (fixture set-up failed, mathrl not importable).
Standard library only.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import hashlib
import io
import json
import os
import pickle
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from pathlib import Path

MARKER = "PWNED"  # hostile fixtures create this file in the current folder if their code ever runs
TOKEN_ENV = "MATHRL_PROBE_TOKEN"
UNREADABLE = ("unreadable.pt",)  # chmod 000 in each probe's copy (root reads it anyway)


# -- probes ------------------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Probe:
    id: str
    argv: list  # "$FX" is replaced by the probe's fixture folder, "$WORK" by its working folder
    expect: str  # "error" or "ok"
    stdin: str | bytes | None = None  # None: /dev/null
    timeout: float = 60.0
    env: dict = dataclasses.field(default_factory=dict)
    fresh_key: bool = False  # a new MATHRL_KEY_FILE instead of the one the fixture runs were signed with
    note: str = ""


def E(id, argv, timeout=20.0, **kw) -> Probe:
    """Bad input: must be refused (exit 2, one error line, nothing written); instant unless told."""
    return Probe(id, [str(a) for a in argv], "error", timeout=timeout, **kw)


def OK(id, argv, timeout=60.0, **kw) -> Probe:
    """Good input: must run and exit 0 or 1."""
    return Probe(id, [str(a) for a in argv], "ok", timeout=timeout, **kw)


# small, fast, bounded bases: a bad flag the CLI fails to refuse then ends quickly with exit 0/1 (-> "false
# success"/"wrong code") instead of running for hours; the flag under test comes last and wins
SEARCH = ["search", "--score", "wagner-2.1", "--n", "6", "--iterations", "1", "--quiet"]
AZ = ["train", "alphazero", "--game", "tictactoe", "--iterations", "1", "--sims", "2", "--games-per-iter", "2",
      "--workers", "1", "--blocks", "1", "--channels", "8", "--eval-every", "0", "--quiet"]
AZR = ["train", "alphazero", "--iterations", "1", "--quiet", "--resume"]  # + the run folder (bounded if accepted)
AZ_SET = ["train", "alphazero", "--game", "tictactoe", "--iterations", "1", "--eval-every", "0", "--quiet"]
PPO = ["train", "ppo", "--env", "CartPole-v1", "--steps", "256", "--quiet"]
BB = ["bench", "buchberger", "--ideals", "3-5-4-uniform", "--samples", "2", "--workers", "1", "--quiet"]
SG = ["bench", "semigroups", "--family", "simpson", "--a", "3", "--b", "2", "--sigma", "0", "--strategies",
      "benchmark", "--quiet"]
C4 = ["bench", "games", "connect4", "--agent", "random", "--limit", "1", "--sims", "2"]
TTT = ["bench", "games", "tictactoe", "--agent", "random", "--sims", "2"]
HUGE = {"1e6": 10**6, "1e9": 10**9, "1e12": 10**12}
PLAY_GARBAGE = b"garbage\n\xff\xfe\x00junk\n99\n-1\n0\n" + b"x" * 5000 + b"\n"
CYCLIC5 = ("a+b+c+d+e, a*b+b*c+c*d+d*e+e*a, a*b*c+b*c*d+c*d*e+d*e*a+e*a*b, "
           "a*b*c*d+b*c*d*e+c*d*e*a+d*e*a*b+e*a*b*c, a*b*c*d*e-1")


def numeric(prefix, base, flag, values, timeout=20.0) -> list[Probe]:
    """One error probe per bad value of a numeric flag."""
    return [E(f"{prefix}{flag.lstrip('-')}-{name}", [*base, flag, value], timeout=timeout)
            for name, value in values.items()]


def probes() -> list[Probe]:
    P: list[Probe] = []
    add = P.extend

    # -- the dispatcher and `list` ------------------------------------------------------------------------------
    add([
        E("cli-no-args", []),
        E("cli-unknown-command", ["frobnicate"]),
        E("cli-unknown-flag", ["--bogus"]),
        OK("cli-version", ["--version"]),
        OK("cli-help", ["--help"]),
        OK("list-ok", ["list"]),
        OK("list-json", ["list", "--json"]),
        E("list-bogus-flag", ["list", "--bogus"]),
        E("list-extra-positional", ["list", "extra"]),
    ])

    # -- search: numbers ----------------------------------------------------------------------------------------
    add(numeric("search-", SEARCH, "--n", {"0": 0, "neg": -1, "nan": "nan", "inf": "inf", "abc": "abc",
                                           **HUGE}))
    add(numeric("search-", SEARCH, "--seed", {"neg": -1, "nan": "nan", "abc": "abc", "float": "1.5"}))
    add(numeric("search-", SEARCH, "--islands", {"0": 0, "neg": -1, "nan": "nan", "1e5": 100000,
                                                 "1e12": 10**12}))
    add(numeric("search-", SEARCH, "--threads", {"0": 0, "neg": -1, "1e5": 100000}))
    add(numeric("search-", SEARCH, "--sessions", {"0": 0, "1": 1, "neg": -5, "1e9": 10**9, "1e12": 10**12}))
    add(numeric("search-", SEARCH, "--iterations", {"0": 0, "neg": -1, "nan": "nan", "abc": "abc"}))
    add(numeric("search-", SEARCH, "--time-limit", {"0": 0, "neg": -1, "nan": "nan", "inf": "inf", "abc": "abc"}))
    add(numeric("search-", SEARCH, "--checkpoint-every", {"0": 0, "neg": -1, "nan": "nan", "inf": "inf"}))
    add(numeric("search-", SEARCH, "--target", {"nan": "nan", "inf": "inf", "abc": "abc"}))
    add([
        E("search-no-score", ["search", "--n", "6", "--iterations", "1"]),
        E("search-unknown-score", [*SEARCH, "--score", "no-such-score"]),
        E("search-empty-score", [*SEARCH, "--score", ""]),
        E("search-agent-bogus", [*SEARCH, "--agent", "bogus"]),
        E("search-agent-empty", [*SEARCH, "--agent", ""]),
        E("search-agent-nmcs-abc", [*SEARCH, "--agent", "nmcs:abc"]),
        E("search-agent-nmcs-neg", [*SEARCH, "--agent", "nmcs:-1"]),
        E("search-agent-nmcs-huge", [*SEARCH, "--agent", "nmcs:1000000"]),
        E("search-agent-nmcs-bad-mode", [*SEARCH, "--agent", "nmcs:2:bogus"]),
        E("search-agent-cem-bad-preset", [*SEARCH, "--agent", "cem:bogus"]),
        E("search-preset-bogus", [*SEARCH, "--preset", "bogus"]),
        E("search-preset-with-local", [*SEARCH, "--preset", "wagner", "--agent", "local"]),
        E("search-sessions-with-local", [*SEARCH, "--agent", "local", "--sessions", "10"]),
        E("search-object-matrix-graph-score", [*SEARCH, "--object", "matrix"]),
        E("search-object-graph-matrix-score", ["search", "--score", "permanent-312", "--n", "4", "--iterations", "1",
                                               "--quiet", "--object", "graph"]),
        E("search-object-bogus", [*SEARCH, "--object", "hypergraph"]),
        E("search-batched-builtin", [*SEARCH, "--batched"]),
        E("search-score-kwargs-bad-json", [*SEARCH, "--score-kwargs", "{bad"]),
        E("search-score-kwargs-list", [*SEARCH, "--score-kwargs", "[1]"]),
        E("search-score-kwargs-unknown", [*SEARCH, "--score-kwargs", '{"bogus": 1}']),
        E("search-out-file", [*SEARCH, "--out", "$FX/text.txt"]),
        E("search-out-under-file", [*SEARCH, "--out", "$FX/text.txt/run"]),
        E("search-out-proc", [*SEARCH, "--out", "/proc/x"]),
        E("search-out-dev-null", [*SEARCH, "--out", "/dev/null"]),
        E("search-out-existing-run", [*SEARCH, "--out", "$FX/search-run"]),
        OK("search-ok", [*SEARCH, "--out", "run"]),
        OK("search-ok-local", [*SEARCH, "--agent", "local", "--out", "run"]),
        OK("search-ok-matrix", ["search", "--score", "permanent-312", "--n", "4", "--iterations", "1", "--quiet",
                                "--agent", "local"]),
        OK("search-ok-huge-seed", [*SEARCH, "--seed", str(10**30), "--out", "run"]),
    ])

    # -- search: plug-in scores ---------------------------------------------------------------------------------
    plug = lambda func, *extra: [*SEARCH[:2], f"$FX/plugins.py:{func}", *SEARCH[3:], *extra]  # noqa: E731
    add([
        E("search-plugin-missing-file", plug("f")[:2] + ["$FX/no-such-file.py:f"] + SEARCH[3:]),
        E("search-plugin-no-colon", [*SEARCH[:2], "$FX/plugins.py", *SEARCH[3:]]),
        E("search-plugin-missing-func", plug("no_such_function")),
        E("search-plugin-not-callable", plug("NOT_CALLABLE")),
        E("search-plugin-returns-str", plug("returns_str"), timeout=60),
        E("search-plugin-returns-true", plug("returns_true"), timeout=60),
        E("search-plugin-returns-none", plug("returns_none"), timeout=60),
        E("search-plugin-returns-complex", plug("returns_complex"), timeout=60),
        E("search-plugin-returns-nan", plug("returns_nan"), timeout=60),
        E("search-plugin-returns-inf", plug("returns_inf"), timeout=60),
        E("search-plugin-returns-array", plug("returns_array"), timeout=60),
        E("search-plugin-raises", plug("raises_value_error"), timeout=60),
        E("search-plugin-systemexit-0", plug("raises_systemexit_0"), timeout=60),
        E("search-plugin-keyboardinterrupt", plug("raises_keyboardinterrupt"), timeout=60),
        E("search-plugin-os-exit-0", plug("os_exit_0"), timeout=60),
        E("search-plugin-sigkill-self", plug("kills_itself"), timeout=60),
        E("search-plugin-sleeps-forever", plug("sleeps_forever"), timeout=60, env={"MATHRL_SCORE_TIMEOUT": "2"}),
        E("search-plugin-batched-scalar", plug("batched_scalar", "--batched"), timeout=60),
        E("search-plugin-batched-wrong-len", plug("batched_wrong_length", "--batched"), timeout=60),
        E("search-plugin-import-fails", [*SEARCH[:2], "$FX/broken_import.py:f", *SEARCH[3:]], timeout=60),
        E("search-plugin-import-exits", [*SEARCH[:2], "$FX/exits_on_import.py:f", *SEARCH[3:]], timeout=60),
        E("search-plugin-syntax-error", [*SEARCH[:2], "$FX/syntax_error.py:f", *SEARCH[3:]], timeout=60),
        E("search-plugin-module-missing", [*SEARCH[:2], "no_such_module_xyz:f", *SEARCH[3:]]),
        E("search-plugin-stdlib-returns-str", [*SEARCH[:2], "os:getcwd", *SEARCH[3:]], timeout=60),
        E("search-plugin-stdlib-exit", [*SEARCH[:2], "builtins:exit", *SEARCH[3:]], timeout=60),
        E("search-plugin-call-timeout-neg", plug("returns_minus_one", "--score-kwargs", '{"call_timeout": -1}')),
        E("search-plugin-call-timeout-str", plug("returns_minus_one", "--score-kwargs", '{"call_timeout": "abc"}')),
        E("search-plugin-env-timeout-bad", plug("returns_minus_one"), env={"MATHRL_SCORE_TIMEOUT": "abc"}),
        OK("search-plugin-ok", plug("returns_minus_one", "--out", "run")),
        OK("search-plugin-ok-matrix", plug("returns_minus_one", "--object", "matrix", "--out", "run")),
        OK("search-plugin-ok-batched", plug("batched_ok", "--batched", "--out", "run")),
    ])

    # -- search: --resume ---------------------------------------------------------------------------------------
    RES = ["search", "--resume", "$FX/search-run", "--quiet"]
    add([E(f"search-resume-conflict-{name}", [*RES, *flag]) for name, flag in {
        "seed": ["--seed", "1"], "object": ["--object", "graph"], "score-kwargs": ["--score-kwargs", "{}"],
        "batched": ["--batched"], "out": ["--out", "other-run"], "islands": ["--islands", "1"],
        "threads": ["--threads", "1"], "sessions": ["--sessions", "10"], "score": ["--score", "c4-free"],
        "n": ["--n", "7"], "agent": ["--agent", "local"], "preset": ["--preset", "wagner"],
        "target": ["--target", "0"]}.items()])
    add([
        E("search-resume-missing", ["search", "--resume", "$FX/no-such-run"]),
        E("search-resume-file", ["search", "--resume", "$FX/text.txt"]),
        E("search-resume-empty-dir", ["search", "--resume", "$FX/empty-dir"]),
        E("search-resume-foreign-dir", ["search", "--resume", "$FX/foreign-run"]),
        E("search-resume-garbage-run", ["search", "--resume", "$FX/garbage-run"]),
        E("search-resume-truncated-run-json", ["search", "--resume", "$FX/search-run-truncated"]),
        E("search-resume-garbage-checkpoint", [*RES[:2], "$FX/search-run-badckpt", "--quiet"]),
        E("search-resume-empty-checkpoint", [*RES[:2], "$FX/search-run-emptyckpt", "--quiet"]),
        E("search-resume-hostile-checkpoint", [*RES[:2], "$FX/search-run-evilckpt", "--quiet"]),
        E("search-resume-nan-time-limit", [*RES[:2], "$FX/search-run-nanlimit", "--quiet"]),
        E("search-resume-negative-n", [*RES[:2], "$FX/search-run-badn", "--quiet"]),
        E("search-resume-missing-plugin", [*RES[:2], "$FX/search-run-missing-plugin", "--quiet"]),
        E("search-resume-iterations-0", [*RES, "--iterations", "0"]),
        E("search-resume-time-limit-nan", [*RES, "--time-limit", "nan"]),
        OK("search-resume-ok", [*RES, "--iterations", "2"]),
        OK("search-resume-same-score-and-n", [*RES, "--iterations", "2", "--score", "wagner-2.1", "--n", "6"]),
    ])

    # -- groebner -----------------------------------------------------------------------------------------------
    G = ["groebner"]
    add([
        E("groebner-no-args", G),
        E("groebner-empty", [*G, ""]),
        E("groebner-blank", [*G, "   "]),
        E("groebner-only-comma", [*G, ","]),
        E("groebner-double-comma", [*G, "x,,y"]),
        E("groebner-nan-coefficient", [*G, "nan*x - y", "--vars", "x,y"]),
        E("groebner-inf-coefficient", [*G, "inf*x - y", "--vars", "x,y"]),
        E("groebner-sympy-oo", [*G, "oo*x - y", "--vars", "x,y"]),
        E("groebner-float-overflow", [*G, "1e309*x - y"]),
        E("groebner-zero-over-zero", [*G, "(0.0/0.0)*x - y"]),
        E("groebner-division-by-zero", [*G, "x/0 - y"]),
        E("groebner-unicode-superscript", [*G, "x\u00b2 - y"],
          note="x² is not x^2; read as a variable named 'x²' it silently changes the ideal"),
        E("groebner-empty-vars", [*G, "x*y - 1", "--vars", ""],
          note="an explicit empty variable list"),
        E("groebner-vars-comma", [*G, "x*y - 1", "--vars", ","]),
        E("groebner-vars-repeated", [*G, "x*y - 1", "--vars", "x,x"]),
        E("groebner-vars-missing", [*G, "x*y - 1", "--vars", "x"]),
        E("groebner-vars-not-identifier", [*G, "x*y - 1", "--vars", "x,1y"]),
        E("groebner-huge-exponent", [*G, "x^(10^9) - y"]),
        E("groebner-huge-literal-exponent", [*G, "x^99999999999999999999999999 - y"]),
        E("groebner-negative-exponent", [*G, "x^-1 - y"]),
        E("groebner-fractional-exponent", [*G, "x^(1/2) - y"]),
        E("groebner-symbolic-exponent", [*G, "x^x - y"]),
        E("groebner-power-tower", [*G, "x" + "^2" * 60]),
        E("groebner-nested-powers", [*G, "((((x+y)^10)^10)^10)^10"]),
        E("groebner-huge-coefficient", [*G, "2^(10^9)*x - y"]),
        E("groebner-deep-nesting-150", [*G, "(" * 150 + "x" + ")" * 150]),
        E("groebner-deep-nesting-60000", [*G, "(" * 60000 + "x" + ")" * 60000]),
        E("groebner-unbalanced-parens", [*G, "((x*y - 1"]),
        E("groebner-unary-chain", [*G, "x - " + "-" * 100000 + "y"]),
        E("groebner-python-code", [*G, "__import__('os').system('touch PWNED')"]),
        E("groebner-attribute", [*G, "x.__class__"]),
        E("groebner-function", [*G, "sin(x) - y"]),
        E("groebner-constant-only", [*G, "1"]),
        E("groebner-zero-only", [*G, "0"]),
        E("groebner-modulus-0", [*G, "x*y - 1", "--modulus", "0"]),
        E("groebner-modulus-1", [*G, "x*y - 1", "--modulus", "1"]),
        E("groebner-modulus-neg", [*G, "x*y - 1", "--modulus", "-7"]),
        E("groebner-modulus-composite", [*G, "x*y - 1", "--modulus", "4"]),
        E("groebner-modulus-nan", [*G, "x*y - 1", "--modulus", "nan"]),
        E("groebner-modulus-huge", [*G, "x*y - 1", "--modulus", str(2**127 - 1)]),
        E("groebner-modulus-float", [*G, "x*y - 1", "--modulus", "7.0"]),
        E("groebner-order-bogus", [*G, "x*y - 1", "--order", "revlex"]),
        E("groebner-strategy-bogus", [*G, "x*y - 1", "--strategy", "best"]),
        E("groebner-strategy-agent-garbage", [*G, "x*y - 1", "--strategy", "agent:$FX/agent.pt"]),
        E("groebner-strategy-agent-hostile", [*G, "x*y - 1", "--strategy", "agent:$FX/evil.pt"]),
        E("groebner-elimination-bogus", [*G, "x*y - 1", "--elimination", "bogus"]),
        E("groebner-seed-neg", [*G, "x*y - 1", "--strategy", "random", "--seed", "-1"]),
        E("groebner-seed-abc", [*G, "x*y - 1", "--seed", "abc"]),
        E("groebner-timeout-0", [*G, "x*y - 1", "--timeout", "0"]),
        E("groebner-timeout-neg", [*G, "x*y - 1", "--timeout", "-3"]),
        E("groebner-timeout-nan", [*G, "x*y - 1", "--timeout", "nan"]),
        E("groebner-timeout-inf", [*G, "x*y - 1", "--timeout", "inf"]),
        OK("groebner-ok", [*G, "x*y - 1, x^2 - y"]),
        OK("groebner-ok-json-lex-qq", [*G, "x*y - 1, x^2 - y", "--order", "lex", "--modulus", "QQ", "--json"]),
        OK("groebner-ok-timeout-limit", [*G, CYCLIC5, "--modulus", "QQ", "--order", "lex", "--timeout", "0.5"]),
        OK("groebner-ok-timeout-while-parsing", [*G, CYCLIC5, "--modulus", "QQ", "--order", "lex", "--timeout", "0.2"],
           note="timing-dependent: the limit may fall while the input is still being parsed"),
    ])

    # -- enumerate ----------------------------------------------------------------------------------------------
    EN = ["enumerate", "semigroups", "--quiet"]
    add(numeric("enumerate-", EN, "--n", {"0": 0, "neg": -1, "abc": "abc", "nan": "nan", "10": 10, **HUGE}))
    add([
        E("enumerate-no-what", ["enumerate", "--n", "3"]),
        E("enumerate-groups", ["enumerate", "groups", "--n", "3"]),
        E("enumerate-nilpotent-7", [*EN, "--n", "7", "--nilpotent"]),
        E("enumerate-degree-neg", [*EN, "--n", "3", "--nilpotent", "--degree", "-1"]),
        E("enumerate-degree-0", [*EN, "--n", "3", "--nilpotent", "--degree", "0"]),
        E("enumerate-degree-abc", [*EN, "--n", "3", "--nilpotent", "--degree", "abc"]),
        E("enumerate-degree-without-nilpotent", [*EN, "--n", "3", "--degree", "2"]),
        OK("enumerate-ok", [*EN, "--n", "3"]),
        OK("enumerate-ok-nilpotent-json", [*EN, "--n", "4", "--nilpotent", "--json"]),
    ])

    # -- bench (dispatcher), bench cem, bench search -------------------------------------------------------------
    CEM = ["bench", "cem", "--skip-hits", "--rate-seconds", "1", "--n", "6"]
    add([
        E("bench-no-args", ["bench"]),
        E("bench-bogus", ["bench", "bogus"]),
        E("bench-cem-n-0", [*CEM, "--n", "0"]),
        E("bench-cem-n-neg", [*CEM, "--n", "-3"]),
        E("bench-cem-n-1e6", [*CEM, "--n", 10**6]),
        E("bench-cem-rate-seconds-nan", [*CEM, "--rate-seconds", "nan"]),
        E("bench-cem-rate-seconds-0", [*CEM, "--rate-seconds", "0"]),
        E("bench-cem-rate-seconds-inf", [*CEM, "--rate-seconds", "inf"]),
        E("bench-cem-seeds-abc", ["bench", "cem", "--skip-rate", "--seeds", "abc"]),
        E("bench-cem-seeds-neg", ["bench", "cem", "--skip-rate", "--seeds", "-5"]),
        E("bench-cem-seeds-empty", ["bench", "cem", "--skip-rate", "--seeds", ""]),
        E("bench-cem-cap-0", ["bench", "cem", "--skip-rate", "--seeds", "0", "--cap", "0"]),
        E("bench-cem-cap-nan", ["bench", "cem", "--skip-rate", "--seeds", "0", "--cap", "nan"]),
        E("bench-cem-preset-bogus", [*CEM, "--preset", "bogus"]),
        E("bench-cem-out-file", [*CEM, "--out", "$FX/text.txt/x.json"]),
        E("bench-cem-out-proc", [*CEM, "--out", "/proc/x"]),
        E("bench-cem-hit-rate-sessions-0", ["bench", "cem", "hit-rate", "--sessions", "0", "--seconds", "1"]),
        E("bench-cem-hit-rate-seconds-nan", ["bench", "cem", "hit-rate", "--seconds", "nan"]),
        E("bench-cem-hit-rate-n-0", ["bench", "cem", "hit-rate", "--n", "0", "--seconds", "1"]),
        E("bench-cem-hit-rate-seed-neg", ["bench", "cem", "hit-rate", "--seed", "-1", "--seconds", "1"]),
    ])
    BS = ["bench", "search", "--agents", "local", "--seeds", "1", "--cap", "2", "--problems", "c4-free:6"]
    add([
        E("bench-search-problem-bogus", [*BS, "--problems", "bogus"]),
        E("bench-search-problem-n-0", [*BS, "--problems", "wagner-2.1:0"]),
        E("bench-search-problem-n-abc", [*BS, "--problems", "wagner-2.1:abc"]),
        E("bench-search-problem-n-1e6", [*BS, "--problems", "wagner-2.1:1000000"]),
        E("bench-search-problem-target-nan", [*BS, "--problems", "c4-free:6:nan"]),
        E("bench-search-problems-empty", [*BS, "--problems", ""]),
        E("bench-search-agent-bogus", [*BS, "--agents", "bogus"]),
        E("bench-search-seeds-0", [*BS, "--seeds", "0"]),
        E("bench-search-seeds-neg", [*BS, "--seeds", "-1"]),
        E("bench-search-seeds-1e9", [*BS, "--seeds", 10**9]),
        E("bench-search-cap-0", [*BS, "--cap", "0"]),
        E("bench-search-cap-nan", [*BS, "--cap", "nan"]),
        E("bench-search-seed-base-neg", [*BS, "--seed-base", "-1"]),
        E("bench-search-out-file", [*BS, "--out", "$FX/text.txt"]),
        E("bench-search-out-proc", [*BS, "--out", "/proc/x"]),
    ])

    # -- bench buchberger ---------------------------------------------------------------------------------------
    add([
        E("bench-buchberger-cyclic-100", [*BB, "--ideals", "cyclic-100", "--samples", "1"]),
        E("bench-buchberger-katsura-1000", [*BB, "--ideals", "katsura-1000", "--samples", "1"]),
        E("bench-buchberger-cyclic-0", [*BB, "--ideals", "cyclic-0"]),
        E("bench-buchberger-cyclic-neg", [*BB, "--ideals", "cyclic--1"]),
        E("bench-buchberger-ideals-bogus", [*BB, "--ideals", "nope"]),
        E("bench-buchberger-ideals-bad-degs", [*BB, "--ideals", "3-20-10-bogus"]),
        E("bench-buchberger-ideals-0-vars", [*BB, "--ideals", "0-5-4-uniform"]),
        E("bench-buchberger-ideals-1000-vars", [*BB, "--ideals", "1000-5-4-uniform"]),
        E("bench-buchberger-ideals-degree-0", [*BB, "--ideals", "3-0-4-uniform"]),
        E("bench-buchberger-ideals-gens-0", [*BB, "--ideals", "3-5-0-uniform"]),
        E("bench-buchberger-ideals-degree-1e9", [*BB, "--ideals", f"3-{10**9}-4-uniform"]),
        E("bench-buchberger-samples-0", [*BB, "--samples", "0"]),
        E("bench-buchberger-samples-neg", [*BB, "--samples", "-1"]),
        E("bench-buchberger-samples-nan", [*BB, "--samples", "nan"]),
        E("bench-buchberger-samples-1e12", [*BB, "--samples", 10**12]),
        E("bench-buchberger-seed-neg", [*BB, "--seed", "-1"]),
        E("bench-buchberger-strategies-bogus", [*BB, "--strategies", "best"]),
        E("bench-buchberger-strategies-empty", [*BB, "--strategies", ""]),
        E("bench-buchberger-agent-missing", [*BB, "--strategies", "agent:$FX/no-such-agent.pt"]),
        E("bench-buchberger-agent-garbage", [*BB, "--strategies", "agent:$FX/agent.pt"]),
        E("bench-buchberger-agent-hostile", [*BB, "--strategies", "agent:$FX/evil.pt"]),
        E("bench-buchberger-agent-hostile-zip", [*BB, "--strategies", "agent:$FX/evil-zip.pt"]),
        E("bench-buchberger-agent-is-az", [*BB, "--strategies", "agent:$FX/az-run/agent.pt"]),
        E("bench-buchberger-workers-0", [*BB, "--workers", "0"]),
        E("bench-buchberger-workers-neg", [*BB, "--workers", "-1"]),
        E("bench-buchberger-workers-1e5", [*BB, "--workers", "100000"],
          note="--samples 2 keeps it harmless if accepted; bench ppo refuses --workers above 1024"),
        E("bench-buchberger-plot-proc", [*BB, "--plot", "/proc/x.png"]),
        E("bench-buchberger-plot-under-file", [*BB, "--plot", "$FX/text.txt/x.png"]),
        E("bench-buchberger-out-proc", [*BB, "--out", "/proc/x.json"]),
        E("bench-buchberger-out-under-file", [*BB, "--out", "$FX/text.txt/x.json"]),
        E("bench-buchberger-out-dir", [*BB, "--out", "$FX/empty-dir"]),
        E("bench-buchberger-backend-bogus", [*BB, "--backend", "gpu"]),
        E("bench-buchberger-baselines-samples-0", ["bench", "buchberger", "baselines", "--samples", "0"]),
        E("bench-buchberger-baselines-samples-neg", ["bench", "buchberger", "baselines", "--samples", "-1"]),
        E("bench-buchberger-baselines-workers-0", ["bench", "buchberger", "baselines", "--samples", "2",
                                                   "--workers", "0"]),
        E("bench-buchberger-baselines-workers-1e5", ["bench", "buchberger", "baselines", "--samples", "2",
                                                     "--workers", "100000", "--quiet", "--out", "bl"], timeout=60),
        E("bench-buchberger-baselines-seed-neg", ["bench", "buchberger", "baselines", "--samples", "2",
                                                  "--seed", "-1"]),
        E("bench-buchberger-baselines-out-file", ["bench", "buchberger", "baselines", "--samples", "2",
                                                  "--out", "$FX/text.txt"]),
        E("bench-buchberger-speed-max-pairs-1e8", ["bench", "buchberger", "speed", "--max-pairs", "100000000"]),
        E("bench-buchberger-speed-k-0", ["bench", "buchberger", "speed", "--k", "0"]),
        E("bench-buchberger-speed-k-1e6", ["bench", "buchberger", "speed", "--k", 10**6]),
        E("bench-buchberger-speed-episodes-0", ["bench", "buchberger", "speed", "--episodes", "0"]),
        E("bench-buchberger-speed-repeats-0", ["bench", "buchberger", "speed", "--repeats", "0"]),
        E("bench-buchberger-speed-repeats-neg", ["bench", "buchberger", "speed", "--repeats", "-1"]),
        E("bench-buchberger-speed-sympy-neg", ["bench", "buchberger", "speed", "--sympy-ideals", "-1"]),
        E("bench-buchberger-speed-ideals-bogus", ["bench", "buchberger", "speed", "--ideals", "bogus"]),
        E("bench-buchberger-speed-out-proc", ["bench", "buchberger", "speed", "--repeats", "1", "--episodes", "1",
                                              "--pure-episodes", "1", "--sympy-ideals", "0", "--out",
                                              "/proc/x.json"]),
        OK("bench-buchberger-ok", [*BB, "--json"]),
        OK("bench-buchberger-ok-out", [*BB, "--out", "result.json", "--plot", "plot.png"]),
    ])

    # -- bench semigroups ---------------------------------------------------------------------------------------
    add([
        E("bench-semigroups-a-0", [*SG, "--a", "0"]),
        E("bench-semigroups-a-neg", [*SG, "--a", "-1"]),
        E("bench-semigroups-a-1e6", [*SG, "--a", 10**6]),
        E("bench-semigroups-b-0", [*SG, "--b", "0"]),
        E("bench-semigroups-sigma-x", [*SG, "--sigma", "x"]),
        E("bench-semigroups-sigma-100", [*SG, "--sigma", "100"]),
        E("bench-semigroups-sigma-reversed", [*SG, "--sigma", "5-2"]),
        E("bench-semigroups-sigma-neg", [*SG, "--sigma", "-1"]),
        E("bench-semigroups-family-bogus", [*SG, "--family", "bogus"]),
        E("bench-semigroups-all-n-0", [*SG, "--family", "all", "--n", "0"]),
        E("bench-semigroups-all-n-10", [*SG, "--family", "all", "--n", "10"]),
        E("bench-semigroups-all-n-1e12", [*SG, "--family", "all", "--n", 10**12]),
        E("bench-semigroups-nilpotent-n-7", [*SG, "--family", "nilpotent", "--n", "7"]),
        E("bench-semigroups-nilpotent-degree-neg", [*SG, "--family", "nilpotent", "--n", "3", "--degree", "-1"]),
        E("bench-semigroups-strategies-bogus", [*SG, "--strategies", "bogus"]),
        E("bench-semigroups-seed-neg", [*SG, "--seed", "-1"]),
        E("bench-semigroups-out-proc", [*SG, "--out", "/proc/x.json"]),
        E("bench-semigroups-out-under-file", [*SG, "--out", "$FX/text.txt/x.json"]),
        E("bench-semigroups-speed-repeats-0", ["bench", "semigroups", "speed", "--repeats", "0"]),
        E("bench-semigroups-speed-repeats-neg", ["bench", "semigroups", "speed", "--repeats", "-1"]),
        E("bench-semigroups-speed-backend-bogus", ["bench", "semigroups", "speed", "--backend", "gpu"]),
        E("bench-semigroups-speed-out-proc", ["bench", "semigroups", "speed", "--repeats", "1", "--no-big",
                                              "--no-53", "--out", "/proc/x.json"]),
        OK("bench-semigroups-ok", SG),
    ])

    # -- bench games --------------------------------------------------------------------------------------------
    SP = ["bench", "games", "speed", "--repeats", "1", "--sims", "2", "--selfplay-games", "1",
          "--selfplay-sims", "2", "--threads", "1"]
    add([
        E("bench-games-no-mode", ["bench", "games"]),
        E("bench-games-bogus-mode", ["bench", "games", "bogus"]),
        E("bench-games-speed-threads-0", [*SP, "--threads", "0"]),
        E("bench-games-speed-threads-1e5", [*SP, "--threads", "100000"]),
        E("bench-games-speed-threads-abc", [*SP, "--threads", "abc"]),
        E("bench-games-speed-trees-0", [*SP, "--trees", "0"]),
        E("bench-games-speed-leaves-0", [*SP, "--leaves", "0"]),
        E("bench-games-speed-sims-0", [*SP, "--sims", "0"]),
        E("bench-games-speed-sims-1e12", [*SP, "--sims", 10**12]),
        E("bench-games-speed-repeats-0", [*SP, "--repeats", "0"]),
        E("bench-games-speed-selfplay-games-neg", [*SP, "--selfplay-games", "-1"]),
        E("bench-games-speed-out-proc", [*SP, "--out", "/proc/x.json"]),
        E("bench-games-connect4-limit-0", [*C4, "--limit", "0"]),
        E("bench-games-connect4-limit-neg", [*C4, "--limit", "-1"]),
        E("bench-games-connect4-sims-0", [*C4, "--sims", "0"]),
        E("bench-games-connect4-sims-1e12", [*C4, "--agent", "mcts", "--sims", 10**12]),
        E("bench-games-connect4-threads-0", [*C4, "--threads", "0"]),
        E("bench-games-connect4-threads-1e5", [*C4, "--threads", "100000"]),
        E("bench-games-connect4-agent-missing", [*C4, "--agent", "$FX/no-such-agent.pt"]),
        E("bench-games-connect4-agent-garbage", [*C4, "--agent", "$FX/agent.pt"]),
        E("bench-games-connect4-agent-text", [*C4, "--agent", "$FX/text.txt"]),
        E("bench-games-connect4-agent-hostile", [*C4, "--agent", "$FX/evil.pt"]),
        E("bench-games-connect4-agent-hostile-zip", [*C4, "--agent", "$FX/evil-zip.pt"]),
        E("bench-games-connect4-agent-tictactoe", [*C4, "--agent", "$FX/az-run/agent.pt"]),
        E("bench-games-connect4-agent-ppo", [*C4, "--agent", "$FX/ppo-run/agent.pt"]),
        E("bench-games-connect4-precision-bogus", [*C4, "--precision", "fp8"]),
        E("bench-games-connect4-seed-neg", [*C4, "--seed", "-1"]),
        E("bench-games-connect4-out-proc", [*C4, "--out", "/proc/x.json"]),
        E("bench-games-connect4-out-under-file", [*C4, "--out", "$FX/text.txt/x.json"]),
        E("bench-games-tictactoe-agent-garbage", [*TTT, "--agent", "$FX/agent.pt"]),
        E("bench-games-tictactoe-agent-checkpoint", [*TTT, "--agent", "$FX/checkpoint.pt"]),
        E("bench-games-tictactoe-agent-dir", [*TTT, "--agent", "$FX/empty-dir"]),
        E("bench-games-tictactoe-agent-bogus", [*TTT, "--agent", "bogus"]),
        E("bench-games-tictactoe-sims-neg", [*TTT, "--sims", "-1"]),
        E("bench-games-tictactoe-sims-1e12", [*TTT, "--agent", "mcts", "--sims", 10**12]),
        E("bench-games-tictactoe-out-proc", [*TTT, "--out", "/proc/x.json"]),
        E("bench-games-curve-no-runs", ["bench", "games", "curve"]),
        E("bench-games-curve-missing", ["bench", "games", "curve", "$FX/no-such-run"]),
        E("bench-games-curve-file", ["bench", "games", "curve", "$FX/text.txt"]),
        E("bench-games-curve-empty-dir", ["bench", "games", "curve", "$FX/empty-dir"]),
        E("bench-games-curve-foreign", ["bench", "games", "curve", "$FX/foreign-run"]),
        E("bench-games-curve-garbage-run", ["bench", "games", "curve", "$FX/garbage-run"]),
        E("bench-games-curve-bad-metrics", ["bench", "games", "curve", "$FX/az-run-badmetrics"]),
        E("bench-games-curve-good-and-bad", ["bench", "games", "curve", "$FX/az-run", "$FX/garbage-run",
                                             "--out", "c.json", "--png", "c.png"]),
        E("bench-games-curve-png-proc", ["bench", "games", "curve", "$FX/az-run", "--png", "/proc/x.png",
                                         "--out", "c.json"]),
        E("bench-games-curve-out-proc", ["bench", "games", "curve", "$FX/az-run", "--out", "/proc/x.json",
                                         "--png", "c.png"]),
        OK("bench-games-tictactoe-ok", [*TTT, "--out", "t.json"]),
        OK("bench-games-curve-ok", ["bench", "games", "curve", "$FX/az-run", "--out", "c.json", "--png", "c.png"]),
    ])

    # -- bench ppo ----------------------------------------------------------------------------------------------
    BP = ["bench", "ppo", "--quiet", "--out", "bp"]
    add([
        E("bench-ppo-no-runs", ["bench", "ppo"]),
        E("bench-ppo-missing", [*BP, "$FX/no-such-run"]),
        E("bench-ppo-file", [*BP, "$FX/text.txt"]),
        E("bench-ppo-empty-dir", [*BP, "$FX/empty-dir"]),
        E("bench-ppo-foreign", [*BP, "$FX/foreign-run"]),
        E("bench-ppo-garbage-run", [*BP, "$FX/garbage-run"]),
        E("bench-ppo-truncated-config", [*BP, "$FX/ppo-run-truncated"]),
        E("bench-ppo-garbage-agent", [*BP, "$FX/ppo-run-badagent"]),
        E("bench-ppo-hostile-agent", [*BP, "$FX/ppo-run-evilagent"]),
        E("bench-ppo-alphazero-run", [*BP, "$FX/az-run"]),
        E("bench-ppo-good-and-bad", [*BP, "$FX/ppo-run", "$FX/garbage-run"]),
        E("bench-ppo-samples-0", [*BP, "$FX/ppo-run", "--samples", "0"]),
        E("bench-ppo-episodes-0", [*BP, "$FX/ppo-run", "--episodes", "0"]),
        E("bench-ppo-episodes-neg", [*BP, "$FX/ppo-run", "--episodes", "-1"]),
        E("bench-ppo-episodes-1e12", [*BP, "$FX/ppo-run", "--episodes", 10**12]),
        E("bench-ppo-workers-0", [*BP, "$FX/ppo-run", "--workers", "0"]),
        E("bench-ppo-workers-1e5", [*BP, "$FX/ppo-run", "--workers", "100000"]),
        E("bench-ppo-seed-neg", [*BP, "$FX/ppo-run", "--seed", "-1"]),
        E("bench-ppo-out-file", ["bench", "ppo", "--quiet", "$FX/ppo-run", "--out", "$FX/text.txt"]),
        E("bench-ppo-out-proc", ["bench", "ppo", "--quiet", "$FX/ppo-run", "--out", "/proc/x"]),
        OK("bench-ppo-ok", [*BP, "$FX/ppo-run"]),
    ])

    # -- train (dispatcher), train ppo ---------------------------------------------------------------------------
    add([E("train-no-args", ["train"]), E("train-bogus", ["train", "bogus"])])
    add([E(f"train-ppo-set-{name}", [*PPO, "--set", value]) for name, value in {
        "lr-neg": "lr=-1", "lr-nan": "lr=NaN", "lr-inf": "lr=Infinity", "lr-abc": "lr=abc", "lr-str": 'lr="abc"',
        "lr-null": "lr=null", "lr-list": "lr=[1]", "num-envs-1e7": "num_envs=10000000", "num-envs-0": "num_envs=0",
        "num-envs-neg": "num_envs=-1", "num-envs-float": "num_envs=1.5", "num-envs-true": "num_envs=true",
        "num-steps-1e12": f"num_steps={10**12}", "hidden-huge": "hidden=[1000000000]", "hidden-empty": "hidden=[]",
        "hidden-neg": "hidden=[-4]", "gamma-2": "gamma=2", "gamma-nan": "gamma=NaN", "workers-1e5": "workers=100000",
        "channels-1e6": "channels=1000000", "unknown": "bogus=1", "no-value": "novalue", "empty-key": "=1",
        "seed-neg": "seed=-1", "env-id-bogus": 'env_id="Nope-v0"', "torch-threads-1e5": "torch_threads=100000",
        "minibatches-too-many": "num_minibatches=100000"}.items()])
    add(numeric("train-ppo-", PPO, "--steps", {"0": 0, "neg": -1, "abc": "abc"}))
    add(numeric("train-ppo-", PPO, "--seed", {"neg": -1, "2pow32": 2**32, "nan": "nan"}))
    add(numeric("train-ppo-", PPO, "--time-limit", {"0": 0, "neg": -1, "nan": "nan", "inf": "inf"}))
    add([
        E("train-ppo-env-bogus", [*PPO, "--env", "Nope-v0"]),
        E("train-ppo-env-empty", [*PPO, "--env", ""]),
        E("train-ppo-env-kwargs-bad-json", [*PPO, "--env-kwargs", "{bad"]),
        E("train-ppo-env-kwargs-list", [*PPO, "--env-kwargs", "[1]"]),
        E("train-ppo-env-kwargs-unknown", [*PPO, "--env-kwargs", '{"bogus": 1}']),
        E("train-ppo-buchberger-k-1e6", [*PPO, "--env", "mathrl/Buchberger-v0", "--env-kwargs", '{"k": 1000000}']),
        E("train-ppo-graph-n-1e6", [*PPO, "--env", "mathrl/GraphConstruction-v0", "--env-kwargs",
                                    '{"n": 1000000}']),
        E("train-ppo-preset-bogus", [*PPO, "--preset", "nope"]),
        E("train-ppo-out-file", [*PPO, "--out", "$FX/text.txt"]),
        E("train-ppo-out-under-file", [*PPO, "--out", "$FX/text.txt/run"]),
        E("train-ppo-out-proc", [*PPO, "--out", "/proc/x"]),
        E("train-ppo-out-existing-run", [*PPO, "--out", "$FX/ppo-run"]),
        E("train-ppo-resume-missing", ["train", "ppo", "--resume", "$FX/no-such-run"]),
        E("train-ppo-resume-file", ["train", "ppo", "--resume", "$FX/text.txt"]),
        E("train-ppo-resume-empty-dir", ["train", "ppo", "--resume", "$FX/empty-dir"]),
        E("train-ppo-resume-foreign", ["train", "ppo", "--resume", "$FX/foreign-run"]),
        E("train-ppo-resume-garbage-run", ["train", "ppo", "--resume", "$FX/garbage-run"]),
        E("train-ppo-resume-truncated-config", ["train", "ppo", "--resume", "$FX/ppo-run-truncated"]),
        E("train-ppo-resume-garbage-checkpoint", ["train", "ppo", "--resume", "$FX/ppo-run-badckpt"]),
        E("train-ppo-resume-hostile-checkpoint", ["train", "ppo", "--resume", "$FX/ppo-run-evilckpt"]),
        E("train-ppo-resume-hostile-envs", ["train", "ppo", "--resume", "$FX/ppo-run-evilenvs", "--quiet"]),
        E("train-ppo-resume-alphazero-run", ["train", "ppo", "--resume", "$FX/az-run"]),
        E("train-ppo-resume-conflict-env", ["train", "ppo", "--resume", "$FX/ppo-run", "--env", "CartPole-v1"]),
        E("train-ppo-resume-conflict-seed", ["train", "ppo", "--resume", "$FX/ppo-run", "--seed", "3"]),
        E("train-ppo-resume-set-lr-neg", ["train", "ppo", "--resume", "$FX/ppo-run", "--set", "lr=-1"]),
        OK("train-ppo-ok", [*PPO, "--out", "run"]),
        OK("train-ppo-resume-ok", ["train", "ppo", "--resume", "$FX/ppo-run", "--steps", "512", "--quiet"]),
        OK("train-ppo-resume-foreign-key", ["train", "ppo", "--resume", "$FX/ppo-run", "--steps", "512", "--quiet"],
           fresh_key=True, note="envs.pkl signed with another key: a warning and fresh episodes, never unpickled"),
    ])

    # -- train alphazero ----------------------------------------------------------------------------------------
    add([E(f"train-alphazero-set-{name}", [*AZ_SET, "--set", value]) for name, value in {
        "lr-neg": "lr=-1", "lr-nan": "lr=NaN", "lr-abc": "lr=abc", "channels-1e6": "channels=1000000",
        "blocks-1e6": "blocks=1000000", "workers-1e5": "workers=100000", "buffer-1e13": "buffer_size=10000000000000",
        "search-bogus": "search.bogus=1", "search-sims-1e12": f"search.n_sims={10**12}", "unknown": "bogus=3",
        "no-value": "novalue", "game-chess": 'game="chess"', "batch-size-0": "batch_size=0",
        "game-kwargs-rows-1e6": 'game_kwargs={"rows": 1000000}'}.items()])
    add(numeric("train-alphazero-", AZ, "--workers", {"0": 0, "neg": -1, "1e5": 100000}))
    add(numeric("train-alphazero-", AZ, "--sims", {"0": 0, "1e12": 10**12}))
    add(numeric("train-alphazero-", AZ, "--channels", {"0": 0, "1e6": 10**6}))
    add(numeric("train-alphazero-", AZ, "--blocks", {"0": 0, "neg": -1, "1e6": 10**6}))
    add(numeric("train-alphazero-", AZ, "--games-per-iter", {"0": 0, "neg": -1}))
    add(numeric("train-alphazero-", AZ, "--iterations", {"0": 0, "neg": -1}))
    add(numeric("train-alphazero-", AZ, "--time-limit", {"nan": "nan", "inf": "inf", "0": 0}))
    add(numeric("train-alphazero-", AZ, "--seed", {"neg": -1, "2pow63": 2**63}))
    add(numeric("train-alphazero-", AZ, "--eval-every", {"neg": -1}))
    add([
        E("train-alphazero-game-chess", [*AZ, "--game", "chess"]),
        E("train-alphazero-game-empty", [*AZ, "--game", ""]),
        E("train-alphazero-connect4-rows-0", [*AZ, "--game", "connect4", "--rows", "0"]),
        E("train-alphazero-connect4-rows-1e6", [*AZ, "--game", "connect4", "--rows", 10**6]),
        E("train-alphazero-connect4-cols-1", [*AZ, "--game", "connect4", "--cols", "1"]),
        E("train-alphazero-othello-n-3", [*AZ, "--game", "othello", "--n", "3"]),
        E("train-alphazero-othello-n-1e6", [*AZ, "--game", "othello", "--n", 10**6]),
        E("train-alphazero-hex-n-0", [*AZ, "--game", "hex", "--n", "0"]),
        E("train-alphazero-hex-n-1e6", [*AZ, "--game", "hex", "--n", 10**6]),
        E("train-alphazero-tictactoe-rows", [*AZ, "--rows", "5"]),
        E("train-alphazero-out-file", [*AZ, "--out", "$FX/text.txt"]),
        E("train-alphazero-out-under-file", [*AZ, "--out", "$FX/text.txt/run"]),
        E("train-alphazero-out-proc", [*AZ, "--out", "/proc/x"]),
        E("train-alphazero-out-existing-run", [*AZ, "--out", "$FX/az-run"]),
        E("train-alphazero-resume-missing", [*AZR, "$FX/no-such-run"]),
        E("train-alphazero-resume-file", [*AZR, "$FX/text.txt"]),
        E("train-alphazero-resume-empty-dir", [*AZR, "$FX/empty-dir"]),
        E("train-alphazero-resume-foreign", [*AZR, "$FX/foreign-run"]),
        E("train-alphazero-resume-garbage-run", [*AZR, "$FX/garbage-run"]),
        E("train-alphazero-resume-garbage-checkpoint", [*AZR, "$FX/az-run-badckpt"]),
        E("train-alphazero-resume-hostile-checkpoint", [*AZR, "$FX/az-run-evilckpt"]),
        E("train-alphazero-resume-ppo-run", [*AZR, "$FX/ppo-run"]),
        E("train-alphazero-resume-conflict-game", [*AZR, "$FX/az-run", "--game", "connect4"]),
        E("train-alphazero-resume-conflict-seed", [*AZR, "$FX/az-run", "--seed", "5"]),
        E("train-alphazero-resume-conflict-channels", [*AZR, "$FX/az-run", "--channels", "16"]),
        E("train-alphazero-resume-conflict-n", [*AZR, "$FX/az-run", "--n", "5"]),
        E("train-alphazero-resume-workers-1e5", [*AZR, "$FX/az-run", "--workers", "100000"]),
        OK("train-alphazero-resume-truncated-config", [*AZR, "$FX/az-run-truncated"],
           note="config.json is a readable copy of the checkpoint's config, rewritten on every start (train.py)"),
        OK("train-alphazero-ok", [*AZ, "--out", "run"]),
        OK("train-alphazero-resume-ok", [*AZR, "$FX/az-run"]),
    ])

    # -- play ---------------------------------------------------------------------------------------------------
    PL = ["play", "tictactoe", "--agent", "random"]
    add([
        E("play-no-game", ["play"]),
        E("play-chess", ["play", "chess"]),
        E("play-agent-missing", ["play", "tictactoe", "--agent", "$FX/no-such-agent.pt"]),
        E("play-agent-garbage", ["play", "tictactoe", "--agent", "$FX/agent.pt"]),
        E("play-agent-unreadable", ["play", "tictactoe", "--agent", "$FX/unreadable.pt"]),
        E("play-agent-empty-file", ["play", "tictactoe", "--agent", "$FX/empty.pt"]),
        E("play-agent-text", ["play", "tictactoe", "--agent", "$FX/text.txt"]),
        E("play-agent-checkpoint", ["play", "tictactoe", "--agent", "$FX/checkpoint.pt"]),
        E("play-agent-dir", ["play", "tictactoe", "--agent", "$FX/empty-dir"]),
        E("play-agent-hostile", ["play", "tictactoe", "--agent", "$FX/evil.pt"]),
        E("play-agent-hostile-zip", ["play", "tictactoe", "--agent", "$FX/evil-zip.pt"]),
        E("play-agent-ppo", ["play", "tictactoe", "--agent", "$FX/ppo-run/agent.pt"]),
        E("play-agent-wrong-game", ["play", "connect4", "--agent", "$FX/az-run/agent.pt"]),
        E("play-agent-bogus-name", ["play", "tictactoe", "--agent", "bogus"]),
        E("play-sims-neg", [*PL, "--sims", "-3"]),
        E("play-sims-1e12", ["play", "tictactoe", "--agent", "mcts", "--sims", 10**12, "--first", "agent"]),
        E("play-seed-neg", [*PL, "--seed", "-1"]),
        E("play-first-bogus", [*PL, "--first", "nobody"]),
        E("play-connect4-rows-0", ["play", "connect4", "--agent", "random", "--rows", "0"]),
        E("play-connect4-rows-1e6", ["play", "connect4", "--agent", "random", "--rows", 10**6]),
        E("play-connect4-cols-0", ["play", "connect4", "--agent", "random", "--cols", "0"]),
        E("play-othello-n-3", ["play", "othello", "--agent", "random", "--n", "3"]),
        E("play-othello-n-1e6", ["play", "othello", "--agent", "random", "--n", 10**6]),
        E("play-hex-n-0", ["play", "hex", "--agent", "random", "--n", "0"]),
        E("play-hex-n-1e9", ["play", "hex", "--agent", "random", "--n", 10**9]),
        E("play-batch-garbage", [*PL, "--batch"], stdin="zzz\n"),
        E("play-batch-binary", [*PL, "--batch"], stdin=b"\xff\xfe\x00\x01\n"),
        E("play-batch-repeated-cell", [*PL, "--batch"], stdin="11\n"),
        E("play-batch-cell-0", [*PL, "--batch"], stdin="0\n"),
        E("play-batch-cell-10", [*PL, "--batch"], stdin="1,10\n"),
        E("play-batch-game-over", [*PL, "--batch"], stdin="1425369\n"),
        E("play-batch-huge-line", [*PL, "--batch"], stdin="1" * 1_000_000 + "\n"),
        E("play-batch-connect4-full-column", ["play", "connect4", "--agent", "random", "--batch"],
          stdin="1111111\n"),
        OK("play-eof", PL, stdin=""),
        OK("play-eof-agent-first", [*PL, "--first", "agent"], stdin=""),
        OK("play-garbage-interactive", PL, stdin=PLAY_GARBAGE),
        OK("play-garbage-then-quit", PL, stdin=PLAY_GARBAGE + b"q\n"),
        # Python reads stdin with errors="strict" under an installed UTF-8 locale such as en_US.UTF-8 (under C or
        # C.UTF-8 it uses surrogateescape); PYTHONIOENCODING=utf-8:strict reproduces that here
        OK("play-garbage-interactive-strict-stdin", PL, stdin=PLAY_GARBAGE, env={"PYTHONIOENCODING": "utf-8:strict"},
           note="invalid UTF-8 typed at the prompt, as read under a strict UTF-8 locale (en_US.UTF-8)"),
        E("play-batch-binary-strict-stdin", [*PL, "--batch"], stdin=b"\xff\xfe\x00\x01\n",
          env={"PYTHONIOENCODING": "utf-8:strict"},
          note="invalid UTF-8 on stdin, as read under a strict UTF-8 locale (en_US.UTF-8)"),
        OK("play-batch-ok", [*PL, "--batch"], stdin="159\n-\n\n"),
        OK("play-batch-eof", [*PL, "--batch"], stdin=""),
        OK("play-sims-0-raw-policy", ["play", "tictactoe", "--agent", "$FX/az-run/agent.pt", "--sims", "0",
                                      "--batch"], stdin="5\n", note="--sims is documented as 0..1,000,000"),
        OK("play-trained-agent", ["play", "tictactoe", "--agent", "$FX/az-run/agent.pt", "--batch"], stdin="5\n"),
    ])

    # -- single-player AlphaZero (train alphazero --env) and trained agents as strategies ----------------------
    AZE = ["train", "alphazero", "--env", "mathrl/GraphConstruction-v0", "--env-kwargs", '{"n": 5}', "--sims", "2",
           "--set", "episodes_per_iter=2", "--set", "train_steps=2", "--set", "eval_episodes=1", "--quiet"]
    add([
        E("az-env-no-limit", AZE),
        E("az-env-two-player", ["train", "alphazero", "--env", "mathrl/ConnectFour-v0", "--iterations", "1"]),
        E("az-env-unknown", ["train", "alphazero", "--env", "mathrl/Nope-v0", "--iterations", "1"]),
        E("az-env-kwargs-list", [*AZE, "--iterations", "1", "--env-kwargs", "[1]"]),
        E("az-env-kwargs-bad", ["train", "alphazero", "--env", "mathrl/GraphConstruction-v0", "--env-kwargs",
                                '{"n": 100000}', "--iterations", "1"]),
        E("az-env-lr-neg", [*AZE, "--iterations", "1", "--set", "lr=-1"]),
        E("az-env-lr-nan", [*AZE, "--iterations", "1", "--set", "lr=NaN"]),
        E("az-env-unknown-field", [*AZE, "--iterations", "1", "--set", "episodes.bogus=1"]),
        E("az-env-sims-huge", [*AZE, "--iterations", "1", "--sims", str(10**12)]),
        E("az-env-out-file", [*AZE, "--iterations", "1", "--out", "$FX/text.txt"]),
        OK("az-env-ok", [*AZE, "--iterations", "1", "--out", "run"]),
        E("bench-semigroups-agent-missing", ["bench", "semigroups", "--family", "simpson", "--a", "3", "--b", "2",
                                             "--strategies", "agent:$FX/nowhere"]),
        E("bench-buchberger-agent-bad-sims", ["bench", "buchberger", "--ideals", "3-5-4-uniform", "--samples", "2",
                                              "--strategies", "agent:$FX/nowhere:sims=abc"]),
    ])

    ids = [p.id for p in P]
    dup = {i for i in ids if ids.count(i) > 1}
    assert not dup, f"duplicate probe ids: {sorted(dup)}"
    return P


# -- fixtures ----------------------------------------------------------------------------------------------------

PLUGINS = '''\
"""Plug-in scores for the probe battery: each misbehaves in its own way (returns_minus_one is the good one)."""
import os
import signal
import time

import numpy as np

NOT_CALLABLE = 42


def returns_minus_one(g):
    return -1.0


def returns_str(g):
    return "1.0"


def returns_true(g):
    return True


def returns_none(g):
    return None


def returns_complex(g):
    return 1 + 2j


def returns_nan(g):
    return float("nan")


def returns_inf(g):
    return float("inf")


def returns_array(g):
    return np.array([1.0, 2.0])


def raises_value_error(g):
    raise ValueError("plug-in failure")


def raises_systemexit_0(g):
    raise SystemExit(0)


def raises_keyboardinterrupt(g):
    raise KeyboardInterrupt


def os_exit_0(g):
    os._exit(0)


def kills_itself(g):
    os.kill(os.getpid(), signal.SIGKILL)


def sleeps_forever(g):
    while True:
        time.sleep(3600)


def batched_scalar(adj):
    return 1.0


def batched_wrong_length(adj):
    return np.zeros(len(adj) + 1)


def batched_ok(adj):
    return -1.0 - adj.sum(axis=(1, 2)) * 0.0
'''


class _Hostile:
    """Unpickling this runs code: it creates MARKER in the current folder."""

    def __reduce__(self):
        return (exec, (f"open({MARKER!r}, 'w').close()",))


def hostile_pickle() -> bytes:
    return pickle.dumps(_Hostile(), protocol=2)


def hostile_torch_zip() -> bytes:
    """A torch.save-style zip archive whose data.pkl runs code when loaded with weights_only=False."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", hostile_pickle())
        z.writestr("archive/byteorder", "little")
        z.writestr("archive/version", "3\n")
    return buf.getvalue()


GARBAGE = b"\x80\x02garbage\x00\xff" + bytes(range(256)) * 4


def run_setup(python: str, argv: list, cwd: Path, env: dict, timeout: float = 180) -> None:
    proc = subprocess.run([python, "-m", "mathrl", *argv], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout, start_new_session=True)
    if proc.returncode not in (0, 1):
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"fixture set-up `mathrl {shlex.join(argv)}` exited {proc.returncode}:\n{tail}")


def needed_runs(selected: list[Probe]) -> set[str]:
    text = "\n".join(" ".join(p.argv) for p in selected)
    return {name for name in ("search-run", "ppo-run", "az-run") if f"$FX/{name}" in text}


def build_fixtures(fx: Path, key: Path, python: str, runs: set[str]) -> None:
    """Every fixture, once, in ``fx`` (copied into each probe's folder); real runs only where probes use them."""
    fx.mkdir(parents=True)
    (fx / "text.txt").write_text("just a plain text file\n")
    (fx / "agent.pt").write_bytes(GARBAGE)
    (fx / "unreadable.pt").write_bytes(GARBAGE)  # made mode 000 in each probe's copy
    (fx / "empty.pt").write_bytes(b"")
    (fx / "checkpoint.pt").write_bytes(GARBAGE)
    (fx / "config.json").write_text('{"lr": 0.001, "num_envs": 8, "hid')
    (fx / "evil.pt").write_bytes(hostile_pickle())
    (fx / "evil-zip.pt").write_bytes(hostile_torch_zip())
    (fx / "empty-dir").mkdir()
    (fx / "foreign-run").mkdir()
    (fx / "foreign-run" / "notes.txt").write_text("not a run folder\n")
    (fx / "foreign-run" / "data.csv").write_text("a,b\n1,2\n")
    (fx / "foreign-run" / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + GARBAGE)
    garbage = fx / "garbage-run"
    garbage.mkdir()
    for name in ("run.json", "config.json", "manifest.json", "summary.json"):
        (garbage / name).write_text('{"truncated": tr')
    for name in ("checkpoint.pt", "agent.pt", "envs.pkl", "buffer.npz"):
        (garbage / name).write_bytes(GARBAGE)
    (garbage / "metrics.jsonl").write_bytes(b'{"iteration": 1, "los\n\xff\xfe garbage\n')
    (garbage / "log.jsonl").write_bytes(b'{"iteration": 1\n\x00\x00\n')
    (fx / "plugins.py").write_text(PLUGINS)
    (fx / "broken_import.py").write_text("import no_such_module_for_the_probe_battery\n\ndef f(g):\n    return -1.0\n")
    (fx / "exits_on_import.py").write_text("import sys\nsys.exit(0)\n\ndef f(g):\n    return -1.0\n")
    (fx / "syntax_error.py").write_text("def f(g)\n    return -1.0\n")

    env = probe_env(key, token="setup")
    setups = {
        "search-run": ["search", "--score", "wagner-2.1", "--n", "6", "--iterations", "1", "--quiet",
                       "--out", str(fx / "search-run")],
        "ppo-run": [*PPO, "--out", str(fx / "ppo-run")],
        "az-run": [*AZ, "--out", str(fx / "az-run")],
    }
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        for future in [pool.submit(run_setup, python, setups[name], fx, env) for name in sorted(runs)]:
            future.result()

    def variant(base: str, name: str, files: dict) -> None:
        """A copy of the real run ``base`` with some of its files replaced."""
        shutil.copytree(fx / base, fx / name, symlinks=True)
        for file, content in files.items():
            (fx / name / file).write_bytes(content if isinstance(content, bytes) else content.encode())

    if "search-run" in runs:
        if not (fx / "search-run" / "run.json").is_file():
            raise RuntimeError("fixture set-up: the search left no run.json")
        info = json.loads((fx / "search-run" / "run.json").read_text())

        def run_json(**changes) -> str:
            return json.dumps({**info, **changes}).replace('"__NaN__"', "NaN")

        variant("search-run", "search-run-truncated", {"run.json": run_json()[:40]})
        variant("search-run", "search-run-badckpt", {"checkpoint.pt": GARBAGE})
        variant("search-run", "search-run-emptyckpt", {"checkpoint.pt": b""})
        variant("search-run", "search-run-evilckpt", {"checkpoint.pt": hostile_torch_zip()})
        variant("search-run", "search-run-nanlimit", {"run.json": run_json(time_limit="__NaN__")})
        variant("search-run", "search-run-badn", {"run.json": run_json(n=-5)})
        variant("search-run", "search-run-missing-plugin", {"run.json": run_json(
            score_spec=str(fx / "no-such-plugin-dir" / "gone.py") + ":f")})
    if "ppo-run" in runs:
        for part in ("agent.pt", "checkpoint.pt", "config.json"):
            if not (fx / "ppo-run" / part).is_file():
                raise RuntimeError(f"fixture set-up: the PPO run left no {part}")
        variant("ppo-run", "ppo-run-truncated", {"config.json": (fx / "ppo-run" / "config.json").read_bytes()[:30]})
        variant("ppo-run", "ppo-run-badckpt", {"checkpoint.pt": GARBAGE})
        variant("ppo-run", "ppo-run-evilckpt", {"checkpoint.pt": hostile_torch_zip()})
        variant("ppo-run", "ppo-run-evilenvs", {"envs.pkl": hostile_pickle()})
        variant("ppo-run", "ppo-run-badagent", {"agent.pt": GARBAGE})
        variant("ppo-run", "ppo-run-evilagent", {"agent.pt": hostile_torch_zip()})
    if "az-run" in runs:
        for part in ("agent.pt", "checkpoint.pt", "config.json", "metrics.jsonl"):
            if not (fx / "az-run" / part).is_file():
                raise RuntimeError(f"fixture set-up: the AlphaZero run left no {part}")
        variant("az-run", "az-run-badckpt", {"checkpoint.pt": GARBAGE})
        variant("az-run", "az-run-evilckpt", {"checkpoint.pt": hostile_torch_zip()})
        variant("az-run", "az-run-truncated", {"config.json": (fx / "az-run" / "config.json").read_bytes()[:30]})
        variant("az-run", "az-run-badmetrics", {"metrics.jsonl": b'{"iteration": 1, "score_vs_random": \xff\n[]\n'})


# -- running one probe ------------------------------------------------------------------------------------------

def probe_env(key: Path, token: str, extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env.update({"MATHRL_KEY_FILE": str(key), TOKEN_ENV: token, "PYTHONDONTWRITEBYTECODE": "1"})
    for name in ("PYTHONSTARTUP", "PYTHONINSPECT"):
        env.pop(name, None)
    env.update(extra or {})
    return env


def snapshot(folder: Path) -> dict:
    """Every entry under ``folder``: kind, mode, size, mtime and content hash."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = path.lstat()
            digest = None
            if stat.S_ISREG(st.st_mode):
                try:
                    digest = hashlib.sha256(path.read_bytes()).hexdigest()
                except OSError:
                    digest = "unreadable"
            out[str(path.relative_to(folder))] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode),
                                                  st.st_size if digest else None, st.st_mtime_ns if digest else None,
                                                  digest)
    return out


def processes_with(token: str) -> list[int]:
    """Live (non-zombie) processes whose environment carries ``token`` (Linux /proc; elsewhere: none known)."""
    found, needle = [], f"{TOKEN_ENV}={token}\0".encode()
    try:
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return found
    for pid in pids:
        if pid == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if needle not in f.read() + b"\0":
                    continue
            with open(f"/proc/{pid}/stat", "rb") as f:
                if f.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                    continue
        except (OSError, IndexError):
            continue
        found.append(pid)
    return found


_LIVE: dict = {}  # token -> Popen of every probe still running (killed if the battery is interrupted)
_LOCK = threading.Lock()


def kill_all_live() -> None:
    with _LOCK:
        live = list(_LIVE.items())
    for token, proc in live:
        reap(proc, token, grace=0.0)


def reap(proc: subprocess.Popen, token: str, grace: float) -> list[int]:
    """Kill whatever the probe left: its process group, then anything carrying its token. Returns the strays
    still alive after ``grace`` seconds."""
    deadline = time.monotonic() + grace
    strays = processes_with(token)
    while strays and time.monotonic() < deadline:
        time.sleep(0.2)
        strays = processes_with(token)
    for _ in range(20):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        left = processes_with(token)
        if not left:
            break
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.1)
    return strays


def error_line_ok(line: str) -> bool:
    return line.startswith("mathrl") and "error:" in line


def run_probe(p: Probe, fixtures: Path, master_key: Path, python: str, scale: float, keep: bool) -> dict:
    """Run one probe in a fresh temporary folder (removed afterwards unless ``keep``) and classify it."""
    root = Path(tempfile.mkdtemp(prefix=f"mathrl-probe-{p.id[:40]}-"))
    try:
        record = _run_in(root, p, fixtures, master_key, python, scale)
    finally:
        if not keep:
            shutil.rmtree(root, onerror=_force_remove)
    if keep:
        record["folder"] = str(root)
    return record


def _run_in(root: Path, p: Probe, fixtures: Path, master_key: Path, python: str, scale: float) -> dict:
    work, fx, keydir = root / "work", root / "fx", root / "key"
    work.mkdir()
    keydir.mkdir()
    key = keydir / "run-key"
    if not p.fresh_key and master_key.exists():
        shutil.copy2(master_key, key)
    shutil.copytree(fixtures, fx, symlinks=True)
    for name in UNREADABLE:
        if (fx / name).exists():
            (fx / name).chmod(0)

    def resolve(text: str) -> str:
        return text.replace("$FX", str(fx)).replace("$WORK", str(work))

    argv = [resolve(a) for a in p.argv]
    env = probe_env(key, token=uuid.uuid4().hex, extra={k: resolve(v) for k, v in p.env.items()})
    token = env[TOKEN_ENV]
    before = snapshot(fx)
    stdin_path = root / "stdin"
    if p.stdin is not None:
        stdin_path.write_bytes(p.stdin.encode() if isinstance(p.stdin, str) else p.stdin)
    limit = p.timeout * scale
    start = time.monotonic()
    with open(root / "stdout", "wb") as out, open(root / "stderr", "wb") as err, \
            (open(stdin_path, "rb") if p.stdin is not None else open(os.devnull, "rb")) as inp:
        proc = subprocess.Popen([python, "-m", "mathrl", *argv], cwd=work, env=env, stdin=inp, stdout=out,
                                stderr=err, start_new_session=True)
        with _LOCK:
            _LIVE[token] = proc
        timed_out = False
        try:
            code = proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            timed_out = True
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            code = proc.wait()
        except BaseException:  # the battery itself is stopping: take the probe with it
            reap(proc, token, grace=0.0)
            raise
        finally:
            with _LOCK:
                _LIVE.pop(token, None)
    seconds = time.monotonic() - start
    strays = reap(proc, token, grace=0.5 if timed_out else 3.0)
    stderr = (root / "stderr").read_bytes().decode("utf-8", "replace")
    stdout = (root / "stdout").read_bytes().decode("utf-8", "replace")
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    written = sorted(snapshot(work))
    after = snapshot(fx)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    hostile_ran = (work / MARKER).exists() or any(Path(k).name == MARKER for k in after)

    if timed_out:
        cls = "hang"
    elif code < 0:
        cls = "crash"
    elif "Traceback" in stderr:
        cls = "traceback"
    elif p.expect == "ok":
        cls = "ok" if code in (0, 1) else "wrong code"
    elif code == 0:
        cls = "false success"
    elif code == 2 and (written or changed):
        cls = "wrote on refusal"
    elif code == 2 and error_line_ok(last):
        cls = "clear error"
    else:
        cls = "wrong code"
    expected = "clear error" if p.expect == "error" else "ok"
    why = []
    if timed_out:
        why.append(f"still running after {limit:g} s")
    if code is not None and code < 0:
        try:
            why.append(f"killed by {signal.Signals(-code).name}")
        except ValueError:
            why.append(f"killed by signal {-code}")
    if p.expect == "error" and code == 2 and not error_line_ok(last):
        why.append("last stderr line is not a `mathrl ...: error: ...` line")
    if written:
        why.append(f"wrote {', '.join(written[:5])}{' ...' if len(written) > 5 else ''} in the working folder")
    if changed:
        why.append(f"changed fixtures {', '.join(changed[:5])}{' ...' if len(changed) > 5 else ''}")
    if hostile_ran:
        why.append(f"HOSTILE FIXTURE CODE RAN ({MARKER} created)")
    if strays:
        why.append(f"{len(strays)} process(es) still alive 3 s after exit (killed)")
    record = {
        "id": p.id, "argv": [short(a) for a in p.argv], "expect": p.expect, "expected_class": expected,
        "class": cls, "passed": cls == expected, "code": None if timed_out else code, "timed_out": timed_out,
        "last_stderr_line": short(last, 500), "seconds": round(seconds, 2), "timeout": limit,
        "stderr_lines": len(lines), "stdout_bytes": len(stdout.encode()), "written": written[:50],
        "fixtures_changed": changed[:50], "hostile_code_ran": hostile_ran, "stray_processes": len(strays),
        "why": "; ".join(why), "env": p.env, "stdin": None if p.stdin is None else short(repr(p.stdin), 120),
        "fresh_key": p.fresh_key, "note": p.note,
    }
    return record


def _force_remove(func, path, _exc):
    try:
        os.chmod(path, 0o700)
        func(path)
    except OSError:
        pass


def short(text: str, limit: int = 300) -> str:
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} chars)"


# -- the battery ------------------------------------------------------------------------------------------------

CLASSES = ["clear error", "traceback", "hang", "crash", "false success", "wrote on refusal", "wrong code", "ok"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run the mathrl CLI with bad, hostile and edge-case input and "
                                                 "classify each outcome (see the module docstring).")
    parser.add_argument("--jobs", type=int, default=2, help="probes run at once (default 2)")
    parser.add_argument("--out", help="write a JSON report here")
    parser.add_argument("--only", help="run only probes whose id contains this text (a comma list: any of them)")
    parser.add_argument("--list", action="store_true", help="list the probes (id, expected class, argv) and exit")
    parser.add_argument("--timeout-scale", type=float, default=1.0,
                        help="multiply every probe's time limit (a slow machine: 2)")
    parser.add_argument("--memory-limit", type=float, default=8.0, metavar="GIB",
                        help="address-space limit of every probe process, GiB (0: none; default 8)")
    parser.add_argument("--keep", action="store_true", help="keep each probe's temporary folder (printed)")
    args = parser.parse_args(argv)
    if args.jobs < 1 or not args.timeout_scale > 0 or args.memory_limit < 0:
        parser.error("--jobs must be >= 1, --timeout-scale > 0 and --memory-limit >= 0")

    wanted = [w for w in (args.only or "").split(",") if w]
    selected = [p for p in probes() if not wanted or any(w in p.id for w in wanted)]
    if args.list:
        for p in selected:
            print(f"{p.id:<50} {p.expect:<5} {shlex.join(['mathrl', *(short(a, 60) for a in p.argv)])}")
        print(f"{len(selected)} probes")
        return 0
    if not selected:
        print(f"no probe id contains {args.only!r}", file=sys.stderr)
        return 2
    python = sys.executable
    check = subprocess.run([python, "-c", "import mathrl"], capture_output=True, text=True)
    if check.returncode != 0:
        print(f"{python} cannot import mathrl: run this script with the project's interpreter "
              f"(.venv/bin/python)\n{check.stderr.strip()}", file=sys.stderr)
        return 2
    if args.memory_limit:
        try:
            import resource

            cap = int(args.memory_limit * 2**30)
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            if hard != resource.RLIM_INFINITY:
                cap = min(cap, hard)
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))  # inherited by every probe
        except (ImportError, ValueError, OSError) as exc:
            print(f"note: no memory limit ({exc})", file=sys.stderr)

    started = time.time()
    with tempfile.TemporaryDirectory(prefix="mathrl-probe-fixtures-") as tmp:
        fixtures, master_key = Path(tmp) / "fx", Path(tmp) / "key" / "run-key"
        master_key.parent.mkdir()
        runs = needed_runs(selected)
        print(f"preparing fixtures{' and runs: ' + ', '.join(sorted(runs)) if runs else ''} ...", flush=True)
        try:
            build_fixtures(fixtures, master_key, python, runs)
        except (RuntimeError, subprocess.TimeoutExpired, OSError) as exc:
            print(f"fixture set-up failed: {exc}", file=sys.stderr)
            return 2
        print(f"running {len(selected)} probes, {args.jobs} at a time", flush=True)
        lock, records, width = threading.Lock(), [], max(len(p.id) for p in selected)

        def one(p: Probe) -> dict:
            try:
                record = run_probe(p, fixtures, master_key, python, args.timeout_scale, args.keep)
            except Exception as exc:  # the battery's own failure: recorded, never silent
                record = {"id": p.id, "argv": [short(a) for a in p.argv], "expect": p.expect,
                          "expected_class": "clear error" if p.expect == "error" else "ok",
                          "class": "battery error", "passed": False, "code": None, "timed_out": False,
                          "last_stderr_line": f"{type(exc).__name__}: {exc}", "seconds": 0.0, "why": "",
                          "note": p.note}
            with lock:
                records.append(record)
                mark = "pass" if record["passed"] else "FAIL"
                code = "t/o" if record.get("timed_out") else record["code"]
                print(f"[{len(records):3d}/{len(selected)}] {mark} {record['class']:<16} {record['seconds']:6.1f}s "
                      f"rc={code!s:<4} {p.id:<{width}}"
                      + ("" if record["passed"] else f"  | {short(record['last_stderr_line'], 140)}"), flush=True)
            return record

        pool = concurrent.futures.ThreadPoolExecutor(args.jobs)
        try:
            list(pool.map(one, selected))
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            kill_all_live()
            print("\ninterrupted: running probes killed", file=sys.stderr)
            return 130
        pool.shutdown()

    order = {p.id: i for i, p in enumerate(selected)}
    records.sort(key=lambda r: order[r["id"]])
    counts = {c: sum(r["class"] == c for r in records) for c in CLASSES + ["battery error"]}
    failed = [r for r in records if not r["passed"]]
    elapsed = time.time() - started

    print("\nsummary")
    rows = [("probes tried", len(records)), ("clear errors", counts["clear error"]),
            ("tracebacks", counts["traceback"]), ("hangs", counts["hang"]), ("crashes", counts["crash"]),
            ("false successes", counts["false success"]), ("wrote on refusal", counts["wrote on refusal"]),
            ("wrong code", counts["wrong code"]), ("ok", counts["ok"])]
    if counts["battery error"]:
        rows.append(("battery errors", counts["battery error"]))
    rows += [("in expected class", len(records) - len(failed)), ("NOT in expected class", len(failed))]
    for label, value in rows:
        print(f"  {label:<22} {value:5d}")
    strays = sum(r.get("stray_processes", 0) for r in records)
    if strays:
        print(f"  {'stray processes':<22} {strays:5d}  (killed; see the report)")
    print(f"  {'wall time':<22} {elapsed:7.1f} s")
    if failed:
        print("\nnot in the expected class:")
        for r in failed:
            code = "timeout" if r.get("timed_out") else r["code"]
            print(f"- {r['id']}: {r['class']} (expected {r['expected_class']}), rc={code}")
            print(f"    argv: {shlex.join(['mathrl', *(short(a, 80) for a in r['argv'])])}")
            print(f"    last stderr: {short(r['last_stderr_line'], 300) or '(none)'}")
            if r.get("why"):
                print(f"    why: {r['why']}")
    if args.out:
        report = {"tool": "scripts/probe_cli.py", "python": python, "started": time.strftime(
                      "%Y-%m-%dT%H:%M:%S%z", time.localtime(started)), "seconds": round(elapsed, 1),
                  "jobs": args.jobs, "timeout_scale": args.timeout_scale, "memory_limit_gib": args.memory_limit,
                  "only": args.only, "summary": {label: value for label, value in rows},
                  "classes": counts, "failed": [r["id"] for r in failed], "probes": records}
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nreport: {args.out}")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
