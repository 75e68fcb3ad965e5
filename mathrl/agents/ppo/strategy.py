"""A trained PPO pair-scoring agent as a Buchberger selection strategy: ``agent:PATH``.

The Buchberger domain must not import agents, yet ``mathrl bench buchberger
--strategies degree,agent:runs/x`` should work. So the domain resolves
``agent:...`` through :mod:`mathrl.plugins` (kind ``buchberger-strategy``),
whose provider, :mod:`mathrl.agents.strategies`, builds this class for PPO agents.
"""

from __future__ import annotations

from mathrl.agents.ppo.agent import load_agent
from mathrl.envs.buchberger.features import pair_features
from mathrl.envs.buchberger.strategies import SeededStrategy

__all__ = ["AgentStrategy"]


class AgentStrategy(SeededStrategy):
    """A trained pair-scoring agent (``mathrl train ppo``) as a strategy: ``agent:PATH`` picks its most
    probable pair, ``agent:PATH:sample`` samples from its policy with the strategy's own generator.
    PATH is an ``agent.pt`` file, a run folder, or ``pretrained`` (the agent shipped with mathrl).

    The agent sees exactly what the env shows it: ``pair_features(state, k)`` with the env's k.
    """

    def __init__(self, spec: str, seed=None):
        body = spec.strip()[len("agent:"):]
        mode = "greedy"
        for suffix in ("sample", "greedy"):
            if body.endswith(":" + suffix):
                body, mode = body[:-len(suffix) - 1], suffix
        self.agent = load_agent(body)
        if self.agent.adapter.kind != "pairs":
            raise ValueError(f"{body} is not a pair-scoring agent (it was trained on {self.agent.env_id})")
        self.k = int(self.agent.env_kwargs.get("k", 2))
        self.greedy = mode == "greedy"
        self.name = spec.strip()
        super().__init__(seed)

    def select(self, state) -> int:
        if not state.num_pairs:
            raise ValueError("no pairs to select from: the state is terminal")
        rows = pair_features(state, self.k)
        if rows.shape[1] != self.agent.adapter.row_dim:
            raise ValueError(f"{self.name} reads rows of {self.agent.adapter.row_dim} features but this ring gives "
                             f"{rows.shape[1]} (2 * variables * k): it was trained on another number of variables")
        return self.agent.act({"pairs": rows}, greedy=self.greedy, rng=self.rng)

    def __repr__(self) -> str:
        return f"AgentStrategy({self.name!r})"

