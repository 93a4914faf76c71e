"""S(n) layers for any n from partition labels (issue 13), against dense layers.

The dense layer at n is built from the pattern of ``S(n): V**k -> V**l`` itself (computed
at that n, W = w[pattern]), so it shares nothing with the plan (diagonals, sums,
Moebius weights) except the matching of elements by their labels, which
test_partitions checks independently.
"""

import subprocess
import sys
import warnings

import numpy as np
import pytest

import intertwine
from intertwine.layers.layerdata import numpy_forward
from intertwine.partitions.labels import _codes
from intertwine.partitions.reference import AnyN, apply

rng = np.random.default_rng(13)


def file_weights_at(file_basis, basis):
    """Column of the file's weights for each element of ``basis`` (same partitions)."""
    where = {c: i for i, c in enumerate(_codes(file_basis.partitions.labels))}
    return np.array([where[c] for c in _codes(basis.partitions.labels)])


def dense_forward(spec_at_n, file_basis, w, x, bias=None):
    """The layer at n from its own pattern: W[o, c] = w'[o, c, pattern], y = W x."""
    basis = intertwine.compute(spec_at_n)
    w_n = w[:, :, file_weights_at(file_basis, basis)]
    padded = np.concatenate([w_n, np.zeros(w_n.shape[:2] + (1,))], axis=2)
    weight = padded[:, :, np.where(basis.pattern < 0, basis.n_basis, basis.pattern)]
    y = np.einsum("ocij,bcj->boi", weight, x.reshape(x.shape[0], x.shape[1], -1))
    if bias is not None:
        y = y + numpy_forward(basis, np.zeros((w.shape[0], 1, basis.n_basis)),
                              np.zeros((1, 1, basis.dim_in)), bias)[0]
    return y


# every (k, l) with k, l <= 3 at n = 1..4 (n < k + l throughout), then n = 5..12 with one
# (k, l) each, the larger n with smaller tensors (the dense layer has n^(k+l) entries)
CASES = [(n, k, l) for n in (1, 2, 3, 4) for k in range(4) for l in range(4)]
CASES += [(5, 3, 3), (6, 2, 3), (7, 3, 2), (8, 3, 1), (9, 2, 2), (10, 1, 3), (11, 2, 1),
          (12, 2, 2)]


@pytest.fixture(scope="module")
def files():
    return {(k, l): intertwine.compute(f"S({k + l + 1}): V**{k} -> V**{l}")
            for k in range(4) for l in range(4)}


@pytest.mark.parametrize("n, k, l", CASES)
def test_equals_the_dense_layer(n, k, l, files):
    file_basis = files[k, l]
    w = rng.normal(size=(3, 2, file_basis.n_basis))
    x = rng.normal(size=(2, 2) + (n,) * k)
    y = apply(AnyN(file_basis), w, x, sizes=(n,))  # sizes: for k = 0, n is not in x
    expected = dense_forward(f"S({n}): V**{k} -> V**{l}", file_basis, w, x)
    assert y.shape == (2, 3) + ((n**l,) if k == 1 else (n,) * l)
    assert np.abs(y.reshape(expected.shape) - expected).max() < 1e-12


@pytest.mark.parametrize("n, k, l", [(2, 2, 2), (3, 3, 3), (1, 2, 1)])
def test_elements_with_more_blocks_than_n_are_dropped(n, k, l, files):
    plan, _ = AnyN(files[k, l]).resolve((1, 1) + (n,) * k, sizes=(n,))
    assert len(plan.elements) == intertwine.dim(f"S({n}): V**{k} -> V**{l}")


@pytest.mark.parametrize("n, m", [(1, 1), (2, 5), (7, 3), (4, 4)])
def test_hartford_products_at_other_sizes(n, m):
    file_basis = intertwine.compute("S(3) x S(4): V[0]*V[1] -> V[0]*V[1]")
    w = rng.normal(size=(2, 3, 4))
    bias = rng.normal(size=(2, 1))
    x = rng.normal(size=(4, 3, n, m))
    y = apply(AnyN(file_basis), w, x, bias)
    expected = dense_forward(f"S({n}) x S({m}): V[0]*V[1] -> V[0]*V[1]", file_basis, w, x,
                             bias)
    assert np.abs(y.reshape(expected.shape) - expected).max() < 1e-12


