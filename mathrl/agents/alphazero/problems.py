"""AlphaZero on single-player search problems: self-play episodes, a replay buffer, value-policy training.

One iteration (Silver et al. 2018, with one player against a cost):

1. search ``episodes_per_iter`` fresh instances with the current network
   (:func:`~mathrl.agents.alphazero.episodes.play_episodes`: visit distributions and returns-to-go);
2. add their moves to a replay buffer of the latest ``buffer_size`` moves;
3. take ``train_steps`` Adam steps on minibatches: cross-entropy between the visit distribution and
   the masked policy, plus the squared error between the value and ``z / value_scale``;
4. checkpoint (``checkpoint.pt``, one file written atomically: weights, optimiser, buffer, RNG state and
   counters) and append one row to ``metrics.jsonl``, cut back to the checkpoint's rows on resume.

Everything random comes from the run's seed and the iteration number, so a run resumed from its
checkpoint continues exactly as if it had never stopped (tested bit for bit).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import numpy as np
import torch

from mathrl.agents.alphazero.ahead import GamesAhead
from mathrl.agents.alphazero.config import MAX_AHEAD, MAX_COUNT, MAX_SIMS, SearchConfig, _int, _real
from mathrl.agents.alphazero.episodes import (EpisodeConfig, build_network, make_env, make_envs, play_episodes,
                                              play_greedy, targets_of)
from mathrl.agents.files import load_file, not_readable, save_file
from mathrl.agents.runlog import MetricsLog, RunBar
from mathrl.agents.runs import write_json

CHECKPOINT = "checkpoint.pt"
AGENT = "agent.pt"  # config + weights only: what a benchmark loads (the checkpoint also holds the buffer)
WHAT = "AlphaZero problem checkpoint"


def check_untrusted(config: "ProblemConfig", path) -> None:
    """Refuse a config read from a file that would run code when its env is built: an env id outside
    mathrl's own ``mathrl/`` envs (a ``module:Class`` id imports a module), or an env argument naming a
    plug-in (``file.py:function``, ``module:function``). Plug-ins run only from the command line that
    starts a run, where the user typed them."""
    if not config.episodes.env_id.startswith("mathrl/") or ":" in config.episodes.env_id:
        raise ValueError(f"{path}: env {config.episodes.env_id!r} is not one of mathrl's envs; a run file "
                         f"may only name mathrl/... envs (building another would import code)")

    def plugins(value):
        if isinstance(value, str):
            return [value] if ":" in value or value.endswith(".py") else []
        if isinstance(value, dict):
            return [p for v in value.values() for p in plugins(v)]
        if isinstance(value, (list, tuple)):
            return [p for v in value for p in plugins(v)]
        return []

    named = plugins(config.episodes.families)
    if named:
        raise ValueError(f"{path}: its env arguments name a plug-in ({named[0]!r}); loading it would run that "
                         f"code, so runs with plug-in scores are not loaded from files")


@dataclass(frozen=True)
class ProblemConfig:
    """A single-player AlphaZero run: the episodes (problem, network, search) and the training."""

    episodes: EpisodeConfig = field(default_factory=EpisodeConfig)
    episodes_per_iter: int = 32
    buffer_size: int = 20_000      # moves
    train_steps: int = 64          # minibatches per iteration
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 1e-4
    eval_episodes: int = 16        # greedy (no noise, tau = 0) episodes on held-out instances per iteration
    # simulations per move in that evaluation, which also picks the saved agent.pt: -1 the search's own
    # n_sims, 0 the policy alone (the legal action with the largest logit, as agent:RUN plays). Proofs
    # (targets "parts") are always evaluated by the cut network alone.
    eval_sims: int = -1
    seed: int = 0
    workers: int = 1               # self-play split over this many processes (or Ray tasks with --ray)
    selfplay_ahead: int = 0        # iterations of episodes started ahead of the learner (see AlphaZeroConfig)

    def __post_init__(self):
        self.validate()

    def validate(self) -> None:
        """Each field's rule (ValueError naming the field): counts >= 1 (eval_episodes >= 0) and at most
        their bounds, lr finite > 0, weight_decay finite >= 0, seed in [0, 2**31 - 1]; the episode fields
        as in :meth:`EpisodeConfig.validate`."""
        if not isinstance(self.episodes, EpisodeConfig):
            raise ValueError(f"episodes must be an EpisodeConfig, got {self.episodes!r}")
        for name, low, high in (("episodes_per_iter", 1, MAX_COUNT), ("buffer_size", 1, 10**7),
                                ("train_steps", 1, MAX_COUNT), ("batch_size", 1, 65536),
                                ("eval_episodes", 0, MAX_COUNT), ("seed", 0, 2**31 - 1), ("workers", 1, 256),
                                ("selfplay_ahead", 0, MAX_AHEAD), ("eval_sims", -1, MAX_SIMS)):
            _int(self, name, low, high)
        _real(self, "lr", 0.0, low_open=True)
        _real(self, "weight_decay", 0.0)

    def but(self, **changes) -> "ProblemConfig":
        return replace(self, **changes)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_saved(cls, data: dict) -> "ProblemConfig":
        """The config of a saved run (a checkpoint or agent file). A run saved before ``episodes.targets``
        existed learned returns-to-go, one saved before ``episodes.backup`` backed up the smallest estimate without
        rollouts, so each resumes and loads as it was (a new config's defaults are "auto", "policy", 100)."""
        if isinstance(data, dict) and isinstance(data.get("episodes"), dict) and "targets" not in data["episodes"]:
            data = {**data, "episodes": {**data["episodes"], "targets": "returns"}}
        if isinstance(data, dict) and isinstance(data.get("episodes"), dict) and "backup" not in data["episodes"]:
            # as runs saved before backups and rollouts were chosen learned
            data = {**data, "episodes": {**data["episodes"], "backup": "min", "rollout": 0.0}}
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict) -> "ProblemConfig":
        data = dict(data)
        episodes = data.pop("episodes", {})
        if not isinstance(episodes, dict):
            raise ValueError(f"episodes must be an object of episode fields, got {episodes!r}")
        episodes = dict(episodes)
        search = episodes.pop("search", {})
        if not isinstance(search, dict):
            raise ValueError(f"episodes.search must be an object of search fields, got {search!r}")
        for where, given, known in (("", data, cls), ("episodes.", episodes, EpisodeConfig),
                                    ("episodes.search.", search, SearchConfig)):
            unknown = sorted(set(given) - {f.name for f in fields(known)} - ({"episodes"} if not where else set()))
            if unknown:
                raise ValueError(f"unknown config fields: {', '.join(where + k for k in unknown)}")
        try:  # fields not given keep the episode defaults (32 simulations, min-max normalised Q), not SearchConfig's
            search = replace(EpisodeConfig().search, **search)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"episodes.search.{exc}") from None
        try:
            episodes = EpisodeConfig(search=search, **episodes)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"episodes.{exc}") from None
        return cls(episodes=episodes, **data)


