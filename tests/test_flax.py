"""intertwine.flax (flax.nnx modules over intertwine.jax) and jax float64 under x64."""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402

import intertwine.jax as ij  # noqa: E402
from intertwine.layers.fields import Field  # noqa: E402


def test_jax_params_follow_the_x64_flag():
    spec = "C(5): irr(1) -> irr(1) + irr(2)"  # irrational: float32 would show at 1e-7
    with jax.enable_x64(True):
        params = ij.init(jax.random.PRNGKey(0), spec, 2, 3)
        assert params["weight"].dtype == jnp.float64
        conv = ij.init_conv(jax.random.PRNGKey(1), "C(4): 1 -> reg * Grid(3)", 1, 2)
        assert conv["weight"].dtype == jnp.float64
        field_in, field_out = Field.of("C(5): irr(1)"), Field.of("C(5): irr(1) + irr(2)")
        rng = np.random.default_rng(0)
        x = rng.normal(size=(4, 2, 2))
        y = np.asarray(jax.jit(ij.apply)(params, x))
        assert y.dtype == np.float64
        for g_in, g_out in field_in.random_elements(4, rng, field_out):
            moved = np.asarray(ij.apply(params, x @ g_in.T))
            assert np.abs(moved - y @ g_out.T).max() < 1e-12
    assert ij.init(jax.random.PRNGKey(0), spec, 2, 3)["weight"].dtype == jnp.float32


nnx = pytest.importorskip("flax.nnx")
import intertwine.flax as itf  # noqa: E402


def test_flax_linear_is_the_jax_layer():
    layer = itf.EquivariantLinear("S(5): V**2 -> V**2", 3, 4, rngs=nnx.Rngs(0))
    x = np.random.default_rng(1).normal(size=(2, 3, 9, 9)).astype(np.float32)
    assert np.allclose(layer(x), ij.apply(layer.params(), x))
    assert layer(x).shape == (2, 4, 9, 9)  # any n from the S(5) file
    scaled = itf.EquivariantLinear("S(5): V**2 -> V**2", 3, 4, rngs=nnx.Rngs(0),
                                   scaling="mean")
    assert scaled.structure.value.arrays["anyn"].scaling == "mean"


class DigitsModel(nnx.Module):
    def __init__(self, rngs):
        self.conv = itf.EquivariantConv("C(4): 1 -> reg * Grid(3)", 1, 3, rngs=rngs)
        self.bn = itf.EquivariantBatchNorm("C(4): reg", conv=True, channels=3)
        self.relu = itf.PointwiseNonlinearity("C(4): reg", conv=True)
        self.pool = itf.GroupPooling("C(4): reg", conv=True)

    def __call__(self, x):
        return self.pool(self.relu(self.bn(self.conv(x))))


def test_flax_model_trains_under_jit_and_stays_invariant():
    model = DigitsModel(nnx.Rngs(0))
    x = jnp.asarray(np.random.default_rng(2).normal(size=(4, 1, 9, 9)), jnp.float32)

    @nnx.jit
    def loss(model, x):
        return jnp.mean(model(x) ** 2)

    grads = nnx.grad(loss)(model, x)
    weight_grad = nnx.state(grads, nnx.Param)["conv"]["weight"][...]
    assert weight_grad.shape == (3, 1, 9) and bool(jnp.isfinite(weight_grad).all())
    assert float(jnp.abs(model.bn.mean[...]).max()) > 0  # the statistics moved
    model.eval()
    y = model(x)
    rotated = model(jnp.rot90(x, 1, axes=(2, 3)))
    assert float(jnp.abs(rotated - jnp.rot90(y, 1, axes=(2, 3))).max()) < 1e-5


def test_flax_between_modules_match_the_functions():
    from intertwine.jax import between as jb

    spec = "D(4): 2 + irr(1, 1) + irr(0, 2)"
    x = np.random.default_rng(3).normal(size=(5, 2, 5)).astype(np.float32)
    norm = itf.NormNonlinearity(spec)
    assert np.allclose(norm(x), jb.norm_nonlinearity({"bias": norm.bias[...]}, spec, x))
    gated = itf.GatedNonlinearity(spec)
    assert gated(x).shape == (5, 2, 3) and gated.out_field == "D(4): irr(1, 1) + irr(0, 2)"
    with pytest.raises(ValueError, match="permutation"):
        itf.PointwiseNonlinearity(spec)
    with pytest.raises(ValueError, match="k\\*reg"):
        itf.GroupPooling(spec)
