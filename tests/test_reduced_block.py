"""``Problem.constraint_block`` with the orbit substitution made as it is built (what
``reduce.by_subgroup`` imposes) against the plain block times B, B built here from the
reduction's orbit and sign arrays: the same entries, in integers and in floats (whose
sums depend on the order)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intertwine.coo import CooMatrix
from intertwine.problem import Problem
from intertwine.reps.action import constraint_pair
from intertwine.solvers.reduce import by_subgroup


def _times_b(block: CooMatrix, orbit: np.ndarray, sign: np.ndarray, unknowns: int):
    """block @ B densely: B[p, orbit[p]] = sign[p] where orbit[p] >= 0."""
    b = np.zeros((len(orbit), unknowns))
    used = np.flatnonzero(orbit >= 0)
    b[used, orbit[used]] = sign[used]
    return block.toarray() @ b


@pytest.mark.parametrize("spec", ["SO(3): V**2 -> V**3", "O(3): sym(1o + 2e, 2) -> 1o + 2e",
                                  "O(3): (0e + 1o) * 2e -> 1o + 2e + 3o"])
def test_substituted_block_is_the_block_times_b(spec):
    p = Problem.from_spec(spec)
    p = p.rational_form() if p.exactness == "sqrt" else p
    r = by_subgroup(p)
    pairs = [constraint_pair(a, b) for a, b in zip(p.discrete_out, p.discrete_in)]
    pairs += list(zip(p.lie_out, p.lie_in))
    rng = np.random.default_rng(7)
    columns = (r.orbit, r.sign, r.unknowns)
    for a_out, a_in in pairs:
        got = CooMatrix.from_entries(*p.constraint_block(a_out, a_in, columns))
        want = _times_b(p.constraint_block(a_out, a_in), r.orbit, r.sign, r.unknowns)
        assert got.shape == want.shape and np.array_equal(got.toarray(), want)
        # in floats the entries that meet are summed in the order of the plain block's
        a = CooMatrix(a_out.row, a_out.col, rng.normal(size=a_out.nnz), a_out.shape)
        b = CooMatrix(a_in.row, a_in.col, rng.normal(size=a_in.nnz), a_in.shape)
        plain = r.reduce(p.constraint_block(a, b))
        fused = CooMatrix.from_entries(*p.constraint_block(a, b, columns))
        for x, y in zip(plain[:3], fused[:3]):
            assert x.dtype == y.dtype and np.array_equal(x, y)


def test_orbit_labels_with_involutions_equal_csgraphs():
    """Involutions and cycles, as the subgroups' generators are, labelled as scipy's
    csgraph labels them (the propagation follows images only, never preimages)."""
    from intertwine.solvers.labels import orbit_labels
    from intertwine.solvers.orbit.signed import components

    rng = np.random.default_rng(3)
    for n in (1, 2, 9, 40):
        swaps = rng.permutation(n)
        involution = np.arange(n)
        involution[swaps[: n // 2 * 2: 2]], involution[swaps[1: n // 2 * 2: 2]] = \
            swaps[1: n // 2 * 2: 2], swaps[: n // 2 * 2: 2]
        assert np.array_equal(involution[involution], np.arange(n))
        for images in ([involution], [involution, rng.permutation(n)],
                       [np.roll(np.arange(n), 1), involution]):
            assert orbit_labels(images, n).tolist() == components(images, n).tolist()


@pytest.mark.parametrize("spec", ["O(3): sym(1o, 2) -> 0e + 2e", "SO(3): V**2 -> V**3",
                                  "O(3): (0e + 1o) * 2e -> 1o + 2e + 3o"])
def test_small_expansions_equal_numpys(spec, monkeypatch):
    """``Reduction.expand`` of a tiny reduction runs in Python: the same arrays (entries,
    order, dtypes) as the numpy path, against B applied densely here too."""
    import intertwine.solvers.reduce as reduce_module
    from intertwine.coo import Coo

    p = Problem.from_spec(spec)
    r = by_subgroup(p.rational_form() if p.exactness == "sqrt" else p)
    rng = np.random.default_rng(3)
    n_basis = 3
    index = np.repeat(np.arange(n_basis), r.unknowns)
    unknown = np.tile(np.arange(r.unknowns), n_basis)
    keep = rng.random(len(index)) < 0.6
    num = rng.integers(-9, 10, len(index))[keep].astype(np.int64)
    den = rng.integers(1, 5, len(index))[keep].astype(np.int64)
    coo = Coo(index[keep].astype(np.int64), unknown[keep].astype(np.int64),
              np.zeros(keep.sum(), np.int64), num / den, num, den)
    small = r.expand(coo)
    monkeypatch.setattr(reduce_module, "SMALL_EXPAND", -1)
    large = r.expand(coo)
    for name in ("index", "row", "col", "value", "numerator", "denominator"):
        a, b = getattr(small, name), getattr(large, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    used = np.flatnonzero(r.orbit >= 0)
    b_matrix = np.zeros((len(r.orbit), r.unknowns))
    b_matrix[used, r.orbit[used]] = r.sign[used]
    dense_c = np.zeros((n_basis, r.unknowns))
    dense_c[coo.index, coo.row] = coo.value
    want = dense_c @ b_matrix.T
    got = np.zeros_like(want)
    got[small.index, small.row] = small.value
    assert np.array_equal(got, want)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_small_signed_orbits_equal_the_double_covers(dim_out, dim_in, n_gens, seed):
    """Up to ``SMALL_POSITIONS`` positions the signed orbits come from a union-find with
    signs: the same positions, orbits, signs and count as the double cover's
    components (numpy labels and csgraph's), zero orbits left out alike."""
    import intertwine.solvers.orbit.signed as signed_module
    from intertwine.groups.base import SignedPerm
    from intertwine.solvers.labels import orbit_labels

    rng = np.random.default_rng(seed)

    def element(n):
        sign = rng.choice(np.array([-1, 1], np.int8), n) if rng.random() < 0.8 else None
        return SignedPerm(rng.permutation(n), sign)

    pairs = [(element(dim_out), element(dim_in)) for _ in range(n_gens)]
    small = signed_module.signed_orbits(pairs, dim_out, dim_in)
    saved = signed_module.SMALL_POSITIONS
    signed_module.SMALL_POSITIONS = -1
    try:
        for label in (orbit_labels, None):
            large = signed_module.signed_orbits(pairs, dim_out, dim_in, label=label)
            assert small.count == large.count
            for name in ("position", "orbit", "value"):
                a, b = getattr(small, name), getattr(large, name)
                assert a.dtype == b.dtype and np.array_equal(a, b), name
    finally:
        signed_module.SMALL_POSITIONS = saved


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_small_constraint_blocks_equal_numpys(dim_out, dim_in, seed):
    """Up to ``SMALL_BLOCK`` candidate entries a substituted block is built in Python:
    the same arrays (entries, order, dtypes) as numpy's, on random integer generators
    (diagonals and off-diagonals, zero values among them) and random orbits with signs,
    positions left out (-1) included; and the numpy block is the plain one times B."""
    import intertwine.problem as problem_module

    rng = np.random.default_rng(seed)
    p = Problem.from_spec(f"SO(2): {dim_in}*1 -> {dim_out}*1")
    assert (p.dim_out, p.dim_in) == (dim_out, dim_in)

    def generator(n):
        at = rng.choice(n * n, rng.integers(0, n * n + 1), replace=False)
        return CooMatrix(at // n, at % n, rng.integers(-4, 5, len(at)).astype(np.int64),
                         (n, n))

    unknowns = int(rng.integers(1, dim_out * dim_in + 1))
    orbit = rng.integers(-1, unknowns, dim_out * dim_in).astype(np.int64)
    sign = rng.choice(np.array([-1, 1], np.int8), dim_out * dim_in)
    for _ in range(3):
        a, b = generator(dim_out), generator(dim_in)
        small = p.constraint_block(a, b, (orbit, sign, unknowns))
        saved = problem_module.SMALL_BLOCK
        problem_module.SMALL_BLOCK = -1
        try:
            large = p.constraint_block(a, b, (orbit, sign, unknowns))
        finally:
            problem_module.SMALL_BLOCK = saved
        assert small.shape == large.shape == (dim_out * dim_in, unknowns)
        for x, y in zip(small[:3], large[:3]):
            assert x.dtype == y.dtype and np.array_equal(x, y)
        want = _times_b(p.constraint_block(a, b), orbit, sign, unknowns)
        assert np.array_equal(CooMatrix.from_entries(*small).toarray(), want)