def pack_ragged(arrays: list, dtype) -> dict:
    """Arrays of one dtype and rank but any shapes as two arrays (``flat``: every entry in order; ``shapes``:
    one row per array), so a checkpoint stores a replay buffer of 20,000 moves as a few tensors instead of
    pickling 20,000 small ones (about 10x faster to write)."""
    arrays = [np.asarray(a, dtype=dtype) for a in arrays]
    rank = arrays[0].ndim if arrays else 1
    if any(a.ndim != rank for a in arrays):
        raise ValueError("pack_ragged needs arrays of one rank")
    shapes = np.asarray([a.shape for a in arrays], dtype=np.int64).reshape(len(arrays), rank)
    flat = np.concatenate([a.ravel() for a in arrays]) if arrays else np.zeros(0, dtype=dtype)
    return {"flat": flat, "shapes": shapes}


def unpack_ragged(packed) -> list[np.ndarray]:
    """The arrays :func:`pack_ragged` packed (a plain list, as older checkpoints stored it, passes through)."""
    if isinstance(packed, list):
        return [np.asarray(a) for a in packed]
    if not isinstance(packed, dict) or set(packed) != {"flat", "shapes"}:
        raise ValueError("not a packed array list")
    flat, shapes = packed["flat"], packed["shapes"]
    if not isinstance(flat, np.ndarray) or flat.ndim != 1 or flat.dtype.kind not in "biuf":
        raise ValueError("packed entries must be a 1-d numeric array")
    if not isinstance(shapes, np.ndarray) or shapes.ndim != 2 or shapes.dtype.kind not in "iu" \
            or (shapes < 0).any() or (shapes > flat.size).any():
        raise ValueError("bad shapes")
    shapes = shapes.astype(np.int64)
    sizes = np.prod(shapes, axis=1) if shapes.shape[1] else np.ones(len(shapes), dtype=np.int64)
    if int(sizes.sum()) != flat.size:
        raise ValueError(f"{flat.size} entries for shapes that need {int(sizes.sum())}")
    ends = np.cumsum(sizes)
    return [flat[end - size:end].reshape(shape) for end, size, shape in zip(ends, sizes, shapes.tolist())]


