"""Fixed opponents for the board games: the envs' opponents and the strength ladder agents are measured against.

An opponent is any callable ``(state, rng) -> action`` where ``state`` is a
non-terminal game state (:class:`mathrl.envs.games.base.GameState`) and ``rng`` a ``numpy.random.Generator``:
all randomness comes from ``rng``, so a seeded generator replays the same
moves. The built-ins use only the pure-state interface (``clone``, ``apply``,
``legal_actions``, ``returns``, ``current_player``), so they work for every
game; ``PerfectOpponent`` also needs an exact solver for the game.
"""

from __future__ import annotations

import math
import random

import numpy as np

from mathrl.core import as_action


class RandomOpponent:
    """Uniform over the legal moves: the floor of every strength ladder."""

    def __call__(self, state, rng: np.random.Generator) -> int:
        legal = state.legal_actions()
        return legal[int(rng.integers(len(legal)))]

    def __repr__(self) -> str:
        return "RandomOpponent()"


class OneStepLookahead:
    """Wins at once if it can; else avoids every move after which the opponent wins at once; else random.

    "Blocking" is done generically: the pure-state interface has no null move
    to ask "where would the opponent win?", so the opponent's threats are
    found by trying each reply after each of our moves. In Connect Four this
    blocks a threat and also refuses to play directly beneath one.
    """

    def __call__(self, state, rng: np.random.Generator) -> int:
        me = state.current_player()
        legal = state.legal_actions()
        wins, safe = [], []
        for a in legal:
            child = state.clone()
            child.apply(a)
            if child.is_terminal():
                if child.returns()[me] > 0:
                    wins.append(a)
                else:
                    safe.append(a)
            elif not _loses_at_once(child, me):
                safe.append(a)
        pool = wins or safe or legal
        return pool[int(rng.integers(len(pool)))]

    def __repr__(self) -> str:
        return "OneStepLookahead()"


def _loses_at_once(state, me: int) -> bool:
    """Whether the player to move in ``state`` (if it is not ``me``) has a move that ends the game with ``me`` losing."""
    if state.current_player() == me:
        return False
    for b in state.legal_actions():
        reply = state.clone()
        reply.apply(b)
        if reply.is_terminal() and reply.returns()[me] < 0:
            return True
    return False


class _Node:
    """A UCT node owning its state. ``w`` sums the returns of the player who moved *into* the node."""

    __slots__ = ("state", "action", "actor", "untried", "children", "n", "w")

    def __init__(self, state, action: int, actor: int, shuffle):
        self.state = state
        self.action = action
        self.actor = actor
        self.untried = state.legal_actions()  # [] iff terminal
        shuffle(self.untried)                 # expanded in random order (popped from the end)
        self.children: list[_Node] = []
        self.n = 0
        self.w = 0.0


class MCTSOpponent:
    """Plain UCT with one uniformly random rollout per new leaf: the "pure MCTS" baseline (OpenSpiel's MCTSBot).

    Each simulation descends by UCB1 (``w/n + c*sqrt(ln N/n)``, values from
    the view of the player choosing), expands one untried move, plays one
    random game to the end and backs the final returns up the path. The move
    played is the most visited child (ties to the lowest action). A fresh tree
    is built on every call; child states are stored in the nodes so no
    position is replayed. The tree's randomness is a ``random.Random`` seeded
    from ``rng``, which keeps the rollouts fast and the search reproducible.
    """

    def __init__(self, n_sims: int = 1000, c: float = 1.4, rollouts: str = "random"):
        if isinstance(n_sims, bool) or not isinstance(n_sims, (int, np.integer)) or n_sims < 1:
            raise ValueError(f"n_sims must be an integer >= 1, got {n_sims!r}")
        if not c >= 0:
            raise ValueError(f"c must be >= 0, got {c!r}")
        if rollouts != "random":
            raise ValueError(f"rollouts must be 'random' (the only rollout policy), got {rollouts!r}")
        self.n_sims, self.c, self.rollouts = int(n_sims), float(c), rollouts

    def __repr__(self) -> str:
        return f"MCTSOpponent(n_sims={self.n_sims}, c={self.c})"

    def __call__(self, state, rng: np.random.Generator) -> int:
        legal = state.legal_actions()
        if len(legal) == 1:
            return legal[0]
        root = self.search(state, rng)
        best = max(root.children, key=lambda ch: (ch.n, -ch.action))
        return best.action

    def search(self, state, rng: np.random.Generator) -> _Node:
        """Run ``n_sims`` simulations from ``state``; the root node, with its children's visit counts."""
        r = random.Random(int(rng.integers(2**63)))
        shuffle, rand = r.shuffle, r.random
        c, log, sqrt = self.c, math.log, math.sqrt
        root = _Node(state.clone(), -1, -1, shuffle)
        for _ in range(self.n_sims):
            node, path = root, [root]
            # select: fully expanded, non-terminal nodes
            while not node.untried and node.children:
                scale = c * sqrt(log(node.n))
                best, best_score = None, -math.inf
                for ch in node.children:
                    score = ch.w / ch.n + scale / sqrt(ch.n)
                    if score > best_score:
                        best, best_score = ch, score
                node = best
                path.append(node)
            # expand one move
            if node.untried:
                a = node.untried.pop()
                child_state = node.state.clone()
                child_state.apply(a)
                child = _Node(child_state, a, node.state.current_player(), shuffle)
                node.children.append(child)
                path.append(child)
                node = child
            # one random rollout (none needed from a terminal node)
            if node.untried:
                s = node.state.clone()
                moves = node.untried
                while moves:
                    s.apply(moves[int(rand() * len(moves))])
                    moves = s.legal_actions()
                returns = s.returns().tolist()
            else:
                returns = node.state.returns().tolist()
            for n in path:
                n.n += 1
                if n.actor >= 0:
                    n.w += returns[n.actor]
        return root


