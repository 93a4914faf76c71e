"""reg, irr and Grid (contract 5.2) against an independent reference.

``tests/reference_finite.py`` builds every group element from the contract's words and
every representation matrix with dense numpy; nothing here shares code with the
solvers or the counting.  Random specs are drawn as small trees, printed as spec
strings and sent through the public API (``intertwine.dim``, ``intertwine.compute``)
or the command line.
"""

from __future__ import annotations

import subprocess
import sys
from functools import cache
from math import comb

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import intertwine
from tests.reference_finite import Factor, all_elements, hom_dimension, rho, text

#: (name, n) of the groups drawn; kept small so the reference stays quick
GROUPS = [("C", 1), ("C", 2), ("C", 3), ("C", 4), ("C", 5), ("C", 6), ("C", 8), ("D", 1),
          ("D", 2), ("D", 3), ("D", 4), ("D", 5), ("D", 6), ("S", 3), ("A", 4), ("Octa", None),
          ("FullOcta", None)]
MAX_DIM = 48


@cache
def factor(name: str, n: int | None) -> Factor:
    return Factor(name, n)


def group_text(factors: list[Factor]) -> str:
    return " x ".join(map(str, factors))


def tree_dim(tree, factors) -> int:
    kind = tree[0]
    if kind == "triv":
        return tree[1]
    if kind == "V":
        return factors[tree[1]].n if factors[tree[1]].n else 3
    if kind == "det":
        return 1
    if kind == "reg":
        return factors[tree[1]].order
    if kind == "irr":
        f = factors[tree[2]]
        return 2 if 0 < 2 * tree[1][-1] < f.n else 1
    if kind == "grid":
        return tree[1] ** (2 if factors[tree[2]].name in ("C", "D") else 3)
    if kind == "dual":
        return tree_dim(tree[1], factors)
    if kind == "sum":
        return tree_dim(tree[1], factors) + tree_dim(tree[2], factors)
    if kind == "tensor":
        return tree_dim(tree[1], factors) * tree_dim(tree[2], factors)
    if kind == "power":
        return tree_dim(tree[1], factors) ** tree[2]
    if kind == "sym":
        return comb(tree_dim(tree[1], factors) + tree[2] - 1, tree[2])
    if kind == "alt":
        return comb(tree_dim(tree[1], factors), tree[2])
    raise ValueError(kind)


def largest_part(tree, factors) -> int:
    """The largest dimension of any sub-tree: what the dense reference has to build."""
    parts = [t for t in tree[1:] if isinstance(t, tuple) and t and isinstance(t[0], str)]
    return max([tree_dim(tree, factors)] + [largest_part(t, factors) for t in parts])


def leaves(factors: list[Factor], i: int) -> list:
    f = factors[i]
    out = [("V", i), ("det", i)]
    if f.order <= 24:
        out.append(("reg", i))
    out += [("irr", label, i) for label in f.irr_labels()]
    if f.has_grid():
        out += [("grid", k, i) for k in ((1, 2, 3) if f.name in ("C", "D") else (1, 2))]
    return out


@st.composite
def trees(draw, factors: list[Factor], depth: int = 2):
    options = [("triv", k) for k in (1, 2)]
    for i in range(len(factors)):
        options += leaves(factors, i)
    if depth == 0 or draw(st.integers(0, 2)) == 0:
        return draw(st.sampled_from(options))
    ops = ["dual", "sum", "tensor", "tensor", "power", "sym", "alt"]
    op = draw(st.sampled_from(ops))
    if op == "dual":
        return ("dual", draw(trees(factors, depth - 1)))
    if op == "power":
        return ("power", draw(trees(factors, depth - 1)), draw(st.integers(0, 2)))
    if op in ("sym", "alt"):
        return (op, draw(trees(factors, depth - 1)), draw(st.integers(1, 3)))
    return (op, draw(trees(factors, depth - 1)), draw(trees(factors, depth - 1)))


