"""The executable's start-up paths (``intertwine.cli.launch``): the plain ``basis`` and
``decompose`` forms without click, and the exit without teardown.

Both exist for speed, so what is tested here is that they change nothing else: the
plain form is recognised only where click would parse the same options, it gives the
same output, file and exit status as click's path, and the teardown is skipped only
when nothing is left for it to do.
"""

import os
import re
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import intertwine
from intertwine import io
from intertwine.cli import launch
from intertwine.cli.app import cli, click_status
from intertwine.runtime import atomic

BASIS = cli.commands["basis"]
DECOMPOSE = cli.commands["decompose"]
DEFAULTS = {"method": "auto", "tolerance": None, "compress": False, "partitions_only": False}


@pytest.fixture(autouse=True)
def keep_sigterm():
    """``guarded`` installs the command line's SIGTERM handler; pytest keeps its own."""
    before = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, before)


def click_params(args):
    """The options click's ``basis`` command parses from ``args`` (after ``basis``)."""
    with BASIS.make_context("basis", list(args)) as ctx:
        return dict(ctx.params)


@pytest.mark.parametrize("args", [
    ["S(3): V -> V", "-o", "a.h5"],
    ["-o", "a.h5", "SO(3): V**2 -> V", "--method", "exact", "--compress"],
    ["--output=a.h5", "S(3): V -> V", "--method=numeric"],
    ["--compress", "--output", "a.h5", "", "--method", "orbit"],
])
def test_the_plain_form_is_taken_without_click(args):
    options = launch.plain_basis(["basis", *args])
    assert options is not None
    assert {**DEFAULTS, **options} == click_params(args)


VALUES = ["a.h5", "", "FOLDER", "-", "--compress", "-x", "exact"]
METHODS = ["auto", "exact", "numeric", "orbit", "bogus", "Exact", "--compress", ""]


@st.composite
def basis_arguments(draw):
    """Arguments after ``basis``: a spec, an output, maybe a method and --compress, and
    maybe something more, in any order; each in the forms click knows, and others."""
    value = draw(st.sampled_from(VALUES))
    method = draw(st.sampled_from(METHODS))
    chunks = [
        [draw(st.sampled_from(["S(3): V -> V", "", "x", "-x", "-", "--", "-o"]))],
        draw(st.sampled_from([["-o", value], ["--output", value], [f"--output={value}"],
                              [f"-o{value}"], [f"-o={value}"], ["--out", value], []])),
        draw(st.sampled_from([["--method", method], [f"--method={method}"], ["--method"],
                              []])),
        draw(st.sampled_from([["--compress"], ["--compress=1"], []])),
        *draw(st.lists(st.sampled_from([
            ["--tolerance", "0.1"], ["--partitions-only"], ["--help"], ["-h"], ["y"],
            ["-o", "b.h5"], ["--output=b.h5"], ["--method", "exact"], ["--compress"]]),
            max_size=2)),
    ]
    order = draw(st.permutations(range(len(chunks))))
    return [token for i in order for token in chunks[i]]


@settings(max_examples=600, deadline=None)
@given(basis_arguments())
def test_the_plain_form_is_recognised_only_where_click_agrees(args):
    folder = os.path.dirname(os.path.abspath(__file__))  # an existing folder: no -o
    args = [t.replace("FOLDER", folder) for t in args]
    options = launch.plain_basis(["basis", *args])
    if options is not None:  # otherwise click's to parse, whatever it makes of it
        assert {**DEFAULTS, **options} == click_params(args)


def decompose_params(args):
    """The options click's ``decompose`` command parses from ``args``, without --json."""
    with DECOMPOSE.make_context("decompose", list(args)) as ctx:
        params = dict(ctx.params)
    assert params.pop("as_json") is False
    return params


