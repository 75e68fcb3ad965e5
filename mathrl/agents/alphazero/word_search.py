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
Dirichlet noise at the roots, moves sampled from the visit counts), then trains
on ``train_steps`` minibatches of the replay buffer: cross-entropy towards the
visit distributions and squared error towards the finished words' scores.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from mathrl.agents.alphazero.config import SearchConfig
from mathrl.agents.alphazero.episodes import ProblemEvaluator
from mathrl.agents.alphazero.mcts import sample_action, search
from mathrl.agents.alphazero.network import masked_log_softmax
from mathrl.agents.alphazero.networks import FlatMLP
from mathrl.agents.goal import Goal
from mathrl.agents.searcher_base import ConfigMixin, WordSearcher

__all__ = ["AlphaZeroSearchConfig", "AlphaZeroWordSearch"]


@dataclass(frozen=True)
class AlphaZeroSearchConfig(ConfigMixin):
    episodes: int = 32          # words built side by side per step
    n_sims: int = 16            # simulations per bit
    train_steps: int = 8        # minibatches per step
    batch_size: int = 256
    lr: float = 1e-3
    hidden: int = 128           # two hidden layers of this width
    buffer_size: int = 100_000  # moves kept for training
    init: str = ""              # weights from a `mathrl train alphazero --env` run (or its agent file)
    islands: int = 1            # independent searches, one process each
    threads: int = 1
    migrate_every: int = 0      # islands never exchange words

    def __post_init__(self):
        for name, low in (("episodes", 1), ("n_sims", 1), ("train_steps", 0), ("batch_size", 1),
                          ("hidden", 1), ("buffer_size", 1), ("islands", 1), ("threads", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        if not isinstance(self.lr, (int, float)) or not 0 < self.lr < float("inf"):
            raise ValueError(f"lr must be a finite number > 0, got {self.lr!r}")


def _counted(score):
    """A shallow copy of ``score`` whose ``score_word`` counts its calls (the original is untouched)."""
    counted = copy.copy(score)
    original = score.score_word
    counted.calls = 0

    def score_word(word):
        counted.calls += 1
        return original(word)

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
        self.net = FlatMLP(self.inputs, 2, (config.hidden, config.hidden))
        if config.init:
            self.net.load_state_dict(_init_weights(config.init, self.inputs, config.hidden))
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=config.lr, weight_decay=1e-4)
        self.search_config = SearchConfig(n_sims=config.n_sims, normalize_q=True, dirichlet_alpha=0.3)
        self.obs = np.zeros((0, self.inputs), np.float32)
        self.pi = np.zeros((0, 2), np.float32)
        self.mask = np.zeros((0, 2), bool)
        self.z = np.zeros(0, np.float32)

    def step(self) -> dict:
        clock = time.perf_counter()
        cfg = self.config
        evaluator = ProblemEvaluator(self.net.eval(), "flat")
        states = [self._state_type(self.counted) for _ in range(cfg.episodes)]
        moves: list[list] = [[] for _ in states]
        live = [i for i, s in enumerate(states) if not s.is_terminal()]
        self.counted.calls = 0
        while live and time.perf_counter() < self.deadline:
            roots = search([states[i] for i in live], evaluator, self.search_config, self.rng, noise=True)
            for i, root in zip(live, roots):
                state = states[i]
                visits = root.visit_counts(2)
                moves[i].append((state.observation().astype(np.float32), visits / visits.sum(),
                                 state.action_mask()))
                state.apply(sample_action(root, 1.0, self.rng))
            live = [i for i in live if not states[i].is_terminal()]
        t_search = time.perf_counter()
        finished = [i for i, s in enumerate(states) if s.is_terminal()]
        self.evaluations += self.counted.calls
        for i in finished:
            self.record(states[i].word, states[i].final_score)
        self._remember([moves[i] for i in finished], [states[i].final_score for i in finished])
        loss = self._train() if finished else float("nan")
        stats = {"iteration": self.iteration, "best_score": float(self.best_score),
                 "mean_score": float(np.mean([states[i].final_score for i in finished])) if finished else None,
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

    def state_dict(self) -> dict:
        state = super().state_dict()
        state.update(net=self.net.state_dict(), optimizer=self.optimizer.state_dict(),
                     torch_rng=torch.get_rng_state(), obs=self.obs, pi=self.pi, mask=self.mask, z=self.z)
        return state

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self.net.load_state_dict(state["net"])
        self.optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["torch_rng"])
        self.obs, self.pi, self.mask, self.z = state["obs"], state["pi"], state["mask"], state["z"]


def _init_weights(path: str, inputs: int, hidden: int) -> dict:
    """The network weights of a single-player AlphaZero run (its folder or agent file) on a word env of the
    same length; ValueError, one line, for anything else."""
    from mathrl.agents.files import load_file

    p = Path(path)
    if p.is_dir():
        p = p / "agent.pt"
    if not p.is_file():
        raise ValueError(f"alphazero:{path}: no agent file (a run of `mathrl train alphazero --env` on a word env)")
    data = load_file(p, "AlphaZero agent")
    weights = data.get("weights") if isinstance(data, dict) else None
    probe = FlatMLP(inputs, 2, (hidden, hidden))
    try:
        probe.load_state_dict(weights)
    except Exception as exc:  # another network, another word length, a board-game agent
        raise ValueError(f"alphazero:{path}: its network does not fit words of this length with "
                         f"hidden={hidden} ({str(exc).splitlines()[0]})") from None
    return probe.state_dict()
