"""Young's orthogonal form and the characters of S(n) (intertwine.groups.young), checked
without any solver: tableaux by brute force, the generators' formula written out here,
Coxeter relations in exact rational arithmetic, characters against traces and the
orthogonality relations."""

from __future__ import annotations

import itertools
from fractions import Fraction
from math import factorial, isqrt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intertwine.groups import young as Y
from tests.reference_young import contents, tableaux, transposition

SHAPES_UP_TO_6 = [lam for n in range(1, 7) for lam in Y.partitions(n)]


def exact_matrix(entries, dim):
    m = [[Fraction(0)] * dim for _ in range(dim)]
    for (r, c), v in entries.fractions().items():
        m[r][c] = v
    return m


def mul(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(len(b)) if a[i][k]) for j in range(len(b[0]))]
            for i in range(len(a))]


def identity(dim):
    return [[Fraction(int(i == j)) for j in range(dim)] for i in range(dim)]


def power(a, k):
    out = identity(len(a))
    for _ in range(k):
        out = mul(out, a)
    return out


def cycle_type_sizes(n):
    """{cycle type: number of elements}, counted by brute force over S(n)."""
    sizes = {}
    for g in itertools.permutations(range(n)):
        key = Y.cycle_type(g)
        sizes[key] = sizes.get(key, 0) + 1
    return sizes


def test_partitions_in_decreasing_lexicographic_order():
    for n in range(1, 9):
        parts = Y.partitions(n)
        assert parts == sorted(parts, reverse=True)
        assert len(set(parts)) == len(parts)
        assert all(sum(p) == n and list(p) == sorted(p, reverse=True) for p in parts)
    assert [len(Y.partitions(n)) for n in range(1, 11)] == [1, 2, 3, 5, 7, 11, 15, 22, 30, 42]


@pytest.mark.parametrize("shape", SHAPES_UP_TO_6 + [(3, 3, 1), (4, 2, 1)])
def test_tableaux_are_every_standard_tableau_in_order(shape):
    y = Y.young(shape)
    assert [tuple(w) for w in y.words.tolist()] == tableaux(shape)
    assert y.dim == len(y.words) == Y.dimension(shape)
    assert y.contents.tolist() == [contents(w) for w in y.words.tolist()]


def test_worked_examples_of_the_order():
    # (2, 1): 12/3 then 13/2; (3, 1): 123/4, 124/3, 134/2
    assert Y.young((2, 1)).words.tolist() == [[0, 0, 1], [0, 1, 0]]
    assert Y.young((3, 1)).words.tolist() == [[0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]]


@pytest.mark.parametrize("n", range(1, 9))
def test_sum_of_squared_dimensions_is_the_order(n):
    assert sum(Y.dimension(lam) ** 2 for lam in Y.partitions(n)) == factorial(n)


def test_dimension_of_special_shapes():
    for n in range(2, 12):
        assert Y.dimension((n,)) == 1
        assert Y.dimension((1,) * n) == 1
        assert Y.dimension((n - 1, 1)) == n - 1
    assert Y.dimension((5, 4, 3)) == len(Y.Young((5, 4, 3)).words) == 2112
    assert Y.dimension((4, 3, 2, 1)) == 768
    assert Y.dimension((30, 20, 10)) > 10**20


@pytest.mark.parametrize("shape", SHAPES_UP_TO_6 + [(3, 2, 2)])
def test_generators_follow_the_formula(shape):
    y = Y.young(shape)
    for i in range(1, y.n):
        entries = y.generator(i)
        assert np.allclose(entries.dense(), transposition(shape, i), atol=1e-15)
        # exact squares: every value is sign * sqrt(a/b), a and b coprime, b a square of r
        for _, _, a, b in entries.squares():
            assert b > 0 and a != 0 and np.gcd(abs(a), b) == 1
            assert isqrt(b) ** 2 == b


@pytest.mark.parametrize("shape", SHAPES_UP_TO_6)
def test_coxeter_relations_exactly_on_the_seminormal_form(shape):
    y = Y.young(shape)
    d = y.dim
    s = [exact_matrix(y.seminormal_generator(i), d) for i in range(1, y.n)]
    one = identity(d)
    for a in range(len(s)):
        assert mul(s[a], s[a]) == one
        if a + 1 < len(s):
            assert power(mul(s[a], s[a + 1]), 3) == one
        for b in range(a + 2, len(s)):
            assert mul(s[a], s[b]) == mul(s[b], s[a])


