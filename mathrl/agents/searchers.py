"""The word-search agents behind ``mathrl search`` and ``mathrl bench search``, by name.

Every agent searches fixed-length words for a high score through the same
small interface, so one runner (islands, checkpoints, verification) serves all:
``step() -> stats dict``, ``best_word``, ``best_score``, ``iteration``,
``evaluations`` (score calls so far), ``state_dict()`` / ``load_state_dict()``,
and the attributes ``goal`` and ``deadline`` that the runner sets.

Words are 0-1 unless the score's ``alphabet`` says k > 2 letters: then CEM and the
hybrid sample through the categorical CEM (a softmax head), local search and NMCS
change single letters, and ``alphabet`` is refused by ``alphazero``.

Agent names on the command line:

- ``cem``: the cross-entropy method, default preset; ``cem:wagner`` the faithful one;
- ``hybrid``: CEM whose best pool words are improved by local search (PatternBoost's loop);
- ``local``: restarted tabu search;
- ``nmcs``: nested Monte Carlo search at level 2; ``nmcs:L`` at level L;
  ``nmcs:L:polish`` with steepest ascent on each top-level result;
- ``alphazero``: PUCT search with a policy-value network learned as it searches
  (:mod:`~mathrl.agents.alphazero.word_search`); ``alphazero:RUN`` starts from the
  weights of a ``mathrl train alphazero --env`` run on a word env of the same length.
"""

from __future__ import annotations

import math
from pathlib import Path

from .cem.config import CEMConfig
from .cem.config import preset as cem_preset
from .goal import Goal
from .local.agent import LocalConfig
from .nmcs.nmcs import NMCSConfig

AGENT_NAMES = ("cem", "hybrid", "local", "nmcs", "alphazero")


def _alphazero_config():
    from .alphazero.word_search import AlphaZeroSearchConfig  # torch-free callers never import it

    return AlphaZeroSearchConfig


def config_type(kind: str) -> type:
    """The config class of agent kind ``kind`` (as run files name it); KeyError for an unknown kind."""
    if kind == "alphazero":
        return _alphazero_config()
    return {"cem": CEMConfig, "local": LocalConfig, "nmcs": NMCSConfig}[kind]


class AgentSpecError(ValueError):
    """An agent name the runner does not know."""


def parse_agent(spec: str, preset_name: str | None = None) -> tuple[str, str, object]:
    """``"nmcs:3"`` -> (kind, label, config). ``preset_name`` picks a CEM preset for ``cem``."""
    parts = spec.strip().split(":")
    name, options = parts[0], parts[1:]
    try:
        if name in ("cem", "hybrid"):
            chosen = "hybrid" if name == "hybrid" else (options[0] if options else preset_name or "default")
            if name == "hybrid" and options or len(options) > 1:
                raise AgentSpecError(f"agent {spec!r}: too many options")
            return "cem", "hybrid" if chosen == "hybrid" else f"cem:{chosen}", cem_preset(chosen)
        if name == "local":
            if options:
                raise AgentSpecError(f"agent {spec!r}: local takes no options")
            return "local", "local", LocalConfig()
        if name == "nmcs":
            level = int(options[0]) if options else 2
            polish = options[1:] == ["polish"]
            if len(options) > 2 or (len(options) == 2 and not polish) or not 1 <= level <= 4:
                raise AgentSpecError(f"agent {spec!r}: expected nmcs[:LEVEL 1-4[:polish]]")
            config = NMCSConfig(level=level, polish_steps=100 if polish else 0)
            return "nmcs", spec, config
        if name == "alphazero":
            init = ":".join(options)
            if init and not (Path(init).is_file() or (Path(init) / "agent.pt").is_file()):
                raise AgentSpecError(f"agent {spec!r}: no agent file at {init} (a run folder or agent.pt of "
                                     "`mathrl train alphazero --env` on a word env)")
            if not init:
                return "alphazero", spec, _alphazero_config()()
            from .alphazero.word_search import _init_source

            init = str(Path(init).resolve())  # a search resumed from another folder still names it
            try:
                weights, layers, value_scale = _init_source(init, None)
            except ValueError as exc:
                raise AgentSpecError(str(exc)) from None
            return "alphazero", spec, _alphazero_config()(init=init, layers=layers, value_scale=value_scale)
    except AgentSpecError:
        raise
    except ValueError as exc:
        raise AgentSpecError(f"agent {spec!r}: {exc}") from exc
    raise AgentSpecError(f"unknown agent {spec!r}; agents: cem[:PRESET], hybrid, local, nmcs[:LEVEL[:polish]], "
                         "alphazero[:RUN]")