def pack_ragged_tuples(rows: list[tuple]) -> dict:
    """Tuples of arrays (a move's network input) packed component by component with :func:`pack_ragged`."""
    width = len(rows[0]) if rows else 0
    if any(len(r) != width for r in rows):
        raise ValueError("pack_ragged_tuples needs tuples of one length")
    return {"parts": [pack_ragged([r[j] for r in rows], rows[0][j].dtype) for j in range(width)],
            "count": len(rows)}


def unpack_ragged_tuples(packed) -> list[tuple]:
    """The tuples :func:`pack_ragged_tuples` packed (older checkpoints' list of tuples passes through)."""
    if isinstance(packed, list):
        return [tuple(x) for x in packed]
    if not isinstance(packed, dict) or not isinstance(packed.get("parts"), list) or not packed["parts"] \
            or not isinstance(packed.get("count"), int):
        raise ValueError("not a packed list of tuples")
    columns = [unpack_ragged(part) for part in packed["parts"]]
    if any(len(c) != packed["count"] for c in columns):
        raise ValueError("components of different lengths")
    return list(zip(*columns))


def _pad_batch(inputs: list[tuple], pis: list[np.ndarray], masks: list[np.ndarray]):
    """Stack per-move inputs (padding set rows), visit distributions and legal masks (zeros and False past
    each state's actions, so padding never reaches the softmax)."""
    width = max(len(p) for p in pis)
    pi, legal = torch.zeros(len(pis), width), torch.zeros(len(pis), width, dtype=torch.bool)
    for i, (p, m) in enumerate(zip(pis, masks)):
        pi[i, :len(p)], legal[i, :len(m)] = torch.tensor(p), torch.tensor(m)  # copies: Ray hands out read-only arrays
    if len(inputs[0]) == 2:  # (rows, valid): pad to the longest set
        longest = max(x[0].shape[1] for x in inputs)
        rows = torch.zeros(len(inputs), longest, inputs[0][0].shape[2])
        valid = torch.zeros(len(inputs), longest, dtype=torch.bool)
        for i, (r, v) in enumerate(inputs):
            rows[i, :r.shape[1]], valid[i, :v.shape[1]] = r[0], v[0]
        return (rows, valid), pi, legal
    return (torch.cat([x[0] for x in inputs]),), pi, legal


def _same_shape(idx: np.ndarray, inputs: list) -> list[list[int]]:
    """``idx`` split into groups whose inputs stack (same shape past the batch axis; set rows are padded, so
    only their width counts), in order of first appearance; one group when all agree."""
    groups: dict = {}
    for i in idx:
        x = inputs[i]
        key = x[0].shape[2:] if len(x) == 2 else tuple(t.shape[1:] for t in x)
        groups.setdefault(key, []).append(int(i))
    return list(groups.values())


def loss_terms(net, inputs: tuple, pi: torch.Tensor, legal: torch.Tensor, z: torch.Tensor, value_scale: float):
    """(policy cross-entropy over the legal actions, value squared error against ``z / value_scale``)."""
    logits, value = net(*inputs)
    logits = logits[:, :pi.shape[1]]
    logp = torch.log_softmax(logits.masked_fill(~legal, float("-inf")), dim=-1)
    policy = -(pi * torch.where(legal, logp, torch.zeros_like(logp))).sum(dim=-1).mean()
    return policy, torch.mean((value - z / value_scale) ** 2)


def _l1_mse(error: torch.Tensor) -> torch.Tensor:
    return (error.abs() + error ** 2) / 2


def parts_loss_terms(net, inputs: tuple, targets: torch.Tensor, legal: torch.Tensor, z: torch.Tensor):
    """(cut loss, value loss) for "parts" targets, Simpson's (L1 + MSE) / 2 on each: the cut network
    ``N2 = -logits`` against the cut targets on the available cells, the value against log10 sizes."""
    logits, value = net(*inputs)
    n2 = -logits[:, :targets.shape[1]]
    cut = (_l1_mse(n2 - targets) * legal).sum() / legal.sum().clamp(min=1)
    return cut, _l1_mse(value - z).mean()


