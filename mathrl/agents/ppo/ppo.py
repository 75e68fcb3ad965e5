"""Proximal Policy Optimization with action masks, read top to bottom (after CleanRL's ``ppo.py``).

One update = collect ``num_envs * num_steps`` transitions from vectorised envs, compute GAE
advantages, then ``update_epochs`` passes of minibatch gradient steps on the clipped surrogate.
Everything CleanRL lists is here and visible: orthogonal init, learning-rate annealing, advantage
normalisation, clipped value loss, entropy bonus, global gradient clipping, optional KL early stop.

Two additions for mathematical search:

* **Masks.** Illegal actions get no probability, no log-probability and no entropy
  (:class:`MaskedCategorical`); states with a single legal action are left out of the policy loss
  (``skip_forced``), since they carry no choice.
* **Env-provided baselines.** ``baseline="info"`` takes V(s) from ``info[baseline_key]`` instead of a
  learned critic: Buchberger's env reports the return of finishing the episode with Degree
  (``rollout_value="degree"``), which is the paper's baseline. The agent needs no domain knowledge.

Truncated episodes are bootstrapped with V(final observation); terminated ones are not.
A run folder holds ``config.json``, ``checkpoint.pt`` (+ ``envs.pkl``: the vector env mid-rollout, so
``--resume`` continues bit for bit), ``manifest.json``, ``agent.pt``, ``metrics.jsonl``, ``curve.png`` and
TensorBoard logs.

Kills. The run folder survives a kill at any instant (:mod:`mathrl.agents.runs`): ``checkpoint.pt`` and
``envs.pkl`` are one checkpoint, committed together by ``manifest.json`` (:func:`commit_checkpoint`: the
previous checkpoint stays complete until the new one is), and ``--resume`` checks them against it;
``metrics.jsonl`` is append-only and cut back on resume to the rows the checkpoint had seen; every other
file is replaced atomically. Ctrl-C, SIGTERM and SIGHUP checkpoint the last *completed* update (a
snapshot taken at every update boundary: a state caught mid-rollout is never saved) and exit.

Files and trust. ``agent.pt`` and ``checkpoint.pt`` hold tensors and plain data only and are read with
``weights_only=True`` (:mod:`mathrl.agents.files`): they cannot run code. ``envs.pkl`` cannot be made
so: it is a pickle of the environments themselves (arbitrary Python objects), and unpickling runs code.
``--resume`` unpickles it only after two checks: its SHA-256 against the one recorded in
``checkpoint.pt`` (a torn or mismatching ``envs.pkl`` is refused), and its HMAC under this user's
secret key (:func:`mathrl.agents.files.local_key`, created on first use), so a run folder written by
someone else, even with consistent hashes, is never unpickled: its episodes in flight restart instead,
with a warning. Agent files, the ones people share, never unpickle arbitrary objects.
"""

from __future__ import annotations

import copy
import hashlib
import os
import pickle
import time
import types
import warnings
from collections import deque
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch

from mathrl.agents.files import FileFormatError, load_file, not_readable, save_bytes, save_file, sign, signed_here
from mathrl.agents.ppo.agent import PPOAgent, evaluate, save_agent
from mathrl.agents.ppo.config import PPOConfig
from mathrl.agents.ppo.obs import ObsAdapter, pad_rows
from mathrl.agents.ppo.policies import MaskedCategorical, build_policy
from mathrl.agents.runlog import METRICS, MetricsLog, cut_metrics
from mathrl.agents.runs import (MANIFEST, commit_checkpoint, finish_commit, interrupts_as_keyboard, read_jsonl,
                                save_figure, staged_name, verify_manifest, write_json)


CHECKPOINT_FORMAT = "mathrl-ppo-checkpoint/2"  # /2: safe (weights_only) file, records envs.pkl's SHA-256
CHECKPOINT_KEYS = ("config", "policy", "optimizer", "update", "global_step", "episodes", "elapsed", "recent", "rng",
                   "torch_rng")
