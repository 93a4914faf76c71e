"""decompose on S(n) and O(3): multiplicities against characters computed here (the
Murnaghan–Nakayama rule; Weyl's integration formula), Qᵀ Q = M exactly (sympy), and Q
intertwining exactly for S(n) with Young's orthogonal form built here from its
definition (see the irreps of S(n) in docs/).  Nothing here uses the library's
representations."""

from __future__ import annotations

import itertools

import numpy as np
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import intertwine
from intertwine.decomposition.check import verify_decomposition
from tests.reference_young import transposition

# --------------------------------------------------------------------------- S(n) here


def partitions(n, top=None):
    top = n if top is None else top
    if n == 0:
        yield ()
        return
    for first in range(min(n, top), 0, -1):
        for rest in partitions(n - first, first):
            yield (first,) + rest


def mn_character(shape, cycle_type):
    """chi^shape at a permutation of that cycle type (Murnaghan–Nakayama, beta-numbers)."""
    if not cycle_type:
        return 1
    k, rest = cycle_type[0], cycle_type[1:]
    length = len(shape)
    beta = [shape[i] + length - 1 - i for i in range(length)]
    total = 0
    for b in beta:
        if b - k >= 0 and b - k not in beta:
            sign = (-1) ** sum(1 for x in beta if b - k < x < b)
            new = sorted([x for x in beta if x != b] + [b - k], reverse=True)
            m = len(new)
            lam = tuple(x for x in (new[i] - (m - 1 - i) for i in range(m)) if x > 0)
            total += sign * mn_character(lam, rest)
    return total


def cycle_type(p):
    seen, out = set(), []
    for i in range(len(p)):
        if i not in seen:
            j, c = i, 0
            while j not in seen:
                seen.add(j)
                j, c = p[j], c + 1
            out.append(c)
    return tuple(sorted(out, reverse=True))


def sign(p):
    return (-1) ** (len(p) - len(cycle_type(p)))


def s_character(rep, p):
    """chi_rep(p) for rep trees over S(n)."""
    kind = rep[0]
    if kind == "V":
        return sum(1 for i, x in enumerate(p) if i == x)
    if kind == "1":
        return 1
    if kind == "det":
        return sign(p)
    if kind == "irr":
        return mn_character(rep[1], cycle_type(p))
    if kind == "+":
        return s_character(rep[1], p) + s_character(rep[2], p)
    if kind == "*":
        return s_character(rep[1], p) * s_character(rep[2], p)
    square = tuple(p[x] for x in p)
    a, b = s_character(rep[1], p), s_character(rep[1], square)
    return (a * a + b) // 2 if kind == "sym" else (a * a - b) // 2


def s_dimension(rep, n):
    return s_character(rep, tuple(range(n)))


def s_text(rep):
    kind = rep[0]
    if kind in ("V", "1", "det"):
        return kind
    if kind == "irr":
        return f"irr({', '.join(map(str, rep[1]))})"
    if kind in "+*":
        return f"({s_text(rep[1])}) {kind} ({s_text(rep[2])})"
    return f"{kind}({s_text(rep[1])}, 2)"


def s_reps(n):
    atoms = st.sampled_from([("V",), ("1",), ("det",)] + [("irr", lam) for lam in partitions(n)])
    return st.recursive(atoms, lambda inner: st.one_of(
        st.tuples(st.just("+"), inner, inner), st.tuples(st.just("*"), inner, inner),
        st.tuples(st.sampled_from(["sym", "alt"]), inner)), max_leaves=3)


def weights(rep, dims):
    """The Gram matrix's diagonal, from the tree (sym/alt of degree 2 only)."""
    kind = rep[0]
    if kind in ("+",):
        return weights(rep[1], dims) + weights(rep[2], dims)
    if kind == "*":
        return [a * b for a in weights(rep[1], dims) for b in weights(rep[2], dims)]
    if kind in ("sym", "alt"):
        w = weights(rep[1], dims)
        pairs = (itertools.combinations(range(len(w)), 2) if kind == "alt" else
                 itertools.combinations_with_replacement(range(len(w)), 2))
        return [(2 if (kind == "alt" or i != j) else 1) * w[i] * w[j] for i, j in pairs]
    return [1] * dims(rep)


