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

The coordinate conventions are those of docs/specs.rst: sums put the left summand first,
tensor products are row-major (numpy.kron), ``k*R`` is copy-major.

To add a constructor: one module here with a subclass of ``base.Rep`` (a frozen
dataclass; every abstract method implemented), registered with ``base.constructor``
if the parser meets it by name.  The operators and ``V``, ``det``, ``dual`` are imported
with the package; the other modules when the parser first meets a name it does not know
(:func:`constructor_named`), so that a spec of tensors of ``V`` does not pay for
building the classes of fields, grids and irreducibles it never uses.

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
from collections import OrderedDict
from typing import TYPE_CHECKING

import numpy as np

from ..coo import CooMatrix
from ..groups import group_generators, subgroup_generators
from .action import Action, MatrixAction
from .base import CONSTRUCTORS, FactorAtom, Parsed, Rep, Structure, Walk, Zero, constructor
from .defining import Defining
from .det import Det
from .dual import Dual
from .power import Power
from .sum import Sum
from .tensor import Tensor
from .trivial import Trivial

# Every module of this package is one constructor and registers itself on import, so
# adding a representation is adding a module, nothing else.
_INFRASTRUCTURE = {"base", "action", "field"}
_all_loaded = False

# constructors exported by name since 0.2, imported when first asked for (PEP 562)
_LAZY = {"Regular": "reg", "Irrep": "irr", "Grid": "grid"}


def load_all() -> None:
    """Import every constructor module of the package (each registers itself)."""
    global _all_loaded
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        if module not in _INFRASTRUCTURE:
            importlib.import_module(f"{__name__}.{module}")
    _all_loaded = True


def constructor_named(name: str) -> type | None:
    """The constructor the parser meets as ``name`` (None: there is none)."""
    if name not in CONSTRUCTORS and not _all_loaded:
        load_all()
    return CONSTRUCTORS.get(name)


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

if TYPE_CHECKING:
    from ..groups.base import Group

__all__ = ["dimension", "discrete_action", "lie_action", "subgroup_action", "squares", "Rep",
           "FactorAtom", "Structure", "Walk", "Parsed", "CONSTRUCTORS", "constructor",
           "Action", "MatrixAction", "Trivial", "Defining", "Det", "Dual", "Sum", "Tensor",
           "Power", "Regular", "Irrep", "Grid", "constructor_named", "load_all"]


def dimension(rep: Rep, group: Group) -> int:
    """Dimension as an exact Python integer (it may be far too large to build)."""
    return rep.dimension(group)


#: recent actions are remembered, up to this many stored entries in all (about 50 MB;
#: the oldest go first): a decomposition asks for REP's once per irrep it contains, and
#: the problems of one spec ask for each side once per solver step.  An action list
#: larger than that is built each time and never held after its problem
MEMO_ENTRIES = 2 * 10**6
_memo: OrderedDict = OrderedDict()  # key -> (actions, entries)
_memo_entries = 0


def _entries(actions) -> int:
    """What a list of actions holds: a signed permutation's size, a matrix action's
    entries (and its inverse's), a Lie generator's entries."""
    total = 0
    for a in actions:
        if getattr(a, "is_signed_perm", False):
            total += a.size
        elif hasattr(a, "forward"):
            total += a.forward.nnz + a.inverse.nnz
        else:
            total += getattr(a, "nnz", 0)
    return total


class _Key(tuple):
    """A memo key (a tuple) hashed once: the expression and the group in it are trees
    of frozen dataclasses, whose hash walks the whole tree at every dict operation (two
    per look-up)."""

    def __new__(cls, parts: tuple):
        key = super().__new__(cls, parts)
        key.hash = tuple.__hash__(key)
        return key

    def __hash__(self) -> int:  # (equality stays the tuple's)
        return self.hash


def _remembered(key: tuple, build) -> list:
    """``build()``, or the list it returned for ``key`` before (a new list of the same
    actions, which nobody changes in place)."""
    global _memo_entries
    key = _Key(key)
    found = _memo.get(key)
    if found is not None:
        _memo.move_to_end(key)
        return list(found[0])
    value = build()
    size = _entries(value)
    if size <= MEMO_ENTRIES:
        _memo[key] = (tuple(value), size)
        _memo_entries += size
        while _memo_entries > MEMO_ENTRIES:
            _memo_entries -= _memo.popitem(last=False)[1][1]
    return value


