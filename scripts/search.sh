#!/usr/bin/env bash
# The main job: refute Wagner's conjecture 2.1 at n = 19 with the default search (CEM + local search).
# Extra arguments go to `mathrl search` (e.g. --seed 3 --time-limit 600).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_venv.sh
exec .venv/bin/mathrl search --score wagner-2.1 --n 19 --out runs/wagner-2.1-n19 "$@"
