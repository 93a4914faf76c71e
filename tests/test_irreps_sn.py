"""irr(lambda) of S(n) everywhere a representation goes, against a reference written here.

The reference shares nothing with intertwine: the standard tableaux are found by trying
every filling, rho(g) of irr(lambda) is multiplied out from the formula for adjacent
transpositions (e_T -> (1/r) e_T + sqrt(1 - 1/r^2) e_T') along a bubble sort of g, and
characters are traces of those matrices (no Murnaghan-Nakayama, no cycle types).
Counts are (1/n!) sum_g chi_in(g) chi_out(g) over every permutation.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from functools import cache
from math import comb

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import intertwine
from intertwine.counting import independent_count
from intertwine.spec import parse_spec
from tests.reference_young import tableaux, transposition

# ----------------------------------------------------------------------------- reference


def partitions_of(n, largest=None):
    largest = n if largest is None else largest
    if n == 0:
        return [()]
    return [(p,) + rest for p in range(min(n, largest), 0, -1)
            for rest in partitions_of(n - p, p)]


@cache
def irr_matrix(shape, g):
    """rho(g), g in one-line notation: g = g' s_j when g(j-1) > g(j); rho(g) = rho(g') rho(s_j)."""
    g = list(g)
    for j in range(1, len(g)):
        if g[j - 1] > g[j]:
            g[j - 1], g[j] = g[j], g[j - 1]
            return irr_matrix(shape, tuple(g)) @ transposition(shape, j)
    return np.eye(len(tableaux(shape)))


def permutation_matrix(g):
    m = np.zeros((len(g), len(g)))
    m[list(g), range(len(g))] = 1
    return m


def sign(g):
    return round(np.linalg.det(permutation_matrix(g)))


def compose(g, h):
    return tuple(g[h[j]] for j in range(len(g)))


# trees: ("irr", shape) | ("V",) | ("one",) | ("det",) | ("dual", t) | ("sum", t, t)
#        | ("tensor", t, t) | ("power", t, k) | ("sym", t, 2) | ("alt", t, 2)

def text(t) -> str:
    kind = t[0]
    if kind == "irr":
        return f"irr({', '.join(map(str, t[1]))})"
    if kind in ("V", "det"):
        return kind
    if kind == "one":
        return "1"
    if kind == "dual":
        return f"dual({text(t[1])})"
    if kind == "sum":
        return f"({text(t[1])} + {text(t[2])})"
    if kind == "tensor":
        return f"({text(t[1])} * {text(t[2])})"
    if kind == "power":
        return f"({text(t[1])})**{t[2]}"
    return f"{kind}({text(t[1])}, {t[2]})"


def matrix(t, g) -> np.ndarray:
    """rho(g) in the spec's coordinates (no sym/alt: their coordinates are not needed)."""
    kind = t[0]
    if kind == "irr":
        return irr_matrix(t[1], g)
    if kind == "V":
        return permutation_matrix(g)
    if kind == "one":
        return np.eye(1)
    if kind == "det":
        return np.array([[float(sign(g))]])
    if kind == "dual":
        return matrix(t[1], g)  # orthogonal: the inverse transpose is itself
    if kind == "sum":
        a, b = matrix(t[1], g), matrix(t[2], g)
        out = np.zeros((len(a) + len(b),) * 2)
        out[:len(a), :len(a)], out[len(a):, len(a):] = a, b
        return out
    if kind == "tensor":
        return np.kron(matrix(t[1], g), matrix(t[2], g))
    if kind == "power":
        out = np.eye(1)
        for _ in range(t[2]):
            out = np.kron(out, matrix(t[1], g))
        return out
    raise ValueError(kind)


def character(t, g) -> float:
    kind = t[0]
    if kind in ("sym", "alt"):
        chi, chi2 = character(t[1], g), character(t[1], compose(g, g))
        return (chi * chi + chi2) / 2 if kind == "sym" else (chi * chi - chi2) / 2
    if kind == "dual":
        return character(t[1], g)
    if kind == "sum":
        return character(t[1], g) + character(t[2], g)
    if kind == "tensor":
        return character(t[1], g) * character(t[2], g)
    if kind == "power":
        return character(t[1], g) ** t[2]
    return float(np.trace(matrix(t, g)))


