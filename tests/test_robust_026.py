"""Issue 26: every file intertwine writes works with every command, and bad input on the
0.2 surfaces ends in a usage error (exit 2), never exit 3, a crash or a stall."""

import pytest
from click.testing import CliRunner

from intertwine.cli.app import cli


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.output


# -- 1. show of --partitions-only files ---------------------------------------------------

@pytest.mark.parametrize("spec", ["S(3): V**2 -> V**2", "S(3) x S(2): V[0]*V[1] -> V[0]*V[1]",
                                  "S(4): V + 1 -> V**2"])
@pytest.mark.parametrize("options", [(), ("--element", "1"), ("--random-weights", "3")])
def test_show_draws_a_partitions_only_file_as_its_pattern(tmp_path, spec, options):
    full, labels_only = tmp_path / "full.h5", tmp_path / "labels.h5"
    assert run("basis", spec, "-o", full, "--method", "orbit")[0] == 0
    assert run("basis", spec, "-o", labels_only, "--partitions-only")[0] == 0
    code, drawn = run("show", labels_only, *options)
    assert code == 0, drawn
    assert drawn == run("show", full, *options)[1]


def test_show_of_a_partitions_only_file_draws_a_png(tmp_path):
    path = tmp_path / "labels.h5"
    assert run("basis", "S(3): V**2 -> V", "-o", path, "--partitions-only")[0] == 0
    code, out = run("show", path, "--png", tmp_path / "p.png")
    assert code == 0, out
    assert (tmp_path / "p.png").stat().st_size > 0


def test_show_refuses_a_partitions_only_file_too_large_to_draw(tmp_path):
    path = tmp_path / "labels.h5"
    assert run("basis", "S(1000): V**2 -> V**2", "-o", path, "--partitions-only")[0] == 0
    code, out = run("show", path)
    assert code == 2 and "too large to draw" in out and len(out.splitlines()) <= 4


# -- 4. huge integers -------------------------------------------------------------------

HUGE = 10**30


