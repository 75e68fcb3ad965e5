"""Graded family graded(a, b, sigma), the cell orders and Simpson's published proof sizes.

Uses a minimal depth-first proof counter of its own (the real runner lives in
mathrl.envs.semigroups.proof).
"""

from __future__ import annotations

import itertools
from collections import Counter
from itertools import combinations_with_replacement, permutations

import numpy as np
import pytest

from mathrl.envs.semigroups import graded as G
from mathrl.envs.semigroups.graded import (GradedProblem, instances, instances_bruteforce, over_half_zero,
                                           phi_matrix)
from mathrl.envs.semigroups.orders import benchmark_order, lex_order, paper_order
from mathrl.envs.semigroups.problem import ACTIVE, DONE, IMPOSSIBLE, make_node

BACKENDS = ["numpy"] + (["numba"] if G._fast_available() else [])


# --------------------------------------------------------------------------------------
# A minimal DFS proof counter
# --------------------------------------------------------------------------------------

def order_policy(order):
    order = np.asarray(order)

    def pick(problem, node):
        av = problem.available(node)
        return int(order[av[order]][0])

    return pick


def random_policy(seed):
    rng = np.random.default_rng(seed)

    def pick(problem, node):
        return int(rng.choice(np.flatnonzero(problem.available(node))))

    return pick


def dfs_prove(problem, policy=None, collect=False):
    """Depth-first proof. Returns {root: [passive, done, impossible]} and, if collect, the done leaves per root."""
    policy = policy or order_policy(benchmark_order(problem.N))
    per, leaves = {}, {}
    for root in problem.roots():
        c = [0, 0, 0]
        got = []
        stack = [root]
        while stack:
            node = stack.pop()
            if node.status == DONE:
                c[1] += 1
                if collect:
                    got.append(node)
                continue
            if node.status == IMPOSSIBLE:
                c[2] += 1
                continue
            c[0] += 1
            kids = problem.children(node, policy(problem, node))
            for k, st in kids:
                assert st == k.status and k.depth == node.depth + 1 and k.root == node.root
            stack.extend(k for k, _ in reversed(kids))
        per[root.root] = c
        leaves[root.root] = got
    return (per, leaves) if collect else per


def totals(per):
    return [sum(v[i] for v in per.values()) for i in range(3)]


# --------------------------------------------------------------------------------------
# Orders: Simpson's benchmark order and his paper's order
# --------------------------------------------------------------------------------------

BENCH = {
    2: "(0,0) (1,1) (1,0) (0,1)",
    3: "(0,0) (1,1) (1,0) (0,1) (2,2) (0,2) (1,2) (2,0) (2,1)",
    4: "(0,0) (1,1) (1,0) (0,1) (2,2) (0,2) (0,3) (1,2) (1,3) (2,0) (2,1) (2,3) (3,0) (3,1) (3,2) (3,3)",
    5: "(0,0) (1,1) (1,0) (0,1) (2,2) (0,2) (0,3) (0,4) (1,2) (1,3) (1,4) (2,0) (2,1) (2,3) (2,4) (3,0) (3,1) "
       "(3,2) (3,3) (3,4) (4,0) (4,1) (4,2) (4,3) (4,4)",
}


def _cells(text, N):
    return tuple(int(c[1]) * N + int(c[3]) for c in text.split())


@pytest.mark.parametrize("N", [2, 3, 4, 5])
def test_benchmark_order_explicit(N):
    assert benchmark_order(N) == _cells(BENCH[N], N)
    assert isinstance(benchmark_order(N), tuple)


@pytest.mark.parametrize("N", [2, 3, 4, 5, 6])
def test_paper_order(N):
    po = paper_order(N)
    head = tuple(x * N + y for x, y in [(0, 0), (1, 1), (1, 0), (0, 1)])
    assert po[:4] == head
    assert po[4:] == tuple(c for c in range(N * N) if c not in head)
    assert sorted(benchmark_order(N)) == list(range(N * N)) == sorted(po)
    if N == 2:
        assert po == benchmark_order(2)
    else:  # the only difference is where (2,2) goes
        bo = list(benchmark_order(N))
        c22 = 2 * N + 2
        assert bo.index(c22) == 4
        assert [c for c in bo if c != c22] == [c for c in po if c != c22]
    assert lex_order(N) == tuple(range(N * N))


