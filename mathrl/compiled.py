"""numba, the one import shim every compiled kernel uses.

Kernels are written once in plain Python over numpy arrays and decorated with
:func:`njit`. numba is a required dependency (the compiled Buchberger and
semigroup cores are about 10x the pure ones, which is what a user installing
mathrl should get), and the kernels compile on first use (cached to
``__pycache__``). The pure-Python and numpy paths stay as the tested reference:
``MATHRL_PURE=1`` in the environment forces them (as does a Python where numba
cannot be imported), in which case the decorator returns the function unchanged
and the callers, which check :func:`numba_available` before choosing the
compiled backend, fall back (an uncompiled kernel is correct but far too slow
to be worth calling).
"""

from __future__ import annotations

import os

_numba = None
if os.environ.get("MATHRL_PURE", "") in ("", "0"):
    try:
        import numba as _numba
    except ImportError:  # pragma: no cover - a broken or missing install: the pure paths still work
        _numba = None

__all__ = ["njit", "numba_available"]


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
