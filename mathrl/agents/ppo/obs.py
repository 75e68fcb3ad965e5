"""Observations -> network inputs. The only place in the agent that looks at an observation's structure.

Two kinds, chosen from the observation space:

* ``"pairs"``: a Dict with a ``"pairs"`` entry whose rows are the actions (Buchberger, padded or
  sequence mode). Rows beyond the last legal action in the batch are cut off before the network
  sees them, so a 256-row padded observation costs what its real pairs cost.
* ``"mlp"``: a Box, MultiBinary or MultiDiscrete array (cast to float32), or a Dict of them (everything
  but ``"action_mask"``), flattened in key order.

Masks come from ``info["action_mask"]`` (every mathrl env sets it), else ``obs["action_mask"]``,
else every action is legal (classic control).
"""

from __future__ import annotations

import numpy as np
from gymnasium import spaces


# array spaces the MLP policy flattens and casts to float32 (a graph word is MultiBinary, a board Box)
ARRAYS = (spaces.Box, spaces.MultiBinary, spaces.MultiDiscrete)


class ObsAdapter:
    def __init__(self, kind: str, n_actions: int, keys=None, obs_dim: int = 0, row_dim: int = 0):
        self.kind, self.n_actions, self.keys = kind, int(n_actions), list(keys or [])
        self.obs_dim, self.row_dim = int(obs_dim), int(row_dim)

    @classmethod
    def for_spaces(cls, observation_space, action_space, policy: str = "auto") -> "ObsAdapter":
        if not isinstance(action_space, spaces.Discrete):
            raise ValueError(f"PPO needs a Discrete action space, got {action_space}")
        n = int(action_space.n)
        has_pairs = isinstance(observation_space, spaces.Dict) and "pairs" in observation_space.spaces
        kind = ("pairs" if has_pairs else "mlp") if policy == "auto" else policy
        if kind == "pairs":
            if not has_pairs:
                raise ValueError("policy='pairs' needs a Dict observation with a 'pairs' entry")
            rows = observation_space["pairs"]
            shape = rows.feature_space.shape if isinstance(rows, spaces.Sequence) else rows.shape[1:]
            return cls("pairs", n, row_dim=int(np.prod(shape)))
        if isinstance(observation_space, ARRAYS):
            return cls("mlp", n, obs_dim=int(np.prod(observation_space.shape)))
        if isinstance(observation_space, spaces.Dict):
            keys = [k for k in observation_space.spaces if k != "action_mask"]
            bad = [k for k in keys if not isinstance(observation_space[k], ARRAYS)]
            if bad:
                raise ValueError(f"the MLP policy flattens Box, MultiBinary and MultiDiscrete entries only; {bad} "
                                 f"are none of these")
            return cls("mlp", n, keys=keys, obs_dim=sum(int(np.prod(observation_space[k].shape)) for k in keys))
        raise ValueError(f"unsupported observation space for PPO: {observation_space}")

    # --- (de)serialisation --------------------------------------------------------------------
    def spec(self) -> dict:
        return {"kind": self.kind, "n_actions": self.n_actions, "keys": self.keys, "obs_dim": self.obs_dim,
                "row_dim": self.row_dim}

    @classmethod
    def from_spec(cls, spec: dict) -> "ObsAdapter":
        return cls(spec["kind"], spec["n_actions"], spec.get("keys"), spec.get("obs_dim", 0), spec.get("row_dim", 0))

    def policy_spec(self, hidden, encoder: str = "mlp", critic: bool = True, obs_norm: bool = False) -> dict:
        if self.kind == "pairs":
            return {"kind": "pairs", "row_dim": self.row_dim, "hidden": list(hidden), "encoder": encoder,
                    "critic": critic}
        return {"kind": "mlp", "obs_dim": self.obs_dim, "n_actions": self.n_actions, "hidden": list(hidden),
                "critic": critic, "obs_norm": obs_norm}

    # --- batches ------------------------------------------------------------------------------
    def masks(self, obs, info: dict | None, batch: int) -> np.ndarray:
        """bool (batch, n_actions) legal-action masks for a batch of observations."""
        if info is not None and "action_mask" in info:
            return np.asarray(info["action_mask"]).reshape(batch, -1).astype(bool)
        if isinstance(obs, dict) and "action_mask" in obs:
            return np.asarray(obs["action_mask"]).reshape(batch, -1).astype(bool)
        return np.ones((batch, self.n_actions), dtype=bool)

    def batch(self, obs, masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(inputs, masks) for a batch: flat float32 (B, obs_dim), or rows (B, R, F) with masks cut to R."""
        masks = np.asarray(masks, dtype=bool)
        if self.kind == "pairs":
            rows = np.asarray(obs["pairs"])
            legal = masks.any(axis=0)
            r = max(1, int(np.flatnonzero(legal)[-1]) + 1 if legal.any() else 1)
            x = np.zeros((rows.shape[0], r, self.row_dim), np.float32)
            have = min(r, rows.shape[1])
            x[:, :have] = rows[:, :have]
            m = np.zeros((rows.shape[0], r), dtype=bool)
            m[:, :min(r, masks.shape[1])] = masks[:, :r]
            return x, m
        if self.keys:
            x = np.concatenate([np.asarray(obs[k], dtype=np.float32).reshape(masks.shape[0], -1) for k in self.keys],
                               axis=1)
        else:
            x = np.asarray(obs, dtype=np.float32).reshape(masks.shape[0], -1)
        return x, masks

    def single(self, obs, mask=None) -> tuple[np.ndarray, np.ndarray]:
        """``batch`` for one unbatched observation (mask: bool/int (n_actions,), or None for obs/all legal)."""
        if self.kind == "pairs":
            rows = np.asarray(obs["pairs"])
            if mask is None:
                mask = np.asarray(obs["action_mask"]) if "action_mask" in obs else np.ones(len(rows), bool)
            return self.batch({"pairs": rows[None]}, np.asarray(mask, dtype=bool)[None])
        if isinstance(obs, dict):
            obs = {k: np.asarray(v)[None] for k, v in obs.items()}
        else:
            obs = np.asarray(obs)[None]
        masks = self.masks(obs, None if mask is None else {"action_mask": np.asarray(mask)[None]}, 1)
        return self.batch(obs, masks)


def pad_rows(xs: list[np.ndarray], ms: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Stack per-step row batches of different widths R into one (N, R_max, F) array and masks."""
    r = max(x.shape[1] for x in xs)
    n = sum(x.shape[0] for x in xs)
    out = np.zeros((n, r, xs[0].shape[2]), np.float32)
    mask = np.zeros((n, r), dtype=bool)
    i = 0
    for x, m in zip(xs, ms):
        out[i:i + len(x), :x.shape[1]] = x
        mask[i:i + len(x), :m.shape[1]] = m
        i += len(x)
    return out, mask
