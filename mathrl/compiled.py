"""numba as an optional accelerator: the one import shim every compiled kernel uses.

Kernels are written once in plain Python over numpy arrays and decorated with
:func:`njit`. With numba installed they compile (and cache to ``__pycache__``);
without it the decorator returns the function unchanged, so every module still
imports and the callers fall back to their pure-Python paths (which check
:func:`numba_available` before choosing the compiled backend, since an
uncompiled kernel is correct but far too slow to be worth calling).
"""

from __future__ import annotations

try:  # numba is an optional accelerator
    import numba as _numba
except ImportError:  # pragma: no cover - exercised only without numba
    _numba = None

__all__ = ["njit", "numba_available"]


def numba_available() -> bool:
    """Whether compiled kernels can run (numba importable)."""
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
