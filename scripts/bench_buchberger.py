"""Buchberger benchmarks (same as `mathrl bench buchberger`): strategies on the same ideals, `baselines` on the
paper's five distributions, `speed` for random-policy episodes/s on one core (see its --help)."""

import sys

from mathrl.benchmarks.buchberger import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
