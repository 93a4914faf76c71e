"""The closed-form Wigner 3j basis (solvers/wigner.py) against e3nn 0.6 itself, against
exact Clebsch-Gordan coefficients from sympy, and by equivariance: under e3nn's D
matrices at random rotations, and under the Lie algebra built here in numpy."""

from fractions import Fraction
from math import gcd

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intertwine.solvers.wigner import triangle, wigner_3j, wigner_3j_basis

BLOCKS_6 = [(l1, l2, l3) for l1 in range(7) for l2 in range(7)
            for l3 in range(abs(l1 - l2), l1 + l2 + 1)]


# ------------------------------------------------------------------ test-side references

def real_generators(l: int) -> np.ndarray:
    """The so(3) generators of irr(l) in e3nn's real basis, from the ladder operators and
    e3nn's change of basis (formulas of e3nn/o3/_wigner.py, written out in numpy): shares
    nothing with Racah's formula."""
    m = np.arange(-l, l)
    raising = np.diag(-np.sqrt(l * (l + 1) - m * (m + 1.0)), -1)
    m = np.arange(-l + 1, l + 1)
    lowering = np.diag(np.sqrt(l * (l + 1) - m * (m - 1.0)), 1)
    m = np.arange(-l, l + 1)
    su2 = np.stack([0.5 * (raising + lowering), np.diag(1j * m),
                    -0.5j * (raising - lowering)])
    q = np.zeros((2 * l + 1, 2 * l + 1), complex)
    for k in range(-l, 0):
        q[l + k, l - k] = 1 / 2 ** 0.5
        q[l + k, l + k] = -1j / 2 ** 0.5
    q[l, l] = 1
    for k in range(1, l + 1):
        q[l + k, l + k] = (-1) ** k / 2 ** 0.5
        q[l + k, l - k] = 1j * (-1) ** k / 2 ** 0.5
    q = (-1j) ** l * q
    x = q.conj().T @ su2 @ q
    assert np.abs(x.imag).max() < 1e-12
    return x.real


def lie_violation(l1: int, l2: int, l3: int, b: np.ndarray) -> float:
    """max over the three generators X of |X3 B - B (X1 (x) 1 + 1 (x) X2)|."""
    x1, x2, x3 = real_generators(l1), real_generators(l2), real_generators(l3)
    t = b.reshape(2 * l3 + 1, 2 * l1 + 1, 2 * l2 + 1)
    worst = 0.0
    for a1, a2, a3 in zip(x1, x2, x3):
        rhs = np.einsum("kij,ia->kaj", t, a1) + np.einsum("kij,jb->kib", t, a2)
        worst = max(worst, np.abs(np.einsum("ck,kij->cij", a3, t) - rhs).max())
    return worst


def e3nn():
    return pytest.importorskip("e3nn.o3")


@pytest.fixture
def float64_torch():
    """e3nn builds its generators in torch's default dtype: float32 D matrices are only
    good to 1e-7."""
    torch = pytest.importorskip("torch")
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(previous)


# ------------------------------------------------------------------------------ shape

def test_triangle_rule_and_shape():
    for l1, l2, l3 in [(0, 0, 1), (1, 1, 3), (2, 5, 2), (4, 1, 6)]:
        basis = wigner_3j_basis(l1, l2, l3)
        assert basis.n_basis == 0 and not triangle(l1, l2, l3)
        assert basis.shape == (2 * l3 + 1, (2 * l1 + 1) * (2 * l2 + 1))
        assert len(basis.row) == len(basis.value) == 0
    basis = wigner_3j_basis(2, 3, 4)
    assert basis.n_basis == 1 and basis.shape == (9, 35)
    with pytest.raises(ValueError):
        wigner_3j(1, 1, 3)
    for bad in [(-1, 0, 1), (1.5, 1, 1), (1, True, 1), ("1", 1, 1)]:
        with pytest.raises(ValueError, match="integers"):
            wigner_3j_basis(*bad)


def test_rref_normalisation():
    """One element whose first nonzero entry in row-major order is 1, entries in
    row-major order without zeros."""
    for l1, l2, l3 in [(0, 0, 0), (1, 1, 1), (3, 2, 4), (6, 6, 12), (5, 3, 2)]:
        basis = wigner_3j_basis(l1, l2, l3)
        flat = basis.row * basis.shape[1] + basis.col
        assert (np.diff(flat) > 0).all()
        assert basis.value[0] == 1.0
        assert int(basis.square_numerator[0]) == int(basis.square_denominator[0]) == 1
        assert (basis.value != 0).all()


# -------------------------------------------------------------------- against e3nn