# --------------------------------------------------------------------------------------
# Instances: phi up to relabelling A and B
# --------------------------------------------------------------------------------------

A028657 = {
    (2, 2): 7, (2, 3): 13, (2, 4): 22, (2, 5): 34, (2, 6): 50,
    (3, 2): 13, (3, 3): 36, (3, 4): 87, (3, 5): 190, (3, 6): 386,
    (4, 2): 22, (4, 3): 87, (4, 4): 317, (4, 5): 1053, (4, 6): 3250,
    (5, 2): 34, (5, 3): 190, (5, 4): 1053, (5, 5): 5624,
    (6, 2): 50, (6, 3): 386, (6, 4): 3250,
}


@pytest.mark.parametrize("ab", sorted(A028657))
def test_instance_counts(ab):
    sig = instances(*ab)
    assert len(sig) == A028657[ab]
    assert sig == sorted(sig) and len(set(sig)) == len(sig)
    assert sig[0] == (0,) * ab[1] and sig[-1] == ((1 << ab[0]) - 1,) * ab[1]
    assert all(list(t) == sorted(t) for t in sig)


def test_sigma_32_full():
    assert instances(3, 2) == [(0, 0), (0, 1), (0, 3), (0, 7), (1, 1), (1, 2), (1, 3), (1, 6), (1, 7),
                               (3, 3), (3, 5), (3, 7), (7, 7)]
    rows = ["00/00/00", "01/00/00", "01/01/00", "01/01/01", "11/00/00", "10/01/00", "11/01/00",
            "10/01/01", "11/01/01", "11/11/00", "11/10/01", "11/11/01", "11/11/11"]
    for s, text in enumerate(rows):
        phi = phi_matrix(3, 2, instances(3, 2)[s])
        assert "/".join("".join(str(v) for v in row) for row in phi) == text


def test_sigma_small_fixed_points():
    assert instances(2, 2) == [(0, 0), (0, 1), (0, 3), (1, 1), (1, 2), (1, 3), (3, 3)]
    assert instances(4, 2)[5] == (1, 1)
    phi = phi_matrix(4, 2, instances(4, 2)[5])
    assert phi.tolist() == [[1, 1], [0, 0], [0, 0], [0, 0]]


@pytest.mark.parametrize("ab", [(2, 2), (2, 5), (3, 3), (3, 4), (4, 3), (4, 2)])
def test_instances_match_definition(ab):
    assert instances(*ab) == instances_bruteforce(*ab)


