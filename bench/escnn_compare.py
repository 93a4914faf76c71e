"""Side by side with escnn: steerable convolutions of C4 and D4 (kernel sizes 3, 5, 7),
and in 3-D of the cube's groups, Octa and FullOcta (``--cases 3d``; with D8).

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
* build times, always of the first construction in a fresh process (each library
  caches within a process) and as the wall time of that whole process (``python -c``,
  imports included), best of a few: escnn's ``R2Conv(in_type, out_type, k)`` after
  importing escnn and building the field types, *cold* (escnn's joblib disk cache,
  ``escnn/group/_cache`` in its site-packages, emptied first: a fresh environment, CI
  container or cluster node) and *warm* (the cache filled by the cold run; escnn stores
  irrep restrictions and Clebsch-Gordan decompositions there, which D4 needs and C4
  does not); intertwine's ``EquivariantConv2d`` after ``from intertwine.torch import
  EquivariantConv2d``, from a cached file and from the spec (computing the basis).
  ``gc``: the part of the in-process time spent in Python's full (generation 2) garbage
  collections.  Importing torch leaves one due (about 50 ms over torch's objects here),
  which the next code that allocates pays: the imports of escnn and of intertwine.torch
  (with h5py, its file reader) do, so the constructions timed here normally meet none.  Every timed
  process runs with one BLAS/OpenMP thread (on a shared machine spinning BLAS threads
  slowed escnn tenfold), and intertwine's modules are compiled to bytecode first, as an
  installed package's are.  The escnn cache is moved aside during the run and put back
  (then filled for every case) at the end.
* equivariance: max |layer(g x) - g layer(x)| over the 90-degree rotations (and for D4
  the reflections), float32, random weights, 4 fields in and out, 29 x 29 images: escnn
  with ``GeometricTensor.transform``, intertwine with ``check_equivariance``.

* peak memory (both sides, every timed process): the process's peak RSS (Linux's
  VmHWM, imports included: torch alone is some 400 MiB; ``ru_maxrss`` would report this
  script's own peak, as the child is started by vfork) and the construction's own peak
  above the RSS it started from (VmHWM reset just before it through
  ``/proc/self/clear_refs``).

3-D (``--cases 3d``, ``bench/escnn3d_results.json`` with the machine and the date):
``R3Conv`` of one regular field (``octaOnR3``, ``fullOctaOnR3``) against
``EquivariantConv3d`` on ``Octa: reg -> reg * Grid(k)`` (k = 3, 5) and ``FullOcta: reg
-> reg * Grid(3)``, timed and compared as above; cold escnn runs take minutes and a GB,
so they are timed once (``--cold-repeats-3d``).  For the span the two groups' elements
are matched by how they move the voxels (``GeometricTensor.transform`` of one-hot scalar
fields against the grid part of intertwine's stored generators: the cube's symmetries
act faithfully on a k^3 grid, so whatever the axes mean to each library the same
permutation names the same element), then the regular representations as for D4.  The
equivariance error uses one field on 9^3 voxels, over all the group's elements.  D8
(k = 3, 5): escnn alone, cold and warm; intertwine's pixel grids serve n in {1, 2, 4} (a
45-degree rotation does not permute pixels), and what ``intertwine dim`` answers to
``D(8): reg -> reg * Grid(k)`` is recorded; escnn's error is taken over the rotations by
multiples of 90 degrees and the reflections (the others its ``transform`` interpolates).

Usage: bench/.venv-escnn/bin/python bench/escnn_compare.py [--intertwine-venv .venv]
       [--quick] [--cases 2d|3d|all] [--repeats 3] [--cold-repeats-3d 1]
       [--out bench/escnn_results.json] [--out3d bench/escnn3d_results.json]
       (``make bench-escnn``: all cases)
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
FIELDS_3D, IMAGE_3D = 1, 9  # the same in 3-D: one regular field, 9^3 voxels
CASES_3D = [("Octa", 3), ("Octa", 5), ("FullOcta", 3)]
SIZES_D8 = (3, 5)

SPECS = {  # (group, fields) -> intertwine spec for kernel size k
    ("C4", "regular"): "C(4): V -> V * Grid({k})",
    ("C4", "trivial"): "C(4): 1 -> Grid({k})",
    ("D4", "regular"): "D(4): reg -> reg * Grid({k})",
    ("D4", "trivial"): "D(4): 1 -> Grid({k})",
}


# -- escnn side (runs in bench/.venv-escnn) -----------------------------------------------

#: one thread for BLAS and OpenMP in every timed process, both tools
THREADS = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}

#: prints the first construction's time and the full garbage collections' share of it
TIMER = """
import gc, sys, time
_gc, _start = [0.0], [0.0]
def _note(phase, info):
    if info["generation"] == 2:
        if phase == "start":
            _start[0] = time.perf_counter()
        else:
            _gc[0] += time.perf_counter() - _start[0]
