#!/usr/bin/env bash
# Check the torch-free part of mathrl on every supported Python.
#
# pyproject.toml declares Python 3.10-3.13, but the CPU torch wheels this project installs offline exist
# for one Python only, so the full suite (scripts/test.sh) runs on that one. This script covers the rest
# of the range for what does not need torch: the pure mathematical cores (graphs and scores, Buchberger,
# numerical semigroups, the board games and their solvers) and the Gymnasium envs.
#
# For each Python it creates a throwaway venv in a temp dir, installs the project's runtime dependencies
# from pyproject.toml less torch (a pip constraint makes any attempt to pull torch fail instead of
# downloading it), plus pytest, pytest-xdist and hypothesis, installs mathrl itself with --no-deps from a
# copy of the source, and runs TEST_FILES below from a copy of tests/ so that nothing is written into the
# repository. It prints one line per Python on stdout (its interpreter and wall time go to stderr):
#     python=3.X.Y passed=N failed=M
# and exits non-zero if any Python failed (or could not be set up, or none was found).
#
# Environment:
#   PYTHONS   interpreters to check, names or paths (default: python3.10 python3.11 python3.12 python3.13,
#             looked up on PATH, then under $(pyenv root)/versions/*/bin when pyenv is installed)
#   JOBS      pytest-xdist workers (default: auto)
#   KEEP_TMP  1 keeps the temp dir (venvs, copies, logs) for inspection
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
PYTHONS=${PYTHONS:-"python3.10 python3.11 python3.12 python3.13"}
JOBS=${JOBS:-auto}

# Test files that pass without torch installed. The others import torch or mathrl's torch agents at
# module level, or start CLI commands that do (search, train, bench, play), or need the repository
# tree itself (test_layers, test_examples, test_docs) or optional extras (ray, sb3, pettingzoo).
# test_encoding_and_wagner21 skips its one torch test by itself; test_alphazero_search is left out whole
# because a few of its tests (the evaluation cache, self-play) need torch.
TEST_FILES=(
    tests/test_env_conformance.py
    tests/test_graph_env.py
    tests/test_encoding_and_wagner21.py
    tests/test_scores_agx_connectivity_proximity.py
    tests/test_scores_agx_index_proximity.py
    tests/test_scores_agx_randic_independence.py
    tests/test_search_any_domain.py
    tests/test_buchberger_core.py
    tests/test_buchberger_env.py
    tests/test_buchberger_fast.py
    tests/test_buchberger_ideals.py
    tests/test_buchberger_ring.py
    tests/test_semigroups_env.py
    tests/test_semigroups_generic.py
    tests/test_semigroups_graded.py
    tests/test_semigroups_state.py
    tests/test_games_connect4.py
    tests/test_games_hex.py
    tests/test_games_othello.py
    tests/test_games_pons.py
    tests/test_games_tictactoe.py
)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mathrl-pythons.XXXXXX")
if [ "${KEEP_TMP:-0}" = 1 ]; then
    echo "keeping $TMP" >&2
else
    trap 'rm -rf "$TMP"' EXIT
fi

# one copy of the sources (package, tests, pytest config), without caches, build output or the venv
mkdir -p "$TMP/src"
tar -C "$REPO" --exclude=__pycache__ --exclude='*.egg-info' --exclude=.hypothesis --exclude=.pytest_cache \
    -cf - pyproject.toml README.md LICENSE mathrl tests | tar -C "$TMP/src" -xf -
# pip must never fetch torch here: a constraint no release satisfies makes such a resolution fail
echo "torch<0" > "$TMP/no-torch.txt"

