"""The cube groups Octa and FullOcta (contract 5.1): generators, orders, dimensions
against characters of all 48 signed permutation matrices enumerated here, methods
agreeing, and bases equivariant under random group elements."""

import itertools
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import intertwine
from intertwine.counting import group_order
from intertwine.spec import SpecError, parse_group, parse_spec


def signed_permutation_matrices():
    """All 48 signed permutation matrices of R^3, from itertools (not from generators)."""
    out = []
    for perm in itertools.permutations(range(3)):
        for signs in itertools.product((1, -1), repeat=3):
            m = np.zeros((3, 3))
            m[list(perm), range(3)] = signs  # e_j -> signs[j] e_{perm[j]}
            out.append(m)
    return out


FULL = signed_permutation_matrices()
ROTATIONS = [m for m in FULL if np.linalg.det(m) > 0]


def rho(text, m):
    """The matrix of a representation in V, det, 1, k, dual, +, *, ** (test grammar only:
    the tree from parse_spec read by attribute)."""
    from intertwine.spec import Defining, Det, Dual, Power, Sum, Tensor, Trivial

    def walk(rep):
        if isinstance(rep, Trivial):
            return np.eye(rep.k)
        if isinstance(rep, Defining):
            return m
        if isinstance(rep, Det):
            return np.array([[np.linalg.det(m)]])
        if isinstance(rep, Dual):
            return np.linalg.inv(walk(rep.rep)).T
        if isinstance(rep, Sum):
            blocks = [walk(t) for t in rep.terms]
            n = sum(b.shape[0] for b in blocks)
            out, at = np.zeros((n, n)), 0
            for b in blocks:
                out[at:at + len(b), at:at + len(b)] = b
                at += len(b)
            return out
        if isinstance(rep, Tensor | Power):
            parts = rep.factors if isinstance(rep, Tensor) else (rep.base,) * rep.k
            out = np.eye(1)
            for p in parts:
                out = np.kron(out, walk(p))
            return out
        raise TypeError(rep)

    return walk(text)


def reference_dim(spec_text, elements):
    s = parse_spec(spec_text)
    total = sum(np.trace(rho(s.rep_in, g)) * np.trace(rho(s.rep_out, g)) for g in elements)
    return round(total / len(elements))


def test_generators_are_the_contracts():
    octa = parse_group("Octa").factors[0]
    z, x = [g.matrix().toarray() for g in octa.family.discrete(octa)]
    assert (z @ [1, 2, 3]).tolist() == [-2, 1, 3]  # (x, y, z) -> (-y, x, z)
    assert (x @ [1, 2, 3]).tolist() == [1, -3, 2]  # (x, y, z) -> (x, -z, y)
    full = parse_group("FullOcta").factors[0]
    inversion = full.family.discrete(full)[2].matrix().toarray()
    assert (inversion @ [1, 2, 3]).tolist() == [-1, -2, -3]


@pytest.mark.parametrize("name,elements", [("Octa", ROTATIONS), ("FullOcta", FULL)])
def test_elements_are_the_signed_permutations(name, elements):
    f = parse_group(name).factors[0]
    table = f.family.elements(f)
    mats = set()
    for perm, sign in zip(table.perm, table.sign):
        m = np.zeros((3, 3), int)
        m[perm, range(3)] = sign
        mats.add(m.tobytes())
    assert mats == {m.astype(int).tobytes() for m in elements}
    assert group_order(parse_group(name)) == len(elements)


SPECS = [
    "Octa: V -> V", "FullOcta: V -> V", "Octa: V**2 -> 1", "FullOcta: V**3 -> 1",
    "Octa: V**3 -> 1", "Octa: V**4 -> 1", "FullOcta: V**4 -> 1", "FullOcta: det -> 1",
    "FullOcta: V*det -> V", "Octa: V**2 -> V", "FullOcta: V**2 -> V**2",
    "Octa: dual(V) + 2 -> V + det", "FullOcta: (V + det)**2 -> V",
]


@pytest.mark.parametrize("spec", SPECS)
def test_dimension_and_methods_agree_with_characters(spec):
    elements = ROTATIONS if spec.startswith("Octa") else FULL
    expected = reference_dim(spec, elements)
    assert intertwine.dim(spec) == expected
    orbit = intertwine.compute(spec)
    assert orbit.method == "orbit"
    exact = intertwine.compute(spec, "exact")
    numeric = intertwine.compute(spec, "numeric")
    assert orbit.n_basis == exact.n_basis == numeric.n_basis == expected
    assert np.array_equal(orbit.dense(), exact.dense())  # both RREF: identical


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(SPECS), st.integers(0, 2**32 - 1))
def test_bases_are_equivariant_under_random_elements(spec, seed):
    rng = np.random.default_rng(seed)
    elements = ROTATIONS if spec.startswith("Octa") else FULL
    s = parse_spec(spec)
    b = intertwine.compute(spec)
    for g in (elements[i] for i in rng.integers(len(elements), size=3)):
        r_in, r_out = rho(s.rep_in, g), rho(s.rep_out, g)
        for w in b.dense():
            assert np.abs(r_out @ w - w @ r_in).max() < 1e-9


def test_products_and_errors():
    assert intertwine.dim("Octa x S(3): V[0]*V[1] -> V[0]*V[1]") == 2
    assert str(parse_spec("S(2)xOcta: V[1] -> V[1]")) == "S(2) x Octa: V[1] -> V[1]"
    with pytest.raises(SpecError, match="no arguments"):
        parse_spec("Octa(3): V -> V")
    run = subprocess.run([sys.executable, "-m", "intertwine", "dim", "FullOcta(2): V -> V"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "^" in run.stderr and "Traceback" not in run.stderr
