"""``gymnasium.make_vec("mathrl/Buchberger-v0", num_envs=B)``: B Groebner basis computations in one object.

Why a native vector env: learning a selection strategy (Peifer, Stillman and
Halpern-Leistner 2020) needs millions of S-pair choices, and a
``SyncVectorEnv`` of single envs spends most of its time in the interpreter:
per pair, a Python ``step``, a state object, an info dict. Here the B episodes
live in one set of arrays (the compiled binomial backend's, with a leading
env axis); one kernel call advances all of them and writes their padded
observations, and another draws a fresh ideal straight into the arrays when an
episode ends.

It is the single env, batched, and nothing else: with the same seed it serves
the same ideals (the sampler repeats the source's draws on the same
``numpy.random.Generator``; env ``i`` is seeded ``seed + i`` as
``SyncVectorEnv`` does) and returns the same observations, rewards,
terminations, truncations and infos as ``SyncVectorEnv`` over
:class:`~mathrl.envs.buchberger.env.BuchbergerEnv`, in all three autoreset modes.
The tests hold it to that, step for step.

What it covers: random binomial families ``n-d-s-<degs>[-flags]`` over GF(p)
(the paper's distributions), every reward mode, elimination, order, ``k``,
``max_pairs``, ``max_steps``, ``sort_input``, invalid-action mode and
``rollout_value`` with a builtin strategy, padded observations. Anything else
(a fixed ``ideal=``, polynomial or fixed families, ``QQ``, ``obs_mode="sequence"``,
another ``rollout_value``, ``backend="python"``, a render mode, or numba switched
off) has no compiled path:
:func:`make_vector_env`, the registered vector entry point, then returns a
``SyncVectorEnv`` of single envs, and :class:`BuchbergerVectorEnv` itself says
why in a ``ValueError``.

``copy=False`` returns read-only views of the observation buffers (Gymnasium's
own vector envs return their buffers with ``copy=False``), and the mask buffer
as a step's ``info["action_mask"]`` (not reset or final infos): no copy per step, but
they change on the next step, and writing to them raises (a step rewrites only
the rows whose pair changed, so a caller's edit would otherwise survive).

One difference from ``SyncVectorEnv``: with ``invalid_action="raise"``, an
invalid action in env ``e`` raises before any env is stepped (``SyncVectorEnv``
has stepped envs ``0 .. e-1`` by then).
"""

from __future__ import annotations

from functools import partial

import numpy as np
from gymnasium.error import ResetNeeded
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, SyncVectorEnv, VectorEnv
from gymnasium.vector.utils import batch_space

from mathrl.compiled import numba_available
from mathrl.envs.buchberger import returns
from mathrl.envs.buchberger import vector_kernels as VK
from mathrl.envs.buchberger.base import STAT_KEYS
from mathrl.envs.buchberger.binomial_kernels import M_COUNTERS, M_NB, M_NP, SELECT_CODE
from mathrl.envs.buchberger.distributions import BinomialIdealSource, monomial_count, monomials_of_degree
from mathrl.envs.buchberger.env import MAX_OBS_BYTES, MAX_REDRAWS, BuchbergerEnv

__all__ = ["BuchbergerVectorEnv", "make_vector_env", "native_unsupported"]

MAX_NUM_ENVS = VK.MAX_NUM_ENVS
MAX_STATE_BYTES = 4 << 30  # the batch's state arrays at construction (raised by a larger max_obs_bytes)
IDEALS_AHEAD = 64  # ideals drawn per env and generator call (fewer when they are large)
IDEAL_BUFFER_BYTES = 32 << 20
MAX_TABLE_MONOMIALS = 1 << 18  # sampler tables above this (huge n or d) stay with the single env's sampler


# the per-step info entries, in the single env's order, with their Gymnasium presence masks
_INFO_KEYS = tuple((key, "_" + key) for key in (
    "action_mask", "num_pairs", "basis_size", "cost", "reduction_steps", "zero_reduction", "polynomial_additions",
    "monomial_additions", "invalid_action", "pair_overflow", "rollout_value"))


