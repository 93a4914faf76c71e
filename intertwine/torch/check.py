"""``check_equivariance``: the largest error of a layer under random group elements."""

from __future__ import annotations

import numpy as np
import torch

from ..layers.fields import Field
from ..layers.kerneldata import transform_image
from .between import FieldModule, GatedNonlinearity, GroupPooling
from .conv import EquivariantConv
from .linear import EquivariantLinear

__all__ = ["check_equivariance"]


@torch.no_grad()
def check_equivariance(layer, n_samples: int = 8, batch: int = 4, image_size: int | None = None,
                       seed: int = 0) -> float:
    """max ``|layer(g x) - g layer(x)|`` over ``n_samples`` random group elements g and a
    batch of random inputs x (standard normal, the layer's dtype and device).

    Elements are products of random words in the generators stored in the layer's file
    (times exp of a random Lie-algebra element for continuous groups), applied in float64
    on the CPU.  For convolutions g also moves the pixels: images are square (cubic), of
    ``image_size`` (by default a size for which the stride keeps the centre fixed).
    The between-layer modules (``intertwine.torch.between``) are checked on their field
    (in their current mode: a batch norm in training mode updates its statistics).
    """
    rng = np.random.default_rng(seed)
    if isinstance(layer, EquivariantLinear):
        return _check_linear(layer, n_samples, batch, rng)
    if isinstance(layer, EquivariantConv):
        return _check_conv(layer, n_samples, batch, image_size, rng)
    if isinstance(layer, FieldModule):
        return _check_field(layer, n_samples, batch, rng)
    raise TypeError(f"expected an intertwine layer or between-layer module, not "
                    f"{type(layer).__name__}")


def _run(layer, x: np.ndarray) -> np.ndarray:
    p = layer.weight
    return layer(torch.as_tensor(x, dtype=p.dtype, device=p.device)).double().cpu().numpy()


def _check_linear(layer: EquivariantLinear, n_samples: int, batch: int, rng) -> float:
    x = rng.normal(size=(batch * layer.in_channels, layer.dim_in))
    y = _run(layer, x.reshape(batch, layer.in_channels, -1)).reshape(-1, layer.dim_out)
    worst = 0.0
    for g_in, g_out in layer.data.random_elements(n_samples, rng):
        moved_in = np.asarray((g_in @ x.T).T)
        moved_out = np.asarray((g_out @ y.T).T)
        y_moved = _run(layer, moved_in.reshape(batch, layer.in_channels, -1))
        worst = max(worst, float(np.abs(y_moved.reshape(moved_out.shape) - moved_out).max(
            initial=0.0)))
    return worst


def _check_conv(layer: EquivariantConv, n_samples: int, batch: int, image_size, rng):
    d = layer.data
    size = image_size or _centred_size(layer)
    x = rng.normal(size=(batch, layer.in_channels * d.c_in, *(size,) * layer.ndim))
    y = _run(layer, x)
    worst = 0.0
    for r_in, r_out, point_map in d.random_elements(n_samples, rng):
        y_moved = _run(layer, transform_image(x, r_in, point_map, d.c_in))
        moved_out = transform_image(y, r_out, point_map, d.c_out)
        worst = max(worst, float(np.abs(y_moved - moved_out).max(initial=0.0)))
    return worst


def _check_field(module: FieldModule, n_samples: int, batch: int, rng) -> float:
    """The between-layer modules: rho(g) on the field axis (feature maps: on every pixel,
    which these modules never mix), 3 channels."""
    field = module.field
    if isinstance(module, GatedNonlinearity):
        out = module.out_field
    elif isinstance(module, GroupPooling):
        out = Field.of(f"{field.group}: {len(field.blocks)}")
    else:
        out = field
    channels = getattr(module, "channels", None) or 3
    shape = (batch, channels * field.dim, 5, 5) if module.conv else (batch, channels,
                                                                     field.dim)
    x = rng.normal(size=shape)
    floats = [t.dtype for t in (*module.parameters(), *module.buffers())
              if t.is_floating_point()]
    dtype = floats[0] if floats else torch.float64  # nothing to cast: check in float64

    def run(v):
        return module(torch.as_tensor(v, dtype=dtype)).double().cpu().numpy()

    def act(v, g):
        if not module.conv:
            return v @ g.T
        fields = v.reshape(v.shape[0], -1, g.shape[1], *v.shape[2:])
        return np.einsum("ij,bcj...->bci...", g, fields).reshape(
            v.shape[0], -1, *v.shape[2:])

    y = run(x)
    worst = 0.0
    for g_in, g_out in field.random_elements(n_samples, rng, out):
        worst = max(worst, float(np.abs(run(act(x, g_in)) - act(y, g_out)).max(initial=0.0)))
    return worst


def _centred_size(layer: EquivariantConv) -> int:
    """A size L >= 2k + 3 whose output pixels sit symmetrically about the centre:
    (L - 1 + 2 padding - dilation (k - 1)) divisible by the stride."""
    reach = layer.dilation * (layer.kernel_size - 1)
    size = 2 * reach + 3
    while (size - 1 + 2 * layer.padding - reach) % layer.stride:
        size += 1
    return size
