"""Rotations SO(n), rotations and reflections O(n), and the Lorentz groups SO(1,3), O(1,3).

Lie algebras by the rotation generators; the finite subgroup of the quarter turns.
Closed counts (Brauer's centraliser theorem, through the Pieri rule): the irreducibles
of O(n) in tensor powers of V are the partitions lambda with lambda'_1 + lambda'_2 <= n,
and lambda (x) V = sum of lambda +- one box, invalid ones dropped (Goodman-Wallach,
ch. 10); det (x) lambda is the associate partition.  Ind from SO(n) to O(n) of the
trivial representation is 1 + det, so Hom_SO(R, Q) = Hom_O(R, Q) + Hom_O(R, Q (x) det).
SO(1,3) and O(1,3) are Zariski-dense real forms of SO(4, C) and O(4, C): as SO(4), O(4).

Irreducible representations (``groups/irrep.py``): ``irr(k)`` of SO(2) (R(k theta), Lie
generator k [[0, -1], [1, 0]]), ``irr(j, k)`` of O(2) (escnn's convention, as D(n)),
``irr(l)`` of SO(3) and ``irr(l, e|o)`` (``0e``, ``1o``, ...) of O(3) in e3nn's real
basis (``groups/so3.py``): exact after a diagonal square-root scaling.
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

import numpy as np

from ..combinatorics import MAX_CONTINUOUS_DEGREE, associate, walks
from .base import (
    ArgumentError,
    GroupFamily,
    SignedPerm,
    quarter_turns,
    reflection,
    register,
    rotations,
    unit,
)
from .irrep import IrrepData

if TYPE_CHECKING:
    from .base import Factor

LORENTZ = (1, 3)


PARITIES = ("e", "o")


def _signed_perm(m: np.ndarray) -> SignedPerm | None:
    """m as a signed permutation where it is one (to 1e-9), else None."""
    rounded = np.rint(m)
    if np.abs(m - rounded).max(initial=0) > 1e-9 or \
            not (np.abs(rounded).sum(axis=0) == 1).all() or \
            not (np.abs(rounded).sum(axis=1) == 1).all():
        return None
    perm = np.abs(rounded).argmax(axis=0)
    sign = rounded[perm, np.arange(len(m))].astype(np.int8)
    return SignedPerm(perm.astype(np.int64), None if (sign > 0).all() else sign)


def _as_action(m: np.ndarray):
    g = _signed_perm(m)
    return m if g is None else g


def _plane(k: int, theta_quarters: int) -> np.ndarray:
    """R(k theta) for theta = quarters * pi/2, exactly."""
    c = [1, 0, -1, 0][(k * theta_quarters) % 4]
    s = [0, 1, 0, -1][(k * theta_quarters) % 4]
    return np.array([[c, -s], [s, c]], np.int64)


class _OrthogonalIrreps:
    """Irreps of SO(2), O(2), SO(3), O(3) (``groups/irrep.py``)."""

    special = True

    def _shape_problem(self, f, label) -> str | None:
        n = f.args
        if n == (2,):
            want = 1 if self.special else 2
            if len(label) != want or not all(isinstance(x, int) for x in label):
                return "on SO(2) it is irr(k)" if self.special else "on O(2) it is irr(j, k)"
            return None
        if n == (3,):
            if self.special:
                if len(label) != 1 or not isinstance(label[0], int):
                    return "on SO(3) it is irr(l), l >= 0"
                return None
            if len(label) != 2 or not isinstance(label[0], int) or label[1] not in PARITIES:
                return "on O(3) it is irr(l, e), irr(l, o) or the shorthand 0e, 1o, 2e, ..."
            return None
        from .base import families_with_irreps

        return "irr exists only as " + families_with_irreps()

    def irrep_problem(self, f, label):
        problem = self._shape_problem(f, label)
        if problem:
            return problem
        if f.args == (2,) and not self.special:
            j, k = label
            if j not in (0, 1) or k < 0 or (j == 0 and k != 0):
                return ("its irreducible representations are irr(0, 0), irr(1, 0) and "
                        "irr(1, k) for k >= 1")
        if f.args == (3,) and label[0] > so3_max():
            return f"l is at most {so3_max()} here"
        return None

    def irrep_dimension(self, f, label) -> int:
        if f.args == (2,):
            return 1 if label[-1] == 0 else 2
        return 2 * label[0] + 1

    def irrep_exactness(self, f, label) -> str:
        if f.args == (2,) or label[0] <= 1:
            return "rational"
        return "sqrt"

    def irrep(self, f, label) -> IrrepData:
        return (_plane_irrep if f.args == (2,) else _space_irrep)(f, tuple(label))

    def irrep_character(self, f, label, value):
        """At the elements of ``counting.TorusAxis``: from the rotation angle and the
        component (``reflected``)."""
        angle, reflected = value("angle"), value("reflected")
        if f.args == (2,):
            k = label[-1]
            if k == 0:
                return np.where(reflected, -1.0, 1.0) if label[0] == 1 and len(label) == 2 \
                    else np.ones_like(angle)
            return np.where(reflected, 0.0, 2 * np.cos(k * angle))
        l = label[0]
        chi = 1 + 2 * sum(np.cos(m * angle) for m in range(1, l + 1))
        if len(label) == 2 and label[1] == "o":
            chi = np.where(reflected, -chi, chi)
        return chi


def so3_max() -> int:
    from .so3 import MAX_DEGREE

    return MAX_DEGREE


def _factor_matrices(f):
    """V's discrete, subgroup and Lie generators as dense integer arrays (numpy only:
    ``SignedPerm.matrix`` would import scipy.sparse)."""
    from .generators import factor_data

    data = factor_data(f)
    dense = [g.coo().toarray() for g in data.discrete]
    sub = [g.coo().toarray() for g in data.subgroup]
    return dense, sub, [a.toarray() for a in data.lie]


@lru_cache(maxsize=64)
def _plane_irrep(f, label) -> IrrepData:
    """SO(2) irr(k), O(2) irr(j, k): integer matrices."""
    discrete, sub, lie = _factor_matrices(f)
    k = label[-1]
    j = label[0] if len(label) == 2 else 1
    if k == 0:
        sign = -1 if (len(label) == 2 and j == 1) else 1
        return IrrepData(1, "rational",
                         tuple(_as_action(np.array([[sign]])) for _ in discrete),
                         tuple(np.zeros((1, 1), np.int64) for _ in lie),
                         tuple(_as_action(np.array([[1]])) for _ in sub))
    generator = np.array([[0, -1], [1, 0]], np.int64)
    # V's reflection (x, y) -> (-x, y) is R(pi) diag(1, -1): R(k pi) diag(1, -1) here;
    # the quarter turn R(pi/2) of the subgroup acts as R(k pi/2)
    reflection_image = _plane(k, 2) @ np.diag([1, -1])
    return IrrepData(2, "rational",
                     tuple(_as_action(reflection_image) for _ in discrete),
                     tuple(int(a[1, 0]) * k * generator for a in lie),
                     tuple(_as_action(_plane(k, 1)) for _ in sub))


@lru_cache(maxsize=64)
def _space_irrep(f, label) -> IrrepData:
    return _SpaceIrrep(f, label)


@lru_cache(maxsize=64)
def _rotation_images(f, l: int) -> tuple[np.ndarray, ...]:
    """rho_l(-g) of the discrete generators g (half turns), integers: the images of
    irr(l, e), and of irr(l, o) up to sign."""
    from . import so3

    discrete, _, _ = _factor_matrices(f)
    return tuple(np.rint(so3.rotation_matrix(l, -g)).astype(np.int64) for g in discrete)


@lru_cache(maxsize=128)
def _rotation_subgroup(f, l: int, which: str) -> tuple:
    """rho_l of the rotations in the factor's ``subgroup`` or ``irrep_subgroup``: the
    same for both parities of O(3)'s irr(l)."""
    from . import so3
    from .generators import factor_data

    return tuple(_as_action(so3.rotation_matrix(l, g.coo().toarray()))
                 for g in getattr(factor_data(f), which))


