"""``intertwine batch``: manifests, the cache, parallel workers, interruption, reports."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import intertwine
from intertwine.batch import RECORD_DIR, read_manifest, run_batch
from intertwine.batch.manifest import ManifestError
from intertwine.batch.schedule import Task, pick
from intertwine.check.verify import verify_basis
from intertwine.cli.app import cli

GOOD = {  # name -> spec: one per method and encoding, all quick
    "deepsets": "S(8): V -> V",
    "maron": "S(5): V**2 -> V**2",
    "circulant": "C(8): V -> V",
    "minkowski": "SO(1,3): V**2 -> 1",
}

MIXED = """\
[defaults]
method = "auto"

[[basis]]
spec = "S(8): V -> V"
name = "deepsets"

[[basis]]
spec = "S(5: V -> V"

[[basis]]
spec = "S(5): V**2 -> V**2"
name = "maron"

[[basis]]
spec = "C(8): V -> V"
name = "circulant"
methd = "orbit"

[[basis]]
name = "cross"
spec = "SO(3): V -> V"
method = "orbit"

[[basis]]
spec = "C(8): V -> V"
name = "circulant"

[[basis]]
spec = "S(3): V -> V"
name = "Maron"

[[basis]]
spec = "SO(1,3): V**2 -> 1"
name = "minkowski"

[[basis]]
spec = "S(4): V -> V"
name = "S3_V_to_V"

[[basis]]
spec = "S(3): V -> V"

