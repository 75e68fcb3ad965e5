"""Single-player self-play on any mathrl search problem: a plain function of (weights, config, seed) -> samples.

The board games play two-player self-play (:mod:`mathrl.agents.alphazero.selfplay`); the mathematical
domains are one player against a cost: choose S-pairs to spend few polynomial additions (Peifer,
Stillman and Halpern-Leistner 2020), cells to cut for a small proof (Simpson 2021), bits of a graph for
a high score (Wagner 2021). An *episode* here is one instance from the env's own distribution (a random
ideal, a semigroup instance, the empty word), searched move by move with PUCT over the env's pure state
(:mod:`mathrl.core`), and a *sample* per move:

* the input the network reads (chosen by observation shape, :mod:`~mathrl.agents.alphazero.networks`);
* ``pi``, the root's visit distribution over the state's actions (the policy target, AlphaZero's);
* ``z``, the return-to-go: the sum of the rewards from that move to the end of the episode (the value
  target; ``value_scale`` divides it for the network and multiplies the network's value back for search).

Single-player returns have no fixed range (minus hundreds of additions, a score near zero), so the
search normalises Q by the min and max seen in each tree (``normalize_q``, as MuZero does) and the
network's value is kept near unit scale by ``value_scale``. Nothing here depends on the domain beyond
the protocol: the env makes the instance, ``env.unwrapped.state`` is the pure state searched.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from typing import Sequence

import numpy as np
import torch

from mathrl.agents.alphazero.config import SearchConfig
from mathrl.agents.alphazero.mcts import add_dirichlet_noise, expand_roots, sample_action, search


TARGETS = ("auto", "returns", "parts")
POLICY_TARGETS = ("visits", "completed_q")
PLAY_FROM = ("visits", "target")
ROLLOUT_WITH = ("heuristic", "policy")
BACKUPS = ("policy", "min")


@dataclass(frozen=True)
class EpisodeConfig:
    """What single-player self-play needs: the problem, the network, the search and the sampling."""

    env_id: str = "mathrl/Buchberger-v0"
    env_kwargs: str = "{}"  # JSON, so the config stays hashable and its file stays plain data
    network: str = "{}"     # JSON options for the network builder (e.g. {"hidden": 128})
    search: SearchConfig = field(default_factory=lambda: SearchConfig(n_sims=32, normalize_q=True,
                                                                      dirichlet_alpha=0.3))
    temp_moves: int = 1_000_000  # moves sampled with tau = 1 (the rest greedy); default: all of them
    value_scale: float = 1.0     # the network predicts z / value_scale
    concurrent: int = 16         # episodes searched in lock-step (one network batch per round)
    # what the network learns (module docstring of mathrl.agents.alphazero.andor): "returns" (visit
    # distributions and returns-to-go), "parts" (sizes and cut values on AND-OR problems), or "auto"
    # ("parts" where the env's state splits into independent parts, as a proof does)
    targets: str = "auto"
    explore: float = 0.1         # parts: probability of cutting a random cell at a node
    width: int = 300             # parts: nodes kept per proof level (the rest estimated by the value)
    explore_parts: int = 2       # parts: per cut node, parts of cuts not taken that also get one-step targets
    # parts: the one-step value backup of a node cut at random or explored aside: "policy" (the estimated
    # size below the cut network's own choice, selection apart from evaluation as in double Q-learning) or
    # "min" (the smallest estimated size over all cuts, biased low by the estimates' noise)
    backup: str = "policy"
    # parts: policy evaluation by rollouts. A part the value network sizes at most ``rollout`` cuts is proved
    # greedily by the cut network instead, and that size replaces the estimate in the cut targets (at most
    # ``rollout_nodes`` rollout cuts per self-play call; 0 turns rollouts off)
    rollout: float = 100.0
    rollout_nodes: int = 50_000
    # returns: the policy target, the root's visit distribution ("visits", AlphaZero's) or the prior improved
    # by the search's completed Q values ("completed_q", Danihelka et al. 2022; see completed_q_target)
    policy_target: str = "visits"
    # weight of a rollout's return in each leaf's value, (1 - w) v_net + w rollout (AlphaGo's mixing): the
    # state's own cheap heuristic finishes the episode (mathrl.core.Rollout; Buchberger: Degree). 0: the network
    leaf_rollout: float = 0.0
    # who finishes a leaf's rollout: the domain's "heuristic" (Buchberger: Degree), or the network's own greedy
    # "policy" (batched over a round's leaves). With the heuristic, a search's Q values say which move is best
    # if the heuristic plays on, and a policy trained on them learns one step of improvement over the
    # heuristic; with the policy itself, Q is the current policy's own (exact where the problem and the
    # greedy policy are deterministic), and the targets are a step of policy iteration (Howard 1960)
    rollout_with: str = "heuristic"
    # returns: what a self-play move is drawn from, the root's visits ("visits", AlphaZero's) or the policy
    # target itself ("target"; with completed_q, the improved policy, as Gumbel MuZero acts). With fewer
    # simulations than actions most visited actions have one visit each, so drawing by visits is nearly
    # uniform over the ones tried and self-play wanders far from the states a good policy meets
    play_from: str = "visits"
    # parts: more instance families of the same env learned together, a JSON list of env-kwargs objects
    # (e.g. other graded sizes); self-play and evaluation take them in turn after env_kwargs. Needs a
    # network that reads every family's observations (graded proofs: {"kind": "graded-sets"})
    also: str = "[]"

    def __post_init__(self):
        self.validate()

    def validate(self) -> None:
        """Each field's rule (ValueError naming the field): env_id a registered-looking id, env_kwargs and
        network JSON objects, search a SearchConfig with n_sims >= 1, temp_moves >= 0, concurrent in
        1..65536, value_scale finite > 0."""
        from mathrl.agents.alphazero.config import _int, _real

        if not isinstance(self.env_id, str) or not self.env_id:
            raise ValueError(f"env_id must be an env id, got {self.env_id!r}")
        for name in ("env_kwargs", "network"):
            try:
                value = json.loads(getattr(self, name))
            except (TypeError, ValueError):
                value = None
            if not isinstance(value, dict):
                raise ValueError(f"{name} must be a JSON object, got {getattr(self, name)!r}")
        try:
            also = json.loads(self.also)
        except (TypeError, ValueError):
            also = None
        if not isinstance(also, list) or not all(isinstance(k, dict) for k in also):
            raise ValueError(f"also must be a JSON list of env-kwargs objects, got {self.also!r}")
        if not isinstance(self.search, SearchConfig) or self.search.n_sims < 1:
            raise ValueError(f"search must be a SearchConfig with n_sims >= 1, got {self.search!r}")
        _int(self, "temp_moves", 0)
        _int(self, "concurrent", 1, 65536)
        _int(self, "width", 1, 10**6)
        _int(self, "explore_parts", 0, 1000)
        if self.backup not in BACKUPS:
            raise ValueError(f"backup must be one of {', '.join(BACKUPS)}, got {self.backup!r}")
        if self.policy_target not in POLICY_TARGETS:
            raise ValueError(f"policy_target must be one of {', '.join(POLICY_TARGETS)}, got {self.policy_target!r}")
        if self.rollout_with not in ROLLOUT_WITH:
            raise ValueError(f"rollout_with must be one of {', '.join(ROLLOUT_WITH)}, got {self.rollout_with!r}")
        if self.play_from not in PLAY_FROM:
            raise ValueError(f"play_from must be one of {', '.join(PLAY_FROM)}, got {self.play_from!r}")
        if self.targets not in TARGETS:
            raise ValueError(f"targets must be one of {', '.join(TARGETS)}, got {self.targets!r}")
        _real(self, "explore", 0.0, 1.0)
        _real(self, "leaf_rollout", 0.0, 1.0)
        _real(self, "rollout", 0.0, 1e8)
        _int(self, "rollout_nodes", 0, 10**8)
        _real(self, "value_scale", 0.0, low_open=True)

    def but(self, **changes) -> "EpisodeConfig":
        return replace(self, **changes)

    @property
    def kwargs(self) -> dict:
        return json.loads(self.env_kwargs)

    @property
    def families(self) -> list[dict]:
        """The env kwargs of every instance family learned: ``env_kwargs``, then those of ``also``."""
        return [self.kwargs] + json.loads(self.also)

    @property
    def network_options(self) -> dict:
        return json.loads(self.network)


def make_env(config: EpisodeConfig):
    import gymnasium as gym

    import mathrl  # noqa: F401  (registers the envs)

    try:
        return gym.make(config.env_id, **config.kwargs)
    except gym.error.Error as exc:  # unknown id or namespace: a ValueError like any other bad config
        raise ValueError(f"env {config.env_id!r}: {exc}") from None


def make_envs(config: EpisodeConfig) -> list:
    """One env per instance family (:attr:`EpisodeConfig.families`), ``env_kwargs``' first."""
    return [make_env(config.but(env_kwargs=json.dumps(kwargs), also="[]")) for kwargs in config.families]


