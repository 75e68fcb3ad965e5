"""numba's on-disk cache of mathrl's kernels is stamped with each kernel file's import closure.

numba checks only a kernel's own file before it loads cached machine code, but a compiled kernel
carries inlined copies of the kernels it calls. A change to a callee's file alone (an upgrade, a
checkout) must therefore recompile its callers, or they run the old callee silently.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mathrl import compiled

pytestmark = pytest.mark.skipif(not compiled.numba_available(), reason="numba switched off")


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "pkg"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "sub" / "__init__.py").write_text("from . import helpers\n")
    (root / "sub" / "helpers.py").write_text("K = 1\n")
    (root / "sub" / "callee.py").write_text("from pkg.sub.helpers import K\n")
    (root / "sub" / "caller.py").write_text("import os\nfrom pkg.sub.callee import K\nfrom .other import J\n")
    (root / "sub" / "other.py").write_text("J = 2\n")
    (root / "unrelated.py").write_text("U = 3\n")
    return root


def test_stamp_follows_the_import_closure(tmp_path):
    root = _tree(tmp_path)
    caller = root / "sub" / "caller.py"

    def stamp():
        return compiled.sources_stamp(caller, root=root, package="pkg")

    first = stamp()
    assert stamp() == first  # deterministic
    (root / "unrelated.py").write_text("U = 4\n")
    assert stamp() == first  # a file outside the closure changes nothing
    (root / "sub" / "helpers.py").write_text("K = 2  # changed\n")  # two imports away
    second = stamp()
    assert second != first
    (root / "sub" / "other.py").write_text("J = 3\n")  # a relative import
    assert stamp() != second


def test_package_kernels_use_closure_stamped_locators():
    from mathrl.envs.buchberger import binomial_kernels, vector_kernels

    locator = vector_kernels.step_batch._cache._impl.locator
    assert type(locator).__name__.startswith("Mathrl")
    vk = Path(vector_kernels.__file__)
    assert locator.get_source_stamp() == compiled.sources_stamp(vk)
    # the closure holds the callee's file: its stamp is not the caller's file alone
    assert compiled.sources_stamp(vk) != compiled.sources_stamp(Path(binomial_kernels.__file__))
    closure = {p.name for p in compiled._imported_files(vk, compiled.PACKAGE_ROOT, "mathrl")}
    assert "binomial_kernels.py" in closure


def test_a_changed_callee_recompiles_its_caller(tmp_path):
    """End to end, in fresh processes: a caller cached with one callee, then the callee's file edited
    alone, must return the new callee's result (numba's own stamp would reload the stale caller)."""
    pkg = tmp_path / "mathrl" / "demo"
    pkg.mkdir(parents=True)
    (tmp_path / "mathrl" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "callee.py").write_text(textwrap.dedent("""
        from mathrl.compiled import njit

        @njit
        def f(x):
            return x + 1
    """))
    (pkg / "caller.py").write_text(textwrap.dedent("""
        from mathrl.compiled import njit
        from mathrl.demo.callee import f

        @njit
        def g(x):
            return f(x) * 10
    """))
    # the demo package lives outside mathrl's own folder: point the stamps at its root, and let
    # ``mathrl.demo`` import from there
    code = textwrap.dedent(f"""
        from pathlib import Path
        import mathrl
        import mathrl.compiled as c
        root = Path({str(tmp_path / 'mathrl')!r})
        c.PACKAGE_ROOT = root
        real = c.sources_stamp
        c.sources_stamp = lambda path, root=root, package="mathrl": real(path, root, package)
        mathrl.__path__.append(str(root))
        from mathrl.demo.caller import g
        print(g(1))
    """)
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("MATHRL_PURE", None)

    def run():
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
        assert out.returncode == 0, out.stderr
        return int(out.stdout.split()[-1])

    assert run() == 20
    assert any((tmp_path / "cache").rglob("*.nbi"))  # cached
    (pkg / "callee.py").write_text((pkg / "callee.py").read_text().replace("x + 1", "x + 2"))
    assert run() == 30
