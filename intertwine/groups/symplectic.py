"""The symplectic group Sp(n) on R^(2n), form J = [[0, I], [-I, 0]]."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..combinatorics import MAX_CONTINUOUS_DEGREE, walks
from .base import GroupFamily, SignedPerm, quarter_turn, register, unit

if TYPE_CHECKING:
    from .base import Factor


@register
class Symplectic(GroupFamily):
    names = ("Sp",)
    summary = "symplectic group, on R^(2n)"

    def degree(self, f: Factor) -> int:
        return 2 * f.args[0]

    def discrete(self, f: Factor):
        return []

    def lie(self, f: Factor):  # A^T J + J A = 0
        n = self.degree(f)
        m = n // 2
        lie = [unit(n, [(i, j, 1), (m + j, m + i, -1)]) if i != j else
               unit(n, [(i, i, 1), (m + i, m + i, -1)]) for i in range(m) for j in range(m)]
        lie += [unit(n, [(i, m + j, 1), (j, m + i, 1)] if i != j else [(i, m + i, 1)])
                for i in range(m) for j in range(i, m)]
        lie += [unit(n, [(m + i, j, 1), (m + j, i, 1)] if i != j else [(m + i, i, 1)])
                for i in range(m) for j in range(i, m)]
        return lie

    def lie_dimension(self, f: Factor) -> int:
        m = f.args[0]
        return m * (2 * m + 1)

    def subgroup(self, f: Factor):
        # P (+) P for a permutation P of the m pairs (P^T J P = J as P is orthogonal), and
        # the quarter turn in the plane (x_0, y_0): a 2x2 block of det 1 is symplectic.
        n = self.degree(f)
        m = n // 2
        subgroup = [quarter_turn(n, 0, m)]
        for i in range(m - 1):
            perm = np.arange(n, dtype=np.int64)
            perm[[i, i + 1, m + i, m + i + 1]] = [i + 1, i, m + i + 1, m + i]
            subgroup.append(SignedPerm(perm))
        return subgroup

    def hom(self, f: Factor, m_in, m_out) -> int | None:
        """Partitions with at most n rows, lambda (x) V = lambda +- one box; dual(V) = V
        through the form and det = 1 on Sp."""
        (a, b, _), (c, d, _) = m_in, m_out
        if a + b + c + d > MAX_CONTINUOUS_DEGREE:
            return None
        n = f.args[0]
        left, right = walks(a + b, n, "Sp"), walks(c + d, n, "Sp")
        return sum(m * right.get(lam, 0) for lam, m in left.items())
