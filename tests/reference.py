"""An independent, dense and slow evaluation of representations, for the tests.

It shares no code with ``intertwine.reps``: group elements are drawn at random from the
whole group (not built from the generators), and representation matrices are formed
with numpy.kron, block sums and inverses, straight from the contract's definitions.
"""

import numpy as np
import scipy.linalg

from intertwine.spec import Defining, Det, Dual, Power, Sum, Tensor, Trivial


def _perm_matrix(perm):
    n = len(perm)
    m = np.zeros((n, n))
    m[perm, np.arange(n)] = 1  # e_j -> e_{perm[j]}
    return m


def _parity(perm):
    perm = list(perm)
    sign = 1
    for i in range(len(perm)):
        while perm[i] != i:
            j = perm[i]
            perm[i], perm[j] = perm[j], perm[i]
            sign = -sign
    return sign


def random_element(factor, rng):
    """A random element of the group, as its matrix on V."""
    n, kind = factor.degree, factor.kind
    if kind == "S":
        return _perm_matrix(rng.permutation(n))
    if kind == "A":
        p = rng.permutation(n)
        if _parity(p) < 0 and n >= 2:
            p[[0, 1]] = p[[1, 0]]
        return _perm_matrix(p)
    if kind == "C":
        return _perm_matrix((np.arange(n) + rng.integers(n)) % n)
    if kind == "D":
        shift = rng.integers(n)
        flip = -1 if rng.integers(2) else 1
        return _perm_matrix((flip * np.arange(n) + shift) % n)
    if kind == "Perm":
        m = np.eye(n)
        gens = [_perm_from_cycles(n, g) for g in factor.cycles]
        for _ in range(10 if gens else 0):
            m = gens[rng.integers(len(gens))] @ m
        return m
    if kind in ("SO", "O") and len(factor.args) == 2:
        a = np.zeros((4, 4))
        b = rng.normal(size=3) * 0.5
        a[0, 1:] = a[1:, 0] = b  # boosts
        r = rng.normal(size=3)
        a[1, 2], a[2, 1], a[1, 3], a[3, 1], a[2, 3], a[3, 2] = r[0], -r[0], r[1], -r[1], r[2], -r[2]
        m = scipy.linalg.expm(a)
        if kind == "O":
            m = np.diag(rng.choice([-1.0, 1.0]) * np.array([1, 1, 1, 1.0])) @ m
            if rng.integers(2):
                m = np.diag([1.0, -1, -1, -1]) @ m
        return m
    if kind in ("SO", "O"):
        q, r = np.linalg.qr(rng.normal(size=(n, n)))
        q = q * np.sign(np.diag(r))
        if np.linalg.det(q) < 0:
            q[:, 0] = -q[:, 0]
        if kind == "O" and rng.integers(2):
            q = q @ np.diag([-1.0] + [1.0] * (n - 1))
        return q
    if kind == "Sp":
        m = n // 2
        a = rng.normal(size=(m, m)) * 0.3
        b = rng.normal(size=(m, m)) * 0.3
        c = rng.normal(size=(m, m)) * 0.3
        return scipy.linalg.expm(np.block([[a, b + b.T], [c + c.T, -a.T]]))
    if kind in ("GL", "SL"):
        g = rng.normal(size=(n, n)) + 2 * np.eye(n)
        if kind == "SL":
            d = np.linalg.det(g)
            g[0] /= d
        return g
    raise ValueError(kind)


def _perm_from_cycles(n, cycles):
    perm = np.arange(n)
    for c in cycles:
        for a, b in zip(c, c[1:] + c[:1]):
            perm[a] = b
    return _perm_matrix(perm)


def rho(rep, elements):
    """Dense matrix of a representation expression at one group element (a matrix per
    factor)."""
    if isinstance(rep, Trivial):
        return np.eye(rep.k)
    if isinstance(rep, Defining):
        return elements[rep.factor]
    if isinstance(rep, Det):
        return np.array([[np.linalg.det(elements[rep.factor])]])
    if isinstance(rep, Dual):
        return np.linalg.inv(rho(rep.rep, elements)).T
    if isinstance(rep, Sum):
        return scipy.linalg.block_diag(*[rho(t, elements) for t in rep.terms])
    if isinstance(rep, Tensor):
        out = np.eye(1)
        for f in rep.factors:
            out = np.kron(out, rho(f, elements))
        return out
    if isinstance(rep, Power):
        out = np.eye(1)
        for _ in range(rep.k):
            out = np.kron(out, rho(rep.base, elements))
        return out
    raise TypeError(rep)


def max_violation(basis, spec, rng, n_elements=3):
    """max over random g and k of |rho_out(g) B_k - B_k rho_in(g)|, relative."""
    dense = basis.dense().astype(float)
    worst = 0.0
    for _ in range(n_elements):
        elements = [random_element(f, rng) for f in spec.group.factors]
        r_in, r_out = rho(spec.rep_in, elements), rho(spec.rep_out, elements)
        scale = max(1.0, np.abs(r_in).max(), np.abs(r_out).max())
        for b in dense:
            worst = max(worst, np.abs(r_out @ b - b @ r_in).max() / scale)
    return worst
