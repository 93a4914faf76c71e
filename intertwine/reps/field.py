"""What ``reg``, ``irr`` and ``Grid`` share: atoms of one finite factor, with arguments.

Each is a :class:`FieldAtom` (one module each: ``reg``, ``irr``, ``grid``); the
mathematics -- which factor has which, sizes, generator matrices, characters -- is in
``intertwine.fields`` (on top of ``elements``, ``irreps``, ``grids``).
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from . import action
from .base import FactorAtom, Parsed, Structure, Walk

__all__ = ["FieldAtom"]


class FieldAtom(FactorAtom):
    """``NAME``, ``NAME(ints)``, with ``[i]`` on a product group.  Subclasses are frozen
    dataclasses with fields ``factor``, ``column``, ``single`` and ``args`` (the ints)."""

    args: tuple[int, ...]
    #: counting sums this atom's character element by element (``fields.ElementAxis``)
    needs_elements = True

    def __str__(self) -> str:
        head = self.name if not self.args else f"{self.name}({', '.join(map(str, self.args))})"
        return head if self.single else f"{head}[{self.factor}]"

    @classmethod
    def parse(cls, parsed: Parsed):
        return cls(parsed.index, column=parsed.column, args=parsed.ints)

    def with_index(self, idx: int, single: bool):
        return type(self)(idx, column=self.column, single=single, args=self.args)

    def resolve(self, group, text: str):
        """The factor index as for V, then whether the factor has this representation: the
        message names both (``C(8) has no Grid(5): ...``)."""
        from ..errors import SpecError
        from ..fields import check_field

        resolved = super().resolve(group, text)
        problem = check_field(self.name, self.args, group.factors[resolved.factor])
        if problem:
            raise SpecError(problem, text, self.column)
        return resolved

    def _factor(self, group):
        return group.factors[self.factor]

    def dimension(self, group) -> int:
        from ..fields import field_dimension

        return field_dimension(self.name, self.args, self._factor(group))

    def signed_permutation(self, group) -> bool:
        from ..fields import field_rational

        return field_rational(self.name, self.args, self._factor(group))

    def rational(self, group) -> bool:
        return self.signed_permutation(group)

    def act(self, walk: Walk):
        from ..fields import field_generators, field_matrices, field_rational
        from ..groups import SignedPerm, factor_data

        f = self._factor(walk.group)
        if self.factor != walk.factor:
            return action.identity(self.dimension(walk.group))
        discrete = factor_data(f).discrete
        position = next((k for k, g in enumerate(discrete) if g is walk.g), None)
        if position is None:  # a generator of the continuous part's subgroup: not ours
            return action.identity(self.dimension(walk.group))
        if field_rational(self.name, self.args, f):
            perm, sign = field_generators(self.name, self.args, f)[position]
            return SignedPerm(np.asarray(perm, np.int64), sign)
        import scipy.sparse as sp

        m = field_matrices(self.name, self.args, f)[position]
        return action.MatrixAction(sp.csr_matrix(m), sp.csr_matrix(m.T))  # orthogonal

    def lie(self, walk: Walk):
        import scipy.sparse as sp

        n = self.dimension(walk.group)  # fields live on finite factors: no Lie algebra
        return sp.csr_matrix((n, n), dtype=np.int64)

    def character(self, walk: Walk, power: int = 1):
        from ..fields import field_character

        value = getattr(walk, "element", None)
        if value is None:
            return None
        f = self._factor(walk.group)
        arrays = {}

        def at(key):
            if key not in arrays:
                arrays[key] = value(self.factor, key, power)
            if arrays[key] is None:  # e.g. g**power on a histogram: no count by characters
                raise LookupError(key)
            return arrays[key]

        try:
            return field_character(self.name, self.args, f, at)
        except LookupError:
            return None

    def degree(self, factor: int) -> int:
        return 0

    def monomials(self, n_factors: int, dual: bool = False) -> Counter | None:
        return None

    def structure(self) -> Structure:
        return Structure("leaf", label=str(self) if self.dimension_is_one() else "")

    def dimension_is_one(self) -> bool:
        return False
