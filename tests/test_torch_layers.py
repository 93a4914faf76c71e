"""intertwine.torch: layers that are equivariant, equal to the numpy reference, trainable,
compilable, and initialised to keep the variance."""

import itertools

import numpy as np
import pytest

import intertwine
from intertwine.layers.layerdata import numpy_forward

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # small tensors: threads only contend on a shared machine
from intertwine.torch import (  # noqa: E402
    EquivariantConv2d,
    EquivariantConv3d,
    EquivariantLinear,
    check_equivariance,
)

MARON = "S(5): V**2 -> V**2"
C4_GRID3 = "Perm(9; (0 6 8 2)(1 3 7 5)): 1 -> V"  # C4 turning a 3x3 grid counterclockwise
D4_GRID3 = "Perm(9; (0 6 8 2)(1 3 7 5), (0 6)(1 7)(2 8)): 1 -> V"  # and (x, y) -> (x, -y)
SPECS = [MARON, "S(3) x S(4): V[0]*V[1] -> V[0]*V[1]", "C(8): V -> 3*1",
         "O(3): V**3 -> V", "SO(1,3): V**2 -> V**2", "S(4): V -> V**3"]


def permutation_matrix(p):
    m = np.zeros((len(p), len(p)))
    m[p, np.arange(len(p))] = 1
    return m


def max_error_under_permutations(layer, rng, n=5, k=2, samples=4):
    """Independent of the file: uniformly random permutations of S(n) acting on V**k."""
    x = rng.normal(size=(3, layer.in_channels, n**k))
    dtype = layer.weight.dtype
    y = layer(torch.as_tensor(x, dtype=dtype)).detach().double().numpy()
    worst = 0.0
    for _ in range(samples):
        g = permutation_matrix(rng.permutation(n))
        rho = g
        for _ in range(k - 1):
            rho = np.kron(rho, g)
        moved = layer(torch.as_tensor(x @ rho.T, dtype=dtype)).detach().double().numpy()
        worst = max(worst, np.abs(moved - y @ rho.T).max())
    return worst


@pytest.fixture(scope="module")
def maron_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("layers") / "maron.h5"
    intertwine.compute(MARON).save(path)
    return path


@pytest.mark.parametrize("source", ["spec", "file", "basis"])
def test_maron_layer_counts_and_equivariance(source, maron_file):
    basis = {"spec": MARON, "file": str(maron_file), "basis": intertwine.load(maron_file)}
    rng = np.random.default_rng(0)
    for dtype, tolerance in ((torch.float32, 1e-5), (torch.float64, 1e-12)):
        layer = EquivariantLinear(basis[source], 3, 4, dtype=dtype)
        assert sum(p.numel() for p in layer.parameters()) == 3 * 4 * 15 + 4 * 2
        with torch.no_grad():
            layer.bias.normal_()
        assert max_error_under_permutations(layer, rng) < tolerance
        assert check_equivariance(layer) < tolerance


CASES = [(spec, "auto") for spec in SPECS] + [
    (spec, strategy) for spec in (MARON, "O(3): V**3 -> V") for strategy in ("coo", "sparse")]


@pytest.mark.parametrize("spec,strategy", CASES)
def test_layer_equals_the_numpy_reference(spec, strategy):
    layer = EquivariantLinear(spec, 2, 3, strategy=strategy, dtype=torch.float64)
    if layer.bias is not None:
        with torch.no_grad():
            layer.bias.normal_()
    x = np.random.default_rng(1).normal(size=(4, 2, layer.dim_in))
    got = layer(torch.as_tensor(x)).detach().numpy()
    bias = None if layer.bias is None else layer.bias.detach().numpy()
    want = numpy_forward(spec, layer.weight.detach().numpy(), x, bias)
    assert np.abs(got - want).max() < 1e-12
    # W is the weighted sum of the dense basis, built independently here
    dense = intertwine.compute(spec).dense().astype(float)
    expected = np.einsum("ocm,mij->ocij", layer.weight.detach().numpy(), dense)
    assert np.abs(layer.weight_matrix().detach().numpy() - expected).max() < 1e-12
    assert check_equivariance(layer, n_samples=4) < 1e-10


