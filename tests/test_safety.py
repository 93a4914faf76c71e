"""Signals, odd paths, full disks, neighbouring runs and feedback (issue 9).

Every test runs the command as a user does (a subprocess) and waits for a marker -- a
progress line on stderr, a temporary file appearing, CPU time spent -- before it sends
a signal, never for a blind delay.
"""

import contextlib
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py
import pytest

import intertwine

# a streamed S(n) pattern whose gzip write lasts about two seconds on two cores, in
# bands of 8 MB (INTERTWINE_MAX_BYTES / 8) so that the first progress line comes early
BIG = "S(20): V**3 -> V**3"
SMALL_BANDS = {"INTERTWINE_MAX_BYTES": "64000000"}
NOISE = ("Traceback", "Exception ignored", "Aborted!")
posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs (POSIX)")


def start(*args, env=None, **kw):
    return subprocess.Popen([sys.executable, "-m", "intertwine", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})}, **kw)


def run(*args, timeout=60, **kw):
    return subprocess.run([sys.executable, "-m", "intertwine", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, **kw)


def wait_for(condition, what, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def temporaries(folder: Path) -> list[str]:
    return [n for n in os.listdir(folder) if n.endswith(".tmp")] if folder.is_dir() else []


def assert_quiet_usage_error(result, *words):
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 4 and not any(n in result.stderr for n in NOISE), result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


# -- signals ---------------------------------------------------------------------------

@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_during_a_streamed_write_keeps_the_old_file(tmp_path, signum):
    out = tmp_path / "x.h5"
    out.write_bytes(b"the older file")
    p = start("basis", BIG, "-o", out, "--compress", env=SMALL_BANDS)
    first = p.stderr.readline()  # the first band is written: the write is under way
    assert first.startswith(f"writing {out}:"), first + p.stderr.read()
    p.send_signal(signum)
    stdout, stderr = p.communicate(timeout=60)
    assert p.returncode == 128 + signum, stdout + stderr
    assert not any(n in stderr for n in NOISE), stderr
    assert out.read_bytes() == b"the older file"
    assert os.listdir(tmp_path) == ["x.h5"]


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:  # utime + stime
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# exact eliminations that take several seconds; the first that the solver accepts and
# that is still running once start-up is long past is interrupted (solvers get faster)
SLOW_EXACT = ("SO(3): V**6 -> V**6", "SO(3): V**5 -> V**5")


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads the child's CPU time in /proc")
def test_ctrl_c_while_computing_exits_130(tmp_path):
    for spec in SLOW_EXACT:
        p = start("basis", spec, "--method", "exact", "-o", tmp_path / "x.h5")
        wait_for(lambda p=p: p.poll() is not None or _cpu_seconds(p.pid) > 1.5, "computing")
        if p.poll() is None:
            break
        p.communicate()
    else:
        pytest.skip("every candidate finished (or was refused) before the signal")
    p.send_signal(signal.SIGINT)
    stdout, stderr = p.communicate(timeout=60)
    assert p.returncode == 130, stderr
    assert "interrupted" in stderr and not any(n in stderr for n in NOISE), stderr
    assert os.listdir(tmp_path) == []


def batch_manifest(folder: Path, entries: dict) -> Path:
    path = folder / "m.toml"
    path.write_text("".join(f'[[basis]]\nname = "{name}"\nspec = "{spec}"\n\n'
                            for name, spec in entries.items()))
    return path


@pytest.mark.parametrize("jobs,signum", [(1, signal.SIGINT), (1, signal.SIGTERM),
                                         (2, signal.SIGINT), (2, signal.SIGTERM)])
def test_batch_stops_on_a_signal_and_still_reports(tmp_path, jobs, signum):
    m = batch_manifest(tmp_path, {"a": BIG, "b": "S(21): V**3 -> V**3"})
    out, report = tmp_path / "out", tmp_path / "report.json"
    p = start("batch", m, "--out-dir", out, "--jobs", jobs, "--json", report,
              env=SMALL_BANDS)
    wait_for(lambda: temporaries(out) or p.poll() is not None, "a file being written")
    p.send_signal(signum)
    stdout, stderr = p.communicate(timeout=60)
    assert p.returncode == 128 + signum, stdout + stderr
    assert not any(n in stdout + stderr for n in NOISE), stderr
    assert "interrupted" in stderr and "2 entries:" in stdout
    entries = json.loads(report.read_text())["entries"]
    assert {e["name"]: e["status"] for e in entries} == {"a": "failed", "b": "failed"}
    assert all(e["reason"].startswith("interrupted") for e in entries)
    time.sleep(0.2)  # the workers have been waited for: nothing may appear later
    assert temporaries(out) == [] and not list(out.glob("*.h5"))


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(name))
        except (OSError, ValueError, IndexError):
            continue
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="finds the workers in /proc")
def test_killing_batch_ends_its_workers_forkserver_and_tracker(tmp_path):
    m = batch_manifest(tmp_path, {"a": BIG, "b": "S(21): V**3 -> V**3"})
    out = tmp_path / "out"
    p = start("batch", m, "--out-dir", out, "--jobs", 2, env=SMALL_BANDS)
    wait_for(lambda: temporaries(out) or p.poll() is not None, "a worker writing")
    helpers = _descendants(p.pid)  # resource tracker, forkserver, workers
    assert len(helpers) >= 3, helpers
    p.kill()
    p.communicate(timeout=30)
    try:
        wait_for(lambda: not any(map(_alive, helpers)), "the helpers to end", seconds=30)
    finally:  # ours: never leave them running, whatever they started meanwhile
        for pid in filter(_alive, helpers.union(*map(_descendants, helpers))):
            os.kill(pid, signal.SIGKILL)
    assert temporaries(out) == []  # the workers unwound, removing their files


