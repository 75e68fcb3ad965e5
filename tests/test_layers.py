"""The layers point down: pure cores load no RL stack, domains never import agents, ids register lazily."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mathrl"
HEAVY = ("gymnasium", "torch", "networkx", "matplotlib")

PURE_CORES = [
    "mathrl", "mathrl.core", "mathrl.checks",
    "mathrl.envs.games.tictactoe", "mathrl.envs.games.connect4", "mathrl.envs.games.othello",
    "mathrl.envs.games.hex", "mathrl.envs.games.solvers",
    "mathrl.envs.buchberger.ring", "mathrl.envs.buchberger.polynomial", "mathrl.envs.buchberger.state",
    "mathrl.envs.buchberger.groebner", "mathrl.envs.buchberger.ideals", "mathrl.envs.buchberger.binomial",
    "mathrl.envs.buchberger.returns", "mathrl.envs.buchberger.features", "mathrl.envs.buchberger.strategies",
    "mathrl.envs.semigroups.graded", "mathrl.envs.semigroups.generic", "mathrl.envs.semigroups.proof",
    "mathrl.envs.semigroups.state",
]


def _python(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.mark.parametrize("module", PURE_CORES)
def test_pure_cores_import_no_rl_stack(module):
    loaded = _python(f"import sys, {module}; print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    assert loaded == "", f"importing {module} loaded {loaded}"


@pytest.mark.parametrize("order", ["import mathrl, gymnasium", "import gymnasium, mathrl",
                                   "import mathrl.envs.games.hex, gymnasium, mathrl",
                                   # probing for gymnasium must not disarm the hook
                                   "import mathrl, importlib.util; importlib.util.find_spec('gymnasium')\n"
                                   "import gymnasium"])
def test_ids_are_registered_whichever_is_imported_first(order):
    out = _python(f"{order}\nimport gymnasium as gym\n"
                  "env = gym.make('mathrl/TicTacToe-v0'); print(env.unwrapped.game.name)")
    assert out == "tictactoe"


def _imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    """Every module a file imports, at any depth (function-level imports included), made absolute."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = ".".join(path.relative_to(root).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


# layer -> the layers above it, which it must never import
FORBIDDEN_ABOVE = {
    "mathrl.core": ("mathrl.envs", "mathrl.agents", "mathrl.benchmarks", "mathrl.commands", "mathrl.cli"),
    "mathrl.envs": ("mathrl.agents", "mathrl.benchmarks", "mathrl.commands", "mathrl.cli"),
    "mathrl.agents": ("mathrl.benchmarks", "mathrl.commands", "mathrl.cli"),
    "mathrl.benchmarks": ("mathrl.commands", "mathrl.cli"),
}


@pytest.mark.parametrize("layer", sorted(FORBIDDEN_ABOVE))
def test_no_layer_imports_a_layer_above_it(layer):
    root = PACKAGE.joinpath(*layer.split(".")[1:])
    files = [root.with_suffix(".py")] if root.with_suffix(".py").exists() else sorted(root.rglob("*.py"))
    assert files
    offenders = []
    for path in files:
        for module in _imported_modules(path):
            if any(module == above or module.startswith(above + ".") for above in FORBIDDEN_ABOVE[layer]):
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not offenders, "\n".join(offenders)


def test_the_import_scan_sees_function_level_and_relative_imports(tmp_path):
    """The checker itself: a planted upward import inside a function, written relatively, is found."""
    fake = PACKAGE / "envs" / "games" / "opponents.py"
    found = _imported_modules(fake)
    assert "mathrl.core" in found  # an absolute top-level import
    planted = tmp_path / "mathrl" / "envs" / "games" / "x.py"
    planted.parent.mkdir(parents=True)
    planted.write_text("def f():\n    from ...agents.players import load_player\n")
    assert "mathrl.agents.players" in _imported_modules(planted, tmp_path)


def test_a_domain_gets_agent_backed_objects_without_importing_the_agents():
    """opponent="pretrained" resolves through mathrl.plugins: the game never names the agents' modules."""
    out = _python("from mathrl.envs.games.opponents import make_opponent\n"
                  "from mathrl.envs.games.registry import make_game\n"
                  "import numpy as np\n"
                  "game = make_game('connect4')\n"
                  "player = make_opponent('pretrained', game)\n"
                  "print(player(game.new_initial_state(), np.random.default_rng(0)) in range(7))")
    assert out == "True"


def test_a_users_own_loader_does_not_hide_the_built_in_ones():
    out = _python("from mathrl.plugins import register_loader\n"
                  "register_loader('opponent', 'mybot', lambda spec, game: None)\n"
                  "from mathrl.plugins import loader_names\n"
                  "print(','.join(loader_names('opponent')))")
    assert out == "agent,mybot,pretrained"


def test_an_unknown_loader_is_a_lookup_error_naming_the_known_ones():
    from mathrl.plugins import get_loader, loader_names

    assert {"agent", "pretrained"} <= set(loader_names("opponent"))
    with pytest.raises(LookupError, match="registered: agent, pretrained"):
        get_loader("opponent", "telepathy")


def test_version_and_a_complete_list():
    from mathrl import __version__

    assert _python("import sys; from mathrl.cli import main; sys.exit(main(['--version']))") == f"mathrl {__version__}"
    listing = json.loads(_python("from mathrl.cli import main; main(['list', '--json'])"))
    assert {"search", "cem", "ppo", "alphazero"} <= set(listing["agents"])
    assert "pretrained:connect4" in listing["pretrained"]["alphazero"]
    assert "pretrained:buchberger" in listing["pretrained"]["ppo"]
    assert {"degree", "normal", "sugar"} <= set(listing["heuristics"]["buchberger strategies"])
    assert "minimum" in listing["heuristics"]["semigroup cut policies"]
    assert len(listing["envs"]) == 8


@pytest.mark.parametrize("agent", ["local", "nmcs"])
def test_a_local_or_nmcs_island_runs_without_torch(agent):
    """What a spawned worker does for a local-search or NMCS island: import the island runner, run a chunk.
    torch (about 2 s of every worker's start) stays unloaded; the CEM's names still load when used."""
    code = ("import sys\n"
            "from mathrl.agents.cem.islands import run_chunk\n"
            "from mathrl.agents.searchers import parse_agent\n"
            "from mathrl.scores import make\n"
            f"_, _, config = parse_agent({agent!r})\n"
            "result = run_chunk(1, None, config, make('c4-free', n=6), 3, 2, 30.0)\n"
            "print(len(result.stats), 'torch' in sys.modules)\n"
            "import mathrl.agents.cem as cem\n"
            "print(cem.Search.__name__, 'torch' in sys.modules)")
    assert _python(code).splitlines() == ["2 False", "Search True"]
