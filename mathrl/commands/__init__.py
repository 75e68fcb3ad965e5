"""The ``mathrl`` subcommands: one module each, each with ``main(argv) -> int``.

:mod:`mathrl.cli` only dispatches to these; :mod:`.common` holds the shared
error handling (one-line ``mathrl: error: …`` messages, exit code 2) and JSON output.
"""

# subcommand -> (module, one-line help)
COMMANDS = {
    "list": ("mathrl.commands.list", "list environments, built-in scores and agents"),
    "search": ("mathrl.commands.search",
               "search for a counterexample (hybrid CEM + local search, CEM, local search, NMCS)"),
    "groebner": ("mathrl.commands.groebner", "reduced Groebner basis of an ideal and the cost of computing it"),
    "enumerate": ("mathrl.commands.enumerate", "count semigroups: labelled, up to iso, up to iso or anti-iso"),
    "bench": ("mathrl.commands.bench", "benchmarks (mathrl bench cem|search|buchberger|semigroups|games|ppo --help)"),
    "train": ("mathrl.commands.train", "train an agent (mathrl train alphazero|ppo --help)"),
    "play": ("mathrl.commands.play", "play a board game against an agent (mathrl play GAME --help)"),
}