@pytest.mark.parametrize("l1", range(7))
def test_matches_e3nn_up_to_one_scalar(l1):
    """B[m3, m1 (2 l2 + 1) + m2] is C[m1, m2, m3] of e3nn's wigner_3j times one scalar,
    for every l1, l2 <= 6 and every allowed l3; wigner_3j() is e3nn's, sign and norm."""
    o3 = e3nn()
    import torch
    for _, l2, l3 in [b for b in BLOCKS_6 if b[0] == l1]:
        c = o3.wigner_3j(l1, l2, l3, dtype=torch.float64).numpy()
        b = wigner_3j_basis(l1, l2, l3).toarray()
        as_map = c.transpose(2, 0, 1).reshape(b.shape)
        scale = np.vdot(as_map, b) / np.vdot(as_map, as_map)
        assert abs(scale) > 0.1
        assert np.abs(b - scale * as_map).max() < 1e-12 * max(1, abs(scale))
        assert np.abs(wigner_3j(l1, l2, l3) - c).max() < 1e-12


def test_equivariant_under_e3nn_rotations(float64_torch):
    """D3(R) B = B (D1(R) (x) D2(R)) with e3nn's D_from_matrix at random rotations."""
    o3, torch = e3nn(), float64_torch
    torch.manual_seed(7)
    rng = np.random.default_rng(7)
    rotations = o3.rand_matrix(4, dtype=torch.float64)
    blocks = [BLOCKS_6[i] for i in rng.choice(len(BLOCKS_6), 25, replace=False)]
    blocks += [(6, 6, 12), (6, 6, 0), (8, 5, 7)]
    d = {l: [o3.Irrep(l, 1).D_from_matrix(r).numpy() for r in rotations]
         for l in {l for block in blocks for l in block}}
    for l1, l2, l3 in blocks:
        b = wigner_3j_basis(l1, l2, l3).toarray()
        for d1, d2, d3 in zip(d[l1], d[l2], d[l3]):
            assert np.abs(d3 @ b - b @ np.kron(d1, d2)).max() < 1e-10


def test_test_generators_are_e3nns(float64_torch):
    """The numpy generators used below are e3nn's so3_generators."""
    e3nn()
    from e3nn.o3._wigner import so3_generators
    for l in range(6):
        assert np.abs(real_generators(l) - so3_generators(l).numpy()).max() < 1e-12


# ------------------------------------------------------------------------- exactness

def sqrt_within_one_ulp(value: float, num: int, den: int) -> bool:
    """|value - sign(num) sqrt(|num| / den)| <= ulp(value), decided in rationals."""
    target = Fraction(abs(num), den)
    if (value > 0) != (num > 0):
        return False
    v, ulp = Fraction(abs(value)), Fraction(np.spacing(abs(value)))
    return (v - ulp) ** 2 <= target <= (v + ulp) ** 2


@pytest.mark.parametrize("block", [(1, 1, 2), (3, 3, 3), (6, 5, 4), (6, 6, 12), (10, 10, 20),
                                   (20, 20, 40), (13, 17, 9)])
def test_values_are_exact_square_roots(block):
    """Every value is sign * sqrt(a / b) with coprime a, b > 0, float within one ulp."""
    basis = wigner_3j_basis(*block)
    nums, dens = basis.square_numerator.tolist(), basis.square_denominator.tolist()
    for value, num, den in zip(basis.value.tolist(), nums, dens):
        assert den > 0 and num != 0 and gcd(abs(num), den) == 1
        assert sqrt_within_one_ulp(value, num, den), (value, num, den)


@pytest.mark.parametrize("block", [(20, 20, 40), (22, 22, 22)])
def test_large_values_leave_int64(block):
    """(20, 20, 40) has squares beyond int64, (22, 22, 22) Racah sums beyond it (the
    Python-int path throughout): still exact and equivariant."""
    from intertwine.solvers.wigner import _racah_sums

    basis = wigner_3j_basis(*block)
    squares = basis.square_numerator.tolist() + basis.square_denominator.tolist()
    if block == (20, 20, 40):
        assert max(abs(int(x)) for x in squares) > 2 ** 63
        assert basis.square_denominator.dtype == object
    else:
        assert _racah_sums(*block).dtype == object
    assert lie_violation(*block, basis.toarray()) < 1e-9
    nums, dens = basis.square_numerator.tolist(), basis.square_denominator.tolist()
    for value, num, den in list(zip(basis.value.tolist(), nums, dens))[::7]:
        assert gcd(abs(num), den) == 1 and sqrt_within_one_ulp(value, num, den)


