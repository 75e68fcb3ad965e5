"""PettingZoo AEC adapter for the board games, following ``connect_four_v3``.

Agents ``"player_0"`` and ``"player_1"``; each observes a dict of its own
view of the board, channel-last ``(H, W, C)`` int8, and an int8 action mask
that is all zeros unless it is to move. Rewards (+1/0/-1) come at the end; an
illegal move ends the game with -1 for the offender and 0 for the other
(PettingZoo's ``TerminateIllegalWrapper``). As in the Gymnasium adapter, an
agent's masks and actions live in the frame of its own observation (the
state's ``policy_to_canonical``; it differs from action indices only where a
game transposes a player's board, as Hex does).

pettingzoo is an optional extra (``pip install mathrl[pettingzoo]``): it is
imported only when ``to_pettingzoo`` is called.
"""

from __future__ import annotations

import functools

import numpy as np

from mathrl.core import as_action

AGENTS = ("player_0", "player_1")


def to_pettingzoo(game, render_mode: str | None = None):
    """An AEC env for ``game`` with PettingZoo's classic wrappers (illegal move -> loss, bounds check, call order)."""
    from pettingzoo.utils import wrappers

    env = _raw_env_class()(game, render_mode=render_mode)
    env = wrappers.TerminateIllegalWrapper(env, illegal_reward=-1)
    env = wrappers.AssertOutOfBoundsWrapper(env)
    return wrappers.OrderEnforcingWrapper(env)


def _in_frame(state, v: np.ndarray) -> np.ndarray:
    """An action-indexed vector in the mover's observation frame (identity for most games)."""
    to_canonical = getattr(state, "policy_to_canonical", None)
    return v if to_canonical is None else np.asarray(to_canonical(v))


@functools.cache
def _raw_env_class():
    from gymnasium import spaces
    from pettingzoo import AECEnv

    class GameAECEnv(AECEnv):
        """The bare AEC env; use ``to_pettingzoo`` for the wrapped one."""

        metadata = {"render_modes": ["ansi", "human"], "name": "mathrl_game_v0", "is_parallelizable": False}

        def __init__(self, game, render_mode=None):
            super().__init__()
            if render_mode is not None and render_mode not in self.metadata["render_modes"]:
                raise ValueError(f"unsupported render_mode {render_mode!r}; choose 'ansi' or 'human'")
            self.metadata = {**self.metadata, "name": f"mathrl_{game.name}_v0"}
            self.game, self.render_mode = game, render_mode
            self.possible_agents = list(AGENTS)
            self.agents = list(AGENTS)
            C, H, W = game.observation_shape
            A = game.num_actions
            self.observation_spaces = {a: spaces.Dict({
                "observation": spaces.Box(0, 1, (H, W, C), np.int8),
                "action_mask": spaces.Box(0, 1, (A,), np.int8),
            }) for a in AGENTS}
            self.action_spaces = {a: spaces.Discrete(A) for a in AGENTS}
            self.state = game.new_initial_state()

        def observation_space(self, agent):
            return self.observation_spaces[agent]

        def action_space(self, agent):
            return self.action_spaces[agent]

        def reset(self, seed=None, options=None):
            self.state = self.game.new_initial_state()
            self.agents = list(AGENTS)
            self.rewards = dict.fromkeys(self.agents, 0.0)
            self._cumulative_rewards = dict.fromkeys(self.agents, 0.0)
            self.terminations = dict.fromkeys(self.agents, False)
            self.truncations = dict.fromkeys(self.agents, False)
            self.infos = {a: {} for a in self.agents}
            self.agent_selection = AGENTS[self.state.current_player()]

        def observe(self, agent):
            p = AGENTS.index(agent)
            board = np.ascontiguousarray(self.state.observation(p).transpose(1, 2, 0)).astype(np.int8)
            mask = np.zeros(self.game.num_actions, dtype=np.int8)
            if not self.state.is_terminal() and p == self.state.current_player():
                mask[:] = _in_frame(self.state, self.state.action_mask())
            return {"observation": board, "action_mask": mask}

        def step(self, action):
            agent = self.agent_selection
            if self.terminations[agent] or self.truncations[agent]:
                return self._was_dead_step(action)
            a = int(_in_frame(self.state, np.arange(self.game.num_actions))[as_action(action)])
            self._cumulative_rewards[agent] = 0.0
            self.state.apply(a)
            if self.state.is_terminal():
                returns = self.state.returns()
                self.rewards = {ag: float(returns[i]) for i, ag in enumerate(AGENTS)}
                self.terminations = dict.fromkeys(self.agents, True)
                self.agent_selection = AGENTS[1 - AGENTS.index(agent)]
            else:
                self.rewards = dict.fromkeys(self.agents, 0.0)
                self.agent_selection = AGENTS[self.state.current_player()]
            self._accumulate_rewards()
            if self.render_mode == "human":
                self.render()

        def render(self):
            if self.render_mode == "ansi":
                return str(self.state)
            if self.render_mode == "human":
                print(str(self.state) + "\n")
            return None

        def close(self):
            pass

    return GameAECEnv
