"""Groups as data: the generators of each factor's defining representation V.

A group is only its generators (EMLP's idea).  Every discrete generator of every
group in the contract acts on V by a *signed permutation* -- ``g e_j = sign[j]
e_{perm[j]}`` -- so finite groups and the reflections of O(n), O(1,3) and GL(n) share
one cheap representation.  Continuous groups add Lie-algebra generators: small
integer matrices, so that exact arithmetic applies to all of them.

Continuous groups also name a finite *subgroup* acting by signed permutations (the
quarter turns of SO(n), the symplectic signed permutations of Sp(n), ...).  Its
elements are genuine group elements, so imposing them never changes the space of
intertwiners, yet they shrink it to its orbits before any linear algebra
(``solvers/reduce.py``).  They are never stored in files: the stored generators stay
those of the spec.

>>> from intertwine.spec import parse_group
>>> [g.perm.tolist() for g in factor_data(parse_group("C(4)").factors[0]).discrete]
[[1, 2, 3, 0]]
>>> factor_data(parse_group("SO(3)").factors[0]).lie[0].toarray().tolist()
[[0, -1, 0], [1, 0, 0], [0, 0, 0]]
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from .basis import CooMatrix
from .spec import Factor, Group

if TYPE_CHECKING:  # imported where used: finite groups never need scipy
    import scipy.sparse as sp

__all__ = ["SignedPerm", "FactorData", "factor_data", "group_generators", "subgroup_generators",
           "spanning_lie_indices"]


@dataclass(frozen=True, eq=False)
class SignedPerm:
    """``g e_j = sign[j] e_{perm[j]}``; ``sign`` is None for a plain permutation."""

    perm: np.ndarray
    sign: np.ndarray | None = None

    @property
    def size(self) -> int:
        return len(self.perm)

    def det(self) -> int:
        """Determinant: sign of the permutation times the product of the signs."""
        perm = self.perm
        seen = np.zeros(len(perm), bool)
        parity = 0
        for start in range(len(perm)):  # runs over V's n points only, never tensor powers
            if seen[start]:
                continue
            length, j = 0, start
            while not seen[j]:
                seen[j] = True
                j = perm[j]
                length += 1
            parity ^= (length - 1) & 1
        d = -1 if parity else 1
        if self.sign is not None and np.count_nonzero(self.sign < 0) % 2:
            d = -d
        return d

    def coo(self) -> CooMatrix:
        """The matrix as coo arrays, rows in increasing order (as scipy's tocoo gives)."""
        n = self.size
        col = np.argsort(self.perm)  # the inverse permutation: row i has its 1 in col[i]
        value = np.ones(n, np.int64) if self.sign is None else self.sign[col].astype(np.int64)
        return CooMatrix(np.arange(n), col, value, (n, n))

    def matrix(self) -> sp.csr_matrix:
        return self.coo().tocsr()

    @staticmethod
    def identity(n: int) -> SignedPerm:
        return SignedPerm(np.arange(n, dtype=np.int64))


@dataclass(frozen=True, eq=False)
class FactorData:
    degree: int
    discrete: tuple[SignedPerm, ...]
    lie: tuple[sp.csr_matrix, ...]
    finite: bool
    #: signed permutations inside the group (beyond ``discrete``), used only to shrink
    #: problems; with ``discrete`` they generate a finite subgroup H
    subgroup: tuple[SignedPerm, ...] = ()


def _from_cycles(n: int, cycles) -> SignedPerm:
    perm = np.arange(n, dtype=np.int64)
    for c in cycles:
        for a, b in zip(c, c[1:] + c[:1]):
            perm[a] = b
    return SignedPerm(perm)


def _unit(n: int, entries) -> sp.csr_matrix:
    import scipy.sparse as sp  # Lie generators only: continuous groups

    rows, cols, vals = zip(*entries)
    return sp.csr_matrix((np.array(vals, np.int64), (rows, cols)), shape=(n, n))


def _reflection(n: int, coords) -> SignedPerm:
    sign = np.ones(n, np.int8)
    sign[list(coords)] = -1
    return SignedPerm(np.arange(n, dtype=np.int64), sign)


def _quarter_turn(n: int, i: int, j: int) -> SignedPerm:
    """e_i -> e_j, e_j -> -e_i: a rotation by 90 degrees in the (i, j) plane (det 1)."""
    perm = np.arange(n, dtype=np.int64)
    perm[i], perm[j] = j, i
    sign = np.ones(n, np.int8)
    sign[j] = -1
    return SignedPerm(perm, sign)


def _quarter_turns(n: int, start: int = 0) -> list[SignedPerm]:
    """Generators of the det-1 signed permutations of coordinates start..n-1.

    Their images in S_n are the adjacent transpositions (all of S_n), and their squares
    are the sign changes of two adjacent coordinates (all even sign changes), so they
    generate every signed permutation of determinant 1: 2**(m-1) m! elements.
    """
    return [_quarter_turn(n, i, i + 1) for i in range(start, n - 1)]


def _rotations(n: int, start: int = 0):
    return [_unit(n, [(i, j, -1), (j, i, 1)])
            for i in range(start, n) for j in range(i + 1, n)]


@lru_cache(maxsize=64)
def factor_data(f: Factor) -> FactorData:
    """Generators of one factor's defining representation."""
    n, kind = f.degree, f.kind
    discrete: list[SignedPerm] = []
    lie: list[sp.csr_matrix] = []
    subgroup: list[SignedPerm] = []
    if kind == "S" and n >= 2:
        discrete = [_from_cycles(n, [(0, 1)])]
        if n >= 3:
            discrete.append(_from_cycles(n, [tuple(range(n))]))
    elif kind == "A" and n >= 3:
        discrete = [_from_cycles(n, [(0, 1, 2)])]
        long = tuple(range(n)) if n % 2 else tuple(range(1, n))
        if long != (0, 1, 2):
            discrete.append(_from_cycles(n, [long]))
    elif kind == "C" and n >= 2:
        discrete = [_from_cycles(n, [tuple(range(n))])]
    elif kind == "D":
        # s stays even where it fixes every vertex (n <= 2): D(n) has order 2n, and s moves
        # the points of reg and Grid
        reflection = SignedPerm((-np.arange(n, dtype=np.int64)) % n)
        discrete = [_from_cycles(n, [tuple(range(n))])] if n >= 2 else []
        discrete.append(reflection)
    elif kind == "Perm":
        discrete = [_from_cycles(n, g) for g in f.cycles]
    elif kind in ("SO", "O") and len(f.args) == 2:  # Lorentz, eta = diag(1, -1, -1, -1)
        lie = _rotations(4, start=1) + [_unit(4, [(0, i, 1), (i, 0, 1)]) for i in (1, 2, 3)]
        subgroup = _quarter_turns(4, start=1)  # rotations of space fix eta and time
        if kind == "O":
            discrete = [_reflection(4, (1, 2, 3)), _reflection(4, (0,))]
    elif kind in ("SO", "O"):
        lie = _rotations(n)
        subgroup = _quarter_turns(n)
        if kind == "O":
            discrete = [_reflection(n, (0,))]
    elif kind == "Sp":  # form J = [[0, I], [-I, 0]]: A^T J + J A = 0
        m = n // 2
        lie = [_unit(n, [(i, j, 1), (m + j, m + i, -1)]) if i != j else
               _unit(n, [(i, i, 1), (m + i, m + i, -1)]) for i in range(m) for j in range(m)]
        lie += [_unit(n, [(i, m + j, 1), (j, m + i, 1)] if i != j else [(i, m + i, 1)])
                for i in range(m) for j in range(i, m)]
        lie += [_unit(n, [(m + i, j, 1), (m + j, i, 1)] if i != j else [(m + i, i, 1)])
                for i in range(m) for j in range(i, m)]
        # P (+) P for a permutation P of the m pairs (P^T J P = J as P is orthogonal), and
        # the quarter turn in the plane (x_0, y_0): a 2x2 block of det 1 is symplectic.
        subgroup = [_quarter_turn(n, 0, m)]
        for i in range(m - 1):
            perm = np.arange(n, dtype=np.int64)
            perm[[i, i + 1, m + i, m + i + 1]] = [i + 1, i, m + i + 1, m + i]
            subgroup.append(SignedPerm(perm))
    elif kind in ("GL", "SL"):
        lie = [_unit(n, [(i, j, 1)]) for i in range(n) for j in range(n) if i != j]
        if kind == "GL":
            lie += [_unit(n, [(i, i, 1)]) for i in range(n)]
            discrete = [_reflection(n, (0,))]
        else:
            lie += [_unit(n, [(i, i, 1), (i + 1, i + 1, -1)]) for i in range(n - 1)]
        subgroup = _quarter_turns(n)  # det 1, so inside SL(n) too
    # Identity generators constrain nothing; dropping them keeps the stored list honest.
    if kind != "D":
        discrete = [g for g in discrete
                    if not (np.array_equal(g.perm, np.arange(n)) and g.sign is None)]
    return FactorData(n, tuple(discrete), tuple(lie), f.finite, tuple(subgroup))


def group_generators(group: Group) -> tuple[list[tuple[int, SignedPerm]],
                                            list[tuple[int, sp.csr_matrix]]]:
    """All generators of a product group, each tagged with the factor it belongs to."""
    discrete, lie = [], []
    for i, f in enumerate(group.factors):
        data = factor_data(f)
        discrete += [(i, g) for g in data.discrete]
        lie += [(i, a) for a in data.lie]
    return discrete, lie


def subgroup_generators(group: Group) -> list[tuple[int, SignedPerm]]:
    """Signed permutations that, with the discrete generators, generate a finite subgroup
    H of the group, each tagged with its factor (the extra ones only)."""
    return [(i, g) for i, f in enumerate(group.factors) for g in factor_data(f).subgroup]


@lru_cache(maxsize=64)
def spanning_lie_indices(f: Factor) -> tuple[int, ...]:
    """Indices of Lie generators A whose conjugates h A h^-1 (h in the factor's H) span the
    whole Lie algebra of the factor.

    Why that suffices: if W commutes with rho(h) for every h in H and dW := d rho_out(A) W -
    W d rho_in(A) vanishes, then for A' = h A h^-1 we get d rho(A') = rho(h) d rho(A)
    rho(h)^-1, so the residual of A' is rho_out(h) (residual of A at rho_out(h)^-1 W rho_in(h)
    = W) rho_in(h)^-1 = 0; residuals are linear in A, so every A in the span is satisfied.
    The span is closed under H (generated by ``discrete`` and ``subgroup``), computed in
    exact rational arithmetic; generators are taken greedily in their stored order.
    """
    data = factor_data(f)
    gens = [g.matrix().astype(np.int64) for g in data.discrete + data.subgroup]
    span = _RationalSpan()
    chosen = []
    for k, a in enumerate(data.lie):
        if span.contains(a):
            continue
        chosen.append(k)
        queue = [a]
        while queue:  # close the span under conjugation by H's generators
            x = queue.pop()
            if not span.add(x):
                continue
            for g in gens:  # signed permutations: g^-1 = g^T
                queue.append((g @ x @ g.T).tocsr())
    return tuple(chosen)


class _RationalSpan:
    """Incremental exact Gauss-Jordan over the rationals on sparse integer matrices."""

    def __init__(self):
        self.rows: dict[tuple[int, int], dict[tuple[int, int], Fraction]] = {}

    def _reduce(self, m: sp.csr_matrix) -> dict:
        coo = m.tocoo()
        v = {(int(r), int(c)): Fraction(int(x)) for r, c, x in zip(coo.row, coo.col, coo.data)
             if x}
        for pivot, row in self.rows.items():
            _subtract(v, v.get(pivot), row)
        return v

    def contains(self, m: sp.csr_matrix) -> bool:
        return not self._reduce(m)

    def add(self, m: sp.csr_matrix) -> bool:
        """Add m to the span; False if it was already in it."""
        v = self._reduce(m)
        if not v:
            return False
        pivot = min(v)
        scale = v[pivot]
        v = {k: x / scale for k, x in v.items()}
        for row in self.rows.values():  # keep rows reduced against the new pivot
            _subtract(row, row.get(pivot), v)
        self.rows[pivot] = v
        return True


def _subtract(target: dict, factor, row: dict) -> None:
    """target -= factor * row, on sparse dicts, dropping entries that become zero."""
    if not factor:
        return
    for key, x in row.items():
        y = target.get(key, 0) - factor * x
        if y:
            target[key] = y
        else:
            target.pop(key, None)
