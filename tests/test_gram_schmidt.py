"""The numeric basis through the exact RREF (``solvers.gram_schmidt``): what a
component too large for the eigen route gets (``SO(3): V**6 -> V**6``), checked here on
small problems forced onto that route, against the eigen route and against plain
Gram-Schmidt; and its streamed file and its expansion blocks; and ``verify``'s probe of
the Gram matrix of a file too large to sum it."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import intertwine
from intertwine.cli.app import cli
from intertwine.problem import Problem
from intertwine.solvers import gram_schmidt, numeric
from intertwine.solvers.gram_schmidt import NumericCooSource, cholesky_qr2
from intertwine.solvers.numeric import NotClearCut, solve_numeric
from intertwine.solvers.reduce import by_subgroup

SPECS = ["SO(3): V**3 -> V**3", "O(3): V**4 -> V**4", "SO(1,3): V**2 -> V**2",
         "Sp(2): V**2 -> V**2", "SO(3): V**2 + V -> V**3 + 1", "SO(2): V**3 -> V**2",
         "O(2): V + V**2 -> V**3", "SO(1,3): V + V**2 -> V**2", "O(3): V**2 -> 1 + V**2",
         "SO(3): 1 -> V**4", "Sp(4): V**2 -> V**2", "O(1,3): V**3 -> V"]


def _dense(result, p: Problem) -> np.ndarray:
    c = result.coo
    out = np.zeros((result.n_basis, p.dim_out * p.dim_in))
    out[c.index, np.asarray(c.row) * p.dim_in + c.col] = c.value
    return out


@settings(max_examples=len(SPECS), deadline=None)
@given(st.sampled_from(SPECS))
def test_the_rref_route_gives_the_eigen_routes_basis(text):
    p = Problem.from_spec(text)
    eigen, rref = solve_numeric(p), solve_numeric(p, max_dense=1)
    if eigen.attrs.get("numeric_largest_component", 0) > 1:
        assert "numeric_orthonormalisation" in rref.attrs
        assert rref.attrs["exact_elimination"] in ("integer", "modular")
    a, b = _dense(eigen, p), _dense(rref, p)
    assert a.shape == b.shape and np.abs(a - b).max(initial=0) < 1e-12
    assert np.array_equal(a != 0, b != 0)  # the same entries, no rounding noise kept
    assert np.abs(b @ b.T - np.eye(len(b))).max(initial=0) < 1e-13
    assert rref.attrs["numeric_max_residual"] < 1e-12


def _gram_schmidt(a: np.ndarray) -> np.ndarray:
    """Textbook modified Gram-Schmidt of the rows, twice over (the reference)."""
    q = a.astype(np.float64).copy()
    for k in range(len(q)):
        for _ in range(2):
            q[k] -= q[:k].T @ (q[:k] @ q[k])
        q[k] /= np.linalg.norm(q[k])
    return q


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12).flatmap(lambda k: st.tuples(
    st.integers(k, 40), st.integers(0, 2**32 - 1), st.sampled_from([0.0, 1.0, np.inf]),
    st.just(k))))
def test_cholesky_qr2_is_gram_schmidt(case):
    """Rows orthonormal, each in the span of the rows up to it with a positive
    coefficient on its own: Gram-Schmidt, whichever precision the second pass takes
    (``MIXED_PRECISION_BELOW``: 0 forces float64, inf float32)."""
    n, seed, mixed, k = case
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((k, n)) @ np.diag(rng.uniform(0.1, 10, n))
    a[:, rng.random(n) < 0.3] = 0.0  # RREF rows are sparse
    a[np.arange(k), np.arange(k)] = 1.0  # and independent
    old = gram_schmidt.MIXED_PRECISION_BELOW
    gram_schmidt.MIXED_PRECISION_BELOW = mixed
    try:
        q = cholesky_qr2(a.copy())
    finally:
        gram_schmidt.MIXED_PRECISION_BELOW = old
    assert np.abs(q @ q.T - np.eye(k)).max() < 1e-13
    lower = a @ q.T  # a = L q with L lower triangular, positive diagonal
    assert np.abs(np.triu(lower, 1)).max(initial=0) < 1e-10 * np.abs(a).max()
    assert (np.diag(lower) > 0).all()
    assert np.abs(q - _gram_schmidt(a)).max() < 1e-10


def test_dependent_rows_are_not_clear_cut():
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]])
    with pytest.raises(NotClearCut):
        cholesky_qr2(a)


@pytest.mark.parametrize("entries", [1, 37, 500, 10**9])
def test_source_blocks_are_the_expansion_of_the_whole(entries, monkeypatch):
    """Dense blocks (one gather over all positions) and sparse ones (``expand``) give
    the entries of the whole, in element then position order, whatever the cut."""
    monkeypatch.setattr(gram_schmidt, "STREAM_BLOCK_ENTRIES", 10)
    p = Problem.from_spec("SO(3): V**2 + V -> V**3 + 1")
    reduction = by_subgroup(p)
    result = solve_numeric(p, max_dense=1, stream=True)
    source = result.coo
    assert isinstance(source, NumericCooSource) and not source.exact
    blocks = list(source.blocks(entries))
    joined = {k: np.concatenate([getattr(b, k) for b in blocks])
              for k in ("index", "row", "col", "value")}
    coeff = source.elements.tocsr().tocoo()
    whole = reduction.expand(intertwine.coo.Coo(
        coeff.row.astype(np.int64), coeff.col.astype(np.int64),
        np.zeros(coeff.nnz, np.int64), coeff.data))
    row, col = np.divmod(whole.row, p.dim_in)
    assert len(joined["index"]) == source.nnz == len(whole.index)
    for key, expected in (("index", whole.index), ("row", row), ("col", col),
                          ("value", whole.value)):
        assert np.array_equal(joined[key], expected), key


def test_both_kinds_of_block_occur(monkeypatch):
    monkeypatch.setattr(gram_schmidt, "STREAM_BLOCK_ENTRIES", 10)
    p = Problem.from_spec("SO(3): V**3 -> V**3")  # dense over its component
    source = solve_numeric(p, max_dense=1, stream=True).coo
    kinds = []
    for name in ("_dense_block", "_sparse_block"):
        real = getattr(NumericCooSource, name)
        monkeypatch.setattr(NumericCooSource, name,
                            lambda self, *a, _r=real, _n=name: kinds.append(_n) or _r(self, *a))
    list(source.blocks(100))
    assert "_dense_block" in kinds
    sparse = solve_numeric(Problem.from_spec("SO(3): V + V**2 + V**3 -> V + V**2 + V**3"),
                           max_dense=1, stream=True).coo
    list(sparse.blocks(10**9))
    assert "_sparse_block" in kinds


def test_streamed_numeric_file_equals_the_whole_one_and_verifies(tmp_path, monkeypatch):
    from intertwine.api import compute_to_file

    text = "SO(3): V**3 -> V**3 + V"
    monkeypatch.setattr(numeric, "MAX_DENSE_UNKNOWNS", 5)
    monkeypatch.setattr(gram_schmidt, "STREAM_BLOCK_ENTRIES", 100)
    streamed, whole = tmp_path / "s.h5", tmp_path / "w.h5"
    compute_to_file(text, streamed, "numeric")
    intertwine.compute(text, "numeric").save(whole)
    with h5py.File(streamed) as a, h5py.File(whole) as b:
        assert a.attrs["method"] == "numeric" and not a.attrs["exact"]
        assert "numeric_orthonormalisation" in a.attrs
        assert sorted(a["basis"]) == sorted(b["basis"]) == ["col", "index", "row", "value"]
        for key in b["basis"]:
            assert np.array_equal(a["basis"][key][...], b["basis"][key][...]), key
        # the streamed file's residuals are found while it is written, the same ones
        assert set(a.attrs) == set(b.attrs)
        for key in ("numeric_max_residual", "numeric_residuals"):
            assert np.array_equal(a.attrs[key], b.attrs[key]), key
        assert len(a.attrs["numeric_residuals"]) == a.attrs["n_basis"]
    result = CliRunner().invoke(cli, ["verify", str(streamed)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("streamed", [True, False])
def test_a_basis_that_misses_its_residual_bound_is_not_written(tmp_path, monkeypatch,
                                                               streamed):
    """The residuals of a streamed basis are judged after its blocks are written: a
    failure still leaves no file (and no temporary) behind, and an old file whole."""
    from intertwine.api import compute_to_file

    monkeypatch.setattr(numeric, "MAX_DENSE_UNKNOWNS", 5)
    monkeypatch.setattr(gram_schmidt, "STREAM_BLOCK_ENTRIES", 100 if streamed else 10**9)
    monkeypatch.setattr(gram_schmidt, "MAX_RELATIVE_RESIDUAL", -1.0)  # nothing passes
    path = tmp_path / "b.h5"
    path.write_bytes(b"old")
    written = []
    real = NumericCooSource.blocks
    monkeypatch.setattr(NumericCooSource, "blocks",
                        lambda self, *a: (written.append(b) or b for b in real(self, *a)))
    with pytest.raises(NotClearCut, match="misses the constraints"):
        compute_to_file("SO(3): V**3 -> V**3 + V", path, "numeric")
    assert bool(written) == streamed  # streamed: it failed after writing blocks
    assert path.read_bytes() == b"old" and sorted(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize("entries", [50, 400, 10**6])
def test_blocks_of_sparse_elements_are_never_made_dense(entries, monkeypatch):
    """1,680 lone orbits (the 40 x 40 trivial block) and one component of 31 unknowns:
    a block of lone elements must stay sparse.  Dense rows are asked for only where the
    elements fill the positions, so their size is bounded by the block's entries."""
    monkeypatch.setattr(gram_schmidt, "STREAM_BLOCK_ENTRIES", 0)
    p = Problem.from_spec("SO(3): V**3 + 40*1 -> V**3 + 40*1")
    source = solve_numeric(p, max_dense=1, stream=True).coo
    elements = source.elements
    assert len(elements.lone[0]) == 1680
    asked = []
    real = gram_schmidt.OrthonormalElements.rows
    monkeypatch.setattr(gram_schmidt.OrthonormalElements, "rows",
                        lambda self, lo, hi: asked.append((hi - lo) * self.shape[1])
                        or real(self, lo, hi))
    blocks = list(source.blocks(entries))
    largest_element = int(np.diff(source._before).max())
    assert max(asked, default=0) <= 4 * (entries + largest_element)
    assert sum(len(b.value) for b in blocks) == source.nnz
    assert source.final_attributes()["numeric_max_residual"] < 1e-12


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["SO(3): V**2 + V -> V**3 + 1", "O(3): V**2 -> 1 + V**2",
                        "SO(3): V + V**2 -> V + V**2"]), st.data())
