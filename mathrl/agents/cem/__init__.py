"""The deep cross-entropy method (Wagner 2021) for fixed-horizon binary-word envs."""

from .cem import CrossEntropyMethod, IterationStats, build_network, select
from .config import PRESETS, CEMConfig, preset
from .search import Search, SearchResult

__all__ = ["CEMConfig", "CrossEntropyMethod", "IterationStats", "PRESETS", "Search", "SearchResult",
           "build_network", "preset", "select"]