def test_mixed_factor_slots_at_other_sizes():
    file_basis = intertwine.compute("S(3) x S(4): V[1]*V[0]**2 -> V[0]*V[1]")
    w = rng.normal(size=(2, 3, file_basis.n_basis))
    x = rng.normal(size=(2, 3, 2, 4, 4))  # V[1] has 2 points, V[0] 4
    y = apply(AnyN(file_basis), w, x)
    expected = dense_forward("S(4) x S(2): V[1]*V[0]**2 -> V[0]*V[1]", file_basis, w, x)
    assert y.shape == (2, 2, 4, 2)
    assert np.abs(y.reshape(expected.shape) - expected).max() < 1e-12


def test_equivariant_under_random_permutations():
    """Independent of any basis: relabelling the points permutes every axis of x and y."""
    layer = AnyN(intertwine.compute("S(7): V**3 -> V**2"))
    w = rng.normal(size=(2, 2, layer.n_basis))
    bias = rng.normal(size=(2, layer.n_bias))
    x = rng.normal(size=(2, 2, 9, 9, 9))
    y = apply(layer, w, x, bias)
    for _ in range(3):
        p = rng.permutation(9)
        moved = apply(layer, w, x[:, :, p][:, :, :, p][:, :, :, :, p], bias)
        assert np.abs(moved - y[:, :, p][:, :, :, p]).max() < 1e-12


def test_incomplete_file_warns_at_larger_n():
    layer = AnyN(intertwine.compute("S(2): V**2 -> V**2"))  # lacks 3- and 4-block ones
    with pytest.warns(UserWarning, match="lacks the partitions"):
        layer.resolve((1, 1, 6, 6))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer.resolve((1, 1, 2, 2))  # at its own n it is complete


@pytest.mark.parametrize("shape, words", [
    ((2, 3, 5, 6), "different lengths"),
    ((2, 3, 24), "n\\*\\*2"),
    ((3,), "expected an input"),
])
def test_bad_shapes_are_clear_errors(shape, words):
    layer = AnyN(intertwine.compute("S(5): V**2 -> V**2"))
    with pytest.raises(ValueError, match=words):
        apply(layer, np.ones((1, 3, 15)), np.ones(shape))


def test_needs_labels_and_one_monomial_each_side():
    for spec in ("S(4): V + 1 -> V", "C(4): V -> V"):
        assert not AnyN.applies(intertwine.compute(spec))
        with pytest.raises(ValueError, match="one tensor monomial"):
            AnyN(intertwine.compute(spec))


