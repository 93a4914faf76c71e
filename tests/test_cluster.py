"""``batch`` beyond one process: shards, a Dask cluster, concurrent runs, the record lock.

Every promise is checked on the path a user takes (the command line, in a subprocess
where processes or signals matter), against an independent reference: a local run of
the same manifest, and ``verify`` on each file.
"""

import contextlib
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import h5py
import pytest
from hypothesis import given
from hypothesis import strategies as st

import intertwine
from intertwine.batch import RECORD_DIR, Entry, Manifest, RecordsUnusable
from intertwine.batch.cache import Records, fingerprint
from intertwine.batch.schedule import Task
from intertwine.check.verify import verify_basis
from intertwine.spec import parse_spec

from .test_batch import batch, batch_process, good_manifest, manifest

CATALOGUE = {  # name -> spec: quick, both encodings, streamed and not
    "deepsets": "S(8): V -> V",
    "maron": "S(5): V**2 -> V**2",
    "circulant": "C(8): V -> V",
    "minkowski": "SO(1,3): V**2 -> 1",
    "hartford": "S(3) x S(4): V[0]*V[1] -> V[0]*V[1]",
    "o3": "O(3): V**2 -> V**2",
    "pooling": "C(6): V -> 3*1",
}
INVALID = '[[basis]]\nspec = "S(5: V -> V"\n\n'  # reported by every shard


def catalogue_manifest(tmp_path, entries=CATALOGUE, invalid=True):
    text = "".join(f'[[basis]]\nspec = "{spec}"\nname = "{name}"\n\n'
                   for name, spec in entries.items())
    return manifest(tmp_path, (INVALID if invalid else "") + text, "catalogue.toml")


def contents(path) -> dict:
    """Every dataset's values and every attribute of a basis file, by HDF5 path."""
    found = {}
    with h5py.File(path, "r") as f:
        found["/"] = {k: _plain(v) for k, v in f.attrs.items()}

        def visit(name, obj):
            found[name] = {k: _plain(v) for k, v in obj.attrs.items()}
            if isinstance(obj, h5py.Dataset):
                found[name + "[]"] = (obj.dtype.str, obj.shape, obj[()].tobytes()
                                      if obj.dtype.kind != "O" else list(obj[()]))
        f.visititems(visit)
    return found


def _plain(value):
    return value.tolist() if hasattr(value, "tolist") else value


def assert_same_files(folder, reference, names):
    for name in names:
        assert contents(Path(folder) / f"{name}.h5") == contents(Path(reference) / f"{name}.h5")


def assert_verified(folder, entries):
    for name, spec in entries.items():
        b = intertwine.load(Path(folder) / f"{name}.h5")
        assert b.spec == str(parse_spec(spec))
        assert all(passed is not False for passed, _ in verify_basis(b))


def leftovers(folder) -> list[str]:
    """Temporary files and staging folders a run must not leave behind."""
    found = [p.name for p in Path(folder).rglob("*.tmp")]
    return found + [p.name for p in (Path(folder) / RECORD_DIR).glob("run-*")]


def summary_counts(stdout) -> tuple[int, int, int, int]:
    m = re.search(r"(\d+) entries: (\d+) written, (\d+) up to date, (\d+) failed", stdout)
    assert m, stdout
    return tuple(map(int, m.groups()))


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    """The reference: the catalogue computed by a plain local run."""
    folder = tmp_path_factory.mktemp("local")
    m = catalogue_manifest(folder)
    code, stdout, _ = batch(m, "--out-dir", folder / "out", "--jobs", 1, "--json",
                            folder / "report.json")
    assert code == 1 and summary_counts(stdout) == (8, 7, 0, 1)
    return folder / "out", json.loads((folder / "report.json").read_text())


# -- shards -----------------------------------------------------------------------------

@given(count=st.integers(1, 9), entries=st.integers(0, 30))
def test_shards_partition_the_valid_entries_by_position(count, entries):
    m = Manifest("m.toml", entries=list(range(entries)), invalid=["bad"])
    shards = [m.shard(i, count) for i in range(1, count + 1)]
    assert sorted(e for s in shards for e in s.entries) == list(range(entries))
    for i, s in enumerate(shards, 1):
        assert all(j % count == i - 1 for j in s.entries) and s.invalid == ["bad"]


