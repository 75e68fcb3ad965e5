"""``mathrl bench WHAT``: the benchmarks, each a module with its own ``main(argv)``.

Speed and quality targets live here, never in timed unit tests: every
benchmark prints medians with the CPU model and core count, and writes JSON
(and a PNG where a curve says more) that a person can open.
"""

from __future__ import annotations

from .common import dispatch

# benchmark -> (module with main(argv), the module's input-error class reported as a usage error)
BENCHES = {"cem": ("mathrl.agents.cem.bench", "BenchError"),
           "search": ("mathrl.agents.suite", "BenchError"),
           "buchberger": ("mathrl.benchmarks.buchberger", "BenchError"),
           "semigroups": ("mathrl.benchmarks.semigroups", "BenchError"),
           "games": ("mathrl.agents.alphazero.bench", "BenchError"),
           "ppo": ("mathrl.benchmarks.ppo", "BenchError")}


def main(argv: list[str] | None = None) -> int:
    return dispatch("mathrl bench", BENCHES, argv, "benchmark")
