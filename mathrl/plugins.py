"""Loaders that let a lower layer use objects only a higher layer can build.

The domains never import the agents (layers point down: cores, adapters,
agents, CLI). Yet a user may hand a domain a *saved agent* — an opponent
``"agent:PATH"`` for a board game, a pair-selection strategy ``"agent:PATH"``
for Buchberger's algorithm. The domain asks this registry for a loader by
(kind, name); the agents register their loaders when their module is imported.

So that ``gymnasium.make(..., opponent="pretrained")`` works without the user
importing an agent module first, :data:`PROVIDERS` names, as strings resolved
on first use (the way Gymnasium's ``entry_point`` strings are), the module that
registers each kind. Nothing is imported until a domain asks.
"""

from __future__ import annotations

import importlib
from typing import Callable

__all__ = ["PROVIDERS", "register_loader", "get_loader", "loader_names"]

# kind -> the module whose import registers that kind's loaders
PROVIDERS: dict[str, str] = {
    "opponent": "mathrl.agents.players",
    "buchberger-strategy": "mathrl.agents.strategies",
    "semigroup-policy": "mathrl.agents.strategies",
}

_LOADERS: dict[str, dict[str, Callable]] = {}
_PROVIDED: set[str] = set()  # kinds whose provider module has been imported


def register_loader(kind: str, name: str, loader: Callable) -> None:
    """Make ``loader`` the one that builds ``name`` objects of ``kind`` (replacing any earlier one)."""
    _LOADERS.setdefault(kind, {})[name] = loader


def _provide(kind: str) -> dict[str, Callable]:
    # once per kind, whatever is registered already: a user's own loader must not hide the built-in ones
    if kind not in _PROVIDED and kind in PROVIDERS:
        importlib.import_module(PROVIDERS[kind])
        _PROVIDED.add(kind)
    return _LOADERS.get(kind, {})


def loader_names(kind: str) -> list[str]:
    """The names registered for ``kind`` (importing its provider if nothing is registered yet)."""
    return sorted(_provide(kind))


def get_loader(kind: str, name: str) -> Callable:
    """The loader registered for (``kind``, ``name``); ``LookupError`` naming the known ones if none."""
    loaders = _provide(kind)
    if name not in loaders:
        known = ", ".join(sorted(loaders)) or "none"
        raise LookupError(f"no {kind} loader named {name!r} (registered: {known})")
    return loaders[name]