class PerfectOpponent:
    """Plays a uniformly random move among those of best exact value (``mathrl.envs.games.solvers``).

    Only for games a built-in solver handles (tic-tac-toe, small Connect Four
    boards): ``ValueError`` at construction when ``game`` is given, else at the
    first move.
    """

    def __init__(self, game=None):
        self._checked = None
        if game is not None:
            self._check(game)

    def __repr__(self) -> str:
        return "PerfectOpponent()"

    def _check(self, game) -> None:
        from mathrl.envs.games import solvers

        if not solvers.supports(game):
            raise ValueError(f"PerfectOpponent: no built-in solver handles {game!r} "
                             "(tic-tac-toe and small Connect Four boards only)")
        self._checked = game

    def __call__(self, state, rng: np.random.Generator) -> int:
        from mathrl.envs.games import solvers

        if self._checked != state.game:
            self._check(state.game)
        values = np.asarray(solvers.action_values(state), dtype=np.float64)
        best = np.flatnonzero(values == np.nanmax(values))
        return int(best[int(rng.integers(len(best)))]) if len(best) > 1 else int(best[0])


OPPONENT_CHOICES = ("random", "lookahead", "mcts", "mcts:N", "perfect", "solver", "pretrained", "agent:PATH")


def make_opponent(spec, game=None):
    """An opponent from a name (see ``OPPONENT_CHOICES``); callables pass through unchanged.

    ``"mcts:N"`` is MCTS with ``N`` simulations (plain ``"mcts"``: 1000);
    ``"solver"`` is an alias of ``"perfect"``, checked against ``game`` here.
    """
    if callable(spec):
        return spec
    if not isinstance(spec, str):
        raise ValueError(f"opponent must be a name ({', '.join(OPPONENT_CHOICES)}) or a callable, got {spec!r}")
    name = spec.strip().lower()
    if name == "random":
        return RandomOpponent()
    if name == "lookahead":
        return OneStepLookahead()
    if name == "mcts":
        return MCTSOpponent()
    if name.startswith("mcts:"):
        try:
            n_sims = int(name[5:])
        except ValueError:
            n_sims = 0
        if n_sims < 1:
            raise ValueError(f"opponent {spec!r}: 'mcts:N' needs a number of simulations N >= 1")
        return MCTSOpponent(n_sims)
    if name in ("perfect", "solver"):
        return PerfectOpponent(game)
    if name == "pretrained" or name.startswith("agent:"):
        return _agent_opponent(spec.strip(), game)
    raise ValueError(f"unknown opponent {spec!r}; choose one of {', '.join(OPPONENT_CHOICES)} or pass a callable")


def _agent_opponent(spec: str, game):
    """"pretrained" (the shipped AlphaZero agent for ``game``) and "agent:PATH" (an AlphaZero or PPO agent file).

    The games know nothing of the agents: the loader comes from the registry in
    :mod:`mathrl.plugins`, filled by the agents' side.
    """
    from mathrl.plugins import get_loader

    return get_loader("opponent", "pretrained" if spec == "pretrained" else "agent")(spec, game)


def play_move(opponent, state, rng: np.random.Generator) -> int:
    """Ask ``opponent`` for a move on a copy of ``state`` (so it cannot disturb the game) and check it is legal."""
    action = as_action(opponent(state.clone(), rng))
    if not (0 <= action < state.num_actions and state.action_mask()[action]):
        raise RuntimeError(f"opponent {opponent!r} chose illegal action {action} (legal: {state.legal_actions()})")
    return action
