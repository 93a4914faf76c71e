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
* ``irrep_character(f, label, value)``: the character at every element of
  ``counting.ElementAxis`` (finite families) or ``counting.TorusAxis`` (SO(2), O(2),
  SO(3), O(3)), from the arrays ``value(key)``; None where unknown.

Optionally ``irrep_subgroup(f)``: signed permutations of V that every irrep maps to
signed permutations, used to shrink problems whose irreps do not permute the family's
``subgroup`` (then ``IrrepData.irrep_subgroup`` holds their images).

:func:`families_with_irreps` lists the families that answer, for the error on others.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import gcd, isqrt, lcm

import numpy as np

__all__ = ["IrrepData", "EXACTNESS", "least_exact"]

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
    matrices R = D rho D^-1 as pairs (integer array M, positive int q) meaning M / q; a
    discrete one may be a triple (M, q, (M', p)) with its inverse M' / p (else it is
    found: M / q itself for an involution, exact arithmetic otherwise).
    """

    dimension: int
    exactness: str
    discrete: tuple = ()
    lie: tuple = ()
    subgroup: tuple = ()
    squares: tuple[Fraction, ...] | None = None
    rational_discrete: tuple = ()
    rational_lie: tuple = ()
    #: rho of ``factor_data(f).irrep_subgroup`` (signed permutations)
    irrep_subgroup: tuple = ()

    def __post_init__(self):
        assert self.exactness in EXACTNESS, self.exactness
        assert self.exactness != "sqrt" or self.squares is not None


# ----------------------------------------------------------------------------- scaling

def squarefree(n: int) -> int:
    """The squarefree part of a positive integer (n = squarefree(n) * k**2), by trial
    division: the integers here are products of a few small ones."""
    out, p = 1, 2
    while p * p <= n:
        while n % (p * p) == 0:
            n //= p * p
        if n % p == 0:
            out *= p
            n //= p
        p += 1
    return out * n


def sqrt_scaling(matrices: list) -> tuple[tuple[Fraction, ...], list[tuple[np.ndarray, int]]]:
    """A diagonal scaling that makes matrices of square roots rational.

    ``matrices``: square arrays of equal size (integer arrays, or object arrays of
    Fractions and ints) whose entries are *signed squares* t, each standing for
    sign(t) sqrt(|t|).  Returns the squares s_i
    (positive squarefree integers, as Fractions) of D = diag(sqrt(s_i)) and each matrix
    R = D rho D^-1 as (integer array M, positive int q), R = M / q.

    Breadth first over the nonzero pattern (both directions of every entry): a
    component's first coordinate gets s = 1; an entry rho[i, j] = +-sqrt(t) with s_i known
    asks R[i, j]**2 = s_i t / s_j to be a rational square, so s_j is the squarefree part
    of s_i t (and of t / s_i from an entry rho[j, i]).  Every entry is then checked:
    ValueError where some R[i, j] is irrational (no diagonal scaling exists).

    >>> s, r = sqrt_scaling([np.array([[0, Fraction(-2)], [Fraction(2), 0]], dtype=object)])
    >>> s, r[0][0].tolist(), r[0][1]
    ((Fraction(1, 1), Fraction(2, 1)), [[0, -1], [2, 0]], 1)
    """
    n = len(matrices[0]) if matrices else 0
    # each matrix's nonzero entries: positions, and |t| = num/den with its sign
    parts = []
    neighbours: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for m in matrices:
        rows, cols = np.nonzero(np.asarray(m != 0, bool))
        values = np.asarray(m)[rows, cols].tolist()
        num = [abs(v.numerator) for v in values]  # ints and Fractions alike
        den = [v.denominator for v in values]
        for i, j, a, b in zip(rows.tolist(), cols.tolist(), num, den):
            neighbours[i].append((j, a * b))  # |t| ~ a b modulo squares
            neighbours[j].append((i, a * b))
        parts.append((rows, cols, [v < 0 for v in values], num, den))
    squares: list[int | None] = [None] * n
    squarefree_of: dict[int, int] = {}
    for root in range(n):
        if squares[root] is not None:
            continue
        squares[root] = 1
        queue = [root]
        while queue:
            i = queue.pop()
            for j, t in neighbours[i]:
                if squares[j] is None:
                    # rho[i, j]: s_j ~ s_i t; rho[j, i]: s_j ~ t / s_i, the same modulo
                    # squares (1 / s_i ~ s_i)
                    if t not in squarefree_of:  # a few distinct values
                        squarefree_of[t] = squarefree(t)
                    u = squarefree_of[t]
                    g = gcd(squares[i], u)
                    squares[j] = squares[i] * u // (g * g)
                    queue.append(j)
    out = [_scaled(n, rows, cols, negative, num, den, squares)
           for rows, cols, negative, num, den in parts]
    return tuple(Fraction(s) for s in squares), out


def _scaled(n: int, rows, cols, negative, num, den, squares) -> tuple[np.ndarray, int]:
    """One matrix of ``sqrt_scaling``: R[i, j] = ±sqrt(|t| s_i / s_j) = ±x/y in lowest
    terms, as (M, q) with R = M / q and q the lcm of the y."""
    s = np.array(squares, dtype=object)
    a = np.array(num, dtype=object) * s[rows]
    b = np.array(den, dtype=object) * s[cols]
    g = np.gcd(a, b)
    a, b = a // g, b // g
    if len(a) and max(a.max(), b.max()) < 2**52:  # float square roots are exact enough
        a, b = a.astype(np.int64), b.astype(np.int64)
        x, y = (np.rint(np.sqrt(v.astype(np.float64))).astype(np.int64) for v in (a, b))
    else:
        x, y = (np.array([isqrt(int(v)) for v in w], dtype=object) for w in (a, b))
    if np.any(x * x != a) or np.any(y * y != b):
        raise ValueError("no diagonal square-root scaling makes these matrices rational")
    q = lcm(*set(y.tolist()))
    out = np.zeros((n, n), np.int64)
    # through Python ints: a value beyond int64 is an OverflowError, never wrapped
    out[rows, cols] = np.where(negative, -1, 1) * x.astype(object) * (q // y.astype(object))
    return out, int(q)
