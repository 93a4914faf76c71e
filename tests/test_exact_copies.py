"""The integer Gram–Schmidt of exact decompositions (``build._orthogonalised``, which
works on the Gram matrix and in int64 or float64 where a bound allows) against the
textbook one written here in Fractions, on vectors small enough for the fast path and on
ones whose Gram matrix needs Python ints."""

from fractions import Fraction
from math import gcd

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from intertwine.decomposition.build import _orthogonalised


def _textbook(vectors: list[list[int]], omega: list[int]):
    """Gram–Schmidt in Fractions, each result scaled to the primitive integer vector of
    the same direction, and its squared norm."""
    dot = lambda a, b: sum(x * y * w for x, y, w in zip(a, b, omega))  # noqa: E731
    done = []
    for a in vectors:
        u = [Fraction(x) for x in a]
        for v in done:
            t = dot(a, v) / dot(v, v)
            u = [x - t * y for x, y in zip(u, v)]
        done.append(u)
    out = []
    for u in done:
        common = 1
        for x in u:
            common = common * x.denominator // gcd(common, x.denominator)
        ints = [int(x * common) for x in u]
        content = 0
        for x in ints:
            content = gcd(content, x)
        ints = [x // content for x in ints]
        out.append((ints, dot(ints, ints)))
    return out


@st.composite
def _independent(draw):
    m = draw(st.integers(1, 5))
    n = draw(st.integers(m, 9))
    scale = draw(st.sampled_from([1, 2**20, 2**48, 2**40]))
    # a unit lower-triangular block makes the rows independent
    rows = [[draw(st.integers(-3, 3)) for _ in range(n)] for _ in range(m)]
    for k in range(m):
        rows[k][k] = 1
        rows[k][:k] = [0] * k
    omega = [draw(st.integers(1, 4)) * scale for _ in range(n)]
    return rows, omega, scale


@settings(max_examples=25, deadline=None)
@given(_independent())
def test_gram_schmidt_against_fractions(case):
    rows, omega, scale = case
    vectors = np.array(rows, np.int64) * (3 if scale > 1 else 1)  # not primitive: no matter
    if scale == 2**40:  # entries beyond what the int64 products hold
        vectors = vectors.astype(object) * 2**30
    units, lams = _orthogonalised(vectors, np.array(omega, np.int64))
    want = _textbook(vectors.tolist(), omega)
    assert [[int(x) for x in u] for u in units.tolist()] == [w for w, _ in want]
    assert lams == [lam for _, lam in want]


def _reference_copies(elements, weights, rep_sq, irrep_sq, dim):
    """The rows of Q as {(copy row, column): signed square}: Gram–Schmidt in Fractions for
    <A, B> = Σ A_rj B_rj s_j / (M_jj t_r dim), then W = u·√(s_j / t_r)/√<u, u>."""
    def inner(a, b):
        return sum(a[k] * b[k] * rep_sq[k[1]] / (weights[k[1]] * irrep_sq[k[0]] * dim)
                   for k in a if k in b)

    done, out = [], {}
    for a in elements:
        u = dict(a)
        for v in done:
            t = inner(a, v) / inner(v, v)
            for k, x in v.items():
                u[k] = u.get(k, 0) - t * x
        done.append({k: x for k, x in u.items() if x})
    for c, u in enumerate(done):
        lam = inner(u, u)
        for (r, j), x in u.items():
            out[(c * dim + r, j)] = (1 if x > 0 else -1) * x * x * rep_sq[j] / (lam * irrep_sq[r])
    return out


@st.composite
def _bases(draw):
    n_rep, dim = draw(st.integers(2, 5)), draw(st.integers(1, 3))
    m = draw(st.integers(1, min(3, n_rep)))
    big = draw(st.sampled_from([1, 2**70]))  # 2**70: every int64 path falls back
    frac = st.builds(Fraction, st.integers(-4, 4), st.integers(1, 3))
    positive = st.builds(Fraction, st.integers(1, 5 * big), st.integers(1, 4))
    elements = []
    for k in range(m):  # a 1 at (0, k), the later elements 0 there: independent
        e = {(r, j): draw(frac) for r in range(dim) for j in range(n_rep) if j > k or r > 0}
        e[(0, k)] = Fraction(1)
        elements.append({key: x for key, x in e.items() if x})
    return (elements, [draw(positive) for _ in range(n_rep)],
            [draw(positive) for _ in range(n_rep)], [draw(positive) for _ in range(dim)], dim)


@settings(max_examples=25, deadline=None)
@given(_bases())
def test_exact_copies_against_fractions(case):
    from intertwine.coo import Coo
    from intertwine.decomposition.build import exact_copies, ratios

    elements, weights, rep_sq, irrep_sq, dim = case
    entries = [(k, r, j, x) for k, e in enumerate(elements) for (r, j), x in sorted(e.items())]
    index, row, col, values = (np.array(t) for t in zip(*entries))
    coo = Coo(index.astype(np.int64), row.astype(np.int64), col.astype(np.int64),
              values.astype(float), np.array([x.numerator for x in values], object),
              np.array([x.denominator for x in values], object))
    got = exact_copies(coo, len(elements), ratios(weights), dim, 0, ratios(rep_sq),
                       ratios(irrep_sq))
    found = {(int(r), int(j)): Fraction(int(a), int(b))
             for r, j, a, b in zip(got.row, got.col, got.numerator, got.denominator)}
    assert found == _reference_copies(elements, weights, rep_sq, irrep_sq, dim)
    assert np.allclose(got.value, [float(np.sign(x)) * float(abs(x)) ** 0.5
                                   for x in found.values()], rtol=1e-12, atol=0)
    # a few entries are assembled in Python ints: the very arrays of the numpy path
    import intertwine.decomposition.build as build_module

    saved = build_module.SMALL_COPIES
    build_module.SMALL_COPIES = -1
    try:
        large = exact_copies(coo, len(elements), ratios(weights), dim, 0, ratios(rep_sq),
                             ratios(irrep_sq))
    finally:
        build_module.SMALL_COPIES = saved
    for name in ("index", "row", "col", "value", "numerator", "denominator"):
        a, b = getattr(got, name), getattr(large, name)
        assert a.dtype == b.dtype and a.tolist() == b.tolist(), name


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.integers(-(2**52) + 1, 2**52 - 1), st.integers(1, 2**52 - 1)),
                min_size=1, max_size=40))
def test_float_values_round_as_as_float(pairs):
    """A few values go through Python floats, more through numpy: each as
    ``roots.as_float`` rounds it, in both."""
    from intertwine.decomposition.build import _float_values
    from intertwine.decomposition.roots import as_float

    num = np.array([a for a, _ in pairs], np.int64)
    den = np.array([b for _, b in pairs], np.int64)
    want = [as_float(Fraction(a, b)) for a, b in pairs]
    for k in (1, 33):  # the Python path (at most 32 values), then numpy's
        got = _float_values(np.tile(num, k), np.tile(den, k))
        assert got.dtype == np.float64 and got.tolist() == want * k
