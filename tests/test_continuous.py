"""Continuous groups: dimensions from the literature, exactness, RREF, the subgroup
reduction against the plain elimination, numeric against exact, closed-form counts."""

from fractions import Fraction
from math import lcm

import h5py
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import intertwine
from intertwine.cli.app import cli
from intertwine.counting import count_continuous
from intertwine.groups import factor_data, spanning_lie_indices
from intertwine.problem import Problem
from intertwine.solvers.exact import solve_exact
from intertwine.solvers.numeric import NotClearCut, solve_numeric
from intertwine.solvers.reduce import by_subgroup, components
from intertwine.spec import parse_group, parse_spec
from tests.reference import max_violation

INVARIANTS = {  # dim of the invariants of V**m, m = 2, 3, ... (issue 3)
    "O(3)": [1, 0, 3, 0, 15],
    "SO(3)": [1, 1, 3, 6, 15],
    "SO(2)": [2, 0, 6, 0, 20],
    "O(2)": [1, 0, 3, 0, 10],
}
LITERATURE = {f"{g}: V**{m} -> 1": n for g, ns in INVARIANTS.items()
              for m, n in zip(range(2, 7), ns)}
LITERATURE.update({
    "Sp(1): V**2 -> 1": 1, "Sp(1): V**4 -> 1": 2, "Sp(1): V**6 -> 1": 5,
    "Sp(2): V**6 -> 1": 14,
    "O(1,3): V**4 -> 1": 3, "SO(1,3): V**4 -> 1": 4,
    "GL(3): V -> V": 1, "GL(3): V**2 -> V**2": 2, "GL(3): V**3 -> V**3": 6,
    "SO(3) x S(5): V[0]*V[1] -> V[0]*V[1]": 2,
})


@pytest.mark.parametrize("text,n", LITERATURE.items())
def test_literature_dimensions(text, n):
    b = intertwine.compute(text)
    assert b.method == "exact" and b.n_basis == n
    assert count_continuous(parse_spec(text)) == n
    assert intertwine.dim(text) == n


# -- exactness ----------------------------------------------------------------------------

def _exact_rows(b) -> list[dict[int, Fraction]]:
    c = b.coo
    rows: list[dict[int, Fraction]] = [{} for _ in range(b.n_basis)]
    for k, i, j, p, q in zip(c.index, c.row, c.col, c.numerator, c.denominator):
        rows[int(k)][int(i) * b.dim_in + int(j)] = Fraction(int(p), int(q))
    return rows


def assert_exact_nullspace_in_rref(b):
    """Zero residual in rational arithmetic against the integer constraint matrix (all
    generators, not only those the solver used), and the contract's RREF."""
    problem = Problem.from_spec(b.spec)
    c = problem.constraint_matrix().tocsr().tocsc()
    rows = _exact_rows(b)
    leads = []
    for row in rows:
        scale = lcm(*(x.denominator for x in row.values()))
        pos = np.array(sorted(row), dtype=np.int64)
        ints = np.array([int(row[p] * scale) for p in pos], dtype=object)
        residual = c[:, pos].toarray().astype(object) @ ints if len(pos) else np.zeros(0)
        assert not np.any(residual != 0)
        leads.append(int(pos[0]))
        assert row[leads[-1]] == 1
    assert leads == sorted(set(leads))
    for k, row in enumerate(rows):  # every other element vanishes at each pivot
        assert all(leads[m] not in row for m in range(len(rows)) if m != k)


EXACT_CASES = ["SO(3): V**3 -> V**3", "O(3): V**2 -> V**2", "SO(1,3): V**2 -> V**2",
               "O(1,3): V -> V + det", "Sp(2): V**2 -> V**2", "GL(2): V*dual(V) -> V*dual(V)",
               "SL(3): V**3 -> 1", "SL(2): V**2 -> dual(V)**2", "SO(2) x C(3): V[0]*V[1] -> V[0]",
               "SO(3): V**2 -> V + 1", "O(2): V -> det*V"]


@pytest.mark.parametrize("text", EXACT_CASES)
def test_exact_is_rational_nullspace_in_rref(text):
    b = intertwine.compute(text, "exact")
    assert b.exact and b.n_basis > 0
    assert_exact_nullspace_in_rref(b)


@pytest.mark.parametrize("text", EXACT_CASES + ["SO(3): V**4 -> V**2", "Sp(1): V**3 -> V**3",
                                                "O(1,3): V**2 -> V**2"])
