"""``mathrl enumerate``: count semigroups (labelled, up to isomorphism, up to iso- or anti-isomorphism).

Orders known to be out of reach (all semigroups above order 5, nilpotent ones
above order 6: :data:`mathrl.envs.semigroups.families.IN_REACH`) are refused
with exit code 2 unless ``--force``; a progress bar on stderr counts the cuts.
"""

from __future__ import annotations

import argparse

from .common import UsageError, print_json


def build_parser() -> argparse.ArgumentParser:
    from mathrl.envs.semigroups.families import IN_REACH

    p = argparse.ArgumentParser(prog="mathrl enumerate", description="count semigroups: labelled, up to iso, up to iso or anti-iso")
    p.add_argument("what", help="semigroups")
    p.add_argument("--n", type=int, default=None, help="order (>= 1)")
    p.add_argument("--nilpotent", action="store_true", help="nilpotent semigroups only")
    p.add_argument("--degree", type=int, default=None, help="nilpotency degree (with --nilpotent)")
    p.add_argument("--force", action="store_true",
                   help=f"run orders known to be out of reach (above {IN_REACH['all']}, or {IN_REACH['nilpotent']} "
                        "with --nilpotent: minutes to years, and memory for every table)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.what != "semigroups":
        raise UsageError(f"unknown enumeration {args.what!r}; available: semigroups")
    if args.n is None or args.n < 1:
        raise UsageError("--n must be an integer >= 1")
    if args.degree is not None and (args.degree < 1 or not args.nilpotent):
        raise UsageError("--degree needs --nilpotent and must be >= 1")
    from mathrl.envs.semigroups.families import check_in_reach
    from mathrl.envs.semigroups.enumeration import enumerate_semigroups

    try:
        check_in_reach("nilpotent" if args.nilpotent else "all", args.n, args.force, how="--force")
        result = enumerate_semigroups(args.n, nilpotent=args.nilpotent, degree=args.degree,
                                      progress=not args.quiet and not args.json, force=args.force)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if args.json:
        print_json(result)
        return 0
    kind = "nilpotent semigroups" + (f" of degree {args.degree}" if args.degree else "") if args.nilpotent \
        else "semigroups"
    print(f"{kind} of order {args.n}: {result['labeled']} labelled, {result['iso']} up to isomorphism, "
          f"{result['iso_anti']} up to isomorphism or anti-isomorphism ({result.get('seconds', 0):.1f} s)")
    return 0
