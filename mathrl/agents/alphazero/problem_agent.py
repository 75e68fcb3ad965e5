"""A trained single-player AlphaZero agent where users already look for strategies and cut policies.

``mathrl train alphazero --env ...`` leaves a run folder; this module loads it (safely: weights only)
and offers it as:

* a Buchberger selection strategy, ``agent:RUN`` (the policy alone: the pair with the largest logit)
  or ``agent:RUN:sims=N`` (N PUCT simulations per choice on clones of the pure state), for
  ``mathrl bench buchberger --strategies``;
* a semigroup cut policy, ``agent:RUN`` (the available cell with the largest logit: for Simpson's
  network the smallest estimated proof below the cut, his proof-time policy), for
  ``mathrl bench semigroups --strategies``.

The domains do not import agents: they find these loaders through :mod:`mathrl.plugins`.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from mathrl.agents.alphazero.episodes import ProblemEvaluator, build_network, greedy_actions, make_env
from mathrl.agents.alphazero.problems import AGENT, CHECKPOINT, WHAT, ProblemConfig, check_untrusted
from mathrl.agents.files import load_file, not_readable
from mathrl.envs.buchberger.strategies import SeededStrategy

# single-player agents shipped with mathrl: ``pretrained:NAME`` (``agent:alphazero`` in the Buchberger
# benchmark). Each file is a run's agent file plus the command that trained it (``command``).
PRETRAINED = {"buchberger": "buchberger-3-20-10.pt"}


class ProblemAgent:
    """The network (and config) of a single-player AlphaZero run, ready to choose moves."""

    def __init__(self, config: ProblemConfig, net: torch.nn.Module, extra: dict | None = None):
        from mathrl.agents.alphazero.networks import observation_kind

        self.config, self.net = config, net.eval()
        # what the file says about its training: iteration, eval_return, command, train_seconds, init (the agent it
        # began from) and total_train_seconds
        self.extra = dict(extra or {})
        env = make_env(config.episodes)
        self.kind = observation_kind(env.observation_space)
        self.row_width = env.observation_space["pairs"].shape[1] if self.kind == "rows" else None
        self.trained_on = config.episodes.kwargs
        self._evaluator = None

    @staticmethod
    def file_of(path) -> Path:
        """The file :meth:`load` reads for ``path`` (one-line ValueError when there is none)."""
        if str(path).startswith("pretrained:"):
            path = pretrained_path(str(path).split(":", 1)[1])
            if not path.is_file():
                raise ValueError(f"the shipped agent {path.name} is missing from this install of mathrl")
        path = Path(path)
        file = path
        if path.is_dir():  # the run's small agent file; an older run folder has only its checkpoint
            file = path / AGENT if (path / AGENT).is_file() else path / CHECKPOINT
        if not file.is_file():
            raise ValueError(f"{path}: no AlphaZero run there (no {AGENT} or {CHECKPOINT})")
        return file

    @classmethod
    def load(cls, path) -> "ProblemAgent":
        """From a run folder, its ``agent.pt`` or ``checkpoint.pt``, or ``pretrained:NAME`` (an agent shipped
        with mathrl); anything else is a one-line ValueError."""
        file = cls.file_of(path)
        ckpt = load_file(file, WHAT)
        try:
            config = ProblemConfig.from_saved(json.loads(ckpt["config"]))
            check_untrusted(config, file)  # before the env is built: building it must not run code
            net = build_network(config.episodes)
            net.load_state_dict(ckpt["weights"])
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            raise not_readable(file, WHAT, exc) from exc
        extra = {k: ckpt[k] for k in ("iteration", "eval_return", "command", "init", "train_seconds",
                                      "total_train_seconds") if k in ckpt}
        if "train_seconds" not in extra and isinstance(ckpt.get("elapsed"), (int, float)):
            extra["train_seconds"] = float(ckpt["elapsed"])  # a checkpoint: the latest weights' seconds
        return cls(config, net, extra)

    def act(self, state, sims: int = 0) -> int:
        """The policy's choice (``sims`` = 0), or the most visited action of a ``sims``-simulation search."""
        if sims <= 0:
            return greedy_actions(self.net, [state], self.kind)[0]
        from mathrl.agents.alphazero.mcts import best_action, search

        if self._evaluator is None:  # the weights are fixed: one snapshot serves every move
            episodes = self.config.episodes
            self._evaluator = ProblemEvaluator(self.net, self.kind, episodes.value_scale, episodes.leaf_rollout,
                                               episodes.rollout_with)
        [root] = search([state.clone()], self._evaluator, self.config.episodes.search.but(n_sims=sims))
        return int(best_action(root))


def pretrained_path(name: str) -> Path:
    """The file of the shipped agent ``name`` (a key of :data:`PRETRAINED`)."""
    if name not in PRETRAINED:
        raise ValueError(f"no shipped AlphaZero agent {name!r}; available: {', '.join(PRETRAINED)}")
    return Path(__file__).parent / "pretrained" / PRETRAINED[name]


