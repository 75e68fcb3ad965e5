"""Simpson's value and cut networks for graded semigroup proofs (Simpson 2021, arXiv:2105.09633, section 4).

A proof node of the graded 4-nilpotent family is four boolean tensors, the
candidate values of the cells ``m[x, y, p]`` (a x a x (b+1)), the left and right
actions ``l[x, p, i]`` and ``r[p, y, i]`` (two values each) and the ternary
products ``t[x, y, z, i]``. Simpson learns two functions of such a node:

* ``N`` (:class:`ValueNet`), a scalar: log10 of the size of the proof below the node;
* ``N2`` (:class:`CutNet`), an a x a map: for every cell, log10(1 + size of the proof
  below the node if it is cut there). The proof-time policy cuts the available cell
  with the smallest ``N2``; AlphaZero reads ``-N2`` as its policy logits.

Both are his architecture, kept as the reproduction baseline: every grid layer sees
whole rows and columns (kernels (5, 1) and (1, 5) with circular padding, so a
length-a axis is covered even at a = 5), grouped convolutions keep n separate
channel families cheap, and a side branch mixes each channel's whole map into a
per-cell feature. The parameter counts Simpson reports (9,189 / 12,813 at
(a, b) = (3, 2), n = 2) are matched exactly (tested), which pins every layer's shape.

:func:`featurise` builds his ``5(b+1) + 2a`` input channels on the a x a grid.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

SLOPE = 0.01  # every hidden layer is followed by LeakyReLU(0.01)


def input_channels(a: int, b: int) -> int:
    """``f = 5(b+1) + 2a``: (b+1) for m, 2(b+1) each for l and r, 2a for t."""
    return 5 * (b + 1) + 2 * a


def _normalised(mask: np.ndarray) -> np.ndarray:
    """Each mask divided along its last axis by its number of true entries (at least 1), so a decided value
    reads 1 and an open choice between k values reads 1/k."""
    mask = np.asarray(mask, dtype=np.float32)
    return mask / np.maximum(mask.sum(axis=-1, keepdims=True), 1.0)


def featurise(cand, left, right, ternary) -> np.ndarray:
    """Simpson's input: float32 ``(f, a, a)`` from one node's masks, or ``(B, f, a, a)`` from a batch.

    Channels, in order: m (b+1 channels p, ``(b+1) m^ - 1`` at (x, y)); l (2(b+1) channels (i, p),
    ``l^[x, p, i] - 1/2`` on row x); r (2(b+1) channels (i, p), ``r^[p, y, i] - 1/2`` on column y);
    t (2a channels (i, y), ``t^[x, y, z, i] - 1/2`` at (x, z)).
    """
    m, l, r, t = (_normalised(v) for v in (cand, left, right, ternary))
    single = m.ndim == 3
    if single:
        m, l, r, t = m[None], l[None], r[None], t[None]
    batch, a, _, b1 = m.shape
    m_ch = (b1 * m - 1.0).transpose(0, 3, 1, 2)                                  # (B, b+1, x, y)
    l_ch = (l - 0.5).transpose(0, 3, 2, 1).reshape(batch, 2 * b1, a, 1)           # (i, p) on row x
    r_ch = (r - 0.5).transpose(0, 3, 1, 2).reshape(batch, 2 * b1, 1, a)           # (i, p) on column y
    t_ch = (t - 0.5).transpose(0, 4, 2, 1, 3).reshape(batch, 2 * a, a, a)         # (i, y) at (x, z)
    out = np.concatenate([m_ch, np.broadcast_to(l_ch, (batch, 2 * b1, a, a)),
                          np.broadcast_to(r_ch, (batch, 2 * b1, a, a)), t_ch], axis=1).astype(np.float32)
    return out[0] if single else out


def _line_conv(channels_in: int, channels_out: int, n: int, vertical: bool) -> nn.Conv2d:
    """A grouped (5, 1) or (1, 5) convolution with circular padding 2 on its long axis."""
    kernel, padding = ((5, 1), (2, 0)) if vertical else ((1, 5), (0, 2))
    return nn.Conv2d(channels_in, channels_out, kernel, padding=padding, groups=n, padding_mode="circular")


class Trunk(nn.Module):
    """The shared body (N and N2 each have their own copy): ``(B, f, a, a) -> (B, n, a, a)``."""

    def __init__(self, a: int, b: int, n: int):
        super().__init__()
        f, w = input_channels(a, b), 8 * n
        self.a, self.n = a, n
        self.a1 = nn.Conv2d(f, w, 1)
        self.a2, self.a3 = _line_conv(w, w, n, True), _line_conv(w, w, n, False)
        self.a4, self.a5 = _line_conv(w, w, n, True), _line_conv(w, w, n, False)
        self.g = nn.Conv2d(5 * w, w, 1)
        self.a6 = _line_conv(w, w, n, True)
        # side branch: each of the 8n channels' whole a x a map -> one number, then n groups -> n maps
        self.side1 = nn.Conv1d(w * a * a, w, 1, groups=w)
        self.side2 = nn.Conv1d(w, n * a * a, 1, groups=n)
        self.a7 = _line_conv(w + n, w, n, False)
        self.a8, self.a9 = _line_conv(w, w, n, True), _line_conv(w, w, n, False)
        self.out = nn.Conv2d(5 * w, n, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        act = lambda y: F.leaky_relu(y, SLOPE)  # noqa: E731
        a1 = act(self.a1(x))
        a2 = act(self.a2(a1))
        a3 = act(self.a3(a2))
        a4 = act(self.a4(a3))
        a5 = act(self.a5(a4))
        g = act(self.g(torch.cat([a1, a2, a3, a4, a5], dim=1)))
        a6 = act(self.a6(g))
        side = act(self.side1(a4.flatten(1).unsqueeze(-1)))
        side = act(self.side2(side)).view(-1, self.n, self.a, self.a)
        a7 = act(self.a7(torch.cat([a6, side], dim=1)))
        a8 = act(self.a8(a7))
        a9 = act(self.a9(a8))
        return act(self.out(torch.cat([a1, a3, g, a7, a9], dim=1)))


class _Pair(nn.Module):
    """flatten -> FC 32 -> FC 32, both outputs kept (64 features)."""

    def __init__(self, inputs: int):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(inputs, 32), nn.Linear(32, 32)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h1 = F.leaky_relu(self.fc1(x.flatten(1)), SLOPE)
        h2 = F.leaky_relu(self.fc2(h1), SLOPE)
        return torch.cat([h1, h2], dim=1)


class _Body(nn.Module):
    """What N and N2 share in shape (each has its own weights): a trunk and the flatten -> FC 32 -> FC 32 pair."""

    def __init__(self, a: int, b: int, n: int):
        super().__init__()
        self.a, self.b, self.n = a, b, n
        self.trunk = Trunk(a, b, n)
        self.pair = _Pair(n * a * a)


class ValueNet(_Body):
    """Simpson's ``N``: ``(B, f, a, a) -> (B,)``, the estimated log10 of the node's proof size."""

    def __init__(self, a: int, b: int, n: int):
        super().__init__(a, b, n)
        self.head = nn.Linear(64, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.pair(self.trunk(x))).squeeze(-1)


class CutNet(_Body):
    """Simpson's ``N2``: ``(B, f, a, a) -> (B, a, a)``, per cell log10(1 + proof size below the cut there)."""

    def __init__(self, a: int, b: int, n: int):
        super().__init__(a, b, n)
        self.spread = nn.Linear(64, 4 * a * a)  # no activation: a global summary laid back on the grid
        self.c1, self.c2 = nn.Conv2d(n + 4, 32, 1), nn.Conv2d(32, 32, 1)
        self.head = nn.Conv2d(4 + 32 + 32, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        trunk = self.trunk(x)
        spread = self.spread(self.pair(trunk)).view(-1, 4, self.a, self.a)
        c1 = F.leaky_relu(self.c1(torch.cat([trunk, spread], dim=1)), SLOPE)
        c2 = F.leaky_relu(self.c2(c1), SLOPE)
        return self.head(torch.cat([spread, c1, c2], dim=1)).squeeze(1)
