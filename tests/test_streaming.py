"""Patterns written band by band (api.compute_to_file, the command line's basis).

A streamed file must hold exactly what ``compute(spec).save(path)`` writes, while the
process never holds more than a band of the pattern.  Bands and pieces are made tiny
here (a small INTERTWINE_MAX_BYTES, a small orbit._CHUNK) so that small cases cross
many band boundaries.
"""

import os
import subprocess
import sys

import h5py
import numpy as np
import pytest
from click.testing import CliRunner

import intertwine
from intertwine import io
from intertwine.api import compute_to_file
from intertwine.cli.app import cli
from intertwine.problem import TooLarge
from intertwine.solvers import LIMITS, orbit

SPECS = [
    "S(5): V**2 -> V**2",
    "S(12): V**3 -> V**2",
    "S(7): V**2 + V + 1 -> 2*V + V**2",
    "S(4) x S(6): V[0]*V[1] -> V[1]*V[0] + V[0]",
    "S(9): 1 -> V**3",
    "S(9): V**3 -> 1",
    "S(3): 1 -> 1",
    "A(8): V**2 -> V**3",
]


def contents(path) -> dict:
    """Every dataset (values, dtype, chunks, filters) and attribute of a file."""
    out = {}
    with h5py.File(path, "r") as f:
        out["/"] = {k: v for k, v in f.attrs.items()}

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[name] = (obj.dtype.str, obj.shape, obj.chunks, obj.compression,
                             obj[()].tolist())
            else:
                out[name] = dict(obj.attrs.items())
        f.visititems(visit)
    return out


@pytest.fixture
def tiny_bands(monkeypatch):
    monkeypatch.setattr(io.write, "_WRITE_BYTES", 100)  # bands of ~100 bytes (a chunk at least)
    monkeypatch.setattr(io.write, "_CHUNK_THRESHOLD", 50)  # chunked from 50 entries
    monkeypatch.setattr(io.write, "_CHUNK_BYTES", 64)
    monkeypatch.setattr(orbit, "_CHUNK", 7)


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("compression", [None, "gzip"])
def test_streamed_file_equals_the_saved_basis(spec, compression, tiny_bands, tmp_path):
    streamed, saved = tmp_path / "streamed.h5", tmp_path / "saved.h5"
    attrs = compute_to_file(spec, streamed, compression=compression)
    io.save(intertwine.compute(spec), saved, compression=compression)
    assert contents(streamed) == contents(saved)
    assert attrs == io.read_attributes(saved)
    assert sorted(os.listdir(tmp_path)) == ["saved.h5", "streamed.h5"]  # no temp files


def test_only_one_band_is_held(monkeypatch, tmp_path):
    """Every fill asks for at most one band of rows (the memory of the streamed path)."""
    monkeypatch.setattr(io.write, "_WRITE_BYTES", 400)
    monkeypatch.setattr(io.write, "_CHUNK_THRESHOLD", 1000)
    monkeypatch.setattr(io.write, "_CHUNK_BYTES", 100)  # 4 rows of 25 bytes: bands of 16 rows
    asked = []
    fill = orbit.SymmetricPattern.fill

    def spy(self, start, stop, out):
        asked.append(out.nbytes)
        return fill(self, start, stop, out)

    monkeypatch.setattr(orbit.SymmetricPattern, "fill", spy)
    compute_to_file("S(5): V**2 -> V**3", tmp_path / "b.h5")  # 125 x 25 int8: 3 kB
    assert len(asked) == 8 and max(asked) == 400


def test_command_line_streams_under_a_small_memory_budget(tmp_path):
    """A whole process with INTERTWINE_MAX_BYTES far below the pattern: same file."""
    spec = "S(12): V**3 -> V**3"  # 1728 x 1728 int16, 6 MB: chunked, several bands
    path = tmp_path / "b.h5"
    env = dict(os.environ, INTERTWINE_MAX_BYTES="1000000")
    run = subprocess.run([sys.executable, "-m", "intertwine", "basis", spec, "-o", str(path)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "203 basis elements" in run.stdout
    expected = intertwine.compute(spec)
    with h5py.File(path, "r") as f:
        assert f["pattern"].dtype == expected.pattern.dtype
        assert f["pattern"].chunks is not None
        assert np.array_equal(f["pattern"][()], expected.pattern)
    # loading the whole file exceeds that budget: refused clearly (exit 2), not crashed
    run = subprocess.run([sys.executable, "-m", "intertwine", "verify", str(path)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 2
    assert "too large to load" in run.stderr and "Traceback" not in run.stderr


def test_streamed_patterns_may_exceed_the_in_memory_limit(monkeypatch, tmp_path):
    monkeypatch.setitem(LIMITS, "orbit", 1000)
    with pytest.raises(TooLarge):
        intertwine.compute("S(10): V**2 -> V**2")
    attrs = compute_to_file("S(10): V**2 -> V**2", tmp_path / "b.h5")
    assert attrs["n_basis"] == 15
    with pytest.raises(TooLarge):  # other groups are not streamed: the limit still holds
        compute_to_file("D(10): V**2 -> V**2", tmp_path / "d.h5")
    monkeypatch.setitem(LIMITS, "orbit_stream", 1000)
    result = CliRunner().invoke(cli, ["basis", "S(10): V**2 -> V**2", "-o",
                                      str(tmp_path / "c.h5")])
    assert result.exit_code == 2 and "unknowns" in result.output
    assert not (tmp_path / "c.h5").exists()


def test_a_full_disk_is_a_usage_error(monkeypatch, tmp_path):
    path = tmp_path / "b.h5"
    path.write_bytes(b"old")
    monkeypatch.setattr(io.write, "_free_space", lambda folder: 100_000)
    result = CliRunner().invoke(cli, ["basis", "S(30): V**2 -> V**2", "-o", str(path)])
    assert result.exit_code == 2
    assert "not enough disk space" in result.output
    assert path.read_bytes() == b"old"  # untouched, and no temporary file left
    assert os.listdir(tmp_path) == ["b.h5"]
    with pytest.raises(io.BasisFileError, match="disk space"):
        intertwine.compute("S(30): V**2 -> V**2").save(path)
    assert compute_to_file("S(3): V -> V", path)["n_basis"] == 2  # small enough


def test_generators_beyond_memory_are_refused(monkeypatch, tmp_path):
    """A lopsided pattern: its band is small, but its generators are held whole."""
    monkeypatch.setattr(io, "MAX_BYTES", 100_000)
    with pytest.raises(TooLarge, match="generators"):
        compute_to_file("S(30): V**3 -> 1", tmp_path / "b.h5")  # 27000 x 1
    assert os.listdir(tmp_path) == []


def test_compress_option(tmp_path):
    path = tmp_path / "b.h5"
    result = CliRunner().invoke(cli, ["basis", "S(6): V**2 -> V**2", "-o", str(path),
                                      "--compress"])
    assert result.exit_code == 0, result.output
    with h5py.File(path, "r") as f:
        assert f["pattern"].compression == "gzip"
        assert np.array_equal(f["pattern"][()], intertwine.compute("S(6): V**2 -> V**2").pattern)
