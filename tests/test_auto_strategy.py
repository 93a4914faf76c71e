"""strategy="auto" on partition-labelled files: the dense W at the file's own sizes where
the cost model (measured in bench/auto_strategy.py) says it is cheaper, the any-n plan
elsewhere; both give the same outputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import intertwine
from intertwine.partitions.reference import AnyN, dense_is_cheaper, plan_costs


def costs(spec):
    anyn = AnyN(intertwine.compute(spec))
    return plan_costs(anyn.plan(anyn.sizes))


def test_the_issue_case_goes_dense_and_large_n_goes_to_the_plan():
    # S(6): pattern 3.4x faster than the plan at batch 64, 8 channels (issue 25)
    assert dense_is_cheaper(costs("S(6): V**2 -> V**2"), 64, 8, 8)
    assert not dense_is_cheaper(costs("S(12): V**2 -> V**2"), 64, 8, 8)
    assert not dense_is_cheaper(costs("S(80): V -> V"), 64, 8, 8)
    # more channels favour the dense matmul less than the overhead-bound plan
    assert dense_is_cheaper(costs("S(10): V**2 -> V**2"), 1, 1, 1)
    assert not dense_is_cheaper(costs("S(10): V**2 -> V**2"), 64, 64, 64)


@pytest.mark.parametrize("spec", ["S(5): V**2 -> V**2", "S(5): 1 -> V**2",
                                  "S(4): V**2 -> 1", "S(4): V -> V**3"])
def test_auto_equals_the_plan_at_and_off_the_file_sizes(spec):
    from intertwine.torch import EquivariantLinear

    auto = EquivariantLinear(spec, 2, 3, dtype=torch.float64)
    plan = EquivariantLinear(spec, 2, 3, strategy="partitions", dtype=torch.float64)
    assert auto.applier.dense_when_cheaper and not plan.applier.dense_when_cheaper
    with torch.no_grad():
        plan.weight.copy_(auto.weight)
        if auto.bias is not None:
            auto.bias.normal_()
            plan.bias.copy_(auto.bias)
    anyn = auto.applier.anyn
    for grow in (0, 2):
        shape = (4, 2) + tuple(anyn.sizes[f] + grow for f in anyn.in_factors)
        x = torch.randn(shape, dtype=torch.float64, requires_grad=True)
        y_auto, y_plan = auto(x), plan(x)
        assert y_auto.shape == y_plan.shape
        assert (y_auto - y_plan).abs().max() < 1e-12
        y_auto.square().sum().backward()
        assert auto.weight.grad is not None and torch.isfinite(auto.weight.grad).all()


def test_jax_auto_equals_the_plan():
    jax = pytest.importorskip("jax")
    import intertwine.jax as ij

    spec = "S(5): V**2 -> V**2"
    auto = ij.init(jax.random.PRNGKey(0), spec, 2, 3)
    plan = ij.init(jax.random.PRNGKey(0), spec, 2, 3, strategy="partitions")
    bias = jax.random.normal(jax.random.PRNGKey(1), auto["bias"].shape)
    auto["bias"], plan["bias"] = bias, bias
    assert auto["layer"].sizes["dense_when_cheaper"]
    for n in (5, 7):
        x = np.random.default_rng(n).normal(size=(4, 2, n, n)).astype(np.float32)
        y_auto, y_plan = jax.jit(ij.apply)(auto, x), jax.jit(ij.apply)(plan, x)
        assert np.abs(np.asarray(y_auto) - np.asarray(y_plan)).max() < 1e-4