def starting_agent(config: ProblemConfig, path: str):
    """(the agent at ``path``, the ``init`` record of a run of ``config`` that starts from it). The agent must
    have learned the same problem with the same network (env, instance families, network options, targets);
    ValueError naming the difference, or a malformed record, otherwise. Reads weights only."""
    from mathrl.agents.alphazero.problem_agent import ProblemAgent

    source = ProblemAgent.load(path)
    theirs, mine = source.config.episodes, config.episodes
    for name in ("env_id", "families", "network_options", "targets"):
        if getattr(theirs, name) != getattr(mine, name):
            raise ValueError(f"init {path}: its episodes.{name} is {getattr(theirs, name)!r}, this run's "
                             f"{getattr(mine, name)!r}; they must match")
    probe = build_network(mine)
    try:
        probe.load_state_dict(source.net.state_dict())
    except RuntimeError as exc:
        raise ValueError(f"init {path}: its weights do not fit this run's network") from exc
    extra = source.extra
    earlier = extra.get("init")
    if earlier is not None:
        check_init_record(earlier, path)
    record = {"from": str(path), "iteration": int(extra.get("iteration", 0)),
              "eval_return": extra.get("eval_return"),
              # iterations behind the start, counted over every agent it began from
              "total_iterations": int(extra.get("iteration", 0)) + int((earlier or {}).get("total_iterations", 0))}
    if isinstance(extra.get("train_seconds"), (int, float)):  # older agent files did not record their time
        record["train_seconds"] = float(extra["train_seconds"])
    if isinstance(extra.get("command"), str):
        record["command"] = extra["command"]
    if earlier is not None:
        record["init"] = earlier
    return source, record


def check_init_record(record, path) -> None:
    """A file's ``init`` record must be what :func:`starting_agent` writes (ValueError naming the file)."""
    ok = isinstance(record, dict) and isinstance(record.get("iteration"), int) \
        and isinstance(record.get("total_iterations"), int) \
        and all(isinstance(record.get(k), (int, float)) for k in ("train_seconds",) if k in record) \
        and all(isinstance(record.get(k), str) for k in ("from", "command") if k in record)
    if ok and "init" in record:
        check_init_record(record["init"], path)
    elif not ok:
        raise ValueError(f"{path}: its init record (the agent it began from) is malformed")


def chain_seconds(record: dict) -> float | None:
    """The training seconds behind a run's start: the sum over the agents it began from, each the start of
    the next, or None when one of them did not record its time (a total would silently be short)."""
    seconds, link = 0.0, record
    while True:
        if not isinstance(link.get("train_seconds"), (int, float)):
            return None
        seconds += float(link["train_seconds"])
        if "init" not in link:
            # the first agent of the chain began from nothing, unless the record says iterations came before
            return seconds if link.get("total_iterations", 0) == link.get("iteration", 0) else None
        link = link["init"]


