"""S-pair selection strategies: named objects a user can extend.

A strategy is anything with ``select(state) -> int`` (an index into
``state.pairs``). Most classical ones minimise a per-pair *key*; ties go to the
earliest pair in queue order. The built-ins are those Peifer, Stillman and
Halpern-Leistner (2020) compare against: first (FIFO), degree, normal (the
smallest lcm in the monomial order), sugar (Giovini et al. 1991) and random,
plus truedegree and the deliberately bad last and codegree. To add your own,
subclass :class:`KeyStrategy` (or :class:`Strategy`) and
:func:`register_strategy` it::

    class FewestTerms(KeyStrategy):
        name = "fewest-terms"
        def key(self, state, a):
            i, j = state.pairs[a]
            return len(state.basis[i]) + len(state.basis[j])

    register_strategy(FewestTerms)

A name ``PREFIX:ARG`` is built by the loader registered for ``PREFIX`` under
the plugin kind :data:`PLUGIN_KIND` (:mod:`mathrl.plugins`). That is how a
trained agent becomes a strategy (``agent:PATH``) without this domain ever
importing the agents: they register the loader, and the registry imports them
on first use.
"""

from __future__ import annotations

import numpy as np

from mathrl.plugins import get_loader

PLUGIN_KIND = "buchberger-strategy"  # the mathrl.plugins kind whose loaders build PREFIX:ARG strategies


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


STRATEGIES: dict[str, type] = {}


def register_strategy(cls: type) -> type:
    """Make ``cls`` available by ``cls.name`` (usable as a decorator)."""
    STRATEGIES[cls.name] = cls
    return cls


for _cls in (First, Degree, Normal, Sugar, TrueDegree, Random, Last, Codegree):
    register_strategy(_cls)


def make_strategy(strategy, seed=None) -> Strategy:
    """A Strategy from a name, a ``PREFIX:ARG`` plugin name (e.g. ``agent:PATH``), a list of names
    (lexicographic keys), or a Strategy object."""
    if isinstance(strategy, Strategy):
        return strategy
    if isinstance(strategy, (list, tuple)):
        return Lexicographic(strategy) if len(strategy) > 1 else make_strategy(strategy[0], seed)
    if isinstance(strategy, str):
        text = strategy.strip()
        prefix, colon, _ = text.partition(":")
        if colon:
            try:
                loader = get_loader(PLUGIN_KIND, prefix)
            except LookupError as exc:
                raise ValueError(f"unknown strategy {strategy!r}: {exc}") from None
            return loader(text, seed)
        name = text.lower()
        if name not in STRATEGIES:
            raise ValueError(f"unknown strategy {strategy!r}; known: {', '.join(sorted(STRATEGIES))}")
        cls = STRATEGIES[name]
        return cls(seed) if cls is Random else cls()
    if hasattr(strategy, "select"):
        return strategy
    raise ValueError(f"not a strategy: {strategy!r}")


class HeuristicAgent:
    """A strategy as an agent on a pure state: ``act(state) -> action``, for code written against agents."""

    def __init__(self, strategy="degree", seed=None):
        self.strategy = make_strategy(strategy, seed)

    def act(self, state) -> int:
        return self.strategy.select(state)

    __call__ = act


def select_from_rows(rows: np.ndarray, n: int, k: int, strategy: str, order_key=None) -> int:
    """Degree or Normal from the observation alone (the first monomial of each half-row is the lead).

    The pair features carry enough to reproduce the two best classical
    strategies, so a network that reads them has what it needs to match them.

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