def test_rows_of_any_cut_are_the_rows_of_the_whole(text, data):
    """``OrthonormalElements.rows`` over any range (components interleaved, lone
    unknowns, one component alone) is that range of the whole; and the whole is
    orthonormal in the isometric coordinates."""
    p = Problem.from_spec(text)
    with pytest.MonkeyPatch.context() as patch:  # (hypothesis: no function fixtures)
        patch.setattr(gram_schmidt, "STREAM_BLOCK_ENTRIES", 0)  # a source, not expanded
        source = solve_numeric(p, max_dense=1, stream=True).coo
    elements = source.elements
    n = elements.shape[0]
    whole = np.array(elements.rows(0, n))
    lo = data.draw(st.integers(0, n - 1))
    hi = data.draw(st.integers(lo + 1, n))
    assert np.array_equal(elements.rows(lo, hi), whole[lo:hi])
    sizes = by_subgroup(p).sizes()
    iso = whole * np.sqrt(sizes)
    assert np.abs(iso @ iso.T - np.eye(n)).max() < 1e-13
    assert np.array_equal(elements.entries(sizes), (whole != 0) @ sizes)


def _numeric_file(tmp_path, text="SO(3): V**2 -> V**2"):
    path = tmp_path / "n.h5"
    intertwine.compute(text, "numeric").save(path)
    return path


