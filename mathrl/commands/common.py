"""What every ``mathrl`` subcommand shares: one-line usage errors, exit codes, delegation to a module's ``main``.

Each subcommand is a module of :mod:`mathrl.commands` with ``main(argv) -> int``
(``mathrl.cli`` only dispatches), so a command can be read, tested and run on
its own. Bad input raises :class:`UsageError` anywhere below ``main``; the
dispatcher prints it as one line, ``mathrl: error: …``, and exits 2 before
anything is written.
"""

from __future__ import annotations

import importlib
import json
import sys

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit code 2."""


def delegate(module_name: str, error_name: str | None, argv: list[str], func: str = "main") -> int:
    """Run ``module.func(argv)``, turning the module's own input errors into one-line usage errors."""
    module = importlib.import_module(module_name)
    error = getattr(module, error_name) if error_name else ()
    try:
        return getattr(module, func)(argv)
    except error as exc:
        raise UsageError(str(exc)) from exc


def dispatch(prog: str, table: dict[str, tuple], argv: list[str] | None, what: str) -> int:
    """``prog NAME ARGS…`` -> ``delegate(*table[NAME], ARGS)``; a usage line for ``--help`` or nothing."""
    argv = list(argv or [])
    if not argv or argv[0] in ("-h", "--help"):
        print(f"usage: {prog} {{{','.join(table)}}} [--help | ARGS...]", file=sys.stdout if argv else sys.stderr)
        if not argv:
            print(f"{prog}: error: name a{'n' if what[0] in 'aeiou' else ''} {what}: {', '.join(table)}",
                  file=sys.stderr)
        return 0 if argv else EXIT_USAGE
    name, rest = argv[0], argv[1:]
    if name not in table:
        raise UsageError(f"unknown {what} {name!r}; available: {', '.join(table)}")
    module, error, *func = table[name]  # (module, error class name[, entry point, default "main"])
    return delegate(module, error, rest, *func)


def print_json(data) -> None:
    """Machine-readable output (``--json``): indented JSON on stdout, nothing else."""
    print(json.dumps(data, indent=2))


def run(func, argv: list[str]) -> int:
    """Call ``func(argv)`` and map usage errors and Ctrl-C to their exit codes and one-line messages."""
    try:
        return func(argv)
    except UsageError as exc:
        print(f"mathrl: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\ninterrupted; a checkpoint was saved if the command keeps one (a search or a training: "
              "continue with --resume DIR)", file=sys.stderr)
        return EXIT_INTERRUPTED
