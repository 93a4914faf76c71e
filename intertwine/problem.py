"""The equivariance problem of one spec: dimensions, generator actions, constraints.

Everything here is built lazily, so that asking for a dimension or checking a size
limit never builds a matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import groups, reps
from .coo import CooMatrix, vstack
from .errors import TooLarge, magnitude
from .spec import Spec, parse_spec

if TYPE_CHECKING:
    from .reps.action import Action

__all__ = ["Problem", "TooLarge", "MAX_GENERATOR_ENTRIES"]

#: generators x coordinates beyond which the generators' actions are not built
MAX_GENERATOR_ENTRIES = 10**8
#: the largest V whose generators are built (S(10**7): V -> V has 10**14 unknowns anyway)
MAX_DEGREE = 10**7


class _cached:
    """``functools.cached_property`` without its lock (Python 3.11 takes one per first
    read, about half of its cost; a Problem's values are pure: two threads that both
    compute one get equal values): a decomposition reads twenty-odd of them."""

    def __init__(self, compute):
        self.compute, self.name, self.__doc__ = compute, compute.__name__, compute.__doc__

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, problem, owner=None):
        if problem is None:
            return self
        value = problem.__dict__[self.name] = self.compute(problem)
        return value


#: the cached properties of a Problem that do not depend on its ``form``
_FORM_FREE = ("model", "dim_in", "dim_out", "signed_permutation", "exactness", "rational",
              "squares", "irrep_subgroup_factors", "spanning_lie", "_atoms")




#: substituted constraint blocks with at most this many candidate entries (W's positions
#: times the entries they meet) are built in one Python pass: on the small problems of a
#: decomposition (6 x 6 unknowns, ~110 candidates) numpy's two dozen array calls per
#: block cost 2-3x more; they break even at about 280
SMALL_BLOCK = 256
#: integer entries below this size cannot overflow int64 in a block (a difference of two)
_SAFE_INT = 2**62


def _small_block_applies(a: CooMatrix, b: CooMatrix, m: int, n: int, dtype,
                         columns: tuple[np.ndarray, np.ndarray, int]) -> bool:
    """The Python pass gives exactly numpy's entries: int64 arithmetic (no floats: their
    NaNs and signed zeros are numpy's business), with no value near int64's bounds."""
    unknown, sign, _ = columns
    if (len(a.value) + m) * n + m * len(b.value) > SMALL_BLOCK or dtype != np.int64 \
            or unknown.dtype != np.int64 or sign.dtype.kind != "i" \
            or a.value.dtype.kind != "i" or b.value.dtype.kind != "i":
        return False
    return max(map(abs, a.value.tolist() + b.value.tolist()), default=0) < _SAFE_INT


def _small_block(a: CooMatrix, b: CooMatrix, m: int, n: int, unknown: np.ndarray,
                 sign: np.ndarray, n_unknowns: int, entries: int) -> CooMatrix:
    """``Problem.constraint_block`` with ``columns``, as Python lists: the same entries in
    the same order (a_out's off-diagonal entries by W's column, then W's rows by a_in's
    off-diagonal entries, then the diagonals that do not cancel)."""
    u, s = unknown.tolist(), sign.tolist()
    a_diagonal, b_diagonal = [0] * m, [0] * n
    a_off, b_off = [], []
    for diagonal, off, c in ((a_diagonal, a_off, a), (b_diagonal, b_off, b)):
        for r, k, v in zip(c.row.tolist(), c.col.tolist(), c.value.tolist()):
            if r == k:
                diagonal[r] = v
            else:
                off.append((r, k, v))
    rows, cols, values = [], [], []
    for r, k, v in a_off:  # row (r, j) holds a_out[r, k] at column (k, j)
        source = k * n
        for j in range(n):
            q = u[source + j]
            if q >= 0:
                rows.append(r * n + j)
                cols.append(q)
                values.append(v * s[source + j])
    for i in range(m):  # row (i, k) holds -a_in[r, k] at column (i, r)
        at = i * n
        for r, k, v in b_off:
            q = u[at + r]
            if q >= 0:
                rows.append(at + k)
                cols.append(q)
                values.append(-v * s[at + r])
    for i in range(m):
        at, here = i * n, a_diagonal[i]
        for j in range(n):
            step = here - b_diagonal[j]
            if step and u[at + j] >= 0:
                rows.append(at + j)
                cols.append(u[at + j])
                values.append(step * s[at + j])
    return CooMatrix(np.array(rows, np.int64), np.array(cols, np.int64),
                     np.array(values, np.int64), (entries, n_unknowns))


def _largest_part(rep, group) -> int:
    """The largest dimension of any node of the expression: the actions of every part
    are built on the way to the whole."""
    largest, stack = 0, [rep]
    while stack:
        node = stack.pop()
        largest = max(largest, node.dimension(group))
        stack.extend(node.children)
    return largest


@dataclass(frozen=True, eq=False)
class Problem:
    spec: Spec
    #: "float": the matrices as they are; "rational": square-root irreps in their rational
    #: form R = D rho D^-1 and the Lie generators times ``lie_multipliers`` (the exact
    #: solver's form of an exactness "sqrt" problem, ``rational_form``)
    form: str = "float"

    @classmethod
    def from_spec(cls, spec: str | Spec) -> Problem:
        return cls(spec if isinstance(spec, Spec) else parse_spec(spec))

    @_cached
    def model(self) -> Spec:
        """The spec with the same matrices in a form cheaper to build (``Rep.simplified``:
        dimension-1 powers collapsed); the solvers build from it, files keep ``spec``."""
        s = self.spec
        return Spec(s.group, s.rep_in.simplified(s.group), s.rep_out.simplified(s.group))

    @_cached
    def dim_in(self) -> int:
        return reps.dimension(self.spec.rep_in, self.spec.group)

    @_cached
    def dim_out(self) -> int:
        return reps.dimension(self.spec.rep_out, self.spec.group)

    @property
    def entries(self) -> int:
        """Number of unknowns: dim_out * dim_in."""
        return self.dim_in * self.dim_out

    @property
    def finite(self) -> bool:
        return self.spec.group.finite

    def check_size(self, limit: int, method: str) -> None:
        """Refuse (TooLarge) before anything is built: every size here is a Python int
        computed from the spec alone."""
        group = self.spec.group
        degree = max(f.degree for f in group.factors)
        if degree > min(limit, MAX_DEGREE):
            raise TooLarge(f"{group} is too large to compute: its representation V "
                           f"has dimension {magnitude(degree)}")
        lie = sum(f.family.lie_dimension(f) for f in group.factors)
        if lie * degree > MAX_GENERATOR_ENTRIES:
            raise TooLarge(f"{group} is too large to compute: {magnitude(lie)} Lie-algebra "
                           f"generators on V of dimension {magnitude(degree)}")
        if self.entries > limit or max(self.dim_in, self.dim_out) > limit:
            raise TooLarge(f"{self.spec} is too large for method {method}: "
                           f"{magnitude(self.entries)} unknowns (dim_out*dim_in), at most "
                           f"{magnitude(limit)} here"
                           if self.entries < 10**30 else
                           f"{self.spec} is far too large to compute (dim_out*dim_in is "
                           f"{magnitude(self.entries)})")
        parts = max(_largest_part(r, group) for r in (self.model.rep_in, self.model.rep_out))
        if parts > limit:
            raise TooLarge(f"{self.spec} is too large to compute: a part of it has dimension "
                           f"{magnitude(parts)}")
        factor_data = groups.factor_data  # V's generators: at most MAX_DEGREE entries each

        discrete = sum(len(factor_data(f).discrete) + len(factor_data(f).subgroup)
                       for f in group.factors)
        if (lie + discrete) * (self.dim_in + self.dim_out) > MAX_GENERATOR_ENTRIES:
            raise TooLarge(f"{self.spec} is too large to compute: {magnitude(lie + discrete)} "
                           f"generators on {magnitude(self.dim_in + self.dim_out)} coordinates")

    # -- generator actions --------------------------------------------------------------
    @_cached
    def discrete_in(self) -> list[Action]:
        return reps.discrete_action(self.model.rep_in, self.model.group, self.form)

    @_cached
    def discrete_out(self) -> list[Action]:
        return reps.discrete_action(self.model.rep_out, self.model.group, self.form)

    @_cached
    def lie_in(self) -> list[CooMatrix]:
        return reps.lie_action(self.model.rep_in, self.model.group, self.form,
                                  self.lie_multipliers)

    @_cached
    def lie_out(self) -> list[CooMatrix]:
        return reps.lie_action(self.model.rep_out, self.model.group, self.form,
                          self.lie_multipliers)

    @_cached
    def subgroup_in(self) -> list[Action]:
        """rho_in of the extra signed permutations of ``groups.subgroup_generators``."""
        return reps.subgroup_action(self.model.rep_in, self.model.group, self.form,
                               self.irrep_subgroup_factors)

    @_cached
    def subgroup_out(self) -> list[Action]:
        return reps.subgroup_action(self.model.rep_out, self.model.group, self.form,
                               self.irrep_subgroup_factors)

    @_cached
    def signed_permutation(self) -> bool:
        """Every discrete generator acts by a signed permutation: the orbit solver applies.
        Asked of the expression (``Rep.signed_permutation``): nothing is built."""
        s = self.spec
        return s.rep_in.signed_permutation(s.group) and s.rep_out.signed_permutation(s.group)

    @_cached
    def exactness(self) -> str:
        """"rational" (every generator, discrete and Lie, acts by a rational matrix),
        "sqrt" (rational after a diagonal scaling by square roots, ``reps/irr.py``) or
        "float" (numeric only).  Asked of the expression: nothing is built."""
        s = self.spec
        return groups.least_exact([s.rep_in.exactness(s.group),
                                      s.rep_out.exactness(s.group)])

    def rational_form(self) -> Problem:
        """The same problem on the rational form of its square-root irreps: its exact
        solutions W' give this problem's as W = D_out^-1 W' D_in (``squares``)."""
        twin = Problem(self.spec, "rational")
        for name in _FORM_FREE:  # what this one has worked out already, not again
            if name in self.__dict__:
                twin.__dict__[name] = self.__dict__[name]
        return twin

    @_cached
    def squares(self) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """(numerators, denominators) for rep_in and rep_out: the squares s of the
        diagonal scaling D = diag(sqrt(s)) with rho = D^-1 R D, R rational
        (``reps.squares``; exact Python ints)."""
        m = self.model
        return reps.squares(m.rep_in, m.group), reps.squares(m.rep_out, m.group)

    @_cached
    def lie_multipliers(self) -> list[int] | None:
        """Per Lie generator, the lcm of the denominators of the irreps' rational forms
        (``form="rational"`` only; a multiple of a generator is a generator)."""
        if self.form != "rational":
            return None
        from math import lcm

        factor_data = groups.factor_data
        group = self.model.group
        out = []
        for i, f in enumerate(group.factors):
            # each distinct irrep once: its denominators of every generator at once
            mine = [a.lie_denominators(group) for a in self._atoms_with("lie_denominators")
                    if a.factor == i]
            mine = [d for d in mine if d]  # (rational irreps: 1 for every generator)
            out += [lcm(1, *[d[k] for d in mine]) for k in range(len(factor_data(f).lie))]
        return out

    @_cached
    def rational(self) -> bool:
        """The exact solver applies: exactness "rational" or "sqrt"."""
        return self.exactness != "float"

    @_cached
    def irrep_subgroup_factors(self) -> frozenset:
        """Factors on which some irrep of the spec maps the family's ``subgroup`` to no
        signed permutations: there the family's ``irrep_subgroup`` shrinks the problem
        instead (a smaller finite subgroup, but one that every irrep permutes)."""
        group = self.model.group
        found = {node.factor for node in self._atoms_with("subgroup_signed")
                 if not node.subgroup_signed(group)}
        return frozenset(i for i in found
                         if groups.factor_data(self.model.group.factors[i]).irrep_subgroup)

    def _atoms_with(self, method: str) -> list:
        """The distinct atoms of both model expressions that have ``method`` (the irreps:
        what the rational form's multipliers and the subgroups ask about)."""
        return [atom for atom in self._atoms if hasattr(atom, method)]

    @_cached
    def _atoms(self) -> tuple:
        """The atoms (nodes without children) of ``model``'s two expressions, each once
        (an irrep on both sides, or twice in one, is asked about once)."""
        seen: dict = {}
        stack = [self.model.rep_in, self.model.rep_out]
        while stack:
            node = stack.pop()
            kids = node.children
            if kids:
                stack.extend(kids)
            else:
                seen[node] = None
        return tuple(seen)

    @_cached
    def spanning_lie(self) -> list[int]:
        """Indices into lie_in/lie_out that suffice once W commutes with the subgroup H
        (see ``groups.spanning_lie_indices`` for why)."""
        factor_data, spanning_lie_indices = groups.factor_data, groups.spanning_lie_indices

        out, offset = [], 0
        for i, f in enumerate(self.spec.group.factors):
            out += [offset + k for k in spanning_lie_indices(f, i in self.irrep_subgroup_factors)]
            offset += len(factor_data(f).lie)
        return out

    def constraint_block(self, a_out: CooMatrix, a_in: CooMatrix,
                         columns: tuple[np.ndarray, np.ndarray, int] | None = None) -> CooMatrix:
        """(a_out kron I) - (I kron a_in^T): row i*dim_in + j is the (i, j) entry of
        a_out W - W a_in as a linear form in vec(W) (row-major), so a_out W - W a_in = 0
        is this matrix times vec(W), its entries in no particular order.

        Row (i, j) holds a_out[i, k] at column (k, j), -a_in[l, j] at column (i, l), and
        both diagonals meet at column (i, j): a_out[i, i] - a_in[j, j].  Nothing else
        meets, so the entries are built apart (numpy index arithmetic) and need no sum.

        ``columns`` = (unknown, sign, n_unknowns) substitutes vec(W) = B c
        (``solvers.reduce.Reduction``): column p goes to unknown[p] with its value times
        sign[p], or goes where unknown[p] is -1, before any index of it is computed (the
        orbit reduction of O(3)'s decompositions leaves out three quarters); entries that
        meet are not summed, and come in the order that the plain block's would.
        """
        a, b = CooMatrix.of(a_out), CooMatrix.of(a_in)
        m, n = self.dim_out, self.dim_in
        dtype = np.result_type(a.dtype, b.dtype)
        if columns is not None and _small_block_applies(a, b, m, n, dtype, columns):
            return _small_block(a, b, m, n, *columns, self.entries)
        on_a, on_b = a.row == a.col, b.row == b.col
        a_diagonal, b_diagonal = np.zeros(m, dtype), np.zeros(n, dtype)
        a_diagonal[a.row[on_a]] = a.value[on_a]  # no entry twice
        b_diagonal[b.row[on_b]] = b.value[on_b]
        diagonal = np.subtract.outer(a_diagonal, b_diagonal).ravel()
        off_a, off_b = ~on_a, ~on_b
        a_row, a_col = a.row[off_a], a.col[off_a]
        a_val = a.value[off_a].astype(dtype, copy=False)
        b_row, b_col = b.row[off_b], b.col[off_b]
        b_val = b.value[off_b].astype(dtype, copy=False)
        if columns is None:
            d = np.flatnonzero(diagonal)
            j, i = np.arange(n), np.arange(m)
            rows = [(a_row[:, None] * n + j).ravel(), (i[:, None] * n + b_col).ravel(), d]
            cols = [(a_col[:, None] * n + j).ravel(), (i[:, None] * n + b_row).ravel(), d]
            values = [np.repeat(a_val, n), np.tile(-b_val, m), diagonal[d]]
            return CooMatrix(np.concatenate(rows), np.concatenate(cols),
                             np.concatenate(values), (self.entries, self.entries))
        unknown, sign, n_unknowns = columns
        grid, signs = unknown.reshape(m, n), sign.reshape(m, n)
        # the grids of the plain block's first two terms, columns already substituted
        e, j = np.nonzero(grid[a_col] >= 0)  # a_out's entry e at W's column j
        i, f = np.nonzero(grid[:, b_row] >= 0)  # W's row i, a_in's entry f
        d = np.flatnonzero(diagonal * (unknown >= 0))
        k, l = a_col[e], b_row[f]
        rows = [a_row[e] * n + j, i * n + b_col[f], d]
        cols = [grid[k, j], grid[i, l], unknown[d]]
        values = [a_val[e] * signs[k, j], -b_val[f] * signs[i, l], diagonal[d] * sign[d]]
        return CooMatrix(np.concatenate(rows), np.concatenate(cols), np.concatenate(values),
                         (self.entries, n_unknowns))

    def constraint_matrix(self, lie: list[int] | None = None,
                          discrete: bool = True) -> CooMatrix:
        """Integer matrix C with C vec(W) = 0 exactly for the equivariant W (row-major vec).

        One block of rows per generator (``constraint_block``): the discrete ones (unless
        ``discrete`` is False) and the Lie-algebra ones numbered in ``lie`` (all of them
        by default).  Rows that constrain nothing are empty, not left out.
        """
        from .reps.action import constraint_pair

        pairs = [constraint_pair(g_out, g_in)
                 for g_in, g_out in zip(self.discrete_in, self.discrete_out)] if discrete else []
        indices = range(len(self.lie_in)) if lie is None else lie
        pairs += [(self.lie_out[k], self.lie_in[k]) for k in indices]
        return vstack([self.constraint_block(a_out, a_in) for a_out, a_in in pairs],
                      self.entries)
