"""Partition-labelled S(n) files applied at any n, never forming W (docs/anyn.rst).

For a file with ``partitions`` (docs/format.rst) whose input and output are each one tensor
monomial, x may be (batch, channels, n_1, ..., n_k) for any set sizes, or flattened
(..., channels, prod n_i); the output takes the same form.  The plan
(``intertwine.partitions.plan``) turns each element into diagonals, sums, one channel
matmul, broadcasts and a diagonal scatter; here those run as torch operations (out of
place, so autograd and torch.compile see ordinary ops).
"""

from __future__ import annotations

import numpy as np
import torch

from ...layers.layerdata import LayerData
from ...partitions.functional import Constants, prepare, run_plan
from ...partitions.reference import AnyN, dense_is_cheaper, plan_costs
from .base import Applier

#: channel mixing of fewer columns than this goes through einsum (measured faster)
_EINSUM_BELOW = 1 << 16


class _TorchOps:
    """The operations a plan needs, as torch functions; accumulation into y is in place
    (y is always a tensor the plan made, so autograd allows it), which spares the fresh
    allocations that dominate at large n."""

    @staticmethod
    def einsum(subscripts: str, x: torch.Tensor) -> torch.Tensor:
        return torch.einsum(subscripts, x)

    @staticmethod
    def sum(x: torch.Tensor, axes: tuple[int, ...]) -> torch.Tensor:
        return x.sum(dim=axes)

    @staticmethod
    def matmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        if a.dim() == 2 and b.dim() == 3 and b.shape[0] * b.shape[2] < _EINSUM_BELOW:
            # matmul broadcasts a to a batch first: 100x slower on small operands
            return torch.einsum("gc,bcm->bgm", a, b)
        return torch.matmul(a, b)

    @staticmethod
    def scatter_add(y: torch.Tensor, index: torch.Tensor, values: torch.Tensor):
        return y.index_add_(y.dim() - 1, index, values)

    def __init__(self, workspace: dict):
        self.workspace = workspace  # the applier's: one scratch tensor, see mix

    def mix(self, a: torch.Tensor, b: torch.Tensor, scratch: bool = False) -> torch.Tensor:
        if b.shape[0] * b.shape[2] < _EINSUM_BELOW:  # einsum may return a permuted view:
            return torch.einsum("gc,bcm->bgm", a, b).contiguous()  # y is updated in place
        batched = a.expand(b.shape[0], *a.shape)
        if not scratch or torch.is_grad_enabled() or torch.compiler.is_compiling():
            return torch.bmm(batched, b)  # no separate zeroing pass
        # inference: the temporaries (a permuted element's product) reuse one buffer, as
        # fresh pages of a large tensor cost about as much as the product itself
        shape = (b.shape[0], a.shape[0], b.shape[2])
        key = (shape, b.dtype, b.device)
        if key not in self.workspace:
            self.workspace.clear()
            self.workspace[key] = torch.empty(shape, dtype=b.dtype, device=b.device)
        return torch.bmm(batched, b, out=self.workspace[key])

    @staticmethod
    def addmm(y: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return y.baddbmm_(a.expand(y.shape[0], *a.shape), b)  # y is the plan's own

    @staticmethod
    def add(y: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return y.add_(z)

    @staticmethod
    def stack(tensors: list) -> torch.Tensor:
        return torch.stack(tensors, dim=-1)

    @staticmethod
    def permute(x: torch.Tensor, axes: tuple[int, ...]) -> torch.Tensor:
        return x.permute(*axes)

    @staticmethod
    def broadcast(x: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
        return x.expand(*shape).contiguous()

    @staticmethod
    def zeros(shape: tuple[int, ...], like: torch.Tensor) -> torch.Tensor:
        return like.new_zeros(shape)


#: the plan at the file's own sizes is kept as buffers up to this many coordinates a side
#: (its bias index has one entry per output coordinate)
BUFFERED_COORDINATES = 1 << 22


class PartitionApplier(Applier):
    """Applies a partition-labelled basis at the set sizes of its input."""

    name = "partitions"
    #: EquivariantLinear passes the bias to forward: it is added inside the plan
    fuses_bias = True

    def __init__(self, data: LayerData, scaling: str = "none", dense_when_cheaper=False):
        torch.nn.Module.__init__(self)  # the base's bias needs the file's generators
        self.anyn = AnyN(data.basis, scaling)
        self.spec, self.n_basis = data.spec, data.n_basis
        self.dim_in, self.dim_out = data.dim_in, data.dim_out
        self._data = data
        #: strategy "auto": at the file's own sizes, the dense W when the cost model
        #: (``partitions.reference.dense_is_cheaper``) says it is faster (set below)
        self.dense_when_cheaper = False
        self.n_bias = self.anyn.n_bias
        self.bias_orbit = self.bias_vectors = None
        self._cache: dict = {}
        self._workspace: dict = {}
        self._last = None  # (sizes, output shape) of the latest forward, for add_bias
        # the plan at the file's own sizes as buffers: they follow .to(device, dtype), so
        # that a compiled forward at those sizes needs no eager call first
        self._buffered = []
        if max(self.dim_in, self.dim_out) > BUFFERED_COORDINATES:
            return  # S(100000): V**2 -> V**2: prepared at the sizes an input brings
        plan = self.anyn.plan(self.anyn.sizes)
        consts = prepare(plan, lambda a: torch.as_tensor(a, dtype=torch.float64),
                         lambda a: torch.as_tensor(a, dtype=torch.long))
        consts.bias_index = torch.as_tensor(self.anyn.bias_index(plan.sizes))
        for name, value in vars(consts).items():
            for i, tensor in enumerate(value if isinstance(value, tuple) else (value,)):
                if tensor is not None:
                    self.register_buffer(f"plan_{name}_{i}", tensor, persistent=False)
                self._buffered.append((name, i, isinstance(value, tuple), tensor is not None))
        # W's gather index, made now so that a compiled forward traces no numpy; only
        # when the dense path can win (if it loses at batch 1 and one channel, it loses
        # at every batch and channel count)
        self._costs = plan_costs(plan)
        self.dense_when_cheaper = dense_when_cheaper and dense_is_cheaper(self._costs, 1, 1, 1)
        if self.dense_when_cheaper:
            flat = np.asarray(data.basis._pattern()).reshape(-1).astype(np.int64)
            self.register_buffer("dense_index", torch.as_tensor(
                np.where(flat < 0, self.n_basis, flat)), persistent=False)

    def init_std(self, in_channels: int, gain: float = 1.0,
                 rows_per_output: int | None = None) -> np.ndarray:
        """See ``AnyN.init_std``: from the labels, at the file's sizes."""
        rows = self.dim_out if rows_per_output is None else rows_per_output
        return self.anyn.init_std(in_channels, rows, gain)

    def weights(self, w: torch.Tensor) -> torch.Tensor:
        """The dense W at the file's sizes (from the pattern, expanded if not stored)."""
        index = getattr(self, "dense_index", None)
        if index is None:
            flat = np.asarray(self._data.basis._pattern()).reshape(-1).astype(np.int64)
            index = torch.as_tensor(np.where(flat < 0, self.n_basis, flat), device=w.device)
        padded = torch.cat([w, w.new_zeros(*w.shape[:2], 1)], dim=2)
        return padded[:, :, index].reshape(*w.shape[:2], self.dim_out, self.dim_in)

    def forward(self, w: torch.Tensor, x: torch.Tensor, bias: torch.Tensor | None = None):
        """y for x at its set sizes, plus ``bias`` (out_channels, n_bias) if given."""
        plan, flat = self.anyn.checked(tuple(x.shape), w.shape[1], self.dim_in)
        lead = tuple(x.shape[:-2]) if flat else tuple(x.shape[:1])
        channels = x.shape[len(lead)]
        consts = self._constants(plan, w)
        self._last = (plan, flat)
        batch = 1
        for d in lead:  # a plain loop: dynamo traces it (not math.prod of a generator)
            batch *= int(d)
        if self.dense_when_cheaper and plan.sizes == self.anyn.sizes and dense_is_cheaper(
                self._costs, batch, channels, w.shape[0]):
            out_channels = w.shape[0]  # one matmul, as the pattern strategy
            big = self.weights(w).to(x.dtype).permute(1, 3, 0, 2).reshape(
                channels * self.dim_in, out_channels * self.dim_out)
            y = (x.reshape(-1, channels * self.dim_in) @ big).reshape(
                -1, out_channels, self.dim_out)
            if bias is not None:  # (out, dim_out): the bias at the file's coordinates
                index = self._constants(plan, y).bias_index
                y = y + torch.cat([bias, bias.new_zeros(bias.shape[0], 1)], 1)[:, index]
            return y.reshape(lead + (w.shape[0],) + ((-1,) if flat else plan.out_shape))
        y = run_plan(plan, consts, w, x.reshape((-1, channels) + plan.in_shape),
                     _TorchOps(self._workspace),
                     bias)
        shape = lead + (w.shape[0],) + ((-1,) if flat else plan.out_shape)
        self._last = (plan, flat)
        return y.reshape(shape)

    def _constants(self, plan, like: torch.Tensor):
        """The plan's arrays as tensors on ``like``'s device and dtype, made once (so
        that a compiled forward at sizes seen before traces no numpy)."""
        key = (plan.sizes, like.device, like.dtype)
        moebius = self.plan_moebius_0 if self._buffered else None
        if moebius is not None and plan.sizes == self.anyn.sizes and \
                moebius.device == like.device and moebius.dtype == like.dtype:
            return self._buffered_constants()
        if key not in self._cache:
            if torch.compiler.is_compiling():
                raise ValueError(f"{self.spec}: set sizes {plan.sizes} not prepared; call "
                                 "the layer once outside torch.compile at these sizes")
            consts = prepare(
                plan, lambda a: torch.as_tensor(a, dtype=like.dtype, device=like.device),
                lambda a: torch.as_tensor(a, dtype=torch.long, device=like.device))
            consts.bias_index = torch.as_tensor(self.anyn.bias_index(plan.sizes),
                                                device=like.device)
            self._cache[key] = consts
        return self._cache[key]

    def _buffered_constants(self) -> Constants:
        fields: dict = {}
        for name, i, many, present in self._buffered:
            tensor = getattr(self, f"plan_{name}_{i}") if present else None
            if many:
                fields[name] = fields.get(name, ()) + (tensor,)
            else:
                fields[name] = tensor
        bias_index = fields.pop("bias_index")
        consts = Constants(**fields)
        consts.bias_index = bias_index
        return consts

    def add_bias(self, y: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        plan, flat = self._last
        index = self._constants(plan, y).bias_index
        padded = torch.cat([b, b.new_zeros(b.shape[0], 1)], dim=1)
        term = padded[:, index]  # (out_channels, coordinates)
        # in place: y is the tensor forward just made (autograd allows it)
        return y.add_(term if flat else term.reshape((b.shape[0],) + plan.out_shape))