gc.callbacks.append(_note)
def _status(key):  # KiB
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
def timed(build):
    _gc[0] = 0.0
    imports = _status("VmHWM")  # the peak so far (ru_maxrss would report the parent's)
    with open("/proc/self/clear_refs", "w") as f:  # VmHWM := VmRSS: the build's own peak
        f.write("5")
    before = _status("VmRSS")
    start = time.perf_counter()
    build()
    print(time.perf_counter() - start, _gc[0], before, _status("VmHWM"),
          max(imports, _status("VmHWM")))
sys.path.append(sys.argv.pop(1))  # the bench folder: escnn_gspace
"""

ESCNN_BUILD = TIMER + """
from escnn import nn
from escnn_compare import escnn_gspace
group, fields, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
space = escnn_gspace(group)
rep = space.regular_repr if fields == "regular" else space.trivial_repr
t = nn.FieldType(space, [rep])
conv = nn.R3Conv if space.dimensionality == 3 else nn.R2Conv
timed(lambda: conv(t, t, k))
"""

INTERTWINE_BUILD = TIMER + """
from intertwine.torch import EquivariantConv2d, EquivariantConv3d
conv = EquivariantConv3d if sys.argv[2] == "3" else EquivariantConv2d
timed(lambda: conv(sys.argv[1]))
"""


#: leaves escnn's disk cache filled for every case
ESCNN_FILL = """
from escnn import gspaces, nn
for r2 in (gspaces.rot2dOnR2(4), gspaces.flipRot2dOnR2(4, axis=0.0)):
    for rep in (r2.regular_repr, r2.trivial_repr):
        t = nn.FieldType(r2, [rep])
        for k in (3, 5, 7):
            nn.R2Conv(t, t, k)
