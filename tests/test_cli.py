"""The command line as a user meets it: outputs, exit statuses, files left behind."""

import json
import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from intertwine.cli import cli


def run(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def run_process(*args, **kw):
    return subprocess.run([sys.executable, "-m", "intertwine", *args], capture_output=True,
                          text=True, timeout=120, **kw)


@pytest.mark.parametrize("spec,n", [
    ("S(8): V -> V", 2), ("S(5): V**2 -> V**2", 15), ("S(3) x S(4): V[0]*V[1] -> V[0]*V[1]", 4),
    ("C(8): V -> 3*1", 3), ("S(1000): V**3 -> V**3", 203), ("S(10**3): V -> V", None),
    ("O(3): V**4 -> 1", 3), ("C(1000): V**2 -> V**3", 1000**4),
])
def test_dim(spec, n):
    code, out = run("dim", spec)
    if n is None:
        assert code == 2
    else:
        assert code == 0 and out.strip().splitlines()[-1] == str(n)


@pytest.mark.parametrize("bad", ["S(5: V -> V", "Q(3): V -> V", "S(3) x S(4): V -> V", "",
                                 "S(3): V -> V[1]", "S(3): V -> ", "Perm(3; (0 5)): V -> V"])
def test_bad_specs_exit_2_without_traceback(bad):
    p = run_process("dim", bad)
    assert p.returncode == 2
    assert "Traceback" not in p.stderr
    assert 1 <= len(p.stderr.strip().splitlines()) <= 4
    assert p.stdout == ""


def test_caret_under_the_problem():
    p = run_process("dim", "S(5: V -> V")
    lines = p.stderr.splitlines()
    assert lines[-2].strip() == "S(5: V -> V"
    assert lines[-1].index("^") - lines[-2].index("S") == 3


def test_basis_info_verify_round_trip(tmp_path):
    out = tmp_path / "maron.h5"
    code, text = run("basis", "S(5): V**2 -> V**2", "-o", str(out))
    assert code == 0 and "15" in text and len(text.strip().splitlines()) == 1
    with h5py.File(out, "r") as f:
        assert f.attrs["n_basis"] == 15 and f.attrs["encoding"] == "pattern"
        assert f["pattern"].shape == (25, 25)
    code, text = run("info", str(out), "--json")
    info = json.loads(text)
    assert info["spec"] == "S(5): V**2 -> V**2" and info["n_basis"] == 15
    assert info["exact"] is True and info["format_version"] == 1
    code, text = run("info", str(out))
    assert code == 0 and "S(5): V**2 -> V**2" in text
    code, text = run("verify", str(out))
    assert code == 0, text
    assert "FAIL" not in text
    assert [p for p in os.listdir(tmp_path)] == ["maron.h5"]


@pytest.mark.parametrize("spec,method", [("S(3): V**2 -> det", "auto"), ("O(3): V**2 -> V**2",
                                         "exact"), ("D(4): V -> V", "numeric"),
                                         ("SO(3) x C(3): V[0]*V[1] -> V[0]", "auto")])
def test_verify_passes_on_every_kind_of_file(tmp_path, spec, method):
    out = tmp_path / "b.h5"
    assert run("basis", spec, "-o", str(out), "--method", method)[0] == 0
    code, text = run("verify", str(out))
    assert code == 0, text


def test_verify_fails_on_a_tampered_basis(tmp_path):
    out = tmp_path / "b.h5"
    run("basis", "S(4): V**2 -> V", "-o", str(out))
    with h5py.File(out, "r+") as f:
        p = f["pattern"][...]
        p[0, 0], p[0, 1] = p[0, 1], p[0, 0]
        f["pattern"][...] = p
    code, text = run("verify", str(out))
    assert code == 1 and "FAIL" in text


def test_verify_fails_when_a_generator_is_weakened(tmp_path):
    out = tmp_path / "b.h5"
    run("basis", "S(4): V -> V", "-o", str(out))
    with h5py.File(out, "r+") as f:  # pretend the group were trivial: every W would pass
        for side in ("in", "out"):
            g = f["generators"][side]
            n = g["index"].shape[0]
            del g["index"], g["row"], g["col"], g["value"]
            g["index"] = np.zeros(0, int)
            g["row"] = np.zeros(0, int)
            g["col"] = np.zeros(0, int)
            g["value"] = np.zeros(0)
            g.attrs["count"] = 0
            assert n
    code, text = run("verify", str(out))
    assert code == 1, text


def test_usage_errors(tmp_path):
    assert run("basis", "S(3): V -> V", "-o", str(tmp_path / "no" / "x.h5"))[0] == 2
    assert run("basis", "SO(3): V -> V", "-o", str(tmp_path / "x.h5"), "--method", "orbit")[0] \
        == 2
    assert run("basis", "S(3): V -> V", "-o", str(tmp_path / "x.h5"), "--method", "fast")[0] \
        == 2
    assert run("basis", "S(100): V**5 -> V**5", "-o", str(tmp_path / "x.h5"))[0] == 2
    assert run("info", str(tmp_path / "missing.h5"))[0] == 2
    (tmp_path / "text.h5").write_text("hello")
    assert run("info", str(tmp_path / "text.h5"))[0] == 2
    assert run("verify", str(tmp_path / "text.h5"))[0] == 2
    assert not (tmp_path / "x.h5").exists()
    assert sorted(os.listdir(tmp_path)) == ["text.h5"]


def test_existing_file_is_replaced_whole(tmp_path):
    out = tmp_path / "b.h5"
    run("basis", "S(3): V -> V", "-o", str(out))
    assert run("basis", "S(4): V -> V", "-o", str(out))[0] == 0
    with h5py.File(out) as f:
        assert f.attrs["spec"] == "S(4): V -> V"
    before = out.read_bytes()
    assert run("basis", "S(4: V -> V", "-o", str(out))[0] == 2
    assert out.read_bytes() == before


def test_sigterm_leaves_no_partial_file(tmp_path):
    out = tmp_path / "big.h5"
    p = subprocess.Popen([sys.executable, "-m", "intertwine", "basis", "D(40): V**4 -> V", "-o",
                          str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(2.0)
    p.send_signal(signal.SIGTERM)
    p.communicate(timeout=60)
    assert os.listdir(tmp_path) in ([], ["big.h5"])
    if out.exists():  # it finished before the signal: then the file is whole
        assert run("verify", str(out))[0] == 0


def test_version_and_help():
    code, out = run("--version")
    assert code == 0 and "intertwine" in out
    code, out = run("basis", "--help")
    assert code == 0 and "Examples" in out


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=25))
def test_dim_never_tracebacks(text):
    result = CliRunner().invoke(cli, ["dim", text])
    assert result.exit_code in (0, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
