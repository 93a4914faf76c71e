"""The sympy-free exact elimination (solvers.integer) against sympy, the reference."""

from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import intertwine
from intertwine.problem import Problem
from intertwine.solvers import exact, integer
from intertwine.solvers.exact import solve_exact

from . import conftest

#: small entries and entries beyond int64
MIXED_ENTRIES = st.one_of(st.integers(-3, 3), st.integers(-10**20, 10**20))


@st.composite
def integer_matrices(draw, entries=MIXED_ENTRIES):
    """Sparse integer matrices with dependent rows and fractional RREFs, as object arrays
    of ``entries`` (by default: small ones and beyond int64)."""
    n_rows, n_cols = draw(st.integers(0, 12)), draw(st.integers(1, 14))
    dense = np.array([[draw(entries) if draw(st.booleans()) else 0 for _ in range(n_cols)]
                      for _ in range(n_rows)], dtype=object).reshape(n_rows, n_cols)
    if n_rows >= 2 and draw(st.booleans()):  # a combination of two rows: a dependent row
        a, b = draw(st.integers(-5, 5)), draw(st.integers(-5, 5))
        dense = np.vstack([dense, a * dense[0] + b * dense[1]])
    return dense


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(integer_matrices(), st.sampled_from([2, 3, (1 << 61) - 1]))
def test_rows_set_aside_by_the_dependence_test_give_the_same_rref(dense, prime):
    """With the rank known, rows the random functional calls dependent are set aside.  A
    tiny prime makes it call independent rows dependent often: the rows kept then fall
    short of the rank and the rows set aside are reduced after all."""
    rows = [{c: int(v) for c, v in enumerate(row) if v} for row in dense]
    want = integer.rref(rows)
    import unittest.mock

    with unittest.mock.patch.object(integer, "_PRIME", prime):
        assert integer.rref(rows, rank=len(want)) == want


def test_the_dependence_test_spares_most_rows(monkeypatch):
    """Control: with the rank known, dependent rows are not reduced (SO(3): V**4 -> V**4
    has 582 distinct constraint rows, rank 183), and the RREF is the same."""
    from intertwine.counting import independent_count
    from intertwine.solvers.reduce import by_subgroup, dedupe_rows

    p = Problem.from_spec("SO(3): V**4 -> V**4")
    m = dedupe_rows(by_subgroup(p).constraints)
    n = m.shape[1]
    rows = [dict(zip((n - 1 - m.col[m.row == r]).tolist(), m.value[m.row == r].tolist()))
            for r in range(m.shape[0])]
    rank = n - independent_count(p.spec)[0]
    reduced = []
    real = integer._add_row
    monkeypatch.setattr(integer, "_add_row", lambda start, *rest: (reduced.append(1),
                                                                   real(start, *rest))[1])
    with_rank = integer.rref(rows, rank)
    assert len(with_rank) == rank and len(reduced) == rank < len(rows)
    assert with_rank == integer.rref(rows)
    assert len(reduced) == rank + len(rows)  # without the rank, every row is reduced


def _rref_reference(dense):
    from sympy import Matrix

    r, pivots = Matrix(dense.tolist()).rref()
    return r, pivots


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(integer_matrices())
def test_integer_rref_is_sympys_rref(dense):
    rows = [{c: int(v) for c, v in enumerate(row) if v} for row in dense]
    table = integer.rref(rows)
    ref, pivots = _rref_reference(dense) if len(dense) else (None, ())
    assert sorted(table) == list(pivots)
    for k, p in enumerate(pivots):
        row = table[p]
        assert row[p] > 0
        got = [Fraction(row.get(c, 0), row[p]) for c in range(dense.shape[1])]
        assert got == [Fraction(int(x.p), int(x.q)) for x in ref.row(k)]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(integer_matrices())
def test_integer_nullspace_is_sympys_on_object_entries(dense):
    """Nullspace entries, numerators beyond int64 included, equal the sympy path's."""
    n_cols = dense.shape[1]
    got_rows = [{n_cols - 1 - c: int(v) for c, v in enumerate(row) if v} for row in dense]
    n_basis, index, pos, num, den = integer.nullspace_entries(got_rows, n_cols)
    from sympy import Matrix

    space = Matrix(dense.tolist()).nullspace() if len(dense) else \
        [Matrix.eye(n_cols).col(k) for k in range(n_cols)]
    basis = Matrix.hstack(*space).T.rref()[0] if space else Matrix.zeros(0, n_cols)
    assert n_basis == basis.shape[0]
    got = {(int(i), int(p)): Fraction(int(a), int(b)) for i, p, a, b in zip(index, pos, num, den)}
    want = {(k, c): Fraction(int(basis[k, c].p), int(basis[k, c].q))
            for k in range(basis.shape[0]) for c in range(n_cols) if basis[k, c] != 0}
    assert got == want
    assert all(b > 0 for b in den)


LARGER = ["SO(3): V**4 -> V**4", "SO(1,3): V**3 -> V**3", "Sp(2): V**3 -> V**3",
          "GL(3): V**3 -> V**3", "O(3): V**3 -> V + V**3", "S(4): V**3 -> V**2"]


