"""The generators of a factor and of a product group, from the factor's family."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from ..coo import CooMatrix
from .base import MAX_ELEMENTS, ElementTable, FactorData, SignedPerm, family

if TYPE_CHECKING:
    from ..spec import Factor, Group

__all__ = ["factor_data", "group_generators", "subgroup_generators", "element_table",
           "factor_order"]


@lru_cache(maxsize=64)
def factor_data(f: Factor) -> FactorData:
    """Generators of one factor's defining representation."""
    fam = family(f.kind)
    n = fam.degree(f)
    # Identity generators constrain nothing; dropping them keeps the stored list honest.
    discrete = [g for g in fam.discrete(f) if fam.keeps_trivial_generators
                or not (np.array_equal(g.perm, np.arange(n)) and g.sign is None)]
    lie = tuple(CooMatrix.of(a) for a in fam.lie(f))  # a family may give scipy matrices
    return FactorData(n, tuple(discrete), lie, fam.finite,
                      tuple(fam.subgroup(f)), tuple(fam.irrep_subgroup(f)))


def group_generators(group: Group) -> tuple[list[tuple[int, SignedPerm]],
                                            list[tuple[int, CooMatrix]]]:
    """All generators of a product group, each tagged with the factor it belongs to."""
    discrete, lie = [], []
    for i, f in enumerate(group.factors):
        data = factor_data(f)
        discrete += [(i, g) for g in data.discrete]
        lie += [(i, a) for a in data.lie]
    return discrete, lie


def subgroup_generators(group: Group, irreps: frozenset = frozenset()
                        ) -> list[tuple[int, SignedPerm]]:
    """Signed permutations that, with the discrete generators, generate a finite subgroup
    H of the group, each tagged with its factor (the extra ones only); for the factors
    in ``irreps``, the family's ``irrep_subgroup`` instead."""
    return [(i, g) for i, f in enumerate(group.factors)
            for g in (factor_data(f).irrep_subgroup if i in irreps else factor_data(f).subgroup)]


def factor_order(factor: Factor) -> int | None:
    """|G| of one finite factor, from its family (None if unknown)."""
    return factor.family.order(factor)


@lru_cache(maxsize=16)
def element_table(factor: Factor) -> ElementTable:
    """Every element of a finite factor in the contract's order (the family's
    ``element_table``); TooLarge beyond MAX_ELEMENTS."""
    order = factor_order(factor)
    if order is None or order > MAX_ELEMENTS:
        from ..errors import TooLarge

        raise TooLarge(f"{factor} has {'too many' if order is None else order} elements; "
                       f"at most {MAX_ELEMENTS} are listed")
    return factor.family.element_table(factor)
