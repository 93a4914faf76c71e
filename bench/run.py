"""Benchmark: every case end to end, next to the I/O floor measured in the same run.

Not a test: it times whole processes on a shared machine, so it reports best-of-N and
ratios (case / floor, both measured now, interleaved) rather than absolute seconds.

For each basis case:

* ``cli``: ``intertwine basis SPEC -o FILE`` as a whole process (start-up, imports,
  compute, atomic write), wall time and peak RSS (``os.wait4``'s ru_maxrss of that child).
* ``floor``: a whole Python process that imports numpy and h5py and writes arrays of the
  same shapes and dtypes as every dataset of the file the CLI wrote (for a pattern basis:
  the pattern and the small generator tables), filled with ones, nothing else.
* ``in-process``: ``intertwine.api.compute_to_file(spec, file)`` (what the command line
  runs) inside a warm process (imports already paid), for comparing versions without
  start-up noise.
* ``ratio`` = cli / floor; ``mem`` = (peak RSS - peak RSS of a tiny basis run) / bytes
  of the written arrays, i.e. the memory the case needs beyond the interpreter and its
  libraries, in units of its own output (goal: at most about 4).

``dim`` cases and start-up compare ``intertwine dim SPEC`` with ``python -c "import numpy,
h5py"``, and so do small bases whose cost is start-up (``basis SPEC -o FILE`` for
steerable kernels and for continuous groups, goal within 2x).  Rows from
bench/continuous.py (``run() -> list[dict]``) are added if that file exists.  Results go
to bench/results.json; ``--compare OLD.json`` prints time ratios.

``--big`` adds patterns larger than the in-memory orbit limit (written band by band;
1.6 GB of disk, about a minute more).

Usage: python bench/run.py [--quick] [--big] [--repeat N] [--out FILE] [--compare OLD.json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import timing  # noqa: E402  (same folder)

# (spec, method, goal): goal "sym" = S(n) tensors, at most 3x the floor from 1e6 entries;
# "perm" = other permutation groups, at most 10x the floor at 1e7 entries.
PERM56 = ("Perm(56; (" + " ".join(map(str, range(28))) + "), "
          + "".join(f"({i} {i + 28})" for i in range(28)) + ")")
CASES = [
    ("S(2): V -> V", "auto", None),  # the fixed cost of a basis process
    ("S(8): V**4 -> V**4", "auto", "sym"),
    ("S(10): V**3 -> V**3", "auto", "sym"),
    ("S(60): V**2 -> V**2", "auto", "sym"),
    ("S(20): V**3 -> V**2", "auto", "sym"),
    ("S(10) x S(12) x S(8): V[0]*V[1]*V[2] -> V[0]*V[1]*V[2]", "auto", "sym"),
    ("S(60): V**2 + V -> V**2 + V", "auto", "sym"),
    ("D(50): V**2 -> V**2", "auto", "perm"),
    ("C(200): V**2 -> V", "auto", "perm"),
    ("D(56): V**2 -> V**2", "auto", "perm"),
    ("D(16): V**3 -> V**3", "auto", "perm"),  # 16.8M entries, every axis moved: under 5x
    (PERM56 + ": V**2 -> V**2", "auto", "perm"),
    ("D(12) x S(20): V[0]*V[1] -> V[0]*V[1]*V[1]", "auto", "perm"),
    ("S(5): V**2 -> V**2", "exact", None),
    ("O(3): V**3 -> V**3", "auto", None),
    ("O(3): V**2 -> V**2", "numeric", None),
]
# Streamed (api.compute_to_file): beyond LIMITS["orbit"], memory stays one band.
BIG_CASES = [("S(200): V**2 -> V**2", "auto", "sym")]
QUICK = {"S(8): V**4 -> V**4", "S(10): V**3 -> V**3", "D(50): V**2 -> V**2",
         "S(5): V**2 -> V**2"}
DIM_CASES = ["S(1000000): V**4 -> V**4", "S(5): V**2 -> V**2"]
# Steerable kernel bases (issue 11): whole `basis` processes against the start-up floor
# `python -c "import numpy, h5py"`, goal within 2x.
KERNEL_CASES = ["C(4): V -> V * Grid(7)", "FullOcta: 1 -> V * Grid(5)"]
# Small continuous groups (issue 15; as bench/exact.py --quick): whole `basis` processes
# (exact solver) against the same start-up floor, goal within 2x.
STARTUP_CASES = ["O(3): V**3 -> V**3", "SO(3): V**4 -> V**4", "SO(1,3): V**2 -> V**2",
                 "Sp(2): V**2 -> V**2"]
TINY = "S(2): V -> V"  # its peak RSS is the fixed cost of a basis process

FLOOR_SCRIPT = """
import sys, json
import numpy as np, h5py
shapes = json.loads(sys.argv[2])
with h5py.File(sys.argv[1], "w") as f:
    for name, (shape, dtype) in shapes.items():
        f[name] = np.ones(shape, dtype)