@st.composite
def decompose_arguments(draw):
    """Arguments after ``decompose``: a field, maybe an output and a method, and maybe
    something more, in any order and in the forms click knows, and others."""
    value = draw(st.sampled_from(VALUES))
    method = draw(st.sampled_from(METHODS))
    chunks = [
        [draw(st.sampled_from(["O(3): sym(1o, 2)", "", "x", "-x", "-", "--", "-o"]))],
        draw(st.sampled_from([["-o", value], ["--output", value], [f"--output={value}"],
                              [f"-o{value}"], ["--out", value], []])),
        draw(st.sampled_from([["--method", method], [f"--method={method}"], ["--method"],
                              []])),
        *draw(st.lists(st.sampled_from([
            ["--json"], ["--help"], ["--compress"], ["y"], ["-o", "b.h5"],
            ["--method", "exact"]]), max_size=2)),
    ]
    order = draw(st.permutations(range(len(chunks))))
    return [token for i in order for token in chunks[i]]


@settings(max_examples=400, deadline=None)
@given(decompose_arguments())
def test_the_plain_decompose_form_is_recognised_only_where_click_agrees(args):
    folder = os.path.dirname(os.path.abspath(__file__))
    args = [t.replace("FOLDER", folder) for t in args]
    options = launch.plain_decompose(["decompose", *args])
    if options is not None:
        assert options == decompose_params(args)


def test_the_plain_decompose_form_is_taken_without_click():
    for args in (["O(3): sym(1o, 2)"], ["D(4): V**2", "-o", "d.h5", "--method=exact"]):
        assert launch.plain_decompose(["decompose", *args]) == decompose_params(args)
    assert launch.plain_decompose(["decompose", "D(4): V**2", "--json"]) is None
    assert launch.plain_basis(["decompose", "D(4): V**2", "-o", "d.h5"]) is None


@pytest.mark.parametrize("args", [
    ["decompose", "O(3): sym(1o, 2)", "-o", "OUT"],
    ["decompose", "S(4): V**2"],  # printed only
    ["decompose", "D(4): V**2", "-o", "OUT", "--method", "numeric"],
    ["decompose", "C(4): V", "-o", "OUT"],  # complex-type irreps: refused
    ["decompose", "O(3): sym(1o, ", "-o", "OUT"],  # a bad field: the caret
    ["decompose", "O(3): 1o -> 1o", "-o", "OUT"],  # a spec, not a field
    ["decompose", "SO(3): V", "-o", "MISSING/d.h5"],
])
def test_both_decompose_paths_say_and_write_the_same(args, tmp_path, capsys):
    plain, clicked = said_by_both_paths(args, launch.plain_decompose, tmp_path, capsys)
    assert plain == clicked
    if "OUT" in args:
        assert (plain[0] == 0) == (tmp_path / "p.h5").exists()
        if plain[0] == 0:
            a, b = intertwine.load(tmp_path / "p.h5"), intertwine.load(tmp_path / "c.h5")
            assert a.irreps == b.irreps
            assert np.array_equal(a.change_of_basis(), b.change_of_basis())


