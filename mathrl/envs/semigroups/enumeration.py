"""Enumerating the generic families: walk a depth-first proof and count its done leaves by class.

:func:`iterate_done_leaves` yields the complete table of every done leaf of a
proof; :func:`enumerate_semigroups` turns them into labelled counts and class
counts through canonical forms. The counts are checked against OEIS A023814
(labelled semigroups), A027851 (up to isomorphism), A001423 (up to
isomorphism or anti-isomorphism) and, for nilpotent semigroups of degree 3,
A383871, A383885 and A383886.

Orders beyond :data:`~mathrl.envs.semigroups.families.IN_REACH` (all(n) for
n > 5, nilpotent(n) for n > 6) are refused unless ``force=True``; with
``progress=True`` a bar on stderr counts the cuts (against the known total
where :data:`~mathrl.envs.semigroups.families.WALK_NODES` has it).
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np

from mathrl.envs.semigroups.canonical import canonical_codes
from mathrl.envs.semigroups.families import (WALK_NODES, AllSemigroups, NilpotentSemigroups, _GenericProblem,
                                             check_in_reach)
from mathrl.envs.semigroups.problem import ACTIVE, DONE, IMPOSSIBLE, Problem
from mathrl.envs.semigroups.state import ProofState
from mathrl.envs.semigroups.tables import table_of

__all__ = ["iterate_done_leaves", "enumerate_semigroups"]


def _first_available(avail: np.ndarray, order: np.ndarray) -> int:
    """The first cell of ``order`` that ``avail`` (bool[N*N]) marks available."""
    return int(order[int(np.argmax(avail[order]))])


def iterate_done_leaves(problem: Problem, order=None, stats: dict | None = None):
    """Yield the table (n, n) int of every done leaf of a depth-first proof of ``problem``.

    The cut policy is "first available cell in ``order``" (a permutation of the N*N cells;
    default row-major). ``stats``, if given, receives ``nodes`` (passive nodes), ``done``
    and ``impossible`` leaf counts, updated as the walk goes.

    The walk is the :class:`~mathrl.envs.semigroups.state.ProofState` traversal: leaves are
    yielded as their cut creates them, active children are cut smallest value first. For
    the generic families the same walk runs on raw tensors instead, because an enumeration
    makes up to millions of nodes and building a :class:`Node` for each (freezing the
    tensor, hashing its key) costs about a third more time; a test pins that both walks
    yield the same leaves in the same order with the same counts.
    """
    N = problem.N
    order = np.arange(N * N) if order is None else np.asarray(order, dtype=np.int64)
    if sorted(order.tolist()) != list(range(N * N)):
        raise ValueError("order must be a permutation of the cells 0..N*N-1")
    st = stats if stats is not None else {}
    st.setdefault("nodes", 0)
    st.setdefault("done", 0)
    st.setdefault("impossible", 0)
    if isinstance(problem, _GenericProblem):
        yield from _raw_walk(problem, order, st)
        return
    roots = problem.roots()
    for r in roots:
        if r.status == DONE:
            st["done"] += 1
            yield table_of(r)
        elif r.status == IMPOSSIBLE:
            st["impossible"] += 1
    state = ProofState(problem, roots)
    while not state.is_terminal():
        state.apply(_first_available(state.action_mask(), order))
        st["nodes"] += 1
        for k, s in state.last_children:
            if s == DONE:
                st["done"] += 1
                yield table_of(k)
            elif s == IMPOSSIBLE:
                st["impossible"] += 1


def _raw_walk(problem: _GenericProblem, order: np.ndarray, st: dict):
    """:func:`iterate_done_leaves` on bare cut tensors: the ProofState walk without Node objects."""
    root = problem.roots()[0]
    if root.status != ACTIVE:
        if root.status == DONE:
            st["done"] += 1
            yield table_of(root)
        else:
            st["impossible"] += 1
        return
    stack = [root.cand]
    while stack:
        M = stack.pop()
        st["nodes"] += 1
        x, y = divmod(_first_available((M.sum(axis=2) >= 2).reshape(-1), order), problem.N)
        kids, kst = problem.expand(M, x, y)
        active = []
        for i, s in enumerate(kst):
            if s == ACTIVE:
                active.append(kids[i])
            elif s == DONE:
                st["done"] += 1
                yield kids[i].argmax(axis=2).astype(np.int64)
            else:
                st["impossible"] += 1
        stack.extend(reversed(active))


def enumerate_semigroups(n: int, nilpotent: bool = False, degree: int | None = None, progress: bool = False,
                         order=None, backend: str = "auto", force: bool = False) -> dict:
    """Enumerate the done leaves of ``all(n)`` or ``nilpotent(n, degree)`` and count classes.

    Returns ``{"labeled", "iso", "iso_anti", "done_leaves", "nodes", "seconds"}``:

    * ``labeled``: for ``all(n)`` the number of done leaves (= labelled semigroups, OEIS
      A023814); for the nilpotent family Σ n!/|Aut(T)| over isomorphism classes, Aut taken
      inside S_n, i.e. the number of labelled semigroups with the zero anywhere (the symmetry
      breaking keeps only some labellings, so the leaves alone undercount; for degree 3 this is
      OEIS A383871);
    * ``iso`` / ``iso_anti``: number of classes up to isomorphism / isomorphism or anti-isomorphism
      (permutations fixing 0 for the nilpotent family); for ``all(n)`` OEIS A027851 / A001423;
    * ``nodes``: passive nodes of the depth-first proof (first available cell in ``order``).

    Orders out of reach (:func:`~mathrl.envs.semigroups.families.check_in_reach`) are a ValueError
    unless ``force``; ``progress`` shows a bar of cuts on stderr.
    """
    t0 = time.perf_counter()
    if degree is not None and not nilpotent:
        raise ValueError("degree is only meaningful for the nilpotent family")
    problem = NilpotentSemigroups(n, degree, backend=backend) if nilpotent else AllSemigroups(n, backend=backend)
    check_in_reach(problem.family, problem.n, force)
    from tqdm import tqdm

    stats: dict = {}
    tables = []
    total = WALK_NODES.get((problem.family, problem.n)) if order is None else None
    with tqdm(total=total, desc=problem.name, unit="cut", disable=not progress, file=sys.stderr) as bar:
        problem.on_cut = bar.update
        try:
            for T in iterate_done_leaves(problem, order=order, stats=stats):
                tables.append(T)
                if progress and len(tables) % 4096 == 0:
                    bar.set_postfix(done=len(tables), refresh=False)
        finally:
            problem.on_cut = None
        bar.set_postfix(done=len(tables), refresh=True)
    n = problem.n
    T = np.stack(tables) if tables else np.zeros((0, n, n), dtype=np.int64)
    fz = bool(nilpotent)
    if len(T):
        iso_codes, _ = canonical_codes(T, "iso", fix_zero=fz)
        uniq, first = np.unique(iso_codes, axis=0, return_index=True)
        n_iso = len(uniq)
        anti_codes, _ = canonical_codes(T[first], "iso_anti", fix_zero=fz)
        n_anti = len(np.unique(anti_codes, axis=0))
        if nilpotent:
            _, aut = canonical_codes(T[first], "iso", fix_zero=False)  # Aut inside S_n
            labeled = int(sum(math.factorial(n) // int(a) for a in aut))
        else:
            labeled = len(T)
    else:
        n_iso = n_anti = labeled = 0
    return {"labeled": labeled, "iso": int(n_iso), "iso_anti": int(n_anti), "done_leaves": int(stats["done"]),
            "nodes": int(stats["nodes"]), "seconds": time.perf_counter() - t0}
