"""S-pair selection strategies (spec §4): named objects a user can extend.

A strategy is anything with ``select(state) -> int`` (an index into
``state.pairs``). Most classical ones minimise a per-pair *key*; ties go to the
earliest pair in queue order. To add your own, subclass :class:`KeyStrategy`
(or :class:`Strategy`) and :func:`register_strategy` it::

    class FewestTerms(KeyStrategy):
        name = "fewest-terms"
        def key(self, state, a):
            i, j = state.pairs[a]
            return len(state.basis[i]) + len(state.basis[j])

    register_strategy(FewestTerms)
"""

from __future__ import annotations

import numpy as np


class Strategy:
    """Base class: pick an index into ``state.pairs``."""

    name = "strategy"
    description = ""

    def select(self, state) -> int:
        raise NotImplementedError

    def reseed(self, seed) -> None:
        """Strategies with randomness reset their own generator here."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _compiled_when_available(name: str):
    """Decorate a built-in ``select``: refuse a terminal state, then use the compiled backend's
    ``select_builtin(name)`` when the state has one (same rule, same tie-breaks, tested equal), else the
    Python rule."""

    def wrap(select):
        def select_fast(self, state) -> int:
            if not state.num_pairs:
                raise ValueError("no pairs to select from: the state is terminal")
            fast = getattr(state, "select_builtin", None)
            return fast(name) if fast is not None else select(self, state)

        select_fast.__doc__ = select.__doc__
        return select_fast

    return wrap


class KeyStrategy(Strategy):
    """Choose the pair with the smallest ``key``; ties go to the earliest pair in queue order."""

    def key(self, state, a: int):
        raise NotImplementedError

    def select(self, state) -> int:
        n = len(state.pairs)
        if n == 0:
            raise ValueError("no pairs to select from: the state is terminal")
        best, best_key = 0, self.key(state, 0)
        for a in range(1, n):
            k = self.key(state, a)
            if k < best_key:
                best, best_key = a, k
        return best


class First(Strategy):
    name = "first"
    description = "the oldest pair (FIFO), P[0]"

    @_compiled_when_available("first")
    def select(self, state) -> int:
        return 0


class Last(Strategy):
    name = "last"
    description = "the newest pair, P[-1] (deliberately bad)"

    @_compiled_when_available("last")
    def select(self, state) -> int:
        return state.num_pairs - 1


class Degree(KeyStrategy):
    name = "degree"
    description = "smallest total degree of lcm(LM(f), LM(g))"

    def key(self, state, a):
        return state.pair_degree(a)

    @_compiled_when_available("degree")
    def select(self, state) -> int:  # same rule as the key loop, vectorised over the lcm list
        degs = state.lcm_degrees()
        return degs.index(min(degs))


class Normal(KeyStrategy):
    name = "normal"
    description = "smallest lcm(LM(f), LM(g)) in the monomial order"

    def key(self, state, a):
        return state.pair_lcm(a)

    @_compiled_when_available("normal")
    def select(self, state) -> int:
        lcms = state.lcm_keys()
        return lcms.index(min(lcms))


class Sugar(KeyStrategy):
    name = "sugar"
    description = "smallest sugar degree, then smallest lcm (Giovini et al. 1991)"

    def key(self, state, a):
        return (state.pair_sugar(a), state.pair_lcm(a))

    select = _compiled_when_available("sugar")(KeyStrategy.select)


class TrueDegree(KeyStrategy):
    name = "truedegree"
    description = "smallest total degree of the unreduced S-polynomial (zero S-polynomials first)"

    def key(self, state, a):
        return state.spoly_degree(a)

    select = _compiled_when_available("truedegree")(KeyStrategy.select)


class Codegree(Strategy):
    name = "codegree"
    description = "largest lcm degree, ties to the latest pair (deliberately bad)"

    @_compiled_when_available("codegree")
    def select(self, state) -> int:
        degs = state.lcm_degrees()
        top = max(degs)
        return len(degs) - 1 - degs[::-1].index(top)


class SeededStrategy(Strategy):
    """A strategy that draws from its own generator (reseeded per ideal by the benchmark)."""

    def __init__(self, seed=None):
        self.rng = np.random.default_rng(seed)

    def reseed(self, seed) -> None:
        self.rng = np.random.default_rng(seed)


class Random(SeededStrategy):
    name = "random"
    description = "uniform over the pairs, from the strategy's own seeded generator"

    def select(self, state) -> int:
        if not state.num_pairs:
            raise ValueError("no pairs to select from: the state is terminal")
        return int(self.rng.integers(state.num_pairs))


class Lexicographic(KeyStrategy):
    """Several key strategies combined: compare the tuple of their keys, then queue order."""

    def __init__(self, parts):
        parts = [make_strategy(p) for p in parts]
        for p in parts:
            if not isinstance(p, KeyStrategy):
                raise ValueError(f"strategy {p.name!r} has no key and cannot be combined")
        self.parts = parts
        self.name = "+".join(p.name for p in parts)

    def key(self, state, a):
        return tuple(p.key(state, a) for p in self.parts)

    def __repr__(self) -> str:
        return f"Lexicographic({[p.name for p in self.parts]})"


class AgentStrategy(SeededStrategy):
    """A trained pair-scoring agent (``mathrl train ppo``) as a strategy: ``agent:PATH`` picks its most
    probable pair, ``agent:PATH:sample`` samples from its policy with the strategy's own generator.
    PATH is an ``agent.pt`` file, a run folder, or ``pretrained`` (the agent shipped with mathrl).

    The agent sees exactly what the env shows it: ``pair_features(k)`` with the env's k.
    """

    def __init__(self, spec: str, seed=None):
        body = spec.strip()[len("agent:"):]
        mode = "greedy"
        for suffix in ("sample", "greedy"):
            if body.endswith(":" + suffix):
                body, mode = body[:-len(suffix) - 1], suffix
        from mathrl.agents.ppo.agent import load_agent

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
        rows = state.pair_features(self.k)
        if rows.shape[1] != self.agent.adapter.row_dim:
            raise ValueError(f"{self.name} reads rows of {self.agent.adapter.row_dim} features but this ring gives "
                             f"{rows.shape[1]} (2 * variables * k): it was trained on another number of variables")
        return self.agent.act({"pairs": rows}, greedy=self.greedy, rng=self.rng)

    def __repr__(self) -> str:
        return f"AgentStrategy({self.name!r})"


STRATEGIES: dict[str, type] = {}


def register_strategy(cls: type) -> type:
    """Make ``cls`` available by ``cls.name`` (usable as a decorator)."""
    STRATEGIES[cls.name] = cls
    return cls


for _cls in (First, Degree, Normal, Sugar, TrueDegree, Random, Last, Codegree):
    register_strategy(_cls)


def make_strategy(spec, seed=None) -> Strategy:
    """A Strategy from a name, a list of names (lexicographic keys), or a Strategy object."""
    if isinstance(spec, Strategy):
        return spec
    if isinstance(spec, (list, tuple)):
        return Lexicographic(spec) if len(spec) > 1 else make_strategy(spec[0], seed)
    if isinstance(spec, str):
        if spec.strip().startswith("agent:"):
            return AgentStrategy(spec, seed)
        name = spec.strip().lower()
        if name not in STRATEGIES:
            raise ValueError(f"unknown strategy {spec!r}; known: {', '.join(sorted(STRATEGIES))}")
        cls = STRATEGIES[name]
        return cls(seed) if cls is Random else cls()
    if hasattr(spec, "select"):
        return spec
    raise ValueError(f"not a strategy: {spec!r}")


class HeuristicAgent:
    """A strategy as an agent on the pure core: ``act(state) -> action`` (spec §4.3)."""

    def __init__(self, strategy="degree", seed=None):
        self.strategy = make_strategy(strategy, seed)

    def act(self, state) -> int:
        return self.strategy.select(state)

    __call__ = act


def select_from_rows(rows: np.ndarray, n: int, k: int, strategy: str, order_key=None) -> int:
    """Degree or Normal from the observation alone (first monomial of each half-row), §4.3.

    ``rows`` is the unpadded (|P|, 2nk) feature array. ``order_key`` maps an
    exponent tuple to a comparable key in the ring's order (needed for Normal).
    """
    rows = np.asarray(rows)
    if len(rows) == 0:
        raise ValueError("no pairs to select from")
    lcm = np.maximum(rows[:, :n], rows[:, n * k:n * k + n])
    if strategy == "degree":
        return int(np.argmin(lcm.sum(axis=1)))  # argmin returns the first minimum: queue order
    if strategy == "normal":
        if order_key is None:
            raise ValueError("normal needs the ring's order key")
        keys = [order_key(tuple(int(v) for v in row)) for row in lcm]
        return keys.index(min(keys))
    raise ValueError(f"only degree and normal can be computed from rows, not {strategy!r}")
