"""Write bench/RESULTS.rst from the benchmarks' JSON output: never edit that file by hand.

Reads the JSON files of ``bench/`` that exist (``make bench`` and the other bench targets
write them; most are git-ignored, as they describe one machine) and writes one table per
file, with the machine and the date each run recorded (the file's modification time
where a script records no date).  Files that are missing are listed as not run, so the
page always says what it is made of.

It also writes ``bench/RESULTS_conv3d.rst``: the tables of the 3-D convolutions (the
training step, escnn in 3-D), which docs/layers_between.rst includes.

Usage: python bench/results.py [--out bench/RESULTS.rst]
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (file, title, how it is made, columns: (header, key) where key is a row key or a function)
SOURCES = [
    ("results.json", "Writing bases: whole processes against the I/O floor",
     "``make bench`` (``bench/run.py``): ``intertwine basis SPEC -o FILE`` as a whole "
     "process against a process that imports numpy and h5py and writes arrays of the same "
     "shapes (``floor``); ``ratio`` = cli / floor, best of several interleaved runs; "
     "``mem`` = peak memory beyond a tiny run, per byte written.",
     [("case", "case"), ("kind", "kind"), ("method", "method"), ("n_basis", "n_basis"),
      ("entries", "entries"), ("cli s", "cli_s"), ("in-process s", "inproc_s"),
      ("floor s", "floor_s"), ("ratio", "ratio"), ("peak MiB", "peak_mib"), ("mem", "mem"),
      ("seconds", "seconds")]),
    ("exact.json", "Exact and numeric solvers: start-up and large cases",
     "``make bench`` (``bench/exact.py``): whole processes; wall seconds and peak memory.",
     [("case", "case"), ("kind", "kind"), ("method", "method"), ("cli s", "cli_s"),
      ("floor s", "floor_s"), ("ratio", "ratio"), ("seconds", "seconds"),
      ("peak MiB", "peak_mib"), ("outcome", "outcome"), ("goal", "goal"),
      ("verdict", "verdict")]),
    ("continuous.json", "Continuous groups: the solvers one process per case",
     "``python bench/continuous.py``: seconds and peak memory of one solve per process; "
     "``variant`` names the route (``subgroup``: the finite-subgroup reduction, ``plain``: "
     "without it, ``integer``: the pure-Python elimination).",
     [("case", "case"), ("method", "method"), ("variant", "variant"), ("n_basis", "n_basis"),
      ("unknowns", "unknowns"), ("seconds", "seconds"), ("peak MiB", "peak_mib")]),
    ("anyn.json", "Layers for any n",
     "``make bench`` (``bench/anyn.py``): the forward pass of an any-n ``S(n)`` layer, torch "
     "CPU float32, batch 8, 16 channels in and out; ``per x.sum()`` = forward / (n_basis x "
     "one ``x.sum()``).",
     [("case", "case"), ("n_basis", "n_basis"), ("forward ms", lambda r: _ms(r, "anyn_s")),
      ("x.sum() ms", lambda r: _ms(r, "sum_s")),
      ("per x.sum()", lambda r: r["anyn_s"] / (r["n_basis"] * r["sum_s"])),
      ("peak MB", "peak_mb"), ("input MB", "x_mb"),
      ("pattern-driven ms", lambda r: _ms(r, "sparse_s"))]),
    ("wigner.json", "Wigner 3j blocks against e3nn",
     "``make bench`` (``bench/wigner.py``): every block ``SO(3): irr(l1) * irr(l2) -> "
     "irr(l3)`` with l1, l2 <= 10, grouped by max(l1, l2): the exact closed form against "
     "e3nn's ``o3.wigner_3j`` in one process; ``max dev``: the largest deviation from "
     "e3nn's tensor up to one scalar.",
     [("max(l1, l2)", "l"), ("blocks", "blocks"), ("nonzeros", "nnz"),
      ("exact ms", lambda r: _ms(r, "ours_s")), ("e3nn ms", lambda r: _ms(r, "e3nn_s")),
      ("e3nn / exact", "ratio"), ("max dev", "max_dev")], "blocks"),
    ("reduced.json", "Decompositions against e3nn's ReducedTensorProducts",
     "``python bench/reduced.py``: ``intertwine.decompose`` (exact) against "
     "``o3.ReducedTensorProducts`` in one process, their isotypic subspaces compared, and "
     "the whole ``intertwine decompose -o`` process against a process that imports numpy "
     "and h5py.",
     [("case", "case"), ("spec", "spec"), ("intertwine ms", lambda r: _ms(r, "intertwine_s")),
      ("e3nn ms", lambda r: _ms(r, "e3nn_s")), ("speed-up", "speedup"),
      ("subspaces agree", "agrees"), ("process s", "process_s"), ("floor s", "floor_s"),
      ("process / floor", "process_ratio")]),
    ("robust.json", "Verifying large files",
     "``make bench`` (``bench/robust.py``): ``intertwine verify`` of an exact coo file "
     "against the ``intertwine basis`` that wrote it (goal: at most 3x).",
     [("spec", "spec"), ("bytes", "bytes"), ("basis s", "basis_s"), ("verify s", "verify_s"),
      ("ratio", "ratio"), ("goal met", "goal_met")], "verify"),
    ("auto_strategy.json", "Any-n layers: the auto strategy's choice",
     "``python bench/auto_strategy.py``: forward and backward of an ``S(n)`` layer from a "
     "labelled file by the dense pattern and by the any-n plan; ``auto`` follows the cost "
     "model.",
     [("spec", "spec"), ("n", "n"), ("pattern ms", lambda r: _ms(r, "pattern_s")),
      ("partitions ms", lambda r: _ms(r, "partitions_s")),
      ("auto ms", lambda r: _ms(r, "auto_s")), ("auto / best", "auto_over_best"),
      ("model picks dense", "model_picks_dense")]),
    ("conv3d_step.json", "EquivariantConv3d training step against nn.Conv3d",
     "``python bench/conv3d_step.py``: one training step (forward, backward, SGD) with the "
     "same weight shape, the two layers' steps taking turns, fastest of several, in wall "
     "time and in the thread's CPU time; and the time to build the layer from a file.",
     [("spec", "spec"), ("n_basis", "n_basis"), ("build ms", lambda r: _ms(r, "build_s")),
      ("step ms", lambda r: _ms(r, "step_s")), ("Conv3d ms", lambda r: _ms(r, "conv3d_step_s")),
      ("ratio", "step_ratio"), ("CPU-time ratio", "step_cpu_ratio")]),
    ("escnn3d_results.json", "Against escnn in 3-D, and D8",
     "``bench/escnn_compare.py --cases 3d``: escnn's ``R3Conv`` of regular fields "
     "(``octaOnR3``, ``fullOctaOnR3``) against ``EquivariantConv3d`` from a file, and "
     "escnn's ``R2Conv`` of D8 regular fields, which intertwine refuses (its pixel grids "
     "serve n in {1, 2, 4}).  Seconds: the first construction in a fresh process, escnn "
     "*cold* (its disk cache emptied) and *warm*, after ``import escnn``, and intertwine "
     "from a file after ``from intertwine.torch import EquivariantConv3d`` (which imports "
     "h5py, the file reader); ``x``: escnn / intertwine, ``no gc``: both times less any "
     "full (generation 2) garbage collection that fell in them (importing torch leaves "
     "one due, which each library's import now pays).  "
     "MiB: the process's peak RSS (torch included), and the construction's "
     "own peak above the RSS it started from.  ``span``: escnn's filters lie inside "
     "intertwine's space (after matching group elements by how they move the voxels); "
     "errors: ``max |layer(g x) - g layer(x)|`` in float32 over the group (D8: over its "
     "90-degree rotations and reflections, which move pixels to pixels).",
     [("case", lambda r: f"{r['group']} k={r['k']}"), ("dim escnn", "escnn_dim"),
      ("dim ours", "intertwine_dim"), ("span inside ours", "span_inside"),
      ("err escnn", "escnn_error"), ("err ours", "intertwine_error"),
      ("escnn cold s", lambda r: _run(r, "escnn_cold", "build_s")),
      ("escnn warm s", lambda r: _run(r, "escnn_warm", "build_s")),
      ("ours file s", lambda r: _run(r, "file", "build_s")),
      ("cold x", "cold_over_file"), ("warm x", "warm_over_file"),
      ("cold x no gc", "cold_over_file_no_gc"), ("warm x no gc", "warm_over_file_no_gc"),
      ("escnn cold MiB", lambda r: _run(r, "escnn_cold", "peak_mib")),
      ("ours MiB", lambda r: _run(r, "file", "peak_mib")),
      ("escnn build MiB", lambda r: _run(r, "escnn_cold", "build_mib")),
      ("ours build MiB", lambda r: _run(r, "file", "build_mib")),
      ("intertwine", lambda r: None if "intertwine_exit" not in r else
       f"refused (exit {r['intertwine_exit']})")]),
    ("emlp_results.json", "Against EMLP",
     "``make bench-emlp`` (``bench/emlp_compare.py``): EMLP's first and repeated basis "
     "against ``intertwine basis`` as a whole process and ``intertwine.compute`` in "
     "process.",
     [("spec", "spec"), ("N EMLP", lambda r: (r.get("emlp") or {}).get("n")),
      ("N ours", lambda r: (r.get("intertwine") or {}).get("n")),
      ("same span", lambda r: (r.get("emlp") or {}).get("span")),
      ("EMLP 1st s", lambda r: (r.get("emlp") or {}).get("first_s")),
      ("EMLP again s", lambda r: (r.get("emlp") or {}).get("again_s")),
      ("ours cli s", lambda r: (r.get("intertwine") or {}).get("cli_s")),
      ("ours in-process s", lambda r: (r.get("intertwine") or {}).get("in_process_s")),
      ("process / cli", "speedup_process_vs_cli"),
      ("again / in-process", "speedup_again_vs_in_process")]),
    ("escnn_results.json", "Against escnn",
     "``make bench-escnn`` (``bench/escnn_compare.py``): ``R2Conv`` against "
     "``EquivariantConv2d``: dimensions, span and equivariance error.",
     [("group", "group"), ("fields", "fields"), ("k", "k"), ("dim escnn", "escnn_dim"),
      ("dim ours", "intertwine_dim"),
      ("span inside ours", lambda r: None if r.get("span_residual") is None
       else r["span_residual"] < 1e-5),
      ("err escnn", "escnn_error"), ("err ours", "intertwine_error"),
      ("ours from file again s", "file_again_s"), ("ours from spec again s", "spec_again_s")]),
]


#: the tables docs/layers_between.rst includes, without titles (bench/RESULTS_conv3d.rst)
CONV3D = ("conv3d_step.json", "escnn3d_results.json")


def _run(row: dict, run: str, key: str):
    return (row.get(run) or {}).get(key)


def _ms(row: dict, key: str):
    return None if row.get(key) is None else row[key] * 1e3


def _cell(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if 100 <= abs(value) < 1e7:
            return f"{value:.0f}"
        return f"{value:.3g}"
    if isinstance(value, (dict, list)):
        return ""
    text = str(value).replace("\n", " ")
    return f"``{text}``" if any(c in text for c in "*:`|_") else text


def _rows(data, key: str = "rows") -> tuple[list[dict], dict]:
    """The rows of a JSON file (under ``key``) and what it says about its run."""
    if isinstance(data, list):
        return data, {}
    meta = dict(data.get("machine") or data.get("meta") or {})
    if "load" in data:
        meta.setdefault("load", data["load"])
    return list(data.get(key) or []), meta


def _recorded(path: Path) -> str:
    """When a run that recorded no date was made: the date its file was committed, else
    the file's modification time."""
    try:
        done = subprocess.run(["git", "log", "-1", "--format=%cs", "--", path.name],
                              cwd=path.parent, capture_output=True, text=True, timeout=30)
        if done.returncode == 0 and done.stdout.strip():
            return f"{done.stdout.strip()} (the date the file was committed)"
    except (OSError, subprocess.SubprocessError):
        pass
    stamp = datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.UTC)
    return f"{stamp:%Y-%m-%d} (the file's date)"