WHAT = "PPO checkpoint"
PARTS = ("checkpoint.pt", "envs.pkl")


def gae(rewards: np.ndarray, values: np.ndarray, dones: np.ndarray, next_value: np.ndarray, gamma: float,
        lam: float) -> np.ndarray:
    """Generalised advantage estimation over a (T, E) rollout; ``dones[t]`` means step t ended its episode
    (any bootstrap for a truncation is already in ``rewards[t]``), ``next_value`` is V after the last step."""
    T = len(rewards)
    advantages = np.zeros_like(values, dtype=np.float64)
    last = np.zeros_like(next_value, dtype=np.float64)
    for t in reversed(range(T)):
        following = next_value if t == T - 1 else values[t + 1]
        alive = 1.0 - dones[t]
        delta = rewards[t] + gamma * following * alive - values[t]
        advantages[t] = last = delta + gamma * lam * alive * last
    return advantages


class EnvFactory:
    """``gym.make(env_id, **env_kwargs)`` as a picklable callable (async workers and checkpoints need that)."""

    def __init__(self, env_id: str, env_kwargs: dict):
        self.env_id, self.env_kwargs = env_id, dict(env_kwargs)

    def __call__(self):
        import mathrl  # noqa: F401  (registers mathrl/... in a fresh process)

        return gym.make(self.env_id, **self.env_kwargs)


def make_vector_env(cfg: PPOConfig) -> gym.vector.VectorEnv:
    """Same-step autoreset: the step that ends an episode returns the next episode's first observation and
    keeps the last one in ``info["final_obs"]`` / ``info["final_info"]`` for bootstrapping."""
    from gymnasium.vector import AsyncVectorEnv, AutoresetMode, SyncVectorEnv

    if cfg.vector == "native":
        # the id's vector entry point (gymnasium.make_vec): e.g. the compiled batch of mathrl/Buchberger-v0,
        # which gives the same episodes as "sync" for the same seed, only faster
        import mathrl  # noqa: F401  (registers mathrl/...)

        spec = gym.spec(cfg.env_id)
        if spec.vector_entry_point is None:
            raise ValueError(f"vector='native': {cfg.env_id} has no vector entry point; use 'sync'")
        try:
            envs = gym.make_vec(cfg.env_id, num_envs=cfg.num_envs, vectorization_mode="vector_entry_point",
                                autoreset_mode=AutoresetMode.SAME_STEP, copy=False, **cfg.env_kwargs)
        except TypeError as exc:  # a third-party vector env without these arguments, or a bad env_kwargs
            if "autoreset_mode" in str(exc) or "copy" in str(exc):
                raise ValueError(f"vector='native': the vector env of {cfg.env_id} does not take "
                                 f"autoreset_mode/copy ({exc}); use 'sync'") from exc
            raise ValueError(f"{cfg.env_id}: {exc}") from exc
        if envs.metadata.get("autoreset_mode") != AutoresetMode.SAME_STEP:
            envs.close()
            raise ValueError(f"vector='native': the vector env of {cfg.env_id} does not autoreset in the same "
                             "step; use 'sync'")
        return envs
    fns = [EnvFactory(cfg.env_id, cfg.env_kwargs) for _ in range(cfg.num_envs)]
    if cfg.vector == "async":
        return AsyncVectorEnv(fns, autoreset_mode=AutoresetMode.SAME_STEP, context="spawn")
    return SyncVectorEnv(fns, autoreset_mode=AutoresetMode.SAME_STEP)


def rollout_bytes(cfg: PPOConfig, observation_space, action_space) -> int | None:
    """Estimated bytes of one rollout and the first layer, from one env's spaces (None when a space has no
    fixed size, e.g. a sequence of rows): float32 inputs and a mask per step and env, the vector env's
    buffers, and the first layer's weights with their gradients and Adam moments."""
    from gymnasium import spaces as gym_spaces

    try:
        inputs = gym_spaces.flatdim(observation_space)
        actions = gym_spaces.flatdim(action_space)
    except (TypeError, ValueError, NotImplementedError):
        return None
    per_step = 4 * inputs + actions + 64
    return (cfg.num_steps * cfg.num_envs * per_step + 3 * cfg.num_envs * 4 * inputs
            + 16 * inputs * (cfg.hidden[0] if cfg.hidden else 1))


