"""Every tutorial script under ``examples/`` runs end to end in its short mode (what docs/tutorials.md
promises a reader can follow)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = {  # script -> a line its output must contain
    "refute_conjecture.py": "counterexample verified independently",
    "spair_heuristic.py": "degree-newest",
    "semigroup_cut_policy.py": "done leaves",
    "alphazero_connect4.py": "against a random mover",
    "sb3_maskable_ppo.py": "MaskablePPO",
    "sb3_buchberger.py": "fewer additions than Degree on",
    "own_ideals.py": "ToricCurves: mean polynomial additions",
}


def test_every_example_is_listed():
    assert {p.name for p in EXAMPLES.glob("*.py")} - {"triangle_free.py"} == set(SCRIPTS)


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_example_runs_in_short_mode(script):
    if script.startswith("sb3"):
        pytest.importorskip("sb3_contrib")
    done = subprocess.run([sys.executable, str(EXAMPLES / script), "--short"], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert SCRIPTS[script] in done.stdout