@pytest.mark.parametrize("shape", SHAPES_UP_TO_6 + [(4, 3, 1)])
def test_scaling_turns_the_orthogonal_form_into_the_seminormal_form_exactly(shape):
    """S = D O D^-1 with D = diag(sqrt(s)): S[a, b]^2 * s[b] / s[a] == O[a, b]^2, signs
    equal; O symmetric (so orthogonal, as O^2 = 1 by the Coxeter relations)."""
    y = Y.young(shape)
    scale = y.scaling()
    assert scale[0] == 1 and (scale >= 1).all()
    for p in range(2, 20):  # square-free
        assert not (scale % (p * p) == 0).any()
    for i in range(1, y.n):
        ortho = {(r, c): (Fraction(a), b) for r, c, a, b in y.generator(i).squares()}
        semi = y.seminormal_generator(i).fractions()
        assert semi.keys() == ortho.keys()
        for (r, c), v in semi.items():
            signed_square, den = ortho[(r, c)]
            assert v * v * scale[c] / scale[r] == abs(signed_square) / den
            assert (v > 0) == (signed_square > 0)
            assert ortho[(c, r)] == ortho[(r, c)]  # symmetric


@pytest.mark.parametrize("shape", [(4, 2, 1), (3, 3, 2), (5, 2, 1)])
def test_orthogonal_and_a_representation_in_floats(shape):
    y = Y.young(shape)
    gens = [g.dense() for g in y.generators()]
    one = np.eye(y.dim)
    for a, g in enumerate(gens):
        assert np.allclose(g @ g.T, one, atol=1e-13)
        if a + 1 < len(gens):
            assert np.allclose(np.linalg.matrix_power(g @ gens[a + 1], 3), one, atol=1e-12)


def test_trivial_and_sign():
    for n in range(1, 8):
        for g in itertools.islice(itertools.permutations(range(n)), 50):
            assert Y.young((n,)).matrix(g).tolist() == [[1.0]]
            sign = (-1) ** (n - len(Y.cycle_type(g)))
            assert Y.young((1,) * n).matrix(g).tolist() == [[float(sign)]]


@settings(max_examples=20, deadline=None)
@given(st.sampled_from([lam for n in range(2, 8) for lam in Y.partitions(n)]), st.data())
def test_homomorphism_and_character_at_random_permutations(shape, data):
    n = sum(shape)
    g = data.draw(st.permutations(range(n)))
    h = data.draw(st.permutations(range(n)))
    y = Y.young(shape)
    gh = [g[h[j]] for j in range(n)]
    assert np.allclose(y.matrix(gh), y.matrix(g) @ y.matrix(h), atol=1e-12)
    assert np.isclose(np.trace(y.matrix(g)), Y.character(shape, Y.cycle_type(g)), atol=1e-10)
    assert np.allclose(y.matrix(g) @ y.matrix(g).T, np.eye(y.dim), atol=1e-12)


@pytest.mark.parametrize("n", range(1, 7))
def test_traces_realise_murnaghan_nakayama_on_every_cycle_type(n):
    for shape in Y.partitions(n):
        y = Y.young(shape)
        for mu in Y.partitions(n):
            # the product of consecutive cycles (0 1 .. mu_1-1)(mu_1 ..) ...
            g, start = list(range(n)), 0
            for length in mu:
                for j in range(length):
                    g[start + j] = start + (j + 1) % length
                start += length
            assert Y.cycle_type(g) == mu
            assert round(np.trace(y.matrix(g))) == Y.character(shape, mu)


def test_known_character_table_of_s4():
    shapes, classes, table = Y.character_table(4)
    assert classes == [(4,), (3, 1), (2, 2), (2, 1, 1), (1, 1, 1, 1)]
    assert table.tolist() == [[1, 1, 1, 1, 1],
                              [-1, 0, -1, 1, 3],
                              [0, -1, 2, 0, 2],
                              [1, 0, -1, -1, 3],
                              [-1, 1, 1, -1, 1]]


@pytest.mark.parametrize("n", range(1, 8))
def test_character_orthogonality(n):
    shapes, classes, table = Y.character_table(n)
    sizes = cycle_type_sizes(n)
    weights = np.array([sizes[mu] for mu in classes], dtype=object)
    gram = np.array([[sum(weights * table[a] * table[b]) for b in range(len(shapes))]
                     for a in range(len(shapes))], dtype=object)
    assert (gram == factorial(n) * np.eye(len(shapes), dtype=object)).all()
    assert [table[a][-1] for a in range(len(shapes))] == [Y.dimension(s) for s in shapes]


def test_standard_representation_character_is_fixed_points_minus_one():
    for n in range(2, 9):
        for mu in Y.partitions(n):
            assert Y.character((n - 1, 1), mu) == mu.count(1) - 1


def test_character_accepts_cycle_types_without_fixed_points():
    assert Y.character((3, 2), (2,)) == Y.character((3, 2), (2, 1, 1, 1)) == 1
    assert Y.character((3, 2), ()) == 5


def test_a_twelve_letter_shape_is_distinct_sorted_and_consistent():
    y = Y.Young((4, 3, 2, 2, 1))  # 5775 tableaux
    unique = np.unique(y.words, axis=0)  # sorted lexicographically
    assert y.dim == 5775 == len(unique) and np.array_equal(unique, y.words)
    assert (y.index(y.words[::7]) == np.arange(0, y.dim, 7)).all()
    r = y.axial(5)
    assert (r != 0).all()
    partner = y.partner(5)
    assert (partner[partner] == np.arange(y.dim)).all()