def test_an_interrupted_batch_leaves_other_runs_temporary_files(tmp_path):
    m = batch_manifest(tmp_path, {"a": BIG, "b": "S(21): V**3 -> V**3"})
    out = tmp_path / "out"
    out.mkdir()
    neighbour = out / ".a.h5.4242-abcdef.x1y2z3.tmp"  # another run writing the same file
    neighbour.write_bytes(b"someone else's")
    p = start("batch", m, "--out-dir", out, "--jobs", 2, env=SMALL_BANDS)
    wait_for(lambda: len(temporaries(out)) > 1 or p.poll() is not None, "a worker writing")
    p.send_signal(signal.SIGTERM)
    p.communicate(timeout=60)
    assert p.returncode == 143
    assert temporaries(out) == [neighbour.name]


# -- odd paths -------------------------------------------------------------------------

@posix_only
def test_inputs_that_are_not_regular_files_are_refused_at_once(tmp_path):
    fifo, named = tmp_path / "fifo", tmp_path / "pipe.h5"  # show reads names in .h5
    os.mkfifo(fifo)
    os.mkfifo(named)
    big = tmp_path / "huge.toml"
    with open(big, "wb") as f:  # sparse: takes no disk
        f.truncate(17 << 20)
    for args, word in [(("batch", fifo, "--out-dir", tmp_path / "o"), "regular"),
                       (("batch", "/dev/zero", "--out-dir", tmp_path / "o"), "regular"),
                       (("batch", big, "--out-dir", tmp_path / "o"), "too large"),
                       (("info", fifo), "regular"), (("verify", "/dev/zero"), "regular"),
                       (("show", named), "regular")]:
        assert_quiet_usage_error(run(*args, timeout=30), word)


def _char_device(path: Path) -> bool:
    try:  # a node of our own, like /dev/null: a regression must not break the machine
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        return True
    except (OSError, AttributeError):
        return False