def kind_of(config) -> str:
    """The agent kind a config belongs to (each config class names its own ``agent_kind``)."""
    kind = getattr(type(config), "agent_kind", None)
    if kind is None:
        raise TypeError(f"not an agent config: {config!r}")
    return kind


def config_from_dict(kind: str, data: dict):
    return config_type(kind).from_dict(data)


def check_agent(score, config) -> None:
    """ValueError, one line, for an agent that cannot search this score: ``alphazero`` on words of more
    than two letters, ``alphazero:RUN`` whose network was trained on words of another length. Run before
    anything is written."""
    alphabet = getattr(score, "alphabet", 2)
    if kind_of(config) == "alphazero" and alphabet != 2:
        raise ValueError(f"the alphazero agent builds 0-1 words; words over {alphabet} letters need cem, hybrid, "
                         "local or nmcs")
    if kind_of(config) == "alphazero" and config.init:
        from .alphazero.word_search import _init_source

        _init_source(config.init, 2 * score.word_length)


def build_searcher(score, config, seed: int, goal: Goal):
    """A fresh searcher of the config's kind for ``score`` (CEM samples through the batched env)."""
    kind = kind_of(config)
    if kind == "cem" and getattr(score, "alphabet", 2) > 2:
        from .cem.categorical import CategoricalCEM

        agent = CategoricalCEM(score, config, seed)
        agent.goal = goal.threshold
        return agent
    if kind == "cem":
        from .cem.cem import CrossEntropyMethod
        from .cem.islands import env_for

        agent = CrossEntropyMethod(env_for(score, config.n_sessions), config, seed)
        agent.goal = goal.threshold
        return agent
    if kind == "local":
        from .local.agent import LocalSearch

        return LocalSearch(score, config, seed, goal)
    if kind == "alphazero":
        from .alphazero.word_search import AlphaZeroWordSearch

        return AlphaZeroWordSearch(score, config, seed, goal)
    from .nmcs.nmcs import NestedMonteCarlo

    return NestedMonteCarlo(score, config, seed, goal)


PROCESS_BYTES = 400 * 2**20  # one island process with numpy, torch and the score loaded


def estimate_bytes(config, score) -> int:
    """A rough upper estimate of a search's peak memory, all islands together, from the sizes alone.

    Used to refuse a hopeless size before anything is allocated (``mathrl search --n 1000`` would
    otherwise grow for minutes and then be killed). The dominant terms, per island:

    * CEM: the training batch, one float32 observation of 2L values (``(k + 1) L`` over k > 2 letters)
      for each of the L positions of every elite and carried-over word (``(elite + super) * L * 2L * 4``
      bytes), the first layer with its gradient, Adam moments and a float64 copy for sampling
      (``2L * h * 4 * 6``), and the decoded population (``sessions * n^2`` bytes, ``n`` for a word,
      with a float64 copy for the linear algebra);
    * local search and any polish: one neighbourhood of ``(k - 1) L + swaps`` words, decoded;
    * NMCS: a level-1 node's playouts (k children per position), decoded.
    """
    L, n = score.word_length, score.n
    alphabet = getattr(score, "alphabet", 2)
    obs = 2 * L if alphabet == 2 else (alphabet + 1) * L
    layout = getattr(score, "kind", None)
    entries = layout.array_size(n) if layout is not None else n * n  # a decoded object: n^2, or n for a word

    def decoded(words: int) -> int:
        return words * (L + 9 * entries)

    kind = kind_of(config)
    islands = max(1, int(getattr(config, "islands", 1)))
    if kind == "cem":
        sessions = int(config.n_sessions)
        train = math.ceil(sessions * (100 - config.elite_percentile) / 100) \
            + math.ceil(sessions * (100 - config.super_percentile) / 100)
        hidden = config.hidden[0] if config.hidden else 1
        per_island = train * L * obs * 4 + obs * hidden * 4 * 6 + decoded(sessions) + sessions * hidden * 8
        if getattr(config, "polish_top", 0):
            per_island += decoded((alphabet - 1) * L + config.polish_swaps)
    elif kind == "local":
        per_island = decoded((alphabet - 1) * L + config.swaps)
    elif kind == "alphazero":  # the replay buffer (an observation of 2L floats per move) and the network
        per_island = config.buffer_size * (2 * L * 4 + 16) + 6 * (2 * L + config.hidden) * config.hidden * 4 \
            + decoded(config.episodes)
    else:
        per_island = decoded(alphabet * max(1, config.playouts) * L)
        if config.polish_steps:
            per_island = max(per_island, decoded((alphabet - 1) * L + config.polish_swaps))
    return islands * (per_island + PROCESS_BYTES)
