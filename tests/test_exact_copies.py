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
