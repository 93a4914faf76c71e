"""What every group family is: an object that answers for one kind of factor.

A *family* (``S``, ``C``, ``SO``, ...) is one object registered by name.  It answers
for a factor of its kind: the argument shapes its name takes, the degree of V,
finiteness, the generators of V (discrete ones as signed permutations, Lie-algebra
ones as small integer sparse matrices, ``coo.CooMatrix``, and for continuous groups the
signed permutations of a finite subgroup), and optionally what counting needs: the order,
a histogram of elements by (trace on V, determinant), closed counts of Hom spaces
between tensor monomials.  Finite families enumerate their elements by closure of
their generators (``groups.ElementTable``), so a new finite group needs only its generators.

To add a group: write one module in this package with a subclass of
:class:`GroupFamily` decorated by :func:`register` (``__init__`` imports every module).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from ..coo import CooMatrix

if TYPE_CHECKING:  # imported where used: finite groups never need scipy
    import scipy.sparse as sp

    from .irrep import IrrepData

__all__ = ["Factor", "Group", "kept_generators", "families_with_irreps",
           "SignedPerm", "GroupFamily", "FiniteFamily", "FactorData", "register", "family",
           "FAMILIES", "ArgumentError", "from_cycles", "unit", "reflection", "quarter_turn",
           "quarter_turns", "rotations", "ElementTable", "parity", "MAX_ELEMENTS"]


@dataclass(frozen=True, eq=False)
class SignedPerm:
    """``g e_j = sign[j] e_{perm[j]}``; ``sign`` is None for a plain permutation."""

    perm: np.ndarray
    sign: np.ndarray | None = None

    #: an action by a signed permutation: the orbit solver applies (see ``reps.action``)
    is_signed_perm = True
    rational = True

    @property
    def size(self) -> int:
        return len(self.perm)

    def det(self) -> int:
        """Determinant: sign of the permutation times the product of the signs.  The sign
        of the permutation is (-1)**(n - cycles); cycles are counted by labelling each
        point with its cycle's smallest point (pointer doubling, no loop over points)."""
        perm = np.asarray(self.perm)
        labels = np.arange(len(perm))
        step = perm
        while True:
            lower = np.minimum(labels, labels[step])
            if np.array_equal(lower, labels):
                break
            labels, step = lower, step[step]
        cycles = int(np.count_nonzero(labels == np.arange(len(perm))))
        d = -1 if (len(perm) - cycles) % 2 else 1
        if self.sign is not None and np.count_nonzero(self.sign < 0) % 2:
            d = -d
        return d

    def coo(self) -> CooMatrix:
        """The matrix as coo arrays, rows in increasing order (as scipy's tocoo gives)."""
        n = self.size
        col = np.argsort(self.perm)  # the inverse permutation: row i has its 1 in col[i]
        value = np.ones(n, np.int64) if self.sign is None else self.sign[col].astype(np.int64)
        return CooMatrix(np.arange(n), col, value, (n, n))

    def matrix(self) -> sp.csr_matrix:
        return self.coo().tocsr()

    def signs(self) -> np.ndarray:
        return np.ones(self.size, np.int8) if self.sign is None else self.sign

    @staticmethod
    def identity(n: int) -> SignedPerm:
        return SignedPerm(np.arange(n, dtype=np.int64))


@dataclass(frozen=True, eq=False)
class FactorData:
    degree: int
    discrete: tuple[SignedPerm, ...]
    lie: tuple[CooMatrix, ...]
    finite: bool
    #: signed permutations inside the group (beyond ``discrete``), used only to shrink
    #: problems; with ``discrete`` they generate a finite subgroup H
    subgroup: tuple[SignedPerm, ...] = ()
    #: the same for specs whose irreps do not act on ``subgroup`` by signed permutations
    #: (``GroupFamily.irrep_subgroup``)
    irrep_subgroup: tuple[SignedPerm, ...] = ()


class ArgumentError(ValueError):
    """Arguments a family does not take; ``argument`` is the 0-based one to point at."""

    def __init__(self, message: str, argument: int | None = None):
        super().__init__(message)
        self.argument = argument


#: the largest group whose elements are ever listed (``reg`` of it has this dimension)
MAX_ELEMENTS = 2_000_000


