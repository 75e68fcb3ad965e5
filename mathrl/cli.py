"""The ``mathrl`` command: dispatches ``mathrl COMMAND ARGS…`` to ``mathrl.commands.COMMAND.main(ARGS)``.

Exit codes: 0 success (a verified counterexample for ``search``), 1 a limit
was hit without one, 2 bad input (unknown names, broken score plug-ins), 3 a
claimed counterexample failed verification, 130 interrupted (a checkpoint is
kept and ``--resume DIR`` continues).
"""

from __future__ import annotations

import importlib
import sys

from mathrl.commands import COMMANDS
from mathrl.commands.common import EXIT_USAGE, UsageError, run

__all__ = ["main", "UsageError", "EXIT_USAGE"]


def _usage() -> str:
    width = max(map(len, COMMANDS))
    lines = [f"usage: mathrl {{{','.join(COMMANDS)}}} ...", "",
             "Gymnasium environments for mathematical search, and agents that learn to search them.", "",
             "commands:"]
    lines += [f"  {name:<{width}}  {help_}" for name, (_, help_) in COMMANDS.items()]
    lines += ["", "mathrl COMMAND --help shows a command's options; mathrl --version the version."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in ("-V", "--version"):
        from mathrl import __version__

        print(f"mathrl {__version__}")
        return 0
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage(), file=sys.stdout if argv else sys.stderr)
        if not argv:
            print(f"mathrl: error: name a command: {', '.join(COMMANDS)}", file=sys.stderr)
        return 0 if argv else EXIT_USAGE
    if argv[0] not in COMMANDS:
        print(_usage(), file=sys.stderr)
        print(f"mathrl: error: unknown command {argv[0]!r}; choose one of {', '.join(COMMANDS)}", file=sys.stderr)
        return EXIT_USAGE
    module = importlib.import_module(COMMANDS[argv[0]][0])
    return run(module.main, argv[1:])


if __name__ == "__main__":
    sys.exit(main())
