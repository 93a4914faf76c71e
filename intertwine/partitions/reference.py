"""The numpy implementation of a partition plan, and the shape logic all frameworks share.

>>> import numpy as np, intertwine
>>> from intertwine.partitions.reference import AnyN, apply
>>> layer = AnyN(intertwine.compute("S(5): V**2 -> V**2"))
>>> w = np.ones((1, 1, 15))
>>> apply(layer, w, np.ones((2, 1, 37, 37))).shape     # any n: here 37
(2, 1, 37, 37)
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..basis import Basis
from .labels import Layout, global_labels, label_codes, position_digits, well_formed
from .plan import Plan, make_plan, set_sizes

__all__ = ["AnyN", "apply", "apply_plan", "dense_is_cheaper", "plan_costs"]

#: the largest intermediate (channel-mixed reductions) that one matmul produces, bytes
_MIX_BYTES = 128 << 20


#: how the layers scale the basis elements at set sizes other than the file's
#: (``docs/layers_between.rst``): "none" -- B_m as the labels define them at every n
#: (the W of the file format's definition); "mean" -- each B_m times r_m(n0) / r_m(n),
#: r_m the number of input entries that one output entry of B_m sums (its nonzeros per
#: row), n0 the file's sizes: every sum becomes a mean, rescaled so that the layer is
#: unchanged at the file's n.  Where every element that reaches an output entry sums
#: (invariant readouts such as ``V**2 -> 1``), means of independent inputs would fade, so
#: those elements take sqrt(r_m(n0) / r_m(n)) instead (unit row norm up to a constant).
SCALINGS = ("none", "mean")


class AnyN:
    """A partition-labelled basis with one tensor monomial on each side (docs/anyn.rst),
    ready to be applied at any set sizes; plans are made once per sizes.  ``scaling``:
    see SCALINGS."""

    def __init__(self, basis: Basis, scaling: str = "none"):
        if scaling not in SCALINGS:
            raise ValueError(f"unknown scaling {scaling!r}: expected one of "
                             f"{', '.join(SCALINGS)}")
        self.scaling = scaling
        layout = Layout.of(basis.parsed_spec) if basis.partitions is not None else None
        if layout is None or len(layout.outs) != 1 or len(layout.ins) != 1:
            raise ValueError(f"{basis.spec}: applying at any n needs partition labels and "
                             "one tensor monomial on each side")
        problem = well_formed(basis.partitions, layout)
        if problem is not None:  # a tampered file: refused rather than applied as some map
            raise ValueError(f"{basis.spec}: partition labels malformed: {problem}")
        self.spec, self.n_basis = basis.spec, basis.n_basis
        self.out_factors, self.in_factors = layout.outs[0], layout.ins[0]
        self.sizes, self.complete = layout.sizes, layout.complete
        self.labels = np.asarray(basis.partitions.labels)
        self._plans: dict[tuple[int, ...], Plan] = {}
        self._bias: dict[tuple[int, ...], np.ndarray] = {}
        self.bias_labels = _output_partitions(self.out_factors, self.sizes)
        self.bias_codes = label_codes(self.bias_labels)

    @property
    def n_bias(self) -> int:
        """Invariant vectors of the output: one per set partition of the output slots
        (at the file's sizes), ordered by their first position, as the pattern files'
        orbits are."""
        return len(self.bias_codes)

    def bias_index(self, sizes: tuple[int, ...]) -> np.ndarray:
        """For every output coordinate at ``sizes``: its invariant vector (the partition
        of its index equalities), or n_bias where the file lacks that partition; so the
        bias is ``concat(b, 0)[:, bias_index]``."""
        if sizes not in self._bias:
            shape = [sizes[f] for f in self.out_factors]
            total = math.prod(shape)
            index = np.empty(total, np.int64)
            order = np.argsort(self.bias_codes)
            codes = self.bias_codes[order]
            step = 1 << 18
            for start in range(0, total, step):  # bounded memory: a chunk of positions
                digits = position_digits(np.arange(start, min(start + step, total)), shape)
                found = label_codes(global_labels(digits, self.out_factors))
                at = np.minimum(np.searchsorted(codes, found), len(codes) - 1)
                index[start:start + len(found)] = np.where(codes[at] == found, order[at],
                                                           len(codes))
            self._bias[sizes] = index
        return self._bias[sizes]

    @classmethod
    def applies(cls, basis: Basis) -> bool:
        """Whether ``basis`` can be applied at any n (labels, one monomial each side)."""
        if basis.partitions is None:
            return False
        layout = Layout.of(basis.parsed_spec)
        return layout is not None and len(layout.outs) == 1 and len(layout.ins) == 1

    def row_counts(self, sizes: tuple[int, ...]) -> np.ndarray:
        """r_m at ``sizes`` for every element: the input entries that one output entry
        in B_m's support sums, prod_f (n_f - a_f)(n_f - a_f - 1)...(n_f - a_f - b_f + 1)
        with a_f the blocks of factor f that hold an output slot and b_f those that hold
        input slots only (0 where B_m vanishes at these sizes)."""
        factors = np.asarray(self.out_factors + self.in_factors, np.int64)
        l = len(self.out_factors)
        counts = np.ones(len(self.labels))
        for m, row in enumerate(self.labels[:, :len(factors)].tolist()):
            for f, n in enumerate(sizes):
                outs = {b for b, g in zip(row[:l], factors[:l]) if g == f}
                ins = {b for b, g in zip(row[l:], factors[l:]) if g == f} - outs
                for j in range(len(ins)):
                    counts[m] *= max(n - len(outs) - j, 0)
        return counts

    def element_scale(self, sizes: tuple[int, ...]) -> np.ndarray:
        """The factor applied to each B_m at ``sizes`` (see SCALINGS); 1 at the file's."""
        if self.scaling == "none" or tuple(sizes) == tuple(self.sizes):
            return np.ones(len(self.labels))
        here, there = self.row_counts(tuple(sizes)), self.row_counts(tuple(self.sizes))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(here > 0, there / np.where(here > 0, here, 1), 0.0)
        classes, local = self.output_classes(), self.local()
        pooled_only = ~np.isin(classes, classes[local])  # classes without a local element
        return np.where(pooled_only, np.sqrt(ratio), ratio)

    def local(self) -> np.ndarray:
        """Whether each element sums nothing (r_m = 1 at every n: every input block
        holds an output slot); under "mean" only these keep their variance at large n
        for independent inputs."""
        factors = self.out_factors + self.in_factors
        l = len(self.out_factors)
        rows = self.labels[:, :len(factors)].tolist()
        return np.array([set(row[l:]) <= set(row[:l]) for row in rows], bool)

    def output_classes(self) -> np.ndarray:
        """For each element, the set partition of the output slots it writes on (an
        index: elements of one class share the output entries they reach)."""
        l = len(self.out_factors)
        codes = label_codes(global_labels(self.labels[:, :l].astype(np.int64),
                                     np.asarray(self.out_factors, np.int64)))
        return np.unique(codes, return_inverse=True)[1].reshape(-1)

    def init_std(self, in_channels: int, dim_out: int, gain: float = 1.0) -> np.ndarray:
        """As ``LayerData.init_std`` (equal variance shares), with ||B_m||^2 counted from
        the labels: the index tuples with exactly m's equalities, prod_f n_f (n_f - 1)
        ... (n_f - blocks_f + 1) at the file's sizes; so a partitions-only file of any n
        initialises at once."""
        from .labels import blocks_per_factor

        factors = self.out_factors + self.in_factors
        blocks = (blocks_per_factor(self.labels[:, :len(factors)], factors) if factors else
                  np.zeros((len(self.labels), 0), np.int64))
        norms = np.ones(len(self.labels))
        for f in range(blocks.shape[1]):
            for j in range(int(blocks[:, f].max(initial=0))):
                norms *= np.where(blocks[:, f] > j, float(self.sizes[f] - j), 1.0)
        if self.scaling == "mean":
            return self._mean_init_std(in_channels, gain)
        share = gain**2 * dim_out / max(in_channels * len(self.labels), 1)
        return np.sqrt(share / norms)

    #: under "mean", the share of each output entry's variance given to the elements
    #: that sum nothing (the rest shrinks like 1/r_m(n) for independent inputs)
    LOCAL_SHARE = 0.75

    def _mean_init_std(self, in_channels: int, gain: float) -> np.ndarray:
        """Every output entry gets variance gain^2 at the file's n for independent
        unit inputs: within each output class, LOCAL_SHARE of it to the elements that
        sum nothing, the rest to the others, equally; an element reaching an entry adds
        w^2 r_m(n0) there.  At n -> infinity the summing elements fade (means of
        independent entries), so the variance stays >= LOCAL_SHARE gain^2 wherever a
        local element exists."""
        counts = self.row_counts(tuple(self.sizes))
        classes, local = self.output_classes(), self.local()
        variance = np.zeros(len(self.labels))
        for c in np.unique(classes):
            members = classes == c
            n_local, n_sum = int((members & local).sum()), int((members & ~local).sum())
            local_share = self.LOCAL_SHARE if n_local and n_sum else float(n_local > 0)
            variance[members & local] = local_share / max(n_local, 1)
            variance[members & ~local] = (1 - local_share) / max(n_sum, 1)
        return np.sqrt(gain**2 * variance / (in_channels * np.maximum(counts, 1)))

    def plan(self, sizes: tuple[int, ...]) -> Plan:
        if sizes not in self._plans:
            if not self.complete and any(n > m for n, m in zip(sizes, self.sizes)):
                warnings.warn(f"{self.spec} lacks the partitions with more blocks than its "
                              f"n; at sizes {sizes} the layer spans only part of the "
                              "equivariant maps (name n >= the slots in the file's spec)",
                              stacklevel=3)
            plan = make_plan(self.labels, self.out_factors, self.in_factors, sizes,
                             self.bias_labels)
            if self.scaling != "none":  # v = w diag(scale) M: the scale rides on M's rows
                scale = self.element_scale(sizes)[plan.elements]
                object.__setattr__(plan, "moebius", scale[:, None] * plan.moebius)
            self._plans[sizes] = plan
        return self._plans[sizes]

    def resolve(self, shape: tuple[int, ...], sizes=None) -> tuple[Plan, bool]:
        """The plan for an input of ``shape`` and whether the input is flattened:
        (batch, channels, n_1, ..., n_k) or (batch, channels, prod n_i).  ``sizes``
        (one per factor) is needed only for sets that no input axis shows (an input
        ``1``); it defaults to the file's."""
        k = len(self.in_factors)
        shape = tuple(int(d) for d in shape)
        defaults = self.sizes if sizes is None else tuple(int(n) for n in sizes)
        if len(defaults) != len(self.sizes) or min(defaults, default=1) < 1:
            raise ValueError(f"{self.spec}: sizes must be {len(self.sizes)} positive integers")
        if len(shape) == 2 + k and k != 1:
            return self.plan(set_sizes(self.in_factors, shape[2:], defaults)), False
        if len(shape) < 3:
            raise ValueError(f"{self.spec}: expected an input of shape (batch, channels"
                             f"{', n' * k}) or (..., channels, n**{k}), got {shape}")
        return self.plan(self._flat_sizes(shape[-1], defaults)), True

    def checked(self, shape: tuple[int, ...], channels: int, dim_in: int,
                sizes=None) -> tuple[Plan, bool]:
        """``resolve``, and the channel axis checked; one message for every bad shape."""
        try:
            plan, flat = self.resolve(shape, sizes)
            if shape[len(shape) - 1 - len(plan.in_shape) if not flat else -2] != channels:
                raise ValueError(f"{channels} input channels expected")
        except ValueError as e:
            k = len(self.in_factors)
            axes = ", ".join(f"n{f}" if len(self.sizes) > 1 else "n" for f in self.in_factors)
            why = str(e).removeprefix(self.spec + ": ")
            raise ValueError(f"{self.spec}: expected input of shape (..., {channels}, "
                             f"{dim_in}) or (batch, {channels}{', ' * bool(k)}{axes}) for "
                             f"any set sizes, got {tuple(shape)} ({why})") from None
        return plan, flat

    def _flat_sizes(self, length: int, defaults) -> tuple[int, ...]:
        k = len(self.in_factors)
        if k == 0:
            if length != 1:
                raise ValueError(f"{self.spec}: the input has one coordinate, got {length}")
            return defaults
        if len(set(self.in_factors)) == 1:
            n = round(length ** (1 / k))
            n = next((m for m in (n - 1, n, n + 1) if m > 0 and m ** k == length), None)
            if n is None:
                raise ValueError(f"{self.spec}: a flattened input must have n**{k} "
                                 f"coordinates, got {length}")
            return set_sizes(self.in_factors, (n,) * k, defaults)
        if length == math.prod(defaults[f] for f in self.in_factors):
            return defaults
        raise ValueError(f"{self.spec}: a flattened input of several sets must have the "
                         "sizes given (or the file's); pass one axis per slot instead")


#: the measured cost of one term of a plan beyond its multiply-adds, in multiply-adds of
#: a dense matmul (bench/auto_strategy.py: ~0.15 ms of small ops per term on one CPU
#: thread, at ~1e10 multiply-adds per second)
TERM_OVERHEAD = 1.5e6


def plan_costs(plan: Plan) -> tuple[int, int, int]:
    """(dim_out * dim_in, the entries that the plan's terms read, its number of terms):
    what :func:`dense_is_cheaper` weighs, as plain integers (cheap to trace)."""
    cols = sum(math.prod(plan.axis_sizes(plan.reductions[t.reduction])) for t in plan.terms)
    return math.prod(plan.out_shape) * math.prod(plan.in_shape), cols, len(plan.terms)


def dense_is_cheaper(costs: tuple[int, int, int], batch: int, in_channels: int,
                     out_channels: int) -> bool:
    """The cost model of ``strategy="auto"`` at the file's own sizes: the dense W (one
    matmul of batch * in * out * dim_out * dim_in multiply-adds) against the plan (its
    channel mixing, batch * in * out * the entries each term reads, plus TERM_OVERHEAD
    per term); ``costs`` from :func:`plan_costs`.  Measured in bench/auto_strategy.py,
    crossover in docs/layers_between.rst."""
    dense, cols, terms = costs
    mix = batch * in_channels * out_channels
    return mix * dense <= mix * cols + TERM_OVERHEAD * terms


def _output_partitions(out_factors: tuple[int, ...], sizes) -> np.ndarray:
    """Labels of the set partitions of the output slots, in the order of their first
    positions (lexicographic restricted-growth strings)."""
    from ..solvers.orbit.symmetric import valid_strings

    strings = valid_strings(tuple(out_factors), list(sizes))
    return global_labels(strings, out_factors)


def apply(layer: AnyN, w: np.ndarray, x: np.ndarray, bias: np.ndarray | None = None,
          sizes=None) -> np.ndarray:
    """y[:, o] = sum_c sum_m w[o, c, m] B_m x[:, c] (+ sum_j bias[o, j] v_j) at the set
    sizes of x (numpy)."""
    plan, flat = layer.resolve(x.shape, sizes)
    lead = x.shape[:-2] if flat else x.shape[:1]
    x = x.reshape((-1, x.shape[len(lead)]) + plan.in_shape)
    y = apply_plan(plan, w, x)
    if bias is not None:
        padded = np.concatenate([bias, np.zeros((bias.shape[0], 1), bias.dtype)], axis=1)
        y += padded[:, layer.bias_index(plan.sizes)].reshape(y.shape[1:])
    return y.reshape(lead + y.shape[1:2] + ((-1,) if flat else y.shape[2:]))


def apply_plan(plan: Plan, w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """x (batch, channels_in, *in_shape) -> y (batch, channels_out, *out_shape)."""
    batch, channels = x.shape[:2]
    dtype = np.result_type(x.dtype, w.dtype, np.float32)
    v = (w[..., plan.elements] @ plan.moebius).astype(dtype)  # (out, in, terms)
    out_channels = v.shape[0]
    y = np.zeros((batch, out_channels) + plan.out_shape, dtype)
    blocks = [np.zeros((batch, out_channels) + plan.block_shape(p), dtype)
              for p in plan.placements]
    for r, reduction in enumerate(plan.reductions):
        reduced = _reduce(x, reduction)
        cols = reduced.shape[2:]
        flat = reduced.reshape(batch, channels, -1)
        terms = plan.terms_of(r)
        per_term = batch * out_channels * flat.shape[2] * dtype.itemsize
        step = max(1, _MIX_BYTES // max(1, per_term))
        for start in range(0, len(terms), step):  # bounded memory: a few terms at a time
            chunk = terms[start:start + step]
            weights = v[:, :, [t.column for t in chunk]]  # (out, in, g)
            stacked = weights.transpose(2, 0, 1).reshape(-1, channels)
            mixed = np.matmul(stacked, flat)  # (batch, g * out, cols)
            for j, term in enumerate(chunk):
                z = mixed[:, j * out_channels:(j + 1) * out_channels].reshape(
                    (batch, out_channels) + cols)
                _accumulate(blocks[term.placement], z, term.targets)
    for placement, block in zip(plan.placements, blocks):
        _diagonal_view(y, placement)[...] += block
    return y


def _reduce(x: np.ndarray, reduction) -> np.ndarray:
    if all(len(d) == 1 for d in reduction.diagonal):  # no diagonal: plain sums (faster)
        summed = tuple(2 + a for a in range(len(reduction.diagonal))
                       if a not in reduction.kept)
        return x.sum(axis=summed) if summed else x  # kept axes stay in order
    return np.einsum(reduction.subscripts, x)


def _accumulate(block: np.ndarray, z: np.ndarray, targets: tuple[int, ...]) -> None:
    """block += z with z's axis i on block axis targets[i], broadcast along the rest."""
    order = np.argsort(targets)
    z = z.transpose((0, 1) + tuple(2 + int(i) for i in order))
    present = sorted(targets)
    shape = [block.shape[2 + b] if b in present else 1 for b in range(block.ndim - 2)]
    block += z.reshape(z.shape[:2] + tuple(shape))


def _diagonal_view(y: np.ndarray, placement) -> np.ndarray:
    """A writable view of y on the placement's diagonal: one axis per block."""
    if placement.is_identity:
        return y
    strides = y.strides[:2] + tuple(sum(y.strides[2 + t] for t in block)
                                    for block in placement.blocks)
    shape = y.shape[:2] + tuple(y.shape[2 + block[0]] for block in placement.blocks)
    return np.lib.stride_tricks.as_strided(y, shape, strides, writeable=True)
