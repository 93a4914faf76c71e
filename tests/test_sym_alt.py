"""sym(R, k) and alt(R, k) (contract 5.2): coordinates as the contract fixes them, known
dimensions, dimensions of random specs against characters of enumerated group elements
(dense matrices built here, sharing nothing with intertwine), methods agreeing, and
bases equivariant under random group elements (finite and continuous)."""

import itertools
import subprocess
import sys
from math import comb

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

import intertwine
from intertwine.spec import SpecError, parse_spec

# ----------------------------------------------------------------------------- reference


def perm_matrix(perm, signs=None):
    n = len(perm)
    m = np.zeros((n, n))
    m[list(perm), range(n)] = 1 if signs is None else signs
    return m


def parity(perm):
    return -1 if sum(a > b for a, b in itertools.combinations(perm, 2)) % 2 else 1


def elements(group):
    """Every element of a small finite group, as its matrix on V."""
    kind, _, rest = group.partition("(")
    if group in ("Octa", "FullOcta"):
        out = [perm_matrix(p, s) for p in itertools.permutations(range(3))
               for s in itertools.product((1, -1), repeat=3)]
        return [m for m in out if group == "FullOcta" or np.linalg.det(m) > 0]
    n = int(rest.rstrip(")"))
    if kind == "S":
        return [perm_matrix(p) for p in itertools.permutations(range(n))]
    if kind == "A":
        return [perm_matrix(p) for p in itertools.permutations(range(n)) if parity(p) > 0]
    if kind == "C":
        return [perm_matrix([(i + t) % n for i in range(n)]) for t in range(n)]
    if kind == "D":
        return [perm_matrix([(f * i + t) % n for i in range(n)]) for t in range(n)
                for f in (1, -1)]
    raise ValueError(group)


def expand(d, k, strict):
    """(E, P) of the contract, densely: E copies a sorted tuple's value to its
    permutations (with the sign of the permutation for alt), P reads sorted tuples."""
    source = itertools.combinations if strict else itertools.combinations_with_replacement
    tuples = list(source(range(d), k))
    e = np.zeros((d**k, len(tuples)))
    p = np.zeros((len(tuples), d**k))
    for c, t in enumerate(tuples):
        for perm in set(itertools.permutations(range(k))):
            u = tuple(t[i] for i in perm)
            flat = int(np.ravel_multi_index(u, (d,) * k)) if k else 0
            e[flat, c] = parity(perm) if strict else 1
        p[c, int(np.ravel_multi_index(t, (d,) * k))] = 1
    return e, p


def rho(rep, m):
    """The matrix of rep at the element with matrix m on V (tree read by attribute)."""
    name = type(rep).__name__
    if name == "Trivial":
        return np.eye(rep.k)
    if name == "Defining":
        return m
    if name == "Det":
        return np.array([[np.linalg.det(m)]])
    if name == "Dual":
        return np.linalg.inv(rho(rep.rep, m)).T
    if name == "Sum":
        return scipy.linalg.block_diag(*[rho(t, m) for t in rep.terms])
    if name in ("Tensor", "Power"):
        parts = rep.factors if name == "Tensor" else (rep.base,) * rep.k
        out = np.eye(1)
        for part in parts:
            out = np.kron(out, rho(part, m))
        return out
    if name in ("Sym", "Alt"):
        inner = rho(rep.rep, m)
        e, p = expand(len(inner), rep.k, name == "Alt")
        power = np.eye(1)
        for _ in range(rep.k):
            power = np.kron(power, inner)
        return p @ power @ e
    raise TypeError(rep)


def reference_dim(text, group_elements):
    s = parse_spec(text)
    total = sum(np.trace(rho(s.rep_in, g)) * np.trace(rho(s.rep_out, g))
                for g in group_elements)
    return round(total / len(group_elements))


def rotation(rng, n=3, improper=False):
    a = rng.normal(size=(n, n))
    m = scipy.linalg.expm(a - a.T)
    return m @ np.diag([-1] + [1] * (n - 1)) if improper else m


# ----------------------------------------------------------------------------- tests

@pytest.mark.parametrize("spec,n", [
    ("O(3): sym(sym(V, 2), 2) -> 1", 2),        # isotropic elasticity: lambda and mu
    ("FullOcta: sym(sym(V, 2), 2) -> 1", 3),    # cubic crystals
    ("Octa: sym(sym(V, 2), 2) -> 1", 3),
    ("SO(3): alt(V, 2) -> V", 1),               # the cross product
    ("S(5): alt(V, 2) -> V", 1),
])
def test_known_values(spec, n):
    assert intertwine.dim(spec) == n
    b = intertwine.compute(spec)
    assert b.n_basis == n and b.exact
    assert intertwine.compute(spec, "numeric").n_basis == n


