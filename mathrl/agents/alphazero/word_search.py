"""AlphaZero as a construction-search agent: ``mathrl search --agent alphazero`` and ``mathrl bench search``.

Why: the other agents of the suite either learn a policy from their best
samples (CEM, Wagner 2021) or search without learning (local search, nested
Monte Carlo search). AlphaZero (Silver et al. 2018) does both: every bit of a
word is chosen by a PUCT search guided by a policy-value network, and the
network learns from the search's visit counts and from the scores of the words
built. Here it runs under the same rules as the others: from scratch (or from
the weights of a ``mathrl train alphazero --env`` run, ``alphazero:RUN``) and
within the suite's time cap, its best word is what it reports, and every score
call counts as an evaluation, the ones the search makes at its terminal leaves
included.

One step builds ``episodes`` words side by side (one network batch per bit, the
search of :mod:`~mathrl.agents.alphazero.mcts` on
:class:`~mathrl.envs.graphs.state.WordConstructionState`, Q normalised per tree,
Dirichlet noise at the roots, moves sampled from the visit counts, the subtree
of the bit just set kept for the next bit with at most half of ``n_sims`` counted
from its visits, as in self-play), then trains
on ``train_steps`` minibatches of the replay buffer: cross-entropy towards the
visit distributions and squared error towards the finished words' scores.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import torch

from mathrl.agents.alphazero.config import SearchConfig
from mathrl.agents.alphazero.episodes import ProblemEvaluator
from mathrl.agents.alphazero.mcts import add_dirichlet_noise, expand_roots, sample_action, search
from mathrl.agents.alphazero.network import masked_log_softmax
from mathrl.agents.alphazero.networks import FlatMLP
from mathrl.agents.goal import Goal
from mathrl.agents.searcher_base import ConfigMixin, WordSearcher

__all__ = ["AlphaZeroSearchConfig", "AlphaZeroWordSearch"]


@dataclass(frozen=True)
class AlphaZeroSearchConfig(ConfigMixin):
    agent_kind: ClassVar[str] = "alphazero"  # its name in run files (mathrl.agents.searchers.kind_of)
    episodes: int = 32          # words built side by side per step
    n_sims: int = 16            # simulations per bit
    train_steps: int = 8        # minibatches per step
    batch_size: int = 256
    lr: float = 1e-3
    hidden: int = 128           # two hidden layers of this width
    buffer_size: int = 100_000  # moves kept for training
    init: str = ""              # weights from a `mathrl train alphazero --env` run (or its agent file)
    layers: tuple = ()          # the network's hidden layers; () = (hidden, hidden); set from the run with init
    value_scale: float = 1.0    # the network predicts score / value_scale (the run's, with init)
    islands: int = 1            # independent searches, one process each
    threads: int = 1
    migrate_every: int = 0      # islands never exchange words

    def __post_init__(self):
        object.__setattr__(self, "layers", tuple(int(h) for h in self.layers))  # a JSON list on resume
        if not 0 < float(self.value_scale) < float("inf"):
            raise ValueError(f"value_scale must be a finite number > 0, got {self.value_scale!r}")
        for name, low in (("episodes", 1), ("n_sims", 1), ("train_steps", 0), ("batch_size", 1),
                          ("hidden", 1), ("buffer_size", 1), ("islands", 1), ("threads", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        if not isinstance(self.lr, (int, float)) or not 0 < self.lr < float("inf"):
            raise ValueError(f"lr must be a finite number > 0, got {self.lr!r}")


def _counted(score):
    """A shallow copy of ``score`` whose ``score_word`` (what the word state calls when its last bit is set)
    remembers each distinct word's score for one step (``raw``; ``calls`` counts the real score calls, the
    evaluations) and gives the search an invalid object's score as just below the worst valid one seen, so
    an ``invalid_score`` of -10**6 neither swamps the value targets nor the per-tree Q normalisation. The
    original score is untouched."""
    counted = copy.copy(score)
    original = score.score_word
    invalid = getattr(score, "invalid_score", None)
    counted.calls, counted.raw, counted.floor = 0, {}, None

    def score_word(word):
        key = np.asarray(word, dtype=np.uint8).tobytes()
        value = counted.raw.get(key)
        if value is None:
            value = counted.raw[key] = float(original(word))
            counted.calls += 1
            if invalid is None or value > invalid:
                counted.floor = value if counted.floor is None else min(counted.floor, value)
        if invalid is not None and value <= invalid:
            return (counted.floor if counted.floor is not None else 0.0) - 1.0
        return value

    counted.score_word = score_word
    return counted


class AlphaZeroWordSearch(WordSearcher):
    """One island of AlphaZero construction search; see the module docstring."""

    def __init__(self, score, config: AlphaZeroSearchConfig, seed: int, goal: Goal | None = None):
        from mathrl.envs.graphs.state import WordConstructionState

        super().__init__(score, config, seed, goal)
        self._state_type = WordConstructionState
        self.counted = _counted(score)
        torch.manual_seed(seed)
        self.inputs = len(WordConstructionState(self.counted).observation())
        self.layers, self.value_scale = config.layers or (config.hidden, config.hidden), float(config.value_scale)
        self.net = FlatMLP(self.inputs, 2, self.layers)
        # the run's weights are read at the first step (or state_dict) of a fresh search only: a resumed
        # search carries them in its state, so the run may have moved or gone since
        self._init_pending = bool(config.init)
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=config.lr, weight_decay=1e-4)
        self.search_config = SearchConfig(n_sims=config.n_sims, normalize_q=True, dirichlet_alpha=0.3)
        self.obs = np.zeros((0, self.inputs), np.float32)
        self.pi = np.zeros((0, 2), np.float32)
        self.mask = np.zeros((0, 2), bool)
        self.z = np.zeros(0, np.float32)

    def step(self) -> dict:
        clock = time.perf_counter()
        cfg = self.config
        self._apply_init()
        evaluator = ProblemEvaluator(self.net.eval(), "flat", self.value_scale)
        states = [self._state_type(self.counted) for _ in range(cfg.episodes)]
        moves: list[list] = [[] for _ in states]
        live = [i for i, s in enumerate(states) if not s.is_terminal()]
        kept: list = [None] * len(states)  # per word, the subtree of the bit just set (tree reuse)
        sc = self.search_config
        self.counted.calls, self.counted.raw = 0, {}
        while live and time.perf_counter() < self.deadline:
            fresh = [i for i in live if kept[i] is None]
            for i, root in zip(fresh, expand_roots([states[i] for i in fresh], evaluator) if fresh else []):
                kept[i] = root
            for i in live:  # fresh noise at every root, as in self-play; at most half the visits are kept ones
                add_dirichlet_noise(kept[i], sc.dirichlet_alpha, sc.dirichlet_eps, self.rng)
            roots = search([states[i] for i in live], evaluator, sc, self.rng, roots=[kept[i] for i in live],
                           count_existing=sc.n_sims // 2)
            for i, root in zip(live, roots):
                state = states[i]
                visits = root.visit_counts(2)
                moves[i].append((state.observation().astype(np.float32), visits / visits.sum(),
                                 state.action_mask()))
                action = sample_action(root, 1.0, self.rng)
                state.apply(action)
                child = root.children[root.actions.index(action)]
                kept[i] = child if child is not None and child.expanded else None
            live = [i for i in live if not states[i].is_terminal()]
        t_search = time.perf_counter()
        finished = [i for i, s in enumerate(states) if s.is_terminal()]
        self.evaluations += self.counted.calls
        raw = [self.counted.raw[states[i].word.tobytes()] for i in finished]  # the true scores
        for i, value in zip(finished, raw):
            self.record(states[i].word, value)
        self._remember([moves[i] for i in finished], [states[i].final_score / self.value_scale for i in finished])
        loss = self._train() if finished else None
        stats = {"iteration": self.iteration, "best_score": float(self.best_score) if finished or
                 np.isfinite(self.best_score) else None,
                 "mean_score": float(np.mean(raw)) if finished else None,
                 "loss": loss, "evaluations": self.evaluations,
                 "seconds": {"search": t_search - clock, "train": time.perf_counter() - t_search}}
        self.iteration += 1
        return stats

    def _remember(self, episodes: list[list], scores: list[float]) -> None:
        rows = [(o, p, m, s) for moves, s in zip(episodes, scores) for o, p, m in moves]
        if not rows:
            return
        obs, pi, mask, z = zip(*rows)
        keep = self.config.buffer_size
        self.obs = np.concatenate([self.obs, np.stack(obs)])[-keep:]
        self.pi = np.concatenate([self.pi, np.stack(pi).astype(np.float32)])[-keep:]
        self.mask = np.concatenate([self.mask, np.stack(mask)])[-keep:]
        self.z = np.concatenate([self.z, np.asarray(z, np.float32)])[-keep:]

    def _train(self) -> float:
        cfg, total = self.config, 0.0
        self.net.train()
        for _ in range(cfg.train_steps):
            idx = self.rng.integers(len(self.z), size=min(cfg.batch_size, len(self.z)))
            logits, value = self.net(torch.from_numpy(self.obs[idx]))
            mask = torch.from_numpy(self.mask[idx])
            logp = masked_log_softmax(logits, mask).masked_fill(~mask, 0.0)
            loss = -(torch.from_numpy(self.pi[idx]) * logp).sum(-1).mean() \
                + ((torch.from_numpy(self.z[idx]) - value) ** 2).mean()
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            total += float(loss.detach())
        self.net.eval()
        return total / max(cfg.train_steps, 1)

    def _apply_init(self) -> None:
        if self._init_pending:
            self.net.load_state_dict(_init_source(self.config.init, self.inputs)[0])
            self._init_pending = False

    def state_dict(self) -> dict:
        self._apply_init()
        state = super().state_dict()
        state.update(net=self.net.state_dict(), optimizer=self.optimizer.state_dict(),
                     torch_rng=torch.get_rng_state(), obs=self.obs, pi=self.pi, mask=self.mask, z=self.z)
        return state

    def load_state_dict(self, state: dict) -> None:
        """A copy of the optimiser state: Adam's ``load_state_dict`` keeps the tensors it is given, and the
        in-process runner keeps ``state`` (its checkpoint) while this searcher trains."""
        super().load_state_dict(state)
        self._init_pending = False
        self.net.load_state_dict(state["net"])
        self.optimizer.load_state_dict(copy.deepcopy(state["optimizer"]))
        torch.set_rng_state(state["torch_rng"])
        self.obs, self.pi, self.mask, self.z = state["obs"], state["pi"], state["mask"], state["z"]


def _init_source(path: str, inputs: int | None) -> tuple[dict, tuple, float]:
    """(weights, hidden layers, value scale) of a single-player AlphaZero run (its folder or agent file) on a
    word env whose observations have ``inputs`` values (None: any); ValueError, one line, for anything else."""
    import json

    from mathrl.agents.files import load_file

    p = Path(path)
    if p.is_dir():
        p = p / "agent.pt"
    if not p.is_file():
        raise ValueError(f"alphazero:{path}: no agent file (a run of `mathrl train alphazero --env` on a word env)")
    data = load_file(p, "AlphaZero agent")
    try:
        episodes = json.loads(data["config"])["episodes"]
        layers = tuple(int(h) for h in json.loads(episodes.get("network", "{}")).get("layers", (128, 128)))
        value_scale = float(episodes.get("value_scale", 1.0))
        if inputs is None:
            inputs = int(data["weights"]["trunk.0.weight"].shape[1])
        probe = FlatMLP(inputs, 2, layers)
        probe.load_state_dict(data["weights"])
    except Exception as exc:  # another network, another word length, a board-game agent
        raise ValueError(f"alphazero:{path}: not the network of a word env of this length "
                         f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None
    return probe.state_dict(), layers, value_scale
