"""Nonlinearities, pooling and batch normalisation between layers (docs/layers_between.rst):
blocks read from the field's spec, equivariance under random group elements (torch and
jax, both layouts), and clear refusals."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from intertwine.layers.fields import Field
from intertwine.torch import (
    EquivariantBatchNorm,
    GatedNonlinearity,
    GroupPooling,
    NormNonlinearity,
    PointwiseNonlinearity,
)

rng = np.random.default_rng(25)

PERMUTATION = ["C(4): 3*reg", "D(4): reg + Grid(3)", "S(4): V**2 + V + 1", "C(4): reg * Grid(2)"]
IRREDUCIBLE = ["C(4): 2*irr(1) + irr(2) + 1", "D(4): irr(1, 1) + 2*irr(0, 2) + irr(1, 0)",
               "C(5): irr(1) + 2*irr(2)", "D(6): 3*irr(1, 2) + irr(1, 1)", "O(3): 2 + V"]
GATED = ["C(4): 3*1 + 2*irr(1) + irr(2)", "D(5): 2 + irr(1, 1) + irr(1, 2)",
         "O(3): 2*1 + 2*V"]
BATCH_NORM = ["C(4): 2*reg + irr(1) + 1", "D(4): irr(1, 1) + Grid(3) + 2", "O(3): V + 1"]


def act(x: torch.Tensor, g: np.ndarray, conv: bool = False) -> torch.Tensor:
    """rho(g) on every field of x: (..., C, dim) or conv (B, C*dim, *S)."""
    rho = torch.as_tensor(g, dtype=x.dtype)
    if not conv:
        return x @ rho.T
    dim = rho.shape[0]
    y = x.reshape(x.shape[0], -1, dim, *x.shape[2:])
    return torch.einsum("ij,bcj...->bci...", rho, y).reshape(x.shape)


def check(module, field_in, field_out, conv=False, samples=4, channels=3, train=False):
    f_in, f_out = Field.of(field_in), Field.of(field_out)
    module = module.double().train(train)
    worst = 0.0
    for g_in, g_out in f_in.random_elements(samples, rng, f_out):
        shape = (5, channels * f_in.dim, 4, 4) if conv else (5, channels, f_in.dim)
        x = torch.randn(shape, dtype=torch.float64)
        with torch.no_grad():
            y = module(x)
            worst = max(worst, float((module(act(x, g_in, conv)) - act(y, g_out, conv))
                                     .abs().max()))
        assert float(y.abs().max()) > 1e-3  # not trivially zero
    return worst


def test_blocks_are_read_from_the_spec():
    field = Field.of("C(4): 2*irr(1) + 1 + reg")
    assert [(b.kind, b.index.tolist()) for b in field.blocks] == [
        ("irreducible", [0, 1]), ("irreducible", [2, 3]), ("trivial", [4]),
        ("permutation", [5, 6, 7, 8])]
    assert field.blocks[-1].regular and not field.permutation
    assert Field.of("C(4): 3*reg").permutation
    assert [b.kind for b in Field.of("D(4): 2 + irr(0, 0) + irr(1, 0)").blocks] == [
        "trivial", "trivial", "trivial", "irreducible"]
    interleaved = Field.of("C(4): reg * 2").blocks  # R * k: the copies interleave
    assert [b.index.tolist() for b in interleaved] == [[0, 2, 4, 6], [1, 3, 5, 7]]
    assert Field.of("O(3): V").blocks[0].kind == "irreducible"
    assert Field.of("S(4): V").blocks[0].kind == "permutation"  # 1 + standard: reducible
    assert Field.of("SO(3): V**2").blocks[0].kind == "other"


@pytest.mark.parametrize("spec", PERMUTATION)
@pytest.mark.parametrize("conv", [False, True])
def test_pointwise_on_permutation_fields(spec, conv):
    assert check(PointwiseNonlinearity(spec, conv=conv), spec, spec, conv) < 1e-12


@pytest.mark.parametrize("spec", ["C(4): irr(1)", "O(3): V", "D(4): irr(1, 0)",
                                  "SO(3): 1 + V"])
def test_pointwise_refuses_other_fields(spec):
    with pytest.raises(ValueError, match="does not act by permutation matrices"):
        PointwiseNonlinearity(spec)


def test_pointwise_would_break_equivariance_on_irreps():
    """Why the refusal: relu on irr(1) of C(4) is not equivariant."""
    field = Field.of("C(4): irr(1)")
    x = torch.randn(8, 1, 2, dtype=torch.float64)
    g = field.random_elements(8, rng)
    assert max(float((torch.relu(act(x, r)) - act(torch.relu(x), r)).abs().max())
               for r in g) > 0.1


@pytest.mark.parametrize("spec", IRREDUCIBLE + PERMUTATION[:1])
@pytest.mark.parametrize("conv", [False, True])
def test_norm_nonlinearity(spec, conv):
    module = NormNonlinearity(spec, conv=conv)
    with torch.no_grad():
        module.bias.uniform_(-0.5, 0.5)
    assert len(module.bias) == len(Field.of(spec).blocks)
    assert check(module, spec, spec, conv) < 1e-12


def test_norm_nonlinearity_scales_each_block_by_fn_of_its_norm():
    module = NormNonlinearity("C(4): irr(1) + 1", fn=torch.nn.functional.softplus).double()
    with torch.no_grad():
        module.bias.copy_(torch.tensor([0.3, -0.2]))
    x = torch.tensor([[3.0, 4.0, -2.0]], dtype=torch.float64)
    y = module(x)
    f = torch.nn.functional.softplus
    expected = torch.cat([x[:, :2] * f(torch.tensor(5.3)) / 5, -f(torch.tensor(1.8))[None, None]],
                         dim=1)
    assert torch.allclose(y, expected.double())


@pytest.mark.parametrize("spec", GATED)
@pytest.mark.parametrize("conv", [False, True])
def test_gated_nonlinearity(spec, conv):
    module = GatedNonlinearity(spec, conv=conv)
    out = module.out_field
    assert out.dim == Field.of(spec).dim - len(out.blocks)
    assert check(module, spec, out.spec, conv) < 1e-12


@pytest.mark.parametrize("spec, words", [
    ("C(4): 2*1 + 3*irr(1)", "3 blocks"), ("C(4): irr(1) + 1", "m\\*1 \\+ R"),
    ("C(4): 2*irr(1)", "m\\*1 \\+ R")])
def test_gated_refuses_a_wrong_count(spec, words):
    with pytest.raises(ValueError, match=words):
        GatedNonlinearity(spec)


@pytest.mark.parametrize("spec", ["C(4): 3*reg", "D(3): 2*reg", "C(2) x C(3): reg[0]*1 + reg[1]"])
@pytest.mark.parametrize("mode", ["max", "mean"])
@pytest.mark.parametrize("conv", [False, True])
def test_group_pooling_gives_invariants(spec, mode, conv):
    module = GroupPooling(spec, mode=mode, conv=conv)
    k = len(Field.of(spec).blocks)
    assert check(module, spec, f"{spec.split(':')[0]}: {k}", conv) < 1e-12
    x = torch.randn(2, 1, Field.of(spec).dim)
    y = GroupPooling(spec, mode=mode)(x)
    first = Field.of(spec).blocks[0].index
    expected = x[..., first].amax(-1) if mode == "max" else x[..., first].mean(-1)
    assert torch.allclose(y[..., 0], expected)


@pytest.mark.parametrize("spec", ["C(4): irr(1)", "C(4): reg + 1", "S(4): V"])
def test_group_pooling_needs_regular_fields(spec):
    with pytest.raises(ValueError, match="k\\*reg"):
        GroupPooling(spec)


@pytest.mark.parametrize("spec", BATCH_NORM)
@pytest.mark.parametrize("conv", [False, True])
@pytest.mark.parametrize("channels", [None, 3])
def test_batch_norm_equivariant_in_training_and_eval(spec, conv, channels):
    module = EquivariantBatchNorm(spec, conv=conv, channels=channels)
    with torch.no_grad():
        module.weight.uniform_(0.5, 2)
        module.bias.normal_()
    assert check(module, spec, spec, conv, train=True) < 1e-10
    module.train()
    for _ in range(3):  # running statistics from a few batches
        shape = (6, 3 * Field.of(spec).dim, 4, 4) if conv else (6, 3, Field.of(spec).dim)
        module(torch.randn(shape, dtype=torch.float64) * 3 + 1)
    assert check(module, spec, spec, conv, train=False) < 1e-10


def test_batch_norm_normalises():
    spec = "C(4): reg + irr(1) + 1"
    module = EquivariantBatchNorm(spec, channels=2).double().train()
    x = torch.randn(4000, 2, 7, dtype=torch.float64) * 3 + 2
    y = module(x)
    trivial, reg, irr = y[..., 6].detach(), y[..., :4].detach(), y[..., 4:6].detach()
    zeros, ones = torch.zeros(2, dtype=y.dtype), torch.ones(2, dtype=y.dtype)
    assert torch.allclose(trivial.mean(0), zeros, atol=1e-8)
    assert torch.allclose(trivial.var(0, unbiased=False), ones, atol=1e-4)
    assert torch.allclose(reg.mean((0, 2)), zeros, atol=1e-8)
    assert torch.allclose(reg.var((0, 2), unbiased=False), ones, atol=1e-4)
    assert torch.allclose(irr.square().sum(-1).mean(0) / 2, ones, atol=1e-4)
    assert torch.allclose(module.running_mean[:, -1], 0.1 * 2 * ones, atol=0.02)
    assert torch.allclose(module.running_mean[:, 1], zeros)  # irr(1): never shifted


@pytest.mark.parametrize("text, words", [("C(4): reg -> reg", "without an arrow"),
                                         ("C(4) reg", "expected ':' after the group"),
                                         ("C(4): irr(7)", "irr")])
def test_bad_fields_are_clear_errors(text, words):
    with pytest.raises(ValueError, match=words):
        Field.of(text)


def test_conv_pipeline_is_invariant_under_rotations():
    """EquivariantConv2d -> norm -> ReLU -> BN -> group pooling: rotating the image by a
    quarter turn leaves the pooled features rotated (as images), unchanged per pixel."""
    from intertwine.torch import EquivariantConv2d

    conv = EquivariantConv2d("C(4): 1 -> reg * Grid(3)", 1, 4).double()
    relu = PointwiseNonlinearity("C(4): 4*reg", conv=True)
    bn = EquivariantBatchNorm("C(4): reg", conv=True, channels=4).double().eval()
    pool = GroupPooling("C(4): reg", conv=True)
    x = torch.randn(2, 1, 9, 9, dtype=torch.float64)
    y = pool(bn(relu(conv(x))))
    y_rot = pool(bn(relu(conv(torch.rot90(x, 1, dims=(2, 3))))))
    assert torch.allclose(y_rot, torch.rot90(y, 1, dims=(2, 3)), atol=1e-10)


# -- jax: the same functions, pure -------------------------------------------------------

def jax_check(fn, field_in, field_out, conv=False, samples=3, channels=2):
    jax = pytest.importorskip("jax")
    f_in, f_out = Field.of(field_in), Field.of(field_out)
    worst = 0.0
    fn = jax.jit(fn)
    for g_in, g_out in f_in.random_elements(samples, rng, f_out):
        shape = (4, channels * f_in.dim, 3, 3) if conv else (4, channels, f_in.dim)
        x = torch.randn(shape, dtype=torch.float64)
        y = torch.as_tensor(np.array(fn(x.numpy().astype(np.float32)))).double()
        moved = torch.as_tensor(np.array(fn(act(x, g_in, conv).numpy().astype(np.float32))))
        worst = max(worst, float((moved.double() - act(y, g_out, conv)).abs().max()))
    return worst


@pytest.mark.parametrize("conv", [False, True])
def test_jax_between_layers_are_equivariant(conv):
    pytest.importorskip("jax")
    import intertwine.jax.between as jb

    spec = "C(4): 3*reg"
    assert jax_check(lambda x: jb.pointwise_nonlinearity(spec, x, conv=conv), spec, spec,
                     conv) < 1e-5
    for mode in ("max", "mean"):
        assert jax_check(lambda x, mode=mode: jb.group_pooling(spec, x, mode, conv), spec,
                         "C(4): 3", conv) < 1e-5
    spec = "D(4): irr(1, 1) + 2*irr(0, 2) + 1"
    params = jb.norm_init(spec)
    params["bias"] = params["bias"] + 0.3
    assert jax_check(lambda x: jb.norm_nonlinearity(params, spec, x, conv=conv), spec, spec,
                     conv) < 1e-5
    spec = "C(4): 3*1 + 2*irr(1) + irr(2)"
    out = jb.gated_out_field(spec)
    assert jax_check(lambda x: jb.gated_nonlinearity(spec, x, conv), spec, out, conv) < 1e-5
    spec = "C(4): 2*reg + irr(1) + 1"
    params, state = jb.batch_norm_init(spec, channels=2)
    assert jax_check(lambda x: jb.batch_norm(params, state, spec, x, True, conv)[0], spec,
                     spec, conv) < 1e-5


def test_jax_agrees_with_torch():
    jax = pytest.importorskip("jax")
    import intertwine.jax.between as jb

    spec = "C(4): 2*reg + irr(1) + 1"
    x = torch.randn(6, 2, 11, dtype=torch.float64)
    torch_bn = EquivariantBatchNorm(spec, channels=2).double().train()
    params, state = jb.batch_norm_init(spec, channels=2, dtype=np.float32)
    y, state = jb.batch_norm(params, state, spec, x.numpy().astype(np.float32))
    with torch.no_grad():
        expected = torch_bn(x)
    assert np.abs(np.asarray(y) - expected.numpy()).max() < 1e-4
    assert np.abs(np.asarray(state["var"]) - torch_bn.running_var.numpy()).max() < 1e-4
    y_eval, _ = jb.batch_norm(params, state, spec, x.numpy().astype(np.float32), train=False)
    with torch.no_grad():
        expected = torch_bn.eval()(x)
    assert np.abs(np.asarray(y_eval) - expected.numpy()).max() < 1e-4
    norm = NormNonlinearity(spec).double()
    with torch.no_grad():
        norm.bias.normal_()
        expected = norm(x)
    y = jb.norm_nonlinearity({"bias": norm.bias.detach().numpy()}, spec, x.numpy())
    assert np.abs(np.asarray(y) - expected.numpy()).max() < 1e-5
    assert jax.numpy.asarray(y).shape == (6, 2, 11)


def test_jax_refuses_as_torch_does():
    pytest.importorskip("jax")
    import intertwine.jax.between as jb

    with pytest.raises(ValueError, match="does not act by permutation matrices"):
        jb.pointwise_nonlinearity("C(4): irr(1)", np.zeros((1, 2)))
    with pytest.raises(ValueError, match="k\\*reg"):
        jb.group_pooling("C(4): irr(1)", np.zeros((1, 2)))


@pytest.mark.parametrize("conv", [False, True])
def test_batch_norm_of_regular_fields_is_torch_batch_norm(conv):
    """k*reg with channels: the fused path (F.batch_norm, one feature per block) equals
    the general one, and is equivariant in training and eval."""
    spec = "C(4): 3*reg"
    fused = EquivariantBatchNorm(spec, conv=conv, channels=3).double()
    general = EquivariantBatchNorm(spec, conv=conv, channels=3).double()
    general.fused = False
    assert fused.fused
    with torch.no_grad():
        for m in (fused, general):
            m.weight.copy_(torch.linspace(0.5, 2, 9).reshape(3, 3))
            m.bias.copy_(torch.linspace(-1, 1, 9).reshape(3, 3))
    shape = (6, 36, 4, 4) if conv else (6, 3, 12)
    x = torch.randn(shape, dtype=torch.float64) * 2 + 1
    assert torch.allclose(fused(x), general(x), atol=1e-12)
    n = x.numel() / 9
    assert torch.allclose(fused.running_mean, general.running_mean, atol=1e-12)
    assert torch.allclose(fused.running_var - 0.9, (general.running_var - 0.9) * n / (n - 1))
    assert check(fused, spec, spec, conv, train=True) < 1e-10
    assert check(fused, spec, spec, conv, train=False) < 1e-10


def test_norm_nonlinearity_has_finite_gradients_at_zero_blocks():
    """Backgrounds of feature maps give exactly zero irreducible blocks."""
    module = NormNonlinearity("C(4): irr(1) + 1").double()
    x = torch.zeros(2, 3, 3, dtype=torch.float64, requires_grad=True)
    module(x).sum().backward()
    assert torch.isfinite(x.grad).all() and torch.isfinite(module.bias.grad).all()
    jax = pytest.importorskip("jax")
    import intertwine.jax.between as jb

    grad = jax.grad(lambda v: jb.norm_nonlinearity(jb.norm_init("C(4): irr(1) + 1"),
                                                   "C(4): irr(1) + 1", v).sum())
    assert np.isfinite(np.asarray(grad(np.zeros((2, 3), np.float32)))).all()


def _irrep_labels(kind: str, n: int) -> list[str]:
    """Irreps of C(n) / D(n) named by the contract's rules (independent of the library)."""
    if kind == "C":
        return [f"irr({k})" for k in range(n // 2 + 1)]
    labels = ["irr(0, 0)", "irr(1, 0)"] + [f"irr(1, {k})" for k in range(1, (n + 1) // 2)]
    return labels + ([f"irr(0, {n // 2})", f"irr(1, {n // 2})"] if n % 2 == 0 else [])


@st.composite
def irrep_fields(draw):
    kind = draw(st.sampled_from(["C", "D"]))
    n = draw(st.integers(3, 6))
    labels = _irrep_labels(kind, n)
    terms = draw(st.lists(st.tuples(st.integers(1, 3), st.sampled_from(labels)), min_size=1,
                          max_size=3))
    spec = f"{kind}({n}): " + " + ".join(f"{m}*{label}" if m > 1 else label
                                         for m, label in terms)
    return spec, sum(m for m, _ in terms)


@settings(max_examples=15, deadline=None)
@given(irrep_fields())
def test_random_irrep_fields(drawn):
    spec, n_blocks = drawn
    field = Field.of(spec)
    assert len(field.blocks) == n_blocks
    assert all(b.kind in ("trivial", "irreducible") for b in field.blocks)
    norm = NormNonlinearity(spec)
    with torch.no_grad():
        norm.bias.uniform_(-0.3, 0.3)
    assert check(norm, spec, spec, samples=2) < 1e-12
    bn = EquivariantBatchNorm(spec, channels=3)
    assert check(bn, spec, spec, samples=2, train=True) < 1e-10


def test_check_equivariance_takes_the_between_modules():
    from intertwine.torch import check_equivariance

    modules = [PointwiseNonlinearity("C(4): 2*reg", conv=True),
               NormNonlinearity("D(4): irr(1, 1) + 1"),
               GatedNonlinearity("C(4): 2 + 2*irr(1)", conv=True),
               GroupPooling("D(4): 2*reg", mode="mean"),
               EquivariantBatchNorm("C(4): reg + irr(1)", channels=2).eval()]
    for module in modules:
        assert check_equivariance(module.double()) < 1e-12
    with pytest.raises(TypeError, match="between-layer module"):
        check_equivariance(torch.nn.ReLU())


# -- O(3) irreps (e3nn's basis): blocks of any irrep family, continuous groups --------------

O3 = "O(3): 2*0e + 1o + 2e"


def test_o3_blocks():
    field = Field.of(O3)
    assert [(b.kind, b.dim) for b in field.blocks] == [
        ("trivial", 1), ("trivial", 1), ("irreducible", 3), ("irreducible", 5)]
    with pytest.raises(ValueError, match="permutation"):
        PointwiseNonlinearity(O3)


@pytest.mark.parametrize("conv", [False, True])
def test_o3_norm_gated_and_batch_norm(conv):
    norm = NormNonlinearity(O3, conv=conv)
    with torch.no_grad():
        norm.bias.uniform_(-0.5, 0.5)
    assert check(norm, O3, O3, conv) < 1e-12
    gated = GatedNonlinearity(O3, conv=conv)
    assert gated.out_field.spec == "O(3): 1o + 2e"
    assert check(gated, O3, gated.out_field.spec, conv) < 1e-12
    bn = EquivariantBatchNorm("O(3): 0e + 2*1o + 2e + 1e", conv=conv, channels=3)
    assert check(bn, bn.field.spec, bn.field.spec, conv, train=True) < 1e-10


def test_o3_jax():
    pytest.importorskip("jax")
    import intertwine.jax.between as jb

    params = jb.norm_init(O3)
    params["bias"] = params["bias"] - 0.2
    assert jax_check(lambda x: jb.norm_nonlinearity(params, O3, x), O3, O3) < 1e-5
    out = jb.gated_out_field(O3)
    assert jax_check(lambda x: jb.gated_nonlinearity(O3, x), O3, out) < 1e-5


@pytest.mark.parametrize("spec", ["SO(2): irr(0) + 2*irr(1) + irr(3)",
                                  "O(2): irr(1, 1) + irr(1, 0) + irr(0, 0)",
                                  "SO(3): 2*irr(0) + irr(1) + irr(2)"])
def test_continuous_irrep_fields(spec):
    norm = NormNonlinearity(spec)
    with torch.no_grad():
        norm.bias.uniform_(-0.3, 0.3)
    assert check(norm, spec, spec) < 1e-12
    bn = EquivariantBatchNorm(spec, channels=3)
    assert check(bn, spec, spec, train=True) < 1e-10
