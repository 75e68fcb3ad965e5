"""Simpson's graded 4-nilpotent family ``graded(a, b, sigma)``.

The setting of Simpson 2021 ("Learning proofs for the classification of
nilpotent semigroups", arXiv:2106.03015), whose proof sizes the tests
reproduce: a semigroup X = A ⊔ B ⊔ {c} ⊔ {0} of order a + b + 2, graded with
layers A (a elements), B (b elements) and {c}, with X⁴ = {0}. Writing
B⁰ = B ⊔ {0_B}, the only products that can be nonzero are mu: A x A -> B⁰
(the table the proof cuts), phi: A x B⁰ -> {0, c} and psi: B⁰ x A -> {0, c},
and associativity reduces to psi(mu(x,y), z) = phi(x, mu(y,z)) for x, y, z in
A; tau(x,y,z) names that common value (0 or c, written 0/1). An instance sigma
fixes phi on A x B up to permuting A and B.

A node is the quadruple (m, l, r, t) of boolean tensors:

* m (a, a, b+1): m[x,y,p] - mu(x,y) may be p (the cut tensor; index b is 0_B);
* l (a, b+1, 2): l[x,p,i] - phi(x,p) may be i;
* r (b+1, a, 2): r[p,z,i] - psi(p,z) may be i;
* t (a, a, a, 2): t[x,y,z,i] - tau(x,y,z) may be i.

Propagation applies three rules, all consequences of
psi(mu(x,y), z) = tau(x,y,z) = phi(x, mu(y,z)): T keeps a value of tau only if both
sides can take it; LR removes from phi(x,p) (psi(p,z)) a value that tau rules
out wherever mu(y,z) (mu(x,y)) is fixed to p; M removes p from mu(y,z) (mu(x,y))
when phi(x,p) (psi(p,z)) can take no value tau allows. It runs on a *batch* of
nodes at once: all siblings of a cut are propagated together, each rule being
a broadcast boolean contraction over the batch axis. Rule LR reads "fixed to p"
as "D(y,z) is contained in {p}", which is monotone (a smaller domain is fixed
wherever a larger one was), so every rule only removes candidates and the
result is the unique greatest fixpoint for every node, impossible ones
included: it does not depend on the batch a node is propagated in or on the
sweep schedule.

A compiled (numba) kernel computing the same fixpoint is used when numba is
importable; ``backend="numpy"`` forces the pure-numpy path. Both give
bit-identical nodes (tested).
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations_with_replacement, permutations

import numpy as np

from mathrl.compiled import numba_available
from mathrl.envs.semigroups.graded_kernels import classify_kernel, propagate_kernel
from mathrl.envs.semigroups.problem import ACTIVE, DONE, IMPOSSIBLE, Node, Problem

A_MIN, A_MAX, B_MIN, B_MAX, AB_MAX = 2, 6, 2, 6, 10


def _check_ab(a: int, b: int) -> None:
    if not (isinstance(a, (int, np.integer)) and isinstance(b, (int, np.integer))):
        raise ValueError(f"a and b must be integers, got a={a!r}, b={b!r}")
    if not (A_MIN <= a <= A_MAX and B_MIN <= b <= B_MAX and a + b <= AB_MAX):
        raise ValueError(
            f"graded (a, b) = ({a}, {b}) is outside the supported range "
            f"{A_MIN} <= a <= {A_MAX}, {B_MIN} <= b <= {B_MAX}, a + b <= {AB_MAX}")


# --------------------------------------------------------------------------------------
# Instances Sigma(a, b): phi up to relabelling A (S_a) and B (S_b)
# --------------------------------------------------------------------------------------

def _bit_permutation_table(a: int, g) -> np.ndarray:
    """code -> code of the column after the row permutation g (new row x = old row g(x))."""
    codes = np.arange(1 << a, dtype=np.int64)
    out = np.zeros_like(codes)
    for x in range(a):
        out |= ((codes >> g[x]) & 1) << x
    return out


@lru_cache(maxsize=None)
def instances(a: int, b: int) -> list[tuple[int, ...]]:
    """Sigma(a, b): the canonical sorted code tuples, one per S_a x S_b orbit, in increasing lex order.

    Orbits are the connected components of the graph on sorted code tuples whose
    edges are the adjacent transpositions of A (they generate S_a; permuting B is
    absorbed by sorting). The canonical tuple of an orbit is its lex-smallest
    member, i.e. its smallest index in the lex enumeration of sorted tuples.
    """
    _check_ab(a, b)
    q = 1 << a
    tuples = np.array(list(combinations_with_replacement(range(q), b)), dtype=np.int64)  # lex order
    n = len(tuples)
    weights = q ** np.arange(b - 1, -1, -1, dtype=np.int64)  # c_0 most significant
    enc = tuples @ weights  # strictly increasing with the index
    label = np.arange(n, dtype=np.int64)
    images = []
    for s in range(a - 1):
        g = list(range(a))
        g[s], g[s + 1] = g[s + 1], g[s]
        perm = _bit_permutation_table(a, g)
        img = np.sort(perm[tuples], axis=1) @ weights
        idx = np.searchsorted(enc, img)
        images.append(idx)  # involutions, so the graph is undirected already
    while True:  # min-label propagation with pointer jumping
        new = label.copy()
        for idx in images:
            np.minimum(new, new[idx], out=new)
        new = new[new]
        if np.array_equal(new, label):
            break
        label = new
    reps = np.unique(label)
    return [tuple(int(c) for c in tuples[i]) for i in reps]


def instances_bruteforce(a: int, b: int) -> list[tuple[int, ...]]:
    """Sigma(a, b) straight from the definition (all sorted tuples x all of S_a); for tests, small a."""
    q = 1 << a
    tables = [_bit_permutation_table(a, g) for g in permutations(range(a))]
    canon = set()
    for tup in combinations_with_replacement(range(q), b):
        arr = np.array(tup, dtype=np.int64)
        canon.add(min(tuple(int(c) for c in np.sort(tab[arr])) for tab in tables))
    return sorted(canon)


def phi_matrix(a: int, b: int, codes) -> np.ndarray:
    """The a x b 0/1 matrix phi of a code tuple: phi[x, j] = bit x of codes[j]."""
    codes = np.asarray(codes, dtype=np.int64)
    if codes.shape != (b,):
        raise ValueError(f"expected {b} codes, got {codes.shape}")
    return ((codes[None, :] >> np.arange(a)[:, None]) & 1).astype(np.int8)


def over_half_zero(a: int, b: int, sigma: int) -> bool:
    """True iff strictly more than b/2 columns of phi_sigma are zero (informational only: nothing filters on it)."""
    codes = instances(a, b)[sigma]
    return 2 * sum(1 for c in codes if c == 0) > b


# --------------------------------------------------------------------------------------
# Propagation (rules T, LR, M), numpy batch version
# --------------------------------------------------------------------------------------

def _sweep_numpy(m, l, r, t):
    """One sweep T, LR, M on batched tensors (in place semantics via returned arrays)."""
    # Rule T: t[x,y,z,i] &= (E p: m[y,z,p] & l[x,p,i]) & (E p: m[x,y,p] & r[p,z,i])
    left = (m[:, None, :, :, :, None] & l[:, :, None, None, :, :]).any(axis=4)  # B,x,y,z,i
    rT = r.transpose(0, 2, 1, 3)  # B,z,p,i
    right = (m[:, :, :, None, :, None] & rT[:, None, None, :, :, :]).any(axis=4)  # B,x,y,z,i
    t = t & left & right
    # Rule LR: F[y,z,p] = D(y,z) subset of {p}
    cnt = m.sum(axis=3, dtype=np.int8)
    fixed = (cnt[..., None] - m) == 0  # B,y,z,p
    nt = ~t
    l = l & ~(fixed[:, None, :, :, :, None] & nt[:, :, :, :, None, :]).any(axis=(2, 3))  # B,x,p,i
    rr = (fixed[:, :, :, None, :, None] & nt[:, :, :, :, None, :]).any(axis=(1, 2))  # B,z,p,i
    r = r & ~rr.transpose(0, 2, 1, 3)
    # Rule M
    ntf = nt[..., ::-1]
    nl = ~l
    kill1 = (nl[:, :, None, None, :, :] & ntf[:, :, :, :, None, :]).any(axis=(1, 5))  # B,y,z,p
    m = m & ~kill1
    nrT = ~r.transpose(0, 2, 1, 3)  # B,z,p,i
    kill2 = (nrT[:, None, None, :, :, :] & ntf[:, :, :, :, None, :]).any(axis=(3, 5))  # B,x,y,p
    m = m & ~kill2
    return m, l, r, t


def _mass(m, l, r, t):
    return (m.reshape(len(m), -1).sum(axis=1) + l.reshape(len(l), -1).sum(axis=1)
            + r.reshape(len(r), -1).sum(axis=1) + t.reshape(len(t), -1).sum(axis=1))


def propagate_numpy(m, l, r, t):
    """Propagate a batch (leading axis) to the greatest fixpoint of T, LR, M. Returns new arrays.

    Each element is swept until a whole sweep removes nothing (elements leave the batch then).
    """
    m, l, r, t = (np.array(v, dtype=bool, copy=True) for v in (m, l, r, t))
    todo = np.arange(m.shape[0])
    before = _mass(m, l, r, t)
    while len(todo):
        sm, sl, sr, st = _sweep_numpy(m[todo], l[todo], r[todo], t[todo])
        after = _mass(sm, sl, sr, st)
        m[todo], l[todo], r[todo], t[todo] = sm, sl, sr, st
        moved = after != before
        todo, before = todo[moved], after[moved]
    return m, l, r, t


# --------------------------------------------------------------------------------------
# Status, batched: empty domain or a filter -> impossible; mu complete -> done
# --------------------------------------------------------------------------------------

def classify_batch(m, l, r, t, phi_ones, profile_filter=True, halfones_filter=True) -> list[str]:
    """Statuses of a propagated batch; ``phi_ones`` (int or per-element array) is the number of ones of phi.

    Impossible: an empty domain, or one of Simpson's two filters.
    ``profile_filter``: two elements p of B⁰ whose profiles (phi's column p and
    psi's row p) are fully decided and equal: a "doubled" element, so the
    semigroup comes from one of smaller order. ``halfones_filter``: more
    entries of psi forced to 1 than phi has ones, half of the anti-isomorphism
    symmetry (the opposite semigroup swaps the roles of phi and psi). Done:
    every cell of mu decided (psi may stay partly open, as in the paper).
    Otherwise active.
    """
    B, a, _, P = m.shape
    empty = ((~m.any(axis=3)).any(axis=(1, 2)) | (~l.any(axis=3)).any(axis=(1, 2))
             | (~r.any(axis=3)).any(axis=(1, 2)) | (~t.any(axis=4)).any(axis=(1, 2, 3)))
    bad = empty.copy()
    if profile_filter:
        lsing = (l.sum(axis=3) == 1).all(axis=1)  # B,p
        rsing = (r.sum(axis=3) == 1).all(axis=2)  # B,p
        defined = lsing & rsing
        w = (1 << np.arange(2 * a, dtype=np.int64))
        prof = np.concatenate([l[:, :, :, 1].transpose(0, 2, 1), r[:, :, :, 1]], axis=2) @ w  # B,p
        prof = np.where(defined, prof, -1 - np.arange(P, dtype=np.int64)[None, :])
        s = np.sort(prof, axis=1)
        bad |= (s[:, 1:] == s[:, :-1]).any(axis=1)
    if halfones_filter:
        r1 = (r[..., 1] & ~r[..., 0]).sum(axis=(1, 2))
        bad |= r1 > np.asarray(phi_ones)
    done = (m.sum(axis=3) == 1).all(axis=(1, 2))
    return [IMPOSSIBLE if bad[k] else (DONE if done[k] else ACTIVE) for k in range(B)]


# --------------------------------------------------------------------------------------
# The problem
# --------------------------------------------------------------------------------------

def _nodes_from_batch(tensors, statuses, roots, depths) -> list[Node]:
    """Nodes for each batch element; same tensors, flags and key bytes as :func:`make_node` (tested)."""
    frozen = []
    packed = []
    for v in tensors:
        v = np.ascontiguousarray(v, dtype=bool)
        v.setflags(write=False)
        frozen.append(v)
        packed.append(np.packbits(v.reshape(v.shape[0], -1), axis=1))
    out = []
    for k in range(len(statuses)):
        key = b"|".join(pk[k].tobytes() for pk in packed)
        out.append(Node(tuple(v[k] for v in frozen), statuses[k], int(roots[k]), int(depths[k]), key))
    return out


def _parse_sigma(sigma, count: int, a: int, b: int) -> list[int]:
    if isinstance(sigma, str):
        if sigma != "all":
            raise ValueError(f"sigma must be 'all', an int, a list or a range, got {sigma!r}")
        return list(range(count))
    if isinstance(sigma, (int, np.integer)) and not isinstance(sigma, bool):
        sig = [int(sigma)]
    elif isinstance(sigma, (list, tuple, range, np.ndarray)):
        sig = [int(s) for s in sigma]
    else:
        raise ValueError(f"sigma must be 'all', an int, a list or a range, got {sigma!r}")
    for s in sig:
        if not 0 <= s < count:
            raise ValueError(f"sigma {s} out of range for graded ({a}, {b}): 0 <= sigma < {count}")
    if not sig:
        raise ValueError("sigma list is empty")
    return sorted(set(sig))


class GradedProblem(Problem):
    """graded(a, b, sigma): roots one per listed sigma (increasing), cuts on the cells of mu."""

    def __init__(self, a: int = 3, b: int = 2, sigma="all", profile_filter: bool = True,
                 halfones_filter: bool = True, backend: str = "auto"):
        _check_ab(a, b)
        self.a, self.b = int(a), int(b)
        self.N, self.K = self.a, self.b + 1
        self.instances = instances(self.a, self.b)
        self.sigmas = _parse_sigma(sigma, len(self.instances), self.a, self.b)
        self.profile_filter = bool(profile_filter)
        self.halfones_filter = bool(halfones_filter)
        if backend not in ("auto", "numpy", "numba"):
            raise ValueError(f"backend must be 'auto', 'numpy' or 'numba', got {backend!r}")
        if backend == "auto":
            backend = "numba" if _fast_available() else "numpy"
        elif backend == "numba" and not _fast_available():
            raise ValueError("backend='numba' needs numba installed")
        self.backend = backend
        self.name = f"graded({self.a},{self.b},sigma={sigma if isinstance(sigma, str) else self.sigmas})"
        self._phi_ones = {s: int(phi_matrix(self.a, self.b, self.instances[s]).sum()) for s in self.sigmas}

    # -- construction ------------------------------------------------------------
    def root_tensors(self, sigma: int):
        a, b = self.a, self.b
        P = b + 1
        phi = phi_matrix(a, b, self.instances[sigma])
        m = np.ones((a, a, P), dtype=bool)
        l = np.zeros((a, P, 2), dtype=bool)
        l[:, :b, 1] = phi == 1
        l[:, :b, 0] = phi == 0
        l[:, b, 0] = True
        r = np.ones((P, a, 2), dtype=bool)
        r[b, :, 1] = False
        t = np.ones((a, a, a, 2), dtype=bool)
        return m, l, r, t

    def roots(self) -> list[Node]:
        out = []
        for s in self.sigmas:
            m, l, r, t = self.root_tensors(s)
            out.extend(self._make_batch(m[None], l[None], r[None], t[None], s, 0))
        return out

    def _propagate(self, m, l, r, t):
        """Propagate fresh, writable, contiguous batch arrays (may work in place); returns the results."""
        if self.backend == "numba":
            propagate_kernel(m, l, r, t)
            return m, l, r, t
        return propagate_numpy(m, l, r, t)

    def _classify(self, m, l, r, t, phi_ones) -> list[str]:
        if self.backend == "numba":
            return classify_fast(m, l, r, t, phi_ones, self.profile_filter, self.halfones_filter)
        return classify_batch(m, l, r, t, phi_ones, self.profile_filter, self.halfones_filter)

    def _make_batch(self, m, l, r, t, root: int, depth: int) -> list[Node]:
        m, l, r, t = (np.array(v, dtype=bool, copy=True) for v in (m, l, r, t))
        m, l, r, t = self._propagate(m, l, r, t)
        st = self._classify(m, l, r, t, np.full(m.shape[0], self._phi_ones[root], dtype=np.int64))
        return _nodes_from_batch((m, l, r, t), st, [root] * len(st), [depth] * len(st))

    # -- cuts --------------------------------------------------------------------
    def _children(self, node: Node, x: int, y: int) -> list[Node]:
        return self._children_batch([(node, x, y)])[0]

    def _children_batch(self, cuts) -> list[list[Node]]:
        """Children of several cuts ``[(node, x, y), ...]`` propagated in one batch; one list per cut.

        Children of a cut come in increasing value order (0_B, index b, last).
        """
        sizes, vals_all = [], []
        for node, x, y in cuts:
            vals = np.flatnonzero(node.tensors[0][x, y])
            sizes.append(len(vals))
            vals_all.append(vals)
        sizes_arr = np.array(sizes, dtype=np.int64)
        owner = np.repeat(np.arange(len(cuts)), sizes_arr)
        if len(cuts) == 1:
            node = cuts[0][0]
            m, l, r, t = (np.repeat(v[None], sizes[0], axis=0) for v in node.tensors)
        else:
            m, l, r, t = (np.stack([c[0].tensors[q] for c in cuts])[owner] for q in range(4))
        start = 0
        for (node, x, y), k, vals in zip(cuts, sizes, vals_all):
            m[start:start + k, x, y, :] = False
            m[np.arange(start, start + k), x, y, vals] = True
            start += k
        m, l, r, t = self._propagate(m, l, r, t)
        roots = [cuts[o][0].root for o in owner]
        depths = [cuts[o][0].depth + 1 for o in owner]
        st = self._classify(m, l, r, t, np.array([self._phi_ones[s] for s in roots], dtype=np.int64))
        nodes = _nodes_from_batch((m, l, r, t), st, roots, depths)
        out, start = [], 0
        for k in sizes:
            out.append(nodes[start:start + k])
            start += k
        return out

    # -- views -------------------------------------------------------------------
    def observe(self, node: Node) -> dict:
        m, l, r, t = node.tensors
        return {"cand": m.astype(np.int8), "left": l.astype(np.int8),
                "right": r.astype(np.int8), "ternary": t.astype(np.int8)}

    def phi(self, sigma: int) -> np.ndarray:
        return phi_matrix(self.a, self.b, self.instances[sigma])


# --------------------------------------------------------------------------------------
# Optional compiled kernel (numba): the same sweeps T, LR, M, element by element
# --------------------------------------------------------------------------------------

_fast_available = numba_available  # the name the tests and GradedProblem use


def propagate_fast(m, l, r, t):
    """Compiled propagation of a batch; same result as :func:`propagate_numpy`."""
    m, l, r, t = (np.array(v, dtype=bool, copy=True) for v in (m, l, r, t))
    propagate_kernel(m, l, r, t)
    return m, l, r, t


_STATUS = (ACTIVE, DONE, IMPOSSIBLE)


def classify_fast(m, l, r, t, phi_ones, profile_filter=True, halfones_filter=True) -> list[str]:
    out = np.empty(m.shape[0], dtype=np.int8)
    classify_kernel(m, l, r, t, np.asarray(phi_ones, dtype=np.int64), bool(profile_filter),
                     bool(halfones_filter), out)
    return [_STATUS[v] for v in out]
