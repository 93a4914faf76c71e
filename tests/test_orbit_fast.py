"""The fast orbit paths agree with the plain graph method (scipy connected components on
the position graph), including across block boundaries."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from intertwine.counting import bell_at_most
from intertwine.problem import Problem
from intertwine.solvers import orbit


def graph_pattern(text: str) -> tuple[np.ndarray, int]:
    """Reference: components of the position graph, one edge per position and generator."""
    p = Problem.from_spec(text)
    images, negative = orbit._position_images(p)
    assert negative is None
    labels = orbit._components(images, p.entries)
    return labels.reshape(p.dim_out, p.dim_in), int(labels.max()) + 1


def fast_pattern(text: str) -> dict:
    result = orbit.solve_orbit(Problem.from_spec(text))
    assert result["pattern"].dtype == np.int8 or result["n_basis"] > 127
    return result


@pytest.fixture(params=[7, 64, orbit._CHUNK], ids=["chunk7", "chunk64", "chunk-default"])
def chunk(request, monkeypatch):
    monkeypatch.setattr(orbit, "_CHUNK", request.param)
    return request.param


@st.composite
def symmetric_specs(draw):
    """Products of S(n) (and large A(n)) on tensor monomials, up to a few thousand entries."""
    k = draw(st.integers(1, 3))
    sizes = draw(st.lists(st.integers(1, 6), min_size=k, max_size=k))
    slots = draw(st.lists(st.integers(0, k - 1), min_size=0, max_size=6))
    while math.prod(sizes[f] for f in slots) > 3000:
        slots.pop()
    split = draw(st.integers(0, len(slots)))
    kinds = ["A" if draw(st.booleans()) and n >= slots.count(i) + 2 else "S"
             for i, n in enumerate(sizes)]
    group = " x ".join(f"{kind}({n})" for kind, n in zip(kinds, sizes))

    def rep(part):
        return "*".join(f"V[{f}]" for f in part) or "1"

    return f"{group}: {rep(slots[split:])} -> {rep(slots[:split])}"


@settings(max_examples=60, deadline=None)
@given(symmetric_specs())
def test_partition_ranks_equal_graph_components(text):
    p = Problem.from_spec(text)
    assert orbit.pattern_source(p) is not None and len(orbit.pattern_source(p).blocks) == 1
    expected, n_expected = graph_pattern(text)
    result = fast_pattern(text)
    assert result["n_basis"] == n_expected
    assert np.array_equal(result["pattern"], expected)


@st.composite
def symmetric_sums(draw):
    """Sums of monomials (with k*R and integer summands) of products of S(n)."""
    k = draw(st.integers(1, 2))
    sizes = draw(st.lists(st.integers(1, 5), min_size=k, max_size=k))

    def term():
        slots = draw(st.lists(st.integers(0, k - 1), max_size=3))
        mono = "*".join(f"V[{f}]" for f in slots) or "1"
        copies = draw(st.integers(1, 2))
        return mono if copies == 1 else f"{copies}*({mono})"

    def rep():
        return " + ".join(term() for _ in range(draw(st.integers(1, 3))))

    group = " x ".join(f"S({n})" for n in sizes)
    text = f"{group}: {rep()} -> {rep()}"
    assume(Problem.from_spec(text).entries <= 4000)
    return text


@settings(max_examples=60, deadline=None)
@given(symmetric_sums())
def test_sums_of_monomials_equal_graph_components(text):
    p = Problem.from_spec(text)
    assert orbit._symmetric_blocks(p) is not None
    expected, n_expected = graph_pattern(text)
    result = fast_pattern(text)
    assert result["n_basis"] == n_expected
    assert np.array_equal(result["pattern"], expected)


@pytest.mark.parametrize("text", [
    "S(5): V**3 -> V**3",
    "S(7): V**2 -> V**3",
    "S(3) x S(4) x S(2): V[0]*V[1]*V[2] -> V[2]*V[1]*V[0]",
    "S(2): V**6 -> V**5",
    "S(30): V -> V**2",
    "S(6): V**2 + 2*V -> V**3 + 1",
    # the orbit-minima path
    "C(7): V**2 -> V**2",
    "D(6): V**2 -> V + V**3",
    "Perm(6; (0 1 2)(3 4), (4 5)): V**2 -> V**2",
    "A(4): V**2 -> V**2",
    "D(5) x S(3): V[0]*V[1] -> V[1]*V[0]*V[0]",
    "C(4) x C(3): V[0] + V[1] -> V[0]*V[1] + 1",
    "S(4): V**2 + V -> V + 2",
])
def test_blocks_do_not_change_the_pattern(text, chunk):
    """Partition codes and orbit minima, computed in small blocks, equal the graph's."""
    expected, n = graph_pattern(text)
    result = orbit.solve_orbit(Problem.from_spec(text))
    assert result["n_basis"] == n
    assert np.array_equal(result["pattern"], expected)


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_orbit_minima_of_random_actions(data):
    # generators acting on a tensor of random shape by one random permutation per axis
    shape = tuple(data.draw(st.lists(st.integers(1, 6), min_size=1, max_size=3)))
    actions = [[data.draw(st.permutations(list(range(n))).map(np.array)) for n in shape]
               for _ in range(data.draw(st.integers(1, 3)))]
    size = math.prod(shape)
    positions = np.arange(size).reshape(shape)
    expected = orbit._components([positions[np.ix_(*a)].ravel() for a in actions], size)
    moving = [[None if np.array_equal(p, np.arange(len(p))) else p for p in a]
              for a in actions]
    labels = orbit._orbit_minima(shape, [a for a in moving if any(p is not None for p in a)])
    pattern, n_basis = orbit._rank_minima(labels.reshape(-1))
    assert n_basis == int(expected.max()) + 1
    assert np.array_equal(pattern, expected)