def _run_line(meta: dict, path: Path) -> str:
    date = meta.get("date") or _recorded(path)
    machine = meta.get("machine") or ", ".join(
        str(x) for x in (meta.get("cpu"), meta.get("cpus") and f"{meta['cpus']} CPUs")
        if x) or "machine not recorded"
    extras = [f"{k} {meta[k]}" for k in ("python", "numpy", "h5py", "torch", "escnn")
              if meta.get(k)]
    if isinstance(meta.get("load"), (int, float)):
        extras.append(f"load average {meta['load']:.1f}")
    return f"Run of {date} on {machine}" + (f"; {', '.join(extras)}" if extras else "") + "."


def _table(rows: list[dict], columns) -> list[str]:
    cells = [[_cell(key(r) if callable(key) else r.get(key)) for _, key in columns]
             for r in rows]
    keep = [i for i in range(len(columns)) if any(row[i] for row in cells)]
    header = [columns[i][0] for i in keep]
    body = [[row[i] for i in keep] for row in cells]
    widths = [max(len(x) for x in [h, *(row[j] for row in body)]) for j, h in enumerate(header)]
    rule = "  ".join("=" * w for w in widths)

    def line(values):
        return "  ".join(v.ljust(w) for v, w in zip(values, widths)).rstrip()

    # a first column that is empty would end the simple table's row: never empty
    body = [[row[0] or "-", *row[1:]] for row in body]
    return [rule, line(header), rule, *(line(row) for row in body), rule]


