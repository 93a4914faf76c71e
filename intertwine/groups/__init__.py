"""Groups as data: one family object per kind of factor, registered by name.

A group is only its generators (EMLP's idea).  Every discrete generator of every
group in the contract acts on V by a *signed permutation* -- ``g e_j = sign[j]
e_{perm[j]}`` -- so finite groups and the reflections of O(n), O(1,3) and GL(n) share
one cheap representation.  Continuous groups add Lie-algebra generators: small
integer matrices, so that exact arithmetic applies to all of them.

Continuous groups also name a finite *subgroup* acting by signed permutations (the
quarter turns of SO(n), the symplectic signed permutations of Sp(n), ...).  Its
elements are genuine group elements, so imposing them never changes the space of
intertwiners, yet they shrink it to its orbits before any linear algebra
(``solvers/reduce.py``).  They are never stored in files: the stored generators stay
those of the spec.

One module per family (or a few that share code): ``symmetric`` (S, A), ``cyclic``
(C, D), ``perm`` (Perm), ``orthogonal`` (SO, O and the Lorentz groups), ``symplectic``
(Sp), ``linear`` (GL, SL).  See ``base.GroupFamily`` for what a family answers.

>>> from intertwine.spec import parse_group
>>> [g.perm.tolist() for g in factor_data(parse_group("C(4)").factors[0]).discrete]
[[1, 2, 3, 0]]
>>> factor_data(parse_group("SO(3)").factors[0]).lie[0].toarray().tolist()
[[0, -1, 0], [1, 0, 0], [0, 0, 0]]
"""

from __future__ import annotations

import importlib
import pkgutil

from .base import (
    FAMILIES,
    ArgumentError,
    ElementTable,
    FactorData,
    FiniteFamily,
    GroupFamily,
    SignedPerm,
    family,
    register,
)
from .generators import (
    element_table,
    factor_data,
    factor_order,
    group_generators,
    subgroup_generators,
)
from .irrep import EXACTNESS, IrrepData, least_exact
from .lie import spanning_lie_indices

# Each family module registers itself on import: every module of this package is one
# (or a few) families, so adding a group is adding a module, nothing else.
_INFRASTRUCTURE = {"base", "generators", "lie", "irrep"}
for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _module not in _INFRASTRUCTURE:
        importlib.import_module(f"{__name__}.{_module}")

__all__ = ["SignedPerm", "FactorData", "factor_data", "group_generators", "subgroup_generators",
           "spanning_lie_indices", "FAMILIES", "family", "register", "GroupFamily",
           "FiniteFamily", "ArgumentError", "ElementTable", "IrrepData", "EXACTNESS",
           "least_exact", "element_table", "factor_order"]
