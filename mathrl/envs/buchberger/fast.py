"""Compatibility name of the compiled binomial backend.

The backend was split in two: the numba kernels in
:mod:`~mathrl.envs.buchberger.binomial_kernels` and the state wrapper in
:mod:`~mathrl.envs.buchberger.binomial`. This module keeps
``from mathrl.envs.buchberger.fast import BinomialState`` (and the other
public names) working.
"""

from mathrl.envs.buchberger.binomial import BUILTIN_STRATEGIES, BinomialState, numba_available
from mathrl.envs.buchberger.binomial_kernels import GREVLEX, GRLEX, LEX

__all__ = ["BinomialState", "BUILTIN_STRATEGIES", "numba_available", "GREVLEX", "GRLEX", "LEX"]
