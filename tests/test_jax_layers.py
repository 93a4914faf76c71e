"""intertwine.jax: pure, jit-compatible layers equal to numpy's and torch's."""

import numpy as np
import pytest

import intertwine
from intertwine.layers.layerdata import numpy_forward

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402

import intertwine.jax as ij  # noqa: E402

MARON = "S(5): V**2 -> V**2"
C4_GRID3 = "Perm(9; (0 6 8 2)(1 3 7 5)): 1 -> V"
SPECS = [MARON, "S(3) x S(4): V[0]*V[1] -> V[0]*V[1]", "O(3): V**3 -> V",
         "SO(1,3): V**2 -> V**2", "C(8): V -> 3*1"]


def with_random_bias(params, seed=5):
    if "bias" in params:
        params = dict(params, bias=jax.random.normal(jax.random.PRNGKey(seed),
                                                     params["bias"].shape))
    return params


def test_maron_parameters_and_equivariance():
    params = ij.init(jax.random.PRNGKey(0), MARON, 3, 4)
    leaves = jax.tree_util.tree_leaves(params)
    assert sum(leaf.size for leaf in leaves) == 3 * 4 * 15 + 4 * 2
    params = with_random_bias(params)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 25)).astype(np.float32)
    y = np.asarray(jax.jit(ij.apply)(params, x))
    for _ in range(4):
        g = np.eye(5)[:, rng.permutation(5)]
        rho = np.kron(g, g)
        moved = np.asarray(ij.apply(params, (x @ rho.T).astype(np.float32)))
        assert np.abs(moved - y @ rho.T).max() < 1e-5


@pytest.mark.parametrize("spec,strategy", [(spec, "auto") for spec in SPECS] + [
    (MARON, "coo"), (MARON, "sparse"), ("O(3): V**3 -> V", "sparse")])
def test_numpy_torch_and_jax_agree(spec, strategy):
    """The same weights give the same outputs in float32 (relative 1e-6)."""
    params = with_random_bias(ij.init(jax.random.PRNGKey(1), spec, 2, 3, strategy=strategy))
    x = np.random.default_rng(2).normal(size=(4, 2, params["layer"].sizes["dim_in"]))
    x = x.astype(np.float32)
    weight = np.array(params["weight"])
    bias = np.array(params["bias"]) if "bias" in params else None
    want = numpy_forward(spec, weight.astype(np.float64), x, bias)
    got_jax = np.asarray(jax.jit(ij.apply)(params, x))
    scale = max(1.0, np.abs(want).max())
    assert np.abs(got_jax - want).max() < 1e-6 * scale
    torch = pytest.importorskip("torch")
    from intertwine.torch import EquivariantLinear

    layer = EquivariantLinear(spec, 2, 3, strategy=strategy)
    with torch.no_grad():
        layer.weight.copy_(torch.as_tensor(weight))
        if bias is not None:
            layer.bias.copy_(torch.as_tensor(bias))
    got_torch = layer(torch.as_tensor(x)).detach().numpy()
    assert np.abs(got_torch - want).max() < 1e-6 * scale


def test_gradients_see_only_the_weights():
    params = ij.init(jax.random.PRNGKey(0), MARON, 2, 2)

    def loss(p, x):
        return jnp.sum(ij.apply(p, x) ** 2)

    grads = jax.jit(jax.grad(loss))(params, jnp.ones((3, 2, 25)))
    assert {k: v.shape for k, v in grads.items() if k != "layer"} == {
        "weight": (2, 2, 15), "bias": (2, 2)}
    assert len(jax.tree_util.tree_leaves(grads)) == 2
    # a plain SGD step over the pytree works: the static part passes through
    stepped = jax.tree_util.tree_map(lambda p, g: p - 0.1 * g, params, grads)
    assert stepped["layer"] is params["layer"]


def test_jax_convolution_rotates_and_equals_torch():
    params = with_random_bias(ij.init_conv(jax.random.PRNGKey(0), C4_GRID3, 2, 3,
                                           kernel_size=3))
    x = np.random.default_rng(3).normal(size=(2, 2, 9, 9)).astype(np.float32)
    y = np.asarray(jax.jit(ij.apply)(params, x))
    turned = np.asarray(ij.apply(params, np.rot90(x, 1, (2, 3)).copy()))
    assert np.abs(turned - np.rot90(y, 1, (2, 3))).max() < 1e-5
    torch = pytest.importorskip("torch")
    from intertwine.torch import EquivariantConv2d

    conv = EquivariantConv2d(C4_GRID3, 2, 3, kernel_size=3)
    with torch.no_grad():
        conv.weight.copy_(torch.as_tensor(np.array(params["weight"])))
        conv.bias.copy_(torch.as_tensor(np.array(params["bias"])))
    assert np.abs(conv(torch.as_tensor(x)).detach().numpy() - y).max() < 1e-5