def test_subgroup_reduction_equals_plain_elimination(text):
    p = Problem.from_spec(text)
    reduced, whole = solve_exact(p, subgroup=True), solve_exact(p, subgroup=False)
    assert reduced["n_basis"] == whole["n_basis"]
    for field in ("index", "row", "col", "value", "numerator", "denominator"):
        assert np.array_equal(getattr(reduced["coo"], field), getattr(whole["coo"], field))


# -- numeric ------------------------------------------------------------------------------

@pytest.mark.parametrize("text", EXACT_CASES + ["SO(3): V**4 -> V**2"])
def test_numeric_spans_the_exact_space_orthonormally(text):
    exact = intertwine.compute(text, "exact").sparse().toarray()
    b = intertwine.compute(text, "numeric")
    q = b.sparse().toarray()
    assert b.n_basis == len(exact) and not b.exact
    assert np.allclose(q @ q.T, np.eye(len(q)), atol=1e-12)
    assert np.allclose(exact - (exact @ q.T) @ q, 0, atol=1e-12)
    residuals = b.attrs["numeric_residuals"]
    assert residuals.shape == (b.n_basis,) and residuals.max(initial=0) < 1e-12
    assert b.attrs["numeric_max_residual"] == residuals.max(initial=0)


def test_numeric_with_and_without_reduction_agree():
    p = Problem.from_spec("O(3): V**2 -> V**2")
    a, b = solve_numeric(p, subgroup=True), solve_numeric(p, subgroup=False)
    da, db = (np.zeros((r["n_basis"], p.entries)) for r in (a, b))
    for r, d in ((a, da), (b, db)):
        c = r["coo"]
        d[c.index, c.row * p.dim_in + c.col] = c.value
    assert np.abs(da - db).max() < 1e-12


def _dense_elements(result, p):
    d = np.zeros((result["n_basis"], p.entries))
    c = result["coo"]
    d[c.index, c.row * p.dim_in + c.col] = c.value
    return d


SPLITTING = ["SO(3): V + V**2 -> V + V**2", "Sp(2): V**3 -> V**3", "GL(3): V**3 -> V**3",
             "SO(1,3): V**3 -> V", "SO(3): (V + 1)**2 -> V + 1", "SO(2) x S(3): V[0]**2 -> V[1]"]


@pytest.mark.parametrize("text", SPLITTING)
def test_components_solved_apart_give_the_whole_systems_basis(text):
    p = Problem.from_spec(text)
    labels, n_parts = components(by_subgroup(p).constraints)
    apart, whole = solve_numeric(p), solve_numeric(p, split=False)
    assert apart["attrs"]["numeric_components"] == n_parts
    a, w = _dense_elements(apart, p), _dense_elements(whole, p)
    assert len(a) > 0 and a.shape == w.shape and np.abs(a - w).max() < 1e-12
    exact = intertwine.compute(text, "exact").sparse().toarray()
    assert np.allclose(exact - (exact @ a.T) @ a, 0, atol=1e-12)


def test_components_split_the_problem():
    m = by_subgroup(Problem.from_spec("SO(3): V + V**2 + V**3 -> V + V**2 + V**3")).constraints
    labels, n_parts = components(m)
    assert n_parts == 6 and (labels == -1).sum() == 3 and len(labels) == 66
    assert np.all(labels[m.col] >= 0)
    for r in range(m.shape[0]):  # no row links two components
        assert len(np.unique(labels[m.col[m.row == r]])) == 1
    _, first = np.unique(labels[labels >= 0], return_index=True)
    assert np.all(np.diff(first) > 0)  # numbered in the order of their first unknown


def test_dense_limit_applies_to_each_component():
    """Up to the limit each component takes the eigen route; one beyond sends the
    problem through the exact RREF (``gram_schmidt``), with the same basis."""
    p = Problem.from_spec("SO(3): V + V**2 + V**3 -> V + V**2 + V**3")  # largest part 31
    eigen = solve_numeric(p, max_dense=31)
    assert eigen["n_basis"] == count_continuous(p.spec)
    assert "numeric_orthonormalisation" not in eigen.attrs
    for beyond in (solve_numeric(p, max_dense=30), solve_numeric(p, max_dense=40, split=False)):
        assert "numeric_orthonormalisation" in beyond.attrs
        assert np.abs(_dense_elements(beyond, p) - _dense_elements(eigen, p)).max() < 1e-12