def check_rollout_memory(cfg: PPOConfig) -> None:
    """ValueError, before the envs and buffers are made, for a run this machine's memory cannot hold."""
    env = EnvFactory(cfg.env_id, cfg.env_kwargs)()
    try:
        need = rollout_bytes(cfg, env.observation_space, env.action_space)
    finally:
        env.close()
    try:
        have = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return
    if need is not None and need > 0.8 * have:
        raise ValueError(f"num_envs={cfg.num_envs} x num_steps={cfg.num_steps} rollouts of {cfg.env_id} need about "
                         f"{need / 2**30:,.1f} GiB, more than 80% of this machine's {have / 2**30:.1f} GiB; lower "
                         f"num_envs, num_steps or the env's size")


class PPOTrainer:
    def __init__(self, config: PPOConfig, out, resume: bool = False):
        self.cfg = cfg = config
        self.out = Path(out)
        check_rollout_memory(cfg)
        torch.set_num_threads(cfg.torch_threads)
        torch.manual_seed(cfg.seed)  # before the network is built: its initial weights come from this seed
        self.envs = make_vector_env(cfg)
        self.adapter = ObsAdapter.for_spaces(self.envs.single_observation_space, self.envs.single_action_space,
                                             cfg.policy)
        self.policy = build_policy(self.adapter.policy_spec(cfg.hidden, cfg.encoder, critic=cfg.baseline == "critic",
                                                            obs_norm=cfg.obs_norm))
        self.optimizer = torch.optim.Adam(self.policy.parameters(), lr=cfg.lr, eps=1e-5)
        self.update = self.global_step = self.episodes = 0
        self.elapsed = 0.0
        self.recent = deque(maxlen=cfg.curve_episodes)  # (return, length) of the latest training episodes
        self.metrics_rows: int | None = 0  # complete rows of metrics.jsonl belonging to this state
        self._pending = None  # a snapshot of the latest completed update not yet on disk
        self._saved_update = None  # the update of the last checkpoint written (None: none yet)
        self._log = None
        if resume:
            try:
                self._load()
                self.metrics_rows = cut_metrics(self.out, self.metrics_rows)  # rows after the checkpoint go
            except BaseException:
                self.envs.close()
                raise
        else:
            self.out.mkdir(parents=True, exist_ok=True)
            for name in (MANIFEST, *map(staged_name, PARTS)):  # what an earlier, uncheckpointed run left
                (self.out / name).unlink(missing_ok=True)
            write_json(self.out / "config.json", cfg.to_dict())
            self.metrics_rows = cut_metrics(self.out, 0)
            self.rng = np.random.default_rng(cfg.seed)
            self._reset_envs(cfg.seed)

    # ---- environment bookkeeping -------------------------------------------------------------
    def _reset_envs(self, seed: int) -> None:
        obs, info = self.envs.reset(seed=seed)
        self._observe(obs, info)
        self.ep_return = np.zeros(self.cfg.num_envs)
        self.ep_length = np.zeros(self.cfg.num_envs, dtype=np.int64)

    def _observe(self, obs, info) -> None:
        """Remember the current observations, their masks and (for baseline="info") their env values."""
        cfg = self.cfg
        self.next_obs = obs
        self.next_mask = self.adapter.masks(obs, info, cfg.num_envs)
        if cfg.baseline == "info":
            if cfg.baseline_key not in info:
                hint = (" (for mathrl/Buchberger-v0 pass env_kwargs rollout_value='degree')"
                        if "Buchberger" in cfg.env_id else "")
                raise ValueError(f"baseline='info' needs the env to report info[{cfg.baseline_key!r}]{hint}")
            self.next_base = np.asarray(info[cfg.baseline_key], dtype=np.float64) * cfg.reward_scale

    def _values(self, x: np.ndarray, m: np.ndarray, base) -> np.ndarray:
        if self.cfg.baseline == "info":
            return np.asarray(base, dtype=np.float64)
        with torch.no_grad():
            return self.policy(torch.from_numpy(x), torch.from_numpy(m))[1].double().numpy()

    def _final_value(self, info: dict, i: int) -> float:
        """V(final observation) of env i, whose episode was truncated (not terminated)."""
        cfg = self.cfg
        final_info = info["final_info"]
        if cfg.baseline == "info":
            return float(final_info[cfg.baseline_key][i]) * cfg.reward_scale
        obs = info["final_obs"][i]
        mask = final_info["action_mask"][i] if "action_mask" in final_info else None
        x, m = self.adapter.single(obs, mask)
        if not m.any():
            return 0.0
        return float(self._values(x, m, None)[0])

    # ---- 1. collect a rollout ----------------------------------------------------------------
    def collect(self) -> dict:
        cfg = self.cfg
        T, E = cfg.num_steps, cfg.num_envs
        xs, ms = [], []
        actions = np.zeros((T, E), np.int64)
        logprobs = np.zeros((T, E), np.float32)
        values = np.zeros((T, E))
        rewards = np.zeros((T, E))
        dones = np.zeros((T, E), dtype=bool)
        for t in range(T):
            x, m = self.adapter.batch(self.next_obs, self.next_mask)
            if getattr(self.policy, "norm", None) is not None:
                self.policy.norm.update(torch.from_numpy(x))
            with torch.no_grad():
                logits, value = self.policy(torch.from_numpy(x), torch.from_numpy(m))
                dist = MaskedCategorical(logits, torch.from_numpy(m))
                action = dist.sample()
                logprobs[t] = dist.log_prob(action).numpy()
            values[t] = self.next_base if cfg.baseline == "info" else value.double().numpy()
            xs.append(x)
            ms.append(m)
            actions[t] = action.numpy()
            obs, reward, terminated, truncated, info = self.envs.step(actions[t])
            self.global_step += E
            self.ep_return += reward
            self.ep_length += 1
            rewards[t] = reward * cfg.reward_scale
            dones[t] = terminated | truncated
            for i in np.flatnonzero(truncated & ~terminated):
                rewards[t, i] += cfg.gamma * self._final_value(info, i)
            for i in np.flatnonzero(dones[t]):
                self.recent.append((float(self.ep_return[i]), int(self.ep_length[i])))
                self.episodes += 1
                self.ep_return[i], self.ep_length[i] = 0.0, 0
            self._observe(obs, info)
        x, m = self.adapter.batch(self.next_obs, self.next_mask)
        next_value = self._values(x, m, getattr(self, "next_base", None))

        advantages = gae(rewards, values, dones, next_value, cfg.gamma, cfg.gae_lambda)
        return {"xs": xs, "ms": ms, "actions": actions, "logprobs": logprobs, "values": values,
                "advantages": advantages, "returns": advantages + values}

    # ---- 2. learn from it --------------------------------------------------------------------
    def learn(self, batch: dict) -> dict:
        cfg = self.cfg
        if self.adapter.kind == "pairs":
            x, m = pad_rows(batch["xs"], batch["ms"])
        else:
            x, m = np.concatenate(batch["xs"]), np.concatenate(batch["ms"])
        b_x, b_m = torch.from_numpy(x), torch.from_numpy(m)
        b_actions = torch.from_numpy(batch["actions"].reshape(-1))
        b_logprobs = torch.from_numpy(batch["logprobs"].reshape(-1))
        if getattr(self.policy, "norm", None) is not None:
            # the input statistics moved during the rollout: re-evaluate the (unchanged) behaviour policy
            # under the final ones, so the first ratio is exactly 1 as PPO assumes
            with torch.no_grad():
                b_logprobs = MaskedCategorical(self.policy(b_x, b_m)[0], b_m).log_prob(b_actions)
        b_adv = torch.from_numpy(batch["advantages"].reshape(-1)).float()
        b_returns = torch.from_numpy(batch["returns"].reshape(-1)).float()
        b_values = torch.from_numpy(batch["values"].reshape(-1)).float()
        # weight 1 for states with a real choice, 0 for forced moves (skip_forced)
        weight = (b_m.sum(-1) > 1).float() if cfg.skip_forced else torch.ones(len(b_actions))
        if weight.sum() == 0:
            weight = torch.ones(len(b_actions))
        if cfg.norm_adv:
            chosen = b_adv[weight > 0]
            b_adv = (b_adv - chosen.mean()) / (chosen.std() + 1e-8) if len(chosen) > 1 else b_adv - chosen.mean()

        n = len(b_actions)
        mb_size = n // cfg.num_minibatches
        learn_critic = cfg.baseline == "critic"
        stats = {"policy_loss": [], "value_loss": [], "entropy": [], "approx_kl": [], "clipfrac": []}
        stop = False
        for _ in range(cfg.update_epochs):
            order = torch.from_numpy(self.rng.permutation(n))
            for start in range(0, mb_size * cfg.num_minibatches, mb_size):
                idx = order[start:start + mb_size]
                w = weight[idx]
                wsum = w.sum().clamp(min=1.0)
                logits, new_value = self.policy(b_x[idx], b_m[idx])
                dist = MaskedCategorical(logits, b_m[idx])
                log_ratio = dist.log_prob(b_actions[idx]) - b_logprobs[idx]
                ratio = log_ratio.exp()
                with torch.no_grad():
                    approx_kl = (((ratio - 1) - log_ratio) * w).sum() / wsum  # Schulman's k3 estimator
                    clipfrac = (((ratio - 1.0).abs() > cfg.clip_coef).float() * w).sum() / wsum
                adv = b_adv[idx]
                pg_loss = (torch.max(-adv * ratio, -adv * ratio.clamp(1 - cfg.clip_coef, 1 + cfg.clip_coef))
                           * w).sum() / wsum
                entropy = (dist.entropy() * w).sum() / wsum
                loss = pg_loss - cfg.ent_coef * entropy
                if learn_critic:
                    if cfg.clip_vloss:
                        clipped = b_values[idx] + (new_value - b_values[idx]).clamp(-cfg.clip_coef, cfg.clip_coef)
                        v_loss = 0.5 * torch.max((new_value - b_returns[idx]) ** 2,
                                                 (clipped - b_returns[idx]) ** 2).mean()
                    else:
                        v_loss = 0.5 * ((new_value - b_returns[idx]) ** 2).mean()
                    loss = loss + cfg.vf_coef * v_loss
                    stats["value_loss"].append(v_loss.item())
                self.optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.policy.parameters(), cfg.max_grad_norm)
                self.optimizer.step()
                for key, value in (("policy_loss", pg_loss), ("entropy", entropy), ("approx_kl", approx_kl),
                                   ("clipfrac", clipfrac)):
                    stats[key].append(value.item())
                if cfg.target_kl is not None and float(approx_kl) > cfg.target_kl:
                    stop = True
                    break
            if stop:
                break
        out = {k: float(np.mean(v)) for k, v in stats.items() if v}
        out["kl_stopped"] = stop
        out["gradient_steps"] = len(stats["policy_loss"])
        if learn_critic:
            y, pred = b_returns.numpy(), b_values.numpy()
            var = float(np.var(y))
            out["explained_variance"] = float("nan") if var == 0 else 1 - float(np.var(y - pred)) / var
        return out

    # ---- the loop ----------------------------------------------------------------------------
    def agent(self) -> PPOAgent:
        return PPOAgent(self.policy, self.adapter, self.cfg.env_id, self.cfg.env_kwargs)

    def evaluate(self, episodes: int | None = None, greedy: bool = True) -> dict:
        """Greedy episodes on a fresh env with seeds disjoint from training (the training envs use seed..)."""
        self.policy.eval()
        try:
            return evaluate(self.agent(), episodes=episodes or self.cfg.eval_episodes,
                            seed=self.cfg.seed + 1_000_003, greedy=greedy)
        finally:
            self.policy.train()

    def run(self, time_limit: float | None = None, updates: int | None = None, progress: bool = True) -> dict:
        """Train until ``total_steps`` (or ``updates`` more updates, or ``time_limit`` seconds in all);
        checkpoint, then evaluate the greedy policy: the summary holds ``eval_return``.

        Ctrl-C, SIGTERM and SIGHUP checkpoint the last completed update and raise ``KeyboardInterrupt``."""
        with interrupts_as_keyboard():
            try:
                return self._run(time_limit, updates, progress)
            finally:
                if self._log is not None:
                    self._log.close()
                    self._log = None

    def _run(self, time_limit, updates, progress) -> dict:
        from tqdm import tqdm

        cfg = self.cfg
        goal = cfg.num_updates if updates is None else min(cfg.num_updates, self.update + updates)
        self._log = MetricsLog(self.out, "global_step", self.metrics_rows)
        self.metrics_rows = self._log.rows
        if self._saved_update is None:  # a new run: an interrupt in its first update saves the start
            self._pending = self._snapshot()
        bar = tqdm(total=cfg.num_updates, initial=self.update, disable=not progress, unit="update",
                   desc=f"ppo {cfg.env_id}")
        self.policy.train()
        try:
            while self.update < goal and (time_limit is None or self.elapsed < time_limit):
                t0 = time.perf_counter()
                if cfg.anneal_lr:
                    self.optimizer.param_groups[0]["lr"] = cfg.lr * (1.0 - self.update / cfg.num_updates)
                steps0 = self.global_step
                batch = self.collect()
                t1 = time.perf_counter()
                stats = self.learn(batch)
                self.update += 1
                seconds = time.perf_counter() - t0
                self.elapsed += seconds
                record = {"update": self.update, "global_step": self.global_step, "episodes": self.episodes,
                          "lr": self.optimizer.param_groups[0]["lr"], "train_seconds": self.elapsed,
                          "steps_per_second": (self.global_step - steps0) / max(seconds, 1e-9),
                          "collect_seconds": t1 - t0, "learn_seconds": seconds - (t1 - t0), **stats}
                if self.recent:
                    record["episode_return"] = float(np.mean([r for r, _ in self.recent]))
                    record["episode_length"] = float(np.mean([n for _, n in self.recent]))
                if cfg.eval_every and self.update % cfg.eval_every == 0:
                    record["eval_return"] = self.evaluate()["mean_return"]
                self.log(record)
                # the completed update, copied: what an interrupt before the next boundary writes
                self._pending = self._snapshot()
                if self.update % cfg.checkpoint_every == 0:
                    self._write(self._pending)
                bar.update(1)
                bar.set_postfix({k: round(record[k], 2) for k in ("episode_return", "eval_return", "approx_kl")
                                 if k in record})
        except KeyboardInterrupt:
            if self._pending is not None:  # mid-update: the partial update is dropped, the last whole one kept
                self._write(self._pending)
            raise
        finally:
            bar.close()
        self.checkpoint()
        final = self.evaluate()
        summary = {"env_id": cfg.env_id, "updates": self.update, "global_step": self.global_step,
                   "episodes": self.episodes, "train_seconds": self.elapsed,
                   "steps_per_second": self.global_step / max(self.elapsed, 1e-9),
                   "eval_return": final["mean_return"], "eval_episodes": final["episodes"],
                   "finished": self.update >= cfg.num_updates}
        write_json(self.out / "summary.json", summary)
        self.plot_curve()
        return summary

    # ---- files -------------------------------------------------------------------------------
    def log(self, record: dict) -> None:
        self._log.write(record)
        self.metrics_rows = self._log.rows

    def checkpoint(self) -> None:
        """Write the current state (at an update boundary) as the run folder's checkpoint, and agent.pt."""
        self._write(self._snapshot())

    def _snapshot(self) -> dict:
        """Everything a checkpoint holds, copied now (the trainer moves on; nothing here changes with it)."""
        env_state = None
        if self.cfg.vector in ("sync", "native"):
            try:
                env_state = pickle.dumps({"envs": self.envs, "next_obs": self.next_obs, "next_mask": self.next_mask,
                                          "next_base": getattr(self, "next_base", None),
                                          "ep_return": self.ep_return, "ep_length": self.ep_length})
            except Exception as exc:  # an env that cannot be pickled: resume restarts the episodes in flight
                if not getattr(self, "_warned_envs", False):
                    warnings.warn(f"the envs could not be saved ({exc}); --resume will restart episodes in flight")
                    self._warned_envs = True
        checkpoint = {"format": CHECKPOINT_FORMAT, "config": self.cfg.to_dict(),
                      "policy": copy.deepcopy(self.policy.state_dict()),
                      "optimizer": copy.deepcopy(self.optimizer.state_dict()), "update": self.update,
                      "global_step": self.global_step, "episodes": self.episodes, "elapsed": self.elapsed,
                      "recent": list(self.recent), "rng": copy.deepcopy(self.rng.bit_generator.state),
                      "torch_rng": torch.get_rng_state(),
                      "envs_sha256": None if env_state is None else hashlib.sha256(env_state).hexdigest(),
                      "envs_hmac": None if env_state is None else sign(env_state),
                      "metrics_rows": self.metrics_rows}  # present: this checkpoint is committed by a manifest
        return {"checkpoint": checkpoint, "envs": env_state}

    def _write(self, snapshot: dict) -> None:
        """checkpoint.pt + envs.pkl as one commit (:func:`commit_checkpoint`), then agent.pt (atomic)."""
        ck, env_state = snapshot["checkpoint"], snapshot["envs"]
        writers = {"checkpoint.pt": lambda path: save_file(ck, path)}
        if env_state is not None:
            writers["envs.pkl"] = lambda path: save_bytes(env_state, path)
        commit_checkpoint(self.out, writers, all_names=PARTS, trainer="ppo", update=ck["update"],
                          global_step=ck["global_step"])
        if env_state is None:
            (self.out / "envs.pkl").unlink(missing_ok=True)  # an older checkpoint's: not part of this one
        policy = types.SimpleNamespace(spec=self.policy.spec, state_dict=lambda: ck["policy"])
        save_agent(self.out / "agent.pt", policy, self.adapter, self.cfg.env_id, self.cfg.env_kwargs,
                   {"update": ck["update"], "global_step": ck["global_step"], "train_seconds": ck["elapsed"]})
        self._saved_update = ck["update"]
        if self._pending is snapshot:
            self._pending = None

    def _load(self) -> None:
        path = self.out / "checkpoint.pt"
        finish_commit(self.out, PARTS)  # a commit killed between its two manifests is completed first
        ck = load_file(path, WHAT)  # weights_only=True: the checkpoint itself cannot run code
        if not isinstance(ck, dict) or any(key not in ck for key in CHECKPOINT_KEYS):
            raise FileFormatError(f"{path} is not a mathrl PPO checkpoint")
        try:
            self.policy.load_state_dict(ck["policy"])
            self.optimizer.load_state_dict(ck["optimizer"])
            self.update, self.global_step = int(ck["update"]), int(ck["global_step"])
            self.episodes, self.elapsed = int(ck["episodes"]), float(ck["elapsed"])
            self.recent.extend((float(r), int(n)) for r, n in ck["recent"])
            self.rng = np.random.default_rng()
            self.rng.bit_generator.state = ck["rng"]
            torch.set_rng_state(ck["torch_rng"])
            rows = ck.get("metrics_rows")
            if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 0):
                raise ValueError(f"metrics_rows {rows!r}")
            self.metrics_rows = rows
        except (KeyError, TypeError, ValueError, AttributeError, RuntimeError) as exc:  # wrong shapes or states
            raise not_readable(path, WHAT, exc) from exc
        saved = self.out / "envs.pkl"
        expected = ck.get("envs_sha256")
        if "envs_sha256" not in ck and saved.exists():
            warnings.warn(f"{path} predates envs.pkl hashes: {saved} is not unpickled and the episodes in "
                          "flight restart")
        env_bytes = None
        if expected is not None:
            if not saved.is_file():
                raise FileFormatError(f"{saved} is missing: the checkpoint in {self.out} was saved with it")
            env_bytes = saved.read_bytes()  # hashed and unpickled from the same bytes
            if hashlib.sha256(env_bytes).hexdigest() != expected:
                raise FileFormatError(f"{saved} does not match {path} (SHA-256 differs: torn or replaced); "
                                      "refusing to unpickle it")
        # the parts against the manifest that committed them (a checkpoint that counts its metrics rows was
        # written with one; an older run folder has none)
        verify_manifest(self.out, required="metrics_rows" in ck)
        self._saved_update = self.update
        if env_bytes is not None and not signed_here(env_bytes, ck.get("envs_hmac")):
            warnings.warn(f"{saved} was not written with this user's key ({_key_hint()}): it is not unpickled, "
                          "and the episodes in flight restart")
            env_bytes = None
        if env_bytes is not None:
            state = pickle.loads(env_bytes)  # signed with this user's key when it was written: ours
            self.envs.close()
            self.envs = state["envs"]
            self.next_obs, self.next_mask = state["next_obs"], state["next_mask"]
            if state["next_base"] is not None:
                self.next_base = state["next_base"]
            self.ep_return, self.ep_length = state["ep_return"], state["ep_length"]
        else:
            self._reset_envs(self.cfg.seed + 7919 * self.update)

    def plot_curve(self) -> None:
        plot_curves({self.cfg.env_id: self.out / METRICS}, self.out / "curve.png")


