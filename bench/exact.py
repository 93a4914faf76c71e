"""Benchmark of the exact solver (issue 15): continuous groups at the start-up floor, and
the large tensor orders.  Not a test: whole processes on a shared machine.

* start-up: ``intertwine basis SPEC -o FILE`` for small continuous specs, against the
  floor ``python -c "import numpy, h5py"``, interleaved, best of N; goal: ratio <= 2.
* large: one process per case, under a time limit, with wall time and peak RSS
  (``os.wait4``); goals: ``SO(3): V**6 -> V**6`` exact within 60 s and 8 GB, numeric
  within 60 s.  A case that fails (refused as too large, or over the time limit) is
  reported as such.

Usage: python bench/exact.py [--quick | --large] [--repeat N] [--timeout S] [--out FILE]
(``--quick``: start-up only; ``--large``: the large cases only).  Results go to bench/exact.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

STARTUP = ["O(3): V**3 -> V**3", "SO(3): V**4 -> V**4", "SO(1,3): V**2 -> V**2",
           "Sp(2): V**2 -> V**2"]
STARTUP_GOAL = 2.0
# (spec, method, goal seconds, goal GiB)
LARGE = [
    ("SO(3): V**5 -> V**5", "exact", None, None),
    ("SO(3): V**6 -> V**6", "exact", 60, 8),
    ("SO(3): V**6 -> V**6", "numeric", 60, None),
    ("O(3): V**6 -> V**6", "exact", None, None),
    ("O(3): V**6 -> V**6", "numeric", None, None),
    ("SO(3): V**7 -> V", "exact", None, None),
    ("SO(3): V**7 -> V", "numeric", None, None),
    ("Sp(2): V**6 -> 1", "exact", None, None),
    ("Sp(2): V**6 -> 1", "numeric", None, None),
    ("SO(1,3): V**5 -> V**5", "exact", None, None),
    ("SO(1,3): V**5 -> V**5", "numeric", None, None),
]


def intertwine_command() -> list[str]:
    script = Path(sys.executable).with_name("intertwine")
    return [str(script)] if script.exists() else [sys.executable, "-m", "intertwine"]


def run_process(argv: list[str], timeout: float | None = None) -> dict:
    """Wall seconds, peak RSS (MiB), exit status and the last stderr line of a child."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = None if timeout is None else start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if deadline and time.perf_counter() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            _, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.01)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace").strip().splitlines()
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    return {"seconds": seconds, "peak_mib": usage.ru_maxrss / 1024, "status": code,
            "timed_out": bool(deadline) and seconds > timeout, "message": err[-1] if err
            else ""}


def startup(cmd: list[str], tmp: Path, repeat: int) -> list[dict]:
    floor_argv = [sys.executable, "-c", "import numpy, h5py"]
    rows = []
    for spec in STARTUP:
        argv = cmd + ["basis", spec, "-o", str(tmp / "s.h5")]
        run_process(argv)  # warm the page cache
        cli = floor = None
        for _ in range(repeat):  # interleaved: both see the same load
            c, f = run_process(argv), run_process(floor_argv)
            if c["status"]:
                raise RuntimeError(f"{spec}: {c['message']}")
            cli = c if cli is None or c["seconds"] < cli["seconds"] else cli
            floor = f if floor is None or f["seconds"] < floor["seconds"] else floor
        ratio = cli["seconds"] / floor["seconds"]
        rows.append({"case": spec, "kind": "startup", "cli_s": cli["seconds"],
                     "floor_s": floor["seconds"], "ratio": ratio,
                     "verdict": "ok" if ratio <= STARTUP_GOAL else "MISS"})
    return rows


def large(cmd: list[str], tmp: Path, timeout: float) -> list[dict]:
    rows = []
    for spec, method, goal_s, goal_gib in LARGE:
        out = tmp / "large.h5"
        print(f"  {spec} ({method}) ...", end="", flush=True)
        # The previous case's file is deleted, but the kernel may still be writing it back
        # (gigabytes): each case starts on a quiet disk, not charged for the one before.
        os.sync()
        r = run_process(cmd + ["basis", spec, "-o", str(out), "--method", method], timeout)
        size = out.stat().st_size if out.exists() and not r["status"] else 0
        if out.exists():
            out.unlink()
        ok = not r["status"] and (goal_s is None or r["seconds"] <= goal_s) and \
            (goal_gib is None or r["peak_mib"] <= goal_gib * 1024)
        goal = " ".join(x for x in (goal_s and f"<= {goal_s} s", goal_gib and
                                    f"<= {goal_gib} GiB") if x)
        verdict = ("ok" if ok else "MISS") if goal else ""
        if r["timed_out"]:
            outcome = f"stopped after {timeout:g} s"
        elif r["status"]:
            outcome = f"exit {r['status']}: {r['message'][:90]}"
        else:
            outcome = f"{size / 2**20:.0f} MiB file"
        rows.append({"case": spec, "kind": "large", "method": method, **r,
                     "file_mib": size / 2**20, "goal": goal, "verdict": verdict,
                     "outcome": outcome})
        print(f" {r['seconds']:.1f} s, {r['peak_mib']:.0f} MiB peak, {outcome}", flush=True)
    return rows


def table(rows: list[dict]) -> str:
    lines = []
    for r in rows:
        if r["kind"] == "startup":
            lines.append(f"basis {r['case']:<30} {r['cli_s']:7.3f} s  floor {r['floor_s']:.3f} s"
                         f"  ratio {r['ratio']:5.2f}  (goal <= {STARTUP_GOAL:g}x) {r['verdict']}")
        else:
            lines.append(f"{r['case']:<26} {r['method']:<8} {r['seconds']:8.1f} s "
                         f"{r['peak_mib']:8.0f} MiB  {r['outcome']}  {r['goal']} "
                         f"{r['verdict']}".rstrip())
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="start-up cases only")
    parser.add_argument("--large", action="store_true", help="large cases only")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=600, help="seconds per large case")
    parser.add_argument("--out", default=str(HERE / "exact.json"))
    args = parser.parse_args()
    cmd = intertwine_command()
    tmp = Path(tempfile.mkdtemp(prefix="intertwine-bench-exact-"))
    try:
        rows = [] if args.large else startup(cmd, tmp, args.repeat)
        print(table(rows), flush=True)
        if not args.quick:
            rows += large(cmd, tmp, args.timeout)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    print(table(rows))
    print(f"\nload average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs; start-up: best of "
          f"{args.repeat}, interleaved with the floor.")
    machine = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
               "cpu": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
               "python": platform.python_version()}
    Path(args.out).write_text(json.dumps({"machine": machine, "rows": rows,
                                          "load": os.getloadavg()[0]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