def native_unsupported(env: BuchbergerEnv, kwargs: dict) -> str | None:
    """Why the compiled batch cannot run envs built like ``env`` (from ``kwargs``), or None if it can."""
    if not numba_available():
        return "numba is switched off (MATHRL_PURE) or missing"
    for key in ("ideal", "render_mode"):
        if kwargs.get(key) is not None:
            return f"{key}= is not batched"
    if env.rollout_value is not None and env.rollout_value not in SELECT_CODE:
        return f"rollout_value={env.rollout_value!r} is not a builtin strategy ({', '.join(SELECT_CODE)})"
    if env.obs_mode != "padded":
        return "obs_mode='sequence' is not batched"
    if env.backend == "python":
        return "backend='python' asks for the pure core"
    if not isinstance(env.source, BinomialIdealSource):
        return f"the distribution {env.ideal_dist!r} is not a random binomial family"
    if env.ring.p is None:
        return "the compiled path works over GF(p), not QQ"
    src = env.source
    total = sum(monomial_count(src.n, k) for k in range(src.d + 1) if src.weights[k] > 0)
    if total > MAX_TABLE_MONOMIALS:
        return f"its monomial tables would hold {total:,} monomials (limit {MAX_TABLE_MONOMIALS:,})"
    return None


def make_vector_env(num_envs: int = 1, *, autoreset_mode=AutoresetMode.NEXT_STEP, copy: bool = True, **kwargs):
    """The vector entry point: :class:`BuchbergerVectorEnv` where it applies, else ``SyncVectorEnv`` of
    :class:`~mathrl.envs.buchberger.env.BuchbergerEnv` with the same arguments (same results, slower)."""
    probe = BuchbergerEnv(**kwargs)  # every argument checked once, with the single env's messages
    if native_unsupported(probe, kwargs) is None:
        return BuchbergerVectorEnv(num_envs, autoreset_mode=autoreset_mode, copy=copy, **kwargs)
    _check_num_envs(num_envs)
    return SyncVectorEnv([partial(BuchbergerEnv, **kwargs) for _ in range(int(num_envs))],
                         autoreset_mode=AutoresetMode(autoreset_mode), copy=copy)


def _check_num_envs(num_envs) -> None:
    if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or not 1 <= num_envs <= MAX_NUM_ENVS:
        raise ValueError(f"num_envs must be an integer in [1, {MAX_NUM_ENVS}], got {num_envs!r}")


