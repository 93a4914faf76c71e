"""Real irreducible representations of C(n) and D(n), in escnn's convention.

C(n), ``irr(k)`` for 0 <= k <= n/2: the generator r (t -> t+1) acts as 1 (k = 0),
as -1 (k = n/2), else as the rotation R(2 pi k/n) of the plane.
D(n), ``irr(j, k)``: r and the reflection s (i -> -i) act as

    (0, 0): 1, 1        (1, 0): 1, -1
    (0, n/2): -1, 1     (1, n/2): -1, -1        (n even)
    (1, k), 0 < k < n/2: R(2 pi k/n), diag(1, -1)

The 2-dimensional ones are rational exactly when 4k/n is an integer, i.e. 4k = n:
R(pi/2) is the signed permutation e_0 -> e_1, e_1 -> -e_0.  Those and the 1-dimensional
ones are signed permutations; the others are float matrices.

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

import numpy as np

__all__ = ["valid_labels", "is_valid_label", "dimension", "is_rational", "generator_matrices",
           "signed_generators", "character"]


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
