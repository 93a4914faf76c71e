"""``intertwine decompose``: multiplicities against characters computed here, Q exactly
an isometric intertwiner (sympy, from matrices built here), files, verify, the CLI.

Nothing below uses the library's representations: D(n)'s elements, its irreps, sym/alt
and the Gram matrix M are built from their definitions (see the spec strings and the
decomposition in docs/)."""

from __future__ import annotations

import itertools
import json

import h5py
import numpy as np
import pytest
import sympy
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import intertwine
from intertwine.cli.app import cli

# ---------------------------------------------------------------------------- D(n) here
# An element i -> (-1)**f * i + t (mod n) is (t, f); r = (1, 0), s = (0, 1).


def compose(g, h, n):
    """g after h."""
    (t, f), (u, e) = g, h
    return ((t + (-1) ** f * u) % n, (f + e) % 2)


def elements(n):
    return [(t, f) for f in (0, 1) for t in range(n)]


def vertex_permutation(g, n):
    t, f = g
    return [((-1) ** f * i + t) % n for i in range(n)]


def irrep_matrix(label, g, n):
    """escnn's irr(j, k) of D(n) at g = r^t s^f (as i -> (-1)^f i + t: r^t s^f)."""
    j, k = label
    t, f = g
    if 0 < 2 * k < n:
        theta = 2 * np.pi * k * t / n
        rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
        return rot @ (np.diag([1.0, -1.0]) if f else np.eye(2))
    r = -1.0 if (k and 2 * k == n) else 1.0
    return np.array([[r ** t * (-1.0 if (j == 1 and f) else 1.0)]])


