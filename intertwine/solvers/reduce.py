"""Shrink a continuous group's problem to the orbits of a finite subgroup first.

Each continuous group in the contract contains a finite subgroup H that acts by
signed permutations (``groups.subgroup_generators``: the quarter turns of SO(n), ...).
Every intertwiner W commutes with H, so W is a combination of H's signed orbit
vectors: W = B c, B the sparse 0/+-1 matrix whose column o is the orbit o of positions
of W (a zero orbit, on which some h sends a position to minus itself, is left out).
The Lie-algebra constraints are then imposed on the far shorter c: C B c = 0.  Adding
H changes nothing, as its elements lie in the group; and once W commutes with H, the
Lie generators whose H-conjugates span the algebra suffice (``spanning_lie_indices``).
For SO(3) on V**5 -> V**5 that is 59049 unknowns and 3 generators become about 2500
unknowns and one generator.

The orbits are numbered by their first (row-major) position and signed so that B is +1
there.  So the leading entry of B c is the one of c's leading orbit, and the RREF of the
c-space maps straight to the RREF of the W-space (the contract's form), entry for entry.

>>> from intertwine.problem import Problem
>>> r = by_subgroup(Problem.from_spec("SO(3): V**2 -> 1"))
>>> r.basis.toarray().T.astype(int).tolist()  # diagonal orbit; off-diagonals change sign
[[1, 0, 0, 0, 1, 0, 0, 0, 1]]
>>> r.constraints.shape[0]  # no constraint left: delta_ij is invariant
0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..coo import Coo
from ..problem import Problem
from .orbit.signed import signed_orbits

__all__ = ["Reduction", "by_subgroup", "plain", "dedupe_rows", "components"]


@dataclass
class Reduction:
    """vec(W) = basis @ c; the equivariant W are exactly those with constraints @ c = 0."""

    basis: sp.csc_matrix       # (entries, unknowns), entries +-1, disjoint column supports
    constraints: sp.csr_matrix  # integer, (rows, unknowns)

    @property
    def unknowns(self) -> int:
        return self.basis.shape[1]

    def sizes(self) -> np.ndarray:
        """Number of positions of each orbit (the squared norm of each column)."""
        return np.diff(self.basis.indptr)

    def expand(self, coo: Coo) -> Coo:
        """Entries over the unknowns c (``coo.row`` = unknown) to entries of W (``row``
        = flat row-major position), sorted by element then position."""
        b = self.basis
        counts = np.diff(b.indptr)[coo.row]
        # entry t of the output, the s-th position of its orbit o, sits at b.indptr[o] + s
        shift = b.indptr[coo.row] - (np.cumsum(counts) - counts)
        at = np.arange(counts.sum()) + np.repeat(shift, counts)
        pos = b.indices[at].astype(np.int64)
        sign = b.data[at]
        del at
        index = np.repeat(coo.index, counts)
        sort = np.argsort(index * b.shape[0] + pos, kind="stable")  # by element, then position
        value = (np.repeat(coo.value, counts) * sign)[sort]
        num = den = None
        if coo.numerator is not None:
            num = (np.repeat(coo.numerator, counts) * sign.astype(coo.numerator.dtype))[sort]
            den = np.repeat(coo.denominator, counts)[sort]
        return Coo(index[sort], pos[sort], np.zeros(len(pos), np.int64), value, num, den)


def plain(problem: Problem) -> Reduction:
    """No reduction: one unknown per entry of W and every generator's constraint."""
    eye = sp.identity(problem.entries, np.int8, format="csc")
    return Reduction(eye, _distinct_rows(problem.constraint_matrix()))


def by_subgroup(problem: Problem) -> Reduction:
    """Orbits of the spec's discrete generators together with the subgroup H, and the
    spanning Lie generators' constraints on them.

    Generators that act by general matrices (no signed permutation) take no part in the
    orbits: they constrain the orbit coefficients like Lie generators do.  Should a
    subgroup element act so, H is dropped and every Lie generator is imposed.
    """
    signed = [(g_out, g_in) for g_out, g_in in zip(problem.discrete_out, problem.discrete_in)
              if g_out.is_signed_perm and g_in.is_signed_perm]
    matrices = [(g_out.matrix(), g_in.matrix())
                for g_out, g_in in zip(problem.discrete_out, problem.discrete_in)
                if not (g_out.is_signed_perm and g_in.is_signed_perm)]
    subgroup = list(zip(problem.subgroup_out, problem.subgroup_in))
    if all(a.is_signed_perm and b.is_signed_perm for a, b in subgroup):
        lie = problem.spanning_lie
    else:
        subgroup, lie = [], range(len(problem.lie_in))
    basis = _orbit_basis(signed + subgroup, problem.dim_out, problem.dim_in)
    pairs = matrices + [(problem.lie_out[k], problem.lie_in[k]) for k in lie]
    blocks = [problem.constraint_block(a_out, a_in) @ basis for a_out, a_in in pairs]
    if not blocks:
        return Reduction(basis, sp.csr_matrix((0, basis.shape[1]), dtype=np.int64))
    return Reduction(basis, _distinct_rows(sp.vstack(blocks, format="csr")))


