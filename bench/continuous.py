"""Benchmark of the continuous groups: time and peak memory of each case.

Run ``python bench/continuous.py`` (prints a table, writes bench/continuous.json) or
``from bench.continuous import run; rows = run()``.  Each case runs in a fresh Python
process, so that its peak resident memory (``ru_maxrss``, including the interpreter and
the imports, about 100 MiB) is its own and no cache carries over; ``seconds`` is the
computation alone, without imports.

Variants: ``subgroup`` is what ``intertwine.compute`` does (orbits of a finite
signed-permutation subgroup first); ``plain`` is the elimination on all of W, for
comparison; ``flint`` is ``subgroup`` with sympy's ground types set to python-flint
(the optional extra ``intertwine[flint]``), measured only where it is installed;
``integer`` is exact ``subgroup`` with the pure-Python elimination (``solvers/integer.py``)
instead of the modular one that ``auto`` takes for large systems (``solvers/modular.py``);
``unsplit`` is numeric ``subgroup`` without splitting the reduced system into its
independent components (``reduce.components``).  Cases beyond a limit show the error.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: (spec, method, variant); the slow plain runs are kept to sizes that finish in seconds.
#: The numeric V**6 -> V**6 and SO(1,3): V**5 -> V**5 (4-10 GB of entries) are written
#: to a file by bench/exact.py --large: in process they are refused as too large to hold
CASES = [
    ("O(3): V**3 -> V**3", "exact", "subgroup"),
    ("O(3): V**3 -> V**3", "exact", "plain"),
    ("SO(3): V**4 -> V**4", "exact", "subgroup"),
    ("SO(3): V**4 -> V**4", "exact", "plain"),
    ("SO(3): V**4 -> V**4", "numeric", "subgroup"),
    ("SO(3): V**3 -> V**3", "numeric", "subgroup"),
    ("SO(3): V**3 -> V**3", "numeric", "plain"),
    ("SO(3): V**5 -> V**5", "exact", "subgroup"),
    ("SO(3): V**5 -> V**5", "exact", "integer"),
    ("SO(3): V**5 -> V**5", "numeric", "subgroup"),
    ("SO(3): V**6 -> V**6", "exact", "subgroup"),
    ("SO(3): V**6 -> V**6", "exact", "integer"),
    ("O(3): V**6 -> V**6", "exact", "subgroup"),
    ("SO(3): V**7 -> V", "exact", "subgroup"),
    ("SO(3): V**7 -> V", "numeric", "subgroup"),
    ("Sp(2): V**6 -> 1", "numeric", "subgroup"),
    ("SO(1,3): V**5 -> V**5", "exact", "subgroup"),
    ("SO(1,3): V**4 -> V**4", "numeric", "subgroup"),
    ("SO(1,3): V**4 -> V**4", "numeric", "unsplit"),
    ("Sp(2): V**4 -> V**4", "numeric", "subgroup"),
    ("Sp(2): V**4 -> V**4", "numeric", "unsplit"),
    ("SO(2): V**6 -> V**6", "numeric", "subgroup"),
    ("SO(2): V**6 -> V**6", "numeric", "unsplit"),
    ("O(3): V**6 -> 1", "exact", "subgroup"),
    ("O(3): V**8 -> 1", "exact", "subgroup"),
    ("SO(1,3): V**3 -> V**3", "exact", "subgroup"),
    ("SO(1,3): V**3 -> V**3", "exact", "plain"),
    ("O(1,3): V**4 -> V**4", "exact", "subgroup"),
    ("Sp(2): V**6 -> 1", "exact", "subgroup"),
    ("Sp(3): V**4 -> V**2", "exact", "subgroup"),
    ("GL(3): V**4 -> V**4", "exact", "subgroup"),
    ("SL(3): V**3 -> V**3", "numeric", "subgroup"),
    ("SO(3) x S(5): V[0]*V[1] -> V[0]*V[1]", "exact", "subgroup"),
    ("SO(3) x S(5): V[0]**2*V[1]**2 -> V[0]*V[1]", "exact", "subgroup"),
]


def _one(spec: str, method: str, variant: str) -> dict:
    """Run one case in this process (a fresh one: see run())."""
    import resource
    import time

    import intertwine
    from intertwine.problem import Problem

    intertwine.compute("SO(2): V -> V", method)  # imports (sympy: 0.3 s) are not timed
    problem = Problem.from_spec(spec)
    problem.dim_in, problem.dim_out  # noqa: B018 - warm the lazy dimensions
    start = time.perf_counter()
    if variant == "integer":
        from intertwine.solvers.exact import solve_exact
        n_basis = solve_exact(problem, backend="integer")["n_basis"]
    elif variant == "unsplit":
        from intertwine.solvers.numeric import solve_numeric
        n_basis = solve_numeric(problem, split=False)["n_basis"]
    elif variant == "plain":
        if method == "exact":
            from intertwine.solvers.exact import solve_exact
            result = solve_exact(problem, subgroup=False)
        else:
            from intertwine.solvers.numeric import solve_numeric
            result = solve_numeric(problem, subgroup=False)
        n_basis = result["n_basis"]
    else:
        n_basis = intertwine.compute(spec, method).n_basis
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"case": spec, "method": method, "variant": variant, "n_basis": n_basis,
            "unknowns": problem.entries, "seconds": round(seconds, 4),
            "peak_mib": round(peak, 1)}


def _flint_available() -> bool:
    try:
        import flint  # noqa: F401
    except ImportError:
        return False
    return True


def run(cases=CASES, timeout: float = 900) -> list[dict]:
    """Every case in its own process; a case that fails or times out gets an ``error``."""
    rows = []
    flint = _flint_available()
    for spec, method, variant in cases:
        if variant == "flint" and not flint:
            continue
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(HERE.parent), env.get("PYTHONPATH", "")])
        if variant == "flint":
            env["SYMPY_GROUND_TYPES"] = "flint"
        cmd = [sys.executable, str(HERE / "continuous.py"), "--one", spec, method, variant]
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, env=env,
                                 timeout=timeout)
            if out.returncode == 0:
                rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
                continue
            error = (out.stderr.strip().splitlines() or ["failed"])[-1]
        except subprocess.TimeoutExpired:
            error = f"timed out after {timeout:.0f} s"
        rows.append({"case": spec, "method": method, "variant": variant, "n_basis": None,
                     "unknowns": None, "seconds": None, "peak_mib": None, "error": error})
    return rows


def _table(rows: list[dict]) -> str:
    head = f"{'case':44} {'method':8} {'variant':9} {'unknowns':>9} {'n_basis':>7} " \
           f"{'seconds':>9} {'peak MiB':>9}"
    lines = [head, "-" * len(head)]
    for r in rows:
        if "error" in r:
            lines.append(f"{r['case']:44} {r['method']:8} {r['variant']:9} error: {r['error']}")
            continue
        lines.append(f"{r['case']:44} {r['method']:8} {r['variant']:9} {r['unknowns']:>9} "
                     f"{r['n_basis']:>7} {r['seconds']:>9.3f} {r['peak_mib']:>9.1f}")
    speedups = []
    by_key = {(r["case"], r["method"], r["variant"]): r for r in rows if "error" not in r}
    for (case, method, variant), r in by_key.items():
        base = by_key.get((case, method, "subgroup"))
        if variant in ("plain", "flint", "unsplit", "integer") and base and r["seconds"] and \
                base["seconds"]:
            label = {"plain": "subgroup reduction", "flint": "python-flint",
                     "unsplit": "components", "integer": "modular elimination"}[variant]
            factor = base["seconds"] / r["seconds"] if variant == "flint" else \
                r["seconds"] / base["seconds"]
            speedups.append(f"{label}: {case} ({method}) {factor:.1f}x faster")
    return "\n".join(lines + [""] + speedups)


def main(argv: list[str]) -> None:
    if argv[:1] == ["--one"]:
        print(json.dumps(_one(*argv[1:4])))
        return
    rows = run()
    print(_table(rows))
    machine = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
               "cpu": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
               "python": platform.python_version(), "load": os.getloadavg()[0]}
    (HERE / "continuous.json").write_text(json.dumps({"machine": machine, "rows": rows},
                                                     indent=1) + "\n")
    print(f"\nwrote {HERE / 'continuous.json'}")


if __name__ == "__main__":
    main(sys.argv[1:])
