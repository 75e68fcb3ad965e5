"""Learning to prove by parts: a size network and a cut network on AND-OR problems (Simpson 2021).

A proof node cut at a cell splits into independent subproofs, one per candidate value, and the proof's
size is one plus the sum of theirs. The problem is an AND-OR tree: at an OR node we choose the cut, at
an AND node the parts add. Return-to-go along one long depth-first episode hides that structure (a move's
return then includes the cost of unrelated sibling subtrees), so on such problems (states that are
:class:`mathrl.core.Decomposable`) the agent learns as Simpson did (arXiv:2106.03015, section 4):

* the **value** ``V(s)`` estimates log10 of the size of the proof of ``s`` (at least one cut);
* the **cut network** (the policy head, read as ``N2 = -logits``) estimates, per cell,
  ``Y = log10(1 + sum of the parts' sizes)``, the proof size below ``s`` if it is cut there. The
  proof-time policy cuts the available cell with the smallest ``N2``: no search at proof time.

One round of self-play (:func:`play_proofs`) proves the env's instances breadth first with the current
cut network, cutting a random cell with probability ``explore`` and keeping at most ``width`` nodes per
level (Simpson's dropout proofs; the dropped ones are estimated by the value network). Every cut node
gives one sample:

* cut targets: for every available cell, ``Y`` from the sizes of that cut's parts (a one-step lookahead):
  the cut network's own greedy proof size for parts the value network sizes at most ``rollout`` cuts
  (:class:`GreedySizes`, policy evaluation by rollouts), the value network's estimate for larger ones;
  plus Simpson's rank term (the cell's rank among the available ones by ``Y``, divided by ``k - 1``), which keeps both which cell is best and how much the others lose;
* a value target: log10 of the size the proof below the node actually had, with the parts cut at random
  or dropped replaced by their estimates (so exploration does not teach that a node is worse than it is);
  a node cut at random gets a one-step backup instead: ``Y`` at the cell the cut network picks
  (``backup = "policy"``, the default) or ``min Y`` (``"min"``, Simpson's; biased low, see :func:`_backup`);
* besides, ``explore_parts`` parts per cut node from the cuts *not* taken get samples with one-step
  backups (Simpson's exploration pool), so the values that decide between cuts are learned for the cuts
  the policy does not take yet.

:func:`lookahead` is the search: at an OR node the cell minimising ``1 + sum of the parts' estimated sizes``
(``depth`` levels of cuts, then the value). With an exact value it gives the minimum proof (tested
against the exact solver).
"""

from __future__ import annotations

import time
from typing import Callable, Sequence

import numpy as np
import torch

MAX_LOG_SIZE = 8.0  # value estimates are clamped to [0, 8] (Simpson's clamp: at least one cut, at most 10^8)


def is_decomposable(state) -> bool:
    """Whether ``state`` offers independent parts (``subproblems`` and ``split``, :class:`mathrl.core.Decomposable`)."""
    from mathrl.core import Decomposable

    return state.num_players == 1 and isinstance(state, Decomposable)


