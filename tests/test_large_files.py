"""Issue 10, files: verify and show read any pattern file in bands, hostile files are
refused before anything is built, and running out of memory is not a bug.

The failures of the issue are reproduced scaled down: a memory budget
(INTERTWINE_MAX_BYTES) far below the file stands for a file far larger than memory.
"""

import json
import os
import subprocess
import sys
import tracemalloc
from typing import NamedTuple

import h5py
import numpy as np
import pytest
from click.testing import CliRunner

import intertwine
from intertwine.check.verify import verify_basis, verify_file
from intertwine.cli.app import cli as main_cli
from intertwine.io import BasisFileError


class Result(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


def cli(*args, budget=None):
    """The command in this process (CliRunner: the same click commands as a process,
    without its start-up time); ``budget`` stands in for INTERTWINE_MAX_BYTES."""
    old = intertwine.io.MAX_BYTES
    intertwine.io.MAX_BYTES = budget or old
    try:
        r = CliRunner().invoke(main_cli, list(args), catch_exceptions=False)
    finally:
        intertwine.io.MAX_BYTES = old
    return Result(r.exit_code, r.stdout, r.stderr)


def process(*args, budget=None):
    env = dict(os.environ)
    if budget is not None:
        env["INTERTWINE_MAX_BYTES"] = str(budget)
    return subprocess.run([sys.executable, "-m", "intertwine", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def write(tmp_path, spec, *options, name="b.h5"):
    path = tmp_path / name
    p = cli("basis", spec, "-o", str(path), *options)
    assert p.returncode == 0, p.stderr
    return path


def pattern_bytes(path):
    with h5py.File(path, "r") as f:
        return f["pattern"].size * f["pattern"].dtype.itemsize


def assert_verified(p):
    assert p.returncode == 0, p.stdout + p.stderr
    assert "FAIL" not in p.stdout and p.stdout.rstrip().endswith("verified")


# -- the named failures, through the command line --------------------------------------------

def test_verify_a_trivial_group_on_a_long_column(tmp_path):
    # asked numpy for 38 GiB before (one row per element and output coordinate)
    path = write(tmp_path, "Perm(5): det*det**4 + V*2**2 -> (V**2)**3")
    p = cli("verify", str(path))
    assert_verified(p)
    assert "328125 elements" in p.stdout


@pytest.mark.parametrize("spec,options", [
    ("C(4): V**6 -> V**5", ()),  # the 306 MB C(4) file, scaled down: 16 MB, 10**6 elements
    ("S(12): V**3 -> V**3", ()),  # the 7.3e8-entry S(30) file, scaled down
    ("S(60): V**2 -> V**2", ("--compress",)),  # the shipped maron_s100_t2_t2.h5, scaled
])
def test_verify_and_show_files_larger_than_the_memory_budget(tmp_path, spec, options):
    path = write(tmp_path, spec, *options)
    budget = 4_000_000
    assert pattern_bytes(path) > 1.4 * budget  # loading it whole is refused ...
    assert cli("info", str(path), budget=budget).returncode == 0
    with pytest.raises(BasisFileError, match="too large to load"):
        old_budget = intertwine.io.MAX_BYTES
        try:
            intertwine.io.MAX_BYTES = budget
            intertwine.load(path)
        finally:
            intertwine.io.MAX_BYTES = old_budget
    assert_verified(cli("verify", str(path), budget=budget))  # ... reading it in bands is not
    if spec.startswith("C"):  # once as a whole process, with the environment variable
        assert_verified(process("verify", str(path), budget=budget))
    if spec.startswith("S"):  # the overview from bands is the overview of the whole
        banded = cli("show", str(path), "--overview", "--plain", budget=budget)
        whole = cli("show", str(path), "--overview", "--plain")
        assert banded.returncode == 0, banded.stderr
        assert banded.stdout == whole.stdout and "overview:" in banded.stdout


def test_verify_memory_is_a_band_not_the_file(tmp_path):
    path = write(tmp_path, "S(2000): V -> V")  # 4 MB of int8 labels, 32 MB as weights
    list(verify_file(path, band_entries=1 << 15))  # imports and caches: not the point
    tracemalloc.start()
    try:
        checks = list(verify_file(path, band_entries=1 << 15))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert all(passed for passed, _ in checks), checks
    # two chunks as read (2 MB each), a band of 2**15 entries as weights, vectors of 2000
    assert peak < 8_000_000, peak


def test_tampered_bands_are_caught(tmp_path):
    """A wrong entry deep inside a large file, in the last band."""
    path = write(tmp_path, "S(12): V**3 -> V**3")
    with h5py.File(path, "r+") as f:
        ds = f["pattern"]
        row = ds[1700]
        other = int(np.flatnonzero(row != row[5])[0])
        row[[5, other]] = row[[other, 5]]  # two labels swapped: all still occur
        ds[1700] = row
    checks = list(verify_file(path, band_entries=1 << 16))
    assert [m for passed, m in checks if passed is False] == \
        ["not equivariant under stored generators 0, 1 of 2"]


def test_an_element_missing_from_the_bands(tmp_path):
    path = write(tmp_path, "S(12): V**3 -> V**3")
    with h5py.File(path, "r+") as f:
        p = f["pattern"][()]
        p[p == 202] = 201  # element 202 merged into 201: equivariant, not a basis
        f["pattern"][...] = p
    failed = [m for passed, m in verify_file(path, band_entries=1 << 16) if passed is False]
    assert failed == ["only 202 of 203 pattern elements occur"]


# -- a tampered spec and lying attributes: refused quickly ------------------------------------

def _set_attrs(path, **attrs):
    with h5py.File(path, "r+") as f:
        for k, v in attrs.items():
            f.attrs[k] = v


@pytest.mark.parametrize("attrs,message", [
    ({"spec": "S(200): V**2 -> V**2"}, "disagrees with the attributes"),
    ({"spec": "S(200): V**2 -> V**2", "group": "S(200)"}, "gives shape (40000, 40000)"),
    ({"spec": "SO(3000): V -> V", "group": "SO(3000)", "rep_in": "V", "rep_out": "V"},
     "gives shape (3000, 3000)"),
    ({"spec": "S(5): V**2 -> V**2 +", "group": "S(5)"}, "cannot be used"),
])
def test_a_relabelled_spec_fails(tmp_path, attrs, message):
    path = write(tmp_path, "S(5): V**2 -> V**2")
    _set_attrs(path, **attrs)
    p = cli("verify", str(path))
    assert p.returncode == 1, p.stdout + p.stderr
    assert f"FAIL  spec {attrs['spec']!r}" in p.stdout or "FAIL  spec " in p.stdout
    assert message in p.stdout and "not checked" in p.stdout


def test_a_relabelled_spec_with_the_same_shape_fails(tmp_path):
    path = write(tmp_path, "S(5): V**2 -> V**2")
    _set_attrs(path, spec="C(5): V**2 -> V**2", group="C(5)")  # same shape, other group
    p = cli("verify", str(path))
    assert p.returncode == 1 and "FAIL  stored generators differ" in p.stdout


def test_a_relabelled_continuous_group_fails_before_its_generators_are_built(tmp_path):
    path = write(tmp_path, "S(3): 1 -> 1")  # shape (1, 1), as SO(1000): 1 -> 1 has
    _set_attrs(path, spec="SO(1000): 1 -> 1", group="SO(1000)")
    p = cli("verify", str(path))
    assert p.returncode == 1
    assert "FAIL  the spec's group has at least 499500 Lie generators, the file stores 0" \
        in p.stdout


def test_a_pattern_declared_huge_is_refused_before_it_is_read(tmp_path):
    """A small file whose pattern would expand to 1.6 GB (never written: the fill value)."""
    path = write(tmp_path, "S(5): V**2 -> V**2")
    with h5py.File(path, "r+") as f:
        del f["pattern"]
        f.create_dataset("pattern", shape=(40000, 40000), dtype=np.int8, chunks=(50, 40000),
                         compression="gzip")
    _set_attrs(path, dim_in=40000, dim_out=40000)
    assert path.stat().st_size < 100_000
    p = cli("verify", str(path), budget=1 << 30)
    assert p.returncode == 2 and "claims 2 invertible" in p.stderr  # generators are 25x25


def test_a_count_the_data_cannot_hold_is_refused(tmp_path):
    path = write(tmp_path, "S(3): V -> V")
    with h5py.File(path, "r+") as f:
        f["generators/in"].attrs["count"] = 10**6
    p = cli("verify", str(path))
    assert p.returncode == 2 and "claims 1000000 invertible 3x3 matrices" in p.stderr


# -- resource exhaustion ------------------------------------------------------------------------

def test_running_out_of_memory_is_a_usage_error(tmp_path):
    """A coo file declaring 2**45 entries with a budget that lets it through: the
    allocation fails (beyond any address space), and that is no bug."""
    path = write(tmp_path, "SO(2): V -> V", "--method", "exact")
    with h5py.File(path, "r+") as f:
        for key in list(f["basis"]):
            dtype = f["basis"][key].dtype
            del f["basis"][key]
            f["basis"].create_dataset(key, shape=(2**45,), dtype=dtype, chunks=(1 << 16,),
                                      compression="gzip")
    p = process("show", str(path), budget=10**18)
    assert p.returncode == 2, p.stderr
    assert "not enough memory for intertwine show (needs about" in p.stderr
    assert "internal error" not in p.stderr and len(p.stderr.splitlines()) <= 4
    # verify reads the entries a slice at a time: the first slice (zeros) is refused
    p = process("verify", str(path), budget=10**18)
    assert p.returncode == 2 and "basis/denominator not positive" in p.stderr, p.stderr


def test_a_library_that_cannot_be_mapped_is_a_usage_error(tmp_path):
    """Under ulimit -v, loading scipy's shared libraries fails with an ImportError."""
    path = write(tmp_path, "S(3): V -> V")
    code = ("import builtins, sys\n"
            "real = builtins.__import__\n"
            "def fake(name, *a, **k):\n"
            "    if name.startswith('scipy'):\n"
            "        raise ImportError('libopenblas.so: failed to map segment from shared "
            "object')\n"
            "    return real(name, *a, **k)\n"
            "builtins.__import__ = fake\n"
            "sys.argv = ['intertwine', 'verify', sys.argv[1]]\n"
            "from intertwine.cli import main\n"
            "main()\n")
    p = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 2, p.stderr
    assert p.stderr.startswith("Error: not enough memory for intertwine verify")


# -- in memory, the same checks -------------------------------------------------------------------

def test_in_memory_bases_are_checked_in_bands_too():
    b = intertwine.compute("S(6): V**2 -> V**2")
    assert all(passed for passed, _ in verify_basis(b, band_entries=100))
    b.pattern[35, 0], b.pattern[35, 1] = b.pattern[35, 1], b.pattern[35, 0]
    assert any(passed is False for passed, _ in verify_basis(b, band_entries=100))


def test_verify_json_for_several_files(tmp_path):
    good = write(tmp_path, "S(4): V -> V", name="good.h5")
    bad = write(tmp_path, "C(4): V -> V", name="bad.h5")  # no partition labels to disagree
    _set_attrs(bad, n_basis=3)
    (tmp_path / "text.h5").write_text("hello")
    p = cli("verify", str(good), str(bad), "--json")
    reports = json.loads(p.stdout)
    assert p.returncode == 1
    assert [r["verified"] for r in reports] == [True, False]
    assert any(c["passed"] is False and "3 elements" in c["message"]
               for c in reports[1]["checks"])
    p = cli("verify", str(good), str(tmp_path / "text.h5"), str(bad))
    assert p.returncode == 2  # one file is no basis file: a usage error, the others checked
    assert p.stdout.count("verified") == 1 and "FAILED" in p.stdout
    assert "text.h5" in p.stderr
    single = json.loads(cli("verify", str(good), "--json").stdout)
    assert single["verified"] is True and single["file"] == str(good)


def test_many_elements_need_no_table(tmp_path, monkeypatch):
    """A trivial group has one element per entry: above bands._TABLE_LABELS the weights
    are hashed and the labels seen kept as bits, so memory stays a band."""
    import intertwine.check.bands as bands

    path = write(tmp_path, "Perm(5): det*det**4 + V*2**2 -> (V**2)**3")  # 328125 elements
    monkeypatch.setattr(bands, "_TABLE_LABELS", 1000)
    checks = list(verify_file(path, band_entries=1 << 14))
    assert all(passed for passed, _ in checks), checks
    with h5py.File(path, "r+") as f:
        p = f["pattern"][()]
        p[p == 328124] = 328123  # the last element merged into the one before
        f["pattern"][...] = p
    failed = [m for passed, m in verify_file(path, band_entries=1 << 14) if passed is False]
    assert failed == ["only 328124 of 328125 pattern elements occur"]
    monkeypatch.setattr(bands, "_TABLE_LABELS", 10)
    b = intertwine.compute("S(6): V**2 -> V**2")  # equivariance with hashed weights
    assert all(passed for passed, _ in verify_basis(b, band_entries=100))
    b.pattern[35, 0], b.pattern[35, 1] = b.pattern[35, 1], b.pattern[35, 0]
    assert any(passed is False and "not equivariant" in m
               for passed, m in verify_basis(b, band_entries=100))


def test_show_refuses_quickly_what_no_overview_can_list(tmp_path):
    """A trivial group read in bands: 328125 parameters, each block's set is listed."""
    path = write(tmp_path, "Perm(5): det*det**4 + V*2**2 -> (V**2)**3")
    p = cli("show", str(path), "--overview", "--plain", budget=4_000_000)
    assert p.returncode == 2 and "328125 parameters is too large to draw" in p.stderr
    assert cli("show", str(path), "--overview", "--plain").returncode == 0  # in memory


def test_a_coo_file_beyond_the_budget_points_to_verify_alone(tmp_path):
    """``show`` reads only pattern files in bands: for a coo file too large to load, the
    refusal names ``verify`` alone, and ``show`` gives that refusal, exit status 2."""
    path = write(tmp_path, "SO(3): V**4 -> V**4", "--method", "numeric")
    shown = cli("show", str(path), budget=200_000)
    assert shown.returncode == 2 and "too large to load" in shown.stderr
    assert "intertwine verify reads it in bands" in shown.stderr
    assert_verified(cli("verify", str(path), budget=200_000))
