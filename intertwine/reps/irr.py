"""``irr(...)``, ``irr(...)[i]``: an irreducible representation of one factor, owned by the
factor's family (``groups/irrep.py`` says what a family answers; ``groups/cyclic.py``
has C(n)'s and D(n)'s).

This module only turns the family's answers into the walk's actions: discrete generators
(signed permutations where they are, else sparse matrices), Lie generators, the
character on finite factors, and the exactness of the whole action ("rational", "sqrt",
"float").  A walk with ``form="rational"`` (the exact solver's, for "sqrt" actions) gets
the rational matrices R = D rho D^-1 instead: sums, products, powers, sym, alt and dual
of such are again of that form, with the diagonal scaling composed alike (``scale``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import lru_cache
from math import lcm

import numpy as np

from ..coo import CooMatrix, matmul
from . import action
from .base import Walk, constructor
from .field import FieldAtom


@lru_cache(maxsize=256)
def irrep_data(factor, label: tuple):
    """The family's matrices of one irrep (cached: specs repeat their atoms)."""
    return factor.family.irrep(factor, label)


@lru_cache(maxsize=256)
def _subgroup_signed(factor, label: tuple) -> bool:
    """``Irrep.subgroup_signed``, once per irrep (asked of every problem's irreps)."""
    return all(hasattr(g, "perm") for g in irrep_data(factor, label).subgroup)


