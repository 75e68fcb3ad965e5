"""Gymnasium adapter for the board games: one learner against a fixed opponent (docs/games.md).

The opponent's moves happen inside ``reset`` (when the learner plays second)
and ``step``, so the learner sees an ordinary single-agent MDP. This is for
PPO-style baselines; AlphaZero drives the pure states directly.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from mathrl.core import IllegalActionError, as_action
from mathrl.envs.games.opponents import make_opponent, play_move
from mathrl.envs.pictures import cells_to_rgb

LEARNER_SIDES = (0, 1, "random", "alternate")


class VsOpponentEnv(gym.Env):
    """The learner plays ``game`` against ``opponent`` (a name for ``make_opponent`` or a callable ``(state, rng) -> action``).

    * ``learner_side``: 0 or 1 (fixed), ``"random"`` (a fair coin from ``np_random`` each reset)
      or ``"alternate"`` (0, 1, 0, ... per reset; a seeded reset starts again at 0, so
      ``reset(seed=s)`` always replays the same episode).
    * Observations are the learner's view (``Box(0, 1, (C,H,W), float32)``), or with
      ``dict_obs=True`` a dict of it and the int8 ``action_mask``, as in PettingZoo.
    * Actions and masks are in the frame of the learner's observation: the same as the game's
      action indices except where a game transposes a player's board (Hex, player 1), where the
      env maps them through the state's ``policy_to_canonical``; ``opponent_action`` is a game index.
    * ``reward`` is the learner's final return (+1/0/-1) on the last step, else 0; never truncated.
    * An illegal action (out of range or not legal here) ends the episode with reward -1 and
      ``info["illegal_action"] = info["invalid_action"] = True`` (``illegal_action="lose"``), or
      raises ``IllegalActionError`` (``"raise"``). Non-integer actions raise ``TypeError``.
    * ``info`` always has ``action_mask`` (int8), ``learner_player``, ``opponent_action`` (-1 if the
      opponent did not move) and the two illegal-action flags; at the end also ``winner`` (-1 for a
      draw; the opponent after an illegal move) and, for Othello, ``disc_difference`` (the learner's
      stones minus the opponent's).
    * The opponent's generator is seeded from ``np_random`` at each reset.
    """

    metadata = {"render_modes": ["ansi", "human", "rgb_array"], "render_fps": 4}

    def __init__(self, game, opponent="random", *, learner_side="random", dict_obs=False,
                 illegal_action="lose", render_mode=None):
        if isinstance(learner_side, bool) or learner_side not in LEARNER_SIDES:
            raise ValueError(f"learner_side must be 0, 1, 'random' or 'alternate', got {learner_side!r}")
        if illegal_action not in ("lose", "raise"):
            raise ValueError(f"illegal_action must be 'lose' or 'raise', got {illegal_action!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"unsupported render_mode {render_mode!r}; choose 'ansi', 'human' or 'rgb_array'")
        self.game = game
        self.opponent = make_opponent(opponent, game)
        self.learner_side = learner_side if isinstance(learner_side, str) else int(learner_side)
        self.dict_obs = bool(dict_obs)
        self.illegal_action = illegal_action
        self.render_mode = render_mode
        A = game.num_actions
        self.action_space = spaces.Discrete(A)
        board = spaces.Box(0.0, 1.0, tuple(game.observation_shape), np.float32)
        self.observation_space = (spaces.Dict({"observation": board, "action_mask": spaces.Box(0, 1, (A,), np.int8)})
                                  if self.dict_obs else board)
        self.state = None
        self.learner = 0
        self._next_side = 0
        self._ended = True

    # --- Gymnasium API ------------------------------------------------------------------------
    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        if self.learner_side == "random":
            self.learner = int(self.np_random.integers(2))
        elif self.learner_side == "alternate":
            if seed is not None:
                self._next_side = 0
            self.learner, self._next_side = self._next_side, 1 - self._next_side
        else:
            self.learner = self.learner_side
        self._opponent_rng = np.random.default_rng(int(self.np_random.integers(2**63)))
        self.state = self.game.new_initial_state()
        self._ended = False
        opponent_action = -1
        if self.learner == 1:
            opponent_action = self._opponent_move()
        info = self._info(opponent_action)
        if self._ended:  # only on degenerate boards, where the first move ends the game
            info.update(self._final_info())
        if self.render_mode == "human":
            self.render()
        return self._obs(), info

    def step(self, action):
        if self._ended:
            raise RuntimeError("the episode has ended; call reset()")
        a = as_action(action)
        if not (0 <= a < self.game.num_actions and self.action_masks()[a]):
            if self.illegal_action == "raise":
                raise IllegalActionError(f"{self.game.name}: action {a} is illegal here "
                                         f"(legal: {np.flatnonzero(self.action_masks()).tolist()})")
            self._ended = True
            info = self._info(-1, illegal=True)
            info["winner"] = 1 - self.learner  # lost by forfeit
            return self._obs(), -1.0, True, False, info
        self.state.apply(int(self._in_frame(np.arange(self.game.num_actions))[a]))  # to a game index
        opponent_action = -1
        if not self.state.is_terminal():
            opponent_action = self._opponent_move()
        self._ended = self.state.is_terminal()
        reward = float(self.state.returns()[self.learner]) if self._ended else 0.0
        info = self._info(opponent_action)
        if self._ended:
            info.update(self._final_info())
        if self.render_mode == "human":
            self.render()
        return self._obs(), reward, self._ended, False, info

    def render(self):
        if self.state is None:
            return None
        if self.render_mode == "ansi":
            return str(self.state)
        if self.render_mode == "human":
            print(str(self.state) + "\n")
        if self.render_mode == "rgb_array":  # empty cells grey, the first player's stones black, the second's red
            planes = self.state.observation(0)  # player 0's frame is the board as it stands
            return cells_to_rgb(planes[0] + 2 * planes[1])
        return None

    def action_masks(self) -> np.ndarray:
        """The learner's legal moves as bool (A,) (all False once the episode is over); for MaskablePPO."""
        if self._ended or self.state is None:
            return np.zeros(self.game.num_actions, dtype=bool)
        return self._in_frame(self.state.action_mask())

    # --- helpers ------------------------------------------------------------------------------
    def _in_frame(self, v: np.ndarray) -> np.ndarray:
        """An action-indexed vector in the learner's observation frame (only Hex's player 1 differs: a transposed board)."""
        to_canonical = getattr(self.state, "policy_to_canonical", None)
        return v if to_canonical is None else np.asarray(to_canonical(v))

    def _opponent_move(self) -> int:
        a = play_move(self.opponent, self.state, self._opponent_rng)
        self.state.apply(a)
        self._ended = self.state.is_terminal()
        return a

    def _obs(self):
        board = np.asarray(self.state.observation(self.learner), dtype=np.float32)
        if self.dict_obs:
            return {"observation": board, "action_mask": self.action_masks().astype(np.int8)}
        return board

    def _info(self, opponent_action: int, illegal: bool = False) -> dict:
        return {
            "action_mask": self.action_masks().astype(np.int8),
            "learner_player": self.learner,
            "opponent_action": opponent_action,
            "invalid_action": illegal,
            "illegal_action": illegal,
        }

    def _final_info(self) -> dict:
        """``winner`` (-1 for a draw) and, where the state has one (Othello), the learner's disc margin."""
        info = {"winner": int(self.state.winner())}
        disc_difference = getattr(self.state, "disc_difference", None)
        if callable(disc_difference):  # player 0's stones minus player 1's
            sign = 1 if self.learner == 0 else -1
            info["disc_difference"] = sign * int(disc_difference())
        return info


class TicTacToeEnv(VsOpponentEnv):
    """``mathrl/TicTacToe-v0``."""

    def __init__(self, opponent="random", **kwargs):
        from mathrl.envs.games.tictactoe import TicTacToe

        super().__init__(TicTacToe(), opponent, **kwargs)


class ConnectFourEnv(VsOpponentEnv):
    """``mathrl/ConnectFour-v0`` (``rows`` x ``cols``, default 6 x 7)."""

    def __init__(self, rows=6, cols=7, opponent="random", **kwargs):
        from mathrl.envs.games.connect4 import ConnectFour

        super().__init__(ConnectFour(rows=rows, cols=cols), opponent, **kwargs)


class OthelloEnv(VsOpponentEnv):
    """``mathrl/Othello-v0`` (``n`` x ``n``, default 8)."""

    def __init__(self, n=8, opponent="random", **kwargs):
        from mathrl.envs.games.othello import Othello

        super().__init__(Othello(n=n), opponent, **kwargs)


class HexEnv(VsOpponentEnv):
    """``mathrl/Hex-v0`` (``n`` x ``n``, default 7, no swap rule)."""

    def __init__(self, n=7, opponent="random", **kwargs):
        from mathrl.envs.games.hex import Hex

        super().__init__(Hex(n=n), opponent, **kwargs)
