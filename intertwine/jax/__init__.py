"""Equivariant layers for JAX as pure functions (``pip install intertwine[jax]``).

``init`` returns the parameters, a dict of arrays plus a leafless static ``"layer"``
entry holding the basis, so that ``apply(params, x)`` needs nothing else, is
jit-compatible, and ``jax.grad``/optimisers see only ``weight`` and ``bias``.  Same
semantics, shapes, strategies and initialisation as ``intertwine.torch``:

>>> import jax
>>> params = init(jax.random.PRNGKey(0), "S(5): V**2 -> V**2", 3, 4)
>>> params["weight"].shape, params["bias"].shape
((4, 3, 15), (4, 2))
>>> jax.jit(apply)(params, jax.numpy.ones((8, 3, 25))).shape
(8, 4, 25)
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from ..layers.kerneldata import KernelData, conv_padding
from ..layers.layerdata import LayerData
from .appliers import HIGHEST, Structure, bias_term, forward_with_bias, make_structure, weights

__all__ = ["apply", "conv_weight", "default_dtype", "init", "init_conv", "weight_matrix"]


def init(key, basis, in_channels: int = 1, out_channels: int = 1, bias: bool = True, *,
         strategy: str = "auto", scaling: str = "none", gain: float = 1.0,
         dtype=None) -> dict:
    """Parameters of an equivariant linear layer: x (batch, in_channels, dim_in) ->
    (batch, out_channels, dim_out).  ``basis``: a Basis, a file path or a spec;
    ``scaling``: as ``intertwine.torch.EquivariantLinear``'s."""
    data = LayerData.of(basis)
    layer = make_structure(data, "linear", strategy, in_channels=in_channels,
                           out_channels=out_channels, scaling=scaling)
    if layer.strategy == "partitions":  # any n: norms counted from the labels
        std = layer.arrays["anyn"].init_std(in_channels, data.dim_out, gain)
        return _params(key, layer, std, bias and layer.sizes["n_bias"], dtype)
    std = data.init_std(in_channels, gain=gain)
    return _params(key, layer, std, bias and data.n_bias, dtype)


def init_conv(key, basis, in_channels: int = 1, out_channels: int = 1, bias: bool = True,
              *, ndim: int = 2, stride: int = 1, padding="same", dilation: int = 1,
              kernel_size: int | None = None, strategy: str = "auto", gain: float = 1.0,
              dtype=None) -> dict:
    """Parameters of a steerable convolution on the kernel basis ``G: Rin -> Rout *
    Grid(k)`` (as ``intertwine.torch.EquivariantConv2d``, ndim=3 for Conv3d); x of
    shape (batch, in_channels * c_in, H, W)."""
    data = KernelData.of(basis, kernel_size, ndim)
    layer = make_structure(data, "conv", strategy, in_channels=in_channels,
                           out_channels=out_channels, ndim=ndim, stride=stride,
                           padding=conv_padding(padding, data.kernel_size, dilation),
                           dilation=dilation, kernel_size=data.kernel_size,
                           c_in=data.c_in, c_out=data.c_out)
    std = data.init_std(in_channels, data.c_out, gain)
    return _params(key, layer, std, bias and data.n_bias, dtype)


def default_dtype():
    """float64 when jax's x64 flag is on (``jax.config.update("jax_enable_x64", True)``),
    else float32: what ``dtype=None`` gives the parameters."""
    return jnp.float64 if jax.config.jax_enable_x64 else jnp.float32


def _params(key, layer: Structure, std, with_bias, dtype) -> dict:
    dtype = default_dtype() if dtype is None else dtype
    s = layer.sizes
    shape = (s["out_channels"], s["in_channels"], s["n_basis"])
    bias_shape = (s["out_channels"], s["n_bias"]) if with_bias else None
    std = np.asarray(std, np.dtype(dtype))  # cast here: a cast on the device compiles
    weight, bias = _draw(key, std, shape=shape, bias_shape=bias_shape)
    params = {"weight": weight, "layer": layer}
    if with_bias:
        params["bias"] = bias
    return params


@functools.partial(jax.jit, static_argnames=("shape", "bias_shape"))
def _draw(key, std, shape, bias_shape):
    """The initial weights (and zero bias) in one compiled call: op by op, jax compiles
    each of the few operations separately, seconds on a CPU."""
    weight = jax.random.normal(key, shape, std.dtype) * std
    return weight, None if bias_shape is None else jnp.zeros(bias_shape, std.dtype)


def weight_matrix(params: dict):
    """W of shape (out_channels, in_channels, dim_out, dim_in)."""
    return weights(params["layer"], params["weight"])


def conv_weight(params: dict):
    """The filter bank (out_channels*c_out, in_channels*c_in, k, ..., k) of a conv layer,
    in the layout of ``torch.nn.functional.conv2d``."""
    s = params["layer"].sizes
    d, k = s["ndim"], s["kernel_size"]
    w = weight_matrix(params).reshape(s["out_channels"], s["in_channels"], s["c_out"],
                                      *(k,) * d, s["c_in"])
    w = w.transpose(0, 2, 1, 3 + d, *range(3, 3 + d))
    return w.reshape(s["out_channels"] * s["c_out"], s["in_channels"] * s["c_in"], *(k,) * d)


def apply(params: dict, x):
    """The layer's output for x: pure, jit-compatible."""
    layer = params["layer"]
    if layer.kind == "conv":
        return _apply_conv(params, x)
    return forward_with_bias(layer, params["weight"], x, params.get("bias"))


def _apply_conv(params: dict, x):
    s = params["layer"].sizes
    d = s["ndim"]
    spatial = "DHW"[-d:]
    numbers = (f"NC{spatial}", f"OI{spatial}", f"NC{spatial}")
    y = jax.lax.conv_general_dilated(
        x, conv_weight(params).astype(x.dtype), (s["stride"],) * d,
        [(s["padding"], s["padding"])] * d, rhs_dilation=(s["dilation"],) * d,
        dimension_numbers=numbers, precision=HIGHEST)
    if "bias" in params:
        b = bias_term(params["layer"], params["bias"]).reshape(-1)
        y = y + b.reshape(-1, *(1,) * d)
    return y
