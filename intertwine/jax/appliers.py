"""How a basis is applied in JAX: the strategies of ``intertwine.torch.appliers`` as pure
functions of constant (numpy) arrays held by a static :class:`Structure`.

A :class:`Strategy` is the arrays it needs from the layer data, the W it builds, its
forward pass (which checks the input's shape) and how it adds the bias; ``STRATEGIES``
maps names to them, so a new one is a few functions and one line there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ..layers.layerdata import LayerData, automatic_strategy

__all__ = ["STRATEGIES", "Strategy", "Structure", "make_structure"]

HIGHEST = jax.lax.Precision.HIGHEST  # float32 products in full precision (no TF32 on GPUs)


@jax.tree_util.register_pytree_node_class
class Structure:
    """The constant part of a layer's parameters: a pytree node with no leaves, so that
    ``jax.grad``, optimisers and ``jit`` see only the weights.  Compared by identity."""

    def __init__(self, kind: str, strategy: str, sizes: dict, arrays: dict):
        self.kind, self.strategy, self.sizes, self.arrays = kind, strategy, sizes, arrays

    def tree_flatten(self):
        return (), self

    @classmethod
    def tree_unflatten(cls, aux, children):
        return aux

    def __repr__(self) -> str:
        return f"Structure({self.kind}, {self.strategy}, {self.sizes.get('spec')!r})"


def _pattern(data: LayerData) -> dict:
    if data.basis.pattern is None:
        raise ValueError(f"{data.spec}: strategy 'pattern' needs a pattern file")
    return {"index": data.flat_pattern()}


def _coo(data: LayerData) -> dict:
    index, flat, value = data.entries()
    row, col = np.divmod(flat, data.dim_in)
    return {"entry_index": index, "entry_flat": flat, "entry_value": value,
            "entry_slot": index * data.dim_out + row, "entry_col": col}


def weights_pattern(s: Structure, w):
    padded = jnp.concatenate([w, jnp.zeros((*w.shape[:2], 1), w.dtype)], axis=2)
    return padded[:, :, s.arrays["index"]].reshape(*w.shape[:2], s.sizes["dim_out"],
                                                   s.sizes["dim_in"])


def weights_coo(s: Structure, w):
    a = s.arrays
    contributions = w[:, :, a["entry_index"]] * a["entry_value"].astype(w.dtype)
    flat = jnp.zeros((*w.shape[:2], s.sizes["dim_out"] * s.sizes["dim_in"]), w.dtype)
    flat = flat.at[:, :, a["entry_flat"]].add(contributions)
    return flat.reshape(*w.shape[:2], s.sizes["dim_out"], s.sizes["dim_in"])


def check_input(s: Structure, w, x) -> None:
    if x.ndim < 2 or tuple(x.shape[-2:]) != (w.shape[1], s.sizes["dim_in"]):
        raise ValueError(f"{s.sizes['spec']}: expected input of shape (..., {w.shape[1]}, "
                         f"{s.sizes['dim_in']}) (in_channels, dim_in), got {tuple(x.shape)}")


def _forward_dense(weights):
    def forward(s: Structure, w, x):
        check_input(s, w, x)
        out_channels, in_channels = w.shape[:2]
        big = weights(s, w).transpose(1, 3, 0, 2).reshape(
            in_channels * s.sizes["dim_in"], out_channels * s.sizes["dim_out"])
        y = jnp.matmul(x.reshape(-1, in_channels * s.sizes["dim_in"]), big,
                       precision=HIGHEST)
        return y.reshape(*x.shape[:-2], out_channels, s.sizes["dim_out"])
    return forward


def forward_sparse(s: Structure, w, x):
    """z[b, c, m] = B_m x[b, c] by entries, then one matmul with w (as torch's)."""
    check_input(s, w, x)
    a = s.arrays
    out_channels, in_channels = w.shape[:2]
    n, dim_out = s.sizes["n_basis"], s.sizes["dim_out"]
    flat_x = x.reshape(-1, in_channels, s.sizes["dim_in"])
    source = flat_x[:, :, a["entry_col"]] * a["entry_value"].astype(x.dtype)
    z = jnp.zeros((flat_x.shape[0], in_channels, n * dim_out), x.dtype)
    z = z.at[:, :, a["entry_slot"]].add(source)
    z = z.reshape(flat_x.shape[0], in_channels * n, dim_out)
    y = jnp.matmul(w.reshape(out_channels, in_channels * n), z, precision=HIGHEST)
    return y.reshape(*x.shape[:-2], out_channels, dim_out)


def bias_term(s: Structure, b):
    """sum_j b[o, j] v_j, shape (out_channels, dim_out) (c_out for a convolution)."""
    if "bias_orbit" in s.arrays:
        return b[:, s.arrays["bias_orbit"]]
    return jnp.matmul(b, s.arrays["bias_vectors"].astype(b.dtype), precision=HIGHEST)


def add_bias(s: Structure, y, b):
    return y + bias_term(s, b)


class Strategy(NamedTuple):
    arrays: Callable      # LayerData -> dict of numpy arrays
    weights: Callable     # (Structure, w) -> W (out, in, dim_out, dim_in)
    forward: Callable     # (Structure, w, x) -> y
    add_bias: Callable = add_bias  # (Structure, y, b) -> y + bias


def _partitions_arrays(data: LayerData, scaling: str = "none") -> dict:
    from .partitions import arrays

    return {**arrays(data, scaling), "anyn_basis": data.basis}


def _partitions_weights(s: Structure, w):
    from .partitions import weights

    return weights(s, w)


def _partitions_forward(s: Structure, w, x, b=None):
    from .partitions import forward

    return forward(s, w, x, b)


STRATEGIES = {
    # any n: labelled S(n) files with one monomial each side (``partitions.py``); its
    # forward adds the bias itself (forward_with_bias)
    "partitions": Strategy(_partitions_arrays, _partitions_weights, _partitions_forward),
    "pattern": Strategy(_pattern, weights_pattern, _forward_dense(weights_pattern)),
    "coo": Strategy(_coo, weights_coo, _forward_dense(weights_coo)),
    "sparse": Strategy(_coo, weights_coo, forward_sparse),
}


def make_structure(data: LayerData, kind: str, strategy: str = "auto",
                   scaling: str = "none", **sizes) -> Structure:
    """The static structure of a layer on ``data`` (same strategy choice as torch)."""
    from ..partitions.reference import AnyN

    dense_when_cheaper = False
    if strategy == "auto":
        labelled = kind == "linear" and AnyN.applies(data.basis)
        strategy = "partitions" if labelled else automatic_strategy(data)
        dense_when_cheaper = labelled  # at the file's sizes, W where the cost model says
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}: expected 'auto' or one of "
                         f"{', '.join(STRATEGIES)}")
    if strategy == "partitions":
        arrays = _partitions_arrays(data, scaling)
    else:
        arrays = STRATEGIES[strategy].arrays(data)
    if strategy == "partitions":  # its bias is per set partition of the output slots
        sizes = {"spec": data.spec, "dim_in": data.dim_in, "dim_out": data.dim_out,
                 "n_basis": data.n_basis, "n_bias": arrays["anyn"].n_bias,
                 "dense_when_cheaper": dense_when_cheaper, **sizes}
        return Structure(kind, strategy, sizes, arrays)
    orbit = data.bias_orbits()
    if orbit is not None:
        arrays["bias_orbit"] = orbit
    elif data.n_bias:
        arrays["bias_vectors"] = data.bias_vectors()
    sizes = {"spec": data.spec, "dim_in": data.dim_in, "dim_out": data.dim_out,
             "n_basis": data.n_basis, "n_bias": data.n_bias, **sizes}
    return Structure(kind, strategy, sizes, arrays)


def weights(s: Structure, w):
    return STRATEGIES[s.strategy].weights(s, w)


def forward(s: Structure, w, x):
    return STRATEGIES[s.strategy].forward(s, w, x)


def forward_with_bias(s: Structure, w, x, b=None):
    if s.strategy == "partitions":  # any n: the bias goes inside the plan
        return _partitions_forward(s, w, x, b)
    y = forward(s, w, x)
    return y if b is None else STRATEGIES[s.strategy].add_bias(s, y, b)
