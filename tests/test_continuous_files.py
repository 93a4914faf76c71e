"""The files of continuous groups do not change when their solver's plumbing does.

For every (spec, method) of a continuous group that the test suite computes (recorded by
running it, SO(3): V**6 -> V**6 left out for its two minutes), ``continuous_files.json``
records the file ``intertwine basis`` writes.  What "the same file" means follows what
the file format promises (see the file format in docs/):

* exact files (method ``exact``) are exact to the bit: the record is a digest of every
  dataset and attribute (dtype, shape, values) but ``intertwine_version`` and
  ``exact_elimination`` (which elimination ran, integer or modular: their results must
  be the same files);
* numeric files are promised to rounding (1e-12), not to the bit: BLAS kernels differ
  in the last bit between CPUs (an AMD EPYC machine rounds otherwise than the machine
  that recorded them).  Their record is a digest of everything that is not a float --
  names, dtypes, shapes of float data, integer and string values -- but the basis
  group, and ``continuous_numeric.npz`` holds the float values: the basis elements
  (compared as dense matrices, so an entry that rounds to zero on one machine and not on
  another is still the same file), the generators, and the solver's diagnostics.  The
  elements and generators must agree to 1e-12; the diagnostics (null singular values
  of about 1e-8, residuals of about 1e-16: rounding noise by design) to 1e-6.

Regenerate (only for a change meant to alter files): ``python -m tests.test_continuous_files``.
"""

import hashlib
import json
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from intertwine.api import compute_to_file

RECORD = Path(__file__).with_name("continuous_files.json")
VALUES = Path(__file__).with_name("continuous_numeric.npz")
CASES = json.loads(RECORD.read_text())
#: the diagnostics' tolerance: they measure rounding, so they vary with it
DIAGNOSTIC_TOLERANCE = 1e-6
#: what the numeric method promises of its bases (see the file format in docs/)
NUMERIC_TOLERANCE = 1e-12
SKIPPED = ("intertwine_version", "exact_elimination")


def _value(value) -> str:
    a = np.asarray(value)
    if a.dtype.kind in "OSU":  # strings (vlen attributes, big numerators): by value
        return f"{a.dtype.kind}{list(a.shape)}:{a.tolist()!r}"
    return f"{a.dtype.str}{list(a.shape)}:{hashlib.sha256(a.tobytes()).hexdigest()}"


def _entries(f: h5py.File):
    """(name, attribute key or None, value) of every attribute and dataset, sorted."""
    names = ["/"]
    f.visit(names.append)
    for name in sorted(names):
        obj = f[name]
        for key in sorted(obj.attrs):
            if not (name == "/" and key in SKIPPED):
                yield name, key, obj.attrs[key]
        if isinstance(obj, h5py.Dataset):
            yield name, None, obj[()]


def _line(name: str, key: str | None, text: str) -> str:
    return f"{name}={text}" if key is None else f"{name}@{key}={text}"


def fingerprint(path) -> str:
    """A digest of every dataset and attribute of an HDF5 file (not its layout, its
    ``intertwine_version`` or its ``exact_elimination``)."""
    with h5py.File(path, "r") as f:
        lines = [_line(name, key, _value(v)) for name, key, v in _entries(f)]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:24]


def _dense_basis(f: h5py.File) -> np.ndarray:
    shape = (int(f.attrs["n_basis"]), int(f.attrs["dim_out"]) * int(f.attrs["dim_in"]))
    dense = np.zeros(shape)
    if "basis" in f:
        b = f["basis"]
        flat = b["row"][()] * int(f.attrs["dim_in"]) + b["col"][()]
        np.add.at(dense, (b["index"][()], flat), b["value"][()])
    return dense


def numeric_record(path) -> tuple[str, dict[str, np.ndarray]]:
    """A numeric file as (digest of all but its float values, {name: float values});
    the basis group enters as one dense array ``basis``."""
    lines, floats = [], {}
    with h5py.File(path, "r") as f:
        for name, key, v in _entries(f):
            if name == "basis" or name.startswith("basis/"):
                continue
            a = np.asarray(v)
            label = name if key is None else f"{name}@{key}"
            if a.dtype.kind == "f":
                floats[label] = a
                lines.append(_line(name, key, f"{a.dtype.str}{list(a.shape)}"))
            else:
                lines.append(_line(name, key, _value(a)))
        floats["basis"] = _dense_basis(f)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:24], floats


def _tolerance(label: str) -> float:
    return DIAGNOSTIC_TOLERANCE if label.startswith("/@numeric_") else NUMERIC_TOLERANCE


def _stored(case: str) -> dict[str, np.ndarray]:
    prefix = f"{case}/"
    with np.load(VALUES) as stored:
        return {k[len(prefix):]: stored[k] for k in stored.files if k.startswith(prefix)}


EXACT = [(s, m, d) for s, by in CASES.items() for m, d in by.items() if m != "numeric"]
NUMERIC = [(s, by["numeric"]) for s, by in CASES.items() if "numeric" in by]


@pytest.mark.parametrize("spec,method,digest", EXACT)
def test_exact_files_are_unchanged(spec, method, digest, tmp_path):
    out = tmp_path / "b.h5"
    compute_to_file(spec, out, method)
    assert fingerprint(out) == digest


@pytest.mark.parametrize("spec,record", NUMERIC)
def test_numeric_files_are_unchanged_to_rounding(spec, record, tmp_path):
    out = tmp_path / "b.h5"
    compute_to_file(spec, out, "numeric")
    structure, floats = numeric_record(out)
    assert structure == record["structure"]
    expected = _stored(record["values"])
    assert sorted(floats) == sorted(expected)
    for label, a in floats.items():
        np.testing.assert_allclose(a, expected[label], rtol=0, atol=_tolerance(label),
                                   err_msg=label)


def test_the_numeric_comparison_sees_a_change_beyond_rounding(tmp_path):
    """The tolerance is not so loose that a wrong basis passes: one entry moved by 1e-9
    fails, one moved by 1e-15 passes."""
    spec, record = next((s, r) for s, r in NUMERIC if s == "SO(3): V**4 -> 1")
    out = tmp_path / "b.h5"
    compute_to_file(spec, out, "numeric")
    basis = numeric_record(out)[1]["basis"]
    expected = _stored(record["values"])["basis"]
    k, j = np.argwhere(expected != 0)[0]
    for shift, same in ((1e-15, True), (1e-9, False)):
        moved = basis.copy()
        moved[k, j] += shift
        close = np.allclose(moved, expected, rtol=0, atol=_tolerance("basis"))
        assert close == same


def _record(specs: list[tuple[str, str]]) -> tuple[dict, dict]:
    import tempfile

    out: dict = {}
    values: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "b.h5"
        for spec, method in specs:
            try:
                compute_to_file(spec, path, method)
            except ValueError:  # refused (too large): nothing to compare
                continue
            if method != "numeric":
                out.setdefault(spec, {})[method] = fingerprint(path)
                continue
            case = f"case{len({k.split('/')[0] for k in values})}"
            structure, floats = numeric_record(path)
            out.setdefault(spec, {})[method] = {"structure": structure, "values": case}
            values.update({f"{case}/{label}": a for label, a in floats.items()})
    return out, values


if __name__ == "__main__":  # python -m tests.test_continuous_files
    cases = [(s, m) for s, by in CASES.items() for m in by] if len(sys.argv) < 2 else \
        [tuple(line.rstrip("\n").split("\t")) for line in open(sys.argv[1])]
    record, values = _record(cases)
    RECORD.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    np.savez_compressed(VALUES, **values)