def parse_spec(spec: str) -> tuple[str, int]:
    """``agent:PATH[:sims=N]`` -> (PATH, N) (N = 0: the policy alone)."""
    body = spec.strip()[len("agent:"):] if spec.strip().startswith("agent:") else spec.strip()
    sims = 0
    head, colon, tail = body.rpartition(":")
    if colon and tail.startswith("sims="):
        try:
            sims = int(tail[5:])
        except ValueError:
            raise ValueError(f"{spec}: sims=N needs an integer, got {tail[5:]!r}") from None
        if not 0 <= sims <= 10**6:
            raise ValueError(f"{spec}: sims must be in 0..1000000, got {sims}")
        body = head
    return body, sims


class AlphaZeroStrategy(SeededStrategy):
    """A Buchberger strategy from a single-player AlphaZero run: ``agent:RUN`` or ``agent:RUN:sims=N``
    (the search draws nothing at random: no root noise, the most visited pair)."""

    def __init__(self, spec: str, seed=None, path=None):
        """``path`` overrides the one ``spec`` names (``pretrained:NAME`` for ``agent:alphazero``)."""
        super().__init__(seed)
        named, self.sims = parse_spec(spec)
        path = named if path is None else path
        self.agent = ProblemAgent.load(path)
        if self.agent.kind != "rows":
            raise ValueError(f"{path} was trained on {self.agent.config.episodes.env_id}, not Buchberger pairs")
        self.name = spec.strip()

    def select(self, state) -> int:
        if not state.num_pairs:
            raise ValueError("no pairs to select from: the state is terminal")
        width = state.observation().shape[1]
        if width != self.agent.row_width:
            raise ValueError(f"{self.name} reads pair rows of {self.agent.row_width} features but these ideals give "
                             f"{width} (2 x variables x 2): it was trained on another number of variables")
        return self.agent.act(state, self.sims)

    def __repr__(self) -> str:
        return f"AlphaZeroStrategy({self.name!r})"


class AlphaZeroCutPolicy:
    """A semigroup cut policy from a single-player AlphaZero run: ``agent:RUN`` cuts the available cell the
    network rates best (Simpson's proof-time policy: the smallest estimated proof below the cut), and
    ``agent:RUN:depth=D`` searches ``D`` levels of cuts on the AND-OR tree, estimating the parts below with
    the value network (:func:`mathrl.agents.alphazero.andor.lookahead`)."""

    def __init__(self, spec: str, problem=None):
        body, self.depth = _split_depth(spec)
        path, sims = parse_spec(body)
        if sims:
            raise ValueError(f"{spec}: a cut policy searches by depth (agent:RUN:depth=D), not sims=N")
        self.agent = ProblemAgent.load(path)
        if self.agent.kind != "semigroup":
            raise ValueError(f"{path} was trained on {self.agent.config.episodes.env_id}, not semigroup proofs")
        self.name = spec.strip()
        if self.depth and self.agent.config.episodes.targets == "returns":
            raise ValueError(f"{spec}: depth=D searches with the value as a proof size, but {path} learned "
                             f"returns-to-go (episodes.targets = returns); use agent:RUN alone")
        if problem is not None:
            self._check_problem(problem)

    def _check_problem(self, problem) -> None:
        """The problem must be graded, and of the (a, b) the agent was trained on unless its network reads
        every size (``size_free``, :class:`~mathrl.agents.alphazero.graded_sets.GradedSetNet`): Simpson's
        networks have layers shaped by (a, b), and a generic family gives other inputs."""
        trained = (self.agent.trained_on.get("a", 3), self.agent.trained_on.get("b", 2))
        here = (getattr(problem, "a", None), getattr(problem, "b", None))
        if None in here:
            raise ValueError(f"{self.name} was trained on graded (a, b) = {trained} proofs, not the "
                             f"{getattr(problem, 'family', 'generic')} family")
        if here != trained and not getattr(self.agent.net, "size_free", False):
            raise ValueError(f"{self.name} was trained on graded (a, b) = {trained} proofs, not (a, b) = {here} "
                             f"(its network is shaped by (a, b); a run with episodes.network = "
                             f"'{{\"kind\": \"graded-sets\"}}' proves every size)")

    @torch.inference_mode()
    def choose_many(self, problem, nodes: list) -> list[int]:
        """:meth:`choose` for many nodes, the network run on them in batches (a proof passes whole levels)."""
        from mathrl.agents.alphazero.andor import PartsNetwork, lookahead
        from mathrl.envs.semigroups.state import ProofState

        model = PartsNetwork(self.agent.net, "semigroup")
        states = [ProofState(problem, roots=[node]) for node in nodes]
        if self.depth:
            return [a for a, _ in lookahead(states, model.sizes, self.depth)]
        return model.choose(states)

    def choose(self, problem, node) -> int:
        if not problem.available(node).any():
            raise ValueError("no available cell: the node is not active")
        return self.choose_many(problem, [node])[0]


def _split_depth(spec: str) -> tuple[str, int]:
    """``agent:RUN[:depth=D]`` -> (``agent:RUN``, D), D in 0..3 (0: the network alone)."""
    head, colon, tail = spec.strip().rpartition(":")
    if not (colon and tail.startswith("depth=")):
        return spec, 0
    try:
        depth = int(tail[6:])
    except ValueError:
        raise ValueError(f"{spec}: depth=D needs an integer, got {tail[6:]!r}") from None
    if not 0 <= depth <= 3:
        raise ValueError(f"{spec}: depth must be in 0..3 (each level multiplies the work by the cells times the "
                         f"values), got {depth}")
    return head, depth
