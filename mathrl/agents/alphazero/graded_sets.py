"""A value-cut network for graded semigroup proofs that reads any (a, b): one set of weights for every size.

Simpson's networks (:mod:`~mathrl.agents.alphazero.simpson`) have fully connected layers whose shapes
depend on (a, b), so what they learn on one case cannot be tried on another, and he found their
generalisation weak (Simpson 2021, arXiv:2106.03015). Yet the size of a proof does not depend on how
the generators of A or the elements of B are labelled: relabel A and the proof of the relabelled node
is the same tree with relabelled cells. :class:`GradedSetNet` builds that symmetry in, which also frees
it from the sizes:

* **B is a set.** For a cell (x, y), each p in B contributes the features of "mu(x, y) = p": whether p
  is a candidate and with what weight, phi(x, p) and psi(p, y), and how well it agrees with the
  associativity constraints psi(p, z) = tau(x, y, z) and phi(w, p) = tau(w, x, y) it would meet. A shared
  MLP embeds each p and the embeddings are pooled (mean and max), as in Deep Sets (Zaheer et al. 2017);
  the zero 0_B, which no relabelling moves, keeps its own features. The ternary products tau(x, y, .)
  and tau(., x, y), where the cell meets associativity, are averaged over the free generator.
* **A labels rows and columns alike.** The cells then pass through exchangeable-matrix layers (Hartford
  et al. 2018, "Deep models of interactions across sets"): each cell sees itself, its row's mean, its
  column's mean, the grid's mean and its transposed cell (rows and columns are the same set A), so
  relabelling A permutes the output grid in the same way (tested).

Heads: the cut head is a per-cell MLP (``N2``, log10(1 + proof size below a cut there)); the value head
pools the grid (mean, max and the sum scaled by 1/16, because a larger table can hide a larger proof).
As in Simpson's pair, the two heads have separate trunks. The input is Simpson's featurisation
(:func:`~mathrl.agents.alphazero.simpson.featurise`), whose channel count gives back b, so the encoding,
the node cache and the run files are those of the ``"semigroup"`` kind.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

SLOPE = 0.01
P_FEATURES = 8    # per value p: candidate?, its weight, phi(x, p), psi(p, y), agreement with associativity (2)
T_FEATURES = 6    # tau(x, y, .) and tau(., x, y): mean weight of 0 and of c, and how much is decided
CELL_FEATURES = 2 + T_FEATURES + 1  # log candidates, decided?, ternary, diagonal?


def unfeaturise(x: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Simpson's input ``(B, 5(b+1) + 2a, a, a)`` back to the normalised masks
    ``m (B, a, a, b+1)``, ``l (B, a, b+1, 2)``, ``r (B, b+1, a, 2)``, ``t (B, a, a, a, 2)`` (each entry the
    candidate's weight: 1 when decided, 1/k among k candidates, 0 when ruled out)."""
    batch, f, a, _ = x.shape
    b1, rest = divmod(f - 2 * a, 5)
    if rest or b1 < 2:
        raise ValueError(f"{f} channels on a {a} x {a} grid is not a graded node's input")
    m = ((x[:, :b1] + 1.0) / b1).permute(0, 2, 3, 1)                                   # (B, x, y, p)
    l = (x[:, b1:3 * b1, :, 0] + 0.5).reshape(batch, 2, b1, a).permute(0, 3, 2, 1)     # (B, x, p, i)
    r = (x[:, 3 * b1:5 * b1, 0, :] + 0.5).reshape(batch, 2, b1, a).permute(0, 2, 3, 1)  # (B, p, y, i)
    t = (x[:, 5 * b1:] + 0.5).reshape(batch, 2, a, a, a).permute(0, 3, 2, 4, 1)        # (B, x, y, z, i)
    return m, l, r, t