def test_same_initialisation_as_torch():
    data = intertwine.layers.layerdata.LayerData.of(MARON)
    params = ij.init(jax.random.PRNGKey(0), MARON, 2, 500, bias=False)
    assert "bias" not in params
    std = np.asarray(params["weight"]).std(axis=(0, 1))
    assert np.allclose(std, data.init_std(2), rtol=0.1)


def test_bad_input_shape_is_a_clear_error():
    params = ij.init(jax.random.PRNGKey(0), MARON, 3, 1)
    with pytest.raises(ValueError, match=r"expected input of shape \(\.\.\., 3, 25\)"):
        ij.apply(params, jnp.ones((4, 2, 25)))


# -- float64 (jax_enable_x64): exact to rounding, and equal to torch's float64 -------------

@pytest.fixture
def x64():
    """jax in 64-bit mode for one test, the previous setting restored after it."""
    before = jax.config.read("jax_enable_x64")
    jax.config.update("jax_enable_x64", True)
    try:
        yield
    finally:
        jax.config.update("jax_enable_x64", before)


def jax_float64_params(params):
    return {k: (v if k == "layer" else jnp.asarray(v, jnp.float64)) for k, v in params.items()}


@pytest.mark.parametrize("spec,strategy", [(spec, "auto") for spec in SPECS] + [
    (MARON, "coo"), (MARON, "sparse"), (MARON, "pattern"), ("O(3): V**3 -> V", "sparse")])
def test_float64_linear_is_equivariant_to_rounding_and_equals_torch(x64, spec, strategy):
    from intertwine.layers.layerdata import LayerData

    params = with_random_bias(ij.init(jax.random.PRNGKey(1), spec, 2, 3, strategy=strategy,
                                      dtype=jnp.float64))
    params = jax_float64_params(params)
    assert params["weight"].dtype == jnp.float64
    rng = np.random.default_rng(2)
    data = LayerData.of(spec)
    x = rng.normal(size=(4, 2, data.dim_in))
    run = jax.jit(ij.apply)
    y = np.asarray(run(params, x))
    assert y.dtype == np.float64
    scale = max(1.0, np.abs(y).max())
    for g_in, g_out in data.random_elements(4, rng, word_length=4):
        moved = np.asarray(run(params, np.asarray((g_in @ x.reshape(-1, data.dim_in).T).T)
                               .reshape(x.shape)))
        want = np.asarray((g_out @ y.reshape(-1, data.dim_out).T).T).reshape(y.shape)
        assert np.abs(moved - want).max() < 1e-12 * scale
    torch = pytest.importorskip("torch")
    from intertwine.torch import EquivariantLinear

    layer = EquivariantLinear(spec, 2, 3, strategy=strategy, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.as_tensor(np.array(params["weight"])))
        if "bias" in params:
            layer.bias.copy_(torch.as_tensor(np.array(params["bias"])))
    got = layer(torch.as_tensor(x)).detach().numpy()
    assert got.dtype == np.float64
    assert np.abs(got - y).max() < 1e-12 * scale


@pytest.mark.parametrize("spec,kernel_size", [(C4_GRID3, 3), ("D(4): reg -> reg * Grid(5)", None),
                                              ("C(4): irr(1) -> irr(1) * Grid(3)", None)])
def test_float64_convolution_is_equivariant_to_rounding_and_equals_torch(x64, spec,
                                                                        kernel_size):
    from intertwine.layers.kerneldata import KernelData, transform_image

    params = with_random_bias(ij.init_conv(jax.random.PRNGKey(0), spec, 2, 3,
                                           kernel_size=kernel_size, dtype=jnp.float64))
    params = jax_float64_params(params)
    data = KernelData.of(spec, kernel_size)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 2 * data.c_in, 11, 11))
    run = jax.jit(ij.apply)
    y = np.asarray(run(params, x))
    assert y.dtype == np.float64
    scale = max(1.0, np.abs(y).max())
    for r_in, r_out, point_map in data.random_elements(4, rng):
        moved = np.asarray(run(params, transform_image(x, r_in, point_map, data.c_in)))
        assert np.abs(moved - transform_image(y, r_out, point_map, data.c_out)).max() \
            < 1e-12 * scale
    torch = pytest.importorskip("torch")
    from intertwine.torch import EquivariantConv2d

    conv = EquivariantConv2d(spec, 2, 3, kernel_size=kernel_size, dtype=torch.float64)
    with torch.no_grad():
        conv.weight.copy_(torch.as_tensor(np.array(params["weight"])))
        if "bias" in params:  # irr(1) fields have no invariant vector
            conv.bias.copy_(torch.as_tensor(np.array(params["bias"])))
    assert np.abs(conv(torch.as_tensor(x)).detach().numpy() - y).max() < 1e-12 * scale


def test_x64_fixture_restores_the_setting():
    assert not jax.config.read("jax_enable_x64")  # the tests above leave 32-bit mode
    assert jnp.asarray(1.0).dtype == jnp.float32
