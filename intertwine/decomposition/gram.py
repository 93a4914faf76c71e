"""The Gram matrix M of a representation's coordinates (a diagonal of positive rationals).

A coordinate of ``sym(R, k)`` stands for every permutation of its index tuple, one of
``alt(R, k)`` for the k! signed ones (see sym/alt's coordinates in docs/), so the inner
product of the full tensors weighs it by that count times the weights of its tuple's
entries: M = Eᵀ (M_R ⊗ ... ⊗ M_R) E for sym/alt's embedding E.  Sums are blocks,
tensor products and powers Kronecker products, ``dual(R)`` M_R⁻¹ (ρ^-T preserves the
inverse form), and everything else (V, irreps, reg, Grid, 1, det) the identity, as
their matrices are orthogonal.  ``decompose``'s Q satisfies Qᵀ Q = M.

>>> from intertwine.spec import parse_group, parse_rep
>>> g = parse_group("D(3)")
>>> [str(w) for w in coordinate_weights(parse_rep("sym(V, 2)", g), g)]
['1', '2', '2', '1', '2', '1']
>>> [str(w) for w in coordinate_weights(parse_rep("1 + dual(alt(V, 2))", g), g)]
['1', '1/2', '1/2', '1/2']
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations_with_replacement
from math import comb, factorial, prod

import numpy as np

from ..reps import Dual, Power, Sum, Tensor, dimension
from ..reps.alt import Alt
from ..reps.sym import Sym, tuples

__all__ = ["coordinate_weights", "scaling_squares", "square_ratios", "is_identity"]

#: sym/alt of orthogonal parts with at most this many index tuples (d**k) count their
#: coordinates' arrangements in Python: numpy's table costs more below it
SMALL_TUPLES = 4096


def coordinate_weights(rep, group) -> list[Fraction]:
    """The diagonal of M, one positive Fraction per coordinate of ``rep``."""
    if isinstance(rep, Sum):
        return [w for term in rep.terms for w in coordinate_weights(term, group)]
    if isinstance(rep, Tensor):
        return _kron([coordinate_weights(f, group) for f in rep.factors])
    if isinstance(rep, Power):
        return _kron([coordinate_weights(rep.base, group)] * rep.k)
    if isinstance(rep, Dual):
        return [1 / w for w in coordinate_weights(rep.rep, group)]
    if isinstance(rep, Sym):  # Alt is a Sym
        inner = coordinate_weights(rep.rep, group)
        strict = isinstance(rep, Alt)
        if len(inner) ** rep.k <= SMALL_TUPLES and is_identity(inner):
            return [Fraction(c) for c in _small_arrangements(len(inner), rep.k, strict)]
        table = tuples(len(inner), rep.k, strict)
        counts = np.full(len(table), factorial(rep.k), dtype=object) if strict else \
            _arrangements(table)
        if is_identity(inner):  # (orthogonal R) the counts alone
            return [Fraction(int(x)) for x in counts.tolist()]
        if all(w.denominator == 1 for w in inner):  # Python ints: no Fraction per product
            products = np.prod(np.array([int(w) for w in inner], object)[table], axis=1)
            return [Fraction(int(x)) for x in counts * products]
        return [c * prod((inner[i] for i in t), start=Fraction(1))
                for c, t in zip(counts.tolist(), table.tolist())]
    return [Fraction(1)] * dimension(rep, group)


def _small_arrangements(d: int, k: int, strict: bool) -> list[int]:
    """``_arrangements`` of ``tuples(d, k, strict)`` in one Python pass (no table): the
    k! / prod(m!) of each sorted tuple, in the table's (lexicographic) order."""
    whole = factorial(k)
    if strict:
        return [whole] * comb(d, k)
    out = []
    for t in combinations_with_replacement(range(d), k):
        divisor, run = 1, 1
        for j in range(1, k):
            run = run + 1 if t[j] == t[j - 1] else 1
            divisor *= run
        out.append(whole // divisor)
    return out


def _arrangements(table: np.ndarray) -> np.ndarray:
    """Distinct permutations of each sorted tuple (a row of ``table``): k! / prod(m!) over
    the multiplicities m of its entries (Python ints)."""
    n, k = table.shape
    divisor = np.ones(n, dtype=object)
    run = np.ones(n, dtype=np.int64)  # the length of the run of equal entries so far
    for j in range(1, k):
        run = np.where(table[:, j] == table[:, j - 1], run + 1, 1)
        divisor = divisor * run.astype(object)
    return factorial(k) // divisor


def _kron(parts: list[list[Fraction]]) -> list[Fraction]:
    if all(is_identity(p) for p in parts):  # orthogonal factors: no Fraction products
        return [Fraction(1)] * prod(len(p) for p in parts)
    out = [Fraction(1)]
    for p in parts:
        out = [a * b for a in out for b in p]
    return out


def square_ratios(side) -> tuple[np.ndarray, np.ndarray]:
    """``Problem.squares``' (numerators, denominators) of one side -- one denominator per
    coordinate, or one common integer denominator -- with one denominator per coordinate
    (object arrays of Python ints; not reduced)."""
    numerators, denominators = side
    numerators = np.asarray(numerators, dtype=object)
    if isinstance(denominators, int | np.integer):
        denominators = [int(denominators)] * len(numerators)
    return numerators, np.asarray(denominators, dtype=object)


def scaling_squares(side) -> list[Fraction]:
    """The same squares as Fractions."""
    return [Fraction(int(a), int(b)) for a, b in zip(*square_ratios(side))]


def is_identity(weights: list[Fraction]) -> bool:
    return all(w == 1 for w in weights)