@pytest.mark.parametrize("bad", [(), (1, 2), (0,), (2, -1), (2.5,)])
def test_bad_shapes_are_refused(bad):
    with pytest.raises(ValueError, match="not a partition"):
        Y.dimension(bad)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="1 <= i <= 2"):
        Y.young((2, 1)).generator(3)
    with pytest.raises(ValueError, match="not a permutation"):
        Y.young((2, 1)).matrix([0, 0, 1])
    with pytest.raises(ValueError, match="more than 3 points"):
        Y.character((2, 1), (2, 2))


def fraction_dense(entries):
    m = [[Fraction(0)] * entries.shape[1] for _ in range(entries.shape[0])]
    for (r, c), v in entries.fractions().items():
        m[r][c] = v
    return m


@settings(max_examples=15, deadline=None)
@given(st.sampled_from([lam for n in range(2, 7) for lam in Y.partitions(n)]), st.data())
def test_exact_matrices_of_any_permutation(shape, data):
    """The seminormal rho(g) is exactly multiplicative; the exact orthogonal rho(g) has the
    float matrix's values, and equals D^-1 S D on squares."""
    n = sum(shape)
    g = data.draw(st.permutations(range(n)))
    h = data.draw(st.permutations(range(n)))
    y = Y.young(shape)
    gh = [g[h[j]] for j in range(n)]
    assert fraction_dense(y.seminormal_matrix(gh)) == mul(
        fraction_dense(y.seminormal_matrix(g)), fraction_dense(y.seminormal_matrix(h)))
    exact = y.exact_matrix(g)
    assert np.allclose(exact.dense(), y.matrix(g), atol=1e-14)
    scale = y.scaling()
    squares = {(r, c): (a, b) for r, c, a, b in exact.squares()}
    semi = y.seminormal_matrix(g).fractions()
    assert squares.keys() == semi.keys()
    for (r, c), v in semi.items():
        a, b = squares[(r, c)]
        assert Fraction(abs(a), b) == v * v * int(scale[c]) / int(scale[r])
        assert (a > 0) == (v > 0)


def test_exact_matrix_of_the_long_cycle():
    y = Y.young((3, 2))
    cycle = list(range(1, 5)) + [0]
    exact = y.exact_matrix(cycle)
    for _, _, a, b in exact.squares():
        assert b > 0 and np.gcd(abs(a), b) == 1
    assert np.allclose(exact.dense(), y.matrix(cycle), atol=1e-14)
    assert np.isclose(np.trace(exact.dense()), Y.character((3, 2), (5,)))


@pytest.mark.parametrize("n", range(1, 8))
def test_characters_from_traces_of_powers(n):
    perms = list(itertools.permutations(range(n)))
    traces = [[sum(1 for x in range(n) if _power(g, j)[x] == x) for g in perms]
              for j in range(1, n + 1)]
    for shape in Y.partitions(n):
        got = Y.characters_from_traces(shape, traces).tolist()
        assert got == [Y.character(shape, Y.cycle_type(g)) for g in perms]


def _power(g, j):
    out = list(range(len(g)))
    for _ in range(j):
        out = [g[x] for x in out]
    return out


def test_seminormal_fallback_in_python_ints_agrees():
    y = Y.young((3, 2, 1))
    for g in [(1, 2, 3, 4, 5, 0), (5, 4, 3, 2, 1, 0), (0, 2, 1, 4, 3, 5)]:
        fast, slow = y.seminormal_matrix(g), y._seminormal_python(y.reduced_word(g))
        assert fast.fractions() == slow.fractions()


@pytest.mark.parametrize("shape", [s for s in SHAPES_UP_TO_6 if Y.dimension(s) > 1])
def test_closed_form_scaling_equals_the_generic_search(shape):
    """groups/irrep.sqrt_scaling finds s by a search over the matrices' pattern; the
    tableaux graph is connected, so with s = 1 on the first tableau both must agree."""
    from intertwine.groups.irrep import sqrt_scaling

    y = Y.young(shape)
    signed = []
    for i in range(1, y.n):
        m = np.zeros((y.dim, y.dim), dtype=object)
        for (r, c), (sign, square) in y.generator(i).fractions().items():
            m[r, c] = sign * square
        signed.append(m)
    squares, _ = sqrt_scaling(signed)
    assert [int(s) for s in squares] == y.scaling().tolist()


@pytest.mark.parametrize("n", range(1, 11))
def test_character_polynomials_give_the_characters(n):
    """stable_characters reads only the short cycles (length <= n - lambda_1)."""
    for shape in Y.partitions(n):
        m = n - shape[0]
        classes = Y.partitions(n)
        traces = [[sum(length for length in mu if j % length == 0) for mu in classes]
                  for j in range(1, max(m, 1) + 1)]
        got = Y.stable_characters(shape, traces).tolist()
        assert got == [Y.character(shape, mu) for mu in classes], shape