def _instances_vectorised_definition(a, b):
    """The definition of Sigma(a, b), vectorised over S_a: lex-min over all g of the re-sorted permuted tuple."""
    q = 1 << a
    tup = np.array(list(combinations_with_replacement(range(q), b)), dtype=np.int64)
    w = q ** np.arange(b - 1, -1, -1, dtype=np.int64)
    best = tup @ w
    for g in permutations(range(a)):
        best = np.minimum(best, np.sort(G._bit_permutation_table(a, g)[tup], axis=1) @ w)
    reps = np.unique(best)
    return [tuple(int((e // q ** (b - 1 - j)) % q) for j in range(b)) for e in reps]


@pytest.mark.parametrize("ab", [(5, 2), (5, 3), (5, 4), (6, 2), (6, 3)])
def test_instances_match_definition_vectorised(ab):
    assert instances(*ab) == _instances_vectorised_definition(*ab)


@pytest.mark.slow
@pytest.mark.parametrize("ab", [(5, 5), (6, 4)])
def test_instances_match_definition_vectorised_big(ab):
    assert instances(*ab) == _instances_vectorised_definition(*ab)


def test_over_half_zero():
    flags = [over_half_zero(3, 2, s) for s in range(13)]
    # b = 2: over-half-zero iff both columns are zero, i.e. sigma = 0 only
    assert flags == [True] + [False] * 12
    assert over_half_zero(4, 5, 0) and not over_half_zero(4, 5, len(instances(4, 5)) - 1)


# --------------------------------------------------------------------------------------
# Construction and the node interface
# --------------------------------------------------------------------------------------

def test_bad_parameters():
    for a, b in [(1, 2), (2, 1), (7, 2), (2, 7), (5, 6), (6, 5), (3, 0)]:
        with pytest.raises(ValueError, match="supported range"):
            GradedProblem(a, b)
    for sigma in [13, -1, [0, 13], range(12, 14)]:
        with pytest.raises(ValueError, match="out of range"):
            GradedProblem(3, 2, sigma)
    with pytest.raises(ValueError):
        GradedProblem(3, 2, "some")
    with pytest.raises(ValueError):
        GradedProblem(3, 2, [])


@pytest.mark.parametrize("backend", BACKENDS)
def test_roots_shapes_and_observe(backend):
    P = GradedProblem(3, 2, [9, 1, 4], backend=backend)
    assert (P.N, P.K) == (3, 3)
    roots = P.roots()
    assert [r.root for r in roots] == [1, 4, 9]
    for r in roots:
        m, l, r_, t = r.tensors
        assert m.shape == (3, 3, 3) and l.shape == (3, 3, 2) and r_.shape == (3, 3, 2) and t.shape == (3, 3, 3, 2)
        assert all(v.dtype == bool and not v.flags.writeable for v in r.tensors)
        assert r.depth == 0
        obs = P.observe(r)
        assert set(obs) == {"cand", "left", "right", "ternary"}
        assert all(o.dtype == np.int8 for o in obs.values())
        assert np.array_equal(obs["cand"], m.astype(np.int8))
        # l is phi_sigma exactly, with phi(x, 0_B) = 0; psi(0_B, z) = 0
        phi = P.phi(r.root)
        assert np.array_equal(l[:, :2, 1], phi == 1) and np.array_equal(l[:, :2, 0], phi == 0)
        assert l[:, 2, 0].all() and not l[:, 2, 1].any()
        assert r_[2, :, 0].all() and not r_[2, :, 1].any()
    assert P.roots()[0].key == roots[0].key
    # 'all', range and list
    assert [r.root for r in GradedProblem(3, 2, range(2, 5)).roots()] == [2, 3, 4]
    assert len(GradedProblem(3, 2).roots()) == 13


@pytest.mark.parametrize("backend", BACKENDS)
def test_children_order_and_keys(backend):
    P = GradedProblem(3, 2, 3, backend=backend)
    root = P.roots()[0]
    assert root.status == ACTIVE
    cell = int(np.flatnonzero(P.available(root))[0])
    x, y = divmod(cell, 3)
    kids = P.children(root, cell)
    vals = np.flatnonzero(root.cand[x, y])
    assert len(kids) == len(vals)
    for (k, st), v in zip(kids, vals):
        assert k.cand[x, y].sum() <= 1 and (st == IMPOSSIBLE or k.cand[x, y, v])
        assert (k.cand <= root.cand).all()
        # the batched key construction agrees with make_node
        assert make_node(k.tensors, k.status, k.root, k.depth).key == k.key
    # batched entry point equals one-by-one
    many = P.children_many([(root, cell), (root, int(np.flatnonzero(P.available(root))[1]))])
    assert [k.key for k, _ in many[0]] == [k.key for k, _ in kids]
    with pytest.raises(ValueError):
        P.children(root, 99)


# --------------------------------------------------------------------------------------
# Simpson's published proof sizes (benchmark order)
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_target_22_all(backend):
    assert totals(dfs_prove(GradedProblem(2, 2, "all", backend=backend)))[:2] == [51, 38]


PASSIVE_32 = [9, 45, 47, 53, 25, 5, 4, 5, 4, 15, 3, 10, 17]
DONE_32 = [1, 15, 21, 26, 11, 9, 5, 9, 5, 7, 3, 5, 3]


@pytest.mark.parametrize("backend", BACKENDS)
def test_target_32_per_sigma(backend):
    per = dfs_prove(GradedProblem(3, 2, "all", backend=backend))
    assert [per[s][0] for s in range(13)] == PASSIVE_32
    assert [per[s][1] for s in range(13)] == DONE_32
    assert totals(per)[:2] == [242, 120]


@pytest.mark.parametrize("backend", BACKENDS)
def test_target_42_sigma5(backend):
    assert totals(dfs_prove(GradedProblem(4, 2, 5, backend=backend)))[:2] == [47, 15]


# --------------------------------------------------------------------------------------
# Backends agree bit for bit
# --------------------------------------------------------------------------------------

def _random_batch(a, b, n, rng, density):
    P = b + 1
    m = rng.random((n, a, a, P)) < density
    l = rng.random((n, a, P, 2)) < density + 0.1
    r = rng.random((n, P, a, 2)) < density + 0.1
    t = rng.random((n, a, a, a, 2)) < density + 0.2
    return m, l, r, t


@pytest.mark.skipif(not G._fast_available(), reason="numba not installed")
@pytest.mark.parametrize("ab", [(2, 2), (3, 2), (4, 3), (3, 4)])
def test_numba_matches_numpy_random_states(ab):
    rng = np.random.default_rng(sum(ab))
    for density in (0.5, 0.7, 0.9, 1.0):
        batch = _random_batch(*ab, 64, rng, density)
        a_np = G.propagate_numpy(*batch)
        a_nb = G.propagate_fast(*batch)
        for u, v in zip(a_np, a_nb):
            assert np.array_equal(u, v)
        ones = rng.integers(0, 6, size=64)
        for pf, hf in itertools.product([False, True], repeat=2):
            assert G.classify_batch(*a_np, ones, pf, hf) == G.classify_fast(*a_nb, ones, pf, hf)


@pytest.mark.skipif(not G._fast_available(), reason="numba not installed")
def test_numba_matches_numpy_proof_lockstep():
    """Same trees, node by node (keys and statuses), for (3,2) all sigma and filters on and off."""
    for pf in (True, False):
        Pn = GradedProblem(3, 2, "all", profile_filter=pf, halfones_filter=pf, backend="numpy")
        Pf = GradedProblem(3, 2, "all", profile_filter=pf, halfones_filter=pf, backend="numba")
        pick = order_policy(benchmark_order(3))
        stack = list(zip(Pn.roots(), Pf.roots()))
        seen = 0
        while stack and seen < 3000:
            u, v = stack.pop()
            assert u.key == v.key and u.status == v.status
            seen += 1
            if u.status != ACTIVE:
                continue
            c = pick(Pn, u)
            stack.extend(zip([k for k, _ in Pn.children(u, c)], [k for k, _ in Pf.children(v, c)]))


def test_propagation_idempotent_and_schedule_free():
    """Propagating a propagated node again changes nothing; a batch gives the same as one-by-one."""
    P = GradedProblem(3, 2, "all", backend="numpy")
    per, leaves = dfs_prove(P, collect=True)
    nodes = [n for s in leaves for n in leaves[s]][:40]
    batch = [np.stack([n.tensors[q] for n in nodes]) for q in range(4)]
    again = G.propagate_numpy(*batch)
    for u, v in zip(batch, again):
        assert np.array_equal(u, v)
    rng = np.random.default_rng(3)
    rb = _random_batch(3, 2, 16, rng, 0.8)
    whole = G.propagate_numpy(*rb)
    for k in range(16):
        one = G.propagate_numpy(*(v[k:k + 1] for v in rb))
        for u, v in zip(whole, one):
            assert np.array_equal(u[k], v[0])


# --------------------------------------------------------------------------------------
# Soundness: with both filters off, done leaves are exactly the mu admitting a psi
# --------------------------------------------------------------------------------------

def _admissible_mu(a, b, phi):
    """All mu: AxA -> B0 with some psi: B0xA -> I0 (psi(0_B, .) = 0) such that psi(mu(x,y),z) = phi(x,mu(y,z))."""
    P = b + 1
    mus = np.array(list(itertools.product(range(P), repeat=a * a)), dtype=np.int64).reshape(-1, a, a)
    phiext = np.zeros((a, P), dtype=np.int64)
    phiext[:, :b] = phi
    xs = np.arange(a)
    # rhs[T, x, y, z] = phi(x, mu(y, z))
    rhs = phiext[xs[:, None, None], mus[:, None, :, :]]
    ok = np.zeros(len(mus), dtype=bool)
    for bits in itertools.product((0, 1), repeat=b * a):
        psi = np.zeros((P, a), dtype=np.int64)
        psi[:b] = np.array(bits).reshape(b, a)
        lhs = psi[mus[:, :, :, None], xs[None, None, None, :]]  # psi(mu(x,y), z)
        ok |= (lhs == rhs).all(axis=(1, 2, 3))
    return {m.tobytes() for m in mus[ok]}, int(ok.sum())


@pytest.mark.parametrize("ab,sigmas", [((2, 2), range(7)), ((3, 2), range(13))])
def test_soundness_done_leaves_are_the_solutions(ab, sigmas):
    a, b = ab
    P = GradedProblem(a, b, list(sigmas), profile_filter=False, halfones_filter=False)
    per, leaves = dfs_prove(P, collect=True)
    for s in sigmas:
        expected, count = _admissible_mu(a, b, P.phi(s))
        got = [np.argmax(n.cand, axis=2).astype(np.int64) for n in leaves[s]]
        assert all((n.cand.sum(axis=2) == 1).all() for n in leaves[s])
        got_keys = [g.tobytes() for g in got]
        assert len(got_keys) == len(set(got_keys))  # each solution exactly once
        assert set(got_keys) == expected, (ab, s)
        assert per[s][1] == count


# --------------------------------------------------------------------------------------
# I1 (invariant 1): done leaves do not depend on the cut policy; filters are switchable
# --------------------------------------------------------------------------------------

def _done_multiset(P, policy):
    per, leaves = dfs_prove(P, policy, collect=True)
    return Counter((s, n.cand.tobytes()) for s in leaves for n in leaves[s])


@pytest.mark.parametrize("ab,sigma,filters", [((3, 2), "all", True), ((3, 2), "all", False),
                                              ((4, 2), 5, True), ((2, 2), "all", True)])
def test_invariant_I1(ab, sigma, filters):
    P = GradedProblem(*ab, sigma, profile_filter=filters, halfones_filter=filters)
    N = P.N
    ref = _done_multiset(P, order_policy(benchmark_order(N)))
    assert ref
    policies = [order_policy(lex_order(N)), order_policy(paper_order(N)), random_policy(0), random_policy(1)]
    rng = np.random.default_rng(7)
    policies.append(order_policy(rng.permutation(N * N)))
    if filters is False and ab == (3, 2):
        policies = policies[:2] + policies[4:]  # keep the unfiltered run short
    for pol in policies:
        assert _done_multiset(P, pol) == ref


def test_filters_switchable():
    base = totals(dfs_prove(GradedProblem(3, 2)))
    assert base[:2] == [242, 120]
    no_prof = totals(dfs_prove(GradedProblem(3, 2, profile_filter=False)))
    no_half = totals(dfs_prove(GradedProblem(3, 2, halfones_filter=False)))
    none = totals(dfs_prove(GradedProblem(3, 2, profile_filter=False, halfones_filter=False)))
    assert no_half == [246, 148, 206]
    assert no_prof[0] > base[0] and none[1] > no_prof[1] > base[1] and no_half[1] > base[1]
    assert GradedProblem(3, 2, halfones_filter=False).halfones_filter is False
