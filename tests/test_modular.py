"""The modular elimination (solvers.modular, C) against the integer one and sympy: the
identical RREF, or no answer at all (never a wrong one)."""

import subprocess
import sys

import h5py
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import intertwine
from intertwine.problem import Problem
from intertwine.solvers import exact, modular
from intertwine.solvers.exact import nullspace_rref, solve_exact
from intertwine.solvers.reduce import dedupe_rows

from . import conftest
from .test_continuous import continuous_specs
from .test_integer import integer_matrices

pytestmark = pytest.mark.skipif(not modular.available(),
                                reason="the extension intertwine.solvers._modular is not built")


def sparse_matrices(big=False):
    """Small integer matrices, sparse or not, with dependent rows and fractional RREFs;
    entries within int64 (the modular elimination's rows)."""
    return integer_matrices(st.integers(-2**59, 2**59) if big else st.integers(-4, 4))


def _csr(dense):
    return sp.csr_matrix(dense.astype(np.int64)) if dense.size else \
        sp.csr_matrix(dense.shape, dtype=np.int64)


def _equal(a, b):
    assert a[0] == b[0]
    for field in ("index", "row", "col", "value", "numerator", "denominator"):
        x, y = getattr(a[1], field), getattr(b[1], field)
        assert x.dtype == y.dtype and np.array_equal(x, y), field


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sparse_matrices())
def test_modular_rref_is_the_integer_one(dense):
    m = _csr(dense)
    _equal(nullspace_rref(m, m.shape[1], "modular"), nullspace_rref(m, m.shape[1], "integer"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sparse_matrices(big=True))
def test_entries_beyond_the_bounds_give_no_answer_or_the_right_one(dense):
    """Entries up to 2**59 (beyond the reconstruction bound; products beyond int64): the
    modular elimination either proves the integer one's answer or gives none."""
    m = _csr(dense)
    found = modular.nullspace_entries(dedupe_rows(m), m.shape[1])
    if found is not None:
        _equal(nullspace_rref(m, m.shape[1], "modular"), nullspace_rref(m, m.shape[1],
                                                                        "integer"))
    else:
        with pytest.raises(modular.Unproved):
            nullspace_rref(m, m.shape[1], "modular")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sparse_matrices(), st.sampled_from([3, 5, 7, 11, 101]))
def test_an_unlucky_prime_is_caught(dense, prime):
    """With a tiny prime the elimination often finds the wrong pivots or residues; the
    exact verification must then refuse: the answer is the right one or None."""
    m = _csr(dense)
    real = modular.PRIME
    modular.PRIME = prime
    try:
        found = modular.nullspace_entries(dedupe_rows(m), m.shape[1])
    finally:
        modular.PRIME = real
    if found is not None:
        n_basis, index, pos, num, den = found
        want = nullspace_rref(m, m.shape[1], "integer")
        assert n_basis == want[0]
        assert np.array_equal(index, want[1].index) and np.array_equal(pos, want[1].row)
        assert np.array_equal(num, want[1].numerator.astype(np.int64))
        assert np.array_equal(den, want[1].denominator.astype(np.int64))


def test_unlucky_primes_do_happen():
    """Control for the test above: with prime 3 the result is sometimes refused."""
    refused = 0
    for dense in ([[3, 1, 0], [0, 1, 1]], [[1, 1, 1], [1, 4, 1]], [[1, 2], [2, 1]]):
        m = sp.csr_matrix(np.array(dense, np.int64))
        modular.PRIME = 3
        try:
            refused += modular.nullspace_entries(dedupe_rows(m), m.shape[1]) is None
        finally:
            modular.PRIME = (1 << 61) - 1
    assert refused >= 2


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(continuous_specs())
def test_random_continuous_specs(text):
    """Random small continuous specs: backend modular gives the integer backend's RREF
    (the conftest wrapper compares every exact solve with sympy and both eliminations)."""
    p = Problem.from_spec(text)
    if p.entries > 3000 or not p.rational:
        return
    a, b = solve_exact(p, backend="modular"), solve_exact(p, backend="integer")
    assert a.attrs["exact_elimination"] == "modular"
    assert b.attrs["exact_elimination"] == "integer"
    _equal((a.n_basis, a.coo), (b.n_basis, b.coo))


