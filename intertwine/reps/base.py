"""What every representation constructor is: one class with behaviour, one module each.

A representation expression (``V**2 + det``) is a tree of immutable values; each node
is an instance of one constructor class and answers for itself (abstract methods, so a
constructor that forgets one cannot be instantiated):

* ``__str__``: the canonical form (prints as it parses; ``precedence`` for brackets);
* ``dimension(group)``: an exact Python int (it may be far too large to build);
* ``act(walk)``: rho(g) for one discrete generator g (``walk.g`` acting on V of factor
  ``walk.factor``), from its parts' actions ``walk.of(part)`` (see ``action``);
* ``lie(walk)``: d rho(A) for one Lie-algebra generator A (``walk.a``), sparse (a
  ``coo.CooMatrix``, or a scipy matrix: anything ``CooMatrix.of`` takes);
* ``character(walk)``: the character at g**``walk.power`` over the class grid of
  ``counting`` (``walk.trace(i, j)``, ``walk.det(i, j)``, ``walk.of(part, j)``), or
  None where unknown (then no count by characters);
* ``degree(factor)``: degree of the character as a polynomial in traces of V[factor]
  (weighted: the trace of g**j counts j);
* ``monomials(n_factors, dual)``: the expression as a sum of monomials V**a (x)
  dual(V)**b (x) det**e per factor, for the closed counts; None if it is not one;
* ``structure()``: how its coordinates are laid out (``Structure``), which the orbit
  solver's tensor paths and ``show`` read.

``children`` and ``rebuild`` give the generic traversals (resolving factor indices,
the factors used).  Constructors that the parser meets by name register with
:func:`constructor`, declaring their syntax: ``atom`` (``NAME``, ``NAME[i]``,
``NAME(ints)``, ``NAME(ints)[i]``) or ``function`` (``NAME(R)``, ``NAME(R, ints)``).
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ..coo import CooMatrix
from ..errors import SpecError

if TYPE_CHECKING:
    from ..groups.base import Group
    from .action import Action

__all__ = ["Rep", "Zero", "FactorAtom", "Structure", "Walk", "CONSTRUCTORS", "constructor",
           "Parsed", "zero_monomial", "unit_monomial"]


@dataclass(frozen=True)
class Structure:
    """Coordinates of a node: ``kind`` is

    * ``"sum"``: ``parts`` one after the other (direct sum);
    * ``"kron"``: row-major over ``parts`` (tensor product; no parts: dimension 1);
    * ``"same"``: those of ``parts[0]`` (e.g. ``dual``);
    * ``"axis"``: one tensor axis of V[``factor``] (the factor permutes it as on V);
    * ``"scalars"``: ``count`` trivial copies;
    * ``"leaf"``: anything else, opaque (``label`` names a 1-dimensional one).
    """

    kind: str
    parts: tuple = ()
    factor: int = -1
    count: int = 0
    label: str = ""


class Walk:
    """One memoised traversal of an expression: what ``act``, ``lie`` and ``character``
    receive.  ``of(part)`` evaluates a part (cached: equal parts are computed once)."""

    def __init__(self, method: str, group: Group, factor: int = -1, **values: Any):
        self.method, self.group, self.factor = method, group, factor
        self.__dict__.update(values)
        self._cache: dict = {}

    def of(self, rep: Rep, *args):
        key = (rep, args)
        if key not in self._cache:
            self._cache[key] = getattr(rep, self.method)(self, *args)
        return self._cache[key]


@dataclass(frozen=True)
class Parsed:
    """What the parser read for a registered constructor."""

    name: str
    column: int
    ints: tuple[int, ...] = ()
    index: int | None = None
    reps: tuple = ()
    #: 1-based column of each integer argument, for carets
    int_columns: tuple[int, ...] = ()
    #: the whole spec, for errors
    text: str = ""

    def error(self, message: str, argument: int | None = None) -> SpecError:
        """A SpecError pointing at integer argument ``argument`` (None: at the name)."""
        column = self.column if argument is None or argument >= len(self.int_columns) \
            else self.int_columns[argument]
        return SpecError(message, self.text, column)


#: constructor name in a spec -> class
CONSTRUCTORS: dict[str, type] = {}


def constructor(cls):
    """Class decorator: the parser meets ``cls.name`` in specs and calls ``cls.parse``."""
    if cls.name in CONSTRUCTORS:
        raise RuntimeError(f"representation {cls.name!r} registered twice")
    missing = sorted(getattr(cls, "__abstractmethods__", ()))
    if missing:  # at import, not when a user's spec first reaches the gap
        raise TypeError(f"representation {cls.name!r} lacks {', '.join(missing)}")
    CONSTRUCTORS[cls.name] = cls
    return cls


class Rep(ABC):
    """Base of representation expressions; subclasses are frozen dataclasses."""

    precedence: ClassVar[int] = 3  # 1 sum, 2 tensor, 3 power and atoms
    #: the word in a spec (registered constructors only) and its syntax
    name: ClassVar[str] = ""
    syntax: ClassVar[str] = ""  # "atom" or "function"
    #: for ``intertwine --help``: how a spec writes it (default ``NAME, NAME[i]`` for an
    #: atom, ``NAME(R)`` for a function) and what it is, in one line
    usage: ClassVar[str] = ""
    summary: ClassVar[str] = ""

    def wrapped(self, level: int) -> str:
        s = str(self)
        return f"({s})" if self.precedence < level else s

    # -- the tree ------------------------------------------------------------------
    @property
    def children(self) -> tuple[Rep, ...]:
        return ()

    def rebuild(self, children: tuple[Rep, ...]) -> Rep:
        """The same node over other children (atoms: itself)."""
        return self

    def resolve(self, group: Group, text: str) -> Rep:
        """Check factor indices against the group (``FactorAtom``), all the way down."""
        kids = self.children
        return self.rebuild(tuple(k.resolve(group, text) for k in kids)) if kids else self

    def simplified(self, group: Group) -> Rep:
        """An expression with the same matrices that is cheaper to compute with (dimension-1
        powers collapsed; see ``Power``); what ``Problem`` builds from, never printed."""
        kids = self.children
        if not kids:
            return self
        out = self.rebuild(tuple(k.simplified(group) for k in kids))
        if out.dimension(group) == 0:  # no coordinates: nothing to build
            return Zero()
        return out

    def factors_used(self, used: set[int]) -> set[int]:
        for k in self.children:
            k.factors_used(used)
        return used

    def max_power(self, factor: int) -> int:
        """The highest j for which the character needs traces of g**j on V[factor]
        (``sym`` and ``alt`` evaluate their part at g, g**2, ..., g**k)."""
        return max((k.max_power(factor) for k in self.children), default=1)

    def signed_permutation(self, group: Group) -> bool:
        """Every discrete generator acts by a signed permutation (orbits apply).  Parts
        decide for composite nodes; an atom whose action is a general matrix says False."""
        return all(k.signed_permutation(group) for k in self.children)

    def exactness(self, group: Group) -> str:
        """How exact the whole action is, Lie generators included: "rational", "sqrt"
        (rational after a diagonal scaling by square roots of rationals) or "float"
        (numeric only).  Parts decide for composite nodes; an atom answers through
        ``rational`` (V, det, 1: True) or overrides this (an irrep asks its family,
        ``groups/irrep.py``)."""
        from ..groups.irrep import least_exact

        kids = self.children
        if kids:
            return least_exact(k.exactness(group) for k in kids)
        return "rational" if self.rational(group) else "float"

    def rational(self, group: Group) -> bool:
        """The exact solver applies: every generator is rational, possibly after a
        diagonal square-root scaling (``exactness`` is not "float")."""
        if not self.children:
            return True
        return self.exactness(group) != "float"

    # -- behaviour every constructor must give ----------------------------------------
    @abstractmethod
    def __str__(self) -> str: ...

    @abstractmethod
    def dimension(self, group: Group) -> int: ...

    @abstractmethod
    def act(self, walk: Walk) -> Action: ...

    @abstractmethod
    def lie(self, walk: Walk) -> CooMatrix: ...

    @abstractmethod
    def character(self, walk: Walk, power: int = 1): ...

    @abstractmethod
    def degree(self, factor: int) -> int: ...

    @abstractmethod
    def monomials(self, n_factors: int, dual: bool = False) -> Counter | None: ...

    @abstractmethod
    def structure(self) -> Structure: ...

    @classmethod
    def parse(cls, parsed: Parsed) -> Rep:
        """Build from what the parser read (registered constructors override)."""
        raise NotImplementedError(cls.__name__)


def zero_monomial(n_factors: int) -> tuple:
    return ((0, 0, 0),) * n_factors


def unit_monomial(n_factors: int, i: int, entry: tuple[int, int, int]) -> Counter:
    zero = zero_monomial(n_factors)
    return Counter({zero[:i] + (entry,) + zero[i + 1:]: 1})


class FactorAtom(Rep):
    """An atom that belongs to one factor: ``NAME`` or ``NAME[i]`` (V, det, ...).

    Subclasses are frozen dataclasses with fields ``factor`` (None until resolved),
    ``column`` and ``single`` (printed without index), in this order.
    """

    factor: int | None
    column: int
    single: bool

    def __str__(self) -> str:
        return self.name if self.single else f"{self.name}[{self.factor}]"

    def resolve(self, group: Group, text: str) -> Rep:
        single = len(group.factors) == 1
        idx, name = self.factor, getattr(self, "head", self.name)
        if idx is None:
            if not single:
                raise SpecError(f"{name} needs a factor index on a product group, e.g. "
                                f"{name}[0]", text, self.column)
            idx = 0
        if idx >= len(group.factors):
            raise SpecError(f"{name}[{idx}]: the group has no factor {idx} "
                            f"(factors are 0..{len(group.factors) - 1})", text, self.column)
        factor = group.factors[idx]
        problem = self.unavailable(factor)
        if problem:
            raise SpecError(f"{self.with_index(idx, single)} is not a representation of "
                            f"{factor}: {problem}", text, self.column)
        return self.with_index(idx, single)

    def with_index(self, idx: int, single: bool) -> Rep:
        return dataclasses.replace(self, factor=idx, single=single)

    def unavailable(self, factor) -> str | None:
        """Why ``factor`` (a ``spec.Factor``) has no such representation, or None.  The
        parser then reports "NAME is not a representation of GROUP: why", with a caret
        under NAME, and the command line exits with status 2."""
        return None

    def factors_used(self, used: set[int]) -> set[int]:
        used.add(self.factor)
        return used

    @classmethod
    def parse(cls, parsed: Parsed) -> Rep:
        return cls(parsed.index, column=parsed.column)


@dataclass(frozen=True)
class Zero(Rep):
    """The zero-dimensional representation (``zero.py`` says where it is used); here,
    beside ``Rep``, because ``Rep.simplified`` returns it."""

    def __str__(self) -> str:
        return "0"

    def dimension(self, group) -> int:
        return 0

    def act(self, walk: Walk):
        from . import action

        return action.identity(0)

    def lie(self, walk: Walk):
        return CooMatrix.zeros(0)

    def character(self, walk: Walk, power: int = 1):
        return 0

    def degree(self, factor: int) -> int:
        return 0

    def monomials(self, n_factors: int, dual: bool = False) -> Counter:
        return Counter()

    def structure(self) -> Structure:
        return Structure("scalars", count=0)