"""


# ----------------------------------------------------------------------------- measuring

def run_process(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process; raises if it fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[:3]} failed ({proc.returncode}): {err.strip()[:300]}")
    return seconds, usage.ru_maxrss / 1024  # Linux: kilobytes


def best(fn, repeat: int):
    """Best time (and the peak memory of that best run) of ``repeat`` calls."""
    return min((fn() for _ in range(repeat)), key=lambda r: r[0])


def intertwine_command() -> list[str]:
    script = Path(sys.executable).with_name("intertwine")
    return [str(script)] if script.exists() else [sys.executable, "-m", "intertwine"]


# This process stays small on purpose: a child's ru_maxrss starts from the RSS of the
# process it was forked (or vforked) from, so everything that imports numpy, h5py or
# intertwine runs in a worker process (``--worker``) and reports back as JSON.

def worker(argv: list[str]) -> dict:
    """Run ``python bench/run.py --worker ...`` and return its JSON answer."""
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", *argv],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"worker {argv[:2]} failed: {out.stderr.strip()[-500:]}")
    return json.loads(out.stdout)


def _file_summary(path: str) -> dict:
    """{dataset path: (shape, dtype)}, bytes written, and the root attributes we report."""
    import h5py

    shapes, total = {}, 0

    def visit(name, obj):
        nonlocal total
        if isinstance(obj, h5py.Dataset) and obj.dtype.kind in "iuf":
            shapes[name] = (list(obj.shape), obj.dtype.str)
            total += obj.size * obj.dtype.itemsize

    with h5py.File(path, "r") as f:
        f.visititems(visit)
        attrs = {k: int(f.attrs[k]) for k in ("n_basis", "dim_in", "dim_out")}
        attrs["encoding"] = str(f.attrs["encoding"])
        attrs["dtype"] = f["pattern"].dtype.name if "pattern" in f else "coo"
    return {"shapes": shapes, "bytes": total, **attrs}


def _in_process(spec: str, method: str, path: str, repeat: int) -> dict:
    from intertwine.api import compute_to_file

    compute_to_file(spec, path, method)  # imports (sympy, h5py) are not timed
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        compute_to_file(spec, path, method)
        times.append(time.perf_counter() - start)
    return {"seconds": min(times)}


def _versions() -> dict:
    import h5py
    import numpy

    return {"numpy": numpy.__version__, "h5py": h5py.__version__}


def serve(argv: list[str]) -> None:
    task, *rest = argv
    if task == "summary":
        answer = _file_summary(rest[0])
    elif task == "inproc":
        answer = _in_process(rest[0], rest[1], rest[2], int(rest[3]))
    else:
        answer = _versions()
    print(json.dumps(answer))


def bench_basis(spec, method, goal, cmd, tmp: Path, repeat: int, baseline_mib: float):
    out = tmp / "case.h5"
    floor_file = tmp / "floor.h5"
    argv = cmd + ["basis", spec, "-o", str(out)] + (["--method", method]
                                                    if method != "auto" else [])
    warm = run_process(argv)[0]  # warm the page cache and learn the output's shapes
    repeat = repeat if warm < 3 else min(repeat, 2)  # long cases vary less
    summary = worker(["summary", str(out)])
    floor_argv = [sys.executable, "-c", FLOOR_SCRIPT, str(floor_file),
                  json.dumps(summary["shapes"])]
    cli = floor = None
    for _ in range(repeat):  # interleaved, so that both see the same machine load
        c, f = run_process(argv), run_process(floor_argv)
        cli = c if cli is None or c[0] < cli[0] else cli
        floor = f if floor is None or f[0] < floor[0] else floor
    inproc = worker(["inproc", spec, method, str(out), str(repeat)])["seconds"]
    nbytes = summary["bytes"]
    return {
        "case": spec, "kind": "basis", "method": method, "goal": goal,
        "encoding": summary["encoding"], "n_basis": summary["n_basis"],
        "entries": summary["dim_in"] * summary["dim_out"], "dtype": summary["dtype"],
        "bytes": nbytes, "cli_s": cli[0], "inproc_s": inproc, "floor_s": floor[0],
        "ratio": cli[0] / floor[0], "peak_mib": cli[1], "floor_peak_mib": floor[1],
        "mem": (cli[1] - baseline_mib) * 2**20 / max(nbytes, 1),
    }


def bench_dim(spec, cmd, repeat: int, extra: list[str] | None = None):
    """``cmd dim SPEC`` (or ``cmd SPEC extra``) against ``python -c "import numpy, h5py"``."""
    floor_argv = [sys.executable, "-c", "import numpy, h5py"]
    argv = cmd + [spec] + extra if extra is not None else cmd + ["dim", spec]
    cli = floor = None
    for _ in range(repeat):
        c, f = run_process(argv), run_process(floor_argv)
        cli = c if cli is None or c[0] < cli[0] else cli
        floor = f if floor is None or f[0] < floor[0] else floor
    return {"case": spec, "kind": "dim", "method": "dim", "goal": "startup",
            "cli_s": cli[0], "floor_s": floor[0], "ratio": cli[0] / floor[0],
            "peak_mib": cli[1], "floor_peak_mib": floor[1]}


def bench_kernel(spec, cmd, tmp: Path, repeat: int, kind: str = "kernel") -> dict:
    """A small basis whose cost is start-up and the group's tables: whole process against
    the start-up floor (the file itself is a few kB)."""
    row = bench_dim(spec, cmd + ["basis"], repeat, ["-o", str(tmp / "kernel.h5")])
    return {**row, "kind": kind}


def continuous_rows() -> list[dict]:
    path = HERE / "continuous.py"
    if not path.exists():
        return []
    spec = importlib.util.spec_from_file_location("bench_continuous", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [{**row, "kind": "continuous"} for row in module.run()]


# ----------------------------------------------------------------------------- reporting

GOALS = {"sym": 3.0, "perm": 10.0, "startup": 2.0}
MEMORY_GOAL = 4.0


def verdict(row: dict) -> str:
    limit = GOALS.get(row.get("goal"))
    if limit is None:
        return ""
    basis = row["kind"] == "basis"
    # the goals hold from 1e6 (S(n)) or about 1e7 (other groups) entries upward
    if basis and row["entries"] < {"sym": 10**6, "perm": 5 * 10**6}[row["goal"]]:
        return "(n/a: small)"
    ok = row["ratio"] <= limit and (not basis or row["mem"] <= MEMORY_GOAL)
    return "ok" if ok else "MISS"


def table(rows: list[dict]) -> str:
    head = (f"{'case':<52} {'method':<7} {'n_basis':>8} {'entries':>11} {'dtype':>6} "
            f"{'cli s':>7} {'in-proc':>7} {'floor s':>7} {'ratio':>6} {'peak MiB':>8} "
            f"{'mem':>5}  goal")
    lines = [head, "-" * len(head)]
    for r in rows:
        name = r["case"] if len(r["case"]) <= 52 else r["case"][:49] + "..."
        if r["kind"] == "continuous":
            # a case that failed on purpose (too large) has no n_basis, time or memory
            def val(key, missing, r=r):
                return missing if r.get(key) is None else r[key]
            lines.append(f"{name:<52} {val('method', ''):<7} {val('n_basis', '-'):>8} "
                         f"{val('unknowns', ''):>11} {'':>6} {'':>7} "
                         f"{val('seconds', float('nan')):>7.3f} {'':>7} {'':>6} "
                         f"{val('peak_mib', float('nan')):>8.1f} {'':>5}  (continuous.py)")
            continue
        if r["kind"] in ("dim", "kernel", "startup"):
            name = ("dim " if r["kind"] == "dim" else "basis ") + name
            lines.append(f"{name[:52]:<52} {'':<7} {'':>8} {'':>11} {'':>6} "
                         f"{r['cli_s']:>7.3f} {'':>7} {r['floor_s']:>7.3f} "
                         f"{r['ratio']:>6.2f} {r['peak_mib']:>8.1f} {'':>5}  "
                         f"<= 2x {verdict(r)}")
            continue
        goal = {"sym": "<= 3x", "perm": "<= 10x"}.get(r["goal"], "")
        mem = f"{r['mem']:>5.1f}" if r["bytes"] >= 10**6 else f"{'-':>5}"  # tiny: noise
        lines.append(f"{name:<52} {r['method']:<7} {r['n_basis']:>8} {r['entries']:>11} "
                     f"{r['dtype']:>6} {r['cli_s']:>7.3f} {r['inproc_s']:>7.3f} "
                     f"{r['floor_s']:>7.3f} {r['ratio']:>6.2f} {r['peak_mib']:>8.1f} "
                     f"{mem}  {goal} {verdict(r)}".rstrip())
    return "\n".join(lines)


def machine() -> dict:
    """``timing.machine``, with the commit measured and the libraries' versions."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE,
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                           cwd=HERE, capture_output=True, text=True).stdout.strip()
    return {**timing.machine(), "commit": commit + ("+dirty" if dirty else ""),
            **worker(["versions"])}


