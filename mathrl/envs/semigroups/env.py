"""``mathrl/SemigroupProof-v0``: choose which cell of a partial Cayley table to split on.

The episode is one proof tree, built depth first: the agent cuts the current
node (the top of a stack of open nodes), leaves are resolved automatically,
and each cut costs -1, so the return is minus the proof size, the quantity
Simpson's learned cut choice minimises (Simpson 2021, "Learning proofs for the
classification of nilpotent semigroups", arXiv:2106.03015). The tree records
needed for value targets (per-decision subtree sizes) come back in ``info``
at the end.

The proof itself is a :class:`~mathrl.envs.semigroups.state.ProofState`; this
module adds only what Gymnasium needs on top of it (spaces, instance choice
at reset, invalid-action handling, truncation, ``info``), so the env's return
and :func:`~mathrl.envs.semigroups.proof.prove`'s proof size cannot drift apart.
"""

from __future__ import annotations

import copy

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from mathrl.core import as_action
from mathrl.envs.pictures import shades_to_rgb
from mathrl.envs.semigroups.problem import Problem
from mathrl.envs.semigroups.state import SCALARS, ProofState

FAMILIES = ("simpson", "graded", "all", "nilpotent")


def make_problem(family="simpson", a=3, b=2, sigma="all", n=None, degree=None, nilpotent=False,
                 profile_filter=True, halfones_filter=True) -> Problem:
    """The pure problem object for the env's family kwargs (ValueError on bad parameters)."""
    if nilpotent:
        if family not in ("simpson", "nilpotent"):
            raise ValueError(f"nilpotent=True contradicts family={family!r}")
        family = "nilpotent"
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; choose one of {', '.join(FAMILIES)}")
    if degree is not None and family != "nilpotent":
        raise ValueError("degree= needs the nilpotent family (family='nilpotent' or nilpotent=True)")
    if family in ("simpson", "graded"):
        from mathrl.envs.semigroups.graded import GradedProblem

        return GradedProblem(a=a, b=b, sigma=sigma, profile_filter=profile_filter, halfones_filter=halfones_filter)
    if n is None:
        raise ValueError(f"family={family!r} needs n (the order of the semigroups)")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    from mathrl.envs.semigroups.families import AllSemigroups, NilpotentSemigroups

    if family == "all":
        return AllSemigroups(int(n))
    return NilpotentSemigroups(int(n), degree=degree)