@dataclass(frozen=True, eq=False)
class ElementTable:
    """Elements of a finite factor as rows ``perm[e, j]``, ``sign[e, j]`` (g e_j =
    sign[e, j] e_{perm[e, j]}), sorted as the contract orders them (``reg``): by the
    one-line notation, then by the signs, + before - (``sorted_from``).

    >>> table = ElementTable.from_generators([SignedPerm(np.array([1, 2, 0]))])
    >>> table.perm.tolist()
    [[0, 1, 2], [1, 2, 0], [2, 0, 1]]
    >>> table.regular(SignedPerm(np.array([1, 2, 0]))).tolist()  # e_h -> e_{gh}
    [1, 2, 0]
    """

    perm: np.ndarray  # (order, degree) int64
    sign: np.ndarray  # (order, degree) int8, +1 or -1

    def __len__(self) -> int:
        return len(self.perm)

    @property
    def order(self) -> int:
        return len(self.perm)

    def rows(self) -> np.ndarray:
        return np.hstack([self.perm, (self.sign < 0).astype(np.int64)])

    @classmethod
    def sorted_from(cls, perm: np.ndarray, sign: np.ndarray) -> ElementTable:
        rows = np.hstack([perm, (sign < 0).astype(np.int64)])
        order = np.lexsort(rows.T[::-1])  # first column most significant
        return cls(np.ascontiguousarray(perm[order]), np.ascontiguousarray(sign[order]))

    @classmethod
    def from_generators(cls, generators: list[SignedPerm], degree: int | None = None,
                        limit: int = MAX_ELEMENTS) -> ElementTable:
        """The closure of the generators, breadth first and a whole frontier at a time;
        ValueError beyond ``limit`` elements."""
        if degree is None:
            degree = generators[0].size
        identity = np.arange(degree, dtype=np.int64)
        seen = {_key(identity, np.ones(degree, np.int8))}
        perms, signs = [identity], [np.ones(degree, np.int8)]
        frontier = (identity[None, :], np.ones((1, degree), np.int8))
        gens = [(g.perm, g.signs().astype(np.int8)) for g in generators]
        while len(frontier[0]):
            new_p, new_s = [], []
            for g_perm, g_sign in gens:  # (g h) e_j = s^h_j s^g_{h(j)} e_{g(h(j))}
                p, s = g_perm[frontier[0]], frontier[1] * g_sign[frontier[0]]
                for pr, sr in zip(p, s):
                    key = _key(pr, sr)
                    if key not in seen:
                        seen.add(key)
                        new_p.append(pr)
                        new_s.append(sr)
            if len(seen) > limit:
                raise ValueError(f"the group has more than {limit} elements")
            perms += new_p
            signs += new_s
            frontier = (np.array(new_p, np.int64).reshape(-1, degree),
                        np.array(new_s, np.int8).reshape(-1, degree))
        return cls.sorted_from(np.array(perms), np.array(signs))

    def index(self, perm: np.ndarray, sign: np.ndarray) -> np.ndarray:
        """Positions of the given element rows in the table (they must be elements)."""
        table = self.rows()
        query = np.hstack([perm, (sign < 0).astype(np.int64)])
        _, inverse = np.unique(np.vstack([table, query]), axis=0, return_inverse=True)
        # the table is sorted and duplicate-free, so its rows keep their positions
        return inverse.ravel()[self.order:]

    def regular(self, g: SignedPerm) -> np.ndarray:
        """The left regular action of g as a permutation: e_h -> e_{gh}."""
        return self.index(g.perm[self.perm], self.sign * g.signs().astype(np.int8)[self.perm])


def parity(perm: np.ndarray) -> np.ndarray:
    """Parity (0 even, 1 odd) of each row, by counting inversions (small n: tables)."""
    n = perm.shape[1]
    inversions = np.zeros(len(perm), np.int64)
    for i in range(n):
        inversions += (perm[:, i:i + 1] > perm[:, i + 1:]).sum(axis=1)
    return inversions & 1


