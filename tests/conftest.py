"""Every exact elimination any test runs is also done by sympy, the reference: the
integer Gauss-Jordan (``solvers.integer``) must give the identical RREF on every spec
of the test suite (in-process ones; the command-line tests run the same code)."""

import numpy as np
import pytest

from intertwine.solvers import exact

_integer_nullspace = exact.nullspace_rref
compared: list[int] = []  # sizes of the systems compared, for test_integer's control


def _checked(matrix, n_cols, backend="integer", nullity=None):
    got = _integer_nullspace(matrix, n_cols, backend, nullity)
    if backend == "integer" and n_cols <= 3000:  # sympy's pure Python: small ones only
        n_ref, ref = _integer_nullspace(matrix, n_cols, "sympy")
        assert got[0] == n_ref, "integer and sympy eliminations disagree on the nullity"
        for field in ("index", "row", "col", "value", "numerator", "denominator"):
            a, b = getattr(got[1], field), getattr(ref, field)
            assert a.dtype == b.dtype and np.array_equal(a, b), \
                f"integer and sympy eliminations disagree ({field})"
        compared.append(n_cols)
    return got


@pytest.fixture(autouse=True)
def _exact_against_sympy(monkeypatch):
    monkeypatch.setattr(exact, "nullspace_rref", _checked)