def test_shards_copied_together_are_up_to_date(tmp_path, local_run):
    m = catalogue_manifest(tmp_path)
    names = sorted(CATALOGUE)
    written = []
    for i in (1, 2, 3):
        code, stdout, stderr = batch(m, "--out-dir", tmp_path / f"shard{i}", "--shard",
                                     f"{i}/3", "--jobs", 1)
        assert code == 1 and "entry 1: invalid spec" in stderr  # every shard reports it
        files = sorted(p.stem for p in (tmp_path / f"shard{i}").glob("*.h5"))
        assert files == sorted(list(CATALOGUE)[i - 1::3])  # valid entries j, j mod 3 = i-1
        written += files
    assert sorted(written) == names
    merged = tmp_path / "merged"
    for i in (1, 2, 3):  # what `cp -r shard*/. merged/` or an artifact download does
        shutil.copytree(tmp_path / f"shard{i}", merged, dirs_exist_ok=True)
    result = batch_process(m, "--out-dir", merged, "--jobs", 2)
    assert result.returncode == 1 and summary_counts(result.stdout) == (8, 0, 7, 1)
    check = subprocess.run([sys.executable, "-m", "intertwine", "verify",
                            str(merged / "hartford.h5")], capture_output=True, text=True,
                           timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    assert_verified(merged, CATALOGUE)
    assert_same_files(merged, local_run[0], names)


@pytest.mark.parametrize("value", ["0/2", "3/2", "2", "a/b", "1/0", "-1/2", "1/2/3", ""])
def test_a_bad_shard_is_a_usage_error(tmp_path, value):
    code, _, stderr = batch(good_manifest(tmp_path), "--out-dir", tmp_path / "out",
                            "--shard", value)
    assert code == 2 and "--shard" in stderr and len(stderr.strip().splitlines()) <= 4
    assert not (tmp_path / "out").exists()


# -- records: merged, locked, never wrong -------------------------------------------------

def test_concurrent_runs_keep_each_others_records(tmp_path):
    entries = {f"maron_s{n}": f"S({n}): V**2 -> V**2" for n in range(20, 30)}
    m, out = good_manifest(tmp_path, entries), tmp_path / "out"
    command = [sys.executable, "-m", "intertwine", "batch", str(m), "--out-dir", str(out),
               "--jobs", "1"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]
    for p in runs:
        stdout, stderr = p.communicate(timeout=240)
        assert p.returncode == 0, stdout + stderr
    third = batch_process(m, "--out-dir", out, "--jobs", 1)
    assert third.returncode == 0 and summary_counts(third.stdout) == (10, 0, 10, 0)
    assert leftovers(out) == []


def test_a_record_is_only_written_for_the_file_that_was_hashed(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    intertwine.compute("S(3): V -> V").save(out / "a.h5")
    records = Records(out)
    hashed = fingerprint(out / "a.h5")
    intertwine.compute("S(3): V -> V").save(out / "a.h5")  # another run replaces it
    assert records.set("a.h5", hashed) is False and records.get("a.h5") is None
    again = fingerprint(out / "a.h5")
    assert records.set("a.h5", again) is True
    assert records.get("a.h5")["sha256"] == again["sha256"]


def test_a_held_lock_makes_the_other_run_wait_then_give_up(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    intertwine.compute("S(3): V -> V").save(out / "a.h5")
    first, second = Records(out), Records(out, lock_wait=0.3)
    with first.locked():  # flock: two open files conflict even within one process
        start = time.monotonic()
        with pytest.raises(RecordsUnusable, match="held"):
            second.set("a.h5", fingerprint(out / "a.h5"))
        assert time.monotonic() - start >= 0.3
    assert second.set("a.h5", fingerprint(out / "a.h5")) is True


def test_a_record_path_that_is_a_folder_is_no_record(tmp_path):
    m, out = good_manifest(tmp_path), tmp_path / "out"
    (out / RECORD_DIR / "maron.h5.json").mkdir(parents=True)
    (out / ".intertwine-batch.json").mkdir()  # where 0.1 kept its records: ignored
    code, _, stderr = batch(m, "--out-dir", out, "--jobs", 1)
    assert code == 0 and "maron: written, but its record cannot be written" in stderr
    code, stdout, _ = batch(m, "--out-dir", out, "--jobs", 1)
    assert code == 0 and "maron: written" in stdout
    assert summary_counts(stdout) == (4, 1, 3, 0)


def test_a_file_where_the_record_folder_goes_is_a_usage_error(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / RECORD_DIR).write_text("")
    result = batch_process(good_manifest(tmp_path), "--out-dir", out)
    assert result.returncode == 2 and "in the way" in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 4 and "Traceback" not in result.stderr


# -- the size limits of `intertwine basis` -----------------------------------------------

LOWERED_LIMIT = """
import sys
import intertwine.solvers
intertwine.solvers.LIMITS["orbit"] = 1000  # stands in for S(28): V**3 -> V**3 at 4e8
from intertwine.cli import main
sys.argv[0] = "intertwine"
main()
"""


def test_batch_takes_what_basis_streams(tmp_path):
    """With the orbit limit lowered, S(6): V**3 -> V**3 (46656 unknowns) is over it but
    streamed by `basis`: `batch` must write it too, and the same file; C(40) on V**2 is
    not streamed and still fails for its size in both."""
    def run(*args):
        return subprocess.run([sys.executable, "-c", LOWERED_LIMIT, *map(str, args)],
                              capture_output=True, text=True, timeout=120)
    spec = "S(6): V**3 -> V**3"
    assert run("basis", spec, "-o", tmp_path / "basis.h5", "--compress").returncode == 0
    m = manifest(tmp_path, f'[[basis]]\nspec = "{spec}"\nname = "s6"\n'
                           '[[basis]]\nspec = "C(40): V**2 -> V**2"\nname = "c40"\n')
    result = run("batch", m, "--out-dir", tmp_path / "out", "--jobs", 1)
    assert result.returncode == 1 and "s6: written" in result.stdout
    assert re.search(r"c40: FAILED: .*unknowns", result.stdout)
    assert contents(tmp_path / "out" / "s6.h5") == contents(tmp_path / "basis.h5")
    assert run("basis", "C(40): V**2 -> V**2", "-o", tmp_path / "c.h5").returncode == 2


# -- Dask --------------------------------------------------------------------------------

needs_dask = pytest.mark.skipif(importlib.util.find_spec("distributed") is None,
                                reason="needs the dask extra (dask[distributed])")


@pytest.fixture(scope="module")
def local_cluster():
    from distributed import LocalCluster

    # workers declare memory: tasks ask for their estimates (the scheduler-and-workers
    # test below runs without, so both ways are used)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None, host="127.0.0.1",
                      resources={"MEMORY": 2e9}) as cluster:
        yield cluster


@needs_dask
def test_tasks_ask_for_their_memory_estimate(local_cluster, tmp_path, monkeypatch):
    from distributed import Client

    from intertwine.batch import cluster as backend

    monkeypatch.setattr(backend, "dask_task", lambda *args: {"error": "not run"})
    tasks = [Task(Entry(n, None, "S(3): V -> V", name, "auto", "orbit"), tmp_path / name,
                  estimate) for n, name, estimate in [(1, "small", 1 << 29), (2, "big", 3e9)]]
    asked, done = [], []
    with Client(local_cluster.scheduler_address, set_as_default=False) as client:
        submit = client.submit

        def recording_submit(*args, **kwargs):
            asked.append(kwargs.get("resources"))
            return submit(*args, **kwargs)
        client.submit = recording_submit
        backend.run_on_dask(client, tasks, tmp_path, lambda task, result: done.append(result))
    # largest first, each at most what the largest worker declares
    assert asked == [{"MEMORY": 2e9}, {"MEMORY": 1 << 29}]
    assert done == [{"error": "not run"}] * 2 and leftovers(tmp_path) == []


@needs_dask
def test_dask_run_equals_a_local_run(tmp_path, local_cluster, local_run):
    m = catalogue_manifest(tmp_path)
    out, report = tmp_path / "out", tmp_path / "report.json"
    result = batch_process(m, "--out-dir", out, "--dask", local_cluster.scheduler_address,
                           "--json", report)
    assert result.returncode == 1, result.stderr  # the invalid entry, as locally
    assert summary_counts(result.stdout) == (8, 7, 0, 1)
    assert "entry 1: invalid spec" in result.stderr
    assert len(re.findall(r"^\[\d/7\] \w+: written", result.stdout, re.M)) == 7
    assert_same_files(out, local_run[0], CATALOGUE)
    assert_verified(out, CATALOGUE)
    assert leftovers(out) == []

    def comparable(data):
        return [{k: v for k, v in e.items() if k not in ("seconds", "file")}
                for e in data["entries"]]
    data = json.loads(report.read_text())
    assert comparable(data) == comparable(local_run[1])
    code, stdout, _ = batch(m, "--out-dir", out, "--dask", local_cluster.scheduler_address)
    assert code == 1 and summary_counts(stdout) == (8, 0, 7, 1)


@needs_dask
def test_ctrl_c_cancels_the_dask_run(tmp_path, local_cluster):
    entries = {f"maron_s{n}": f"S({n}): V**2 -> V**2" for n in range(36, 48)}
    m, out = good_manifest(tmp_path, entries), tmp_path / "out"
    p = subprocess.Popen([sys.executable, "-m", "intertwine", "batch", str(m), "--out-dir",
                          str(out), "--dask", local_cluster.scheduler_address],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = p.stdout.readline()
    assert first.startswith("[ 1/12]"), first + p.stderr.read()
    p.send_signal(signal.SIGINT)
    _, stderr = p.communicate(timeout=60)
    assert p.returncode == 130, stderr
    from distributed import Client

    with Client(local_cluster.scheduler_address, timeout=30) as client:
        deadline = time.monotonic() + 30  # the cancelled futures leave the scheduler
        while client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        assert client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) == 0
    time.sleep(0.5)  # a task that was running has finished by now: it placed nothing
    finished = sorted(out.glob("*.h5"))
    assert 1 <= len(finished) < len(entries) and leftovers(out) == []
    code, stdout, _ = batch(m, "--out-dir", out, "--jobs", 1)
    # a file placed as the signal came may be complete but unrecorded: then recomputed
    total, written, up_to_date, _ = summary_counts(stdout)
    assert code == 0 and 1 <= up_to_date <= len(finished)
    assert written + up_to_date == total == 12


def test_without_dask_the_usage_error_names_the_extra(tmp_path):
    code = ("import sys; sys.modules['distributed'] = None\n"  # as if not installed
            "from intertwine.cli import main; sys.argv[0] = 'intertwine'; main()")
    result = subprocess.run([sys.executable, "-c", code, "batch", str(good_manifest(tmp_path)),
                             "--out-dir", str(tmp_path / "out"), "--dask", "tcp://1.2.3.4:1"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "intertwine[dask]" in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 4


@needs_dask
@pytest.mark.parametrize("address", ["nonsense::", "tcp://127.0.0.1", "http://x:1"])
def test_a_bad_scheduler_address_is_a_usage_error(tmp_path, address):
    code, _, stderr = batch(good_manifest(tmp_path), "--out-dir", tmp_path / "out",
                            "--dask", address)
    assert code == 2 and "cannot reach the Dask scheduler" in stderr


def test_jobs_and_dask_together_are_a_usage_error(tmp_path):
    code, _, stderr = batch(good_manifest(tmp_path), "--out-dir", tmp_path / "out",
                            "--jobs", 2, "--dask", "tcp://127.0.0.1:8786")
    assert code == 2 and "--jobs" in stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """Processes started in their own sessions, so that each is ended with its children."""

    def __init__(self, folder: Path):
        self.folder, self.started = folder, []

    def start(self, name: str, *args) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        p = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             start_new_session=True)
        log.close()
        self.started.append(p)
        return p

    def stop_all(self) -> None:
        for p in self.started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.started:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=10)


@needs_dask
def test_a_cluster_of_separate_processes_survives_a_killed_worker(tmp_path):
    """`dask scheduler` and two `dask worker`s as a cluster runs them, on 127.0.0.1; one
    worker is SIGKILLed while entries run: Dask runs its task again on the other, and
    every file ends up complete, verified and equal to a local run's."""
    dask = shutil.which("dask", path=os.path.dirname(sys.executable)) or shutil.which("dask")
    if dask is None:
        pytest.skip("no `dask` command")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    processes = Processes(tmp_path)
    try:
        processes.start("scheduler", dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                        "--no-dashboard")
        workers = [processes.start(f"worker{i}", dask, "worker", address, "--host", "127.0.0.1",
                                   "--nthreads", "1", "--no-nanny", "--no-dashboard",
                                   "--death-timeout", "60")
                   for i in (1, 2)]
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
        entries = {f"maron_s{n}": f"S({n}): V**2 -> V**2" for n in range(20, 30)}
        m, out = good_manifest(tmp_path, entries), tmp_path / "out"
        p = subprocess.Popen([sys.executable, "-m", "intertwine", "batch", str(m),
                              "--out-dir", str(out), "--dask", address],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = p.stdout.readline()  # one entry done: both workers busy with the next
        assert first.startswith("[ 1/10]"), first + p.stderr.read()
        os.kill(workers[0].pid, signal.SIGKILL)
        stdout, stderr = p.communicate(timeout=180)
        assert p.returncode == 0, first + stdout + stderr
        assert workers[0].wait(timeout=10) == -signal.SIGKILL
        assert summary_counts(first + stdout) == (10, 10, 0, 0)
        assert_verified(out, entries)
        assert leftovers(out) == []
        assert batch(m, "--out-dir", tmp_path / "local", "--jobs", 1)[0] == 0
        assert_same_files(out, tmp_path / "local", entries)
    finally:
        processes.stop_all()
