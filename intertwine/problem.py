"""The equivariance problem of one spec: dimensions, generator actions, constraints.

Everything here is built lazily, so that asking for a dimension or checking a size
limit never builds a matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from .spec import Spec, parse_spec

if TYPE_CHECKING:  # imported where used: a dimension count needs neither scipy nor groups
    import scipy.sparse as sp

    from .groups import SignedPerm

__all__ = ["Problem", "TooLarge"]


class TooLarge(ValueError):
    """The problem is too large for the requested method on this machine."""


@dataclass(frozen=True, eq=False)
class Problem:
    spec: Spec

    @classmethod
    def from_spec(cls, spec: str | Spec) -> Problem:
        return cls(spec if isinstance(spec, Spec) else parse_spec(spec))

    @cached_property
    def dim_in(self) -> int:
        from .reps import dimension

        return dimension(self.spec.rep_in, self.spec.group)

    @cached_property
    def dim_out(self) -> int:
        from .reps import dimension

        return dimension(self.spec.rep_out, self.spec.group)

    @property
    def entries(self) -> int:
        """Number of unknowns: dim_out * dim_in."""
        return self.dim_in * self.dim_out

    @property
    def finite(self) -> bool:
        return self.spec.group.finite

    @property
    def permutation(self) -> bool:
        """Discrete generators act by plain (unsigned) permutations on W."""
        from .reps import is_permutation

        return is_permutation(self.spec.rep_in) and is_permutation(self.spec.rep_out)

    def check_size(self, limit: int, method: str) -> None:
        degree = max(f.degree for f in self.spec.group.factors)
        if degree > limit:
            raise TooLarge(f"{self.spec.group} is too large to compute: its representation V "
                           f"has dimension {degree:.3g}")
        if self.entries > limit:
            raise TooLarge(f"{self.spec} has {self.entries:.3g} unknowns (dim_out*dim_in); "
                           f"method {method} handles at most {limit:.3g} here"
                           if self.entries < 10**30 else
                           f"{self.spec} is far too large to compute (dim_out*dim_in has "
                           f"{len(str(self.entries))} digits)")

    # -- generator actions --------------------------------------------------------------
    @cached_property
    def discrete_in(self) -> list[SignedPerm]:
        from .reps import discrete_action

        return discrete_action(self.spec.rep_in, self.spec.group)

    @cached_property
    def discrete_out(self) -> list[SignedPerm]:
        from .reps import discrete_action

        return discrete_action(self.spec.rep_out, self.spec.group)

    @cached_property
    def lie_in(self) -> list[sp.csr_matrix]:
        from .reps import lie_action

        return lie_action(self.spec.rep_in, self.spec.group)

    @cached_property
    def lie_out(self) -> list[sp.csr_matrix]:
        from .reps import lie_action

        return lie_action(self.spec.rep_out, self.spec.group)

    def constraint_matrix(self) -> sp.csr_matrix:
        """Integer matrix C with C vec(W) = 0 exactly for the equivariant W (row-major vec).

        vec(A W B) = (A kron B^T) vec(W), so rho_out W - W rho_in becomes
        (rho_out kron I) - (I kron rho_in^T), one block of rows per generator.
        """
        import scipy.sparse as sp

        eye_in = sp.identity(self.dim_in, np.int64, format="csr")
        eye_out = sp.identity(self.dim_out, np.int64, format="csr")
        blocks = []
        pairs = [(g_out.matrix(), g_in.matrix())
                 for g_in, g_out in zip(self.discrete_in, self.discrete_out)]
        pairs += list(zip(self.lie_out, self.lie_in))
        for a_out, a_in in pairs:
            block = (sp.kron(a_out, eye_in, format="csr")
                     - sp.kron(eye_out, a_in.T, format="csr")).tocsr()
            block.eliminate_zeros()
            block = block[np.diff(block.indptr) > 0]  # rows that constrain nothing
            blocks.append(block)
        if not blocks:
            return sp.csr_matrix((0, self.entries), dtype=np.int64)
        return sp.vstack(blocks, format="csr")
