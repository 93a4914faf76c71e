"""Side by side with EMLP: the same specs, dimensions compared, times next to each other.

Issue 6 asks that intertwine be at least 100 x faster than the general numerical method of
EMLP (Finzi, Welling, Wilson 2021, package ``emlp``) on the cases both can do, with the same
dimensions.  EMLP needs jax; it lives in its own virtualenv (bench/.venv-emlp, made by
``make bench-emlp``) and never enters ``make test``.  This script runs under that venv's
python and drives intertwine (installed in the project's .venv) through subprocesses, so
neither tool's dependencies meet the other's.

Per case:

* EMLP, in a fresh worker process (``--worker``) watched for time and memory: ``first``
  = the first ``equivariant_basis()`` call, densified (includes jax tracing and XLA
  compilation, as a user's first call does); ``again`` = the same call after clearing
  EMLP's in-memory basis cache ``Rep.solcache`` (compiled jax functions kept, so this is
  EMLP's own solve time; skipped when the first call took longer than ``--max-seconds``);
  a third call that hits the cache is recorded in the JSON only
  (it is a dictionary look-up).  EMLP's import (about 5 s) is not counted in any column.
* intertwine: ``cli`` = ``intertwine basis SPEC -o FILE`` as a whole process (start-up,
  imports, compute, write), median of 5; ``in-process`` = ``intertwine.compute(SPEC)`` in a
  process that has already imported intertwine, best of 3.
* ``match``: the two dimensions agree; ``span``: the two bases span the same space (the
  largest principal angle is below ~2.5 degrees: EMLP computes in float32), checked where
  the dense bases are small; both tools order W's entries as row-major (out, in).
* speed-ups: ``proc/cli`` = (EMLP's import + first call) / ``cli``, whole process against
  whole process; ``1st/cli`` = EMLP's first call (without its import) / ``cli``, which still
  charges intertwine's start-up; ``again/in-proc`` = solve against solve, both warm.

Conventions that differ, and how the cases are written for EMLP: EMLP's ``C(k)``/``D(k)``
act on R^2 by rotations, so intertwine's cyclic ``C(n)`` is EMLP's ``Z(n)`` (cyclic shifts)
and intertwine's ``D(n)`` and ``Perm`` groups are built as EMLP ``Group`` subclasses from
their permutation generators (EMLP's documented way of adding a group); ``SO(1,3)`` is
EMLP's ``SO13p`` (proper orthochronous: EMLP's ``SO13`` adds -I) and ``O(1,3)`` is
``O13``/``Lorentz``; ``Sp(n)`` is EMLP's ``Sp(n)`` on R^(2n) with the same form;
``G x H`` on ``V[0]*V[1]`` is ``V(G)*V(H)`` (EMLP keeps the factors' bases apart and returns
their Kronecker product lazily).  ``R -> Q`` is ``R >> Q`` (EMLP's ``Q ⊗ R*``).

Then ``S(n): V**2 -> V**2`` for growing n until EMLP's first call takes longer than
``--max-seconds`` (60) or is killed by ``--timeout`` (300 s) or ``--mem-gib`` (8 GiB RSS: the
machine is shared, so the worker is stopped there instead of being allowed to exhaust it);
last, cases of the main benchmark that EMLP can state (``BEYOND``), under the same caps.

Usage: bench/.venv-emlp/bin/python bench/emlp_compare.py [--intertwine-venv .venv] [--quick]
       [--out bench/emlp_results.json]   (``make bench-emlp`` does this)
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# Specs both tools can do; the EMLP side of each is built by EMLP_BUILDERS below.
FIXED = [
    "S(8): V -> V",
    "S(5): V**2 -> 1",
    "S(5): V**2 -> V**2",
    "S(3) x S(4): V[0]*V[1] -> V[0]*V[1]",
    "S(10) x S(12) x S(8): V[0]*V[1]*V[2] -> V[0]*V[1]*V[2]",
    "C(8): V -> V",
    "C(8): V -> 3*1",
    "C(8): V**2 -> V**2",
    "D(8): V**2 -> V**2",
    "Perm(6; (0 1 2)(3 4 5), (0 3)): V**2 -> V",
    "O(3): V**4 -> 1",
    "O(3): V**3 -> V**3",
    "SO(3): V**2 -> V",
    "SO(3): V**4 -> V**4",
    "SO(1,3): V**2 -> 1",
    "SO(1,3): V**2 -> V**2",
    "Sp(2): V**2 -> V**2",
    "O(1,3): V**4 -> 1",
    "Sp(1): V**4 -> 1",
    "Sp(2): V**4 -> 1",
    "GL(3): V**2 -> V**2",
    "SL(3): V**3 -> 1",
]
GROWTH_N = [6, 7, 8, 10, 12, 16, 20, 24, 32, 40, 48, 60]
# Cases of the main benchmark (bench/run.py) that EMLP can state; tried once after the
# growth series, under the same caps, to show where the general method stops.
BEYOND = ["S(10): V**3 -> V**3"]
SPAN_LIMIT = 2 * 10**7  # N * dim_out * dim_in floats: above this the span check is skipped


def growth_spec(n: int) -> str:
    return f"S({n}): V**2 -> V**2"


# ----------------------------------------------------------------------------- EMLP side
def emlp_rep(spec: str):
    """The EMLP representation of linear maps for one of our specs (only those listed)."""
    import numpy as np
    from emlp.groups import GL, O13, SL, SO, Group, O, S, SO13p, Sp, Z
    from emlp.reps import Scalar, V
    from emlp.reps.linear_operators import LazyPerm

    class PermutationGroup(Group):
        """A finite group given by permutation generators, as intertwine's D(n) and Perm."""

        def __init__(self, label, n, perms):
            self.discrete_generators = [LazyPerm(np.asarray(p)) for p in perms]
            self.d = n
            self.label = label
            super().__init__(label)

        def __repr__(self):
            return self.label

    def dihedral(n):
        i = np.arange(n)
        return PermutationGroup(f"D({n})", n, [(i + 1) % n, (-i) % n])

    def perm6():
        return PermutationGroup("Perm6", 6, [[1, 2, 0, 4, 5, 3], [3, 1, 2, 0, 4, 5]])

    def pow_map(G, k_in, k_out):
        rep = V(G)
        return (rep**k_in if k_in else Scalar) >> (rep**k_out if k_out else Scalar)

    builders = {
        "S(8): V -> V": lambda: pow_map(S(8), 1, 1),
        "S(5): V**2 -> 1": lambda: pow_map(S(5), 2, 0),
        "S(5): V**2 -> V**2": lambda: pow_map(S(5), 2, 2),
        "S(3) x S(4): V[0]*V[1] -> V[0]*V[1]":
            lambda: (V(S(3)) * V(S(4))) >> (V(S(3)) * V(S(4))),
        "S(10) x S(12) x S(8): V[0]*V[1]*V[2] -> V[0]*V[1]*V[2]":
            lambda: (V(S(10)) * V(S(12)) * V(S(8))) >> (V(S(10)) * V(S(12)) * V(S(8))),
        "C(8): V -> V": lambda: pow_map(Z(8), 1, 1),
        "C(8): V -> 3*1": lambda: V(Z(8)) >> 3 * Scalar,
        "C(8): V**2 -> V**2": lambda: pow_map(Z(8), 2, 2),
        "D(8): V**2 -> V**2": lambda: pow_map(dihedral(8), 2, 2),
        "Perm(6; (0 1 2)(3 4 5), (0 3)): V**2 -> V": lambda: pow_map(perm6(), 2, 1),
        "O(3): V**4 -> 1": lambda: pow_map(O(3), 4, 0),
        "O(3): V**3 -> V**3": lambda: pow_map(O(3), 3, 3),
        "SO(3): V**2 -> V": lambda: pow_map(SO(3), 2, 1),
        "SO(3): V**4 -> V**4": lambda: pow_map(SO(3), 4, 4),
        "SO(1,3): V**2 -> 1": lambda: pow_map(SO13p(), 2, 0),
        "SO(1,3): V**2 -> V**2": lambda: pow_map(SO13p(), 2, 2),
        "O(1,3): V**4 -> 1": lambda: pow_map(O13(), 4, 0),
        "Sp(2): V**2 -> V**2": lambda: pow_map(Sp(2), 2, 2),
        "Sp(1): V**4 -> 1": lambda: pow_map(Sp(1), 4, 0),
        "Sp(2): V**4 -> 1": lambda: pow_map(Sp(2), 4, 0),
        "GL(3): V**2 -> V**2": lambda: pow_map(GL(3), 2, 2),
        "SL(3): V**3 -> 1": lambda: pow_map(SL(3), 3, 0),
    }
    for n in GROWTH_N:
        builders[growth_spec(n)] = (lambda n=n: pow_map(S(n), 2, 2))
    builders["S(10): V**3 -> V**3"] = lambda: pow_map(S(10), 3, 3)
    return builders[spec]()


