"""Stable-Baselines3 (sb3-contrib's MaskablePPO) on mathrl envs whose observation SB3's default policies
do not fit.

Every mathrl env trains with ``MaskablePPO("MultiInputPolicy" | "MlpPolicy", gymnasium.make(id))``
unchanged: MaskablePPO reaches the env's ``action_masks()`` through the wrappers. The default policies
flatten the observation, which is right for bit strings, boards and the semigroup tensors (a fixed shape
per instance family), but wrong for Buchberger's S-pair queue: it is a *set* of rows padded to
``max_pairs``, and a dense layer over the 3,328 flattened numbers must learn the same rule once per
row position, while the queue's order carries no meaning.

:class:`PairSetPolicy` is the set-structured policy of Peifer, Stillman and Halpern-Leistner (2020,
"Learning selection strategies in Buchberger's algorithm"): one shared network scores every row (the
pair's two lcm exponent vectors), and the softmax runs over the rows present, so the policy is
permutation-equivariant and its size does not depend on ``max_pairs``. The critic pools row embeddings
(mean, max and the log of the row count, as the remaining cost grows with the queue)::

    from sb3_contrib import MaskablePPO
    from mathrl.integrations.sb3 import PairSetPolicy

    env = gymnasium.make("mathrl/Buchberger-v0")
    model = MaskablePPO(PairSetPolicy, env, policy_kwargs={"hidden": 128})

``examples/sb3_buchberger.py`` trains it on 3-20-10-weighted ideals and compares it with Degree.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import torch
from sb3_contrib.common.maskable.policies import MaskableActorCriticPolicy
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from torch import nn

__all__ = ["PairSetExtractor", "PairSetPolicy"]


def _rows_and_mask(observation_space: gym.spaces.Space) -> tuple[int, int]:
    """(rows, features per row) of a padded pair-set observation, or a one-line error."""
    if not (isinstance(observation_space, gym.spaces.Dict) and "pairs" in observation_space.spaces
            and "action_mask" in observation_space.spaces
            and len(getattr(observation_space["pairs"], "shape", ()) or ()) == 2):
        raise ValueError("PairSetPolicy needs a Dict observation with 'pairs' (rows x features) and 'action_mask' "
                         "(the Buchberger env's padded obs_mode)")
    rows, features = observation_space["pairs"].shape
    return int(rows), int(features)


class PairSetExtractor(BaseFeaturesExtractor):
    """Features ``[row logits (max_pairs) | mean row embedding | max row embedding | log(1 + rows)]``.

    The row logits come from one MLP applied to every row (features -> hidden -> 1, ReLU, raw integer
    exponents as in the paper); padded rows get a logit too, but the mask removes them. The pooled part
    feeds the critic only.
    """

    def __init__(self, observation_space: gym.spaces.Dict, hidden: int = 128):
        self.rows, self.row_dim = _rows_and_mask(observation_space)
        self.hidden = int(hidden)
        super().__init__(observation_space, features_dim=self.rows + 2 * self.hidden + 1)
        self.scorer = nn.Sequential(nn.Linear(self.row_dim, self.hidden), nn.ReLU(), nn.Linear(self.hidden, 1))
        self.embed = nn.Sequential(nn.Linear(self.row_dim, self.hidden), nn.ReLU(),
                                   nn.Linear(self.hidden, self.hidden), nn.ReLU())

    def forward(self, observations: dict) -> torch.Tensor:
        mask = observations["action_mask"] > 0.5
        # The queue sits in the first rows and the rest is padding (zero rows): work on the rows some sample
        # uses (a queue rarely holds more than a few dozen of the 256 pairs); the padding's logit is the same.
        used = int(mask.any(dim=0).nonzero().max()) + 1 if bool(mask.any()) else 1
        rows = observations["pairs"][:, :used].float()
        mask = mask[:, :used]
        logits = self.scorer(rows).squeeze(-1)
        if used < self.rows:  # padding rows are zeros: their logit is the scorer's on a zero row, batch or not
            pad = self.scorer(rows.new_zeros(1, self.row_dim)).reshape(1, 1).expand(logits.shape[0], self.rows - used)
            logits = torch.cat([logits, pad], dim=1)
        e = self.embed(rows)
        m = mask.unsqueeze(-1).to(e.dtype)
        count = m.sum(dim=1)
        mean = (e * m).sum(dim=1) / count.clamp(min=1.0)
        top = torch.where(mask.unsqueeze(-1), e, torch.zeros_like(e)).amax(dim=1)
        return torch.cat([logits, mean, top, torch.log1p(count)], dim=-1)


class _SplitHeads(nn.Module):
    """SB3's ``mlp_extractor`` slot: the actor's latent is the row logits themselves (so the action head
    is the identity and stays permutation-equivariant); the critic's is an MLP over the pooled part."""

    def __init__(self, rows: int, pooled: int, hidden: int):
        super().__init__()
        self.rows = rows
        self.latent_dim_pi, self.latent_dim_vf = rows, hidden
        self.critic = nn.Sequential(nn.Linear(pooled, hidden), nn.ReLU())

    def forward_actor(self, features: torch.Tensor) -> torch.Tensor:
        return features[:, :self.rows]

    def forward_critic(self, features: torch.Tensor) -> torch.Tensor:
        return self.critic(features[:, self.rows:])

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.forward_actor(features), self.forward_critic(features)


class PairSetPolicy(MaskableActorCriticPolicy):
    """MaskablePPO's actor-critic with :class:`PairSetExtractor`: one logit per S-pair row, a pooled critic.

    ``hidden`` (through ``policy_kwargs``) is the width of the row scorer and of the critic.
    """

    def __init__(self, observation_space, action_space, lr_schedule, hidden: int = 128, **kwargs):
        rows, _ = _rows_and_mask(observation_space)
        if not isinstance(action_space, gym.spaces.Discrete) or int(action_space.n) != rows:
            raise ValueError(f"PairSetPolicy needs Discrete({rows}) actions, one per pair row; got {action_space}")
        self.pair_hidden = int(hidden)
        kwargs.setdefault("features_extractor_class", PairSetExtractor)
        kwargs.setdefault("features_extractor_kwargs", {"hidden": self.pair_hidden})
        kwargs.setdefault("share_features_extractor", True)
        super().__init__(observation_space, action_space, lr_schedule, **kwargs)

    def _build_mlp_extractor(self) -> None:
        rows = self.features_extractor.rows
        self.mlp_extractor = _SplitHeads(rows, self.features_dim - rows, self.pair_hidden)

    def _build(self, lr_schedule) -> None:
        super()._build(lr_schedule)
        self.action_net = nn.Identity()
        # SB3's orthogonal init gives the whole extractor gain sqrt(2); the row scorer's last layer gets
        # SB3's action-head gain 0.01 instead, so the first policy is close to uniform over the pairs.
        last = self.features_extractor.scorer[-1]
        nn.init.orthogonal_(last.weight, gain=0.01)
        nn.init.zeros_(last.bias)
        self.optimizer = self.optimizer_class(self.parameters(), lr=lr_schedule(1), **self.optimizer_kwargs)

    def _get_constructor_parameters(self) -> dict:
        data = super()._get_constructor_parameters()
        data["hidden"] = self.pair_hidden
        return data


def pair_set_logits(policy: PairSetPolicy, observation: dict) -> np.ndarray:
    """The policy's row logits for one observation (masked rows included), e.g. to inspect what it prefers."""
    obs, _ = policy.obs_to_tensor(observation)
    with torch.no_grad():
        return policy.mlp_extractor.forward_actor(policy.extract_features(obs)).cpu().numpy()[0]
