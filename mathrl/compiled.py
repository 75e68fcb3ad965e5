"""numba, the one import shim every compiled kernel uses.

Kernels are written once in plain Python over numpy arrays and decorated with
:func:`njit`. numba is a required dependency (the compiled Buchberger and
semigroup cores are about 10x the pure ones, which is what a user installing
mathrl should get), and the kernels compile on first use (cached to
``__pycache__``, each kernel's cache stamped with the files it imports from
mathrl, so a changed callee recompiles its callers: see :func:`sources_stamp`). The pure-Python and numpy paths stay as the tested reference:
``MATHRL_PURE=1`` in the environment forces them (as does a Python where numba
cannot be imported), in which case the decorator returns the function unchanged
and the callers, which check :func:`numba_available` before choosing the
compiled backend, fall back (an uncompiled kernel is correct but far too slow
to be worth calling).
"""

from __future__ import annotations

import ast
import hashlib
import os
from pathlib import Path

_numba = None
if os.environ.get("MATHRL_PURE", "") in ("", "0"):
    try:
        import numba as _numba
    except ImportError:  # pragma: no cover - a broken or missing install: the pure paths still work
        _numba = None

__all__ = ["njit", "numba_available", "sources_stamp"]

PACKAGE_ROOT = Path(__file__).resolve().parent


_IMPORTS: dict = {}


def _imported_files(path: Path, root: Path, package: str) -> list[Path]:
    """The files of the ``package`` modules that ``path`` imports (absolute or relative), each a module
    file or a package's ``__init__.py``, plus the submodules a ``from package.x import name`` names.
    Memoised on the file's modification time and size (a module defines many kernels)."""
    st = path.stat()
    key = (path, root, package, st.st_mtime_ns, st.st_size)
    found = _IMPORTS.get(key)
    if found is None:
        found = _IMPORTS[key] = _parse_imports(path, root, package)
    return found


def _parse_imports(path: Path, root: Path, package: str) -> list[Path]:
    tree = ast.parse(path.read_bytes(), filename=str(path))
    here = path.relative_to(root).with_suffix("").parts  # this module's name below the package
    found: list[Path] = []

    def add(parts: tuple) -> None:
        base = root.joinpath(*parts)
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                found.append(candidate)
                return

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == package:
                    add(tuple(parts[1:]))
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: ``here`` ends with the module's own name (``__init__`` for a package)
                parts = here[:len(here) - node.level] + tuple((node.module or "").split("."))
            elif node.module and node.module.split(".")[0] == package:
                parts = tuple(node.module.split(".")[1:])
            else:
                continue
            parts = tuple(p for p in parts if p)
            add(parts)
            for alias in node.names:
                add(parts + (alias.name,))
    return found


_STAMPS: dict = {}


def sources_stamp(path, root=PACKAGE_ROOT, package: str = "mathrl") -> bytes:
    """A hash of ``path`` and of every ``package`` module it imports, transitively.

    Why: numba's on-disk cache checks only the kernel's own file, yet a compiled kernel carries the
    code of the kernels it calls and the constants it imports from other modules. After an upgrade
    (or a checkout) that changes a callee's file alone, the caller's stale machine code would load
    and run silently with the old callee. Stamping each kernel's cache with its import closure
    recompiles it instead. Memoised on the files' modification times and sizes."""
    root = Path(root).resolve()
    start = Path(path).resolve()
    seen: dict[Path, None] = {}
    todo = [start]
    while todo:
        f = todo.pop()
        if f in seen:
            continue
        seen[f] = None
        todo.extend(_imported_files(f, root, package))
    files = sorted(seen)
    key = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    stamp = _STAMPS.get(key)
    if stamp is None:
        h = hashlib.sha256()
        for f in files:
            h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
        stamp = _STAMPS[key] = h.digest()
    return stamp


def _install_closure_stamps() -> None:
    """Put cache locators that stamp with :func:`sources_stamp` ahead of numba's own, for this package's
    files only (numba's locators stay for everything else). numba names these classes with or without
    a leading underscore depending on its version."""
    from numba.core import caching

    def find(name):
        return getattr(caching, name, None) or getattr(caching, "_" + name)

    impl = find("CacheImpl")

    class ClosureStamp:
        @classmethod
        def from_function(cls, py_func, py_file):
            try:
                Path(py_file).resolve().relative_to(PACKAGE_ROOT)
            except ValueError:
                return None
            return super().from_function(py_func, py_file)

        def get_source_stamp(self):
            return sources_stamp(self._py_file)

    ours = [type("Mathrl" + name, (ClosureStamp, find(name)), {})
            for name in ("UserProvidedCacheLocator", "InTreeCacheLocator", "UserWideCacheLocator")]
    impl._locator_classes = ours + [c for c in impl._locator_classes if not issubclass(c, ClosureStamp)]


if _numba is not None:
    _install_closure_stamps()


def numba_available() -> bool:
    """Whether compiled kernels run: numba importable and ``MATHRL_PURE`` unset (or ``0``)."""
    return _numba is not None


def njit(fn=None, **options):
    """``numba.njit(cache=True, **options)`` when numba is present, else the plain function.

    Usable bare (``@njit``) or with options (``@njit(nogil=True)``).
    """
    def wrap(f):
        if _numba is None:
            return f
        return _numba.njit(cache=True, **options)(f)

    return wrap if fn is None else wrap(fn)