def emlp_dense_basis(rep):
    """EMLP's basis as a dense numpy array (dim, N), waiting for jax to finish."""
    import jax.numpy as jnp
    import numpy as np

    Q = rep.equivariant_basis()
    if not hasattr(Q, "block_until_ready"):
        # Lazy (sums, products of groups): apply it to the identity, as EMLP's layers apply
        # it to their parameters; its densify() would materialise the (dim, dim) permutations.
        Q = Q @ jnp.eye(Q.shape[1])
    return np.asarray(Q.block_until_ready())


def intertwine_rows(h5_path: str):
    """intertwine's basis from its file as rows vec(B_k) (N, dim_out*dim_in), or None if big."""
    import h5py
    import numpy as np

    with h5py.File(h5_path, "r") as f:
        a = f.attrs
        n, d_out, d_in = int(a["n_basis"]), int(a["dim_out"]), int(a["dim_in"])
        if n * d_out * d_in > SPAN_LIMIT:
            return None
        B = np.zeros((n, d_out * d_in))
        if a["encoding"] == "pattern":
            pattern = f["pattern"][()].ravel()
            cols = np.flatnonzero(pattern >= 0)
            B[pattern[cols], cols] = 1.0
        else:
            g = f["basis"]
            # The index datasets may be as narrow as int8: widen before multiplying.
            row, col = (g[name][()].astype(np.int64) for name in ("row", "col"))
            B[g["index"][()], row * d_in + col] = g["value"][()]
    return B