@st.composite
def specs(draw):
    count = draw(st.sampled_from([1, 1, 1, 2]))
    names = draw(st.lists(st.sampled_from(GROUPS), min_size=count, max_size=count))
    factors = [factor(*name) for name in names]
    if count == 2 and factors[0].order * factors[1].order > 48:
        factors = factors[:1]
    t_in = draw(trees(factors))
    t_out = draw(trees(factors))
    if largest_part(t_in, factors) > MAX_DIM:
        t_in = ("triv", 1)
    if largest_part(t_out, factors) > MAX_DIM:
        t_out = draw(st.sampled_from(leaves(factors, 0)))
    product = len(factors) > 1
    spec = f"{group_text(factors)}: {text(t_in, product)} -> {text(t_out, product)}"
    return spec, factors, t_in, t_out


def is_rational(tree, factors) -> bool:
    if tree[0] == "irr":
        f, k = factors[tree[2]], tree[1][-1]
        return not (0 < 2 * k < f.n) or 4 * k == f.n
    return all(is_rational(t, factors) for t in tree[1:] if isinstance(t, tuple)
               and t and isinstance(t[0], str))


# ----------------------------------------------------------------------------- dimensions

@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(specs())
def test_dim_of_random_specs_matches_the_reference(case):
    spec, factors, t_in, t_out = case
    assert intertwine.dim(spec) == hom_dimension(factors, t_in, t_out), spec


# ----------------------------------------------------------------------------- bases

def reference_violation(basis, factors, t_in, t_out, rng, samples=4) -> float:
    """max |rho_out(g) B - B rho_in(g)| over random elements of the whole group."""
    dense = basis.dense().astype(float)
    elements = list(all_elements(factors))
    worst = 0.0
    for pick in rng.choice(len(elements), size=min(samples, len(elements)), replace=False):
        g = elements[pick]
        r_in, r_out = rho(t_in, factors, g), rho(t_out, factors, g)
        for b in dense:
            worst = max(worst, float(np.abs(r_out @ b - b @ r_in).max(initial=0.0)))
    return worst


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(specs(), st.integers(0, 2**32 - 1))
def test_methods_agree_and_bases_are_equivariant(case, seed):
    spec, factors, t_in, t_out = case
    entries = tree_dim(t_in, factors) * tree_dim(t_out, factors)
    if entries > 600:
        t_out = ("triv", 1)
        spec = spec.split("->")[0] + "-> 1"
    expected = hom_dimension(factors, t_in, t_out)
    rng = np.random.default_rng(seed)
    rational = is_rational(t_in, factors) and is_rational(t_out, factors)
    methods = ["orbit", "exact", "numeric"] if rational else ["numeric"]
    bases = {m: intertwine.compute(spec, m) for m in methods}
    for method, basis in bases.items():
        assert basis.n_basis == expected, (spec, method)
        assert reference_violation(basis, factors, t_in, t_out, rng) < 1e-9, (spec, method)
    if rational:  # both exact methods give the RREF: the same matrices
        assert np.array_equal(bases["orbit"].dense(), bases["exact"].dense()), spec
    if expected:  # numeric spans the same space as the others
        numeric = bases["numeric"].dense().reshape(expected, -1)
        stacked = np.vstack([numeric] + [b.dense().reshape(expected, -1).astype(float)
                                         for m, b in bases.items() if m != "numeric"])
        assert np.linalg.matrix_rank(stacked, tol=1e-8) == expected


@pytest.mark.parametrize("name, n, rep, tree", [
    ("C", 4, "Grid(3)", ("grid", 3, 0)),
    ("D", 4, "Grid(4)", ("grid", 4, 0)),
    ("D", 2, "Grid(3)", ("grid", 3, 0)),
    ("D", 1, "Grid(2)", ("grid", 2, 0)),
    ("D", 3, "reg", ("reg", 0)),
    ("D", 2, "reg", ("reg", 0)),
    ("C", 5, "reg", ("reg", 0)),
    ("D", 6, "irr(1, 3)", ("irr", (1, 3), 0)),
    ("C", 4, "irr(1)", ("irr", (1,), 0)),
])
def test_stored_generators_are_the_contracts(name, n, rep, tree):
    """The generator matrices written to files are r: i -> i+1 and s: i -> -i as the
    contract's coordinates say (orientation, element order), element for element."""
    f = factor(name, n)
    basis = intertwine.compute(f"{f}: {rep} -> 1")
    stored = [g.toarray() for g in basis.generators.in_]
    # r and s as reference elements: find them by their action on the n-gon
    by_key = {g.key(): g for g in f.elements}
    line_r = tuple((j + 1) % n for j in range(n))
    line_s = tuple((-j) % n for j in range(n))
    if name == "C":
        wanted = [by_key[line_r]] if n >= 2 else []
    else:
        wanted = ([by_key[(line_r, False)]] if n >= 2 else []) + [by_key[(line_s, True)]]
    assert len(stored) == len(wanted)
    for matrix, g in zip(stored, wanted):
        np.testing.assert_allclose(matrix, rho(tree, [f], [g]), atol=1e-12)