@dataclass(frozen=True)
class Factor:
    """One group of a product: ``kind`` is a canonical family name, ``args`` its integers.

    ``cycles`` holds, for ``Perm``, one tuple of disjoint cycles per generator.  What the
    factor is (degree, finiteness, generators) its family says (``groups``).
    """

    kind: str
    args: tuple[int, ...]
    cycles: tuple[tuple[tuple[int, ...], ...], ...] = ()
    column: int = field(default=0, compare=False, repr=False)

    @property
    def family(self):
        return family(self.kind)

    @property
    def finite(self) -> bool:
        return self.family.finite

    @property
    def degree(self) -> int:
        """Dimension of the defining representation V."""
        return self.family.degree(self)

    def __str__(self) -> str:
        return self.family.format(self)


@dataclass(frozen=True)
class Group:
    factors: tuple[Factor, ...]

    @property
    def finite(self) -> bool:
        return all(f.finite for f in self.factors)

    def __str__(self) -> str:
        return " x ".join(map(str, self.factors))



class GroupFamily(ABC):
    """One kind of group factor.  Subclasses set ``names`` (canonical first, then aliases)
    and ``finite``, and implement ``degree`` and the generators."""

    names: tuple[str, ...] = ()
    finite: bool = False
    #: "ints" (``NAME`` or ``NAME(n, ...)``) or "cycles" (``NAME(n; g1, g2, ...)``)
    syntax: str = "ints"
    #: keep discrete generators that act on V as the identity (they may move other
    #: representations: D(1)'s and D(2)'s reflection)
    keeps_trivial_generators: bool = False
    #: one-line description for error messages and ``intertwine --help``
    summary: str = ""
    #: how a spec writes it, for ``intertwine --help`` (default ``NAME(n)``)
    usage: str = ""

    @property
    def name(self) -> str:
        return self.names[0]

    def check(self, args: tuple[int, ...], cycles: tuple) -> None:
        """Raise ArgumentError unless the arguments are valid (default: one n >= 1)."""
        if len(args) != 1:
            raise ArgumentError(f"{self.name} takes one integer, {self.name}(n)",
                                min(len(args), 1))
        if args[0] < 1:
            raise ArgumentError("the group size must be at least 1", 0)

    def format(self, f: Factor) -> str:
        return f"{self.name}({','.join(map(str, f.args))})" if f.args else self.name

    @abstractmethod
    def degree(self, f: Factor) -> int:
        """Dimension of the defining representation V."""

    @abstractmethod
    def discrete(self, f: Factor) -> list[SignedPerm]:
        """Discrete generators (stored in files), as signed permutations of V."""

    def lie(self, f: Factor) -> list[CooMatrix]:
        """Lie-algebra generators on V (continuous groups), small integer matrices."""
        return []

    def subgroup(self, f: Factor) -> list[SignedPerm]:
        """Extra signed permutations in the group, only to shrink problems (never stored)."""
        return []

    def irrep_subgroup(self, f: Factor) -> list[SignedPerm]:
        """Signed permutations of V in the group that every irrep of the family maps to
        signed permutations too: the subgroup H of specs whose irreps do not act on
        ``subgroup`` so (SO(3)'s quarter turns about x and z in e3nn's basis)."""
        return []

    def lie_dimension(self, f: Factor) -> int:
        """Number of Lie-algebra generators, known without building them (size checks)."""
        return 0

    def tuples_by_equality(self, f: Factor, slots: int) -> bool:
        """The orbits on index tuples of length ``slots`` are their equality patterns, as
        for S(n) (then the orbit solver's closed form applies)."""
        return False

    # -- counting (optional) ---------------------------------------------------------
    def order(self, f: Factor) -> int | None:
        return None

    def histogram(self, f: Factor, degree: int | None, max_order: int,
                  powers: int = 1) -> dict | None:
        """{(trace on V, det): number of elements}; see ``counting.histogram``.  With
        ``powers`` = p > 1 the keys are (trace of g, det g, trace of g**2, ...,
        trace of g**p), for the characters of ``sym`` and ``alt``."""
        return None

    def hom(self, f: Factor, m_in: tuple[int, int, int], m_out: tuple[int, int, int]
            ) -> int | None:
        """dim Hom between V**a (x) dual(V)**b (x) det**e monomials, (a, b, e) each side,
        by a closed formula; None where the family has none."""
        return None

    # -- irreducible representations (optional; see ``groups/irrep.py``) --------------
    #: how ``irr`` reads on this family, e.g. "irr(k) on C(n)"; empty: no irreps
    irrep_syntax: str = ""

    def irrep_problem(self, f: Factor, label: tuple[int, ...]) -> str | None:
        """Why ``label`` names no irreducible representation of f (None: it does)."""
        return "irr exists only as " + _irrep_groups()

    def irrep_dimension(self, f: Factor, label: tuple[int, ...]) -> int:
        raise NotImplementedError(self.name)

    def irrep_exactness(self, f: Factor, label: tuple[int, ...]) -> str:
        """"rational", "sqrt" or "float" for the whole action (Lie generators included)."""
        raise NotImplementedError(self.name)

    def irrep(self, f: Factor, label: tuple[int, ...]) -> IrrepData:
        raise NotImplementedError(self.name)

    def irrep_character(self, f: Factor, label: tuple[int, ...], value):
        """The character on every element of a finite factor (``counting.ElementAxis``
        arrays ``value(key)``); None where unknown."""
        return None

    def irrep_trace_degree(self, f: Factor, label: tuple[int, ...]) -> int | None:
        """d where the character is a function of the traces on V of g, g**2, ..., g**d
        (S(n): the cycle type, d = n): counting then sums it over the family's
        ``histogram`` with those columns, as for ``sym`` of V, instead of element by
        element.  None: use ``irrep_character``."""
        return None

    def irrep_character_from_traces(self, f: Factor, label: tuple[int, ...], traces):
        """The character at elements given by ``traces[j - 1]`` = trace of g**j on V
        (1-D arrays of one length, j = 1..``irrep_trace_degree``)."""
        raise NotImplementedError(self.name)