class SemigroupProofEnv(gym.Env):
    """Depth-first proof construction over a :class:`ProofState`; see the module docstring.

    Observations are the problem's ``observe`` tensors (int8 0/1) plus six
    float32 ``scalars`` (see :meth:`ProofState.observation_dict`); the action is
    the cell ``x * N + y`` to cut. An episode ends when no open node is left
    (terminated) or after ``max_nodes`` cuts or ``max_steps`` steps (truncated;
    ``info["proof_size_lower_bound"]`` then counts each open node as one cut).

    Invalid actions (out of range, or a cell that is not available) leave the
    state unchanged, cost ``invalid_action_penalty`` and set
    ``info["invalid_action"]`` (``"penalize"``), or raise ``ValueError``
    (``"raise"``). Non-integer actions raise ``TypeError``.
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(self, family="simpson", a=3, b=2, sigma="all", n=None, degree=None, nilpotent=False,
                 profile_filter=True, halfones_filter=True, max_nodes=100_000, max_steps=None,
                 invalid_action="penalize", invalid_action_penalty=-1.0, instance_sampling="fixed",
                 render_mode=None):
        if invalid_action not in ("penalize", "raise"):
            raise ValueError(f"invalid_action must be 'penalize' or 'raise', got {invalid_action!r}")
        if instance_sampling not in ("fixed", "sample"):
            raise ValueError(f"instance_sampling must be 'fixed' or 'sample', got {instance_sampling!r}")
        for name, v in (("max_nodes", max_nodes), ("max_steps", max_steps)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1):
                raise ValueError(f"{name} must be an integer >= 1, got {v!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"unsupported render_mode {render_mode!r}; choose 'ansi' or 'rgb_array'")
        self.problem = make_problem(family, a, b, sigma, n, degree, nilpotent, profile_filter, halfones_filter)
        self.family = "graded" if family in ("simpson", "graded") and not nilpotent else (
            "nilpotent" if nilpotent else family)
        self.max_nodes = int(max_nodes)
        self.max_steps = int(max_steps) if max_steps is not None else 4 * self.max_nodes
        self.invalid_action, self.invalid_action_penalty = invalid_action, float(invalid_action_penalty)
        self.instance_sampling = instance_sampling
        self.render_mode = render_mode
        self.roots = list(self.problem.roots())
        self.root_ids = [r.root for r in self.roots]
        N = self.problem.N
        self.N = N
        self.action_space = spaces.Discrete(N * N)
        shapes = ProofState(self.problem, self.roots).observation_shapes()
        obs_spaces = {k: spaces.Box(0, 1, shape, np.int8) for k, shape in shapes.items() if k != "scalars"}
        obs_spaces["scalars"] = spaces.Box(0, np.finfo(np.float32).max, (SCALARS,), np.float32)
        self.observation_space = spaces.Dict(obs_spaces)
        self._zero_obs = {k: np.zeros(s.shape, s.dtype) for k, s in obs_spaces.items()}
        self.state: ProofState | None = None
        self._steps = 0
        self._ended = True

    # --- Gymnasium API ------------------------------------------------------------------------
    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        options = options or {}
        roots = self.roots
        if options.get("sigma") is not None:
            sig = options["sigma"]
            roots = [r for r in self.roots if r.root == sig]
            if not roots:
                raise ValueError(f"sigma={sig!r} is not one of this env's instances {self.root_ids}")
        elif self.instance_sampling == "sample":
            roots = [roots[int(self.np_random.integers(len(roots)))]]
        self.state = ProofState(self.problem, roots)
        self._steps = 0
        self._ended = False
        self._empty = self.state.is_terminal()
        info = self._info(invalid=False)
        if self._empty:
            info["empty_episode"] = True
        return self._obs(), info

    def step(self, action):
        if self._ended:
            raise RuntimeError("the episode has ended; call reset()")
        a = as_action(action)
        state = self.state
        if self._empty:
            self._ended = True
            info = self._info(invalid=False)
            info.update(state.tree_records())
            return self._obs(), 0.0, True, False, info
        self._steps += 1
        if not (0 <= a < state.num_actions) or not state.action_mask()[a]:
            if self.invalid_action == "raise":
                raise ValueError(f"invalid action {a}: cell {divmod(a, self.N) if a >= 0 else a} is not available")
            reward, invalid = self.invalid_action_penalty, True
        else:
            reward, invalid = state.apply(a), False
        terminated = state.is_terminal()
        truncated = not terminated and (state.proof_size >= self.max_nodes or self._steps >= self.max_steps)
        info = self._info(invalid=invalid)
        if terminated or truncated:
            self._ended = True
            info.update(state.tree_records())
            if truncated:
                info["proof_size_lower_bound"] = state.proof_size + state.open_nodes
        return self._obs(), float(reward), terminated, truncated, info

    def render(self):
        if self.render_mode == "rgb_array":
            # the current node's table: each cell shaded by its number of candidate values (white: decided)
            node = self.state.current_node if self.state is not None else None
            sizes = node.cand.sum(axis=2) - 1 if node is not None else np.zeros((self.N, self.N))
            return shades_to_rgb(sizes, high=max(1, self.N - 1))
        if self.render_mode != "ansi":
            return None
        state = self.state
        node = state.current_node if state is not None else None
        if node is None:
            if state is None:
                return "(not reset)"
            return (f"proof finished: {state.proof_size} cuts, {state.done_leaves} done, "
                    f"{state.impossible_leaves} impossible")
        sizes = node.cand.sum(axis=2)
        rows = [" ".join(f"{int(v):2d}" for v in row) for row in sizes]
        return (f"node (instance {node.root}, depth {node.depth}), stack {state.open_nodes - 1}, "
                f"cuts {state.proof_size}\ncandidates per cell:\n" + "\n".join(rows))

    # --- masks and snapshots ------------------------------------------------------------------
    def action_masks(self) -> np.ndarray:
        """bool[N*N]: the current node's cells with two or more candidates (what MaskablePPO asks for).

        An empty episode (no root is active: nothing to prove) still needs one step to end, so until then
        every cell is allowed (any action ends it with reward 0): a mask is never all False before the end,
        which a masked distribution could not sample from."""
        if self._ended or self.state is None:
            return np.zeros(self.N * self.N, dtype=bool)
        if self._empty:
            return np.ones(self.N * self.N, dtype=bool)
        return self.state.action_mask()

    @property
    def current_node(self):
        return self.state.current_node if self.state is not None else None

    def get_state(self):
        """Opaque snapshot: a clone of the proof state, the step counter, the episode flags and the RNG state."""
        if self.state is None:
            raise RuntimeError("call reset() before get_state()")
        return (self.state.clone(), self._steps, self._ended, self._empty,
                copy.deepcopy(self.np_random.bit_generator.state))

    def set_state(self, snap) -> None:
        state, self._steps, self._ended, self._empty, rng = snap
        self.state = state.clone()  # the snapshot stays reusable
        self.np_random.bit_generator.state = copy.deepcopy(rng)

    # --- helpers ------------------------------------------------------------------------------
    def _obs(self):
        if self._ended or self.state.is_terminal():
            return {k: v.copy() for k, v in self._zero_obs.items()}
        return self.state.observation_dict()

    def _info(self, invalid: bool) -> dict:
        state = self.state
        node = state.current_node if not self._ended else None
        return {
            "action_mask": self.action_masks().astype(np.int8),
            "passive": state.proof_size,
            "done_leaves": state.done_leaves,
            "impossible_leaves": state.impossible_leaves,
            "depth": node.depth if node is not None else 0,
            "stack_size": max(state.open_nodes - 1, 0),
            "sigma": node.root if node is not None else None,
            "last_cut": state.last_cut,
            "last_children_status": [st for _, st in state.last_children],
            "invalid_action": invalid,
        }
