"""Side by side with escnn: steerable convolutions of C4 and D4, kernel sizes 3, 5, 7.

escnn (Cesa, Lang, Weiler 2022) builds ``R2Conv`` by sampling an analytic kernel basis
on the pixel grid.  intertwine's ``EquivariantConv2d`` reads the exact basis of
``G: Rin -> Rout * Grid(k)`` from a file (or computes it from the spec).  escnn lives in
its own virtualenv (bench/.venv-escnn, made by ``make bench-escnn``) and never enters
``make test``; this script runs under it and drives intertwine (the project's .venv)
through a subprocess running this same file with ``--intertwine-worker``, so neither
tool's dependencies meet the other's.

Per case (group C4 or D4, fields regular or trivial, kernel size k):

* ``dims``: escnn's basis dimension (``R2Conv(...).basisexpansion.dimension()``) and
  intertwine's ``n_basis``.  ``span``: escnn's exported filters, one per basis element
  (unit weights through ``expand_parameters``), lie inside intertwine's space: the
  relative residual of their projection onto it is below 1e-5 (escnn samples in float32).
  escnn's field representations are matched to intertwine's first: C4's regular
  representation is the same cyclic shift; D4's is related by the permutation that sends
  escnn's element ``w`` to intertwine's ``w`` for words ``w`` in the rotation and the
  reflection (``flipRot2dOnR2(4, axis=0)``: the reflection (x, y) -> (x, -y), as
  ``D(4)``'s i -> -i on ``Grid(k)``).
* build times: escnn's ``R2Conv(in_type, out_type, k)`` in a fresh process that has
  imported escnn and built the field types (escnn caches bases within a process, so only
  a first construction counts), best of 2, and that whole process (``python -c``
  importing escnn and building it); intertwine's ``EquivariantConv2d`` from a cached
  file and from the spec (computing it), in process (after importing intertwine.torch,
  best of 3) and as whole processes (best of 2).  ``x file`` = escnn in process /
  intertwine from file in process; ``x proc`` = the same for whole processes.
* equivariance: max |layer(g x) - g layer(x)| over the 90-degree rotations (and for D4
  the reflections), float32, random weights, 4 fields in and out, 29 x 29 images: escnn
  with ``GeometricTensor.transform``, intertwine with ``check_equivariance``.

Usage: bench/.venv-escnn/bin/python bench/escnn_compare.py [--intertwine-venv .venv]
       [--quick] [--out bench/escnn_results.json]        (``make bench-escnn``)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIELDS = 4  # fields in and out for the equivariance check
IMAGE = 29

SPECS = {  # (group, fields) -> intertwine spec for kernel size k
    ("C4", "regular"): "C(4): V -> V * Grid({k})",
    ("C4", "trivial"): "C(4): 1 -> Grid({k})",
    ("D4", "regular"): "D(4): reg -> reg * Grid({k})",
    ("D4", "trivial"): "D(4): 1 -> Grid({k})",
}


def wall(command: list[str], repeats: int = 2) -> tuple[float, float]:
    """Best wall time of a whole process and best number it printed last, seconds."""
    best, printed = float("inf"), float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run(command, check=True, capture_output=True, text=True,
                              timeout=600)
        best = min(best, time.perf_counter() - start)
        lines = done.stdout.split()
        printed = min(printed, float(lines[-1]) if lines else float("inf"))
    return best, printed


# -- escnn side (runs in bench/.venv-escnn) -----------------------------------------------

ESCNN_BUILD = """
import sys, time
from escnn import gspaces, nn
group, fields, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
r2 = gspaces.rot2dOnR2(4) if group == "C4" else gspaces.flipRot2dOnR2(4, axis=0.0)
rep = r2.regular_repr if fields == "regular" else r2.trivial_repr
t = nn.FieldType(r2, [rep])
start = time.perf_counter()
nn.R2Conv(t, t, k)
print(time.perf_counter() - start)
"""


def escnn_gspace(group: str):
    from escnn import gspaces

    return gspaces.rot2dOnR2(4) if group == "C4" else gspaces.flipRot2dOnR2(4, axis=0.0)


def escnn_case(group: str, fields: str, k: int) -> dict:
    import numpy as np
    import torch
    from escnn import nn

    r2 = escnn_gspace(group)
    rep = r2.regular_repr if fields == "regular" else r2.trivial_repr
    field_type = nn.FieldType(r2, [rep])
    conv = nn.R2Conv(field_type, field_type, k)
    dim = conv.basisexpansion.dimension()
    filters = []
    with torch.no_grad():
        for i in range(dim):
            conv.weights.zero_()
            conv.weights[i] = 1
            filters.append(conv.expand_parameters()[0].double().numpy().copy())
    # equivariance, several fields, random weights
    many = nn.FieldType(r2, [rep] * FIELDS)
    big = nn.R2Conv(many, many, k, padding=(k - 1) // 2)
    big.eval()
    x = nn.GeometricTensor(torch.randn(2, many.size, IMAGE, IMAGE), many)
    with torch.no_grad():
        y = big(x)
        error = max(float((big(x.transform(g)).tensor - y.transform(g).tensor).abs().max())
                    for g in r2.testing_elements)
    return {"escnn_dim": dim, "escnn_filters": np.stack(filters),
            "escnn_field_matrices": [np.asarray(rep(g)) for g in _generators(r2, group)],
            "escnn_error": error}


def _generators(r2, group: str) -> list:
    G = r2.fibergroup
    if group == "C4":
        return [G.element(1)]
    return [G.element((0, 1)), G.element((1, 0))]  # rotation, reflection: as D(4)'s order


# -- intertwine side (runs in the project's .venv, ``--intertwine-worker``) -------------

def intertwine_worker(request: Path) -> None:
    import numpy as np
    import torch

    import intertwine
    from intertwine.torch import EquivariantConv2d, check_equivariance

    job = json.loads(request.read_text())
    spec, path = job["spec"], job["file"]
    start = time.perf_counter()
    basis = intertwine.compute(spec)
    compute_s = time.perf_counter() - start
    basis.save(path)
    times = {}
    for source in ("file", "spec"):
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            EquivariantConv2d(path if source == "file" else spec)
            best = min(best, time.perf_counter() - start)
        times[source] = best
    conv = EquivariantConv2d(path, FIELDS, FIELDS, dtype=torch.float32)
    error = check_equivariance(conv, n_samples=16, batch=2, image_size=IMAGE)
    # the rows vec(B_m) and the field parts of the stored generators (R_in = rep_in)
    rows = basis.dense().reshape(basis.n_basis, -1).astype(np.float64)
    field_generators = [g.toarray() for g in basis.generators.in_]
    np.savez(job["out"], rows=rows, field_generators=np.array(field_generators))
    Path(job["out"] + ".json").write_text(json.dumps({
        "n_basis": basis.n_basis, "compute_s": compute_s, "from_file_s": times["file"],
        "from_spec_s": times["spec"], "intertwine_error": error}))


def run_intertwine(spec: str, venv: Path, tmp: Path) -> dict:
    path, out = str(tmp / "kernel.h5"), str(tmp / "rows")
    request = tmp / "request.json"
    request.write_text(json.dumps({"spec": spec, "file": path, "out": out}))
    python = str(venv / "bin" / "python")
    subprocess.run([python, __file__, "--intertwine-worker", str(request)], check=True,
                   timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)})
    import numpy as np

    result = json.loads(Path(out + ".json").read_text())
    arrays = np.load(out + ".npz")
    result["rows"], result["field_generators"] = arrays["rows"], arrays["field_generators"]
    build = "from intertwine.torch import EquivariantConv2d; EquivariantConv2d({!r})"
    result["process_file_s"] = wall([python, "-c", build.format(path)])[0]
    result["process_spec_s"] = wall([python, "-c", build.format(spec)])[0]
    return result


# -- comparing -------------------------------------------------------------------------

def field_permutation(escnn_gens: list, ours: list):
    """P with P rho_escnn(g) P^-1 = rho_intertwine(g) for regular representations: the
    element reached by a word from the identity (index 0 in both) corresponds."""
    import numpy as np

    size = ours[0].shape[0]
    where = {0: 0}  # escnn index -> intertwine index
    frontier = [(np.eye(size)[:, 0], np.eye(size)[:, 0])]
    while frontier:
        e, o = frontier.pop()
        for ge, go in zip(escnn_gens, ours):
            e2, o2 = ge @ e, go @ o
            i, j = int(np.argmax(e2)), int(np.argmax(o2))
            if i not in where:
                where[i] = j
                frontier.append((e2, o2))
    perm = np.zeros((size, size))
    for i, j in where.items():
        perm[j, i] = 1
    return perm


def contained(rows, filters, perm, k: int) -> float:
    """Relative residual of escnn's filters projected onto intertwine's row space."""
    import numpy as np

    # field components to intertwine's order, then the contract's layout:
    # filter (c_out, c_in, k, k) -> B (c_out, k, k, c_in) -> row-major vector
    moved = np.einsum("ja,nabrc,kb->njkrc", perm, filters, perm)
    vectors = moved.transpose(0, 1, 3, 4, 2).reshape(len(filters), -1)
    q, _ = np.linalg.qr(rows.T)
    residual = vectors - (vectors @ q) @ q.T
    return float(np.linalg.norm(residual) / max(np.linalg.norm(vectors), 1e-300))


def compare(group: str, fields: str, k: int, venv: Path, tmp: Path) -> dict:
    import numpy as np

    spec = SPECS[group, fields].format(k=k)
    ours = run_intertwine(spec, venv, tmp)
    theirs = escnn_case(group, fields, k)
    if fields == "regular":
        perm = field_permutation(theirs["escnn_field_matrices"], list(ours["field_generators"]))
    else:
        perm = np.eye(1)
    escnn_process, escnn_build = wall([sys.executable, "-c", ESCNN_BUILD, group, fields,
                                       str(k)])
    return {
        "group": group, "fields": fields, "k": k, "spec": spec,
        "escnn_dim": theirs["escnn_dim"], "intertwine_dim": ours["n_basis"],
        "span_residual": contained(ours["rows"], theirs["escnn_filters"], perm, k),
        "escnn_build_s": escnn_build, "escnn_process_s": escnn_process,
        "from_file_s": ours["from_file_s"], "from_spec_s": ours["from_spec_s"],
        "process_file_s": ours["process_file_s"], "process_spec_s": ours["process_spec_s"],
        "escnn_error": theirs["escnn_error"], "intertwine_error": ours["intertwine_error"],
    }


HEADER = (f"{'case':18} {'dims e/i':>9} {'span':>5} {'escnn':>8} {'file':>8} "
          f"{'spec':>8} {'x file':>7} {'e proc':>7} {'f proc':>7} {'s proc':>7} "
          f"{'x proc':>6} {'err e':>8} {'err i':>8}")


def row_line(r: dict) -> str:
    return (f"{r['group']} {r['fields']:8} k={r['k']:<3} "
            f"{r['escnn_dim']:>4}/{r['intertwine_dim']:<4} "
            f"{'yes' if r['span_residual'] < 1e-5 else 'NO':>5} "
            f"{1e3 * r['escnn_build_s']:7.1f}m {1e3 * r['from_file_s']:7.2f}m "
            f"{1e3 * r['from_spec_s']:7.1f}m "
            f"{r['escnn_build_s'] / r['from_file_s']:6.0f}x "
            f"{r['escnn_process_s']:6.2f}s {r['process_file_s']:6.2f}s "
            f"{r['process_spec_s']:6.2f}s "
            f"{r['escnn_process_s'] / r['process_file_s']:5.1f}x "
            f"{r['escnn_error']:8.1e} {r['intertwine_error']:8.1e}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intertwine-venv", type=Path, default=ROOT / ".venv")
    parser.add_argument("--quick", action="store_true", help="kernel size 3 only")
    parser.add_argument("--out", type=Path, default=HERE / "escnn_results.json")
    parser.add_argument("--intertwine-worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.intertwine_worker:
        intertwine_worker(args.intertwine_worker)
        return 0
    import escnn  # noqa: F401 -- imported before timing, as a user's process has
    import torch

    torch.set_num_threads(1)
    rows = []
    sizes = (3,) if args.quick else (3, 5, 7)
    print(HEADER, flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for group in ("C4", "D4"):
            for fields in ("regular", "trivial"):
                for k in sizes:
                    rows.append(compare(group, fields, k, args.intertwine_venv, Path(tmp)))
                    print(row_line(rows[-1]), flush=True)
    args.out.write_text(json.dumps(rows, indent=1))
    bad = [r for r in rows if r["span_residual"] >= 1e-5]
    print(f"\n{len(rows) - len(bad)}/{len(rows)} escnn spaces inside intertwine's; "
          f"escnn build / intertwine from file: "
          f"{min(r['escnn_build_s'] / r['from_file_s'] for r in rows):.0f}x to "
          f"{max(r['escnn_build_s'] / r['from_file_s'] for r in rows):.0f}x; results in "
          f"{args.out}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