# -- the layers --------------------------------------------------------------------------

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def maron_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("anyn") / "maron.h5"
    done = subprocess.run([sys.executable, "-m", "intertwine", "basis", "S(5): V**2 -> V**2",
                           "-o", str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture(scope="module")
def maron_partitions_only(tmp_path_factory):
    path = tmp_path_factory.mktemp("anyn") / "maron-partitions.h5"
    done = subprocess.run([sys.executable, "-m", "intertwine", "basis", "S(5): V**2 -> V**2",
                           "--partitions-only", "-o", str(path)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return path


@pytest.mark.parametrize("source", ["maron_file", "maron_partitions_only"])
def test_a_file_of_s5_drives_a_layer_at_n_37(source, request):
    from intertwine.torch import EquivariantLinear

    path = request.getfixturevalue(source)
    layer = EquivariantLinear(str(path), 3, 4, dtype=torch.float64)
    assert layer.applier.name == "partitions"
    with torch.no_grad():
        layer.weight.normal_()
        layer.bias.normal_()
    x = torch.randn(2, 3, 37, 37, dtype=torch.float64)
    y = layer(x)
    expected = numpy_forward("S(37): V**2 -> V**2", layer.weight.detach().numpy(),
                             x.reshape(2, 3, -1).numpy(), layer.bias.detach().numpy())
    assert y.shape == (2, 4, 37, 37)
    # sums of about 37**2 terms of size ~1: float64 rounding relative to the output's scale
    error = np.abs(y.detach().numpy().reshape(expected.shape) - expected).max()
    assert error < 1e-12 * max(1.0, np.abs(expected).max())
    flat = layer(x.reshape(2, 3, -1))  # flattened in, flattened out
    assert flat.shape == (2, 4, 37 * 37)
    assert torch.equal(flat, y.reshape(2, 4, -1))


TORCH_SPECS = ["S(6): V**3 -> V**2", "S(3) x S(4): V[0]*V[1] -> V[0]*V[1]",
               "S(5): 1 -> V**2", "S(4): V**2 -> 1", "S(4): V -> V**3"]


@pytest.mark.parametrize("spec", TORCH_SPECS)
def test_torch_agrees_with_numpy(spec):
    from intertwine.torch import EquivariantLinear

    layer = EquivariantLinear(spec, 2, 3, dtype=torch.float64)
    assert layer.applier.name == "partitions"
    anyn = AnyN(intertwine.compute(spec))
    with torch.no_grad():
        if layer.bias is not None:
            layer.bias.normal_()
    bias = None if layer.bias is None else layer.bias.detach().numpy()
    shape = (4, 2) + tuple(n + 2 for n in (anyn.sizes[f] for f in anyn.in_factors))
    x = torch.randn(shape, dtype=torch.float64)
    y = layer(x)
    expected = apply(anyn, layer.weight.detach().numpy(), x.numpy(), bias)
    assert np.abs(y.detach().numpy() - expected).max() < 1e-12
    y.square().sum().backward()
    assert layer.weight.grad is not None and torch.isfinite(layer.weight.grad).all()


def test_torch_compile_at_prepared_sizes():
    from intertwine.torch import EquivariantLinear

    torch._dynamo.reset()
    layer = EquivariantLinear("S(5): V**2 -> V**2", 2, 3)
    compiled = torch.compile(layer, fullgraph=True, backend="aot_eager")
    at_file_n = torch.randn(4, 2, 25)  # the file's own n: ready without an eager call
    assert torch.allclose(compiled(at_file_n), layer(at_file_n), atol=1e-6)
    x = torch.randn(4, 2, 8, 8)
    eager = layer(x)  # plans are numpy: made outside the compiled graph, once per n
    assert torch.allclose(compiled(x), eager, atol=1e-6)


def test_torch_float32_matches_float64():
    from intertwine.torch import EquivariantLinear

    layer64 = EquivariantLinear("S(5): V**2 -> V**2", 2, 3, dtype=torch.float64)
    layer32 = EquivariantLinear("S(5): V**2 -> V**2", 2, 3, dtype=torch.float32)
    with torch.no_grad():
        layer32.weight.copy_(layer64.weight)
    x = torch.randn(3, 2, 20, 20, dtype=torch.float64)
    err = (layer32(x.float()).double() - layer64(x)).abs().max()
    assert err < 1e-4 * layer64(x).abs().max()


@pytest.mark.parametrize("spec", TORCH_SPECS[1:4])
def test_jax_agrees_with_numpy(spec):
    jax = pytest.importorskip("jax")
    import intertwine.jax as ij

    params = ij.init(jax.random.PRNGKey(1), spec, 2, 3)
    assert params["layer"].strategy == "partitions"
    if "bias" in params:
        params["bias"] = jax.random.normal(jax.random.PRNGKey(2), params["bias"].shape)
    anyn = AnyN(intertwine.compute(spec))
    shape = (4, 2) + tuple(anyn.sizes[f] + 3 for f in anyn.in_factors)
    x = rng.normal(size=shape).astype(np.float32)
    y = np.asarray(jax.jit(ij.apply)(params, x))
    bias = np.asarray(params["bias"], np.float64) if "bias" in params else None
    expected = apply(anyn, np.asarray(params["weight"], np.float64), x.astype(np.float64),
                     bias)
    assert np.abs(y - expected).max() < 1e-5 * max(1.0, np.abs(expected).max())


def test_inference_scratch_buffer_never_leaks_into_outputs():
    """Without autograd, a permuted element's product reuses one buffer: outputs of
    earlier calls must not change, and must equal the autograd path's."""
    from intertwine.torch import EquivariantLinear

    layer = EquivariantLinear("S(4): V**2 -> V**2", 1, 2, dtype=torch.float64)
    first, second = (torch.randn(2, 1, 190, 190, dtype=torch.float64) for _ in range(2))
    with torch.no_grad():
        y1 = layer(first)
        kept = y1.clone()
        layer(second)
    assert torch.equal(y1, kept)
    assert torch.allclose(y1, layer(first), atol=1e-12)
