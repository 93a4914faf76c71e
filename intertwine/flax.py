"""Flax modules (``flax.nnx``, flax's current module API) over ``intertwine.jax``
(``pip install intertwine[flax]``): the layers and the between-layer operations of
``intertwine.torch``, with the same arguments, shapes, initialisation and semantics.

>>> from flax import nnx
>>> import jax.numpy as jnp
>>> layer = EquivariantLinear("S(5): V**2 -> V**2", 3, 4, rngs=nnx.Rngs(0))
>>> layer(jnp.ones((8, 3, 25))).shape
(8, 4, 25)

Parameters are ``nnx.Param`` (``weight``, ``bias``), batch-norm statistics
``nnx.BatchStat``; the basis is static.  Under jax's x64 flag the parameters are
float64 (``intertwine.jax.default_dtype``).
"""

from __future__ import annotations

import jax
from flax import nnx

from . import jax as ij
from .jax import between as jb

__all__ = ["EquivariantBatchNorm", "EquivariantConv", "EquivariantLinear",
           "GatedNonlinearity", "GroupPooling", "NormNonlinearity", "PointwiseNonlinearity"]


class _Static:
    """Holds the static structure of a layer (no arrays that nnx should see)."""

    def __init__(self, value):
        self.value = value

    def __hash__(self):
        return id(self.value)

    def __eq__(self, other):
        return isinstance(other, _Static) and other.value is self.value


class _Layer(nnx.Module):
    def _adopt(self, params: dict) -> None:
        self.structure = _Static(params.pop("layer"))
        self.weight = nnx.Param(params["weight"])
        self.bias = nnx.Param(params["bias"]) if "bias" in params else None

    def params(self) -> dict:
        """The ``intertwine.jax`` parameters dict of this module."""
        out = {"weight": self.weight[...], "layer": self.structure.value}
        if self.bias is not None:
            out["bias"] = self.bias[...]
        return out

    def __call__(self, x):
        return ij.apply(self.params(), x)


class EquivariantLinear(_Layer):
    """As ``intertwine.torch.EquivariantLinear``: x (batch, in_channels, dim_in) ->
    (batch, out_channels, dim_out); any set sizes for partition-labelled S(n) files."""

    def __init__(self, basis, in_channels: int = 1, out_channels: int = 1, bias: bool = True,
                 *, rngs: nnx.Rngs, strategy: str = "auto", scaling: str = "none",
                 gain: float = 1.0, dtype=None):
        self._adopt(ij.init(rngs.params(), basis, in_channels, out_channels, bias,
                            strategy=strategy, scaling=scaling, gain=gain, dtype=dtype))


class EquivariantConv(_Layer):
    """As ``intertwine.torch.EquivariantConv2d`` (``ndim=3``: Conv3d) on the kernel basis
    ``G: Rin -> Rout * Grid(k)``: x (batch, in_channels * c_in, H, W)."""

    def __init__(self, basis, in_channels: int = 1, out_channels: int = 1, bias: bool = True,
                 *, rngs: nnx.Rngs, ndim: int = 2, stride: int = 1, padding="same",
                 dilation: int = 1, kernel_size: int | None = None, strategy: str = "auto",
                 gain: float = 1.0, dtype=None):
        self._adopt(ij.init_conv(rngs.params(), basis, in_channels, out_channels, bias,
                                 ndim=ndim, stride=stride, padding=padding,
                                 dilation=dilation, kernel_size=kernel_size,
                                 strategy=strategy, gain=gain, dtype=dtype))


class PointwiseNonlinearity(nnx.Module):
    """fn on every coordinate of a field the group permutes (else ValueError)."""

    def __init__(self, field, fn=jax.nn.relu, conv: bool = False):
        jb.pointwise_nonlinearity(field, jax.numpy.zeros((1, jb.parsed_field(field).dim)))
        self.field, self.fn, self.conv = field, fn, conv

    def __call__(self, x):
        return jb.pointwise_nonlinearity(self.field, x, self.fn, self.conv)


class NormNonlinearity(nnx.Module):
    """Each block v of the field becomes v * fn(|v| + b) / |v|, one learned b per block."""

    def __init__(self, field, fn=jax.nn.relu, bias: bool = True, conv: bool = False,
                 dtype=None):
        params = jb.norm_init(field, bias, dtype)
        self.bias = nnx.Param(params["bias"]) if bias else None
        self.field, self.fn, self.conv = field, fn, conv

    def __call__(self, x):
        params = {} if self.bias is None else {"bias": self.bias[...]}
        return jb.norm_nonlinearity(params, self.field, x, self.fn, self.conv)


class GatedNonlinearity(nnx.Module):
    """REP = m*1 + R: the m scalars, through a sigmoid, scale the m blocks of R."""

    def __init__(self, field, conv: bool = False):
        self.out_field = jb.gated_out_field(field).spec
        self.field, self.conv = field, conv

    def __call__(self, x):
        return jb.gated_nonlinearity(self.field, x, self.conv)


class GroupPooling(nnx.Module):
    """REP = k*reg: max or mean over each regular block, k invariants."""

    def __init__(self, field, mode: str = "max", conv: bool = False):
        jb.parsed_field(field).regular_blocks("GroupPooling")
        if mode not in ("max", "mean"):
            raise ValueError(f"GroupPooling: mode is 'max' or 'mean', not {mode!r}")
        self.field, self.mode, self.conv = field, mode, conv

    def __call__(self, x):
        return jb.group_pooling(self.field, x, self.mode, self.conv)


class EquivariantBatchNorm(nnx.Module):
    """As ``intertwine.torch.EquivariantBatchNorm``; ``use_running_average`` as in
    ``nnx.BatchNorm`` (``model.eval()`` sets it)."""

    def __init__(self, field, conv: bool = False, *, channels: int | None = None,
                 momentum: float = 0.1, eps: float = 1e-5, affine: bool = True,
                 use_running_average: bool = False, dtype=None):
        params, state = jb.batch_norm_init(field, channels, affine, dtype)
        self.weight = nnx.Param(params["weight"]) if affine else None
        self.bias = nnx.Param(params["bias"]) if affine else None
        self.mean = nnx.BatchStat(state["mean"])
        self.var = nnx.BatchStat(state["var"])
        self.field, self.conv, self.momentum, self.eps = field, conv, momentum, eps
        self.use_running_average = use_running_average

    def __call__(self, x, use_running_average: bool | None = None):
        frozen = self.use_running_average if use_running_average is None \
            else use_running_average
        params = {} if self.weight is None else {"weight": self.weight[...],
                                                  "bias": self.bias[...]}
        y, state = jb.batch_norm(params, {"mean": self.mean[...], "var": self.var[...]},
                                 self.field, x, train=not frozen, conv=self.conv,
                                 momentum=self.momentum, eps=self.eps)
        if not frozen:
            self.mean[...], self.var[...] = state["mean"], state["var"]
        return y