def test_numeric_fails_loudly_when_the_gap_is_not_clear():
    with pytest.raises(NotClearCut):  # relative singular values 0.30 .. 0.58 straddle 0.48
        intertwine.compute("O(1,3): V**2 -> V**2", "numeric", tolerance=0.48)
    assert issubclass(NotClearCut, ValueError)


def test_cli_exit_2_when_numeric_is_not_clear_cut(tmp_path):
    out = tmp_path / "b.h5"
    result = CliRunner().invoke(cli, ["basis", "O(1,3): V**2 -> V**2", "-o", str(out),
                                      "--method", "numeric", "--tolerance", "0.48"])
    assert result.exit_code == 2 and not out.exists()
    assert "Traceback" not in result.output


def test_numeric_file_records_residuals_and_verifies(tmp_path):
    b = intertwine.compute("SO(1,3): V**2 -> V**2", "numeric")
    path = tmp_path / "lorentz.h5"
    b.save(path)
    back = intertwine.load(path)
    assert np.array_equal(back.attrs["numeric_residuals"], b.attrs["numeric_residuals"])
    result = CliRunner().invoke(cli, ["verify", str(path)])
    assert result.exit_code == 0, result.output


def _drop_last_element(path):
    """A file that is equivariant, independent and well formed, but one element short."""
    with h5py.File(path, "r+") as f:
        n = int(f.attrs["n_basis"])
        basis = f["basis"]
        keep = basis["index"][...] != n - 1
        for name in list(basis):
            data = basis[name][...][keep]
            del basis[name]
            basis[name] = data
        f.attrs["n_basis"] = n - 1


@pytest.mark.parametrize("text,method", [("SO(3): V**3 -> V", "exact"),
                                         ("O(1,3): V**2 -> V**2", "numeric"),
                                         ("SO(3) x S(4): V[0]*V[1] -> V[0]", "exact")])
