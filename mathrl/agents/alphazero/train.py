"""AlphaZero training loop: self-play on parallel workers, a FIFO replay buffer, and a network trained on it.

One iteration:

1. the current weights play ``games_per_iter`` games, split over ``workers``
   processes or Ray tasks (each a plain ``play_games(weights, config, seed, n)`` call,
   :mod:`mathrl.agents.executor`);
2. every position joins the replay buffer;
3. the network trains on uniform minibatches, each sample under one random
   board symmetry, until each new position has been drawn ``reuse`` times in
   expectation;
4. every ``eval_every`` iterations the searching agent plays random and
   pure-MCTS opponents (win rates go to the log: the learning curve);
5. a checkpoint (weights, optimiser, buffer, RNG states, iteration) is written,
   so ``--resume`` continues exactly where the run stopped. ``checkpoint.pt`` holds
   tensors and plain data only (:mod:`mathrl.agents.files`) and is read with
   ``weights_only=True``; ``buffer.npz`` is read without pickle (``allow_pickle=False``).

Kills. The run folder survives a kill at any instant (:mod:`mathrl.agents.runs`):
``checkpoint.pt`` and ``buffer.npz`` are one checkpoint, committed together by
``manifest.json`` (:func:`mathrl.agents.runs.commit_checkpoint`: the previous
checkpoint stays complete until the new one is) and checked against it on resume, so
an iteration's weights never meet another iteration's buffer; ``metrics.jsonl`` is
cut back on resume to the rows the checkpoint had seen; ``agent.pt`` and
``config.json`` are replaced atomically. ``config.json`` is a readable copy of the
config inside ``checkpoint.pt``, rewritten on every start: resume reads the
checkpoint's, so a damaged or deleted copy is simply written again. Ctrl-C, SIGTERM and SIGHUP stop the run
(an iteration cut short is dropped: the previous one is checkpointed), and the
self-play workers die with the main process, even after a SIGKILL.

The loss is ``(z - v)^2 - pi . log softmax(masked logits)`` plus ``c ||theta||^2``
(Adam's L2 ``weight_decay = 2c`` is the same gradient).
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

from mathrl.agents.alphazero.agent import AlphaZeroAgent, save_agent
from mathrl.agents.alphazero.arena import as_player, bradley_terry, play_match
from mathrl.agents.alphazero.config import AlphaZeroConfig
from mathrl.agents.alphazero.network import masked_log_softmax
from mathrl.agents.alphazero.ahead import GamesAhead
from mathrl.agents.alphazero.selfplay import build_net, play_games
from mathrl.agents.files import FileFormatError, load_file, not_readable, save_bytes, save_file
from mathrl.agents.runlog import MetricsLog, RunBar, cut_metrics
from mathrl.agents.runs import (MANIFEST, commit_checkpoint, finish_commit, interrupts_as_keyboard,
                                verify_manifest, write_json)
from mathrl.envs.games.registry import make_game


class ReplayBuffer:
    """Fixed-capacity FIFO of positions in flat arrays (cheap to sample from and to save)."""

    def __init__(self, capacity: int, obs_shape: tuple, num_actions: int):
        self.capacity = capacity
        self.obs = np.zeros((capacity, *obs_shape), dtype=np.uint8)
        self.mask = np.zeros((capacity, num_actions), dtype=bool)
        self.pi = np.zeros((capacity, num_actions), dtype=np.float32)
        self.z = np.zeros(capacity, dtype=np.float32)
        self.size = 0
        self.pos = 0

    def add(self, obs, mask, pi, z) -> None:
        n = len(z)
        if n >= self.capacity:
            obs, mask, pi, z = obs[-self.capacity:], mask[-self.capacity:], pi[-self.capacity:], z[-self.capacity:]
            n = self.capacity
        idx = (self.pos + np.arange(n)) % self.capacity
        self.obs[idx], self.mask[idx], self.pi[idx], self.z[idx] = obs, mask, pi, z
        self.pos = int((self.pos + n) % self.capacity)
        self.size = min(self.capacity, self.size + n)

    def save(self, path: Path) -> None:
        """``np.savez`` to ``path``, atomically."""
        n = self.size
        save_bytes(lambda f: np.savez(f, obs=self.obs[:n], mask=self.mask[:n], pi=self.pi[:n], z=self.z[:n],
                                      pos=self.pos), path)

    def load(self, path: Path) -> None:
        try:
            with np.load(path, allow_pickle=False) as data:
                n = len(data["z"])
                self.obs[:n], self.mask[:n], self.pi[:n], self.z[:n] = data["obs"], data["mask"], data["pi"], data["z"]
                self.size, self.pos = n, int(data["pos"])
        except Exception as exc:  # truncated, foreign or for another buffer size
            raise not_readable(path, "replay buffer", exc) from exc


def augment(game, rng: np.random.Generator, obs: np.ndarray, mask: np.ndarray, pi: np.ndarray):
    """One uniformly random board symmetry per sample (no extra memory, unlike storing every copy)."""
    symmetries = game.symmetries()
    if len(symmetries) == 1:
        return obs, mask, pi
    choice = rng.integers(len(symmetries), size=len(obs))
    obs, mask, pi = obs.copy(), mask.copy(), pi.copy()
    for k, g in enumerate(symmetries):
        if k == 0:
            continue
        rows = np.flatnonzero(choice == k)
        if len(rows):
            obs[rows], mask[rows], pi[rows] = g.obs(obs[rows]), g.policy(mask[rows]), g.policy(pi[rows])
    return obs, mask, pi


def _diff(old: dict, new: dict, prefix: str = "") -> dict:
    """``{"field": [old, new]}`` for every field (``search.x`` for nested ones) that differs."""
    out = {}
    for key, value in new.items():
        if isinstance(value, dict):
            out.update(_diff(old.get(key, {}), value, f"{prefix}{key}."))
        elif old.get(key) != value:
            out[f"{prefix}{key}"] = [old.get(key), value]
    return out


def loss_terms(net, obs, mask, pi, z):
    logits, v = net(obs)
    logp = masked_log_softmax(logits, mask).masked_fill(~mask, 0.0)
    policy_loss = -(pi * logp).sum(-1).mean()
    value_loss = ((z - v) ** 2).mean()
    return policy_loss, value_loss


FIXED_ON_RESUME = ("game", "game_kwargs", "blocks", "channels", "buffer_size", "seed")
CHECKPOINT_FORMAT = "mathrl-alphazero-checkpoint/2"  # /2: written by save_file, read with weights_only=True
CHECKPOINT_KEYS = ("config", "weights", "optimizer", "rng", "torch_rng", "iteration", "elapsed", "games_played")
WHAT = "AlphaZero checkpoint"
PARTS = ("checkpoint.pt", "buffer.npz")


def read_checkpoint(out: str | Path) -> dict:
    """A run folder's ``checkpoint.pt``, read safely and checked against the manifest that committed it
    with ``buffer.npz``; a missing, unreadable, foreign or mismatched one is a ValueError
    (:class:`~mathrl.agents.files.FileFormatError` for the files themselves), one line.

    A commit that a kill interrupted between its two manifests is completed first
    (:func:`~mathrl.agents.runs.finish_commit`), so this may rename files in ``out``."""
    out = Path(out)
    ckpt_path = out / "checkpoint.pt"
    if out.is_dir():
        finish_commit(out, PARTS)
    if not ckpt_path.exists():
        raise ValueError(f"--resume: no checkpoint.pt in {out}")
    ckpt = load_file(ckpt_path, WHAT)
    if not isinstance(ckpt, dict) or any(key not in ckpt for key in CHECKPOINT_KEYS):
        raise not_readable(ckpt_path, WHAT, "not a mathrl AlphaZero checkpoint")
    # a checkpoint that counts its metrics rows was committed by a manifest; an older run folder has none
    verify_manifest(out, required="metrics_rows" in ckpt)
    return ckpt


def _config_of(ckpt: dict, out) -> AlphaZeroConfig:
    try:
        return AlphaZeroConfig.from_dict(ckpt["config"])
    except (TypeError, ValueError, AttributeError) as exc:
        raise not_readable(Path(out) / "checkpoint.pt", WHAT, exc) from exc


def load_run_config(out: str | Path) -> AlphaZeroConfig:
    """The config saved in a run folder's checkpoint (what ``--resume`` starts from)."""
    return _config_of(read_checkpoint(out), out)