def test_exact_against_sympy():
    """The squares equal those of sympy's exact Clebsch-Gordan coefficients moved to
    e3nn's real basis (exact complex arithmetic), up to the one common factor."""
    sp = pytest.importorskip("sympy")
    from sympy.physics.wigner import clebsch_gordan
    for l1, l2, l3 in [(1, 1, 1), (1, 2, 2), (2, 2, 2), (2, 1, 3), (3, 2, 1)]:
        q = [_sympy_change_of_basis(sp, l) for l in (l1, l2, l3)]
        cg = sp.MutableDenseNDimArray.zeros(2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1)
        for m1 in range(-l1, l1 + 1):
            for m2 in range(-l2, l2 + 1):
                if abs(m1 + m2) <= l3:
                    cg[l1 + m1, l2 + m2, l3 + m1 + m2] = clebsch_gordan(l1, l2, l3, m1, m2,
                                                                         m1 + m2)
        exact = {}
        for j1 in range(2 * l1 + 1):
            for j2 in range(2 * l2 + 1):
                for j3 in range(2 * l3 + 1):
                    total = sum(q[0][i, j1] * q[1][k, j2] * sp.conjugate(q[2][n, j3])
                                * cg[i, k, n]
                                for i in range(2 * l1 + 1) for k in range(2 * l2 + 1)
                                for n in range(2 * l3 + 1) if cg[i, k, n] != 0)
                    total = sp.nsimplify(sp.expand(total))
                    if total != 0:
                        assert sp.im(total) == 0
                        exact[j3, j1 * (2 * l2 + 1) + j2] = total
        first = exact[min(exact)]
        basis = wigner_3j_basis(l1, l2, l3)
        ours = {(r, c): Fraction(int(n), int(d)) for r, c, n, d in zip(
            basis.row.tolist(), basis.col.tolist(), basis.square_numerator.tolist(),
            basis.square_denominator.tolist())}
        assert set(ours) == set(exact)
        for key, value in exact.items():
            ratio = sp.nsimplify(sp.expand(value / first))
            square = ratio ** 2 * (1 if ratio > 0 else -1)
            assert Fraction(int(sp.numer(square)), int(sp.denom(square))) == ours[key]


def _sympy_change_of_basis(sp, l):
    q = sp.zeros(2 * l + 1, 2 * l + 1)
    half = 1 / sp.sqrt(2)
    for m in range(-l, 0):
        q[l + m, l - m] = half
        q[l + m, l + m] = -sp.I * half
    q[l, l] = 1
    for m in range(1, l + 1):
        q[l + m, l + m] = (-1) ** m * half
        q[l + m, l - m] = sp.I * (-1) ** m * half
    return (-sp.I) ** l * q


# ------------------------------------------------------------------- equivariance

@settings(max_examples=20, deadline=None)
@given(st.integers(0, 12), st.integers(0, 12), st.data())
def test_lie_equivariance(l1, l2, data):
    """X3 B = B (X1 (x) 1 + 1 (x) X2) for the three so(3) generators, any l <= 12."""
    l3 = data.draw(st.integers(abs(l1 - l2), l1 + l2))
    basis = wigner_3j_basis(l1, l2, l3)
    b = basis.toarray()
    assert lie_violation(l1, l2, l3, b) < 1e-10 * max(1, np.abs(b).max())
    # and exactness for the same block: the squares of the floats are the rationals
    sq = np.array([int(n) / int(d) for n, d in zip(basis.square_numerator.tolist(),
                                                     basis.square_denominator.tolist())])
    assert np.allclose(np.sign(basis.value) * basis.value ** 2, sq, rtol=1e-15, atol=0)


def test_lie_check_catches_a_wrong_entry():
    """The equivariance check above is not vacuous."""
    b = wigner_3j_basis(3, 2, 3).toarray()
    assert lie_violation(3, 2, 3, b) < 1e-12
    b[np.nonzero(b)[0][3], np.nonzero(b)[1][3]] *= -1
    assert lie_violation(3, 2, 3, b) > 1e-3


# ------------------------------------------------- the exact method's fast path (solvers)

# irr(0) and irr(1) are rational (no square roots): their blocks stay with the general
# solver and its rational files
BLOCK_SPECS = ["SO(3): irr(1) * irr(1) -> irr(2)", "SO(3): irr(0) * irr(2) -> irr(2)",
               "SO(3): irr(2) * irr(1) -> irr(3)", "SO(3): irr(3) * irr(2) -> irr(2)",
               "SO(3): irr(2) * irr(2) -> irr(4)", "O(3): 1o * 1o -> 2e",
               "O(3): 2e * 1o -> 2o", "O(3): irr(3, o) * irr(1, o) -> irr(2, e)"]


def assert_same_exact_basis(fast, general):
    assert fast.n_basis == general.n_basis
    a, b = fast.coo, general.coo
    order_a, order_b = np.lexsort((a.col, a.row, a.index)), np.lexsort((b.col, b.row, b.index))
    for name in ("index", "row", "col"):
        np.testing.assert_array_equal(getattr(a, name)[order_a], getattr(b, name)[order_b])
    for name in ("square_numerator", "square_denominator"):
        assert [int(x) for x in getattr(a, name)[order_a]] == \
            [int(x) for x in getattr(b, name)[order_b]]
    np.testing.assert_allclose(a.value[order_a], b.value[order_b], rtol=1e-15, atol=0)