def test_bias_is_a_combination_of_invariant_vectors():
    layer = EquivariantLinear(MARON, 1, 2, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.zero_()
        layer.bias.copy_(torch.tensor([[2.0, 3.0], [5.0, 7.0]]))
    y = layer(torch.zeros(1, 1, 25, dtype=torch.float64)).reshape(2, 5, 5)
    # the orbits of S(5) on pairs: the diagonal and the rest (numbered in index order)
    assert torch.equal(y[0], torch.full((5, 5), 3.0, dtype=torch.float64).fill_diagonal_(2))
    assert torch.equal(y[1], torch.full((5, 5), 7.0, dtype=torch.float64).fill_diagonal_(5))
    # O(3) on V has no invariant vector: no bias, whatever is asked
    assert EquivariantLinear("O(3): V**3 -> V", bias=True).bias is None
    assert EquivariantLinear(MARON, bias=False).bias is None


def test_check_equivariance_detects_a_broken_basis():
    b = intertwine.compute("S(4): V -> V")
    b.pattern = b.pattern.copy()
    b.pattern[0, 1], b.pattern[2, 2] = 0, 1  # two positions moved to the other element
    layer = EquivariantLinear(b, 2, 2, dtype=torch.float64, strategy="pattern")
    assert check_equivariance(layer) > 1e-3


def test_gradients_reach_the_shared_weights():
    layer = EquivariantLinear(MARON, 2, 2)
    layer(torch.randn(4, 2, 25)).pow(2).sum().backward()
    assert layer.weight.grad.shape == (2, 2, 15) and layer.weight.grad.abs().sum() > 0
    assert layer.bias.grad.shape == (2, 2)


def test_bad_input_shape_is_a_clear_error():
    layer = EquivariantLinear(MARON, 3, 1)
    with pytest.raises(ValueError, match=r"expected input of shape \(\.\.\., 3, 25\)"):
        layer(torch.randn(4, 2, 25))
    with pytest.raises(ValueError, match="unknown strategy"):
        EquivariantLinear(MARON, strategy="dense")
    with pytest.raises(ValueError, match="coo"):
        EquivariantLinear("O(3): V**3 -> V", strategy="pattern")
    with pytest.raises(OSError, match="missing.h5"):  # a path, not a spec
        EquivariantLinear("missing.h5")
    with pytest.raises(ValueError, match="unknown group"):
        EquivariantLinear("Q(5): V -> V")


@pytest.mark.parametrize("spec,in_channels", [(MARON, 4), ("O(3): V**3 -> V", 3),
                                              ("C(8): V -> 3*1", 5)])
def test_initialisation_keeps_the_variance(spec, in_channels):
    """Averaged over output coordinates and over draws of weights and unit-variance
    inputs, the output variance is the input variance (the expectation is exact: the
    tolerance covers sampling only)."""
    torch.manual_seed(0)
    layer = EquivariantLinear(spec, in_channels, 32, bias=False, dtype=torch.float64)
    ratios = []
    for _ in range(50):
        layer.reset_parameters()
        x = torch.randn(16, in_channels, layer.dim_in, dtype=torch.float64)
        with torch.no_grad():
            ratios.append(float(layer(x).pow(2).mean() / x.pow(2).mean()))
    assert abs(np.mean(ratios) - 1) < 0.1
    # He: the variance doubled for a ReLU to follow
    doubled = layer.applier.init_std(in_channels, gain=2**0.5)
    assert np.allclose(doubled**2, 2 * layer.applier.init_std(in_channels) ** 2)


def test_initialisation_uses_the_element_norms():
    """Elements of larger norm get proportionally smaller weights."""
    layer = EquivariantLinear(MARON, 2, 1000, bias=False, dtype=torch.float64)
    dense = intertwine.compute(MARON).dense().astype(float)
    norms = (dense**2).sum(axis=(1, 2))
    std = layer.weight.detach().numpy().std(axis=(0, 1))
    assert np.allclose(std, np.sqrt(25 / (2 * 15 * norms)), rtol=0.1)


# -- torch.compile ------------------------------------------------------------------------

@pytest.mark.parametrize("strategy", ["pattern", "coo", "sparse"])
def test_compiles_without_graph_breaks(strategy):
    """fullgraph=True fails on any graph break; the aot_eager backend traces forward and
    backward through Dynamo and AOTAutograd without needing a C++ compiler."""
    torch._dynamo.reset()
    layer = EquivariantLinear(MARON, 2, 3, strategy=strategy)
    compiled = torch.compile(layer, fullgraph=True, backend="aot_eager")
    x = torch.randn(4, 2, 25)
    y = compiled(x)
    assert torch.allclose(y, layer(x), atol=1e-6)
    y.sum().backward()
    assert layer.weight.grad is not None
    conv = EquivariantConv2d(C4_GRID3, 2, 3, kernel_size=3)
    image = torch.randn(1, 2, 7, 7)
    assert torch.allclose(torch.compile(conv, fullgraph=True, backend="aot_eager")(image),
                          conv(image), atol=1e-6)


# -- convolutions ---------------------------------------------------------------------------

def test_c4_convolution_rotates_with_its_input():
    """torch.rot90 turns images counterclockwise, as the contract's grid generator."""
    conv = EquivariantConv2d(C4_GRID3, 2, 3, kernel_size=3, dtype=torch.float64)
    with torch.no_grad():
        conv.bias.normal_()
    assert conv.weight.shape == (3, 2, 3)  # centre, edges, corners
    x = torch.randn(2, 2, 11, 11, dtype=torch.float64)
    for k in range(4):
        turned = conv(torch.rot90(x, k, (2, 3)))
        assert (turned - torch.rot90(conv(x), k, (2, 3))).abs().max() < 1e-12
    # a generic kernel is not equivariant: the test can fail
    plain = torch.nn.Conv2d(2, 3, 3, padding=1, dtype=torch.float64)
    assert (plain(torch.rot90(x, 1, (2, 3))) - torch.rot90(plain(x), 1, (2, 3))).abs().max() > 1e-3
    assert check_equivariance(conv) < 1e-12


def test_d4_convolution_with_strides_and_export():
    conv = EquivariantConv2d(D4_GRID3, 3, 2, stride=2, kernel_size=3, dtype=torch.float64)
    assert conv.weight.shape == (2, 3, 3)
    assert check_equivariance(conv) < 1e-12
    x = torch.randn(2, 3, 9, 9, dtype=torch.float64)
    flipped = conv(torch.flip(x, (2,)))  # (x, y) -> (x, -y): rows reversed
    assert (flipped - torch.flip(conv(x), (2,))).abs().max() < 1e-12
    plain = conv.export()
    assert type(plain) is torch.nn.Conv2d
    assert (plain(x) - conv(x)).abs().max() < 1e-12


def test_conv_weight_layout_follows_the_contract():
    """B_m of shape (c_out k^2, c_in) reshaped (c_out, k, k, c_in), moved to
    (c_out, c_in, k, k): checked on one element against the dense basis."""
    basis = intertwine.compute(C4_GRID3)
    conv = EquivariantConv2d(basis, 1, 1, kernel_size=3, bias=False, dtype=torch.float64)
    dense = basis.dense().astype(float)
    for m in range(basis.n_basis):
        with torch.no_grad():
            conv.weight.zero_()
            conv.weight[0, 0, m] = 1
        want = dense[m].reshape(1, 3, 3, 1).transpose(0, 3, 1, 2)
        assert np.array_equal(conv.conv_weight().detach().numpy(), want)


@pytest.mark.parametrize("spec,layer_class", [
    ("D(4): reg -> reg * Grid(3)", EquivariantConv2d),
    ("D(4): irr(1, 1) -> reg * Grid(3)", EquivariantConv2d),
    ("Octa: reg -> V * Grid(3)", EquivariantConv3d)])
def test_pattern_conv_weight_is_one_gather_into_the_conv_layout(spec, layer_class):
    """The pattern layer gathers its conv weight straight in conv layout: equal to
    sum_m w[o, c, m] B_m moved to (c_out, c_in, k, ...) from the dense basis, and its
    gradient equal to that of the generic (coo) route."""
    basis = intertwine.compute(spec)
    fast = layer_class(basis, 3, 2, dtype=torch.float64)
    slow = layer_class(basis, 3, 2, dtype=torch.float64, strategy="coo")
    if basis.pattern is not None:  # irr(1, 1) is stored as coo: the generic route twice
        assert fast.applier.name == "pattern" and fast.conv_index is not None
    with torch.no_grad():
        fast.weight.normal_()
        slow.weight.copy_(fast.weight)
    k, ndim = fast.kernel_size, fast.ndim
    c_out, c_in = fast.data.c_out, fast.data.c_in
    kernels = basis.dense().astype(float).reshape(basis.n_basis, c_out, k ** ndim, c_in)
    want = np.einsum("ocm,mavb->oacbv", fast.weight.detach().numpy(), kernels)
    want = want.reshape(2 * c_out, 3 * c_in, *(k,) * ndim)
    assert np.allclose(fast.conv_weight().detach().numpy(), want, atol=1e-12)
    x = torch.randn(2, 3 * c_in, *(k + 2,) * ndim, dtype=torch.float64)
    for layer in (fast, slow):
        layer(x).square().sum().backward()
    assert torch.allclose(fast.weight.grad, slow.weight.grad, atol=1e-9)
    assert fast.weight.grad.abs().max() > 0


def test_a_conv_too_large_for_the_index_gathers_through_its_pattern(monkeypatch):
    """Above CONV_INDEX_ENTRIES the layer keeps no conv-layout index, and gives the same
    weight and gradient through its pattern."""
    from intertwine.torch import conv as conv_module

    basis = intertwine.compute("Octa: reg -> reg * Grid(3)")
    indexed = EquivariantConv3d(basis, 2, 2, dtype=torch.float64)
    monkeypatch.setattr(conv_module, "CONV_INDEX_ENTRIES", 10)
    plain = EquivariantConv3d(basis, 2, 2, dtype=torch.float64)
    assert indexed.conv_index is not None and plain.conv_index is None
    with torch.no_grad():
        indexed.weight.normal_()
        plain.weight.copy_(indexed.weight)
    assert torch.equal(indexed.conv_weight(), plain.conv_weight())
    x = torch.randn(1, 2 * basis.dim_in, 5, 5, 5, dtype=torch.float64)
    for layer in (indexed, plain):
        layer(x).square().sum().backward()
    assert torch.allclose(indexed.weight.grad, plain.weight.grad, atol=1e-12)


def cube_turns(k):
    """Perm(k^3; ...) of Octa's generators on a k^3 voxel grid (contract 5.2):
    voxel (a, b, c) at (a, b, c) - (k-1)/2, quarter turns about z and about x."""
    h = (k - 1) / 2
    voxels = list(itertools.product(range(k), repeat=3))
    index = {v: (v[0] * k + v[1]) * k + v[2] for v in voxels}

    def cycles(f):
        image = {index[v]: index[tuple(int(round(t + h)) for t in f(*(np.array(v) - h)))]
                 for v in voxels}
        seen, out = set(), []
        for start in sorted(image):
            cycle, p = [], start
            while p not in seen:
                seen.add(p)
                cycle.append(p)
                p = image[p]
            if len(cycle) > 1:
                out.append("(" + " ".join(map(str, cycle)) + ")")
        return "".join(out)

    turn_z = cycles(lambda x, y, z: (-y, x, z))
    turn_x = cycles(lambda x, y, z: (x, -z, y))
    return f"Perm({k**3}; {turn_z}, {turn_x}): 1 -> V"


def test_octahedral_3d_convolution():
    conv = EquivariantConv3d(cube_turns(3), 2, 2, kernel_size=3, dtype=torch.float64)
    assert conv.weight.shape[-1] == 4  # centre, faces, edges, corners
    assert check_equivariance(conv, n_samples=4) < 1e-12
    x = torch.randn(1, 2, 5, 5, 5, dtype=torch.float64)
    # the quarter turn about z, (x, y, z) -> (-y, x, z), moves axes 2 (x) and 3 (y)
    turned = conv(torch.rot90(x, 1, (2, 3)))
    assert (turned - torch.rot90(conv(x), 1, (2, 3))).abs().max() < 1e-12
    assert (conv.export()(x) - conv(x)).abs().max() < 1e-12


def test_conv_needs_a_kernel_basis():
    with pytest.raises(ValueError, match="Grid"):
        EquivariantConv2d(MARON)
    with pytest.raises(ValueError, match=r"Rout \* Grid\(k\), in that order"):
        EquivariantConv2d("C(4): V -> Grid(3) * V")
    with pytest.raises(ValueError, match="odd kernel"):
        EquivariantConv2d("Perm(4; (0 2 3 1)): 1 -> V", kernel_size=2)
    conv = EquivariantConv2d("Perm(4; (0 2 3 1)): 1 -> V", kernel_size=2, padding=0)
    assert conv(torch.randn(1, 1, 5, 5)).shape == (1, 1, 4, 4)


# -- kernel bases with Grid(k) (contract 5.2) ------------------------------------------------

def turn_regular_fields(t, field_dim):
    """The C4 generator on images of regular C(4) fields (V: cyclic shifts, contract 1):
    the image turned counterclockwise, each field's 4 components shifted by one."""
    t = torch.rot90(t, 1, (2, 3))
    b, channels = t.shape[:2]
    t = t.reshape(b, channels // field_dim, field_dim, *t.shape[2:])
    return torch.roll(t, 1, 2).reshape(b, channels, *t.shape[3:])


def test_c4_cnn_of_regular_fields_rotates_every_feature_map():
    """A C4 CNN: lifting (trivial -> regular), regular -> regular, pooling to trivial.
    Rotating the input turns every feature map and shifts its regular fields."""
    lift = EquivariantConv2d("C(4): 1 -> V * Grid(5)", 1, 3, dtype=torch.float64)
    hidden = EquivariantConv2d("C(4): V -> V * Grid(3)", 3, 2, dtype=torch.float64)
    pool = EquivariantConv2d("C(4): V -> Grid(3)", 2, 1, dtype=torch.float64)
    assert (lift.weight.shape[-1], hidden.weight.shape[-1], pool.weight.shape[-1]) == (25, 36, 9)
    for conv in (lift, hidden, pool):
        with torch.no_grad():
            conv.bias.normal_()
        assert check_equivariance(conv, n_samples=3) < 1e-12
    x = torch.randn(2, 1, 13, 13, dtype=torch.float64)
    a = torch.relu(lift(x))
    b = torch.relu(hidden(a))
    c = pool(b)
    turned = torch.rot90(x, 1, (2, 3))
    a_t = torch.relu(lift(turned))
    assert (a_t - turn_regular_fields(a, 4)).abs().max() < 1e-12
    b_t = torch.relu(hidden(a_t))
    assert (b_t - turn_regular_fields(b, 4)).abs().max() < 1e-12
    assert (pool(b_t) - torch.rot90(c, 1, (2, 3))).abs().max() < 1e-12


@pytest.mark.parametrize("spec", ["D(4): reg -> reg * Grid(3)", "C(4): irr(1) -> irr(1) * Grid(3)",
                                  "C(4): 1 -> Grid(3)"])
def test_grid_kernel_bases_make_equivariant_convolutions(spec):
    conv = EquivariantConv2d(spec, 2, 2, dtype=torch.float64)
    if conv.bias is not None:
        with torch.no_grad():
            conv.bias.normal_()
    assert check_equivariance(conv, n_samples=4) < 1e-12
    x = torch.randn(1, conv.weight.shape[1] * conv.data.c_in, 7, 7, dtype=torch.float64)
    assert (conv.export()(x) - conv(x)).abs().max() < 1e-12


def test_octa_vector_fields_turn_with_the_volume():
    """Octa: V -> V * Grid(3): vector fields on voxels.  The quarter turn about z moves the
    voxels (torch.rot90 over the x and y axes) and turns each vector, (x, y, z) -> (-y, x, z)."""
    conv = EquivariantConv3d("Octa: V -> V * Grid(3)", 2, 2, dtype=torch.float64)
    turn_z = torch.tensor([[0.0, -1, 0], [1, 0, 0], [0, 0, 1]], dtype=torch.float64)

    def turn(t):
        t = torch.rot90(t, 1, (2, 3))
        fields = t.reshape(t.shape[0], -1, 3, *t.shape[2:])
        return torch.einsum("ab,ncbxyz->ncaxyz", turn_z, fields).reshape(t.shape)

    x = torch.randn(1, 6, 5, 5, 5, dtype=torch.float64)
    assert (conv(turn(x)) - turn(conv(x))).abs().max() < 1e-12
    assert check_equivariance(conv, n_samples=4) < 1e-12
    assert conv.bias is None  # V has no invariant vector


# -- building from a file: what is read and imported, and what waits for a check ----------

LAYER_IMPORTS = """
import sys
from intertwine.torch import {cls}
layer = {cls}(sys.argv[1])
print(",".join(m for m in ("scipy", "intertwine.io.write", "intertwine.api")
               if m in sys.modules))
"""


@pytest.mark.parametrize("cls, spec", [
    ("EquivariantConv2d", "D(4): reg -> reg * Grid(5)"),   # permutation fields: orbits
    ("EquivariantConv2d", "C(4): irr(1) -> irr(1) * Grid(3)"),  # rotation matrices
    ("EquivariantLinear", MARON),
    ("EquivariantLinear", "C(4): irr(1) -> irr(1)"),       # a dense null space, no orbits
])
def test_a_layer_from_a_file_imports_neither_scipy_nor_the_writer(tmp_path, cls, spec):
    import subprocess
    import sys

    path = tmp_path / "basis.h5"
    intertwine.compute(spec).save(path)
    run = subprocess.run([sys.executable, "-c", LAYER_IMPORTS.format(cls=cls), str(path)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == ""


@pytest.mark.parametrize("spec, layer, kwargs", [
    ("D(4): reg -> reg * Grid(5)", EquivariantConv2d, {"image_size": 11}),
    ("C(4): irr(1) -> irr(1) * Grid(3)", EquivariantConv2d, {"image_size": 9}),
    (MARON, EquivariantLinear, {}),
    ("O(3): V**3 -> V", EquivariantLinear, {}),  # Lie generators too
])
def test_generators_read_lazily_still_check_the_layer(tmp_path, spec, layer, kwargs):
    """load keeps the stored generators as plain arrays and building a layer does not
    convert them; check_equivariance then turns them into matrices, on demand."""
    import scipy.sparse as sp

    from intertwine.basis import CooMatrix

    path = tmp_path / "basis.h5"
    computed = intertwine.compute(spec)
    computed.save(path)
    built = layer(path, 2, 3, dtype=torch.float64)
    gens = built.data.basis.generators
    kinds = ("in_", "out", "lie_in", "lie_out")
    assert all(isinstance(m, CooMatrix) for k in kinds for m in gens.raw(k))
    assert check_equivariance(built, n_samples=4, **kwargs) < 1e-10
    for k in kinds:  # now scipy matrices, equal to the computed ones
        got, want = getattr(gens, k), getattr(computed.generators, k)
        assert len(got) == len(want) and all(sp.issparse(m) for m in got)
        for a, b in zip(got, want, strict=True):
            np.testing.assert_array_equal(a.toarray(), b.toarray())


@pytest.mark.parametrize("spec", ["S(4): V -> V**2", "C(4): 1 -> irr(1) + 2*1",
                                  "O(2): V -> V**2", "D(4): V -> reg", "GL(3): V -> 1"])
def test_invariant_vectors_without_scipy_are_scipys(spec):
    """The bias's invariant vectors, from plain arrays, scipy matrices or dense ones: the
    same orbits, or the same null space as scipy.linalg.null_space."""
    import scipy.linalg

    from intertwine.layers.layerdata import invariant_vectors

    b = intertwine.compute(spec)
    g = b.generators
    raw = invariant_vectors(g.raw("out"), g.raw("lie_out"), b.dim_out)
    scipys = invariant_vectors(g.out, g.lie_out, b.dim_out)
    dense = invariant_vectors([m.toarray() for m in g.out],
                              [m.toarray() for m in g.lie_out], b.dim_out)
    for other in (scipys, dense):
        assert raw[0] == other[0]
        for x, y in zip(raw[1:], other[1:]):
            assert (x is None) == (y is None)
            if x is not None:
                np.testing.assert_array_equal(x, y)
    count, orbit, vectors = raw
    if vectors is not None:
        constraints = [m.toarray() - np.eye(b.dim_out) for m in g.out]
        constraints += [m.toarray() for m in g.lie_out]
        want = scipy.linalg.null_space(np.vstack(constraints), rcond=1e-10)
        assert count == want.shape[1]
        np.testing.assert_allclose(vectors @ vectors.T, np.eye(count), atol=1e-12)
        np.testing.assert_allclose(want @ (want.T @ vectors.T), vectors.T, atol=1e-12)
    else:  # one orbit per label, numbered by first appearance
        assert orbit[0] == 0 and np.all(np.diff(np.maximum.accumulate(orbit)) <= 1)
        for m in g.out:
            assert np.array_equal(orbit[m.tocoo().row], orbit[m.tocoo().col])


# irrational bases: C(5)'s and D(3)'s irreducible representations (cos 72 degrees, sqrt 3)
IRRATIONAL = ["D(3): V*V -> irr(1, 1) + 1", "C(5): sym(irr(2), 2) -> sym(sym(V, 2), 2)"]


@pytest.mark.parametrize("spec", IRRATIONAL)
@pytest.mark.parametrize("strategy", ["auto", "coo", "sparse"])
def test_a_float32_layer_made_float64_is_as_exact_as_one_made_so(spec, strategy):
    """.double() rebuilds the basis buffers from the file's float64 values, not from their
    float32 rounding (which left such a layer equivariant to 1e-7 only)."""
    basis = intertwine.compute(spec)
    made = EquivariantLinear(basis, 2, 3, strategy=strategy, dtype=torch.float64)
    cast = EquivariantLinear(basis, 2, 3, strategy=strategy).double()
    assert check_equivariance(cast) < 1e-13
    for (name, a), (_, b) in zip(made.named_buffers(), cast.named_buffers(), strict=True):
        assert a.dtype == b.dtype and torch.equal(a, b), name
    assert check_equivariance(cast.float()) < 1e-5  # and back: float32 rounding again


def test_float_buffers_come_back_from_float64_after_a_float32_round_trip():
    """The mechanism on its own, with a value float32 cannot hold (the conv layers' bias
    vectors are rational in every kernel basis the tests have, so they cannot show it)."""
    from intertwine.torch.precision import Float64Buffers

    module = Float64Buffers()
    module.register_buffer("v", torch.tensor([np.pi, 2 ** 0.5], dtype=torch.float64))
    module.float()
    assert module.v.dtype == torch.float32
    assert torch.equal(module.double().v, torch.tensor([np.pi, 2 ** 0.5], dtype=torch.float64))


def test_conv_bias_vectors_are_kept_in_float64():
    cast = EquivariantConv2d(C4_GRID3, 2, 3, kernel_size=3).double()
    assert "bias_vectors" in cast._float64_masters
    made = EquivariantConv2d(C4_GRID3, 2, 3, kernel_size=3, dtype=torch.float64)
    assert torch.equal(made.bias_vectors, cast.bias_vectors)
