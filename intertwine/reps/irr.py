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

from dataclasses import dataclass, field
from functools import lru_cache
from math import lcm

import numpy as np

from ..coo import CooMatrix
from . import action
from .base import Walk, constructor
from .field import FieldAtom


@lru_cache(maxsize=256)
def irrep_data(factor, label: tuple):
    """The family's matrices of one irrep (cached: specs repeat their atoms)."""
    return factor.family.irrep(factor, label)


@constructor
@dataclass(frozen=True)
class Irrep(FieldAtom):
    factor: int | None = None
    column: int = field(default=0, compare=False, repr=False)
    single: bool = field(default=True, compare=False, repr=False)
    args: tuple[int, ...] = ()

    name = "irr"
    syntax = "atom"

    @classmethod
    def check_arguments(cls, parsed) -> None:
        if not parsed.ints:  # how many depends on the group: unavailable() says
            from ..groups.irrep import families_with_irreps

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
        data = irrep_data(group.factors[self.factor], self.label)
        return all(hasattr(g, "perm") for g in data.subgroup)

    @property
    def needs_elements(self) -> bool:  # counting sums finite factors element by element
        return True

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
                return _rational_action(*data.rational_discrete[position])
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

    def lie_denominator(self, group, position: int) -> int:
        """q of this irrep's rational Lie generator ``position`` (1 if not "sqrt")."""
        data = irrep_data(group.factors[self.factor], self.label)
        return data.rational_lie[position][1] if data.exactness == "sqrt" else 1

    def scale(self, group) -> tuple[np.ndarray, np.ndarray]:
        """The squares s_i of the diagonal scaling (rho = D^-1 R D, D = diag(sqrt(s))) as
        numerators and denominators (``reps.squares``)."""
        data = irrep_data(group.factors[self.factor], self.label)
        if data.exactness != "sqrt":
            return (np.ones(data.dimension, dtype=object),) * 2
        return (np.array([x.numerator for x in data.squares], dtype=object),
                np.array([x.denominator for x in data.squares], dtype=object))

    def character(self, walk: Walk, power: int = 1):
        """Finite factors: element by element (``counting.ElementAxis``); SO(2), O(2),
        SO(3), O(3): at the points of ``counting.TorusAxis``."""
        return super().character(walk, power)


def _subgroup_action(data, g, rational: bool):
    """rho(h) of a subgroup generator; on the rational form D rho(h) D^-1, which is the
    same signed permutation where it permutes coordinates of equal squares (else it
    is handed on as a float matrix, and the solvers drop the subgroup)."""
    if rational and hasattr(g, "perm"):
        squares = data.squares
        if any(squares[int(g.perm[j])] != squares[j] for j in range(len(squares))):
            return _action(g.matrix().toarray().astype(float))
    return _action(g)


def _coo(m: np.ndarray) -> CooMatrix:
    r, c = np.nonzero(m)
    return CooMatrix(r, c, m[r, c], m.shape)


def _action(g):
    if hasattr(g, "perm"):
        return g
    import scipy.sparse as sp

    m = np.asarray(g)
    inverse = m.T if m.dtype.kind == "f" else np.rint(np.linalg.inv(m)).astype(m.dtype)
    return action.MatrixAction(sp.csr_matrix(m), sp.csr_matrix(inverse))  # orthogonal


def _rational_action(m, q: int, inverse: tuple | None = None):
    """R = M / q as a matrix action with its inverse: given by the family (``inverse``,
    a pair (M', p)), or M / q itself for an involution (a transposition of S(n)), or
    computed in exact arithmetic (small matrices)."""
    from fractions import Fraction

    import scipy.sparse as sp

    m = np.asarray(m, np.int64)
    forward = sp.csr_matrix(m)
    if inverse is not None:
        inv, p = np.asarray(inverse[0], np.int64), int(inverse[1])
    elif (abs(forward @ forward - sp.identity(len(m), np.int64, "csr") * (q * q))).sum() == 0:
        inv, p = m, q  # R**2 = 1: exact in int64 for the small entries of these forms
    else:
        inv, p = _inverse([[Fraction(int(x), q) for x in row] for row in m])
    return action.MatrixAction(forward, sp.csr_matrix(inv), q, p)


def _inverse(rows):
    """(M', p) with the inverse of the Fraction matrix ``rows`` equal to M' / p."""
    import sympy

    inv = sympy.Matrix(rows).inv()
    p = lcm(*[int(sympy.fraction(x)[1]) for x in inv]) if inv else 1
    return np.array([[int(x * p) for x in inv.row(i)] for i in range(inv.rows)],
                    np.int64).reshape(inv.rows, inv.cols), p