# the path of a working interpreter for NAME (a name or a path), or nothing. pyenv shims for versions
# that are not selected exist on PATH but fail, so each candidate is run before it is used.
find_python() {
    local name=$1 cand
    cand=$(command -v "$name" 2>/dev/null || true)
    if [ -n "$cand" ] && "$cand" -c "import sys" >/dev/null 2>&1; then echo "$cand"; return; fi
    if command -v pyenv >/dev/null 2>&1; then
        local root
        root=$(pyenv root)
        # highest patch release last
        for cand in $(ls -d "$root"/versions/*/bin/"$name" 2>/dev/null | sort -V -r); do
            if "$cand" -c "import sys" >/dev/null 2>&1; then echo "$cand"; return; fi
        done
    fi
}

# the runtime dependencies from pyproject.toml's [project].dependencies, one a line, torch dropped
# (tomllib from 3.11 on; 3.10 falls back to tomli if present, else a regex on the dependencies array)
runtime_deps() {
    "$1" - "$TMP/src/pyproject.toml" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
try:
    try:
        import tomllib
    except ImportError:
        import tomli as tomllib
    deps = tomllib.loads(text)["project"]["dependencies"]
except ImportError:
    project = text.split("\n[project]", 1)[1].split("\n[", 1)[0]
    block = re.search(r"^dependencies\s*=\s*\[(.*?)^\]", project, re.S | re.M).group(1)
    block = "\n".join(line.split("#", 1)[0] for line in block.splitlines())
    deps = re.findall(r"""["']([^"']+)["']""", block)
for dep in deps:
    if not re.match(r"\s*torch\b", dep):
        print(dep.strip())
EOF
}

status=0
found=0
for name in $PYTHONS; do
    py=$(find_python "$name")
    if [ -z "$py" ]; then
        echo "warning: $name not found, skipped" >&2
        continue
    fi
    found=$((found + 1))
    version=$("$py" -c 'import platform; print(platform.python_version())')
    dir="$TMP/py$version"
    mkdir -p "$dir"
    start=$SECONDS
    venv="$dir/venv"
    pip=("$venv/bin/python" -m pip -q --disable-pip-version-check)
    if ! {
        "$py" -m venv "$venv" \
            && mapfile -t deps < <(runtime_deps "$venv/bin/python") \
            && [ "${#deps[@]}" -gt 0 ] \
            && "${pip[@]}" install -c "$TMP/no-torch.txt" "${deps[@]}" pytest pytest-xdist hypothesis \
            && cp -R "$TMP/src" "$dir/src" \
            && "${pip[@]}" install --no-deps "$dir/src" \
            && ! "$venv/bin/python" -c "import torch" 2>/dev/null
    } > "$dir/install.log" 2>&1; then
        cat "$dir/install.log" >&2
        echo "python=$version passed=0 failed=0 error=setup (log above)"
        status=1
        continue
    fi
    # run from the copy: tests/ has no __init__.py and the copy has no mathrl/ beside it once removed,
    # so `import mathrl` finds the installed package; caches and bytecode stay in the temp dir
    rm -rf "$dir/src/mathrl"
    set +e
    mkdir -p "$dir/tmp"
    (cd "$dir/src" && PATH="$venv/bin:$PATH" TMPDIR="$dir/tmp" "$venv/bin/python" -m pytest -q -p no:cacheprovider \
        -n "$JOBS" --junitxml="$dir/junit.xml" "${TEST_FILES[@]}") > "$dir/pytest.log" 2>&1
    rc=$?
    set -e
    counts=$("$venv/bin/python" - "$dir/junit.xml" <<'EOF' 2>/dev/null || echo "0 0"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
n = lambda key: sum(int(s.get(key, 0)) for s in suites)
print(n("tests") - n("failures") - n("errors") - n("skipped"), n("failures") + n("errors"))
EOF
)
    read -r passed failed <<< "$counts"
    if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ]; then
        tail -n 60 "$dir/pytest.log" >&2
        [ "$failed" -ne 0 ] || failed="0 error=pytest-exit-$rc"
        status=1
    fi
    echo "python=$version passed=$passed failed=$failed"
    echo "  ($py: $((SECONDS - start))s for venv, install and tests)" >&2
done

if [ "$found" -eq 0 ]; then
    echo "no Python found among: $PYTHONS" >&2
    exit 1
fi
exit "$status"
