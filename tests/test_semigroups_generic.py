"""The generic semigroup families ``all(n)`` and ``nilpotent(n, degree)``.

Oracles are independent of the propagation code: OEIS terms (A023814 labelled semigroups,
A027851 up to isomorphism, A001423 up to isomorphism or anti-isomorphism; A383871, A383885,
A383886 for nilpotent semigroups of degree 3), the closed form for A383871, and brute force
over every table of order n <= 3 (every zero-fixed table of order 4). Invariants: soundness
and idempotence of propagation, agreement of the numpy and numba backends node for node, I1
(the done leaves do not depend on the cut order) and I3 (each solution is one done leaf).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from mathrl.envs.semigroups import generic as G
from mathrl.envs.semigroups.generic import (AllSemigroups, NilpotentSemigroups, automorphism_count, canonical_codes,
                                            canonical_form, check_table, classify_batch, enumerate_semigroups,
                                            is_associative, iterate_done_leaves, nilpotency_degree, propagate_batch,
                                            table_of)
from mathrl.envs.semigroups.problem import ACTIVE, DONE, IMPOSSIBLE, Problem

A023814 = [1, 8, 113, 3492, 183732, 17061118]
A027851 = [1, 5, 24, 188, 1915, 28634]
A001423 = [1, 4, 18, 126, 1160, 15973]
A383871 = [0, 0, 6, 180, 11720, 3089250, 5944080072]
A383885 = [0, 0, 1, 9, 118, 4671]
A383886 = [0, 0, 1, 8, 84, 2660]

BACKENDS = ["numpy"] + (["numba"] if G.numba_available() else [])


def a383871_closed_form(n: int) -> int:
    """A383871 in closed form: a(n) = Σ_{m=2}^{k} C(n,m) m Σ_{i<m} (-1)^i C(m-1,i) (m-i)^{(n-m)^2},
    with k = ⌊n + 1/2 - √(n - 3/4)⌋."""
    k = math.floor(n + 0.5 - math.sqrt(n - 0.75))
    return sum(math.comb(n, m) * m * sum((-1) ** i * math.comb(m - 1, i) * (m - i) ** ((n - m) ** 2)
                                         for i in range(m))
               for m in range(2, k + 1))


def all_tables(n: int) -> np.ndarray:
    """Every table of order n, (n^(n^2), n, n)."""
    return np.array(list(itertools.product(range(n), repeat=n * n)), dtype=np.int64).reshape(-1, n, n)


def associative_tables(n: int) -> np.ndarray:
    T = all_tables(n)
    return T[G._assoc_batch(T)]


def as_set(tables) -> set:
    return {np.asarray(t, dtype=np.uint8).tobytes() for t in tables}


def leaves(problem, order=None) -> list:
    return [t.astype(np.uint8).tobytes() for t in iterate_done_leaves(problem, order=order)]


# ---------------------------------------------------------------------------------------------
# OEIS oracles
# ---------------------------------------------------------------------------------------------

def test_closed_form_matches_table():
    assert [a383871_closed_form(n) for n in range(1, 8)] == A383871


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_all_counts(n, backend):
    r = enumerate_semigroups(n, backend=backend)
    assert r["done_leaves"] == r["labeled"] == A023814[n - 1]
    assert r["iso"] == A027851[n - 1]
    assert r["iso_anti"] == A001423[n - 1]
    assert r["nodes"] >= 0 and r["seconds"] >= 0


@pytest.mark.slow
def test_all_counts_5():
    r = enumerate_semigroups(5)
    assert (r["done_leaves"], r["iso"], r["iso_anti"]) == (A023814[4], A027851[4], A001423[4])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_nilpotent_degree3_counts(n, backend):
    r = enumerate_semigroups(n, nilpotent=True, degree=3, backend=backend)
    assert r["labeled"] == A383871[n - 1] == a383871_closed_form(n)
    assert r["iso"] == A383885[n - 1]
    assert r["iso_anti"] == A383886[n - 1]


@pytest.mark.slow
def test_nilpotent_degree3_counts_6():
    r = enumerate_semigroups(6, nilpotent=True, degree=3)
    assert r["labeled"] == A383871[5] == a383871_closed_form(6)
    assert (r["iso"], r["iso_anti"]) == (A383885[5], A383886[5])


def test_labelled_count_from_classes_all4():
    """Σ n!/|Aut(T)| over the iso classes of all(4) gives back the number of done leaves."""
    T = np.stack(list(iterate_done_leaves(AllSemigroups(4))))
    codes, _ = canonical_codes(T, "iso")
    _, first = np.unique(codes, axis=0, return_index=True)
    assert sum(math.factorial(4) // automorphism_count(T[i]) for i in first) == len(T) == A023814[3]


# ---------------------------------------------------------------------------------------------
# brute force
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 2, 3])
def test_all_done_leaves_are_exactly_the_semigroups(n):
    brute = associative_tables(n)
    got = leaves(AllSemigroups(n))
    assert len(got) == len(set(got)) == A023814[n - 1]  # I3: each solution once
    assert set(got) == as_set(brute)


def _zero_fixed_tables(n: int) -> np.ndarray:
    """Every table of order n with 0 a zero."""
    inner = np.array(list(itertools.product(range(n), repeat=(n - 1) ** 2)), dtype=np.int64)
    T = np.zeros((len(inner), n, n), dtype=np.int64)
    T[:, 1:, 1:] = inner.reshape(-1, n - 1, n - 1)
    return T


@pytest.mark.parametrize("n", [2, 3, 4])
def test_nilpotent_done_leaves_brute_force(n):
    """Done leaves of nilpotent(n) = associative zero-fixed tables with x·y in {0} ∪ {z > max(x, y)}."""
    T = _zero_fixed_tables(n)
    T = T[G._assoc_batch(T)]
    x, y = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    allowed = (T == 0) | (T > np.maximum(x, y))
    T = T[allowed.all(axis=(1, 2))]
    assert all(nilpotency_degree(t) is not None for t in T)  # restriction + associativity => nilpotent
    assert set(leaves(NilpotentSemigroups(n))) == as_set(T)
    for d in range(1, n + 1):
        want = as_set(t for t in T if nilpotency_degree(t) == d)
        assert set(leaves(NilpotentSemigroups(n, degree=d))) == want


def test_nilpotent_classes_brute_force_4():
    """Every nilpotent semigroup of order 4 (zero anywhere) is counted by the restricted search."""
    Z = _zero_fixed_tables(4)  # 4^16 tables is too many: fix the zero at 0 and relabel
    Z = Z[G._assoc_batch(Z)]
    nil = [t for t in Z if nilpotency_degree(t) is not None]
    codes, _ = canonical_codes(np.stack(nil), "iso", fix_zero=True)
    brute_iso = len(np.unique(codes, axis=0))
    # labelled with zero anywhere: n * (number with zero at 0)
    brute_labelled = 4 * len(nil)
    r = enumerate_semigroups(4, nilpotent=True)
    assert r["iso"] == brute_iso
    assert r["labeled"] == brute_labelled


# ---------------------------------------------------------------------------------------------
# propagation: soundness, idempotence, backends
# ---------------------------------------------------------------------------------------------

def _random_nodes(rng, n, count, p_keep):
    M = rng.random((count, n, n, n)) < p_keep
    # keep most cells non-empty so that propagation has work to do
    for b in range(count):
        for x in range(n):
            for y in range(n):
                if not M[b, x, y].any() and rng.random() < 0.9:
                    M[b, x, y, rng.integers(n)] = True
    return M


@pytest.mark.parametrize("backend", BACKENDS)
def test_propagation_sound_and_complete_n3(backend):
    """Propagation never removes a value taken by an associative completion (n = 3, vs brute force)."""
    rng = np.random.default_rng(0)
    S = associative_tables(3)  # (113, 3, 3)
    onehot = np.eye(3, dtype=bool)[S]  # (113, 3, 3, 3)
    nodes = []
    for p in (0.5, 0.7, 0.85):
        nodes.append(_random_nodes(rng, 3, 300, p))
    # also partial nodes close to real semigroups (random supersets of a solution)
    base = onehot[rng.integers(len(S), size=300)]
    nodes.append(base | (rng.random(base.shape) < 0.4))
    M = np.concatenate(nodes)
    P, ok = propagate_batch(M, backend=backend)
    n_sol = 0
    for b in range(len(M)):
        sols = onehot[(onehot <= M[b]).all(axis=(1, 2, 3))]
        n_sol += len(sols)
        if len(sols):
            assert ok[b]
            assert (sols.any(axis=0) <= P[b]).all()  # sound: every used value survives
        else:
            # no solution: may or may not be detected; either way the result is a subset
            pass
        assert (P[b] <= M[b]).all()
        if not ok[b]:
            assert not P[b].any()
    assert n_sol > 100
    # idempotent
    P2, ok2 = propagate_batch(P, backend=backend)
    assert (P2 == P).all() and (ok2 == ok).all()


@pytest.mark.skipif(not G.numba_available(), reason="numba not installed")
@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_backends_agree_node_for_node(n):
    rng = np.random.default_rng(n)
    M = np.concatenate([_random_nodes(rng, n, 150, p) for p in (0.6, 0.8, 0.95)])
    Pa, oka = propagate_batch(M, backend="numpy")
    Pb, okb = propagate_batch(M, backend="numba")
    assert (oka == okb).all()
    assert (Pa == Pb).all()
    assert oka.any() and (~oka).any()


@pytest.mark.skipif(not G.numba_available(), reason="numba not installed")
def test_backends_agree_on_proof_tree():
    """Same passive count and the same nodes along a whole proof of nilpotent(5)."""
    ra = enumerate_semigroups(5, nilpotent=True, backend="numpy")
    rb = enumerate_semigroups(5, nilpotent=True, backend="numba")
    for k in ("labeled", "iso", "iso_anti", "done_leaves", "nodes"):
        assert ra[k] == rb[k]
    pa, pb = AllSemigroups(3, backend="numpy"), AllSemigroups(3, backend="numba")
    stack = [(pa.roots()[0], pb.roots()[0])]
    seen = 0
    while stack:
        a, b = stack.pop()
        assert a.key == b.key and a.status == b.status
        seen += 1
        if a.status != ACTIVE:
            continue
        cell = int(np.flatnonzero(pa.available(a))[0])
        stack.extend(zip([k for k, _ in pa.children(a, cell)], [k for k, _ in pb.children(b, cell)]))
    assert seen > 100


def test_rules_by_hand():
    """The root of all(n) is a fixpoint; a hand-made cut of all(2) keeps every solution."""
    n = 3
    root = AllSemigroups(n).roots()[0]
    assert root.status == ACTIVE and root.cand.all()
    M = np.ones((1, 2, 2, 2), dtype=bool)
    M[0, 0, 0] = [False, True]  # 0·0 = 1
    P, ok = propagate_batch(M, backend="numpy")
    T = associative_tables(2)
    sols = T[T[:, 0, 0] == 1]
    assert ok[0]
    assert (np.eye(2, dtype=bool)[sols].any(axis=0) <= P[0]).all()
    assert len(sols) >= 1


# ---------------------------------------------------------------------------------------------
# I1: the done leaves do not depend on the cut order
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [lambda: AllSemigroups(3), lambda: AllSemigroups(4),
                                  lambda: NilpotentSemigroups(5, degree=3), lambda: NilpotentSemigroups(5)])
def test_done_leaves_independent_of_cut_order(make):
    problem = make()
    N = problem.N
    rng = np.random.default_rng(7)
    orders = [None, np.arange(N * N)[::-1]] + [rng.permutation(N * N) for _ in range(3)]
    ref = None
    for order in orders:
        got = sorted(leaves(problem, order))
        assert len(got) == len(set(got))
        if ref is None:
            ref = got
        assert got == ref


def test_interface_dfs_matches_raw_dfs():
    """The ProofState walk (any Problem) yields the same leaves, in the same order, and counts as the raw-tensor one."""
    inner = NilpotentSemigroups(5, degree=3)

    class Wrapped(Problem):
        N = K = inner.N

        def roots(self):
            return inner.roots()

        def _children(self, node, x, y):
            return inner._children(node, x, y)

    s1, s2 = {}, {}
    a = [t.tobytes() for t in iterate_done_leaves(inner, stats=s1)]
    b = [t.tobytes() for t in iterate_done_leaves(Wrapped(), stats=s2)]
    assert a == b and s1 == s2


# ---------------------------------------------------------------------------------------------
# the Problem interface
# ---------------------------------------------------------------------------------------------

def test_problem_interface_all():
    p = AllSemigroups(3)
    assert (p.N, p.K) == (3, 3)
    roots = p.roots()
    assert len(roots) == 1 and roots[0].status == ACTIVE and roots[0].depth == 0
    r = roots[0]
    assert p.available(r).all()
    obs = p.observe(r)
    assert set(obs) == {"cand"} and obs["cand"].dtype == np.int8 and obs["cand"].shape == (3, 3, 3)
    kids = p.children(r, 4)  # cell (1, 1)
    assert len(kids) == 3
    for v, (k, st) in enumerate(kids):
        assert st == k.status and k.depth == 1
        assert k.cand[1, 1].tolist() == [w == v for w in range(3)] or st == IMPOSSIBLE
        with pytest.raises(ValueError):
            k.cand[0, 0, 0] = False  # immutable
    with pytest.raises(ValueError):
        p.children(kids[0][0], 4)  # cell (1,1) no longer available
    # children partition the solutions
    total = 0
    for k, st in kids:
        if st != IMPOSSIBLE:
            total += sum(1 for _ in iterate_done_leaves(_Sub(p, k)))
    assert total == 113


class _Sub(AllSemigroups):
    """all(n) rooted at a given node (for partition checks)."""

    def __init__(self, parent, node):
        super().__init__(parent.n, parent.backend)
        self._root_cache = node


def test_problem_interface_nilpotent_root():
    p = NilpotentSemigroups(5, degree=3)
    r = p.roots()[0]
    assert p.name == "nilpotent(5, degree=3)"
    M0 = p._root_tensor()
    assert M0[0, :, 0].all() and not M0[0, :, 1:].any() and not M0[:, 0, 1:].any()
    assert M0[1, 1].tolist() == [True, False, True, True, True]
    assert M0[1, 2].tolist() == [True, False, False, True, True]
    assert M0[4, 1].tolist() == [True, False, False, False, False]
    assert (r.cand <= M0).all()
    assert NilpotentSemigroups(1).roots()[0].status == DONE  # trivial semigroup, degree 1
    assert NilpotentSemigroups(1, degree=2).roots()[0].status == IMPOSSIBLE
    assert NilpotentSemigroups(2, degree=2).roots()[0].status == DONE  # zero semigroup
    assert AllSemigroups(1).roots()[0].status == DONE


def test_bad_parameters():
    for bad in (0, -1, 2.5, True, "3", None):
        with pytest.raises(ValueError):
            AllSemigroups(bad)
        with pytest.raises(ValueError):
            NilpotentSemigroups(bad)
    for bad in (0, -2, 1.5, True, "3"):
        with pytest.raises(ValueError):
            NilpotentSemigroups(4, degree=bad)
    with pytest.raises(ValueError):
        AllSemigroups(3, backend="cuda")
    with pytest.raises(ValueError):
        enumerate_semigroups(3, degree=2)
    with pytest.raises(ValueError):
        canonical_form(np.zeros((2, 2), dtype=int), group="anti")
    with pytest.raises(ValueError):
        list(iterate_done_leaves(AllSemigroups(2), order=[0, 1, 2]))


# ---------------------------------------------------------------------------------------------
# the done-leaf check
# ---------------------------------------------------------------------------------------------

def test_check_table_raises_on_broken_tables():
    good = np.array([[0, 0], [0, 1]])
    check_table(good)
    check_table(good, zero=True)
    broken = np.array([[1, 1], [0, 0]])  # (0·0)·0 = 1·0 = 0, 0·(0·0) = 0·1 = 1
    assert not is_associative(broken)
    with pytest.raises(RuntimeError):
        check_table(broken)
    left_zero = np.array([[0, 0], [1, 1]])  # associative, but 0 is not a zero
    check_table(left_zero)
    with pytest.raises(RuntimeError):
        check_table(left_zero, zero=True)
    # a "done" node built from a broken table must raise in the status computation, never be a status
    M = np.eye(2, dtype=bool)[broken][None]
    with pytest.raises(RuntimeError):
        classify_batch(M, np.array([True]))
    M = np.eye(2, dtype=bool)[left_zero][None]
    assert classify_batch(M, np.array([True])) == [DONE]
    with pytest.raises(RuntimeError):
        classify_batch(M, np.array([True]), zero=True)


def test_nilpotency_degree():
    assert nilpotency_degree(np.zeros((1, 1), dtype=int)) == 1
    for n in (2, 3, 5):
        assert nilpotency_degree(np.zeros((n, n), dtype=int)) == 2
    assert nilpotency_degree(np.array([[0, 0], [1, 1]])) is None
    # cyclic nilpotent a, a^2, a^3 = 0: elements 0, 1=a, 2=a^2
    T = np.array([[0, 0, 0], [0, 2, 0], [0, 0, 0]])
    assert nilpotency_degree(T) == 3


# ---------------------------------------------------------------------------------------------
# canonical forms
# ---------------------------------------------------------------------------------------------

def _relabel(T, g):
    inv = np.argsort(g)
    return g[T[np.ix_(inv, inv)]]


def test_canonical_form_invariance():
    rng = np.random.default_rng(3)
    S = associative_tables(3)
    for T in S[rng.choice(len(S), 20, replace=False)]:
        c = canonical_form(T)
        ca = canonical_form(T, "iso_anti")
        assert len(c) == 9 and ca <= c
        for g in itertools.permutations(range(3)):
            U = _relabel(T, np.array(g))
            assert is_associative(U)
            assert canonical_form(U) == c
            assert canonical_form(U.T, "iso_anti") == ca
        # canonical form is the smallest flattening and is itself an image
        assert c <= np.asarray(T, dtype=np.uint8).tobytes()
        assert canonical_form(np.frombuffer(c, dtype=np.uint8).reshape(3, 3).astype(int)) == c


def test_canonical_codes_match_canonical_form():
    T = associative_tables(3)
    codes, aut = canonical_codes(T, "iso")
    codes_a, _ = canonical_codes(T, "iso_anti")
    forms = [canonical_form(t) for t in T]
    forms_a = [canonical_form(t, "iso_anti") for t in T]
    for i in range(len(T)):
        for j in range(len(T)):
            assert (forms[i] == forms[j]) == bool((codes[i] == codes[j]).all())
            assert (forms_a[i] == forms_a[j]) == bool((codes_a[i] == codes_a[j]).all())
        assert aut[i] == automorphism_count(T[i])
    assert len(set(forms)) == A027851[2] and len(set(forms_a)) == A001423[2]
    # order of the codes is the lexicographic order of the forms
    order_codes = sorted(range(len(T)), key=lambda i: tuple(codes[i]))
    assert [forms[i] for i in order_codes] == sorted(forms)


def test_automorphisms():
    n = 4
    left_zero = np.repeat(np.arange(n)[:, None], n, axis=1)  # x·y = x
    assert automorphism_count(left_zero) == math.factorial(n)
    null = np.zeros((n, n), dtype=int)
    assert automorphism_count(null) == math.factorial(n - 1)
    assert automorphism_count(null, fix_zero=True) == math.factorial(n - 1)
    # canonical form under the permutations fixing 0 keeps 0 a zero
    T = np.array([[0, 0, 0], [0, 2, 0], [0, 0, 0]])
    assert canonical_form(T, fix_zero=True) == bytes([0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert canonical_form(T) <= canonical_form(T, fix_zero=True)


def test_table_of():
    p = AllSemigroups(2)
    done = [t for t in iterate_done_leaves(p)]
    assert len(done) == 8
    M = np.eye(2, dtype=bool)[done[0]]
    assert (table_of(M) == done[0]).all()
    with pytest.raises(ValueError):
        table_of(p.roots()[0])