def test_verify_checks_the_count_of_continuous_groups(tmp_path, text, method):
    path = tmp_path / "b.h5"
    intertwine.compute(text, method).save(path)
    result = CliRunner().invoke(cli, ["verify", str(path)])
    assert result.exit_code == 0, result.output
    n = count_continuous(parse_spec(text))
    assert f"independent count (representation theory) {n}" in result.output
    _drop_last_element(path)
    assert intertwine.load(path).n_basis == n - 1
    result = CliRunner().invoke(cli, ["verify", str(path)])
    assert result.exit_code == 1, result.output
    failed = [line for line in result.output.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 1 and "independent count" in failed[0]


# -- equivariance under random group elements ---------------------------------------------

@pytest.mark.parametrize("text", EXACT_CASES + ["SO(3) x S(5): V[0]*V[1] -> V[0]*V[1]",
                                                "Sp(1): V**4 -> 1", "GL(3): V**3 -> V**3"])
def test_equivariance_under_random_elements(text):
    spec = parse_spec(text)
    rng = np.random.default_rng(7)
    assert max_violation(intertwine.compute(text, "exact"), spec, rng) < 1e-8
    assert max_violation(intertwine.compute(text, "numeric"), spec, rng) < 1e-8


# -- the subgroup and the spanning generators ---------------------------------------------

GROUPS = ["SO(2)", "O(2)", "SO(3)", "O(3)", "SO(4)", "SO(1,3)", "O(1,3)", "Sp(1)", "Sp(2)",
          "Sp(3)", "GL(1)", "GL(3)", "SL(2)", "SL(3)"]


@pytest.mark.parametrize("name", GROUPS)
def test_subgroup_elements_belong_to_the_group(name):
    f = parse_group(name).factors[0]
    n = f.degree
    for g in factor_data(f).subgroup:
        m = g.matrix().toarray().astype(float)
        if f.kind in ("SO", "O") and len(f.args) == 2:
            eta = np.diag([1.0, -1, -1, -1])
            assert np.array_equal(m.T @ eta @ m, eta) and m[0, 0] == 1
        elif f.kind in ("SO", "O"):
            assert np.array_equal(m.T @ m, np.eye(n))
        elif f.kind == "Sp":
            j = np.block([[np.zeros((n // 2, n // 2)), np.eye(n // 2)],
                          [-np.eye(n // 2), np.zeros((n // 2, n // 2))]])
            assert np.array_equal(m.T @ j @ m, j)
        assert round(np.linalg.det(m)) == 1  # in SO, SL, Sp and the proper Lorentz group


def _enumerate(generators: list[np.ndarray]) -> list[np.ndarray]:
    n = generators[0].shape[0]
    seen = {np.eye(n).tobytes(): np.eye(n)}
    frontier = [np.eye(n)]
    while frontier:
        nxt = []
        for x in frontier:
            for g in generators:
                y = g @ x
                if y.tobytes() not in seen:
                    seen[y.tobytes()] = y
                    nxt.append(y)
        frontier = nxt
    return list(seen.values())


@pytest.mark.parametrize("name", GROUPS)
def test_conjugates_of_the_spanning_generators_span_the_algebra(name):
    f = parse_group(name).factors[0]
    data = factor_data(f)
    gens = [g.matrix().toarray().astype(float) for g in data.discrete + data.subgroup]
    elements = _enumerate(gens) if gens else [np.eye(f.degree)]
    chosen = [data.lie[k].toarray() for k in spanning_lie_indices(f)]
    conj = [(h @ a @ h.T).ravel() for h in elements for a in chosen]
    full = [a.toarray().ravel() for a in data.lie]
    rank = np.linalg.matrix_rank
    assert rank(np.array(full)) == len(full)
    assert rank(np.array(conj + full)) == rank(np.array(conj)) == len(full)


# -- closed-form counts -------------------------------------------------------------------

COUNT_GROUPS = ["O(1)", "SO(1)", "O(2)", "SO(2)", "O(3)", "SO(3)", "SO(4)", "O(1,3)",
                "SO(1,3)", "Sp(1)", "Sp(2)", "GL(1)", "GL(2)", "GL(3)", "SL(2)", "SL(3)",
                "S(3)"]


@st.composite
def continuous_specs(draw):
    group = draw(st.lists(st.sampled_from(COUNT_GROUPS), min_size=1, max_size=2))
    k = len(group)
    atoms = ["1", "2"] + [f"V[{i}]" for i in range(k)] + [f"dual(V[{i}])" for i in range(k)]
    if all(g != "S(3)" for g in group):
        atoms += [f"det[{i}]" for i in range(k)]

    def rep():
        leaves = draw(st.lists(st.sampled_from(atoms), min_size=1, max_size=3))
        return draw(st.sampled_from(["*", "+"])).join(leaves)

    return f"{' x '.join(group)}: {rep()} -> {rep()}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(continuous_specs())
def test_closed_form_counts_equal_computed_dimensions(text):
    if Problem.from_spec(text).entries > 3000:
        return
    assert count_continuous(parse_spec(text)) == intertwine.compute(text, "exact").n_basis


def test_dim_of_huge_continuous_groups_is_instant():
    assert intertwine.dim("O(100): V**6 -> V**6") == 10395  # perfect matchings of 12 points
    assert intertwine.dim("GL(50): V**5 -> V**5") == 120  # Schur-Weyl: 5!
    assert intertwine.dim("Sp(50): V**8 -> 1") == 105  # 7!!
    assert intertwine.dim("SO(2): V**8 -> 1") == 70  # binomial(8, 4)
    assert count_continuous(parse_spec("SO(3): (V + 1)**3 -> V")) == sum(
        intertwine.compute(f"SO(3): V**{m} -> V").n_basis * c for m, c in
        [(0, 1), (1, 3), (2, 3), (3, 1)])


def test_rref_of_a_larger_exact_case_is_identical_to_the_plain_one():
    text = "SO(3): V**4 -> V**3"
    p = Problem.from_spec(text)
    a, b = solve_exact(p, True), solve_exact(p, False)
    assert a["n_basis"] == b["n_basis"] == 36
    assert np.array_equal(a["coo"].numerator, b["coo"].numerator)


def test_defining_numeric_orthonormal_reference():
    """numeric SO(2): V -> V is the orthonormalised RREF of {I, J}: I/sqrt2, J/sqrt2, with
    J's leading entry (row 0, column 1) positive."""
    b = intertwine.compute("SO(2): V -> V", "numeric").dense()
    s = 1 / np.sqrt(2)
    assert np.allclose(b, [[[s, 0], [0, s]], [[0, s], [-s, 0]]], atol=1e-15)
