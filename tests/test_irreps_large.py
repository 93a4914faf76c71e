"""SO(3) irreps of high degree through the command line (docs/irreps.rst): files of
large square roots verify, exactly and not merely modulo one prime, and every command
reads them."""

from __future__ import annotations

import subprocess
import sys
from math import gcd, prod

import h5py
import numpy as np
import pytest
import sympy

import intertwine
from intertwine.check.sqrt import PRIME


def cli(*args):
    return subprocess.run([sys.executable, "-m", "intertwine", *args], capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("spec", ["SO(3): irr(15) * irr(15) -> irr(15)",
                                  "SO(3): irr(20) * irr(20) -> irr(40)",
                                  "O(3): 12o * 13e -> 14o"])
def test_large_square_roots_verify_and_read(tmp_path, spec):
    path = tmp_path / "b.h5"
    out = cli("basis", spec, "--method", "exact", "-o", str(path))
    assert out.returncode == 0, out.stderr
    out = cli("verify", str(path))
    assert out.returncode == 0 and "equivariant exactly" in out.stdout, out.stdout + out.stderr
    out = cli("dim", spec)
    assert out.returncode == 0 and out.stdout.split()[0] == "1", out.stdout
    out = cli("info", str(path))
    assert out.returncode == 0 and "sqrt" in out.stdout, out.stdout + out.stderr
    out = cli("show", str(path), "--overview")
    assert out.returncode == 0, out.stderr
    b = intertwine.load(path)
    a, d = b.coo.square_numerator, b.coo.square_denominator
    np.testing.assert_allclose(b.coo.value, [np.sign(int(x)) * (abs(int(x)) / int(y)) ** 0.5
                                             for x, y in zip(a, d)], rtol=1e-14)


def test_verify_is_exact_not_modulo_one_prime(tmp_path):
    """One value times (1 + PRIME / 10**40): far below float64's resolution, and the
    rational form's entry moves by a multiple of PRIME, which a check modulo PRIME
    alone cannot see."""
    path = tmp_path / "b.h5"
    assert cli("basis", "SO(3): irr(1) * irr(2) -> irr(3)", "-o", str(path)).returncode == 0
    big = 10**40
    with h5py.File(path, "r+") as f:
        g = f["basis"]
        a = [int(x) for x in g["square_numerator"][:]]
        b = [int(x) for x in g["square_denominator"][:]]
        k = len(a) - 1  # the last entry: no element's leading one
        x, y = a[k] * (big + PRIME) ** 2, b[k] * big * big
        a[k], b[k] = x // gcd(x, y), y // gcd(x, y)
        for key, values in (("square_numerator", a), ("square_denominator", b)):
            del g[key]
            g.create_dataset(key, data=np.array([str(v) for v in values], dtype=object),
                             dtype=h5py.string_dtype())
    out = cli("verify", str(path))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "max residual" in out.stdout and "FAIL  equivariant under" not in out.stdout
    assert "FAIL  exact square roots" in out.stdout, out.stdout


@pytest.mark.parametrize("bound", [0, 1, PRIME - 1, PRIME, 10**40, 2**200])
def test_primes_cover_the_bound(bound):
    from intertwine.check.sqrt import primes

    found = primes(bound)
    assert found[0] == PRIME and len(set(found)) == len(found)
    assert all(sympy.isprime(p) and p < 2**31 for p in found)
    assert prod(found) > bound and (len(found) == 1 or prod(found[:-1]) <= bound)


# Runs the command line in a fresh interpreter and reports, at exit, whether scipy or
# sympy was imported (as tests/test_startup.py does for other specs): behaviour, not timing.
HEAVY_WRAPPER = """
import atexit, sys
atexit.register(lambda: print("HEAVY=" + ",".join(
    m for m in ("scipy", "sympy") if m in sys.modules), file=sys.stderr))
sys.argv = ["intertwine"] + sys.argv[1:]
from intertwine.cli import main
main()
"""


def heavy_imports(*args: str) -> list[str]:
    run = subprocess.run([sys.executable, "-c", HEAVY_WRAPPER, *args], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    line = [x for x in run.stderr.splitlines() if x.startswith("HEAVY=")][-1]
    return [m for m in line[len("HEAVY="):].split(",") if m]


@pytest.mark.parametrize("spec", ["SO(3): irr(20) * irr(20) -> irr(40)",  # closed form
                                  "O(3): 2e * 1o -> 3o",
                                  "SO(2): irr(1) * irr(2) -> irr(3)",
                                  "O(2): irr(1, 1) * irr(1, 2) -> irr(1, 1)"])
def test_irrep_bases_import_neither_scipy_nor_sympy(spec, tmp_path):
    """The Wigner 3j closed form needs only the Lie generators (stored in the file): no
    matrix exponential, no scipy.sparse, built lazily (``groups/orthogonal.py``)."""
    out = tmp_path / "b.h5"
    assert heavy_imports("basis", spec, "-o", str(out)) == []
    assert heavy_imports("dim", spec) == []
    assert intertwine.load(out).n_basis >= 1