def test_every_exact_solve_of_the_suite_is_compared_with_the_modular_one():
    """Control: the conftest wrapper runs the modular elimination next to each solve."""
    before = len(conftest.compared_modular)
    intertwine.compute("SO(3): V**3 -> V**3", "exact")
    assert len(conftest.compared_modular) == before + 1


def test_large_systems_take_the_modular_path(monkeypatch):
    """In process: a system of at least MODULAR_MIN_UNKNOWNS unknowns is solved by the
    modular elimination (and, through the conftest wrapper, checked against the integer
    one); a smaller one by the integer elimination."""
    monkeypatch.setattr(exact, "MODULAR_MIN_UNKNOWNS", 200)
    big = intertwine.compute("SO(3): V**4 -> V**4", "exact")  # 274 orbit unknowns
    small = intertwine.compute("SO(3): V**3 -> V**3", "exact")
    assert big.attrs["exact_elimination"] == "modular"
    assert small.attrs["exact_elimination"] == "integer"


def test_intertwine_basis_uses_the_modular_path(tmp_path):
    """Through the command line: SO(2): V**6 -> V**6 (2,048 orbit unknowns) is eliminated
    modulo a prime, and the file equals the integer elimination's, and verifies."""
    text = "SO(2): V**6 -> V**6"
    out = tmp_path / "b.h5"
    run = subprocess.run([sys.executable, "-m", "intertwine", "basis", text, "-o", str(out),
                          "--method", "exact"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    # the integer elimination, unwrapped (the wrapper would also run sympy: 10 s)
    from intertwine.solvers.reduce import by_subgroup

    problem = Problem.from_spec(text)
    reduction = by_subgroup(problem)
    n_basis, coo = conftest._nullspace(reduction.constraints, reduction.unknowns, "integer")
    coo = reduction.expand(coo)
    row, col = np.divmod(coo.row, problem.dim_in)
    with h5py.File(out) as f:
        assert f.attrs["exact_elimination"] == "modular"
        assert f.attrs["n_basis"] == n_basis
        for key, want in [("index", coo.index), ("row", row), ("col", col),
                          ("numerator", coo.numerator), ("denominator", coo.denominator)]:
            assert np.array_equal(f["basis"][key][...].astype(np.int64), want), key
    check = subprocess.run([sys.executable, "-m", "intertwine", "verify", str(out)],
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr


def test_verification_rejects_a_wrong_basis():
    m = dedupe_rows(sp.csr_matrix(np.array([[1, -1, 0], [0, 2, -1]], np.int64)))
    n_basis, index, pos, num, den = modular.nullspace_entries(m, 3)
    assert modular._verify(m, n_basis, index, pos, num, den)
    off = num + (pos == 2)  # (1, 1, 3): no longer in the nullspace
    assert not modular._verify(m, n_basis, index, pos, off, den)
    big = num * 2**40  # beyond the int64 check: verified modulo primes
    assert modular._verify(m, n_basis, index, pos, big, den * 2**40)
    assert not modular._verify(m, n_basis, index, pos, off * 2**40, den * 2**40)


def test_the_extension_checks_its_arguments():
    from intertwine.solvers import _modular

    one = np.array([0, 1], np.int64)
    with pytest.raises(ValueError, match="CSR"):
        _modular.rref(one, np.array([5], np.int64), one[1:], 3, modular.PRIME)
    with pytest.raises(ValueError, match="prime"):
        _modular.rref(one, one[:1], one[1:], 3, 2**63 + 1)
