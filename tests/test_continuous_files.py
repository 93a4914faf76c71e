"""The files of continuous groups do not change when their solver's plumbing does.

For every (spec, method) of a continuous group that the test suite computes (recorded by
running it, SO(3): V**6 -> V**6 left out for its two minutes), ``continuous_files.json``
holds a digest of the whole content of the file ``intertwine basis`` writes: every
dataset and attribute (dtype, shape, values) but ``intertwine_version``.  They were
recorded at commit 3d27e22, before issue 15 rebuilt the Lie-algebra actions, the
constraint blocks and the orbit reduction without scipy; a spec that was refused then
(too large) is not listed.

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
CASES = json.loads(RECORD.read_text())


def _value(value) -> str:
    a = np.asarray(value)
    if a.dtype.kind in "OSU":  # strings (vlen attributes, big numerators): by value
        return f"{a.dtype.kind}{list(a.shape)}:{a.tolist()!r}"
    return f"{a.dtype.str}{list(a.shape)}:{hashlib.sha256(a.tobytes()).hexdigest()}"


def fingerprint(path) -> str:
    """A digest of every dataset and attribute of an HDF5 file (not its layout or its
    ``intertwine_version``)."""
    lines = []
    with h5py.File(path, "r") as f:
        names = ["/"]
        f.visit(names.append)
        for name in sorted(names):
            obj = f[name]
            for key in sorted(obj.attrs):
                if not (name == "/" and key == "intertwine_version"):
                    lines.append(f"{name}@{key}={_value(obj.attrs[key])}")
            if isinstance(obj, h5py.Dataset):
                lines.append(f"{name}={_value(obj[()])}")
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:24]


@pytest.mark.parametrize("spec,method,digest",
                         [(s, m, d) for s, by in CASES.items() for m, d in by.items()])
def test_continuous_files_are_unchanged(spec, method, digest, tmp_path):
    out = tmp_path / "b.h5"
    compute_to_file(spec, out, method)
    assert fingerprint(out) == digest


def _record(specs: list[tuple[str, str]]) -> dict:
    import tempfile

    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "b.h5"
        for spec, method in specs:
            try:
                compute_to_file(spec, path, method)
            except ValueError:  # refused (too large): nothing to compare
                continue
            out.setdefault(spec, {})[method] = fingerprint(path)
    return out


if __name__ == "__main__":  # python -m tests.test_continuous_files
    cases = [(s, m) for s, by in CASES.items() for m in by] if len(sys.argv) < 2 else \
        [tuple(line.rstrip("\n").split("\t")) for line in open(sys.argv[1])]
    RECORD.write_text(json.dumps(_record(cases), indent=1, sort_keys=True) + "\n")
