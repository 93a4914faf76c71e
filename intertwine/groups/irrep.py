"""What a family answers about its irreducible representations (``irr(...)`` in a spec).

A family with irreducible representations sets ``GroupFamily.irrep_syntax`` (how ``irr``
is written on it, for error messages) and implements five methods, all keyed by the
factor and the label (the tuple of the integers inside ``irr(...)``; O(3)'s parity is
the integer +1 for ``e`` and -1 for ``o``):

* ``irrep_problem(f, label) -> str | None``: why the label names no irreducible
  representation of f (the parser reports it with a caret), or None;
* ``irrep_dimension(f, label) -> int``: cheap (n may have 30 digits);
* ``irrep_exactness(f, label) -> str``: one of :data:`EXACTNESS`, for the whole action,
  Lie generators included, and cheap too:

  - ``"rational"``: every generator (discrete and Lie) is a rational matrix;
  - ``"sqrt"``: rho = D^-1 R D with R rational and D = diag(sqrt(s_i)), s_i positive
    rationals (``IrrepData.squares``): the exact solver runs on R;
  - ``"float"``: numeric only;

* ``irrep(f, label) -> IrrepData``: the matrices (built on demand, cached by callers);
* ``irrep_character(f, label, value)`` (finite families): the character at every
  element, from the arrays ``value(key)`` of ``elements.ElementAxis``; None where unknown.

:func:`families_with_irreps` lists the families that answer, for the error on others.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

__all__ = ["IrrepData", "EXACTNESS", "least_exact", "families_with_irreps"]

#: from most to least exact
EXACTNESS = ("rational", "sqrt", "float")


def least_exact(values) -> str:
    """The weakest exactness among ``values`` ("rational" for none)."""
    return max(values, key=EXACTNESS.index, default="rational")


@dataclass(frozen=True, eq=False)
class IrrepData:
    """The matrices of one irreducible representation of one factor.

    ``discrete``: rho(g) for the factor's discrete generators (``factor_data(f).discrete``
    order), each a ``SignedPerm`` where it is one, else a dense float (or integer) array.
    ``subgroup``: the same for ``factor_data(f).subgroup`` (where they are no signed
    permutations the solvers drop that subgroup and impose every Lie generator).
    ``lie``: d rho(A) for the Lie generators, dense arrays.  For ``exactness == "sqrt"``:
    ``squares`` (the s_i, as Fractions) and ``rational_discrete``/``rational_lie``, the
    matrices R = D rho D^-1 as pairs (integer array M, positive int q) meaning M / q.
    """

    dimension: int
    exactness: str
    discrete: tuple = ()
    lie: tuple = ()
    subgroup: tuple = ()
    squares: tuple[Fraction, ...] | None = None
    rational_discrete: tuple = ()
    rational_lie: tuple = ()

    def __post_init__(self):
        assert self.exactness in EXACTNESS, self.exactness
        assert self.exactness != "sqrt" or self.squares is not None


def families_with_irreps() -> str:
    """"C(n), D(n), SO(2), ...": the groups where ``irr`` means something."""
    from .base import FAMILIES

    seen, names = set(), []
    for fam in FAMILIES.values():
        if fam.irrep_syntax and id(fam) not in seen:
            seen.add(id(fam))
            names.append(fam.irrep_syntax)
    return "; ".join(names)


def as_matrix(m) -> np.ndarray:
    """A dense array of a SignedPerm or an array."""
    return m.matrix().toarray() if hasattr(m, "matrix") else np.asarray(m)
