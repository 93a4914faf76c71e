"""Orbits of other permutation actions by orbit minima, in place and in blocks.

Labels start as the positions themselves and repeatedly take the minimum over each
generator's cycles (by doubling: log2(order) gathers), then jump to their label's label,
until nothing changes.  The label is then the orbit's smallest position.  A generator
acts on a tensor monomial axis by axis, so a gather is a few ``np.take`` along small
axes, never an index array of the pattern's size.
"""

from __future__ import annotations

import math

import numpy as np

from ...coo import pattern_dtype
from ...problem import Problem
from .chunks import chunk_size
from .symmetric import monomial

__all__ = ["axis_actions", "orbit_minima", "rank_minima", "doublings", "permutation_order", "Grid"]


def axis_actions(problem: Problem) -> tuple[tuple[int, ...], list[list]]:
    """W's positions as a tensor, and each generator as one permutation per axis.

    For tensor monomials the axes are the slots (a generator of factor i permutes the
    slots of factor i and leaves the others alone: None); otherwise the two axes are
    rows and columns.  Generators that move nothing are dropped.
    """
    from ...groups import group_generators

    spec = problem.model
    out_m, in_m = monomial(spec.rep_out), monomial(spec.rep_in)
    if out_m is not None and in_m is not None:
        slots = out_m + in_m
        degrees = [f.degree for f in spec.group.factors]
        shape = tuple(degrees[f] for f in slots)
        actions = [[g.perm if f == i else None for f in slots]
                   for i, g in group_generators(spec.group)[0]]
    else:
        shape = (problem.dim_out, problem.dim_in)
        actions = [[g_out.perm, g_in.perm]
                   for g_in, g_out in zip(problem.discrete_in, problem.discrete_out)]
    actions = [[None if p is None or np.array_equal(p, np.arange(len(p))) else
                p.astype(np.intp) for p in action] for action in actions]
    return shape, [a for a in actions if any(p is not None for p in a)]


def orbit_minima(shape: tuple[int, ...], actions: list[list]) -> np.ndarray:
    """Label of every position: the smallest position of its orbit (int32 or int64).

    Invariant: label[p] lies in p's orbit and label[p] <= p; every step only lowers
    labels, so steps may read labels that the same step already lowered.  At the fixed
    point labels are constant along every generator, hence on orbits, hence the minimum.
    """
    size = math.prod(shape)
    dtype = np.int32 if size < 2**31 else np.int64
    labels = np.arange(size, dtype=dtype)
    if not actions:
        return labels
    grid = Grid(shape)
    # labels only ever decrease: equal sums mean that nothing moved
    total = int(labels.sum(dtype=np.int64))
    while True:
        before = total
        for action in actions:
            total = _lower_along(grid, labels, action, total)
        total = int(labels.sum(dtype=np.int64))
        if total == before:  # constant along every generator, hence on orbits
            return labels
        while True:  # pointer jumping: a label's label is in the same orbit and smaller
            for a in range(0, size, chunk_size()):
                chunk = labels[a:a + chunk_size()]
                np.take(labels, chunk, out=chunk, mode="clip")
            jumped = int(labels.sum(dtype=np.int64))
            if jumped == total:
                break
            total = jumped


def _lower_along(grid: Grid, labels: np.ndarray, action: list, total: int) -> int:
    """Lower each label to the minimum over a window of 2**k steps along its cycle of
    ``action``, doubling k until the window covers the cycle.

    When one step of ``action`` itself moves nothing, labels are constant along its
    cycles and its powers move nothing either: the doublings are skipped (the last round
    of every solve is such a check).  ``total`` is a sum of the labels at or before the
    call; a stale (larger) one only costs a skip.  Returns such a sum for the next call.
    """
    steps = doublings(action)
    grid.lower(labels, action)
    if steps == 1:
        return total
    after = int(labels.sum(dtype=np.int64))
    if after == total:
        return total
    power = action
    for _ in range(steps - 1):  # window of 2**k steps along each cycle
        power = [None if p is None else p[p] for p in power]
        grid.lower(labels, power)
    return after


def doublings(action: list) -> int:
    """Doubling steps after which a window covers a whole cycle on positions."""
    order = math.lcm(*(permutation_order(p) for p in action if p is not None))
    return max(1, (order - 1).bit_length())


def permutation_order(perm: np.ndarray) -> int:
    """Order of a permutation: the lcm of its cycle lengths (vectorised, by doubling)."""
    first = np.arange(len(perm))
    step = perm
    while True:
        lower = np.minimum(first, first[step])
        step = step[step]
        if np.array_equal(lower, first):
            break
        first = lower
    lengths = np.bincount(first)
    return math.lcm(*(int(x) for x in np.unique(lengths[lengths > 0])))


class Grid:
    """Gathers label[g(p)] for all p, block by block.

    The leading axes are merged into one (their joint permutation is small: at most
    size / chunk_size()... entries), and so are the remaining axes (at most chunk_size()
    entries): each block of leading indices is gathered with one take of whole rows, then
    permuted within its rows with one more take.  One gather per block, not one per
    axis: a take along a small middle axis copies the whole block each time.
    """

    def __init__(self, shape: tuple[int, ...]):
        lead = 0
        while lead < len(shape) - 1 and math.prod(shape[lead:]) > chunk_size():
            lead += 1
        self.lead_shape = shape[:max(lead, 1)]
        self.tail_shape = shape[max(lead, 1):]
        self.rows = math.prod(self.lead_shape)
        self.row_size = math.prod(self.tail_shape)
        self.block = max(1, chunk_size() // max(1, self.row_size))

    @staticmethod
    def _joint(parts: list, shape: tuple[int, ...]) -> np.ndarray | None:
        """The permutation of the merged axes ``shape`` that permutes axis k by
        ``parts[k]`` (None: left alone); None if every part is None."""
        if all(p is None for p in parts):
            return None
        joint = np.zeros(1, np.intp)
        for p, n in zip(parts, shape):
            p = np.arange(n) if p is None else p
            joint = (joint[:, None] * n + p[None, :]).ravel()
        return joint

    def lower(self, labels: np.ndarray, action: list) -> None:
        """labels[p] = min(labels[p], labels[g(p)]) for every position p."""
        rows = labels.reshape(self.rows, self.row_size)
        lead = self._joint(action[:len(self.lead_shape)], self.lead_shape)
        tail = self._joint(action[len(self.lead_shape):], self.tail_shape)
        for a in range(0, self.rows, self.block):
            b = min(a + self.block, self.rows)
            moved = rows[a:b] if lead is None else rows[lead[a:b]]
            if tail is not None:
                moved = np.take(moved, tail, axis=1)
            np.minimum(rows[a:b], moved, out=rows[a:b])


def rank_minima(labels: np.ndarray) -> tuple[np.ndarray, int]:
    """Pattern from orbit-minimum labels: orbits numbered by their smallest position.

    ``labels`` is consumed, in one pass, in place: each orbit's smallest position is
    overwritten with the orbit's number, which every later position of the orbit then
    reads (a position only ever reads smallest positions, never one already numbered
    over); the pattern is then ``labels`` itself, in the smallest type that holds it.
    """
    size = len(labels)
    seen = 0
    for a in range(0, size, chunk_size()):
        chunk = labels[a:a + chunk_size()]
        original = chunk.copy()
        first = original == np.arange(a, a + len(chunk), dtype=labels.dtype)
        numbers = seen + np.cumsum(first, dtype=labels.dtype) - 1
        chunk[first] = numbers[first]
        seen += int(np.count_nonzero(first))
        chunk[:] = labels[original]
    return labels.astype(pattern_dtype(seen), copy=False), seen
