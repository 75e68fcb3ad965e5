#!/usr/bin/env bash
# The main job: refute Wagner's conjecture 2.1 at n = 19 with the default search (tabu search with restarts).
# Extra arguments go to `mathrl search` (e.g. --seed 3 --time-limit 600). Run it again after Ctrl-C, a kill
# or a crash and it continues the run in runs/wagner-2.1-n19 from its last checkpoint (delete the folder
# to start over).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_venv.sh
out=runs/wagner-2.1-n19
case " $* " in
    *" --resume "* | *" --resume="* | *" --out "* | *" --out="*) ;;  # the caller chose the folder
    *)
        if [[ -f "$out/run.json" ]]; then
            echo "search.sh: continuing the search in $out (delete it to start over)" >&2
            exec .venv/bin/mathrl search --resume "$out" "$@"
        fi ;;
esac
exec .venv/bin/mathrl search --score wagner-2.1 --n 19 --out "$out" "$@"
