"""The generators of a factor and of a product group, from the factor's family."""

from __future__ import annotations

from functools import lru_cache

from ..coo import CooMatrix
from .base import (
    MAX_ELEMENTS,
    ElementTable,
    Factor,
    FactorData,
    Group,
    SignedPerm,
    family,
    kept_generators,
)

__all__ = ["factor_data", "group_generators", "subgroup_generators", "element_table",
           "factor_order"]


@lru_cache(maxsize=64)
def factor_data(f: Factor) -> FactorData:
    """Generators of one factor's defining representation."""
    fam = family(f.kind)
    n = fam.degree(f)
    lie = tuple(CooMatrix.of(a) for a in fam.lie(f))  # a family may give scipy matrices
    return FactorData(n, kept_generators(f), lie, fam.finite,
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


#: the most entries (elements x degree) of a listed element table, ~9 bytes each
MAX_TABLE_ENTRIES = 50_000_000


@lru_cache(maxsize=16)
def element_table(factor: Factor) -> ElementTable:
    """Every element of a finite factor in the contract's order (the family's
    ``element_table``); TooLarge beyond MAX_ELEMENTS."""
    order = factor_order(factor)
    if order is None or order > MAX_ELEMENTS:
        from ..errors import TooLarge

        raise TooLarge(f"{factor} has {'too many' if order is None else order} elements; "
                       f"at most {MAX_ELEMENTS} are listed")
    n = factor.degree
    if order * (n + 1) > MAX_TABLE_ENTRIES:  # C(10**6): 10**6 shifts of 10**6 points each
        from ..errors import TooLarge

        raise TooLarge(f"{factor} is too large to list its elements: {order} elements on "
                       f"{n} points, at most {MAX_TABLE_ENTRIES} entries")
    return factor.family.element_table(factor)
