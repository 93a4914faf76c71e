"""Any-n S(n) layers (issue 13): forward time and peak memory, as ratios within one run.

Each case runs in its own process (``--case NAME``) so that its peak memory (ru_maxrss,
minus the process's size before the input exists) is its own.  Times are the minimum
of several forwards under ``torch.no_grad`` (float32, batch 8, 16 channels in and out),
after one warm-up forward that also makes the plan.

    python bench/anyn.py            # the table (a minute or two)
    python bench/anyn.py --threads 2 --json FILE

Torch runs single-threaded unless ``--threads`` says otherwise: on a loaded machine
every parallel op waits for its slowest thread (tiny ops took 50 ms at 2 threads under
a load of 12 on 2 CPUs), which hides what the algorithm costs.

Cases:
  n50      S(n): V**2 -> V**2 at n = 50 from a file of S(5), against the pattern-driven
           layers of the same basis at n = 50 (``strategy="sparse"``, entry by entry over
           the n^4 pattern; and ``strategy="pattern"``, W materialised, with 4 channels
           since 16 would need 6.4 GB)
  n500     the same at n = 500 (dense: 6e10 entries, impossible), against x.sum()
  t3n64    S(n): V**3 -> V**3 (203 elements) at n = 64
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import subprocess
import sys

from timing import best  # the bench folder: scripts run as python bench/NAME.py

BATCH, CHANNELS = 8, 16


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3  # kB on Linux


def run_case(name: str, threads: int) -> dict:
    import torch

    torch.set_num_threads(threads)
    import intertwine
    from intertwine.torch import EquivariantLinear

    torch.manual_seed(0)
    out: dict = {"case": name}
    power = 3 if name == "t3n64" else 2
    n = {"n50": 50, "n500": 500, "t3n64": 64}[name]
    small = intertwine.compute(f"S({2 * power}): V**{power} -> V**{power}")
    with torch.no_grad():
        layer = EquivariantLinear(small, CHANNELS, CHANNELS)
        before = _rss_mb()
        x = torch.randn((BATCH, CHANNELS) + (n,) * power)
        out["x_mb"] = x.numel() * 4 / 1e6
        out["anyn_s"] = best(lambda: layer(x), 3 if n >= 500 or power == 3 else 10)
        out["peak_mb"] = _peak_mb() - before
        out["sum_s"] = best(lambda: x.sum(), 10)
        out["n_basis"] = small.n_basis
        if name == "n50":
            basis = intertwine.compute(f"S({n}): V**2 -> V**2")
            flat = x.reshape(BATCH, CHANNELS, -1)
            sparse = EquivariantLinear(basis, CHANNELS, CHANNELS, strategy="sparse")
            out["sparse_s"] = best(lambda: sparse(flat), 2)
            few = 4
            x4 = x[:, :few].contiguous()
            dense = EquivariantLinear(basis, few, few, strategy="pattern")
            anyn4 = EquivariantLinear(small, few, few)
            out["pattern4_s"] = best(lambda: dense(x4.reshape(BATCH, few, -1)), 2)
            out["anyn4_s"] = best(lambda: anyn4(x4), 10)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case")
    parser.add_argument("--json")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.threads)))
        return
    rows = []
    for name in ("n50", "n500", "t3n64"):
        done = subprocess.run([sys.executable, __file__, "--case", name, "--threads",
                               str(args.threads)],
                              capture_output=True, text=True, timeout=900)
        if done.returncode:
            print(f"{name}: failed\n{done.stderr[-2000:]}")
            continue
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"any-n S(n) layers, torch CPU float32, batch {BATCH}, {CHANNELS} channels in and out "
          f"({os.cpu_count()} CPUs, torch threads {args.threads}, load {os.getloadavg()[0]:.1f})")
    for r in rows:
        line = (f"  {r['case']:6} forward {r['anyn_s'] * 1e3:9.1f} ms   x.sum() "
                f"{r['sum_s'] * 1e3:7.2f} ms   forward / ({r['n_basis']} x x.sum()) = "
                f"{r['anyn_s'] / (r['n_basis'] * r['sum_s']):5.2f}   peak {r['peak_mb']:7.0f} MB"
                f" = {r['peak_mb'] / r['x_mb']:4.1f} x the input")
        print(line)
        if "sparse_s" in r:
            print(f"         pattern-driven layer at n = 50 (sparse, 16 ch) "
                  f"{r['sparse_s'] * 1e3:9.1f} ms: any-n / it = {r['anyn_s'] / r['sparse_s']:.4f}")
            print(f"         dense W layer (pattern, 4 ch) {r['pattern4_s'] * 1e3:9.1f} ms vs "
                  f"any-n (4 ch) {r['anyn4_s'] * 1e3:.1f} ms: any-n / dense = "
                  f"{r['anyn4_s'] / r['pattern4_s']:.4f}")
    if args.json:
        machine = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
                   "cpu": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
                   "python": platform.python_version(), "load": os.getloadavg()[0]}
        with open(args.json, "w") as f:
            json.dump({"machine": machine, "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
