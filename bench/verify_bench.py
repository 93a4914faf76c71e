"""Benchmark: ``intertwine verify`` of large pattern files, peak memory and throughput.

Issue 10's goal: ``verify`` at most 1 GB peak for any pattern file and at least 10**8
entries per second.  Then one large exact coo file, ``SO(3): V**6 -> V**6`` (58.8 million
entries, 2 GB; not with ``--quick``), read in slices: its peak must stay as bounded.

For each pattern case this writes the file once (``intertwine basis``), then
times whole processes, best of ``--repeat``:

* ``verify``: ``intertwine verify FILE``: wall time and peak RSS (``os.wait4``);
* ``tiny``: ``intertwine verify`` of ``S(3): V -> V``, the start-up and import cost;
* ``read``: a process that only reads the pattern with h5py, band by band (the floor).

``entries/s`` = dim_out * dim_in / (verify - tiny); ``x read`` = (verify - tiny) /
(read - its own start-up), both measured in this run.  Machines shared with other work
give noisy absolute numbers; the ratios are the point.

Usage: python bench/verify_bench.py [--quick] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = [  # (spec, basis options): the shipped maron_s100_t2_t2.h5 is the first
    ("S(100): V**2 -> V**2", ["--compress"]),
    ("S(20): V**3 -> V**3", []),
    ("C(4): V**7 -> V**6", []),
]
QUICK = [("S(60): V**2 -> V**2", ["--compress"])]
COO_CASES = ["SO(3): V**6 -> V**6"]  # verified once: about 20 s

READ_ONLY = """
import sys, time, h5py
with h5py.File(sys.argv[1]) as f:
    ds = f["pattern"]
    step = max(ds.chunks[0] if ds.chunks else 1, (1 << 23) // max(1, ds.shape[1]))
    for r in range(0, ds.shape[0], step):
        ds[r:r + step]
"""


def timed(args: list[str]) -> tuple[float, int, int]:
    """(seconds, peak RSS in bytes, exit status) of one whole process."""
    start = time.perf_counter()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    seconds = time.perf_counter() - start
    p.stderr.close()
    return seconds, usage.ru_maxrss * 1024, os.waitstatus_to_exitcode(status)


def best(args: list[str], repeat: int) -> tuple[float, int]:
    runs = [timed(args) for _ in range(repeat)]
    if any(code != 0 for _, _, code in runs):
        raise SystemExit(f"failed: {' '.join(args)}")
    return min(t for t, _, _ in runs), max(m for _, m, _ in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cli = [sys.executable, "-m", "intertwine"]
    rows = []
    with tempfile.TemporaryDirectory(dir=Path(__file__).parent) as folder:
        tiny = os.path.join(folder, "tiny.h5")
        subprocess.run(cli + ["basis", "S(3): V -> V", "-o", tiny], check=True,
                       capture_output=True)
        base, base_mem = best(cli + ["verify", tiny], args.repeat)
        empty, _ = best([sys.executable, "-c", "import h5py"], args.repeat)
        for spec, options in QUICK if args.quick else CASES:
            path = os.path.join(folder, "case.h5")
            subprocess.run(cli + ["basis", spec, "-o", path, *options], check=True,
                           capture_output=True)
            import h5py

            with h5py.File(path) as f:
                entries, size = f["pattern"].size, os.path.getsize(path)
            seconds, memory = best(cli + ["verify", path], args.repeat)
            read, _ = best([sys.executable, "-c", READ_ONLY, path], args.repeat)
            work = max(seconds - base, 1e-9)
            rows.append((spec + (" (gzip)" if options else ""), entries, size, seconds, memory,
                         entries / work, work / max(read - empty, 1e-9)))
            os.remove(path)
    print(f"start-up: verify of a tiny file {base:.2f} s, {base_mem / 2**20:.0f} MiB peak")
    head = f"{'case':<28}{'entries':>10}{'file':>10}{'verify':>9}{'peak':>10}" \
           f"{'entries/s':>11}{'x read':>8}"
    print(head)
    for spec, entries, size, seconds, memory, rate, ratio in rows:
        print(f"{spec:<28}{entries:>10.2e}{size / 2**20:>8.0f}MB{seconds:>8.2f}s"
              f"{memory / 2**20:>7.0f}MiB{rate:>11.2e}{ratio:>8.1f}")
    coo_rows = []
    if not args.quick:
        with tempfile.TemporaryDirectory(dir=Path(__file__).parent) as folder:
            for spec in COO_CASES:
                path = os.path.join(folder, "case.h5")
                subprocess.run(cli + ["basis", spec, "-o", path], check=True,
                               capture_output=True)
                import h5py

                with h5py.File(path) as f:
                    entries = f["basis/index"].shape[0]
                size = os.path.getsize(path)
                seconds, memory = best(cli + ["verify", path], 1)
                coo_rows.append((spec, entries, size, seconds, memory,
                                 entries / max(seconds - base, 1e-9)))
                os.remove(path)
    for spec, entries, size, seconds, memory, rate in coo_rows:
        print(f"{spec + ' (coo)':<28}{entries:>10.2e}{size / 2**20:>8.0f}MB{seconds:>8.2f}s"
              f"{memory / 2**20:>7.0f}MiB{rate:>11.2e}{'-':>8}")
    if coo_rows:
        worst_coo = max(r[4] for r in coo_rows)
        print(f"coo files read in slices: peak {worst_coo / 2**20:.0f} MiB "
              f"({'bounded: <= 1 GiB' if worst_coo <= 2**30 else 'ABOVE 1 GiB'})")
    worst = max(m for *_, m, _, _ in rows)
    print(f"goal: peak <= 1 GiB for any pattern file: {'met' if worst <= 2**30 else 'MISSED'}"
          f" ({worst / 2**20:.0f} MiB); >= 1e8 entries/s: "
          f"{'met' if min(r for *_, r, _ in rows) >= 1e8 else 'not met on this machine'}")


if __name__ == "__main__":
    main()
