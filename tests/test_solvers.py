"""Bases are equivariant, of the right dimension, and identical across methods."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import intertwine
from intertwine.problem import Problem
from intertwine.spec import parse_spec
from tests.reference import max_violation

SEED_EXAMPLES = {  # the introduction this project follows, and the contract's table
    "S(8): V -> V": 2,
    "S(5): V**2 -> V**2": 15,
    "S(5): V**2 -> 1": 2,
    "S(3) x S(4): V[0]*V[1] -> V[0]*V[1]": 4,
    "S(2) x S(3) x S(4): V[0]*V[1]*V[2] -> V[0]*V[1]*V[2]": 8,
    "C(8): V -> V": 8,
    "C(8): V -> 3*1": 3,
    "O(3): V**4 -> 1": 3,
    "SO(1,3): V**2 -> 1": 1,
}


@pytest.mark.parametrize("text,n", SEED_EXAMPLES.items())
def test_seed_examples(text, n):
    b = intertwine.compute(text)
    assert b.n_basis == n
    assert max_violation(b, parse_spec(text), np.random.default_rng(0)) < 1e-9


def test_deepsets_pattern():
    b = intertwine.compute("S(8): V -> V")
    assert b.encoding == "pattern"
    expected = np.where(np.eye(8, dtype=bool), 0, 1)
    assert np.array_equal(b.pattern, expected)


def test_maron_pattern_has_15_parameters_over_625_entries():
    b = intertwine.compute("S(5): V**2 -> V**2")
    assert b.pattern.shape == (25, 25)
    assert sorted(np.unique(b.pattern)) == list(range(15))
    # W[(i,j),(k,l)] depends only on which of i, j, k, l are equal
    idx = np.array(np.unravel_index(np.arange(625), (5,) * 4)).T
    key = [tuple(int(a == b) for a in t for b in t) for t in idx]
    seen = {}
    for k, v in zip(key, b.pattern.ravel()):
        assert seen.setdefault(k, v) == v


def test_circulant():
    b = intertwine.compute("C(8): V -> V")
    p = b.pattern
    for i in range(8):
        for j in range(8):
            assert p[i, j] == p[(i + 1) % 8, (j + 1) % 8]


def test_signed_orbits_give_coo_with_signs():
    b = intertwine.compute("S(3): V -> det")
    assert b.encoding == "coo" and b.n_basis == 0
    b = intertwine.compute("S(2): V -> det")  # x0 - x1
    assert b.n_basis == 1
    assert b.dense().tolist() == [[[1.0, -1.0]]]
    b = intertwine.compute("S(3): V**3 -> det")  # (27 - 3*1 + 2*0) / 6 by characters
    assert b.n_basis == 4
    assert set(b.coo.value.tolist()) == {1.0, -1.0}
    epsilon = np.zeros((3, 3, 3))
    for p, s in [((0, 1, 2), 1), ((1, 2, 0), 1), ((2, 0, 1), 1), ((1, 0, 2), -1),
                 ((0, 2, 1), -1), ((2, 1, 0), -1)]:
        epsilon[p] = s
    coef, *_ = np.linalg.lstsq(b.sparse().toarray().T, epsilon.ravel(), rcond=None)
    assert np.allclose(b.sparse().toarray().T @ coef, epsilon.ravel())


def test_rref_order_and_leading_ones():
    for text in ["S(4): V**2 -> V", "D(4): V*V -> V", "C(3): V + 1 -> V**2"]:
        s = intertwine.compute(text).sparse().tocsr()
        lead = [s.indices[s.indptr[k]:s.indptr[k + 1]].min() for k in range(s.shape[0])]
        assert lead == sorted(lead)
        assert np.array_equal(s[:, lead].toarray(), np.eye(s.shape[0]))


# -- random finite specs ----------------------------------------------------------------

FINITE = ["S(1)", "S(2)", "S(3)", "S(4)", "A(3)", "A(4)", "C(1)", "C(3)", "C(4)", "Z(2)",
          "D(3)", "D(4)", "Perm(4; (0 1)(2 3))", "Perm(3; (0 1 2))", "Perm(5)"]


@st.composite
def small_specs(draw, factors=FINITE, max_entries=400):
    group = draw(st.lists(st.sampled_from(factors), min_size=1, max_size=2))
    k = len(group)
    atoms = ["1", "2"] + [f"V[{i}]" for i in range(k)] + [f"det[{i}]" for i in range(k)]
    atoms += [f"dual(V[{i}])" for i in range(k)]

    def rep():
        leaves = draw(st.lists(st.sampled_from(atoms), min_size=1, max_size=3))
        op = draw(st.sampled_from(["*", "+", "**"]))
        if op == "**":
            return f"({leaves[0]})**{draw(st.integers(0, 3))}"
        return op.join(leaves)

    text = f"{' x '.join(group)}: {rep()} -> {rep()}"
    p = Problem.from_spec(text)
    if p.entries > max_entries:
        text = f"{' x '.join(group)}: V[0] -> {rep()}"
        if Problem.from_spec(text).entries > max_entries:
            text = f"{' x '.join(group)}: V[0] -> 1"
    return text


def _same(a, b):
    return (a.n_basis == b.n_basis and a.dim_in == b.dim_in
            and abs(a.sparse() - b.sparse()).max() == 0 if a.n_basis else True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_specs(), st.integers(0, 2**32 - 1))
def test_finite_orbit_equals_exact_and_is_equivariant(text, seed):
    orbit = intertwine.compute(text, "orbit")
    exact = intertwine.compute(text, "exact")
    assert orbit.exact and exact.exact
    assert orbit.n_basis == exact.n_basis
    if orbit.n_basis:
        assert abs(orbit.sparse() - exact.sparse()).max() == 0
    assert max_violation(orbit, parse_spec(text), np.random.default_rng(seed)) < 1e-9


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_specs(max_entries=200))
def test_numeric_spans_the_exact_space_and_is_orthonormal(text):
    exact = intertwine.compute(text, "exact")
    numeric = intertwine.compute(text, "numeric")
    assert numeric.n_basis == exact.n_basis and not numeric.exact
    if not exact.n_basis:
        return
    q = numeric.sparse().toarray()
    assert np.allclose(q @ q.T, np.eye(len(q)), atol=1e-10)
    e = exact.sparse().toarray()
    # every exact element lies in the numeric span
    assert np.allclose(e - (e @ q.T) @ q, 0, atol=1e-9)


def test_numeric_is_reproducible():
    a = intertwine.compute("D(4): V**2 -> V", "numeric").sparse()
    b = intertwine.compute("D(4): V**2 -> V", "numeric").sparse()
    assert abs(a - b).max() <= 1e-12


# -- continuous groups ------------------------------------------------------------------

CONTINUOUS = {  # literature values; issue 3 carries the larger ones
    "O(3): V**2 -> 1": 1, "O(3): V**3 -> 1": 0, "O(3): V**4 -> 1": 3,
    "SO(3): V**2 -> 1": 1, "SO(3): V**3 -> 1": 1, "SO(3): V**4 -> 1": 3,
    "SO(2): V**2 -> 1": 2, "SO(2): V**4 -> 1": 6, "O(2): V**4 -> 1": 3,
    "Sp(1): V**2 -> 1": 1, "Sp(1): V**4 -> 1": 2, "Sp(2): V**2 -> 1": 1,
    "O(1,3): V**2 -> 1": 1, "SO(1,3): V**4 -> 1": 4, "O(1,3): V**4 -> 1": 3,
    "GL(3): V -> V": 1, "GL(3): V**2 -> V**2": 2, "GL(2): V -> dual(V)": 0,
    "GL(3): V*dual(V) -> 1": 1, "SL(3): V**3 -> 1": 1, "GL(3): V**3 -> 1": 0,
    "SO(3) x S(3): V[0]*V[1] -> V[0]*V[1]": 2, "O(3): V -> det*V": 0,
    "SO(3): V*V -> V": 1,
}


@pytest.mark.parametrize("text,n", CONTINUOUS.items())
def test_continuous_dimensions_and_equivariance(text, n):
    spec = parse_spec(text)
    b = intertwine.compute(text, "exact")
    assert b.n_basis == n
    assert max_violation(b, spec, np.random.default_rng(1)) < 1e-8
    numeric = intertwine.compute(text, "numeric")
    assert numeric.n_basis == n
    assert max_violation(numeric, spec, np.random.default_rng(2)) < 1e-8


def test_orbit_refuses_continuous_groups():
    with pytest.raises(ValueError, match="finite"):
        intertwine.compute("SO(3): V -> V", "orbit")


def test_too_large_is_a_value_error_without_allocating():
    with pytest.raises(ValueError, match="too large|at most"):
        intertwine.compute("S(100): V**6 -> V**6")
    with pytest.raises(ValueError, match="too large"):
        intertwine.compute("S(10000000000): 1 -> 1")


def test_sparse_and_dense_agree():
    b = intertwine.compute("S(3): V**2 -> V")
    d = b.dense()
    s = b.sparse()
    assert isinstance(s, sp.csr_matrix)
    assert np.array_equal(s.toarray().reshape(d.shape), d)
    w = np.arange(1, b.n_basis + 1)
    assert np.array_equal(b.weights_to_matrix(w), np.tensordot(w, d, 1))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_specs(max_entries=3000))
def test_orbit_count_equals_the_character_count(text):
    from intertwine.counting import count_characters

    assert intertwine.compute(text, "orbit").n_basis == count_characters(parse_spec(text))


@pytest.mark.parametrize("n,k,l", [(n, k, l) for n in range(1, 6) for k in range(4)
                                   for l in range(4) if n ** (k + l) <= 5000])
def test_symmetric_tensor_bases_match_bell_counts(n, k, l):
    from intertwine.counting import bell_at_most

    b = intertwine.compute(f"S({n}): V**{k} -> V**{l}")
    assert b.n_basis == bell_at_most(k + l, n)
    assert max_violation(b, parse_spec(f"S({n}): V**{k} -> V**{l}"),
                         np.random.default_rng(n)) < 1e-12
