"""Benchmark: ``batch`` on a Dask cluster and in shards, against a local run (issue 14).

Not a test: it times whole ``intertwine batch`` processes on a shared machine and
reports ratios measured within one run, interleaved over ``--repeat`` rounds (best of
each).  The catalogue is ``--entries`` entries of ``S(n)`` and ``C(n)`` layers whose
times spread over a factor of about ten (0.5-5 s each at ``--scale 1`` on a quiet
machine; ``--scale`` shrinks the sizes so the whole bench fits a loaded one).

* ``local``: ``batch --jobs 2`` into a fresh folder;
* ``dask``: ``batch --dask ADDRESS`` on a ``LocalCluster`` of 2 worker processes of one
  thread each (started once, before timing: a cluster is long-lived); goal at most 1.2x
  ``local``;
* ``shards``: ``batch --shard 1/2`` then ``--shard 2/2`` (``--jobs 2`` each), one after
  the other into two folders; goal at most 1.1x ``local``.

Then the three sets of files are compared dataset by dataset and attribute by attribute
(and byte for byte), and a full ``batch`` over the shards' folders copied together must
write nothing.

Usage: python bench/cluster.py [--entries 40] [--scale 1.0] [--repeat 1]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def catalogue(entries: int, scale: float) -> dict[str, str]:
    """name -> spec: S(n) 2-tensor layers (streamed), S(n) 3-tensor layers and C(n)
    2-tensor layers (orbits in memory), sizes spread so times differ about tenfold."""
    specs = {}
    for i in range(entries):
        kind, step = i % 3, i // 3
        if kind == 0:
            n = int((90 + 6 * step) * scale ** 0.25)
            specs[f"maron_s{n}_{i}"] = f"S({n}): V**2 -> V**2"
        elif kind == 1:
            n = int((14 + step // 2) * scale ** (1 / 6))
            specs[f"maron3_s{n}_{i}"] = f"S({n}): V**3 -> V**3"
        else:
            n = int((40 + 2 * step) * scale ** 0.25)
            specs[f"circulant_c{n}_{i}"] = f"C({n}): V**2 -> V**2"
    return specs


def run(manifest: Path, out: Path, *options) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "intertwine", "batch", str(manifest),
                             "--out-dir", str(out), *map(str, options)],
                            capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"batch {' '.join(map(str, options))} failed:\n{result.stdout}\n{result.stderr}")
    return seconds, result.stdout


def contents(path: Path) -> dict:
    import h5py

    found = {}
    with h5py.File(path, "r") as f:
        found["/"] = {k: repr(v) for k, v in f.attrs.items()}

        def visit(name, obj):
            found[name] = {k: repr(v) for k, v in obj.attrs.items()}
            if isinstance(obj, h5py.Dataset):
                found[name + "[]"] = (obj.dtype.str, obj.shape, obj[()].tobytes()
                                      if obj.dtype.kind != "O" else repr(list(obj[()])))
        f.visititems(visit)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=40)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    from distributed import LocalCluster

    specs = catalogue(args.entries, args.scale)
    work = Path(tempfile.mkdtemp(prefix="intertwine-bench-cluster-"))
    manifest = work / "catalogue.toml"
    manifest.write_text("".join(f'[[basis]]\nspec = "{s}"\nname = "{n}"\n\n'
                                for n, s in specs.items()))
    best = {"local": [], "dask": [], "shards": []}
    entry_seconds = []
    try:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None, host="127.0.0.1") as cluster:
            for r in range(args.repeat):  # interleaved, so that load hits all alike
                for name in best:
                    folder = work / f"{name}{r}"
                    if name == "local":
                        seconds, stdout = run(manifest, folder, "--jobs", 2)
                        entry_seconds += [float(t) for t in re.findall(
                            r"^\[.*, (\d+\.\d+) s$", stdout, re.M)]
                    elif name == "dask":
                        seconds, stdout = run(manifest, folder, "--dask",
                                              cluster.scheduler_address)
                    else:
                        one, _ = run(manifest, folder / "1", "--shard", "1/2", "--jobs", 2)
                        two, _ = run(manifest, folder / "2", "--shard", "2/2", "--jobs", 2)
                        seconds = one + two
                    best[name].append(seconds)
                    print(f"round {r + 1} {name:>6}: {seconds:6.2f} s", flush=True)
        local, dask, shards = (min(best[k]) for k in ("local", "dask", "shards"))
        merged = work / "merged"
        for part in ("1", "2"):
            shutil.copytree(work / "shards0" / part, merged, dirs_exist_ok=True)
        _, stdout = run(manifest, merged, "--jobs", 2)
        up_to_date = re.search(r"0 written, (\d+) up to date", stdout)
        same = all(contents(work / "local0" / f"{n}.h5") == contents(folder / f"{n}.h5")
                   for n in specs for folder in (work / "dask0", merged))
        differ = sorted(f"{folder.name}/{n}.h5" for n in specs
                        for folder in (work / "dask0", merged)
                        if (work / "local0" / f"{n}.h5").read_bytes()
                        != (folder / f"{n}.h5").read_bytes())
        identical = not differ
        print(f"\n{len(specs)} entries (scale {args.scale}), each {min(entry_seconds):.2f}-"
              f"{max(entry_seconds):.2f} s in a worker; best of {args.repeat}:")
        print(f"  local --jobs 2          {local:7.2f} s")
        print(f"  --dask, 2 workers       {dask:7.2f} s   ratio {dask / local:.2f} (goal <= 1.2)")
        print(f"  --shard 1/2 + 2/2       {shards:7.2f} s   ratio {shards / local:.2f} "
              f"(goal <= 1.1)")
        print(f"  merged shards: {'nothing recomputed' if up_to_date else 'RECOMPUTED'}; "
              f"datasets and attributes {'identical' if same else 'DIFFER'} "
              f"(bytes {'identical' if identical else 'differ'}) across local, dask, shards")
        if differ:
            print(f"  bytes differ from the local run's: {', '.join(differ)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