@lru_cache(maxsize=64)
def _rotation_scaling(f, l: int):
    """``irrep.sqrt_scaling`` of irr(l, e)'s discrete images and Lie generators (l >= 2)."""
    from . import so3
    from .generators import factor_data
    from .irrep import sqrt_scaling

    lie = so3.lie_generators(l, [a.toarray() for a in factor_data(f).lie])
    # the images are signed permutations: their entries +-1 are their own signed squares
    return sqrt_scaling(list(_rotation_images(f, l)) + [so3.signed_squares(a) for a in lie])


class _SpaceIrrep(IrrepData):
    """SO(3) irr(l), O(3) irr(l, p) in e3nn's basis (``so3``), each part built when first
    asked: the Lie generators are all that the Wigner 3j closed form (and the file's
    stored generators) need, while the discrete and subgroup images (matrix
    exponentials) and the square-root scaling serve the general solvers."""

    def __init__(self, f, label):
        l = label[0]
        for name, value in (("dimension", 2 * l + 1),
                            ("exactness", "rational" if l <= 1 else "sqrt"),
                            ("_factor", f), ("_l", l),
                            ("_parity", -1 if len(label) == 2 and label[1] == "o" else 1)):
            object.__setattr__(self, name, value)

    @cached_property
    def _float_lie(self) -> list[np.ndarray]:
        from . import so3
        from .generators import factor_data

        return so3.lie_generators(self._l, [a.toarray() for a in factor_data(self._factor).lie])

    @cached_property
    def lie(self) -> tuple:
        if self._l <= 1:  # l = 1 is V's own matrices
            return tuple(np.rint(a).astype(np.int64) for a in self._float_lie)
        return tuple(self._float_lie)

    @cached_property
    def _images(self) -> list[np.ndarray]:
        """rho(g) of the discrete generators, integers: g = (-I)(-g) with -g a rotation
        (a half turn), so rho(g) = p rho_l(-g)."""
        return [self._parity * m for m in _rotation_images(self._factor, self._l)]

    @cached_property
    def discrete(self) -> tuple:
        return tuple(_as_action(m) for m in self._images)

    @cached_property
    def subgroup(self) -> tuple:
        return _rotation_subgroup(self._factor, self._l, "subgroup")

    @cached_property
    def irrep_subgroup(self) -> tuple:
        return _rotation_subgroup(self._factor, self._l, "irrep_subgroup")

    @cached_property
    def _scaling(self):
        if self._l <= 1:
            return None, []
        # the parities share the scaling: p only signs the discrete images
        squares, scaled = _rotation_scaling(self._factor, self._l)
        discrete = len(self._images)
        return squares, ([(self._parity * m, q) for m, q in scaled[:discrete]]
                         + scaled[discrete:])

    @cached_property
    def squares(self):
        return self._scaling[0]

    @cached_property
    def rational_discrete(self) -> tuple:
        return tuple(self._scaling[1][:len(self._images)])

    @cached_property
    def rational_lie(self) -> tuple:
        return tuple(self._scaling[1][len(self._images):])


