#!/usr/bin/env bash
# Create .venv (once) and install mathrl into it, with a CPU-only torch.
# A bare `pip install torch` would pull several GB of CUDA packages, so torch is
# installed first: a "+cpu" wheel if pip can find one, else PyTorch's CPU-only wheel index. Then mathrl itself (editable, numba included) with the extras the tests exercise: test, ray, sb3, docs,
# tensorboard (the trainers' logs).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${MATHRL_VENV:-.venv}
TORCH_VERSION=${MATHRL_TORCH_VERSION:-2.13.0}
if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip -q --disable-pip-version-check)
if ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
    # "+cpu" is a local version: PyPI never serves it, so this either finds a CPU wheel
    # (a wheel folder pip is configured with) or fails fast, never fetching CUDA.
    "${PIP[@]}" install "torch==${TORCH_VERSION}+cpu" 2>/dev/null \
        || "${PIP[@]}" install "torch==${TORCH_VERSION}" --index-url https://download.pytorch.org/whl/cpu
fi
stamp="$VENV/.mathrl-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    if ! "${PIP[@]}" install -e ".[test,ray,sb3,docs,tensorboard]" > "$VENV/install.log" 2>&1; then
        cat "$VENV/install.log" >&2
        echo "setup: installing mathrl failed (log above)" >&2
        exit 1
    fi
    "$VENV/bin/python" -c "import mathrl"
    touch "$stamp"
fi