def exact_q(d):
    q = sympy.zeros(d.dim, d.dim)
    for i, row in enumerate(d.exact_change_of_basis()):
        for j, s in row.items():
            q[i, j] = sympy.sign(s.numerator) * sympy.sqrt(
                sympy.Rational(abs(s.numerator), s.denominator))
    return q


@settings(max_examples=15, deadline=None)
@given(st.integers(2, 5).flatmap(lambda n: st.tuples(st.just(n), s_reps(n))))
def test_symmetric_group_multiplicities_against_characters(case):
    n, rep = case
    dim = s_dimension(rep, n)
    if not 0 < dim <= 40:
        return
    d = intertwine.decompose(f"S({n}): {s_text(rep)}")
    group = list(itertools.permutations(range(n)))
    expected = []
    for lam in partitions(n):  # decreasing lexicographic: irr(n) first
        total = sum(s_character(rep, p) * mn_character(lam, cycle_type(p)) for p in group)
        assert total % len(group) == 0
        if total:
            expected.append((f"irr({', '.join(map(str, lam))})", total // len(group)))
    assert d.irreps == expected
    assert d.exact


# ----------------------------------- exact matrices (Young's form from tests/reference_young.py)

def s_matrix(rep, i, n):
    """rho_rep of the transposition (i-1 i), exactly (sympy)."""
    kind = rep[0]
    if kind == "V":
        m = sympy.eye(n)
        m[i - 1, i - 1] = m[i, i] = 0
        m[i - 1, i] = m[i, i - 1] = 1
        return m
    if kind == "1":
        return sympy.eye(1)
    if kind == "det":
        return -sympy.eye(1)
    if kind == "irr":
        return transposition(rep[1], i, exact=True)
    if kind == "+":
        return sympy.diag(s_matrix(rep[1], i, n), s_matrix(rep[2], i, n))
    if kind == "*":
        return sympy.kronecker_product(s_matrix(rep[1], i, n), s_matrix(rep[2], i, n))
    a = s_matrix(rep[1], i, n)
    dd = a.shape[0]
    strict = kind == "alt"
    pairs = list(itertools.combinations(range(dd), 2) if strict else
                 itertools.combinations_with_replacement(range(dd), 2))
    e = sympy.zeros(dd * dd, len(pairs))
    p = sympy.zeros(len(pairs), dd * dd)
    for c, (x, y) in enumerate(pairs):
        e[x * dd + y, c] += 1
        if x != y:
            e[y * dd + x, c] += -1 if strict else 1
        p[c, x * dd + y] = 1
    return p * sympy.kronecker_product(a, a) * e


@settings(max_examples=10, deadline=None)
@given(st.integers(2, 4).flatmap(lambda n: st.tuples(st.just(n), s_reps(n))))
def test_symmetric_group_q_is_exact(case):
    n, rep = case
    dim = s_dimension(rep, n)
    if not 0 < dim <= 12:
        return
    d = intertwine.decompose(f"S({n}): {s_text(rep)}", method="exact")
    q = exact_q(d)
    m = sympy.diag(*weights(rep, lambda r: s_dimension(r, n)))
    assert sympy.simplify(q.T * q - m) == sympy.zeros(dim, dim)
    blocks = [(label, mult) for label, mult in d.irreps]
    for i in range(1, n):
        target = sympy.diag(*[transposition(
            tuple(int(x) for x in label[4:-1].split(", ")), i, exact=True)
            for label, mult in blocks for _ in range(mult)])
        residual = (q * s_matrix(rep, i, n) - target * q).applyfunc(sympy.nsimplify)
        assert residual.applyfunc(sympy.simplify) == sympy.zeros(dim, dim)


# ---------------------------------------------------------------------------- O(3) here

ANGLES = np.linspace(0, 2 * np.pi, 257)[:-1]


def spin(l, theta):
    return 1 + 2 * sum(np.cos(m * theta) for m in range(1, l + 1))


def o3_character(rep, theta, inverted):
    """chi_rep at the rotation by theta, composed with -I when ``inverted``."""
    kind = rep[0]
    if kind == "irr":
        l, p = rep[1]
        return spin(l, theta) * (p if inverted else 1)
    if kind == "+":
        return o3_character(rep[1], theta, inverted) + o3_character(rep[2], theta, inverted)
    if kind == "*":
        return o3_character(rep[1], theta, inverted) * o3_character(rep[2], theta, inverted)
    a = o3_character(rep[1], theta, inverted)
    b = o3_character(rep[1], 2 * theta, False)
    return (a * a + b) / 2 if kind == "sym" else (a * a - b) / 2


def o3_text(rep):
    kind = rep[0]
    if kind == "irr":
        return f"{rep[1][0]}{'e' if rep[1][1] == 1 else 'o'}"
    if kind in "+*":
        return f"({o3_text(rep[1])}) {kind} ({o3_text(rep[2])})"
    return f"{kind}({o3_text(rep[1])}, 2)"


def o3_reps():
    atoms = st.sampled_from([("irr", (l, p)) for l in range(3) for p in (1, -1)])
    return st.recursive(atoms, lambda inner: st.one_of(
        st.tuples(st.just("+"), inner, inner), st.tuples(st.just("*"), inner, inner),
        st.tuples(st.sampled_from(["sym", "alt"]), inner)), max_leaves=3)


def o3_dimension(rep):
    return int(round(o3_character(rep, 0.0, False)))


@settings(max_examples=15, deadline=None)
@given(rep=o3_reps())
def test_o3_multiplicities_against_weyl_integration(rep, tmp_path_factory):
    dim = o3_dimension(rep)
    if not 0 < dim <= 40:
        return
    d = intertwine.decompose(f"O(3): {o3_text(rep)}")
    # Weyl: the Haar measure on class functions of SO(3) is (1 - cos t) dt / (2 pi)
    measure = (1 - np.cos(ANGLES)) / len(ANGLES)
    expected = []
    for l in range(2 * 2 * 2 + 1):
        for p, name in ((1, "e"), (-1, "o")):
            total = sum(np.sum(o3_character(rep, ANGLES, inv) * spin(l, ANGLES) * measure)
                        * (p if inv else 1) for inv in (False, True)) / 2
            m = int(round(total))
            assert abs(total - m) < 1e-9
            if m:
                expected.append((f"{l}{name}", m))
    assert d.irreps == expected
    q = exact_q(d)
    w = weights(rep, lambda r: 2 * r[1][0] + 1)
    assert (q.T * q - sympy.diag(*w)).applyfunc(sympy.simplify) == sympy.zeros(dim, dim)
    # Q rho = rho_irreps Q exactly, for the rotations' Lie algebra and the inversion
    path = tmp_path_factory.mktemp("o3") / "d.h5"
    d.save(path)
    checks = dict((message, passed) for passed, message in verify_decomposition(path))
    assert checks["exactly: Q rho_rep = rho_irreps Q"] is True


def test_symmetric_group_file_verifies_exactly(tmp_path):
    """Many irreps with different scalings: verify forms no common denominator."""
    path = tmp_path / "s5.h5"
    d = intertwine.decompose("S(5): V**2 + alt(V, 2)")
    assert d.exact_values == "sqrt"
    d.save(path)
    checks = {message: passed for passed, message in verify_decomposition(path)}
    assert all(passed is True for passed in checks.values()), checks