def compare(rows: list[dict], old_path: str) -> str:
    old = {(r["case"], r.get("method")): r for r in json.loads(Path(old_path).read_text())["rows"]}
    lines = [f"compared with {old_path} (new / old; below 1 is faster):"]
    for r in rows:
        o = old.get((r["case"], r.get("method")))
        if o is None:
            continue
        parts = [f"{key} {r[key] / o[key]:.2f}" for key in ("cli_s", "inproc_s", "peak_mib",
                                                          "seconds")
                 if key in r and key in o and o[key]]
        lines.append(f"  {r['case'][:56]:<56} {r.get('method', ''):<8} " + ", ".join(parts))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fast subset of the cases")
    parser.add_argument("--big", action="store_true",
                        help="also patterns beyond the in-memory limit (streamed; 1.6 GB)")
    parser.add_argument("--repeat", type=int, default=None, help="runs per case (best of)")
    parser.add_argument("--out", default=str(HERE / "results.json"))
    parser.add_argument("--compare", metavar="OLD.json", default=None)
    parser.add_argument("--worker", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        serve(args.worker)
        return 0
    # intertwine's modules as bytecode, as an installed package has them (with
    # PYTHONDONTWRITEBYTECODE set, each process would otherwise compile them again)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(HERE.parent / "intertwine")],
                   check=True)
    repeat = args.repeat or (2 if args.quick else 5)
    cmd = intertwine_command()
    info = machine()
    print(f"intertwine benchmark: commit {info['commit']}, {info['date']}, {info['cpu']} "
          f"({info['cpus']} CPUs), Python {info['python']}, numpy {info['numpy']}, "
          f"h5py {info['h5py']}, load {info['load']:.1f}", flush=True)
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="intertwine-bench-"))
    try:
        baseline = best(lambda: run_process(cmd + ["basis", TINY, "-o", str(tmp / "t.h5")]),
                        repeat)[1]
        for spec, method, goal in CASES + (BIG_CASES if args.big else []):
            if args.quick and spec not in QUICK and (spec, method, goal) not in BIG_CASES:
                continue
            print(f"  {spec[:70]} ...", end="", flush=True)
            rows.append(bench_basis(spec, method, goal, cmd, tmp, repeat, baseline))
            print(f" {rows[-1]['cli_s']:.2f} s", flush=True)
        for spec in DIM_CASES:
            rows.append(bench_dim(spec, cmd, max(repeat, 5)))
        for spec in KERNEL_CASES:
            try:
                rows.append(bench_kernel(spec, cmd, tmp, max(repeat, 5)))
            except RuntimeError as e:  # a group this version does not know yet
                print(f"  {spec}: skipped ({str(e)[:80]})")
        for spec in STARTUP_CASES:
            rows.append(bench_kernel(spec, cmd, tmp, max(repeat, 5), "startup"))
        if not args.quick:
            rows += continuous_rows()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    print(table(rows))
    print(f"\nratio = whole CLI process / floor process (import numpy+h5py, write the same "
          f"arrays); best of {repeat}.\nmem = (peak RSS - {baseline:.0f} MiB of a tiny basis "
          f"run) / bytes written; goal <= {MEMORY_GOAL:g}.")
    Path(args.out).write_text(json.dumps({"machine": info, "repeat": repeat, "rows": rows},
                                         indent=1))
    print(f"results written to {args.out}")
    if args.compare:
        print(compare(rows, args.compare))
    return 0


if __name__ == "__main__":
    sys.exit(main())