class PartsNetwork:
    """A value-policy network read as Simpson's pair: sizes from the value head, cut scores from the policy.

    For Simpson's networks (kind ``"semigroup"``, whose input is the node's tables alone) outputs are
    remembered by ``state.key()`` for the life of this object, which holds one set of weights: self-play
    proves many copies of the same instances and meets the same nodes again and again, and each is
    evaluated once. Other inputs (a flat observation also carries depth and counts) are not remembered."""

    def __init__(self, net: torch.nn.Module, kind: str):
        self.net, self.kind = net.eval(), kind
        self.positions = 0
        self._logits: dict[bytes, np.ndarray] = {}  # key -> policy logits
        self._logs: dict[bytes, float] = {}  # key -> value (estimated log10 size)

    def _keys(self, states: Sequence) -> list | None:
        if self.kind != "semigroup" or not states or not all(hasattr(s, "key") for s in states):
            return None
        return [s.key() for s in states]

    @staticmethod
    def _todo(keys: list | None, count: int, known: dict) -> list[int]:
        """Indices to evaluate: all ``count`` without keys, else the first state of each key not ``known``."""
        if keys is None:
            return list(range(count))
        first: dict = {}
        for i, k in enumerate(keys):
            if k not in known:
                first.setdefault(k, i)
        return list(first.values())

    @torch.inference_mode()
    def evaluate(self, states: Sequence, encoded: tuple | None = None,
                 chunk: int = 1024) -> tuple[list[np.ndarray], np.ndarray]:
        """(cut scores ``N2`` per state over its actions, unavailable cells +inf; estimated log10 sizes).
        ``encoded``: the states' network input, when the caller already has it."""
        from mathrl.agents.alphazero.episodes import encode

        states = list(states)
        keys = self._keys(states)
        todo = self._todo(keys, len(states), self._logits)
        rows: dict[int, np.ndarray] = {}
        logs: dict[int, float] = {}
        for start in range(0, len(todo), chunk):
            part = todo[start:start + chunk]
            if encoded is None:
                x = encode([states[i] for i in part], self.kind)
            else:
                index = torch.as_tensor(part, dtype=torch.long)
                x = tuple(t.index_select(0, index) for t in encoded)
            logits, values = self.net(*x)
            for i, row, value in zip(part, logits.float().numpy(), values.float().numpy()):
                rows[i], logs[i] = row, float(value)
                if keys is not None:
                    self._logits[keys[i]] = row
                    self._logs.setdefault(keys[i], float(value))  # one value per node, whichever call came first
        self.positions += len(todo)
        scores, out = [], np.zeros(len(states))
        for i, state in enumerate(states):
            row = rows[i] if keys is None else self._logits[keys[i]]
            out[i] = logs[i] if keys is None else self._logs[keys[i]]
            scores.append(np.where(state.action_mask(), -row[:state.num_actions], np.inf))
        return scores, out

    @torch.inference_mode()
    def sizes(self, states: Sequence, chunk: int = 2048) -> np.ndarray:
        """Estimated proof sizes ``10 ** clamp(V, 0, 8)`` (through the network's ``value_only`` method where it
        has one, e.g. Simpson's pair, whose value has a trunk of its own)."""
        from mathrl.agents.alphazero.episodes import encode

        states = list(states)
        if not states:
            return np.zeros(0)
        keys = self._keys(states)
        todo = self._todo(keys, len(states), self._logs)
        value = getattr(self.net, "value_only", None) or (lambda *x: self.net(*x)[1])
        logs = np.zeros(len(states))
        for start in range(0, len(todo), chunk):
            part = todo[start:start + chunk]
            for i, v in zip(part, value(*encode([states[j] for j in part], self.kind)).float().numpy()):
                logs[i] = float(v)
                if keys is not None:
                    self._logs[keys[i]] = float(v)
        self.positions += len(todo)
        if keys is not None:
            logs = np.asarray([self._logs[k] for k in keys])
        return 10.0 ** np.clip(logs, 0.0, MAX_LOG_SIZE)

    def choose(self, states: Sequence) -> list[int]:
        """The proof-time policy: the available cell with the smallest ``N2`` in each state."""
        return [int(np.argmin(s)) for s in self.evaluate(states)[0]] if states else []


class GreedySizes:
    """Proof sizes for cut targets: the value network's estimate, or, for a part it sizes at most ``cap``
    cuts, the size of the cut network's own greedy proof of it (a rollout).

    With rollouts the cut targets evaluate the current policy exactly below each cut whose parts are all
    small, and there the cell they rank first is a policy improvement (Bertsekas' rollout algorithm; on
    an AND-OR tree of finite depth, repeated improvement reaches the minimum proof): the value network's errors, which decide near-ties
    between cuts whose proofs differ by one node, no longer enter the targets of small parts. Sizes are
    remembered by ``state.key()`` for the network they were proved with (one self-play call), and at most
    ``budget`` nodes are cut in rollouts; past it the nodes left are estimated.
    """

    def __init__(self, model: PartsNetwork, cap: float, budget: int):
        self.model, self.cap, self.budget = model, float(cap), int(budget)
        self.exact: dict[bytes, float] = {}  # greedy proof sizes, every node of the proof proved
        self.expanded = 0

    def __call__(self, states: Sequence) -> np.ndarray:
        out = self.model.sizes(list(states))
        small = [i for i, v in enumerate(out) if v <= self.cap]
        if small:
            out[small] = self.proofs([states[i] for i in small])
        return out

    def proofs(self, states: Sequence) -> np.ndarray:
        """Greedy proof sizes of one-part ``states``, breadth first with one ``choose`` call per level; the
        nodes left when the budget runs out count their estimated sizes."""
        children: dict[bytes, list[bytes]] = {}
        estimated: dict[bytes, float] = {}
        keys = [s.key() for s in states]
        level, seen = [], set()
        for state, key in zip(states, keys):
            if key not in self.exact and key not in seen:
                seen.add(key)
                level.append((state, key))
        while level:
            if self.expanded + len(level) > self.budget:
                for (_, key), size in zip(level, self.model.sizes([s for s, _ in level])):
                    estimated[key] = float(size)
                break
            self.expanded += len(level)
            following = []
            for (state, key), action in zip(level, self.model.choose([s for s, _ in level])):
                parts = state.split(action)
                children[key] = [p.key() for p in parts]
                for part, part_key in zip(parts, children[key]):
                    if part_key not in self.exact and part_key not in seen:
                        seen.add(part_key)
                        following.append((part, part_key))
            level = following
        approximate: dict[bytes, float] = {}

        def size(key: bytes) -> tuple[float, bool]:  # (size, every node below proved); depth <= the proof's
            if key in self.exact:
                return self.exact[key], True
            if key in estimated:
                return estimated[key], False
            if key in approximate:
                return approximate[key], False
            total, exact = 1.0, True
            for child in children[key]:
                value, complete = size(child)
                total, exact = total + value, exact and complete
            (self.exact if exact else approximate)[key] = total
            return total, exact

        return np.asarray([size(k)[0] for k in keys], dtype=np.float64)