def test_reg_element_order_starts_with_the_identity_and_is_lexicographic():
    basis = intertwine.compute("S(3): reg -> reg", "orbit")
    r = basis.generators.in_[0].toarray()  # reg of the transposition (0 1)
    # one-line notations in lex order: 012, 021, 102, 120, 201, 210; (0 1) * 012 = 102
    assert r[2, 0] == 1 and r[3, 1] == 1 and r[0, 2] == 1


# ----------------------------------------------------------------------------- command line

def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "intertwine", *args], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("spec, n", [
    ("C(4): V -> V * Grid(5)", 100),
    ("D(4): reg -> reg * Grid(3)", 72),
    ("C(4): 1 -> 1 * Grid(3)", 3),
    ("D(4): 1 -> 1 * Grid(5)", 6),
    ("C(8): irr(1) -> irr(1)", 2),
])
def test_known_dimensions(spec, n):
    out = run_cli("dim", spec)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == str(n)


@pytest.mark.parametrize("spec, words", [
    ("SO(3): reg -> 1", ["reg", "SO(3)"]),
    ("C(8): V -> V * Grid(5)", ["Grid(5)", "C(8)"]),
    ("C(4): irr(3) -> 1", ["irr(3)", "C(4)"]),
    ("D(5): 1 -> irr(0, 1)", ["irr(0, 1)", "D(5)"]),
    ("D(4): irr(1, 2, 3) -> 1", ["irr(1, 2, 3)", "D(4)"]),
    ("S(4): irr(1) -> 1", ["irr(1)", "S(4)"]),
])
def test_missing_representation_is_a_usage_error_with_a_caret(spec, words):
    out = run_cli("dim", spec)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) <= 4 and all(w in lines[0] for w in words), out.stderr
    assert lines[-1].strip() == "^"
    column = lines[-1].index("^") - lines[-2].index(spec[0])
    assert spec[column:].startswith(words[0].split("(")[0]), (spec, column)


def test_exact_on_an_irrational_irrep_names_it(tmp_path):
    for method in ("exact", "orbit"):
        out = run_cli("basis", "C(8): irr(1) -> V", "-o", str(tmp_path / "x.h5"),
                      "--method", method)
        assert out.returncode == 2
        assert "irr(1)" in out.stderr and "Traceback" not in out.stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("spec, n", [("D(4): reg -> reg * Grid(3)", 72),
                                     ("C(8): irr(1) -> irr(1) + irr(3)", 2)])
def test_verify_checks_the_count(tmp_path, spec, n):
    path = tmp_path / "k.h5"
    assert run_cli("basis", spec, "-o", str(path)).returncode == 0
    out = run_cli("verify", str(path))
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"{n} elements, independent count" in out.stdout and f") {n}" in out.stdout


# ----------------------------------------------------------------------------- show

def test_show_draws_kernels_that_rotate_with_the_output_channel():
    """C(4): 1 -> V * Grid(3): channel o's kernel is channel 0's turned o quarter turns
    counterclockwise (K(g p) = rho_out(g) K(p) with x to the right and y up)."""
    out = run_cli("show", "C(4): 1 -> V * Grid(3)", "--plain")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "kernels of 4 x 1 channels" in lines[0]
    rows = [line.split() for line in lines[1:] if line.strip() and set(line) != {"-"}][:12]
    kernels = [np.array(rows[3 * o:3 * o + 3]) for o in range(4)]
    for o in range(1, 4):
        np.testing.assert_array_equal(kernels[o], np.rot90(kernels[0], o))
    matrix = run_cli("show", "C(4): 1 -> V * Grid(3)", "--plain", "--matrix")
    assert matrix.returncode == 0 and "kernels" not in matrix.stdout