def targets_of(config: EpisodeConfig, env) -> str:
    """The targets a run learns: ``config.targets``, with "auto" resolved by the env's pure state ("parts"
    for a state with independent parts); "parts" on a state without them is a ValueError."""
    from mathrl.agents.alphazero.andor import is_decomposable

    env.reset(seed=0)
    splits = is_decomposable(env.unwrapped.state)
    if config.targets == "parts" and not splits:
        raise ValueError(f"targets 'parts' needs a problem whose states split into independent parts; "
                         f"{config.env_id} does not")
    if config.targets == "auto":
        return "parts" if splits else "returns"
    return config.targets


def build_network(config: EpisodeConfig, env=None) -> torch.nn.Module:
    from mathrl.agents.alphazero import networks

    env = env or make_env(config)
    return networks.build(env.observation_space, env.action_space.n, **config.network_options)


def encode(states: Sequence, kind: str) -> tuple[torch.Tensor, ...]:
    """The network's input for a batch of pure states of one observation ``kind``."""
    if kind == "flat":
        return (torch.from_numpy(np.stack([np.asarray(s.observation(), dtype=np.float32) for s in states])),)
    if kind == "semigroup":
        from mathrl.agents.alphazero.simpson import featurise

        obs = [s.observation_dict() for s in states]
        stacked = [np.stack([o[k] for o in obs]) for k in ("cand", "left", "right", "ternary")]
        return (torch.from_numpy(featurise(*stacked)),)
    if kind == "rows":
        x, valid = encode_rows(states)
        return torch.from_numpy(x), torch.from_numpy(valid)
    raise ValueError(f"no encoding for observation kind {kind!r}")