def lookahead(states: Sequence, sizes: Callable[[list], np.ndarray], depth: int = 1) -> list[tuple[int, float]]:
    """For each state, (the move minimising the estimated proof size, that size), searching ``depth`` levels
    of cuts on the AND-OR tree and estimating the parts below with ``sizes(states) -> sizes``.

    An OR node costs ``1 + min over moves of the sum of its parts``; an AND node (a move) the sum of its
    parts; parts at the horizon cost ``sizes``, all of them in one call. With exact sizes and ``depth = 1``
    this is the minimum-proof policy.
    """
    if depth < 1:
        raise ValueError(f"depth must be >= 1, got {depth}")
    horizon: list = []

    def expand(state, d):  # [(action, [part trees])] where a part tree is an int (horizon index) or a list
        moves = []
        for a in state.legal_actions():
            parts = state.split(a)
            if d == 1:
                trees = []
                for p in parts:
                    trees.append(len(horizon))
                    horizon.append(p)
            else:
                trees = [expand(p, d - 1) for p in parts]
            moves.append((a, trees))
        return moves

    trees = [expand(s, depth) for s in states]
    estimates = np.asarray(sizes(horizon), dtype=np.float64) if horizon else np.zeros(0)

    def cost(tree) -> tuple[int, float]:
        best_action, best = -1, np.inf
        for a, parts in tree:
            total = 1.0 + sum(float(estimates[p]) if isinstance(p, int) else cost(p)[1] for p in parts)
            if total < best:
                best_action, best = a, total
        return best_action, best

    return [cost(t) for t in trees]


def prove(states: Sequence, choose: Callable[[list], list[int]], max_cuts: int | None = None) -> int:
    """The size of the proofs of ``states`` (one-part states) cutting where ``choose(states) -> moves`` says,
    breadth first, one ``choose`` call per level (the count is the same in any order for a policy that
    looks only at the node). Stops with a ValueError past ``max_cuts``."""
    level, cuts = list(states), 0
    while level:
        actions = choose(level)
        cuts += len(level)
        if max_cuts is not None and cuts > max_cuts:
            raise ValueError(f"the proof needs more than {max_cuts} cuts")
        level = [p for s, a in zip(level, actions) for p in s.split(a)]
    return cuts


def split_all(states: list) -> list[dict]:
    """``{action: state.split(action)}`` for every legal action of each state: in one batch where the
    states' class offers it (``split_many``, e.g. :class:`~mathrl.envs.semigroups.state.ProofState`),
    else state by state."""
    many = getattr(type(states[0]), "split_many", None) if states else None
    if many is not None:
        return many(states)
    return [{a: s.split(a) for a in s.legal_actions()} for s in states]


def instance_parts(env, seed: int) -> list:
    """The env's instance for ``seed`` as its open parts (for a proof env: the root nodes)."""
    env.reset(seed=seed)
    state = env.unwrapped.state
    return state.subproblems()


