"""The command line as a user meets it: outputs, exit statuses, files left behind."""

import json
import os
import re
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

from intertwine.cli.app import cli


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


# -- issue 10, the smaller items -------------------------------------------------------------

@pytest.mark.parametrize("tolerance", ["-1", "nan", "-inf", "0", "1", "inf"])
def test_a_tolerance_outside_0_1_is_a_usage_error(tmp_path, tolerance):
    out = tmp_path / "b.h5"
    code, text = run("basis", "D(4): V -> V", "--method", "numeric", f"--tolerance={tolerance}",
                     "-o", str(out))
    assert code == 2 and "--tolerance" in text  # was: a 0-element basis, exit 0
    assert not out.exists()


def test_a_zero_dimensional_space_says_so(tmp_path):
    out = tmp_path / "b.h5"
    p = run_process("basis", "O(3): V**2 -> V**3", "-o", str(out))
    assert p.returncode == 0 and "0 basis elements" in p.stdout
    assert "zero-dimensional" in p.stderr
    with h5py.File(out) as f:
        stored = f["generators/in"].attrs["count"] + f["generators/lie_in"].attrs["count"]
    assert stored == 4
    code, text = run("verify", str(out))
    assert code == 0 and f"equivariant under {stored} stored generators" in text
    p = run_process("dim", "O(3): V**2 -> V**3")
    assert p.stdout.splitlines()[-1] == "0" and "zero-dimensional" in p.stderr


def test_one_basis_element_is_singular(tmp_path):
    code, text = run("basis", "S(3): V -> 1", "-o", str(tmp_path / "b.h5"))
    assert code == 0 and "1 basis element of shape" in text


def test_dim_json():
    code, text = run("dim", "S(5):V**2->V**2", "--json")
    assert code == 0 and json.loads(text) == {"spec": "S(5): V**2 -> V**2", "dim": 15}


def test_info_takes_several_files(tmp_path):
    for n in (3, 4):
        run("basis", f"S({n}): V -> V", "-o", str(tmp_path / f"s{n}.h5"))
    code, text = run("info", str(tmp_path / "s3.h5"), str(tmp_path / "s4.h5"), "--json")
    assert code == 0 and [a["spec"] for a in json.loads(text)] == ["S(3): V -> V",
                                                                    "S(4): V -> V"]
    code, text = run("info", str(tmp_path / "s3.h5"), str(tmp_path / "none.h5"))
    assert code == 2 and "S(3): V -> V" in text and "no such file" in text


def test_help_shows_the_spec_grammar_with_a_worked_example():
    code, text = run("--help")
    assert code == 0 and "GROUP: REP_IN -> REP_OUT" in text and "Worked example" in text
    example = text.split("Worked example:")[1].split('"')[1]
    code, out = run("dim", example)  # the worked example is a spec that works, as told
    assert code == 0 and out.strip() == "4" and "4 basis elements" in text


def test_help_lists_every_registered_group_and_representation():
    from intertwine.groups import FAMILIES
    from intertwine.reps import CONSTRUCTORS, load_all

    load_all()
    code, text = run("--help")
    grammar = text.split("Spec grammar:")[1].split("Worked example:")[0]
    assert code == 0 and {"Octa", "FullOcta", "reg", "irr", "Grid", "sym", "alt"} <= set(
        CONSTRUCTORS) | set(FAMILIES)
    for name in [*FAMILIES, *CONSTRUCTORS]:
        assert re.search(rf"(^|[\s,(]){re.escape(name)}([\s,(\[]|$)", grammar, re.M), name


def test_make_bases_installs_no_torch():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p = subprocess.run(["make", "-n", "-B", "bases"], cwd=root, capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip("make is not available")
    assert "intertwine batch" in p.stdout and "torch" not in p.stdout and "[test]" not in p.stdout


def _manual(page: str) -> str:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "docs", page), encoding="utf-8") as f:
        return f.read()


def test_the_manuals_example_with_arrow_and_times_works():
    example = _manual("specs.rst").split("(``S(3) × S(4)")[1].split("``")[0]  # its spec
    assert "→" in example
    code, out = run("dim", "S(3) × S(4)" + example)
    assert code == 0 and out.strip() == "4"


def test_shell_completion_as_the_manual_says():
    assert "_INTERTWINE_COMPLETE=bash_source intertwine" in _manual("commands.rst")
    p = subprocess.run([sys.executable, "-m", "intertwine"], capture_output=True, text=True,
                       env=dict(os.environ, _INTERTWINE_COMPLETE="bash_source"), timeout=60)
    assert p.returncode == 0 and "complete" in p.stdout and "_INTERTWINE_COMPLETE" in p.stdout