class FiniteFamily(GroupFamily):
    """A finite family: elements by closure of the generators, histograms from them."""

    finite = True

    def elements(self, f: Factor, max_order: int = 200_000) -> ElementTable | None:
        """Every element on V (closure of the generators; None beyond max_order)."""
        n = self.degree(f)
        try:
            return ElementTable.from_generators(self.discrete(f), n, max_order)
        except ValueError:
            return None

    def faithful_generators(self, f: Factor) -> list[SignedPerm]:
        """The discrete generators (``factor_data`` order) as signed permutations of a set
        of coordinates on which the group acts faithfully: V, unless the family says
        otherwise (D(1), D(2))."""
        return list(kept_generators(f))

    def element_table(self, f: Factor) -> ElementTable:
        """Every element as rows of ``faithful_generators``' coordinates, in the contract's
        order (families with a formula override it)."""
        gens = self.faithful_generators(f)
        n = gens[0].size if gens else self.degree(f)
        if not gens:
            return ElementTable(np.arange(n, dtype=np.int64)[None, :], np.ones((1, n), np.int8))
        return ElementTable.from_generators(gens, n)

    def order(self, f: Factor) -> int | None:
        table = self.elements(f)
        return None if table is None else len(table)

    def histogram(self, f: Factor, degree: int | None, max_order: int,
                  powers: int = 1) -> dict | None:
        table = self.elements(f, max_order)
        if table is None:
            return None
        det = np.array([SignedPerm(p, s).det() for p, s in zip(table.perm, table.sign)])
        return power_histogram(table.perm, table.sign, det, powers)


