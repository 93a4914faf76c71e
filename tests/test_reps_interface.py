"""The representation interface: a constructor is one class, and its discrete action may be
any sparse matrix (not only a signed permutation), integer (exact) or float (numeric).

The representations here are defined in this file only (never registered by name), the
way a new module of ``intertwine/reps`` would define them; dimensions are checked against
characters computed here from the matrices themselves.
"""

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pytest
import scipy.sparse as sp

import intertwine
from intertwine.problem import Problem
from intertwine.reps import Dual, Power, Rep, Structure, Tensor, Trivial, constructor
from intertwine.reps.action import MatrixAction
from intertwine.solvers import MethodError, choose_method
from intertwine.spec import Spec, parse_group

C3 = np.array([[0, -1], [1, -1]])  # order 3, integer, no signed permutation
ANGLE = 2 * np.pi / 5
C5 = np.array([[np.cos(ANGLE), -np.sin(ANGLE)], [np.sin(ANGLE), np.cos(ANGLE)]])


@dataclass(frozen=True)
class Plane(Rep):
    """C(n) on R^2 by a fixed 2x2 matrix of order n (integer or float)."""

    entries: tuple

    def __str__(self):
        return "plane"

    def matrix(self):
        return np.array(self.entries)

    def dimension(self, group):
        return 2

    def act(self, walk):
        m = self.matrix()
        inverse = np.linalg.inv(m)
        if np.issubdtype(m.dtype, np.integer):
            inverse = np.rint(inverse).astype(np.int64)
        return MatrixAction(sp.csr_matrix(m), sp.csr_matrix(inverse))

    def signed_permutation(self, group):
        return False

    def rational(self, group):
        return np.issubdtype(self.matrix().dtype, np.integer)

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


def dim_by_characters(rep_in, rep_out, m, order):
    """(1/|G|) sum_g chi_in(g) chi_out(g) for reps built from one 2x2 matrix m of order
    ``order``, evaluated densely here."""
    def rho(rep, g):
        if isinstance(rep, Plane):
            return g
        if isinstance(rep, Trivial):
            return np.eye(rep.k)
        if isinstance(rep, Dual):
            return np.linalg.inv(rho(rep.rep, g)).T
        if isinstance(rep, Tensor):
            out = np.eye(1)
            for f in rep.factors:
                out = np.kron(out, rho(f, g))
            return out
        if isinstance(rep, Power):
            out = np.eye(1)
            for _ in range(rep.k):
                out = np.kron(out, rho(rep.base, g))
            return out
        raise TypeError(rep)

    powers = [np.linalg.matrix_power(m, t) for t in range(order)]
    total = sum(np.trace(np.linalg.inv(rho(rep_in, g))) * np.trace(rho(rep_out, g))
                for g in powers)
    return round(total.real / order)


def spec_of(group, rep_in, rep_out):
    return Spec(parse_group(group), rep_in, rep_out)


@pytest.mark.parametrize("rep_in,rep_out", [
    (Plane(tuple(map(tuple, C3))), Plane(tuple(map(tuple, C3)))),
    (Plane(tuple(map(tuple, C3))), Dual(Plane(tuple(map(tuple, C3))))),
    (Trivial(1), Power(Plane(tuple(map(tuple, C3))), 2)),
    (Tensor((Plane(tuple(map(tuple, C3))), Dual(Plane(tuple(map(tuple, C3)))))), Trivial(2)),
])
def test_integer_matrix_actions_are_exact_and_numeric(rep_in, rep_out):
    spec = spec_of("C(3)", rep_in, rep_out)
    problem = Problem(spec)
    expected = dim_by_characters(rep_in, rep_out, C3, 3)
    assert not problem.signed_permutation and problem.rational
    with pytest.raises(MethodError, match="orbit"):
        choose_method(problem, "orbit")
    exact = intertwine.compute(spec, "exact")
    numeric = intertwine.compute(spec, "numeric")
    assert exact.n_basis == numeric.n_basis == expected
    assert intertwine.compute(spec).method == "exact"
    for b in (exact, numeric):
        g_in = problem.discrete_in[0].matrix().toarray()
        g_out = problem.discrete_out[0].matrix().toarray()
        for w in b.dense():
            assert np.abs(g_out @ w - w @ g_in).max() < 1e-9
    # the same space: each numeric element is a combination of the exact ones
    e = exact.sparse().toarray()
    n = numeric.sparse().toarray()
    assert np.linalg.matrix_rank(np.vstack([e, n]), tol=1e-8) == expected