def cell_inputs(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(per_value (B, a, a, b, P_FEATURES), zero (B, a, a, P_FEATURES), cell (B, a, a, CELL_FEATURES))``.

    For cell (x, y) and value p: is p a candidate of mu(x, y), its weight, phi(x, p) and psi(p, y) (two
    weights each), and how well "mu(x, y) = p" agrees with associativity, psi(p, z) = tau(x, y, z) for every
    z and phi(w, p) = tau(w, x, y) for every w: the mean over z (over w) of the chance that independent
    uniform picks from the two candidate sets agree. Per cell: log of its candidates, decided?, the mean
    weights of tau(x, y, .) and tau(., x, y) with the mean of |w0 - w1| over the free generator (how much
    of them is decided), and whether the cell is on the diagonal (x = y).
    """
    m, l, r, t = unfeaturise(x)
    batch, a, _, b1 = m.shape
    lx = l[:, :, None, :, :].expand(batch, a, a, b1, 2)                       # phi(x, p) at cell (x, y)
    ry = r.permute(0, 2, 1, 3)[:, None, :, :, :].expand(batch, a, a, b1, 2)   # psi(p, y) at cell (x, y)
    right = torch.einsum("bpzi,bxyzi->bxyp", r, t) / a                        # psi(p, z) = tau(x, y, z)
    left = torch.einsum("bwpi,bwxyi->bxyp", l, t) / a                         # phi(w, p) = tau(w, x, y)
    values = torch.cat([(m > 0).float()[..., None], m[..., None], lx, ry, right[..., None], left[..., None]],
                       dim=-1)                                                # (B, a, a, b+1, P_FEATURES)
    count = (m > 0).float().sum(dim=-1)
    spread = (t[..., 0] - t[..., 1]).abs()                                    # (B, x, y, z): 1 where decided
    eye = torch.eye(a, dtype=x.dtype, device=x.device).expand(batch, a, a)[..., None]
    cell = torch.cat([torch.log(count.clamp(min=1.0))[..., None], (count <= 1).float()[..., None],
                      t.mean(dim=3), spread.mean(dim=3)[..., None],            # tau(x, y, .) over z
                      t.mean(dim=1), spread.mean(dim=1)[..., None], eye], dim=-1)  # tau(., x, y) over w
    return values[..., :-1, :], values[..., -1, :], cell


class Exchangeable(nn.Module):
    """One exchangeable-matrix layer on an a x a grid whose rows and columns are the same set."""

    def __init__(self, width: int):
        super().__init__()
        self.self_, self.row, self.col, self.all, self.transposed = (nn.Linear(width, width) for _ in range(5))

    def forward(self, h: torch.Tensor) -> torch.Tensor:  # (B, a, a, W)
        mixed = (self.self_(h) + self.row(h.mean(dim=2, keepdim=True)) + self.col(h.mean(dim=1, keepdim=True))
                 + self.all(h.mean(dim=(1, 2), keepdim=True)) + self.transposed(h.transpose(1, 2)))
        return h + F.leaky_relu(mixed, SLOPE)


class GridTrunk(nn.Module):
    """Simpson's input -> per-cell features ``(B, a, a, width)``, equivariant in A, invariant in B."""

    def __init__(self, width: int, layers: int, embed: int = 16):
        super().__init__()
        self.embed = nn.Sequential(nn.Linear(P_FEATURES, embed), nn.LeakyReLU(SLOPE), nn.Linear(embed, embed),
                                   nn.LeakyReLU(SLOPE))
        self.inp = nn.Linear(2 * embed + P_FEATURES + CELL_FEATURES, width)
        self.layers = nn.ModuleList(Exchangeable(width) for _ in range(layers))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        values, zero, cell = cell_inputs(x)
        e = self.embed(values)                                         # (B, a, a, b, embed)
        h = F.leaky_relu(self.inp(torch.cat([e.mean(dim=3), e.amax(dim=3), zero, cell], dim=-1)), SLOPE)
        for layer in self.layers:
            h = layer(h)
        return h


class GradedSetNet(nn.Module):
    """``(B, f, a, a) -> (logits = -N2 (B, a*a), value = log10 proof size (B,))`` for any graded (a, b)."""

    size_free = True  # one set of weights reads every (a, b): a cut policy may prove cases of other sizes

    def __init__(self, width: int = 48, layers: int = 4):
        super().__init__()
        self.cut_trunk, self.size_trunk = GridTrunk(width, layers), GridTrunk(width, layers)
        self.cut_head = nn.Sequential(nn.Linear(2 * width, 32), nn.LeakyReLU(SLOPE), nn.Linear(32, 1))
        self.size_head = nn.Sequential(nn.Linear(3 * width, 64), nn.LeakyReLU(SLOPE), nn.Linear(64, 1))

    def cut(self, x: torch.Tensor) -> torch.Tensor:
        """``N2``: ``(B, a, a)``."""
        h = self.cut_trunk(x)
        pooled = h.mean(dim=(1, 2), keepdim=True).expand_as(h)
        return self.cut_head(torch.cat([h, pooled], dim=-1)).squeeze(-1)

    def value_only(self, x: torch.Tensor) -> torch.Tensor:
        """``N``: ``(B,)``, through the size trunk alone."""
        h = self.size_trunk(x)
        mean = h.mean(dim=(1, 2))
        summary = torch.cat([mean, h.amax(dim=(1, 2)), mean * (h.shape[1] * h.shape[2] / 16.0)], dim=-1)
        return self.size_head(summary).squeeze(-1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return -self.cut(x).flatten(1), self.value_only(x)