class BuchbergerVectorEnv(VectorEnv):
    """B episodes of ``mathrl/Buchberger-v0`` advanced together by compiled code; see the module docstring.

    ``autoreset_mode``: ``NEXT_STEP`` (default: the call after an episode ends ignores that env's action
    and returns its next episode's first observation), ``SAME_STEP`` (the ending call resets it at once;
    the last observation and info go to ``info["final_obs"]`` / ``info["final_info"]``) or ``DISABLED``
    (reset ended envs yourself with ``reset(options={"reset_mask": ...})``). The other keyword arguments
    are :class:`~mathrl.envs.buchberger.env.BuchbergerEnv`'s.
    """

    metadata = {"render_modes": [], "autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(self, num_envs: int = 1, *, autoreset_mode=AutoresetMode.NEXT_STEP, copy: bool = True,
                 **kwargs):
        _check_num_envs(num_envs)
        env = BuchbergerEnv(**kwargs)
        reason = native_unsupported(env, kwargs)
        if reason is not None:
            raise ValueError(f"no compiled vector env for these arguments: {reason}; use "
                             "gymnasium.make_vec('mathrl/Buchberger-v0', ...) (it falls back to SyncVectorEnv)")
        self.num_envs = E = int(num_envs)
        self.autoreset_mode = AutoresetMode(autoreset_mode)
        self.metadata = {**type(self).metadata, "autoreset_mode": self.autoreset_mode}
        self.copy = bool(copy)
        self.render_mode = None
        self.single_env = env  # its spaces, settings and source; never stepped
        max_obs_bytes = kwargs.get("max_obs_bytes", MAX_OBS_BYTES)
        need = E * env.max_pairs * env.row_len * 5 * (2 if self.copy else 1)
        if max_obs_bytes is not None and need > max_obs_bytes:
            raise ValueError(f"{E} envs' observations would take about {need / 2**20:,.1f} MiB, above the cap of "
                             f"{max_obs_bytes / 2**20:,.1f} MiB: lower num_envs, k or max_pairs, or raise "
                             "max_obs_bytes")
        self.single_observation_space = env.observation_space
        self.single_action_space = env.action_space
        self.observation_space = batch_space(self.single_observation_space, E)
        self.action_space = batch_space(self.single_action_space, E)
        self.max_pairs, self.k, self.max_steps = env.max_pairs, env.k, env.max_steps
        self._counter = STAT_KEYS.index(returns.REWARDS[env.rewards])
        self._tables = self._sampler_tables(env)

        from mathrl.envs.buchberger.binomial import _context

        ctx = _context(env.ring, env.elimination)
        self._meta = ctx.meta.copy()
        s, n = env.source.s, env.ring.n
        cap_b, cap_p = max(16, 2 * s), max(64, s * (s - 1) // 2 + s)  # room for every pair the generators make
        state_bytes = 8 * E * (cap_b * (ctx.row_width + 1) + cap_p * ctx.pair_width)
        if max_obs_bytes is not None and state_bytes > max(max_obs_bytes, MAX_STATE_BYTES):
            raise ValueError(f"{E} envs of {s} generators need about {state_bytes / 2**20:,.0f} MiB for their "
                             f"states before the first step (room for {cap_p:,} pairs each), above "
                             f"{max(max_obs_bytes, MAX_STATE_BYTES) / 2**20:,.0f} MiB: lower num_envs, or raise "
                             "max_obs_bytes")
        self._B = np.zeros((E, cap_b, ctx.row_width), np.int64)
        self._R = np.zeros((E, cap_b), np.int64)
        self._P = np.zeros((E, cap_p, ctx.pair_width), np.int64)
        self._M = np.tile(self._meta, (E, 1))
        # K ideals drawn ahead per env (see vector_kernels.draw_ahead), within IDEAL_BUFFER_BYTES
        K = int(np.clip(IDEAL_BUFFER_BYTES // (E * s * (2 * n + 1) * 8), 1, IDEALS_AHEAD))
        self._IE = np.zeros((E, K, s, 2, n), np.int64)
        self._IC = np.zeros((E, K, s), np.int64)
        self._status = np.zeros((E, K), np.int8)
        self._cursor = np.zeros(E, np.int64)
        self._filled = np.zeros(E, np.int64)
        self._ahead = np.full(E, 2, np.int64)  # ideals the next refill draws (doubling: short runs draw few extra)
        self._C = np.zeros((s, 3), np.int64)
        self._S = np.zeros((4, n + 2), np.int64)  # step scratch, shared: the envs are stepped one after another
        self._W = np.zeros((4 * cap_b, n + 3), np.int64)
        self._I = np.zeros(8 * cap_b + 256, np.int64)
        self._lead = np.zeros(s, np.int64)
        self._pairs = np.zeros((E, env.max_pairs, env.row_len), np.int32)
        self._mask = np.zeros((E, env.max_pairs), np.int8)
        self._written = np.zeros(E, np.int64)
        self._ids = np.full((E, env.max_pairs), -1, np.int64)  # the pair (i << 32 | j) each row shows
        self._pairs_view, self._mask_view = self._pairs.view(), self._mask.view()  # what copy=False returns
        self._pairs_view.flags.writeable = self._mask_view.flags.writeable = False
        self._steps = np.zeros(E, np.int64)
        self._cost = np.zeros(E, np.int64)
        self._info_cols = np.array([M_NP, M_NB, M_COUNTERS, M_COUNTERS + 1])
        # rollout_value: the copy a heuristic rollout runs on (grown when a rollout outgrows it)
        self._rollout_code = -1 if env.rollout_value is None else SELECT_CODE[env.rollout_value]
        self._value = np.zeros(E, np.float64)
        self._Bc = np.zeros((4 * cap_b, ctx.row_width), np.int64)
        self._Rc = np.zeros(4 * cap_b, np.int64)
        self._Pc = np.zeros((4 * cap_p, ctx.pair_width), np.int64)
        self._Mc = np.zeros_like(self._meta)
        self._reduced = np.zeros(E, np.int64)
        self._autoreset = np.zeros(E, dtype=bool)
        self._rngs: list | None = None
        self._started = False

    # --- Gymnasium API ------------------------------------------------------------------------
    def reset(self, *, seed=None, options=None):
        E = self.num_envs
        if seed is None:
            seeds = [None] * E
        elif isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
            seeds = [int(seed) + i for i in range(E)]
            self._np_random, self._np_random_seed = seeding.np_random(int(seed))
        else:
            seeds = list(seed)
            if len(seeds) != E:
                raise ValueError(f"If seeds are passed as a list the length must match num_envs={E} but got "
                                 f"length={len(seeds)}.")
        options = dict(options or {})
        reset_mask = options.pop("reset_mask", None)
        if options:
            raise ValueError(f"unsupported reset options {sorted(options)} (the vector env takes only "
                             "'reset_mask'; a fixed ideal needs the single env)")
        if reset_mask is None:
            which = np.ones(E, dtype=bool)
        else:
            if not isinstance(reset_mask, np.ndarray) or reset_mask.dtype != np.bool_ or reset_mask.shape != (E,):
                raise ValueError(f"options['reset_mask'] must be a bool numpy array of shape ({E},)")
            if not reset_mask.any():
                raise ValueError("options['reset_mask'] must contain at least one True value")
            if not self._started:
                raise ResetNeeded("call reset() on all envs before a partial reset")
            which = reset_mask
        if self._rngs is None:
            self._rngs = [None] * E
        for e in np.flatnonzero(which):
            if seeds[e] is not None or self._rngs[e] is None:
                self._rngs[e] = seeding.np_random(seeds[e])[0]
                self._cursor[e] = self._filled[e] = 0  # ideals drawn ahead from the old stream are dropped
                self._ahead[e] = 2
        redraws = self._reset_envs(which)
        if self._rollout_code >= 0:
            self._rollout_values(which)
        self._started = True
        self._autoreset[which] = False
        self._cost[which] = 0
        info = self._info(np.zeros((3, E), bool), redraws=(which, redraws), present=which)
        return self._obs(), info

    def step(self, actions):
        if not self._started:
            raise ResetNeeded("call reset() before step()")
        E = self.num_envs
        actions = self._check_actions(actions)
        mode = self.autoreset_mode
        resetting = self._autoreset
        any_reset = bool(resetting.any())
        if any_reset and mode == AutoresetMode.DISABLED:
            raise ResetNeeded("some envs have ended (autoreset_mode=DISABLED): reset them with "
                              "reset(options={'reset_mask': ...}) before stepping")
        run = (~resetting).view(np.int8)  # NEXT_STEP: an ended env ignores its action and starts again
        env = self.single_env
        if env.invalid_action == "raise":
            bad = (~resetting) & ((actions < 0) | (actions >= self._M[:, M_NP]))
            if bad.any():
                e = int(np.flatnonzero(bad)[0])
                raise ValueError(f"invalid action {actions[e]} in env {e}: there are {self._M[e, M_NP]} pairs")
        rewards = np.empty(E)
        flags = np.empty((5, E), bool)  # zero reduction, invalid action, pair overflow, terminated, truncated
        while VK.step_batch(self._B, self._R, self._P, self._M, actions, run, self._counter, self.k,
                            self.max_pairs, -1 if self.max_steps is None else self.max_steps,
                            env.invalid_action_penalty, self._pairs, self._mask, self._written, self._ids, self._steps,
                            rewards, self._cost, flags, self._reduced, self._S, self._W, self._I) == VK.NEEDS_ROOM:
            self._grow()
        terminated, truncated = flags[3], flags[4]
        done = terminated | truncated
        extra, redraws, ended = {}, None, None
        values = self._rollout_code >= 0
        if mode == AutoresetMode.SAME_STEP:
            if values:
                self._rollout_values(run.view(bool))
            if done.any():
                extra = self._final(done, flags, terminated)
                redraws = (done, self._reset_envs(done))
                flags[:3, done] = False  # the info now describes the new episode's start
                self._cost[done] = 0
                if values:
                    self._rollout_values(done)
        else:
            if any_reset:
                redraws = (resetting, self._reset_envs(resetting))
            if values:
                self._rollout_values(np.ones(E, bool))
            ended = terminated
            self._autoreset = done
        info = self._info(flags, redraws=redraws, terminated=ended)
        info.update(extra)
        return self._obs(), rewards, terminated, truncated, info

    def action_masks(self) -> np.ndarray:
        """bool (num_envs, max_pairs): True for the pairs in each env's queue (what MaskablePPO asks for)."""
        if not self._started:
            raise ResetNeeded("call reset() before action_masks()")
        return self._mask.astype(bool)

    def close(self, **kwargs):
        self.closed = True

    def __setstate__(self, state):  # a pickled read-only view comes back as an independent copy: remake them
        self.__dict__.update(state)
        self._pairs_view, self._mask_view = self._pairs.view(), self._mask.view()
        self._pairs_view.flags.writeable = self._mask_view.flags.writeable = False

    # --- internals ----------------------------------------------------------------------------
    @staticmethod
    def _sampler_tables(env: BuchbergerEnv) -> tuple:
        """The source's draw tables as arrays (see :mod:`~mathrl.envs.buchberger.vector_kernels`)."""
        from mathrl.envs.buchberger.binomial import _context

        src, ring = env.source, env.ring
        ctx = _context(ring, env.elimination)
        degrees = [k for k in range(src.d + 1) if src.weights[k] > 0]
        counts = np.array([monomial_count(src.n, k) for k in range(src.d + 1)], np.int64)
        offsets = np.zeros(src.d + 1, np.int64)
        keys: list[int] = []
        for k in degrees:
            offsets[k] = len(keys)
            keys += [ring.pack(e) for e in monomials_of_degree(src.n, k)]
        raw = b"".join(ctx.exponent_bytes(key) for key in keys)
        exps = np.frombuffer(raw, np.uint32).reshape(len(keys), src.n).astype(np.int64)
        ranks = np.empty(len(keys), np.int64)
        ranks[sorted(range(len(keys)), key=keys.__getitem__)] = np.arange(len(keys))
        cdf = np.asarray(src._cdf, np.float64)
        return (cdf, counts, offsets, exps, ranks, bool(src.homog), bool(src.pure), int(src._cbound),
                int(ring.p), bool(env.sort_input))

    def _reset_envs(self, which: np.ndarray) -> np.ndarray:
        """Start a new episode in every env in ``which`` (all in one kernel call, refilling an env's ideal
        buffer from its generator when it runs dry); their redraw counts."""
        redraws = np.zeros(self.num_envs, np.int64)
        pending = which.astype(np.int8)
        while True:
            r = VK.reset_batch(pending, self._IE, self._IC, self._status, self._cursor, self._filled, self._meta,
                               self._B, self._R, self._P, self._M, MAX_REDRAWS, redraws, self._pairs, self._mask,
                               self._written, self._ids, self.k, self._C, self._W, self._I)
            if r == VK.READY:
                break
            if r >= 0:  # draw ahead: 2 ideals the first time, twice as many each time after, up to the buffer
                q = int(min(self._ahead[r], self._IE.shape[1]))
                self._ahead[r] = 2 * q
                self._filled[r] = VK.draw_ahead(self._rngs[r], *self._tables, self._IE[r, :q], self._IC[r, :q],
                                                self._status[r, :q], self._lead)
                self._cursor[r] = 0
            elif r > -10 - VK.MAX_NUM_ENVS:
                raise RuntimeError(f"{self.single_env.source.name}: could not draw two distinct monomials in "
                                   f"{VK.MAX_MONOMIAL_ATTEMPTS} attempts")
            else:
                raise RuntimeError(f"{MAX_REDRAWS} ideals in a row had no S-pairs; use more generators")
        over = which & (self._M[:, M_NP] > self.max_pairs)
        if over.any():
            e = int(np.flatnonzero(over)[0])
            raise ValueError(f"the initial ideal has {self._M[e, M_NP]} pairs but max_pairs={self.max_pairs}; "
                             "construct the env with a larger max_pairs")
        self._steps[which] = 0
        return redraws

    def _grow(self) -> None:
        """Double the basis and pair capacities of every env (one env about to outgrow them asked)."""
        E, cap_b, wb = self._B.shape
        cap_p, wp = self._P.shape[1:]
        nb, npairs = self._M[:, M_NB].max(), self._M[:, M_NP].max()
        new_b = max(2 * cap_b, nb + 1) if nb + 1 > cap_b else cap_b
        new_p = max(2 * cap_p, npairs + new_b) if npairs + nb > cap_p else cap_p
        B = np.zeros((E, new_b, wb), np.int64)
        B[:, :cap_b] = self._B
        R = np.zeros((E, new_b), np.int64)
        R[:, :cap_b] = self._R
        P = np.zeros((E, new_p, wp), np.int64)
        P[:, :cap_p] = self._P
        self._B, self._R, self._P = B, R, P
        if new_b > self._W.shape[0]:
            self._W = np.zeros((new_b, self._W.shape[1]), np.int64)
            self._I = np.zeros(8 * new_b + 256, np.int64)

    def _rollout_values(self, which: np.ndarray) -> None:
        """``self._value[e]`` for every env in ``which`` (``rollout_value=`` set): the heuristic's return."""
        env = self.single_env
        start = 0
        while True:
            start = VK.rollout_values(self._B, self._R, self._P, self._M, which, self._rollout_code,
                                      env.rollout_gamma, self._counter, self._value, self._Bc, self._Rc, self._Pc,
                                      self._Mc, self._S, self._W, self._I, start)
            if start == VK.READY:
                return
            cap_b, cap_p = 2 * self._Bc.shape[0], 2 * self._Pc.shape[0]
            self._Bc = np.zeros((cap_b, self._Bc.shape[1]), np.int64)
            self._Rc = np.zeros(cap_b, np.int64)
            self._Pc = np.zeros((cap_p + cap_b, self._Pc.shape[1]), np.int64)
            if cap_b > self._W.shape[0]:
                self._W = np.zeros((cap_b, self._W.shape[1]), np.int64)
                self._I = np.zeros(8 * cap_b + 256, np.int64)

    def _check_actions(self, actions) -> np.ndarray:
        a = np.asarray(actions)
        if a.shape != (self.num_envs,) or not np.issubdtype(a.dtype, np.integer):
            raise ValueError(f"actions must be {self.num_envs} integers, shape ({self.num_envs},); got "
                             f"{a.dtype} array of shape {a.shape}")
        return a.astype(np.int64, copy=False)

    def _obs(self) -> dict:
        if self.copy:
            return {"pairs": self._pairs.copy(), "action_mask": self._mask.copy()}
        return {"pairs": self._pairs_view, "action_mask": self._mask_view}

    def _info(self, flags, redraws=None, terminated=None, present=None) -> dict:
        """Gymnasium's batched info: ``info[key]`` and the mask ``info["_" + key]`` of envs that have it
        (all of them, or ``present``). ``flags`` rows: zero reduction, invalid action, pair overflow.

        Built with as few numpy calls as it takes (one block for the integer entries), since it runs
        on every step; with ``copy=False`` a step's ``action_mask`` is the read-only mask buffer
        itself, as the observation's is."""
        E = self.num_envs
        ints = np.empty((6, E), np.int64)  # num_pairs, basis_size, polynomial/monomial additions, cost, steps
        ints[:4] = self._M[:, self._info_cols].T
        ints[4] = self._cost
        np.subtract(self._cost, 1, out=ints[5])
        np.maximum(ints[5], 0, out=ints[5])
        bools = flags[:3].copy()
        mask = self._mask_view if present is None and not self.copy else self._mask.copy()
        values = [mask, ints[0], ints[1], ints[4], ints[5], bools[0], ints[2], ints[3], bools[1], bools[2]]
        if self._rollout_code >= 0:
            values.append(self._value.copy())
        if present is None:
            have = np.ones((len(values), E), bool)
        else:  # every value is a fresh array here (the mask too): zero the envs without the entry
            have = np.tile(present, (len(values), 1))
            absent = ~present
            for value in values:
                value[absent] = 0
        info: dict = {}
        for (key, flag), value, h in zip(_INFO_KEYS, values, have):
            info[key] = value
            info[flag] = h
        if redraws is not None:
            which, counts = redraws
            info["redraws"] = np.where(which, counts, 0)
            info["_redraws"] = which.copy()
        if terminated is not None and terminated.any():
            info["reduced_basis_size"] = np.where(terminated, self._reduced, 0)
            info["_reduced_basis_size"] = terminated.copy()
        return info

    def _final(self, done: np.ndarray, flags: np.ndarray, terminated: np.ndarray) -> dict:
        """SAME_STEP: the ended envs' last observations and infos, laid out as SyncVectorEnv lays them out."""
        final_obs = np.full(self.num_envs, None, dtype=object)
        for e in np.flatnonzero(done):
            final_obs[e] = {"pairs": self._pairs[e].copy(), "action_mask": self._mask[e].copy()}
        final_info = self._info(flags, terminated=terminated, present=done)
        return {"final_obs": final_obs, "_final_obs": done.copy(), "final_info": final_info,
                "_final_info": done.copy()}