def encode_rows(states: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """Pair rows (float32) padded to the batch's longest queue, and their validity (bool)."""
    rows = [np.asarray(s.observation(), dtype=np.float32) for s in states]
    width, longest = rows[0].shape[1], max(max(len(r) for r in rows), 1)
    x = np.zeros((len(rows), longest, width), dtype=np.float32)
    valid = np.zeros((len(rows), longest), dtype=bool)
    for i, r in enumerate(rows):
        x[i, :len(r)], valid[i, :len(r)] = r, True
    return x, valid


def legal_softmax(state, row: np.ndarray) -> np.ndarray:
    """The softmax of a state's logits ``row`` over its legal actions (0 elsewhere; uniform if none)."""
    n = state.num_actions
    legal = state.legal_actions()
    row = row[:n]
    if len(legal) == n:  # every action legal (a Buchberger queue): the same numbers without a mask
        row = np.exp(row - row.max())
        return row / row.sum()
    mask = np.zeros(n, dtype=bool)
    mask[legal] = True
    row = np.where(mask, row, -np.inf)
    row = np.exp(row - row[mask].max()) if mask.any() else np.ones(n)
    return row / row.sum()


class ProblemEvaluator:
    """``evaluator(states) -> (priors, values)`` for :func:`~mathrl.agents.alphazero.mcts.search` on
    single-player states: the network's softmax over each state's legal actions (a ragged list, since
    states differ in their action counts) and its value times ``value_scale``."""

    def __init__(self, net: torch.nn.Module, kind: str, value_scale: float = 1.0, leaf_rollout: float = 0.0,
                 rollout_with: str = "heuristic"):
        from mathrl.agents.alphazero.networks import FrozenPairSet, PairSetNet

        self.net, self.kind, self.value_scale = net.eval(), kind, float(value_scale)
        self.leaf_rollout = float(leaf_rollout)
        if rollout_with not in ROLLOUT_WITH:
            raise ValueError(f"rollout_with must be one of {', '.join(ROLLOUT_WITH)}, got {rollout_with!r}")
        self.rollout_with = rollout_with
        self.calls = self.positions = 0
        # a search holds its evaluator for one call, while the weights stay fixed: the pair-set network
        # runs in numpy then, several times faster on the one-leaf batches of a search
        self.frozen = FrozenPairSet(net) if type(net) is PairSetNet else None  # a subclass may change forward

    def __call__(self, states: Sequence) -> tuple[list[np.ndarray], np.ndarray]:
        if self.frozen is not None:  # numpy throughout: no torch call, not even inference_mode (~10 us)
            logits, values = self.frozen(*encode_rows(states))
        else:
            with torch.inference_mode():
                logits, values = self.net(*encode(states, self.kind))
            logits, values = logits.float().numpy(), values.float().numpy()
        priors = [legal_softmax(state, row) for state, row in zip(states, logits)]
        self.calls += 1
        self.positions += len(states)
        values = np.asarray(values, dtype=np.float64) * self.value_scale
        if self.leaf_rollout:
            finished = (self.policy_returns(states) if self.rollout_with == "policy"
                        else np.array([rollout_return(s) for s in states]))
            values = (1 - self.leaf_rollout) * values + self.leaf_rollout * finished
        return priors, values

    def logits(self, states: Sequence) -> np.ndarray:
        """The network's logits for a batch of states (numpy), padded to the widest."""
        if self.frozen is not None:
            return self.frozen(*encode_rows(states))[0]
        with torch.inference_mode():
            return self.net(*encode(states, self.kind))[0].float().numpy()

    def policy_returns(self, states: Sequence) -> np.ndarray:
        """What each state's episode returns from here when the network's greedy policy plays it out (the
        legal action with the largest logit, as ``agent:RUN`` plays), the states advanced in lock-step so
        that each move is one network call for all of them. The states themselves are left as they were."""
        live = [s.clone() for s in states]
        totals = np.zeros(len(live))
        todo = [i for i, s in enumerate(live) if not s.is_terminal()]
        while todo:
            batch = [live[i] for i in todo]
            for i, action in zip(todo, greedy_choices(batch, self.logits(batch))):
                totals[i] += float(live[i].apply(action))
            self.calls += 1
            self.positions += len(todo)
            todo = [i for i in todo if not live[i].is_terminal()]
        return totals


def play_episodes(weights: dict, config: EpisodeConfig, seed: int, n_episodes: int, threads: int = 1) -> dict:
    """Search ``n_episodes`` instances (env seeds ``seed``, ``seed + 1``, ...) and return their samples.

    Returns ``inputs`` (a list, one encoded tuple of numpy arrays per move: numpy, so that the result
    crosses process boundaries as bytes; torch would pass each tensor as a file descriptor and run out of
    them in a long iteration), ``pi`` (a list of per-move float32 visit
    distributions, each over its state's actions), ``mask`` (each state's legal actions), ``z`` (float32
    return-to-go per move), ``episode`` and ``action`` (the episode of each move and the action played),
    ``returns`` (each episode's total) and ``lengths``. Runs with ``threads`` torch threads, then restores
    the caller's count.
    """
    previous = torch.get_num_threads()  # the caller (a trainer) keeps its own thread count afterwards
    torch.set_num_threads(threads)
    try:
        return _play(weights, config, seed, n_episodes)
    finally:
        torch.set_num_threads(previous)


def rollout_return(state) -> float:
    """The state's heuristic rollout return (:class:`mathrl.core.Rollout`); a ValueError for a state without."""
    kind = type(state)
    if kind not in _ROLLOUT_TYPES:  # isinstance on a runtime protocol costs ~10 us: once per type
        from mathrl.core import Rollout

        if not isinstance(state, Rollout):
            raise ValueError(f"leaf_rollout needs a state that can finish its episode with a heuristic "
                             f"(mathrl.core.Rollout); {kind.__name__} cannot")
        _ROLLOUT_TYPES.add(kind)
    return state.rollout_return()


_ROLLOUT_TYPES: set = set()  # the state types rollout_return has checked


def completed_q_target(root, prior: np.ndarray, value: float, num_actions: int, c_visit: float = 50.0,
                       c_scale: float = 0.1) -> np.ndarray:
    """The policy improvement of Gumbel MuZero (Danihelka et al. 2022): softmax(log prior + sigma(completed Q)).

    With a few dozen simulations over a few dozen actions, the visit counts mostly repeat the prior (each
    action gets a visit or two), so a policy trained on them improves slowly. The Q values the search
    found say more: each visited action's mean return, the unvisited ones completed by ``v_mix`` (the
    network's value mixed with the prior-weighted Q of the visited, their eq. 33). They are min-max
    normalised to [0, 1] and scaled by sigma(q) = (c_visit + max N) c_scale q, so more search trusts Q
    more. ``prior`` is the network's prior at the root before any noise, ``value`` its value there.
    """
    actions = np.asarray(root.actions)
    n, w = np.asarray(root.N, dtype=np.float64), np.asarray(root.W, dtype=np.float64)
    p = np.asarray(prior, dtype=np.float64)[actions]
    p = p / p.sum() if p.sum() > 0 else np.full(len(actions), 1.0 / len(actions))
    visited = n > 0
    q = np.where(visited, w / np.maximum(n, 1), 0.0)
    v_mix = float(value)
    if visited.any():
        pq = (p[visited] * q[visited]).sum() / max(p[visited].sum(), 1e-12)
        v_mix = (float(value) + n.sum() * pq) / (1.0 + n.sum())
    completed = np.where(visited, q, v_mix)
    lo, hi = completed.min(), completed.max()
    normed = (completed - lo) / (hi - lo) if hi > lo else np.zeros_like(completed)
    logits = np.log(np.maximum(p, 1e-30)) + (c_visit + n.max()) * c_scale * normed
    improved = np.exp(logits - logits.max())
    out = np.zeros(num_actions, dtype=np.float32)
    out[actions] = improved / improved.sum()
    return out


def sample_target(pi: np.ndarray, temperature: float, rng: np.random.Generator) -> int:
    """A move drawn from a policy target: pi(a)^(1/tau), tau = 0 its argmax with seeded random ties."""
    pi = np.asarray(pi, dtype=np.float64)
    if temperature <= 0:
        top = np.flatnonzero(pi == pi.max())
        return int(top[rng.integers(len(top))]) if len(top) > 1 else int(top[0])
    weights = pi ** (1.0 / temperature)
    total = weights.sum()
    if not total > 0:  # a target that puts no mass anywhere names no move, legal or not
        raise ValueError("a policy target with no mass on any action")
    return int(rng.choice(len(pi), p=weights / total))


@torch.inference_mode()
def greedy_actions(net: torch.nn.Module, states: Sequence, kind: str) -> list[int]:
    """Each state's legal action with the largest logit: the policy alone, as ``agent:RUN`` plays."""
    return greedy_choices(states, net(*encode(states, kind))[0].float().numpy())


def greedy_choices(states: Sequence, logits: np.ndarray) -> list[int]:
    """Each state's legal action with the largest of its row of ``logits`` (rows padded past its actions)."""
    choices = []
    for state, row in zip(states, logits):
        legal = state.legal_actions()
        choices.append(int(legal[int(np.argmax(row[legal]))]))
    return choices


@torch.inference_mode()
def play_greedy(net: torch.nn.Module, config: EpisodeConfig, seed: int, n_episodes: int) -> np.ndarray:
    """Each episode's return when the policy alone plays (the legal action with the largest logit, no search):
    what a saved agent does as ``agent:RUN`` without ``sims=N``. Instances as in :func:`play_episodes`
    (env seeds ``seed``, ``seed + 1``, ...), ``config.concurrent`` episodes in lock-step per network batch."""
    from mathrl.agents.alphazero.networks import observation_kind

    env = make_env(config)
    kind = observation_kind(env.observation_space)
    returns = []
    for base in range(0, n_episodes, config.concurrent):
        states = []
        for e in range(base, min(base + config.concurrent, n_episodes)):
            env.reset(seed=seed + e)
            states.append(env.unwrapped.state.clone())
        totals = [0.0] * len(states)
        live = [i for i, s in enumerate(states) if not s.is_terminal()]
        while live:
            for i, action in zip(live, greedy_actions(net, [states[i] for i in live], kind)):
                totals[i] += float(states[i].apply(action))
            live = [i for i in live if not states[i].is_terminal()]
        returns += totals
    return np.asarray(returns)


def _play(weights: dict, config: EpisodeConfig, seed: int, n_episodes: int) -> dict:
    from mathrl.agents.alphazero.networks import observation_kind

    torch.manual_seed(seed)
    env = make_env(config)
    kind = observation_kind(env.observation_space)
    net = build_network(config, env)
    net.load_state_dict(weights)
    evaluator = ProblemEvaluator(net, kind, config.value_scale, config.leaf_rollout, config.rollout_with)
    rng = np.random.default_rng(seed)
    states_pi, pis, masks, rewards, episode_of, actions = [], [], [], [], [], []
    returns, lengths = [], []
    start = time.perf_counter()
    for base in range(0, n_episodes, config.concurrent):
        batch = range(base, min(base + config.concurrent, n_episodes))
        states = []
        for e in batch:
            env.reset(seed=seed + e)
            states.append(env.unwrapped.state.clone())
        totals, moves = [0.0] * len(states), [0] * len(states)
        live = [i for i, s in enumerate(states) if not s.is_terminal()]
        while live:
            roots = None
            if config.policy_target == "completed_q":  # the roots' priors and values, kept from before the noise
                roots, root_priors, root_values = expand_roots([states[i] for i in live], evaluator, True)
                for root in roots:
                    add_dirichlet_noise(root, config.search.dirichlet_alpha, config.search.dirichlet_eps, rng)
            roots = search([states[i] for i in live], evaluator, config.search, rng, noise=True, roots=roots)
            for j, (i, root) in enumerate(zip(live, roots)):
                state = states[i]
                visits = root.visit_counts(state.num_actions)
                states_pi.append(state.clone())
                if config.policy_target == "completed_q":
                    pis.append(completed_q_target(root, root_priors[j], root_values[j], state.num_actions))
                else:
                    pis.append((visits / visits.sum()).astype(np.float32))
                legal = np.zeros(state.num_actions, dtype=bool)
                legal[state.legal_actions()] = True
                masks.append(legal)
                episode_of.append(base + i)
                tau = 1.0 if moves[i] < config.temp_moves else 0.0
                if config.play_from == "target":
                    action = sample_target(pis[-1], tau, rng)
                else:
                    action = sample_action(root, tau, rng)
                reward = float(state.apply(action))
                actions.append(int(action))
                rewards.append(reward)
                totals[i] += reward
                moves[i] += 1
            live = [i for i in live if not states[i].is_terminal()]
        returns += totals
        lengths += moves
    episode_of = np.asarray(episode_of, dtype=np.int64)
    rewards = np.asarray(rewards, dtype=np.float64)
    z = np.zeros(len(rewards))
    for e in np.unique(episode_of):  # return-to-go within each episode (its moves are in order)
        idx = np.flatnonzero(episode_of == e)
        z[idx] = np.cumsum(rewards[idx][::-1])[::-1]
    return {"inputs": [tuple(t.numpy() for t in encode([s], kind)) for s in states_pi], "pi": pis, "mask": masks, "z": z.astype(np.float32),
            "episode": episode_of, "action": np.asarray(actions, dtype=np.int64), "returns": np.asarray(returns), "lengths": np.asarray(lengths),
            "kind": kind, "seconds": time.perf_counter() - start,
            "positions_evaluated": evaluator.positions, "network_calls": evaluator.calls}
