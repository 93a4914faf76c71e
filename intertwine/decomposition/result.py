"""The ``Decomposition`` object: REP = Σ m_I·I with its change of basis Q, as
``decompose`` returns it and the decomposition files hold it (docs/decompose.rst).

Apart from the decomposer (``core``), so that reading a decomposition file
(``files``, ``intertwine.load``) needs nothing that computes one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from ..coo import Coo

if TYPE_CHECKING:
    import scipy.sparse as sp

    from ..basis import Generators

__all__ = ["Decomposition", "irreps_string"]


def irreps_string(irreps: list[tuple[str, int]]) -> str:
    """The printed sum: ``2*irr(0, 0) + irr(1, 1)``."""
    return " + ".join(label if m == 1 else f"{m}*{label}" for label, m in irreps)


@dataclass
class Decomposition:
    """REP = Σ m_I·I, with Q a dim × dim matrix in coo form (``coo``: ``row``, ``col``,
    ``value``; exact ones keep each value's signed square in ``numerator``/
    ``denominator``: v = sign·√(|numerator|/denominator))."""

    group: str
    rep: str
    irreps: list[tuple[str, int]]
    irrep_dims: list[int]
    dim: int
    method: str
    exact: bool
    coo: Coo
    generators: Generators | None = None
    attrs: dict = field(default_factory=dict)

    @property
    def spec(self) -> str:
        return f"{self.group}: {self.rep}"

    @property
    def irreps_string(self) -> str:
        return irreps_string(self.irreps)

    @property
    def exact_values(self) -> str | None:
        """"rational" where every value of Q is rational, "sqrt" where some are square
        roots, None for a numeric decomposition."""
        if not self.exact or self.coo is None:
            return None
        from .roots import is_square

        rational = all(is_square(Fraction(int(a), int(b)))
                       for a, b in zip(self.coo.numerator, self.coo.denominator))
        return "rational" if rational else "sqrt"

    def __repr__(self) -> str:
        return (f"<Decomposition {self.spec!r} = {self.irreps_string}: Q {self.dim}x{self.dim},"
                f" method={self.method}>")

    def change_of_basis(self) -> np.ndarray:
        """Q as a dense float64 array, shape (dim, dim)."""
        q = np.zeros((self.dim, self.dim))
        q[self.coo.row, self.coo.col] = self.coo.value
        return q

    def sparse(self) -> sp.csr_matrix:
        """Q as a scipy.sparse matrix."""
        import scipy.sparse as sp

        return sp.csr_matrix((self.coo.value, (self.coo.row, self.coo.col)),
                             shape=(self.dim, self.dim))

    def exact_change_of_basis(self) -> list[dict[int, Fraction]]:
        """Q's rows exactly as {column: signed square} (exact decompositions only)."""
        if not self.exact:
            raise ValueError(f"{self.spec} was decomposed numerically: no exact values")
        rows: list[dict[int, Fraction]] = [{} for _ in range(self.dim)]
        for r, c, a, b in zip(self.coo.row.tolist(), self.coo.col.tolist(),
                              self.coo.numerator, self.coo.denominator):
            rows[r][c] = Fraction(int(a), int(b))
        return rows

    def weights(self) -> np.ndarray:
        """The diagonal of M (float64): Qᵀ Q = diag(weights)."""
        from ..spec import parse_group, parse_rep
        from .gram import coordinate_weights

        group = parse_group(self.group)
        return np.array([float(w) for w in coordinate_weights(parse_rep(self.rep, group),
                                                                group)])

    def blocks(self) -> list[tuple[str, int, int]]:
        """(irrep, first row, last row + 1) of each copy, in order."""
        out, at = [], 0
        for (label, m), d in zip(self.irreps, self.irrep_dims):
            for _ in range(m):
                out.append((label, at, at + d))
                at += d
        return out

    def save(self, path) -> None:
        """Write the decomposition file (atomically; see docs/decompose.rst)."""
        from .write import save

        save(self, path)