def _distinct_rows(m: sp.csr_matrix) -> sp.csr_matrix:
    """``dedupe_rows`` for integer constraints; float ones (irrational actions) only lose
    their empty rows."""
    if np.issubdtype(m.dtype, np.integer):
        return dedupe_rows(m)
    m = m.tocsr()
    m.eliminate_zeros()
    return m[np.diff(m.indptr) > 0]


def _orbit_basis(pairs, dim_out: int, dim_in: int) -> sp.csc_matrix:
    """Signed orbits of positions (i, j) under W -> rho_out(g) W rho_in(g)^T, as columns
    (``orbit.signed``: the double cover), each +1 at its first position."""
    n = dim_out * dim_in
    if not pairs:
        return sp.identity(n, np.int8, format="csc")
    orbits = signed_orbits(pairs, dim_out, dim_in)
    return sp.csc_matrix((orbits.value, (orbits.position, orbits.orbit)),
                         shape=(n, orbits.count))


def components(constraints: sp.spmatrix) -> tuple[np.ndarray, int]:
    """Split the unknowns into independent systems: two unknowns are in one component when
    a chain of constraint rows links them.  The nullspace of the whole is then the direct
    sum of the components' nullspaces (disjoint supports; a row touches one component).

    Returns (label per unknown, number of components): components numbered in the order
    of their first unknown; -1 for unknowns that no row touches (each is free on its own).
    Sums of representations, Sp(n), GL(n) and the Lorentz groups split this way; the
    tensor powers of SO(3) do not.
    """
    m = sp.csr_matrix(constraints)
    n_rows, n_cols = m.shape
    pattern = sp.csr_matrix((np.ones(m.nnz, np.int8), m.indices, m.indptr), shape=m.shape)
    graph = sp.bmat([[None, pattern], [pattern.T, None]], format="csr") if n_rows else \
        sp.csr_matrix((n_cols, n_cols), dtype=np.int8)
    _, labels = connected_components(graph, directed=False)
    labels = labels[n_rows:]
    touched = np.diff(pattern.tocsc().indptr) > 0
    _, first, dense = np.unique(labels[touched], return_index=True, return_inverse=True)
    rank = np.empty(len(first), np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    out = np.full(n_cols, -1, np.int64)
    out[touched] = rank[dense.ravel()]
    return out, len(first)


def dedupe_rows(m: sp.csr_matrix) -> sp.csr_matrix:
    """The distinct primitive rows of an integer matrix, up to sign (same nullspace).

    Each row is divided by the gcd of its entries and by the sign of its first entry;
    zero rows go.  Rows are compared exactly, grouped by their number of entries.
    """
    m = m.tocsr().astype(np.int64)
    m.sum_duplicates()
    m.eliminate_zeros()
    m.sort_indices()
    lengths = np.diff(m.indptr)
    keep = lengths > 0
    m, lengths = m[keep], lengths[keep]
    if not m.shape[0]:
        return m
    starts = m.indptr[:-1]
    g = np.gcd.reduceat(np.abs(m.data), starts)
    g *= np.sign(m.data[starts])
    data = m.data // np.repeat(g, lengths)
    rows = []
    for length in np.unique(lengths):
        which = np.flatnonzero(lengths == length)
        at = starts[which][:, None] + np.arange(length)
        key = np.concatenate([m.indices[at].astype(np.int64), data[at]], axis=1)
        rows.append(np.unique(key, axis=0))
    n_cols = m.shape[1]
    out_idx = [r[:, : r.shape[1] // 2].ravel() for r in rows]
    out_val = [r[:, r.shape[1] // 2:].ravel() for r in rows]
    lens = np.concatenate([np.full(len(r), r.shape[1] // 2) for r in rows])
    indptr = np.concatenate([[0], np.cumsum(lens)])
    return sp.csr_matrix((np.concatenate(out_val), np.concatenate(out_idx), indptr),
                         shape=(len(lens), n_cols))
