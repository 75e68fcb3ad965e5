#!/usr/bin/env bash
# Run the test suite (slow training checks are deselected; add `-m slow` to run them).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_venv.sh
exec .venv/bin/python -m pytest -q -n 2 "$@"
