"""What ``reg``, ``irr`` and ``Grid`` share: atoms of one finite factor, with arguments.

Each lives in its own module (``reg``, ``irr``, ``grid``) as a subclass of
:class:`FieldAtom` that answers, for the factor it belongs to, five questions:

* ``unavailable(factor)``: why the factor has no such representation, or None (the
  parser reports "irr(3) is not a representation of C(4): why" with a caret);
* ``check_arguments(parsed)`` (optional): refuse bad integers, pointing at them;
* ``size(factor)``: its dimension;
* ``signed_generators(factor)``: ``(perm, sign or None)`` of each of the factor's
  discrete generators, in ``groups.factor_data`` order -- or, where ``rational_on`` is
  False, ``float_generators(factor)``: dense orthogonal matrices;
* ``element_character(factor, value)``: the character on every element of the factor,
  from the arrays ``value(key)`` of ``counting.ElementAxis`` (at g or at g**p).

Everything else -- parsing ``NAME(ints)[i]``, canonical printing, the walk's action,
Lie algebra (none: finite factors), counting hooks -- is here, once.
"""

from __future__ import annotations

from abc import abstractmethod
from collections import Counter

import numpy as np

from ..coo import CooMatrix
from . import action
from .base import FactorAtom, Parsed, Structure, Walk

__all__ = ["FieldAtom"]


class FieldAtom(FactorAtom):
    """``NAME``, ``NAME(ints)``, with ``[i]`` on a product group.  Subclasses are frozen
    dataclasses with fields ``factor``, ``column``, ``single`` and ``args`` (the ints)."""

    args: tuple[int, ...]
    #: counting sums this atom's character element by element (``counting.ElementAxis``)
    needs_elements = True

    # -- what each constructor answers -------------------------------------------------
    @abstractmethod
    def unavailable(self, factor) -> str | None: ...

    @classmethod
    def check_arguments(cls, parsed: Parsed) -> None:
        """Raise ``parsed.error(...)`` for integers the constructor never takes."""

    @abstractmethod
    def size(self, factor) -> int: ...

    def rational_on(self, factor) -> bool:
        return True

    @abstractmethod
    def signed_generators(self, factor) -> list[tuple]: ...

    def float_generators(self, factor) -> list[np.ndarray]:
        """Only asked where ``rational_on`` is False."""
        raise NotImplementedError(type(self).__name__)

    @abstractmethod
    def element_character(self, factor, value): ...

    # -- shared --------------------------------------------------------------------------
    def __str__(self) -> str:
        head = self.name if not self.args else f"{self.name}({', '.join(map(str, self.args))})"
        return head if self.single else f"{head}[{self.factor}]"

    @classmethod
    def parse(cls, parsed: Parsed):
        cls.check_arguments(parsed)
        return cls(parsed.index, column=parsed.column, args=parsed.ints)

    def dimension(self, group) -> int:
        return self.size(group.factors[self.factor])

    def signed_permutation(self, group) -> bool:
        return self.rational_on(group.factors[self.factor])

    def rational(self, group) -> bool:
        return self.rational_on(group.factors[self.factor])

    def act(self, walk: Walk):
        from ..groups import SignedPerm, factor_data

        f = walk.group.factors[self.factor]
        position = None
        if self.factor == walk.factor:
            position = next((k for k, g in enumerate(factor_data(f).discrete) if g is walk.g),
                            None)
        if position is None:  # another factor's generator, or a continuous subgroup's
            return action.identity(self.size(f))
        if self.rational_on(f):
            perm, sign = self.signed_generators(f)[position]
            return SignedPerm(np.asarray(perm, np.int64), sign)
        m = self.float_generators(f)[position]
        return action.MatrixAction(m, m.T)  # orthogonal

    def lie(self, walk: Walk):
        # fields live on finite factors: no Lie algebra
        return CooMatrix.zeros(self.dimension(walk.group))

    def character(self, walk: Walk, power: int = 1):
        value = getattr(walk, "element", None)
        if value is None:
            return None
        arrays: dict = {}

        def at(key):
            if key not in arrays:
                arrays[key] = value(self.factor, key, power)
            if arrays[key] is None:  # e.g. g**power on a histogram: no count by characters
                raise LookupError(key)
            return arrays[key]

        try:
            chi = self.element_character(walk.group.factors[self.factor], at)
        except LookupError:
            return None
        dtype = getattr(walk, "dtype", None)  # e.g. Python ints where reg**2 passes 2**63
        return chi if dtype is None else np.asarray(chi).astype(dtype)

    def degree(self, factor: int) -> int:
        return 0

    def monomials(self, n_factors: int, dual: bool = False) -> Counter | None:
        return None

    def structure(self) -> Structure:
        return Structure("leaf")
