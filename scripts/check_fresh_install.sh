#!/usr/bin/env bash
# Check a fresh, non-editable install of mathrl the way a pip user does it, outside the repository.
#
# In a throwaway Python 3.11 venv it installs a CPU-only torch first, then `pip install .` from a copy of
# the repository (so no build/ or *.egg-info is left in the repository), and from an empty working dir runs
#     mathrl --version; mathrl list
#     mathrl search --score wagner-2.1 --n 19 --time-limit 60 --out run
# (the README's main command, time-limited). The search passes with exit 0 (a verified counterexample)
# or 1 (the limit was hit), and run/ must then hold a JSON (counterexample.json or best.json) and a PNG.
#
# torch first: pip users must install a CPU torch before `pip install .`, e.g.
#     pip install torch --index-url https://download.pytorch.org/whl/cpu
# because mathrl depends on torch and a bare `pip install torch` (which `pip install .` would do) pulls
# several GB of CUDA packages. As scripts/setup_venv.sh does, this asks for the "+cpu" build first (a
# local version PyPI never serves, so it only finds a wheel folder pip is configured with, never CUDA),
# else PyTorch's CPU-only index.
#
# Environment: PYTHON (default python3.11), MATHRL_TORCH_VERSION (default 2.13.0), KEEP_TMP=1 keeps the
# temp dir. The copy holds the working tree's tracked and untracked-but-not-ignored files.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-python3.11}
TORCH_VERSION=${MATHRL_TORCH_VERSION:-2.13.0}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mathrl-fresh.XXXXXX")
if [ "${KEEP_TMP:-0}" = 1 ]; then
    echo "keeping $TMP" >&2
else
    trap 'rm -rf "$TMP"' EXIT
fi

step_start=0
step() { step_start=$SECONDS; echo "== $*"; }
done_step() { echo "   $1 ($((SECONDS - step_start))s)"; }

# the copy of the repository: with git, the files git would commit (no .venv, build/, caches, runs/)
step "copy $REPO"
mkdir -p "$TMP/src"
if git -C "$REPO" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$REPO" && git ls-files -z --cached --others --exclude-standard \
        | tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -C "$TMP/src" -xf -
else
    tar -C "$REPO" --exclude=.git --exclude=.venv --exclude=build --exclude=dist --exclude='*.egg-info' \
        --exclude=__pycache__ --exclude=runs -cf - . | tar -C "$TMP/src" -xf -
fi
done_step ok

step "venv ($PY)"
"$PY" -m venv "$TMP/venv"
PIP=("$TMP/venv/bin/python" -m pip -q --disable-pip-version-check)
"$TMP/venv/bin/python" --version
done_step ok

step "pip install torch==$TORCH_VERSION (CPU)"
"${PIP[@]}" install "torch==${TORCH_VERSION}+cpu" 2>/dev/null \
    || "${PIP[@]}" install "torch==${TORCH_VERSION}" --index-url https://download.pytorch.org/whl/cpu
"$TMP/venv/bin/python" -c "from importlib.metadata import version; print('   torch', version('torch'))"
done_step ok

step "pip install . (non-editable, from the copy)"
"${PIP[@]}" install "$TMP/src"
done_step ok

export PATH="$TMP/venv/bin:$PATH"
mkdir "$TMP/work"
cd "$TMP/work"

step "mathrl --version"
mathrl --version
done_step "exit 0"

step "mathrl list"
mathrl list > list.txt
echo "   $(wc -l < list.txt) lines"
done_step "exit 0"

step "mathrl search --score wagner-2.1 --n 19 --time-limit 60 --out run"
set +e
mathrl search --score wagner-2.1 --n 19 --time-limit 60 --out run > search.out 2> search.err
rc=$?
set -e
echo "   last stdout line: $(tail -n 1 search.out)"
if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
    tail -n 30 search.err >&2
    echo "FAIL: mathrl search exited $rc (expected 0 or 1)" >&2
    exit 1
fi
done_step "exit $rc ($([ "$rc" -eq 0 ] && echo counterexample found || echo limit reached))"

step "run/ contents"
ls run
if ! { [ -f run/counterexample.json ] || [ -f run/best.json ]; }; then
    echo "FAIL: run/ has neither counterexample.json nor best.json" >&2
    exit 1
fi
if ! compgen -G "run/*.png" >/dev/null; then
    echo "FAIL: run/ has no PNG" >&2
    exit 1
fi
done_step "JSON and PNG present"
echo "fresh install OK"
