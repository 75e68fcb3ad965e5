"""The deep cross-entropy method (Wagner 2021) for fixed-horizon binary-word envs.

The names below load on first use (PEP 562): a worker process that runs a
local-search or NMCS island imports :mod:`mathrl.agents.cem.islands` and the
configs without torch, whose import costs about 2 s of every worker's start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what type checkers and editors see; at run time the names load in __getattr__
    from .cem import CrossEntropyMethod, IterationStats, build_network, select
    from .config import PRESETS, CEMConfig, preset
    from .search import Search, SearchResult

_EXPORTS = {"CrossEntropyMethod": ".cem", "IterationStats": ".cem", "build_network": ".cem", "select": ".cem",
            "PRESETS": ".config", "CEMConfig": ".config", "preset": ".config",
            "Search": ".search", "SearchResult": ".search"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