def test_the_executable_decomposes_without_click(tmp_path):
    out = tmp_path / "d.h5"
    run = subprocess.run([sys.executable, "-c", REPORTING_EXIT, "decompose",
                          "O(3): sym(1o, 2)", "-o", str(out)], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "0e + 2e\n"
    assert "EXIT 0 False True" in run.stderr
    assert intertwine.load(out).irreps == [("0e", 1), ("2e", 1)]


@pytest.mark.parametrize("args", [
    ["basis", "S(4): V**2 -> V", "-o", "OUT"],
    ["basis", "SO(3): V**2 -> V", "-o", "OUT", "--method", "numeric"],
    ["basis", "O(2): V -> det", "-o", "OUT"],  # the zero space, noted on stderr
    ["basis", "S(3): V**2 -> ", "-o", "OUT"],  # a bad spec: the caret
    ["basis", "SO(3): V**2 -> V", "-o", "OUT", "--method", "orbit"],  # refused
    ["basis", "S(3): V -> V", "-o", "MISSING/b.h5"],
    ["basis", "C(400): V**3 -> V**3", "-o", "OUT", "--method", "exact"],  # too large
])
def test_both_paths_say_and_write_the_same(args, tmp_path, capsys):
    plain, clicked = said_by_both_paths(args, launch.plain_basis, tmp_path, capsys)
    assert plain == clicked
    assert plain[0] in (0, 2) and (plain[0] == 0) == (tmp_path / "p.h5").exists()
    if plain[0] == 0:
        a, b = io.load(tmp_path / "p.h5"), io.load(tmp_path / "c.h5")
        assert a.n_basis == b.n_basis and a.spec == b.spec
        assert np.array_equal(a.dense(), b.dense())


def said_by_both_paths(args, plain_form, tmp_path, capsys):
    """(exit status, stdout, stderr) of the command line ``args`` run by
    ``launch.status`` -- which takes the plain form (``plain_form`` recognises it) -- and
    by click, each writing its own file (OUT: p.h5, c.h5); names and times masked."""
    def run(name, through_click):
        argv = [a.replace("OUT", str(tmp_path / name)).replace("MISSING", str(tmp_path / "no"))
                for a in args]
        if through_click:
            code = launch.guarded(lambda: click_status(argv))
        else:
            assert plain_form(argv) is not None
            code = launch.status(argv)
        out, err = capsys.readouterr()
        return (code, *(re.sub(r", \d+\.\d\d s$", ", T s", t.replace(name, "NAME"),
                               flags=re.M) for t in (out, err)))

    return run("p.h5", False), run("c.h5", True)


REPORTING_EXIT = """
import os, sys
real_exit = os._exit
def reporting_exit(code):
    import gc
    print("EXIT", code, "click" in sys.modules, gc.isenabled(), file=sys.stderr, flush=True)
    real_exit(code)
os._exit = reporting_exit
sys.argv = ["intertwine"] + sys.argv[1:]
from intertwine.cli.launch import program
program()
"""


def test_the_executable_writes_without_click_and_exits_at_once(tmp_path):
    out = tmp_path / "b.h5"
    run = subprocess.run([sys.executable, "-c", REPORTING_EXIT, "basis", "SO(3): V**2 -> V",
                          "-o", str(out)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"wrote {out}: SO(3): V**2 -> V, 1 basis element")
    assert "EXIT 0 False True" in run.stderr  # no click, no teardown, collector back on
    stored, computed = io.load(out), intertwine.compute("SO(3): V**2 -> V")
    assert np.array_equal(stored.dense(), computed.dense())


@pytest.mark.parametrize("args, code", [
    (["basis", "S(3): V ->", "-o", "OUT"], 2),
    (["dim", "S(5): V**2 -> V**2"], 0),
    (["basis", "--help"], 0),
    (["info", "MISSING.h5"], 2),
])
def test_the_executable_exits_at_once_with_every_status(args, code, tmp_path):
    args = [a.replace("OUT", str(tmp_path / "b.h5")).replace("MISSING", str(tmp_path / "x"))
            for a in args]
    run = subprocess.run([sys.executable, "-c", REPORTING_EXIT, *args], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == code
    assert f"EXIT {code} " in run.stderr
    assert len(run.stderr.strip().splitlines()) <= 5  # the message, and the report line


TEARDOWN = """
import atexit, os, sys, threading, time
import h5py
from intertwine.cli.launch import leave
atexit.register(lambda: print("teardown", flush=True))
case = sys.argv[1]
if case == "open file":
    f = h5py.File(sys.argv[2], "w")
elif case == "thread":
    threading.Thread(target=time.sleep, args=(0.2,)).start()
elif case == "coverage":
    sys.modules["coverage"] = type(sys)("coverage")
print("leaving", flush=False)  # left in the buffer: leave() must flush it
leave(5)
"""


@pytest.mark.parametrize("case, teardown", [
    ("nothing", False), ("open file", True), ("thread", True), ("coverage", True)])
def test_the_teardown_is_skipped_only_when_nothing_needs_it(case, teardown, tmp_path):
    run = subprocess.run([sys.executable, "-c", TEARDOWN, case, str(tmp_path / "f.h5")],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 5
    assert run.stdout.split() == ["leaving"] + (["teardown"] if teardown else [])


def test_temporary_files_are_private_and_never_reused(tmp_path, monkeypatch):
    path = atomic._create_temporary(str(tmp_path), ".b.h5.")
    assert os.path.dirname(path) == str(tmp_path) and path.endswith(".tmp")
    assert os.stat(path).st_mode & 0o777 == 0o600
    monkeypatch.setattr(atomic.os, "urandom", lambda n: b"\0" * n)  # every name the same
    taken = atomic._create_temporary(str(tmp_path), ".c.h5.")
    with open(taken, "w") as fh:
        fh.write("someone's")
    with pytest.raises(FileExistsError):
        atomic._create_temporary(str(tmp_path), ".c.h5.")
    with open(taken) as fh:
        assert fh.read() == "someone's"


def test_free_space_is_what_shutil_reads(tmp_path):
    import shutil

    assert abs(io.write._free_space(str(tmp_path)) - shutil.disk_usage(tmp_path).free) \
        < 2**26  # other writers may come between the two readings


@pytest.mark.parametrize("extra", [[], ["--method", "auto", "--method", "auto"]])
def test_a_file_name_outside_the_encoding_is_printed_as_given(extra, tmp_path):
    """Under a strict UTF-8 stdout, the summary line names the file by the bytes it was
    given as (both paths), not an 'internal error' once the file is written."""
    name = os.fsdecode(b"\xff.h5")
    run = subprocess.run([sys.executable, "-m", "intertwine", "basis", "S(3): V -> V", "-o",
                          name, *extra], capture_output=True, cwd=tmp_path, timeout=120,
                         env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"})
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(b"wrote \xff.h5: S(3): V -> V")
    assert os.listdir(tmp_path) == [name]


def test_shell_completion_is_clicks_even_for_the_plain_form(tmp_path):
    env = {**os.environ, "_INTERTWINE_COMPLETE": "bash_complete",
           "COMP_WORDS": "intertwine basis S(3) -o b.h5 --me", "COMP_CWORD": "5"}
    run = subprocess.run([sys.executable, "-m", "intertwine", "basis", "S(3)", "-o", "b.h5"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert run.returncode == 0 and run.stdout.split() == ["plain,--method"]
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("args", [["basis", "S(3): V -> V", "-o", "b.h5"],   # plain
                                  ["basis", "S(3): V -> V", "-o", "b.h5", "--method", "auto",
                                   "--method", "auto"]])                   # click's
def test_a_library_that_cannot_be_loaded_at_start_up_is_a_usage_error(args, tmp_path):
    """Under ulimit -v, h5py's libraries may fail to map while the command starts: the
    start-up imports are guarded as the command is (no traceback, exit 2)."""
    code = ("import builtins, sys\n"
            "real = builtins.__import__\n"
            "def fake(name, *a, **k):\n"
            "    if name.startswith('h5py'):\n"
            "        raise ImportError('libhdf5.so: failed to map segment from shared object')\n"
            "    return real(name, *a, **k)\n"
            "builtins.__import__ = fake\n"
            "sys.argv = ['intertwine'] + sys.argv[1:]\n"
            "from intertwine.cli.launch import program\n"
            "program()\n")
    run = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120)
    assert run.returncode == 2, run.stderr
    assert run.stderr.startswith("Error: not enough memory for intertwine basis")
    assert "Traceback" not in run.stderr and os.listdir(tmp_path) == []


def test_a_module_run_ends_as_the_executable_does(tmp_path):
    script = textwrap.dedent(f"""
        import runpy, sys
        sys.argv = ["intertwine", "basis", "S(3): V -> V", "-o", {str(tmp_path / 'b.h5')!r}]
        runpy.run_module("intertwine", run_name="__main__")
        print("not reached")
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0 and "not reached" not in run.stdout
    assert io.load(tmp_path / "b.h5").n_basis == 2