@posix_only
def test_outputs_that_are_not_regular_files_are_refused(tmp_path):
    fifo, folder, device = tmp_path / "fifo", tmp_path / "folder", tmp_path / "null"
    os.mkfifo(fifo)
    folder.mkdir()
    stdout_like = tmp_path / "stdout"  # as /dev/stdout -> /proc/self/fd/1 -> a pipe
    stdout_like.symlink_to(fifo)
    targets = [fifo, folder, stdout_like] + ([device] if _char_device(device) else [])
    for target in targets:
        assert_quiet_usage_error(run("basis", "S(3): V -> V", "-o", target, timeout=30))
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and folder.is_dir() and os.listdir(folder) == []
    if device in targets:
        assert stat.S_ISCHR(os.stat(device).st_mode)
        m = batch_manifest(tmp_path, {"s": "S(3): V -> V"})
        assert_quiet_usage_error(run("batch", m, "--out-dir", tmp_path / "o", "--json", device))
        assert stat.S_ISCHR(os.stat(device).st_mode)
    m = batch_manifest(tmp_path, {"s": "S(3): V -> V"})
    assert_quiet_usage_error(run("batch", m, "--out-dir", fifo), "not a folder")
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    assert_quiet_usage_error(run("basis", "S(3): V -> V", "-o", loop), "loop")
    assert loop.is_symlink() and temporaries(tmp_path) == []


def test_a_symlink_is_written_through_to_its_target(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "b.h5"
    target.write_bytes(b"old")
    link, dangling = tmp_path / "link.h5", tmp_path / "dangling.h5"
    link.symlink_to(target)
    dangling.symlink_to(tmp_path / "real" / "new.h5")
    for path in (link, dangling):
        result = run("basis", "S(4): V -> V", "-o", path)
        assert result.returncode == 0, result.stderr
        assert path.is_symlink()
    assert intertwine.load(target).spec == intertwine.load(tmp_path / "real" / "new.h5").spec \
        == "S(4): V -> V"
    assert sorted(os.listdir(tmp_path)) == ["dangling.h5", "link.h5", "real"]
    assert sorted(os.listdir(tmp_path / "real")) == ["b.h5", "new.h5"]


def test_dash_output(tmp_path):
    result = run("basis", "S(3): V -> V", "-o", "-", cwd=tmp_path)
    assert_quiet_usage_error(result, "stdout")
    m = batch_manifest(tmp_path, {"s": "S(3): V -> V"})
    result = run("batch", m, "--out-dir", tmp_path / "o", "--json", "-", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)  # stdout is the report alone
    assert [e["status"] for e in report["entries"]] == ["written"]
    assert "1 entries:" in result.stderr
    assert sorted(os.listdir(tmp_path)) == ["m.toml", "o"]


# -- full disk ---------------------------------------------------------------------------

@pytest.fixture
def small_disk():
    """A 1 MB file system (tmpfs), where mounting is allowed (root); else skipped."""
    folder = Path(tempfile.mkdtemp(prefix="intertwine-full-"))
    mounted = False
    if getattr(os, "geteuid", lambda: -1)() == 0:
        try:
            mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs",
                                      str(folder)], capture_output=True).returncode == 0
        except OSError:  # no mount command
            pass
    if not mounted:
        os.rmdir(folder)
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)
        os.rmdir(folder)


def test_basis_into_a_full_disk(small_disk):
    for extra in (["--compress"], []):  # gzip writes until the disk is full; else refused
        result = run("basis", BIG, "-o", small_disk / "x.h5", *extra)
        word = "no space left on device" if extra else "not enough disk space"
        assert_quiet_usage_error(result, word)
        assert os.listdir(small_disk) == []


@pytest.mark.parametrize("jobs", [1, 2])
def test_batch_into_a_full_disk(small_disk, tmp_path, jobs):
    m = batch_manifest(tmp_path, {"big": BIG, "small": "S(3): V -> V"})
    report = tmp_path / "report.json"
    result = run("batch", m, "--out-dir", small_disk, "--jobs", jobs, "--json", report)
    assert result.returncode == 1, result.stderr
    assert not any(n in result.stdout + result.stderr for n in NOISE), result.stderr
    assert "2 entries: " in result.stdout
    entries = {e["name"]: e for e in json.loads(report.read_text())["entries"]}
    assert entries["big"]["status"] == "failed"
    assert "no space left on device" in entries["big"]["reason"]
    if jobs == 1:  # in parallel, the small one may be written while the disk is full
        assert entries["small"]["status"] == "written"
    assert temporaries(small_disk) == [] and not (small_disk / "big.h5").exists()


