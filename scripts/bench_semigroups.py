"""Semigroup benchmarks (same as `mathrl bench semigroups`): proof sizes of the cut policies, and `speed` for
the benchmark-order proofs' wall time against Simpson's published times (see its --help)."""

import sys

from mathrl.benchmarks.semigroups import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
