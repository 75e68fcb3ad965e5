"""``mathrl/Buchberger-v0``: choose which S-pair Buchberger's algorithm reduces next.

A thin Gymnasium adapter over a pure state (:func:`~mathrl.envs.buchberger.groebner.make_state`:
the compiled binomial backend where it applies, the pure core otherwise), as
in Peifer, Stillman and Halpern-Leistner (2020, "Learning selection strategies
in Buchberger's algorithm", ICML): an episode is one Groebner basis
computation of a freshly drawn ideal, an action picks a pair from the queue,
and the reward is minus what processing it cost (polynomial additions by
default; :mod:`~mathrl.envs.buchberger.returns` has the other modes). The
observation is the pair feature rows of :mod:`~mathrl.envs.buchberger.features`,
padded to ``max_pairs`` rows with an action mask, or unpadded (``sequence``).

The adapter owns everything that is about learning: the reward mode, the feature
buffer, step limits, invalid-action handling and the optional heuristic value
baseline in ``info``. The state only computes and counts.

Sizes are checked before anything is allocated: the padded observation holds
``max_pairs x 2·n·k`` int32 values, four times over (the reused buffer, the copy
returned, the observation space's bounds), so a constructor whose estimate
exceeds ``max_obs_bytes`` (1 GiB by default; ``None`` for no cap) is a
``ValueError`` giving the estimate; and a distribution's maximum degree ``d``
is bounded like a typed ideal's (:data:`~mathrl.envs.buchberger.parsing.MAX_DEGREE`).
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from mathrl.core import IllegalActionError, as_action
from mathrl.envs.buchberger import features, returns
from mathrl.envs.buchberger.base import check_elimination
from mathrl.envs.buchberger.groebner import BACKENDS, make_state
from mathrl.envs.buchberger.distributions import DistributionSpec, parse_distribution
from mathrl.envs.buchberger.distributions import make_source
from mathrl.envs.buchberger.families import FixedIdealSource
from mathrl.envs.buchberger.parsing import parse_ideal
from mathrl.envs.buchberger.parsing import MAX_DEGREE
from mathrl.envs.buchberger.strategies import make_strategy
from mathrl.envs.pictures import shades_to_rgb

__all__ = ["BuchbergerEnv", "make_state", "observation_bytes", "check_observation_size", "MAX_OBS_BYTES"]

OBS_MODES = ("padded", "sequence")
MAX_REDRAWS = 1000
FEATURE_HIGH = 2**31 - 1
MAX_OBS_BYTES = 1 << 30  # default cap on the observation memory estimate (max_obs_bytes=)


def _format_bytes(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.1f} MiB"


def observation_bytes(n: int, k: int, max_pairs: int, obs_mode: str = "padded") -> int:
    """Estimated bytes the observations take: ``max_pairs`` rows of ``2·n·k`` int32 features, held four times
    in padded mode (buffer, returned copy, the space's low and high bounds), twice in sequence mode."""
    return (4 if obs_mode == "padded" else 2) * max_pairs * 2 * n * k * 4


def check_observation_size(n: int, k: int, max_pairs: int, obs_mode: str = "padded",
                           max_obs_bytes: int | None = MAX_OBS_BYTES) -> None:
    """ValueError, with the estimate and how to raise the cap, when :func:`observation_bytes` exceeds it."""
    if max_obs_bytes is None:
        return
    need = observation_bytes(n, k, max_pairs, obs_mode)
    if need > max_obs_bytes:
        raise ValueError(f"observations would take about {_format_bytes(need)} (max_pairs={max_pairs} rows of "
                         f"2*n*k = {2 * n * k} int32 features, n={n} variables, k={k}), above the cap of "
                         f"{_format_bytes(max_obs_bytes)}: lower k or max_pairs, or raise the cap with the env "
                         f"kwarg max_obs_bytes={need} (None: no cap)")


class BuchbergerEnv(gym.Env):
    """One episode = one Groebner basis computation; see the module docstring.

    Invalid actions (an index outside the current pair queue) leave the state
    unchanged, cost ``invalid_action_penalty`` and set ``info["invalid_action"]``
    (``invalid_action="penalize"``), or raise ``ValueError`` (``"raise"``).
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(self, ideal_dist="3-20-10-weighted", ideal=None, gens=None, field=32003, order="grevlex",
                 elimination="gebauermoeller", rewards="additions", k=2, obs_mode="padded", max_pairs=256,
                 max_steps=1000, sort_input=False, invalid_action="penalize", invalid_action_penalty=-10.0,
                 backend="auto", rollout_value=None, rollout_gamma=0.99, render_mode=None,
                 max_obs_bytes=MAX_OBS_BYTES):
        check_elimination(elimination)
        returns.check_rewards(rewards)
        if obs_mode not in OBS_MODES:
            raise ValueError(f"unknown obs_mode {obs_mode!r}; choose one of {', '.join(OBS_MODES)}")
        if invalid_action not in ("penalize", "raise"):
            raise ValueError(f"invalid_action must be 'penalize' or 'raise', got {invalid_action!r}")
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        if rollout_value is not None:
            make_strategy(rollout_value)  # ValueError on an unknown name, before any episode
        if not 0.0 <= float(rollout_gamma) <= 1.0:
            raise ValueError(f"rollout_gamma must be in [0, 1], got {rollout_gamma!r}")
        for name, value in (("k", k), ("max_pairs", max_pairs)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        if max_steps is not None and (isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer))
                                      or max_steps < 1):
            raise ValueError(f"max_steps must be an integer >= 1 or None, got {max_steps!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"unsupported render_mode {render_mode!r}; choose 'ansi' or 'rgb_array'")
        if max_obs_bytes is not None and (isinstance(max_obs_bytes, bool) or
                                          not isinstance(max_obs_bytes, (int, np.integer)) or max_obs_bytes < 1):
            raise ValueError(f"max_obs_bytes must be an integer >= 1 or None, got {max_obs_bytes!r}")
        if ideal is not None:
            if ideal_dist != "3-20-10-weighted":
                raise ValueError("give either ideal=... or a non-default ideal_dist, not both")
            ring, polys = parse_ideal(ideal, gens=gens, field=field, order=order)  # sizes bounded while parsing
            check_observation_size(ring.n, int(k), int(max_pairs), obs_mode, max_obs_bytes)
            self.source = FixedIdealSource(polys, ring)
        else:
            if gens is not None:
                raise ValueError("gens= only applies to a user-supplied ideal=...")
            if isinstance(ideal_dist, (str, DistributionSpec)):  # sizes first: a source allocates tables of degree d
                spec = parse_distribution(ideal_dist)
                if spec.d is not None and spec.d > MAX_DEGREE:
                    raise ValueError(f"distribution {spec.name!r}: maximum degree d={spec.d} is above the limit of "
                                     f"{MAX_DEGREE} (mathrl.envs.buchberger.parsing.MAX_DEGREE)")
                check_observation_size(spec.n, int(k), int(max_pairs), obs_mode, max_obs_bytes)
            self.source = make_source(ideal_dist, field=field, order=order)
            check_observation_size(self.source.ring.n, int(k), int(max_pairs), obs_mode, max_obs_bytes)
        self.ring = self.source.ring
        self.ideal_dist = ideal_dist if ideal is None else "user"
        self.elimination, self.rewards, self.sort_input, self.backend = elimination, rewards, sort_input, backend
        self.k, self.obs_mode, self.max_pairs, self.max_steps = int(k), obs_mode, int(max_pairs), max_steps
        self.invalid_action, self.invalid_action_penalty = invalid_action, float(invalid_action_penalty)
        self.rollout_value, self.rollout_gamma = rollout_value, float(rollout_gamma)
        self.render_mode = render_mode

        self.row_len = 2 * self.ring.n * self.k
        self.action_space = spaces.Discrete(self.max_pairs)
        row_box = spaces.Box(0, FEATURE_HIGH, (self.row_len,), np.int32)
        if obs_mode == "padded":
            self.observation_space = spaces.Dict({
                "pairs": spaces.Box(0, FEATURE_HIGH, (self.max_pairs, self.row_len), np.int32),
                "action_mask": spaces.MultiBinary(self.max_pairs),
            })
        else:
            self.observation_space = spaces.Dict({"pairs": spaces.Sequence(row_box, stack=True)})
        self.state = None
        self._steps = 0
        self._rows = np.zeros((self.max_pairs, self.row_len), dtype=np.int32)

    # --- Gymnasium API ------------------------------------------------------------------------
    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        options = options or {}
        redraws = 0
        if options.get("ideal") is not None:
            ring, polys = parse_ideal(options["ideal"], gens=options.get("gens", list(self.ring.names)),
                                      field="QQ" if self.ring.p is None else self.ring.p, order=self.ring.order)
            if ring.n != self.ring.n:
                raise ValueError(f"the ideal has {ring.n} variables but this env has {self.ring.n}: the "
                                 "observation space is fixed at construction")
            state = self._make_state(polys, ring)
            if state.is_terminal():
                raise ValueError("the ideal has no S-pairs to process (its generators are already a Groebner "
                                 "basis with coprime or a single lead monomial): nothing to choose")
        else:
            while True:
                state = self._make_state(self.source.sample(self.np_random), self.ring)
                if not state.is_terminal():
                    break
                if isinstance(self.source, FixedIdealSource):
                    raise ValueError("the fixed ideal has no S-pairs to process: nothing to choose")
                redraws += 1
                if redraws >= MAX_REDRAWS:
                    raise RuntimeError(f"{MAX_REDRAWS} ideals in a row had no S-pairs; use more generators")
        if len(state.pairs) > self.max_pairs:
            raise ValueError(f"the initial ideal has {len(state.pairs)} pairs but max_pairs={self.max_pairs}; "
                             "construct the env with a larger max_pairs")
        self.state = state
        self._steps = 0
        self._stats = state.stats()
        obs, mask = self._obs()
        info = {"action_mask": mask, "num_pairs": state.num_pairs, "basis_size": state.basis_size, "cost": 0,
                "reduction_steps": 0, "zero_reduction": False, "polynomial_additions": 0,
                "monomial_additions": 0, "invalid_action": False, "pair_overflow": False, "redraws": redraws}
        self._add_rollout_value(info)
        return obs, info

    def step(self, action):
        if self.state is None:
            raise RuntimeError("call reset() before step()")
        a = as_action(action)
        state = self.state
        if state.is_terminal():
            raise RuntimeError("the episode has ended; call reset()")
        self._steps += 1
        before = self._stats
        if not 0 <= a < state.num_pairs:
            if self.invalid_action == "raise":
                raise ValueError(f"invalid action {a}: there are {state.num_pairs} pairs (0..{state.num_pairs - 1})")
            reward, invalid = self.invalid_action_penalty, True
            after = before
        else:
            try:
                state.apply(a)
            except IllegalActionError as exc:  # cannot happen after the range check; keep the state safe
                raise ValueError(str(exc)) from exc
            invalid = False
            after = self._stats = state.stats()
            reward = returns.step_reward(before, after, self.rewards)
        cost = after["polynomial_additions"] - before["polynomial_additions"]
        terminated = state.is_terminal()
        overflow = state.num_pairs > self.max_pairs
        truncated = not terminated and (overflow or (self.max_steps is not None and self._steps >= self.max_steps))
        obs, mask = self._obs()
        info = {
            "action_mask": mask,
            "num_pairs": state.num_pairs,
            "basis_size": state.basis_size,
            "cost": cost,
            "reduction_steps": max(cost - 1, 0),
            "zero_reduction": after["zero_reductions"] > before["zero_reductions"],
            "polynomial_additions": after["polynomial_additions"],
            "monomial_additions": after["monomial_additions"],
            "invalid_action": invalid,
            "pair_overflow": overflow,
        }
        if terminated:
            info["reduced_basis_size"] = state.reduced_basis_size()
        self._add_rollout_value(info)
        return obs, float(reward), terminated, truncated, info

    def render(self):
        if self.render_mode == "ansi":
            return self.state.render() if self.state is not None else "(not reset)"
        if self.render_mode == "rgb_array" and self.state is not None:
            # the S-pair queue: one column per row of the padded observation, its lcm exponents as grey levels
            rows = np.zeros((self.max_pairs, self.row_len), dtype=np.int32)
            if self.state.num_pairs:
                self.state.write_pair_exponents(rows, self.k)
            return shades_to_rgb(rows.T, high=max(1, int(rows.max())))
        return None

    # --- masks, features, snapshots -----------------------------------------------------------
    def action_masks(self) -> np.ndarray:
        """bool[max_pairs]: True for the pairs in the queue (what MaskablePPO asks for)."""
        mask = np.zeros(self.max_pairs, dtype=bool)
        if self.state is not None:
            mask[:min(self.state.num_pairs, self.max_pairs)] = True
        return mask

    def pair_features(self) -> np.ndarray:
        """The unpadded (|P|, 2nk) int32 feature rows."""
        return features.pair_features(self.state, self.k)

    def get_state(self):
        """An opaque snapshot (core state, step counter); the ideal RNG is not part of it."""
        return (self.state.clone(), self._steps)

    def set_state(self, snapshot) -> None:
        state, steps = snapshot
        self.state = state.clone()
        self._steps = steps
        self._stats = self.state.stats()

    # --- helpers ------------------------------------------------------------------------------
    def _add_rollout_value(self, info: dict) -> None:
        """With ``rollout_value="degree"`` (any strategy name), ``info["rollout_value"]`` is the discounted
        return, in this env's reward mode, of finishing the episode with that strategy from a copy of the new
        state: the value baseline of Peifer et al. (2020), computed here so an agent needs no domain knowledge."""
        if self.rollout_value is not None:
            state = self.state
            info["rollout_value"] = 0.0 if state.is_terminal() else float(
                returns.rollout_value(state, self.rollout_value, self.rollout_gamma, self.rewards))

    def _make_state(self, polys, ring):
        return make_state(polys, ring, elimination=self.elimination, sort_input=self.sort_input,
                          backend=self.backend)

    def _obs(self):
        """(observation, int8 mask). The padded rows are written into a reused buffer, then copied out."""
        state = self.state
        n_pairs = min(state.num_pairs, self.max_pairs)
        mask = np.zeros(self.max_pairs, dtype=np.int8)
        mask[:n_pairs] = 1
        if self.obs_mode == "sequence":
            return {"pairs": features.pair_features(state, self.k)}, mask
        # features.write_features without its argument checks: this buffer's shape is fixed at construction
        state.write_pair_exponents(self._rows, self.k)
        return {"pairs": self._rows.copy(), "action_mask": mask.copy()}, mask
