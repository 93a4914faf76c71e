"""``check_equivariance``: the largest error of a layer under random group elements."""

from __future__ import annotations

import numpy as np
import torch

from ..layers.kerneldata import transform_image
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
    """
    rng = np.random.default_rng(seed)
    if isinstance(layer, EquivariantLinear):
        return _check_linear(layer, n_samples, batch, rng)
    if isinstance(layer, EquivariantConv):
        return _check_conv(layer, n_samples, batch, image_size, rng)
    raise TypeError(f"expected an intertwine layer, not {type(layer).__name__}")


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


def _centred_size(layer: EquivariantConv) -> int:
    """A size L >= 2k + 3 whose output pixels sit symmetrically about the centre:
    (L - 1 + 2 padding - dilation (k - 1)) divisible by the stride."""
    reach = layer.dilation * (layer.kernel_size - 1)
    size = 2 * reach + 3
    while (size - 1 + 2 * layer.padding - reach) % layer.stride:
        size += 1
    return size
