"""``mathrl groebner``: the reduced Gröbner basis of an ideal, and what computing it cost.

Exit codes: 0 the basis; 1 ``--timeout`` reached (one line on stderr, nothing on
stdout); 2 bad input (a polynomial that does not parse, a degree above
:data:`~mathrl.envs.buchberger.parsing.MAX_DEGREE`, an unknown field, order or
strategy, a ``--vars`` that is empty or misses a variable of the polynomials),
refused before anything runs; 130 Ctrl-C.

``--vars ''`` is an error rather than "no order given": an empty value is almost
always a shell variable that was not set, and silently falling back to the
default order would print a basis for an order the user did not ask for.
"""

from __future__ import annotations

import argparse
import math
import re
import signal
import sys
import threading
import time

from .common import EXIT_INTERRUPTED, UsageError, print_json

EXIT_LIMIT = 1


class _TimeLimit(BaseException):
    """Raised in the main thread by the SIGALRM handler of ``--timeout``. A ``BaseException``, like
    ``KeyboardInterrupt``, so that no ``except Exception`` on the way (the parser's, sympy's) can turn the
    time limit into a "cannot parse" error when it falls while the input is still being read."""


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds > 0, got {text!r}")
    return value


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")  # what the polynomial parser reads as a variable


def parse_vars(text: str | None) -> list[str] | None:
    """``--vars`` -> variable names (None when not given); commas and/or spaces separate them.

    UsageError for an empty value, an empty name (a stray comma) or a name the polynomial parser could
    never read as a variable (it would only be an unused variable, hiding a typo)."""
    from mathrl.envs.buchberger.parsing import NON_FINITE

    if text is None:
        return None
    if not text.strip():
        raise UsageError(f"--vars is empty ({text!r}): give the variable order, e.g. --vars x,y,z, or leave "
                         "--vars out for the default order")
    names = re.split(r"\s*,\s*|\s+", text.strip())
    for name in names:
        if not name:
            raise UsageError(f"--vars {text!r}: an empty variable name (stray comma?)")
        if not _NAME.match(name) or name.lower() in NON_FINITE:
            raise UsageError(f"--vars {text!r}: {name!r} is not a variable name (ASCII letters, digits and _, "
                             f"not starting with a digit, and none of {', '.join(sorted(NON_FINITE))})")
    return names


def _basis_strings(basis) -> list[str]:
    """The basis as text. Over QQ a coefficient can exceed Python's 4300-digit limit on int -> str (``2^15000*x
    - y`` has one of 4516 digits, which raised ValueError here): the limit is lifted while printing, and
    restored after, since the answer has to be printed whole."""
    get_limit = getattr(sys, "get_int_max_str_digits", None)
    if get_limit is None:  # Python < 3.11: no limit
        return [g.to_str() for g in basis]
    limit = get_limit()
    sys.set_int_max_str_digits(0)
    try:
        return [g.to_str() for g in basis]
    finally:
        sys.set_int_max_str_digits(limit)


def build_parser() -> argparse.ArgumentParser:
    from mathrl.envs.buchberger.parsing import MAX_DEGREE, MAX_TERMS

    p = argparse.ArgumentParser(
        prog="mathrl groebner", description="reduced Groebner basis of an ideal and the cost of computing it",
        epilog=f"Exit codes: 0 done; 1 --timeout reached (a one-line message on stderr); 2 bad input, refused "
               f"before computing (a generator of total degree above {MAX_DEGREE} or expanding to more than "
               f"{MAX_TERMS} terms is refused while parsing).")
    p.add_argument("polynomials", help='comma-separated polynomials, e.g. "x*y - 1, x^2 - y"')
    p.add_argument("--vars", default=None,
                   help="variable order, e.g. x,y,z; it must name every variable of the polynomials (default: "
                        "sorted free symbols)")
    p.add_argument("--order", default="grevlex", choices=["grevlex", "grlex", "lex"])
    p.add_argument("--modulus", default="32003", help="a prime p for GF(p), or QQ for the rationals")
    p.add_argument("--strategy", default=None,
                   help="pair selection strategy: first, degree, normal, sugar, ... (default: degree; normal for "
                        "lex, where degree can take a very long time)")
    p.add_argument("--elimination", default="gebauermoeller", choices=["gebauermoeller", "lcm", "none"])
    p.add_argument("--seed", type=int, default=None, help="seed for the random strategy")
    p.add_argument("--timeout", type=_seconds, default=None, metavar="SECONDS",
                   help="stop after this many seconds of wall time, parsing included, with exit code 1 "
                        "(default: no limit; Ctrl-C also stops)")
    p.add_argument("--json", action="store_true")
    return p


def _start_timer(seconds: float | None):
    """Arm SIGALRM for ``seconds``; returns the previous handler (None when no timer was set)."""
    if seconds is None:
        return None
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        raise UsageError("--timeout needs SIGALRM (POSIX) and the main thread")

    def expire(signum, frame):
        raise _TimeLimit

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    return previous


def _stop_timer(previous) -> None:
    if previous is not None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from mathrl.envs.buchberger import buchberger
    from mathrl.envs.buchberger.ring import check_field

    gens = parse_vars(args.vars)
    if args.strategy is None:  # degree is the best classical choice for graded orders; under lex it can
        args.strategy = "normal" if args.order == "lex" else "degree"  # take very long (as sympy, use normal)
    t0 = time.perf_counter()
    previous = _start_timer(args.timeout)
    try:
        try:
            field = check_field(args.modulus)
            basis, stats = buchberger(args.polynomials, strategy=args.strategy, elimination=args.elimination,
                                      gens=gens, field="QQ" if field is None else field, order=args.order,
                                      seed=args.seed)
        finally:
            _stop_timer(previous)
    except KeyboardInterrupt:
        print("\nmathrl groebner: interrupted (no basis)", file=sys.stderr)
        return EXIT_INTERRUPTED
    except _TimeLimit:
        print(f"mathrl groebner: time limit reached: no basis within --timeout {args.timeout:g} s "
              f"(stopped after {time.perf_counter() - t0:.1f} s)", file=sys.stderr)
        return EXIT_LIMIT
    except (ValueError, ZeroDivisionError) as exc:
        raise UsageError(str(exc) or f"cannot compute with this input ({type(exc).__name__})") from exc
    except (MemoryError, RecursionError) as exc:
        raise UsageError(f"the input is too large to compute with ({type(exc).__name__}); "
                         "try fewer or smaller generators") from exc
    ring = basis[0].ring if basis else None
    strings = _basis_strings(basis)
    result = {"basis": strings, "additions": stats["polynomial_additions"], "pairs": stats["pairs_processed"],
              "zero_reductions": stats["zero_reductions"], "nonzero_reductions": stats["nonzero_reductions"],
              "monomial_additions": stats["monomial_additions"],
              "variables": list(ring.names) if ring else gens, "order": args.order,
              "field": ring.field_name if ring else args.modulus, "strategy": args.strategy,
              "elimination": args.elimination}
    if args.json:
        print_json(result)
        return 0
    print(f"reduced Groebner basis ({len(strings)} elements, {result['field']}, {args.order}, "
          f"variables {', '.join(result['variables'])}):")
    for g in strings:
        print(f"  {g}")
    print(f"cost: {result['additions']} polynomial additions, {result['pairs']} pairs processed, "
          f"{result['zero_reductions']} zero reductions ({args.strategy}, {args.elimination})")
    return 0
