"""SO(3)'s irreducible representations in e3nn's real basis, exactly.

e3nn (0.5, 0.6; cuEquivariance shares the basis) builds the real representation of
degree l from the complex one |l m> by a fixed change of basis Q
(``e3nn/o3/_wigner.py``: ``su2_generators``, ``change_basis_real_to_complex``,
``so3_generators``): X_k = Q^H J_k Q for the su(2) generators J_k, so that
``wigner_D(l, a, b, c) = exp(a X_1) exp(b X_0) exp(c X_1)`` and for l = 1 the basis is
(x, y, z) with D(R) = R.  The same few lines are repeated here in numpy, so that
neither torch nor e3nn is needed.

Every nonzero entry of X_k is +-sqrt(t) with 4t a small integer: J_k's entries are
sqrt((l -+ m)(l +- m + 1))/2 or i m, Q's are (+-1 or +-i)/sqrt(2) or 1, and the (at most
four) terms of an entry share one square root.  So the float entries determine t
exactly (rounding 4 v**2, checked to be within 1e-6 of an integer), and
``irrep.sqrt_scaling`` finds the diagonal scaling that makes them rational
(unnormalised real harmonic polynomials).

Our Lie generators on V are ``rotations(3)`` (A_01, A_02, A_12, with A_ij e_i = e_j),
i.e. X_2, -X_1, X_0 of l = 1; by linearity d rho_l(A) has the same coefficients in X_k
of degree l (``lie_generators``).
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import numpy as np

__all__ = ["real_generators", "signed_squares", "lie_generators", "rotation_matrix",
           "MAX_DEGREE"]

#: irr(l) beyond this degree is refused (matrices of size 2l+1, squares of size ~l**2)
MAX_DEGREE = 200


def _su2_generators(l: int) -> np.ndarray:
    m = np.arange(-l, l)
    raising = np.diag(-np.sqrt(l * (l + 1) - m * (m + 1.0)), k=-1)
    m = np.arange(-l + 1, l + 1)
    lowering = np.diag(np.sqrt(l * (l + 1) - m * (m - 1.0)), k=1)
    m = np.arange(-l, l + 1)
    return np.stack([0.5 * (raising + lowering), np.diag(1j * m),
                     -0.5j * (raising - lowering)])


def _change_basis(l: int) -> np.ndarray:
    q = np.zeros((2 * l + 1, 2 * l + 1), np.complex128)
    for m in range(-l, 0):
        q[l + m, l + abs(m)] = 1 / 2**0.5
        q[l + m, l - abs(m)] = -1j / 2**0.5
    q[l, l] = 1
    for m in range(1, l + 1):
        q[l + m, l + abs(m)] = (-1) ** m / 2**0.5
        q[l + m, l - abs(m)] = 1j * (-1) ** m / 2**0.5
    return (-1j) ** l * q


@lru_cache(maxsize=64)
def real_generators(l: int) -> np.ndarray:
    """e3nn's ``so3_generators(l)`` in float64: X_0, X_1, X_2 (rotations about x, y, z)."""
    q = _change_basis(l)
    x = np.conj(q.T) @ _su2_generators(l) @ q
    assert np.abs(x.imag).max(initial=0) < 1e-9
    return np.ascontiguousarray(x.real)


def signed_squares(m: np.ndarray) -> np.ndarray:
    """Each entry v of a float matrix as the signed square sign(v) v**2 (Fraction, with
    4 v**2 an integer), as an object array; ValueError if an entry is no such value."""
    four = 4 * m * m
    rounded = np.rint(four)
    if np.abs(four - rounded).max(initial=0) > 1e-6:
        raise ValueError("entry is no square root of a quarter-integer")
    out = np.zeros(m.shape, dtype=object)
    for i, j in zip(*np.nonzero(rounded)):
        out[i, j] = Fraction(int(rounded[i, j]), 4) * (1 if m[i, j] > 0 else -1)
    return out


def coefficients(a: np.ndarray) -> np.ndarray:
    """c with a = sum_k c_k X_k(1) for a 3x3 antisymmetric a (integers here)."""
    # X_0 = e_z e_y^T - e_y e_z^T, X_1 = e_x e_z^T - e_z e_x^T, X_2 = e_y e_x^T - e_x e_y^T
    return np.array([a[2, 1], a[0, 2], a[1, 0]])


def lie_generators(l: int, on_v: list[np.ndarray]) -> list[np.ndarray]:
    """d rho_l(A) for the Lie generators A given on V (3x3 arrays)."""
    x = real_generators(l)
    return [np.tensordot(coefficients(np.asarray(a)), x, axes=1) for a in on_v]


def rotation_matrix(l: int, r: np.ndarray) -> np.ndarray:
    """rho_l(R) for a rotation R (det 1): exp(theta sum_k n_k X_k) for its axis n and
    angle theta (the half-turns, where the log is not unique, by the axis of R + I)."""
    from scipy.linalg import expm

    r = np.asarray(r, float)
    theta = float(np.arccos(np.clip((np.trace(r) - 1) / 2, -1, 1)))
    if theta < 1e-12:
        return np.eye(2 * l + 1)
    if np.pi - theta < 1e-6:
        s = r + np.eye(3)
        axis = s[:, np.argmax(np.linalg.norm(s, axis=0))]
    else:
        axis = np.array([r[2, 1] - r[1, 2], r[0, 2] - r[2, 0], r[1, 0] - r[0, 1]])
    axis = axis / np.linalg.norm(axis)
    return expm(theta * np.tensordot(axis, real_generators(l), axes=1))