def test_coordinates_follow_the_contract():
    """The generators' matrices (what files store) are P rho^(x)k E, for signed
    permutations (Octa) as for permutations, and the Lie algebra acts by the derivative."""
    cases = {
        "S(4)": [perm_matrix([1, 0, 2, 3]), perm_matrix([1, 2, 3, 0])],  # (0 1), i -> i+1
        "Octa": [perm_matrix([1, 0, 2], [1, -1, 1]), perm_matrix([0, 2, 1], [1, 1, -1])],
    }
    for group, generators in cases.items():
        for rep in ["sym(V, 2)", "alt(V, 3)", "sym(V + det, 3)", "alt(sym(V, 2), 2)"]:
            s = parse_spec(f"{group}: {rep} -> 1")
            actions = intertwine.problem.Problem(s).discrete_in
            for action, g in zip(actions, generators, strict=True):
                assert np.array_equal(action.matrix().toarray(), rho(s.rep_in, g)), (group, rep)
    for rep in ["sym(V, 2)", "alt(V, 2)", "sym(alt(V, 2), 2)", "alt(V + 1, 3)"]:
        s = parse_spec(f"SO(3): {rep} -> 1")
        p = intertwine.problem.Problem(s)
        for a, stored in zip(p.spec.group.factors[0].family.lie(s.group.factors[0]), p.lie_in):
            a = a.toarray().astype(float)
            t = 1e-6  # central difference of rho(expm(t A)) at t = 0
            derivative = (rho(s.rep_in, scipy.linalg.expm(t * a))
                          - rho(s.rep_in, scipy.linalg.expm(-t * a))) / (2 * t)
            assert np.abs(stored.toarray() - derivative).max() < 1e-6, rep


def test_dimensions_and_printing():
    spec = parse_spec("S(5):sym( V ,3)->alt(dual(V)*det,2)")
    assert str(spec) == "S(5): sym(V, 3) -> alt(dual(V)*det, 2)"
    assert parse_spec(str(spec)) == spec
    p = intertwine.problem.Problem(spec)
    assert (p.dim_in, p.dim_out) == (comb(7, 3), comb(5, 2))
    assert intertwine.dim("S(3): alt(V, 4) -> 1") == 0


GROUPS = ["S(3)", "S(4)", "A(4)", "C(4)", "D(4)", "C(3)", "Octa", "FullOcta"]


def reps(depth):
    atoms = st.sampled_from(["V", "det", "1", "2"])
    if depth == 0:
        return atoms
    sub = reps(depth - 1)
    return st.one_of(
        atoms,
        st.builds(lambda r, k: f"sym({r}, {k})", sub, st.integers(1, 3)),
        st.builds(lambda r, k: f"alt({r}, {k})", sub, st.integers(1, 3)),
        st.builds(lambda a, b: f"{a} + {b}", sub, sub),
        st.builds(lambda a, b: f"({a})*({b})", sub, sub),
        st.builds(lambda r: f"dual({r})", sub),
    )


def small_spec(group, a, b):
    text = f"{group}: {a} -> {b}"
    p = intertwine.problem.Problem(parse_spec(text))
    return text if 0 < p.dim_in <= 40 and 0 < p.dim_out <= 40 else None


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(GROUPS), reps(2), reps(2))
def test_random_specs_against_characters_of_all_elements(group, a, b):
    text = small_spec(group, a, b)
    if text is None:
        return
    group_elements = elements(group)
    expected = reference_dim(text, group_elements)
    assert intertwine.dim(text) == expected
    orbit = intertwine.compute(text)
    assert orbit.method == "orbit" and orbit.n_basis == expected
    exact = intertwine.compute(text, "exact")
    assert np.array_equal(orbit.dense(), exact.dense())  # both RREF
    s = parse_spec(text)
    rng = np.random.default_rng(len(text))
    for g in (group_elements[i] for i in rng.integers(len(group_elements), size=2)):
        r_in, r_out = rho(s.rep_in, g), rho(s.rep_out, g)
        for w in orbit.dense():
            assert np.abs(r_out @ w - w @ r_in).max() < 1e-9


@pytest.mark.parametrize("spec,n", [
    ("SO(3): sym(V, 2) -> sym(V, 2)", 2),
    ("O(3): alt(V, 2) -> V", 0),
    ("O(3): alt(V, 2) -> V*det", 1),
    ("SO(3): alt(V, 3) -> 1", 1),
    ("O(3): sym(V, 3) -> V", 1),
    ("SO(3): sym(alt(V, 2), 2) -> sym(V, 2)", 2),
    ("SO(4): alt(V, 2) -> alt(V, 2)", 2),
])
def test_continuous_groups_are_equivariant(spec, n):
    exact = intertwine.compute(spec, "exact")
    numeric = intertwine.compute(spec, "numeric")
    assert exact.n_basis == numeric.n_basis == n
    s = parse_spec(spec)
    size = s.group.factors[0].degree
    rng = np.random.default_rng(1)
    for improper in ((False, True) if spec.startswith("O(") else (False,)):
        g = rotation(rng, size, improper)
        r_in, r_out = rho(s.rep_in, g), rho(s.rep_out, g)
        for b in (exact, numeric):
            for w in b.dense():
                assert np.abs(r_out @ w - w @ r_in).max() < 1e-8


def test_errors_point_at_the_argument():
    for text, column in [("S(3): sym(V) -> V", 7), ("S(3): alt(V, 0) -> V", 14),
                         ("S(3): sym(V, 1, 2) -> V", 7)]:
        with pytest.raises(SpecError) as info:
            parse_spec(text)
        assert info.value.column == column, info.value
    run = subprocess.run([sys.executable, "-m", "intertwine", "dim", "S(3): alt(V, 0) -> V"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "^" in run.stderr and "Traceback" not in run.stderr


def test_verify_checks_a_sym_file(tmp_path):
    out = tmp_path / "b.h5"
    for spec in ["FullOcta: sym(sym(V, 2), 2) -> 1", "SO(3): alt(V, 2) -> V"]:
        run = subprocess.run([sys.executable, "-m", "intertwine", "basis", spec, "-o", str(out)],
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        run = subprocess.run([sys.executable, "-m", "intertwine", "verify", str(out)],
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout + run.stderr