class Trainer:
    """Owns a run directory: ``checkpoint.pt``, ``buffer.npz``, ``agent.pt``, ``metrics.jsonl``, TensorBoard logs."""

    def __init__(self, config: AlphaZeroConfig | None, out: str | Path, resume: bool = False,
                 init: str | None = None):
        """``resume``: continue the run in ``out``; ``config`` None keeps the run's own config, otherwise
        it replaces it: training knobs (learning rate, simulations, reuse, workers...) may change, as in
        a learning-rate drop, but not what the weights, buffer or seeds depend on (``FIXED_ON_RESUME``).
        ``init`` (a new run only): start from the weights of this agent (a file, a run folder or
        ``pretrained:GAME``) with the same game and network size; the agent file records it, with the
        training time and games already in those weights, so a reported training time stays complete."""
        self.out = Path(out)
        self.config_changes: dict = {}
        if resume:
            ckpt = read_checkpoint(self.out)
            saved = _config_of(ckpt, self.out)
            config = saved if config is None else config
            fixed = [name for name in FIXED_ON_RESUME if getattr(config, name) != getattr(saved, name)]
            if fixed:
                raise ValueError(f"--resume: {', '.join(fixed)} cannot change in a resumed run; start a new run instead")
            self.config_changes = _diff(saved.to_dict(), config.to_dict())
        elif config is None:
            raise ValueError("a new run needs a config")
        self.config = config
        self.game = make_game(config.game, **dict(config.game_kwargs))
        torch.manual_seed(config.seed)  # seeded initial weights (overwritten on resume)
        self.net = build_net(config, self.game)
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=config.lr, weight_decay=2 * config.weight_decay)
        self.buffer = ReplayBuffer(config.buffer_size, self.game.observation_shape, self.game.num_actions)
        self.rng = np.random.default_rng(config.seed)
        self.iteration = 0
        self.elapsed = 0.0        # training wall time over all runs joined by --resume
        self.games_played = 0
        self.matches: list = []     # [name, name, wins, losses] of every evaluation match (draws split)
        self.previous = None        # (iteration, weights) of the last evaluated network
        self.ahead = GamesAhead(config.selfplay_ahead, self._start)  # self-play started before learning
        self.metrics_rows: int | None = 0  # complete rows of metrics.jsonl belonging to this state
        self.init: dict | None = None  # the agent a new run started from (what it already had learned)
        if init is not None:
            if resume:
                raise ValueError("init= starts a new run; a resumed run keeps its own weights")
            self._init_from(init)
        self._unsaved = False       # the state is a completed iteration not yet checkpointed
        self._committed = resume    # the run folder holds a checkpoint of this run
        self._log = None
        if resume:
            try:
                self._restore(ckpt, config)
            except FileFormatError:
                raise
            except (KeyError, TypeError, ValueError, AttributeError, IndexError, RuntimeError) as exc:
                raise not_readable(self.out / "checkpoint.pt", WHAT, exc) from exc
        self.out.mkdir(parents=True, exist_ok=True)
        if not resume:  # what an earlier, uncheckpointed run may have left
            for name in (MANIFEST, "checkpoint.next.pt", "buffer.next.npz"):
                (self.out / name).unlink(missing_ok=True)
        write_json(self.out / "config.json", config.to_dict())
        self.metrics_rows = cut_metrics(self.out, self.metrics_rows)  # rows after the checkpoint go now

    def _init_from(self, path: str) -> None:
        from mathrl.agents.alphazero.agent import read_agent

        source, net, extra, _ = read_agent(path)
        cfg = self.config
        theirs = make_game(source.game, **dict(source.game_kwargs))  # sizes written out or left default alike
        for name, mine, other in (("game", (cfg.game, self.game.observation_shape, self.game.num_actions),
                                   (source.game, theirs.observation_shape, theirs.num_actions)),
                                  ("blocks", cfg.blocks, source.blocks), ("channels", cfg.channels, source.channels)):
            if mine != other:
                raise ValueError(f"init {path}: its {name} is {other!r}, this run's {mine!r}; they must match")
        self.net.load_state_dict(net.state_dict())
        # what those weights had already cost, the agents they came from included
        self.init = {"from": str(path),
                     "train_seconds": float(extra.get("total_train_seconds", extra.get("train_seconds", 0.0))),
                     "games_played": int(extra.get("total_games_played", extra.get("games_played", 0))),
                     "iteration": int(extra.get("iteration", 0)), "symmetrize": bool(extra.get("symmetrize", False))}

    def _restore(self, ckpt: dict, config: AlphaZeroConfig) -> None:
        """Weights, optimiser, RNG states, counters and buffer from a checkpoint read by :func:`read_checkpoint`."""
        self.net.load_state_dict(ckpt["weights"])
        self.optimizer.load_state_dict(ckpt["optimizer"])
        for group in self.optimizer.param_groups:  # a changed lr / weight decay takes effect now
            group["lr"], group["weight_decay"] = config.lr, 2 * config.weight_decay
        self.rng.bit_generator.state = ckpt["rng"]
        torch.set_rng_state(ckpt["torch_rng"])
        self.iteration, self.elapsed = int(ckpt["iteration"]), float(ckpt["elapsed"])
        self.games_played = int(ckpt["games_played"])
        self.matches = [list(m) for m in ckpt.get("matches", [])]
        previous = ckpt.get("previous")
        self.previous = None if previous is None else (int(previous[0]), dict(previous[1]))
        self.init = ckpt.get("init")
        if config.selfplay_ahead:  # the batches in flight at the checkpoint, started again by run()
            self.ahead.restore(ckpt.get("pending"))
        rows = ckpt.get("metrics_rows")
        if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 0):
            raise ValueError(f"metrics_rows {rows!r}")
        self.metrics_rows = rows
        if (self.out / "buffer.npz").exists():
            self.buffer.load(self.out / "buffer.npz")

    # ---- one iteration ---------------------------------------------------
    def _jobs(self, weights: dict, iteration: int) -> list:
        """The self-play calls of one iteration: plain ``play_games(weights, config, seed, n)`` calls whose
        seeds depend on the run's seed, the iteration and the worker only."""
        cfg = self.config
        shares = [cfg.games_per_iter // cfg.workers + (w < cfg.games_per_iter % cfg.workers) for w in range(cfg.workers)]
        seeds = [int(np.random.SeedSequence([cfg.seed, iteration, w]).generate_state(1)[0]) for w in range(cfg.workers)]
        return [(weights, cfg, seed, n) for seed, n in zip(seeds, shares) if n > 0]

    @staticmethod
    def _merge(parts: list) -> dict:
        merged = {k: np.concatenate([p[k] for p in parts]) for k in ("obs", "mask", "pi", "z", "results", "lengths")}
        merged["seconds"] = max(p["seconds"] for p in parts)
        merged["positions_evaluated"] = sum(p["positions_evaluated"] for p in parts)
        return merged

    def _weights(self) -> dict:
        return {k: v.detach().clone() for k, v in self.net.state_dict().items()}

    def self_play(self, pool) -> dict:
        """This iteration's games, played now by the current weights (``selfplay_ahead = 0``)."""
        jobs = self._jobs(self._weights(), self.iteration)
        parts = pool.map(play_games, jobs) if pool is not None else [play_games(*job) for job in jobs]
        merged = self._merge(parts)
        merged["version"] = self.iteration - 1
        return merged

    def _start(self, executor, weights: dict, iteration: int):
        return executor.submit(play_games, self._jobs(weights, iteration))

    def games_ahead(self, pool) -> dict:
        """This iteration's games with ``selfplay_ahead = k > 0`` (:class:`~mathrl.agents.alphazero.ahead.GamesAhead`):
        the games of up to k iterations ahead are started with the current weights before this iteration's
        are awaited, so the workers play while the learner trains."""
        parts, version, waited = self.ahead.next(pool, self.iteration, self.iteration - 1, self._weights)
        merged = self._merge(parts)
        merged["wait_seconds"], merged["version"] = waited, version
        return merged

    def learn(self, new_positions: int) -> dict:
        cfg = self.config
        steps = max(1, math.ceil(cfg.reuse * new_positions / cfg.batch_size))
        self.net.train()
        totals = np.zeros(2)
        for _ in range(steps):
            idx = self.rng.integers(self.buffer.size, size=min(cfg.batch_size, self.buffer.size))
            obs, mask, pi = augment(self.game, self.rng, self.buffer.obs[idx], self.buffer.mask[idx], self.buffer.pi[idx])
            p_loss, v_loss = loss_terms(self.net, torch.from_numpy(obs.astype(np.float32)), torch.from_numpy(mask),
                                        torch.from_numpy(pi), torch.from_numpy(self.buffer.z[idx]))
            self.optimizer.zero_grad()
            (p_loss + v_loss).backward()
            self.optimizer.step()
            totals += (p_loss.item(), v_loss.item())
        self.net.eval()
        return {"steps": steps, "policy_loss": totals[0] / steps, "value_loss": totals[1] / steps}

    def evaluate(self) -> dict:
        """Matches against random, pure MCTS and the previously evaluated network; Elo of every network so far.

        All results accumulate in ``self.matches`` and a Bradley-Terry fit (random = 0) rates each
        evaluated iteration: an Elo-style ladder against fixed baselines, without gating.
        """
        from mathrl.envs.games.opponents import MCTSOpponent, RandomOpponent

        cfg = self.config
        agent = AlphaZeroAgent(build_net(cfg, self.game), cfg, n_sims=cfg.eval_sims)
        agent.net.load_state_dict(self.net.state_dict())
        seed = cfg.seed + 7919 * self.iteration
        me = f"iter{self.iteration}"
        opponents = [("random", "random", RandomOpponent()),
                     ("mcts", f"mcts{cfg.eval_mcts_sims}", MCTSOpponent(n_sims=cfg.eval_mcts_sims))]
        if self.previous is not None:
            previous = AlphaZeroAgent(build_net(cfg, self.game), cfg, n_sims=cfg.eval_sims)
            previous.net.load_state_dict(self.previous[1])
            opponents.append(("previous", f"iter{self.previous[0]}", previous))
        out = {}
        for key, name, opponent in opponents:
            r = play_match(self.game, as_player(agent), as_player(opponent), cfg.eval_games, seed)
            out[f"vs_{key}_score"] = r["score"]
            out[f"vs_{key}_wdl"] = [r["wins"], r["draws"], r["losses"]]
            self.matches.append([me, name, r["wins"] + 0.5 * r["draws"], r["losses"] + 0.5 * r["draws"]])
        table: dict = {}
        for a, b, wa, wb in self.matches:
            old = table.get((a, b), (0.0, 0.0))
            table[(a, b)] = (old[0] + wa, old[1] + wb)
        out["elo"] = bradley_terry(table, anchor="random")[me]
        self.previous = (self.iteration, {k: v.clone() for k, v in self.net.state_dict().items()})
        return out

    def checkpoint(self) -> None:
        """checkpoint.pt + buffer.npz as one commit (a manifest written last), then agent.pt (atomic)."""
        ckpt = {"format": CHECKPOINT_FORMAT, "config": self.config.to_dict(), "weights": self.net.state_dict(),
                "optimizer": self.optimizer.state_dict(), "rng": self.rng.bit_generator.state,
                "torch_rng": torch.get_rng_state(), "iteration": self.iteration,
                "elapsed": self.elapsed, "games_played": self.games_played,
                "matches": self.matches, "previous": self.previous,
                "pending": self.ahead.state(), "init": self.init,
                "metrics_rows": self.metrics_rows}  # present: this checkpoint is committed by a manifest
        commit_checkpoint(self.out, {"checkpoint.pt": lambda path: save_file(ckpt, path),
                                     "buffer.npz": self.buffer.save},
                          trainer="alphazero", iteration=self.iteration)
        save_agent(self.out / "agent.pt", self.net, self.config, self._extra())
        self._unsaved = False
        self._committed = True

    def _extra(self) -> dict:
        """What the agent file says about its training (including the agent it started from, if any)."""
        extra = {"iteration": self.iteration, "games_played": self.games_played, "train_seconds": self.elapsed}
        if self.init is not None:
            extra["init"] = self.init
            if self.init.get("symmetrize"):  # play as the agent it continues was evaluated (mirror-averaged)
                extra["symmetrize"] = True
            extra["total_train_seconds"] = self.elapsed + self.init["train_seconds"]
            extra["total_games_played"] = self.games_played + self.init["games_played"]
        return extra

    def log(self, record: dict) -> None:
        self._log.write(record)
        self.metrics_rows = self._log.rows

    # ---- the loop ----------------------------------------------------------
    def run(self, iterations: int | None = None, time_limit: float | None = None, progress: bool = True,
            ray: str | None = None) -> dict:
        """Train ``iterations`` more iterations (None: until ``time_limit``, or forever), checkpointing each.

        Ctrl-C, SIGTERM and SIGHUP raise ``KeyboardInterrupt`` after making sure the last completed
        iteration is checkpointed (one cut short is dropped). The summary's ``agent`` is the agent file;
        when nothing has ever been trained it holds the untrained network, and a line on stderr says so.
        """
        with interrupts_as_keyboard():
            try:
                return self._run(iterations, time_limit, progress, ray)
            finally:
                if self._log is not None:
                    self._log.close()
                    self._log = None

    def _run(self, iterations, time_limit, progress, ray) -> dict:

        cfg = self.config
        torch.set_num_threads(max(1, cfg.workers))
        self._log = MetricsLog(self.out, "iteration", self.metrics_rows)
        self.metrics_rows = self._log.rows
        if not self._committed:  # a new run: checkpointed at iteration 0, so that an interrupt in the
            self.checkpoint()    # first iteration leaves a checkpoint too
        pool = bar = None
        last_seconds = 0.0
        done = 0
        record = {}
        try:
            if cfg.workers > 1 or ray is not None or cfg.selfplay_ahead:  # processes (dying with this one) or Ray
                from mathrl.agents.executor import ProcessExecutor, make_executor

                pool = make_executor(cfg.workers, ray) if cfg.workers > 1 or ray is not None else ProcessExecutor(1)
            self.ahead.restart(pool)  # batches a checkpoint kept in flight: start them again
            bar = RunBar(iterations=iterations, time_limit=time_limit, done_seconds=self.elapsed,
                         disable=not progress, desc=f"alphazero {cfg.game}", unit="iter")
            while iterations is None or done < iterations:
                if time_limit is not None and self.elapsed + last_seconds > time_limit:
                    break
                t0 = time.perf_counter()
                self.iteration += 1
                played = self.games_ahead(pool) if cfg.selfplay_ahead else self.self_play(pool)
                self.buffer.add(played["obs"], played["mask"], played["pi"], played["z"])
                learned = self.learn(len(played["z"]))
                results = played["results"][:, 0]
                self.games_played += len(results)
                record = {"iteration": self.iteration, "games": self.games_played, "positions": int(len(played["z"])),
                          "buffer": self.buffer.size, "selfplay_seconds": played["seconds"],
                          "sims_per_second": played["positions_evaluated"] / max(played["seconds"], 1e-9) * cfg.workers,
                          "first_player_score": float((results > 0).mean() + 0.5 * (results == 0).mean()),
                          "mean_length": float(played["lengths"].mean()),
                          "selfplay_staleness": self.iteration - 1 - played["version"], **learned}
                if "wait_seconds" in played:  # the learner's wait for the games (0 when the workers keep ahead)
                    record["selfplay_wait_seconds"] = played["wait_seconds"]
                if self.config_changes:  # logged once, with the first iteration after a resume that changed them
                    record["config_changes"], self.config_changes = self.config_changes, {}
                if cfg.eval_every and self.iteration % cfg.eval_every == 0:
                    record.update(self.evaluate())
                last_seconds = time.perf_counter() - t0
                self.elapsed += last_seconds
                record["train_seconds"] = self.elapsed
                self.log(record)  # before the checkpoint, which records the row count
                self._unsaved = True
                self.checkpoint()
                done += 1
                bar.advance(1, self.elapsed)
                bar.set_postfix(**{k: round(v, 3) for k, v in record.items()
                                   if k in ("policy_loss", "value_loss", "vs_random_score", "vs_mcts_score")})
        except KeyboardInterrupt:
            if pool is not None:  # SIGTERM reaches this process only: the workers' games are not waited for
                pool.close(abandon=True)
                pool = None
            if self._unsaved:  # interrupted while checkpointing a completed iteration: finish that
                self.checkpoint()
            raise
        finally:
            if bar is not None:
                bar.close()
            self.ahead.cancel()  # their weights stay in the checkpoint; the games are played again
            if pool is not None:
                pool.close(abandon=bool(self.ahead.pending))
        agent = self.out / "agent.pt"
        if done == 0:  # agent.pt from the checkpointed state (a kill after a commit may have left an older one)
            save_agent(agent, self.net, self.config, self._extra())
            if self.iteration == 0:  # nothing trained, ever: say so
                print(f"no iterations were run: {agent} holds the untrained network (iteration 0)",
                      file=sys.stderr)
        return {"iterations": self.iteration, "games": self.games_played, "train_seconds": self.elapsed,
                "agent": str(agent), "trained": self.iteration > 0, **record}