[[basis]]
spec = "S(100000): V**2 -> V**2"
name = "too_large"
"""
# invalid entries: number -> (line in MIXED, words of the reason); entry 6 is valid
# because entry 4, which has the same name, is not; entry 11 fails later (too large)
BAD = {
    2: (9, "invalid spec"), 4: (18, "unknown key 'methd'"), 5: (23, "method orbit"),
    7: (31, "differs only in case"), 10: (41, "its default name 'S3_V_to_V'"),
}
WRITTEN_BY_MIXED = {**GOOD, "S3_V_to_V": "S(4): V -> V"}


def batch(*args):
    result = CliRunner().invoke(cli, ["batch", *map(str, args)], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def batch_process(*args, **kw):
    return subprocess.run([sys.executable, "-m", "intertwine", "batch", *map(str, args)],
                          capture_output=True, text=True, timeout=300, **kw)


def manifest(tmp_path, text, name="m.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def good_manifest(tmp_path, entries=GOOD):
    return manifest(tmp_path, "".join(f'[[basis]]\nspec = "{spec}"\nname = "{name}"\n\n'
                                      for name, spec in entries.items()), "good.toml")


def snapshot(folder):
    """File name -> (inode, bytes) of every basis file: tells rewritten from untouched."""
    return {p.name: (p.stat().st_ino, p.read_bytes()) for p in sorted(Path(folder).glob("*.h5"))}


def assert_valid(path, spec):
    b = intertwine.load(path)
    assert b.spec == spec
    checks = list(verify_basis(b))
    assert all(passed is not False for passed, _ in checks), checks


# -- good and bad entries ------------------------------------------------------------------

def test_bad_entries_are_reported_and_good_ones_written(tmp_path):
    m = manifest(tmp_path, MIXED)
    out, report = tmp_path / "out", tmp_path / "report.json"
    code, stdout, stderr = batch(m, "--out-dir", out, "--jobs", 1, "--json", report)
    assert code == 1
    for number, (line, words) in BAD.items():
        message = next(s for s in stderr.splitlines() if f"entry {number}:" in s)
        assert message.startswith(f"{m}:{line}: entry {number}: ") and words in message
    assert sorted(p.name for p in out.glob("*.h5")) == sorted(f"{n}.h5" for n in
                                                              WRITTEN_BY_MIXED)
    for name, spec in WRITTEN_BY_MIXED.items():
        assert_valid(out / f"{name}.h5", spec)
    data = json.loads(report.read_text())
    by_line = {e["line"]: e for e in data["entries"]}
    assert len(data["entries"]) == 11
    for line, words in BAD.values():
        assert by_line[line]["status"] == "failed" and words in by_line[line]["reason"]
    assert by_line[44]["status"] == "failed" and "unknowns" in by_line[44]["reason"]
    written = [e for e in data["entries"] if e["status"] == "written"]
    assert sorted(e["name"] for e in written) == sorted(WRITTEN_BY_MIXED)
    assert data["totals"] == {**data["totals"], "entries": 11, "written": 5, "up_to_date": 0,
                              "failed": 6}
    maron = next(e for e in written if e["name"] == "maron")
    assert (maron["n_basis"], maron["dim_out"], maron["dim_in"]) == (15, 25, 25)
    assert maron["method_used"] == "orbit" and maron["file"] == str(out / "maron.h5")
    # the summary table names every entry with its status
    assert "FAILED: line 9: invalid spec" in stdout and "11 entries: 5 written" in stdout


def test_second_run_skips_everything_and_force_recomputes(tmp_path):
    m, out = good_manifest(tmp_path), tmp_path / "out"
    assert batch(m, "--out-dir", out, "--jobs", 1)[0] == 0
    first = snapshot(out)
    code, stdout, _ = batch(m, "--out-dir", out, "--jobs", 1)
    assert code == 0 and f"{len(GOOD)} entries: 0 written, {len(GOOD)} up to date" in stdout
    assert snapshot(out) == first
    code, stdout, _ = batch(m, "--out-dir", out, "--jobs", 1, "--force")
    assert code == 0 and f"{len(GOOD)} written, 0 up to date" in stdout
    again = snapshot(out)
    assert all(again[n][0] != first[n][0] for n in first)  # replaced (new inodes) ...
    assert all(again[n][1] == first[n][1] for n in first)  # ... by identical bytes


def test_parallel_jobs_give_identical_files(tmp_path):
    m = good_manifest(tmp_path, {**GOOD, "hartford": "S(3) x S(4): V[0]*V[1] -> V[0]*V[1]",
                                 "o3": "O(3): V**2 -> V**2"})
    result = batch_process(m, "--out-dir", tmp_path / "j2", "--jobs", 2)
    assert result.returncode == 0, result.stderr
    assert batch(m, "--out-dir", tmp_path / "j1", "--jobs", 1)[0] == 0
    j1, j2 = snapshot(tmp_path / "j1"), snapshot(tmp_path / "j2")
    assert len(j1) == 6 and {n: b for n, (_, b) in j1.items()} == {n: b for n, (_, b) in j2.items()}


def test_failure_in_a_worker_is_isolated(tmp_path):
    m, out = good_manifest(tmp_path), tmp_path / "out"
    (out / "maron.h5").mkdir(parents=True)  # a folder in the way: io.save refuses it
    result = batch_process(m, "--out-dir", out, "--jobs", 2)
    assert result.returncode == 1
    assert "maron: FAILED: is a folder" in result.stdout
    assert sorted(p.name for p in out.glob("*.h5") if p.is_file()) == \
        sorted(f"{n}.h5" for n in GOOD if n != "maron")


# -- the cache is never wrong -----------------------------------------------------------

@pytest.fixture(scope="module")
def computed(tmp_path_factory):
    """A folder with up-to-date files, to copy (computing once for the whole module)."""
    folder = tmp_path_factory.mktemp("computed")
    m = good_manifest(folder)
    assert batch(m, "--out-dir", folder / "out", "--jobs", 1)[0] == 0
    return m, folder / "out"


def fresh_copy(computed, tmp_path):
    m, source = computed
    out = tmp_path / "out"
    shutil.copytree(source, out)
    return m, out


def statuses(m, out):
    result = run_batch(read_manifest(m), out, jobs=1)
    return {o.entry.name: o.status for o in result}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_damaged_file_is_recomputed(computed, tmp_path_factory, data):
    m, out = fresh_copy(computed, tmp_path_factory.mktemp("damaged"))
    name = data.draw(st.sampled_from(sorted(GOOD)))
    path = out / f"{name}.h5"
    original = path.read_bytes()
    damage = data.draw(st.sampled_from(["flip", "truncate", "append"]))
    if damage == "flip":  # one bit anywhere: header, attributes, data or padding
        i = data.draw(st.integers(0, len(original) - 1))
        bit = data.draw(st.integers(0, 7))
        path.write_bytes(original[:i] + bytes([original[i] ^ (1 << bit)]) + original[i + 1:])
    elif damage == "truncate":
        path.write_bytes(original[:data.draw(st.integers(0, len(original) - 1))])
    else:
        path.write_bytes(original + b"\0")
    expected = {n: "up to date" for n in GOOD}
    assert statuses(m, out) == {**expected, name: "written"}
    assert path.read_bytes() == original


def test_missing_or_foreign_records_mean_recompute(computed, tmp_path):
    m, out = fresh_copy(computed, tmp_path)
    maron = out / RECORD_DIR / "maron.h5.json"
    record = json.loads(maron.read_text())
    maron.write_text(json.dumps({**record, "spec": "S(6): V**2 -> V**2"}))
    assert statuses(m, out) == {**dict.fromkeys(GOOD, "up to date"), "maron": "written"}
    for path in (out / RECORD_DIR).glob("*.json"):
        path.write_text("not json")
    assert set(statuses(m, out).values()) == {"written"}
    for path in (out / RECORD_DIR).glob("*.json"):
        path.unlink()
    (out / "deepsets.h5").unlink()
    assert set(statuses(m, out).values()) == {"written"}
    assert set(statuses(m, out).values()) == {"up to date"}


def test_a_file_of_another_version_is_recomputed(computed, tmp_path, monkeypatch):
    m, out = fresh_copy(computed, tmp_path)
    monkeypatch.setattr("intertwine.batch.cache.__version__", "0.0.1")
    assert set(statuses(m, out).values()) == {"written"}


def test_method_must_match_what_ran(tmp_path):
    out = tmp_path / "out"
    exact = manifest(tmp_path, '[[basis]]\nspec = "S(3): V -> V"\nname = "s"\nmethod = "exact"\n')
    assert statuses(exact, out) == {"s": "written"}
    assert statuses(exact, out) == {"s": "up to date"}
    for method in ("orbit", "auto"):  # auto chooses orbit for a finite group
        other = manifest(tmp_path, f'[[basis]]\nspec = "S(3): V -> V"\nname = "s"\n'
                                   f'method = "{method}"\n', "other.toml")
        assert statuses(other, out) == {"s": "written"}
        assert intertwine.load(out / "s.h5").method == "orbit"
        assert statuses(exact, out) == {"s": "written"}  # and back


# -- interruption ---------------------------------------------------------------------

@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_interrupted_run_leaves_no_partial_file_and_a_rerun_completes(tmp_path, signum):
    entries = {f"maron_s{n}": f"S({n}): V**2 -> V**2" for n in range(56, 62)}
    m, out = good_manifest(tmp_path, entries), tmp_path / "out"
    p = subprocess.Popen([sys.executable, "-m", "intertwine", "batch", str(m), "--out-dir",
                          str(out), "--jobs", "2"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    first = p.stdout.readline()  # one entry done, others in flight
    assert first.startswith("[1/6]"), first + p.stderr.read()
    p.send_signal(signum)
    p.communicate(timeout=60)
    assert p.returncode in (130, 128 + signal.SIGTERM)
    time.sleep(0.5)  # workers have been waited for; nothing may appear later either
    leftovers = [name for name in os.listdir(out) if name.endswith(".tmp")]
    assert leftovers == []
    finished = sorted(out.glob("*.h5"))
    assert 1 <= len(finished) < len(entries)
    for path in finished:
        intertwine.load(path)
    result = batch_process(m, "--out-dir", out, "--jobs", 2)
    assert result.returncode == 0, result.stderr
    # a file finished as the signal came may be complete but unrecorded: then recomputed
    summary = re.search(r"(\d+) entries: (\d+) written, (\d+) up to date, 0 failed",
                        result.stdout)
    total, written, up_to_date = map(int, summary.groups())
    assert total == written + up_to_date == len(entries) and 1 <= up_to_date <= len(finished)
    for name, spec in entries.items():
        assert intertwine.load(out / f"{name}.h5").spec == spec


def _children(pid):
    kids = []
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                    kids.append(int(name))
        except (OSError, ValueError, IndexError):
            continue
    return kids


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc to find the workers")
def test_a_killed_worker_is_retried(tmp_path):
    """What the kernel's out-of-memory killer does: SIGKILL a worker mid-way."""
    # slow enough (about 1.5 s each, 7 MB files) that every worker is still computing
    # when one is killed: with quick entries the batch could end before the kill
    entries = {f"sp2_{k}": "Sp(2): V**4 -> V**4" for k in range(4)}
    m = manifest(tmp_path, '[defaults]\nmethod = "numeric"\n\n' + "".join(
        f'[[basis]]\nspec = "{spec}"\nname = "{name}"\n\n' for name, spec in entries.items()),
        "slow.toml")
    out = tmp_path / "out"
    p = subprocess.Popen([sys.executable, "-m", "intertwine", "batch", str(m), "--out-dir",
                          str(out), "--jobs", "2"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    workers, deadline = [], time.monotonic() + 60
    while not workers and time.monotonic() < deadline:  # main -> forkserver -> workers
        workers = [w for server in _children(p.pid) for w in _children(server)]
        time.sleep(0.05)
    assert workers, "no worker process appeared"
    time.sleep(0.3)
    for w in workers:  # the first may have finished its entry and exited already
        try:
            os.kill(w, signal.SIGKILL)
            break
        except ProcessLookupError:
            continue
    stdout, stderr = p.communicate(timeout=240)
    assert p.returncode == 0, stdout + stderr
    assert "trying the entry again, alone" in stderr
    assert [n for n in os.listdir(out) if n.endswith(".tmp")] == []
    for name, spec in entries.items():
        assert_valid(out / f"{name}.h5", spec)


# -- manifests that cannot be used ------------------------------------------------------

@pytest.mark.parametrize("text,words", [
    (None, "not found"),
    ("[[basis]\nspec = 'S(3): V -> V'\n", "not valid TOML"),
    (b"\xff\xfe[[basis]]", "not UTF-8"),
    ("", "no [[basis]] entries"),
    ("basis = 3\n", "array of tables"),
    ("basis = [1, 2]\n", "array of tables"),
    ("[basis]\nspec = 'S(3): V -> V'\n", "array of tables"),
    ("[default]\nmethod = 'exact'\n[[basis]]\nspec = 'S(3): V -> V'\n", ":1: unknown table"),
    ("[defaults]\nmethd = 'exact'\n[[basis]]\nspec = 'S(3): V -> V'\n", ":2: unknown key"),
    ("[defaults]\nmethod = 'fast'\n[[basis]]\nspec = 'S(3): V -> V'\n", ":2: [defaults] method"),
    ("defaults = 1\n[[basis]]\nspec = 'S(3): V -> V'\n", "must be a table"),
])
def test_unreadable_manifest_is_a_usage_error(tmp_path, text, words):
    path = tmp_path / "m.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    elif text is not None:
        path.write_text(text)
    code, stdout, stderr = batch(path, "--out-dir", tmp_path / "out")
    assert code == 2 and words in stderr and len(stderr.strip().splitlines()) <= 4
    assert "Traceback" not in stderr and not (tmp_path / "out").exists()


def test_bad_paths_are_usage_errors(tmp_path):
    m = good_manifest(tmp_path)
    assert batch(tmp_path, "--out-dir", tmp_path / "out")[0] == 2  # a folder as manifest
    (tmp_path / "file").write_text("")
    assert batch(m, "--out-dir", tmp_path / "file" / "sub")[0] == 2
    code, _, stderr = batch(m, "--out-dir", tmp_path / "out", "--json", tmp_path / "no" / "r")
    assert code == 2 and "folder does not exist" in stderr


def test_inline_tables_have_no_line_but_an_entry_number(tmp_path):
    m = manifest(tmp_path, 'basis = [{spec = "S(3): V -> V"}, {spec = "S(3: V"}]\n')
    plan = read_manifest(m)
    assert [e.name for e in plan.entries] == ["S3_V_to_V"]
    assert [(i.number, i.line) for i in plan.invalid] == [(2, None)]
    assert plan.where(None, 2) == f"{m}: entry 2"


def test_read_manifest_raises_value_errors(tmp_path):
    with pytest.raises(ManifestError):
        read_manifest(tmp_path / "missing.toml")


@pytest.mark.parametrize("name", ["", ".hidden", "a/b", "a\\b", "x" * 201, " pad", "a:b", 3])
def test_bad_names_are_entry_errors(tmp_path, name):
    m = manifest(tmp_path, f'[[basis]]\nspec = "S(3): V -> V"\nname = {json.dumps(name)}\n'
                           '[[basis]]\nspec = "S(4): V -> V"\n')
    plan = read_manifest(m)
    assert [e.name for e in plan.entries] == ["S4_V_to_V"]
    assert [(i.number, i.line) for i in plan.invalid] == [(1, 3)]


# -- scheduling by memory ---------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(sizes=st.lists(st.integers(1, 30), min_size=1, max_size=12), jobs=st.integers(1, 4),
       order=st.randoms(use_true_random=False))
def test_running_estimates_stay_within_the_budget(sizes, jobs, order):
    """Simulate the scheduler: tasks end in any order; the estimates of the running
    tasks never exceed the budget unless one task runs alone, and every task runs."""
    budget = 20
    pending = [Task(None, None, s) for s in sorted(sizes, reverse=True)]
    running, started = [], 0
    while pending or running:
        while (i := pick(pending, running, jobs, budget)) is not None:
            running.append(pending.pop(i))
            started += 1
        assert running, "deadlock: nothing runs"
        assert len(running) <= jobs
        assert len(running) == 1 or sum(t.estimate for t in running) <= budget
        running.pop(order.randrange(len(running)))
    assert started == len(sizes)


def test_a_retried_task_runs_alone():
    small, retry = Task(None, None, 1), Task(None, None, 1, alone=True)
    assert pick([retry, small], [], jobs=2, budget=10) == 0
    assert pick([small], [retry], jobs=2, budget=10) is None
    assert pick([retry], [small], jobs=2, budget=10) is None