def power_histogram(perm: np.ndarray, sign: np.ndarray | None, det: np.ndarray, powers: int,
                    fixed_outside: int = 0) -> dict:
    """Histogram of elements given as rows (``perm[e, j]``, ``sign[e, j]``; signs None for
    permutations) by (trace, det[, trace of g**2, ..., trace of g**powers]); points not
    in the rows are fixed by every element (``fixed_outside``)."""
    n = perm.shape[1]
    rows = np.arange(len(perm))[:, None]
    columns = [None, det.astype(np.int64)]
    p, s = np.broadcast_to(np.arange(n), perm.shape), None
    for j in range(1, powers + 1):
        # g**j = g o g**(j-1): e_i -> s_{j-1}[i] g e_{p(i)} = s_{j-1}[i] sign[p(i)] e_{g(p(i))}
        if sign is not None:
            s = sign[rows, p] if s is None else s * sign[rows, p]
        p = perm[rows, p]
        fixed = p == np.arange(n)
        trace = (np.count_nonzero(fixed, axis=1) if s is None else
                 np.where(fixed, s, 0).sum(axis=1))
        if j == 1:
            columns[0] = trace.astype(np.int64)
        else:
            columns.append(trace.astype(np.int64))
    keys, counts = np.unique(np.stack(columns), axis=1, return_counts=True)
    # the fixed points outside are added in Python: they may exceed int64
    shift = [fixed_outside, 0] + [fixed_outside] * (powers - 1)
    return {tuple(a + b for a, b in zip(k, shift, strict=True)): c
            for k, c in zip(keys.T.tolist(), counts.tolist(), strict=True)}


def _irrep_groups() -> str:
    return families_with_irreps()


def _key(perm: np.ndarray, sign: np.ndarray) -> bytes:
    return perm.tobytes() + sign.tobytes()


#: every family, under each of its names
FAMILIES: dict[str, GroupFamily] = {}


def register(cls: type[GroupFamily]) -> type[GroupFamily]:
    """Class decorator: one instance of the family, known under each of its names."""
    instance = cls()
    for name in cls.names:
        if name in FAMILIES:
            raise RuntimeError(f"group name {name!r} registered twice")
        FAMILIES[name] = instance
    return cls


def family(name: str) -> GroupFamily:
    return FAMILIES[name]


def families_with_irreps() -> str:
    """"C(n), D(n), SO(2), ...": the groups where ``irr`` means something."""
    seen, names = set(), []
    for fam in FAMILIES.values():
        if fam.irrep_syntax and id(fam) not in seen:
            seen.add(id(fam))
            names.append(fam.irrep_syntax)
    return "; ".join(names)


@lru_cache(maxsize=64)
def kept_generators(f: Factor) -> tuple[SignedPerm, ...]:
    """The discrete generators of ``f``'s family; identity generators constrain nothing,
    and dropping them keeps the stored list honest (unless the family keeps them)."""
    fam = family(f.kind)
    n = fam.degree(f)
    return tuple(g for g in fam.discrete(f) if fam.keeps_trivial_generators
                 or not (np.array_equal(g.perm, np.arange(n)) and g.sign is None))


# ----------------------------------------------------------------------------- helpers

def from_cycles(n: int, cycles) -> SignedPerm:
    perm = np.arange(n, dtype=np.int64)
    for c in cycles:
        for a, b in zip(c, c[1:] + c[:1]):
            perm[a] = b
    return SignedPerm(perm)


def unit(n: int, entries) -> CooMatrix:
    """The n x n integer matrix with these (row, col, value) entries (a Lie generator)."""
    rows, cols, vals = zip(*entries)
    return CooMatrix.from_entries(rows, cols, np.array(vals, np.int64), (n, n))


def reflection(n: int, coords) -> SignedPerm:
    sign = np.ones(n, np.int8)
    sign[list(coords)] = -1
    return SignedPerm(np.arange(n, dtype=np.int64), sign)


def quarter_turn(n: int, i: int, j: int) -> SignedPerm:
    """e_i -> e_j, e_j -> -e_i: a rotation by 90 degrees in the (i, j) plane (det 1)."""
    perm = np.arange(n, dtype=np.int64)
    perm[i], perm[j] = j, i
    sign = np.ones(n, np.int8)
    sign[j] = -1
    return SignedPerm(perm, sign)


def quarter_turns(n: int, start: int = 0) -> list[SignedPerm]:
    """Generators of the det-1 signed permutations of coordinates start..n-1.

    Their images in S_n are the adjacent transpositions (all of S_n), and their squares
    are the sign changes of two adjacent coordinates (all even sign changes), so they
    generate every signed permutation of determinant 1: 2**(m-1) m! elements.
    """
    return [quarter_turn(n, i, i + 1) for i in range(start, n - 1)]


def rotations(n: int, start: int = 0):
    return [unit(n, [(i, j, -1), (j, i, 1)]) for i in range(start, n) for j in range(i + 1, n)]
