"""Every exact elimination any test runs is also done by sympy, the reference, and by the
other elimination of this package: the integer Gauss-Jordan (``solvers.integer``) and
the modular one (``solvers.modular``, where its extension is built) must give the
identical RREF on every spec of the test suite (in-process ones; the command-line tests
run the same code)."""

import numpy as np
import pytest

from intertwine.solvers import exact, modular

_nullspace = exact.nullspace_rref
compared: list[int] = []  # sizes of the systems compared, for test_integer's control
#: sizes of the systems the modular elimination solved and proved, for test_modular
compared_modular: list[int] = []


def _same(got, ref, what: str) -> None:
    assert got[0] == ref[0], f"{what} eliminations disagree on the nullity"
    for field in ("index", "row", "col", "value", "numerator", "denominator"):
        a, b = getattr(got[1], field), getattr(ref[1], field)
        assert a.dtype == b.dtype and np.array_equal(a, b), \
            f"{what} eliminations disagree ({field})"


def _checked(matrix, n_cols, backend="auto", nullity=None):
    got = _nullspace(matrix, n_cols, backend, nullity)
    if backend == "sympy":
        return got
    if n_cols <= 3000:  # sympy's pure Python: small ones only
        _same(got, _nullspace(matrix, n_cols, "sympy"), f"{backend} and sympy")
        compared.append(n_cols)
    if backend != "integer":
        _same(got, _nullspace(matrix, n_cols, "integer", nullity), f"{backend} and integer")
    if backend != "modular" and modular.available():
        try:
            ref = _nullspace(matrix, n_cols, "modular")
        except modular.Unproved:
            pass
        else:
            _same(got, ref, f"{backend} and modular")
            compared_modular.append(n_cols)
    return got


@pytest.fixture(autouse=True)
def _exact_against_sympy(monkeypatch):
    monkeypatch.setattr(exact, "nullspace_rref", _checked)
