"""Counterexamples per core-minute of one CEM island on conjecture 2.1 (same as `mathrl bench cem hit-rate`).

    python scripts/cem_hit_rate.py --sessions 400 --seed 1 --seconds 240
"""

import sys

from mathrl.agents.cem.bench import hit_rate_main

if __name__ == "__main__":
    sys.exit(hit_rate_main(sys.argv[1:]))
