"""Shrink a continuous group's problem to the orbits of a finite subgroup first.

Each continuous group of docs/specs.rst contains a finite subgroup H that acts by
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
c-space maps straight to the RREF of the W-space (the form of docs/format.rst), entry for entry.

>>> from intertwine.problem import Problem
>>> r = by_subgroup(Problem.from_spec("SO(3): V**2 -> 1"))
>>> r.basis.toarray().T.astype(int).tolist()  # diagonal orbit; off-diagonals change sign
[[1, 0, 0, 0, 1, 0, 0, 0, 1]]
>>> r.constraints.shape[0]  # no constraint left: delta_ij is invariant
0
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from math import gcd

import numpy as np

from ..coo import Coo, CooMatrix, vstack
from ..problem import Problem
from .labels import orbit_labels
from .orbit.signed import signed_orbits

__all__ = ["Reduction", "by_subgroup", "plain", "dedupe_rows", "components", "DistinctRows"]


class DistinctRows(CooMatrix):
    """A matrix as ``dedupe_rows`` gives it, which ``dedupe_rows`` then returns as it is:
    the subgroup reduction dedupes its constraints, and the exact elimination would
    otherwise do it again (a sixth of the elasticity tensor's decomposition).  Anything
    made from it (``_replace``, ``T``, ``canonical``...) is a plain CooMatrix."""

    __slots__ = ()

    @classmethod
    def _make(cls, iterable) -> CooMatrix:  # what namedtuple's _replace builds with
        return CooMatrix(*iterable)


@dataclass
class Reduction:
    """vec(W) = B c, B the (entries, unknowns) matrix with B[p, orbit[p]] = sign[p] (one
    entry per position p of W at most: disjoint column supports; none where orbit[p] is
    -1, a position W cannot use); the equivariant W are exactly those with
    constraints @ c = 0.  All numpy arrays: no scipy on the way to a basis."""

    orbit: np.ndarray  # int64, per position of W (row-major): its unknown, or -1
    sign: np.ndarray   # int8, per position: +-1 (0 where orbit is -1)
    unknowns: int
    constraints: CooMatrix | None = None  # integer (or float), (rows, unknowns)

    @classmethod
    def identity(cls, entries: int) -> Reduction:
        return cls(np.arange(entries), np.ones(entries, np.int8), entries)

    @property
    def basis(self) -> CooMatrix:
        """B itself."""
        positions, signs, _ = self._columns
        return CooMatrix(positions, self.orbit[positions], signs,
                         (len(self.orbit), self.unknowns))

    @cached_property
    def _columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """B by columns: positions of orbit 0 (increasing), of orbit 1, ...; their signs;
        and where each orbit starts (as scipy's csc indices, data and indptr)."""
        used = np.flatnonzero(self.orbit >= 0)
        positions = used[np.argsort(self.orbit[used], kind="stable")]
        starts = np.concatenate([[0], np.cumsum(self.sizes())])
        return positions, self.sign[positions], starts

    def sizes(self) -> np.ndarray:
        """Number of positions of each orbit (the squared norm of each column)."""
        return np.bincount(self.orbit[self.orbit >= 0], minlength=self.unknowns)

    def reduce(self, m: CooMatrix) -> CooMatrix:
        """m @ B: each column p of m goes to column orbit[p] times sign[p] (or goes, where
        W is 0 at p); entries that meet are summed, in row-major order."""
        target = self.orbit[m.col]
        kept = target >= 0
        value = m.value[kept] * self.sign[m.col[kept]]
        return CooMatrix.from_entries(m.row[kept], target[kept], value,
                                      (m.shape[0], self.unknowns))

    def expand(self, coo: Coo) -> Coo:
        """Entries over the unknowns c (``coo.row`` = unknown) to entries of W (``row``
        = flat row-major position), sorted by element then position."""
        small = len(self.orbit) <= SMALL_EXPAND and len(coo) <= 64
        if small and coo.numerator is not None and coo.value.dtype == np.float64 and all(
                a.dtype == np.int64 for a in (coo.index, coo.numerator, coo.denominator)):
            return self._expand_small(coo)
        positions, signs, starts = self._columns
        counts = np.diff(starts)[coo.row]
        # entry t of the output, the s-th position of its orbit o, sits at starts[o] + s
        shift = starts[coo.row] - (np.cumsum(counts) - counts)
        at = np.arange(counts.sum()) + np.repeat(shift, counts)
        pos = positions[at].astype(np.int64)
        sign = signs[at]
        del at
        index = np.repeat(coo.index, counts)
        sort = np.argsort(index * len(self.orbit) + pos, kind="stable")  # element, position
        value = (np.repeat(coo.value, counts) * sign)[sort]
        num = den = None
        if coo.numerator is not None:
            num = (np.repeat(coo.numerator, counts) * sign.astype(coo.numerator.dtype))[sort]
            den = np.repeat(coo.denominator, counts)[sort]
        return Coo(index[sort], pos[sort], np.zeros(len(pos), np.int64), value, num, den)

    def _expand_small(self, coo: Coo) -> Coo:
        """``expand`` of a tiny reduction in Python ints and floats: the same entries
        (a value times ±1 is exact), sorted by (element, position), keys that no two
        entries share (the orbits are disjoint)."""
        members: list[list[tuple[int, int]]] = [[] for _ in range(self.unknowns)]
        for p, (o, s) in enumerate(zip(self.orbit.tolist(), self.sign.tolist())):
            if o >= 0:
                members[o].append((p, s))
        entries = [(i, p, v * s, a * s, b)
                   for i, o, v, a, b in zip(coo.index.tolist(), coo.row.tolist(),
                                            coo.value.tolist(), coo.numerator.tolist(),
                                            coo.denominator.tolist())
                   for p, s in members[o]]
        entries.sort()
        index, pos, value, num, den = (
            np.array(a, t).reshape(-1) for a, t in zip(
                zip(*entries) if entries else [()] * 5,
                (np.int64, np.int64, np.float64, np.int64, np.int64)))
        return Coo(index, pos, np.zeros(len(pos), np.int64), value, num, den)


#: ``Reduction.expand`` works in Python for at most this many positions of W
SMALL_EXPAND = 256


def plain(problem: Problem) -> Reduction:
    """No reduction: one unknown per entry of W and every generator's constraint."""
    reduction = Reduction.identity(problem.entries)
    reduction.constraints = _distinct_rows(problem.constraint_matrix())
    return reduction


def by_subgroup(problem: Problem) -> Reduction:
    """Orbits of the spec's discrete generators together with the subgroup H, and the
    spanning Lie generators' constraints on them.

    Generators that act by general matrices (no signed permutation) take no part in the
    orbits: they constrain the orbit coefficients like Lie generators do.  Should a
    subgroup element act so, H is dropped and every Lie generator is imposed.
    """
    from ..reps.action import constraint_pair

    signed = [(g_out, g_in) for g_out, g_in in zip(problem.discrete_out, problem.discrete_in)
              if g_out.is_signed_perm and g_in.is_signed_perm]
    matrices = [constraint_pair(g_out, g_in)
                for g_out, g_in in zip(problem.discrete_out, problem.discrete_in)
                if not (g_out.is_signed_perm and g_in.is_signed_perm)]
    subgroup = list(zip(problem.subgroup_out, problem.subgroup_in))
    if all(a.is_signed_perm and b.is_signed_perm for a, b in subgroup):
        lie = problem.spanning_lie
    else:
        subgroup, lie = [], range(len(problem.lie_in))
    reduction = _orbits(signed + subgroup, problem.dim_out, problem.dim_in)
    pairs = matrices + [(problem.lie_out[k], problem.lie_in[k]) for k in lie]
    # the blocks times B, built with the substitution (``Problem.constraint_block``):
    # their repeated entries are summed once, all blocks together, by _distinct_rows
    columns = (reduction.orbit, reduction.sign, reduction.unknowns)
    blocks = [problem.constraint_block(a_out, a_in, columns) for a_out, a_in in pairs]
    reduction.constraints = _distinct_rows(vstack(blocks, reduction.unknowns))
    return reduction


def _distinct_rows(m: CooMatrix) -> CooMatrix:
    """``dedupe_rows`` for integer constraints; float ones (irrational actions) only lose
    their empty rows."""
    if np.issubdtype(m.dtype, np.integer):
        return dedupe_rows(m)
    m = m.canonical()
    rows, at = np.unique(m.row, return_inverse=True)  # the rows that hold entries
    return CooMatrix(at.ravel(), m.col, m.value, (len(rows), m.shape[1]))


def _orbits(pairs, dim_out: int, dim_in: int) -> Reduction:
    """Signed orbits of positions (i, j) under W -> rho_out(g) W rho_in(g)^T
    (``orbit.signed``: the double cover), each +1 at its first position."""
    n = dim_out * dim_in
    if not pairs:
        return Reduction.identity(n)
    # small orbits (at most the subgroup's order): numpy labels, no csgraph import
    orbits = signed_orbits(pairs, dim_out, dim_in, label=orbit_labels)
    orbit, sign = np.full(n, -1, np.int64), np.zeros(n, np.int8)
    orbit[orbits.position], sign[orbits.position] = orbits.orbit, orbits.value
    return Reduction(orbit, sign, orbits.count)


def components(constraints) -> tuple[np.ndarray, int]:
    """Split the unknowns into independent systems: two unknowns are in one component when
    a chain of constraint rows links them.  The nullspace of the whole is then the direct
    sum of the components' nullspaces (disjoint supports; a row touches one component).

    Returns (label per unknown, number of components): components numbered in the order
    of their first unknown; -1 for unknowns that no row touches (each is free on its own).
    Sums of representations, Sp(n), GL(n) and the Lorentz groups split this way; the
    tensor powers of SO(3) do not.
    """
    import scipy.sparse as sp  # the numeric solver only
    from scipy.sparse.csgraph import connected_components

    m = constraints.tocsr() if isinstance(constraints, CooMatrix) else \
        sp.csr_matrix(constraints)
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


def dedupe_rows(m) -> CooMatrix:
    """The distinct primitive rows of an integer matrix, up to sign (same nullspace).

    Each row is divided by the gcd of its entries and by the sign of its first entry;
    zero rows go.  Rows are compared exactly, grouped by their number of entries: the
    result's rows come by length, then in lexicographic order of (columns, values), each
    in increasing column order -- whatever the order of ``m``'s rows.
    """
    if isinstance(m, DistinctRows):
        return m
    m = CooMatrix.of(m)
    small = _dedupe_small(m) if m.nnz <= SMALL_DEDUPE else None
    if small is not None:
        return small
    m = CooMatrix.from_entries(m.row, m.col, m.value.astype(np.int64), m.shape)
    n_cols = m.shape[1]
    if not m.nnz:
        return DistinctRows(*CooMatrix.zeros(0, n_cols))
    lengths = np.bincount(m.row)
    lengths = lengths[lengths > 0]
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    g = np.gcd.reduceat(np.abs(m.value), starts)
    g *= np.sign(m.value[starts])
    data = m.value // np.repeat(g, lengths)
    # rows of one length at a time, each an array (rows, length) of columns and of values
    low = int(data.min())
    value_radix = int(data.max()) - low + 1  # (Python ints: no overflow)
    out_col, out_val, lens = [], [], []
    for length in np.flatnonzero(np.bincount(lengths)):
        which = np.flatnonzero(lengths == length)
        at = starts[which][:, None] + np.arange(length)
        cols, vals = m.col[at], data[at]
        order, new = _sorted_distinct(_packed(cols, 0, n_cols) + _packed(vals, low, value_radix))
        keep = order[new]
        out_col.append(cols[keep].ravel())
        out_val.append(vals[keep].ravel())
        lens.append(np.full(len(keep), length))
    lens = np.concatenate(lens)
    return DistinctRows(np.repeat(np.arange(len(lens)), lens), np.concatenate(out_col),
                        np.concatenate(out_val), (len(lens), n_cols))


#: ``dedupe_rows`` takes matrices of at most this many entries in Python ints: a tiny
#: decomposition's constraints (sym(1o, 2): 33 entries) in a sixth of the numpy time
SMALL_DEDUPE = 256


def _dedupe_small(m: CooMatrix) -> DistinctRows | None:
    """``dedupe_rows`` of a matrix of few entries, the same rows in the same order, in
    Python: a dict sums the entries, and the rows sort as tuples (length, columns,
    values), the order that the packed words give.  None where a sum might leave int64
    (the numpy path's arithmetic)."""
    values = m.value.astype(np.int64).tolist()
    if values and max(map(abs, values)) * len(values) >= 2**63:
        return None
    rows: dict[int, dict[int, int]] = {}
    for r, c, v in zip(m.row.tolist(), m.col.tolist(), values):
        row = rows.get(r)
        if row is None:
            rows[r] = {c: v}
        else:
            row[c] = row.get(c, 0) + v
    distinct = set()
    for row in rows.values():
        entries = sorted(row.items())
        if 0 in row.values():  # (entries that cancelled)
            entries = [item for item in entries if item[1]]
            if not entries:
                continue
        cols, vals = zip(*entries)
        g = gcd(*vals)
        if vals[0] < 0:
            g = -g
        if g != 1:
            vals = tuple(v // g for v in vals)
        distinct.add((len(cols), cols, vals))
    out_row: list[int] = []
    out_col: list[int] = []
    out_val: list[int] = []
    for k, (n, cols, vals) in enumerate(sorted(distinct)):
        out_row += [k] * n
        out_col += cols
        out_val += vals
    return DistinctRows(np.array(out_row, np.int64), np.array(out_col, np.int64),
                        np.array(out_val, np.int64), (len(distinct), int(m.shape[1])))


def _packed(a: np.ndarray, low: int, radix: int) -> list[np.ndarray]:
    """The columns of ``a`` (entries low..low+radix-1) packed into int64 words, as many
    columns a word as fit: mixed-radix numbers whose lexicographic order and equality are
    the rows'.  (np.lexsort over every column took half of ``dedupe_rows``; the
    constraints' rows pack into 2 or 3 words.)"""
    if radix > 2**62:  # each column a word of its own, as it is
        return [a[:, k] for k in range(a.shape[1])]
    per_word = 1
    while per_word < a.shape[1] and radix ** (per_word + 1) <= 2**63:
        per_word += 1
    words = []
    for lo in range(0, a.shape[1], per_word):
        part = a[:, lo:lo + per_word] - low
        weights = [radix ** k for k in range(part.shape[1] - 1, -1, -1)]
        words.append(part @ np.array(weights, np.int64))
    return words


def _sorted_distinct(words: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The order that sorts rows of these words lexicographically, and which rows (in that
    order) differ from the one before.

    Equal keys are equal rows, so no stable sort is needed: where it fits in int64, each
    next word joins the rank of the words before it in one key, sorted by numpy's
    quicksort (SIMD), several times faster than np.lexsort's stable sorts."""
    key = words[0]
    order = np.argsort(key)
    for w in words[1:]:
        radix = int(w.max()) + 1
        if int(w.min()) < 0 or len(w) * radix >= 2**63:
            order = np.lexsort(words[::-1])
            break
        ordered = key[order]
        rank = np.empty(len(w), np.int64)
        rank[order] = np.concatenate([[0], np.cumsum(ordered[1:] != ordered[:-1])])
        key = rank * radix + w
        order = np.argsort(key)
    new = np.zeros(len(order), bool)
    new[0] = True
    for w in words:
        w = w[order]
        new[1:] |= w[1:] != w[:-1]
    return order, new
