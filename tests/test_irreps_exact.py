"""Exact square roots for SO(3)/O(3) irreps (docs/irreps.rst), without e3nn: Schur's
lemma, counts against Weyl integrals of characters written here (chi_l(t) =
sin((2l+1)t/2) / sin(t/2), sharing nothing with the package's counting), square-root
files read back exactly, verify catching tampered entries, and every command on a few
specs.  The comparison with e3nn itself is in test_irreps_so3.py."""

from __future__ import annotations

import subprocess
import sys
from math import gcd

import h5py
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import intertwine
from intertwine.counting import independent_count
from intertwine.spec import parse_spec


def count(spec: str) -> int | None:
    """The package's independent count (what ``dim`` and ``verify`` print)."""
    return independent_count(parse_spec(spec))[0]


def cli(*args):
    return subprocess.run([sys.executable, "-m", "intertwine", *args], capture_output=True,
                          text=True, timeout=300)


def test_1o_is_v_the_same_files(tmp_path):
    for a, b in [("O(3): 1o * 1o -> 1o", "O(3): V * V -> V"),
                 ("O(3): 2*0e + 1o -> 1o**2", "O(3): 2*1 + V -> V**2")]:
        x, y = intertwine.compute(a, "exact"), intertwine.compute(b, "exact")
        assert x.n_basis == y.n_basis
        np.testing.assert_array_equal(x.sparse().toarray(), y.sparse().toarray())
    assert str(parse_spec("O(3): irr(1, o) + irr(0, e) -> 2*0e + 1o[0]")) == \
        "O(3): 1o + 0e -> 2*0e + 1o"


@pytest.mark.parametrize("group", ["SO(3)", "O(3)"])
def test_schur(group):
    labels = [f"irr({l})" for l in range(4)] if group == "SO(3)" else \
        [f"{l}{p}" for l in range(3) for p in "eo"]
    for a in labels:
        for b in labels:
            spec = f"{group}: {a} -> {b}"
            assert intertwine.compute(spec).n_basis == (a == b), spec
            assert count(spec) == (a == b), spec


# ----------------------------------------------------------------------------- counts

def chi(l: int, t: np.ndarray) -> np.ndarray:
    """Character of irr(l) at the rotation by t, summed as sin((2l+1)t/2)/sin(t/2)."""
    return np.sin((2 * l + 1) * t / 2) / np.sin(t / 2)


def weyl_count(chi_in, chi_out) -> int:
    """(1/pi) integral_0^pi chi_in chi_out (1 - cos t) dt, by the midpoint rule on a fine
    grid (the integrand is smooth and periodic: spectrally accurate)."""
    t = (np.arange(4000) + 0.5) * np.pi / 4000
    value = np.mean(chi_in(t) * chi_out(t) * (1 - np.cos(t)))
    assert abs(value - round(value)) < 1e-6
    return round(value)


TERMS = st.lists(st.tuples(st.integers(1, 2), st.integers(0, 3), st.integers(0, 2)),
                 min_size=1, max_size=3)


def rep_text(terms):
    return " + ".join(f"{k}*irr({a})*irr({b})" for k, a, b in terms)


def rep_chi(terms):
    return lambda t: sum(k * chi(a, t) * chi(b, t) for k, a, b in terms)


@settings(max_examples=10, deadline=None)
@given(TERMS, TERMS)
def test_counts_agree_with_characters(rep_in, rep_out):
    spec = f"SO(3): {rep_text(rep_in)} -> {rep_text(rep_out)}"
    expected = weyl_count(rep_chi(rep_in), rep_chi(rep_out))
    assert count(spec) == expected
    assert intertwine.compute(spec).n_basis == expected


def test_sym_alt_counts_agree_with_characters():
    # chi of sym(R, 2) at t: (chi_R(t)**2 + chi_R(2t)) / 2; alt: with a minus
    for l in range(4):
        sym2 = lambda t, l=l: (chi(l, t) ** 2 + chi(l, 2 * t)) / 2  # noqa: E731
        alt2 = lambda t, l=l: (chi(l, t) ** 2 - chi(l, 2 * t)) / 2  # noqa: E731
        for target in range(2 * l + 1):
            for name, c in (("sym", sym2), ("alt", alt2)):
                spec = f"SO(3): {name}(irr({l}), 2) -> irr({target})"
                expected = weyl_count(c, lambda t, m=target: chi(m, t))
                assert count(spec) == expected, spec
                assert intertwine.compute(spec).n_basis == expected, spec


# ----------------------------------------------------------------------------- files

def test_exact_sqrt_file_reads_back_exactly(tmp_path):
    path = tmp_path / "cg.h5"
    spec = "SO(3): irr(2) * irr(2) -> irr(2)"
    b = intertwine.compute(spec, "exact")
    b.save(path)
    c = intertwine.load(path)
    assert c.attrs["exact_values"] == "sqrt"
    a, d = c.coo.square_numerator, c.coo.square_denominator
    np.testing.assert_array_equal(a, b.coo.square_numerator)
    np.testing.assert_array_equal(d, b.coo.square_denominator)
    assert all(gcd(int(x), int(y)) == 1 for x, y in zip(a, d))
    np.testing.assert_allclose(c.coo.value, np.sign(a) * np.sqrt(np.abs(a) / d), rtol=1e-15)
    # the same space as the numeric solver's
    numeric = intertwine.compute(spec, "numeric").sparse().toarray()
    assert np.linalg.matrix_rank(np.vstack([numeric, c.sparse().toarray()]), tol=1e-8) == 1
    with h5py.File(path) as f:
        assert "numerator" not in f["basis"] and f.attrs["exact_values"] == "sqrt"