def test_a_report_that_does_not_fit(small_disk, tmp_path):
    with open(small_disk / "filler", "wb") as f:  # fills the disk, whatever its overhead
        with contextlib.suppress(OSError):
            f.write(bytes(2 << 20))
            f.flush()
    m = batch_manifest(tmp_path, {"small": "S(3): V -> V"})
    result = run("batch", m, "--out-dir", tmp_path / "out", "--json", small_disk / "r.json")
    assert_quiet_usage_error(result, f"no space left on device: cannot write {small_disk}")
    assert os.listdir(small_disk) == ["filler"]


# -- feedback ----------------------------------------------------------------------------

def test_basis_reports_progress_on_stderr(tmp_path):
    out = tmp_path / "x.h5"
    result = run("basis", "S(16): V**3 -> V**3", "-o", out, env={**os.environ, **SMALL_BANDS})
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) >= 3 and all(line.startswith(f"writing {out}: ") for line in lines)
    assert lines[-1].startswith(f"writing {out}: 100% (4,096 of 4,096 rows)")
    assert result.stdout.startswith(f"wrote {out}") and len(result.stdout.splitlines()) == 1
    small = run("basis", "S(5): V**2 -> V**2", "-o", tmp_path / "s.h5")
    assert small.stderr == ""  # one band: nothing to follow


def test_basis_announces_a_file_over_a_gigabyte(tmp_path):
    out = tmp_path / "x.h5"
    p = start("basis", "S(30): V**3 -> V**3", "-o", out, "--compress")
    first = p.stderr.readline()
    p.send_signal(signal.SIGTERM)  # no need to write 1.5 GB
    p.communicate(timeout=60)
    assert first.startswith(f"writing {out}: about 1.4") and "GB" in first, first
    assert p.returncode == 143 and os.listdir(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_basis_draws_a_progress_bar_on_a_terminal(tmp_path):
    leader, follower = os.openpty()
    with os.fdopen(leader, "rb", buffering=0) as screen:
        p = subprocess.Popen([sys.executable, "-m", "intertwine", "basis", "S(16): V**3 -> V**3",
                              "-o", str(tmp_path / "x.h5")], stdout=subprocess.PIPE,
                             stderr=follower, env={**os.environ, **SMALL_BANDS})
        os.close(follower)
        p.communicate(timeout=60)
        drawn = b""
        while True:
            try:
                chunk = screen.read(4096)
            except OSError:  # EIO: the writer has closed the terminal
                break
            if not chunk:
                break
            drawn += chunk
    assert p.returncode == 0
    text = drawn.decode(errors="replace")
    assert "writing" in text and "100%" in text and "rows)" not in text, text
    with h5py.File(tmp_path / "x.h5") as f:
        assert f.attrs["spec"] == "S(16): V**3 -> V**3"


# -- the mechanism itself ----------------------------------------------------------------

def test_deferred_signals_go_to_the_previous_handler_at_a_checkpoint():
    from intertwine.runtime import interrupt

    seen = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    try:
        with interrupt.deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.01)  # the C handler has run; Python's runs between bytecodes
            with interrupt.deferred():  # nested: still held
                os.kill(os.getpid(), signal.SIGTERM)
            assert seen == []
            interrupt.checkpoint()  # twice the same signal: delivered once
            assert seen == [signal.SIGTERM]
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.01)
            assert seen == [signal.SIGTERM]
        assert seen == [signal.SIGTERM] * 2  # pending at the end: delivered on leaving
        with pytest.raises(KeyboardInterrupt), interrupt.deferred():
            os.kill(os.getpid(), signal.SIGINT)  # Python's default: KeyboardInterrupt
            time.sleep(0.01)
            interrupt.checkpoint()
            raise AssertionError("not reached")
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGTERM, previous)
