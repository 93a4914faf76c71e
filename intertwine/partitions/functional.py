"""A plan run with pure (out-of-place) tensor operations: what torch and jax share.

The framework passes an ``ops`` object with five functions; nothing here imports a
framework.  Per reduction of x (a diagonal view and sums), one matmul mixes the channels
of every diagram element that reads it (their weights stacked), each result is added,
permuted and broadcast, into the tensor of its output partition, and each of those is
scattered once onto its diagonal of y (the all-distinct partition is y itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .plan import Plan, Reduction

__all__ = ["Constants", "Ops", "prepare", "run_plan"]

#: the largest channel-mixed intermediate one matmul produces (elements), ~128 MB float64
_MIX_ELEMENTS = 16 << 20


@dataclass
class Constants:
    """A plan's arrays as framework tensors, made once per plan (and device, dtype), so
    that a traced forward (torch.compile, jax.jit) touches no numpy."""

    moebius: Any
    elements: Any
    columns: tuple  # per reduction: the weight column of each of its terms
    placement_index: tuple  # per placement: flat positions in y (None: y itself)


def prepare(plan: Plan, floating, index) -> Constants:
    """``floating``/``index``: numpy -> framework tensor (in the layer's dtype / integer)."""
    return Constants(
        moebius=floating(plan.moebius), elements=index(plan.elements),
        columns=tuple(index(np.array([t.column for t in plan.terms_of(r)], np.int64))
                      for r in range(len(plan.reductions))),
        placement_index=tuple(None if p.is_identity else index(plan.placement_index[i])
                              for i, p in enumerate(plan.placements)))


class Ops(Protocol):
    def einsum(self, subscripts: str, x: Any) -> Any: ...

    def sum(self, x: Any, axes: tuple[int, ...]) -> Any: ...

    def matmul(self, a: Any, b: Any) -> Any: ...

    def scatter_add(self, y: Any, index: Any, values: Any) -> Any:
        """y with values added at positions ``index`` of its last axis (out of place)."""

    def permute(self, x: Any, axes: tuple[int, ...]) -> Any: ...

    def broadcast(self, x: Any, shape: tuple[int, ...]) -> Any:
        """x broadcast to ``shape``, materialised (it is then reshaped)."""

    def zeros(self, shape: tuple[int, ...], like: Any) -> Any: ...


def reduce(x, reduction: Reduction, ops: Ops):
    if all(len(d) == 1 for d in reduction.diagonal):  # no diagonal: plain sums
        summed = tuple(2 + a for a in range(len(reduction.diagonal))
                       if a not in reduction.kept)
        return ops.sum(x, summed) if summed else x
    return ops.einsum(reduction.subscripts, x)


def run_plan(plan: Plan, consts: Constants, w, x, ops: Ops):
    """x (batch, in_channels, *plan.in_shape) -> y (batch, out_channels, *plan.out_shape)."""
    batch, channels = x.shape[0], x.shape[1]
    v = ops.matmul(w[:, :, consts.elements], consts.moebius)  # (out, in, terms)
    out_channels = v.shape[0]
    blocks: dict[int, Any] = {}
    for r, reduction in enumerate(plan.reductions):
        reduced = reduce(x, reduction, ops)
        cols = tuple(reduced.shape[2:])
        flat = reduced.reshape(batch, channels, -1)
        terms = plan.terms_of(r)
        per_term = batch * out_channels * max(1, flat.shape[2])
        step = max(1, _MIX_ELEMENTS // per_term)
        for start in range(0, len(terms), step):
            chunk = terms[start:start + step]
            picked = v[:, :, consts.columns[r][start:start + step]]
            stacked = ops.permute(picked, (2, 0, 1))
            mixed = ops.matmul(stacked.reshape(-1, channels), flat)  # (batch, g*out, cols)
            for j, term in enumerate(chunk):
                z = mixed[:, j * out_channels:(j + 1) * out_channels].reshape(
                    (batch, out_channels) + cols)
                z = _aligned(z, term.targets, len(plan.placements[term.placement].blocks),
                             ops)
                p = term.placement
                blocks[p] = z if p not in blocks else blocks[p] + z
    return _place(plan, consts, blocks, batch, out_channels, x, ops)


def _aligned(z, targets: tuple[int, ...], n_blocks: int, ops: Ops):
    """z with its axis i moved to block axis targets[i], size-1 axes for the others."""
    order = sorted(range(len(targets)), key=targets.__getitem__)  # plain Python: traced
    perm = (0, 1) + tuple(2 + i for i in order)
    if perm != tuple(range(len(perm))):
        z = ops.permute(z, perm)
    present = sorted(targets)
    shape = tuple(z.shape[:2]) + tuple(z.shape[2 + present.index(b)] if b in present else 1
                                       for b in range(n_blocks))
    return z.reshape(shape)


def _place(plan: Plan, consts: Constants, blocks: dict, batch: int, out_channels: int,
           like, ops: Ops):
    full = (batch, out_channels) + plan.out_shape
    y = None
    for p, placement in enumerate(plan.placements):
        if p in blocks and placement.is_identity:
            y = _expand(blocks[p], full, ops)
    if y is None:
        y = ops.zeros(full, like)
    y = y.reshape(batch, out_channels, -1)
    for p, placement in enumerate(plan.placements):
        if p not in blocks or placement.is_identity:
            continue
        values = _expand(blocks[p], (batch, out_channels) + plan.block_shape(placement), ops)
        index = consts.placement_index[p]
        y = ops.scatter_add(y, index, values.reshape(batch, out_channels, -1))
    return y.reshape(full)


def _expand(t, shape, ops: Ops):
    return t if tuple(t.shape) == tuple(shape) else ops.broadcast(t, shape)
