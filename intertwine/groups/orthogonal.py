"""Rotations SO(n), rotations and reflections O(n), and the Lorentz groups SO(1,3), O(1,3).

Lie algebras by the rotation generators; the finite subgroup of the quarter turns.
Closed counts (Brauer's centraliser theorem, through the Pieri rule): the irreducibles
of O(n) in tensor powers of V are the partitions lambda with lambda'_1 + lambda'_2 <= n,
and lambda (x) V = sum of lambda +- one box, invalid ones dropped (Goodman-Wallach,
ch. 10); det (x) lambda is the associate partition.  Ind from SO(n) to O(n) of the
trivial representation is 1 + det, so Hom_SO(R, Q) = Hom_O(R, Q) + Hom_O(R, Q (x) det).
SO(1,3) and O(1,3) are Zariski-dense real forms of SO(4, C) and O(4, C): as SO(4), O(4).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..combinatorics import MAX_CONTINUOUS_DEGREE, associate, walks
from .base import ArgumentError, GroupFamily, quarter_turns, reflection, register, rotations, unit

if TYPE_CHECKING:
    from ..spec import Factor

LORENTZ = (1, 3)


class _Orthogonal(GroupFamily):
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


@register
class Orthogonal(_Orthogonal):
    names = ("O",)
    special = False
    summary = "rotations and reflections (O(1,3): the full Lorentz group)"
    usage = "O(n), O(1,3)"
