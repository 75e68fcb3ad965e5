"""Actor-critic networks for PPO and the masked categorical distribution they share.

Two shapes of observation:

* ``MLPPolicy``: a fixed-size vector (any Box, or a Dict of Boxes flattened) and a fixed action set;
  separate actor and critic MLPs with orthogonal init, as in CleanRL.
* ``PairPolicy``: a *set* of feature rows, one per action (Buchberger's S-pairs). One small network
  scores every row and a softmax runs over the rows present, so the policy is permutation-equivariant
  and handles any number of pairs (Peifer et al. 2020). Two optional encoders let each row's score
  depend on the others: a self-attention layer (the thesis-era transformer agents), or a pooled
  summary of the whole queue appended to every row (Deep Sets, Zaheer et al. 2017), which on a CPU
  costs about twice the plain scorer's time per step where a transformer layer costs 16-64 times.

Every network is rebuilt from ``spec`` (a plain dict saved with the weights), so a saved agent needs
no training config to load.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

MASKED_LOGIT = -1e9  # finite, so 0 * log p stays 0 in the entropy (no NaN)
CONTEXT_WIDTH = 16  # the queue summary of encoder="context" (embedding width and projected width)


class MaskedCategorical:
    """A categorical over the legal actions only: masked logits never get sampled, and they contribute
    nothing to log-probabilities or the entropy."""

    def __init__(self, logits: torch.Tensor, mask: torch.Tensor):
        self.mask = mask
        self.logits = torch.where(mask, logits, torch.full_like(logits, MASKED_LOGIT))
        self.log_p = torch.log_softmax(self.logits, dim=-1)

    def sample(self) -> torch.Tensor:
        return torch.multinomial(self.log_p.exp(), 1).squeeze(-1)

    def mode(self) -> torch.Tensor:
        return self.logits.argmax(dim=-1)

    def log_prob(self, actions: torch.Tensor) -> torch.Tensor:
        return self.log_p.gather(-1, actions.long().unsqueeze(-1)).squeeze(-1)

    def entropy(self) -> torch.Tensor:
        p_log_p = torch.where(self.mask, self.log_p.exp() * self.log_p, torch.zeros_like(self.log_p))
        return -p_log_p.sum(-1)


def layer_init(layer: nn.Linear, std: float = np.sqrt(2), bias: float = 0.0) -> nn.Linear:
    nn.init.orthogonal_(layer.weight, std)
    nn.init.constant_(layer.bias, bias)
    return layer


def mlp(sizes, activation=nn.Tanh, last_std: float = 1.0) -> nn.Sequential:
    layers = []
    for i in range(len(sizes) - 1):
        last = i == len(sizes) - 2
        layers.append(layer_init(nn.Linear(sizes[i], sizes[i + 1]), last_std if last else np.sqrt(2)))
        if not last:
            layers.append(activation())
    return nn.Sequential(*layers)


class RunningNorm(nn.Module):
    """Running mean/variance of the inputs (Chan et al.'s parallel update), applied as (x - mean) / std
    clipped to +-10, as Gymnasium's NormalizeObservation does. The statistics are buffers, so a saved
    agent normalises exactly as it did in training; only the trainer calls ``update``."""

    def __init__(self, dim: int):
        super().__init__()
        self.register_buffer("mean", torch.zeros(dim, dtype=torch.float64))
        self.register_buffer("var", torch.ones(dim, dtype=torch.float64))
        self.register_buffer("count", torch.tensor(1e-4, dtype=torch.float64))

    @torch.no_grad()
    def update(self, x: torch.Tensor) -> None:
        x = x.double()
        n, mean, var = x.shape[0], x.mean(0), x.var(0, unbiased=False)
        delta, total = mean - self.mean, self.count + n
        self.mean += delta * n / total
        self.var.copy_((self.var * self.count + var * n + delta ** 2 * self.count * n / total) / total)
        self.count.fill_(total)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ((x - self.mean.float()) / torch.sqrt(self.var.float() + 1e-8)).clamp(-10.0, 10.0)


class MLPPolicy(nn.Module):
    """``forward(x, mask) -> (logits, value)`` for flat observations x of shape (B, obs_dim).

    ``obs_norm`` standardises inputs with running statistics: needed when raw features have very
    different scales (counters next to 0/1 planes), which would otherwise saturate the tanh units.
    """

    def __init__(self, obs_dim: int, n_actions: int, hidden=(64, 64), critic: bool = True, obs_norm: bool = False):
        super().__init__()
        self.spec = {"kind": "mlp", "obs_dim": int(obs_dim), "n_actions": int(n_actions),
                     "hidden": [int(h) for h in hidden], "critic": bool(critic), "obs_norm": bool(obs_norm)}
        self.norm = RunningNorm(obs_dim) if obs_norm else None
        self.actor = mlp([obs_dim, *hidden, n_actions], last_std=0.01)
        self.critic = mlp([obs_dim, *hidden, 1], last_std=1.0) if critic else None

    def forward(self, x: torch.Tensor, mask: torch.Tensor):
        if self.norm is not None:
            x = self.norm(x)
        logits = self.actor(x)
        value = self.critic(x).squeeze(-1) if self.critic is not None else torch.zeros(x.shape[0])
        return logits, value


class PairPolicy(nn.Module):
    """``forward(rows, mask) -> (logits, value)`` for rows (B, R, F) with mask (B, R): one logit per row.

    The scorer is the paper's shared MLP (F -> hidden -> 1, ReLU, raw integer features). With
    ``encoder="context"`` it reads [row | c] instead, where c is a small summary of the whole queue
    (the mean and max of a row embedding and the log of the row count, projected to
    ``CONTEXT_WIDTH``): with the plain scorer a pair's rank against another never depends on the
    rest of the queue, so the greedy policy is one fixed ordering of pairs; the summary lets the
    ordering change with the state (how many pairs are left, how high their degrees run). The critic
    (optional: the Degree-rollout baseline needs none) embeds rows, pools them (mean, max and the log of
    the row count, since the remaining cost grows with the number of pairs) and maps that to a value.
    """

    def __init__(self, row_dim: int, hidden=(128,), encoder: str = "mlp", critic: bool = True, heads: int = 4):
        super().__init__()
        hidden = [int(h) for h in hidden]
        self.spec = {"kind": "pairs", "row_dim": int(row_dim), "hidden": hidden, "encoder": encoder,
                     "critic": bool(critic), "heads": int(heads)}
        width = hidden[0]
        self.attention = None
        score_in = row_dim
        if encoder == "attention":
            self.embed = nn.Sequential(nn.Linear(row_dim, width), nn.ReLU())
            self.attention = nn.TransformerEncoderLayer(width, heads, dim_feedforward=2 * width, dropout=0.0,
                                                        batch_first=True)
            score_in = width
        elif encoder == "context":
            self.context_embed = nn.Sequential(layer_init(nn.Linear(row_dim, CONTEXT_WIDTH)), nn.ReLU())
            self.context_proj = nn.Sequential(layer_init(nn.Linear(2 * CONTEXT_WIDTH + 1, CONTEXT_WIDTH)), nn.ReLU())
            score_in = row_dim + CONTEXT_WIDTH
        elif encoder != "mlp":
            raise ValueError(f"unknown encoder {encoder!r}; choose 'mlp', 'context' or 'attention'")
        self.scorer = mlp([score_in, *hidden, 1], activation=nn.ReLU, last_std=0.01)
        if critic:
            self.row_embed = mlp([row_dim, width, width], activation=nn.ReLU, last_std=np.sqrt(2))
            self.value_head = mlp([2 * width + 1, width, 1], activation=nn.ReLU, last_std=1.0)
        else:
            self.row_embed = self.value_head = None

    def forward(self, rows: torch.Tensor, mask: torch.Tensor):
        if self.attention is None:
            return self._forward_packed(rows, mask)
        x = rows
        if self.attention is not None:
            # a row set that is entirely padding (a terminal observation) would make attention NaN
            safe = mask.clone()
            safe[:, 0] |= ~mask.any(dim=1)
            x = self.attention(self.embed(rows), src_key_padding_mask=~safe)
        logits = self.scorer(x).squeeze(-1)
        if self.row_embed is None:
            return logits, torch.zeros(rows.shape[0])
        e = torch.relu(self.row_embed(rows))
        m = mask.unsqueeze(-1).to(e.dtype)
        count = m.sum(dim=1)
        mean = (e * m).sum(dim=1) / count.clamp(min=1)
        top = torch.where(mask.unsqueeze(-1), e, torch.zeros_like(e)).amax(dim=1)
        value = self.value_head(torch.cat([mean, top, torch.log1p(count)], dim=-1)).squeeze(-1)
        return logits, value


    def _forward_packed(self, rows: torch.Tensor, mask: torch.Tensor):
        """The MLP and context encoders on the rows present only: a batch padded to its longest queue
        holds mostly padding (about 20 pairs per state against 50 padded rows on 3-20-10-weighted), and
        every row is scored on its own, so the padding's work is skipped. Padded rows get logit 0 (the
        mask removes them); the pooled summaries (context and critic) are a mean over the rows present
        and a max that counts an absent row as 0, which the ReLU embeddings never go below."""
        batch, width = mask.shape
        if rows.shape[:2] != mask.shape:
            raise ValueError(f"rows {tuple(rows.shape)} and mask {tuple(mask.shape)} disagree")
        present = mask.reshape(-1).bool()
        flat = rows.reshape(batch * width, rows.shape[-1])[present]
        count = mask.sum(dim=1, keepdim=True).to(rows.dtype)
        score_in = flat
        if self.spec["encoder"] == "context":
            summary = self.context_proj(_pool(self.context_embed(flat), present, batch, width, count))
            owner = torch.arange(batch).repeat_interleave(width)[present]  # the state of each present row
            score_in = torch.cat([flat, summary[owner]], dim=-1)
        logits = rows.new_zeros(batch * width)
        logits = logits.masked_scatter(present, self.scorer(score_in).squeeze(-1)).reshape(batch, width)
        if self.row_embed is None:
            return logits, rows.new_zeros(batch)
        e = torch.relu(self.row_embed(flat))
        value = self.value_head(_pool(e, present, batch, width, count)).squeeze(-1)
        return logits, value


def _pool(e: torch.Tensor, present: torch.Tensor, batch: int, width: int, count: torch.Tensor) -> torch.Tensor:
    """[mean | max | log(1 + count)] per state of the embeddings ``e`` (N, H) of the present rows, N =
    present.sum(); a state without rows pools to zeros."""
    spread = e.new_zeros(batch * width, e.shape[1])  # back to (B, R, H), padding at 0
    spread = spread.masked_scatter(present.unsqueeze(-1).expand_as(spread), e).reshape(batch, width, e.shape[1])
    mean = spread.sum(dim=1) / count.clamp(min=1)
    top = spread.amax(dim=1) if width else spread.sum(dim=1)  # no rows at all: zeros
    return torch.cat([mean, top, torch.log1p(count)], dim=-1)


def build_policy(spec: dict) -> nn.Module:
    if spec["kind"] == "mlp":
        return MLPPolicy(spec["obs_dim"], spec["n_actions"], spec["hidden"], spec["critic"], spec.get("obs_norm", False))
    if spec["kind"] == "pairs":
        return PairPolicy(spec["row_dim"], spec["hidden"], spec["encoder"], spec["critic"], spec.get("heads", 4))
    raise ValueError(f"unknown policy kind {spec['kind']!r}")
