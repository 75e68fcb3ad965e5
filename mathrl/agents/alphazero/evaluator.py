"""Network evaluation of leaf states in batches: observations in, masked priors and values out.

The network works in each state's observation frame (``policy_to_canonical``);
priors are mapped back to action indices here, so the search never sees frames.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch


class NetEvaluator:
    """``evaluator(states) -> (priors (B,A), values (B,))`` for :func:`mathrl.agents.alphazero.mcts.search`.

    Counts calls and positions so benchmarks can report batch sizes.
    """

    def __init__(self, net: torch.nn.Module, device: str | torch.device = "cpu", symmetries=None):
        """``symmetries``: a game's symmetry list to average the network over all of them (|G| x the cost)."""
        self.net = net.to(device).eval()
        self.device = torch.device(device)
        self.symmetries = list(symmetries) if symmetries else None
        self.calls = 0
        self.positions = 0

    @torch.inference_mode()
    def __call__(self, states: Sequence) -> tuple[np.ndarray, np.ndarray]:
        obs = np.stack([s.observation() for s in states])
        masks = np.stack([s.policy_to_canonical(s.action_mask()) for s in states])
        if self.symmetries is None:
            priors, values = self._forward(obs, masks)
        else:  # the mean over the symmetric images, each policy mapped back to the original frame
            priors, values = 0.0, 0.0
            for g in self.symmetries:
                p, v = self._forward(g.obs(obs), g.policy(masks))
                priors = priors + g.inverse_policy(p)
                values = values + v
            priors, values = priors / len(self.symmetries), values / len(self.symmetries)
        priors = np.stack([s.policy_from_canonical(p) for s, p in zip(states, priors)])
        self.calls += 1
        self.positions += len(states)
        return priors, values

    def _forward(self, obs: np.ndarray, masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        logits, values = self.net(torch.from_numpy(np.ascontiguousarray(obs)).to(self.device))
        logits = logits.masked_fill(~torch.from_numpy(np.ascontiguousarray(masks)).to(self.device), float("-inf"))
        return torch.softmax(logits, dim=-1).cpu().numpy(), values.cpu().numpy()
