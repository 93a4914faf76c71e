"""Partition-labelled S(n) files applied at any n in JAX (docs/anyn.rst), never forming W.

The same plan as ``intertwine.torch``'s "partitions" strategy
(``intertwine.partitions.plan``): per reduction of x (diagonals, sums) one channel
matmul, then broadcasts and diagonal scatters.  Under ``jax.jit`` the input's shape is
static, so the plan for its set sizes is made (in numpy) while tracing and its arrays
become constants of the compiled function.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

from ..layers.layerdata import LayerData
from ..partitions.functional import Constants, prepare, run_plan
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

    # fewer operations to compile: one gather and one split instead of one slice each
    @staticmethod
    def take(v, columns):
        return jnp.take(v, np.asarray(columns), axis=2)

    @staticmethod
    def split(mixed, parts):
        return jnp.split(mixed, parts, axis=1)

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
    """y for x of shape (batch, channels, n_1, ..., n_k) or (..., channels, prod n_i).

    The plan runs as one compiled function per set sizes, its arrays passed as
    arguments: called op by op, each of its hundreds of small operations is compiled on
    first use (S(20): V**3 -> V**3: 25 s), and compiled with the arrays inside, XLA
    spends seconds on the large constants."""
    anyn: AnyN = s.arrays["anyn"]
    plan, flat = anyn.checked(tuple(x.shape), w.shape[1], s.sizes["dim_in"])
    dtype = jnp.result_type(x.dtype, w.dtype)
    lead = tuple(x.shape[:-2]) if flat else tuple(x.shape[:1])
    channels = x.shape[len(lead)]
    if s.sizes.get("dense_when_cheaper") and plan.sizes == anyn.sizes and dense_is_cheaper(
            plan_costs(plan), math.prod(lead), channels, w.shape[0]):
        return _dense(s, anyn, plan, flat, dtype, w, x, bias)
    cache = s.arrays.setdefault("compiled", {})
    key = (plan.sizes, flat, jnp.dtype(dtype).name)
    if key not in cache:
        with jax.ensure_compile_time_eval():  # concrete arrays, also under a caller's jit
            consts = prepare(plan, lambda a: jnp.asarray(np.asarray(a, dtype)), jnp.asarray)
        cache[key] = (vars(consts), jax.jit(functools.partial(_run, plan, flat, dtype)))
    arrays, run = cache[key]
    return run(arrays, w, x, bias)


def _dense(s, anyn: AnyN, plan, flat: bool, dtype, w, x, bias):
    """At the file's own sizes, where the cost model says so: one matmul with the dense W."""
    lead = tuple(x.shape[:-2]) if flat else tuple(x.shape[:1])
    channels = x.shape[len(lead)]
    d_in, d_out, out = s.sizes["dim_in"], s.sizes["dim_out"], w.shape[0]
    big = weights(s, w).astype(dtype).transpose(1, 3, 0, 2).reshape(channels * d_in,
                                                                    out * d_out)
    y = jnp.matmul(x.astype(dtype).reshape(-1, channels * d_in), big,
                   precision=HIGHEST).reshape(-1, out, d_out)
    if bias is not None:
        padded = jnp.concatenate([bias, jnp.zeros((bias.shape[0], 1), bias.dtype)], 1)
        y = y + padded[:, anyn.bias_index(plan.sizes)].astype(dtype)
    return y.reshape(lead + (w.shape[0],) + ((-1,) if flat else plan.out_shape))


def _run(plan, flat: bool, dtype, arrays: dict, w, x, bias):
    # the casts inside: op by op, each would be compiled on its own
    w, x = w.astype(dtype), x.astype(dtype)
    bias = None if bias is None else bias.astype(dtype)
    lead = tuple(x.shape[:-2]) if flat else tuple(x.shape[:1])
    channels = x.shape[len(lead)]
    y = run_plan(plan, Constants(**arrays), w, x.reshape((-1, channels) + plan.in_shape),
                 _JaxOps, bias)
    return y.reshape(lead + (w.shape[0],) + ((-1,) if flat else plan.out_shape))


def apply(params: dict, x):
    return forward(params["layer"], params["weight"], x, params.get("bias"))
