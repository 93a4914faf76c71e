"""Start-up: the everyday commands import neither scipy nor sympy.

A user who runs ``intertwine basis``, ``decompose``, ``info`` or ``dim`` in a loop should
not wait on libraries those commands do not use: not for finite groups, and not for the
small continuous ones (the exact solver's Lie actions, constraints and orbit reduction are
numpy arrays, ``coo.CooMatrix``).  Checked as behaviour (which modules a whole process
loaded when it exits), never as timing.
"""

import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

import intertwine
from intertwine import io
from intertwine.basis import CooMatrix, Generators
from intertwine.problem import Problem

HEAVY = ("scipy", "sympy", "matplotlib")

# Runs the command line in a fresh interpreter and reports, at exit (after click's
# sys.exit), which heavy libraries were imported.
WRAPPER = f"""
import atexit, sys
def report():
    heavy = [m for m in {HEAVY!r} if m in sys.modules]
    print("HEAVY=" + ",".join(heavy), file=sys.stderr)
atexit.register(report)
sys.argv = ["intertwine"] + sys.argv[1:]
from intertwine.cli import main
main()
"""


def heavy_imports(*args: str) -> list[str]:
    run = subprocess.run([sys.executable, "-c", WRAPPER, *args], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    line = [x for x in run.stderr.splitlines() if x.startswith("HEAVY=")][-1]
    return [m for m in line[len("HEAVY="):].split(",") if m]


@pytest.mark.parametrize("spec", [
    "S(5): V**2 -> V**2",            # the S(n) closed form
    "S(4): V**2 + 1 -> V",           # sums of S(n) monomials
    "D(6): V**2 -> V",               # orbit minima
    "Perm(4; (0 1 2 3), (0 2)): V**2 -> V**2",
    "S(3) x C(4): V[0]*V[1] -> V[0]*V[1]",
])
def test_basis_of_permutation_groups_imports_neither_scipy_nor_sympy(spec, tmp_path):
    out = tmp_path / "b.h5"
    assert heavy_imports("basis", spec, "-o", str(out)) == []
    assert out.exists()
    assert heavy_imports("info", str(out)) == []
    assert heavy_imports("info", str(out), "--json") == []


@pytest.mark.parametrize("spec", [  # bench/run.py's STARTUP_CASES (issue 15), and a few more
    "O(3): V**3 -> V**3", "SO(3): V**4 -> V**4", "SO(1,3): V**2 -> V**2", "Sp(2): V**2 -> V**2",
    "O(1,3): V -> V + det", "GL(2): V*dual(V) -> V*dual(V)", "SO(3): sym(V, 2) -> alt(V, 2)",
    "SO(2) x S(3): V[0]**2 -> V[1]",
])
def test_basis_of_continuous_groups_imports_neither_scipy_nor_sympy(spec, tmp_path):
    out = tmp_path / "b.h5"
    assert heavy_imports("basis", spec, "-o", str(out)) == []
    assert out.exists()


@pytest.mark.parametrize("field", [
    "O(3): sym(1o, 2)",                  # one solve, the integer elimination
    "O(3): sym(1o + 2e, 3)",             # square-root irreps, the C elimination
    "SO(3): irr(1) * irr(2) + dual(V)",  # a matrix action's dual
    "D(4): sym(V, 2)",
])
def test_decompose_imports_neither_scipy_nor_sympy(field, tmp_path):
    """Matrix actions of irreps and their products are numpy (``coo.kron``,
    ``coo.matmul``): a small decomposition starts as fast as a basis."""
    out = tmp_path / "d.h5"
    assert heavy_imports("decompose", field, "-o", str(out)) == []
    assert out.exists()
    assert heavy_imports("decompose", field) == []


@pytest.mark.parametrize("spec", ["S(5): V**2 -> V**2", "C(8): V**2 -> V**2",
                                  "D(7): V**3 -> V", "S(3) x D(4): V[0]*V[1] -> V[1]"])
def test_dim_imports_neither_scipy_nor_sympy(spec):
    assert heavy_imports("dim", spec) == []


def test_the_check_sees_heavy_imports(tmp_path):
    """Control: verify loads the generators as scipy matrices, and the wrapper notices."""
    out = tmp_path / "b.h5"
    intertwine.compute("S(3): V -> V").save(out)
    assert "scipy" in heavy_imports("verify", str(out))


def test_computed_generators_are_scipy_matrices_when_read():
    b = intertwine.compute("D(4): V**2 -> V")
    raw = b.generators.raw("in_")
    assert raw and all(isinstance(m, CooMatrix) for m in raw)
    mats = b.generators.in_
    assert all(sp.issparse(m) for m in mats)
    assert b.generators.in_ is mats  # converted once, in place
    p = Problem.from_spec("D(4): V**2 -> V")
    for m, g in zip(mats, p.discrete_in):
        dense = np.zeros((p.dim_in, p.dim_in))
        sign = np.ones(p.dim_in) if g.sign is None else g.sign
        dense[g.perm, np.arange(p.dim_in)] = sign  # g e_j = sign[j] e_perm[j]
        assert np.array_equal(m.toarray(), dense)


@pytest.mark.parametrize("spec", ["S(4): V**2 -> V", "O(2): V + det -> V*det",
                                  "D(5): V**2 + det -> V", "C(3): 2*V -> 1"])
def test_coo_generators_are_stored_as_scipy_ones_would_be(spec):
    p = Problem.from_spec(spec)
    lists = {"in_": p.discrete_in, "out": p.discrete_out}
    as_coo = Generators(**{k: [g.coo() for g in v] for k, v in lists.items()})
    as_scipy = Generators(**{k: [g.matrix() for g in v] for k, v in lists.items()})
    a = io.generator_coos(as_coo, p.dim_in, p.dim_out)
    b = io.generator_coos(as_scipy, p.dim_in, p.dim_out)
    assert a.keys() == b.keys()
    for kind in a:
        for key in a[kind]:
            x, y = np.asarray(a[kind][key]), np.asarray(b[kind][key])
            assert x.dtype == y.dtype and np.array_equal(x, y), (kind, key)


def test_coo_generators_with_duplicates_are_summed():
    dup = CooMatrix(np.array([1, 0, 1]), np.array([0, 1, 0]), np.array([1.0, 2.0, 3.0]),
                    (2, 2))
    row, col, value = io._matrix_entries(dup, 2, "in")
    assert row.tolist() == [0, 1] and col.tolist() == [1, 0] and value.tolist() == [2, 4]
    with pytest.raises(ValueError, match="3x3"):
        io._matrix_entries(dup, 3, "in")


def test_numeric_failure_is_still_recognised_without_importing_it_up_front(tmp_path):
    """The command line no longer imports the numeric solver to catch its NotClearCut."""
    from click.testing import CliRunner

    from intertwine.cli.app import cli

    out = tmp_path / "b.h5"
    result = CliRunner().invoke(cli, ["basis", "O(1,3): V**2 -> V**2", "-o", str(out),
                                      "--method", "numeric", "--tolerance", "0.48"])
    assert result.exit_code == 2
    assert "numeric solver:" in result.output and "try --tolerance" in result.output
    assert not out.exists()


LOADED_REPS = """
import sys
from intertwine.spec import parse_spec
spec = parse_spec(sys.argv[1])
print(str(spec))
print(",".join(sorted(m.rsplit(".", 1)[1] for m in sys.modules
                      if m.startswith("intertwine.reps."))))
"""


@pytest.mark.parametrize("spec, loaded", [
    ("SO(3): V**2 -> V + det", False),
    ("S(4): dual(V)*V -> 2*1", False),
    ("SO(3): sym(V, 2) -> 1", True),    # names the parser does not know yet: all modules
    ("C(4): reg -> V", True),
    ("S(3): foo -> V", True),           # an unknown name: listed among all constructors
])
def test_the_parser_imports_the_other_constructors_when_it_meets_their_names(spec, loaded):
    run = subprocess.run([sys.executable, "-c", LOADED_REPS, spec], capture_output=True,
                         text=True, timeout=120)
    if spec.startswith("S(3): foo"):
        assert "sym(...)" in run.stderr and "Grid" in run.stderr and "reg" in run.stderr
        return
    assert run.returncode == 0, run.stderr
    modules = set(run.stdout.split()[-1].split(","))
    assert {"defining", "det", "dual", "sum", "tensor", "power", "trivial"} <= modules
    lazy = {"grid", "irr", "reg", "sym", "alt"}
    assert (lazy <= modules) if loaded else not (lazy & modules)
