"""What goes between equivariant layers: nonlinearities, pooling and batch normalisation
that keep equivariance, for a field given as ``"GROUP : REP"`` (``intertwine.layers.fields``;
docs/layers_between.rst).

Inputs are (..., channels, dim) -- ``EquivariantLinear``'s layout, the field on the last
axis -- or, with ``conv=True``, feature maps (batch, channels * dim, *spatial) of
``EquivariantConv2d``/``3d``, whose channel o * dim + a is component a of field o.

>>> relu = PointwiseNonlinearity("C(4): 3*reg")
>>> relu(torch.randn(2, 5, 12)).shape
torch.Size([2, 5, 12])
>>> GroupPooling("C(4): 3*reg", conv=True)(torch.randn(2, 24, 7, 7)).shape
torch.Size([2, 6, 7, 7])
"""

from __future__ import annotations

import numpy as np
import torch

from ..layers.fields import Field

__all__ = ["EquivariantBatchNorm", "GatedNonlinearity", "GroupPooling", "NormNonlinearity",
           "PointwiseNonlinearity"]

#: norms are sqrt(|v|^2 + EPS^2): smooth at a zero block (feature-map backgrounds, where
#: a convolution's non-trivial blocks are exactly zero), whose gradient is then finite
EPS = 1e-6