def tree_dim(t, n) -> int:
    kind = t[0]
    if kind == "irr":
        return len(tableaux(t[1]))
    if kind == "V":
        return n
    if kind in ("one", "det"):
        return 1
    if kind == "dual":
        return tree_dim(t[1], n)
    if kind == "sum":
        return tree_dim(t[1], n) + tree_dim(t[2], n)
    if kind == "tensor":
        return tree_dim(t[1], n) * tree_dim(t[2], n)
    if kind == "power":
        return tree_dim(t[1], n) ** t[2]
    d = tree_dim(t[1], n)
    return comb(d + 1, 2) if kind == "sym" else comb(d, 2)


def reference_count(n, t_in, t_out) -> int:
    elements = list(itertools.permutations(range(n)))
    total = sum(character(t_in, g) * character(t_out, g) for g in elements)
    assert abs(total / len(elements) - round(total / len(elements))) < 1e-9
    return round(total / len(elements))


def trees(n, with_sym_alt):
    leaves = st.one_of(st.sampled_from(partitions_of(n)).map(lambda s: ("irr", s)),
                       st.sampled_from([("V",), ("one",), ("det",)]))

    def extend(inner):
        parts = [st.tuples(st.just("sum"), inner, inner),
                 st.tuples(st.just("tensor"), inner, inner),
                 st.tuples(st.just("dual"), inner),
                 st.tuples(st.just("power"), inner, st.just(2))]
        if with_sym_alt:
            parts += [st.tuples(st.sampled_from(["sym", "alt"]), inner, st.just(2))]
        return st.one_of(*parts)

    return st.recursive(leaves, extend, max_leaves=3)


# ----------------------------------------------------------------------------- tests

def test_the_reference_matches_the_contracts_worked_examples():
    assert tableaux((2, 1)) == [(0, 0, 1), (0, 1, 0)]
    assert tableaux((3, 1)) == [(0, 0, 0, 1), (0, 0, 1, 0), (0, 1, 0, 0)]
    for n in range(1, 6):  # a representation: rho(gh) = rho(g) rho(h)
        for shape in partitions_of(n):
            for g, h in itertools.islice(zip(itertools.permutations(range(n)),
                                             reversed(list(itertools.permutations(range(n))))), 9):
                assert np.allclose(irr_matrix(shape, compose(g, h)),
                                   irr_matrix(shape, g) @ irr_matrix(shape, h))


@pytest.mark.parametrize("n", range(1, 6))
def test_schur(n):
    shapes = partitions_of(n)
    for a in shapes:
        for b in shapes:
            spec = f"S({n}): {text(('irr', a))} -> {text(('irr', b))}"
            assert intertwine.dim(spec) == int(a == b), spec
            assert independent_count(parse_spec(spec))[0] == int(a == b)


@pytest.mark.parametrize("shape", [(2, 1), (2, 2), (3, 1), (2, 1, 1), (3, 2), (2, 2, 1)])
def test_schur_basis_is_a_multiple_of_the_identity(shape):
    n = sum(shape)
    basis = intertwine.compute(f"S({n}): {text(('irr', shape))} -> {text(('irr', shape))}",
                               method="numeric")
    b = basis.dense()
    assert b.shape[0] == 1
    assert np.allclose(b[0], b[0][0, 0] * np.eye(len(b[0])), atol=1e-12)


@pytest.mark.parametrize("spec, expected", [
    ("S(4): V**2 -> irr(3, 1)", 3),
    ("S(4): V**2 -> irr(2, 2)", 1),
    ("S(4): V**2 -> irr(2, 1, 1)", 1),
    ("S(4): V**2 -> irr(1, 1, 1, 1)", 0),
    ("S(5): V -> irr(4, 1)", 1),
    ("S(5): alt(V, 2) -> irr(3, 1, 1)", 1),
    ("S(3) x S(4): irr(2, 1)[0] * V[1] -> irr(2, 1)[0] * irr(3, 1)[1]", 1),
])
def test_known_counts(spec, expected):
    assert intertwine.dim(spec) == expected


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 5).flatmap(lambda n: st.tuples(st.just(n), trees(n, True), trees(n, True))))
def test_counts_against_reference_characters(case):
    n, t_in, t_out = case
    if tree_dim(t_in, n) * tree_dim(t_out, n) > 4000:
        return
    spec = f"S({n}): {text(t_in)} -> {text(t_out)}"
    known, _ = independent_count(parse_spec(spec))
    assert known == reference_count(n, t_in, t_out), spec


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 4).flatmap(lambda n: st.tuples(st.just(n), trees(n, False),
                                                     trees(n, False))), st.data())
