"""The files of continuous groups do not change when their solver's plumbing does.

For every (spec, method) of a continuous group that the test suite computes (recorded by
running it, SO(3): V**6 -> V**6 left out for its two minutes), ``continuous_files.json``
holds a digest of the whole content of the file ``intertwine basis`` writes: every
dataset and attribute (dtype, shape, values) but ``intertwine_version`` and
``exact_elimination`` (which elimination ran, integer or modular: a record added since,
with the modular elimination, whose results must be the same files).  They were
recorded at commit 3d27e22, before issue 15 rebuilt the Lie-algebra actions, the
constraint blocks and the orbit reduction without scipy; a spec that was refused then
(too large) is not listed.

Every file is the same since, but for the numeric invariants in ``CHANGED``.  Their
singular-value diagnostics are those of the reduced constraint matrix as the solver
holds it, so they scale with the number of times each distinct row occurs.  Before,
scipy's kron with an all-zero factor (the Lie action on ``1``) came out float64, which
skipped the removal of repeated rows for ``... -> 1`` (and only there); now every integer
system is deduplicated.  The bases and residuals stayed the same, but for the two
Lorentz ones, whose values moved by an ulp here and there (to rounding, as the numeric
solver promises).  Their new digests are listed, so that any further change shows.

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
CHANGED = {  # see above: the numeric invariants, whose repeated rows are now removed
    ("O(1,3): V**2 -> 1", "numeric"): "68bd5c088b6eabe9e23667d2",
    ("O(1,3): V**4 -> 1", "numeric"): "02cdc96a1926fb90c0b3340b",  # and an ulp
    ("O(2): V**4 -> 1", "numeric"): "42c359702dae62dc79844993",
    ("O(3): V**4 -> 1", "numeric"): "ce4728edc5e61b2fb891d792",
    ("O(3): sym(sym(V, 2), 2) -> 1", "numeric"): "723cae93436875e1093d383f",
    ("SO(1,3): V**4 -> 1", "numeric"): "d77e0ace4051a42de9b51def",  # and an ulp
    ("SO(2): V**4 -> 1", "numeric"): "44c8905318f189c3db6d86db",
    ("SO(3): V**4 -> 1", "numeric"): "d93db1f467694186eb3b7373",
    ("Sp(1): V**2 -> 1", "numeric"): "b12851968f753d319e21896f",
    ("Sp(1): V**4 -> 1", "numeric"): "427d734475d2cd7baf850b44",
    ("Sp(2): V**2 -> 1", "numeric"): "6cb289dc1f0985dbdcf9e746",
}


def _value(value) -> str:
    a = np.asarray(value)
    if a.dtype.kind in "OSU":  # strings (vlen attributes, big numerators): by value
        return f"{a.dtype.kind}{list(a.shape)}:{a.tolist()!r}"
    return f"{a.dtype.str}{list(a.shape)}:{hashlib.sha256(a.tobytes()).hexdigest()}"


def fingerprint(path) -> str:
    """A digest of every dataset and attribute of an HDF5 file (not its layout, its
    ``intertwine_version`` or its ``exact_elimination``)."""
    lines = []
    with h5py.File(path, "r") as f:
        names = ["/"]
        f.visit(names.append)
        for name in sorted(names):
            obj = f[name]
            for key in sorted(obj.attrs):
                if not (name == "/" and key in ("intertwine_version", "exact_elimination")):
                    lines.append(f"{name}@{key}={_value(obj.attrs[key])}")
            if isinstance(obj, h5py.Dataset):
                lines.append(f"{name}={_value(obj[()])}")
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:24]


@pytest.mark.parametrize("spec,method,digest",
                         [(s, m, d) for s, by in CASES.items() for m, d in by.items()])
def test_continuous_files_are_unchanged(spec, method, digest, tmp_path):
    out = tmp_path / "b.h5"
    compute_to_file(spec, out, method)
    assert fingerprint(out) == CHANGED.get((spec, method), digest)


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