@pytest.mark.parametrize("spec", BLOCK_SPECS)
def test_closed_form_is_the_general_solvers_basis(spec):
    """The exact method answers these specs by the closed form; the general solver
    (elimination on the rational form, then the square-root scaling) gives the same
    basis, entry for entry and square for square."""
    from intertwine.problem import Problem
    from intertwine.solvers import solve
    from intertwine.solvers.sqrt import solve_sqrt

    problem = Problem.from_spec(spec)
    fast = solve(problem, "exact")
    assert fast.attrs["exact_elimination"] == "wigner_3j"
    assert fast.attrs["exact_values"] == "sqrt"
    assert_same_exact_basis(fast, solve_sqrt(problem))


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 4), st.integers(0, 4), st.data())
def test_closed_form_against_general_solver_random(l1, l2, data):
    from intertwine.problem import Problem
    from intertwine.solvers import solve
    from intertwine.solvers.sqrt import solve_sqrt

    l3 = data.draw(st.integers(max(abs(l1 - l2) - 1, 0), l1 + l2 + 1))
    problem = Problem.from_spec(f"SO(3): irr({l1}) * irr({l2}) -> irr({l3})")
    fast = solve(problem, "exact")
    assert fast.n_basis == (1 if triangle(l1, l2, l3) else 0)
    if max(l1, l2, l3) >= 2:  # else rational: the general solver itself answered
        assert fast.attrs["exact_elimination"] == "wigner_3j"
        assert_same_exact_basis(fast, solve_sqrt(problem))


def test_rational_blocks_stay_with_the_general_solver():
    import intertwine

    for spec in ["SO(3): irr(1) * irr(1) -> irr(1)", "O(3): 1o * 1o -> 0e"]:
        basis = intertwine.compute(spec, "exact")
        assert basis.attrs["exact_elimination"] != "wigner_3j"
        assert "exact_values" not in basis.attrs or basis.attrs["exact_values"] != "sqrt"


def test_parity_and_triangle_give_no_basis():
    import intertwine

    for spec in ["O(3): 1o * 1o -> 1o", "O(3): 2e * 2o -> 0e", "SO(3): irr(1) * irr(1) -> irr(3)",
                 "O(3): 1e * 1e -> 3e"]:
        basis = intertwine.compute(spec, "exact")
        assert basis.n_basis == 0, spec


def test_wigner_block_matches_only_the_exact_shape():
    from intertwine.solvers.wigner import wigner_block
    from intertwine.spec import parse_spec

    assert wigner_block(parse_spec("SO(3): irr(2) * irr(1) -> irr(3)")) == (2, 1, 3, True)
    assert wigner_block(parse_spec("O(3): 2e * 1o -> 3o")) == (2, 1, 3, True)
    assert wigner_block(parse_spec("O(3): 2e * 1o -> 3e")) == (2, 1, 3, False)
    for spec in ["SO(3): irr(1) * irr(2) -> irr(3) * 1", "SO(3): V * V -> V",
                 "SO(3): irr(1) * irr(1) * irr(0) -> irr(1)", "SO(3): irr(1) -> irr(1)",
                 "SO(3) x S(3): irr(1)[0] * irr(1)[0] -> irr(1)[0]",
                 "SO(3): irr(1) * irr(1) -> irr(1) + irr(1)", "O(3): 1o * 1o -> 1o + 0e",
                 "SO(2): irr(1) * irr(1) -> irr(2)"]:
        assert wigner_block(parse_spec(spec)) is None, spec


def test_cli_writes_the_closed_form(tmp_path):
    """``basis`` of a 3j block writes the closed form's squares; ``verify`` accepts it."""
    import subprocess
    import sys

    import h5py

    path = tmp_path / "w.h5"
    run = [sys.executable, "-m", "intertwine"]
    done = subprocess.run(run + ["basis", "SO(3): irr(3) * irr(2) -> irr(4)", "-o", str(path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    basis = wigner_3j_basis(3, 2, 4)
    with h5py.File(path) as f:
        assert f.attrs["exact_values"] == "sqrt" and f.attrs["n_basis"] == 1
        assert f.attrs["exact_elimination"] == "wigner_3j"
        np.testing.assert_array_equal(f["basis/row"][:], basis.row)
        np.testing.assert_array_equal(f["basis/col"][:], basis.col)
        np.testing.assert_array_equal(f["basis/square_numerator"][:], basis.square_numerator)
        np.testing.assert_array_equal(f["basis/square_denominator"][:],
                                      basis.square_denominator)
    done = subprocess.run(run + ["verify", str(path)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