def test_show_writes_a_kernel_figure(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "k.png"
    out = run_cli("show", "D(4): reg -> reg * Grid(3)", "--png", str(path))
    assert out.returncode == 0, out.stderr
    assert "kernels of 8 x 8 channels" in out.stdout and path.stat().st_size > 0


# ----------------------------------------------------------------------------- grids

@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_voxel_grids_follow_the_contracts_coordinates(k):
    """grids.grid_permutation against the reference's loops, for all 48 signed
    permutations of R^3 (the elements of FullOcta), with their fixed-point counts."""
    from intertwine.groups.grids import fixed_points, grid_permutation

    cube = factor("FullOcta", None)
    for g in cube.elements:
        perm = [int(np.flatnonzero(g.matrix[:, j])[0]) for j in range(3)]
        sign = [int(g.matrix[perm[j], j]) for j in range(3)]
        expected = cube.grid(g, k)
        got = np.zeros_like(expected)
        got[grid_permutation(k, perm, sign), np.arange(k ** 3)] = 1
        np.testing.assert_array_equal(got, expected)
        assert fixed_points(k, perm, sign) == int(np.trace(expected))


@pytest.mark.parametrize("spec, c_in, c_out", [
    ("C(4): V -> V * Grid(5)", 4, 4),
    ("C(4): irr(1) -> 1 * Grid(3)", 2, 1),
    ("D(4): 1 -> irr(1, 1) * Grid(3)", 1, 2),
])
def test_kernels_in_conv2d_layout_give_rotation_equivariant_convolutions(spec, c_in, c_out):
    """The contract's layout: B_m reshaped to (c_out, k, k, c_in) and moved to
    (c_out, c_in, k, k) is a conv2d weight (cross-correlation, as torch's), and the
    convolution commutes with the quarter turn of the image (np.rot90: counterclockwise)
    together with rho(r) on the channels."""
    from scipy.signal import correlate2d

    b = intertwine.compute(spec, "numeric")
    k = round((b.dim_out // c_out) ** 0.5)
    kernels = b.dense().reshape(b.n_basis, c_out, k, k, c_in).transpose(0, 1, 4, 2, 3)
    rng = np.random.default_rng(0)
    weight = np.tensordot(rng.normal(size=b.n_basis), kernels, 1)

    def conv(x):
        return np.stack([sum(correlate2d(x[i], weight[o, i], mode="same") for i in range(c_in))
                         for o in range(c_out)])

    r_in = b.generators.in_[0].toarray()[:c_in, :c_in]
    # rho_out(r) on the channels: the output rep is Rout * Grid(k), so read Rout's block
    g_out = b.generators.out[0].toarray()
    r_out = g_out.reshape(c_out, k * k, c_out, k * k)[:, k * k // 2, :, k * k // 2]
    x = rng.normal(size=(c_in, 9, 9))
    turned = np.rot90(np.tensordot(r_in, x, 1), axes=(1, 2))
    expected = np.rot90(np.tensordot(r_out, conv(x), 1), axes=(1, 2))
    np.testing.assert_allclose(conv(turned), expected, atol=1e-10)


def test_batch_writes_kernel_bases_and_reports_a_missing_representation(tmp_path):
    manifest = tmp_path / "m.toml"
    manifest.write_text('[[basis]]\nspec = "D(4): reg -> reg * Grid(3)"\nname = "d4"\n\n'
                        '[[basis]]\nspec = "C(8): 1 -> Grid(3)"\nname = "bad"\n\n'
                        '[[basis]]\nspec = "C(4): irr(1) -> V * Grid(3)"\nname = "c4"\n')
    out = run_cli("batch", str(manifest), "--out-dir", str(tmp_path / "out"), "--jobs", "1")
    assert out.returncode == 1, out.stdout + out.stderr  # one entry is invalid
    assert "Grid(3)" in out.stdout + out.stderr
    assert intertwine.load(tmp_path / "out" / "d4.h5").n_basis == 72
    assert intertwine.load(tmp_path / "out" / "c4.h5").n_basis == \
        hom_dimension([factor("C", 4)], ("irr", (1,), 0),
                      ("tensor", ("V", 0), ("grid", 3, 0)))


@pytest.mark.parametrize("spec, n", [
    ("S(20): reg**2 -> V", 2432902008176640000 * 20),  # reg (x) reg = |G| reg; Hom(reg, V) = V
    ("S(12): reg -> 1", 1),
    ("D(1000000): irr(1, 3) * irr(1, 5) -> irr(1, 8) + irr(1, 2)", 2),  # 2 cos a cos b
    ("C(1000000): irr(3) -> irr(3) + irr(500000)", 2),
])
def test_dim_of_large_groups_by_characters(spec, n):
    """No element table and no basis: characters over 10**6 elements, or the
    (fixed points, sign) histogram of S(n) for reg, with exact integers beyond int64."""
    assert intertwine.dim(spec) == n


@pytest.mark.parametrize("spec, tree_in, tree_out", [
    ("Octa: 1 -> V * Grid(3)", ("triv", 1), ("tensor", ("V", 0), ("grid", 3, 0))),
    ("FullOcta: 1 -> V * Grid(5)", ("triv", 1), ("tensor", ("V", 0), ("grid", 5, 0))),
    ("Octa: reg -> V * Grid(2)", ("reg", 0), ("tensor", ("V", 0), ("grid", 2, 0))),
    ("FullOcta: V -> reg", ("V", 0), ("reg", 0)),
])
def test_voxel_kernels_and_reg_of_the_cube_groups(spec, tree_in, tree_out):
    """Voxel grids and reg of Octa/FullOcta: dimension by the CLI against the reference,
    and the orbit basis equivariant under every element of the group."""
    name = spec.split(":")[0]
    cube = factor(name, None)
    n = hom_dimension([cube], tree_in, tree_out)
    out = run_cli("dim", spec)
    assert out.returncode == 0 and out.stdout.split()[-1] == str(n), out.stderr
    basis = intertwine.compute(spec, "orbit")
    assert basis.n_basis == n
    rng = np.random.default_rng(1)
    assert reference_violation(basis, [cube], tree_in, tree_out, rng, samples=cube.order) == 0


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 300), st.integers(0, 3), st.integers(0, 2**32 - 1))
def test_orbit_components_without_scipy_match_scipys(n, count, seed):
    """Small orbit problems (steerable kernels, layers' biases) label orbits in numpy;
    large ones with scipy's connected components: both number them alike."""
    import intertwine.orbits as orbits

    rng = np.random.default_rng(seed)
    images = [rng.permutation(n) for _ in range(count)]
    fast = orbits.components(images, n)
    small, orbits._SMALL_GRAPH = orbits._SMALL_GRAPH, 0
    try:
        slow = orbits.components(images, n)
    finally:
        orbits._SMALL_GRAPH = small
    np.testing.assert_array_equal(fast, slow)


@pytest.mark.parametrize("d", [2, 3])
def test_kernel_matrix_puts_each_channel_pairs_kernel_in_its_block(d):
    from intertwine.show.kernel import kernel_matrix

    c_out, k, c_in = 2, 3, 2
    rng = np.random.default_rng(d)
    matrix = rng.normal(size=(c_out * k ** d, c_in))
    picture = kernel_matrix(matrix, c_out, k, d, c_in)
    weight = matrix.reshape((c_out,) + (k,) * d + (c_in,))  # the contract's layout
    for o in range(c_out):
        for i in range(c_in):
            block = picture[o * k:(o + 1) * k, i * k ** (d - 1):(i + 1) * k ** (d - 1)]
            if d == 2:  # pixel (r, c) at row r, column c
                np.testing.assert_array_equal(block, weight[o, :, :, i])
            else:  # voxel (a, b, c) at row b, column a*k + c: the slices side by side
                for a in range(k):
                    np.testing.assert_array_equal(block[:, a * k:(a + 1) * k],
                                                  weight[o, a, :, :, i])


def test_show_draws_voxel_kernels():
    out = run_cli("show", "Octa: 1 -> V * Grid(3)", "--plain")
    assert out.returncode == 0, out.stderr
    assert "kernels of 3 x 1 channels" in out.stdout.splitlines()[0]
    assert out.stdout.count("B_") >= 3  # one panel per element (signed basis)


@pytest.mark.parametrize("spec, column", [("C(4): Grid(0) -> 1", 12),
                                          ("C(4): reg(2) -> 1", 11),
                                          ("C(4): Grid(2, 3) -> 1", 15)])
def test_bad_arguments_point_at_the_integer(spec, column):
    out = run_cli("dim", spec)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert f"at column {column}" in out.stderr, out.stderr
