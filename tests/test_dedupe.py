"""``reduce.dedupe_rows`` against a reference written here: each nonzero row made
primitive with a positive first entry, as a tuple, the distinct ones sorted by length,
then by (columns, values)."""

from math import gcd

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from intertwine.coo import CooMatrix
from intertwine.solvers.reduce import DistinctRows, dedupe_rows


def _reference(dense: np.ndarray) -> list[tuple]:
    rows = set()
    for row in dense.tolist():
        cols = [c for c, v in enumerate(row) if v]
        if not cols:
            continue
        g = 0
        for c in cols:
            g = gcd(g, row[c])
        g = g if row[cols[0]] > 0 else -g
        rows.add((len(cols), tuple(cols), tuple(row[c] // g for c in cols)))
    return sorted(rows)


def _rows(m: CooMatrix) -> list[tuple]:
    out = []
    for r in range(m.shape[0]):
        mine = np.flatnonzero(m.row == r)
        out.append((len(mine), tuple(m.col[mine].tolist()), tuple(m.value[mine].tolist())))
    return out


# entries from a few values that repeat (duplicates, multiples, sign flips) and, in
# some columns, very large ones (the rows' packed sort keys then take more words)
_entry = st.sampled_from([0, 0, 0, 1, -1, 2, -2, 3, 6, -6, 2**40, -(2**40) * 3, 2**61])


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 12).flatmap(lambda n: st.lists(
    st.lists(_entry, min_size=n, max_size=n), min_size=1, max_size=30)))
def test_dedupe_rows_against_a_reference(rows):
    dense = np.array(rows, np.int64)
    dense = np.concatenate([dense, dense[::-1] * -2])  # every row again, scaled
    got = dedupe_rows(CooMatrix.of(dense))
    assert _rows(got) == _reference(dense)
    assert got.shape[1] == dense.shape[1]


def test_deduped_rows_are_not_deduped_again():
    dense = np.array([[2, 4, 0], [1, 2, 0], [0, 0, 0], [0, -3, 3]], np.int64)
    once = dedupe_rows(dense)
    assert isinstance(once, DistinctRows) and dedupe_rows(once) is once
    assert _rows(once) == [(2, (0, 1), (1, 2)), (2, (1, 2), (1, -1))]
    # what is made from it is a plain matrix again, which dedupe_rows does look at
    changed = once._replace(value=once.value * 3)
    assert type(changed) is CooMatrix and type(once.T) is CooMatrix
    assert _rows(dedupe_rows(changed)) == _rows(once)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 12).flatmap(lambda n: st.lists(
    st.lists(_entry, min_size=n, max_size=n), min_size=1, max_size=30)), st.booleans())
def test_elimination_order_of_rows(rows, deduped):
    """``modular._reversed_rows`` orders rows by latest leading column, then length, then
    as given (a sort by the lead alone where they come by length, as deduped ones do)."""
    from intertwine.solvers.modular import _reversed_rows

    dense = np.array(rows, np.int64) % 7 - 3  # small values: any rows, in any order
    m = dedupe_rows(dense) if deduped else CooMatrix.of(dense)
    m = m.canonical()
    n = dense.shape[1]
    indptr, cols, vals = _reversed_rows(m, n)
    given_rows = []
    for r in range(m.shape[0]):
        mine = np.flatnonzero(m.row == r)
        if len(mine):
            rev = sorted(zip((n - 1 - m.col[mine]).tolist(), m.value[mine].tolist()))
            given_rows.append((-rev[0][0], len(rev), r, rev))
    want = [rev for *_, rev in sorted(given_rows)]
    got = [list(zip(cols[a:b].tolist(), vals[a:b].tolist()))
           for a, b in zip(indptr[:-1], indptr[1:])]
    assert got == want


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 5), _entry), max_size=60))
def test_small_matrices_dedupe_as_large_ones(entries):
    """Matrices of at most ``SMALL_DEDUPE`` entries are deduped in Python ints: the same
    arrays as the numpy path gives, repeated entries (some cancelling) summed first."""
    import intertwine.solvers.reduce as reduce_module

    row, col, value = (np.array(a, np.int64).reshape(-1) for a in zip(*entries or [((),) * 3]))
    m = CooMatrix(row, col, np.concatenate([value[1:], value[:1]]), (10, 6))  # repeats
    small = dedupe_rows(m)
    saved = reduce_module.SMALL_DEDUPE
    reduce_module.SMALL_DEDUPE = -1
    try:
        large = dedupe_rows(m)
    finally:
        reduce_module.SMALL_DEDUPE = saved
    assert small.shape == large.shape and isinstance(small, DistinctRows)
    for a, b in zip(small[:3], large[:3]):
        assert a.dtype == b.dtype == np.int64 and np.array_equal(a, b)
    assert _rows(small) == _reference(m.toarray())