def same_span(rows, Q) -> bool:
    """Whether the row space of ``rows`` equals the column space of ``Q`` (float32-tolerant)."""
    import numpy as np

    if rows.shape[0] != Q.shape[1]:
        return False
    if rows.shape[0] == 0:
        return True
    U = np.linalg.qr(rows.T)[0]
    W = np.linalg.qr(Q.astype(np.float64))[0]
    return bool(np.linalg.svd(U.T @ W, compute_uv=False).min() > 1 - 1e-3)


def worker(spec: str, h5_path: str | None, again_limit: float) -> None:
    """One EMLP case in this fresh process; prints one JSON line."""
    t0 = time.perf_counter()
    import functools

    import emlp.reps.representation
    from emlp.reps.representation import Rep

    out = {"import_s": time.perf_counter() - t0}
    # The one compatibility shim: EMLP's iterative solver feeds tqdm numpy.float32 progress,
    # which today's tqdm cannot format (timedelta rejects float32); a disabled bar never does.
    emlp.reps.representation.tqdm = functools.partial(emlp.reps.representation.tqdm, disable=True)
    rep = emlp_rep(spec)
    t = time.perf_counter()
    Q = emlp_dense_basis(rep)
    out["first_s"] = time.perf_counter() - t
    out["again_s"] = None
    if out["first_s"] <= again_limit:  # a slow case would only take as long again
        Rep.solcache.clear()
        t = time.perf_counter()
        Q = emlp_dense_basis(rep)
        out["again_s"] = time.perf_counter() - t
    t = time.perf_counter()
    emlp_dense_basis(rep)
    out["cached_s"] = time.perf_counter() - t
    out["n"] = int(Q.shape[1])
    out["emlp_rep"] = str(rep)
    rows = intertwine_rows(h5_path) if h5_path else None
    out["span"] = None if rows is None else same_span(rows, Q)
    print(json.dumps(out), flush=True)


# ----------------------------------------------------------------------------- driver
def rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def last_error(stderr: str, returncode: int) -> str:
    """The exception line of a worker's traceback (jax appends notes after it)."""
    lines = [ln for ln in stderr.splitlines() if ln and not ln.startswith((" ", "-"))]
    errors = [ln for ln in lines if "Error" in ln.split(":")[0] or "Exception" in ln[:40]]
    return (errors or lines or [f"exit status {returncode}"])[-1][:160]


