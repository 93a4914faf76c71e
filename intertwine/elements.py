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
from functools import lru_cache
from itertools import permutations

import numpy as np

__all__ = ["SignedPermutation", "ElementTable", "symmetric_table", "alternating_table",
           "cyclic_table", "dihedral_table", "dihedral_generators", "MAX_ELEMENTS",
           "element_table", "faithful_generators", "factor_order", "ElementAxis"]

#: Largest group whose elements are ever listed (reg of it has this dimension).
MAX_ELEMENTS = 2_000_000
#: ... and the most entries (elements x degree) of its table, ~9 bytes each
MAX_TABLE_ENTRIES = 50_000_000


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


# ----------------------------------------------------------------------------- factors

def factor_order(factor) -> int | None:
    """|G| of one finite factor, from its family (None if unknown)."""
    return factor.family.order(factor)


def faithful_generators(factor) -> list[SignedPermutation]:
    """The factor's discrete generators (``groups.factor_data``, same order) as rows of
    ``element_table``: on V, except D(n), whose rows carry the reflection's sign too."""
    if factor.kind == "D":
        return dihedral_generators(factor.args[0])
    from .groups import factor_data

    return [SignedPermutation(g.perm, g.sign) for g in factor_data(factor).discrete]


@lru_cache(maxsize=16)
def element_table(factor) -> ElementTable:
    """Every element of a finite factor in the contract's order; ValueError (TooLarge)
    beyond MAX_ELEMENTS."""
    kind = factor.kind
    order = factor_order(factor)
    if order is None or order > MAX_ELEMENTS:
        from .problem import TooLarge

        raise TooLarge(f"{factor} has {'too many' if order is None else order} elements; "
                       f"at most {MAX_ELEMENTS} are listed")
    n = factor.degree
    if order * (n + 1) > MAX_TABLE_ENTRIES:  # C(10**6): 10**6 shifts of 10**6 points each
        from .problem import TooLarge

        raise TooLarge(f"{factor} is too large to list its elements: {order} elements on "
                       f"{n} points, at most {MAX_TABLE_ENTRIES} entries")
    if kind == "S":
        return symmetric_table(n)
    if kind == "A":
        return alternating_table(n)
    if kind == "C":
        return cyclic_table(n)
    if kind == "D":
        return dihedral_table(n)
    gens = faithful_generators(factor)
    if not gens:
        return ElementTable(np.arange(n, dtype=np.int64)[None, :], np.ones((1, n), np.int8))
    return ElementTable.from_generators(gens, n)


# ----------------------------------------------------------------------------- characters

#: factors with more elements are counted from their (fix, sign) histogram (reg only)
MAX_TABLE = 200_000


class ElementAxis:
    """Every element of one finite factor, for the character sums of ``counting``:
    ``weights`` and, at the powers g**p of the elements (for the cycle index of sym and
    alt), the arrays that V, det and the fields need (``value(key, power)``).

    C(n), D(n): by formulas in (t, flip) for r^t s^flip, so C(10**6) costs 10**6 entries.
    Other groups: their element table (faithful rows), powers by composing rows.  A group
    too large for a table falls back to its (fix, sign) histogram, at power 1 only.
    """

    def __init__(self, factor):
        self.factor = factor
        kind = factor.kind
        self.table = None
        self.hist = None
        if kind in ("C", "D"):
            n = factor.args[0]
            flips = (0, 1) if kind == "D" else (0,)
            self.t = np.tile(np.arange(n), len(flips))
            self.flip = np.repeat(np.array(flips), n)
            self.weights = np.ones(len(self.t), np.int64)
        elif kind not in ("S", "A", "Perm") or \
                (factor_order(factor) or MAX_TABLE + 1) <= MAX_TABLE:
            self.table = element_table(factor)
            self.weights = np.ones(self.table.order, np.int64)
        else:
            from .counting import histogram

            hist = histogram(factor)  # the whole group: no replacement by a smaller S(n)
            if hist is None:
                raise ValueError("too large")
            self.hist = hist
            self.weights = np.array(list(hist.values()), dtype=object)

    @staticmethod
    def of(factor) -> ElementAxis | None:
        kind = factor.kind
        if kind in ("C", "D") and 2 * factor.args[0] > MAX_ELEMENTS:
            return None
        try:
            return ElementAxis(factor)
        except ValueError:
            return None

    def value(self, key: str, power: int = 1) -> np.ndarray | None:
        """``fix`` (trace on V), ``sign`` (det on V), ``identity``, ``t``/``flip`` (C, D),
        ``element`` (table index) at g**power for every g; None where unknown."""
        if self.table is None and self.hist is None:
            return self._dihedral(key, power)
        if self.hist is not None:
            if power != 1:
                return None
            keys = list(self.hist)
            fix = np.array([f for f, _ in keys], np.int64)
            return {"fix": fix, "sign": np.array([s for _, s in keys], np.int64),
                    "identity": fix == self.factor.degree}.get(key)  # V is faithful here
        index = self._power_index(power)
        if key == "element":
            return index
        if key == "identity":
            return index == 0
        perm, sign = self.table.perm[index], self.table.sign[index]
        degree = self.factor.degree
        perm, sign = perm[:, :degree], sign[:, :degree]
        if key == "fix":
            return np.where(perm == np.arange(degree), sign, 0).sum(axis=1)
        if key == "sign":
            return np.where(_parity(perm) == 1, -1, 1) * np.prod(sign, axis=1, dtype=np.int64)
        return None

    def _power_index(self, power: int) -> np.ndarray:
        table = self.table
        perm, sign = table.perm, table.sign
        out_p = np.tile(np.arange(perm.shape[1]), (len(perm), 1))
        out_s = np.ones_like(sign)
        for _ in range(power):  # g * (g**m): row-wise composition
            out_s = out_s * np.take_along_axis(sign, out_p, 1)
            out_p = np.take_along_axis(perm, out_p, 1)
        return table.index(out_p, out_s)

    def _dihedral(self, key: str, power: int) -> np.ndarray:
        n = self.factor.args[0]
        odd = power % 2 == 1
        # (r^t)^p = r^(tp); a reflection squares to the identity
        flip = self.flip * odd
        t = np.where(self.flip == 1, self.t * odd, (self.t * power) % n)
        if key == "t":
            return t
        if key == "flip":
            return flip
        if key == "identity":
            return (t == 0) & (flip == 0)
        # rotation r^t: gcd(t, n) cycles; reflection i -> t - i: fixed points solve 2i = t
        fix_ref = np.where(n % 2 == 1, 1, np.where(t % 2 == 0, 2, 0))
        fix = np.where(flip == 1, fix_ref, np.where(t == 0, n, 0))
        if key == "fix":
            return fix
        cycles = np.where(flip == 1, fix_ref + (n - fix_ref) // 2, np.gcd(t, n))
        return np.where((n - cycles) % 2 == 1, -1, 1)  # "sign"
