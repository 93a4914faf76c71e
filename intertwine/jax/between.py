"""What goes between equivariant layers, as pure JAX functions: the same operations as
``intertwine.torch.between`` (see there, and docs/layers_between.rst), for a field
``"GROUP : REP"`` (a string or an ``intertwine.layers.fields.Field``), on (..., channels, dim)
or, with ``conv=True``, on feature maps (batch, channels * dim, *spatial).

The field is static: close over it (or pass it as a static argument) under ``jax.jit``.
Parameters and batch-norm statistics are dicts of arrays:

>>> import jax, jax.numpy as jnp
>>> field = "C(4): 2*irr(1) + 1"
>>> params = norm_init(field)
>>> y = jax.jit(lambda p, x: norm_nonlinearity(p, field, x))(params, jnp.ones((3, 5)))
>>> y.shape
(3, 5)
"""

from __future__ import annotations

from functools import lru_cache

import jax
import jax.numpy as jnp

from ..layers.fields import Field

__all__ = ["batch_norm", "batch_norm_init", "gated_nonlinearity", "gated_out_field",
           "group_pooling", "norm_init", "norm_nonlinearity", "pointwise_nonlinearity"]

EPS = 1e-6  # as intertwine.torch.between's: norms are sqrt(|v|^2 + EPS^2)


def _dtype():
    return jnp.float64 if jax.config.jax_enable_x64 else jnp.float32


@lru_cache(maxsize=64)
def parsed_field(field) -> Field:
    """The field ``"GROUP : REP"`` parsed once (kept: jit traces call this again)."""
    return Field.of(field)


