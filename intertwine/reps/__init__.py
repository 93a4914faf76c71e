"""Representations: one class per constructor, one module per constructor.

The nodes of a representation expression (``trivial``, ``defining`` (V), ``det``,
``dual``, ``sum``, ``tensor``, ``power``) each answer for their dimension, canonical
form, the action of the group's generators, their character and their layout
(``base.Rep``).  The functions here evaluate a whole expression for every generator.

Discrete generators act by signed permutations wherever possible (tensor products and
sums of signed permutations are signed permutations, and their dual is themselves), so
``rho(g)`` is two integer arrays, never a dense matrix; ``action`` has the general
sparse-matrix form for representations that are no signed permutations.  Lie-algebra
generators act by sparse integer matrices (``coo.CooMatrix``, numpy arrays: no scipy):
``d(R*Q) = dR (x) I + I (x) dQ``, ``d dual(R) = -dR^T``, ``d det = trace``.

The coordinate conventions are the contract's: sums put the left summand first,
tensor products are row-major (numpy.kron), ``k*R`` is copy-major.

To add a constructor: one module here with a subclass of ``base.Rep`` (a frozen
dataclass; every abstract method implemented), registered with ``base.constructor``
if the parser meets it by name (every module of the package is imported below).

>>> from intertwine.spec import parse_group, parse_rep
>>> g = parse_group("C(3)")
>>> [p.perm.tolist() for p in discrete_action(parse_rep("V + 1", g), g)]
[[1, 2, 0, 3]]
>>> dimension(parse_rep("2*V**3 + det", g), g)
55
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING

from ..coo import CooMatrix
from ..groups import group_generators, subgroup_generators
from .action import Action, MatrixAction
from .base import CONSTRUCTORS, FactorAtom, Parsed, Rep, Structure, Walk, constructor
from .defining import Defining
from .det import Det
from .dual import Dual
from .grid import Grid
from .irr import Irrep
from .power import Power
from .reg import Regular
from .sum import Sum
from .tensor import Tensor
from .trivial import Trivial

# Every module of this package is one constructor and registers itself on import, so
# adding a representation is adding a module, nothing else.
_INFRASTRUCTURE = {"base", "action", "field"}
for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _module not in _INFRASTRUCTURE:
        importlib.import_module(f"{__name__}.{_module}")

if TYPE_CHECKING:
    from ..spec import Group

__all__ = ["dimension", "discrete_action", "lie_action", "subgroup_action", "Rep",
           "FactorAtom", "Structure", "Walk", "Parsed", "CONSTRUCTORS", "constructor",
           "Action", "MatrixAction", "Trivial", "Defining", "Det", "Dual", "Sum", "Tensor",
           "Power", "Regular", "Irrep", "Grid"]


def dimension(rep: Rep, group: Group) -> int:
    """Dimension as an exact Python integer (it may be far too large to build)."""
    return rep.dimension(group)


def _actions(rep: Rep, group: Group, generators) -> list[Action]:
    return [Walk("act", group, i, g=g).of(rep) for i, g in generators]


def discrete_action(rep: Rep, group: Group) -> list[Action]:
    """``rho(g)`` for each discrete generator g of the group, in generator order."""
    return _actions(rep, group, group_generators(group)[0])


def subgroup_action(rep: Rep, group: Group) -> list[Action]:
    """``rho(h)`` for the extra subgroup generators h (``groups.subgroup_generators``)."""
    return _actions(rep, group, subgroup_generators(group))


def lie_action(rep: Rep, group: Group) -> list[CooMatrix]:
    """``d rho(A)`` for each Lie-algebra generator A, as sparse integer matrices (in
    row-major order, without explicit zeros)."""
    return [CooMatrix.of(Walk("lie", group, i, a=a).of(rep)).canonical()
            for i, a in group_generators(group)[1]]