def to_fields(x: torch.Tensor, dim: int, conv: bool) -> torch.Tensor:
    """(..., C, dim), or for conv (B, C*dim, *S) -> (B, *S, C, dim)."""
    if not conv:
        if x.shape[-1] != dim:
            raise ValueError(f"expected the field's {dim} coordinates on the last axis, "
                             f"got shape {tuple(x.shape)}")
        return x
    if x.dim() < 3 or x.shape[1] % dim:
        raise ValueError(f"expected feature maps (batch, channels * {dim}, ...), got shape "
                         f"{tuple(x.shape)}")
    y = x.reshape(x.shape[0], x.shape[1] // dim, dim, *x.shape[2:])
    return y.permute(0, *range(3, y.dim()), 1, 2)


def from_fields(y: torch.Tensor, conv: bool) -> torch.Tensor:
    """The inverse of :func:`to_fields` (the last axis may have another length)."""
    if not conv:
        return y
    spatial = y.dim() - 3
    y = y.permute(0, spatial + 1, spatial + 2, *range(1, spatial + 1))
    return y.reshape(y.shape[0], y.shape[1] * y.shape[2], *y.shape[3:])


class FieldModule(torch.nn.Module):
    def __init__(self, field, conv: bool):
        super().__init__()
        self.field = Field.of(field)
        self.conv = conv

    def extra_repr(self) -> str:
        return f"{self.field.spec!r}, conv={self.conv}"


class PointwiseNonlinearity(FieldModule):
    """fn applied to every coordinate: equivariant exactly when the group permutes the
    coordinates (``reg``, ``Grid``, ``V`` of permutation groups, their sums and products);
    any other field is a ValueError."""

    def __init__(self, field, fn=torch.relu, conv: bool = False):
        super().__init__(field, conv)
        self.field.require_permutation(type(self).__name__)
        self.fn = fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        to_fields(x, self.field.dim, self.conv)  # checks the shape
        return self.fn(x)


class NormNonlinearity(FieldModule):
    """Each block v (``intertwine.layers.fields``) becomes v * fn(|v| + b) / |v|, one learned b
    per block: equivariant wherever the group acts orthogonally on the blocks.  |v| is
    sqrt(|v|^2 + EPS^2), so that zero blocks have finite gradients."""

    def __init__(self, field, fn=torch.relu, bias: bool = True, conv: bool = False):
        super().__init__(field, conv)
        self.field.require_orthogonal(type(self).__name__)
        self.fn = fn
        self.register_buffer("one_hot", torch.as_tensor(self.field.one_hot(),
                                                        dtype=torch.get_default_dtype()))
        n = len(self.field.blocks)
        self.bias = torch.nn.Parameter(torch.zeros(n)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        v = to_fields(x, self.field.dim, self.conv)
        one_hot = self.one_hot.to(v.dtype)
        norms = (v.square() @ one_hot + EPS**2).sqrt()  # (..., n_blocks)
        shifted = norms + self.bias.to(v.dtype) if self.bias is not None else norms
        scale = self.fn(shifted) / norms
        return from_fields(v * (scale @ one_hot.T), self.conv)


class GatedNonlinearity(FieldModule):
    """REP = m*1 + R, m the number of blocks of R: the m scalars, through a sigmoid,
    scale the m blocks of R; the output is the field R (``out_field``)."""

    def __init__(self, field, conv: bool = False):
        super().__init__(field, conv)
        gates, gated = self.field.gated_split(type(self).__name__)
        self.out_field = gated
        self.register_buffer("gates", torch.as_tensor(gates))
        self.register_buffer("gated", torch.arange(len(gates), self.field.dim))
        self.register_buffer("block", torch.as_tensor(gated.block_of_coordinate()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        v = to_fields(x, self.field.dim, self.conv)
        gate = torch.sigmoid(v[..., self.gates])
        return from_fields(v[..., self.gated] * gate[..., self.block], self.conv)


class GroupPooling(FieldModule):
    """REP = k*reg: the max (``mode="max"``) or mean (``"mean"``) over each regular block,
    k invariants per field."""

    def __init__(self, field, mode: str = "max", conv: bool = False):
        super().__init__(field, conv)
        if mode not in ("max", "mean"):
            raise ValueError(f"GroupPooling: mode is 'max' or 'mean', not {mode!r}")
        blocks = self.field.regular_blocks(type(self).__name__)
        self.mode = mode
        # blocks of equal size pooled together (a product group's factors may differ)
        self.sizes = sorted({b.dim for b in blocks})
        order = []
        for i, size in enumerate(self.sizes):
            same = [k for k, b in enumerate(blocks) if b.dim == size]
            order += same
            self.register_buffer(f"index_{i}", torch.as_tensor(
                np.array([blocks[k].index for k in same])))
        self.register_buffer("order", torch.as_tensor(np.argsort(order)))
        # k*reg laid out block after block: a reshape instead of a gather
        self.contiguous = len(self.sizes) == 1 and np.array_equal(
            np.concatenate([b.index for b in blocks]), np.arange(self.field.dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.contiguous and self.conv:  # (B, C*k*|G|, *S) -> (B, C*k, |G|, *S)
            to_fields(x, self.field.dim, self.conv)  # checks the shape
            v = x.reshape(x.shape[0], -1, self.sizes[0], *x.shape[2:])
            return v.amax(dim=2) if self.mode == "max" else v.mean(dim=2)
        if self.contiguous:
            v = to_fields(x, self.field.dim, self.conv)
            v = v.reshape(*v.shape[:-1], -1, self.sizes[0])
            return v.amax(dim=-1) if self.mode == "max" else v.mean(dim=-1)
        v = to_fields(x, self.field.dim, self.conv)
        pooled = []
        for i in range(len(self.sizes)):
            part = v[..., getattr(self, f"index_{i}")]  # (..., blocks of this size, |G|)
            pooled.append(part.amax(dim=-1) if self.mode == "max" else part.mean(dim=-1))
        y = pooled[0] if len(pooled) == 1 else torch.cat(pooled, dim=-1)[..., self.order]
        return from_fields(y, self.conv)


class EquivariantBatchNorm(FieldModule):
    """Batch normalisation that keeps equivariance: a trivial coordinate is normalised as
    usual; a permutation block (``reg``, ``Grid``, ``V`` of S(n)) by the mean and variance
    over all its coordinates (a constant shift commutes with permutations); any other
    block is divided by the root mean square of its norm (no shift).  Statistics are per
    channel when ``channels`` is given, else pooled over channels; running averages with
    ``momentum`` as in ``torch.nn.BatchNorm1d``; ``affine``: a learned scale per block
    (and shift per trivial or permutation block)."""

    def __init__(self, field, conv: bool = False, *, channels: int | None = None,
                 momentum: float = 0.1, eps: float = 1e-5, affine: bool = True):
        super().__init__(field, conv)
        blocks = self.field.blocks
        if any(b.kind not in ("trivial", "permutation") for b in blocks):
            self.field.require_orthogonal(type(self).__name__)
        self.momentum, self.eps, self.channels = momentum, eps, channels
        dtype = torch.get_default_dtype()
        shifted = [b.kind in ("trivial", "permutation") for b in blocks]
        self.register_buffer("one_hot", torch.as_tensor(self.field.one_hot(), dtype=dtype))
        self.register_buffer("counts", torch.as_tensor([float(b.dim) for b in blocks],
                                                       dtype=dtype))
        self.register_buffer("shifted", torch.as_tensor(shifted, dtype=dtype))
        rows = channels or 1
        sizes = {b.dim for b in blocks}
        # every block shifted, of one size, block after block (k*reg, Grid, scalars): the
        # statistics are torch's own batch norm over (batch, block coordinates, space)
        self.fused = channels is not None and all(shifted) and len(sizes) == 1 and \
            np.array_equal(np.concatenate([b.index for b in blocks]),
                           np.arange(self.field.dim))
        self.register_buffer("running_mean", torch.zeros(rows, len(blocks)))
        self.register_buffer("running_var", torch.ones(rows, len(blocks)))
        if affine:
            self.weight = torch.nn.Parameter(torch.ones(rows, len(blocks)))
            self.bias = torch.nn.Parameter(torch.zeros(rows, len(blocks)))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dim = self.field.dim
        to_fields(x, dim, self.conv)  # checks the shape
        if self.fused:
            return self._fused(x)
        # the field's axis and the channel axis stay where they are (no copy): (..., C,
        # dim), or (B, C, dim, *S) for feature maps
        v = x.reshape(x.shape[0], -1, dim, *x.shape[2:]) if self.conv else x
        field_axis = 2 if self.conv else v.dim() - 1
        if self.channels is not None and (v.dim() < 2 or v.shape[field_axis - 1]
                                          != self.channels):
            raise ValueError(f"EquivariantBatchNorm: expected {self.channels} channels, got "
                             f"shape {tuple(x.shape)}")
        per_channel = self.channels is not None
        axes = tuple(a for a in range(v.dim())
                     if a != field_axis and not (per_channel and a == field_axis - 1))
        trailing = v.dim() - 1 - field_axis  # spatial axes after the field's

        def spread(stat):  # (rows, n_blocks) -> per coordinate, broadcastable against v
            per_coordinate = stat @ one_hot.T  # (rows, dim)
            shape = ((self.channels,) if per_channel else ()) + (dim,) + (1,) * trailing
            return per_coordinate.reshape(shape)

        one_hot = self.one_hot.to(v.dtype)
        if self.training:
            mean = (v.mean(dim=axes).reshape(-1, dim) @ one_hot) / self.counts * self.shifted
            centred = v - spread(mean)
            var = (centred.square().mean(dim=axes).reshape(-1, dim) @ one_hot) / self.counts
            with torch.no_grad():
                self.running_mean.lerp_(mean.detach().to(self.running_mean.dtype),
                                        self.momentum)
                self.running_var.lerp_(var.detach().to(self.running_var.dtype),
                                       self.momentum)
        else:
            mean, var = self.running_mean.to(v.dtype), self.running_var.to(v.dtype)
            centred = v - spread(mean)
        scale = (var + self.eps).rsqrt()
        if self.weight is not None:
            scale = scale * self.weight.to(v.dtype)
        y = centred * spread(scale)
        if self.bias is not None:
            y = y + spread(self.bias.to(v.dtype) * self.shifted)
        return y.reshape(x.shape)

    def _fused(self, x: torch.Tensor) -> torch.Tensor:
        """F.batch_norm with one feature per (channel, block); its running variance is
        the unbiased one (as torch.nn.BatchNorm's), n / (n - 1) times the general path's."""
        size = self.field.blocks[0].dim
        if self.conv:  # (B, C*dim, *S) -> (B, C*n_blocks, size, *S)
            v = x.reshape(x.shape[0], -1, size, *x.shape[2:])
        else:  # (..., C, dim) -> (N, C*n_blocks, size)
            if x.dim() < 2 or x.shape[-2] != self.channels:
                raise ValueError(f"EquivariantBatchNorm: expected {self.channels} channels, "
                                 f"got shape {tuple(x.shape)}")
            v = x.reshape(-1, x.shape[-2] * len(self.field.blocks), size)
        if v.shape[1] != self.channels * len(self.field.blocks):
            raise ValueError(f"EquivariantBatchNorm: expected {self.channels} channels, got "
                             f"shape {tuple(x.shape)}")
        weight = None if self.weight is None else self.weight.reshape(-1)
        bias = None if self.bias is None else self.bias.reshape(-1)
        y = torch.nn.functional.batch_norm(
            v, self.running_mean.view(-1), self.running_var.view(-1), weight, bias,
            self.training, self.momentum, self.eps)
        return y.reshape(x.shape)