def _key_hint() -> str:
    from mathrl.agents.files import KEY_ENV

    return f"a run folder from another user or machine; {KEY_ENV} names the key file"


def read_metrics(path) -> list[dict]:
    """The rows of a ``metrics.jsonl`` (a torn last row skipped with a warning); where an older run folder
    repeats updates (a resume before logs were cut back to the checkpoint), the last row of each."""
    rows = read_jsonl(path)
    if rows and all("update" in row for row in rows):
        rows = sorted({row["update"]: row for row in rows}.values(), key=lambda row: row["update"])
    return rows


def plot_curves(runs: dict, path, reference: dict | None = None, ylabel: str = "episode return") -> None:
    """Training-episode return (and greedy evaluations) against environment steps, one line per run;
    ``reference`` draws named horizontal lines (e.g. Degree's mean)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2))
    for label, metrics_path in runs.items():
        rows = read_metrics(metrics_path)
        pts = [(r["global_step"], r["episode_return"]) for r in rows if "episode_return" in r]
        if pts:
            line, = ax.plot(*zip(*pts), label=f"{label} (training, sampled)")
            ev = [(r["global_step"], r["eval_return"]) for r in rows if "eval_return" in r]
            if ev:
                ax.plot(*zip(*ev), "o--", color=line.get_color(), ms=3, label=f"{label} (greedy eval)")
    for name, value in (reference or {}).items():
        ax.axhline(value, ls=":", color="gray")
        ax.annotate(name, (ax.get_xlim()[0], value), fontsize=8, va="bottom")
    ax.set_xlabel("environment steps")
    ax.set_ylabel(ylabel)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path, dpi=120)
    plt.close(fig)


def train(config: PPOConfig, out, resume: bool = False, time_limit: float | None = None,
          progress: bool = True) -> dict:
    """The Python API: ``train(make_config("CartPole-v1"), "runs/cartpole")`` -> summary with eval_return."""
    return PPOTrainer(config, out, resume=resume).run(time_limit=time_limit, progress=progress)
