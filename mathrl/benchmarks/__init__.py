"""Benchmarks that compare strategies across a domain: ``mathrl bench buchberger``, ``mathrl bench semigroups``.

They sit above the agents and the domains (cores <- adapters <- agents <-
benchmarks <- CLI): a benchmark runs classical and agent-backed strategies
(``agent:PATH``) side by side, parses its own argv, and writes JSON and PNG
files, none of which a domain package should know about. Each module has
``main(argv) -> int`` (``mathrl.commands.bench`` dispatches to it) and a
``BenchError(ValueError)`` for bad input, reported as one ``mathrl: error:``
line with exit code 2. :mod:`.common` holds what they share: ``--json`` /
``--out`` / ``--quiet``, progress bars on stderr, and the one-thread,
one-CPU set-up of the speed measurements.

Module-level imports stay in the standard library, so a speed benchmark
limits numba, OpenMP and BLAS to one thread before numpy or numba is
first imported.
"""
