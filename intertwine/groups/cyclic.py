"""The cyclic groups C(n) (alias Z(n)) and the dihedral groups D(n) of the n-gon, with
their real irreducible representations in escnn's convention.

C(n), ``irr(k)`` for 0 <= k <= n/2: the generator r (t -> t+1) acts as 1 (k = 0),
as -1 (k = n/2), else as the rotation R(2 pi k/n) of the plane.
D(n), ``irr(j, k)``: r and the reflection s (i -> -i) act as

    (0, 0): 1, 1        (1, 0): 1, -1
    (0, n/2): -1, 1     (1, n/2): -1, -1        (n even)
    (1, k), 0 < k < n/2: R(2 pi k/n), diag(1, -1)

The 2-dimensional ones are rational exactly when 4k/n is an integer, i.e. 4k = n:
R(pi/2) is the signed permutation e_0 -> e_1, e_1 -> -e_0.  Those and the 1-dimensional
ones are signed permutations; the others are float matrices (numeric only).

Characters, for counting without a basis: the element r^t (and r^t s on D(n)) has

    chi_k(r^t) = 2 cos(2 pi k t/n)   (2-dimensional),  chi(r^t s) = 0,

and the 1-dimensional ones are their generators' images raised to t (times s's).

>>> generator_matrices("C", 8, (2,))[0].tolist()
[[0.0, -1.0], [1.0, 0.0]]
>>> is_rational("C", 8, (1,)), is_rational("C", 8, (2,)), is_rational("D", 3, (1, 1))
(False, True, False)
>>> character("D", 4, (1, 1), np.arange(4), np.array([0, 0, 1, 1])).round(12).tolist()
[2.0, 0.0, 0.0, 0.0]
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import numpy as np

from .base import ElementTable, FiniteFamily, SignedPerm, from_cycles, register
from .irrep import IrrepData

if TYPE_CHECKING:
    from .base import Factor


def cyclic_rotations(n: int) -> Counter:
    # Shift t has gcd(n, t) cycles of length n / gcd, so sign (-1)**(n - gcd).  For n odd
    # that is always +1; for n even, n - gcd is odd exactly when gcd is odd, i.e. t odd:
    # no divisor sums (nor factorisations of a huge n) are needed.
    hist = Counter({(n, 1): 1})
    if n % 2:
        hist[(0, 1)] += n - 1
    else:
        hist[(0, -1)] += n // 2
        hist[(0, 1)] += n // 2 - 1
    return hist


def _with_powers(n: int, reflections: bool, powers: int, max_order: int) -> dict | None:
    """Histogram keyed by traces of g, ..., g**powers, element by element (vectorised):
    shift t fixes everything when n divides t and nothing else; a reflection
    i -> s - i squares to the identity."""
    if n * (2 if reflections else 1) > max_order:
        return None
    t = np.arange(n, dtype=np.int64)
    gcd = np.gcd(t, n)
    columns = [np.where(t == 0, n, 0), np.where((n - gcd) % 2, -1, 1)]
    columns += [np.where((j * t) % n == 0, n, 0) for j in range(2, powers + 1)]
    if reflections:
        s = np.arange(n, dtype=np.int64)
        if n % 2:
            fix = np.ones(n, np.int64)
            sign = np.full(n, (-1) ** ((n - 1) // 2))
        else:
            fix = np.where(s % 2 == 0, 2, 0)
            sign = np.where(s % 2 == 0, (-1) ** ((n - 2) // 2), (-1) ** (n // 2))
        more = [fix, sign] + [fix if j % 2 else np.full(n, n) for j in range(2, powers + 1)]
        columns = [np.concatenate([a, b]) for a, b in zip(columns, more)]
    keys, counts = np.unique(np.stack(columns), axis=1, return_counts=True)
    return {tuple(k): c for k, c in zip(keys.T.tolist(), counts.tolist(), strict=True)}


# ----------------------------------------------------------------------------- irreps

#: D(n) up to this n lists its irreducible representations in an error message
MAX_LISTED = 12


def valid_labels(kind: str, n: int) -> list[tuple[int, ...]]:
    """Every label irr(...) of C(n) or D(n), in order."""
    if kind == "C":
        return [(k,) for k in range(n // 2 + 1)]
    labels = [(0, 0), (1, 0)]
    labels += [(1, k) for k in range(1, (n + 1) // 2)]
    if n % 2 == 0 and n >= 2:
        labels += [(0, n // 2), (1, n // 2)]
    return labels


def is_valid_label(kind: str, n: int, label: tuple[int, ...]) -> bool:
    """``label in valid_labels(kind, n)``, in constant time: n may have 30 digits."""
    if kind == "C":
        return len(label) == 1 and 0 <= label[0] <= n // 2
    if len(label) != 2:
        return False
    j, k = label
    if k == 0 or (n % 2 == 0 and n >= 2 and k == n // 2):
        return j in (0, 1)
    return j == 1 and 1 <= k < (n + 1) // 2


def _frequency(kind: str, label: tuple[int, ...]) -> int:
    return label[-1]


def dimension(kind: str, n: int, label: tuple[int, ...]) -> int:
    k = _frequency(kind, label)
    return 2 if 0 < 2 * k < n else 1


def is_rational(kind: str, n: int, label: tuple[int, ...]) -> bool:
    k = _frequency(kind, label)
    return dimension(kind, n, label) == 1 or 4 * k == n


def _rotation(theta: float) -> np.ndarray:
    c, s = np.cos(theta), np.sin(theta)
    return np.array([[c, -s], [s, c]])


def generator_matrices(kind: str, n: int, label: tuple[int, ...]) -> list[np.ndarray]:
    """Dense float matrices of the generators (r for C(n); r, s for D(n); r left out
    for n = 1, as the group's generators are)."""
    k = _frequency(kind, label)
    if dimension(kind, n, label) == 2:
        if 4 * k == n:  # exact quarter turn, no rounding
            r = np.array([[0.0, -1.0], [1.0, 0.0]])
        else:
            r = _rotation(2 * np.pi * k / n)
        s = np.diag([1.0, -1.0])
    else:
        r = np.array([[-1.0 if 2 * k == n and k else 1.0]])
        s = np.array([[-1.0 if label[0] == 1 else 1.0]]) if kind == "D" else None
    gens = [r] if n >= 2 else []
    return gens + ([s] if kind == "D" else [])


def signed_generators(kind: str, n: int, label: tuple[int, ...]) -> list[tuple[list, list]]:
    """The generators of a rational irrep as signed permutations (perm, sign)."""
    assert is_rational(kind, n, label)
    out = []
    for m in generator_matrices(kind, n, label):
        perm = np.abs(m).argmax(axis=0)  # column j's nonzero sits in row perm[j]
        sign = m[perm, np.arange(len(m))]
        out.append((perm.tolist(), [int(x) for x in sign]))
    return out


def character(kind: str, n: int, label: tuple[int, ...], t: np.ndarray,
              flip: np.ndarray) -> np.ndarray:
    """chi at the elements r^t s^flip (arrays of equal shape), as floats."""
    k = _frequency(kind, label)
    t = np.asarray(t)
    flip = np.asarray(flip)
    if dimension(kind, n, label) == 2:
        return np.where(flip == 1, 0.0, 2 * np.cos(2 * np.pi * k * (t % n) / n))
    r_sign = -1.0 if 2 * k == n and k else 1.0
    s_sign = -1.0 if kind == "D" and label[0] == 1 else 1.0
    return (r_sign ** (t % 2)) * np.where(flip == 1, s_sign, 1.0)


class _CyclicIrreps:
    """The irreps interface of ``groups/irrep.py`` for C(n) and D(n) (``kind``)."""

    kind = ""

    def irrep_problem(self, f: Factor, label):
        kind, n = self.kind, f.args[0]
        if len(label) != (1 if kind == "C" else 2):
            return f"on {kind}(n) it is " + ("irr(k)" if kind == "C" else "irr(j, k)")
        if is_valid_label(kind, n, tuple(label)):
            return None
        if kind == "C":
            return f"k runs over 0..{n // 2}"
        if n <= MAX_LISTED:
            return "its irreducible representations are " + \
                ", ".join(f"irr({j}, {k})" for j, k in valid_labels(kind, n))
        top = (n + 1) // 2 - 1
        return ("its irreducible representations are irr(0, 0), irr(1, 0), irr(1, k) for "
                f"1 <= k <= {top}" + (f", irr(0, {n // 2}), irr(1, {n // 2})"
                                      if n % 2 == 0 else ""))

    def irrep_dimension(self, f: Factor, label) -> int:
        return dimension(self.kind, f.args[0], label)

    def irrep_exactness(self, f: Factor, label) -> str:
        return "rational" if is_rational(self.kind, f.args[0], label) else "float"

    def irrep(self, f: Factor, label) -> IrrepData:
        kind, n = self.kind, f.args[0]
        if is_rational(kind, n, label):
            gens = []
            for perm, sign in signed_generators(kind, n, label):
                sign = np.array(sign, np.int8)
                gens.append(SignedPerm(np.array(perm, np.int64),
                                       None if (sign > 0).all() else sign))
            return IrrepData(dimension(kind, n, label), "rational", tuple(gens))
        return IrrepData(dimension(kind, n, label), "float",
                         tuple(generator_matrices(kind, n, label)))

    def irrep_character(self, f: Factor, label, value):
        chi = character(self.kind, f.args[0], label, value("t"), value("flip"))
        return np.rint(chi).astype(np.int64) if is_rational(self.kind, f.args[0], label) \
            else chi


@register
class Cyclic(_CyclicIrreps, FiniteFamily):
    names = ("C", "Z")
    summary = "cyclic group"
    kind = "C"
    irrep_syntax = "irr(k) on C(n)"

    def degree(self, f: Factor) -> int:
        return f.args[0]

    def discrete(self, f: Factor):
        n = f.args[0]
        return [from_cycles(n, [tuple(range(n))])] if n >= 2 else []

    def order(self, f: Factor) -> int:
        return f.args[0]

    def histogram(self, f: Factor, degree: int | None, max_order: int, powers: int = 1):
        if powers > 1:
            return _with_powers(f.args[0], False, powers, max_order)
        return {key: v for key, v in cyclic_rotations(f.args[0]).items() if v}

    def element_table(self, f: Factor) -> ElementTable:
        """Shift t is i -> i + t; ascending t is lexicographic (row t starts with t)."""
        n = f.args[0]
        perm = (np.arange(n)[None, :] + np.arange(n)[:, None]) % n
        return ElementTable(perm.astype(np.int64), np.ones((n, n), np.int8))


@register
class Dihedral(_CyclicIrreps, FiniteFamily):
    names = ("D",)
    summary = "dihedral group of the n-gon"
    kind = "D"
    irrep_syntax = "irr(j, k) on D(n)"

    def degree(self, f: Factor) -> int:
        return f.args[0]

    #: s fixes every vertex of D(1) and D(2), yet D(n) has order 2n and s moves the
    #: points of reg and Grid: it stays a generator
    keeps_trivial_generators = True

    def discrete(self, f: Factor):
        n = f.args[0]
        reflection = SignedPerm((-np.arange(n, dtype=np.int64)) % n)
        return ([from_cycles(n, [tuple(range(n))])] if n >= 2 else []) + [reflection]

    def order(self, f: Factor) -> int:
        return 2 * f.args[0]

    def histogram(self, f: Factor, degree: int | None, max_order: int, powers: int = 1):
        if powers > 1:
            return _with_powers(f.args[0], True, powers, max_order)
        # reflections i -> s - i (mod n); D(1) and D(2) follow from the same formulas
        n = f.args[0]
        hist = cyclic_rotations(n)
        if n % 2:
            hist[(1, (-1) ** ((n - 1) // 2))] += n
        else:
            hist[(2, (-1) ** ((n - 2) // 2))] += n // 2
            hist[(0, (-1) ** (n // 2))] += n // 2
        return {key: v for key, v in hist.items() if v}

    def faithful_generators(self, f: Factor) -> list[SignedPerm]:
        """r: i -> i+1 and s: i -> -i on the n vertices plus one coordinate that s negates
        (so the action is faithful for n <= 2 too: s fixes every vertex of D(1), D(2)).
        r is left out for n = 1, where it is the identity.  Among elements acting alike
        on the vertices the rotation so comes first (the contract leaves it open)."""
        n = f.args[0]
        extra = np.array([n])
        r = SignedPerm(np.concatenate([(np.arange(n) + 1) % n, extra]))
        sign = np.ones(n + 1, np.int8)
        sign[n] = -1
        s = SignedPerm(np.concatenate([(-np.arange(n)) % n, extra]), sign)
        return [r, s] if n >= 2 else [s]

    def element_table(self, f: Factor) -> ElementTable:
        """i -> e i + t for t in 0..n-1 and e = +-1, the last coordinate holding e."""
        n = f.args[0]
        t = np.repeat(np.arange(n), 2)
        e = np.tile([1, -1], n)
        vertices = (e[:, None] * np.arange(n)[None, :] + t[:, None]) % n
        perm = np.hstack([vertices, np.full((2 * n, 1), n)]).astype(np.int64)
        sign = np.ones(perm.shape, np.int8)
        sign[:, n] = e
        return ElementTable.sorted_from(perm, sign)
