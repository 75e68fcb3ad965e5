"""Tutorial: refute your own conjecture with a plug-in score (``mathrl search``).

Run ``python examples/refute_conjecture.py`` (add ``--short`` for the quick check the tests run). It
searches for a counterexample to the statement in ``examples/triangle_free.py`` with the default agent
(tabu search restarted from random graphs) and prints the graph it found, then checks it
independently with networkx: no triangle, more edges than the statement allows.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import networkx as nx

HERE = Path(__file__).resolve().parent


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=12, help="vertices")
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--short", action="store_true", help="n = 8, 300 s at most (what the tests run; it "
                                                                "takes about 10 s)")
    args = parser.parse_args(argv)
    if args.short:
        args.n, args.time_limit = 8, 300.0
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        done = subprocess.run([sys.executable, "-m", "mathrl", "search", "--score",
                               f"{HERE / 'triangle_free.py'}:edges_beyond_claim", "--n", str(args.n),
                               "--time-limit", str(args.time_limit), "--out", str(out), "--quiet"],
                              capture_output=True, text=True)
        print(done.stdout.strip())
        if done.returncode != 0:
            print(done.stderr.strip(), file=sys.stderr)
            return done.returncode
        record = json.loads((out / "counterexample.json").read_text())
    g = nx.Graph()
    g.add_nodes_from(range(record["n"]))
    g.add_edges_from(map(tuple, record["edges"]))
    claim = args.n * args.n / 4 - 3
    print(f"{g.number_of_edges()} edges, {sum(nx.triangles(g).values()) // 3} triangles, claim <= {claim:g} edges")
    assert sum(nx.triangles(g).values()) == 0 and g.number_of_edges() > claim, "not a counterexample"
    print("counterexample verified independently")
    return 0


if __name__ == "__main__":
    sys.exit(main())