@constructor
@dataclass(frozen=True)
class Irrep(FieldAtom):
    factor: int | None = None
    column: int = field(default=0, compare=False, repr=False)
    single: bool = field(default=True, compare=False, repr=False)
    args: tuple[int, ...] = ()
    #: d > 0 where the character is a function of the traces of g, ..., g**d on V
    #: (``GroupFamily.irrep_trace_degree``), set when the factor is known
    traces: int = field(default=0, compare=False, repr=False)

    name = "irr"
    usage = "irr(...), irr(...)[i]"
    summary = "irreducibles: irr(k) of C(n), irr(j, k) of D(n)"
    syntax = "atom"

    @classmethod
    def check_arguments(cls, parsed) -> None:
        if not parsed.ints:  # how many depends on the group: unavailable() says
            from ..groups.base import families_with_irreps

            raise parsed.error("irr needs its label: " + families_with_irreps())

    @property
    def label(self) -> tuple:
        return tuple(self.args)

    @property
    def head(self) -> str:
        """How errors name it: the shorthand ``1o`` of O(3), else ``irr``."""
        if len(self.args) == 2 and self.args[1] in ("e", "o"):
            return f"{self.args[0]}{self.args[1]}"
        return self.name

    def __str__(self) -> str:
        if len(self.args) == 2 and self.args[1] in ("e", "o"):  # O(3): the shorthand
            return self.head if self.single else f"{self.head}[{self.factor}]"
        return super().__str__()

    def unavailable(self, factor) -> str | None:
        return factor.family.irrep_problem(factor, self.label)

    def resolve(self, group, text: str):
        out = super().resolve(group, text)
        f = group.factors[out.factor]
        traces = f.family.irrep_trace_degree(f, self.label) or 0
        return out if out.traces == traces else replace(out, traces=traces)

    def size(self, factor) -> int:
        return factor.family.irrep_dimension(factor, self.label)

    def exactness_on(self, factor) -> str:
        return factor.family.irrep_exactness(factor, self.label)

    def rational_on(self, factor) -> bool:
        return self.exactness_on(factor) != "float"

    def exactness(self, group) -> str:
        return self.exactness_on(group.factors[self.factor])

    def signed_permutation(self, group) -> bool:
        f = group.factors[self.factor]
        if self.exactness_on(f) != "rational":
            return False
        return all(hasattr(g, "perm") for g in irrep_data(f, self.label).discrete)

    def subgroup_signed(self, group) -> bool:
        """The factor's ``subgroup`` acts by signed permutations here (else the solvers
        use the family's ``irrep_subgroup``, ``Problem.irrep_subgroup_factors``)."""
        return _subgroup_signed(group.factors[self.factor], self.label)

    @property
    def needs_elements(self) -> bool:
        """Counting sums this factor element by element, unless the character is a
        function of traces (then over the family's histogram, like ``sym`` of V)."""
        return not self.traces

    def degree(self, factor: int) -> int:
        return self.traces if factor == self.factor else 0

    def max_power(self, factor: int) -> int:
        return max(self.traces, 1) if factor == self.factor else 1

    # -- actions ---------------------------------------------------------------------
    def signed_generators(self, factor) -> list[tuple]:
        return [(g.perm, g.sign) for g in irrep_data(factor, self.label).discrete]

    def element_character(self, factor, value):
        chi = factor.family.irrep_character(factor, self.label, value)
        if chi is None:
            raise LookupError("no character")
        return chi

    def act(self, walk: Walk):
        from ..groups import factor_data

        f = walk.group.factors[self.factor]
        data = irrep_data(f, self.label)
        if self.factor != walk.factor:
            return action.identity(data.dimension)
        fd = factor_data(f)
        rational = getattr(walk, "form", "float") == "rational" and data.exactness == "sqrt"
        position = next((k for k, g in enumerate(fd.discrete) if g is walk.g), None)
        if position is not None:
            if rational:
                return _rational_action(*data.rational_discrete[position], squares=data.squares)
            return _action(data.discrete[position])
        position = next((k for k, g in enumerate(fd.subgroup) if g is walk.g), None)
        if position is None:
            position = next((k for k, g in enumerate(fd.irrep_subgroup) if g is walk.g), None)
            if position is not None:
                return _subgroup_action(data, data.irrep_subgroup[position], rational)
        if position is None:  # not this factor's generator
            return action.identity(data.dimension)
        # float matrices where no signed permutations: the solvers then drop the subgroup
        return _subgroup_action(data, data.subgroup[position], rational)

    def lie(self, walk: Walk):
        from ..groups import factor_data

        f = walk.group.factors[self.factor]
        data = irrep_data(f, self.label)
        if self.factor != walk.factor or not data.lie:
            return CooMatrix.zeros(data.dimension)
        position = next(k for k, a in enumerate(factor_data(f).lie) if a is walk.a)
        if getattr(walk, "form", "float") == "rational" and data.exactness == "sqrt":
            m, q = data.rational_lie[position]
            multiplier = walk.lie_multiplier  # common to every atom: one generator c A
            return _coo(np.asarray(m, np.int64) * (multiplier // q))
        m = np.asarray(data.lie[position])
        if data.exactness != "rational":
            return _coo(m)
        return _coo(np.rint(m).astype(np.int64) * getattr(walk, "lie_multiplier", 1))

    def lie_denominators(self, group) -> tuple[int, ...]:
        """q of each rational Lie generator (R = M / q), in order; none where the irrep is
        not "sqrt" (every q is 1)."""
        data = irrep_data(group.factors[self.factor], self.label)
        if data.exactness != "sqrt":
            return ()
        return tuple(q for _, q in data.rational_lie)

    def has_scaling(self, group) -> bool:
        """Whether ``scale`` holds other squares than 1: a square-root irrep."""
        return irrep_data(group.factors[self.factor], self.label).exactness == "sqrt"

    def scale(self, group) -> tuple[np.ndarray, np.ndarray]:
        """The squares s_i of the diagonal scaling (rho = D^-1 R D, D = diag(sqrt(s))) as
        numerators and denominators (``reps.squares``)."""
        data = irrep_data(group.factors[self.factor], self.label)
        if data.exactness != "sqrt":
            return (np.ones(data.dimension, dtype=object),) * 2
        return (np.array([x.numerator for x in data.squares], dtype=object),
                np.array([x.denominator for x in data.squares], dtype=object))

    def character(self, walk: Walk, power: int = 1):
        """Finite factors: element by element (``counting.ElementAxis``), or from the
        traces of g, ..., g**d on V where the family says so (S(n): over the cycle-type
        histogram); SO(2), O(2), SO(3), O(3): at the points of ``counting.TorusAxis``."""
        if not self.traces:
            return super().character(walk, power)
        f = walk.group.factors[self.factor]
        trace = getattr(walk, "trace", None)
        columns = None if trace is None else \
            [trace(self.factor, power * j) for j in range(1, self.traces + 1)]
        if columns is None or any(c is None for c in columns):
            return None
        columns = np.broadcast_arrays(*columns)
        chi = f.family.irrep_character_from_traces(
            f, self.label, [np.ravel(c) for c in columns]).reshape(columns[0].shape)
        dtype = getattr(walk, "dtype", None)
        return chi if dtype is None else chi.astype(dtype)


def _subgroup_action(data, g, rational: bool):
    """rho(h) of a subgroup generator; on the rational form D rho(h) D^-1, which is the
    same signed permutation where it permutes coordinates of equal squares (else it
    is handed on as a float matrix, and the solvers drop the subgroup)."""
    if rational and hasattr(g, "perm"):
        squares = data.squares
        if any(squares[int(g.perm[j])] != squares[j] for j in range(len(squares))):
            return _action(g.coo().toarray().astype(float))
    return _action(g)


def _coo(m: np.ndarray) -> CooMatrix:
    r, c = np.nonzero(m)
    return CooMatrix(r, c, m[r, c], m.shape)


def _action(g):
    if hasattr(g, "perm"):
        return g
    if hasattr(g, "tocoo"):  # a large orthogonal float matrix (S(n)'s n-cycle), kept sparse
        forward = CooMatrix.of(g)
        return action.MatrixAction(forward, forward.T)
    m = np.asarray(g)
    inverse = m.T if m.dtype.kind == "f" else np.rint(np.linalg.inv(m)).astype(m.dtype)
    return action.MatrixAction(m, inverse)  # orthogonal


def _rational_action(m, q: int, inverse: tuple | None = None, squares=None):
    """R = M / q as a matrix action with its inverse: given by the family (``inverse``,
    a pair (M', p)), or M / q itself for an involution (a transposition of S(n)), or
    from orthogonality where the scaling's ``squares`` are known, or computed in exact
    arithmetic (small matrices)."""
    m = np.asarray(m, np.int64)
    forward = CooMatrix.of(m)
    if inverse is None and _is_scalar(matmul(forward, forward), q * q):
        inverse = (m, q)  # R**2 = 1: exact in int64 for the small entries of these forms
    if inverse is None and squares is not None:
        inverse = _orthogonal_inverse(m, q, squares)
    if inverse is None:
        inverse = _inverse([[Fraction(int(x), q) for x in row] for row in m])
    inv, p = np.asarray(inverse[0], np.int64), int(inverse[1])
    return action.MatrixAction(forward, inv, q, p)


def _is_scalar(m: CooMatrix, c: int) -> bool:
    """m = c·Id."""
    return m.nnz == m.shape[0] and bool(np.all(m.row == m.col)) and bool(np.all(m.value == c))


def _orthogonal_inverse(m: np.ndarray, q: int, squares) -> tuple[np.ndarray, int] | None:
    """(M', p) with (M / q)^-1 = M' / p when rho = D^-1 (M / q) D is orthogonal
    (D = diag(sqrt(s))): then (M / q)^-1 = diag(s) (M / q)^T diag(s)^-1, no elimination.
    With s_a = n_a / d_a, s_a / s_b = left_a right_b / (top bottom) for top = lcm(n),
    bottom = lcm(d), left_a = s_a bottom and right_b = top / s_b; so M' = diag(left) M^T
    diag(right) and p = q top bottom.  Exact wherever rho is orthogonal, which is
    checked on random vectors in floats (dim**2 work; a rho that is not orthogonal misses
    by far more than rounding); None where it is not, or where int64 could overflow."""
    nums = [x.numerator for x in squares]
    dens = [x.denominator for x in squares]
    top, bottom = lcm(*nums), lcm(*dens)
    left = [a * (bottom // b) for a, b in zip(nums, dens)]  # s_a * bottom
    right = [top * b // a for a, b in zip(nums, dens)]  # top / s_b
    if int(np.abs(m).max(initial=0)) * max(left) * max(right) >= 2**62:
        return None
    inverse = np.array(left, np.int64)[:, None] * m.T * np.array(right, np.int64)[None, :]
    p = q * top * bottom
    x = np.random.default_rng(len(m)).standard_normal((len(m), 4))
    if not np.allclose((m / q) @ ((inverse / p) @ x), x, rtol=0, atol=1e-9):
        return None
    g = int(np.gcd(np.gcd.reduce(inverse.ravel()), p)) if inverse.size else 1
    return inverse // g, p // g


def _inverse(rows):
    """(M', p) with the inverse of the Fraction matrix ``rows`` equal to M' / p."""
    import sympy

    inv = sympy.Matrix(rows).inv()
    p = lcm(*[int(sympy.fraction(x)[1]) for x in inv]) if inv else 1
    return np.array([[int(x * p) for x in inv.row(i)] for i in range(inv.rows)],
                    np.int64).reshape(inv.rows, inv.cols), p