def _actions(rep: Rep, group: Group, generators, form: str = "float") -> list[Action]:
    return [Walk("act", group, i, g=g, form=form).of(rep) for i, g in generators]


def discrete_action(rep: Rep, group: Group, form: str = "float") -> list[Action]:
    """``rho(g)`` for each discrete generator g of the group, in generator order.  With
    ``form="rational"``, square-root irreps act by their rational form R = D rho D^-1
    (``reps/irr.py``), and so does the whole expression."""
    return _remembered(("discrete", rep, group, form),
                       lambda: _actions(rep, group, group_generators(group)[0], form))


def subgroup_action(rep: Rep, group: Group, form: str = "float",
                    irreps: frozenset = frozenset()) -> list[Action]:
    """``rho(h)`` for the extra subgroup generators h (``groups.subgroup_generators``;
    the families' ``irrep_subgroup`` on the factors in ``irreps``)."""
    return _remembered(("subgroup", rep, group, form, irreps),
                       lambda: _actions(rep, group, subgroup_generators(group, irreps), form))


def lie_action(rep: Rep, group: Group, form: str = "float",
               multipliers: list[int] | None = None) -> list[CooMatrix]:
    """``d rho(A)`` for each Lie-algebra generator A, as sparse integer matrices (in
    row-major order, without explicit zeros).  With ``form="rational"``: of the rational
    form, for the generators c_k A_k (``multipliers`` c_k: integers that clear every
    denominator of the expression's irreps; a multiple of a generator is one too)."""
    gens = group_generators(group)[1]
    multipliers = multipliers or [1] * len(gens)

    def build():
        return [CooMatrix.of(Walk("lie", group, i, a=a, form=form, lie_multiplier=c)
                             .of(rep)).canonical()
                for (i, a), c in zip(gens, multipliers, strict=True)]

    return _remembered(("lie", rep, group, form, tuple(multipliers)), build)


def squares(rep: Rep, group: Group) -> tuple[np.ndarray, np.ndarray]:
    """The squares s of the diagonal scaling of an expression (rho = D^-1 R D with
    D = diag(sqrt(s)), ``reps/irr.py``) as exact numerators and denominators (object
    arrays of Python ints: the squares of high degrees pass int64).

    The scaling composes as the actions do: sums concatenate it, tensor products and
    powers take Kronecker products, ``sym``/``alt`` the product over each index tuple,
    ``dual`` the inverse; atoms other than irreps are not scaled.  ValueError for a
    node it does not know (no exact square roots there)."""
    from .sym import Sym, tuples

    def ones(n):  # (a list of Python ints: a third of np.ones' cost on a few entries)
        return np.array([1] * n, dtype=object), np.array([1] * n, dtype=object)

    def walk(node):
        """The squares of ``node``, or None where they are all 1 (most parts: built
        only where a scaled part meets them)."""
        if hasattr(node, "scale"):  # an irrep
            return node.scale(group) if node.has_scaling(group) else None
        if isinstance(node, Sum):
            parts = [walk(t) for t in node.terms]
            if all(p is None for p in parts):
                return None
            parts = [ones(t.dimension(group)) if p is None else p
                     for t, p in zip(node.terms, parts)]
            return tuple(np.concatenate([p[i] for p in parts]) for i in (0, 1))
        if isinstance(node, Tensor | Power):
            factors = node.factors if isinstance(node, Tensor) else [node.base] * node.k
            parts = [walk(f) for f in node.factors] if isinstance(node, Tensor) \
                else [walk(node.base)] * node.k
            if all(p is None for p in parts):
                return None
            num, den = ones(1)
            for f, part in zip(factors, parts):
                a, b = ones(f.dimension(group)) if part is None else part
                num, den = np.outer(num, a).ravel(), np.outer(den, b).ravel()
            return num, den
        if isinstance(node, Dual):
            part = walk(node.rep)
            return None if part is None else (part[1], part[0])
        if isinstance(node, Sym):
            part = walk(node.rep)
            if part is None:
                return None
            num, den = part
            table = tuples(len(num), node.k, node.strict)
            return (np.prod(num[table], axis=1).astype(object),
                    np.prod(den[table], axis=1).astype(object))
        if isinstance(node, Zero) or not node.children:
            return None
        raise ValueError(f"no square-root scaling known for {node}")

    found = walk(rep)
    num, den = ones(rep.dimension(group)) if found is None else found
    return np.asarray(num, dtype=object), np.asarray(den, dtype=object)