@pytest.mark.parametrize("spec,expected", [
    # orbits of <(0 1)> on pairs of n points: (n**2 + (n - 2)**2) / 2
    (f"Perm({HUGE}; (0 1)): V -> V", (HUGE**2 + (HUGE - 2)**2) // 2),
    # orbits of <(0 1 2)> on pairs: (n**2 + 2 (n - 3)**2) / 3
    (f"Perm({HUGE}; (0 1 2)): V**2 -> 1", (HUGE**2 + 2 * (HUGE - 3)**2) // 3),
    # C(4) turns a grid of even side k fixing no pixel: k**2 / 4 orbits
    (f"C(4): 1 -> Grid({HUGE})", HUGE**2 // 4),
    # D(4): turns fix no pixel of an even grid, the two diagonal mirrors k pixels each
    (f"D(4): 1 -> Grid({HUGE})", (HUGE**2 + 2 * HUGE) // 8),
])
def test_dim_of_huge_permutation_and_grid_specs_answers(spec, expected):
    code, out = run("dim", spec)
    assert code == 0, out
    assert int(out.split()[-1]) == expected


@pytest.mark.parametrize("spec", [f"Perm({HUGE}; (0 1)): V -> V", f"C(4): 1 -> Grid({HUGE})"])
def test_basis_of_huge_permutation_and_grid_specs_is_a_size_error(tmp_path, spec):
    code, out = run("basis", spec, "-o", tmp_path / "b.h5")
    assert code == 2 and "too large" in out
    assert list(tmp_path.iterdir()) == []


def test_regular_representation_of_a_large_cyclic_group_builds_no_table():
    import intertwine
    from intertwine.groups.generators import MAX_TABLE_ENTRIES, element_table
    from intertwine.problem import TooLarge
    from intertwine.spec import parse_group

    b = intertwine.compute("C(1000000): reg -> 1")  # was 7.28 TiB for the element table
    assert b.n_basis == 1 == intertwine.dim("C(1000000): reg -> 1")
    assert (b.dense()[0] == 1).all()
    with pytest.raises(TooLarge, match="too large to list"):
        element_table(parse_group(f"C({int(MAX_TABLE_ENTRIES**0.5) + 1})").factors[0])


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_regular_shifts_of_cyclic_groups_agree_with_the_element_table(n):
    from intertwine.groups.generators import element_table
    from intertwine.reps.reg import Regular
    from intertwine.spec import parse_group

    factor = parse_group(f"C({n})").factors[0]
    table = element_table(factor)
    expected = [table.regular(g) for g in factor.family.faithful_generators(factor)]
    got = [perm for perm, _ in Regular().signed_generators(factor)]
    assert len(got) == len(expected)
    assert all((a == b).all() for a, b in zip(got, expected, strict=True))


# -- 6. --shard -------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["1/" + "9" * 5000, "9" * 5000 + "/1", "١/٢", "1/２",
                                   "1/" + "0" * 30 + "2", "1\x1b[2J/2"])
def test_a_shard_beyond_ascii_digits_or_a_sane_length_is_the_shard_usage_error(tmp_path,
                                                                                 value):
    from .test_batch import batch, good_manifest

    code, _, stderr = batch(good_manifest(tmp_path), "--out-dir", tmp_path / "out",
                            "--shard", value)
    assert code == 2, stderr
    assert "--shard" in stderr and "expected I/N" in stderr and "4300" not in stderr
    assert len(stderr.strip().splitlines()) <= 4 and len(stderr) < 300
    assert "\x1b" not in stderr
    assert not (tmp_path / "out").exists()


def test_a_shard_with_spaces_and_leading_zeros_still_works(tmp_path):
    from .test_batch import batch, good_manifest

    code, stdout, stderr = batch(good_manifest(tmp_path), "--out-dir", tmp_path / "out",
                                 "--shard", " 01 / 1 ", "--jobs", 1)
    assert code == 0, stderr


# -- 8. a spec attribute that is not UTF-8; control characters in messages ---------------

def _spec_not_utf8(path):
    import h5py

    import intertwine

    intertwine.compute("S(3): V -> V").save(path)
    with h5py.File(path, "r+") as f:  # a variable-length "UTF-8" string holding byte 0xff
        f.attrs.create("spec", b"S(3): V -> V\xff", dtype=h5py.string_dtype("utf-8"))
    return path


@pytest.mark.parametrize("command", [("info",), ("info", "--json"), ("show",), ("verify",)])
def test_a_spec_attribute_that_is_not_utf8_is_a_usage_error(tmp_path, command):
    path = _spec_not_utf8(tmp_path / "bad.h5")
    code, out = run(*command, path)
    assert code == 2, out
    assert "spec is not a UTF-8 string" in out and len(out.strip().splitlines()) <= 4


def test_load_refuses_a_spec_attribute_that_is_not_utf8(tmp_path):
    import intertwine

    with pytest.raises(ValueError, match="spec is not a UTF-8 string"):
        intertwine.load(_spec_not_utf8(tmp_path / "bad.h5"))


@pytest.mark.parametrize("spec", ["S(3): V -> V\x07\x08", "S(\x1b3): V -> V",
                                  "S(3): V\x1b[2J -> V", "S(3): V -> V\x9b31m"])
@pytest.mark.parametrize("command", ["dim", "basis"])
def test_error_messages_escape_the_control_characters_of_a_spec(tmp_path, spec, command):
    import subprocess
    import sys

    args = [sys.executable, "-m", "intertwine", command, spec]
    if command == "basis":
        args += ["-o", str(tmp_path / "b.h5")]
    p = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2, p.stderr
    assert all(c.isprintable() for line in p.stderr.splitlines() for c in line), p.stderr
    lines = p.stderr.splitlines()
    caret = [line for line in lines if line.strip() == "^"]
    if caret:  # the caret stands under the escaped character
        shown = lines[lines.index(caret[0]) - 1]
        assert shown[caret[0].index("^")] == "\\"


# -- 5. partitions-only files that lie ----------------------------------------------------

def _labelled(path, written="S(4): V**2 -> V**2", **attrs):
    """A partitions-only file of ``written`` whose root attributes then say ``attrs``."""
    import h5py

    from intertwine.api import compute_to_file

    compute_to_file(written, path, partitions_only=True)
    with h5py.File(path, "r+") as f:
        for key, value in attrs.items():
            if isinstance(value, str):
                f.attrs.create(key, value, dtype=h5py.string_dtype())
            else:
                f.attrs[key] = value
    return path


def _relabel(path, columns=None, width=None):
    import h5py
    import numpy as np

    with h5py.File(path, "r+") as f:
        labels = f["partitions/labels"][()]
        del f["partitions/labels"]
        if columns is not None:
            f["partitions/labels"] = labels[:, :columns]
        else:  # a few kB that claim `width` slots
            f.create_dataset("partitions/labels", shape=(len(labels), width), dtype=np.int64,
                             compression="gzip", chunks=(1, 1 << 20), fillvalue=0)
    return path


LIES = {
    "huge spec": (lambda p: _labelled(p, spec=f"S({HUGE}): V**2 -> V**2",
                                      group=f"S({HUGE})"), "dimensions"),
    "fewer columns": (lambda p: _relabel(_labelled(p), columns=3), "3 columns"),
    "rep_out": (lambda p: _labelled(p, spec="S(4): V**2 -> V", rep_out="V", dim_out=4),
                "4 columns, its spec has 3 slots"),
    "sum": (lambda p: _labelled(p, spec="S(4): V**2 -> V**2 + V"), "dimensions"),
    "wide labels": (lambda p: _relabel(_labelled(p), width=10**7), "at most 1000 slots"),
    "spec": (lambda p: _labelled(p, spec="S(4: V**2 -> V**2"), "does not parse"),
}


@pytest.mark.parametrize("lie", sorted(LIES))
def test_verify_refuses_lying_partitions_only_files_from_their_shapes(tmp_path, lie):
    import resource
    import subprocess
    import sys

    make, words = LIES[lie]
    path = make(tmp_path / "lie.h5")
    limit = 1 << 30  # the wide labels cost 1.8 GB to read: refused before

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    for command in ("verify", "info", "show"):
        p = subprocess.run([sys.executable, "-m", "intertwine", command, str(path)],
                           capture_output=True, text=True, timeout=60, preexec_fn=cap)
        assert p.returncode == 2, (command, p.stdout, p.stderr)
        assert words in p.stderr and len(p.stderr.strip().splitlines()) <= 4


def test_an_n_basis_that_disagrees_with_the_spec_is_refused(tmp_path):
    import h5py

    path = _labelled(tmp_path / "lie.h5", n_basis=14)
    with h5py.File(path, "r+") as f:  # an element dropped, consistently
        for name in ("labels", "summand"):
            kept = f[f"partitions/{name}"][:14]
            del f[f"partitions/{name}"]
            f[f"partitions/{name}"] = kept
    code, out = run("verify", path)
    assert code == 2 and "n_basis is 14, its spec has 15 elements" in out


@pytest.mark.parametrize("lie", sorted(LIES))
def test_layers_refuse_lying_partitions_only_files_with_a_value_error(tmp_path, lie):
    torch = pytest.importorskip("torch")
    from intertwine.torch import EquivariantLinear

    path = LIES[lie][0](tmp_path / "lie.h5")
    with pytest.raises(ValueError, match=LIES[lie][1]):
        EquivariantLinear(str(path))
    jax = pytest.importorskip("jax")
    import intertwine.jax as layers

    with pytest.raises(ValueError, match=LIES[lie][1]):
        layers.init(jax.random.PRNGKey(0), str(path), 1, 1)
    del torch


def test_layers_refuse_malformed_labels(tmp_path):
    import h5py

    path = _labelled(tmp_path / "lie.h5")
    with h5py.File(path, "r+") as f:
        labels = f["partitions/labels"][()]
        labels[[1, 2]] = labels[[2, 1]]  # not in the order of their leading positions
        f["partitions/labels"][...] = labels
    from intertwine.torch import EquivariantLinear

    with pytest.raises(ValueError, match="malformed"):
        EquivariantLinear(str(path))


def test_a_relabelled_file_at_a_huge_n_applies_at_a_small_one(tmp_path):
    torch = pytest.importorskip("torch")
    from intertwine.torch import EquivariantLinear

    large = _labelled(tmp_path / "large.h5", spec="S(100000): V**2 -> V**2",
                      group="S(100000)", dim_in=10**10, dim_out=10**10)
    small = tmp_path / "small.h5"
    from intertwine.api import compute_to_file

    compute_to_file("S(5): V**2 -> V**2", small, partitions_only=True)
    torch.manual_seed(0)
    a, b = EquivariantLinear(str(large)), EquivariantLinear(str(small))
    b.load_state_dict(a.state_dict())
    x = torch.randn(3, 1, 5, 5, dtype=a.weight.dtype)
    assert torch.allclose(a(x), b(x))


# -- 2. a nearly full disk ----------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 64 kB tmpfs: filled up to a given number of free bytes by ``fill(free)``."""
    import os
    import subprocess

    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root): " + mounted.stderr.decode())

    def fill(free):
        filler = folder / "filler"
        filler.unlink(missing_ok=True)
        st = os.statvfs(folder)
        filler.write_bytes(b"\0" * max(0, st.f_bavail * st.f_frsize - free))

    try:
        yield folder, fill
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


@pytest.mark.parametrize("free_kb", [8, 16, 24, 28, 32, 40])
def test_basis_on_a_nearly_full_disk_is_a_clean_usage_error(small_disk, free_kb):
    import subprocess
    import sys

    folder, fill = small_disk
    fill(free_kb << 10)
    out = folder / "x.h5"
    p = subprocess.run([sys.executable, "-m", "intertwine", "basis", "S(5): V**2 -> V**2",
                        "--compress", "-o", str(out)], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode in (0, 2), p.stderr  # was 139: libhdf5 crashed in its flush
    if p.returncode == 2:
        assert p.stderr.strip() == f"Error: no space left on device: cannot write {out}"
        assert not out.exists()
    else:
        assert run("verify", out)[0] == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(["filler"] + (
        ["x.h5"] if p.returncode == 0 else []))  # no temporary file


@pytest.mark.parametrize("jobs", [1, 2])
def test_batch_on_a_nearly_full_disk_reports_and_goes_on(small_disk, tmp_path, jobs):
    import json

    from .test_batch import batch, manifest

    folder, fill = small_disk
    m = manifest(tmp_path, '[[basis]]\nspec = "S(5): V**2 -> V**2"\nname = "maron"\n\n'
                           '[[basis]]\nspec = "S(3): V -> V"\nname = "small"\n')
    (folder / "out").mkdir()
    fill(24 << 10)
    report = tmp_path / "report.json"
    code, stdout, stderr = batch(m, "--out-dir", folder / "out", "--jobs", jobs, "--json",
                                 report)
    assert code == 1, stderr
    assert "no space left on device" in stdout and "2 entries:" in stdout
    outcomes = json.loads(report.read_text())
    assert "no space left on device" in json.dumps(outcomes)
    assert not list(folder.rglob("*.tmp"))


def test_a_large_write_stops_before_the_disk_is_full(tmp_path, monkeypatch):
    """Files beyond the in-memory image are written by libhdf5: it is stopped before
    each band and before its closing flush while the disk lacks room."""
    import intertwine
    from intertwine.io import write

    basis = intertwine.compute("S(6): V**2 -> V**2")
    monkeypatch.setattr(write, "_IMAGE_BYTES", 0)
    out = tmp_path / "x.h5"
    monkeypatch.setattr(write, "_free_space", lambda folder: write._SPACE_MARGIN - 1)
    with pytest.raises(ValueError, match="no space left on device"):
        basis.save(out)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(write, "_free_space", lambda folder: 1 << 40)
    basis.save(out)
    assert (intertwine.load(out).pattern == basis.pattern).all()


def test_small_files_written_from_memory_equal_those_libhdf5_writes(tmp_path, monkeypatch):
    import intertwine
    from intertwine.io import write

    from .test_cluster import contents

    for spec in ("S(4): V**2 -> V**2", "O(3): V**2 -> V**2", "S(3): V + 1 -> V**2"):
        basis = intertwine.compute(spec)
        basis.save(tmp_path / "image.h5")
        with monkeypatch.context() as m:
            m.setattr(write, "_IMAGE_BYTES", 0)
            basis.save(tmp_path / "disk.h5")
        assert contents(tmp_path / "image.h5") == contents(tmp_path / "disk.h5")


# -- 3. --dask addresses and scheduler files that cannot work ----------------------------

needs_dask = pytest.mark.skipif(__import__("importlib.util").util.find_spec("distributed")
                                is None, reason="needs the dask extra (dask[distributed])")


def _dask_batch(tmp_path, address, timeout=20):
    import subprocess
    import sys

    from .test_batch import good_manifest

    return subprocess.run([sys.executable, "-m", "intertwine", "batch",
                           str(good_manifest(tmp_path)), "--out-dir", str(tmp_path / "out"),
                           "--dask", str(address)], capture_output=True, text=True,
                          timeout=timeout)


SCHEDULER_FILES = {
    "missing": (None, "does not exist"),
    "empty": (b"", "is empty"),
    "not JSON": (b"{not json", "is not JSON"),
    "no address": (b'{"type": "Scheduler", "workers": {}}', "names no address"),
    "a list": (b'["tcp://127.0.0.1:1"]', "names no address"),
    "huge": (b" " * (3 << 20), "larger than 1 MB"),
    "refused": (b'{"address": "tcp://127.0.0.1:1"}', "Connection refused"),
}


@needs_dask
@pytest.mark.parametrize("case", sorted(SCHEDULER_FILES))
def test_a_scheduler_file_that_cannot_work_is_one_clear_line(tmp_path, case):
    content, words = SCHEDULER_FILES[case]
    path = tmp_path / "scheduler.json"
    if content is not None:
        path.write_bytes(content)
    p = _dask_batch(tmp_path, path)  # was exit 3 after 42-52 s, or "missing port number"
    assert p.returncode == 2, p.stderr
    assert p.stderr.startswith("Error: cannot reach the Dask scheduler") and words in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr


@needs_dask
@pytest.mark.parametrize("address,words", [
    ("tls://127.0.0.1:1", "tls:// protocol is not supported"),
    ("inproc://127.0.0.1/1/1", "inproc:// protocol is not supported"),
    ("ucx://127.0.0.1:1", "ucx:// protocol is not supported"),
    ("tcp://127.0.0.1:1", "Connection refused"),  # was 22-24 s
    ("tcp://127.0.0.1:99999", "expected tcp://HOST:PORT"),
    ("tcp://127.0.0.1:١٢", "expected tcp://HOST:PORT"),
])
def test_a_dask_address_that_cannot_work_is_one_clear_line_at_once(tmp_path, address, words):
    p = _dask_batch(tmp_path, address, timeout=15)  # was 40 s and a 13-line traceback
    assert p.returncode == 2, p.stderr
    assert words in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert "Traceback" not in p.stderr


# -- 7. Ctrl-C while batch --dask connects --------------------------------------------------

@needs_dask
def test_ctrl_c_while_connecting_to_dask_still_writes_summary_and_report(tmp_path):
    """A scheduler that accepts connections and never answers holds the client in its
    connection; Ctrl-C there still prints the summary and writes the report."""
    import json
    import signal
    import socket
    import subprocess
    import sys
    import time

    from .test_batch import good_manifest

    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(30)
    port = server.getsockname()[1]
    report = tmp_path / "report.json"
    p = subprocess.Popen([sys.executable, "-m", "intertwine", "batch",
                          str(good_manifest(tmp_path)), "--out-dir", str(tmp_path / "out"),
                          "--dask", f"tcp://127.0.0.1:{port}", "--json", str(report)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        held = [server.accept()[0] for _ in range(2)]  # the probe, then the Client's
        time.sleep(0.5)
        p.send_signal(signal.SIGINT)
        stdout, stderr = p.communicate(timeout=30)
    finally:
        p.kill()
        server.close()
    assert p.returncode == 130, stderr
    assert "entries: 0 written" in stdout and "interrupted" in stderr
    entries = json.loads(report.read_text())["entries"]
    assert entries and all(e["status"] == "failed" for e in entries)
    del held


# -- temporary files that SIGKILLed runs left -----------------------------------------------

def _gone_pid():
    """The pid of a process that has ended (and been reaped)."""
    import subprocess
    import sys

    p = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                       capture_output=True, text=True, check=True)
    return int(p.stdout)


def _temporary(folder, name, pid, host=None, run=""):
    from intertwine.runtime.atomic import _writer

    host = host or _writer().rpartition("-")[0]
    path = folder / f".{name}.{host}-{pid}{run}.0123456789ab.tmp"
    path.write_bytes(b"half a file")
    return path


def test_basis_killed_mid_write_leaves_a_temporary_that_the_next_basis_removes(tmp_path):
    import glob
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "big.h5"
    p = subprocess.Popen([sys.executable, "-m", "intertwine", "basis", "S(9): V**4 -> V**4",
                          "-o", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not glob.glob(str(tmp_path / ".*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.02)
    p.send_signal(signal.SIGKILL)
    p.wait()
    left = os.listdir(tmp_path)
    assert len(left) == 1 and left[0].startswith(".big.h5.") and left[0].endswith(".tmp")
    mine = _temporary(tmp_path, "other.h5", os.getpid())  # a writer that is alive
    foreign = _temporary(tmp_path, "big.h5", _gone_pid(), host="elsewhere")
    assert run("basis", "S(3): V -> V", "-o", out)[0] == 0
    assert sorted(os.listdir(tmp_path)) == sorted(["big.h5", mine.name, foreign.name])


def test_batch_removes_and_reports_the_temporaries_of_killed_runs(tmp_path):
    import os

    from .test_batch import batch, good_manifest

    out = tmp_path / "out"
    out.mkdir()
    gone, alive = _gone_pid(), os.getpid()
    stale = [_temporary(out, "a.h5", gone), _temporary(out, "b.h5", gone, run="-c0ffee")]
    kept = [_temporary(out, "a.h5", alive, run="-abc123"),  # a run still going
            _temporary(out, "c.h5", gone, host="another_host"),  # cannot tell from here
            out / ".d.h5.0123456789ab.tmp"]  # untagged: whose?
    kept[-1].write_bytes(b"")
    code, stdout, stderr = batch(good_manifest(tmp_path), "--out-dir", out, "--jobs", 1)
    assert code == 0, stderr
    assert f"removed 2 temporary files that killed runs left in {out}" in stderr
    assert all(p.name in stderr for p in stale)
    left = set(os.listdir(out))
    assert not any(p.name in left for p in stale) and all(p.name in left for p in kept)


def test_temporaries_are_tagged_with_their_writer(tmp_path, monkeypatch):
    import os

    import intertwine
    from intertwine.runtime import atomic

    seen = []
    create = atomic._create_temporary
    monkeypatch.setattr(atomic, "_create_temporary",
                        lambda folder, prefix: seen.append(create(folder, prefix)) or seen[-1])
    intertwine.compute("S(3): V -> V").save(tmp_path / "x.h5")
    [path] = seen
    assert os.path.basename(path).startswith(f".x.h5.{atomic._writer()}.")
    assert atomic._writer().endswith(f"-{os.getpid()}")