@pytest.mark.parametrize("text", LARGER)
def test_larger_systems_equal_sympys(text):
    p = Problem.from_spec(text)
    before = len(conftest.compared)
    got = solve_exact(p)  # the conftest wrapper compares with sympy on the way
    assert len(conftest.compared) > before and got["n_basis"] > 0


def test_every_exact_solve_of_the_suite_is_compared(monkeypatch):
    """Control: the conftest wrapper is in place and notices a disagreement."""
    before = len(conftest.compared)
    intertwine.compute("SO(3): V**2 -> V**2", "exact")
    assert len(conftest.compared) == before + 1
    m = sp.csr_matrix(np.array([[1, -1, 0], [0, 2, -1]]))
    wrong = exact.nullspace_rref  # the wrapper, with the integer path broken below
    real = integer.nullspace_entries
    monkeypatch.setattr(integer, "nullspace_entries", lambda *args: (
        lambda r: (r[0], r[1], r[2], r[3] * 2, r[4]))(real(*args)))
    with pytest.raises(AssertionError, match="disagree"):
        wrong(m, 3)


def test_exact_path_imports_no_sympy():
    import subprocess
    import sys

    code = ("import sys, intertwine; intertwine.compute('SO(3): V**3 -> V**3', 'exact'); "
            "print('sympy' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0 and run.stdout.strip() == "False", run.stderr


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="backend"):
        exact.nullspace_rref(sp.csr_matrix(np.eye(2, dtype=int)), 2, "flint")


# -- large exact results are written block by block -----------------------------------

@pytest.mark.parametrize("text", ["SO(3): V**4 -> V**4", "O(3): V**3 -> V + V**3",
                                  "Sp(2): V**2 -> V**2"])
def test_streamed_exact_file_equals_the_whole_one(text, tmp_path, monkeypatch):
    import h5py

    from intertwine.api import compute_to_file
    from intertwine.solvers.exact import ExactCooSource

    monkeypatch.setattr(exact, "STREAM_BLOCK_ENTRIES", 50)
    blocks = []
    real_blocks = ExactCooSource.blocks
    monkeypatch.setattr(ExactCooSource, "blocks",
                        lambda self, entries=50: (blocks.append(1) or b
                                                  for b in real_blocks(self, entries)))
    streamed, whole = tmp_path / "s.h5", tmp_path / "w.h5"
    compute_to_file(text, streamed)
    intertwine.compute(text).save(whole)
    assert len(blocks) > 1  # it was written in pieces
    with h5py.File(streamed) as a, h5py.File(whole) as b:
        assert sorted(a["basis"]) == sorted(b["basis"])
        for key in b["basis"]:
            x, y = a["basis"][key], b["basis"][key]
            assert x.dtype == y.dtype and np.array_equal(x[...], y[...]), key
        assert dict(a.attrs) == dict(b.attrs)
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "intertwine", "verify", str(streamed)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def source_elements(coo) -> int:
    return len(np.unique(coo.index))


def test_source_blocks_cut_between_elements(monkeypatch):
    p = Problem.from_spec("SO(3): V**4 -> V**4")
    whole = solve_exact(p)["coo"]
    monkeypatch.setattr(exact, "STREAM_BLOCK_ENTRIES", 10)
    source = solve_exact(p, stream=True)["coo"]
    assert source.nnz == len(whole)
    for entries in (1, 333, 10**9):
        parts = list(source.blocks(entries))
        if entries in (1, 10**9):  # one element a block; everything in one
            assert len(parts) == (source_elements(whole) if entries == 1 else 1)
        seen = [set(b.index.tolist()) for b in parts]
        assert all(not (a & b) for a, b in zip(seen, seen[1:]))  # no element split
        for field in ("index", "row", "col", "value", "numerator", "denominator"):
            joined = np.concatenate([getattr(b, field) for b in parts])
            assert np.array_equal(joined, getattr(whole, field))


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 60).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.permutations(range(n)), min_size=0, max_size=3))))
def test_numpy_orbit_labels_equal_csgraphs(case):
    from intertwine.solvers.labels import orbit_labels
    from intertwine.solvers.orbit.signed import components

    n, perms = case
    images = [np.array(p, np.int64) for p in perms]
    assert orbit_labels(images, n).tolist() == components(images, n).tolist()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(integer_matrices(st.integers(-6, 6)))
def test_small_nullspaces_make_the_same_arrays(dense):
    """Up to ``SMALL_ENTRIES`` entries the arrays are made in Python ints: the very arrays
    (values, order, dtypes) that the numpy path makes."""
    n_cols = dense.shape[1]
    rows = [{n_cols - 1 - c: int(v) for c, v in enumerate(row) if v} for row in dense]
    small = integer.nullspace_entries([dict(r) for r in rows], n_cols)
    saved = integer.SMALL_ENTRIES
    integer.SMALL_ENTRIES = -1
    try:
        large = integer.nullspace_entries([dict(r) for r in rows], n_cols)
    finally:
        integer.SMALL_ENTRIES = saved
    assert small[0] == large[0]
    for a, b in zip(small[1:], large[1:]):
        assert a.dtype == b.dtype == np.int64 and np.array_equal(a, b)