def irrep_labels(n):
    labels = [(0, 0), (1, 0)] + [(1, k) for k in range(1, (n + 1) // 2)]
    if n % 2 == 0:
        labels += [(0, n // 2), (1, n // 2)]
    return sorted(labels)


def matrix(rep, g, n):
    """rho_rep(g) as a float array, from the expression tree ``rep``."""
    kind = rep[0]
    if kind == "V":
        p = vertex_permutation(g, n)
        m = np.zeros((n, n))
        m[p, range(n)] = 1
        return m
    if kind == "1":
        return np.eye(1)
    if kind == "det":
        return np.array([[np.linalg.det(matrix(("V",), g, n)).round()]])
    if kind == "irr":
        return irrep_matrix(rep[1], g, n)
    if kind == "+":
        a, b = matrix(rep[1], g, n), matrix(rep[2], g, n)
        out = np.zeros((len(a) + len(b),) * 2)
        out[:len(a), :len(a)], out[len(a):, len(a):] = a, b
        return out
    if kind == "*":
        return np.kron(matrix(rep[1], g, n), matrix(rep[2], g, n))
    # sym / alt of degree 2: P (rho x rho) E
    a = matrix(rep[1], g, n)
    d = len(a)
    strict = kind == "alt"
    pairs = list(itertools.combinations(range(d), 2) if strict else
                 itertools.combinations_with_replacement(range(d), 2))
    e = np.zeros((d * d, len(pairs)))
    for c, (i, j) in enumerate(pairs):
        e[i * d + j, c] += 1
        e[j * d + i, c] += -1 if strict else (1 if i != j else 0)
    p = np.zeros((len(pairs), d * d))
    for c, (i, j) in enumerate(pairs):
        p[c, i * d + j] = 1
    return p @ np.kron(a, a) @ e


def weights(rep, n):
    kind = rep[0]
    if kind in ("V",):
        return [1] * n
    if kind in ("1", "det"):
        return [1]
    if kind == "irr":
        return [1] * len(irrep_matrix(rep[1], (0, 0), n))
    if kind == "+":
        return weights(rep[1], n) + weights(rep[2], n)
    if kind == "*":
        return [a * b for a in weights(rep[1], n) for b in weights(rep[2], n)]
    w = weights(rep[1], n)
    strict = kind == "alt"
    pairs = (itertools.combinations(range(len(w)), 2) if strict else
             itertools.combinations_with_replacement(range(len(w)), 2))
    return [(2 if (strict or i != j) else 1) * w[i] * w[j] for i, j in pairs]


def text(rep):
    kind = rep[0]
    if kind in ("V", "1", "det"):
        return kind
    if kind == "irr":
        return f"irr({rep[1][0]}, {rep[1][1]})"
    if kind in "+*":
        return f"({text(rep[1])}) {kind} ({text(rep[2])})"
    return f"{kind}({text(rep[1])}, 2)"


def reps(n, exact_only=False):
    labels = [lab for lab in irrep_labels(n)
              if not exact_only or not 0 < 2 * lab[1] < n or 4 * lab[1] == n]
    atoms = st.sampled_from([("V",), ("1",), ("det",)] + [("irr", lab) for lab in labels])
    return st.recursive(atoms, lambda inner: st.one_of(
        st.tuples(st.just("+"), inner, inner), st.tuples(st.just("*"), inner, inner),
        st.tuples(st.sampled_from(["sym", "alt"]), inner)), max_leaves=3)


def dimension(rep, n):
    return len(weights(rep, n))


def counted(rep, n):
    """Multiplicities by characters: (1/|G|) sum_g chi_rep(g) chi_I(g)."""
    out = []
    for label in irrep_labels(n):
        total = sum(np.trace(matrix(rep, g, n)) * np.trace(irrep_matrix(label, g, n))
                    for g in elements(n))
        m = int(round(total / (2 * n)))
        if m:
            out.append((f"irr({label[0]}, {label[1]})", m))
    return out


# ------------------------------------------------------------------------------ the tests

@settings(max_examples=20, deadline=None)
@given(st.integers(1, 6).flatmap(lambda n: st.tuples(st.just(n), reps(n))))
def test_multiplicities_and_q_against_characters(case):
    n, rep = case
    if dimension(rep, n) == 0 or dimension(rep, n) > 60:
        return
    d = intertwine.decompose(f"D({n}): {text(rep)}")
    assert d.irreps == counted(rep, n)
    q = d.change_of_basis()
    m = np.diag(weights(rep, n)).astype(float)
    assert np.allclose(q.T @ q, m, atol=1e-10)
    blocks = [(lab, m_) for lab, m_ in counted(rep, n)]
    for g in [(1 % n, 0), (0, 1), (2 % n, 1)]:
        target = _irreps_matrix(blocks, g, n)
        assert np.allclose(q @ matrix(rep, g, n), target @ q, atol=1e-10)


def _irreps_matrix(blocks, g, n):
    parts = []
    for label, m in blocks:
        j, k = map(int, label[4:-1].split(", "))
        parts += [irrep_matrix((j, k), g, n)] * m
    size = sum(len(p) for p in parts)
    out, at = np.zeros((size, size)), 0
    for p in parts:
        out[at:at + len(p), at:at + len(p)] = p
        at += len(p)
    return out


def _sympy_q(d):
    q = sympy.zeros(d.dim, d.dim)
    for i, row in enumerate(d.exact_change_of_basis()):
        for j, s in row.items():
            q[i, j] = sympy.sign(s.numerator) * sympy.sqrt(sympy.Rational(abs(s.numerator),
                                                                          s.denominator))
    return q


@settings(max_examples=12, deadline=None)
@given(st.sampled_from([1, 2, 4]).flatmap(lambda n: st.tuples(st.just(n),
                                                               reps(n, exact_only=True))))
def test_exact_q_is_an_isometric_intertwiner(case):
    n, rep = case
    if not 0 < dimension(rep, n) <= 16:
        return
    d = intertwine.decompose(f"D({n}): {text(rep)}", method="exact")
    assert d.exact and d.method == "exact"
    q = _sympy_q(d)
    m = sympy.diag(*weights(rep, n))
    assert (q.T * q - m).expand() == sympy.zeros(d.dim, d.dim)
    for g in [(1 % n, 0), (0, 1)]:
        rho = sympy.Matrix(np.rint(matrix(rep, g, n)).astype(int))
        target = sympy.Matrix(np.rint(_irreps_matrix(counted(rep, n), g, n)).astype(int))
        assert (q * rho - target * q).expand() == sympy.zeros(d.dim, d.dim)


def test_copies_are_gram_schmidt_of_the_rref_basis():
    """The first copy of each irrep is its first RREF element, normalised."""
    d = intertwine.decompose("D(4): sym(V, 2)")
    q = d.change_of_basis()
    w = d.weights()
    for label, first, last in d.blocks()[:1]:
        b = intertwine.compute(f"D(4): sym(V, 2) -> {label}", "exact").dense()[0]
        scale = np.trace(b / w @ b.T) / b.shape[0]
        assert np.allclose(q[first:last], b / np.sqrt(scale))


def test_printed_form_and_exact_values():
    d = intertwine.decompose("D(4): sym(V, 2)")
    assert d.irreps_string == "3*irr(0, 0) + 2*irr(0, 2) + 2*irr(1, 1) + irr(1, 2)"
    assert d.exact_values == "sqrt"
    assert intertwine.decompose("D(4): V").exact_values == "sqrt"
    assert intertwine.decompose("D(5): V").method == "numeric"


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_file_round_trip_and_verify(tmp_path):
    path = tmp_path / "d.h5"
    result = run("decompose", "D(4): sym(V, 2)*V", "-o", str(path))
    assert result.exit_code == 0, result.output
    d = intertwine.load(path)
    assert isinstance(d, intertwine.Decomposition)
    again = intertwine.decompose("D(4): sym(V, 2)*V")
    assert d.irreps == again.irreps and d.exact_values == "sqrt"
    assert np.array_equal(d.change_of_basis(), again.change_of_basis())
    with h5py.File(path) as f:
        assert f.attrs["format"] == "intertwine.decomposition"
        assert f.attrs["irreps"] == again.irreps_string
        assert set(f["change_of_basis"]) >= {"row", "col", "value", "square_numerator",
                                             "square_denominator"}
    ok = run("verify", str(path))
    assert ok.exit_code == 0, ok.output
    assert "exactly: Q^T Q = M" in ok.output
    info = run("info", str(path), "--json")
    assert json.loads(info.output)["irreps"] == again.irreps_string


def test_verify_catches_a_corrupted_entry(tmp_path):
    path = tmp_path / "d.h5"
    intertwine.decompose("D(4): sym(V, 2)").save(path)
    with h5py.File(path, "r+") as f:  # one exact value off, float value untouched
        f["change_of_basis/square_numerator"][3] += 1
    bad = run("verify", str(path))
    assert bad.exit_code == 1 and "FAIL" in bad.output
    with h5py.File(path, "r+") as f:  # restore, then break the float values
        f["change_of_basis/square_numerator"][3] -= 1
        f["change_of_basis/value"][0] *= 1.001
    bad = run("verify", str(path))
    assert bad.exit_code == 1 and "FAIL" in bad.output


def test_numeric_file_verifies(tmp_path):
    path = tmp_path / "n.h5"
    assert run("decompose", "D(5): V**2", "-o", str(path)).exit_code == 0
    assert run("verify", str(path)).exit_code == 0
    assert not intertwine.load(path).exact


@pytest.mark.parametrize("text", ["C(4): V", "SO(2): V", "D(4): V -> V", "D(4): irr(9, 9)",
                                  "C(3) x D(2): V[1]", "D(4)"])
def test_usage_errors(text):
    result = run("decompose", text)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) <= 4
    if text.startswith(("C", "SO")):
        assert "D(n)" in result.output


def test_exact_method_on_float_irreps_is_a_usage_error():
    result = run("decompose", "D(5): V", "--method", "exact")
    assert result.exit_code == 2 and "irr(1, 1)" in result.output
    with pytest.raises(ValueError):
        intertwine.decompose("D(5): V", method="exact")


def test_json_output():
    result = run("decompose", "D(4): V", "--json")
    assert json.loads(result.output) == {
        "group": "D(4)", "rep": "V", "dim": 4,
        "irreps": [{"irrep": "irr(0, 0)", "multiplicity": 1, "dim": 1},
                   {"irrep": "irr(0, 2)", "multiplicity": 1, "dim": 1},
                   {"irrep": "irr(1, 1)", "multiplicity": 1, "dim": 2}]}


def test_show_draws_the_blocks(tmp_path):
    result = run("show", "D(4): sym(V, 2)")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "D(4): sym(V, 2) = 3*irr(0, 0) + 2*irr(0, 2) + 2*irr(1, 1) + irr(1, 2)"
    rows = [ln for ln in lines[2:] if not set(ln.strip()) <= {"-"}]
    assert len(rows) == 10 and sum(ln.startswith("irr(1, 1)") for ln in rows) == 2
    path = tmp_path / "d.h5"
    intertwine.decompose("D(4): sym(V, 2)").save(path)
    assert run("show", str(path)).output == result.output


def test_batch_writes_decompositions(tmp_path):
    manifest = tmp_path / "m.toml"
    manifest.write_text('[[basis]]\nspec = "D(4): sym(V, 2)"\n\n'
                        '[[basis]]\nspec = "D(3): V"\nkind = "decompose"\nname = "d3"\n\n'
                        '[[basis]]\nspec = "SO(2): V"\n')
    out = tmp_path / "out"
    first = run("batch", str(manifest), "--out-dir", str(out), "--jobs", "1")
    assert first.exit_code == 1  # SO(2) is refused, the others written
    d = intertwine.load(out / "d3.h5")
    assert d.irreps == [("irr(0, 0)", 1), ("irr(1, 1)", 1)] and d.method == "numeric"
    assert run("verify", str(out / "D4_symV_2_irreps.h5")).exit_code == 0
    again = run("batch", str(manifest), "--out-dir", str(out), "--jobs", "1")
    assert "2 up to date" in again.output


def test_products_of_dihedral_groups():
    """V[0]*V[1] of D(4) x D(3) is the outer product of the factors' decompositions."""
    d = intertwine.decompose("D(4) x D(3): V[0]*V[1]")
    first = intertwine.decompose("D(4): V").irreps
    second = intertwine.decompose("D(3): V").irreps
    assert d.irreps == [(f"{a}[0]*{b}[1]", m * n) for a, m in first for b, n in second]
    q = d.change_of_basis()
    assert np.allclose(q.T @ q, np.eye(12))
    assert d.method == "numeric"  # D(3)'s irr(1, 1) is float


@pytest.mark.parametrize("spec", ["O(3): sym(1o + 2e, 2)", "S(4): V**2", "D(4): sym(V, 2)",
                                  "SO(3): irr(1) * irr(2) + dual(V)", "O(2): irr(1, 2) * V"])
def test_one_solve_for_all_irreps_gives_the_per_irrep_copies(spec, monkeypatch):
    """decompose solves REP -> I_1 + I_2 + ... once where that fits, per irrep
    otherwise: both give the same Q, value for value."""
    from intertwine.decomposition import core

    together = intertwine.decompose(spec).coo
    monkeypatch.setattr(core, "_all_irreps_problem", lambda f, found: None)
    apart = intertwine.decompose(spec).coo
    for name in ("index", "row", "col", "value", "numerator", "denominator"):
        assert np.array_equal(np.asarray(getattr(together, name)),
                              np.asarray(getattr(apart, name))), name


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 5), st.integers(1, 4), st.booleans())
def test_sym_weights_count_the_arrangements(d, k, strict):
    """sym/alt of an orthogonal R weigh each sorted index tuple by its distinct
    arrangements (all k! signed ones for alt): counted here by listing permutations, and
    the same Fractions from the Python pass and from numpy's table."""
    import intertwine.decomposition.gram as gram
    from intertwine.spec import parse_field

    group, rep = parse_field(f"SO(2): {'alt' if strict else 'sym'}({d}*1, {k})")
    source = itertools.combinations if strict else itertools.combinations_with_replacement
    want = [len(set(itertools.permutations(t))) if not strict else len(
        list(itertools.permutations(t))) for t in source(range(d), k)]
    small = gram.coordinate_weights(rep, group)
    saved = gram.SMALL_TUPLES
    gram.SMALL_TUPLES = -1
    try:
        large = gram.coordinate_weights(rep, group)
    finally:
        gram.SMALL_TUPLES = saved
    assert small == large == want
    assert all(type(w) is type(v) for w, v in zip(small, large))
