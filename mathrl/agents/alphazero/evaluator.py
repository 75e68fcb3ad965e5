"""Network evaluation of leaf states in batches: observations in, masked priors and values out.

The network works in each state's observation frame (``policy_to_canonical``);
priors are mapped back to action indices here, so the search never sees frames.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from typing import Sequence

import numpy as np
import torch


PRECISIONS = {"fp32": torch.float32, "bf16": torch.bfloat16}


def bf16_is_native() -> bool:
    """Whether this CPU runs bfloat16 convolutions natively (else oneDNN emulates them, slowly)."""
    check = getattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", None)
    try:
        return bool(check()) if check is not None else False
    except RuntimeError:
        return False


class NetEvaluator:
    """``evaluator(states) -> (priors (B,A), values (B,))`` for :func:`mathrl.agents.alphazero.mcts.search`.

    Counts calls and positions so benchmarks can report batch sizes.

    With ``fast`` (the default) it runs the network's ``inference_copy()`` where
    it has one (BatchNorm folded, channels-last). The copy is rebuilt whenever
    the original's weights change in place (``load_state_dict``, an optimiser
    step), so the evaluator always answers for the weights the network has now.
    (Replacing a parameter object outright is not tracked: make a new evaluator.)
    """

    def __init__(self, net: torch.nn.Module, device: str | torch.device = "cpu", symmetries=None,
                 fast: bool = True, precision: str = "fp32", cache_size: int = 0):
        """``symmetries``: a game's symmetry list to average the network over all of them (|G| x the cost).

        ``cache_size`` > 0 remembers the answers for that many positions (least recently used out first),
        keyed by ``state.key()``: self-play meets the same positions again and again (transpositions,
        the openings of games played side by side, the subtree kept from the previous move), and a
        remembered answer costs a dictionary lookup instead of a network call. The cache is emptied
        whenever the weights change. States without ``key()`` are always evaluated.

        ``precision="bf16"`` runs the inference copy in bfloat16: about 2x the positions/s at
        batch 64 on CPUs with native bf16 (AVX512-BF16, AMX; see ``bf16_is_native``), slower
        elsewhere; priors and values then differ from float32 by about 1e-3.
        """
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
        self.net = net.to(device).eval()
        self.device = torch.device(device)
        self.symmetries = list(symmetries) if symmetries else None
        self.dtype = PRECISIONS[precision]
        if precision != "fp32" and not hasattr(net, "inference_copy"):
            raise ValueError(f"precision={precision!r} needs a network with an inference_copy() method")
        self.fast = (fast or precision != "fp32") and hasattr(net, "inference_copy")
        self._fast_net, self._fingerprint = None, None
        self._tensors = list(itertools.chain(self.net.parameters(), self.net.buffers()))
        self.calls = 0
        self.positions = 0
        self.cache_size = int(cache_size)
        self.cache: OrderedDict = OrderedDict()
        self.cache_hits = 0
        self._cache_fingerprint = None

    def _inference_net(self) -> torch.nn.Module:
        if not self.fast:
            return self.net
        # tensor._version counts in-place writes: a cheap, exact "have the weights changed?" test
        fingerprint = [t._version for t in self._tensors]
        if fingerprint != self._fingerprint:
            self._fast_net = self.net.inference_copy().to(self.device, self.dtype)
            self._fingerprint = fingerprint
        return self._fast_net

    def __call__(self, states: Sequence) -> tuple[np.ndarray, np.ndarray]:
        if not self.cache_size or not states or not all(hasattr(s, "key") for s in states):
            return self._evaluate(states)
        fingerprint = [t._version for t in self._tensors]
        if fingerprint != self._cache_fingerprint:  # new weights: every remembered answer is stale
            self.cache.clear()
            self._cache_fingerprint = fingerprint
        keys = [s.key() for s in states]
        answers: dict = {}
        missing = []
        for i, key in enumerate(keys):
            hit = self.cache.get(key)
            if hit is not None:
                self.cache.move_to_end(key)
                answers[key] = hit
                self.cache_hits += 1
            elif key not in answers:
                answers[key] = None
                missing.append(i)
        if missing:
            priors, values = self._evaluate([states[i] for i in missing])
            for i, prior, value in zip(missing, priors, values):
                answers[keys[i]] = (prior, float(value))
                self.cache[keys[i]] = answers[keys[i]]
            while len(self.cache) > self.cache_size:
                self.cache.popitem(last=False)
        return (np.stack([answers[k][0] for k in keys]),
                np.array([answers[k][1] for k in keys], dtype=np.float32))

    @torch.inference_mode()
    def _evaluate(self, states: Sequence) -> tuple[np.ndarray, np.ndarray]:
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
        x = torch.from_numpy(np.ascontiguousarray(obs)).to(self.device)
        if self.fast:
            x = x.to(self.dtype).contiguous(memory_format=torch.channels_last)
        logits, values = self._inference_net()(x)
        logits, values = logits.float(), values.float()
        logits = logits.masked_fill(~torch.from_numpy(np.ascontiguousarray(masks)).to(self.device), float("-inf"))
        return torch.softmax(logits, dim=-1).cpu().numpy(), values.cpu().numpy()
