"""A trained PPO policy as a standalone agent: one small file, loadable without the training run.

``load_agent("runs/ppo-x/agent.pt")`` (or the run folder, or ``"pretrained"`` for the shipped
Buchberger agent) gives a :class:`PPOAgent` with ``act(obs, mask, greedy)``. The file carries the
network's shape, the observation adapter and the env it was trained on, so ``evaluate`` can rebuild
that env by itself.

The file holds tensors and plain data only (:mod:`mathrl.agents.files`) and is read with
``weights_only=True``: loading a shared ``agent.pt`` never unpickles objects, so it cannot run code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from mathrl.agents.files import FileFormatError, load_file, not_readable, save_file
from mathrl.agents.ppo.obs import ObsAdapter
from mathrl.agents.ppo.policies import MaskedCategorical, build_policy

FORMAT = "mathrl-ppo-agent/1"  # unchanged: these files always held tensors and plain data only
WHAT = "PPO agent file"
PRETRAINED = {"buchberger": "buchberger.pt"}
PRETRAINED_DIR = Path(__file__).parent / "pretrained"


class PPOAgent:
    def __init__(self, policy: torch.nn.Module, adapter: ObsAdapter, env_id: str | None = None,
                 env_kwargs: dict | None = None, extra: dict | None = None):
        self.policy = policy.eval()
        self.adapter = adapter
        self.env_id, self.env_kwargs, self.extra = env_id, dict(env_kwargs or {}), dict(extra or {})

    @torch.no_grad()
    def probabilities(self, obs, mask=None) -> np.ndarray:
        """float64 (n,) action probabilities for one observation (n = rows for pair policies, else actions)."""
        x, m = self.adapter.single(obs, mask)
        if not m.any():
            raise ValueError("no legal action: the observation is terminal")
        logits, _ = self.policy(torch.from_numpy(x), torch.from_numpy(m))
        return MaskedCategorical(logits, torch.from_numpy(m)).log_p[0].double().exp().numpy()

    def act(self, obs, mask=None, greedy: bool = True, rng: np.random.Generator | None = None) -> int:
        """The argmax action, or one sampled from the policy with ``rng`` (greedy=False)."""
        p = self.probabilities(obs, mask)
        if greedy:
            return int(np.argmax(p))
        rng = rng if rng is not None else np.random.default_rng()
        return int(rng.choice(len(p), p=p / p.sum()))

    def __repr__(self) -> str:
        return f"PPOAgent({self.policy.spec['kind']}, env={self.env_id})"


def save_agent(path, policy: torch.nn.Module, adapter: ObsAdapter, env_id: str, env_kwargs: dict,
               extra: dict | None = None) -> None:
    save_file({"format": FORMAT, "policy_spec": policy.spec, "adapter": adapter.spec(),
               "weights": policy.state_dict(), "env_id": env_id, "env_kwargs": env_kwargs,
               "extra": dict(extra or {})}, Path(path))


def resolve_path(spec: str) -> Path:
    """A file, a run folder holding agent.pt, or ``pretrained[:NAME]``."""
    if spec == "pretrained" or spec.startswith("pretrained:"):
        name = spec.split(":", 1)[1] if ":" in spec else "buchberger"
        if name not in PRETRAINED:
            raise ValueError(f"no pretrained PPO agent {name!r}; available: {', '.join(PRETRAINED)}")
        return PRETRAINED_DIR / PRETRAINED[name]
    path = Path(spec)
    if path.is_dir():
        path = path / "agent.pt"
    if not path.is_file():
        raise ValueError(f"no PPO agent at {spec!r} (expected an agent.pt file or a run folder holding one)")
    return path


def load_agent(spec) -> PPOAgent:
    """A :class:`PPOAgent` from a file, a run folder or ``pretrained[:NAME]``; a missing, truncated,
    foreign or unsafe file is a ValueError (:class:`~mathrl.agents.files.FileFormatError`), one line."""
    path = resolve_path(str(spec))
    data = load_file(path, WHAT)  # weights_only=True: a crafted file cannot run code
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise FileFormatError(f"{path} is not a mathrl PPO agent file (format {FORMAT})")
    try:
        policy = build_policy(data["policy_spec"])
        policy.load_state_dict(data["weights"])
        return PPOAgent(policy, ObsAdapter.from_spec(data["adapter"]), data.get("env_id"), data.get("env_kwargs"),
                        data.get("extra"))
    except (KeyError, TypeError, ValueError, AttributeError, RuntimeError) as exc:  # wrong spec or shapes
        raise not_readable(path, WHAT, exc) from exc


def evaluate(agent: PPOAgent, env_id: str | None = None, env_kwargs: dict | None = None, episodes: int = 20,
             seed: int = 0, greedy: bool = True, progress: bool = False) -> dict:
    """Play whole episodes on a fresh env (the agent's own by default): mean return and the list.

    The env is reset once with ``seed`` and then continues its stream, so the episodes are a fixed,
    reproducible sample; sampled actions use a generator seeded from ``seed`` too.
    """
    import gymnasium as gym
    from tqdm import tqdm

    import mathrl  # noqa: F401  (registers the envs)

    env_id = env_id or agent.env_id
    env_kwargs = agent.env_kwargs if env_kwargs is None else env_kwargs
    env = gym.make(env_id, **env_kwargs)
    rng = np.random.default_rng([seed, 1])
    returns, lengths = [], []
    try:
        obs, info = env.reset(seed=seed)
        for _ in tqdm(range(episodes), disable=not progress, desc="evaluate", unit="episode"):
            total, steps, done = 0.0, 0, False
            while not done:
                a = agent.act(obs, info.get("action_mask"), greedy=greedy, rng=rng)
                obs, r, term, trunc, info = env.step(a)
                total, steps, done = total + float(r), steps + 1, term or trunc
            returns.append(total)
            lengths.append(steps)
            obs, info = env.reset()
    finally:
        env.close()
    return {"mean_return": float(np.mean(returns)), "returns": returns, "lengths": lengths,
            "greedy": greedy, "episodes": episodes, "seed": seed, "env_id": env_id}
