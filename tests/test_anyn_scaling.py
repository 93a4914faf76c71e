"""The "mean" scaling of any-n layers (docs/layers_between.rst): the output variance at
initialisation stays within 2x of the input's from the file's n up to n = 10^4.

Row counts r_m(n) are checked against the dense bases at small n (nonzeros per row);
the variance at large n is then exact arithmetic on them, and the layers (numpy, torch,
jax) are measured on independent unit inputs at several n.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import intertwine
from intertwine.partitions.labels import _codes
from intertwine.partitions.reference import AnyN, apply

SPECS = ["S(5): V**2 -> V**2", "S(4): V -> V", "S(5): V**2 -> V", "S(5): V -> V**2",
         "S(5): V**2 -> 1", "S(6): V**3 -> V**2"]


def dense_row_counts(spec_at_n: str, file_basis) -> dict:
    """r_m at n from the dense basis: nonzeros in a nonzero row of each element, keyed
    by the element's partition code (so that it matches the file's element)."""
    basis = intertwine.compute(spec_at_n)
    dense = basis.sparse().tocsr()
    counts = {}
    for m, code in enumerate(_codes(basis.partitions.labels)):
        row = dense[m].toarray().reshape(basis.dim_out, basis.dim_in)
        per_row = np.count_nonzero(row, axis=1)
        counts[int(code)] = int(per_row[per_row > 0][0])
    return counts


@pytest.mark.parametrize("n", [2, 3, 6])
def test_row_counts_match_the_dense_basis(n):
    file_basis = intertwine.compute("S(5): V**2 -> V**2")
    anyn = AnyN(file_basis)
    expected = dense_row_counts(f"S({n}): V**2 -> V**2", file_basis)
    counts = anyn.row_counts((n,))
    for m, code in enumerate(_codes(file_basis.partitions.labels)):
        assert counts[m] == expected.get(int(code), 0)


def class_sizes(anyn: AnyN, n: int) -> np.ndarray:
    """Output entries that each element's output class covers at n (n^(blocks) falling)."""
    l = len(anyn.out_factors)
    blocks = [len(set(row[:l])) for row in anyn.labels.tolist()]
    return np.array([math.perm(n, b) for b in blocks], float)


@pytest.mark.parametrize("spec", SPECS)
def test_variance_within_2x_up_to_n_10000(spec):
    """Mean over output entries of Var(y) for independent unit inputs, exactly."""
    anyn = AnyN(intertwine.compute(spec), "mean")
    channels = 4
    std = anyn.init_std(channels, 1)  # dim_out plays no part under "mean"
    classes = anyn.output_classes()
    n0 = anyn.sizes[0]
    for n in (n0, n0 + 1, 10, 100, 1000, 10_000):
        per_element = channels * std**2 * anyn.element_scale((n,))**2 * anyn.row_counts((n,))
        sizes = class_sizes(anyn, n)
        total = sum(per_element[classes == c].sum() * sizes[classes == c][0]
                    for c in np.unique(classes))
        variance = total / n ** len(anyn.out_factors)
        assert 0.5 < variance < 2.0, (n, variance)
    unscaled = AnyN(intertwine.compute(spec))  # what "none" does, for contrast
    if any(anyn.row_counts((10_000,)) > 1):
        big = unscaled.row_counts((10_000,)) / unscaled.row_counts((n0,))
        assert big.max() > 100


def test_scaling_is_the_identity_at_the_file_n():
    basis = intertwine.compute("S(5): V**2 -> V**2")
    w = np.random.default_rng(0).normal(size=(2, 3, basis.n_basis))
    x = np.random.default_rng(1).normal(size=(4, 3, 5, 5))
    assert np.allclose(apply(AnyN(basis, "mean"), w, x), apply(AnyN(basis), w, x))


def test_mean_scaling_turns_sums_into_means():
    """At n, element m of "mean" is B_m * r_m(n0) / r_m(n): checked on the dense basis."""
    file_basis = intertwine.compute("S(4): V**2 -> V")
    anyn = AnyN(file_basis, "mean")
    w = np.random.default_rng(2).normal(size=(1, 1, file_basis.n_basis))
    x = np.random.default_rng(3).normal(size=(2, 1, 9, 9))
    plain = AnyN(file_basis)
    scaled_w = w * anyn.element_scale((9,))
    assert np.allclose(apply(anyn, w, x), apply(plain, scaled_w, x))
    local = anyn.local()
    scale = anyn.element_scale((9,))
    assert np.allclose(scale[local], 1.0)
    assert np.allclose(scale[~local], anyn.row_counts((4,))[~local] / anyn.row_counts((9,))[~local])


def test_unknown_scaling_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown scaling 'sum'"):
        AnyN(intertwine.compute("S(4): V -> V"), "sum")


@pytest.mark.parametrize("n", [5, 20, 80])
def test_torch_layers_keep_the_variance(n):
    from intertwine.torch import EquivariantLinear

    torch.manual_seed(n)
    layers = [EquivariantLinear("S(5): V**2 -> V**2", 8, 8, scaling="mean",
                                dtype=torch.float64) for _ in range(3)]
    x = torch.randn(4, 8, n, n, dtype=torch.float64)
    y = x
    with torch.no_grad():
        for depth, layer in enumerate(layers):
            y = layer(y)
            ratio = float(y.var() / x.var())
            assert 0.5 < ratio < 2.0, (depth, ratio)
    plain = EquivariantLinear("S(5): V**2 -> V**2", 8, 8, dtype=torch.float64)
    with torch.no_grad():
        ratio = float(plain(x).var() / x.var())
    assert ratio > 4 if n >= 20 else ratio < 2  # what "none" gives: the growth


def test_torch_v_to_v_at_n_10000():
    from intertwine.torch import EquivariantLinear

    torch.manual_seed(0)
    layer = EquivariantLinear("S(4): V -> V", 16, 16, scaling="mean", dtype=torch.float64)
    x = torch.randn(16, 16, 10_000, dtype=torch.float64)
    with torch.no_grad():
        assert 0.5 < float(layer(x).var() / x.var()) < 2.0


@pytest.mark.parametrize("n", [5, 40])
def test_jax_layers_keep_the_variance(n):
    jax = pytest.importorskip("jax")
    import intertwine.jax as ij

    params = ij.init(jax.random.PRNGKey(n), "S(5): V**2 -> V**2", 8, 8, scaling="mean")
    x = np.random.default_rng(n).normal(size=(4, 8, n, n)).astype(np.float32)
    y = np.asarray(jax.jit(ij.apply)(params, x))
    assert 0.5 < y.var() / x.var() < 2.0
    torch_like = apply(params["layer"].arrays["anyn"], np.asarray(params["weight"], float),
                       x.astype(float))
    assert np.abs(y - torch_like).max() < 1e-4 * np.abs(torch_like).max()