def play_proofs(weights: dict, config, seed: int, n_episodes: int, threads: int = 1) -> dict:
    """One round of self-play on a decomposable problem: samples in the layout of
    :func:`~mathrl.agents.alphazero.episodes.play_episodes` (``pi`` holds the cut targets ``Y`` plus rank
    term over each state's actions, ``z`` the value targets) and ``returns``: minus the number of cuts each
    instance's played proof kept (exploration included; subtrees dropped by ``width`` are not counted)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return _play(weights, config, seed, n_episodes)
    finally:
        torch.set_num_threads(previous)


def _play(weights: dict, config, seed: int, n_episodes: int) -> dict:
    """Self-play over the config's instance families: the episode of seed ``s`` proves an instance of family
    ``s mod families`` (one family: all of them; workers get consecutive seeds, so the families take turns
    across them too), each family's proofs played level by level apart, since its nodes have their own
    shape; the rollout budget is per family."""
    from mathrl.agents.alphazero.episodes import build_network, make_envs
    from mathrl.agents.alphazero.networks import observation_kind

    start = time.perf_counter()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    envs = make_envs(config)
    net = build_network(config, envs[0])
    net.load_state_dict(weights)
    out: dict = {"inputs": [], "pi": [], "mask": [], "z": [], "episode": []}
    returns, cut_nodes, positions, kind = np.zeros(n_episodes), 0, 0, None
    for f, env in enumerate(envs):
        episodes = [e for e in range(n_episodes) if (seed + e) % len(envs) == f]
        if not episodes:
            continue
        kind = observation_kind(env.observation_space)
        model = PartsNetwork(net, kind)
        sizes = GreedySizes(model, config.rollout, config.rollout_nodes) if config.rollout > 0 else model.sizes
        part = _play_family(env, kind, model, sizes, config, rng, seed, episodes)
        for key in out:
            out[key] += list(part[key])
        np.subtract.at(returns, part["node_episodes"], 1)
        cut_nodes += len(part["node_episodes"])
        positions += model.positions
    return {"inputs": out["inputs"], "pi": out["pi"], "mask": out["mask"],
            "z": np.asarray(out["z"], dtype=np.float32), "cut_nodes": cut_nodes,
            "episode": np.asarray(out["episode"], dtype=np.int64), "returns": returns, "lengths": -returns,
            "kind": kind, "seconds": time.perf_counter() - start, "positions_evaluated": positions}


def _play_family(env, kind: str, model: PartsNetwork, sizes: Callable, config, rng, seed: int,
                 episodes: list[int]) -> dict:
    """The proofs of ``episodes`` (instances of ``env`` drawn with seeds ``seed + e``), played together."""
    from mathrl.agents.alphazero.episodes import encode

    # one record per cut node: [episode, parent record (-1 for a root), children records, chosen parts'
    # estimated sizes for those not cut, random?, one-step backup, targets Y]
    nodes: list[dict] = []
    level = []
    for e in episodes:
        level += [(p, e, -1) for p in instance_parts(env, seed + e)]
    inputs, pis, masks = [], [], []  # the proof's cut nodes' samples, in the order of ``nodes``
    side: dict[str, list] = {"inputs": [], "pi": [], "mask": [], "z": [], "episode": []}  # parts of cuts not taken
    while level:
        if len(level) > config.width:  # dropout: keep a uniform sample, estimate the rest
            keep = np.sort(rng.choice(len(level), config.width, replace=False))
            dropped = np.setdiff1d(np.arange(len(level)), keep)
            estimates = model.sizes([level[i][0] for i in dropped])
            for i, size in zip(dropped, estimates):
                if level[i][2] >= 0:
                    nodes[level[i][2]]["estimated"] += float(size)
            level = [level[i] for i in keep]
        states = [s for s, _, _ in level]
        encoded = encode(states, kind)
        scores, _ = model.evaluate(states, encoded)
        splits = split_all(states)
        ys = _cut_values(sizes, states, splits)
        next_level, aside = [], []
        for i, ((state, episode, parent), sp, y) in enumerate(zip(level, splits, ys)):
            legal = state.action_mask()
            explored = rng.random() < config.explore
            action = int(rng.choice(np.flatnonzero(legal))) if explored else int(np.argmin(scores[i]))
            index = len(nodes)
            nodes.append({"episode": episode, "parent": parent, "children": [], "estimated": 0.0,
                          "random": explored, "backup": _backup(y, legal, scores[i], config.backup)})
            if parent >= 0:
                nodes[parent]["children"].append(index)
            inputs.append(tuple(t[i:i + 1].numpy().copy() for t in encoded))  # numpy: see play_episodes
            pis.append(_with_rank(y, legal).astype(np.float32))
            masks.append(legal)
            next_level += [(p, episode, index) for p in sp[action]]
            others = [p for a, ps in sp.items() if a != action for p in ps]
            if others and config.explore_parts:
                aside += [(others[j], episode) for j in rng.choice(len(others), min(config.explore_parts,
                                                                                      len(others)), replace=False)]
        if aside:  # parts of the cuts not taken: one-step targets, so their values are learned too
            side_states = [s for s, _ in aside]
            side_splits = split_all(side_states)
            side_encoded = encode(side_states, kind)
            side_scores = model.evaluate(side_states, side_encoded)[0] if config.backup == "policy" else None
            for j, ((state, episode), y) in enumerate(zip(aside, _cut_values(sizes, side_states, side_splits))):
                legal = state.action_mask()
                side["inputs"].append(tuple(t[j:j + 1].numpy().copy() for t in side_encoded))
                side["pi"].append(_with_rank(y, legal).astype(np.float32))
                side["mask"].append(legal)
                side["z"].append(_backup(y, legal, None if side_scores is None else side_scores[j], config.backup))
                side["episode"].append(episode)
        level = next_level
    z = np.concatenate([_value_targets(nodes), np.asarray(side["z"], dtype=np.float64)])
    return {"inputs": inputs + side["inputs"], "pi": pis + side["pi"], "mask": masks + side["mask"], "z": z,
            "episode": [n["episode"] for n in nodes] + side["episode"],
            "node_episodes": np.asarray([n["episode"] for n in nodes], dtype=np.int64)}


def _cut_values(sizer: Callable[[list], np.ndarray], states: list, splits: list[dict]) -> list[np.ndarray]:
    """Per state, ``Y[a] = log10(1 + sum of the sizes of the parts of cut a)`` (0 where unavailable), the
    sizes from ``sizer`` (the value network, or :class:`GreedySizes`) in one call for all the parts."""
    sizes = iter(np.asarray(sizer([p for sp in splits for ps in sp.values() for p in ps])).tolist())
    out = []
    for state, sp in zip(states, splits):
        y = np.zeros(state.num_actions, dtype=np.float64)
        for a, ps in sp.items():
            y[a] = np.log10(1.0 + sum(next(sizes) for _ in ps))
        out.append(y)
    return out


def _backup(y: np.ndarray, legal: np.ndarray, scores: np.ndarray | None, rule: str) -> float:
    """A node's one-step value target from its cut values ``y``: ``"min"`` takes the smallest over the legal
    cells; ``"policy"`` the one at the cell the cut network picks (``argmin scores``). The smallest of
    several noisy estimates is biased low (the maximisation bias of Q-learning), and a value trained on it
    makes cuts into such nodes look cheaper than they are; choosing the cell with one estimator and
    valuing it with the other reduces that bias (van Hasselt 2010, double Q-learning; the two heads learn
    from the same targets, so they are not fully independent)."""
    if rule == "min":
        return float(y[legal].min())
    return float(y[int(np.argmin(scores))])


def _with_rank(y: np.ndarray, legal: np.ndarray) -> np.ndarray:
    """``Y`` plus Simpson's rank term on the legal cells: rank by ``Y`` (ties by cell) / max(1, k - 1)."""
    out = np.zeros_like(y)
    cells = np.flatnonzero(legal)
    order = cells[np.argsort(y[cells], kind="stable")]
    out[order] = y[order] + np.arange(len(order)) / max(1, len(order) - 1)
    return out


def _value_targets(nodes: list[dict]) -> np.ndarray:
    """log10 of each cut node's proof size as played, bottom up: its children cut greedily count their own
    size, children cut at random their one-step backup, dropped children their estimate."""
    size = np.zeros(len(nodes))
    target = np.zeros(len(nodes))
    for i in range(len(nodes) - 1, -1, -1):  # children come after their parent
        node = nodes[i]
        total = 1.0 + node["estimated"]
        for c in node["children"]:
            total += 10.0 ** nodes[c]["backup"] if nodes[c]["random"] else size[c]
        size[i] = total
        target[i] = node["backup"] if node["random"] else np.log10(total)
    return target