def test_basis_is_equivariant_under_random_permutations(case, data):
    n, t_in, t_out = case
    if tree_dim(t_in, n) * tree_dim(t_out, n) > 600:
        return
    spec = f"S({n}): {text(t_in)} -> {text(t_out)}"
    basis = intertwine.compute(spec, method="numeric")
    assert basis.n_basis == reference_count(n, t_in, t_out)
    b = basis.dense()
    for _ in range(2):
        g = tuple(data.draw(st.permutations(range(n))))
        a_in, a_out = matrix(t_in, g), matrix(t_out, g)
        assert np.allclose(np.einsum("ij,kjl->kil", a_out, b),
                           np.einsum("kij,jl->kil", b, a_in), atol=1e-10), spec


def test_product_of_groups_is_equivariant():
    spec = "S(3) x S(4): irr(2, 1)[0] * V[1] -> irr(2, 1)[0] * irr(3, 1)[1]"
    basis = intertwine.compute(spec, method="numeric")
    b = basis.dense()
    assert b.shape == (1, 6, 8)
    for g in [(1, 0, 2), (1, 2, 0)]:
        for h in [(0, 1, 2, 3), (1, 2, 3, 0), (0, 2, 1, 3)]:
            rin = np.kron(irr_matrix((2, 1), g), permutation_matrix(h))
            rout = np.kron(irr_matrix((2, 1), g), irr_matrix((3, 1), h))
            assert np.allclose(rout @ b[0], b[0] @ rin, atol=1e-12)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_trivial_and_sign_are_one_and_det(n):
    top, column = f"irr({n})", f"irr({', '.join(['1'] * n)})"
    for rest in ["V**2", "V + 1", "V * det"]:
        same = intertwine.compute(f"S({n}): {rest} -> {top}").dense()
        assert np.array_equal(same, intertwine.compute(f"S({n}): {rest} -> 1").dense())
        same = intertwine.compute(f"S({n}): {rest} -> {column}").dense()
        assert np.array_equal(same, intertwine.compute(f"S({n}): {rest} -> det").dense())


def test_bad_labels_are_usage_errors():
    for spec, words in [("S(4): irr(2, 1) -> 1", "add up to 3, not 4"),
                        ("S(4): irr(1, 3) -> 1", "must not increase"),
                        ("S(4): irr(4, 0) -> 1", "positive")]:
        with pytest.raises(ValueError, match=words):
            intertwine.dim(spec)
    run = subprocess.run([sys.executable, "-m", "intertwine", "dim", "S(4): irr(2, 1) -> 1"],
                         capture_output=True, text=True)
    assert run.returncode == 2
    assert "partition of 4" in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) <= 4


