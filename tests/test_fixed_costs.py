"""What the shortcuts for small decompositions keep: the square-root scalings of
``reps.squares`` still conjugate each generator into its rational form, the
elimination's kept weights are splitmix64's whatever sizes came before, and an
unconstrained system still gives the unit vectors in order."""

import numpy as np
import pytest

from intertwine.problem import Problem
from intertwine.solvers import integer

# sums, tensor products, powers, duals and sym/alt, with orthogonal parts (0e, 1o)
# beside square-root ones (2e, 3o): the parts whose squares are all 1 are left out
# until a scaled part meets them
EXPRESSIONS = ["sym(1o, 2) + 2e", "2e * 1o", "dual(2e) + 0e", "alt(2e, 2)", "(1o + 2e)**2",
               "sym(2e + 1o, 2)", "3o * 1e + 1", "sym(1o, 3) + dual(sym(2e, 2))", "1o**3"]


@pytest.mark.parametrize("rep", EXPRESSIONS)
def test_squares_conjugate_every_generator_into_its_rational_form(rep):
    """R_k = c_k D rho_k D^-1 with D = diag(sqrt(s)): the defining relation of the
    squares s (``Problem.squares``), for every Lie generator of O(3)."""
    spec = f"O(3): {rep} -> {rep}"
    float_problem = Problem.from_spec(spec)
    rational = float_problem.rational_form()
    num, den = rational.squares[0]
    assert len(num) == len(den) == float_problem.dim_in
    scale = np.sqrt(np.array([int(a) / int(b) for a, b in zip(num, den)]))
    assert np.all(scale > 0)
    for r, rho, c in zip(rational.lie_in, float_problem.lie_in, rational.lie_multipliers,
                         strict=True):
        assert np.issubdtype(r.dtype, np.integer)
        expected = c * scale[:, None] * rho.toarray() / scale[None, :]
        assert np.allclose(r.toarray(), expected, atol=1e-9)


def _splitmix_reference(i: int) -> int:
    """splitmix64 of i in Python ints, modulo 2**61 - 2, plus 1 (the functional's
    weight of column i, written apart from numpy)."""
    mask = (1 << 64) - 1
    z = (i * 0x9E3779B97F4A7C15 + 0x9E3779B97F4A7C15) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    z ^= z >> 31
    return z % ((1 << 61) - 2) + 1


def test_kept_weights_are_splitmix_whatever_came_before(monkeypatch):
    monkeypatch.setattr(integer, "_kept_weights", [])
    for n in (0, 1, 7, 8, 3, 100, 20, integer.KEPT_WEIGHTS + 5, 2, 40):
        weights = integer._weights(n)
        assert len(weights) >= n
        assert weights[:min(n, 50)] == [_splitmix_reference(i) for i in range(min(n, 50))]
        if n > 50:  # the end too
            assert weights[n - 1] == _splitmix_reference(n - 1)
    assert len(integer._kept_weights) <= integer.KEPT_WEIGHTS


def test_an_unconstrained_system_gives_the_unit_vectors():
    """No row (or only empty ones): every column is free, element k is the unit vector
    at position k, as the general elimination orders them."""
    for rows in ([], [{}, {}]):
        n_basis, index, pos, num, den = integer.nullspace_entries(rows, 4, 4)
        assert n_basis == 4
        assert index.tolist() == pos.tolist() == [0, 1, 2, 3]
        assert num.tolist() == den.tolist() == [1, 1, 1, 1]
        assert index.dtype == pos.dtype == num.dtype == den.dtype == np.int64
    # one constraint x_0 = x_3 (reversed columns: 3 and 0) leaves three elements
    n_basis, index, pos, num, den = integer.nullspace_entries([{3: 1, 0: -1}], 4, 3)
    assert n_basis == 3
    assert list(zip(index.tolist(), pos.tolist(), num.tolist())) == \
        [(0, 0, 1), (0, 3, 1), (1, 1, 1), (2, 2, 1)]
