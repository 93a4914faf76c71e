"""irr(k) of SO(2), irr(j, k) of O(2) (docs/irreps.rst): the matrices the package solves
with against the formulas, exactness, Schur's lemma and counts against characters
computed here."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm

import intertwine
from intertwine.counting import independent_count
from intertwine.problem import Problem
from intertwine.spec import SpecError, parse_spec


def rotation(t: float) -> np.ndarray:
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])


def count(spec: str) -> int | None:
    return independent_count(parse_spec(spec))[0]


def generators(spec_group: str, rep: str):
    p = Problem.from_spec(f"{spec_group}: {rep} -> {rep}")
    assert p.exactness == "rational"
    return ([a.toarray() for a in p.lie_in], [g.matrix().toarray() for g in p.discrete_in])


@pytest.mark.parametrize("k", range(5))
def test_so2_rotation_acts_by_r_k_theta(k):
    (lie,), discrete = generators("SO(2)", f"irr({k})")
    assert discrete == []
    for t in (0.3, 1.7, -2.2):
        expected = np.eye(1) if k == 0 else rotation(k * t)
        assert np.abs(expm(t * lie) - expected).max() < 1e-12


@pytest.mark.parametrize("label", [(0, 0), (1, 0), (1, 1), (1, 2), (1, 5)])
def test_o2_reflection_and_rotation(label):
    j, k = label
    (lie,), (g,) = generators("O(2)", f"irr({j}, {k})")
    # O(2)'s stored reflection is (x, y) -> (-x, y) = R(pi) s with s: (x, y) -> (x, -y),
    # which irr(j, k) sends to diag(1, -1) (k >= 1) or to the sign (-1)**j
    s = np.diag([1.0, -1.0]) if k else np.array([[(-1.0) ** j]])
    assert np.abs(g - expm(np.pi * lie) @ s).max() < 1e-12
    for t in (0.4, 2.5):
        expected = rotation(k * t) if k else np.eye(1)
        assert np.abs(expm(t * lie) - expected).max() < 1e-12


def test_irr_1_1_is_v_and_irr_1_0_is_det():
    for a, b in [("O(2): irr(1, 1) * irr(1, 1) -> irr(1, 1)", "O(2): V * V -> V"),
                 ("O(2): irr(1, 0) * irr(1, 1) -> irr(1, 1)", "O(2): det * V -> V")]:
        x, y = intertwine.compute(a, "exact"), intertwine.compute(b, "exact")
        np.testing.assert_array_equal(x.sparse().toarray(), y.sparse().toarray())


def test_schur():
    for a in range(4):
        for b in range(4):
            expected = 0 if a != b else (1 if a == 0 else 2)  # irr(k >= 1): complex type
            spec = f"SO(2): irr({a}) -> irr({b})"
            assert intertwine.compute(spec).n_basis == count(spec) == expected, spec
    labels = [(0, 0), (1, 0), (1, 1), (1, 2), (1, 3)]
    for a in labels:
        for b in labels:
            spec = f"O(2): irr{a} -> irr{b}"
            assert intertwine.compute(spec).n_basis == count(spec) == (a == b), spec


TERMS = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=3)


def chi(k: int, t: np.ndarray) -> np.ndarray:
    return np.ones_like(t) if k == 0 else 2 * np.cos(k * t)


@settings(max_examples=12, deadline=None)
@given(TERMS, TERMS)
def test_so2_counts_agree_with_characters(rep_in, rep_out):
    text = lambda terms: " + ".join(f"irr({a})*irr({b})" for a, b in terms)  # noqa: E731
    t = 2 * np.pi * np.arange(64) / 64
    chi_in = sum(chi(a, t) * chi(b, t) for a, b in rep_in)
    chi_out = sum(chi(a, t) * chi(b, t) for a, b in rep_out)
    expected = round(float(np.mean(chi_in * chi_out)))
    spec = f"SO(2): {text(rep_in)} -> {text(rep_out)}"
    b = intertwine.compute(spec)
    assert b.method == "exact" and b.n_basis == count(spec) == expected
    assert "exact_values" not in b.attrs  # rational values: numerator / denominator


def test_o2_sym_counts():
    # O(2) on sym(irr(1, k), 2): irr(0, 0) + irr(1, 2k) (x**2 + y**2 and the 2k-gon harmonics)
    for k in (1, 2, 3):
        for target, expected in [((0, 0), 1), ((1, 0), 0), ((1, 2 * k), 1), ((1, k), 0)]:
            spec = f"O(2): sym(irr(1, {k}), 2) -> irr{target}"
            assert intertwine.compute(spec).n_basis == count(spec) == expected, spec


@pytest.mark.parametrize("spec", ["SO(2): irr(1, 2) -> 1", "O(2): irr(0, 2) -> 1",
                                  "O(2): irr(2) -> 1", "SO(2): 1o -> 1"])
def test_bad_labels_are_usage_errors(spec):
    with pytest.raises(SpecError):
        parse_spec(spec)
    out = subprocess.run([sys.executable, "-m", "intertwine", "dim", spec],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) <= 4


def test_cli_basis_verify(tmp_path):
    spec = "O(2): irr(1, 2) * V -> irr(1, 1) + irr(1, 3)"
    path = tmp_path / "b.h5"
    run = lambda *a: subprocess.run([sys.executable, "-m", "intertwine", *a],  # noqa: E731
                                    capture_output=True, text=True, timeout=120)
    assert run("basis", spec, "-o", str(path)).returncode == 0
    out = run("verify", str(path))
    assert out.returncode == 0 and "independent count" in out.stdout, out.stdout
    assert intertwine.load(path).n_basis == 2