class ProblemTrainer:
    """Owns a run folder: ``config.json`` (a readable copy), ``checkpoint.pt``, ``metrics.jsonl``."""

    def __init__(self, config: ProblemConfig | None, out, resume: bool = False, init: str | None = None):
        """A new run of ``config`` in ``out``, or (``resume``) the run checkpointed there. ``init`` (a new run
        only): start from the weights of this agent (a run folder, an agent file or ``pretrained:NAME``),
        trained on the same env and network; what it had cost is recorded beside this run's own."""
        self.out = Path(out)
        ckpt = None
        if resume:
            ckpt = self._read()
            config = ProblemConfig.from_saved(json.loads(ckpt["config"]))
        if config is None:
            raise ValueError("a new run needs a config")
        self.config = config
        torch.manual_seed(config.seed)
        env = make_env(config.episodes)
        self.targets = targets_of(config.episodes, env)
        self.net = build_network(config.episodes, env)
        if len(config.episodes.families) > 1:
            self._check_families(env)
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        self.iteration, self.elapsed, self.metrics_rows = 0, 0.0, 0
        self._last_write = 0.0  # seconds the last checkpoint took, added to the next iteration's time
        self.best_eval = -float("inf")  # the agent file holds the weights that evaluated best so far
        self.executor = None  # set while run() runs with workers or Ray
        self._eval_families = None  # minus the mean proof size per instance family, when there are several
        self.ahead = GamesAhead(config.selfplay_ahead, self._start)  # self-play started before learning
        self.buffer: dict[str, list] = {"inputs": [], "pi": [], "mask": [], "z": []}
        self.init: dict | None = None  # the agent a new run started from (what it had already learned)
        if init is not None:
            if resume:
                raise ValueError("init starts a new run; a resumed run keeps its own weights")
            self._init_from(init)
        if ckpt is not None:
            try:
                self.net.load_state_dict(ckpt["weights"])
            except (RuntimeError, TypeError, KeyError) as exc:  # weights of another network
                raise not_readable(self.out / CHECKPOINT, WHAT, f"its weights do not fit its config ({exc})") from exc
            self.optimizer.load_state_dict(ckpt["optimizer"])
            self.iteration, self.elapsed = int(ckpt["iteration"]), float(ckpt["elapsed"])
            self.metrics_rows = int(ckpt["metrics_rows"])
            self.best_eval = float(ckpt.get("best_eval", -float("inf")))
            self.init = ckpt.get("init")
            if self.init is not None:
                try:
                    check_init_record(self.init, self.out / CHECKPOINT)
                except ValueError as exc:
                    raise not_readable(self.out / CHECKPOINT, WHAT, "its init record is malformed") from exc
            try:
                self.buffer = {"inputs": [tuple(torch.from_numpy(np.array(t)) for t in x)
                                          for x in unpack_ragged_tuples(ckpt["inputs"])],
                               "pi": [np.asarray(p, dtype=np.float32) for p in unpack_ragged(ckpt["pi"])],
                               "mask": [np.asarray(m, dtype=bool) for m in unpack_ragged(ckpt["mask"])],
                               "z": [float(v) for v in ckpt["z"]]}
                lengths = {len(v) for v in self.buffer.values()}
                if len(lengths) != 1 or any(len(p) != len(m) for p, m in zip(self.buffer["pi"], self.buffer["mask"])):
                    raise ValueError("its parts have different lengths")
            except (TypeError, ValueError, KeyError, IndexError, OverflowError, RuntimeError) as exc:
                raise not_readable(self.out / CHECKPOINT, WHAT, f"its replay buffer is malformed ({exc})") from exc
            if config.selfplay_ahead:  # the batches in flight at the checkpoint, started again in run()
                self.ahead.restore(ckpt.get("pending"))
        self.out.mkdir(parents=True, exist_ok=True)
        write_json(self.out / "config.json", config.to_dict())
        self.log = MetricsLog(self.out, "iteration", self.metrics_rows)

    def _init_from(self, path: str) -> None:
        """The weights of the agent at ``path`` (:func:`starting_agent` checks that it fits)."""
        source, self.init = starting_agent(self.config, path)
        self.net.load_state_dict(source.net.state_dict())

    def _record(self) -> dict:
        """What the agent file says about its training: its own seconds, and with ``init`` the agents it began
        from and, where every one of them recorded its time, the total (so a reported budget stays complete)."""
        record = {"train_seconds": float(self.elapsed)}
        if self.init is not None:
            record["init"] = self.init
            earlier = chain_seconds(self.init)
            if earlier is not None:
                record["total_train_seconds"] = float(self.elapsed) + earlier
        return record

    def _check_families(self, env) -> None:
        """``episodes.also``: proofs (parts targets) of the same env, read by a network free of the sizes."""
        if self.targets != "parts":
            raise ValueError("episodes.also (more instance families) needs parts targets: proofs that split")
        if not getattr(self.net, "size_free", False):
            raise ValueError("episodes.also (more instance families) needs a network that reads every family's "
                             "observations; for graded proofs set episodes.network to '{\"kind\": \"graded-sets\"}'")
        from mathrl.agents.alphazero.networks import observation_kind

        families = len(self.config.episodes.families)
        if 0 < self.config.eval_episodes < families:
            raise ValueError(f"eval_episodes = {self.config.eval_episodes} would leave some of the {families} "
                             f"instance families unevaluated; give at least {families}")
        kind = observation_kind(env.observation_space)
        for kwargs, other in zip(self.config.episodes.families[1:], make_envs(self.config.episodes)[1:]):
            if observation_kind(other.observation_space) != kind or targets_of(self.config.episodes, other) != "parts":
                raise ValueError(f"episodes.also: the family {json.dumps(kwargs)} gives other observations or "
                                 f"states that do not split into parts; families must be proofs of one kind")

    def _read(self) -> dict:
        path = self.out / CHECKPOINT
        if not path.exists():
            raise ValueError(f"--resume: no {CHECKPOINT} in {self.out}")
        ckpt = load_file(path, WHAT)
        keys = ("config", "weights", "optimizer", "iteration", "elapsed", "metrics_rows", "inputs", "pi", "mask", "z")
        if not isinstance(ckpt, dict) or any(k not in ckpt for k in keys):
            raise not_readable(path, WHAT, "not a mathrl AlphaZero problem checkpoint")
        try:
            check_untrusted(ProblemConfig.from_saved(json.loads(ckpt["config"])), path)
        except (TypeError, ValueError) as exc:
            raise not_readable(path, WHAT, exc) from exc
        return ckpt

    def checkpoint(self, improved: bool = True) -> None:
        """The agent file when the evaluation ``improved`` (or ties; always when nothing is evaluated), then
        the checkpoint. The agent file is written first: a kill between the two leaves an agent at least as
        good as the checkpoint's record says."""
        if improved or not (self.out / AGENT).is_file():
            save_file({"config": json.dumps(self.config.to_dict()), "weights": self.net.state_dict(),
                       "iteration": self.iteration, "eval_return": self.best_eval, **self._record()}, self.out / AGENT)
        save_file({"config": json.dumps(self.config.to_dict()), "weights": self.net.state_dict(),
                   "optimizer": self.optimizer.state_dict(), "iteration": self.iteration, "elapsed": self.elapsed,
                   "metrics_rows": self.log.rows, "best_eval": self.best_eval,
                   "inputs": pack_ragged_tuples([tuple(t.numpy() for t in x) for x in self.buffer["inputs"]]),
                   "pi": pack_ragged(self.buffer["pi"], np.float32), "mask": pack_ragged(self.buffer["mask"], bool),
                   "z": np.asarray(self.buffer["z"], dtype=np.float32),
                   "pending": self.ahead.state(), "init": self.init},
                  self.out / CHECKPOINT)

    def _seed(self, purpose: int) -> int:
        """A seed for this iteration and purpose (0 self-play, 1 minibatches, 2 evaluation), from the run's."""
        return int(np.random.SeedSequence([self.config.seed, self.iteration, purpose]).generate_state(1)[0])

    def step(self) -> dict:
        """One iteration: self-play, buffer, training, evaluation, checkpoint, metrics row."""
        cfg, start = self.config, time.perf_counter()
        games = self.games_ahead() if cfg.selfplay_ahead else self.self_play()
        # numpy from self-play, copied: arrays from Ray are read-only views of its shared memory
        games["inputs"] = [tuple(torch.from_numpy(np.array(t)) for t in x) for x in games["inputs"]]
        for key in ("inputs", "pi", "mask"):
            self.buffer[key] = (self.buffer[key] + list(games[key]))[-cfg.buffer_size:]
        self.buffer["z"] = (self.buffer["z"] + [float(v) for v in games["z"]])[-cfg.buffer_size:]
        rng = np.random.default_rng(self._seed(1))
        self.net.train()
        policy_losses, value_losses = [], []
        size = len(self.buffer["z"])
        for _ in range(cfg.train_steps):
            idx = rng.integers(0, size, min(cfg.batch_size, size))
            policy = value = 0.0
            for group in _same_shape(idx, self.buffer["inputs"]):  # one group unless families differ in shape
                inputs, pi, legal = _pad_batch([self.buffer["inputs"][i] for i in group],
                                               [self.buffer["pi"][i] for i in group],
                                               [self.buffer["mask"][i] for i in group])
                z = torch.tensor([self.buffer["z"][i] for i in group], dtype=torch.float32)
                if self.targets == "parts":
                    terms = parts_loss_terms(self.net, inputs, pi, legal, z)
                else:
                    terms = loss_terms(self.net, inputs, pi, legal, z, cfg.episodes.value_scale)
                # each group's losses weighted by its share of the samples: the value loss is the batch
                # mean; the cut loss, a mean over each group's available cells, counts a sample's cells as
                # one sample whatever the grid's size
                share = len(group) / len(idx)
                policy, value = policy + share * terms[0], value + share * terms[1]
            self.optimizer.zero_grad()
            (policy + value).backward()
            self.optimizer.step()
            policy_losses.append(float(policy.detach()))
            value_losses.append(float(value.detach()))
        self.net.eval()
        self.iteration += 1
        eval_return = self.evaluate()
        # the whole iteration counts towards --time-limit, evaluation and the previous checkpoint's write
        # included, so "10 minutes of training" is 10 minutes on the clock
        self.elapsed += time.perf_counter() - start + self._last_write
        improved = not np.isnan(eval_return) and eval_return >= self.best_eval
        if improved:
            self.best_eval = eval_return
        row = {"iteration": self.iteration, "selfplay_return": float(np.mean(games["returns"])),
               "policy_loss": float(np.mean(policy_losses)), "value_loss": float(np.mean(value_losses)),
               "eval_return": eval_return, "best_eval_return": self.best_eval if self.best_eval > -np.inf else None,
               "buffer": size, "train_seconds": self.elapsed,
               "selfplay_staleness": self.iteration - 1 - games.get("version", self.iteration - 1)}
        if "wait_seconds" in games:
            row["selfplay_wait_seconds"] = games["wait_seconds"]
        if self._eval_families is not None:
            row["eval_return_by_family"] = self._eval_families
        self.log.write(row)
        written = time.perf_counter()
        self.checkpoint(improved or np.isnan(eval_return))
        self._last_write = time.perf_counter() - written
        return row

    def _play(self):
        if self.targets == "parts":
            from mathrl.agents.alphazero.andor import play_proofs

            return play_proofs
        return play_episodes

    def _jobs(self, weights: dict, iteration: int) -> list:
        """The self-play calls for the iteration after ``iteration`` updates: plain functions of (weights,
        config, seed, count), their seeds from the run's seed and the iteration only."""
        cfg = self.config
        seed = int(np.random.SeedSequence([cfg.seed, iteration, 0]).generate_state(1)[0]) % 2**31
        shares = [cfg.episodes_per_iter // cfg.workers + (w < cfg.episodes_per_iter % cfg.workers)
                  for w in range(cfg.workers)]
        starts = np.cumsum([0] + shares[:-1])
        return [(weights, cfg.episodes, seed + int(s0), n) for s0, n in zip(starts, shares) if n > 0]

    @staticmethod
    def _merge(parts: list) -> dict:
        merged = {key: [x for part in parts for x in part[key]] for key in ("inputs", "pi", "mask")}
        merged["z"] = np.concatenate([part["z"] for part in parts])
        merged["returns"] = np.concatenate([part["returns"] for part in parts])
        return merged

    def _weights(self) -> dict:
        return {k: v.clone() for k, v in self.net.state_dict().items()}

    def self_play(self) -> dict:
        """This iteration's episodes, split over ``workers`` calls of a plain function of (weights, config,
        seed, count) run by the executor; the samples are merged in worker order."""
        cfg, play = self.config, self._play()
        jobs = self._jobs(self._weights(), self.iteration)
        if cfg.workers == 1 and self.executor is None:
            return play(*jobs[0])
        parts = self.executor.map(play, jobs) if self.executor is not None else [play(*job) for job in jobs]
        return self._merge(parts)

    def _start(self, executor, weights: dict, iteration: int):
        return executor.submit(self._play(), self._jobs(weights, iteration))

    def games_ahead(self) -> dict:
        """This iteration's episodes with ``selfplay_ahead = k > 0``: those of up to k iterations ahead are
        started with the current weights before this iteration's are awaited, so the workers play while
        the learner trains (:class:`~mathrl.agents.alphazero.ahead.GamesAhead`)."""
        parts, version, waited = self.ahead.next(self.executor, self.iteration, self.iteration, self._weights)
        merged = self._merge(parts)
        merged["wait_seconds"] = waited
        merged["version"] = version  # the weights after this many updates played them
        return merged

    def evaluate(self) -> float:
        """Mean return on held-out instances (seeds from 10**9): greedy searches (no root noise, tau = 0) of
        ``eval_sims`` simulations, or the policy alone (``eval_sims = 0``)."""
        cfg = self.config
        if cfg.eval_episodes == 0:
            return float("nan")
        if self.targets == "parts":
            return self._evaluate_proofs()
        if cfg.eval_sims == 0:
            return float(np.mean(play_greedy(self.net, cfg.episodes, 10**9 + cfg.seed, cfg.eval_episodes)))
        sims = cfg.episodes.search.n_sims if cfg.eval_sims < 0 else cfg.eval_sims
        greedy = cfg.episodes.but(temp_moves=0, search=cfg.episodes.search.but(dirichlet_eps=0.0, n_sims=sims))
        out = play_episodes(self.net.state_dict(), greedy, 10**9 + cfg.seed, cfg.eval_episodes)
        return float(np.mean(out["returns"]))

    def _evaluate_proofs(self) -> float:
        """Minus the mean proof size of the cut network's greedy proofs (no search, no exploration) of the
        held-out instances (env seeds from 10**9); an instance drawn twice (a fixed problem) is proved once."""
        from mathrl.agents.alphazero.andor import PartsNetwork, instance_parts, prove
        from mathrl.agents.alphazero.networks import observation_kind

        envs = make_envs(self.config.episodes)
        models = [PartsNetwork(self.net, observation_kind(env.observation_space)) for env in envs]
        sizes, seen = [], set()
        by_family: list[list[int]] = [[] for _ in envs]
        for e in range(self.config.eval_episodes):
            seed = 10**9 + self.config.seed + e
            f = seed % len(envs)  # the families in turn by seed, as in self-play
            parts = instance_parts(envs[f], seed)
            key = (f,) + tuple(np.asarray(p.observation()).tobytes() for p in parts)
            if key in seen:
                continue
            seen.add(key)
            sizes.append(prove(parts, models[f].choose))
            by_family[f].append(sizes[-1])
        if len(envs) > 1:  # the mean over all proofs, which the larger families weigh most, picks agent.pt
            self._eval_families = [-float(np.mean(s)) if s else None for s in by_family]
        return -float(np.mean(sizes))

    def run(self, iterations: int | None = None, time_limit: float | None = None, progress: bool = False,
            ray: str | None = None) -> list[dict]:
        """Iterate until ``iterations`` more are done or ``time_limit`` seconds of training (total over resumes,
        evaluation and checkpoints included) have passed; Ctrl-C, SIGTERM and SIGHUP stop it with the last
        checkpoint kept. Self-play runs on ``workers`` processes, or as Ray tasks when ``ray`` is given."""

        from mathrl.agents.executor import make_executor
        from mathrl.agents.runs import interrupts_as_keyboard

        rows: list[dict] = []
        bar = None
        try:
            if self.config.workers > 1 or ray is not None:
                self.executor = make_executor(self.config.workers, ray)
            elif self.config.selfplay_ahead:  # one worker process plays while this one learns
                from mathrl.agents.executor import ProcessExecutor

                self.executor = ProcessExecutor(1)
            self.ahead.restart(self.executor)  # batches a checkpoint kept in flight: start them again
            bar = RunBar(iterations=iterations, time_limit=time_limit, done_seconds=self.elapsed,
                         disable=not progress, desc=f"alphazero {self.config.episodes.env_id}", unit="iter")
            with interrupts_as_keyboard():
                while (iterations is None or len(rows) < iterations) and (
                        time_limit is None or self.elapsed < time_limit):
                    rows.append(self.step())
                    bar.advance(1, self.elapsed)
                    bar.set_postfix(eval_return=f"{rows[-1]['eval_return']:.3g}")
        except BaseException:
            if self.executor is not None:
                self.executor.close(abandon=True)
                self.executor = None
            raise
        finally:
            if bar is not None:
                bar.close()
            self.log.close()
            self.ahead.cancel()  # their weights stay in the checkpoint; the episodes are played again
            if self.executor is not None:
                self.executor.close(abandon=bool(self.ahead.pending))
                self.executor = None
        return rows


def is_problem_run(folder) -> bool:
    """Whether ``folder`` holds a single-player run (its agent file's or checkpoint's config has episodes),
    read safely."""
    path = Path(folder) / AGENT
    if not path.is_file():
        path = Path(folder) / CHECKPOINT
    if not path.is_file():
        return False
    try:
        ckpt = load_file(path, WHAT)
        return isinstance(ckpt, dict) and "episodes" in json.loads(ckpt.get("config", "{}"))
    except (ValueError, TypeError, AttributeError):
        return False
