"""Applying a partition-labelled S(n) basis at any n, without forming W.

Notation: the layer maps x (batch, channels, n_1, ..., n_k) to y (batch, channels,
n_1, ..., n_l); a set partition pi of the l + k slots (output slots first) labels the
orbit element O_pi, which is 1 at the positions whose index equalities are exactly pi.

The diagram element D_sigma is 1 where the indices are equal *within* the blocks of
sigma (blocks may coincide).  It factorises into cheap operations; each block of sigma
holds input slots only, output slots only, or both:

* input: take the diagonal of x along the input slots of each block (a view), sum over
  the blocks with input slots only -> a tensor T over the *mixed* blocks;
* mix channels (a matmul with the element's weight), the only step with a flop per
  weight;
* output: put the result on the diagonal of the output slots of each block,
  broadcasting along blocks with output slots only.

So D_sigma costs one pass over x (shared by every sigma with the same input side), a
matmul over n^(mixed blocks) entries, and a write of n^(output blocks) entries, never
n^(k+l).  The orbit basis is the Moebius inversion of the diagram basis on the lattice
of set partitions (finer below coarser; slots of different factors never merge):

    D_sigma = sum_{tau >= sigma} O_tau,     O_pi = sum_{sigma >= pi} mu(pi, sigma) D_sigma,
    mu(pi, sigma) = prod over blocks of sigma of (-1)^(c - 1) (c - 1)!,

c the number of blocks of pi merged into that block.  Both hold for every n (O_tau = 0
when tau has more blocks than its set has points), so the weights w_pi of the orbit
basis become diagram weights v = w M with M[pi, sigma] = mu(pi, sigma), exactly (the
entries are integers), and y = sum_sigma v_sigma D_sigma x.  Elements with more blocks
than n (per factor) are zero maps at that n and are dropped.

``make_plan`` does all of this bookkeeping once per set sizes, in numpy; the frameworks
(``reference`` here, ``intertwine.torch``, ``intertwine.jax``) only run its einsums,
matmuls and placements.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .labels import blocks_per_factor, global_labels, label_codes

__all__ = ["Plan", "Reduction", "Placement", "Term", "make_plan", "moebius_matrix",
           "set_sizes"]

_LETTERS = string.ascii_lowercase


@dataclass(frozen=True)
class Reduction:
    """Diagonals and sums of x: ``np.einsum(subscripts, x)`` over the trailing slot axes
    ('...' is batch and channels); the result has one axis per kept block."""

    subscripts: str
    factors: tuple[int, ...]  # factor of each axis of the result
    diagonal: tuple[tuple[int, ...], ...]  # input slots of each diagonal axis (Q's blocks)
    kept: tuple[int, ...]  # which of those axes survive (the others are summed)


@dataclass(frozen=True)
class Placement:
    """Where a tensor over the blocks of an output partition goes in y: block b of it
    lies on the diagonal of the output slots ``blocks[b]``."""

    blocks: tuple[tuple[int, ...], ...]
    factors: tuple[int, ...]

    @property
    def is_identity(self) -> bool:
        return all(len(b) == 1 for b in self.blocks)


@dataclass(frozen=True)
class Term:
    """One diagram element: its weight column, its input reduction, its placement, and
    the placement block that each axis of the reduction lands on."""

    column: int
    reduction: int
    placement: int
    targets: tuple[int, ...]


@dataclass(frozen=True)
class Plan:
    out_factors: tuple[int, ...]
    in_factors: tuple[int, ...]
    sizes: tuple[int, ...]
    #: file elements kept at these sizes; weights w[..., elements] @ moebius = v
    elements: np.ndarray
    moebius: np.ndarray
    reductions: tuple[Reduction, ...]
    placements: tuple[Placement, ...]
    terms: tuple[Term, ...]
    #: flat positions of each placement's diagonal in y's slot axes (``placement_indices``)
    placement_index: tuple[np.ndarray, ...] = ()
    #: the bias: invariant vectors kept at these sizes (orbit indicators of the output
    #: slots' partitions), their Moebius change to diagonal indicators, and the placement
    #: on whose diagonal each of those is a constant
    bias_elements: np.ndarray | None = None
    bias_moebius: np.ndarray | None = None
    bias_placement: tuple[int, ...] = ()

    @property
    def in_shape(self) -> tuple[int, ...]:
        return tuple(self.sizes[f] for f in self.in_factors)

    @property
    def out_shape(self) -> tuple[int, ...]:
        return tuple(self.sizes[f] for f in self.out_factors)

    def terms_of(self, reduction: int) -> list[Term]:
        return [t for t in self.terms if t.reduction == reduction]

    def block_shape(self, placement: Placement) -> tuple[int, ...]:
        return tuple(self.sizes[f] for f in placement.factors)

    def axis_sizes(self, reduction: Reduction) -> tuple[int, ...]:
        return tuple(self.sizes[f] for f in reduction.factors)

    def placement_indices(self, placement: Placement) -> np.ndarray:
        """Flat positions in y's slot axes of the placement's diagonal, in the row-major
        order of its block axes (what scatter-based frameworks add into)."""
        shape = self.out_shape
        strides = [math.prod(shape[t + 1:]) for t in range(len(shape))]
        index = np.zeros(1, np.int64)
        for block, f in zip(placement.blocks, placement.factors):
            step = sum(strides[t] for t in block)
            index = (index[:, None] + np.arange(self.sizes[f])[None, :] * step).ravel()
        return index


def _canonical(labels: np.ndarray) -> np.ndarray:
    """First-appearance numbering of rows of block labels (no factor distinction)."""
    return global_labels(labels, np.zeros(labels.shape[1], np.int64))


@lru_cache(maxsize=16)
def _set_partitions(b: int) -> np.ndarray:
    """All set partitions of b items as restricted-growth strings, shape (Bell(b), b)."""
    from ..solvers.orbit.symmetric import valid_strings

    return valid_strings((0,) * b, [b])


def moebius_matrix(labels: np.ndarray, factors) -> np.ndarray:
    """M[pi, sigma] = mu(pi, sigma) for sigma coarser than (or equal to) pi, else 0, on
    a set of label rows closed under coarsening (rows missing from it are skipped, which
    only happens for coarsenings of rows that are not in it either)."""
    labels = np.asarray(labels, np.int64)
    factors = np.asarray(factors, np.int64)
    count, s = labels.shape
    moebius = np.zeros((count, count))
    if s == 0:
        return np.eye(count)
    codes = label_codes(labels)
    order = np.argsort(codes)
    sorted_codes = codes[order]
    for pi in range(count):
        row = labels[pi]
        b = int(row.max()) + 1
        block_factor = np.zeros(b, np.int64)
        block_factor[row] = factors
        merges = _set_partitions(b)  # which blocks of pi go together
        same = merges[:, :, None] == merges[:, None, :]
        allowed = ~(same & (block_factor[:, None] != block_factor[None, :])).any(axis=(1, 2))
        merges = merges[allowed]
        coarser = _canonical(merges[:, row])
        at = np.minimum(np.searchsorted(sorted_codes, label_codes(coarser)), count - 1)
        found = sorted_codes[at] == label_codes(coarser)
        sizes = np.stack([(merges == v).sum(axis=1) for v in range(b)], axis=1)
        weight = np.prod(np.where(sizes > 0, (-1.0) ** (sizes - 1)
                                  * _factorials(b)[np.maximum(sizes - 1, 0)], 1.0), axis=1)
        moebius[pi, order[at[found]]] = weight[found]
    return moebius


@lru_cache(maxsize=16)
def _factorials(b: int) -> np.ndarray:
    return np.array([math.factorial(i) for i in range(b + 1)], np.float64)


def set_sizes(factors_in: tuple[int, ...], shape: tuple[int, ...], defaults) -> tuple[int, ...]:
    """n_f of every factor from the input's slot axes; factors without an input slot keep
    ``defaults`` (the file's).  Raises ValueError if the axes disagree."""
    sizes = list(defaults)
    seen: dict[int, int] = {}
    for f, n in zip(factors_in, shape):
        if seen.setdefault(f, int(n)) != n:
            raise ValueError(f"input axes of one set have different lengths: {tuple(shape)}")
        sizes[f] = int(n)
    return tuple(sizes)


def _kept(labels: np.ndarray, factors, sizes) -> np.ndarray:
    """Rows with at most n_f blocks of every factor f."""
    if not len(factors):
        return np.arange(len(labels))
    blocks = blocks_per_factor(labels, factors)
    return np.flatnonzero((blocks <= np.array(sizes)[None, :blocks.shape[1]]).all(axis=1))


def make_plan(labels: np.ndarray, out_factors, in_factors, sizes,
              bias_labels: np.ndarray | None = None) -> Plan:
    """The plan for one monomial block Hom(V**in, V**out) with label rows ``labels``
    (output slots first), at set sizes ``sizes`` (one per factor); ``bias_labels``: the
    partitions of the output slots that index the bias, if any."""
    out_factors, in_factors = tuple(out_factors), tuple(in_factors)
    factors = out_factors + in_factors
    l, s = len(out_factors), len(factors)
    labels = np.asarray(labels, np.int64)[:, :s]
    kept = _kept(labels, factors, sizes)
    rows = labels[kept]
    moebius = moebius_matrix(rows, factors)
    reductions: dict[tuple, int] = {}
    placements: dict[tuple, int] = {}
    terms = []
    for column, row in enumerate(rows):
        row = row.tolist()
        out_part, in_part = row[:l], row[l:]
        in_blocks = list(dict.fromkeys(in_part))  # sigma's blocks in input order
        out_blocks = list(dict.fromkeys(out_part))
        mixed = [b for b in in_blocks if b in out_blocks]
        diagonal = tuple(tuple(t for t in range(len(in_part)) if in_part[t] == b)
                         for b in in_blocks)
        kept_axes = tuple(in_blocks.index(b) for b in mixed)
        red_key = (diagonal, kept_axes)
        if red_key not in reductions:
            reductions[red_key] = len(reductions)
        out_key = tuple(tuple(t for t in range(l) if out_part[t] == b) for b in out_blocks)
        if out_key not in placements:
            placements[out_key] = len(placements)
        terms.append(Term(column, reductions[red_key], placements[out_key],
                          tuple(out_blocks.index(b) for b in mixed)))
    bias = {}
    if bias_labels is not None:
        bias_labels = np.asarray(bias_labels, np.int64)[:, :l]
        bias_kept = _kept(bias_labels, out_factors, sizes)
        placement_of = []
        for row in bias_labels[bias_kept].tolist():
            key = tuple(tuple(t for t in range(l) if row[t] == b) for b in dict.fromkeys(row))
            if key not in placements:
                placements[key] = len(placements)
            placement_of.append(placements[key])
        bias = {"bias_elements": bias_kept, "bias_placement": tuple(placement_of),
                "bias_moebius": moebius_matrix(bias_labels[bias_kept], out_factors)}
    plan = Plan(
        out_factors=out_factors, in_factors=in_factors, sizes=tuple(sizes),
        elements=kept, moebius=moebius, **bias,
        reductions=tuple(_reduction(d, k, in_factors) for d, k in reductions),
        placements=tuple(Placement(b, tuple(out_factors[blk[0]] for blk in b))
                         for b in placements),
        terms=tuple(terms))
    index = tuple(plan.placement_indices(p) if not p.is_identity else np.zeros(0, np.int64)
                  for p in plan.placements)
    object.__setattr__(plan, "placement_index", index)
    return plan


def _reduction(diagonal, kept, in_factors) -> Reduction:
    letters = [""] * len(in_factors)
    for axis, slots in enumerate(diagonal):
        for t in slots:
            letters[t] = _LETTERS[axis]
    result = "".join(_LETTERS[a] for a in kept)
    return Reduction(subscripts=f"...{''.join(letters)}->...{result}",
                     factors=tuple(in_factors[diagonal[a][0]] for a in kept),
                     diagonal=diagonal, kept=kept)
