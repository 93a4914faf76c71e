"""The sparse products of ``intertwine.coo`` (what matrix actions are built with, in place
of scipy's) against numpy's dense ones, on random sparse integer and float matrices."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from intertwine.coo import CooMatrix, kron, matmul


def sparse(shape, dtype):
    """Dense arrays with many zeros: each entry zero with probability about 2/3."""
    values = st.integers(-3, 3) if dtype == np.int64 else \
        st.floats(-2, 2, allow_nan=False, allow_subnormal=False)
    return arrays(dtype, shape, elements=st.one_of(st.just(0), st.just(0), values))


@st.composite
def pair(draw, inner_equal: bool):
    dtype = draw(st.sampled_from([np.int64, np.float64]))
    m, k, n = (draw(st.integers(0, 5)) for _ in range(3))
    second = (k, n) if inner_equal else (draw(st.integers(0, 4)), n)
    return draw(sparse((m, k), dtype)), draw(sparse(second, dtype))


def canonical(m: CooMatrix) -> bool:
    key = m.row * max(m.shape[1], 1) + m.col
    return bool(np.all(np.diff(key) > 0)) and bool(np.all(m.value != 0))


@settings(max_examples=60, deadline=None)
@given(pair(inner_equal=True))
def test_matmul_is_the_matrix_product(ab):
    a, b = ab
    out = matmul(CooMatrix.of(a), CooMatrix.of(b))
    assert out.shape == (a.shape[0], b.shape[1])
    np.testing.assert_allclose(out.toarray(), a @ b, rtol=0, atol=1e-12)
    assert canonical(out)


@settings(max_examples=60, deadline=None)
@given(pair(inner_equal=False))
def test_kron_is_numpys(ab):
    a, b = ab
    out = kron(CooMatrix.of(a), CooMatrix.of(b))
    assert out.shape == (a.shape[0] * b.shape[0], a.shape[1] * b.shape[1])
    np.testing.assert_array_equal(out.toarray(), np.kron(a, b))
    assert canonical(out)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([np.int64, np.float64, object]),
       st.sampled_from([1, 3, 500]))
def test_from_entries_sums_repeats(seed, dtype, runs):
    """Many entries, many repeated, in as many increasing runs as asked (a few take
    timsort, many numpy's quicksort for integers): the sums, exact for integers."""
    rng = np.random.default_rng(seed)
    shape = (7, 11)
    row, col = rng.integers(0, 7, 3000), rng.integers(0, 11, 3000)
    for part in np.array_split(np.arange(3000), runs):
        order = np.argsort(row[part] * 11 + col[part], kind="stable")
        row[part], col[part] = row[part][order], col[part][order]
    value = rng.integers(-3, 4, 3000).astype(dtype) if dtype != np.float64 else \
        rng.normal(size=3000)
    m = CooMatrix.from_entries(row, col, value, shape)
    want = {}
    for r, c, v in zip(row.tolist(), col.tolist(), value.tolist()):
        want[(r, c)] = want.get((r, c), 0) + v
    want = {k: v for k, v in sorted(want.items()) if v != 0}
    assert canonical(m)
    assert [(int(r), int(c)) for r, c in zip(m.row, m.col)] == list(want)
    if dtype == np.float64:
        assert np.allclose(m.value, list(want.values()), rtol=1e-12, atol=1e-12)
    else:
        assert m.value.tolist() == list(want.values())
