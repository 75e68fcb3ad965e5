"""PPO settings: one flat dataclass (every knob visible, as in CleanRL) and named presets per env."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field

BASELINES = ("critic", "info")
POLICIES = ("auto", "mlp", "pairs")
ENCODERS = ("mlp", "context", "attention")
VECTOR_MODES = ("sync", "async", "native")
MAX_SEED = 2**32 - 1  # gymnasium's env seeding (numpy SeedSequence) and torch.manual_seed both accept it
# Upper bounds far above any useful setting (CleanRL's Atari runs use 8 envs x 128 steps), so a typo is an
# error at once rather than a machine that swaps or a run that hangs building ten million envs.
MAXIMUM = {"num_envs": 4096, "num_steps": 10**6, "update_epochs": 10**4, "num_minibatches": 10**6,
           "torch_threads": 256, "eval_episodes": 10**7, "curve_episodes": 10**7}
MAX_HIDDEN = 65536


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_real(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass
class PPOConfig:
    # --- environment -----------------------------------------------------------------------
    env_id: str = "CartPole-v1"
    env_kwargs: dict = field(default_factory=dict)
    seed: int = 0
    num_envs: int = 8  # environments stepped in lock-step (gymnasium.vector, same-step autoreset)
    vector: str = "sync"  # "sync" (one process), "async" (one process per env) or "native" (the id's own batched env)
    # --- budget ----------------------------------------------------------------------------
    total_steps: int = 100_000  # environment steps summed over all envs
    num_steps: int = 128  # steps per env per rollout; a rollout is num_envs * num_steps samples
    # --- returns and advantages ------------------------------------------------------------
    gamma: float = 0.99
    gae_lambda: float = 0.95
    reward_scale: float = 1.0  # rewards (and info baselines) are multiplied by this for learning only
    baseline: str = "critic"  # "critic": a learned value head; "info": V(s) = info[baseline_key] from the env
    baseline_key: str = "rollout_value"
    norm_adv: bool = True
    skip_forced: bool = True  # states with one legal action carry no choice: left out of the policy loss
    # --- optimisation ----------------------------------------------------------------------
    lr: float = 2.5e-4
    anneal_lr: bool = True
    update_epochs: int = 4
    num_minibatches: int = 4
    clip_coef: float = 0.2
    clip_vloss: bool = True
    ent_coef: float = 0.01
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    target_kl: float | None = None  # stop the update's epochs once the approximate KL exceeds this
    # --- network ---------------------------------------------------------------------------
    policy: str = "auto"  # "mlp" on flattened observations, "pairs" for a set of rows (obs["pairs"])
    hidden: tuple = (64, 64)
    encoder: str = "mlp"  # pairs policy: a shared row MLP (the paper's), "context" (each row plus a pooled
    # summary of the queue) or "attention" (a self-attention layer first)
    obs_norm: bool = False  # MLP policy: standardise inputs with running statistics (saved with the agent)
    # --- bookkeeping -----------------------------------------------------------------------
    torch_threads: int = 1
    eval_every: int = 0  # updates between greedy evaluations for the learning curve (0: only at the end)
    eval_episodes: int = 20
    curve_episodes: int = 100  # episodes per learning-curve point
    checkpoint_every: int = 10  # updates between checkpoints (also at the end and on interrupt)

    def __post_init__(self):
        if not isinstance(self.hidden, (list, tuple)) or not all(_is_int(h) and h >= 1 for h in self.hidden):
            raise ValueError(f"hidden must be a non-empty list of layer sizes >= 1, got {self.hidden!r}")
        self.hidden = tuple(int(h) for h in self.hidden)
        self.validate()

    def validate(self) -> None:
        """Each field's rule (ValueError naming the field), checked whenever a config is made or replaced:

        * counts >= 1: num_envs, num_steps, total_steps, update_epochs, num_minibatches, torch_threads,
          eval_episodes, curve_episodes, checkpoint_every, the hidden sizes; eval_every >= 0; each at most
          its bound in ``MAXIMUM`` (a typo such as num_envs=10**7 is refused, not run for hours);
          seed in [0, 2**32 - 1];
        * probabilities in [0, 1]: gamma, gae_lambda;
        * finite and > 0: lr, clip_coef, max_grad_norm, reward_scale, target_kl (or null);
          finite and >= 0: ent_coef, vf_coef;
        * true/false: anneal_lr, norm_adv, skip_forced, clip_vloss, obs_norm;
        * names: env_id, baseline_key strings, baseline / policy / encoder / vector from their lists,
          env_kwargs an object.
        """
        for name in ("env_id", "baseline_key"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise ValueError(f"{name} must be a non-empty string, got {getattr(self, name)!r}")
        if self.baseline not in BASELINES:
            raise ValueError(f"baseline must be one of {', '.join(BASELINES)}, got {self.baseline!r}")
        if self.policy not in POLICIES:
            raise ValueError(f"policy must be one of {', '.join(POLICIES)}, got {self.policy!r}")
        if self.encoder not in ENCODERS:
            raise ValueError(f"encoder must be one of {', '.join(ENCODERS)}, got {self.encoder!r}")
        if self.vector not in VECTOR_MODES:
            raise ValueError(f"vector must be one of {', '.join(VECTOR_MODES)}, got {self.vector!r}")
        for name in ("num_envs", "num_steps", "total_steps", "update_epochs", "num_minibatches", "torch_threads",
                     "eval_episodes", "curve_episodes", "checkpoint_every"):
            value, high = getattr(self, name), MAXIMUM.get(name)
            if not _is_int(value) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
            if high is not None and value > high:
                raise ValueError(f"{name} must be at most {high:,}, got {value:,}")
        if any(h > MAX_HIDDEN for h in self.hidden):
            raise ValueError(f"hidden layer sizes must be at most {MAX_HIDDEN:,}, got {list(self.hidden)}")
        if not _is_int(self.eval_every) or self.eval_every < 0:
            raise ValueError(f"eval_every must be an integer >= 0 (0: only at the end), got {self.eval_every!r}")
        if not _is_int(self.seed) or not 0 <= self.seed <= MAX_SEED:
            raise ValueError(f"seed must be an integer in [0, {MAX_SEED}], got {self.seed!r}")
        if (self.num_envs * self.num_steps) < self.num_minibatches:
            raise ValueError("num_minibatches exceeds the rollout size num_envs * num_steps")
        for name in ("gamma", "gae_lambda"):
            value = getattr(self, name)
            if not _is_real(value) or not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")
        for name in ("lr", "clip_coef", "max_grad_norm", "reward_scale"):
            value = getattr(self, name)
            if not _is_real(value) or value <= 0:
                raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
        for name in ("ent_coef", "vf_coef"):
            value = getattr(self, name)
            if not _is_real(value) or value < 0:
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        if self.target_kl is not None and (not _is_real(self.target_kl) or self.target_kl <= 0):
            raise ValueError(f"target_kl must be a finite number > 0 or null, got {self.target_kl!r}")
        for name in ("anneal_lr", "norm_adv", "skip_forced", "clip_vloss", "obs_norm"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false, got {getattr(self, name)!r}")
        if not self.hidden:
            raise ValueError(f"hidden must be a non-empty list of layer sizes >= 1, got {self.hidden!r}")
        if not isinstance(self.env_kwargs, dict):
            raise ValueError(f"env_kwargs must be a JSON object, got {self.env_kwargs!r}")

    @property
    def batch_size(self) -> int:
        return self.num_envs * self.num_steps

    @property
    def num_updates(self) -> int:
        return max(1, self.total_steps // self.batch_size)

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["hidden"] = list(self.hidden)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "PPOConfig":
        if not isinstance(d, dict):
            raise ValueError(f"a PPO config must be a JSON object, got {type(d).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown PPO config field(s): {', '.join(unknown)}")
        return cls(**d)

    def replace(self, **changes) -> "PPOConfig":
        return self.from_dict({**self.to_dict(), **changes})


# Presets: starting points measured on 2 cores (see README); anything can be overridden with --set.
PRESETS: dict[str, dict] = {
    # rl-baselines3-zoo's tuned CartPole settings: solves it (greedy return 500) within 1e5 steps.
    "cartpole": dict(env_id="CartPole-v1", num_envs=8, num_steps=32, gamma=0.98, gae_lambda=0.8, lr=1e-3,
                     update_epochs=20, num_minibatches=1, ent_coef=0.0),
    # Buchberger S-pair selection (Peifer et al. 2020's setup, scaled to a 2-hour run on 2 cores): the paper's shared row MLP
    # (12 -> 128 -> 1, raw exponents), softmax over the pairs present, Degree-rollout value baseline. The
    # compiled vector env ("native") serves exactly the episodes of "sync", several times faster.
    "buchberger": dict(env_id="mathrl/Buchberger-v0",
                       env_kwargs={"ideal_dist": "3-20-10-weighted", "max_steps": 500, "rollout_value": "degree"},
                       num_envs=16, vector="native", num_steps=128, total_steps=2_000_000, gamma=0.99,
                       gae_lambda=0.97, baseline="info", policy="pairs", hidden=(128,), lr=2e-3, anneal_lr=True, update_epochs=10,
                       num_minibatches=4, ent_coef=0.0, eval_every=25, eval_episodes=200),
    # The same with a learned set critic instead of Degree rollouts (to compare the two baselines).
    "buchberger-critic": dict(env_id="mathrl/Buchberger-v0",
                              env_kwargs={"ideal_dist": "3-20-10-weighted", "max_steps": 500},
                              num_envs=16, vector="native", num_steps=128, total_steps=2_000_000, gamma=0.99,
                              gae_lambda=0.97, baseline="critic", reward_scale=0.01, policy="pairs", hidden=(128,), lr=2e-3,
                              update_epochs=10, num_minibatches=4, ent_coef=0.0, eval_every=25, eval_episodes=200),
    # Simpson (3,2): one episode is the whole proof over all 13 instances; reward -1 per cut.
    "semigroups": dict(env_id="mathrl/SemigroupProof-v0", env_kwargs={"a": 3, "b": 2}, num_envs=4, num_steps=256,
                       total_steps=300_000, gamma=1.0, gae_lambda=0.95, lr=3e-4, hidden=(128, 128), obs_norm=True,
                       reward_scale=0.1, ent_coef=0.01, eval_every=10, eval_episodes=1),
    # Graph construction, one bit per step (Wagner 2021's setting): C4-free graphs on 10 vertices, reward
    # edges - ex(10, C4) at the last bit (0 is optimal). Words are MultiBinary, cast to float. Not the env's
    # default wagner-2.1: it gives -10^6 to every disconnected graph, and PPO from scratch meets nothing else.
    "graphs": dict(env_id="mathrl/GraphConstruction-v0", env_kwargs={"score": "c4-free", "n": 10}, num_envs=8,
                   num_steps=45, total_steps=300_000, gamma=1.0, gae_lambda=0.95, lr=3e-4, hidden=(128, 128),
                   ent_coef=0.01, update_epochs=4, num_minibatches=4, eval_every=10, eval_episodes=16),
    "connect4": dict(env_id="mathrl/ConnectFour-v0", num_envs=16, num_steps=64, total_steps=300_000, gamma=0.99,
                     gae_lambda=0.95, lr=3e-4, hidden=(256, 256), ent_coef=0.01, eval_every=20,
                     eval_episodes=200),
}
ENV_PRESETS = {"CartPole-v1": "cartpole", "mathrl/Buchberger-v0": "buchberger",
               "mathrl/SemigroupProof-v0": "semigroups", "mathrl/ConnectFour-v0": "connect4",
               "mathrl/GraphConstruction-v0": "graphs"}


def make_config(env_id: str | None = None, preset: str | None = None, **overrides) -> PPOConfig:
    """A config from a preset (by name, or the env's own preset when there is one) plus overrides."""
    if preset is None and env_id is not None:
        preset = ENV_PRESETS.get(env_id)
    if preset is not None and preset not in PRESETS:
        raise ValueError(f"unknown PPO preset {preset!r}; presets: {', '.join(sorted(PRESETS))}")
    base = dict(PRESETS[preset]) if preset else {}
    if env_id is not None and env_id != base.get("env_id", env_id):
        base.pop("env_kwargs", None)  # a preset's env kwargs belong to its own env
    if env_id is not None:
        base["env_id"] = env_id
    if "env_kwargs" in overrides:  # merged over the preset's (which may be what its baseline needs)
        overrides = {**overrides, "env_kwargs": {**base.get("env_kwargs", {}), **overrides["env_kwargs"]}}
    base.update(overrides)
    return PPOConfig.from_dict(base)


def parse_set(items: list[str]) -> dict:
    """``--set field=JSON`` pairs (a bare string is taken as a string)."""
    out = {}
    for item in items:
        if "=" not in item:
            raise ValueError(f"--set expects FIELD=VALUE, got {item!r}")
        key, raw = item.split("=", 1)
        try:
            out[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            out[key.strip()] = raw
    return out
