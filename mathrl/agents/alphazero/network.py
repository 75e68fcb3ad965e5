"""The residual value-policy network of AlphaZero: ``f(obs) -> (logits (B,A), v (B,))``.

``v`` is the mover's expected return in [-1, 1]; illegal logits are masked by the caller.
"""

from __future__ import annotations

import copy

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.fusion import fuse_conv_bn_eval


class ResidualBlock(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(x + y)


class ResNet(nn.Module):
    """Stem conv-BN-ReLU, ``blocks`` residual blocks, a policy head and a tanh value head."""

    def __init__(self, observation_shape: tuple[int, int, int], num_actions: int,
                 blocks: int = 5, channels: int = 64, value_hidden: int = 64):
        super().__init__()
        c_in, h, w = observation_shape
        self.observation_shape = tuple(observation_shape)
        self.num_actions = num_actions
        self.stem = nn.Sequential(nn.Conv2d(c_in, channels, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(channels), nn.ReLU())
        self.trunk = nn.Sequential(*[ResidualBlock(channels) for _ in range(blocks)])
        self.policy_head = nn.Sequential(nn.Conv2d(channels, 2, 1, bias=False), nn.BatchNorm2d(2), nn.ReLU(),
                                         nn.Flatten(), nn.Linear(2 * h * w, num_actions))
        self.value_head = nn.Sequential(nn.Conv2d(channels, 1, 1, bias=False), nn.BatchNorm2d(1), nn.ReLU(),
                                        nn.Flatten(), nn.Linear(h * w, value_hidden), nn.ReLU(),
                                        nn.Linear(value_hidden, 1), nn.Tanh())

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.trunk(self.stem(obs))
        return self.policy_head(x), self.value_head(x).squeeze(-1)

    def inference_copy(self) -> "ResNet":
        """An eval-only copy with every BatchNorm folded into its convolution, in channels-last layout.

        Same function up to float rounding; on CPU it is about 1.7x faster at batch 1 and
        1.15x at batch 64 (``mathrl bench games speed``). Feed it channels-last input.
        """
        fast = copy.deepcopy(self).eval()
        pairs = [(fast.stem, 0, 1), (fast.policy_head, 0, 1), (fast.value_head, 0, 1)]
        with torch.no_grad():
            for seq, i, j in pairs:
                seq[i] = fuse_conv_bn_eval(seq[i], seq[j])
                seq[j] = nn.Identity()
            for block in fast.trunk:
                block.conv1, block.bn1 = fuse_conv_bn_eval(block.conv1, block.bn1), nn.Identity()
                block.conv2, block.bn2 = fuse_conv_bn_eval(block.conv2, block.bn2), nn.Identity()
        for p in fast.parameters():
            p.requires_grad_(False)
        return fast.to(memory_format=torch.channels_last)


def masked_log_softmax(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Log-probabilities over legal actions; illegal ones get -inf (and contribute nothing to a loss)."""
    return torch.log_softmax(logits.masked_fill(~mask, float("-inf")), dim=-1)


def count_parameters(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())
