"""verify_basis finds each kind of broken basis, not only the good ones."""

import numpy as np

import intertwine
from intertwine.basis import Coo
from intertwine.check.verify import verify_basis


def failures(b):
    return [message for passed, message in verify_basis(b) if passed is False]


def test_good_bases_pass():
    for spec, method in [("S(4): V**2 -> V", "orbit"), ("S(3): V**2 -> det", "orbit"),
                         ("SO(3): V**2 -> V**2", "exact"), ("D(4): V -> V", "numeric")]:
        assert failures(intertwine.compute(spec, method)) == []


def test_a_pattern_element_that_never_occurs():
    b = intertwine.compute("S(4): V**2 -> V")
    b.pattern[b.pattern == 1] = 0  # element 1 merged into element 0
    assert any("pattern elements occur" in m for m in failures(b))


def _with_entries(b, index, row, col, value):
    c = b.coo
    b.coo = Coo(np.append(c.index, index), np.append(c.row, row), np.append(c.col, col),
                np.append(c.value, value))
    return b


def test_an_exact_basis_out_of_echelon_form():
    b = intertwine.compute("SO(3): V**2 -> V**2", "exact")
    c = b.coo
    first = c.index == 0  # B_1 += B_0: the same space, no longer reduced
    b = _with_entries(b, np.ones(first.sum(), np.int64), c.row[first], c.col[first],
                      c.value[first])
    b.coo.index, b.coo.row, b.coo.col, b.coo.value = _summed(b)
    assert any("row-echelon" in m for m in failures(b))


def test_a_numeric_basis_that_is_not_orthonormal():
    b = intertwine.compute("D(4): V -> V", "numeric")
    b.coo.value[b.coo.index == 0] *= 2
    assert any("orthonormal" in m for m in failures(b))


def _summed(b):
    s = b.sparse().tocoo()
    row, col = np.divmod(s.col, b.dim_in)
    return s.row.astype(np.int64), row, col, s.data


def test_a_coo_element_that_is_not_equivariant():
    b = intertwine.compute("O(3): V**2 -> V**2", "exact")
    c = b.coo
    last = np.flatnonzero(c.index == 0)[-1]  # not B_0's leading 1: the RREF stays valid
    c.value = c.value.copy()
    c.value[last] *= 3
    c.numerator = c.numerator.copy()
    c.numerator[last] *= 3
    failed = failures(b)
    assert any("equivariant" in m for m in failed), failed
    assert not any("row-echelon" in m for m in failed)
