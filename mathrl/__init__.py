"""mathrl: Gymnasium environments for mathematical search, and agents that learn to search them.

Importing the package is cheap on purpose: the pure mathematical cores
(``mathrl.envs.<domain>``) load neither gymnasium nor torch, so a user who only
wants, say, a Gröbner basis or a semigroup count pays for numpy alone.

The ``mathrl/…`` environment ids are registered with Gymnasium as soon as both
``mathrl`` and ``gymnasium`` are imported, in either order, so
``import mathrl; gymnasium.make("mathrl/Hex-v0")`` works without this package
importing gymnasium itself (see :mod:`mathrl.envs.registration`).
"""

from mathrl.envs.registration import register_when_gymnasium_loads

__version__ = "0.1.0"

__all__ = ["batched", "__version__"]

register_when_gymnasium_loads()


def __getattr__(name: str):
    # ``@mathrl.batched`` marks a user score function; the score machinery (networkx,
    # sympy) is imported only when a user actually reaches for it.
    if name == "batched":
        from mathrl.envs.graphs.scores.plugin import batched

        return batched
    raise AttributeError(f"module 'mathrl' has no attribute {name!r}")
