"""Tutorial: learn a cut policy for semigroup classification proofs (Simpson 2021) and compare it.

Trains AlphaZero on the proof's AND-OR tree (``mathrl train alphazero --env mathrl/SemigroupProof-v0``:
a value network for the size of a node's proof, a cut network for the size below each cut), then proves
the same instances with the learned cut network alone (no search at proof time) and with Simpson's
benchmark order, one-step lookahead and the exact minimum (``mathrl bench semigroups``). The number of
done leaves, the classification itself, is the same for every policy (checked).

``python examples/semigroup_cut_policy.py`` trains 10 minutes on all 13 instances of (a, b) = (3, 2);
``--short`` trains 5 s on two instances (what the tests run).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path


def mathrl(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "mathrl", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"mathrl {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=600.0, help="seconds of training")
    parser.add_argument("--sigma", default="0-12", help="instances of (3, 2)")
    parser.add_argument("--short", action="store_true", help="5 s on sigma 4 and 9 (what the tests run)")
    args = parser.parse_args(argv)
    if args.short:
        args.time_limit, args.sigma = 5.0, "4,9"
    first, _, last = args.sigma.partition("-")
    sigmas = list(range(int(first), int(last) + 1)) if last else [int(s) for s in args.sigma.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        print(mathrl("train", "alphazero", "--env", "mathrl/SemigroupProof-v0", "--env-kwargs",
                     json.dumps({"a": 3, "b": 2, "sigma": sigmas}), "--time-limit", str(args.time_limit),
                     "--out", str(run), "--quiet").strip())
        result = json.loads(mathrl("bench", "semigroups", "--family", "simpson", "--a", "3", "--b", "2",
                                   "--sigma", ",".join(map(str, sigmas)), "--strategies",
                                   f"benchmark,lookahead1,minimum,agent:{run}", "--json", "--quiet"))
    rows = result["strategies"]
    print(f"(3, 2), sigma {args.sigma}: proof size (cut nodes), lower is better")
    for name, row in rows.items():
        print(f"  {name.replace(str(run), 'RUN'):<14} {row['nodes']:5d} cuts, {row['done']} done leaves")
    assert len({row["done"] for row in rows.values()}) == 1, "the classification changed with the policy"
    return 0


if __name__ == "__main__":
    sys.exit(main())
