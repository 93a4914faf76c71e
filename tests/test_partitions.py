"""Partition labels in files (contract 5.3) and partitions-only files (issue 13).

The reference here shares nothing with intertwine.partitions: each spec's slot layout is
written out by hand, and the equality pattern of a basis element's leading position is
found by plain Python loops over the dense basis.
"""

import itertools
import json
import re
import subprocess
import sys

import h5py
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import intertwine
from intertwine import io
from intertwine.api import compute_to_file

# spec, output summands, input summands (each: the factor of every slot), set sizes
LAYOUTS = [
    ("S(5): V**2 -> V**2", [(0, 0)], [(0, 0)], [5]),
    ("S(3) x S(4): V[0]*V[1] -> V[0]*V[1]", [(0, 1)], [(0, 1)], [3, 4]),
    ("S(3): V + 1 -> V**2", [(0, 0)], [(0,), ()], [3]),
    ("S(2): V**2 -> V**2", [(0, 0)], [(0, 0)], [2]),  # n < k + l
    ("S(3): V**2 -> V**3", [(0, 0, 0)], [(0, 0)], [3]),  # n < k + l
    ("S(1): V -> V**2", [(0, 0)], [(0,)], [1]),
    ("S(4): 2*V + 1 -> V**2 + V", [(0, 0), (0,)], [(0,), (0,), ()], [4]),
    ("S(2) x S(3): V[1]*V[0] -> V[0] + V[1]**2", [(0,), (1, 1)], [(1, 0)], [2, 3]),
    ("S(4): 1 -> V**3", [(0, 0, 0)], [()], [4]),
    ("S(3): dual(V) -> V", [(0,)], [(0,)], [3]),
]


def split(index: int, summands, sizes):
    """(summand number, index of each slot) of a coordinate, row-major per summand."""
    for number, slots in enumerate(summands):
        extent = int(np.prod([sizes[f] for f in slots]))
        if index < extent:
            digits = []
            for f in reversed(slots):
                index, d = divmod(index, sizes[f])
                digits.append(d)
            return number, digits[::-1]
        index -= extent
    raise AssertionError("coordinate beyond the summands")


def equality_pattern(factors, values):
    """Slots get one label per distinct (factor, value), numbered by first appearance."""
    seen = {}
    return [seen.setdefault((f, v), len(seen)) for f, v in zip(factors, values)]


def expected_labels(basis, outs, ins, sizes):
    dense = basis.dense().reshape(basis.n_basis, -1)
    width = max(map(len, outs)) + max(map(len, ins))
    labels, summands = [], []
    for m in range(basis.n_basis):
        first = int(np.flatnonzero(dense[m])[0])
        row, col = divmod(first, basis.dim_in)
        a, out_values = split(row, outs, sizes)
        b, in_values = split(col, ins, sizes)
        pattern = equality_pattern(outs[a] + ins[b], out_values + in_values)
        labels.append(pattern + [-1] * (width - len(pattern)))
        summands.append([a, b])
    return labels, summands


def stored_partitions(path):
    with h5py.File(path, "r") as f:
        return f["partitions/labels"][()].tolist(), f["partitions/summand"][()].tolist()


