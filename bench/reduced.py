"""Benchmark of ``intertwine decompose`` (issue 24) against e3nn's ReducedTensorProducts.

* in process: e3nn 0.6's ``o3.ReducedTensorProducts(formula, **irreps)`` (float, solved
  at every start) against ``intertwine.decompose("O(3): REP")`` (exact where it applies)
  for the Cartesian tensors of e3nn's docs, a 6-index symmetric tensor and a
  graph2mat-like product of orbital irreps; best of N, interleaved; goal: >= 20x.
* whole process: ``intertwine decompose SPEC -o FILE`` against the floor
  ``python -c "import numpy, h5py"``, interleaved, best of N; goal: <= 2x up to rank 4.

A case that fails is reported with its error.  Not a test: timings on a shared machine.

Usage: python bench/reduced.py [--repeat N] [--quick] [--out FILE]
(``--quick``: the in-process cases only).  Results go to bench/reduced.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from exact import intertwine_command, run_process  # noqa: E402  (same folder)
from timing import best, machine  # noqa: E402  (same folder)

HERE = Path(__file__).resolve().parent

#: e3nn formula -> intertwine's representation of the same tensors, R standing for i
FORMULAS = {"ij=ji": "sym(R, 2)", "ij=-ji": "alt(R, 2)", "ijk=jik=ikj": "sym(R, 3)",
            "ijkl=jikl=klij": "sym(sym(R, 2), 2)"}
IRREPS = ["1o", "1o+2e", "0e+1o"]
IN_PROCESS_GOAL = 20.0
PROCESS_GOAL = 2.0


def cases() -> list[dict]:
    out = []
    for formula, rep in FORMULAS.items():
        for i in IRREPS:
            r = i.replace("+", " + ")
            spec = "O(3): " + rep.replace("R", f"({r})" if "+" in i else r)
            out.append({"case": f'"{formula}", i="{i}"', "spec": spec, "rank": formula.index("=")
                        if "=" in formula else len(formula),
                        "e3nn": (formula, {"i": i})})
    six = "ijklmn=jiklmn=ikjlmn=ijlkmn=ijkmln=ijklnm"
    out.append({"case": "sym(1o, 6)", "spec": "O(3): sym(1o, 6)", "rank": 6,
                "e3nn": (six, {"i": "1o"})})
    orbital = "2x0e+1o+2e"
    out.append({"case": "(2*0e + 1o + 2e) * (2*0e + 1o + 2e)",
                "spec": "O(3): (2*0e + 1o + 2e) * (2*0e + 1o + 2e)", "rank": 2,
                "e3nn": ("ij", {"i": orbital, "j": orbital})})
    return out


def in_process(rows: list[dict], repeat: int) -> None:
    from e3nn import o3

    import intertwine

    sys.path.insert(0, str(HERE.parent / "tests"))
    import test_decompose_e3nn as isotypic  # the subspace comparison of the tests

    for row in rows:
        formula, irreps = row["e3nn"]
        try:
            row["intertwine_s"] = best(lambda spec=row["spec"]: intertwine.decompose(spec),
                                       repeat, warm=False)
            row["method"] = intertwine.decompose(row["spec"]).method
        except ValueError as e:
            row["error"] = str(e).splitlines()[0]
            continue
        row["e3nn_s"] = best(lambda f=formula, i=irreps: o3.ReducedTensorProducts(f, **i),
                             max(1, repeat // 2), warm=False)
        if formula in isotypic.FORMULAS and set(irreps) == {"i"}:
            # the isotypic subspaces against e3nn's (as tests/test_decompose_e3nn.py)
            row["isotypic_difference"] = float(isotypic.isotypic_distance(formula, irreps["i"]))
            row["agrees"] = bool(row["isotypic_difference"] < 1e-10)
        row["speedup"] = row["e3nn_s"] / row["intertwine_s"]
        row["verdict"] = "ok" if row["speedup"] >= IN_PROCESS_GOAL else "MISS"


def whole_process(rows: list[dict], repeat: int, tmp: Path) -> None:
    cmd = intertwine_command()
    floor_argv = [sys.executable, "-c", "import numpy, h5py"]
    for row in rows:
        if "error" in row:
            continue
        argv = cmd + ["decompose", row["spec"], "-o", str(tmp / "d.h5")]
        run_process(argv)  # warm the page cache
        cli = floor = None
        for _ in range(repeat):
            c, f = run_process(argv), run_process(floor_argv)
            if c["status"]:
                row["process_error"] = c["message"]
                break
            cli = c if cli is None or c["seconds"] < cli["seconds"] else cli
            floor = f if floor is None or f["seconds"] < floor["seconds"] else floor
        if cli is not None:
            row["process_s"], row["floor_s"] = cli["seconds"], floor["seconds"]
            row["process_ratio"] = cli["seconds"] / floor["seconds"]
            if row["rank"] <= 4:
                row["process_verdict"] = "ok" if row["process_ratio"] <= PROCESS_GOAL else "MISS"


def table(rows: list[dict]) -> str:
    lines = []
    for r in rows:
        if "error" in r:
            lines.append(f"{r['case']:<40} error: {r['error'][:70]}")
            continue
        line = (f"{r['case']:<40} intertwine {r['intertwine_s'] * 1e3:8.1f} ms ({r['method']})"
                f"  e3nn {r['e3nn_s'] * 1e3:8.1f} ms  {r['speedup']:6.1f}x {r['verdict']}")
        if "agrees" in r:
            line += f"  subspaces {'agree' if r['agrees'] else 'DIFFER'}"
        if "process_s" in r:
            line += (f"  process {r['process_s']:.3f} s / floor {r['floor_s']:.3f} s = "
                     f"{r['process_ratio']:.2f} {r.get('process_verdict', '')}")
        lines.append(line.rstrip())
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="in-process cases only")
    parser.add_argument("--out", default=str(HERE / "reduced.json"))
    args = parser.parse_args()
    rows = cases()
    in_process(rows, args.repeat)
    if not args.quick:
        tmp = Path(tempfile.mkdtemp(prefix="intertwine-bench-reduced-"))
        try:
            whole_process(rows, args.repeat, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print(table(rows))
    print(f"\nload average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs; best of "
          f"{args.repeat}, interleaved with the floor.")
    for r in rows:
        r.pop("e3nn", None)
    Path(args.out).write_text(json.dumps({"machine": machine(), "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