@given(st.integers(1, 40).flatmap(lambda n: st.permutations(list(range(n)))))
def test_order_is_the_smallest_power_giving_the_identity(perm):
    perm = np.array(perm)
    order = orbit._order(perm)
    power = perm.copy()
    for _ in range(order - 1):
        assert not np.array_equal(power, np.arange(len(perm)))
        power = perm[power]
    assert np.array_equal(power, np.arange(len(perm)))


@given(st.integers(0, 9), st.integers(1, 12))
def test_completions_count_set_partitions(slots, size):
    assert orbit._completions(slots, size)[slots][0] == bell_at_most(slots, size)


@settings(max_examples=60, deadline=None)
@given(st.one_of(symmetric_specs(), symmetric_sums()), st.data())
def test_rows_on_demand_equal_the_whole_pattern(text, data):
    """Any band of rows, computed alone in small pieces, is that band of the pattern."""
    p = Problem.from_spec(text)
    whole = orbit.solve_orbit(p)["pattern"]
    source = orbit.pattern_source(p)
    start = data.draw(st.integers(0, p.dim_out))
    stop = data.draw(st.integers(start, p.dim_out))
    original = orbit._CHUNK
    orbit._CHUNK = data.draw(st.sampled_from([1, 2, 5, 64]))
    try:
        band = np.full((stop - start, p.dim_in), -7, source.dtype)
        source.fill(start, stop, band)
    finally:
        orbit._CHUNK = original
    assert source.n_basis == int(whole.max()) + 1 if whole.size else source.n_basis == 0
    assert band.dtype == whole.dtype
    assert np.array_equal(band, whole[start:stop])


@pytest.mark.parametrize("text", ["S(40): V -> V", "S(9): V -> V**3", "S(6): V**3 -> 1",
                                  "S(5) x S(3): V[0]*V[1] -> V[0] + V[1] + 1"])
def test_pieces_stay_within_a_chunk(text, monkeypatch):
    monkeypatch.setattr(orbit, "_CHUNK", 16)
    source = orbit.pattern_source(Problem.from_spec(text))
    for block in source.blocks:
        ranker = block.ranker
        covered = 0
        for offset, size, piece in ranker.pieces(0, ranker.extent[0]):
            assert offset == covered and size <= 16
            assert len(piece) * ranker.extent[piece.depth] == size
            covered += size
        assert covered == ranker.extent[0]


def test_pattern_source_only_for_unsigned_symmetric_products():
    assert orbit.pattern_source(Problem.from_spec("S(4): V**2 -> V")) is not None
    for text in ("S(4): V*det -> V", "D(4): V -> V", "A(3): V**2 -> V**2", "SO(2): V -> V"):
        assert orbit.pattern_source(Problem.from_spec(text)) is None
