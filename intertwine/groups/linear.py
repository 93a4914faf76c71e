"""The general and special linear groups GL(n), SL(n) (so ``dual(V)`` differs from V).

Closed counts: (V**p (x) dual(V)**q (x) det**s)^GL = Hom(V**q, V**p (x) det**s), and by
Schur-Weyl duality V**q is the sum over lambda |- q with at most n rows of f^lambda
copies of S_lambda; det**s adds s columns of height n.  The SL-invariants are the
GL-semi-invariants of every weight det**s, and the scalars fix s = (q - p)/n.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..combinatorics import MAX_CONTINUOUS_DEGREE, gl_semi_invariants
from .base import GroupFamily, quarter_turns, reflection, register, unit

if TYPE_CHECKING:
    from .base import Factor


class _Linear(GroupFamily):
    special = False

    def degree(self, f: Factor) -> int:
        return f.args[0]

    def discrete(self, f: Factor):
        return [] if self.special else [reflection(f.args[0], (0,))]

    def lie(self, f: Factor):
        n = f.args[0]
        lie = [unit(n, [(i, j, 1)]) for i in range(n) for j in range(n) if i != j]
        if self.special:
            return lie + [unit(n, [(i, i, 1), (i + 1, i + 1, -1)]) for i in range(n - 1)]
        return lie + [unit(n, [(i, i, 1)]) for i in range(n)]

    def lie_dimension(self, f: Factor) -> int:
        n = f.args[0]
        return n * n - 1 if self.special else n * n

    def subgroup(self, f: Factor):
        return quarter_turns(f.args[0])  # det 1, so inside SL(n) too

    def hom(self, f: Factor, m_in, m_out) -> int | None:
        (a, b, e), (c, d, g) = m_in, m_out
        if a + b + c + d > MAX_CONTINUOUS_DEGREE:
            return None
        n = f.args[0]
        p, q = b + c, a + d  # R* (x) Q = V**p (x) dual(V)**q (x) det**s
        if not self.special:
            return gl_semi_invariants(p, q, g - e, n)
        return gl_semi_invariants(p, q, (q - p) // n, n) if (q - p) % n == 0 else 0


@register
class GeneralLinear(_Linear):
    names = ("GL",)
    summary = "general linear group"


@register
class SpecialLinear(_Linear):
    names = ("SL",)
    special = True
    summary = "special linear group"
