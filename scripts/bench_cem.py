"""CEM benchmark (same as `mathrl bench cem`): iterations/s at 1000 sessions, n = 19, and the
wall time to a verified conjecture 2.1 counterexample over 5 seeds with a 15-minute cap each."""

import sys

from mathrl.agents.cem.bench import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
