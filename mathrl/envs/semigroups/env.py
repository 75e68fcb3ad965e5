"""``mathrl/SemigroupProof-v0``: choose which cell of a partial Cayley table to split on (spec §5).

The episode is one proof tree, built depth first: the agent cuts the current
node (the top of a stack of open nodes), leaves are resolved automatically,
and each cut costs -1, so the return is minus the proof size (Simpson 2021).
The tree records needed for value targets (per-decision subtree sizes) come
back in ``info`` at the end.
"""

from __future__ import annotations

import copy
import math

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from mathrl.core import as_action
from mathrl.envs.semigroups.problem import ACTIVE, DONE, IMPOSSIBLE, Problem

FAMILIES = ("simpson", "graded", "all", "nilpotent")
SCALARS = 6


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
    from mathrl.envs.semigroups.generic import AllSemigroups, NilpotentSemigroups

    if family == "all":
        return AllSemigroups(int(n))
    return NilpotentSemigroups(int(n), degree=degree)


class SemigroupProofEnv(gym.Env):
    """Depth-first proof construction; see the module docstring and spec §5.

    Invalid actions (out of range, or a cell that is not available) leave the
    state unchanged, cost ``invalid_action_penalty`` and set
    ``info["invalid_action"]`` (``"penalize"``), or raise ``ValueError``
    (``"raise"``). Non-integer actions raise ``TypeError``.
    """

    metadata = {"render_modes": ["ansi"]}

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
            raise ValueError(f"unsupported render_mode {render_mode!r}; only 'ansi'")
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
        sample = self.problem.observe(self.roots[0])
        obs_spaces = {k: spaces.Box(0, 1, np.shape(v), np.int8) for k, v in sample.items()}
        obs_spaces["scalars"] = spaces.Box(0, np.finfo(np.float32).max, (SCALARS,), np.float32)
        self.observation_space = spaces.Dict(obs_spaces)
        self._zero_obs = {k: np.zeros(s.shape, s.dtype) for k, s in obs_spaces.items()}
        self._stack: list = []
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
        self._next_id = 0
        self._passive = self._done = self._impossible = self._steps = 0
        self._decisions: list = []  # per valid step: node id, parent id, children [(id, status)]
        self._parent: dict = {}
        self._stack = []
        for r in roots:
            nid = self._new_id()
            self._parent[nid] = -1
            if r.status == ACTIVE:
                self._stack.append((r, nid))
            else:
                self._count_leaf(r.status)
        self._stack.reverse()  # the lowest sigma on top (end of the list)
        self._ended = False
        self._empty = not self._stack
        self._last_cut, self._last_children = None, []
        info = self._info(invalid=False)
        if self._empty:
            info["empty_episode"] = True
        return self._obs(), info

    def step(self, action):
        if self._ended:
            raise RuntimeError("the episode has ended; call reset()")
        action = as_action(action)
        if self._empty:
            self._ended = True
            info = self._info(invalid=False)
            info.update(self._final_info())
            return self._obs(), 0.0, True, False, info
        a = int(action)
        node, nid = self._stack[-1]
        self._steps += 1
        avail = self._available()
        if not (0 <= a < self.N * self.N) or not avail[a]:
            if self.invalid_action == "raise":
                raise ValueError(f"invalid action {a}: cell {divmod(a, self.N) if a >= 0 else a} is not available")
            reward, invalid = self.invalid_action_penalty, True
        else:
            self._stack.pop()
            kids = self.problem.children(node, a)
            self._passive += 1
            record = []
            active = []
            for k, status in kids:
                kid = self._new_id()
                self._parent[kid] = nid
                record.append((kid, status))
                if status == ACTIVE:
                    active.append((k, kid))
                else:
                    self._count_leaf(status)
            self._decisions.append({"node": nid, "parent": self._parent[nid], "children": record})
            self._stack.extend(reversed(active))  # the smallest value is processed next
            self._last_cut = divmod(a, self.N)
            self._last_children = [s for _, s in kids]
            reward, invalid = -1.0, False
        terminated = not self._stack
        truncated = not terminated and (self._passive >= self.max_nodes or self._steps >= self.max_steps)
        info = self._info(invalid=invalid)
        if terminated or truncated:
            self._ended = True
            info.update(self._final_info())
            if truncated:
                info["proof_size_lower_bound"] = self._passive + len(self._stack)
        return self._obs(), float(reward), terminated, truncated, info

    def render(self):
        if self.render_mode != "ansi":
            return None
        if not self._stack:
            return f"proof finished: {self._passive} cuts, {self._done} done, {self._impossible} impossible"
        node, _ = self._stack[-1]
        sizes = node.cand.sum(axis=2)
        rows = [" ".join(f"{int(v):2d}" for v in row) for row in sizes]
        return (f"node (instance {node.root}, depth {node.depth}), stack {len(self._stack) - 1}, "
                f"cuts {self._passive}\ncandidates per cell:\n" + "\n".join(rows))

    # --- masks and snapshots ------------------------------------------------------------------
    def action_masks(self) -> np.ndarray:
        if self._ended or not self._stack:
            return np.zeros(self.N * self.N, dtype=bool)
        return self._available().copy()

    def _available(self) -> np.ndarray:
        """The current node's available cells, computed once per node (step, info and masks share it)."""
        node = self._stack[-1][0]
        if getattr(self, "_avail_node", None) is not node:
            self._avail_node, self._avail = node, self.problem.available(node)
        return self._avail

    @property
    def current_node(self):
        return self._stack[-1][0] if self._stack else None

    def get_state(self):
        """Opaque snapshot: the stack (sharing immutable nodes), counters, tree records and the RNG state."""
        return copy.deepcopy({
            "stack": [(None, nid) for _, nid in self._stack], "nodes": [n for n, _ in self._stack],
            "counters": (self._next_id, self._passive, self._done, self._impossible, self._steps),
            "decisions": self._decisions, "parent": self._parent, "ended": self._ended, "empty": self._empty,
            "last": (self._last_cut, self._last_children), "rng": self.np_random.bit_generator.state,
        }, memo={id(n): n for n, _ in self._stack})

    def set_state(self, snap) -> None:
        snap = copy.deepcopy(snap, memo={id(n): n for n in snap["nodes"]})
        self._stack = [(n, nid) for n, (_, nid) in zip(snap["nodes"], snap["stack"])]
        self._next_id, self._passive, self._done, self._impossible, self._steps = snap["counters"]
        self._decisions, self._parent = snap["decisions"], snap["parent"]
        self._ended, self._empty = snap["ended"], snap["empty"]
        self._last_cut, self._last_children = snap["last"]
        self.np_random.bit_generator.state = snap["rng"]

    # --- helpers ------------------------------------------------------------------------------
    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def _count_leaf(self, status):
        if status == DONE:
            self._done += 1
        elif status == IMPOSSIBLE:
            self._impossible += 1

    def _obs(self):
        if self._ended or not self._stack:
            return {k: v.copy() for k, v in self._zero_obs.items()}
        node, _ = self._stack[-1]
        obs = {k: np.asarray(v, dtype=np.int8) for k, v in self.problem.observe(node).items()}
        sizes = node.cand.sum(axis=2)
        obs["scalars"] = np.array([
            node.depth, len(self._stack) - 1, self._passive, int((sizes >= 2).sum()),
            float(np.log10(sizes.clip(min=1)).sum()), node.root if self.family == "graded" else 0,
        ], dtype=np.float32)
        return obs

    def _info(self, invalid: bool) -> dict:
        node = self._stack[-1][0] if self._stack and not self._ended else None
        mask = self.action_masks().astype(np.int8)
        return {
            "action_mask": mask,
            "passive": self._passive,
            "done_leaves": self._done,
            "impossible_leaves": self._impossible,
            "depth": node.depth if node is not None else 0,
            "stack_size": max(len(self._stack) - 1, 0),
            "sigma": node.root if node is not None else None,
            "last_cut": self._last_cut,
            "last_children_status": list(self._last_children),
            "invalid_action": invalid,
        }

    def _final_info(self) -> dict:
        """Per-decision subtree sizes S_t = 1 + sum of the children's sizes (leaves 0; unexpanded nodes 1)."""
        cut_step = {d["node"]: t for t, d in enumerate(self._decisions)}
        T = len(self._decisions)
        sizes = [0] * T
        complete = [True] * T
        children_sizes: list = [None] * T
        for t in range(T - 1, -1, -1):
            kids = []
            for kid, status in self._decisions[t]["children"]:
                if status != ACTIVE:
                    kids.append(0)
                elif kid in cut_step:
                    s = cut_step[kid]
                    kids.append(sizes[s])
                    complete[t] = complete[t] and complete[s]
                else:  # truncated before it was expanded
                    kids.append(1)
                    complete[t] = False
            children_sizes[t] = kids
            sizes[t] = 1 + sum(kids)
        return {
            "proof_size": self._passive,
            "decision_nodes": [(d["node"], d["parent"]) for d in self._decisions],
            "subtree_sizes": sizes,
            "subtree_complete": complete,
            "children_sizes": children_sizes,
            "value_targets": [math.log10(s) for s in sizes],
        }
