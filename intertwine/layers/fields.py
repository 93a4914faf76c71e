"""A field type, ``"GROUP : REP"``, split into the blocks that the between-layer modules
act on (``intertwine.torch.between``, ``intertwine.jax.between``; see
docs/layers_between.rst).  Nothing here imports a deep-learning framework.

REP is read as written: its summands (``+``), each repeated by a multiplicity (``k*R``),
are the blocks.  A block is

* ``trivial``: one coordinate on which the group acts as the identity (``1``, ``k``,
  ``irr(0)``, ``0e``, ...) -- one block per coordinate;
* ``irreducible``: an irreducible atom of any family (``irr(...)``, ``0e``/``1o``, ``det``,
  ``V`` where V is irreducible);
* ``permutation``: anything else whose generators are permutation matrices (``reg``,
  ``Grid(k)``, ``V`` of a permutation group, products of those); ``reg`` blocks are
  also ``regular``;
* ``other``: anything else (``V**2`` of O(3), say).

The kinds come from the representation tree and the generators' matrices only, so
irreducible representations of families added later work as soon as they parse.

>>> field = Field.of("C(4): 2*irr(1) + 1 + reg")
>>> [(b.kind, b.label, b.index.tolist()) for b in field.blocks]  # doctest: +NORMALIZE_WHITESPACE
[('irreducible', 'irr(1)', [0, 1]), ('irreducible', 'irr(1)', [2, 3]),
 ('trivial', '1', [4]), ('permutation', 'reg', [5, 6, 7, 8])]
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import cached_property

import numpy as np

from ..errors import SpecError

__all__ = ["Block", "Field"]

#: a dense matrix per generator is built for checks; larger fields are refused
MAX_FIELD_DIM = 4096


@dataclass(frozen=True, eq=False)
class Block:
    """Coordinates ``index`` (int64, in the field's order) and the kind of one block."""

    index: np.ndarray
    kind: str  # "trivial", "irreducible", "permutation", "other"
    label: str
    regular: bool = False

    @property
    def dim(self) -> int:
        return len(self.index)


@dataclass(frozen=True, eq=False)
class Field:
    """A parsed field type: its group, representation, dimension and blocks."""

    spec: str
    group: object
    rep: object
    dim: int
    blocks: tuple[Block, ...] = dataclass_field(repr=False)

    @classmethod
    def of(cls, field) -> Field:
        """A Field from ``"GROUP : REP"`` (or a Field)."""
        if isinstance(field, Field):
            return field
        if not isinstance(field, str):
            raise TypeError(f"a field is a string 'GROUP : REP', not {type(field).__name__}")
        from ..spec import parse_field

        group, rep = parse_field(field)  # one parse: carets point into the whole field
        dim = int(rep.dimension(group))
        if dim > MAX_FIELD_DIM:
            raise SpecError(f"{field}: fields of more than {MAX_FIELD_DIM} coordinates are "
                            f"not supported (this one has {dim})")
        spec = f"{group}: {rep}"
        blocks = tuple(_blocks(rep, group, np.arange(dim, dtype=np.int64)))
        return cls(spec, group, rep, dim, blocks)

    def __hash__(self) -> int:
        return hash(self.spec)

    def __eq__(self, other) -> bool:
        return isinstance(other, Field) and other.spec == self.spec

    # -- the group's action ------------------------------------------------------------
    @cached_property
    def generators(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(rho(g) for the discrete generators, d rho(A) for the Lie ones), dense float64."""
        return _generators(self.rep, self.group)

    @cached_property
    def permutation(self) -> bool:
        """Every group element acts by a permutation matrix."""
        return _is_permutation(*self.generators)

    def random_elements(self, count: int, rng: np.random.Generator,
                        *others: Field) -> list:
        """``count`` random rho(g), dense (words in the discrete generators times exp of a
        random Lie-algebra element); with ``others`` (fields of the same group), tuples
        of rho(g) on this field and on each of them, for the same g."""
        from .layerdata import random_elements

        fields = (self, *others)
        elements = random_elements([f.generators[0] for f in fields],
                                   [f.generators[1] for f in fields], count, rng)
        dense = [tuple(np.asarray(g.toarray() if hasattr(g, "toarray") else g, np.float64)
                       for g in element) for element in elements]
        return [e[0] for e in dense] if not others else dense

    # -- what each module needs ----------------------------------------------------------
    def require_permutation(self, module: str) -> None:
        if not self.permutation:
            raise ValueError(
                f"{module}: {self.spec} does not act by permutation matrices, so a pointwise "
                "function of its coordinates is not equivariant; use it on reg, Grid or V "
                "of permutation groups, or use NormNonlinearity/GatedNonlinearity")

    def require_orthogonal(self, module: str) -> None:
        """Norms of the blocks are invariant only under orthogonal actions."""
        discrete, lie = self.generators
        for block in self.blocks:
            i = block.index
            ok = all(np.allclose(g[np.ix_(i, i)] @ g[np.ix_(i, i)].T, np.eye(len(i)),
                                 atol=1e-9) for g in discrete)
            ok = ok and all(np.allclose(a[np.ix_(i, i)], -a[np.ix_(i, i)].T, atol=1e-9)
                            for a in lie)
            if not ok:
                raise ValueError(f"{module}: the group does not act orthogonally on "
                                 f"{block.label} in {self.spec}: its norm is not invariant")

    def regular_blocks(self, module: str) -> list[Block]:
        if not self.blocks or not all(b.regular for b in self.blocks):
            raise ValueError(f"{module}: needs a field k*reg (regular representations), "
                             f"got {self.spec}")
        return list(self.blocks)

    def block_of_coordinate(self) -> np.ndarray:
        """For every coordinate, the index of its block."""
        out = np.empty(self.dim, np.int64)
        for b, block in enumerate(self.blocks):
            out[block.index] = b
        return out

    def one_hot(self) -> np.ndarray:
        """(dim, n_blocks) with 1 where a coordinate lies in a block: x @ it sums blocks."""
        out = np.zeros((self.dim, len(self.blocks)))
        out[np.arange(self.dim), self.block_of_coordinate()] = 1.0
        return out

    def gated_split(self, module: str) -> tuple[np.ndarray, Field]:
        """For REP = m*1 + R: the gate coordinates (m,) and the Field of R, whose blocks
        are the m gated ones."""
        first = self.blocks[:1]
        terms = getattr(self.rep, "terms", None)
        if not first or terms is None or len(terms) < 2:
            raise ValueError(f"{module}: needs REP = m*1 + R (m scalar gates, then the gated "
                             f"blocks), got {self.spec}")
        from ..reps import Sum

        head, tail = terms[0], terms[1:]
        gates = _blocks(head, self.group, np.arange(head.dimension(self.group)))
        rest = Field.of(f"{self.group}: {Sum(tuple(tail)) if len(tail) > 1 else tail[0]}")
        if not all(g.kind == "trivial" for g in gates) or len(gates) != len(rest.blocks):
            raise ValueError(f"{module}: needs REP = m*1 + R with m the number of blocks of "
                             f"R; {rest.spec.split(': ', 1)[1]} has {len(rest.blocks)} "
                             f"blocks, the first summand {head} is not {len(rest.blocks)}*1")
        return np.arange(len(gates), dtype=np.int64), rest


def _generators(rep, group) -> tuple[list[np.ndarray], list[np.ndarray]]:
    from ..coo import CooMatrix
    from ..reps import discrete_action, lie_action

    dim = int(rep.dimension(group))
    discrete = [np.asarray(a.matrix().toarray(), np.float64)
                for a in discrete_action(rep, group)]
    lie = [CooMatrix.of(a).toarray().astype(np.float64).reshape(dim, dim)
           for a in lie_action(rep, group)]
    return discrete, lie


def _is_permutation(discrete, lie) -> bool:
    if any(np.any(a != 0) for a in lie):
        return False
    return all(np.all((g == 0) | (g == 1)) and np.all(g.sum(axis=0) == 1)
               and np.all(g.sum(axis=1) == 1) for g in discrete)


def _blocks(rep, group, index: np.ndarray) -> list[Block]:
    """The blocks of ``rep`` whose coordinates are ``index`` (in rep's own order)."""
    from ..reps import Sum, Tensor, Trivial

    if isinstance(rep, Sum):
        out, start = [], 0
        for term in rep.terms:
            d = int(term.dimension(group))
            out += _blocks(term, group, index[start:start + d])
            start += d
        return out
    if isinstance(rep, Trivial):
        return [Block(index[i:i + 1], "trivial", "1") for i in range(rep.k)]
    if isinstance(rep, Tensor):
        parts = [f for f in rep.factors if not isinstance(f, Trivial)]
        if len(parts) <= 1:  # k*R (or R*k): copies of R, along R's axis of the kron layout
            dims = [int(f.dimension(group)) for f in rep.factors]
            grid = index.reshape(dims)
            if not parts:
                return [Block(index[i:i + 1], "trivial", "1") for i in range(len(index))]
            axis = rep.factors.index(parts[0])
            copies = np.moveaxis(grid, axis, -1).reshape(-1, dims[axis])
            return [b for copy in copies for b in _blocks(parts[0], group, copy)]
    return [_leaf(rep, group, index)]


def _leaf(rep, group, index: np.ndarray) -> Block:
    discrete, lie = _generators(rep, group)
    label = str(rep)
    identity = all(np.allclose(g, np.eye(len(index))) for g in discrete) and \
        not any(np.any(a != 0) for a in lie)
    if len(index) == 1 and identity:
        return Block(index, "trivial", label)
    if _irreducible_atom(rep, group):
        return Block(index, "irreducible", label)
    if _is_permutation(discrete, lie):
        return Block(index, "permutation", label, regular=getattr(rep, "name", "") == "reg")
    return Block(index, "other", label)


def _irreducible_atom(rep, group) -> bool:
    """An atom that is irreducible: ``irr`` of any family (``0e``, ``1o`` parse to it),
    ``det``, or ``V`` whose only self-intertwiners are the multiples of the identity."""
    if rep.children:
        return False
    name = getattr(rep, "name", "")
    if name in ("irr", "det"):
        return True
    if name == "V":
        from ..api import dim

        try:
            return dim(f"{group}: {rep} -> {rep}") == 1
        except ValueError:
            return False
    return False
