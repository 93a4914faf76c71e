"""Elements of finite groups in the contract's order, and the left regular action.

An element is held as a signed permutation of a *faithful* set of coordinates:
``g e_j = s_j e_{perm[j]}``.  For every finite family that is its defining
representation V -- except the dihedral groups D(1) and D(2), whose reflection
fixes every vertex.  There one more coordinate carries the reflection's sign, so a
dihedral element is (one-line notation on the vertices, then + or -).

The contract orders the elements of a permutation group lexicographically by
their one-line notation (g(0), ..., g(n-1)), and signed permutations by their
permutation and then by their signs, + before -.  Both are the lexicographic
order of the rows (perm, sign bits) with sign bit 0 for + and 1 for -, which is
the order of :class:`ElementTable`.  For D(1) and D(2) this puts, among elements
acting alike on the vertices, the rotation before the reflection (a choice the
contract leaves open: D(n) has 2n elements but only n of them differ on n <= 2
vertices).

>>> table = ElementTable.from_generators([SignedPermutation([1, 2, 0])])
>>> table.perm.tolist()
[[0, 1, 2], [1, 2, 0], [2, 0, 1]]
>>> table.regular(SignedPermutation([1, 2, 0])).tolist()  # e_h -> e_{gh}
[1, 2, 0]
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import permutations

import numpy as np

__all__ = ["SignedPermutation", "ElementTable", "symmetric_table", "alternating_table",
           "cyclic_table", "dihedral_table", "dihedral_generators", "MAX_ELEMENTS"]

#: Largest group whose elements are ever listed (reg of it has this dimension).
MAX_ELEMENTS = 2_000_000


@dataclass(frozen=True, eq=False)
class SignedPermutation:
    """``g e_j = sign[j] e_{perm[j]}``; signs +1 where ``sign`` is omitted."""

    perm: np.ndarray
    sign: np.ndarray

    def __init__(self, perm, sign=None):
        perm = np.asarray(perm, dtype=np.int64)
        object.__setattr__(self, "perm", perm)
        object.__setattr__(self, "sign", np.ones(len(perm), np.int8) if sign is None
                           else np.asarray(sign, dtype=np.int8))

    def row(self) -> np.ndarray:
        return np.concatenate([self.perm, (self.sign < 0).astype(np.int64)])


def _compose(g_perm: np.ndarray, g_sign: np.ndarray, h_perm: np.ndarray, h_sign: np.ndarray):
    """Rows of g h for one g and many h: (gh) e_j = s^h_j s^g_{h(j)} e_{g(h(j))}."""
    return g_perm[h_perm], h_sign * g_sign[h_perm]


@dataclass(frozen=True, eq=False)
class ElementTable:
    """All elements of a finite group, sorted (perm columns, then sign bits)."""

    perm: np.ndarray  # (order, degree) int64
    sign: np.ndarray  # (order, degree) int8, +1 or -1

    @property
    def order(self) -> int:
        return len(self.perm)

    def rows(self) -> np.ndarray:
        return np.hstack([self.perm, (self.sign < 0).astype(np.int64)])

    @classmethod
    def sorted_from(cls, perm: np.ndarray, sign: np.ndarray) -> ElementTable:
        rows = np.hstack([perm, (sign < 0).astype(np.int64)])
        order = np.lexsort(rows.T[::-1])  # first column most significant
        return cls(np.ascontiguousarray(perm[order]), np.ascontiguousarray(sign[order]))

    @classmethod
    def from_generators(cls, generators: list[SignedPermutation], degree: int | None = None,
                        limit: int = MAX_ELEMENTS) -> ElementTable:
        """Closure of the generators (breadth first); ValueError beyond ``limit``."""
        if degree is None:
            degree = len(generators[0].perm)
        identity = np.arange(degree, dtype=np.int64)
        seen = {SignedPermutation(identity).row().tobytes()}
        perms, signs = [identity], [np.ones(degree, np.int8)]
        frontier = (identity[None, :], np.ones((1, degree), np.int8))
        while len(frontier[0]):
            new_p, new_s = [], []
            for g in generators:
                p, s = _compose(g.perm, g.sign, *frontier)
                for pr, sr in zip(p, s):
                    key = np.concatenate([pr, (sr < 0)]).astype(np.int64).tobytes()
                    if key not in seen:
                        seen.add(key)
                        new_p.append(pr)
                        new_s.append(sr)
            if len(seen) > limit:
                raise ValueError(f"the group has more than {limit} elements")
            perms += new_p
            signs += new_s
            frontier = (np.array(new_p, np.int64).reshape(-1, degree),
                        np.array(new_s, np.int8).reshape(-1, degree))
        return cls.sorted_from(np.array(perms), np.array(signs))

    def index(self, perm: np.ndarray, sign: np.ndarray) -> np.ndarray:
        """Positions of the given element rows in the table (they must be elements)."""
        table = self.rows()
        query = np.hstack([perm, (sign < 0).astype(np.int64)])
        both = np.vstack([table, query])
        _, inverse = np.unique(both, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        # the table is sorted and duplicate-free, so its rows keep their positions
        return inverse[self.order:]

    def regular(self, g: SignedPermutation) -> np.ndarray:
        """The left regular action of g as a permutation: e_h -> e_{gh}."""
        p, s = _compose(g.perm, g.sign, self.perm, self.sign)
        return self.index(p, s)


# ----------------------------------------------------------------------------- families

def symmetric_table(n: int) -> ElementTable:
    """S(n): itertools.permutations already lists one-line notations in lex order."""
    perm = np.array(list(permutations(range(n))), dtype=np.int64).reshape(-1, n)
    return ElementTable(perm, np.ones(perm.shape, np.int8))


def _parity(perm: np.ndarray) -> np.ndarray:
    """Parity (0 even, 1 odd) of each row, by counting inversions."""
    n = perm.shape[1]
    inversions = np.zeros(len(perm), np.int64)
    for i in range(n):  # n is small here: the table holds n! rows
        inversions += (perm[:, i:i + 1] > perm[:, i + 1:]).sum(axis=1)
    return inversions & 1


def alternating_table(n: int) -> ElementTable:
    table = symmetric_table(n)
    even = _parity(table.perm) == 0
    return ElementTable(table.perm[even], table.sign[even])


def cyclic_table(n: int) -> ElementTable:
    """C(n): shift t is i -> i + t; ascending t is lexicographic (row t starts with t)."""
    perm = (np.arange(n)[None, :] + np.arange(n)[:, None]) % n
    return ElementTable(perm.astype(np.int64), np.ones((n, n), np.int8))


def dihedral_generators(n: int) -> list[SignedPermutation]:
    """D(n)'s generators r: i -> i+1 and s: i -> -i on the n vertices plus one coordinate
    that s negates (so the action is faithful for n <= 2 too).  r is left out for n = 1,
    where it is the identity."""
    extra = np.array([n])
    r = SignedPermutation(np.concatenate([(np.arange(n) + 1) % n, extra]))
    sign = np.ones(n + 1, np.int8)
    sign[n] = -1
    s = SignedPermutation(np.concatenate([(-np.arange(n)) % n, extra]), sign)
    return [r, s] if n >= 2 else [s]


def dihedral_table(n: int) -> ElementTable:
    """D(n): i -> e i + t for t in 0..n-1 and e = +-1, the last coordinate holding e."""
    t = np.repeat(np.arange(n), 2)
    e = np.tile([1, -1], n)
    vertices = (e[:, None] * np.arange(n)[None, :] + t[:, None]) % n
    perm = np.hstack([vertices, np.full((2 * n, 1), n)]).astype(np.int64)
    sign = np.ones(perm.shape, np.int8)
    sign[:, n] = e
    return ElementTable.sorted_from(perm, sign)
