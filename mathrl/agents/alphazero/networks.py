"""Value-policy networks chosen by the *shape of the observation*, never by a domain's name.

A search problem only has to say what its observations look like; the network follows:

* ``"board"``: a ``(C, H, W)`` grid -> :class:`~mathrl.agents.alphazero.network.ResNet`
  (AlphaZero's residual tower; the board games);
* ``"rows"``: a set of feature rows ``(P, F)`` with one action per row (Buchberger's S-pair
  queue) -> :class:`PairSetNet`, a permutation-equivariant set network: the queue has no
  order, so relabelling its pairs must relabel the policy and leave the value alone (tested);
* ``"flat"``: a vector (a partial binary word of the construction envs, or any flat Box) ->
  :class:`FlatMLP`;
* ``"semigroup"``: Simpson's proof-node masks -> :class:`~mathrl.agents.alphazero.simpson.CutNet`
  and :class:`~mathrl.agents.alphazero.simpson.ValueNet` (his architecture, the reproduction baseline),
  or, asked for by name (``{"kind": "graded-sets"}``),
  :class:`~mathrl.agents.alphazero.graded_sets.GradedSetNet`: the same input read by a network
  equivariant in the generators and free of the sizes (a, b), so one run can prove other cases.

Every network maps a float batch to ``(logits (B, A), value (B,))``; illegal logits are masked by
the caller. :func:`observation_kind` names the kind of a Gymnasium observation space, and
:func:`build` makes the network for it; new kinds register with :func:`register`.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from torch import nn

from mathrl.agents.alphazero.network import ResNet

SEMIGROUP_KEYS = ("cand", "left", "right", "ternary")


class FlatMLP(nn.Module):
    """``(B, D) -> (logits (B, A), value (B,))``: a shared ReLU trunk, a linear policy and a linear value."""

    def __init__(self, inputs: int, num_actions: int, hidden: tuple[int, ...] = (128, 128)):
        super().__init__()
        layers, width = [], inputs
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        self.trunk = nn.Sequential(*layers)
        self.policy, self.value = nn.Linear(width, num_actions), nn.Linear(width, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.trunk(x.flatten(1))
        return self.policy(h), self.value(h).squeeze(-1)


class PairSetNet(nn.Module):
    """``(B, P, F)`` rows and a ``(B, P)`` validity mask -> one logit per row and a pooled value.

    Each row is embedded alone (phi), the valid rows are mean- and max-pooled into a summary of
    the whole set, and every row's logit reads its own embedding beside that summary (Deep Sets,
    Zaheer et al. 2017, with the context of Peifer et al. 2020's pair scorer). Padding rows never
    reach the pools, so the output does not depend on how much padding there is.
    """

    def __init__(self, features: int, hidden: int = 128):
        super().__init__()
        self.phi = nn.Sequential(nn.Linear(features, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.score = nn.Sequential(nn.Linear(3 * hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))
        self.value = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, rows: torch.Tensor, valid: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        if valid is None:
            valid = torch.ones(rows.shape[:2], dtype=torch.bool, device=rows.device)
        h = self.phi(rows)
        keep = valid.unsqueeze(-1)
        count = keep.sum(dim=1).clamp(min=1)
        mean = (h * keep).sum(dim=1) / count
        peak = h.masked_fill(~keep, float("-inf")).amax(dim=1)
        peak = torch.where(torch.isfinite(peak), peak, torch.zeros_like(peak))  # an empty set pools to 0
        summary = torch.cat([mean, peak], dim=-1)
        context = summary.unsqueeze(1).expand(-1, rows.shape[1], -1)
        logits = self.score(torch.cat([h, context], dim=-1)).squeeze(-1)
        return logits, self.value(summary).squeeze(-1)


class FrozenPairSet:
    """:class:`PairSetNet`'s forward pass in numpy on a snapshot of its weights, for search.

    A search evaluates one leaf at a time (a root per Buchberger choice), so each call is a batch of one
    set of a few dozen rows: torch's per-module dispatch then costs several times the arithmetic. The same
    float32 operations in numpy give the same outputs (to float rounding, tested) at a fraction of the
    overhead. The snapshot is taken when built: build it again after the weights change.
    """

    def __init__(self, net: PairSetNet):
        w = {k: v.detach().float().cpu().numpy().copy() for k, v in net.state_dict().items()}
        hidden = w["phi.0.weight"].shape[0]
        self.phi = (w["phi.0.weight"].T, w["phi.0.bias"], w["phi.2.weight"].T, w["phi.2.bias"])
        score = w["score.0.weight"]  # reads [own embedding, mean, max]: the row part and the set part
        self.score_row, self.score_set = score[:, :hidden].T.copy(), score[:, hidden:].T.copy()
        self.score_bias, self.score_out = w["score.0.bias"], (w["score.2.weight"][0], w["score.2.bias"][0])
        self.value = (w["value.0.weight"].T, w["value.0.bias"], w["value.2.weight"][0], w["value.2.bias"][0])

    def __call__(self, rows: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        w1, b1, w2, b2 = self.phi
        h = np.maximum(np.maximum(rows @ w1 + b1, 0) @ w2 + b2, 0)                # (B, P, H)
        if h.shape[1] and valid.all():  # a search's leaf: one set, no padding; the same numbers, no masks
            mean = h.sum(axis=1) / np.float32(h.shape[1])
            peak = h.max(axis=1)
        else:
            keep = valid[..., None]
            mean = (h * keep).sum(axis=1) / np.maximum(keep.sum(axis=1, dtype=np.float32), 1)
            peak = np.where(keep, h, -np.inf).max(axis=1, initial=-np.inf)
            peak = np.where(np.isfinite(peak), peak, 0).astype(np.float32)       # an empty set pools to 0
        summary = np.concatenate([mean, peak], axis=-1).astype(np.float32)       # (B, 2H)
        inner = np.maximum(h @ self.score_row + (summary @ self.score_set + self.score_bias)[:, None, :], 0)
        logits = inner @ self.score_out[0] + self.score_out[1]
        v1, c1, v2, c2 = self.value
        return logits, np.maximum(summary @ v1 + c1, 0) @ v2 + c2


class SemigroupNet(nn.Module):
    """Simpson's two networks as one value-policy pair: policy logits ``-N2`` over the a x a cells (the cell
    with the smallest estimated proof below it is the likeliest), value ``N`` (log10 of the proof size)."""

    def __init__(self, a: int, b: int, n: int = 6):
        from mathrl.agents.alphazero.simpson import CutNet, ValueNet

        super().__init__()
        self.cut, self.size = CutNet(a, b, n), ValueNet(a, b, n)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return -self.cut(x).flatten(1), self.size(x)

    def value_only(self, x: torch.Tensor) -> torch.Tensor:
        """The value head alone (N has its own trunk): half the work where only sizes are needed."""
        return self.size(x)


def observation_kind(space) -> str:
    """The network kind for a Gymnasium observation space (ValueError for one no network reads)."""
    from gymnasium import spaces

    if isinstance(space, spaces.Dict):
        keys = set(space.spaces)
        if set(SEMIGROUP_KEYS) <= keys:
            return "semigroup"
        if "pairs" in keys and len(getattr(space["pairs"], "shape", None) or ()) == 2:
            return "rows"
        raise ValueError(f"no network reads a Dict observation with keys {sorted(keys)}")
    shape = getattr(space, "shape", None)
    if shape is not None and len(shape) == 3:
        return "board"
    if shape is not None and len(shape) == 1:
        return "flat"
    raise ValueError(f"no network reads observations of {space}")


def _board(space, num_actions: int, **kw) -> nn.Module:
    return ResNet(tuple(space.shape), num_actions, kw.get("blocks", 5), kw.get("channels", 64))


def _rows(space, num_actions: int, **kw) -> nn.Module:
    return PairSetNet(space["pairs"].shape[1], kw.get("hidden", 128))


def _flat(space, num_actions: int, **kw) -> nn.Module:
    return FlatMLP(space.shape[0], num_actions, tuple(kw.get("layers", (128, 128))))


def _semigroup(space, num_actions: int, **kw) -> nn.Module:
    a, _, b1 = space["cand"].shape
    return SemigroupNet(a, b1 - 1, kw.get("width", 6))


def _graded_sets(space, num_actions: int, **kw) -> nn.Module:
    from mathrl.agents.alphazero.graded_sets import GradedSetNet

    if observation_kind(space) != "semigroup":
        raise ValueError("the graded-sets network reads graded semigroup proof nodes only")
    return GradedSetNet(kw.get("width", 48), kw.get("layers", 4))


BUILDERS: dict[str, Callable[..., nn.Module]] = {"board": _board, "rows": _rows, "flat": _flat,
                                                 "semigroup": _semigroup, "graded-sets": _graded_sets}


def register(kind: str, builder: Callable[..., nn.Module]) -> None:
    """Add a network kind: ``builder(observation_space, num_actions, **options) -> nn.Module``."""
    BUILDERS[kind] = builder


def build(space, num_actions: int, kind: str | None = None, **options) -> nn.Module:
    """The network for observations of ``space`` with ``num_actions`` actions (``kind`` overrides the guess)."""
    kind = kind or observation_kind(space)
    if kind not in BUILDERS:
        raise ValueError(f"unknown network kind {kind!r}; known: {', '.join(sorted(BUILDERS))}")
    return BUILDERS[kind](space, num_actions, **options)