@pytest.mark.parametrize("damage", [None, "scale", "mix"])
def test_verify_probes_the_gram_matrix_of_a_large_file(tmp_path, monkeypatch, damage):
    """Beyond ``MAX_GRAM_PASSES`` the Gram matrix is probed with random sign vectors.
    Damage that keeps every element equivariant but breaks orthonormality by 1e-6 (an
    element scaled; another element's multiple added) fails, every time."""
    from intertwine.check import verify

    path = _numeric_file(tmp_path)
    if damage:
        with h5py.File(path, "r+") as f:
            g = f["basis"]
            dense = np.zeros((int(f.attrs["n_basis"]), 81))
            dense[g["index"][...], g["row"][...] * 9 + g["col"][...]] = g["value"][...]
            if damage == "scale":
                dense[1] *= 1 + 1e-6
            else:  # still in the span: equivariant, no longer orthogonal
                dense[1] += 1e-6 * dense[0]
            index, flat = np.nonzero(dense)
            for key, a in (("index", index), ("row", flat // 9), ("col", flat % 9),
                           ("value", dense[index, flat])):
                del g[key]
                g[key] = a
    monkeypatch.setattr(verify, "MAX_GRAM_PASSES", 0)
    results = list(verify.verify_file(path))
    gram = [(ok, msg) for ok, msg in results if msg.startswith("orthonormal")]
    assert len(gram) == 1 and "random sign vectors" in gram[0][1]
    assert gram[0][0] is (damage is None), gram


def test_verify_sums_the_gram_matrix_of_a_small_file(tmp_path):
    from intertwine.check import verify

    results = list(verify.verify_file(_numeric_file(tmp_path)))
    assert any(ok and msg.startswith("orthonormal (max |<B_i") for ok, msg in results)


def test_a_component_too_dense_is_refused_before_the_elimination(tmp_path, monkeypatch):
    from intertwine.solvers import exact

    monkeypatch.setattr(numeric, "MAX_DENSE_UNKNOWNS", 5)
    monkeypatch.setattr(gram_schmidt, "MAX_DENSE_ENTRIES", 100)
    monkeypatch.setattr(exact, "_eliminate", lambda *a: pytest.fail("eliminated"))
    out = tmp_path / "b.h5"
    result = CliRunner().invoke(cli, ["basis", "SO(3): V**3 -> V**3", "-o", str(out),
                                      "--method", "numeric"])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2 and not out.exists() and len(lines) <= 4, result.output
    assert "dense entries per component" in result.output and "--method exact" in lines[-1]


def test_beyond_the_exact_limit_a_large_component_is_refused_without_suggesting_exact(
        tmp_path):
    """``SO(3): V**7 -> V**6`` has 1.6 million unknowns: more than exact takes, so a
    component beyond the eigen route's limit cannot go through the RREF either."""
    out = tmp_path / "b.h5"
    result = CliRunner().invoke(cli, ["basis", "SO(3): V**7 -> V**6", "-o", str(out),
                                      "--method", "numeric"])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) <= 4
    assert not out.exists()
    assert "66430 remain linked" in result.output and "--method exact" not in result.output


def test_a_small_result_is_held_whole_even_when_streaming_is_asked():
    result = solve_numeric(Problem.from_spec("SO(3): V**2 -> V**2"), max_dense=1, stream=True)
    assert isinstance(result.coo, intertwine.coo.Coo)


def test_an_unstreamed_result_too_large_to_hold_is_refused(monkeypatch):
    monkeypatch.setattr(gram_schmidt, "MAX_UNSTREAMED_ENTRIES", 10)
    with pytest.raises(intertwine.problem.TooLarge, match="write it to a file"):
        solve_numeric(Problem.from_spec("SO(3): V**2 -> V**2"), max_dense=1)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 199), max_size=300), st.sampled_from([200, 5000]))
def test_numbering_by_table_and_by_sorting_agree(values, size):
    """``_numbering`` sorts few values and tables many (size 5000 against at most 300
    values takes the sort, 200 the table): both give np.unique's answer."""
    values = np.array(values, np.int64)
    distinct, number = gram_schmidt._numbering(values, size)
    expected, inverse = np.unique(values, return_inverse=True)
    assert np.array_equal(distinct, expected) and np.array_equal(number, inverse.ravel())