def render(folder: Path = HERE, only: tuple[str, ...] | None = None) -> str:
    """The page; with ``only`` (file names), just those tables, each under a rubric
    instead of a section title, for another page to include."""
    out = [] if only else [
        "Benchmark results", "=================", "",
        "Generated by ``bench/results.py`` from the JSON files the benchmarks write; never "
        "edited by hand.  Single runs on shared machines vary by 10-30 %: compare ratios "
        "measured in one run, not times across runs.", ""]
    missing = []
    for name, title, how, columns, *key in SOURCES:
        if only and name not in only:
            continue
        path = folder / name
        if not path.exists():
            missing.append(f"``bench/{name}``: {title}")
            continue
        try:
            rows, meta = _rows(json.loads(path.read_text()), *key)
        except (ValueError, AttributeError) as e:
            missing.append(f"``bench/{name}`` (unreadable: {e})")
            continue
        heading = [f".. rubric:: {title}"] if only else [title, "-" * len(title)]
        out += [*heading, "", how, "", _run_line(meta, path), ""]
        out += (_table(rows, columns) if rows else ["No rows."]) + [""]
    if missing and only:
        out += ["No results yet from:", ""] + [f"- {m}" for m in missing] + [""]
    elif missing:
        out += ["Not run here", "-" * 12, "", "No results yet from:", ""]
        out += [f"- {m}" for m in missing] + [""]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.rst")
    args = parser.parse_args()
    args.out.write_text(render())
    fragment = args.out.parent / "RESULTS_conv3d.rst"
    fragment.write_text(".. generated by bench/results.py from bench/conv3d_step.json and "
                        "bench/escnn3d_results.json: never edit by hand\n\n"
                        + render(only=CONV3D))
    print(f"wrote {args.out} and {fragment}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
