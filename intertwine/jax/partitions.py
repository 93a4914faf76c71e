"""Partition-labelled S(n) files applied at any n in JAX (issue 13), never forming W.

The same plan as ``intertwine.torch``'s "partitions" strategy
(``intertwine.partitions.plan``): per reduction of x (diagonals, sums) one channel
matmul, then broadcasts and diagonal scatters.  Under ``jax.jit`` the input's shape is
static, so the plan for its set sizes is made (in numpy) while tracing and its arrays
become constants of the compiled function.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from ..layerdata import LayerData
from ..partitions.functional import prepare, run_plan
from ..partitions.reference import AnyN, dense_is_cheaper, plan_costs

__all__ = ["apply", "arrays", "forward", "weights"]

HIGHEST = "highest"


class _JaxOps:
    @staticmethod
    def einsum(subscripts, x):
        return jnp.einsum(subscripts, x, precision=HIGHEST)

    @staticmethod
    def sum(x, axes):
        return x.sum(axis=axes)

    @staticmethod
    def matmul(a, b):
        return jnp.matmul(a, b, precision=HIGHEST)

    @staticmethod
    def scatter_add(y, index, values):
        return y.at[..., index].add(values)

    @staticmethod
    def mix(a, b, scratch=False):
        return jnp.matmul(a, b, precision=HIGHEST)

    @staticmethod
    def addmm(y, a, b):
        return y + jnp.matmul(a, b, precision=HIGHEST)

    @staticmethod
    def add(y, z):
        return y + z

    @staticmethod
    def stack(tensors):
        return jnp.stack(tensors, axis=-1)

    @staticmethod
    def permute(x, axes):
        return jnp.transpose(x, axes)

    @staticmethod
    def broadcast(x, shape):
        return jnp.broadcast_to(x, shape)

    @staticmethod
    def zeros(shape, like):
        return jnp.zeros(shape, like.dtype)


def arrays(data: LayerData, scaling: str = "none") -> dict:
    return {"anyn": AnyN(data.basis, scaling)}


def weights(s, w):
    """The dense W at the file's sizes."""
    flat = np.asarray(s.arrays["anyn_basis"]._pattern()).reshape(-1).astype(np.int64)
    index = np.where(flat < 0, s.sizes["n_basis"], flat)
    padded = jnp.concatenate([w, jnp.zeros((*w.shape[:2], 1), w.dtype)], axis=2)
    return padded[:, :, index].reshape(*w.shape[:2], s.sizes["dim_out"], s.sizes["dim_in"])


def forward(s, w, x, bias=None):
    """y for x of shape (batch, channels, n_1, ..., n_k) or (..., channels, prod n_i)."""
    anyn: AnyN = s.arrays["anyn"]
    plan, flat = anyn.checked(tuple(x.shape), w.shape[1], s.sizes["dim_in"])
    lead = tuple(x.shape[:-2]) if flat else tuple(x.shape[:1])
    channels = x.shape[len(lead)]
    dtype = jnp.result_type(x.dtype, w.dtype)
    batch = math.prod(lead)
    if s.sizes.get("dense_when_cheaper") and plan.sizes == anyn.sizes and dense_is_cheaper(
            plan_costs(plan), batch, channels, w.shape[0]):
        d_in, d_out, out = s.sizes["dim_in"], s.sizes["dim_out"], w.shape[0]
        big = weights(s, w).astype(dtype).transpose(1, 3, 0, 2).reshape(channels * d_in,
                                                                        out * d_out)
        y = jnp.matmul(x.astype(dtype).reshape(-1, channels * d_in), big,
                       precision=HIGHEST).reshape(-1, out, d_out)
        if bias is not None:
            padded = jnp.concatenate([bias, jnp.zeros((bias.shape[0], 1), bias.dtype)], 1)
            y = y + padded[:, anyn.bias_index(plan.sizes)].astype(dtype)
        return y.reshape(lead + (w.shape[0],) + ((-1,) if flat else plan.out_shape))
    consts = prepare(plan, lambda a: jnp.asarray(a, dtype), lambda a: np.asarray(a))
    x = x.astype(dtype).reshape((-1, channels) + plan.in_shape)
    y = run_plan(plan, consts, w.astype(dtype), x, _JaxOps,
                 None if bias is None else bias.astype(dtype))
    return y.reshape(lead + (w.shape[0],) + ((-1,) if flat else plan.out_shape))


def apply(params: dict, x):
    return forward(params["layer"], params["weight"], x, params.get("bias"))
