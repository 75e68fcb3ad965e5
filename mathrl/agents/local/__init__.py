"""Local search on word problems: a neighbourhood operator, steepest ascent, tabu search, and an agent."""

from .agent import LocalConfig, LocalSearch
from .climb import ClimbResult, Walk, climb, neighbours, score_neighbours

__all__ = ["ClimbResult", "LocalConfig", "LocalSearch", "Walk", "climb", "neighbours", "score_neighbours"]