def test_verify_and_show(tmp_path):
    path = tmp_path / "b.h5"
    spec = "S(4): V**2 -> irr(3, 1)"
    intertwine.compute(spec, method="numeric").save(path)
    run = subprocess.run([sys.executable, "-m", "intertwine", "verify", str(path)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    run = subprocess.run([sys.executable, "-m", "intertwine", "show", spec],
                         capture_output=True, text=True)
    assert run.returncode == 0 and "B_2" in run.stdout


@pytest.mark.parametrize("shape", [(2, 1), (3, 1), (2, 2), (3, 2), (2, 2, 1), (3, 2, 1)])
def test_family_matrices_for_both_solvers(shape):
    """The family's generators (0 1) and (0 1 ... n-1) are the reference's; their rational
    form M / q equals D rho D^-1, D = diag(sqrt(squares)), exactly on the squares."""
    from intertwine.spec import parse_group

    n = sum(shape)
    f = parse_group(f"S({n})").factors[0]
    data = f.family.irrep(f, shape)
    assert data.exactness == "sqrt" and data.dimension == len(tableaux(shape))
    cycle = tuple(range(1, n)) + (0,)
    for g, rho, (m, q) in zip([(1, 0) + tuple(range(2, n)), cycle], data.discrete,
                              data.rational_discrete):
        rho = rho.matrix() if hasattr(rho, "perm") else rho  # SignedPerm or sparse
        rho = rho.toarray() if hasattr(rho, "toarray") else np.asarray(rho)
        assert np.allclose(rho, irr_matrix(shape, g), atol=1e-13)
        s = np.array([float(x) for x in data.squares])
        assert np.allclose(m / q, np.sqrt(s)[:, None] * rho / np.sqrt(s)[None, :], atol=1e-12)
    # exactly, in integers: t^2 = c^n = (t c)^(n-1) = 1 for t = (0 1), c = (0 1 ... n-1)
    (mt, qt), (mc, qc) = [(m.astype(object), q) for m, q in data.rational_discrete]
    one = np.eye(len(mt), dtype=object)
    assert (mt.dot(mt) == qt**2 * one).all()
    assert (np.linalg.matrix_power(mc, n) == qc**n * one).all()
    assert (np.linalg.matrix_power(mt.dot(mc), n - 1) == (qt * qc) ** (n - 1) * one).all()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.integers(2, 4).flatmap(lambda n: st.tuples(st.just(n), trees(n, False),
                                                          trees(n, False))),
       data=st.data())
def test_exact_basis_is_signed_square_roots_equivariant_and_spans_the_numeric_one(
        case, data, tmp_path_factory):
    n, t_in, t_out = case
    if tree_dim(t_in, n) * tree_dim(t_out, n) > 300:
        return
    spec = f"S({n}): {text(t_in)} -> {text(t_out)}"
    exact = intertwine.compute(spec, method="exact")
    b = exact.dense()
    assert exact.n_basis == reference_count(n, t_in, t_out), spec
    for _ in range(2):
        g = tuple(data.draw(st.permutations(range(n))))
        a_in, a_out = matrix(t_in, g), matrix(t_out, g)
        assert np.allclose(np.einsum("ij,kjl->kil", a_out, b),
                           np.einsum("kij,jl->kil", b, a_in), atol=1e-10), spec
    numeric = intertwine.compute(spec, method="numeric").dense()
    assert len(numeric) == len(b)
    if len(b):
        flat_e, flat_n = b.reshape(len(b), -1), numeric.reshape(len(numeric), -1)
        assert np.linalg.matrix_rank(np.vstack([flat_e, flat_n]), tol=1e-8) == len(b)
        # reduced row echelon: each element's first non-zero entry is a 1 at a pivot
        # that every other element has 0 at
        pivots = [int(np.flatnonzero(np.abs(row) > 1e-12)[0]) for row in flat_e]
        assert np.allclose(flat_e[range(len(b)), pivots], 1)
        assert np.allclose(flat_e[:, pivots], np.eye(len(b)), atol=1e-12)
    path = tmp_path_factory.mktemp("exact") / "b.h5"
    exact.save(path)
    import h5py

    with h5py.File(path) as f:
        if len(b) and f.attrs.get("exact_values") == "sqrt":
            num = f["basis/square_numerator"][()].astype(object)
            den = f["basis/square_denominator"][()].astype(object)
            value = f["basis/value"][()]
            assert (den > 0).all() and all(np.gcd(abs(a), d) == 1 for a, d in zip(num, den))
            assert np.allclose(np.sign(num.astype(float)) * np.sqrt(
                np.abs(num.astype(float)) / den.astype(float)), value, rtol=1e-15)


def test_exact_values_of_a_small_basis():
    """S(3): irr(2, 1) -> V by hand: the tableau 12/3 goes to (1, 1, -2) and 13/2 to
    sqrt(3) (1, -1, 0) (each the image of the Young symmetriser), up to the RREF scale."""
    b = intertwine.compute("S(3): irr(2, 1) -> V", method="exact").dense()[0]
    assert np.allclose(b, [[1, np.sqrt(3)], [1, -np.sqrt(3)], [-2, 0]], atol=1e-15)


def test_rational_inverse_from_orthogonality():
    """The exact solver's inverse of R = D rho D^-1 is diag(s) R^T diag(s)^-1 (rho
    orthogonal), checked in integers; a matrix that is no such form is refused."""
    from fractions import Fraction

    from intertwine.reps.irr import _orthogonal_inverse
    from intertwine.spec import parse_group

    f = parse_group("S(5)").factors[0]
    data = f.family.irrep(f, (3, 1, 1))
    for m, q in data.rational_discrete:
        inverse, p = _orthogonal_inverse(np.asarray(m), q, data.squares)
        assert (np.asarray(m) @ inverse == q * p * np.eye(len(m), dtype=np.int64)).all()
    skew = np.array([[1, 1], [0, 1]])
    assert _orthogonal_inverse(skew, 1, (Fraction(1), Fraction(1))) is None


@pytest.mark.parametrize("change", ["sign", "square"])
def test_verify_catches_a_changed_entry_of_an_exact_file(tmp_path, change):
    import h5py

    path = tmp_path / "b.h5"
    intertwine.compute("S(4): V**2 -> irr(3, 1)", method="exact").save(path)
    with h5py.File(path, "r+") as f:
        assert f.attrs["exact_values"] == "sqrt"
        num, den = f["basis/square_numerator"], f["basis/square_denominator"]
        value = f["basis/value"]
        k = int(np.flatnonzero(np.abs(num[()]) != den[()])[0])  # an irrational entry
        a, b = int(num[k]), int(den[k])
        if change == "sign":
            a = -a
        else:  # a square a little off, with the float value following it
            a, b = a * 10**6 + (1 if a > 0 else -1), b * 10**6
        num[k], den[k] = a, b
        value[k] = np.sign(a) * np.sqrt(abs(a) / b)
    run = subprocess.run([sys.executable, "-m", "intertwine", "verify", str(path)],
                         capture_output=True, text=True)
    assert run.returncode == 1, run.stdout + run.stderr


@pytest.mark.parametrize("n", [43, 60, 10**6])
def test_counts_for_large_n_from_character_polynomials(n):
    """V = irr(n) + irr(n-1, 1) and V**2 = 2 irr(n) + 3 irr(n-1, 1) + irr(n-2, 2)
    + irr(n-2, 1, 1) for n >= 4, by hand; and the counts of S(12) for specs whose
    dimension is stable from there (degree <= 4 in all)."""
    known = {f"V -> irr({n - 1}, 1)": 1, f"V**2 -> irr({n - 1}, 1)": 3,
             f"V**2 -> irr({n - 2}, 2)": 1, f"V**2 -> irr({n - 2}, 1, 1)": 1,
             f"V**2 -> irr({n - 3}, 3)": 0, f"irr({n - 1}, 1) -> irr({n - 1}, 1)": 1,
             f"irr({n - 2}, 2) -> irr({n - 2}, 1, 1)": 0}
    for rest, expected in known.items():
        assert intertwine.dim(f"S({n}): {rest}") == expected, rest
    for rest in ["irr({a}, 1) ** 2 -> irr({b}, 1, 1) + irr({b}, 2)",
                 "sym(irr({a}, 1), 2) -> V * irr({a}, 1)",
                 "alt(irr({b}, 2), 2) -> irr({a}, 1)"]:
        big = f"S({n}): " + rest.format(a=n - 1, b=n - 2)
        small = "S(12): " + rest.format(a=11, b=10)
        assert independent_count(parse_spec(big))[0] == intertwine.dim(small), big


def test_torch_layer_is_equivariant():
    torch = pytest.importorskip("torch")
    from intertwine.torch import EquivariantLinear

    t_in, t_out = ("irr", (3, 1)), ("tensor", ("irr", (2, 1, 1)), ("V",))
    layer = EquivariantLinear(f"S(4): {text(t_in)} -> {text(t_out)}", 2, 3).double()
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    for g in [(1, 0, 2, 3), (1, 2, 3, 0), (3, 1, 0, 2)]:
        a_in = torch.from_numpy(matrix(t_in, g))
        a_out = torch.from_numpy(matrix(t_out, g))
        with torch.no_grad():
            assert torch.allclose(layer(x @ a_in.T), layer(x) @ a_out.T, atol=1e-10)


def test_batch_writes_irrep_files(tmp_path):
    manifest = tmp_path / "m.toml"
    manifest.write_text('[[basis]]\nspec = "S(4): V**2 -> irr(3, 1)"\nname = "a"\n\n'
                        '[[basis]]\nspec = "S(3) x S(4): irr(2, 1)[0] * V[1] -> '
                        'irr(2, 1)[0] * irr(3, 1)[1]"\nname = "b"\n')
    run = subprocess.run([sys.executable, "-m", "intertwine", "batch", str(manifest),
                          "--out-dir", str(tmp_path / "out")], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    files = sorted((tmp_path / "out").glob("*.h5"))
    assert [intertwine.load(f).n_basis for f in files] == [3, 1]