"""


def escnn_cache() -> Path:
    from escnn.group import __cache_path__

    return Path(__cache_path__)


def time_process(command: list[str], repeats: int, env: dict | None = None,
                 before=None) -> dict:
    """Best of ``repeats`` fresh processes: wall time, and the construction time and its
    garbage-collection share that the process printed (seconds).  ``before()`` runs
    before each (emptying escnn's cache for cold runs)."""
    best = {"process_s": float("inf"), "build_s": float("inf"), "gc_s": float("inf"),
            "peak_mib": 0.0, "build_mib": 0.0, "runs": repeats}
    for _ in range(repeats):
        if before is not None:
            before()
        start = time.perf_counter()
        done = subprocess.run(command, check=True, capture_output=True, text=True,
                              timeout=3600, env={**os.environ, **THREADS, **(env or {})})
        elapsed = time.perf_counter() - start
        build, gc_s, rss_before, build_peak, peak = (float(v) for v in
                                                     done.stdout.split()[-5:])
        best["process_s"] = min(best["process_s"], elapsed)
        if build < best["build_s"]:
            best["build_s"], best["gc_s"] = build, gc_s
        # KiB: the whole process's peak RSS (imports included), and the build's peak
        # above the RSS it started from (Linux's VmHWM, reset just before the build)
        best["peak_mib"] = max(best["peak_mib"], peak / 1024)
        best["build_mib"] = max(best["build_mib"], (build_peak - rss_before) / 1024)
    return best


def escnn_gspace(group: str):
    """escnn's gspace for a case's group (the reflection of D4 and D8 as D(n)'s on
    ``Grid(k)``: (x, y) -> (x, -y))."""
    from escnn import gspaces

    return {"C4": lambda: gspaces.rot2dOnR2(4),
            "D4": lambda: gspaces.flipRot2dOnR2(4, axis=0.0),
            "D8": lambda: gspaces.flipRot2dOnR2(8, axis=0.0),
            "Octa": gspaces.octaOnR3, "FullOcta": gspaces.fullOctaOnR3}[group]()


def escnn_case(group: str, fields: str, k: int, n_fields: int = FIELDS,
               image: int = IMAGE) -> dict:
    """escnn's basis (one filter per basis element), its field matrices and its
    equivariance error with ``n_fields`` fields in and out on ``image``-sized inputs."""
    import numpy as np
    import torch
    from escnn import nn

    space = escnn_gspace(group)
    conv_class = nn.R3Conv if space.dimensionality == 3 else nn.R2Conv
    rep = space.regular_repr if fields == "regular" else space.trivial_repr
    field_type = nn.FieldType(space, [rep])
    conv = conv_class(field_type, field_type, k)
    dim = conv.basisexpansion.dimension()
    filters = []
    with torch.no_grad():
        for i in range(dim):
            conv.weights.zero_()
            conv.weights[i] = 1
            filters.append(conv.expand_parameters()[0].double().numpy().copy())
    # equivariance, several fields, random weights, over the elements that move pixels to
    # pixels (all but D8's odd multiples of 45 degrees, which escnn's transform interpolates)
    many = nn.FieldType(space, [rep] * n_fields)
    big = conv_class(many, many, k, padding=(k - 1) // 2)
    big.eval()
    x = nn.GeometricTensor(torch.randn(2, many.size, *(image,) * space.dimensionality), many)
    elements = [g for g in space.testing_elements
                if group != "D8" or g.to("int")[1] % 2 == 0]
    with torch.no_grad():
        y = big(x)
        error = max(float((big(x.transform(g)).tensor - y.transform(g).tensor).abs().max())
                    for g in elements)
    result = {"escnn_dim": dim, "escnn_filters": np.stack(filters), "escnn_error": error,
              "escnn_error_elements": len(elements)}
    if group in ("C4", "D4"):
        result["escnn_field_matrices"] = [np.asarray(rep(g))
                                          for g in _generators(space, group)]
    elif space.dimensionality == 3:
        result["escnn_elements"] = escnn_voxel_actions(space, rep, k)
    return result


def escnn_voxel_actions(space, rep, k: int) -> list:
    """(voxel permutation matrix, rho(g)) for every element g: the permutation from
    ``GeometricTensor.transform`` of one-hot scalar fields (column v: where voxel v goes)."""
    import numpy as np
    import torch
    from escnn import nn

    scalar = nn.FieldType(space, [space.trivial_repr])
    one_hot = nn.GeometricTensor(torch.eye(k ** 3).reshape(k ** 3, 1, k, k, k), scalar)
    actions = []
    for g in space.fibergroup.elements:
        moved = one_hot.transform(g).tensor.reshape(k ** 3, k ** 3).double().numpy().T
        actions.append((np.rint(moved), np.asarray(rep(g))))
    return actions


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
    from intertwine.torch import EquivariantConv2d, EquivariantConv3d, check_equivariance

    job = json.loads(request.read_text())
    spec, path = job["spec"], job["file"]
    conv_class = EquivariantConv3d if job.get("ndim") == 3 else EquivariantConv2d
    fields, image = job.get("fields", FIELDS), job.get("image", IMAGE)
    start = time.perf_counter()
    basis = intertwine.compute(spec)
    compute_s = time.perf_counter() - start
    basis.save(path)
    times = {}  # later constructions in this process (modules loaded, caches warm)
    for source in ("file", "spec"):
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            conv_class(path if source == "file" else spec)
            best = min(best, time.perf_counter() - start)
        times[source] = best
    conv = conv_class(path, fields, fields, dtype=torch.float32)
    error = check_equivariance(conv, n_samples=16, batch=2, image_size=image)
    # the rows vec(B_m) as sparse entries (dense, Octa k=5 would be 1.7 GB), and the
    # field parts of the stored generators (R_in = rep_in)
    entries = basis.entries()
    rows = np.stack([entries.index.astype(np.int64),
                     entries.row.astype(np.int64) * basis.dim_in + entries.col,
                     ]).astype(np.int64)
    field_generators = [g.toarray() for g in basis.generators.in_]
    out_generators = [g.toarray() for g in basis.generators.out]
    np.savez(job["out"], rows=rows, values=np.asarray(entries.value, np.float64),
             shape=np.array([basis.n_basis, basis.dim_out * basis.dim_in]),
             field_generators=np.array(field_generators),
             out_generators=np.array(out_generators))
    Path(job["out"] + ".json").write_text(json.dumps({
        "n_basis": basis.n_basis, "compute_s": compute_s, "file_again_s": times["file"],
        "spec_again_s": times["spec"], "intertwine_error": error}))


def run_intertwine(spec: str, venv: Path, tmp: Path, repeats: int, ndim: int = 2,
                   fields: int = FIELDS, image: int = IMAGE) -> dict:
    path, out = str(tmp / "kernel.h5"), str(tmp / "rows")
    request = tmp / "request.json"
    request.write_text(json.dumps({"spec": spec, "file": path, "out": out, "ndim": ndim,
                                   "fields": fields, "image": image}))
    python = str(venv / "bin" / "python")
    env = {"PYTHONPATH": str(ROOT)}
    subprocess.run([python, __file__, "--intertwine-worker", str(request)], check=True,
                   timeout=600, env={**os.environ, **env})
    import numpy as np

    result = json.loads(Path(out + ".json").read_text())
    arrays = np.load(out + ".npz")
    from scipy.sparse import csr_matrix

    (index, flat), shape = arrays["rows"], tuple(arrays["shape"])
    result["rows"] = csr_matrix((arrays["values"], (index, flat)), shape=shape)
    for name in ("field_generators", "out_generators"):
        result[name] = arrays[name]
    for source, arg in (("file", path), ("spec", spec)):
        result[source] = time_process([python, "-c", INTERTWINE_BUILD, str(HERE), arg,
                                       str(ndim)], repeats, env)
    return result


def run_escnn(group: str, fields: str, k: int, repeats: int,
              cold_repeats: int | None = None) -> dict:
    """Cold (cache emptied before each run) and then warm (filled by the cold runs)."""
    import shutil

    command = [sys.executable, "-W", "ignore", "-c", ESCNN_BUILD, str(HERE), group, fields,
               str(k)]
    cache = escnn_cache()
    cold = time_process(command, cold_repeats or max(2, repeats - 1),
                        before=lambda: shutil.rmtree(cache, ignore_errors=True))
    return {"cold": cold, "warm": time_process(command, repeats)}


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


def contained(rows, filters, perm) -> float:
    """Relative residual of escnn's filters projected onto intertwine's row space (rows:
    sparse, one vec(B_m) each; the projection by the normal equations, n_basis^2)."""
    import numpy as np

    # field components to intertwine's order, then the layout of docs/specs.rst:
    # filter (c_out, c_in, k, ..., k) -> B (c_out, k, ..., k, c_in) -> row-major vector
    moved = np.einsum("ja,nab...,kb->njk...", perm, filters, perm)
    vectors = np.moveaxis(moved, 2, -1).reshape(len(filters), -1)
    gram = (rows @ rows.T).toarray()
    coefficients = np.linalg.solve(gram, np.asarray(rows @ vectors.T))
    residual = vectors - np.asarray(rows.T @ coefficients).T
    return float(np.linalg.norm(residual) / max(np.linalg.norm(vectors), 1e-300))


def compare(group: str, fields: str, k: int, venv: Path, tmp: Path, repeats: int) -> dict:
    import numpy as np

    spec = SPECS[group, fields].format(k=k)
    ours = run_intertwine(spec, venv, tmp, repeats)
    times = run_escnn(group, fields, k, repeats)
    theirs = escnn_case(group, fields, k)
    if fields == "regular":
        perm = field_permutation(theirs["escnn_field_matrices"], list(ours["field_generators"]))
    else:
        perm = np.eye(1)
    return _row(group, fields, k, spec, ours, theirs, times, perm)


def _row(group: str, fields: str, k: int, spec: str, ours: dict, theirs: dict, times: dict,
         perm) -> dict:
    """What a 2-D and a 3-D case record alike."""
    return {
        "group": group, "fields": fields, "k": k, "spec": spec,
        "escnn_dim": theirs["escnn_dim"], "intertwine_dim": ours["n_basis"],
        "span_residual": contained(ours["rows"], theirs["escnn_filters"], perm),
        "escnn_cold": times["cold"], "escnn_warm": times["warm"],
        "file": ours["file"], "spec_build": ours["spec"],
        "file_again_s": ours["file_again_s"], "spec_again_s": ours["spec_again_s"],
        "escnn_error": theirs["escnn_error"], "intertwine_error": ours["intertwine_error"],
    }


def matched_generators(ours: dict, escnn_elements: list) -> list:
    """escnn's rho(g) for the elements g that move voxels as intertwine's generators do.

    intertwine's ``Rout * Grid(k)`` generator is kron(rho(g), grid(g)) (docs/specs.rst):
    grid(g) is the block of rows a*K.. (a = where rho(g) sends element 0) and columns
    0..K.  The cube's symmetries act faithfully on the voxels (k >= 3), so the voxel
    permutation names one element of escnn's group: both groups then act on the same
    array by the same permutations, whatever the axes mean to each."""
    import numpy as np

    matched = []
    for field, out in zip(ours["field_generators"], ours["out_generators"]):
        a, voxels = int(np.argmax(field[:, 0])), out.shape[0] // field.shape[0]
        grid = out[a * voxels:(a + 1) * voxels, :voxels]
        found = [rho for moved, rho in escnn_elements if np.array_equal(moved, grid)]
        if len(found) != 1:
            raise RuntimeError(f"{len(found)} escnn elements move the voxels as "
                               f"intertwine's generator does")
        matched.append(found[0])
    return matched


def compare3d(group: str, k: int, venv: Path, tmp: Path, repeats: int,
              cold_repeats: int) -> dict:
    """A 3-D case: regular fields of Octa or FullOcta, ``R3Conv`` against
    ``EquivariantConv3d``."""
    import numpy as np

    spec = f"{group}: reg -> reg * Grid({k})"
    ours = run_intertwine(spec, venv, tmp, repeats, ndim=3, fields=FIELDS_3D,
                          image=IMAGE_3D)
    times = run_escnn(group, "regular", k, repeats, cold_repeats)
    theirs = escnn_case(group, "regular", k, FIELDS_3D, IMAGE_3D)
    gens = matched_generators(ours, theirs["escnn_elements"])
    perm = field_permutation(gens, list(ours["field_generators"]))
    fields_agree = all(np.allclose(perm @ g @ perm.T, r, atol=1e-6)
                       for g, r in zip(gens, ours["field_generators"]))
    return {**_row(group, "regular", k, spec, ours, theirs, times, perm),
            "fields_agree": fields_agree, "error_elements": theirs["escnn_error_elements"]}


def compare_d8(k: int, venv: Path, repeats: int, cold_repeats: int) -> dict:
    """D8: escnn only -- intertwine's pixel grids serve n in {1, 2, 4} (a 45-degree
    rotation does not permute pixels); what intertwine says to the spec is recorded."""
    spec = f"D(8): reg -> reg * Grid({k})"
    done = subprocess.run([str(venv / "bin" / "intertwine"), "dim", spec], text=True,
                          capture_output=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    times = run_escnn("D8", "regular", k, repeats, cold_repeats)
    theirs = escnn_case("D8", "regular", k)
    return {
        "group": "D8", "fields": "regular", "k": k, "spec": spec,
        "escnn_dim": theirs["escnn_dim"], "escnn_cold": times["cold"],
        "escnn_warm": times["warm"], "escnn_error": theirs["escnn_error"],
        "error_elements": theirs["escnn_error_elements"],
        "intertwine_exit": done.returncode,
        "intertwine_says": (done.stderr or done.stdout).strip().splitlines()[:4],
    }


def case_name(r: dict) -> str:
    return f"{r['group']} {r['fields']:8} k={r['k']:<2}"


def tables(rows: list[dict]) -> str:
    """Three tables: what is built, in-process build times, whole processes."""
    lines = [f"{'case':17} {'dims e/i':>9} {'span':>5} {'err escnn':>10} {'err intw':>9}"]
    for r in rows:
        lines.append(f"{case_name(r)} {r['escnn_dim']:>4}/{r['intertwine_dim']:<4} "
                     f"{'yes' if r['span_residual'] < 1e-5 else 'NO':>5} "
                     f"{r['escnn_error']:10.1e} {r['intertwine_error']:9.1e}")
    for title, key, unit, scale, fmt in (
            ("in process, first construction", "build_s", "ms", 1e3, "8.1f"),
            ("whole process", "process_s", "s", 1.0, "8.2f")):
        lines += ["", f"{title} ({unit}); x = escnn / intertwine",
                  f"{'case':17} {'e cold':>8} {'e warm':>8} {'file':>8} {'spec':>8} "
                  f"{'cold/f':>7} {'warm/f':>7} {'cold/s':>7} {'warm/s':>7}"
                  + ("  gc ms: e cold/e warm/file/spec" if key == "build_s" else "")]
        for r in rows:
            runs = [r[name] for name in ("escnn_cold", "escnn_warm", "file", "spec_build")]
            c, w, f, s = (run[key] for run in runs)
            line = (f"{case_name(r)} {scale * c:{fmt}} {scale * w:{fmt}} {scale * f:{fmt}} "
                    f"{scale * s:{fmt}} {c / f:6.1f}x {w / f:6.1f}x {c / s:6.1f}x "
                    f"{w / s:6.1f}x")
            if key == "build_s":
                line += "  " + "/".join(f"{1e3 * run['gc_s']:.0f}" for run in runs)
            lines.append(line)
    return "\n".join(lines)


def ratio_range(rows: list[dict], escnn: str, ours: str, gc: bool) -> str:
    """min to max of escnn / intertwine in process, with or without full collections."""
    def t(run):
        return run["build_s"] - (0.0 if gc else run["gc_s"])
    ratios = [t(r[escnn]) / t(r[ours]) for r in rows]
    return f"{min(ratios):.1f}x to {max(ratios):.1f}x"


def with_ratios(r: dict) -> dict:
    """escnn / intertwine from a file, in process and whole process; peak memory."""
    if "file" in r:
        for escnn in ("cold", "warm"):
            theirs, ours = r[f"escnn_{escnn}"], r["file"]
            r[f"{escnn}_over_file"] = theirs["build_s"] / ours["build_s"]
            r[f"{escnn}_over_file_no_gc"] = ((theirs["build_s"] - theirs["gc_s"])
                                             / (ours["build_s"] - ours["gc_s"]))
            r[f"{escnn}_over_file_process"] = theirs["process_s"] / ours["process_s"]
            r[f"{escnn}_over_file_peak"] = theirs["peak_mib"] / ours["peak_mib"]
            r[f"{escnn}_over_file_build_mib"] = (theirs["build_mib"]
                                                 / max(ours["build_mib"], 1.0))
        r["span_inside"] = r["span_residual"] < 1e-5
    return r


def tables3d(rows: list[dict], cold_repeats: int, repeats: int) -> str:
    """The 3-D cases and D8: what is built, build times, memory, with the goals."""
    ours = [r for r in rows if "file" in r]
    lines = [f"3-D: escnn cold best of {cold_repeats} process(es), warm and intertwine best "
             f"of {repeats}; in-process first construction (s) and peak RSS (MiB)",
             f"{'case':22} {'dims e/i':>9} {'span':>4} {'err e':>7} {'err i':>7} "
             f"{'e cold':>7} {'e warm':>7} {'file':>6} {'cold/f':>7} {'warm/f':>7} "
             f"{'MiB e':>6} {'MiB i':>6} {'mem':>5} {'+MiB e/i':>9}"]
    for r in ours:
        c, w, f = r["escnn_cold"], r["escnn_warm"], r["file"]
        lines.append(
            f"{r['group'] + ' k=' + str(r['k']):22} {r['escnn_dim']:>4}/{r['intertwine_dim']:<4} "
            f"{'yes' if r['span_inside'] and r['fields_agree'] else 'NO':>4} "
            f"{r['escnn_error']:7.1e} {r['intertwine_error']:7.1e} {c['build_s']:7.2f} "
            f"{w['build_s']:7.2f} {f['build_s']:6.3f} {r['cold_over_file']:6.0f}x "
            f"{r['warm_over_file']:6.0f}x {c['peak_mib']:6.0f} {f['peak_mib']:6.0f} "
            f"{r['cold_over_file_peak']:4.1f}x "
            f"{c['build_mib']:4.0f}/{f['build_mib']:<4.0f}")
    for r in rows:
        if "file" not in r:
            c, w = r["escnn_cold"], r["escnn_warm"]
            lines.append(
                f"{r['group'] + ' k=' + str(r['k']):22} {r['escnn_dim']:>4}/-    "
                f"{'-':>4} {r['escnn_error']:7.1e} {'-':>7} {c['build_s']:7.2f} "
                f"{w['build_s']:7.2f}  intertwine: exit {r['intertwine_exit']}, "
                f"{' '.join(r['intertwine_says'])[:70]}; MiB e {c['peak_mib']:.0f}")
    if ours:
        lines.append(
            f"goals (from a file: cold >= 100x, warm >= 10x, peak <= 1/10): cold "
            f"{min(r['cold_over_file'] for r in ours):.0f}x to "
            f"{max(r['cold_over_file'] for r in ours):.0f}x, warm "
            f"{min(r['warm_over_file'] for r in ours):.0f}x to "
            f"{max(r['warm_over_file'] for r in ours):.0f}x, peak memory escnn cold / ours "
            f"{min(r['cold_over_file_peak'] for r in ours):.1f}x to "
            f"{max(r['cold_over_file_peak'] for r in ours):.1f}x (whole processes, torch "
            f"included), the build's own peak "
            f"{min(r['cold_over_file_build_mib'] for r in ours):.0f}x to "
            f"{max(r['cold_over_file_build_mib'] for r in ours):.0f}x; without full garbage "
            f"collections cold {min(r['cold_over_file_no_gc'] for r in ours):.0f}x to "
            f"{max(r['cold_over_file_no_gc'] for r in ours):.0f}x, warm "
            f"{min(r['warm_over_file_no_gc'] for r in ours):.0f}x to "
            f"{max(r['warm_over_file_no_gc'] for r in ours):.0f}x")
    return "\n".join(lines)


def machine() -> dict:
    """What the run was made on, for the generated tables (bench/results.py)."""
    import datetime
    import platform

    import escnn
    import torch

    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"date": f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC", "cpu": cpu,
            "cpus": os.cpu_count(), "python": platform.python_version(),
            "torch": torch.__version__, "escnn": getattr(escnn, "__version__", "1.0.11"),
            "load": os.getloadavg()[0]}


def run_cases(args, tmp: Path) -> tuple[list[dict], list[dict]]:
    rows, rows3d = [], []
    if args.cases in ("2d", "all"):
        for group in ("C4", "D4"):
            for fields in ("regular", "trivial"):
                for k in (3,) if args.quick else (3, 5, 7):
                    rows.append(compare(group, fields, k, args.intertwine_venv, tmp,
                                        args.repeats))
                    print(case_name(rows[-1]), "done", flush=True)
    if args.cases in ("3d", "all"):
        for group, k in CASES_3D[:1] if args.quick else CASES_3D:
            rows3d.append(with_ratios(compare3d(group, k, args.intertwine_venv, tmp,
                                                args.repeats, args.cold_repeats_3d)))
            print(group, k, "done", flush=True)
        for k in SIZES_D8[:1] if args.quick else SIZES_D8:
            rows3d.append(compare_d8(k, args.intertwine_venv, args.repeats,
                                     args.cold_repeats_3d))
            print("D8", k, "done", flush=True)
    return rows, rows3d


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intertwine-venv", type=Path, default=ROOT / ".venv")
    parser.add_argument("--quick", action="store_true", help="kernel size 3 only")
    parser.add_argument("--cases", choices=("2d", "3d", "all"), default="all",
                        help="2d: C4/D4; 3d: Octa/FullOcta against EquivariantConv3d, and D8")
    parser.add_argument("--out", type=Path, default=HERE / "escnn_results.json")
    parser.add_argument("--out3d", type=Path, default=HERE / "escnn3d_results.json")
    parser.add_argument("--repeats", type=int, default=3,
                        help="fresh processes per timing, best kept (cold escnn: one fewer)")
    parser.add_argument("--cold-repeats-3d", type=int, default=1,
                        help="fresh processes per cold escnn timing in 3-D and D8 (minutes "
                             "each)")
    parser.add_argument("--intertwine-worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.intertwine_worker:
        intertwine_worker(args.intertwine_worker)
        return 0
    import shutil

    import escnn  # noqa: F401 -- imported before timing, as a user's process has
    import torch

    torch.set_num_threads(1)
    # intertwine's modules as bytecode, as an installed package has them
    subprocess.run([str(args.intertwine_venv / "bin" / "python"), "-m", "compileall", "-q",
                    str(ROOT / "intertwine")], check=True)
    meta = machine()
    cache = escnn_cache()
    with tempfile.TemporaryDirectory() as tmp:
        saved = Path(tmp) / "escnn-cache"
        if cache.exists():
            shutil.move(str(cache), saved)
        try:
            rows, rows3d = run_cases(args, Path(tmp))
        finally:
            shutil.rmtree(cache, ignore_errors=True)
            if saved.exists():
                shutil.move(str(saved), cache)
            if args.cases != "3d":
                subprocess.run([sys.executable, "-W", "ignore", "-c", ESCNN_FILL],
                               check=True, env={**os.environ, **THREADS})
    bad = []
    if rows:
        args.out.write_text(json.dumps(rows, indent=1))
        print(tables(rows))
        bad = [r for r in rows if r["span_residual"] >= 1e-5]
        print(f"\n{len(rows) - len(bad)}/{len(rows)} escnn spaces inside intertwine's; "
              f"results in {args.out}\nin process, escnn / intertwine from file: "
              f"cold {ratio_range(rows, 'escnn_cold', 'file', True)}, "
              f"warm {ratio_range(rows, 'escnn_warm', 'file', True)}; without full garbage "
              f"collections: cold {ratio_range(rows, 'escnn_cold', 'file', False)}, "
              f"warm {ratio_range(rows, 'escnn_warm', 'file', False)}")
    if rows3d:
        meta.update(repeats=args.repeats, cold_repeats=args.cold_repeats_3d,
                    fields_3d=FIELDS_3D, image_3d=IMAGE_3D)
        args.out3d.write_text(json.dumps({"meta": meta, "rows": rows3d}, indent=1))
        print(tables3d(rows3d, args.cold_repeats_3d, args.repeats))
        print(f"results in {args.out3d}")
        bad += [r for r in rows3d if "file" in r and not (r["span_inside"]
                                                           and r["fields_agree"])]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