def to_fields(x, dim: int, conv: bool):
    """(..., C, dim), or for conv (B, C*dim, *S) -> (B, *S, C, dim)."""
    x = jnp.asarray(x)
    if not conv:
        if x.shape[-1] != dim:
            raise ValueError(f"expected the field's {dim} coordinates on the last axis, "
                             f"got shape {tuple(x.shape)}")
        return x
    if x.ndim < 3 or x.shape[1] % dim:
        raise ValueError(f"expected feature maps (batch, channels * {dim}, ...), got shape "
                         f"{tuple(x.shape)}")
    y = x.reshape(x.shape[0], x.shape[1] // dim, dim, *x.shape[2:])
    return jnp.transpose(y, (0, *range(3, y.ndim), 1, 2))


def from_fields(y, conv: bool):
    if not conv:
        return y
    spatial = y.ndim - 3
    y = jnp.transpose(y, (0, spatial + 1, spatial + 2, *range(1, spatial + 1)))
    return y.reshape(y.shape[0], y.shape[1] * y.shape[2], *y.shape[3:])


def pointwise_nonlinearity(field, x, fn=jax.nn.relu, conv: bool = False):
    """fn on every coordinate; only for fields the group permutes (else ValueError)."""
    f = parsed_field(field)
    f.require_permutation("pointwise_nonlinearity")
    to_fields(x, f.dim, conv)
    return fn(x)


def norm_init(field, bias: bool = True, dtype=None) -> dict:
    """Parameters of :func:`norm_nonlinearity`: one bias per block (zeros)."""
    f = parsed_field(field)
    f.require_orthogonal("norm_nonlinearity")
    return {"bias": jnp.zeros(len(f.blocks), dtype or _dtype())} if bias else {}


def norm_nonlinearity(params: dict, field, x, fn=jax.nn.relu, conv: bool = False):
    """Each block v becomes v * fn(|v| + b) / |v| (|v| smoothed at 0 by EPS)."""
    f = parsed_field(field)
    v = to_fields(x, f.dim, conv)
    one_hot = jnp.asarray(f.one_hot(), v.dtype)
    norms = jnp.sqrt(jnp.square(v) @ one_hot + EPS**2)
    shifted = norms + params["bias"].astype(v.dtype) if "bias" in params else norms
    scale = fn(shifted) / norms
    return from_fields(v * (scale @ one_hot.T), conv)


def gated_out_field(field) -> Field:
    """The field R that :func:`gated_nonlinearity` gives for REP = m*1 + R."""
    return parsed_field(field).gated_split("gated_nonlinearity")[1]


def gated_nonlinearity(field, x, conv: bool = False):
    """REP = m*1 + R: sigmoid of the m scalars scales the m blocks of R; gives R."""
    f = parsed_field(field)
    gates, gated = f.gated_split("gated_nonlinearity")
    v = to_fields(x, f.dim, conv)
    gate = jax.nn.sigmoid(v[..., gates])
    rest = v[..., len(gates):]
    return from_fields(rest * gate[..., gated.block_of_coordinate()], conv)


def group_pooling(field, x, mode: str = "max", conv: bool = False):
    """REP = k*reg: max or mean over each regular block, k invariants."""
    if mode not in ("max", "mean"):
        raise ValueError(f"group_pooling: mode is 'max' or 'mean', not {mode!r}")
    f = parsed_field(field)
    blocks = f.regular_blocks("group_pooling")
    v = to_fields(x, f.dim, conv)
    pooled = [v[..., b.index].max(axis=-1) if mode == "max" else v[..., b.index].mean(axis=-1)
              for b in blocks]
    return from_fields(jnp.stack(pooled, axis=-1), conv)


def batch_norm_init(field, channels: int | None = None, affine: bool = True,
                    dtype=None) -> tuple[dict, dict]:
    """(params, state) of :func:`batch_norm`: scale 1 and shift 0 per block (and channel
    when ``channels``), running mean 0 and variance 1."""
    f = parsed_field(field)
    if any(b.kind not in ("trivial", "permutation") for b in f.blocks):
        f.require_orthogonal("batch_norm")
    dtype = dtype or _dtype()
    shape = (channels or 1, len(f.blocks))
    params = {"weight": jnp.ones(shape, dtype), "bias": jnp.zeros(shape, dtype)} \
        if affine else {}
    state = {"mean": jnp.zeros(shape, dtype), "var": jnp.ones(shape, dtype)}
    return params, state


def batch_norm(params: dict, state: dict, field, x, train: bool = True,
               conv: bool = False, momentum: float = 0.1, eps: float = 1e-5):
    """(y, new state): as ``intertwine.torch.EquivariantBatchNorm`` (statistics per
    channel when ``state`` was made with ``channels``)."""
    f = parsed_field(field)
    v = to_fields(x, f.dim, conv)
    one_hot = jnp.asarray(f.one_hot(), v.dtype)
    counts = jnp.asarray([b.dim for b in f.blocks], v.dtype)
    shifted = jnp.asarray([b.kind in ("trivial", "permutation") for b in f.blocks], v.dtype)
    keep = 2 if state["mean"].shape[0] > 1 else 1  # per channel, or pooled over channels
    axes = tuple(range(v.ndim - keep))
    tail = v.shape[-keep:]
    if train:
        mean = (v.mean(axis=axes) @ one_hot) / counts * shifted
        mean = mean.reshape(-1, mean.shape[-1])
        centred = v - (mean @ one_hot.T).reshape(tail)
        var = (jnp.square(centred).mean(axis=axes) @ one_hot) / counts
        var = var.reshape(-1, var.shape[-1])
        state = {"mean": (1 - momentum) * state["mean"] + momentum * mean,
                 "var": (1 - momentum) * state["var"] + momentum * var}
    else:
        mean, var = state["mean"].astype(v.dtype), state["var"].astype(v.dtype)
        centred = v - (mean @ one_hot.T).reshape(tail)
    scale = jax.lax.rsqrt(var + eps)
    if "weight" in params:
        scale = scale * params["weight"].astype(v.dtype)
    y = centred * (scale @ one_hot.T).reshape(tail)
    if "bias" in params:
        y = y + ((params["bias"].astype(v.dtype) * shifted) @ one_hot.T).reshape(tail)
    return from_fields(y, conv), state