@pytest.mark.parametrize("spec, outs, ins, sizes", LAYOUTS)
@pytest.mark.parametrize("method", ["orbit", "exact"])
def test_labels_are_the_equality_patterns_of_leading_positions(spec, outs, ins, sizes, method,
                                                               tmp_path):
    path = tmp_path / "b.h5"
    compute_to_file(spec, path, method)  # what `intertwine basis` runs
    basis = intertwine.load(path)
    assert stored_partitions(path) == expected_labels(basis, outs, ins, sizes)
    # B_m is 1 exactly where the index equalities are those of labels[m]
    labels, summand = stored_partitions(path)
    dense = basis.dense()
    for row, col in itertools.product(range(basis.dim_out), range(basis.dim_in)):
        a, out_values = split(row, outs, sizes)
        b, in_values = split(col, ins, sizes)
        pattern = equality_pattern(outs[a] + ins[b], out_values + in_values)
        hits = [m for m in range(basis.n_basis) if summand[m] == [a, b]
                and labels[m][:len(pattern)] == pattern]
        assert dense[:, row, col].nonzero()[0].tolist() == hits


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 5), k=st.integers(0, 3), l=st.integers(0, 3))
def test_labels_of_tensor_powers(n, k, l):
    spec = f"S({n}): V**{k} -> V**{l}"
    basis = intertwine.compute(spec)
    labels, summand = expected_labels(basis, [(0,) * l], [(0,) * k], [n])
    assert basis.partitions.labels.tolist() == labels
    assert basis.partitions.summand.tolist() == summand


def test_streamed_file_carries_the_same_labels(monkeypatch, tmp_path):
    from intertwine.solvers import orbit

    monkeypatch.setattr(io.write, "_WRITE_BYTES", 100)
    monkeypatch.setattr(io.write, "_CHUNK_BYTES", 64)
    monkeypatch.setattr(orbit, "_CHUNK", 7)
    spec = "S(6): V**2 + 1 -> V**3"
    compute_to_file(spec, tmp_path / "streamed.h5")
    basis = intertwine.compute(spec)
    labels, summand = expected_labels(basis, [(0, 0, 0)], [(0, 0), ()], [6])
    assert stored_partitions(tmp_path / "streamed.h5") == (labels, summand)


@pytest.mark.parametrize("spec", ["C(4): V -> V", "A(6): V -> V", "S(3): V -> det"])
def test_no_labels_outside_products_of_symmetric_groups(spec, tmp_path):
    compute_to_file(spec, tmp_path / "b.h5")
    with h5py.File(tmp_path / "b.h5", "r") as f:
        assert "partitions" not in f


def test_no_labels_for_numeric_bases(tmp_path):
    compute_to_file("S(3): V -> V", tmp_path / "b.h5", "numeric")
    with h5py.File(tmp_path / "b.h5", "r") as f:
        assert "partitions" not in f


def run(*args):
    return subprocess.run([sys.executable, "-m", "intertwine", *args], capture_output=True,
                          text=True, timeout=120)


def test_info_and_verify_show_labels(tmp_path):
    path = tmp_path / "h.h5"
    assert run("basis", "S(3) x S(4): V[0]*V[1] -> V[0]*V[1]", "-o", str(path)).returncode == 0
    info = json.loads(run("info", str(path), "--json").stdout)
    assert info["partitions"] == {"elements": 4, "slots": 4, "complete": True}
    text = run("info", str(path)).stdout
    assert re.search(r"^partitions +labelled: 4 set partitions", text, re.M)
    done = run("verify", str(path))
    assert done.returncode == 0 and "partition labels match the pattern" in done.stdout


def tamper(path, m1, m2):
    with h5py.File(path, "r+") as f:
        labels = f["partitions/labels"][()]
        labels[[m1, m2]] = labels[[m2, m1]]
        f["partitions/labels"][...] = labels


def test_verify_catches_swapped_labels(tmp_path):
    path = tmp_path / "b.h5"
    compute_to_file("S(5): V**2 -> V**2", path)
    tamper(path, 3, 4)
    done = run("verify", str(path))
    assert done.returncode == 1 and "FAIL" in done.stdout


def test_large_patterns_are_compared_on_sampled_rows(tmp_path, monkeypatch):
    """Past a size, the pattern is compared with the labels on a sample of rows that
    includes every element's leading row: a pattern changed there is caught."""
    from intertwine.partitions import labels as labels_module
    from intertwine.partitions import partition_checks

    path = tmp_path / "b.h5"
    compute_to_file("S(9): V**2 -> V**2", path)
    monkeypatch.setattr(labels_module, "_FULL_CHECK", 200)  # 81 x 81 counts as huge
    basis = intertwine.load(path)
    [(ok, message)] = partition_checks(basis)
    assert ok and "sampled rows" in message
    row = basis.pattern[0]  # the leading row of element 0 (position (0, 0; 0, 0))
    row[[0, 1]] = row[[1, 0]]
    [(ok, message)] = partition_checks(basis)
    assert ok is False and "disagree" in message