@pytest.mark.parametrize("rep_in,rep_out", [
    (Plane(tuple(map(tuple, C5))), Plane(tuple(map(tuple, C5)))),
    (Trivial(1), Power(Plane(tuple(map(tuple, C5))), 2)),
    (Plane(tuple(map(tuple, C5))), Tensor((Plane(tuple(map(tuple, C5))), Trivial(3)))),
])
def test_float_matrix_actions_are_numeric_only(rep_in, rep_out):
    spec = spec_of("C(5)", rep_in, rep_out)
    problem = Problem(spec)
    assert not problem.rational
    with pytest.raises(MethodError, match="exact"):
        choose_method(problem, "exact")
    b = intertwine.compute(spec)
    assert b.method == "numeric"
    assert b.n_basis == dim_by_characters(rep_in, rep_out, C5, 5)
    g_in = problem.discrete_in[0].matrix().toarray()
    g_out = problem.discrete_out[0].matrix().toarray()
    for w in b.dense():
        assert np.abs(g_out @ w - w @ g_in).max() < 1e-9


def test_a_constructor_missing_behaviour_is_refused_at_registration():
    with pytest.raises(TypeError, match="lacks"):
        @constructor
        @dataclass(frozen=True)
        class Incomplete(Rep):
            name = "incomplete_for_test"

            def __str__(self):
                return self.name


def test_every_registered_constructor_and_family_is_complete():
    from intertwine.groups import FAMILIES
    from intertwine.reps import CONSTRUCTORS, load_all

    load_all()
    assert {"V", "det", "dual", "sym", "alt", "reg", "irr", "Grid"} <= set(CONSTRUCTORS)
    for cls in CONSTRUCTORS.values():
        assert not getattr(cls, "__abstractmethods__", None), cls
    names = Counter(f.name for f in FAMILIES.values())
    assert {"S", "A", "C", "D", "Perm", "SO", "O", "Sp", "GL", "SL"} <= set(names)
    assert FAMILIES["Z"] is FAMILIES["C"]


def test_remembered_actions_are_the_same_and_a_caller_cannot_change_them():
    from intertwine import reps
    from intertwine.reps import discrete_action, lie_action
    from intertwine.spec import parse_group, parse_rep

    group = parse_group("O(3)")
    rep = parse_rep("sym(1o + 2e, 2)", group)
    first = discrete_action(rep, group)
    first.append("something else")  # the caller's list, not the remembered one
    again = discrete_action(rep, group)
    assert len(again) == len(first) - 1
    assert [a.coo().toarray().tolist() for a in again] == \
        [a.coo().toarray().tolist() for a in first[:-1]]
    lie = lie_action(rep, group)
    assert [m.toarray().tolist() for m in lie] == \
        [m.toarray().tolist() for m in lie_action(rep, group)]
    assert any(key[1] == rep for key in reps._memo)  # remembered, not rebuilt
    assert reps._memo_entries <= reps.MEMO_ENTRIES


def test_actions_beyond_the_memory_budget_are_not_held(monkeypatch):
    from intertwine import reps
    from intertwine.spec import parse_group, parse_rep

    group = parse_group("O(3)")
    rep = parse_rep("sym(2e, 3)", group)  # matrix actions of 35 coordinates
    monkeypatch.setattr(reps, "MEMO_ENTRIES", 10)
    monkeypatch.setattr(reps, "_memo", type(reps._memo)())
    monkeypatch.setattr(reps, "_memo_entries", 0)
    first = reps.discrete_action(rep, group)
    assert reps._entries(first) > 10 and not reps._memo
    small = parse_rep("1o", group)
    reps.discrete_action(small, group)
    assert list(reps._memo) and reps._memo_entries <= 10
