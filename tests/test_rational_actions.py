"""Discrete actions by rational matrices with denominators (``MatrixAction.denominator``,
what the rational form of a square-root irrep gives, e.g. Young's seminormal form):
they compose through +, *, **, dual, sym and alt, and the exact solver's constraints
q_in A_out W - q_out W A_in = 0 give the same space as the numeric solver's."""

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse as sp

import intertwine
from intertwine.problem import Problem
from intertwine.reps import Dual, Power, Rep, Structure, Sum, Tensor, Trivial
from intertwine.reps.action import MatrixAction
from intertwine.reps.alt import Alt
from intertwine.reps.sym import Sym
from intertwine.spec import Spec, parse_group

# order 3, rational, not integer: diag(1, 2) [[0, -1], [1, -1]] diag(1, 2)^-1
THIRD = np.array([[0, -1], [4, -2]])  # / 2
THIRD_INVERSE = np.array([[-2, 1], [-4, 0]])  # / 2


@dataclass(frozen=True)
class HalfPlane(Rep):
    """C(3) on R^2 by THIRD / 2."""

    def __str__(self):
        return "halfplane"

    def dimension(self, group):
        return 2

    def act(self, walk):
        return MatrixAction(sp.csr_matrix(THIRD), sp.csr_matrix(THIRD_INVERSE), 2, 2)

    def signed_permutation(self, group):
        return False

    def lie(self, walk):
        raise AssertionError("a finite group has no Lie algebra")

    def character(self, walk, power=1):
        return None

    def degree(self, factor):
        return 0

    def monomials(self, n_factors, dual=False):
        return None

    def structure(self):
        return Structure("leaf")


def dense(rep, problem_side):
    a = problem_side[0]
    return a.matrix().toarray() / getattr(a, "denominator", 1)


def expected_dimension(m_in, m_out):
    g_in = [np.linalg.matrix_power(m_in, t) for t in range(3)]
    g_out = [np.linalg.matrix_power(m_out, t) for t in range(3)]
    return round(sum(np.trace(np.linalg.inv(a)) * np.trace(b)
                     for a, b in zip(g_in, g_out)) / 3)


P = HalfPlane()


@pytest.mark.parametrize("rep_in,rep_out", [
    (P, P), (P, Dual(P)), (Trivial(1), Power(P, 2)), (Tensor((P, Dual(P))), Trivial(2)),
    (Sum((P, Trivial(1))), Power(P, 2)), (Sym(P, 2), Tensor((P, P))), (Alt(P, 2), Trivial(1)),
])
def test_denominators_compose_and_solve_exactly(rep_in, rep_out):
    group = parse_group("C(3)")
    spec = Spec(group, rep_in, rep_out)
    problem = Problem(spec)
    assert problem.rational and not problem.signed_permutation
    m_in, m_out = dense(rep_in, problem.discrete_in), dense(rep_out, problem.discrete_out)
    # the composed matrices have order 3 and are the rational ones
    for m in (m_in, m_out):
        assert np.abs(np.linalg.matrix_power(m, 3) - np.eye(len(m))).max() < 1e-12
    exact = intertwine.compute(spec, "exact")
    numeric = intertwine.compute(spec, "numeric")
    assert exact.n_basis == numeric.n_basis == expected_dimension(m_in, m_out)
    for w in exact.dense():
        assert np.abs(m_out @ w - w @ m_in).max() < 1e-12
    # exact values are rationals with their fractions stored
    if exact.n_basis:
        values = [Fraction(int(a), int(b)) for a, b in zip(exact.coo.numerator,
                                                            exact.coo.denominator)]
        np.testing.assert_allclose([float(v) for v in values], exact.coo.value)


def test_rational_irrep_inverse_of_an_involution_and_by_exact_arithmetic():
    from intertwine.reps.irr import _rational_action

    # a reflection with denominators: [[3, 4], [4, -3]] / 5 squares to 1
    a = _rational_action(np.array([[3, 4], [4, -3]]), 5)
    np.testing.assert_array_equal(a.inverse.toarray(), a.forward.toarray())
    assert a.inverse_denominator == 5
    b = _rational_action(THIRD, 2)
    product = (b.forward.toarray() @ b.inverse.toarray()) / (b.denominator * b.inverse_denominator)
    np.testing.assert_array_equal(product, np.eye(2))
    c = _rational_action(THIRD, 2, (THIRD_INVERSE, 2))
    np.testing.assert_array_equal(c.inverse.toarray(), THIRD_INVERSE)
