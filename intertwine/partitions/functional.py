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
    placement_index: tuple
    bias_moebius: Any = None
    bias_elements: Any = None  # per placement: flat positions in y (None: y itself)


def prepare(plan: Plan, floating, index) -> Constants:
    """``floating``/``index``: numpy -> framework tensor (in the layer's dtype / integer)."""
    return Constants(
        moebius=floating(plan.moebius), elements=index(plan.elements),
        placement_index=tuple(None if p.is_identity else index(plan.placement_index[i])
                              for i, p in enumerate(plan.placements)),
        bias_moebius=None if plan.bias_moebius is None else floating(plan.bias_moebius),
        bias_elements=None if plan.bias_elements is None else index(plan.bias_elements))


class Ops(Protocol):
    def einsum(self, subscripts: str, x: Any) -> Any: ...

    def sum(self, x: Any, axes: tuple[int, ...]) -> Any: ...

    def matmul(self, a: Any, b: Any) -> Any: ...

    def scatter_add(self, y: Any, index: Any, values: Any) -> Any:
        """y with values added at positions ``index`` of its last axis (y may be
        updated in place: it is always a tensor the plan made)."""

    def mix(self, a: Any, b: Any, scratch: bool = False) -> Any:
        """a (out, in) @ b (batch, in, cols) -> (batch, out, cols), a fresh tensor; with
        ``scratch`` it is consumed before the next call (so it may reuse a buffer)."""

    def addmm(self, y: Any, a: Any, b: Any) -> Any:
        """y + a @ b (batched over y's first axis; in place allowed)."""

    def add(self, y: Any, z: Any) -> Any:
        """y + z, z broadcast to y's shape (in place allowed)."""

    def stack(self, tensors: list) -> Any:
        """Stack along a new last axis."""

    def permute(self, x: Any, axes: tuple[int, ...]) -> Any: ...

    def broadcast(self, x: Any, shape: tuple[int, ...]) -> Any:
        """x broadcast to ``shape``, materialised (it is then reshaped)."""

    def zeros(self, shape: tuple[int, ...], like: Any) -> Any: ...


def _reduce(x, reduction: Reduction, done: dict, ops: Ops):
    """The reduction of x, summed from an already computed one that keeps more axes of
    the same diagonal where there is one (a pass over that smaller tensor instead of x)."""
    for (diagonal, kept), tensor in sorted(done.items(), key=lambda item: len(item[0][1])):
        if diagonal == reduction.diagonal and set(reduction.kept) < set(kept):
            summed = tuple(2 + kept.index(a) for a in kept if a not in reduction.kept)
            return ops.sum(tensor, summed)  # the smallest tensor that has the axes
    if all(len(d) == 1 for d in reduction.diagonal):  # no diagonal: plain sums
        summed = tuple(2 + a for a in range(len(reduction.diagonal))
                       if a not in reduction.kept)
        return ops.sum(x, summed) if summed else x
    return ops.einsum(reduction.subscripts, x)