def run_emlp(spec: str, h5_path: str | None, args) -> dict:
    """The worker for one case, stopped when it exceeds the time or memory cap."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        cmd = [sys.executable, __file__, "--worker", spec, "--max-seconds", str(args.max_seconds)]
        cmd += ["--h5", h5_path] if h5_path else []
        timeout, mem_bytes = args.timeout, int(args.mem_gib * 2**30)
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err)
        killed = None
        while p.poll() is None:
            if time.perf_counter() - t0 > timeout:
                killed = f"killed after {timeout:.0f} s"
            elif rss_bytes(p.pid) > mem_bytes:
                killed = f"killed above {mem_bytes / 2**30:.0f} GiB RSS"
            if killed:
                p.kill()
                p.wait()
                break
            time.sleep(0.05)
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        lines = out.read().strip().splitlines()
        if killed or p.returncode != 0 or not lines:
            return {"error": killed or last_error(err.read(), p.returncode), "worker_wall_s": wall}
        result = json.loads(lines[-1])
        result["worker_wall_s"] = wall
        return result


def run_intertwine(spec: str, venv: Path, h5_path: str) -> dict:
    """intertwine on ``spec``: whole CLI process (median of 5, as issue 15 asks) and
    in-process compute (best of 3)."""
    import statistics

    import h5py

    cli = []
    for _ in range(5):
        t = time.perf_counter()
        done = subprocess.run([str(venv / "bin" / "intertwine"), "basis", spec, "-o", h5_path],
                              capture_output=True, text=True)
        cli.append(time.perf_counter() - t)
        if done.returncode != 0:
            return {"error": done.stderr.strip()[:200]}
    with h5py.File(h5_path, "r") as f:
        n, method = int(f.attrs["n_basis"]), str(f.attrs["method"])
    timer = ("import sys, time, intertwine\n"
             "intertwine.compute('S(2): V -> V')\n"
             "best = float('inf')\n"
             "for _ in range(3):\n"
             "    t = time.perf_counter(); intertwine.compute(sys.argv[1])\n"
             "    best = min(best, time.perf_counter() - t)\n"
             "print(best)\n")
    done = subprocess.run([str(venv / "bin" / "python"), "-c", timer, spec],
                          capture_output=True, text=True, check=True)
    return {"n": n, "method": method, "cli_s": statistics.median(cli),
            "in_process_s": float(done.stdout.split()[-1])}


def compare(spec: str, args, tmp: Path) -> dict:
    h5_path = str(tmp / "basis.h5")
    row = {"spec": spec, "intertwine": run_intertwine(spec, args.intertwine_venv, h5_path)}
    have_file = "error" not in row["intertwine"]
    row["emlp"] = run_emlp(spec, h5_path if have_file else None, args)
    e, i = row["emlp"], row["intertwine"]
    if "error" not in e and "error" not in i:
        row["match"] = e["n"] == i["n"]
        row["speedup_process_vs_cli"] = (e["import_s"] + e["first_s"]) / i["cli_s"]
        row["speedup_first_vs_cli"] = e["first_s"] / i["cli_s"]
        if e["again_s"] is not None:
            row["speedup_again_vs_in_process"] = e["again_s"] / max(i["in_process_s"], 1e-6)
    print_row(row)
    return row


# ----------------------------------------------------------------------------- reporting
COLUMNS = ("spec", "N EMLP", "N ours", "same N", "span", "EMLP 1st s", "EMLP again s",
           "ours cli s", "ours in-proc s", "proc/cli", "1st/cli", "again/in-proc")
WIDTHS = (56, 6, 6, 6, 5, 10, 12, 10, 14, 8, 7, 13)


def fmt(x):
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "NO"
    if isinstance(x, float):
        return f"{x:.3g}" if x < 1000 else f"{x:.0f}"
    return str(x)


def print_header() -> None:
    print("  ".join(c.rjust(w) if k else c.ljust(w) for k, (c, w) in
                    enumerate(zip(COLUMNS, WIDTHS))), flush=True)


def print_row(row: dict) -> None:
    e, i = row["emlp"], row["intertwine"]
    err = e.get("error") or i.get("error")
    cells = [row["spec"], e.get("n"), i.get("n"), row.get("match"), e.get("span"),
             e.get("first_s"), e.get("again_s"), i.get("cli_s"), i.get("in_process_s"),
             row.get("speedup_process_vs_cli"), row.get("speedup_first_vs_cli"),
             row.get("speedup_again_vs_in_process")]
    text = [fmt(c) for c in cells]
    for k in (9, 10, 11):
        text[k] = text[k] if cells[k] is None else f"{cells[k]:.0f}x"
    line = "  ".join(t.rjust(w) if k else t.ljust(w) for k, (t, w) in enumerate(zip(text, WIDTHS)))
    print(line + (f"   EMLP: {e['error']}" if e.get("error") else "")
          + (f"   intertwine: {i['error']}" if i.get("error") else "") if err else line,
          flush=True)


#: issue 15's goals for continuous groups, whole process against whole process
CONTINUOUS_GOAL, SLOW_GOAL, SLOW_SECONDS = 20.0, 100.0, 10.0


def continuous(spec: str) -> bool:
    return spec.split(":")[0].split("(")[0].strip() in {"O", "SO", "Sp", "GL", "SL"}


def continuous_goals(rows: list[dict]) -> str:
    """Issue 15: proc/cli at least 20x on every continuous case, 100x where EMLP's first
    call takes over 10 s; the cases that miss are named."""
    both = [r for r in rows if "match" in r and continuous(r["spec"])]
    misses = []
    for r in both:
        goal = SLOW_GOAL if r["emlp"]["first_s"] > SLOW_SECONDS else CONTINUOUS_GOAL
        if r["speedup_process_vs_cli"] < goal:
            misses.append(f"{r['spec']} {r['speedup_process_vs_cli']:.1f}x < {goal:.0f}x")
    return (f"# continuous groups (issue 15: proc/cli >= {CONTINUOUS_GOAL:.0f}x, >= "
            f"{SLOW_GOAL:.0f}x where EMLP's first call > {SLOW_SECONDS:.0f} s): "
            f"{len(both) - len(misses)}/{len(both)} met"
            + ("; missed: " + "; ".join(misses) if misses else ""))


def summary(rows: list[dict]) -> str:
    both = [r for r in rows if "match" in r]
    if not both:
        return "# no case ran in both tools"
    lowest = {k: min(r[f"speedup_{k}"] for r in both if f"speedup_{k}" in r)
              for k in ("process_vs_cli", "first_vs_cli", "again_vs_in_process")
              if any(f"speedup_{k}" in r for r in both)}
    return (f"# {sum(r['match'] for r in both)}/{len(both)} dimensions agree; spans "
            f"{sum(r['emlp'].get('span') is True for r in both)} agree, "
            f"{sum(r['emlp'].get('span') is False for r in both)} differ, others unchecked; "
            f"{len(rows) - len(both)} cases failed in one tool; lowest speed-ups: "
            + ", ".join(f"{k} {v:.0f}x" for k, v in lowest.items()))


def versions(venv: Path) -> dict:
    from importlib.metadata import version

    ours = subprocess.run([str(venv / "bin" / "python"), "-c",
                           "import intertwine; print(intertwine.__version__)"],
                          capture_output=True, text=True).stdout.strip()
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    return {"intertwine": ours, "commit": commit, "python": platform.python_version(),
            **{name: version(name) for name in ("emlp", "jax", "jaxlib", "numpy")}}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--h5", help=argparse.SUPPRESS)
    ap.add_argument("--intertwine-venv", type=Path, default=ROOT / ".venv")
    ap.add_argument("--quick", action="store_true", help="fixed cases only, no growing S(n)")
    ap.add_argument("--max-seconds", type=float, default=60.0,
                    help="stop growing n once EMLP's first call takes longer (default 60)")
    ap.add_argument("--timeout", type=float, default=300.0, help="EMLP worker cap, seconds")
    ap.add_argument("--mem-gib", type=float, default=8.0, help="EMLP worker RSS cap, GiB")
    ap.add_argument("--only", action="append", metavar="SPEC",
                    help="run just this case (repeatable; any spec listed in this file)")
    ap.add_argument("--out", type=Path, default=HERE / "emlp_results.json")
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.worker, args.h5, args.max_seconds)
        return 0
    if not (args.intertwine_venv / "bin" / "intertwine").exists():
        print(f"no intertwine in {args.intertwine_venv} (run `make test` or pass "
              "--intertwine-venv)", file=sys.stderr)
        return 2
    meta = {"date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
            "versions": versions(args.intertwine_venv),
            "caps": {"timeout_s": args.timeout, "mem_gib": args.mem_gib,
                     "max_seconds": args.max_seconds}}
    # intertwine's modules as bytecode, as an installed package has them (with
    # PYTHONDONTWRITEBYTECODE set, each process would otherwise compile them again)
    subprocess.run([str(args.intertwine_venv / "bin" / "python"), "-m", "compileall", "-q",
                    str(ROOT / "intertwine")], check=True)
    print(f"# {meta['date']}  {meta['machine']}\n# {meta['versions']}", flush=True)
    print_header()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for spec in args.only or FIXED:
            rows.append(compare(spec, args, Path(tmp)))
        for n in [] if args.quick or args.only else GROWTH_N:
            row = compare(growth_spec(n), args, Path(tmp))
            rows.append(row)
            if "error" in row["emlp"] or row["emlp"]["first_s"] > args.max_seconds:
                break
        for spec in [] if args.quick or args.only else BEYOND:
            rows.append(compare(spec, args, Path(tmp)))
    args.out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    print(summary(rows) + f"; wrote {args.out}")
    print(continuous_goals(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