def test_labels_in_a_wrong_order_are_malformed(tmp_path):
    from intertwine.partitions import partition_checks

    basis = intertwine.compute("S(4): V -> V**2")
    labels = basis.partitions.labels.copy()
    labels[[1, 2]] = labels[[2, 1]]
    basis.partitions = basis.partitions._replace(labels=labels)
    [(ok, message)] = partition_checks(basis)
    assert ok is False and "order" in message


def test_exact_coo_labels_checked_entry_by_entry(tmp_path):
    path = tmp_path / "e.h5"
    compute_to_file("S(3): V + 1 -> V**2", path, "exact")
    assert "partition labels match every entry" in run("verify", str(path)).stdout
    tamper(path, 0, 1)
    assert run("verify", str(path)).returncode == 1


# -- partitions-only files ------------------------------------------------------------

def test_partitions_only_file_is_small_and_a_whole_basis(tmp_path):
    path = tmp_path / "p.h5"
    done = run("basis", "S(5): V**2 -> V**2", "--partitions-only", "-o", str(path))
    assert done.returncode == 0, done.stderr
    assert "encoding partitions" in done.stdout and done.stderr == ""
    assert path.stat().st_size < 12_000  # HDF5's own overhead is most of it
    basis = intertwine.load(path)
    assert basis.encoding == "partitions" and basis.n_basis == 15
    assert np.array_equal(basis.dense(), intertwine.compute("S(5): V**2 -> V**2").dense())
    info = json.loads(run("info", str(path), "--json").stdout)
    assert info["encoding"] == "partitions" and info["partitions"]["complete"] is True
    done = run("verify", str(path))
    assert done.returncode == 0 and "partition labels well formed" in done.stdout
    assert "equivariant under" in done.stdout  # the pattern they give at n = 5, checked


def test_partitions_only_size_does_not_grow_with_n(tmp_path):
    small, large = tmp_path / "s.h5", tmp_path / "l.h5"
    compute_to_file("S(6): V**3 -> V**3", small, partitions_only=True)
    compute_to_file("S(100000): V**3 -> V**3", large, partitions_only=True)
    assert abs(small.stat().st_size - large.stat().st_size) < 64
    assert stored_partitions(small) == stored_partitions(large)
    done = run("verify", str(large))  # too large to expand: labels and count checked
    assert done.returncode == 0 and "skip" in done.stdout


def test_partitions_only_with_small_n_warns(tmp_path):
    done = run("basis", "S(2): V**2 -> V**2", "--partitions-only", "-o",
               str(tmp_path / "p.h5"))
    assert done.returncode == 0 and "missing" in done.stderr
    info = json.loads(run("info", str(tmp_path / "p.h5"), "--json").stdout)
    assert info["partitions"] == {"elements": 8, "slots": 4, "complete": False}


@pytest.mark.parametrize("spec, words", [
    ("C(4): V -> V", "products of S(n)"),
    ("S(3): V -> det", "products of S(n)"),
    ("S(3): V*(V + 1) -> V", "products of S(n)"),
])
def test_partitions_only_refuses_other_specs(spec, words, tmp_path):
    done = run("basis", spec, "--partitions-only", "-o", str(tmp_path / "p.h5"))
    assert done.returncode == 2 and words in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 4
    assert not list(tmp_path.iterdir())


def test_partitions_only_refuses_numeric(tmp_path):
    done = run("basis", "S(3): V -> V", "--partitions-only", "--method", "numeric", "-o",
               str(tmp_path / "p.h5"))
    assert done.returncode == 2 and "numeric" in done.stderr