def run_plan(plan: Plan, consts: Constants, w, x, ops: Ops, bias=None):
    """x (batch, in_channels, *plan.in_shape) -> y (batch, out_channels, *plan.out_shape),
    plus the bias (out_channels, n_bias) when given (the plan must have been made with
    the bias partitions): each invariant vector is a Moebius sum of constants on
    diagonals, added with the broadcasts that are there anyway.

    y is allocated once; the element whose result is y's own layout (the identity
    pi = all slots distinct and paired in order) is multiplied straight into it, the
    other full-size ones (permutations) are added into it, and the smaller ones are
    summed per output block shape first, then broadcast or scattered into y once each.
    Frameworks whose ``addmm``/``add``/``scatter_add`` work in place (torch, numpy) so
    allocate no other tensor of y's size but one matmul result per permutation.
    """
    batch, channels = x.shape[0], x.shape[1]
    v = ops.matmul(w[:, :, consts.elements], consts.moebius)  # (out, in, terms)
    out_channels = v.shape[0]
    full = (batch, out_channels) + plan.out_shape
    l = len(plan.out_shape)
    # full-size terms (every output slot fed by an input block, one per block): the
    # identity is multiplied straight into y, permutations through one temporary each
    full_terms = {t for t in plan.terms if l > 0 and len(t.targets) == l
                  and plan.placements[t.placement].is_identity}
    y = None
    small: dict[tuple[int, tuple[int, ...]], Any] = {}  # (placement, axes present) -> sum
    if bias is not None:
        vb = ops.matmul(bias[:, consts.bias_elements], consts.bias_moebius)
        for j, p in enumerate(plan.bias_placement):
            z = vb[:, j].reshape((1, out_channels) + (1,) * len(plan.placements[p].blocks))
            small[(p, ())] = z if (p, ()) not in small else small[(p, ())] + z
    done: dict = {}
    order = sorted(range(len(plan.reductions)), key=lambda r: -len(plan.reductions[r].kept))
    for r in order:
        reduction = plan.reductions[r]
        reduced = _reduce(x, reduction, done, ops)
        done[(reduction.diagonal, reduction.kept)] = reduced
        cols = tuple(reduced.shape[2:])
        flat = reduced.reshape(batch, channels, -1)
        terms = plan.terms_of(r)
        identity = tuple(range(l))
        for term in sorted(terms, key=lambda t: t.targets != identity):  # identity first
            if term not in full_terms:
                continue
            weight = v[:, :, term.column]
            if term.targets == identity:
                y = (ops.mix(weight, flat) if y is None else
                     ops.addmm(y.reshape(batch, out_channels, -1), weight, flat))
                y = y.reshape(full)
                continue
            z = _aligned(ops.mix(weight, flat, True).reshape((batch, out_channels) + cols),
                         term.targets, l, ops)
            y = ops.add(ops.zeros(full, x) if y is None else y, z)
        rest = [(j, t) for j, t in enumerate(terms) if t not in full_terms]
        per_term = batch * out_channels * max(1, flat.shape[2])
        step = max(1, _MIX_ELEMENTS // per_term)
        for start in range(0, len(rest), step):
            chunk = rest[start:start + step]
            cols_of = [t.column for _, t in chunk]
            take = getattr(ops, "take", None)  # one gather where a framework has it
            picked = (v[:, :, cols_of[0]:cols_of[-1] + 1] if _consecutive(cols_of) else
                      take(v, cols_of) if take is not None else
                      ops.stack([v[:, :, c] for c in cols_of]))
            stacked = ops.permute(picked, (2, 0, 1))
            mixed = ops.matmul(stacked.reshape(-1, channels), flat)  # (batch, g*out, cols)
            mixed = mixed.reshape((batch, len(chunk) * out_channels) + cols)
            split = getattr(ops, "split", None)  # one split where a framework has it
            parts = (split(mixed, len(chunk)) if split is not None else
                     [mixed[:, i * out_channels:(i + 1) * out_channels]
                      for i in range(len(chunk))])
            for i, (_, term) in enumerate(chunk):
                z = parts[i]
                z = _aligned(z, term.targets, len(plan.placements[term.placement].blocks),
                             ops)
                key = (term.placement, tuple(sorted(term.targets)))
                small[key] = z if key not in small else small[key] + z
    return _place(plan, consts, y, small, full, x, ops)


def _folded(small: dict) -> dict:
    """Each partial sum added into another of the same placement whose axes include its
    own (both still smaller than y), so that y is passed over once per maximal shape."""
    out = dict(small)
    for key in sorted(small, key=lambda k: len(k[1])):
        wider = [k for k in out if k[0] == key[0] and set(key[1]) < set(k[1])]
        if wider:
            target = max(wider, key=lambda k: len(k[1]))
            out[target] = out[target] + out.pop(key)
    return out


def _consecutive(columns: list[int]) -> bool:
    return columns == list(range(columns[0], columns[-1] + 1))


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


def _place(plan: Plan, consts: Constants, y, small: dict, full, like, ops: Ops):
    batch, out_channels = full[:2]
    if y is None:
        y = ops.zeros(full, like)
    y = y.reshape(full)
    blocks: dict[int, Any] = {}
    small = _folded(small)
    for (p, _), z in small.items():
        if plan.placements[p].is_identity:
            y = ops.add(y, z)  # broadcast along the output-only blocks
        else:
            blocks[p] = z if p not in blocks else blocks[p] + z
    y = y.reshape(batch, out_channels, -1)
    for p, z in blocks.items():
        values = _expand(z, (batch, out_channels) + plan.block_shape(plan.placements[p]), ops)
        y = ops.scatter_add(y, consts.placement_index[p], values.reshape(batch, out_channels,
                                                                          -1))
    return y.reshape(full)


def _expand(t, shape, ops: Ops):
    return ops.broadcast(t, shape)  # also makes a permuted t contiguous (then reshaped)