class _Orthogonal(_OrthogonalIrreps, GroupFamily):
    finite = False
    special = True

    def check(self, args, cycles) -> None:
        if len(args) == 2:
            if tuple(args) != LORENTZ:
                raise ArgumentError(
                    f"only the Lorentz group {self.name}(1,3) has a signature", 1)
            return
        super().check(args, cycles)

    def degree(self, f: Factor) -> int:
        return sum(f.args)

    def discrete(self, f: Factor):
        if self.special:
            return []
        if len(f.args) == 2:  # Lorentz, eta = diag(1, -1, -1, -1)
            return [reflection(4, (1, 2, 3)), reflection(4, (0,))]
        return [reflection(f.args[0], (0,))]

    def lie(self, f: Factor):
        if len(f.args) == 2:
            return rotations(4, start=1) + [unit(4, [(0, i, 1), (i, 0, 1)]) for i in (1, 2, 3)]
        return rotations(f.args[0])

    def lie_dimension(self, f: Factor) -> int:
        n = self.degree(f)
        return n * (n - 1) // 2

    def irrep_subgroup(self, f: Factor):
        """SO(3), O(3): the quarter turn about y (z -> x) and the half turn about x, which
        e3nn's basis (y its polar axis) maps to signed permutations for every l."""
        if f.args != (3,):
            return []
        return [SignedPerm(np.array([2, 1, 0]), np.array([-1, 1, 1], np.int8)),
                reflection(3, (1, 2))]

    def subgroup(self, f: Factor):
        if len(f.args) == 2:
            return quarter_turns(4, start=1)  # rotations of space fix eta and time
        return quarter_turns(f.args[0])

    def hom(self, f: Factor, m_in, m_out) -> int | None:
        (a, b, e), (c, d, g) = m_in, m_out  # dual(V) = V: (eta-)orthogonal
        if a + b + c + d > MAX_CONTINUOUS_DEGREE:
            return None
        n = self.degree(f)
        twist = (e + g) % 2 if not self.special else 0
        left, right = walks(a + b, n, "O"), walks(c + d, n, "O")
        same = sum(m * right.get(associate(lam, n) if twist else lam, 0)
                   for lam, m in left.items())
        if not self.special:
            return same
        other = sum(m * right.get(associate(lam, n), 0) for lam, m in left.items())
        return same + other


@register
class SpecialOrthogonal(_Orthogonal):
    names = ("SO",)
    summary = "rotations (SO(1,3): the proper orthochronous Lorentz group)"
    usage = "SO(n), SO(1,3)"
    irrep_syntax = "irr(k) on SO(2), irr(l) on SO(3)"


@register
class Orthogonal(_Orthogonal):
    names = ("O",)
    special = False
    summary = "rotations and reflections (O(1,3): the full Lorentz group)"
    usage = "O(n), O(1,3)"
    irrep_syntax = "irr(j, k) on O(2), irr(l, p) or 0e, 1o, 2e, ... on O(3)"