def _tamper(path, change):
    with h5py.File(path, "r+") as f:
        change(f["basis"])


@pytest.mark.parametrize("how", ["flip", "square", "square_only"])
def test_verify_catches_a_tampered_entry(tmp_path, how):
    path = tmp_path / "b.h5"
    assert cli("basis", "SO(3): irr(1) * irr(2) -> irr(3)", "-o", str(path)).returncode == 0
    assert cli("verify", str(path)).returncode == 0
    with h5py.File(path) as f:
        k = int(np.flatnonzero(np.abs(f["basis/square_numerator"][:]) > 1)[0])

    def change(g):
        a, d, v = g["square_numerator"], g["square_denominator"], g["value"]
        if how == "flip":  # consistently: sign of the square and of the value
            a[k], v[k] = -a[k], -v[k]
        elif how == "square":  # a different square, the value following it
            a[k] = a[k] + np.sign(a[k])
            v[k] = np.sign(a[k]) * np.sqrt(abs(a[k]) / d[k])
        else:
            a[k] = a[k] + np.sign(a[k])
    _tamper(path, change)
    out = cli("verify", str(path))
    assert out.returncode != 0, out.stdout
    assert "Traceback" not in out.stderr


def test_verify_checks_squares_exactly(tmp_path):
    """A square changed below float64's resolution passes every float check; the exact
    check on the rational form does not."""
    path = tmp_path / "b.h5"
    assert cli("basis", "SO(3): irr(1) * irr(2) -> irr(3)", "-o", str(path)).returncode == 0
    out = cli("verify", str(path))
    assert out.returncode == 0 and "equivariant exactly" in out.stdout, out.stdout
    with h5py.File(path, "r+") as f:
        a, d = f["basis/square_numerator"], f["basis/square_denominator"]
        k = int(np.flatnonzero(np.abs(a[:]) > 1)[0])
        big = 10**12
        a[k], d[k] = a[k] * big + np.sign(a[k]), d[k] * big
    out = cli("verify", str(path))
    assert out.returncode != 0 and "exact square roots" in out.stdout, out.stdout
    assert "max residual" in out.stdout and "FAIL  equivariant under" not in out.stdout


@pytest.mark.parametrize("spec", ["O(3): 1o * 1o -> 0e + 1e + 2e",
                                  "SO(3): sym(irr(1), 2) -> irr(2)",
                                  "O(3) x S(3): 1o[0] * V[1] -> 1o[0] * V[1]",
                                  "O(3): dual(2e) * 1o -> alt(1o, 2) + 3o"])
def test_everywhere_a_rep_works(tmp_path, spec):
    expected = {"O(3): 1o * 1o -> 0e + 1e + 2e": 3, "SO(3): sym(irr(1), 2) -> irr(2)": 1,
                "O(3) x S(3): 1o[0] * V[1] -> 1o[0] * V[1]": 2,
                "O(3): dual(2e) * 1o -> alt(1o, 2) + 3o": 1}[spec]
    out = cli("dim", spec)
    assert out.returncode == 0 and out.stdout.split()[0] == str(expected), out.stdout
    path = tmp_path / "b.h5"
    assert cli("basis", spec, "-o", str(path)).returncode == 0
    out = cli("verify", str(path))
    assert out.returncode == 0 and "independent count" in out.stdout, out.stdout
    assert cli("show", str(path), "--plain").returncode == 0
    numeric = intertwine.compute(spec, "numeric")
    exact = intertwine.load(path)
    assert numeric.n_basis == exact.n_basis == expected
    both = np.vstack([numeric.sparse().toarray(), exact.sparse().toarray()])
    assert np.linalg.matrix_rank(both, tol=1e-8) == expected
    manifest = tmp_path / "m.toml"
    manifest.write_text(f'[[basis]]\nspec = "{spec}"\nname = "b"\n')
    out = cli("batch", str(manifest), "--out-dir", str(tmp_path / "out"))
    assert out.returncode == 0, out.stdout + out.stderr


def test_exact_refused_nowhere_and_auto_is_exact():
    b = intertwine.compute("SO(3): irr(3) * irr(3) -> irr(2)")
    assert b.method == "exact" and b.exact
    assert b.attrs["exact_values"] == "sqrt"


def test_high_degree_squares_pass_int64(tmp_path):
    """irr(25) * irr(20) -> irr(40): squares beyond int64 are exact Python ints, stored
    as decimal strings, and verify checks them exactly."""
    path = tmp_path / "big.h5"
    assert cli("basis", "SO(3): irr(25) * irr(20) -> irr(40)", "-o", str(path)).returncode == 0
    with h5py.File(path) as f:
        assert f["basis/square_numerator"].dtype.kind == "O"  # decimal strings
    b = intertwine.load(path)
    a, d = b.coo.square_numerator, b.coo.square_denominator
    assert max(abs(int(x)) for x in a) >= 2**63 or max(int(x) for x in d) >= 2**63
    np.testing.assert_allclose(b.coo.value, [np.sign(int(x)) * (abs(int(x)) / int(y)) ** 0.5
                                             for x, y in zip(a, d)], rtol=1e-14)
    out = cli("verify", str(path))
    assert out.returncode == 0 and "equivariant exactly" in out.stdout, out.stdout

